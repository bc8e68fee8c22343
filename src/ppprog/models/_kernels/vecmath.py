"""Vectorizable ``exp`` and ``log`` over arrays (numba has no vector versions).

The Cox passes take one ``exp`` per row and one ``log`` per event time;
written branch-free over whole arrays, the compiler turns these loops into
SIMD code. Both are within about 1 ulp of ``np.exp`` / ``np.log`` (tested).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["CONTRACT", "exp_into", "log_into"]

#: Numba fast-math flags of the Cox passes: only fused multiply-add
#: (``a * b + c`` in one rounding); NaN, infinity and order of operations are kept.
CONTRACT = {"contract"}

_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # fdlibm's split of log(2)
_LN2_LO = 1.90821492927058770002e-10
_LN2 = 0.6931471805599453
_TINY = 2.2250738585072014e-308
_HUGE = 1.7976931348623157e308


@njit(cache=True, error_model="numpy", fastmath=CONTRACT)
def exp_into(x: np.ndarray, shift: float, out: np.ndarray, ib: np.ndarray, m: int) -> None:
    """``out[:m] = exp(x[:m] - shift)``, within about 1 ulp of ``np.exp``; ``x`` may be ``out``.

    Branch-free so that the compiler vectorizes it (numba has no vector
    ``exp``): ``2^k`` times a degree-13 Taylor polynomial on
    ``|r| <= log(2)/2``, with ``2^k`` built in the integer work array ``ib``.
    Arguments below -708 give 0 (``np.exp`` gives subnormals down to -745).
    """
    for i in range(m):
        v = x[i] - shift
        k = min(max(np.floor(v * _LOG2E + 0.5), -1022.0), 1023.0)
        r = (v - k * _LN2_HI) - k * _LN2_LO
        p = 1.0 / 6227020800.0
        p = p * r + 1.0 / 479001600.0
        p = p * r + 1.0 / 39916800.0
        p = p * r + 1.0 / 3628800.0
        p = p * r + 1.0 / 362880.0
        p = p * r + 1.0 / 40320.0
        p = p * r + 1.0 / 5040.0
        p = p * r + 1.0 / 720.0
        p = p * r + 1.0 / 120.0
        p = p * r + 1.0 / 24.0
        p = p * r + 1.0 / 6.0
        p = p * r + 0.5
        p = p * r + 1.0
        p = p * r + 1.0
        out[i] = p if v >= -708.0 else 0.0
        ib[i] = (np.int64(k) + 1023) << 52
    scale = ib.view(np.float64)
    for i in range(m):
        out[i] = out[i] * scale[i]


@njit(cache=True, error_model="numpy", fastmath=CONTRACT)
def log_into(x: np.ndarray, out: np.ndarray, ib: np.ndarray, m: int) -> None:
    """``out[:m] = log(x[:m])``, within about 1 ulp of ``np.log``; NaN unless ``x`` is normal.

    Branch-free (vectorized): ``x = 2^e m`` from the bits, ``m`` in
    ``[sqrt(2)/2, sqrt(2))``, ``log m = 2 atanh(s)``, ``s = (m-1)/(m+1)``, by
    its odd series to ``s^23``. ``out`` must not be ``x``.
    """
    xb = x.view(np.int64)
    for i in range(m):
        b = xb[i]
        out[i] = (b >> 52) - 1023
        ib[i] = (b & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000
    mant = ib.view(np.float64)
    for i in range(m):
        mm = mant[i]
        big = mm > 1.4142135623730951
        mm = mm * 0.5 if big else mm
        e = out[i] + 1.0 if big else out[i]
        f = mm - 1.0
        s = f / (2.0 + f)
        z = s * s
        p = 1.0 / 23.0
        p = p * z + 1.0 / 21.0
        p = p * z + 1.0 / 19.0
        p = p * z + 1.0 / 17.0
        p = p * z + 1.0 / 15.0
        p = p * z + 1.0 / 13.0
        p = p * z + 1.0 / 11.0
        p = p * z + 1.0 / 9.0
        p = p * z + 1.0 / 7.0
        p = p * z + 1.0 / 5.0
        p = p * z + 1.0 / 3.0
        p = p * z + 1.0
        v = e * _LN2 + 2.0 * s * p
        xi = x[i]
        out[i] = v if (xi >= _TINY and xi <= _HUGE) else np.nan
