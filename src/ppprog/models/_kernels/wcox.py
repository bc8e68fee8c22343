"""Weighted Cox partial likelihood on counting-process rows (Efron ties), as ``coxph``.

Used by the ``finegray`` form of the Fine-Gray model: rows ``(start, stop]``
with case weights. At each distinct event time the ``d`` tied events enter
Efron's denominators ``S0 - (l/d) D0`` (``l = 0..d-1``) with the mean event
weight as multiplier, as ``coxph`` does with case weights. Score residuals
follow ``coxph``'s ``residuals(type = "score")``, so the robust variance
``V (sum_c (sum_{i in c} w_i r_i)^{x2}) V`` matches ``coxph(..., cluster = id)``.
One pass over the rows per event time: O(rows * times * p^2); pure
numpy/numba, no ppprog layers above ``_core``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ppprog._core.typing import FloatArray, IntArray

__all__ = ["wcox_terms", "wcox_fit", "wcox_score_resid", "wcox_robust_vcov"]

# Mirrors ppprog.models.status.FitStatus (kernels import nothing above _core).
CONVERGED, MAX_ITER, HALVING_FAILED, SINGULAR, NO_EVENTS = 0, 2, 3, 4, 5


@njit(cache=True, error_model="numpy")
def wcox_terms(
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


def wcox_fit(
    X: FloatArray,
    start: FloatArray,
    stop: FloatArray,
    event: IntArray,
    weight: FloatArray,
    *,
    max_iter: int = 50,
    tol: float = 1e-12,
) -> tuple[FloatArray, float, FloatArray, int, int]:
    """Maximize the weighted Efron partial likelihood by Newton-Raphson.

    Steps are halved while the log-likelihood falls; iteration stops when
    the largest step is below ``tol`` (relative to ``max(|beta|, 1)``).

    Returns
    -------
    beta, loglik, info, n_iter, status
        ``status`` 0 converged, 2 iteration limit, 3 halving failed,
        4 singular information, 5 no events.
    """
    p = X.shape[1]
    beta = np.zeros(p)
    if not np.any(event == 1):
        return beta, float("nan"), np.full((p, p), np.nan), 0, NO_EVENTS
    ll, U, info = wcox_terms(beta, X, start, stop, event, weight)
    for it in range(1, max_iter + 1):
        try:
            step = np.linalg.solve(info, U)
        except np.linalg.LinAlgError:
            return beta, ll, info, it, SINGULAR
        for _ in range(30):
            ll_new, U_new, info_new = wcox_terms(beta + step, X, start, stop, event, weight)
            if np.isfinite(ll_new) and ll_new >= ll - 1e-12 * abs(ll):
                break
            step = step / 2.0
        else:
            return beta, ll, info, it, HALVING_FAILED
        beta = beta + step
        ll, U, info = ll_new, U_new, info_new
        if np.max(np.abs(step) / np.maximum(np.abs(beta), 1.0)) < tol:
            return beta, ll, info, it, CONVERGED
    return beta, ll, info, max_iter, MAX_ITER


@njit(cache=True, error_model="numpy")
def wcox_score_resid(
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


def wcox_robust_vcov(
    resid: FloatArray, weight: FloatArray, cluster: IntArray, vcov: FloatArray
) -> FloatArray:
    """Sandwich ``V B V``, ``B`` the cross-product of the cluster sums of ``w_i r_i``.

    Parameters
    ----------
    resid : ndarray, shape (n, p)
        Score residuals from :func:`wcox_score_resid`.
    weight : ndarray, shape (n,)
        Case weights.
    cluster : ndarray of int, shape (n,)
        Cluster code of each row (the subject of an expanded row).
    vcov : ndarray, shape (p, p)
        Model-based variance (inverse information).

    Returns
    -------
    ndarray, shape (p, p)
    """
    p = resid.shape[1]
    sums = np.zeros((int(cluster.max()) + 1, p))
    np.add.at(sums, cluster, weight[:, None] * resid)
    return np.asarray(vcov @ (sums.T @ sums) @ vcov, dtype=np.float64)
