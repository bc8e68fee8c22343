"""Competing-events kernels: Aalen-Johansen cumulative incidence and Gray's test.

Pure numpy/numba on 1-D arrays; no pandas and no ppprog layers above ``_core``.
Event codes are integers: ``0`` censored, ``k = 1..K`` the cause of the exit.

Aalen-Johansen (:func:`aalen_johansen_curve`) follows R ``survfit`` for a
multi-state ``Surv(time, factor(status))`` response (survival >= 3.0):

* one row per distinct exit time, censor-only times included; a subject is
  at risk at ``t`` iff ``entry < t <= time``;
* ``pstate[:, 0]`` is the probability of still being in the initial state
  (the all-cause Kaplan-Meier), ``pstate[:, k]`` the cumulative incidence of
  cause ``k``;
* ``std_err`` is the infinitesimal-jackknife standard error of ``pstate``
  itself (not of a log), the derivative of the estimate with respect to each
  subject's case weight, squared and summed over subjects (each subject its
  own cluster), which is what ``survfit`` reports for multi-state curves.

Gray's test (:func:`gray_scores`) reproduces the score vector and variance
of ``cmprsk::cuminc`` (Gray 1988, with the ``rho`` weight ``(1 - F(t-))^rho``),
summed over strata.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from scipy.special import ndtri

from ppprog._core.typing import FloatArray, IntArray

__all__ = ["AJCurve", "aalen_johansen_curve", "pstate_limits", "gray_scores"]


@dataclass(frozen=True)
class AJCurve:
    """Aalen-Johansen estimate at each distinct exit time (sorted ascending)."""

    time: FloatArray  # (J,)
    n_risk: FloatArray  # (J,)
    n_event: FloatArray  # (J, K) events of each cause
    n_censor: FloatArray  # (J,)
    pstate: FloatArray  # (J, K + 1): initial state, then causes 1..K
    std_err: FloatArray  # (J, K + 1)


@njit(cache=True, error_model="numpy")
def _count_at(
    t: float,
    j: int,
    time: np.ndarray,
    cause: np.ndarray,
    entry: np.ndarray,
    at_risk: np.ndarray,
    n_event: np.ndarray,
    n_censor: np.ndarray,
) -> float:
    """Mark the risk set at ``t`` and count exits at ``t`` into row ``j``; return its size."""
    nr = 0.0
    for i in range(time.size):
        at_risk[i] = entry[i] < t and t <= time[i]
        if at_risk[i]:
            nr += 1.0
            if time[i] == t:
                if cause[i] == 0:
                    n_censor[j] += 1.0
                else:
                    n_event[j, cause[i] - 1] += 1.0
    return nr


@njit(cache=True, error_model="numpy")
def _aj_loop(
    time: np.ndarray, cause: np.ndarray, entry: np.ndarray, utime: np.ndarray, n_causes: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Walk the distinct times, updating the estimate and each subject's influence."""
    n = time.size
    J = utime.size
    K = n_causes
    pstate = np.empty((J, K + 1))
    var = np.empty((J, K + 1))
    n_risk = np.zeros(J)
    n_event = np.zeros((J, K))
    n_censor = np.zeros(J)
    d_surv = np.zeros(n)  # d S / d w_i
    d_cif = np.zeros((K, n))  # d F_k / d w_i
    surv = 1.0
    cif = np.zeros(K)
    at_risk = np.zeros(n, dtype=np.bool_)
    for j in range(J):
        t = utime[j]
        nr = _count_at(t, j, time, cause, entry, at_risk, n_event, n_censor)
        n_risk[j] = nr
        d = np.sum(n_event[j])
        if d > 0.0:
            for i in range(n):
                y = 1.0 if at_risk[i] else 0.0
                died = at_risk[i] and time[i] == t and cause[i] > 0
                dn = 1.0 if died else 0.0
                for k in range(K):
                    dnk = 1.0 if (died and cause[i] == k + 1) else 0.0
                    d_cif[k, i] += d_surv[i] * n_event[j, k] / nr + surv * (
                        dnk * nr - n_event[j, k] * y
                    ) / (nr * nr)
                d_surv[i] = d_surv[i] * (1.0 - d / nr) - surv * (dn * nr - d * y) / (nr * nr)
            for k in range(K):
                cif[k] += surv * n_event[j, k] / nr
            surv *= 1.0 - d / nr
        pstate[j, 0] = surv
        var[j, 0] = np.sum(d_surv * d_surv)
        for k in range(K):
            pstate[j, k + 1] = cif[k]
            var[j, k + 1] = np.sum(d_cif[k] * d_cif[k])
    return n_risk, n_event, n_censor, pstate, var


def aalen_johansen_curve(
    time: FloatArray, cause: IntArray, n_causes: int, entry: FloatArray | None = None
) -> AJCurve:
    """Aalen-Johansen state probabilities and their infinitesimal-jackknife SE.

    Parameters
    ----------
    time : ndarray of float, shape (n,)
        Exit times.
    cause : ndarray of int, shape (n,)
        ``0`` censored, ``k`` in ``1..n_causes`` the cause of the exit.
    n_causes : int
        Number of causes ``K`` (columns ``1..K`` of ``pstate``).
    entry : ndarray of float, shape (n,), optional
        Entry (left-truncation) times, each below its exit time.

    Returns
    -------
    AJCurve
    """
    t = np.ascontiguousarray(time, dtype=np.float64)
    c = np.ascontiguousarray(cause, dtype=np.int64)
    en = np.full(t.size, -np.inf) if entry is None else np.ascontiguousarray(entry, np.float64)
    utime = np.unique(t)
    n_risk, n_event, n_censor, pstate, var = _aj_loop(t, c, en, utime, int(n_causes))
    return AJCurve(utime, n_risk, n_event, n_censor, pstate, np.sqrt(var))


def pstate_limits(
    p: FloatArray, se: FloatArray, conf_type: str, conf_int: float
) -> tuple[FloatArray, FloatArray]:
    """Pointwise limits of a probability as R ``survfit_confint(logse = FALSE)``.

    Parameters
    ----------
    p, se : ndarray of float
        Estimates and their standard errors (same shape).
    conf_type : {"log", "log-log", "plain"}
        ``"log"`` limits are ``p * exp(-/+ z se / p)`` (upper capped at 1;
        NaN where ``p == 0``), ``"log-log"`` those of ``log(-log p)`` (NaN at
        0 and 1), ``"plain"`` ``p -/+ z se`` clipped to [0, 1].
    conf_int : float
        Confidence level.

    Returns
    -------
    lower, upper : ndarray of float
    """
    z = float(ndtri(1.0 - (1.0 - conf_int) / 2.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(se == 0.0, 0.0, se / p)
        if conf_type == "plain":
            return np.maximum(p - z * se, 0.0), np.minimum(p + z * se, 1.0)
        if conf_type == "log":
            xx = np.where(p == 0.0, np.nan, p)
            return np.exp(np.log(xx) - z * rel), np.minimum(np.exp(np.log(xx) + z * rel), 1.0)
        if conf_type == "log-log":
            xx = np.where((p == 0.0) | (p == 1.0), np.nan, p)
            half = z * rel / np.log(xx)
            ll = np.log(-np.log(xx))
            return np.exp(-np.exp(ll - half)), np.exp(-np.exp(ll + half))
    raise ValueError(f"conf_type must be 'log', 'log-log' or 'plain', got {conf_type!r}")


@njit(cache=True, error_model="numpy")
def _gray_stratum(  # noqa: C901
    y: np.ndarray,
    m: np.ndarray,
    g: np.ndarray,
    ng: int,
    rho: float,
    score: np.ndarray,
    var: np.ndarray,
) -> None:
    """Add one stratum's Gray score (first ng - 1 groups) and variance in place.

    ``y`` sorted ascending; ``m`` 0 censored, 1 cause of interest, 2 other;
    ``g`` group codes ``0..ng-1``.
    """
    n = y.size
    ng1 = ng - 1
    rs = np.zeros(ng)
    for i in range(n):
        rs[g[i]] += 1.0
    f1m = np.zeros(ng)  # group CIF of the cause, left-continuous
    f1 = np.zeros(ng)
    km_m = np.ones(ng)  # group all-cause KM, left-continuous
    km = np.ones(ng)
    c = np.zeros((ng, ng))
    a = np.zeros((ng, ng))
    v3 = np.zeros(ng)
    v2 = np.zeros((ng1, ng))
    v = np.zeros((ng1, ng1))
    fm = 0.0
    f = 0.0
    lo = 0
    while lo < n:
        hi = lo
        while hi + 1 < n and y[hi + 1] == y[lo]:
            hi += 1
        d = np.zeros((3, ng))
        for i in range(lo, hi + 1):
            d[m[i], g[i]] += 1.0
        nd1 = np.sum(d[1])
        nd2 = np.sum(d[2])
        if nd1 > 0 or nd2 > 0:
            tr = 0.0
            tq = 0.0
            for i in range(ng):
                if rs[i] > 0:
                    km[i] = km_m[i] * (rs[i] - d[1, i] - d[2, i]) / rs[i]
                    f1[i] = f1m[i] + km_m[i] * d[1, i] / rs[i]
                    tr += rs[i] / km_m[i]
                    tq += rs[i] * (1.0 - f1m[i]) / km_m[i]
            f = fm + nd1 / tr
            fb = (1.0 - fm) ** rho
            a[:, :] = 0.0
            for i in range(ng):
                if rs[i] <= 0:
                    continue
                t1 = rs[i] / km_m[i]
                a[i, i] = fb * t1 * (1.0 - t1 / tr)
                for j in range(i + 1, ng):
                    if rs[j] > 0:
                        a[i, j] = -fb * t1 * rs[j] / (km_m[j] * tr)
                        a[j, i] = a[i, j]
            step = nd1 / (tr * (1.0 - fm))
            for i in range(ng):
                for j in range(ng):
                    c[i, j] += a[i, j] * step
            for i in range(ng1):
                if rs[i] > 0:
                    score[i] += fb * (d[1, i] - nd1 * rs[i] * (1.0 - f1m[i]) / (km_m[i] * tq))
            if nd1 > 0:
                for k in range(ng):
                    if rs[k] <= 0:
                        continue
                    t4 = 1.0 - (1.0 - f) / km[k] if km[k] > 0 else 1.0
                    t5 = 1.0 - (nd1 - 1.0) / (tr * km_m[k] - 1.0) if nd1 > 1 else 1.0
                    t3 = t5 * km_m[k] * nd1 / (tr * rs[k])
                    v3[k] += t4 * t4 * t3
                    for i in range(ng1):
                        t1 = a[i, k] - t4 * c[i, k]
                        v2[i, k] += t1 * t4 * t3
                        for j in range(i + 1):
                            v[i, j] += t1 * (a[j, k] - t4 * c[j, k]) * t3
            if nd2 > 0:
                for k in range(ng):
                    if km[k] <= 0 or d[2, k] <= 0:
                        continue
                    t4 = (1.0 - f) / km[k]
                    t5 = 1.0 - (d[2, k] - 1.0) / (rs[k] - 1.0) if d[2, k] > 1 else 1.0
                    t3 = t5 * km_m[k] ** 2 * d[2, k] / rs[k] ** 2
                    v3[k] += t4 * t4 * t3
                    for i in range(ng1):
                        t1 = t4 * c[i, k]
                        v2[i, k] -= t1 * t4 * t3
                        for j in range(i + 1):
                            v[i, j] += t1 * t4 * c[j, k] * t3
        for i in range(lo, hi + 1):
            rs[g[i]] -= 1.0
        fm = f
        f1m[:] = f1
        km_m[:] = km
        lo = hi + 1
    for i in range(ng1):
        for j in range(i + 1):
            extra = 0.0
            for k in range(ng):
                extra += c[i, k] * c[j, k] * v3[k] + c[i, k] * v2[j, k] + c[j, k] * v2[i, k]
            v[i, j] += extra
            var[i, j] += v[i, j]
            if j < i:
                var[j, i] += v[i, j]


def gray_scores(
    time: FloatArray, mark: IntArray, group: IntArray, stratum: IntArray, n_groups: int, rho: float
) -> tuple[FloatArray, FloatArray]:
    """Gray's k-sample score and its variance, summed over strata.

    Parameters
    ----------
    time : ndarray of float, shape (n,)
        Exit times.
    mark : ndarray of int, shape (n,)
        ``0`` censored, ``1`` the cause tested, ``2`` any other cause.
    group : ndarray of int, shape (n,)
        Group codes ``0..n_groups-1``.
    stratum : ndarray of int, shape (n,)
        Stratum codes.
    n_groups : int
        Number of groups (at least 2).
    rho : float
        Power of the weight ``(1 - F(t-))^rho``; 0 gives equal weights.

    Returns
    -------
    score : ndarray, shape (n_groups - 1,)
    var : ndarray, shape (n_groups - 1, n_groups - 1)
    """
    score = np.zeros(n_groups - 1)
    var = np.zeros((n_groups - 1, n_groups - 1))
    order = np.argsort(time, kind="stable")
    t, mk = np.asarray(time, np.float64)[order], np.asarray(mark, np.int64)[order]
    g, s = np.asarray(group, np.int64)[order], np.asarray(stratum, np.int64)[order]
    for level in np.unique(s):
        sel = s == level
        _gray_stratum(t[sel], mk[sel], g[sel], int(n_groups), float(rho), score, var)
    return score, var
