"""One profile penalized-likelihood bound by the Venzon-Moolgavkar iteration.

For coefficient ``b_j`` with Firth estimate ``b_hat`` and maximum ``l_hat``
the bound on side ``s`` is the point ``theta`` with

    F(theta) = (l*(theta) - l_target, dl*/d theta_-j) = 0,  l_target = l_hat - crit / 2,

on that side of ``b_hat`` (Venzon and Moolgavkar 1988). Each iteration is one
evaluation of ``l*``, the modified score ``U*`` (the gradient of ``l*``) and
the information; instead of the nested search of
:mod:`ppprog.models._kernels.firth_pl` (a constrained fit per trial value of
``b_j``), one Newton step on ``F`` moves ``b_j`` and the nuisance
coefficients together. The Jacobian of ``F`` is the Hessian ``D`` of ``l*``
with row ``j`` replaced by ``U*``; ``D = -(I - B)`` with ``B`` the penalty's
Hessian estimated by the same symmetric rank-one secant updates as the fit
(:func:`ppprog.models._kernels.firth_step.sr1`). With ``v = G^{-1} F`` and
``g = G^{-1} e_j``, the step is ``-v - t g`` with ``t`` the root of the
quadratic model ``l*(theta + step) = l_target`` nearest to the Newton step
(the paper's equations 8-9).

The iteration starts from the Wald bound moved along the ridge of the
quadratic approximation. It stops, converged, when a step is at most ``xtol``
in every coordinate, or when the steps shrink at least fourfold and the next
one would be (``ratio * step <= xtol``, so the error left is below
``xtol / (1 - ratio)``). Anything else (an evaluation that
fails, a singular ``G``, no real root, a step beyond ``max_step / sd``, the
bound on the wrong side of ``b_hat`` or past ``cap``, a slope of the wrong
sign at the solution, no convergence in ``_MAX_IT`` iterations) returns
``ok = False`` and the caller uses the bracketing search, which also reports
bounds that do not close.

References
----------
Venzon, D. J. and Moolgavkar, S. H. (1988). A method for computing
profile-likelihood-based confidence intervals. Applied Statistics 37, 87-94.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from ppprog.models._kernels.codes import CONVERGED
from ppprog.models._kernels.firth_eval import evaluate
from ppprog.models._kernels.firth_step import sr1
from ppprog.models._kernels.linalg import bilinear_form, quad_form

__all__ = ["vm_bound"]

_MAX_IT = 30


@njit(cache=True, error_model="numpy")
def _eliminate(M: np.ndarray, r1: np.ndarray, r2: np.ndarray, big: float) -> bool:
    """Reduce ``M`` to upper triangular form in place, rows of ``r1`` and ``r2`` alike."""
    p = r1.shape[0]
    for c in range(p):
        piv = c
        for a in range(c + 1, p):
            if abs(M[a, c]) > abs(M[piv, c]):
                piv = a
        if not abs(M[piv, c]) > 1e-13 * big:
            return False
        if piv != c:
            for b in range(p):
                M[c, b], M[piv, b] = M[piv, b], M[c, b]
            r1[c], r1[piv] = r1[piv], r1[c]
            r2[c], r2[piv] = r2[piv], r2[c]
        for a in range(c + 1, p):
            f = M[a, c] / M[c, c]
            for b in range(c, p):
                M[a, b] -= f * M[c, b]
            r1[a] -= f * r1[c]
            r2[a] -= f * r2[c]
    return True


@njit(cache=True, error_model="numpy")
def _solve2(G: np.ndarray, F: np.ndarray, j: int, v: np.ndarray, g: np.ndarray) -> bool:
    """Solve ``G v = F`` and ``G g = e_j`` (Gaussian elimination, partial pivoting)."""
    p = F.shape[0]
    M = G.copy()
    r1 = F.copy()
    r2 = np.zeros(p)
    r2[j] = 1.0
    big = np.max(np.abs(M))
    if not (big > 0.0) or not np.isfinite(big) or not _eliminate(M, r1, r2, big):
        return False
    for a in range(p - 1, -1, -1):
        s1 = r1[a]
        s2 = r2[a]
        for b in range(a + 1, p):
            s1 -= M[a, b] * v[b]
            s2 -= M[a, b] * g[b]
        v[a] = s1 / M[a, a]
        g[a] = s2 / M[a, a]
    return True


@njit(cache=True, error_model="numpy")
def vm_bound(  # noqa: C901 (one compiled loop: no call per iteration)
    data: tuple[Any, ...], sd: np.ndarray, j: int, side: int, beta_hat: np.ndarray,
    lhat: float, vcov: np.ndarray, crit: float, cap: float, efron: bool, pen: float,
    max_step: float, xtol: float, ws: tuple[Any, ...], pts: tuple[Any, ...],
) -> tuple[bool, float, int]:  # fmt: skip
    """One bound of coefficient ``j`` on ``side`` (-1 lower, +1 upper).

    Returns ``(ok, value, n_evaluations)``; ``ok`` False means: use the
    bracketing search instead (``value`` is then meaningless).
    """
    p = beta_hat.shape[0]
    if not (np.isfinite(vcov[j, j]) and vcov[j, j] > 0.0):
        return False, np.nan, 0
    n_ev = 0
    for e in data[3]:
        n_ev += e
    scale = sd**2 * max(n_ev, 1)
    target = lhat - 0.5 * crit
    h = side * np.sqrt(crit * vcov[j, j])
    U, info, A, ustar, theta = pts[0]
    for a in range(p):
        theta[a] = beta_hat[a] + h * vcov[a, j] / vcov[j, j]
    theta[j] = beta_hat[j] + h
    free = np.ones(p, np.bool_)
    B = np.zeros((p, p))
    D = np.empty((p, p))
    G = np.empty((p, p))
    F = np.empty(p)
    v = np.empty(p)
    g = np.empty(p)
    delta = np.empty(p)
    b_prev = np.empty(p)
    u_prev = np.empty(p)
    i_prev = np.empty((p, p))
    n_eval = 0
    d_last = np.inf
    for it in range(_MAX_IT):
        code, lp = evaluate(data, theta, efron, pen, scale, ws, U, info, A, ustar)
        n_eval += 1
        if code != CONVERGED or not np.isfinite(lp):
            return False, np.nan, n_eval
        if it > 0 and not sr1(B, theta, b_prev, ustar, u_prev, info, i_prev, free):
            B[:, :] = 0.0
        for a in range(p):
            for b in range(p):
                D[a, b] = B[a, b] - info[a, b]
                G[a, b] = D[a, b]
            F[a] = ustar[a]
        for a in range(p):  # row j: the gradient of l*
            G[j, a] = ustar[a]
        F[j] = lp - target
        if not _solve2(G, F, j, v, g):
            return False, np.nan, n_eval
        qa = quad_form(D, g)
        qb = 2.0 * bilinear_form(D, v, g) - 2.0
        qc = quad_form(D, v)
        disc = qb * qb - 4.0 * qa * qc
        if abs(qa) > 1e-12 * (abs(qb) + abs(qc) + 1e-300):
            if disc < 0.0:
                return False, np.nan, n_eval
            sq = np.sqrt(disc)
            # the two roots, computed without cancellation; keep the smaller step
            q = -0.5 * (qb + sq) if qb >= 0.0 else -0.5 * (qb - sq)
            t1 = q / qa
            t2 = qc / q if q != 0.0 else t1
        elif qb != 0.0:
            t1 = -qc / qb
            t2 = t1
        else:
            return False, np.nan, n_eval
        n1 = 0.0
        n2 = 0.0
        for a in range(p):
            d1 = (v[a] + t1 * g[a]) * sd[a]  # on the standardized scale
            d2 = (v[a] + t2 * g[a]) * sd[a]
            n1 += d1 * d1
            n2 += d2 * d2
        t = t1 if n1 <= n2 else t2
        dmax = 0.0
        big = 0.0
        for a in range(p):
            delta[a] = -v[a] - t * g[a]
            dmax = max(dmax, abs(delta[a]))
            big = max(big, abs(delta[a]) * sd[a])
        if not np.isfinite(dmax) or big > max_step:
            return False, np.nan, n_eval
        for a in range(p):
            b_prev[a] = theta[a]
            u_prev[a] = ustar[a]
            for b in range(p):
                i_prev[a, b] = info[a, b]
            theta[a] += delta[a]
        if side * (theta[j] - beta_hat[j]) <= 0.0 or abs(theta[j] - beta_hat[j]) > cap:
            return False, np.nan, n_eval
        # Converged when this step is at most xtol, or when the steps shrink fast
        # (ratio <= 1/4) and the next one, at this step's rate, would be: the
        # error left is then below xtol / (1 - ratio) (one evaluation saved).
        ratio = dmax / d_last if it > 0 else np.inf
        d_last = dmax
        if dmax <= xtol or (ratio <= 0.25 and ratio * dmax <= xtol):
            # the profile falls away from b_hat at its bound: l* decreases outwards
            if side * ustar[j] >= 0.0:
                return False, np.nan, n_eval
            return True, theta[j], n_eval
    return False, np.nan, n_eval
