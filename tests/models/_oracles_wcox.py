"""Loop oracle for the weighted Efron Cox kernel (ppprog.models._kernels.wcox).

Direct sums over every row at every event time, written as plain loops; the
kernel computes the same quantities with prefix sums.
"""

from __future__ import annotations

import numpy as np


def wcox_terms_loop(  # noqa: C901
    beta: np.ndarray,
    X: np.ndarray,
    start: np.ndarray,
    stop: np.ndarray,
    event: np.ndarray,
    weight: np.ndarray,
) -> tuple[float, np.ndarray, np.ndarray]:
    """Weighted Efron log partial likelihood, score and information.

    Counting-process rows ``(start, stop]``; at each distinct event time the
    ``d`` tied events enter Efron's denominators ``S0 - (l/d) D0`` with the
    mean event weight as multiplier, as ``coxph`` with case weights.
    One pass over the rows per event time: O(rows * times * p^2).
    """
    n, p = X.shape
    eta = X @ beta
    r = weight * np.exp(eta)
    utimes = np.unique(stop[event == 1])
    loglik = 0.0
    U = np.zeros(p)
    info = np.zeros((p, p))
    for t in utimes:
        s0 = 0.0
        d0 = 0.0
        s1 = np.zeros(p)
        d1 = np.zeros(p)
        s2 = np.zeros((p, p))
        d2 = np.zeros((p, p))
        nd = 0.0
        wsum = 0.0
        for i in range(n):
            if start[i] < t and t <= stop[i]:
                s0 += r[i]
                s1 += r[i] * X[i]
                s2 += r[i] * np.outer(X[i], X[i])
                if event[i] == 1 and stop[i] == t:
                    d0 += r[i]
                    d1 += r[i] * X[i]
                    d2 += r[i] * np.outer(X[i], X[i])
                    nd += 1.0
                    wsum += weight[i]
                    loglik += weight[i] * eta[i]
                    U += weight[i] * X[i]
        mw = wsum / nd
        for k in range(int(nd)):
            f = k / nd
            den = s0 - f * d0
            a = (s1 - f * d1) / den
            loglik -= mw * np.log(den)
            U -= mw * a
            info += mw * ((s2 - f * d2) / den - np.outer(a, a))
    return loglik, U, info


def wcox_score_resid_loop(
    beta: np.ndarray,
    X: np.ndarray,
    start: np.ndarray,
    stop: np.ndarray,
    event: np.ndarray,
    weight: np.ndarray,
) -> np.ndarray:
    """Score residuals per row (unweighted; their ``weight``-weighted sum is the score).

    At an event time with ``d`` tied events and Efron terms ``l = 0..d-1``
    (hazard ``h_l = mw / den_l``, mean ``a_l``), a row at risk gets
    ``-r_i sum_l c_il h_l (x_i - a_l)`` with ``c_il = 1 - l/d`` for the events
    and 1 otherwise, and each event adds ``(1/d) sum_l (x_i - a_l)``;
    ``r_i = exp(x_i beta)``.
    """
    n, p = X.shape
    risk = np.exp(X @ beta)
    r = weight * risk
    out = np.zeros((n, p))
    for t in np.unique(stop[event == 1]):
        s0 = 0.0
        d0 = 0.0
        s1 = np.zeros(p)
        d1 = np.zeros(p)
        nd = 0.0
        wsum = 0.0
        for i in range(n):
            if start[i] < t and t <= stop[i]:
                s0 += r[i]
                s1 += r[i] * X[i]
                if event[i] == 1 and stop[i] == t:
                    d0 += r[i]
                    d1 += r[i] * X[i]
                    nd += 1.0
                    wsum += weight[i]
        mw = wsum / nd
        for k in range(int(nd)):
            f = k / nd
            den = s0 - f * d0
            a = (s1 - f * d1) / den
            h = mw / den
            for i in range(n):
                if start[i] < t and t <= stop[i]:
                    dead = event[i] == 1 and stop[i] == t
                    c = 1.0 - f if dead else 1.0
                    out[i] -= risk[i] * c * h * (X[i] - a)
                    if dead:
                        out[i] += (X[i] - a) / nd
    return out
