"""Proportional-hazards test of R survival >= 3.0's ``cox.zph`` (the score-test form).

For covariate ``j`` the statistic is the score test, at the fitted ``beta``, for
adding the time-varying term ``x_j * g(t)`` to the model: with ``U`` the score
of the ``2p`` parameters (``beta``, ``gamma``) at (``beta_hat``, 0) and ``I`` their
information, ``chisq_j = u' I[k, k]^-1 u`` over ``k = (beta_1..beta_p, gamma_j)``,
where ``u`` is ``U[k]`` with its ``beta`` part set to zero (as R does; it is zero
at the MLE anyway).  The global test uses all ``2p`` parameters and has ``p``
degrees of freedom.  One degree of freedom per covariate (``terms = FALSE``, or
``terms = TRUE`` with one column per term).

``g`` is the transformed stop time, centered by its mean over the event rows:

* ``"km"``: ``1 - S(t-)``, the left-continuous Kaplan-Meier of all rows pooled over
  strata (for (start, stop] rows the product-limit with those risk sets);
* ``"identity"``, ``"log"``: ``t`` and ``log t``;
* ``"rank"``: the rank of ``t`` among all rows' stop times (ties get the average rank).

Ties in the score and information follow the fit: Breslow, or Efron's ``d``
pseudo-events at a time with ``d`` events.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ppprog._core.typing import FloatArray
from ppprog.models._kernels.baseline import event_terms, stratum_index

__all__ = ["ZphOutcome", "cox_zph"]

TRANSFORMS = ("km", "identity", "rank", "log")


@dataclass(frozen=True)
class ZphOutcome:
    """Per-covariate and global proportional-hazards score tests.

    Attributes
    ----------
    chisq : ndarray
        Score statistic per covariate, shape (p,); NaN where the information
        matrix of the test is singular.
    df : ndarray
        Degrees of freedom per covariate (ones), shape (p,).
    global_chisq : float
        Global score statistic over all covariates.
    global_df : int
        Its degrees of freedom (``p``).
    transform : str
        The time transform used.
    """

    chisq: FloatArray
    df: np.ndarray
    global_chisq: float
    global_df: int
    transform: str = "km"


def _km_left(start: FloatArray | None, stop: FloatArray, ev: np.ndarray) -> FloatArray:
    """Left-continuous pooled Kaplan-Meier ``S(t-)`` at each row's stop time."""
    times, d = np.unique(stop[ev], return_counts=True)
    n_risk = len(stop) - np.searchsorted(np.sort(stop), times, side="left")
    if start is not None:
        n_risk = n_risk - (len(stop) - np.searchsorted(np.sort(start), times, side="left"))
    surv = np.cumprod(1.0 - d / n_risk)
    before = np.searchsorted(times, stop, side="left")  # event times strictly below t
    return np.concatenate([[1.0], surv])[before]


def _time_transform(
    start: FloatArray | None, stop: FloatArray, ev: np.ndarray, transform: str
) -> FloatArray:
    if transform == "km":
        return 1.0 - _km_left(start, stop, ev)
    if transform == "identity":
        return stop.copy()
    if transform == "log":
        return np.log(stop)
    if transform == "rank":  # average rank of tied times, as R's rank()
        _, inv, cnt = np.unique(stop, return_inverse=True, return_counts=True)
        return (np.cumsum(cnt) - (cnt - 1) / 2.0)[inv.reshape(-1)]
    raise ValueError(f"transform must be one of {TRANSFORMS}, got {transform!r}")


def _score_pieces(
    start: FloatArray | None,
    stop: FloatArray,
    ev: np.ndarray,
    X: FloatArray,
    beta: FloatArray,
    g: FloatArray,
    strata: np.ndarray | None,
    ties: str,
) -> tuple[FloatArray, FloatArray]:
    """The ``gamma`` score (p,) and the full (2p, 2p) information at gamma = 0."""
    p = X.shape[1]
    u = np.zeros(p)
    info = np.zeros((2 * p, 2 * p))
    eta = X @ beta
    for rows in stratum_index(strata, len(stop)):
        s_st = None if start is None else start[rows]
        e = ev[rows]
        et = event_terms(s_st, stop[rows], e, X[rows], eta[rows], ties, second=True)
        if len(et.times) == 0:
            continue
        gk = np.zeros(len(et.times))
        gk[np.searchsorted(et.times, stop[rows][e])] = g[rows][e]
        gt = gk[et.term_time]
        assert et.s2 is not None
        v = et.s2 / et.s0[:, None, None] - et.mean[:, :, None] * et.mean[:, None, :]
        v = et.weight[:, None, None] * v
        info[:p, :p] += v.sum(0)
        info[:p, p:] += np.tensordot(gt, v, axes=1)
        info[p:, p:] += np.tensordot(gt * gt, v, axes=1)
        u += g[rows][e] @ X[rows][e] - (gt * et.weight) @ et.mean
    info[p:, :p] = info[:p, p:].T
    return u, info


def _quad(u: FloatArray, info: FloatArray) -> float:
    try:
        return float(u @ np.linalg.solve(info, u))
    except np.linalg.LinAlgError:
        return float("nan")


def cox_zph(
    start: FloatArray | None,
    stop: FloatArray,
    event: np.ndarray,
    X: FloatArray,
    beta: FloatArray,
    vcov: FloatArray | None = None,
    *,
    strata: np.ndarray | None = None,
    ties: str = "efron",
    transform: str = "km",
) -> ZphOutcome:
    """Test of proportional hazards, as R survival (>= 3.0) ``cox.zph``.

    Parameters
    ----------
    start : ndarray or None
        Entry times of (start, stop] rows, shape (n,); None for right-censored data.
    stop : ndarray
        Exit times, shape (n,).
    event : ndarray
        Event indicator, shape (n,).
    X : ndarray
        Covariates, shape (n, p).
    beta : ndarray
        Fitted coefficients, shape (p,).
    vcov : ndarray, optional
        Covariance of ``beta``.  Not used: since survival 3.0 the test recomputes
        the information at ``beta`` (the pre-3.0 approximation used ``vcov``).
        Accepted so callers can pass a fit's pieces uniformly.
    strata : ndarray, optional
        Stratum labels, shape (n,).
    ties : {"efron", "breslow"}, optional
        Tie handling of the fit.
    transform : {"km", "identity", "rank", "log"}, optional
        Transform of time ``g(t)``.

    Returns
    -------
    ZphOutcome
        Per-covariate and global chi-square statistics and degrees of freedom.

    References
    ----------
    Grambsch PM, Therneau TM. Proportional hazards tests and diagnostics based on
    weighted residuals. Biometrika 1994; 81: 515-526.  R package survival (>= 3.0),
    ``cox.zph`` and the C routines ``zph1``/``zph2``.
    """
    stop = np.asarray(stop, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64).reshape(len(stop), -1)
    X = X - X.mean(axis=0)  # information and score are shift-invariant; stabler sums
    beta = np.asarray(beta, dtype=np.float64)
    ev = np.asarray(event).astype(bool)
    st = None if start is None else np.asarray(start, dtype=np.float64)
    g = _time_transform(st, stop, ev, transform)
    g = g - g[ev].mean()
    u, info = _score_pieces(st, stop, ev, X, beta, g, strata, ties)
    p = X.shape[1]
    chisq = np.empty(p)
    for j in range(p):
        k = np.r_[np.arange(p), p + j]
        uj = np.zeros(p + 1)
        uj[-1] = u[j]
        chisq[j] = _quad(uj, info[np.ix_(k, k)])
    glob = _quad(np.concatenate([np.zeros(p), u]), info)
    return ZphOutcome(chisq, np.ones(p, dtype=np.int64), glob, p, transform)
