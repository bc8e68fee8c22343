"""Cox design: normalized batched arrays and the per-replicate sort.

:class:`CoxDesign` holds the inputs of every Cox kernel with a leading
replicate axis, always as contiguous ``float64`` / ``int64`` / ``bool`` arrays
so that numba compiles one signature per kernel. :func:`sort_replicate` is the
compiled per-replicate step that drops masked rows, sorts by (stratum, stop),
centres the covariates, and orders rows by (stratum, start) for removal from
the risk set. It runs once per replicate, never per Newton iteration.
:func:`sort_orders` computes every replicate's order of valid rows once and
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

__all__ = ["CoxDesign", "gather_replicate", "sort_orders", "sort_replicate"]


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
        Entry times (zeros when ``has_start`` is False; then unused).
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
        has_start = start is not None
        start_a = vec(start, "start", np.float64) if has_start else np.zeros((r, n))
        strata_a = (
            vec(strata, "strata", np.int64) if strata is not None else np.zeros((r, n), np.int64)
        )
        mask_a = vec(mask, "mask", np.bool_) if mask is not None else np.ones((r, n), np.bool_)
        has_strata = bool(strata is not None and np.any(strata_a != strata_a[:, :1]))
        return cls(X, stop_a, start_a, event_a, strata_a, mask_a, has_start, has_strata)


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
def _sorted_valid_rows(
    stop: FloatArray, strata: IntArray, mask: BoolArray, has_strata: bool
) -> IntArray:
    """Indices of the valid rows, ordered by (stratum, stop)."""
    n = stop.shape[0]
    m = 0
    for i in range(n):
        if mask[i]:
            m += 1
    if m == n:
        return _stable_order(stop, strata, has_strata)
    idx = np.empty(m, np.int64)
    k = 0
    for i in range(n):
        if mask[i]:
            idx[k] = i
            k += 1
    return idx[_stable_order(stop[idx], strata[idx], has_strata)]


@njit(cache=True, error_model="numpy")
def sort_replicate(
    X: np.ndarray,
    stop: np.ndarray,
    start: np.ndarray,
    event: np.ndarray,
    strata: np.ndarray,
    mask: np.ndarray,
    has_start: bool,
    has_strata: bool,
) -> tuple[np.ndarray, ...]:
    """Sort and centre one replicate's valid rows.

    Parameters
    ----------
    X : ndarray, shape (n, p)
    stop, start : ndarray, shape (n,)
    event, mask : ndarray of bool, shape (n,)
    strata : ndarray of int64, shape (n,)
    has_start, has_strata : bool

    Returns
    -------
    tuple
        ``(Xs, stop_s, event_s, strata_s, start_s, sidx, rows, sd)``: rows
        sorted by (stratum, stop) with covariates centred at their mean over
        valid rows; ``sidx`` orders the sorted rows by (stratum, start)
        (``start_s`` and ``sidx`` are empty without entry times);
        ``rows`` maps sorted rows to input rows; ``sd`` is each column's
        standard deviation (for step scaling).
    """
    p = X.shape[1]
    rows = _sorted_valid_rows(stop, strata, mask, has_strata)
    m = rows.shape[0]
    means = np.zeros(p)
    for i in range(m):
        for j in range(p):
            means[j] += X[rows[i], j]
    for j in range(p):
        means[j] = means[j] / max(m, 1)
    Xs = np.empty((m, p))
    sd = np.zeros(p)
    for i in range(m):
        for j in range(p):
            v = X[rows[i], j] - means[j]
            Xs[i, j] = v
            sd[j] += v * v
    for j in range(p):
        sd[j] = np.sqrt(sd[j] / max(m, 1))
    stop_s = stop[rows]
    event_s = event[rows]
    strata_s = strata[rows]
    if has_start:
        start_s = start[rows]
        sidx = _stable_order(start_s, strata_s, has_strata)
    else:  # unused without entry times
        start_s = np.empty(0)
        sidx = np.empty(0, np.int64)
    return Xs, stop_s, event_s, strata_s, start_s, sidx, rows, sd


@njit(cache=True, error_model="numpy")
def _radix_sort(b: np.ndarray, ix: IntArray, m: int, digits: int) -> None:
    """Stable LSD radix sort (``digits`` 8-bit digits) of ``ix[:m]`` by the unsigned keys ``b[:m]``.

    Branch-free, so several times faster than a comparison sort on the few
    hundred rows of a replicate (whose comparisons the CPU cannot predict).
    Digits on which every key agrees are skipped. :func:`sort_order_into`
    sorts on the float32-rounded times (4 digits) and then finishes the order
    on the exact times with an insertion sort (nearly sorted: about one
    comparison per row).
    """
    cnt = np.empty(256, np.int64)
    mask = np.uint64(255)
    b2 = np.empty(m, np.uint64)
    i2 = np.empty(m, np.int64)
    flip = False
    for d in range(digits):
        sh = np.uint64(8 * d)
        sb, si = (b2, i2) if flip else (b, ix)
        db, di = (b, ix) if flip else (b2, i2)
        cnt[:] = 0
        for i in range(m):
            cnt[(sb[i] >> sh) & mask] += 1
        if cnt[(sb[0] >> sh) & mask] == m:
            continue
        acc = 0
        for c in range(256):
            k = cnt[c]
            cnt[c] = acc
            acc += k
        for i in range(m):
            c = (sb[i] >> sh) & mask
            pos = cnt[c]
            db[pos] = sb[i]
            di[pos] = si[i]
            cnt[c] = pos + 1
        flip = not flip
    if flip:
        ix[:m] = i2


@njit(cache=True, error_model="numpy")
def _sort_exact(stop: FloatArray, mask: BoolArray, out: IntArray, b: np.ndarray) -> None:
    """Radix sort of the valid rows on the full IEEE bits of ``stop`` (8 digits)."""
    bits = np.ascontiguousarray(stop).view(np.uint64)
    top = np.uint64(1) << np.uint64(63)
    m = 0
    for i in range(stop.shape[0]):
        if mask[i]:
            # IEEE order as unsigned integers: flip negatives, set the sign bit (-0.0 as 0.0)
            v = bits[i] if stop[i] != 0.0 else np.uint64(0)
            b[m] = ~v if v & top else v | top
            out[m] = i
            m += 1
    _radix_sort(b, out, m, 8)


@njit(cache=True, error_model="numpy")
def sort_order_into(
    stop: FloatArray, strata: IntArray, mask: BoolArray, has_strata: bool, out: IntArray
) -> int:
    """Write the valid rows of one replicate, ordered by (stratum, stop), into ``out``.

    The order is stable (rows tied on stratum and stop keep their input
    order, as R's ``order``). Returns the number ``m`` of valid rows
    (``out[m:]`` is left as it was).
    """
    n = stop.shape[0]
    f32 = np.empty(n, np.float32)
    b = np.empty(n, np.uint64)
    lo = np.inf
    m = 0
    for i in range(n):
        if mask[i]:
            out[m] = i
            lo = min(lo, stop[i])
            m += 1
    for i in range(m):
        f32[i] = stop[out[i]] - lo  # rounding is monotone: a coarser key, the same order
    bits = f32.view(np.uint32)
    for i in range(m):
        b[i] = np.uint64(bits[i])  # non-negative floats order as their bits
    if m > 0:
        _radix_sort(b, out, m, 4)
    # the exact order within equal float32 keys: insertion sort, about one comparison
    # per row; many moves mean the float32 keys collapsed: sort the exact 64-bit keys
    moves = 0
    for i in range(1, m):
        r = out[i]
        t = stop[r]
        j = i - 1
        while j >= 0 and t < stop[out[j]]:
            out[j + 1] = out[j]
            j -= 1
        out[j + 1] = r
        moves += i - 1 - j
        if moves > 8 * m:
            _sort_exact(stop, mask, out, b)
            break
    if has_strata:
        rows = out[:m].copy()
        out[:m] = rows[np.argsort(strata[rows], kind="mergesort")]
    return m


@njit(cache=True, error_model="numpy")
def sort_orders(
    stop: FloatArray, strata: IntArray, mask: BoolArray, has_strata: bool
) -> tuple[IntArray, IntArray]:
    """Every replicate's valid rows ordered by (stratum, stop), computed once.

    Parameters
    ----------
    stop : ndarray, shape (R, n)
    strata : ndarray of int64, shape (R, n)
    mask : ndarray of bool, shape (R, n)
    has_strata : bool

    Returns
    -------
    orders : ndarray of int64, shape (R, n)
        Row indices; entries past ``counts[r]`` are -1.
    counts : ndarray of int64, shape (R,)
        Valid rows per replicate.
    """
    R, n = stop.shape
    orders = np.full((R, n), -1, np.int64)
    counts = np.zeros(R, np.int64)
    for r in range(R):
        counts[r] = sort_order_into(stop[r], strata[r], mask[r], has_strata, orders[r])
    return orders, counts


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
        ss = np.empty(m, np.int64)
        for i in range(m):
            ss[i] = strata[order[i]]
        sidx[:m] = _stable_order(start_s[:m], ss, has_strata)
    return nb, nev
