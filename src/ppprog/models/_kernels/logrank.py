"""Log-rank / Fleming-Harrington G-rho kernel (k groups, optional strata and entry).

Pure numpy on 1-D integer-coded arrays. Follows R's ``survdiff``
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
from numpy.typing import NDArray

__all__ = ["LogRankSums", "logrank_sums", "logrank_chisq", "logrank_batch"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]


@dataclass(frozen=True)
class LogRankSums:
    """Observed, expected (per stratum and group) and the pooled variance."""

    observed: FloatArray  # (n_strata, k)
    expected: FloatArray  # (n_strata, k)
    variance: FloatArray  # (k, k)


def _stratum_sums(
    time: FloatArray,
    event: NDArray[np.bool_],
    group: IntArray,
    k: int,
    rho: float,
    entry: FloatArray | None,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    utime, inv = np.unique(time, return_inverse=True)
    m = utime.size
    exits = np.zeros((m, k))
    deaths = np.zeros((m, k))
    np.add.at(exits, (inv, group), 1.0)
    np.add.at(deaths, (inv, group), event.astype(np.float64))
    n_at = np.cumsum(exits[::-1], axis=0)[::-1]  # exit time >= t
    if entry is not None:
        for g in range(k):  # remove those with entry >= t
            e = np.sort(entry[group == g])
            n_at[:, g] -= e.size - np.searchsorted(e, utime, side="left")
    big_n = n_at.sum(axis=1)
    big_d = deaths.sum(axis=1)
    has = big_d > 0
    n_at, deaths, big_n, big_d = n_at[has], deaths[has], big_n[has], big_d[has]
    if rho != 0.0:
        step = (big_n - big_d) / big_n
        s_minus = np.concatenate(([1.0], np.cumprod(step)))[: step.size]  # S(t-)
        w = s_minus**rho
    else:
        w = np.ones_like(big_n)
    frac = n_at / big_n[:, None]
    obs = (w[:, None] * deaths).sum(axis=0)
    exp = (w[:, None] * big_d[:, None] * frac).sum(axis=0)
    multi = big_n > 1
    c = np.zeros_like(big_n)
    c[multi] = (
        w[multi] ** 2
        * big_d[multi]
        * (big_n[multi] - big_d[multi])
        / (big_n[multi] * (big_n[multi] - 1.0))
    )
    # V = sum_t c_t (diag(n_t) - n_t n_t' / N_t)
    var = np.diag((c[:, None] * n_at).sum(axis=0)) - np.einsum("t,tk,tl->kl", c, n_at, frac)
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
    obs = np.zeros((n_strata, n_groups))
    exp = np.zeros((n_strata, n_groups))
    var = np.zeros((n_groups, n_groups))
    for s in range(n_strata):
        sel = strata == s
        o, e, v = _stratum_sums(
            time[sel], event[sel], group[sel], n_groups, rho, None if entry is None else entry[sel]
        )
        obs[s], exp[s] = o, e
        var += v
    return LogRankSums(obs, exp, var)


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


def logrank_batch(
    time: FloatArray, event: NDArray[np.bool_], group: IntArray, n_groups: int, rho: float = 0.0
) -> LogRankSums:
    """Unstratified log-rank sums for R replicate data sets in one vectorized pass.

    The same numbers as :func:`logrank_sums` on each replicate (right-censored
    data, one stratum); arithmetic never mixes replicates.

    Parameters
    ----------
    time : ndarray of float, shape (R, n)
        Exit times.
    event : ndarray of bool, shape (R, n)
        Event indicators.
    group : ndarray of int, shape (R, n)
        Group codes in ``0 .. n_groups - 1``.
    n_groups : int
        Number of groups ``k``.
    rho : float, optional
        Fleming-Harrington exponent.

    Returns
    -------
    LogRankSums
        ``observed`` and ``expected`` of shape (R, k), ``variance`` (R, k, k).
    """
    r, n = time.shape
    order = np.argsort(time, axis=1, kind="stable")
    t = np.take_along_axis(time, order, axis=1)
    onehot = np.eye(n_groups)[np.take_along_axis(group, order, axis=1)]  # (R, n, k)
    dead = onehot * np.take_along_axis(event, order, axis=1)[..., None]
    pos = np.broadcast_to(np.arange(n), (r, n))
    new = np.ones((r, n), dtype=bool)
    new[:, 1:] = t[:, 1:] != t[:, :-1]
    last = np.ones((r, n), dtype=bool)
    last[:, :-1] = new[:, 1:]
    start = np.maximum.accumulate(np.where(new, pos, 0), axis=1)
    # at risk at a tie block = those from its first position onwards
    at_risk = np.cumsum(onehot[:, ::-1], axis=1)[:, ::-1]
    n_at = np.take_along_axis(at_risk, start[..., None], axis=1)
    cum_dead = np.concatenate((np.zeros((r, 1, n_groups)), np.cumsum(dead, axis=1)), axis=1)
    d = cum_dead[:, 1:] - np.take_along_axis(cum_dead, start[..., None], axis=1)
    use = last & (d.sum(axis=2) > 0)  # one row per distinct event time
    big_n = n_at.sum(axis=2)
    big_d = np.where(use, d.sum(axis=2), 0.0)
    if rho != 0.0:
        step = np.where(use, (big_n - big_d) / big_n, 1.0)
        s_minus = np.concatenate((np.ones((r, 1)), np.cumprod(step, axis=1)[:, :-1]), axis=1)
        w = np.where(use, s_minus**rho, 0.0)
    else:
        w = use.astype(np.float64)
    frac = n_at / big_n[..., None]
    obs = np.einsum("rt,rtk->rk", w, np.where(use[..., None], d, 0.0))
    exp = np.einsum("rt,rtk->rk", w * big_d, frac)
    multi = use & (big_n > 1)
    c = np.zeros((r, n))
    c[multi] = (
        w[multi] ** 2 * big_d[multi] * (big_n[multi] - big_d[multi])
        / (big_n[multi] * (big_n[multi] - 1.0))
    )  # fmt: skip
    diag = np.einsum("rt,rtk->rk", c, n_at)
    var = diag[:, :, None] * np.eye(n_groups) - np.einsum("rt,rtk,rtl->rkl", c, n_at, frac)
    return LogRankSums(obs, exp, var)
