"""Compiled, batched profile penalized-likelihood bounds of the Firth Cox fit.

Checked against an independent root search (scipy's brentq on the profile
deviance, each profile point a constrained maximization), against the
loop-based oracle maximized by scipy, and against firthmodels 0.8.2; batched
bounds must equal single-fit bounds, and threads must not change a bit.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from _oracles_firth import make_data, penalized_loglik
from scipy import optimize, stats

from ppprog.models._kernels import firth as K
from ppprog.models._kernels import firth_pl, firth_prep, firth_vm
from ppprog.models.firth import cox_firth_batch
from ppprog.models.status import FitStatus

OPTS = (100, 1e-10, 1e-6, 0.5, 20)  # max_iter, tol, gtol, max_step, max_halving
CRIT = float(stats.chi2.ppf(0.95, 1))


def _prepared(X, stop, event, start=None, strata=None):
    n = stop.size
    start = np.full(n, -np.inf) if start is None else start
    strata = np.zeros(n, np.int64) if strata is None else strata.astype(np.int64)
    prep = K.prepare(X, start, stop, event.astype(bool), strata, np.ones(n, np.bool_))
    return tuple(prep[:7]), prep[7]


def _fit(data, sd, efron):
    p = sd.size
    beta, lpen, info, _, code = K.newton(data, sd, np.zeros(p), np.ones(p, np.bool_), efron, 0.5,
                                         *OPTS)  # fmt: skip
    assert code == FitStatus.CONVERGED
    return beta, lpen, np.linalg.inv(info)


def _compiled(data, sd, beta, lpen, vcov, efron, cap_sd=64.0):
    p = sd.size
    return firth_pl.profile_replicate(data, sd, beta, lpen, vcov, efron, 0.5, OPTS, CRIT, cap_sd,
                                      1e-10, firth_prep.workspace(data[1].shape[0], p),
                                      K.points(p))  # fmt: skip


def _brentq_bounds(data, sd, beta, lpen, vcov, efron, j):
    """Both bounds by brentq on 2 (l_hat - l_p(v)) - crit, l_p from constrained Newton fits."""
    free = np.ones(sd.size, np.bool_)
    free[j] = False

    def dev(v):
        start = beta - (beta[j] - v) * vcov[:, j] / vcov[j, j]
        _, lp, _, _, code = K.newton(data, sd, start, free, efron, 0.5, *OPTS)
        assert code == FitStatus.CONVERGED
        return 2.0 * (lpen - lp) - CRIT

    se = math.sqrt(vcov[j, j])
    out = []
    for side in (-1, 1):
        far = beta[j] + side * 2.0 * se
        while dev(far) < 0:
            far = beta[j] + 2.0 * (far - beta[j])
        lo, hi = sorted((beta[j], far))
        out.append(optimize.brentq(dev, lo, hi, xtol=1e-13, rtol=1e-15))
    return out


CASES = [
    (31, 20, False, False, False, False),
    (32, 40, True, False, False, True),
    (33, 60, True, True, True, True),
    (34, 30, True, False, True, False),
]


@pytest.mark.parametrize(("seed", "n", "ties", "entry", "strata", "efron"), CASES)
def test_compiled_bounds_equal_an_independent_brentq_search(seed, n, ties, entry, strata, efron):
    X, stop, event, start, sg = make_data(seed, n, ties=ties, entry=entry, strata=strata)
    data, sd = _prepared(X, stop, event, start, sg)
    beta, lpen, vcov = _fit(data, sd, efron)
    bounds, codes, n_work = _compiled(data, sd, beta, lpen, vcov, efron)
    assert (codes == FitStatus.CONVERGED).all()
    assert n_work <= 8 * 2 * 3  # Venzon-Moolgavkar: a few evaluations of l* per bound
    for j in range(3):
        ref = _brentq_bounds(data, sd, beta, lpen, vcov, efron, j)
        np.testing.assert_allclose(bounds[j], ref, rtol=0, atol=1e-9)


def test_bound_solves_the_oracle_profile_maximized_by_scipy():
    """The deviance at each bound, profiled by BFGS on the loop-based oracle, is chi2(0.95)."""
    X, stop, event, _, _ = make_data(35, 25, ties=True, separate=True)
    data, sd = _prepared(X, stop, event)
    beta, lpen, vcov = _fit(data, sd, False)
    bounds, codes, _ = _compiled(data, sd, beta, lpen, vcov, False)
    assert (codes == FitStatus.CONVERGED).all()
    for v in bounds[2]:

        def neg(free, v=v):
            return -penalized_loglik(np.r_[free, v], X, stop, event)

        ref = optimize.minimize(neg, beta[:2], method="BFGS", options={"gtol": 1e-10})
        assert 2.0 * (lpen + ref.fun) == pytest.approx(CRIT, abs=1e-6)


@pytest.mark.parametrize(("seed", "n"), [(36, 20), (37, 50), (38, 200)])
def test_batched_bounds_agree_with_firthmodels(seed, n):
    from firthmodels import FirthCoxPH

    X, stop, event, _, _ = make_data(seed, n, ties=True)
    res = cox_firth_batch(X[None], stop, event, ties="breslow", profile=True)
    assert res.converged.all()
    assert (res.bound_status == FitStatus.CONVERGED).all()
    ref = FirthCoxPH(max_iter=500, gtol=1e-8, xtol=1e-9, max_halfstep=50).fit(
        X, (event.astype(bool), stop)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pl = ref.conf_int(method="pl", tol=1e-9, max_iter=200)
    np.testing.assert_allclose(np.c_[res.lower[0], res.upper[0]], pl, rtol=0, atol=1e-7)


def test_batch_equals_replicate_by_replicate_and_threads_change_nothing():
    rng = np.random.default_rng(np.random.SeedSequence(39))
    R, n = 6, 30
    X = rng.normal(size=(R, n, 2))
    time = np.round(rng.exponential(size=(R, n)) * np.exp(-X[..., 0]), 1) + 0.1
    event = rng.random((R, n)) < 0.7
    serial = cox_firth_batch(X, time, event, profile=True)
    threads = cox_firth_batch(X, time, event, profile=True, parallel=True)
    for name in ("params", "se", "lower", "upper", "loglik", "n_iter", "status", "bound_status"):
        np.testing.assert_array_equal(getattr(serial, name), getattr(threads, name))
    for r in range(R):
        one = cox_firth_batch(X[r : r + 1], time[r], event[r], profile=True)
        np.testing.assert_array_equal(one.lower[0], serial.lower[r])
        np.testing.assert_array_equal(one.upper[0], serial.upper[r])


def test_bound_beyond_the_search_cap_is_not_closed():
    """A search capped at 0.2 SE cannot reach a bound about 2 SE away."""
    X, stop, event, _, _ = make_data(40, 30, ties=True)
    data, sd = _prepared(X, stop, event)
    beta, lpen, vcov = _fit(data, sd, True)
    se = math.sqrt(vcov[0, 0])
    ws, pts = firth_prep.workspace(data[1].shape[0], 3), K.points(3)
    for side in (-1, 1):
        value, code, n_fits = firth_pl._bound(data, sd, 0, side, beta, lpen, vcov, 0.05 * se,
                                              0.2 * se, math.sqrt(CRIT), True, 0.5, OPTS, 1e-10,
                                              ws, pts)  # fmt: skip
        assert code == FitStatus.PROFILE_NOT_CLOSED
        assert value == side * math.inf
        assert n_fits >= 2


@pytest.mark.parametrize(("seed", "n", "ties", "entry", "strata", "efron"), CASES)
def test_venzon_moolgavkar_bounds_equal_the_bracketing_search(seed, n, ties, entry, strata, efron):
    """Both routes to a bound (the VM iteration, else the bracketing search) give the same bound."""
    X, stop, event, start, sg = make_data(seed, n, ties=ties, entry=entry, strata=strata)
    data, sd = _prepared(X, stop, event, start, sg)
    beta, lpen, vcov = _fit(data, sd, efron)
    p = sd.size
    fast, fast_codes, _ = _compiled(data, sd, beta, lpen, vcov, efron)
    slow, slow_codes, _ = firth_pl.profile_replicate(
        data, sd, beta, lpen, vcov, efron, 0.5, OPTS, CRIT, 64.0, 1e-10,
        firth_prep.workspace(data[1].shape[0], p), K.points(p), False,
    )  # fmt: skip
    assert (fast_codes == 0).all()
    assert (slow_codes == 0).all()
    np.testing.assert_allclose(fast, slow, rtol=0, atol=2e-9)
    for j in range(p):
        for s, side in enumerate((-1, 1)):
            ok, value, n_eval = firth_vm.vm_bound(
                data, sd, j, side, beta, lpen, vcov, CRIT, 64.0 / sd[j], efron, 0.5, 2.0, 1e-10,
                firth_prep.workspace(data[1].shape[0], p), K.points(p),
            )  # fmt: skip
            assert ok, (j, side)
            assert side * (value - beta[j]) > 0
            assert value == fast[j, s]
            assert 2 <= n_eval <= 30


def test_venzon_moolgavkar_declines_a_profile_that_does_not_close():
    """Beyond the search cap the iteration gives up and the search reports PROFILE_NOT_CLOSED."""
    X, stop, event, _, _ = make_data(31, 20)
    data, sd = _prepared(X, stop, event)
    beta, lpen, vcov = _fit(data, sd, False)
    p = sd.size
    se = math.sqrt(vcov[0, 0])
    ok, _, _ = firth_vm.vm_bound(
        data, sd, 0, 1, beta, lpen, vcov, CRIT, 0.5 * se, False, 0.5, 2.0, 1e-10,
        firth_prep.workspace(data[1].shape[0], p), K.points(p),
    )  # fmt: skip
    assert not ok
