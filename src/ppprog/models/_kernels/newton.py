"""Newton-Raphson for the Cox model, one compiled loop over replicates.

Each replicate is sorted once (:func:`~ppprog.models._kernels.design.sort_replicate`)
and fitted on its own; replicates never share arithmetic, so a replicate's
result is bit-identical whether it is fitted alone or in a batch of any size,
and whichever thread runs it.

Algorithm per replicate
-----------------------
1. No events: status ``NO_EVENTS``. Constant columns (within every stratum)
   or a Cholesky pivot of the information at beta = 0 below ``1e-10`` of its
   diagonal: status ``SINGULAR_INFORMATION`` with the offending columns; no fit.
2. Newton steps ``I^{-1} U``, capped so that no covariate's step moves the
   linear predictor by more than ``max_step`` standard deviations; the step is
   halved (up to 30 times) while the log-likelihood decreases by more than
   rounding (1e-12 relative), else ``STEP_HALVING_FAILED``.
3. Converged at the current iterate when the next Newton step would change
   every coefficient by at most ``tol_beta * max(1, |beta_j|)`` and the
   log-likelihood by at most ``tol_ll * max(1, |loglik|)`` (its quadratic
   prediction ``U'I^{-1}U / 2``). Both are required; R's ``coxph`` stops on the
   realized log-likelihood change alone, at 1e-9. The returned estimate is
   that iterate, so loglik, score and information all refer to it.
4. Monotone likelihood (separation): along the Newton direction the
   information has collapsed below ``1e-7`` of its value at beta = 0 while the
   step still moves the linear predictor by more than 1e-3 standard
   deviations. This is the signature of a coefficient walking to infinity
   (each step adds about one unit while the log-likelihood gain shrinks
   geometrically), not of a finite optimum, where Newton steps shrink
   quadratically. Covariates whose scaled step is at least 1% of the largest
   are reported as diverging, with the sign of their step. Their coefficients
   are returned as +/-inf and no variance is returned. An information matrix
   that stops being positive definite after the first step is treated the
   same way: it is positive definite at zero (step 1), and the concave partial
   likelihood loses curvature only along a diverging direction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from ppprog._core.typing import BoolArray, FloatArray, IntArray
from ppprog.models._kernels.codes import (
    CONVERGED,
    HALVING_FAILED,
    MAX_ITER,
    MONOTONE,
    NO_EVENTS,
    NOT_FINITE,
    SINGULAR,
    STATUS_CODES,
)
from ppprog.models._kernels.cox_lik import build_z, eval_work
from ppprog.models._kernels.design import CoxDesign, sort_replicate
from ppprog.models._kernels.linalg import chol_inverse, chol_rel, chol_solve, quad_form

__all__ = ["NewtonOutcome", "newton_fit", "STATUS_CODES"]

_DIV_Q = 1e-7
_DIV_STEP = 1e-3
_NOISE = 1e-12
_MAX_HALVING = 30


@dataclass(frozen=True)
class NewtonOutcome:
    """Per-replicate results of :func:`newton_fit`.

    Parameters
    ----------
    beta : ndarray, shape (R, p)
        Estimates (``+/-inf`` for diverging, NaN when not estimable).
    vcov : ndarray, shape (R, p, p)
        Inverse information at ``beta``; NaN unless the information is
        positive definite and no coefficient diverged.
    info : ndarray, shape (R, p, p)
        Observed information at ``beta`` (at the last iterate for monotone fits).
    loglik, loglik_null : ndarray, shape (R,)
        Log partial likelihood at ``beta`` and at zero.
    n_iter : ndarray of int64, shape (R,)
    status : ndarray of int8, shape (R,)
        Codes of :class:`ppprog.models.status.FitStatus`.
    flagged : ndarray of bool, shape (R, p)
        Covariates implicated (diverging, constant or collinear).
    direction : ndarray of int8, shape (R, p)
        +1/-1 for diverging covariates, else 0.
    n_used, n_events : ndarray of int64, shape (R,)
        Valid rows and events.
    score_null : ndarray, shape (R,)
        Score (log-rank) statistic ``U' I^{-1} U`` at beta = 0, from Newton's
        first evaluation (NaN when the information at zero is singular).
    """

    beta: FloatArray
    vcov: FloatArray
    info: FloatArray
    loglik: FloatArray
    loglik_null: FloatArray
    n_iter: IntArray
    status: np.ndarray
    flagged: BoolArray
    direction: np.ndarray
    n_used: IntArray
    n_events: IntArray
    score_null: FloatArray


@njit(cache=True, error_model="numpy")
def _constant_columns(Xs: np.ndarray, strata: np.ndarray, flagged: np.ndarray) -> bool:
    """Flag columns constant within every stratum; return whether any."""
    m, p = Xs.shape
    anyc = False
    for j in range(p):
        const = True
        for i in range(1, m):
            if strata[i] == strata[i - 1] and Xs[i, j] != Xs[i - 1, j]:
                const = False
                break
        flagged[j] = const
        anyc = anyc or const
    return anyc


@njit(cache=True, error_model="numpy")
def _fit_one(  # noqa: C901
    X: np.ndarray,
    stop: np.ndarray,
    start: np.ndarray,
    event: np.ndarray,
    strata: np.ndarray,
    mask: np.ndarray,
    has_start: bool,
    has_strata: bool,
    efron: bool,
    max_iter: int,
    tol_ll: float,
    tol_beta: float,
    max_step: float,
    beta_o: np.ndarray,
    vcov_o: np.ndarray,
    info_o: np.ndarray,
    flag_o: np.ndarray,
    dir_o: np.ndarray,
    score_o: np.ndarray,
) -> tuple[int, int, float, float, int, int]:
    """Fit one replicate; write outputs; return (status, n_iter, ll, ll0, m, nev).

    Kept as one function (longer than usual) so that the whole Newton loop
    compiles into one tight body without per-iteration allocation.
    """
    Xs, st, ev, sg, sa, sidx, _, sd = sort_replicate(
        X, stop, start, event, strata, mask, has_start, has_strata
    )
    m, p = Xs.shape
    nev = 0
    for i in range(m):
        if ev[i]:
            nev += 1
    beta_o[:] = np.nan
    vcov_o[:, :] = np.nan
    score_o[0] = np.nan
    if nev == 0:
        return NO_EVENTS, 0, 0.0, 0.0, m, nev
    beta = np.zeros(p)
    U = np.zeros(p)
    info = np.zeros((p, p))
    Z = build_z(Xs)
    eta, w, inrisk = np.empty(m), np.empty(m), np.empty(m, np.bool_)
    q = Z.shape[1]
    SD, a = np.empty((2, q)), np.empty(p)
    no2, no1 = np.empty((0, 0)), np.empty(0)  # Firth-only arguments, unused here
    ll = eval_work(Z, p, q, st, ev, sg, sa, sidx, has_start, efron, beta, True, U, info,
                   eta, w, inrisk, SD, a, False, no2, no1, no2, no1)  # fmt: skip
    ll0 = ll
    info_o[:, :] = info
    if not np.isfinite(ll):
        return NOT_FINITE, 0, ll, ll0, m, nev
    if _constant_columns(Xs, sg, flag_o):
        return SINGULAR, 0, ll, ll0, m, nev
    L = np.zeros((p, p))
    dg = np.empty(p)
    piv = chol_rel(info, L, dg)
    if piv >= 0:
        flag_o[piv] = True
        return SINGULAR, 0, ll, ll0, m, nev
    I0 = info.copy()
    delta = np.zeros(p)
    chol_solve(L, U, delta)  # the score test at beta = 0 reuses this first evaluation
    score_o[0] = 0.0
    for j in range(p):
        score_o[0] += U[j] * delta[j]
    cand = np.zeros(p)
    Uc = np.zeros(p)
    Ic = np.zeros((p, p))
    status = MAX_ITER
    n_iter = 0
    for it in range(max_iter + 1):
        if chol_rel(info, L, dg) >= 0:
            status = SINGULAR
            break
        chol_solve(L, U, delta)
        smax = 0.0
        small = True
        for j in range(p):
            smax = max(smax, abs(delta[j]) * sd[j])
            small = small and abs(delta[j]) <= tol_beta * max(1.0, abs(beta[j]))
        gain = 0.0
        for j in range(p):
            gain += 0.5 * U[j] * delta[j]
        if small and gain <= tol_ll * max(1.0, abs(ll)):
            status = CONVERGED
            break
        if quad_form(info, delta) < _DIV_Q * quad_form(I0, delta) and smax > _DIV_STEP:
            status = MONOTONE
            break
        if it == max_iter:
            break
        if smax > max_step:
            for j in range(p):
                delta[j] *= max_step / smax
        f = 1.0
        accepted = False
        llc = ll
        for _h in range(_MAX_HALVING):
            for j in range(p):
                cand[j] = beta[j] + f * delta[j]
            llc = eval_work(Z, p, q, st, ev, sg, sa, sidx, has_start, efron, cand, True, Uc, Ic,
                            eta, w, inrisk, SD, a, False, no2, no1, no2, no1)  # fmt: skip
            if np.isfinite(llc) and llc >= ll - _NOISE * max(1.0, abs(ll)):
                accepted = True
                break
            f *= 0.5
        if not accepted:
            status = HALVING_FAILED
            break
        n_iter = it + 1
        beta[:] = cand
        ll = llc
        U[:] = Uc
        info[:, :] = Ic
    info_o[:, :] = info
    if status == MONOTONE or (status == SINGULAR and n_iter > 0):
        status = MONOTONE
        smax = 0.0
        for j in range(p):
            smax = max(smax, abs(delta[j]) * sd[j])
        for j in range(p):
            big = abs(delta[j]) * sd[j] >= 0.01 * smax
            flag_o[j] = big
            dir_o[j] = (1 if delta[j] > 0 else -1) if big else 0
            beta_o[j] = dir_o[j] * np.inf if big else beta[j]
        return status, n_iter, ll, ll0, m, nev
    beta_o[:] = beta
    if chol_rel(info, L, dg) < 0:
        chol_inverse(L, vcov_o)
    return status, n_iter, ll, ll0, m, nev


@njit(cache=True, error_model="numpy")
def _fit_into(
    r: int,
    X: np.ndarray,
    stop: np.ndarray,
    start: np.ndarray,
    event: np.ndarray,
    strata: np.ndarray,
    mask: np.ndarray,
    flags: np.ndarray,
    opts: np.ndarray,
    out_f: np.ndarray,
    out_i: np.ndarray,
    beta: np.ndarray,
    vcov: np.ndarray,
    info: np.ndarray,
    flagged: np.ndarray,
    direction: np.ndarray,
) -> None:
    """Fit replicate ``r`` and store its scalars (shared by the two loops below)."""
    has_start, has_strata, efron = flags[0], flags[1], flags[2]
    s, k, a, b, m, e = _fit_one(
        X[r], stop[r], start[r], event[r], strata[r], mask[r], has_start, has_strata,
        efron, int(opts[0]), opts[1], opts[2], opts[3],
        beta[r], vcov[r], info[r], flagged[r], direction[r], out_f[r, 2:3],
    )  # fmt: skip
    out_f[r, 0] = a
    out_f[r, 1] = b
    out_i[r, 0] = s
    out_i[r, 1] = k
    out_i[r, 2] = m
    out_i[r, 3] = e


# Two loops, one serial and one threaded, rather than one function compiled
# with two flag sets: numba's on-disk cache keys on the function, not the flags.
@njit(cache=True, error_model="numpy")
def _fit_serial(
    X: np.ndarray,
    stop: np.ndarray,
    start: np.ndarray,
    event: np.ndarray,
    strata: np.ndarray,
    mask: np.ndarray,
    flags: np.ndarray,
    opts: np.ndarray,
    out_f: np.ndarray,
    out_i: np.ndarray,
    beta: np.ndarray,
    vcov: np.ndarray,
    info: np.ndarray,
    flagged: np.ndarray,
    direction: np.ndarray,
) -> None:
    for r in range(X.shape[0]):
        _fit_into(r, X, stop, start, event, strata, mask, flags, opts, out_f, out_i, beta, vcov,
                  info, flagged, direction)  # fmt: skip


@njit(cache=True, parallel=True, error_model="numpy")
def _fit_parallel(
    X: np.ndarray,
    stop: np.ndarray,
    start: np.ndarray,
    event: np.ndarray,
    strata: np.ndarray,
    mask: np.ndarray,
    flags: np.ndarray,
    opts: np.ndarray,
    out_f: np.ndarray,
    out_i: np.ndarray,
    beta: np.ndarray,
    vcov: np.ndarray,
    info: np.ndarray,
    flagged: np.ndarray,
    direction: np.ndarray,
) -> None:
    for r in prange(X.shape[0]):
        _fit_into(r, X, stop, start, event, strata, mask, flags, opts, out_f, out_i, beta, vcov,
                  info, flagged, direction)  # fmt: skip


def newton_fit(
    design: CoxDesign,
    *,
    ties: str = "efron",
    max_iter: int = 30,
    tol_ll: float = 1e-12,
    tol_beta: float = 1e-9,
    max_step: float = 10.0,
    parallel: bool = False,
) -> NewtonOutcome:
    """Fit the Cox model to every replicate of ``design``.

    Parameters
    ----------
    design : CoxDesign
        Batched inputs.
    ties : {"efron", "breslow"}, optional
        Tie handling.
    max_iter : int, optional
        Newton iterations per replicate.
    tol_ll : float, optional
        Relative change in log-likelihood for convergence.
    tol_beta : float, optional
        Relative change in coefficients for convergence.
    max_step : float, optional
        Largest step, in standard deviations of the linear predictor per covariate.
    parallel : bool, optional
        Spread replicates over numba's threads. Results are bit-identical either
        way (replicates never share arithmetic). Off by default: threads inside
        worker processes oversubscribe the CPUs, and the OpenMP threading layer
        is not safe across ``fork``.

    Returns
    -------
    NewtonOutcome
    """
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    d = design
    R, _, p = d.shape
    beta = np.empty((R, p))
    vcov = np.empty((R, p, p))
    info = np.zeros((R, p, p))
    flagged = np.zeros((R, p), np.bool_)
    direction = np.zeros((R, p), np.int8)
    out_f = np.empty((R, 3))
    out_i = np.empty((R, 4), np.int64)
    flags = np.array([d.has_start, d.has_strata, ties == "efron"])
    opts = np.array([max_iter, tol_ll, tol_beta, max_step], dtype=np.float64)
    run = _fit_parallel if parallel and R > 1 else _fit_serial
    run(d.X, d.stop, d.start, d.event, d.strata, d.mask, flags, opts, out_f, out_i,
        beta, vcov, info, flagged, direction)  # fmt: skip
    return NewtonOutcome(
        beta, vcov, info, out_f[:, 0].copy(), out_f[:, 1].copy(), out_i[:, 1].copy(),
        out_i[:, 0].astype(np.int8), flagged, direction, out_i[:, 2].copy(), out_i[:, 3].copy(),
        out_f[:, 2].copy(),
    )  # fmt: skip
