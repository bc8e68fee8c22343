"""Risk-set sums at event times and the Cox baseline cumulative hazard.

The private helpers here (``stratum_index``, ``event_terms``) are shared by the
post-fit kernels (``robust``, ``zph``): they turn one stratum of (start, stop]
data into the per-event-time sums the Breslow and Efron formulas need.

Ties follow R survival: with Efron's approximation a time with ``d`` tied
events is treated as ``d`` pseudo-events; in the ``l``-th (``l = 0..d-1``) the
tied events carry weight ``1 - l/d`` in the risk set.  With Breslow's there is
one term carrying all ``d`` events.  Every formula below is written over these
"terms" (``term_time``, ``frac``, ``weight``) so both methods share one code path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ppprog._core.typing import FloatArray, IntArray

__all__ = ["BaselineHazard", "baseline_cumhaz"]


@dataclass(frozen=True)
class EventTerms:
    """Risk-set sums of one stratum at its distinct event times (private).

    ``risk`` is ``exp(eta - shift)``; every sum uses the same scaling, so ratios
    such as ``weight / s0`` are the hazard increments for ``exp(eta - shift)``.
    """

    times: FloatArray  # (K,) distinct event times, ascending
    n_event: IntArray  # (K,)
    term_time: IntArray  # (M,) index into ``times`` of each pseudo-event
    frac: FloatArray  # (M,) Efron down-weight l/d of the tied events (0 for Breslow)
    weight: FloatArray  # (M,) events carried by the term (1 Efron, d Breslow)
    s0: FloatArray  # (M,) sum of risk over the (down-weighted) risk set
    mean: FloatArray  # (M, p) risk-weighted covariate mean
    s2: FloatArray | None  # (M, p, p) risk-weighted second moment sum, if asked
    risk: FloatArray  # (n,) exp(eta - shift) of the stratum's rows
    shift: float


def stratum_index(strata: object, n: int) -> list[IntArray]:
    """Row indices of each stratum, strata in sorted order of their labels."""
    if strata is None:
        return [np.arange(n)]
    _, codes = np.unique(np.asarray(strata), return_inverse=True)
    codes = codes.reshape(-1)
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    return list(np.split(order, bounds))


def _tail_sums(keys: FloatArray, values: FloatArray, at: FloatArray) -> FloatArray:
    """For each ``t`` in ``at``, the sum of ``values`` rows whose key is >= t."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    vals = values[order]
    # reverse cumulative sum, with a trailing zero for "nothing left"
    rc = np.concatenate([np.cumsum(vals[::-1], axis=0)[::-1], np.zeros_like(vals[:1])], axis=0)
    return rc[np.searchsorted(sorted_keys, at, side="left")]


def event_terms(
    start: FloatArray | None,
    stop: FloatArray,
    event: np.ndarray,
    X: FloatArray,
    eta: FloatArray,
    ties: str,
    *,
    second: bool = False,
) -> EventTerms:
    """Per-event-time risk-set sums for one stratum (rows in any order).

    A row is at risk at ``t`` when ``start < t <= stop`` (R's (start, stop]).
    """
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    ev = np.asarray(event).astype(bool)
    shift = float(eta.max()) if eta.size else 0.0
    risk = np.exp(eta - shift)
    times, n_event = np.unique(stop[ev], return_counts=True)
    p = X.shape[1]
    rx = risk[:, None] * X
    parts = [risk[:, None], rx]
    if second:
        parts.append((rx[:, :, None] * X[:, None, :]).reshape(len(risk), p * p))
    vals = np.concatenate(parts, axis=1)
    sums = _tail_sums(stop, vals, times)
    if start is not None:
        later = _tail_sums(start, vals, times)
        sums = sums - later
        # The difference loses digits when rows not yet entered carry almost all
        # the risk (very spread linear predictors); recompute those times directly.
        for k in np.flatnonzero(sums[:, 0] < 1e-4 * later[:, 0]):
            sums[k] = vals[(start < times[k]) & (stop >= times[k])].sum(axis=0)
    # sums over the tied events at each event time
    k_of_event = np.searchsorted(times, stop[ev])
    dsums = np.zeros((len(times), vals.shape[1]))
    np.add.at(dsums, k_of_event, vals[ev])
    if ties == "efron":
        m = int(n_event.sum())
        term_time = np.repeat(np.arange(len(times)), n_event)
        first = np.repeat(np.cumsum(n_event) - n_event, n_event)
        frac = (np.arange(m) - first) / n_event[term_time]
        weight = np.ones(m)
    else:
        term_time = np.arange(len(times))
        frac = np.zeros(len(times))
        weight = n_event.astype(np.float64)
    tsum = sums[term_time] - frac[:, None] * dsums[term_time]
    s0 = tsum[:, 0]
    mean = tsum[:, 1 : 1 + p] / s0[:, None]
    s2 = tsum[:, 1 + p :].reshape(-1, p, p) if second else None
    return EventTerms(times, n_event, term_time, frac, weight, s0, mean, s2, risk, shift)


@dataclass(frozen=True)
class BaselineHazard:
    """Baseline cumulative hazard of a Cox model, as R's ``basehaz``/``survfit``.

    Attributes
    ----------
    time : ndarray
        Every distinct stop time of each stratum (event and censoring times),
        ascending within stratum; strata in sorted order of their labels.
    cumhaz : ndarray
        Cumulative hazard at ``time`` for a subject with covariates ``center``.
    std_err : ndarray or None
        Standard error of ``cumhaz`` as R's ``survfit.coxph`` (includes the
        variance of the coefficients), or None when no ``vcov`` was given.
    n_risk, n_event : ndarray
        Rows at risk (``start < t <= stop``) and events at ``time``.
    strata : ndarray or None
        Stratum label of each row of the output, None without strata.
    """

    time: FloatArray
    cumhaz: FloatArray
    std_err: FloatArray | None
    n_risk: IntArray
    n_event: IntArray
    strata: np.ndarray | None


def _stratum_curve(
    start: FloatArray | None,
    stop: FloatArray,
    ev: np.ndarray,
    Xc: FloatArray,
    beta: FloatArray,
    ties: str,
    vcov: FloatArray | None,
) -> tuple[FloatArray, FloatArray, FloatArray | None, IntArray, IntArray]:
    """Curve of one stratum at covariates 0 of the (already centered) ``Xc``."""
    et = event_terms(start, stop, ev, Xc, Xc @ beta, ties)
    k = len(et.times)
    scale = np.exp(-et.shift)  # risks were divided by exp(shift)
    dh = et.weight / et.s0 * scale
    haz = np.concatenate([[0.0], np.cumsum(np.bincount(et.term_time, dh, minlength=k))])
    utimes = np.unique(stop)
    at = np.searchsorted(et.times, utimes, side="right")
    n_risk = np.searchsorted(np.sort(stop), utimes, side="left")
    n_risk = len(stop) - n_risk
    if start is not None:
        n_risk = n_risk - (len(stop) - np.searchsorted(np.sort(start), utimes, side="left"))
    n_event = np.zeros(len(utimes), dtype=np.int64)
    n_event[np.searchsorted(utimes, et.times)] = et.n_event
    se = None
    if vcov is not None:
        # R's survfit.coxph: sum of the hazard-variance increments (beta known)
        # plus d(t)' V d(t), d(t) = sum (x0 - xbar) dLambda, with x0 = 0 here.
        # (Breslow d / S0^2; Efron sum_l 1 / S0_l^2: both weight * (1 / s0)^2 per term)
        var_inc = np.bincount(et.term_time, et.weight * (scale / et.s0) ** 2, minlength=k)
        cvar = np.concatenate([[0.0], np.cumsum(var_inc)])
        p = Xc.shape[1]
        dk = np.zeros((k, p))
        for j in range(p):
            dk[:, j] = np.bincount(et.term_time, dh * et.mean[:, j], minlength=k)
        dcum = np.concatenate([np.zeros((1, p)), np.cumsum(dk, axis=0)])[at]
        se = np.sqrt(cvar[at] + np.einsum("ij,jk,ik->i", dcum, vcov, dcum))
    return utimes, haz[at], se, n_risk.astype(np.int64), n_event


def baseline_cumhaz(
    start: FloatArray | None,
    stop: FloatArray,
    event: np.ndarray,
    X: FloatArray,
    beta: FloatArray,
    *,
    strata: np.ndarray | None = None,
    ties: str = "efron",
    center: FloatArray | None = None,
    vcov: FloatArray | None = None,
) -> BaselineHazard:
    """Baseline cumulative hazard of a Cox model, as R's ``survfit.coxph``/``basehaz``.

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
    strata : ndarray, optional
        Stratum labels, shape (n,); one curve per stratum.
    ties : {"efron", "breslow"}, optional
        Hazard increments as ``survfit.coxph`` computes them after a fit with these
        ties: Breslow ``d / S0`` or Efron ``sum_l 1 / (S0 - l/d * S0_dead)``.
    center : ndarray, optional
        Covariate vector the curve is for, shape (p,).  None means all zeros
        (R's ``basehaz(fit, centered = FALSE)``); pass the column means of ``X``
        for R's default ``basehaz(fit)`` / ``survfit(fit)`` curve.
    vcov : ndarray, optional
        Covariance of ``beta``, shape (p, p); when given, ``std_err`` is computed
        as ``survfit.coxph(se.fit = TRUE)`` does.

    Returns
    -------
    BaselineHazard
        The curve at every distinct stop time of each stratum.

    References
    ----------
    Breslow NE. Discussion of Cox (1972). JRSS B 1972; 34: 216-217.  Therneau T,
    Grambsch P. Modeling Survival Data, Springer 2000, section 10.2.  R package
    survival, ``agsurv`` and ``coxsurv.fit``.
    """
    stop = np.asarray(stop, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64).reshape(len(stop), -1)
    beta = np.asarray(beta, dtype=np.float64)
    Xc = X if center is None else X - np.asarray(center, dtype=np.float64)
    ev = np.asarray(event).astype(bool)
    st = None if start is None else np.asarray(start, dtype=np.float64)
    V = None if vcov is None else np.asarray(vcov, dtype=np.float64)
    parts = []
    labels = []
    for rows in stratum_index(strata, len(stop)):
        cur = _stratum_curve(
            None if st is None else st[rows], stop[rows], ev[rows], Xc[rows], beta, ties, V
        )
        parts.append(cur)
        if strata is not None:
            labels.append(np.repeat(np.asarray(strata)[rows[:1]], len(cur[0])))
    return BaselineHazard(
        time=np.concatenate([c[0] for c in parts]),
        cumhaz=np.concatenate([c[1] for c in parts]),
        std_err=None if V is None else np.concatenate([c[2] for c in parts]),
        n_risk=np.concatenate([c[3] for c in parts]),
        n_event=np.concatenate([c[4] for c in parts]),
        strata=np.concatenate(labels) if strata is not None else None,
    )
