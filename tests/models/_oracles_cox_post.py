"""Slow, loop-based references for the post-fit Cox kernels (tests only).

Written event time by event time in plain Python, on purpose unlike the
vectorized kernels, and from definitions rather than from R's algorithms:

* score residuals are the derivative of the case-weighted score vector with
  respect to each row's case weight (an identity for R's weighted Breslow and
  Efron likelihoods), taken by complex step, so exact to rounding;
* the cox.zph statistic is the score test for adding ``x_j * g(t)`` to the
  model, with gradient and information of a loop-based log partial likelihood
  taken by complex step / central differences;
* concordance by enumerating all pairs.
"""

from __future__ import annotations

import itertools
import math

import numpy as np


def make_data(seed, n, p=2, *, ties=False, entry=False, strata=False, beta=(0.6, -0.4, 0.3)):
    """Random Cox data; ``ties`` rounds times, ``entry`` adds (start, stop] rows."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    X = rng.normal(size=(n, p))
    lp = X @ np.asarray(beta[:p])
    t = rng.exponential(size=n) * np.exp(-lp)
    c = rng.exponential(scale=2.0, size=n)
    stop = np.minimum(t, c)
    event = (t <= c).astype(np.int64)
    if ties:
        stop = np.ceil(stop * 4) / 4
    start = None
    if entry:
        start = np.where(rng.random(n) < 0.5, 0.0, stop * rng.uniform(0.0, 0.8, size=n))
        if ties:
            start = np.floor(start * 8) / 8
        start = np.where(start < stop, start, 0.0)
    s = rng.integers(0, 2, size=n) if strata else None
    return start, stop, event, X, s


def _rows(n, strata):
    if strata is None:
        return [list(range(n))]
    return [[i for i in range(n) if strata[i] == s] for s in sorted(set(strata.tolist()))]


def _at_risk(start, stop, i, t):
    lo = -math.inf if start is None else start[i]
    return lo < t <= stop[i]


def _event_sets(start, stop, event, strata):
    """Per stratum and distinct event time ``t``: ``(t, rows at risk, rows dying at t)``."""
    for rows in _rows(len(stop), strata):
        for t in sorted({stop[i] for i in rows if event[i]}):
            risk = [i for i in rows if _at_risk(start, stop, i, t)]
            yield t, risk, [i for i in risk if event[i] and stop[i] == t]


def weighted_score(start, stop, event, X, beta, w, strata=None, ties="efron"):
    """Score vector of the case-weighted partial likelihood (R's weighting); complex-safe."""
    p = X.shape[1]
    u = np.zeros(p, dtype=complex)
    for _t, risk, dead in _event_sets(start, stop, event, strata):
        d = len(dead)
        r = {i: w[i] * np.exp(X[i] @ beta) for i in risk}
        s0 = sum(r[i] for i in risk)
        s1 = sum(r[i] * X[i] for i in risk)
        d0 = sum(r[i] for i in dead)
        d1 = sum(r[i] * X[i] for i in dead)
        wbar = sum(w[i] for i in dead) / d
        u = u + sum(w[i] * X[i] for i in dead)
        if ties == "efron":
            for m in range(d):
                u = u - wbar * (s1 - m / d * d1) / (s0 - m / d * d0)
        else:
            u = u - d * wbar * s1 / s0
    return u


def score_residuals_oracle(start, stop, event, X, beta, strata=None, ties="efron"):
    """d U / d w_j at w = 1, by complex step (exact to rounding)."""
    n, p = X.shape
    out = np.zeros((n, p))
    h = 1e-30
    for j in range(n):
        w = np.ones(n, dtype=complex)
        w[j] += 1j * h
        out[j] = weighted_score(start, stop, event, X, beta, w, strata, ties).imag / h
    return out


def loglik_tv(theta, start, stop, event, X, strata=None, ties="efron", cols=(), g=None):
    """Log partial likelihood with extra terms ``gamma_m * X[:, cols[m]] * g(t)``.

    ``theta`` is ``(beta, gamma)``, of length ``p + len(cols)``; ``g`` maps an event
    time to the transformed time.  Complex-safe.
    """
    p = X.shape[1]
    beta = theta[:p]
    ll = 0.0
    for t, risk, dead in _event_sets(start, stop, event, strata):
        d = len(dead)
        eta = {}
        for i in risk:
            e = X[i] @ beta
            for m, c in enumerate(cols):
                e = e + theta[p + m] * X[i, c] * g(t)
            eta[i] = e
        ll = ll + sum(eta[i] for i in dead)
        s0 = sum(np.exp(eta[i]) for i in risk)
        d0 = sum(np.exp(eta[i]) for i in dead)
        if ties == "efron":
            for m in range(d):
                ll = ll - np.log(s0 - m / d * d0)
        else:
            ll = ll - d * np.log(s0)
    return ll


def grad_cs(f, theta, h=1e-30):
    """Gradient by complex step."""
    theta = np.asarray(theta, dtype=float)
    out = np.zeros(len(theta))
    for j in range(len(theta)):
        z = theta.astype(complex)
        z[j] += 1j * h
        out[j] = f(z).imag / h
    return out


def hess_cd(f, theta, delta=1e-5):
    """Hessian: central differences of the complex-step gradient."""
    theta = np.asarray(theta, dtype=float)
    k = len(theta)
    out = np.zeros((k, k))
    for j in range(k):
        e = np.zeros(k)
        e[j] = delta
        out[:, j] = (grad_cs(f, theta + e) - grad_cs(f, theta - e)) / (2 * delta)
    return (out + out.T) / 2


def concordance_pairs(stop, event, risk, start=None, strata=None):
    """Brute-force (C, D, T_risk, T_time, T_both) and influence matrix (n, 3)."""
    n = len(stop)
    counts = np.zeros(5)
    infl = np.zeros((n, 3))
    for i, j in itertools.permutations(range(n), 2):
        if strata is not None and strata[i] != strata[j]:
            continue
        if not event[i]:
            continue
        t = stop[i]
        if start is not None and not start[j] < t:
            continue
        if stop[j] == t and event[j]:
            if i < j:
                counts[4 if risk[i] == risk[j] else 3] += 1
            continue
        if stop[j] < t:
            continue
        k = 0 if risk[i] > risk[j] else 1 if risk[i] < risk[j] else 2
        counts[k] += 1
        infl[i, k] += 1
        infl[j, k] += 1
    return counts, infl


def transform_oracle(start, stop, event, transform):
    """g(t) for every row, centered over the event rows, as R's cox.zph defines it."""
    n = len(stop)
    if transform == "km":
        times = sorted({stop[i] for i in range(n) if event[i]})
        g = []
        for i in range(n):
            s = 1.0
            for t in times:
                if t >= stop[i]:
                    break
                at = sum(1 for j in range(n) if _at_risk(start, stop, j, t))
                d = sum(1 for j in range(n) if event[j] and stop[j] == t)
                s *= 1.0 - d / at
            g.append(1.0 - s)
    elif transform == "rank":  # average rank among all stop times
        g = [sum(stop < stop[i]) + (sum(stop == stop[i]) + 1) / 2 for i in range(n)]
    elif transform == "log":
        g = [math.log(stop[i]) for i in range(n)]
    else:
        g = [float(stop[i]) for i in range(n)]
    g = np.array(g)
    return g - g[np.asarray(event, dtype=bool)].mean()


def zph_oracle(start, stop, event, X, beta, strata=None, ties="efron", transform="km"):
    """Score tests for adding x_j * g(t), from a loop log-likelihood; (chisq (p,), global)."""
    n, p = X.shape
    gv = transform_oracle(start, stop, event, transform)
    gmap = {stop[i]: gv[i] for i in range(n) if event[i]}
    theta = np.r_[beta, np.zeros(p)]

    def f(th):
        return loglik_tv(th, start, stop, event, X, strata, ties, cols=range(p), g=gmap.get)

    u = grad_cs(f, theta)[p:]
    info = -hess_cd(f, theta)
    chisq = []
    for j in range(p):
        k = list(range(p)) + [p + j]
        uj = np.r_[np.zeros(p), u[j]]
        chisq.append(uj @ np.linalg.solve(info[np.ix_(k, k)], uj))
    uu = np.r_[np.zeros(p), u]
    return np.array(chisq), float(uu @ np.linalg.solve(info, uu))
