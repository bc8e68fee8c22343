"""Kaplan-Meier kernel: risk-set counts, product-limit, Nelson-Aalen, CIs, quantiles.

Pure numpy on 1-D arrays; no pandas and no ppprog layers above ``_core``.
Every convention follows R's ``survival`` package (``survfitKM``,
``survfit_confint`` and ``quantile.survfit``, survival >= 3.0):

* a subject is at risk at ``t`` iff ``entry < t <= time`` (a subject censored
  at ``t`` is still at risk at ``t``; one entering at ``t`` is not yet);
* one row per distinct exit time, censor-only times included;
* ``std_err`` is the Greenwood standard error of the cumulative hazard
  ``-log S`` (``sqrt(sum d / (n (n - d)))``), *not* of ``S``; it is ``inf``
  once every subject at risk has died;
* the Nelson-Aalen hazard is ``sum d / n`` with variance ``sum d / n**2``.

Times that differ by floating-point noise are merged first, as R's
``timefix = TRUE`` default does (``aeqSurv``): see :func:`merge_near_ties`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtri

__all__ = [
    "KMCounts",
    "KMCurve",
    "merge_near_ties",
    "risk_counts",
    "product_limit",
    "conf_band",
    "find_quantile",
]

FloatArray = NDArray[np.float64]

QUANTILE_TOL = float(np.sqrt(np.finfo(np.float64).eps))
"""R's ``quantile.survfit`` default tolerance, ``sqrt(.Machine$double.eps)``."""


@dataclass(frozen=True)
class KMCounts:
    """Counts at each distinct exit time (sorted ascending)."""

    time: FloatArray
    n_risk: FloatArray
    n_event: FloatArray
    n_censor: FloatArray


@dataclass(frozen=True)
class KMCurve:
    """Product-limit survival, Nelson-Aalen hazard and their standard errors."""

    survival: FloatArray
    std_err: FloatArray
    cumhaz: FloatArray
    cumhaz_se: FloatArray


def merge_near_ties(
    time: FloatArray, entry: FloatArray | None = None, tol: float = QUANTILE_TOL
) -> tuple[FloatArray, FloatArray | None]:
    """Treat times closer than ``tol`` as tied, as R's ``aeqSurv`` (``timefix``).

    All distinct values of ``time`` and ``entry`` are sorted; a value whose
    gap to the previous one is ``<= tol`` in absolute terms or relative to
    the mean absolute value joins the previous value's cluster, and every
    value is replaced by the smallest member of its cluster.

    Parameters
    ----------
    time : ndarray of float
        Exit times.
    entry : ndarray of float, optional
        Entry times.
    tol : float, optional
        Tolerance, ``sqrt(machine epsilon)`` by default as in R.

    Returns
    -------
    time, entry : ndarray of float
        The input arrays when nothing is tied, else the merged copies.

    Raises
    ------
    ValueError
        When merging would make an ``(entry, time]`` interval empty.
    """
    vals = time if entry is None else np.concatenate((time, entry))
    y = np.unique(vals)
    if y.size < 2:
        return time, entry
    dy = np.diff(y)
    scale = float(np.mean(np.abs(y)))
    tied = (dy <= tol) | ((dy / scale <= tol) if scale > 0 else np.zeros_like(dy, dtype=bool))
    if not tied.any():
        return time, entry
    cuts = y[np.concatenate(([True], ~tied))]
    new_time = cuts[np.searchsorted(cuts, time, side="right") - 1]
    if entry is None:
        return new_time, None
    new_entry = cuts[np.searchsorted(cuts, entry, side="right") - 1]
    if (new_entry >= new_time).any():
        raise ValueError("merging near-tied times makes an (entry, time] interval empty")
    return new_time, new_entry


def risk_counts(
    time: FloatArray, event: NDArray[np.bool_], entry: FloatArray | None = None
) -> KMCounts:
    """Count subjects at risk, events and censorings at every distinct exit time.

    Parameters
    ----------
    time : ndarray of float, shape (n,)
        Exit times.
    event : ndarray of bool, shape (n,)
        True for an event, False for a censoring.
    entry : ndarray of float, shape (n,), optional
        Left-truncation times, each strictly below its exit time.

    Returns
    -------
    KMCounts
    """
    utime, inv = np.unique(time, return_inverse=True)
    n_exit = np.bincount(inv, minlength=utime.size).astype(np.float64)
    n_event = np.asarray(
        np.bincount(inv, weights=event.astype(np.float64), minlength=utime.size), dtype=np.float64
    )
    # number with exit time >= t: reversed cumulative sum of exits
    n_risk = np.cumsum(n_exit[::-1])[::-1]
    if entry is not None:
        # remove those not yet entered: entry >= t
        sorted_entry = np.sort(entry)
        n_risk = n_risk - (entry.size - np.searchsorted(sorted_entry, utime, side="left"))
    return KMCounts(utime, n_risk.astype(np.float64), n_event, n_exit - n_event)


def product_limit(n_risk: FloatArray, n_event: FloatArray) -> KMCurve:
    """Kaplan-Meier survival, Greenwood SE, Nelson-Aalen hazard and its SE.

    Parameters
    ----------
    n_risk, n_event : ndarray of float, shape (m,)
        Counts at the distinct times, as from :func:`risk_counts`.

    Returns
    -------
    KMCurve
    """
    has = n_event > 0
    safe_n = np.where(n_risk > 0, n_risk, 1.0)
    surv = np.cumprod(np.where(has, (n_risk - n_event) / safe_n, 1.0))
    survivors = n_risk - n_event
    green = np.zeros_like(n_risk)
    pos = has & (survivors > 0)
    green[pos] = n_event[pos] / (n_risk[pos] * survivors[pos])
    green[has & (survivors <= 0)] = np.inf  # R: d / (n * 0) = Inf
    hazard = np.where(has, n_event / safe_n, 0.0)
    hvar = np.where(has, n_event / safe_n**2, 0.0)
    return KMCurve(
        survival=np.asarray(surv, dtype=np.float64),
        std_err=np.sqrt(np.cumsum(green)),
        cumhaz=np.cumsum(hazard),
        cumhaz_se=np.sqrt(np.cumsum(hvar)),
    )


def conf_band(
    surv: FloatArray, std_err: FloatArray, conf_type: str, alpha: float
) -> tuple[FloatArray, FloatArray]:
    """Pointwise confidence limits for ``S`` as R's ``survfit_confint`` computes them.

    Parameters
    ----------
    surv : ndarray of float
        Survival estimates.
    std_err : ndarray of float
        Standard error of ``-log S`` (R's ``std.err``).
    conf_type : {"log", "log-log", "plain"}
        Scale on which the normal interval is built.
    alpha : float
        One minus the confidence level.

    Returns
    -------
    lower, upper : ndarray of float
        NaN where R gives ``NA``: ``S == 0`` for "log", ``S in {0, 1}`` for
        "log-log", and ``0 * inf`` for "plain".
    """
    z = float(ndtri(1.0 - alpha / 2.0))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if conf_type == "plain":
            half = std_err * surv * z
            return np.maximum(surv - half, 0.0), np.minimum(surv + half, 1.0)
        if conf_type == "log":
            xs = np.where(surv == 0.0, np.nan, surv)
            return np.exp(np.log(xs) - z * std_err), np.minimum(
                np.exp(np.log(xs) + z * std_err), 1.0
            )
        if conf_type == "log-log":
            xs = np.where((surv == 0.0) | (surv == 1.0), np.nan, surv)
            shift = z * std_err / np.log(xs)
            loglog = np.log(-np.log(xs))
            # shift < 0 (log S < 0), so ``loglog - shift`` gives the lower limit
            return np.exp(-np.exp(loglog - shift)), np.exp(-np.exp(loglog + shift))
    raise ValueError(f"unknown conf_type {conf_type!r}")


def find_quantile(
    time: FloatArray,
    surv: FloatArray,
    p: float,
    *,
    first_time: float = 0.0,
    tol: float = QUANTILE_TOL,
) -> float:
    """Time at which ``1 - S`` first reaches ``p``, as R's ``quantile.survfit``.

    The curve is ``1 - S`` starting from 0 at ``first_time``. The quantile is
    the first time where ``1 - S >= p`` (within ``tol``); when ``1 - S``
    equals ``p`` on a flat stretch it is the midpoint between the start of the
    stretch and the next drop of ``S``, or the last time of the curve when the
    stretch runs to the end. NaN values (undefined confidence limits) are
    skipped. Returns NaN when ``1 - S`` never reaches ``p`` ("not reached").

    Parameters
    ----------
    time : ndarray of float
        Sorted distinct times of the curve (censor-only times included).
    surv : ndarray of float
        Survival (or a confidence limit) at those times; may hold NaN.
    p : float
        Probability in [0, 1]; 0.5 gives the median.
    first_time : float, optional
        Origin of the curve (R's ``start.time``, 0 by default).
    tol : float, optional
        Tolerance for "equal to ``p``".

    Returns
    -------
    float
    """
    x = np.concatenate(([first_time], time))
    y = np.concatenate(([0.0], 1.0 - surv))
    x_last = x[-1]
    if p == 0.0:
        return float(x[0])
    if np.all(np.isnan(y)) or np.nanmax(y) < p:
        return float("nan")
    # R drops duplicated levels first (NaN counts as one level), then NaN pairs
    first = np.sort(np.unique(y, return_index=True, equal_nan=True)[1])
    x, y = x[first], y[first]
    end_is_level = not np.isnan(y[-1])
    ok = ~np.isnan(y)
    x, y = x[ok], y[ok]
    if p < y[0] + tol or p > y[-1] + tol:  # outside the curve's range
        return float("nan")
    i1 = int(np.argmax(y + tol >= p))
    if end_is_level and abs(p - y[-1]) < tol:  # a flat stretch at p to the end
        return float((x[i1] + x_last) / 2.0)
    if p > y[-1] - tol:
        return float("nan")
    i2 = int(np.argmax(y - tol >= p))
    return float((x[i1] + x[i2]) / 2.0)
