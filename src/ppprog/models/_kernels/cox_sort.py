"""Per-replicate row order by (stratum, stop) for the Cox kernels.

:func:`sort_orders` computes every replicate's order once;
:func:`sort_order_into` is its per-replicate step, called by the compiled
fitting loops. Both are re-exported by :mod:`ppprog.models._kernels.design`.
A branch-free radix sort, because the comparisons of a comparison sort on a
few hundred random times cannot be predicted by the CPU and dominate its cost.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ppprog._core.typing import BoolArray, FloatArray, IntArray

__all__ = ["sort_order_into", "sort_orders"]


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
    cnt = np.zeros((digits, 256), np.int64)
    mask = np.uint64(255)
    for i in range(m):  # every digit's histogram in one read of the keys
        v = b[i]
        for d in range(digits):
            cnt[d, (v >> np.uint64(8 * d)) & mask] += 1
    b2 = np.empty(m, np.uint64)
    i2 = np.empty(m, np.int64)
    flip = False
    for d in range(digits):
        sh = np.uint64(8 * d)
        if cnt[d, (b[0] >> sh) & mask] == m:  # every key agrees on this digit
            continue
        sb, si = (b2, i2) if flip else (b, ix)
        db, di = (b, ix) if flip else (b2, i2)
        pos = cnt[d]
        acc = 0
        for c in range(256):
            k = pos[c]
            pos[c] = acc
            acc += k
        for i in range(m):
            v = sb[i]
            c = (v >> sh) & mask
            at = pos[c]
            db[at] = v
            di[at] = si[i]
            pos[c] = at + 1
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
