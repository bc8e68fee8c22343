"""Weighted Cox partial likelihood on counting-process rows (Efron ties), as ``coxph``.

Used by the ``finegray`` form of the Fine-Gray model: rows ``(start, stop]``
with case weights. At each distinct event time the ``d`` tied events enter
Efron's denominators ``S0 - (l/d) D0`` (``l = 0..d-1``) with the mean event
weight as multiplier, as ``coxph`` does with case weights. Score residuals
follow ``coxph``'s ``residuals(type = "score")``, so the robust variance
``V (sum_c (sum_{i in c} w_i r_i)^{x2}) V`` matches ``coxph(..., cluster = id)``.
Risk-set sums come from suffix sums over the rows sorted by stop and by start
(at risk iff ``start < t <= stop``), so one evaluation costs
O(rows log rows + rows p^2); pure numpy, no ppprog layers above ``_core``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ppprog._core.typing import FloatArray, IntArray

__all__ = ["wcox_terms", "wcox_fit", "wcox_score_resid", "wcox_robust_vcov"]

# Mirrors ppprog.models.status.FitStatus (kernels import nothing above _core).
CONVERGED, MAX_ITER, HALVING_FAILED, SINGULAR, NO_EVENTS = 0, 2, 3, 4, 5


@dataclass(frozen=True)
class _Efron:
    """One entry per Efron term ``l`` of every event time (as many as event rows)."""

    time_index: IntArray  # event time of the term
    frac: FloatArray  # l / d
    mean_wt: FloatArray  # mean case weight of the time's events
    den: FloatArray  # S0 - frac * D0
    mean: FloatArray  # (terms, p) (S1 - frac * D1) / den
    s2: FloatArray | None  # (terms, p, p) S2 - frac * D2


def _suffix(v: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Suffix sums of ``v[order]`` along axis 0 with a trailing zero."""
    c = np.cumsum(v[order][::-1], axis=0)[::-1]
    return np.concatenate((c, np.zeros((1,) + v.shape[1:])))


def _efron_terms(
    risk_w: FloatArray, X: FloatArray, start: FloatArray, stop: FloatArray, event: IntArray,
    weight: FloatArray, second: bool,
) -> tuple[FloatArray, IntArray, _Efron]:  # fmt: skip
    """Risk-set sums at each event time from prefix sums: at risk iff start < t <= stop."""
    ev = event == 1
    ut, inv, d = np.unique(stop[ev], return_inverse=True, return_counts=True)
    o_stop, o_start = np.argsort(stop, kind="stable"), np.argsort(start, kind="stable")
    i_stop = np.searchsorted(stop[o_stop], ut, side="left")  # rows with stop >= t
    i_start = np.searchsorted(start[o_start], ut, side="left")  # rows with start >= t

    def at_risk(v: np.ndarray) -> np.ndarray:
        return _suffix(v, o_stop)[i_stop] - _suffix(v, o_start)[i_start]

    def at_event(v: np.ndarray) -> np.ndarray:
        out = np.zeros((ut.size,) + v.shape[1:])
        np.add.at(out, inv, v[ev])
        return out

    xx = X[:, :, None] * X[:, None, :] if second else None
    s0, s1 = at_risk(risk_w), at_risk(risk_w[:, None] * X)
    d0, d1 = at_event(risk_w), at_event(risk_w[:, None] * X)
    mw = np.bincount(inv, weights=weight[ev], minlength=ut.size) / d
    tt = np.repeat(np.arange(ut.size), d)
    frac = (np.arange(tt.size) - np.repeat(np.cumsum(d) - d, d)) / d[tt]
    den = s0[tt] - frac * d0[tt]
    mean = (s1[tt] - frac[:, None] * d1[tt]) / den[:, None]
    s2 = None
    if xx is not None:
        w3 = risk_w[:, None, None] * xx
        s2 = at_risk(w3)[tt] - frac[:, None, None] * at_event(w3)[tt]
    return ut, inv, _Efron(tt, frac, mw[tt], den, mean, s2)


def wcox_terms(
    beta: FloatArray, X: FloatArray, start: FloatArray, stop: FloatArray, event: IntArray,
    weight: FloatArray,
) -> tuple[float, FloatArray, FloatArray]:  # fmt: skip
    """Weighted Efron log partial likelihood, score and information.

    Parameters
    ----------
    beta : ndarray, shape (p,)
    X : ndarray, shape (n, p)
    start, stop : ndarray, shape (n,)
        Row intervals ``(start, stop]``.
    event : ndarray of int, shape (n,)
        1 for an event at ``stop``.
    weight : ndarray, shape (n,)
        Case weights.

    Returns
    -------
    loglik : float
    score : ndarray, shape (p,)
    info : ndarray, shape (p, p)
    """
    eta = X @ beta
    _, _, e = _efron_terms(weight * np.exp(eta), X, start, stop, event, weight, True)
    ev = event == 1
    loglik = float(np.sum(weight[ev] * eta[ev]) - np.sum(e.mean_wt * np.log(e.den)))
    score = (weight[ev, None] * X[ev]).sum(axis=0) - (e.mean_wt[:, None] * e.mean).sum(axis=0)
    assert e.s2 is not None
    info = np.einsum("k,kij->ij", e.mean_wt / e.den, e.s2) - np.einsum(
        "k,ki,kj->ij", e.mean_wt, e.mean, e.mean
    )
    return loglik, score, info


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


def wcox_score_resid(
    beta: FloatArray, X: FloatArray, start: FloatArray, stop: FloatArray, event: IntArray,
    weight: FloatArray,
) -> FloatArray:  # fmt: skip
    """Score residuals per row (unweighted; their ``weight``-weighted sum is the score).

    At an event time with ``d`` tied events and Efron terms ``l = 0..d-1``
    (hazard ``h_l = mw / den_l``, mean ``a_l``), a row at risk gets
    ``-r_i sum_l c_il h_l (x_i - a_l)`` with ``c_il = 1 - l/d`` for the events
    and 1 otherwise, and each event adds ``(1/d) sum_l (x_i - a_l)``;
    ``r_i = exp(x_i beta)``. Sums over a row's event times are differences
    of cumulative sums over the event times.
    """
    risk = np.exp(X @ beta)
    ut, inv, e = _efron_terms(weight * risk, X, start, stop, event, weight, False)
    h = e.mean_wt / e.den

    def per_time(v: np.ndarray) -> np.ndarray:
        out = np.zeros((ut.size,) + v.shape[1:])
        np.add.at(out, e.time_index, v)
        return out

    c0 = np.concatenate(([0.0], np.cumsum(per_time(h))))
    c1 = np.concatenate(
        (np.zeros((1, X.shape[1])), np.cumsum(per_time(h[:, None] * e.mean), axis=0))
    )
    j_hi = np.searchsorted(ut, stop, side="right")
    j_lo = np.searchsorted(ut, start, side="right")
    out = -risk[:, None] * (X * (c0[j_hi] - c0[j_lo])[:, None] - (c1[j_hi] - c1[j_lo]))
    d = np.bincount(e.time_index).astype(np.float64)
    a_bar = per_time(e.mean) / d[:, None]
    f0, f1 = per_time(e.frac * h), per_time((e.frac * h)[:, None] * e.mean)
    ev = event == 1
    own = inv
    out[ev] += X[ev] - a_bar[own] + risk[ev, None] * (X[ev] * f0[own][:, None] - f1[own])
    return np.asarray(out, dtype=np.float64)


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
