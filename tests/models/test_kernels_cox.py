"""Cox kernels on their own: oracle, finite differences, closed forms, status codes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from tests.models._oracles_cox import oracle_cox, oracle_newton

from ppprog.models._kernels.cox_pass import cox_loglik
from ppprog.models._kernels.design import CoxDesign
from ppprog.models._kernels.newton import STATUS_CODES, newton_fit
from ppprog.models.status import FitStatus


def make(seed: int, n: int = 40, p: int = 2, *, ties: bool, entry: bool, strata: bool):
    """Small random data set: (X, start, stop, event, strata)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    X = rng.normal(size=(n, p))
    X[:, -1] = rng.integers(0, 2, size=n)
    t = rng.exponential(size=n) * np.exp(-X @ np.linspace(0.5, -0.3, p))
    c = rng.exponential(scale=2.0, size=n)
    stop = np.minimum(t, c)
    if ties:
        stop = np.ceil(stop * 4) / 4
    event = (t <= c).astype(float)
    start = None
    if entry:
        start = stop * rng.uniform(0, 0.8, size=n) * (rng.random(n) < 0.6)
    s = rng.integers(0, 3, size=n) if strata else None
    return X, start, stop, event, s


def batch(a):
    return None if a is None else np.asarray(a)[None]


OPTIONS = list(itertools.product(["efron", "breslow"], [False, True], [False, True], [False, True]))


@pytest.mark.parametrize(("ties", "tied", "entry", "strata"), OPTIONS)
def test_kernel_matches_oracle(ties, tied, entry, strata):
    X, start, stop, event, s = make(11, ties=tied, entry=entry, strata=strata)
    beta = np.array([0.3, -0.7])
    ll, u, info = cox_loglik(
        X[None], stop[None], event[None], beta[None], start=batch(start), strata=batch(s), ties=ties
    )
    oll, ou, oinfo = oracle_cox(X, stop, event, beta, start=start, strata=s, ties=ties)
    np.testing.assert_allclose(ll[0], oll, rtol=1e-12)
    np.testing.assert_allclose(u[0], ou, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(info[0], oinfo, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_score_and_information_are_derivatives(ties):
    X, start, stop, event, s = make(12, p=3, ties=True, entry=True, strata=True)
    beta = np.array([0.2, -0.4, 0.5])

    def f(b):
        return cox_loglik(X[None], stop[None], event[None], b[None], start=start[None],
                          strata=s[None], ties=ties)  # fmt: skip

    _, u, info = f(beta)
    h = 1e-6
    for j in range(3):
        e = np.zeros(3)
        e[j] = h
        lp, up, _ = f(beta + e)
        lm, um, _ = f(beta - e)
        assert (lp[0] - lm[0]) / (2 * h) == pytest.approx(u[0, j], rel=1e-7, abs=1e-8)
        np.testing.assert_allclose(-(up[0] - um[0]) / (2 * h), info[0, j], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(("ties", "tied", "entry", "strata"), OPTIONS)
def test_newton_matches_oracle_newton(ties, tied, entry, strata):
    X, start, stop, event, s = make(13, ties=tied, entry=entry, strata=strata)
    out = newton_fit(CoxDesign.from_arrays(X[None], stop[None], event[None], start=batch(start),
                                           strata=batch(s)), ties=ties)  # fmt: skip
    assert out.status[0] == FitStatus.CONVERGED
    beta, info = oracle_newton(X, stop, event, start=start, strata=s, ties=ties)
    np.testing.assert_allclose(out.beta[0], beta, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(out.vcov[0], np.linalg.inv(info), rtol=1e-8, atol=1e-12)


def test_three_subject_closed_form():
    # times 1, 2, 3 all events, x = (0, 1, 0): score equation u^2 = 2 with u = e^beta.
    X = np.array([[0.0], [1.0], [0.0]])
    out = newton_fit(CoxDesign.from_arrays(X[None], np.array([[1.0, 2.0, 3.0]]), np.ones((1, 3))))
    u = np.sqrt(2.0)
    assert out.status[0] == FitStatus.CONVERGED
    assert out.beta[0, 0] == pytest.approx(np.log(2.0) / 2, rel=1e-12)
    info = 2 * u / (2 + u) ** 2 + u / (1 + u) ** 2
    assert out.vcov[0, 0, 0] == pytest.approx(1 / info, rel=1e-10)
    assert out.loglik[0] == pytest.approx(-np.log(2 + u) + np.log(u) - np.log(u + 1), rel=1e-12)
    assert out.loglik_null[0] == pytest.approx(-np.log(3) - np.log(2), rel=1e-12)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_two_subjects_tied_deaths_closed_form(ties):
    # Both die at t=1, x=(1,0): the MLE is 0 and the information 1/2 for both methods.
    out = newton_fit(CoxDesign.from_arrays(np.array([[[1.0], [0.0]]]), np.ones((1, 2)),
                                           np.ones((1, 2))), ties=ties)  # fmt: skip
    assert out.status[0] == FitStatus.CONVERGED
    assert out.beta[0, 0] == 0.0
    assert out.vcov[0, 0, 0] == pytest.approx(2.0, rel=1e-12)
    expected = -2 * np.log(2) if ties == "breslow" else -np.log(2)
    assert out.loglik[0] == pytest.approx(expected, rel=1e-12)


def test_two_subjects_separated_is_monotone():
    # x=(1,0), subject with x=1 dies first: l(b) = b - log(e^b + 1) rises for ever.
    X = np.array([[[1.0], [0.0]], [[0.0], [1.0]]])
    out = newton_fit(CoxDesign.from_arrays(X, np.array([[1.0, 2.0]] * 2), np.ones((2, 2))))
    assert list(out.status) == [FitStatus.MONOTONE_LIKELIHOOD] * 2
    assert out.beta[0, 0] == np.inf
    assert out.beta[1, 0] == -np.inf
    assert list(out.direction[:, 0]) == [1, -1]
    assert out.flagged.all()
    assert np.isnan(out.vcov).all()
    assert out.loglik[0] == pytest.approx(0.0, abs=1e-6)


def test_status_codes_mirror_fit_status():
    for name, code in STATUS_CODES.items():
        assert FitStatus[name] == code


def test_no_events_and_singular_columns():
    rng = np.random.default_rng(np.random.SeedSequence(5))
    X = rng.normal(size=(3, 30, 3))
    X[1, :, 2] = 7.0  # constant column
    X[2, :, 2] = X[2, :, 0] - 2 * X[2, :, 1]  # collinear
    ev = np.ones((3, 30))
    ev[0] = 0
    out = newton_fit(CoxDesign.from_arrays(X, rng.exponential(size=(3, 30)), ev))
    assert list(out.status) == [FitStatus.NO_EVENTS] + [FitStatus.SINGULAR_INFORMATION] * 2
    assert out.flagged[1].tolist() == [False, False, True]
    assert out.flagged[2, 2]
    assert np.isnan(out.beta).all()


def test_constant_within_strata_is_singular():
    rng = np.random.default_rng(np.random.SeedSequence(6))
    s = rng.integers(0, 2, size=(1, 40))
    X = np.stack([rng.normal(size=(1, 40)), 3.0 * s], axis=-1)
    out = newton_fit(CoxDesign.from_arrays(X, rng.exponential(size=(1, 40)), np.ones((1, 40)),
                                           strata=s))  # fmt: skip
    assert out.status[0] == FitStatus.SINGULAR_INFORMATION
    assert out.flagged[0].tolist() == [False, True]


def test_mask_equals_dropping_rows():
    X, start, stop, event, s = make(14, n=50, ties=True, entry=True, strata=True)
    keep = np.random.default_rng(np.random.SeedSequence(3)).random(50) < 0.7
    full = newton_fit(CoxDesign.from_arrays(X[None], stop[None], event[None], start=start[None],
                                            strata=s[None], mask=keep[None]))  # fmt: skip
    sub = newton_fit(CoxDesign.from_arrays(X[keep][None], stop[keep][None], event[keep][None],
                                           start=start[keep][None], strata=s[keep][None]))  # fmt: skip
    np.testing.assert_allclose(full.beta, sub.beta, rtol=1e-12)
    assert full.n_used[0] == keep.sum()


def test_batch_is_bitwise_single():
    data = [make(20 + r, n=35, ties=True, entry=True, strata=False) for r in range(5)]
    X = np.stack([d[0] for d in data])
    start = np.stack([d[1] for d in data])
    stop = np.stack([d[2] for d in data])
    ev = np.stack([d[3] for d in data])
    out = newton_fit(CoxDesign.from_arrays(X, stop, ev, start=start))
    for r in range(5):
        one = newton_fit(CoxDesign.from_arrays(X[r:r + 1], stop[r:r + 1], ev[r:r + 1],
                                               start=start[r:r + 1]))  # fmt: skip
        assert np.array_equal(one.beta[0], out.beta[r])
        assert np.array_equal(one.vcov[0], out.vcov[r])
        assert one.loglik[0] == out.loglik[r]


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_entry_removal_of_dominant_row_is_exact(ties):
    # A row with risk e^30 leaves the risk set (start=5) before the others' events:
    # plain running sums would lose ~1e-3 of S0 to cancellation; the kernel recomputes.
    rng = np.random.default_rng(np.random.SeedSequence(21))
    n = 20
    X = np.append(rng.normal(size=n), 30.0)[:, None]
    stop = np.append(np.round(rng.uniform(0.5, 4.5, size=n), 1), 6.0)
    start = np.append(np.zeros(n), 5.0)
    event = np.ones(n + 1)
    beta = np.array([1.0])
    ll, u, info = cox_loglik(X[None], stop[None], event[None], beta[None], start=start[None],
                             ties=ties)  # fmt: skip
    oll, ou, oinfo = oracle_cox(X, stop, event, beta, start=start, ties=ties)
    np.testing.assert_allclose(ll[0], oll, rtol=1e-13)
    np.testing.assert_allclose(u[0], ou, rtol=1e-11)
    np.testing.assert_allclose(info[0], oinfo, rtol=1e-11)


def test_underflowing_risk_scores_give_nan_not_inf():
    # Linear predictors 2000 apart, highest risk dying first: the last risk set's
    # scores, relative to the overall maximum, underflow to 0.
    X = np.array([[[2.0], [1.0], [0.0]]])
    ll, _, _ = cox_loglik(X, np.array([[1.0, 2.0, 3.0]]), np.ones((1, 3)), np.array([[2000.0]]))
    assert np.isnan(ll[0])
