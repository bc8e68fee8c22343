"""Slow reference Cox log-likelihood, score and information.

Written differently from the kernels on purpose: no sorting, no centring, no
running sums. For every stratum and every distinct event time the risk set is
rebuilt from its definition (``start < t <= stop``) and the Breslow or Efron
terms are summed directly from the textbook formulas.
"""

from __future__ import annotations

import numpy as np


def oracle_cox(
    X: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
    beta: np.ndarray,
    *,
    start: np.ndarray | None = None,
    strata: np.ndarray | None = None,
    ties: str = "efron",
) -> tuple[float, np.ndarray, np.ndarray]:
    """Return (loglik, score, information) for one data set."""
    X = np.asarray(X, dtype=float)
    n, p = X.shape
    beta = np.asarray(beta, dtype=float)
    groups = np.zeros(n, int) if strata is None else np.asarray(strata)
    ll = 0.0
    score = np.zeros(p)
    info = np.zeros((p, p))
    for g in np.unique(groups):
        ing = groups == g
        for t in np.unique(time[ing & (event == 1)]):
            risk = [
                i for i in range(n) if ing[i] and time[i] >= t and (start is None or start[i] < t)
            ]
            dead = [i for i in risk if time[i] == t and event[i] == 1]
            d = len(dead)
            r = {i: float(np.exp(X[i] @ beta)) for i in risk}
            s0 = sum(r[i] for i in risk)
            s1 = sum(r[i] * X[i] for i in risk)
            s2 = sum(r[i] * np.outer(X[i], X[i]) for i in risk)
            d0 = sum(r[i] for i in dead)
            d1 = sum(r[i] * X[i] for i in dead)
            d2 = sum(r[i] * np.outer(X[i], X[i]) for i in dead)
            for i in dead:
                ll += float(X[i] @ beta)
                score += X[i]
            for el in range(d):
                frac = el / d if ties == "efron" else 0.0
                den = s0 - frac * d0
                mean = (s1 - frac * d1) / den
                ll -= np.log(den)
                score -= mean
                info += (s2 - frac * d2) / den - np.outer(mean, mean)
    return ll, score, info


def oracle_newton(
    X: np.ndarray,
    time: np.ndarray,
    event: np.ndarray,
    *,
    start: np.ndarray | None = None,
    strata: np.ndarray | None = None,
    ties: str = "efron",
    iters: int = 40,
) -> tuple[np.ndarray, np.ndarray]:
    """Plain Newton on the oracle (no safeguards); returns (beta, information)."""
    beta = np.zeros(X.shape[1])
    for _ in range(iters):
        _, u, i = oracle_cox(X, time, event, beta, start=start, strata=strata, ties=ties)
        step = np.linalg.solve(i, u)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-13:
            break
    _, _, i = oracle_cox(X, time, event, beta, start=start, strata=strata, ties=ties)
    return beta, i
