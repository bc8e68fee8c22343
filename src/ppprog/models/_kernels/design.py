"""Cox design: normalized batched arrays and the per-replicate sort.

:class:`CoxDesign` holds the inputs of every Cox kernel with a leading
replicate axis, always as contiguous ``float64`` / ``int64`` / ``bool`` arrays
so that numba compiles one signature per kernel. Each replicate is sorted
once, never per Newton iteration: :func:`sort_orders` computes every replicate's order of valid rows once and
:func:`gather_replicate` writes one replicate's sorted, centred rows, its
tie blocks and its summaries into work arrays the caller allocated once (the
input of the fused evaluation :func:`~ppprog.models._kernels.cox_pass.efron_pass`).

Risk-set convention (R ``survival``, Andersen-Gill counting process): a row
with interval ``(start, stop]`` is at risk at time ``t`` iff
``start < t <= stop``. Right-censored data have no entry times (``has_start``
is False) and every row is at risk from time minus infinity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from ppprog._core.typing import BoolArray, FloatArray, IntArray
from ppprog.models._kernels.cox_sort import sort_order_into, sort_orders

__all__ = ["CoxDesign", "gather_replicate", "sort_order_into", "sort_orders"]


@dataclass(frozen=True)
class CoxDesign:
    """Inputs of the Cox kernels, batched over replicates.

    Parameters
    ----------
    X : ndarray of float64, shape (R, n, p)
        Covariates.
    stop : ndarray of float64, shape (R, n)
        Event or censoring times (interval ends).
    start : ndarray of float64, shape (R, n)
        Entry times (unused when ``has_start`` is False).
    event : ndarray of bool, shape (R, n)
        Event indicators.
    strata : ndarray of int64, shape (R, n)
        Stratum codes (zeros when unstratified).
    mask : ndarray of bool, shape (R, n)
        Valid rows; invalid (padding) rows contribute nothing.
    has_start : bool
        Whether ``start`` holds entry times.
    has_strata : bool
        Whether ``strata`` holds more than one code.
    """

    X: FloatArray
    stop: FloatArray
    start: FloatArray
    event: BoolArray
    strata: IntArray
    mask: BoolArray
    has_start: bool
    has_strata: bool

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(R, n, p)``."""
        r, n, p = self.X.shape
        return int(r), int(n), int(p)

    @classmethod
    def from_arrays(
        cls,
        X: FloatArray,
        stop: FloatArray,
        event: FloatArray | BoolArray,
        *,
        start: FloatArray | None = None,
        strata: IntArray | None = None,
        mask: BoolArray | None = None,
        has_start: bool | None = None,
        has_strata: bool | None = None,
    ) -> CoxDesign:
        """Normalize batched arrays (shapes, dtypes, contiguity).

        Parameters
        ----------
        X : array_like, shape (R, n, p)
            Covariates.
        stop : array_like, shape (R, n)
            Event or censoring times.
        event : array_like, shape (R, n)
            Event indicators (0/1 or bool).
        start : array_like, shape (R, n), optional
            Entry times for (start, stop] data.
        strata : array_like of int, shape (R, n), optional
            Stratum codes.
        mask : array_like of bool, shape (R, n), optional
            Valid rows (default: all).
        has_start, has_strata : bool, optional
            Whether ``start`` holds entry times and ``strata`` more than one
            code, when the caller knows (then a given ``start`` or ``strata``
            is used as it is, e.g. the zeros a SurvivalData already holds,
            instead of new zeros or a scan); by default ``start`` given means
            entry times and ``strata`` is scanned.

        Returns
        -------
        CoxDesign

        Raises
        ------
        ValueError
            On a shape mismatch.
        """
        X = np.ascontiguousarray(X, dtype=np.float64)
        if X.ndim != 3:
            raise ValueError(f"X must have shape (R, n, p), got {X.shape}")
        r, n, _ = X.shape

        def vec(a: object, name: str, dtype: type) -> np.ndarray:
            arr: np.ndarray = np.ascontiguousarray(a, dtype=dtype)
            if arr.shape != (r, n):
                raise ValueError(f"{name} has shape {arr.shape}, expected {(r, n)}")
            return arr

        stop_a = vec(stop, "time", np.float64)
        event_a = vec(np.asarray(event) != 0, "event", np.bool_)
        entry = start is not None if has_start is None else bool(has_start)
        start_a = vec(start, "start", np.float64) if start is not None else np.zeros((r, n))
        strata_a = (
            vec(strata, "strata", np.int64) if strata is not None else np.zeros((r, n), np.int64)
        )
        mask_a = vec(mask, "mask", np.bool_) if mask is not None else np.ones((r, n), np.bool_)
        if has_strata is None:
            has_strata = bool(strata is not None and np.any(strata_a != strata_a[:, :1]))
        return cls(X, stop_a, start_a, event_a, strata_a, mask_a, entry, bool(has_strata))


@njit(cache=True, error_model="numpy")
def _stable_order(key: FloatArray, strata: IntArray, has_strata: bool) -> IntArray:
    # Quicksort (3x faster than mergesort here) is deterministic but not stable:
    # rows tied on ``key`` may come in any fixed order, which changes sums only
    # in the last bits. The stratum pass must be stable to keep ``key`` sorted.
    order = np.argsort(key)
    if has_strata:
        o2 = np.argsort(strata[order], kind="mergesort")
        order = order[o2]
    return order


@njit(cache=True, error_model="numpy")
def gather_replicate(  # noqa: C901
    X: FloatArray,
    stop: FloatArray,
    start: FloatArray,
    event: BoolArray,
    strata: IntArray,
    order: IntArray,
    m: int,
    has_start: bool,
    has_strata: bool,
    Z: FloatArray,
    ev: BoolArray,
    blocks: IntArray,
    times: FloatArray,
    start_s: FloatArray,
    sidx: IntArray,
    summ: FloatArray,
) -> tuple[int, int]:
    """Gather one replicate's rows in ``order`` into work arrays (no allocation but ``sidx``).

    Parameters
    ----------
    X : ndarray, shape (n, p)
    stop, start : ndarray, shape (n,)
    event : ndarray of bool, shape (n,)
    strata : ndarray of int64, shape (n,)
    order : ndarray of int64, shape (>= m,)
        Valid rows by (stratum, stop) (:func:`sort_orders`).
    m : int
        Number of valid rows.
    has_start, has_strata : bool
    Z : ndarray, shape (>= m, p + p(p+1)/2), output
        Rows ``[x, upper triangle of x x']`` with ``x`` centred at the mean.
    ev : ndarray of bool, shape (>= m,), output
        Sorted event indicators.
    blocks : ndarray of int64, shape (>= m, 5), output
        One row per tie block (rows sharing stratum and stop), in time order:
        first row, last row, deaths, first and last row of its stratum.
    times : ndarray, shape (>= m,), output
        Sorted stop times.
    start_s : ndarray, shape (>= m,), output
        Sorted entry times (with entry times only).
    sidx : ndarray of int64, shape (>= m,), output
        Sorted rows ordered by (stratum, start) (with entry times only).
    summ : ndarray, shape (3, p), output
        Row 0: sum of the deaths' centred ``x``; row 1: R's column scale
        ``m / sum |x - mean|`` (1 for a constant column); row 2: the
        column standard deviations.

    Returns
    -------
    n_blocks, n_events : int
    """
    p = X.shape[1]
    mean, xev, absdev = summ[2], summ[0], summ[1]
    nev = 0
    for i in range(m):  # gather the rows in order
        r = order[i]
        times[i] = stop[r]
        ev[i] = event[r]
        nev += ev[i]
        for j in range(p):
            Z[i, j] = X[r, j]
    # column by column, with scalar accumulators (registers, not memory)
    for j in range(p):
        acc = 0.0
        for i in range(m):
            acc += Z[i, j]
        mu = acc / max(m, 1)
        dev = 0.0
        ss = 0.0
        se = 0.0
        for i in range(m):
            v = Z[i, j] - mu
            Z[i, j] = v
            dev += abs(v)
            ss += v * v
            se += v if ev[i] else 0.0
        xev[j] = se
        absdev[j] = m / dev if dev > 0.0 else 1.0  # R's scale
        mean[j] = np.sqrt(ss / max(m, 1))  # the standard deviation
    t = p
    for j in range(p):  # the products x_j x_k, k >= j
        for k in range(j, p):
            for i in range(m):
                Z[i, t] = Z[i, j] * Z[i, k]
            t += 1
    # tie blocks in time order, then each block's stratum bounds
    nb = 0
    i = 0
    while i < m:
        k = i
        d = 0
        if has_strata:
            s = strata[order[i]]
            while k < m and times[k] == times[i] and strata[order[k]] == s:
                d += ev[k]
                k += 1
        else:
            while k < m and times[k] == times[i]:
                d += ev[k]
                k += 1
        blocks[nb, 0] = i
        blocks[nb, 1] = k - 1
        blocks[nb, 2] = d
        nb += 1
        i = k
    b = 0
    while b < nb:
        e = b
        if has_strata:
            s = strata[order[blocks[b, 0]]]
            while e + 1 < nb and strata[order[blocks[e + 1, 0]]] == s:
                e += 1
        else:
            e = nb - 1
        for c in range(b, e + 1):
            blocks[c, 3] = blocks[b, 0]
            blocks[c, 4] = blocks[e, 1]
        b = e + 1
    if has_start:
        for i in range(m):
            start_s[i] = start[order[i]]
        sg = np.empty(m, np.int64)
        for i in range(m):
            sg[i] = strata[order[i]]
        sidx[:m] = _stable_order(start_s[:m], sg, has_strata)
    return nb, nev
