"""Slow, loop-based Firth-penalized Cox likelihood (tests only).

Written from the definitions, event time by event time, on purpose unlike the
compiled sweep in ``ppprog.models._kernels.firth``: the risk set at each
distinct event time is found by scanning every row (``start < t <= stop`` in
the same stratum), the weights are formed explicitly (Efron: ``1 - k/d`` on the
tied events), and the information is the weighted covariance computed with
``numpy.cov``-style explicit sums, on uncentred covariates.
"""

from __future__ import annotations

import numpy as np


def make_data(seed, n, *, p=3, ties=False, entry=False, strata=False, separate=False):
    """Random Cox data from a fixed seed.

    ``ties`` rounds times to a coarse grid; ``entry`` adds (start, stop] rows;
    ``strata`` adds two strata; ``separate`` makes the binary last covariate
    separate (no events where it is 0), the monotone-likelihood case.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    X = rng.normal(loc=1.0, size=(n, p))
    X[:, -1] = (rng.random(n) < 0.5).astype(float)
    lp = X @ np.array([0.5, -0.4, 0.8, 0.2][:p])
    t = rng.exponential(size=n) * np.exp(-lp)
    c = rng.exponential(scale=3.0, size=n)
    stop = np.minimum(t, c)
    event = (t <= c).astype(float)
    if ties:
        stop = np.ceil(stop * 3) / 3
    if separate:
        event[X[:, -1] == 0] = 0.0
        event[np.flatnonzero(X[:, -1] == 1)[:2]] = 1.0
    start = None
    if entry:
        start = np.where(rng.random(n) < 0.5, -1.0, stop * rng.uniform(0.0, 0.9, size=n))
        if ties:
            start = np.floor(start * 6) / 6
        start = np.where(start < stop, start, -1.0)
    s = rng.integers(0, 2, size=n) if strata else None
    return X, stop, event, start, s


def loglik_info(beta, X, stop, event, start=None, strata=None, efron=False):
    """Unpenalized log partial likelihood and information, by definition."""
    n, p = X.shape
    start = np.full(n, -np.inf) if start is None else start
    strata = np.zeros(n, dtype=int) if strata is None else strata
    eta = X @ beta
    ll = 0.0
    info = np.zeros((p, p))
    for s in np.unique(strata):
        for t in np.unique(stop[(event == 1) & (strata == s)]):
            at_risk = [i for i in range(n) if strata[i] == s and start[i] < t <= stop[i]]
            dead = [i for i in at_risk if stop[i] == t and event[i] == 1]
            d = len(dead)
            ll += sum(eta[i] for i in dead)
            for k in range(d if efron else 1):
                wts = []
                for i in at_risk:
                    frac = (1.0 - k / d) if (efron and i in dead) else 1.0
                    wts.append(frac * np.exp(eta[i]))
                wts = np.array(wts)
                xs = X[at_risk]
                tot = wts.sum()
                mean = (wts[:, None] * xs).sum(axis=0) / tot
                dev = xs - mean
                cov = (wts[:, None, None] * dev[:, :, None] * dev[:, None, :]).sum(axis=0) / tot
                times = 1.0 if efron else float(d)
                ll -= times * np.log(tot)
                info += times * cov
    return ll, info


def penalized_loglik(beta, X, stop, event, start=None, strata=None, efron=False, weight=0.5):
    """``l(b) + weight * log det I(b)`` (``-inf`` when I is not positive definite)."""
    ll, info = loglik_info(np.asarray(beta, float), X, stop, event, start, strata, efron)
    sign, logdet = np.linalg.slogdet(info)
    if sign <= 0:
        return -np.inf
    return ll + weight * logdet
