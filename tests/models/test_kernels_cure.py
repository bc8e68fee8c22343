"""Mixture cure kernels: oracle likelihood, finite differences, hand cases, limits."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import optimize
from tests.models._oracles_cure import oracle_loglik, simulate_cure

from ppprog.models._kernels.cure import cure_loglik, fit_parametric, start_values
from ppprog.models._kernels.cure_em import fit_em, tie_bounds
from ppprog.models._kernels.followup import maller_zhou
from ppprog.models.status import FitStatus

COMBOS = list(itertools.product(["logit", "cloglog"], ["weibull", "lognormal"]))


def _data(seed: int, n: int = 60, family: str = "weibull"):
    shape = 1.4 if family == "weibull" else 0.8
    c = [-1.0, 0.5, -0.3] if family == "weibull" else [0.0, -0.4, 0.2]
    Xi, Xl, t, ev = simulate_cure(seed, n, b=[0.6, -0.8, 0.4], c=c, shape=shape, family=family)
    return Xi[None], Xl[None], t[None], ev[None], np.ones((1, n), bool)


@pytest.mark.parametrize(("link", "family"), COMBOS)
def test_loglik_matches_oracle(link, family):
    Xi, Xl, t, ev, mk = _data(1, family=family)
    theta = np.array([[0.3, -0.5, 0.2, -0.4, 0.3, 0.1, 0.2]])
    ll, _, _ = cure_loglik(theta, Xi, Xl, t, ev, mk, link=link, family=family)
    ref = oracle_loglik(theta[0], Xi[0], Xl[0], t[0], ev[0], link, family)
    assert ll[0] == pytest.approx(ref, rel=1e-12)


@pytest.mark.parametrize(("link", "family"), COMBOS)
def test_gradient_and_hessian_by_finite_differences(link, family):
    Xi, Xl, t, ev, mk = _data(2, family=family)
    theta = np.array([[0.2, 0.4, -0.3, -0.6, 0.2, -0.1, -0.2]])
    _, g, H = cure_loglik(theta, Xi, Xl, t, ev, mk, link=link, family=family)
    h = 1e-6
    for j in range(theta.shape[1]):
        e = np.zeros_like(theta)
        e[0, j] = h
        lp, gp, _ = cure_loglik(theta + e, Xi, Xl, t, ev, mk, link=link, family=family)
        lm, gm, _ = cure_loglik(theta - e, Xi, Xl, t, ev, mk, link=link, family=family)
        assert g[0, j] == pytest.approx((lp - lm)[0] / (2 * h), rel=1e-6, abs=1e-6)
        np.testing.assert_allclose(H[0, :, j], (gp - gm)[0] / (2 * h), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(H[0], H[0].T)


def test_padding_rows_contribute_nothing():
    Xi, Xl, t, ev, mk = _data(3)
    theta = np.array([[0.2, 0.1, 0.0, -1.0, 0.3, 0.0, 0.1]])
    pad = lambda a, v: np.concatenate([a, np.full((1, 5) + a.shape[2:], v)], axis=1)  # noqa: E731
    full = cure_loglik(theta, Xi, Xl, t, ev, mk, link="logit", family="weibull")
    padded = cure_loglik(theta, pad(Xi, 7.0), pad(Xl, -3.0), pad(t, 2.5), pad(ev, True),
                         pad(mk, False), link="logit", family="weibull")  # fmt: skip
    for a, b in zip(full, padded):
        np.testing.assert_allclose(a, b, rtol=1e-13)


def test_cure_fraction_zero_equals_weibull_ph():
    """Incidence intercept fixed at 40 (pi = 1 - 4e-18): the Weibull PH MLE, fitted separately."""
    rng = np.random.default_rng(np.random.SeedSequence(11))
    n = 300
    z = rng.normal(size=n)
    lat = (rng.exponential(size=n) / np.exp(-0.5 + 0.7 * z)) ** (1 / 1.3)
    cens = rng.exponential(scale=2.0, size=n)
    t, ev = np.minimum(lat, cens), lat <= cens

    def negll(p):  # Weibull PH: log h = log a + (a-1) log t + c0 + c1 z; H = exp(c0 + c1 z) t^a
        c0, c1, la = p
        a = math.exp(la)
        eta = c0 + c1 * z
        return -np.sum(ev * (la + (a - 1) * np.log(t) + eta) - np.exp(eta) * t**a)

    ref = optimize.minimize(negll, [0.0, 0.0, 0.0], method="BFGS", jac="3-point",
                            options={"gtol": 1e-10}).x  # fmt: skip
    Xi = np.ones((1, n, 1))
    Xl = np.stack([np.ones(n), z], axis=1)[None]
    theta0 = np.array([[40.0, 0.0, 0.0, 0.0]])
    free = np.array([False, True, True, True])
    fit = fit_parametric(theta0, Xi, Xl, t[None], ev[None], np.ones((1, n), bool),
                         link="logit", family="weibull", free=free)  # fmt: skip
    assert fit.status[0] == FitStatus.CONVERGED
    np.testing.assert_allclose(fit.theta[0, 1:], ref, atol=1e-6)


def test_no_covariates_full_plateau_gives_observed_share():
    """No censoring before the plateau: 1 - pi_hat is the share without an event."""
    rng = np.random.default_rng(np.random.SeedSequence(5))
    n = 200
    lat = rng.exponential(size=n) * 0.5
    sus = rng.random(n) < 0.7
    t = np.where(sus, lat, 40.0 + rng.random(n))
    ev = sus
    share = 1.0 - ev.mean()
    Xi, Xl, mk = np.ones((1, n, 1)), np.ones((1, n, 1)), np.ones((1, n), bool)
    theta0 = start_values(1, t[None], ev[None], mk, link="logit", family="weibull", k=1)
    fit = fit_parametric(theta0, Xi, Xl, t[None], ev[None], mk, link="logit", family="weibull")
    assert fit.status[0] == FitStatus.CONVERGED
    assert 1.0 / (1.0 + math.exp(fit.theta[0, 0])) == pytest.approx(share, abs=1e-9)
    em = fit_em(Xi, np.zeros((1, n, 0)), t[None], ev[None], mk)
    assert em.status[0] == FitStatus.CONVERGED
    assert 1.0 / (1.0 + math.exp(em.b[0, 0])) == pytest.approx(share, abs=1e-12)


def test_maller_zhou_hand_cases():
    t = np.array([[1.0, 2.0, 3.0, 10.0, 12.0], [1.0, 2.0, 3.0, 4.0, 5.0]])
    ev = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 0, 1]], bool)
    p, n_late, plateau = maller_zhou(t, ev, np.ones_like(ev))
    # row 0: t_n = 12, t* = 3, window (-6, 3] holds 3 events: (1 - 3/5)^5
    assert p[0] == pytest.approx(0.4**5, rel=1e-15)
    assert (n_late[0], plateau[0]) == (3.0, 9.0)
    # row 1: the last time is an event: no plateau, empty window, p = 1
    assert (p[1], n_late[1], plateau[1]) == (1.0, 0.0, 0.0)
    # masking the last two rows of row 0: t_n = 3 is an event
    mk = np.ones_like(ev)
    mk[0, 3:] = False
    assert maller_zhou(t, ev, mk)[0][0] == 1.0


def test_tie_bounds_hand_case():
    ts = np.array([[1.0, 2.0, 2.0, 2.0, 3.0, 4.0, 4.0]])
    first, last = tie_bounds(ts)
    np.testing.assert_array_equal(first[0], [0, 1, 1, 1, 4, 5, 5])
    np.testing.assert_array_equal(last[0], [0, 3, 3, 3, 4, 6, 6])


def test_em_fixed_point_scores_vanish():
    """At the EM solution the incidence score (response w) and the weighted Cox score are 0."""
    Xi, Xl, t, ev, mk = _data(9, n=150)
    Z = Xl[:, :, 1:]
    em = fit_em(Xi, Z, t, ev, mk)
    assert em.status[0] == FitStatus.CONVERGED
    b, beta = em.b[0], em.beta[0]
    tt, e, X, zz = t[0], ev[0], Xi[0], Z[0]
    lp = zz @ beta
    # baseline by loops: H0(s) = sum over event times u <= s of d(u) / sum_{t_j >= u} w_j exp(lp_j)
    pi = 1.0 / (1.0 + np.exp(-(X @ b)))
    t_last = tt[e].max()
    w = np.ones(len(tt))
    for _ in range(3):  # w from the baseline, which depends on w: iterate to the fixed point
        H = np.array([sum(1.0 / np.sum(w[tt >= u] * np.exp(lp[tt >= u])) for u in tt[e] if u <= s)
                      for s in tt])  # fmt: skip
        Su = np.where(tt > t_last, 0.0, np.exp(-H * np.exp(lp)))
        w = np.where(e, 1.0, pi * Su / (1 - pi + pi * Su))
    np.testing.assert_allclose(X.T @ (w - pi), 0.0, atol=1e-6)
    score = sum(zz[i] - np.sum((w * np.exp(lp) * zz.T)[:, tt >= tt[i]], axis=1)
                / np.sum((w * np.exp(lp))[tt >= tt[i]]) for i in np.flatnonzero(e))  # fmt: skip
    np.testing.assert_allclose(score, 0.0, atol=1e-6)
