"""Firth-penalized Cox regression: Newton-Raphson on the modified score.

Each evaluation of the penalized log-likelihood, modified score, information
and its inverse is one sweep of :func:`ppprog.models._kernels.firth_eval.evaluate`
on a replicate prepared once by
:func:`~ppprog.models._kernels.firth_prep.prepare`; work arrays are allocated
once per replicate, so an iteration allocates nothing.

The first Newton iteration uses ``I`` as the scoring matrix, as coxphf does;
since the Hessian of ``l*`` is ``-(I - B)`` with ``B`` the Hessian of the
penalty, plain scoring converges only linearly (rate ~0.1 at n = 20), so later
iterations use ``I - B`` with ``B`` estimated by symmetric rank-one secant
updates from successive modified scores (falling back to ``I`` whenever
``I - B`` is not positive definite or its step is not an ascent direction).
This cuts the iterations at small n by about a third; the fixed point and
the convergence test are those of scoring. Steps are scaled (direction kept) so that no
coefficient moves by more than ``max_step / sd_j``, i.e. ``max_step`` on the
standardized scale where coxphf applies its ``maxstep`` (coxphf clips each
component instead). Step halving is on ``l*``. Because ``I`` ignores the
penalty's curvature, plain scoring can overshoot and even oscillate forever
(it does on the two-subject data); when the slope of ``l*`` along an accepted
step has changed sign markedly, the step is shortened to the secant root of
that slope. Fixed point and convergence test are unchanged by this.

References
----------
Heinze, G. and Schemper, M. (2001). A solution to the problem of monotone
likelihood in Cox regression. Biometrics 57, 114-119.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

from ppprog.models._kernels.codes import (
    CONVERGED,
    HALVING_FAILED,
    MAX_ITER,
    NO_EVENTS,
    SINGULAR,
)
from ppprog.models._kernels.firth_eval import (
    evaluate,
    penalized_score,
    prepare,
)
from ppprog.models._kernels.firth_prep import n_columns, prepare_into, workspace
from ppprog.models._kernels.firth_step import direction, sr1
from ppprog.models._kernels.linalg import chol_inv

__all__ = ["prepare", "penalized_score", "newton", "newton_ws", "points", "fit_batch",
           "fit_batch_parallel", "chol_inv"]  # fmt: skip


@njit(cache=True, error_model="numpy")
def points(p: int) -> tuple[Any, ...]:
    """Three evaluation points ``(U, info, A, ustar, beta)``: current, trial, secant."""
    return (
        (np.zeros(p), np.zeros((p, p)), np.zeros((p, p)), np.zeros(p), np.zeros(p)),
        (np.zeros(p), np.zeros((p, p)), np.zeros((p, p)), np.zeros(p), np.zeros(p)),
        (np.zeros(p), np.zeros((p, p)), np.zeros((p, p)), np.zeros(p), np.zeros(p)),
    )


@njit(cache=True, error_model="numpy")
def newton_ws(  # noqa: C901 (one compiled loop: no call per iteration)
    data: tuple[Any, ...],
    sd: np.ndarray,
    beta0: np.ndarray,
    free: np.ndarray,
    efron: bool,
    pen: float,
    max_iter: int,
    tol: float,
    gtol: float,
    max_step: float,
    max_halving: int,
    ws: tuple[Any, ...],
    pts: tuple[Any, ...],
) -> tuple[int, float, float, int, int]:
    """:func:`newton` on caller-provided work arrays.

    Returns ``(k, lpen, lpen0, n_iter, status)``: the result ``beta``, ``U``,
    ``info``, ``A = info^{-1}`` and ``U*`` are those of point ``pts[k]``
    (``(U, info, A, ustar, beta)``); ``lpen0`` is the penalized loglik at ``beta0``.
    On convergence ``beta`` includes the final step (at most ``tol``), and
    the other quantities are those at the point before it.
    """
    p = beta0.shape[0]
    n_ev = 0
    for e in data[3]:
        n_ev += e
    scale = sd**2 * max(n_ev, 1)
    nfree = 0
    for a in range(p):
        nfree += free[a]
    cur, tri, sec = 0, 1, 2
    beta = pts[cur][4]
    beta[:] = beta0
    U, info, A, ustar, _ = pts[cur]
    status, lpen = evaluate(data, beta, efron, pen, scale, ws, U, info, A, ustar)
    lpen0 = lpen
    if status != CONVERGED:
        return cur, lpen, lpen0, 0, status
    delta = np.empty(p)
    L = np.empty((p, p))
    B = np.zeros((p, p))  # secant (SR1) estimate of the penalty's Hessian
    M = np.empty((p, p))
    b_prev = np.empty(p)
    u_prev = np.empty(p)
    i_prev = np.empty((p, p))
    for it in range(max_iter + 1):
        _, info, A, ustar, beta = pts[cur]
        ok = False
        if it > 0 and sr1(B, beta, b_prev, ustar, u_prev, info, i_prev, free):
            for a in range(p):
                for b in range(p):
                    M[a, b] = info[a, b] - B[a, b]
            ok = direction(M, A, ustar, free, nfree, scale, L, delta, False)
            if ok:
                g = 0.0
                for a in range(p):
                    g += delta[a] * ustar[a]
                ok = g > 0.0
            if not ok:
                B[:, :] = 0.0
        if not ok and not direction(info, A, ustar, free, nfree, scale, L, delta, True):
            return cur, lpen, lpen0, it, SINGULAR
        dmax = 0.0
        big = 0.0
        gmax = 0.0
        for a in range(p):
            dmax = max(dmax, abs(delta[a]))
            big = max(big, abs(delta[a]) * sd[a])
            if free[a]:
                gmax = max(gmax, abs(ustar[a]) / sd[a])
        if dmax <= tol and gmax <= gtol:
            # The final step (at most tol) is taken without a new evaluation:
            # l*, U*, I and A are those at the last evaluated point.
            for a in range(p):
                beta[a] += delta[a]
            return cur, lpen, lpen0, it, CONVERGED
        if it == max_iter:
            break
        if big > max_step:
            delta *= max_step / big
        b_prev[:] = beta
        u_prev[:] = ustar
        i_prev[:, :] = info
        # Step halving on l*: accept when l* does not fall by more than
        # rounding (1e-11 relative; on ill-conditioned data the noise in l*
        # reaches ~1e-12).
        ok = False
        l_new = lpen
        for _h in range(max_halving + 1):
            Ut, It, At, ut, bt = pts[tri]
            for a in range(p):
                bt[a] = beta[a] + delta[a]
            code, l_new = evaluate(data, bt, efron, pen, scale, ws, Ut, It, At, ut)
            if code == CONVERGED and l_new >= lpen - 1e-11 * (1.0 + abs(lpen)):
                ok = True
                break
            delta *= 0.5
        if not ok:
            return cur, lpen, lpen0, it, HALVING_FAILED
        # Scoring with I overshoots when the penalty's curvature is large (it
        # oscillates forever on the two-subject data): when the slope along the
        # step changes sign markedly, move to the secant root along the step.
        g0 = 0.0
        g1 = 0.0
        for a in range(p):
            g0 += ustar[a] * delta[a]
            g1 += pts[tri][3][a] * delta[a]
        if g0 > 0.0 and g1 < -0.25 * g0:
            Us, Is, As, us, bs = pts[sec]
            for a in range(p):
                bs[a] = beta[a] + delta[a] * (g0 / (g0 - g1))
            code, l3 = evaluate(data, bs, efron, pen, scale, ws, Us, Is, As, us)
            if code == CONVERGED and l3 >= l_new - 1e-11 * (1.0 + abs(l_new)):
                cur, sec = sec, cur
                lpen = l3
                continue
        cur, tri = tri, cur
        lpen = l_new
    return cur, lpen, lpen0, max_iter, MAX_ITER


@njit(cache=True, error_model="numpy")
def newton(
    data: tuple[Any, ...],
    sd: np.ndarray,
    beta0: np.ndarray,
    free: np.ndarray,
    efron: bool,
    pen: float,
    max_iter: int,
    tol: float,
    gtol: float,
    max_step: float,
    max_halving: int,
) -> tuple[np.ndarray, float, np.ndarray, int, int]:
    """Newton-Raphson on the modified score over the ``free`` coordinates.

    Returns ``(beta, lpen, info, n_iter, status)``; coordinates with ``free``
    False stay at ``beta0`` (constrained fits for profiles and LR tests).
    Converged when ``max|step| <= tol`` and ``max|U*_j / sd_j| <= gtol`` over
    the free coordinates (the score per unit of the standardized coefficient,
    so the test does not depend on the covariates' scale).
    """
    p = beta0.size
    ws = workspace(data[1].shape[0], p)
    pts = points(p)
    k, lpen, _, it, code = newton_ws(data, sd, beta0, free, efron, pen, max_iter, tol, gtol,
                                     max_step, max_halving, ws, pts)  # fmt: skip
    return pts[k][4].copy(), lpen, pts[k][1].copy(), it, code


@njit(cache=True, error_model="numpy")
def _fit_one(
    X: np.ndarray, start: np.ndarray, stop: np.ndarray, event: np.ndarray, stratum: np.ndarray,
    mask: np.ndarray, efron: bool, pen: float, max_iter: int, tol: float, gtol: float,
    max_step: float, max_halving: int, out: tuple[Any, ...], r: int, zbuf: np.ndarray,
    ws: tuple[Any, ...], pts: tuple[Any, ...],
) -> None:  # fmt: skip
    """Fit replicate ``r`` into row ``r`` of the output arrays ``out``."""
    beta, lpen, lnull, info, vcov, n_iter, status = out
    p = X.shape[1]
    Xs, Z, sp, ev, sg, st, sidx, sd, n_ev = prepare_into(X, start, stop, event, stratum, mask,
                                                         zbuf)  # fmt: skip
    if n_ev == 0:
        status[r] = NO_EVENTS
        return
    for a in range(p):
        if not sd[a] > 0.0:
            status[r] = SINGULAR
            return
    data = (Xs, Z, sp, ev, sg, st, sidx)
    free = np.ones(p, dtype=np.bool_)
    k, lp, l0, it, code = newton_ws(data, sd, np.zeros(p), free, efron, pen, max_iter, tol, gtol,
                                    max_step, max_halving, ws, pts)  # fmt: skip
    lnull[r] = l0
    beta[r] = pts[k][4]
    lpen[r] = lp
    info[r] = pts[k][1]
    if code == CONVERGED:
        vcov[r] = pts[k][2]
    n_iter[r] = it
    status[r] = code


@njit(cache=True, error_model="numpy")
def _outputs(R: int, p: int) -> tuple[Any, ...]:
    return (np.full((R, p), np.nan), np.full(R, np.nan), np.full(R, np.nan),
            np.full((R, p, p), np.nan), np.full((R, p, p), np.nan), np.zeros(R, dtype=np.int64),
            np.zeros(R, dtype=np.int8))  # fmt: skip


@njit(cache=True, error_model="numpy")
def fit_batch(
    X: np.ndarray,
    start: np.ndarray,
    stop: np.ndarray,
    event: np.ndarray,
    stratum: np.ndarray,
    mask: np.ndarray,
    efron: bool,
    pen: float,
    max_iter: int,
    tol: float,
    gtol: float,
    max_step: float,
    max_halving: int,
) -> tuple[np.ndarray, ...]:
    """Fit every replicate of a ``(R, n, p)`` batch from beta = 0.

    Returns ``(beta (R,p), lpen (R,), lpen_null (R,), info (R,p,p), n_iter (R,),
    status (R,) int8, vcov (R,p,p))``; ``vcov = info^{-1}`` for converged
    replicates (NaN otherwise). Replicates are independent; nothing is
    reduced across the replicate axis.
    """
    R, n, p = X.shape
    out = _outputs(R, p)
    zbuf = np.empty((n, n_columns(p)[2]))  # one set of work arrays for the batch
    ws = workspace(n, p)
    pts = points(p)
    for r in range(R):
        _fit_one(X[r], start[r], stop[r], event[r], stratum[r], mask[r], efron, pen, max_iter,
                 tol, gtol, max_step, max_halving, out, r, zbuf, ws, pts)  # fmt: skip
    beta, lpen, lnull, info, vcov, n_iter, status = out
    return beta, lpen, lnull, info, n_iter, status, vcov


@njit(cache=True, error_model="numpy", parallel=True)
def fit_batch_parallel(
    X: np.ndarray,
    start: np.ndarray,
    stop: np.ndarray,
    event: np.ndarray,
    stratum: np.ndarray,
    mask: np.ndarray,
    efron: bool,
    pen: float,
    max_iter: int,
    tol: float,
    gtol: float,
    max_step: float,
    max_halving: int,
) -> tuple[np.ndarray, ...]:
    """:func:`fit_batch` with the replicate loop over threads (identical results)."""
    R, n, p = X.shape
    out = _outputs(R, p)
    for r in prange(R):  # work arrays per replicate: threads share nothing
        _fit_one(X[r], start[r], stop[r], event[r], stratum[r], mask[r], efron, pen, max_iter,
                 tol, gtol, max_step, max_halving, out, r, np.empty((n, n_columns(p)[2])),
                 workspace(n, p), points(p))  # fmt: skip
    beta, lpen, lnull, info, vcov, n_iter, status = out
    return beta, lpen, lnull, info, n_iter, status, vcov
