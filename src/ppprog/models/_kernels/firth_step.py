"""Newton directions of the Firth fit: scoring and the secant-corrected Hessian.

:func:`direction` solves ``M_ff delta_f = U*_f`` on the free coordinates
(``M`` the information, or the information less the secant estimate of the
penalty's Hessian); :func:`sr1` updates that estimate. Both are used by
:func:`ppprog.models._kernels.firth.newton_ws`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ppprog.models._kernels.linalg import PIVOT_TOL

__all__ = ["direction", "sr1"]


@njit(cache=True, error_model="numpy")
def direction(  # noqa: C901 (one compiled function: no call per step)
    info: np.ndarray, A: np.ndarray, ustar: np.ndarray, free: np.ndarray, nfree: int,
    scale: np.ndarray, L: np.ndarray, delta: np.ndarray, exact_a: bool,
) -> bool:  # fmt: skip
    """Direction ``M_ff^{-1} U*_f`` on the free coordinates (0 elsewhere), ``M = info``.

    With ``exact_a`` (``info`` is the evaluated information, all coordinates
    free) ``A = info^{-1}`` from the evaluation is used (its pivots passed).
    """
    p = ustar.shape[0]
    if nfree == p and exact_a:
        for a in range(p):
            acc = 0.0
            for b in range(p):
                acc += A[a, b] * ustar[b]
            delta[a] = acc
        return True
    fi = np.empty(nfree, np.int64)
    k = 0
    for a in range(p):
        delta[a] = 0.0
        if free[a]:
            fi[k] = a
            k += 1
    for jj in range(nfree):  # Cholesky of I_ff into L
        j = fi[jj]
        s = info[j, j]
        for kk in range(jj):
            s -= L[jj, kk] * L[jj, kk]
        if not (s > PIVOT_TOL * scale[j]) or not (info[j, j] > 0.0) or not np.isfinite(s):
            return False
        L[jj, jj] = np.sqrt(s)
        for ii in range(jj + 1, nfree):
            t = info[fi[ii], j]
            for kk in range(jj):
                t -= L[ii, kk] * L[jj, kk]
            L[ii, jj] = t / L[jj, jj]
    y = np.empty(nfree)
    for ii in range(nfree):
        s = ustar[fi[ii]]
        for kk in range(ii):
            s -= L[ii, kk] * y[kk]
        y[ii] = s / L[ii, ii]
    for ii in range(nfree - 1, -1, -1):
        s = y[ii]
        for kk in range(ii + 1, nfree):
            s -= L[kk, ii] * y[kk]
        y[ii] = s / L[ii, ii]
    for ii in range(nfree):
        delta[fi[ii]] = y[ii]
    return True


@njit(cache=True, error_model="numpy")
def sr1(
    B: np.ndarray, beta: np.ndarray, b_prev: np.ndarray, ustar: np.ndarray, u_prev: np.ndarray,
    info: np.ndarray, i_prev: np.ndarray, free: np.ndarray,
) -> bool:  # fmt: skip
    """Symmetric rank-one secant update of ``B``, the penalty's Hessian; True when usable.

    Scoring with ``I`` converges linearly because the Hessian of ``l*`` is
    ``-(I - B)``; the secant pair ``s = beta - b_prev``, ``y = U* - u_prev``
    gives ``B s ~ y + I s`` (``I`` averaged over both ends of the step, so that
    the change of ``I`` along it is not taken for penalty). Skipped (B kept)
    when the update is ill-defined.
    """
    p = beta.shape[0]
    r = np.empty(p)
    s = np.empty(p)
    ss = 0.0
    for a in range(p):
        s[a] = beta[a] - b_prev[a] if free[a] else 0.0
        ss += s[a] * s[a]
    if ss == 0.0:
        return False
    rs = 0.0
    rr = 0.0
    for a in range(p):
        acc = ustar[a] - u_prev[a]
        for b in range(p):
            acc += (0.5 * (info[a, b] + i_prev[a, b]) - B[a, b]) * s[b]
        r[a] = acc if free[a] else 0.0
        rs += r[a] * s[a]
        rr += r[a] * r[a]
    if abs(rs) > 1e-8 * np.sqrt(rr * ss):
        for a in range(p):
            for b in range(p):
                B[a, b] += r[a] * r[b] / rs
    return True
