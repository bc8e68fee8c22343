"""Firth-penalized Cox regression: Newton-Raphson on the modified score.

The evaluation (penalized log-likelihood, modified score, information) lives
in :mod:`ppprog.models._kernels.firth_eval` on the shared Cox design and
sweep; Cholesky factorizations are those of
:mod:`ppprog.models._kernels.linalg`, as in the ordinary Newton fit.

The Newton iteration uses ``I`` (not the Hessian of ``l*``) as the scoring
matrix, as coxphf does. Steps are scaled (direction kept) so that no
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
from numba import njit

from ppprog.models._kernels.codes import (
    CONVERGED,
    HALVING_FAILED,
    MAX_ITER,
    NO_EVENTS,
    SINGULAR,
)
from ppprog.models._kernels.firth_eval import (
    chol_inv,
    modified_score,
    penalized,
    penalized_score,
    prepare,
)

__all__ = ["prepare", "penalized_score", "newton", "fit_batch", "chol_inv"]


@njit(cache=True, error_model="numpy")
def _direction(
    info: np.ndarray, Ustar: np.ndarray, free: np.ndarray, scale: np.ndarray
) -> tuple[bool, np.ndarray]:
    """Newton direction I_ff^{-1} U*_f on the free coordinates (0 elsewhere)."""
    fi = np.nonzero(free)[0]
    sub = info[fi][:, fi]
    ok, _, Ainv = chol_inv(sub, scale[fi])
    delta = np.zeros(info.shape[0])
    if not ok:
        return False, delta
    delta[fi] = Ainv @ Ustar[fi]
    return True, delta


@njit(cache=True, error_model="numpy")
def _line_search(
    data: tuple[Any, ...],
    beta: np.ndarray,
    delta: np.ndarray,
    lpen: float,
    ustar: np.ndarray,
    efron: bool,
    pen: float,
    scale: np.ndarray,
    max_halving: int,
) -> tuple[bool, np.ndarray, float, np.ndarray, np.ndarray]:
    """Step halving on l*, then a secant correction when the step overshoots.

    Returns ``(ok, beta, lpen, ustar, info)`` at the accepted point. A step is
    accepted when l* does not fall by more than rounding (1e-11 relative; on
    ill-conditioned data the noise in l* reaches ~1e-12).
    """
    p = beta.size
    U = np.zeros(p)
    info = np.zeros((p, p))
    C = np.zeros(p)
    ok = False
    for _h in range(max_halving + 1):
        trial = beta + delta
        code, l_new, A = penalized(data, trial, efron, pen, U, info, C, scale)
        if code == CONVERGED and l_new >= lpen - 1e-11 * (1.0 + abs(lpen)):
            ok = True
            break
        delta = 0.5 * delta
    if not ok:
        return False, beta, lpen, ustar, info  # the caller keeps its own info
    u_new = modified_score(data, trial, efron, pen, A, U, info, C)
    # Scoring with I overshoots when the penalty's curvature is large (it
    # oscillates forever on the two-subject data): when the slope along the
    # step changes sign markedly, move to the secant root along the step.
    g0 = (ustar * delta).sum()
    g1 = (u_new * delta).sum()
    if g0 > 0.0 and g1 < -0.25 * g0:
        sec = beta + delta * (g0 / (g0 - g1))
        U3 = np.zeros(p)
        info3 = np.zeros((p, p))
        code, l3, A3 = penalized(data, sec, efron, pen, U3, info3, C, scale)
        if code == CONVERGED and l3 >= l_new - 1e-11 * (1.0 + abs(l_new)):
            return True, sec, l3, modified_score(data, sec, efron, pen, A3, U3, info3, C), info3
    return True, trial, l_new, u_new, info


@njit(cache=True, error_model="numpy")
def _score_max(ustar: np.ndarray, free: np.ndarray, sd: np.ndarray) -> float:
    """``max |U*_j| / sd_j`` over the free coordinates."""
    gmax = 0.0
    for a in range(ustar.size):
        if free[a]:
            gmax = max(gmax, abs(ustar[a]) / sd[a])
    return gmax


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
    n_ev = 0
    for e in data[3]:
        n_ev += e
    scale = sd**2 * max(n_ev, 1)
    U = np.zeros(p)
    info = np.zeros((p, p))
    C = np.zeros(p)
    beta = beta0.copy()
    status, lpen, A = penalized(data, beta, efron, pen, U, info, C, scale)
    if status != CONVERGED:
        return beta, lpen, info, 0, status
    ustar = modified_score(data, beta, efron, pen, A, U, info, C)
    for it in range(max_iter + 1):
        ok, delta = _direction(info, ustar, free, scale)
        if not ok:
            return beta, lpen, info, it, SINGULAR
        if np.abs(delta).max() <= tol and _score_max(ustar, free, sd) <= gtol:
            return beta, lpen, info, it, CONVERGED
        if it == max_iter:
            break
        big = (np.abs(delta) * sd).max()
        if big > max_step:
            delta *= max_step / big
        ok, b2, l2, u2, info2 = _line_search(
            data, beta, delta, lpen, ustar, efron, pen, scale, max_halving
        )
        if not ok:
            return beta, lpen, info, it, HALVING_FAILED
        beta, lpen, ustar, info = b2, l2, u2, info2
    return beta, lpen, info, max_iter, MAX_ITER


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
    status (R,) int8)``. Replicates are independent; nothing is reduced across
    the replicate axis.
    """
    R, _, p = X.shape
    beta = np.full((R, p), np.nan)
    lpen = np.full(R, np.nan)
    lnull = np.full(R, np.nan)
    info = np.full((R, p, p), np.nan)
    n_iter = np.zeros(R, dtype=np.int64)
    status = np.zeros(R, dtype=np.int8)
    free = np.ones(p, dtype=np.bool_)
    for r in range(R):
        Xs, Z, sp, ev, sg, st, sidx, sd, n_ev = prepare(
            X[r], start[r], stop[r], event[r], stratum[r], mask[r]
        )
        if n_ev == 0:
            status[r] = NO_EVENTS
            continue
        if p > 0 and not (sd > 0.0).all():
            status[r] = SINGULAR
            continue
        data = (Xs, Z, sp, ev, sg, st, sidx)
        b0 = np.zeros(p)
        U = np.zeros(p)
        info0 = np.zeros((p, p))
        C = np.zeros(p)
        _, lnull[r], _ = penalized(data, b0, efron, pen, U, info0, C, sd**2 * n_ev)
        b, lp, inf_, it, code = newton(
            data, sd, b0, free, efron, pen, max_iter, tol, gtol, max_step, max_halving
        )
        beta[r] = b
        lpen[r] = lp
        info[r] = inf_
        n_iter[r] = it
        status[r] = code
    return beta, lpen, lnull, info, n_iter, status
