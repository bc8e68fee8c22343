"""Log-rank / Fleming-Harrington G-rho kernel (k groups, optional strata and entry).

One compiled sweep (numba) over integer-coded arrays with a leading replicate
axis, for the single and the batched test alike. Follows R's ``survdiff``
(``survdiff2.c``): within each stratum, at every distinct event time ``t``
with ``D`` deaths among ``N`` at risk (``d_k`` and ``n_k`` in group ``k``)
and weight ``w = S(t-)**rho`` from the pooled, left-continuous Kaplan-Meier
of the stratum,

* observed ``O_k += w d_k`` (weighted, as R reports it when ``rho != 0``),
* expected ``E_k += w D n_k / N``,
* variance ``V_kl += w**2 D (N - D) / (N (N - 1)) n_k (delta_kl - n_l / N)``
  (no contribution when ``N == 1``),

summed over strata. Left truncation (at risk iff ``entry < t <= time``) is an
extension beyond ``survdiff``, which accepts right-censored data only; the
weights then use the truncated pooled Kaplan-Meier.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from numpy.typing import NDArray

__all__ = [
    "LogRankSums",
    "logrank_sums",
    "logrank_batch_sums",
    "logrank_chisq",
    "logrank_chisq_batch",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class LogRankSums:
    """Observed, expected (per stratum and group) and the pooled variance."""

    observed: FloatArray  # (n_strata, k)
    expected: FloatArray  # (n_strata, k)
    variance: FloatArray  # (k, k)


@njit(cache=True, error_model="numpy")
def _by_stratum(key: np.ndarray, strata: np.ndarray) -> np.ndarray:
    """Positions sorted by (stratum, key), both ascending (stable)."""
    o = np.argsort(key, kind="mergesort")
    return o[np.argsort(strata[o], kind="mergesort")]


@njit(cache=True, error_model="numpy")
def _replicate_sums(  # noqa: C901
    time: np.ndarray,
    event: np.ndarray,
    group: np.ndarray,
    strata: np.ndarray,
    entry: np.ndarray,
    has_entry: bool,
    rho: float,
    obs: np.ndarray,
    exp: np.ndarray,
    var: np.ndarray,
) -> None:
    """Sweep one replicate's valid rows forwards in time within each stratum.

    At-risk counts per group at ``t`` are ``#{entry < t} - #{time < t}``;
    the pooled ``S(t-)`` for the weights is updated after each event time.
    One function on purpose (the per-time arithmetic is tiny).
    """
    k = obs.shape[1]
    rows = _by_stratum(time, strata)
    erows = _by_stratum(entry, strata) if has_entry else rows
    m = rows.shape[0]
    n_at = np.zeros(k)
    d_g = np.zeros(k)
    i = 0
    ep = 0
    while i < m:
        s = strata[rows[i]]
        e = i
        while e < m and strata[rows[e]] == s:
            e += 1
        n_at[:] = 0.0
        if not has_entry:
            for r in range(i, e):
                n_at[group[rows[r]]] += 1.0
        while ep < m and strata[erows[ep]] < s:
            ep += 1
        surv = 1.0
        j = i
        while j < e:
            t = time[rows[j]]
            if has_entry:
                while ep < m and strata[erows[ep]] == s and entry[erows[ep]] < t:
                    n_at[group[erows[ep]]] += 1.0
                    ep += 1
            d_g[:] = 0.0
            big_d = 0.0
            c = j
            while c < e and time[rows[c]] == t:
                if event[rows[c]]:
                    d_g[group[rows[c]]] += 1.0
                    big_d += 1.0
                c += 1
            if big_d > 0.0:
                big_n = n_at.sum()
                w = surv**rho if rho != 0.0 else 1.0
                cc = 0.0
                if big_n > 1.0:
                    cc = w * w * big_d * (big_n - big_d) / (big_n * (big_n - 1.0))
                for g in range(k):
                    frac = n_at[g] / big_n
                    obs[s, g] += w * d_g[g]
                    exp[s, g] += w * big_d * frac
                    for h in range(k):
                        var[g, h] += cc * (n_at[g] * (1.0 if g == h else 0.0) - n_at[h] * frac)
                if rho != 0.0:
                    surv *= (big_n - big_d) / big_n
            for r in range(j, c):
                n_at[group[rows[r]]] -= 1.0
            j = c
        i = e


@njit(cache=True, error_model="numpy")
def logrank_batch_sums(
    time: np.ndarray,
    event: np.ndarray,
    group: np.ndarray,
    strata: np.ndarray,
    entry: np.ndarray,
    has_entry: bool,
    mask: np.ndarray,
    n_groups: int,
    n_strata: int,
    rho: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observed, expected and variance for every replicate (compiled loop).

    Parameters
    ----------
    time : ndarray of float, shape (R, n)
    event, mask : ndarray of bool, shape (R, n)
    group, strata : ndarray of int64, shape (R, n)
        Codes in ``0 .. n_groups - 1`` and ``0 .. n_strata - 1``.
    entry : ndarray of float, shape (R, n)
        Left-truncation times (unused unless ``has_entry``).
    has_entry : bool
    n_groups, n_strata : int
    rho : float
        Fleming-Harrington exponent.

    Returns
    -------
    observed, expected : ndarray, shape (R, n_strata, n_groups)
    variance : ndarray, shape (R, n_groups, n_groups)
        Replicates never share arithmetic: a replicate's numbers do not
        depend on the others.
    """
    R = time.shape[0]
    obs = np.zeros((R, n_strata, n_groups))
    exp = np.zeros((R, n_strata, n_groups))
    var = np.zeros((R, n_groups, n_groups))
    for r in range(R):
        idx = np.flatnonzero(mask[r])
        _replicate_sums(time[r][idx], event[r][idx], group[r][idx], strata[r][idx],
                        entry[r][idx], has_entry, rho, obs[r], exp[r], var[r])  # fmt: skip
    return obs, exp, var


def logrank_sums(
    time: FloatArray,
    event: NDArray[np.bool_],
    group: IntArray,
    n_groups: int,
    strata: IntArray,
    n_strata: int,
    rho: float = 0.0,
    entry: FloatArray | None = None,
) -> LogRankSums:
    """Observed and expected weighted events per stratum and group, and the variance.

    One replicate of :func:`logrank_batch_sums` (the same compiled sweep).

    Parameters
    ----------
    time : ndarray of float, shape (n,)
        Exit times.
    event : ndarray of bool, shape (n,)
        Event indicators.
    group : ndarray of int, shape (n,)
        Group codes in ``0 .. n_groups - 1``.
    n_groups : int
        Number of groups ``k``.
    strata : ndarray of int, shape (n,)
        Stratum codes in ``0 .. n_strata - 1``.
    n_strata : int
        Number of strata.
    rho : float, optional
        Fleming-Harrington exponent; 0 is the log-rank test.
    entry : ndarray of float, shape (n,), optional
        Left-truncation times.

    Returns
    -------
    LogRankSums
    """
    t = np.ascontiguousarray(time, dtype=np.float64)[None]
    en = t if entry is None else np.ascontiguousarray(entry, dtype=np.float64)[None]
    o, e, v = logrank_batch_sums(
        t, np.asarray(event, dtype=np.bool_)[None], np.asarray(group, dtype=np.int64)[None],
        np.asarray(strata, dtype=np.int64)[None], en, entry is not None,
        np.ones(t.shape, np.bool_), int(n_groups), int(n_strata), float(rho),
    )  # fmt: skip
    return LogRankSums(o[0], e[0], v[0])


def logrank_chisq(
    observed: FloatArray, expected: FloatArray, variance: FloatArray
) -> tuple[float, int]:
    """Chi-square statistic and degrees of freedom as R's ``survdiff``.

    Groups with zero expected count are dropped; of the rest, the first is
    dropped and ``(O - E)' V^{-1} (O - E)`` is computed on the others.

    Parameters
    ----------
    observed, expected : ndarray of float, shape (k,)
        Totals over strata.
    variance : ndarray of float, shape (k, k)
        Pooled variance of ``O - E``.

    Returns
    -------
    chisq : float
        0 when fewer than two groups have a positive expected count.
    df : int
        Number of groups with positive expected count, minus one (at least 0).

    Raises
    ------
    numpy.linalg.LinAlgError
        When the reduced variance matrix is singular.
    """
    keep = expected > 0
    df = max(int(keep.sum()) - 1, 0)
    if df == 0:
        return 0.0, 0
    diff = (observed - expected)[keep][1:]
    vv = variance[np.ix_(keep, keep)][1:, 1:]
    return float(diff @ np.linalg.solve(vv, diff)), df


def logrank_chisq_batch(
    observed: FloatArray, expected: FloatArray, variance: FloatArray
) -> tuple[FloatArray, IntArray, NDArray[np.bool_]]:
    """:func:`logrank_chisq` for every replicate.

    Parameters
    ----------
    observed, expected : ndarray of float, shape (R, k)
        Totals over strata.
    variance : ndarray of float, shape (R, k, k)

    Returns
    -------
    chisq : ndarray, shape (R,)
        0 where ``df == 0``; NaN where the reduced variance is singular.
    df : ndarray of int64, shape (R,)
    singular : ndarray of bool, shape (R,)
        Replicates whose reduced variance matrix is singular.
    """
    R = observed.shape[0]
    chisq = np.zeros(R)
    df = np.zeros(R, np.int64)
    singular = np.zeros(R, np.bool_)
    for r in range(R):
        try:
            chisq[r], df[r] = logrank_chisq(observed[r], expected[r], variance[r])
        except np.linalg.LinAlgError:
            chisq[r], singular[r] = np.nan, True
            df[r] = max(int((expected[r] > 0).sum()) - 1, 0)
    return chisq, df, singular
