"""Kernel tests: Firth penalized likelihood, modified score, Newton, profile search."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from _oracles_firth import loglik_info, make_data, penalized_loglik
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from ppprog.models._kernels import firth as K
from ppprog.models._kernels.profile import profile_bound, profile_interval
from ppprog.models.status import FitStatus

OPTS = (100, 1e-10, 1e-6, 0.5, 20)  # max_iter, tol, gtol, max_step, max_halving
COMBOS = list(itertools.product([False, True], [False, True], [False, True]))
IDS = [
    f"{'efron' if e else 'breslow'}-{'entry' if s else 'rc'}-{'strata' if g else 'nostrata'}"
    for e, s, g in COMBOS
]


def _prep(X, stop, event, start=None, strata=None, mask=None):
    n = stop.size
    start = np.full(n, -np.inf) if start is None else start
    strata = np.zeros(n, np.int64) if strata is None else strata.astype(np.int64)
    mask = np.ones(n, np.bool_) if mask is None else mask
    prep = K.prepare(X, start, stop, event.astype(bool), strata, mask)
    return tuple(prep[:7]), prep[7]


def _data(seed, entry, strata, n=30, **kw):
    return make_data(seed, n, ties=True, entry=entry, strata=strata, **kw)


@pytest.mark.parametrize(("efron", "entry", "strata"), COMBOS, ids=IDS)
def test_penalized_loglik_and_information_match_oracle(efron, entry, strata):
    X, stop, event, start, sg = _data(11, entry, strata)
    data, sd = _prep(X, stop, event, start, sg)
    rng = np.random.default_rng(np.random.SeedSequence(3))
    for _ in range(3):
        beta = rng.normal(scale=0.5, size=X.shape[1])
        code, lpen, _, info = K.penalized_score(data, sd, beta, efron, 0.5)
        assert code == FitStatus.CONVERGED
        ll, info_o = loglik_info(beta, X, stop, event, start, sg, efron)
        np.testing.assert_allclose(info, info_o, rtol=1e-10, atol=1e-12)
        assert lpen == pytest.approx(
            penalized_loglik(beta, X, stop, event, start, sg, efron), rel=1e-11
        )


@pytest.mark.parametrize(("efron", "entry", "strata"), COMBOS, ids=IDS)
def test_modified_score_is_gradient_of_penalized_loglik(efron, entry, strata):
    """Central differences of the oracle's l*(b) (step 1e-5, error ~1e-9)."""
    X, stop, event, start, sg = _data(12, entry, strata)
    data, sd = _prep(X, stop, event, start, sg)
    beta = np.array([0.3, -0.2, 0.7])
    _, _, ustar, _ = K.penalized_score(data, sd, beta, efron, 0.5)
    h = 1e-5
    fd = np.empty(3)
    for r in range(3):
        e = np.zeros(3)
        e[r] = h
        fd[r] = (
            penalized_loglik(beta + e, X, stop, event, start, sg, efron)
            - penalized_loglik(beta - e, X, stop, event, start, sg, efron)
        ) / (2 * h)
    np.testing.assert_allclose(ustar, fd, rtol=1e-6, atol=1e-7)


def test_penalty_derivative_alone_matches_finite_differences():
    """U* - U is d/db of 1/2 log|I(b)| (Efron, ties and entry), checked on its own."""
    X, stop, event, start, sg = _data(13, True, True)
    data, sd = _prep(X, stop, event, start, sg)
    beta = np.array([-0.4, 0.5, 1.1])
    _, _, ustar, _ = K.penalized_score(data, sd, beta, True, 0.5)
    _, _, u, _ = K.penalized_score(data, sd, beta, True, 0.0)

    def half_logdet(b):
        return 0.5 * np.linalg.slogdet(loglik_info(b, X, stop, event, start, sg, True)[1])[1]

    h = 1e-5
    fd = [(half_logdet(beta + h * e) - half_logdet(beta - h * e)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(ustar - u, fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(("efron", "entry", "strata"), COMBOS, ids=IDS)
def test_newton_reaches_the_maximum_found_by_scipy(efron, entry, strata):
    X, stop, event, start, sg = _data(14, entry, strata, separate=True)
    data, sd = _prep(X, stop, event, start, sg)
    free = np.ones(3, np.bool_)
    beta, lpen, _, _, code = K.newton(data, sd, np.zeros(3), free, efron, 0.5, *OPTS)
    assert code == FitStatus.CONVERGED

    def neg(b):
        return -penalized_loglik(b, X, stop, event, start, sg, efron)

    ref = optimize.minimize(neg, np.zeros(3), method="BFGS", options={"gtol": 1e-9, "xrtol": 1e-12})
    assert lpen >= -ref.fun - 1e-12  # ours is at least as high
    assert lpen == pytest.approx(-ref.fun, abs=1e-9)
    np.testing.assert_allclose(beta, ref.x, atol=2e-5)


def test_two_subjects_give_log_3():
    """x = (1, 0), both events, distinct times.

    One risk set {1, 2} at t1 with p = e^b / (1 + e^b): l(b) = b - log(1 + e^b),
    I(b) = p (1 - p) = e^b / (1 + e^b)^2, so
    l*(b) = l(b) + 1/2 log I(b) = 3/2 b - 2 log(1 + e^b), and
    dl*/db = 3/2 - 2 p = 0 gives p = 3/4, e^b = 3, b = log 3.
    (The risk set at t2 holds only subject 2: no contribution.)
    """
    X = np.array([[1.0], [0.0]])
    for efron in (False, True):
        data, sd = _prep(X, np.array([1.0, 2.0]), np.array([1.0, 1.0]))
        beta, lpen, info, _, code = K.newton(
            data, sd, np.zeros(1), np.ones(1, np.bool_), efron, 0.5, *OPTS
        )
        assert code == FitStatus.CONVERGED
        assert beta[0] == pytest.approx(math.log(3), abs=1e-12)
        assert lpen == pytest.approx(1.5 * math.log(3) - 2 * math.log(4), abs=1e-13)
        assert info[0, 0] == pytest.approx(3 / 16, abs=1e-12)


def test_penalty_off_is_the_ordinary_breslow_fit():
    """Penalty weight 0 = ordinary Cox; statsmodels PHReg with Breslow ties."""
    from statsmodels.duration.hazard_regression import PHReg

    X, stop, event, _, _ = make_data(15, 60, ties=True)
    data, sd = _prep(X, stop, event)
    beta, ll, info, _, code = K.newton(
        data, sd, np.zeros(3), np.ones(3, np.bool_), False, 0.0, *OPTS
    )
    assert code == FitStatus.CONVERGED
    model = PHReg(stop, X, status=event, ties="breslow")
    ref = model.fit(method="newton", tol=1e-12, maxiter=100, disp=False)
    np.testing.assert_allclose(beta, ref.params, rtol=1e-7, atol=1e-9)
    assert ll == pytest.approx(model.loglike(ref.params), rel=1e-12)
    np.testing.assert_allclose(np.sqrt(np.diag(np.linalg.inv(info))), ref.bse, rtol=1e-6)


def test_mask_drops_exactly_the_masked_rows():
    X, stop, event, _, _ = make_data(16, 40, ties=True)
    keep = np.arange(40) % 4 != 0
    d1, s1 = _prep(X, stop, event, mask=keep)
    d2, s2 = _prep(X[keep], stop[keep], event[keep])
    b = np.array([0.1, 0.2, -0.3])
    r1 = K.penalized_score(d1, s1, b, True, 0.5)
    r2 = K.penalized_score(d2, s2, b, True, 0.5)
    assert r1[1] == pytest.approx(r2[1], rel=1e-13)
    np.testing.assert_allclose(r1[2], r2[2], rtol=1e-11, atol=1e-13)


def test_invariant_to_row_order_and_covariate_shift():
    X, stop, event, start, sg = make_data(17, 35, ties=True, entry=True, strata=True)
    free = np.ones(3, np.bool_)
    base = K.newton(*_prep(X, stop, event, start, sg), np.zeros(3), free, True, 0.5, *OPTS)
    perm = np.random.default_rng(np.random.SeedSequence(5)).permutation(35)
    shuffled = K.newton(
        *_prep(X[perm], stop[perm], event[perm], start[perm], sg[perm]),
        np.zeros(3),
        free,
        True,
        0.5,
        *OPTS,
    )
    shifted = K.newton(
        *_prep(X + [10.0, -3.0, 100.0], stop, event, start, sg), np.zeros(3), free, True, 0.5, *OPTS
    )
    for other in (shuffled, shifted):
        np.testing.assert_allclose(other[0], base[0], rtol=1e-9, atol=1e-11)
        assert other[1] == pytest.approx(base[1], rel=1e-11)


def test_status_codes_for_degenerate_data():
    X, stop, event, _, _ = make_data(18, 20)
    R = 3
    Xb = np.repeat(X[None], R, axis=0)
    Xb[1, :, 0] = 2.5  # constant column
    ev = np.repeat(event[None], R, axis=0)
    ev[2] = 0.0  # no events
    out = K.fit_batch(
        Xb, np.full((R, 20), -np.inf), np.repeat(stop[None], R, 0), ev.astype(bool),
        np.zeros((R, 20), np.int64), np.ones((R, 20), np.bool_), False, 0.5, *OPTS,
    )  # fmt: skip
    assert out[5].tolist() == [
        FitStatus.CONVERGED,
        FitStatus.SINGULAR_INFORMATION,
        FitStatus.NO_EVENTS,
    ]
    assert np.isnan(out[0][1:]).all()


def test_iteration_limit_is_reported():
    X, stop, event, _, _ = make_data(19, 30, separate=True)
    data, sd = _prep(X, stop, event)
    *_, n_iter, code = K.newton(
        data, sd, np.zeros(3), np.ones(3, np.bool_), False, 0.5, 2, 1e-10, 1e-6, 0.5, 20
    )
    assert code == FitStatus.MAX_ITER
    assert n_iter == 2


def test_chol_inv_matches_numpy_and_flags_singular():
    A = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
    ok, logdet, inv = K.chol_inv(A, np.ones(3))
    assert ok
    assert logdet == pytest.approx(np.linalg.slogdet(A)[1], rel=1e-14)
    np.testing.assert_allclose(inv, np.linalg.inv(A), rtol=1e-13)
    B = np.array([[1.0, 2.0], [2.0, 4.0]])
    assert not K.chol_inv(B, np.ones(2))[0]


# ---------------------------------------------------------------- profile search
def _quadratic(b_hat, se, nuisance=0.7):
    """l(b1, b2) = -(b1 - b_hat)^2 / (2 se^2) - (b2 - nuisance * b1)^2 / 2: profile known."""

    def fit(v, start):
        beta = np.array([v, nuisance * v])
        return -((v - b_hat) ** 2) / (2 * se**2), beta, 0

    return fit


def test_profile_bounds_of_a_quadratic_are_wald_bounds():
    crit = stats.chi2.ppf(0.95, 1)
    fit = _quadratic(1.3, 0.4)
    lo, hi = profile_interval(fit, 0, np.array([1.3, 0.91]), 0.0, se=0.1, sd=1.0, crit=crit)
    assert lo.status == hi.status == FitStatus.CONVERGED
    half = math.sqrt(crit) * 0.4  # first step (0.1 * sqrt(crit)) is too short: brackets expand
    assert lo.value == pytest.approx(1.3 - half, abs=1e-9)
    assert hi.value == pytest.approx(1.3 + half, abs=1e-9)


def test_profile_bound_that_never_closes_is_infinite():
    crit = stats.chi2.ppf(0.95, 1)

    def flat_above(v, start):  # profile flattens at 0.5 below the maximum for v > 0
        ll = -(v**2) / 2 if v < 0 else -0.5 * (1 - math.exp(-v))
        return ll, np.array([v]), 0

    lo, hi = profile_interval(
        flat_above, 0, np.zeros(1), 0.0, se=1.0, sd=1.0, crit=crit, cap_sd=30.0
    )
    assert lo.status == FitStatus.CONVERGED
    assert lo.value == pytest.approx(-math.sqrt(crit), abs=1e-9)
    assert hi.status == FitStatus.PROFILE_NOT_CLOSED
    assert hi.value == math.inf


def test_profile_bound_reports_a_failed_constrained_fit():
    def fails_far(v, start):
        if abs(v) > 1.0:
            return math.nan, start, int(FitStatus.MAX_ITER)
        return -(v**2) / 2, np.array([v]), 0

    b = profile_bound(fails_far, 0, np.zeros(1), 0.0, side=1, step=0.5, crit=3.84, cap=50.0)
    assert b.status == FitStatus.MAX_ITER
    assert b.value == math.inf


# ------------------------------------------------------------------ properties
@st.composite
def small_survival(draw):
    """Tiny data sets with ties, entry times and two strata (values on a grid)."""
    n = draw(st.integers(4, 14))
    grid = st.integers(-4, 4).map(lambda v: v / 2)
    X = np.array([[draw(grid), draw(grid)] for _ in range(n)])
    stop = np.array([draw(st.integers(1, 6)) for _ in range(n)], dtype=float)
    start = np.array([draw(st.integers(-1, int(s) - 1)) for s in stop], dtype=float)
    event = np.array([draw(st.booleans()) for _ in range(n)])
    strata = np.array([draw(st.integers(0, 1)) for _ in range(n)], dtype=np.int64)
    return X, stop, event, start, strata


@settings(max_examples=40)
@given(small_survival(), st.booleans(), st.randoms(use_true_random=False))
def test_fit_invariant_to_row_order_and_shift(d, efron, rnd):
    X, stop, event, start, strata = d
    free = np.ones(2, np.bool_)
    base = K.newton(*_prep(X, stop, event, start, strata), np.zeros(2), free, efron, 0.5, *OPTS)
    perm = np.array(rnd.sample(range(stop.size), stop.size))
    again = K.newton(
        *_prep(X[perm] + [3.0, -1.5], stop[perm], event[perm], start[perm], strata[perm]),
        np.zeros(2),
        free,
        efron,
        0.5,
        *OPTS,
    )
    assert again[4] == base[4]
    if base[4] == FitStatus.CONVERGED:
        np.testing.assert_allclose(again[0], base[0], rtol=1e-7, atol=1e-8)
        assert np.isfinite(base[0]).all()
        code, _, ustar, _ = K.penalized_score(
            *_prep(X, stop, event, start, strata), base[0], efron, 0.5
        )
        assert np.abs(ustar).max() < 1e-6
