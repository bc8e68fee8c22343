"""Newton-Raphson for the Cox model with R's stopping rule, one compiled loop over replicates.

Each replicate is sorted once (:func:`~ppprog.models._kernels.design.sort_order_into`),
gathered into work arrays allocated once per chunk of replicates
(:func:`~ppprog.models._kernels.design.gather_replicate`) and fitted on its
own by the fused evaluation (:func:`~ppprog.models._kernels.newton_steps.evaluate`:
the passes of :mod:`~ppprog.models._kernels.cox_pass_gen` for right-censored
data with up to 3 covariates, else :func:`~ppprog.models._kernels.cox_pass.efron_pass`);
the Newton loop allocates nothing. Replicates never share arithmetic, so a
replicate's result is bit-identical whether it is fitted alone or in a batch,
in any chunk and on any thread.

Algorithm per replicate: R ``survival`` 3.5's ``coxfit6.c`` (right-censored
data) and ``agfit4.c`` (with entry times).

0. No events: ``NO_EVENTS``. ppprog then checks the information at beta = 0:
   constant columns (within every stratum) or a Cholesky pivot below ``1e-10``
   of its diagonal give ``SINGULAR_INFORMATION`` with the columns named and no
   fit (R would drop such columns and carry on).
1. Iteration 0 evaluates beta = 0 (log-likelihood, score, information; the
   score test) and proposes ``beta + I^{-1} U``. Iterations ``1..max_iter`` each
   evaluate the proposal. It is accepted as converged when
   ``|1 - best / loglik| <= eps`` (``best``: the best log-likelihood so far;
   with entry times also only when not halving) and everything is finite; the
   returned estimate, log-likelihood, score and information are those of that
   last evaluation and ``n_iter`` is the iteration number. Otherwise, if the
   log-likelihood fell below ``best`` (or is not finite), the step is shrunk
   towards the last accepted point, ``new = (new + h beta) / (h + 1)`` at the
   ``h``-th consecutive halving; else it is accepted and the next Newton step
   proposed. Steps solve ``I s = U`` with R's ``cholesky2``/``chsolve2`` in
   R's scaled coordinates (:func:`~ppprog.models._kernels.cox_pass.chol2`).
   Out of iterations: right-censored data return the last accepted point with
   ``n_iter = max_iter + 1``, entry-time data the last attempt (unless worse
   than the best by more than ``eps``) with ``n_iter = max_iter``: R's counts.
2. Monotone likelihood (separation), checked at the returned point: R's own
   test flags covariate ``j`` when the next Newton step ``s = I^{-1} U`` is
   still large (``|s_j| > eps`` and ``|s_j| > sqrt(eps) |beta_j|``; with entry
   times ``|s_j| > sqrt(eps) (1 + |beta_j|)``) and at least 1% of the largest
   step (in standard deviations), or its pivot was dropped as redundant;
   ppprog reports ``MONOTONE_LIKELIHOOD`` only when, in addition,
   the information along ``s`` has collapsed below ``1e-4`` of its value at
   beta = 0 (or a pivot was dropped), the signature of a coefficient walking
   to infinity rather than of a slowly converging finite one. The flagged
   coefficients are returned as +/-inf (the sign of their step) with no
   variance. R instead warns "coefficient may be infinite" and returns the
   finite value where it stopped.
"""

from __future__ import annotations

import math
import multiprocessing
import threading
from dataclasses import dataclass

import numba
import numpy as np
from numba import njit, prange

from ppprog._core.typing import BoolArray, FloatArray, IntArray
from ppprog.models._kernels.codes import (
    CONVERGED,
    MAX_ITER,
    MONOTONE,
    NO_EVENTS,
    NOT_FINITE,
    SINGULAR,
    STATUS_CODES,
)
from ppprog.models._kernels.cox_pass import CHOL_TOL, chol2, chsolve2
from ppprog.models._kernels.design import CoxDesign, gather_replicate, sort_order_into
from ppprog.models._kernels.linalg import chol_inverse, chol_rel
from ppprog.models._kernels.newton_steps import constant_columns, diverging, evaluate

__all__ = ["NewtonOutcome", "newton_fit", "default_parallel", "STATUS_CODES"]

_PARALLEL_ROWS = 200_000


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
def _newton_one(  # noqa: C901
    Z: np.ndarray, m: int, nb: int, nev: int, ev: np.ndarray, blocks: np.ndarray,
    times: np.ndarray, start_s: np.ndarray, sidx: np.ndarray, summ: np.ndarray,
    has_start: bool, efron: bool, max_iter: int, eps: float,
    beta_o: np.ndarray, vcov_o: np.ndarray, info_o: np.ndarray, flag_o: np.ndarray,
    dir_o: np.ndarray, score_o: np.ndarray,
    w: np.ndarray, inrisk: np.ndarray, sq: np.ndarray, vp: np.ndarray,
    mp: np.ndarray, fw: np.ndarray, ib: np.ndarray,
) -> tuple[int, int, float, float]:  # fmt: skip
    """R's Newton iteration on one gathered replicate; returns (status, n_iter, ll, ll0).

    ``vp`` (7, p) and ``mp`` (5, p, p) are work rows: a, U, beta, new beta,
    step, accepted U, diagonal scratch; information, factor, information at
    zero, accepted information, spare. One function so that the loop compiles
    into one body without allocation.
    """
    p = beta_o.shape[0]
    a, U, beta, newb, step, Ub, dg = vp[0], vp[1], vp[2], vp[3], vp[4], vp[5], vp[6]
    info, L, I0, Ib = mp[0], mp[1], mp[2], mp[3]
    xev, sc = summ[0], summ[1]
    beta_o[:] = np.nan
    vcov_o[:, :] = np.nan
    score_o[0] = np.nan
    if nev == 0:
        return NO_EVENTS, 0, 0.0, 0.0
    ag = has_start
    beta[:] = 0.0
    ll = evaluate(Z, m, nb, ev, blocks, times, start_s, sidx, xev, has_start, efron, beta, U,
                   info, w, inrisk, sq, a, fw, ib)  # fmt: skip
    ll0 = ll
    info_o[:, :] = info
    if not np.isfinite(ll):
        return NOT_FINITE, 0, ll, ll0
    if constant_columns(Z, blocks, nb, flag_o):
        return SINGULAR, 0, ll, ll0
    piv = chol_rel(info, L, dg)
    if piv >= 0:
        flag_o[piv] = True
        return SINGULAR, 0, ll, ll0
    I0[:, :] = info
    rank = chol2(info, sc, L, CHOL_TOL)
    chsolve2(L, sc, U, step)
    score_o[0] = 0.0
    for j in range(p):
        score_o[0] += U[j] * step[j]
        newb[j] = step[j]
    best = ll
    Ub[:] = U
    Ib[:, :] = info
    status = MAX_ITER
    n_iter = max_iter if ag else max_iter + 1
    last = False  # out of iterations: return the last attempt (entry times) not the accepted point
    halving = 0
    newlk = ll
    for it in range(1, max_iter + 1):
        newlk = evaluate(Z, m, nb, ev, blocks, times, start_s, sidx, xev, has_start, efron,
                          newb, U, info, w, inrisk, sq, a, fw, ib)  # fmt: skip
        rank2 = chol2(info, sc, L, CHOL_TOL)
        fail = not np.isfinite(newlk)
        if ag:
            for j in range(p):
                fail = fail or not np.isfinite(info[j, j])
            fail = fail or rank2 != rank
        else:
            for j in range(p):
                fail = fail or not np.isfinite(U[j])
                for k in range(p):
                    fail = fail or not np.isfinite(info[j, k])
        if not fail and (halving == 0 or not ag) and abs(1.0 - best / newlk) <= eps:
            status, n_iter, last = CONVERGED, it, True
            break
        if ag and it == max_iter:
            last = np.isfinite(newlk) and not (max_iter > 1 and (newlk - best) / abs(best) < -eps)
            break
        if fail or newlk < best:
            halving += 1
            for j in range(p):
                newb[j] = (newb[j] + halving * beta[j]) / (halving + 1.0)
        else:
            halving = 0
            best = newlk
            Ub[:] = U
            Ib[:, :] = info
            chsolve2(L, sc, U, step)
            for j in range(p):
                beta[j] = newb[j]
                newb[j] = newb[j] + step[j]
    if last:
        beta[:] = newb
        ll = newlk
    else:
        ll = best
        U[:] = Ub
        info[:, :] = Ib
    info_o[:, :] = info
    if max_iter > 0 and diverging(U, info, I0, beta, summ, L, step, eps, ag, flag_o, dir_o):
        for j in range(p):
            beta_o[j] = dir_o[j] * np.inf if flag_o[j] else beta[j]
        return MONOTONE, n_iter, ll, ll0
    beta_o[:] = beta
    if chol_rel(info, L, dg) < 0:
        chol_inverse(L, vcov_o)
    return status, n_iter, ll, ll0


@njit(cache=True, error_model="numpy")
def _fit_chunk(
    lo: int, hi: int, X: np.ndarray, stop: np.ndarray, start: np.ndarray, event: np.ndarray,
    strata: np.ndarray, mask: np.ndarray, flags: np.ndarray, opts: np.ndarray,
    out_f: np.ndarray, out_i: np.ndarray, beta: np.ndarray, vcov: np.ndarray, info: np.ndarray,
    flagged: np.ndarray, direction: np.ndarray,
) -> None:  # fmt: skip
    """Fit replicates ``lo..hi-1`` with work arrays allocated once for the chunk."""
    has_start, has_strata, efron = flags[0], flags[1], flags[2]
    max_iter, eps = int(opts[0]), opts[1]
    n, p = X.shape[1], X.shape[2]
    q = p + p * (p + 1) // 2
    order, Z, ev = np.empty(n, np.int64), np.empty((n, q)), np.empty(n, np.bool_)
    blocks, times, start_s = np.empty((n, 5), np.int64), np.empty(n), np.empty(n)
    sidx, summ, w = np.empty(n, np.int64), np.empty((3, p)), np.empty(n)
    inrisk, sq = np.empty(n, np.bool_), np.empty((5, q))
    vp, mp, fw, ib = np.empty((7, p)), np.empty((5, p, p)), np.empty((3, n)), np.empty(n, np.int64)
    for r in range(lo, hi):
        m = sort_order_into(stop[r], strata[r], mask[r], has_strata, order)
        nb, nev = gather_replicate(X[r], stop[r], start[r], event[r], strata[r], order, m,
                                   has_start, has_strata, Z, ev, blocks, times, start_s, sidx,
                                   summ)  # fmt: skip
        s, k, a, b = _newton_one(Z, m, nb, nev, ev, blocks, times, start_s, sidx, summ,
                                 has_start, efron, max_iter, eps, beta[r], vcov[r], info[r],
                                 flagged[r], direction[r], out_f[r, 2:3], w, inrisk, sq, vp,
                                 mp, fw, ib)  # fmt: skip
        out_f[r, 0] = a
        out_f[r, 1] = b
        out_i[r, 0] = s
        out_i[r, 1] = k
        out_i[r, 2] = m
        out_i[r, 3] = nev


# Serial and threaded loops are two functions: numba's cache keys on the function.
@njit(cache=True, error_model="numpy")
def _fit_serial(  # fmt: skip
    X: np.ndarray, stop: np.ndarray, start: np.ndarray, event: np.ndarray, strata: np.ndarray,
    mask: np.ndarray, flags: np.ndarray, opts: np.ndarray, chunk: int, out_f: np.ndarray,
    out_i: np.ndarray, beta: np.ndarray, vcov: np.ndarray, info: np.ndarray,
    flagged: np.ndarray, direction: np.ndarray,
) -> None:  # fmt: skip
    R = X.shape[0]
    for c in range((R + chunk - 1) // chunk):  # the chunks, one after the other
        _fit_chunk(c * chunk, min(R, (c + 1) * chunk), X, stop, start, event, strata, mask,
                   flags, opts, out_f, out_i, beta, vcov, info, flagged, direction)  # fmt: skip


@njit(cache=True, parallel=True, error_model="numpy")
def _fit_parallel(  # fmt: skip
    X: np.ndarray, stop: np.ndarray, start: np.ndarray, event: np.ndarray, strata: np.ndarray,
    mask: np.ndarray, flags: np.ndarray, opts: np.ndarray, chunk: int, out_f: np.ndarray,
    out_i: np.ndarray, beta: np.ndarray, vcov: np.ndarray, info: np.ndarray,
    flagged: np.ndarray, direction: np.ndarray,
) -> None:  # fmt: skip
    R = X.shape[0]
    for c in prange((R + chunk - 1) // chunk):
        _fit_chunk(c * chunk, min(R, (c + 1) * chunk), X, stop, start, event, strata, mask,
                   flags, opts, out_f, out_i, beta, vcov, info, flagged, direction)  # fmt: skip


def default_parallel(n_replicates: int, n_rows: int = 0) -> bool:
    """Whether a batched fit runs on numba's threads by default.

    Yes in the main thread of the main process when there are more replicates
    than threads and the batch holds at least ``2e5`` rows (``n_rows``, over all
    replicates: several milliseconds of work, so that waking the threads, or
    waiting for one the OS has descheduled on a busy machine, is paid back);
    no inside worker processes (a study already runs one per core) and in
    other threads (the threading layer may not be re-entrant).
    """
    threads = numba.get_num_threads()
    return (
        threads > 1
        and n_replicates > threads
        and n_rows >= _PARALLEL_ROWS
        and multiprocessing.parent_process() is None
        and threading.current_thread() is threading.main_thread()
    )


def newton_fit(
    design: CoxDesign,
    *,
    ties: str = "efron",
    max_iter: int = 20,
    eps: float = 1e-9,
    parallel: bool | None = None,
    chunk: int | None = None,
) -> NewtonOutcome:
    """Fit the Cox model to every replicate of ``design`` (R's ``coxph`` iteration).

    Parameters
    ----------
    design : CoxDesign
        Batched inputs.
    ties : {"efron", "breslow"}, optional
        Tie handling.
    max_iter : int, optional
        Newton iterations per replicate (R's ``iter.max``).
    eps : float, optional
        Convergence tolerance on the relative change of the log-likelihood
        (R's ``coxph.control(eps)``).
    parallel : bool, optional
        Spread replicates over numba's threads; default :func:`default_parallel`.
        Results are bit-identical either way.
    chunk : int, optional
        Replicates per work unit (work arrays are allocated once per chunk);
        results do not depend on it.

    Returns
    -------
    NewtonOutcome
    """
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    if max_iter < 0 or not eps > 0:
        raise ValueError(f"max_iter must be >= 0 and eps > 0, got {max_iter} and {eps}")
    d = design
    R, _, p = d.shape
    par = default_parallel(R, R * d.shape[1]) if parallel is None else bool(parallel) and R > 1
    if chunk is None:
        chunk = max(1, min(64, math.ceil(R / (4 * numba.get_num_threads())))) if par else max(R, 1)
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}")
    beta = np.empty((R, p))
    vcov = np.empty((R, p, p))
    info = np.zeros((R, p, p))
    flagged = np.zeros((R, p), np.bool_)
    direction = np.zeros((R, p), np.int8)
    out_f = np.empty((R, 3))
    out_i = np.empty((R, 4), np.int64)
    flags = np.array([d.has_start, d.has_strata, ties == "efron"])
    opts = np.array([max_iter, eps], dtype=np.float64)
    run = _fit_parallel if par else _fit_serial
    run(d.X, d.stop, d.start, d.event, d.strata, d.mask, flags, opts, int(chunk), out_f, out_i,
        beta, vcov, info, flagged, direction)  # fmt: skip
    return NewtonOutcome(
        beta, vcov, info, out_f[:, 0].copy(), out_f[:, 1].copy(), out_i[:, 1].copy(),
        out_i[:, 0].astype(np.int8), flagged, direction, out_i[:, 2].copy(), out_i[:, 3].copy(),
        out_f[:, 2].copy(),
    )  # fmt: skip
