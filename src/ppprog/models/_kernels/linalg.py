"""Small dense Cholesky routines shared by the Newton and the Firth kernels.

Written out scalar by scalar (no LAPACK call on tiny ``p x p`` matrices inside
compiled loops). One pivot rule for every Cox kernel: pivot ``j`` fails when
its reduced value is not above ``tol * scale[j]`` (or is not finite, or the
diagonal entry is not positive). The ordinary Newton loop passes the diagonal
of the matrix as ``scale``; the Firth kernel passes ``sd_j**2 * n_events``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "PIVOT_TOL",
    "chol",
    "chol_rel",
    "chol_solve",
    "chol_inverse",
    "chol_logdet",
    "chol_inv",
    "quad_form",
    "bilinear_form",
]

#: Relative pivot tolerance of every Cholesky factorization in the Cox kernels.
PIVOT_TOL = 1e-10


@njit(cache=True, error_model="numpy")
def chol(A: np.ndarray, L: np.ndarray, scale: np.ndarray) -> int:
    """Cholesky ``A = L L^T`` into ``L``; return the first failing pivot or -1."""
    p = A.shape[0]
    L[:, :] = 0.0
    for j in range(p):
        s = A[j, j]
        for k in range(j):
            s -= L[j, k] * L[j, k]
        if not (s > PIVOT_TOL * scale[j]) or not (A[j, j] > 0.0) or not np.isfinite(s):
            return j
        L[j, j] = np.sqrt(s)
        for i in range(j + 1, p):
            t = A[i, j]
            for k in range(j):
                t -= L[i, k] * L[j, k]
            L[i, j] = t / L[j, j]
    return -1


@njit(cache=True, error_model="numpy")
def chol_solve(L: np.ndarray, b: np.ndarray, x: np.ndarray) -> None:
    """Solve ``L L^T x = b`` (forward then back substitution) into ``x``."""
    p = L.shape[0]
    for i in range(p):
        s = b[i]
        for k in range(i):
            s -= L[i, k] * x[k]
        x[i] = s / L[i, i]
    for i in range(p - 1, -1, -1):
        s = x[i]
        for k in range(i + 1, p):
            s -= L[k, i] * x[k]
        x[i] = s / L[i, i]


@njit(cache=True, error_model="numpy")
def chol_inverse(L: np.ndarray, out: np.ndarray) -> None:
    """``(L L^T)^{-1}`` into ``out``, column by column (:func:`chol_solve` on ``e_j``, in place).

    Allocates nothing: the Firth kernels call it on every evaluation.
    """
    p = L.shape[0]
    for j in range(p):
        for i in range(p):
            s = 1.0 if i == j else 0.0
            for k in range(i):
                s -= L[i, k] * out[k, j]
            out[i, j] = s / L[i, i]
        for i in range(p - 1, -1, -1):
            s = out[i, j]
            for k in range(i + 1, p):
                s -= L[k, i] * out[k, j]
            out[i, j] = s / L[i, i]


@njit(cache=True, error_model="numpy")
def chol_logdet(L: np.ndarray) -> float:
    """``log |L L^T|`` from the factor."""
    acc = 0.0
    for j in range(L.shape[0]):
        acc += 2.0 * np.log(L[j, j])
    return acc


@njit(cache=True, error_model="numpy")
def chol_inv(M: np.ndarray, scale: np.ndarray) -> tuple[bool, float, np.ndarray]:
    """Log-determinant and inverse of a symmetric positive-definite matrix.

    Returns ``(ok, logdet, inverse)``; ``ok`` is False (``logdet = -inf``)
    when a pivot fails (see the module docstring).
    """
    p = M.shape[0]
    L = np.zeros((p, p))
    out = np.zeros((p, p))
    if chol(M, L, scale) >= 0:
        return False, -np.inf, out
    chol_inverse(L, out)
    return True, chol_logdet(L), out


@njit(cache=True, error_model="numpy")
def chol_rel(A: np.ndarray, L: np.ndarray, dg: np.ndarray) -> int:
    """:func:`chol` with pivots relative to the diagonal of ``A`` (``dg`` is work space)."""
    for j in range(A.shape[0]):
        dg[j] = A[j, j]
    return chol(A, L, dg)


@njit(cache=True, error_model="numpy")
def bilinear_form(A: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """``x' A y``."""
    p = x.shape[0]
    s = 0.0
    for i in range(p):
        for j in range(p):
            s += x[i] * A[i, j] * y[j]
    return s


@njit(cache=True, error_model="numpy")
def quad_form(A: np.ndarray, v: np.ndarray) -> float:
    """``v' A v``."""
    return bilinear_form(A, v, v)
