"""Score residuals, dfbeta and the cluster-robust (sandwich) variance of a Cox fit.

Conventions are R survival's (``residuals.coxph(type="score")``, the C routines
``coxscore2``/``agscore3``, and ``coxph(robust=TRUE)``): the score residual of
row ``i`` is ``int (x_i - xbar(t)) dM_i(t)`` with ``dM_i = dN_i - Y_i exp(eta_i) dLambda0``,
and with Efron's ties a tied event gets ``(x_i - mean of the d pseudo-means)``
and only the down-weighted share ``sum_l (1 - l/d) dLambda_l`` of the hazard jump
at its own time.  Rows of a stratum without events get zero residuals (R; not
statsmodels' NaN).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ppprog._core.typing import FloatArray
from ppprog.models._kernels.baseline import EventTerms, event_terms, stratum_index

__all__ = ["dfbeta", "robust_vcov", "score_residuals"]


@njit(cache=True)
def _range_sums(lo: np.ndarray, hi: np.ndarray, vals: np.ndarray) -> np.ndarray:
    """Row ``i`` of the result is ``vals[lo[i]:hi[i]].sum(axis=0)``."""
    out = np.zeros((lo.shape[0], vals.shape[1]))
    for i in range(lo.shape[0]):
        for k in range(lo[i], hi[i]):
            for j in range(vals.shape[1]):
                out[i, j] += vals[k, j]
    return out


def _stratum_scores(
    start: FloatArray | None, stop: FloatArray, ev: np.ndarray, X: FloatArray, et: EventTerms
) -> FloatArray:
    """Score residuals of one stratum from its event terms."""
    k = len(et.times)
    p = X.shape[1]
    if k == 0:
        return np.zeros_like(X)
    tt = et.term_time
    dh = et.weight / et.s0  # hazard jump of each pseudo-event (for exp(eta - shift))
    dh_k = np.bincount(tt, dh, minlength=k)
    mh1 = np.bincount(tt, et.frac * dh, minlength=k)
    dxh_k = np.empty((k, p))
    mh2 = np.empty((k, p))
    xbar = np.empty((k, p))
    for j in range(p):
        dxh_k[:, j] = np.bincount(tt, dh * et.mean[:, j], minlength=k)
        mh2[:, j] = np.bincount(tt, et.frac * dh * et.mean[:, j], minlength=k)
        xbar[:, j] = np.bincount(tt, et.weight * et.mean[:, j], minlength=k) / et.n_event
    hi = np.searchsorted(et.times, stop, side="right")
    jumps = np.column_stack([dh_k, dxh_k])
    if start is None:  # every row is at risk from the first event time on
        sums = np.concatenate([np.zeros((1, p + 1)), np.cumsum(jumps, axis=0)])[hi]
    else:
        # summed row by row, not as a difference of cumulative sums (as R's agscore3
        # does), which would lose all digits when large early jumps precede a late entry
        sums = _range_sums(np.searchsorted(et.times, start, side="right"), hi, jumps)
    r = et.risk[:, None]
    resid = -r * (X * sums[:, :1] - sums[:, 1:])
    # the event's own jump: dN part, and give back the Efron down-weighted share
    kd = np.searchsorted(et.times, stop[ev])
    resid[ev] += X[ev] - xbar[kd] + r[ev] * (X[ev] * mh1[kd, None] - mh2[kd])
    return resid


def score_residuals(
    start: FloatArray | None,
    stop: FloatArray,
    event: np.ndarray,
    X: FloatArray,
    beta: FloatArray,
    *,
    strata: np.ndarray | None = None,
    ties: str = "efron",
) -> FloatArray:
    """Score residuals of a Cox model, as R's ``residuals(fit, type = "score")``.

    Parameters
    ----------
    start : ndarray or None
        Entry times of (start, stop] rows, shape (n,); None for right-censored data.
    stop : ndarray
        Exit (event or censoring) times, shape (n,).
    event : ndarray
        Event indicator (1/0 or bool), shape (n,).
    X : ndarray
        Covariates, shape (n, p).
    beta : ndarray
        Coefficients, shape (p,).
    strata : ndarray, optional
        Stratum labels, shape (n,).
    ties : {"efron", "breslow"}, optional
        Tie handling, as used in the fit.

    Returns
    -------
    ndarray
        Score residuals, shape (n, p), rows in the input order.  Their column
        sums are the score vector at ``beta`` (zero at the MLE).

    References
    ----------
    Therneau T, Grambsch P. Modeling Survival Data: Extending the Cox Model.
    Springer, 2000, section 4.6.  R package survival, C routines ``coxscore2`` and
    ``agscore3``.
    """
    stop = np.asarray(stop, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64).reshape(len(stop), -1)
    ev = np.asarray(event).astype(bool)
    st = None if start is None else np.asarray(start, dtype=np.float64)
    eta = X @ np.asarray(beta, dtype=np.float64)
    out = np.zeros_like(X)
    for rows in stratum_index(strata, len(stop)):
        s_st = None if st is None else st[rows]
        et = event_terms(s_st, stop[rows], ev[rows], X[rows], eta[rows], ties)
        out[rows] = _stratum_scores(s_st, stop[rows], ev[rows], X[rows], et)
    return out


def dfbeta(score_resid: FloatArray, vcov: FloatArray) -> FloatArray:
    """Approximate change in the coefficients when each row is dropped.

    Parameters
    ----------
    score_resid : ndarray
        Score residuals, shape (n, p).
    vcov : ndarray
        Model-based covariance matrix (inverse information), shape (p, p).

    Returns
    -------
    ndarray
        R's ``residuals(fit, type = "dfbeta")``: ``score_resid @ vcov``, shape (n, p).
    """
    return np.asarray(score_resid, dtype=np.float64) @ np.asarray(vcov, dtype=np.float64)


def robust_vcov(
    score_resid: FloatArray, vcov: FloatArray, cluster: np.ndarray | None = None
) -> FloatArray:
    """Cluster-robust (sandwich) covariance of Cox coefficients, as R's ``coxph``.

    Parameters
    ----------
    score_resid : ndarray
        Score residuals, shape (n, p).
    vcov : ndarray
        Model-based covariance matrix, shape (p, p).
    cluster : ndarray, optional
        Cluster labels, shape (n,).  None makes each row its own cluster
        (R's ``robust = TRUE`` without ``cluster``).

    Returns
    -------
    ndarray
        ``D' D`` where ``D`` holds the dfbeta rows summed within clusters, shape (p, p).
        No small-sample factor is applied (R applies none; Stata's ``G/(G-1)``
        is not used).

    References
    ----------
    Lin DY, Wei LJ. The robust inference for the Cox proportional hazards model.
    JASA 1989; 84: 1074-1078.
    """
    d = dfbeta(score_resid, vcov)
    if cluster is not None:
        _, codes = np.unique(np.asarray(cluster), return_inverse=True)
        g = np.zeros((int(codes.max()) + 1 if codes.size else 0, d.shape[1]))
        np.add.at(g, codes.reshape(-1), d)
        d = g
    return d.T @ d
