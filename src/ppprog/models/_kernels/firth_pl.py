"""Profile penalized-likelihood bounds of Firth Cox fits, compiled and batched.

For coefficient ``b_j`` with Firth estimate ``b_hat`` and maximum ``l_hat``,
the profile is ``l_p(v) = max over b_-j of l*(v, b_-j)`` and each bound solves
``g(v) = sqrt(2 (l_hat - l_p(v))) - sqrt(crit) = 0`` on its side of
``b_hat`` (the signed root is nearly linear in ``v``; same root as
``2 (l_hat - l_p) = crit``).

Each bound is first sought by the Venzon-Moolgavkar iteration of
:mod:`ppprog.models._kernels.firth_vm` (3-6 evaluations of ``l*`` per bound
on the benchmark data, against 4-8 constrained fits below); where that does
not converge (or its answer fails a check) the search described here finds
it, and it alone reports a bound that does not close.

Per bound, every evaluation of ``g`` is a constrained Newton fit
(:func:`ppprog.models._kernels.firth.newton_ws` with ``b_j`` fixed),
warm-started from the nearest solution already found on that side, moved
along the ridge ``d b_-j / d v = A_-j,j / A_jj`` (``A`` the inverse
information there: the exact ridge of the quadratic approximation). By the
envelope theorem ``d l_p / d v = U*_j`` at the constrained maximum, so each
fit also gives ``g'(v) = -U*_j / sqrt(2 (l_hat - l_p))``, and the search is a
safeguarded Newton iteration on ``g``:

* outwards, starting one Wald half-width from ``b_hat`` (one unit ``1/sd`` of
  the covariate when the Wald SE is unusable), take the Newton point when it
  lies 1.01x to 4x as far out as the last point, otherwise extrapolate the
  signed root linearly as before (1.25x to 4x), until ``g > 0`` (the bound
  is then bracketed); past ``cap`` (``cap_sd / sd``) the bound is reported
  as ``-inf``/``+inf`` with status ``PROFILE_NOT_CLOSED``; a failed fit on
  the way out is retried up to six times half-way back towards the last good
  point;
* inside the bracket, take the Newton point when it falls inside the
  bracket, otherwise the Illinois (modified regula falsi) point; stop when
  the Newton correction or the bracket is below ``xtol``.

The search is that of :mod:`ppprog.models._kernels.profile` (bracket, then
Brent) with Brent replaced by derivative-aware steps; the statuses are the
same. A constrained fit that fails inside the bracket is reported with its
code (``NOT_FINITE`` when the search itself did not converge).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

from ppprog.models._kernels.codes import CONVERGED, NOT_FINITE
from ppprog.models._kernels.firth import newton_ws, points
from ppprog.models._kernels.firth_prep import n_columns, prepare_into, workspace
from ppprog.models._kernels.firth_vm import vm_bound

__all__ = ["NOT_CLOSED", "profile_replicate", "profile_batch", "profile_batch_parallel"]

#: Status code of a bound not reached within the search range (``FitStatus.PROFILE_NOT_CLOSED``).
NOT_CLOSED = 7
_BACKTRACK = 6
_MAX_EXPAND = 40
_MAX_SOLVE = 100
_MAX_SEEN = 64
#: Largest Venzon-Moolgavkar step, in multiples of the fit's ``max_step``.
VM_STEP = 4.0


@njit(cache=True, error_model="numpy")
def _g(
    data: tuple[Any, ...], sd: np.ndarray, j: int, v: float, lhat: float, rc: float,
    efron: bool, pen: float, opts: tuple[int, float, float, float, int], ws: tuple[Any, ...],
    pts: tuple[Any, ...], seen_v: np.ndarray, seen_b: np.ndarray, seen_d: np.ndarray,
    n_seen: int, free: np.ndarray, beta0: np.ndarray,
) -> tuple[int, float, float, int]:  # fmt: skip
    """Signed-root profile at ``v`` and its slope: ``(code, g, g', n_seen)``.

    Warm start from the nearest stored solution moved along its ridge; the
    new solution is stored when the fit converges.
    """
    p = sd.shape[0]
    near = 0
    for s in range(1, n_seen):
        if abs(seen_v[s] - v) < abs(seen_v[near] - v):
            near = s
    dv = v - seen_v[near]
    for a in range(p):
        beta0[a] = seen_b[near, a] + dv * seen_d[near, a]
    beta0[j] = v
    k, lp, _, _, code = newton_ws(data, sd, beta0, free, efron, pen, opts[0], opts[1], opts[2],
                                  opts[3], opts[4], ws, pts)  # fmt: skip
    if code != CONVERGED or not np.isfinite(lp):
        return (code if code != CONVERGED else NOT_FINITE), np.nan, np.nan, n_seen
    A, ustar, beta = pts[k][2], pts[k][3], pts[k][4]
    slot = n_seen if n_seen < _MAX_SEEN else _MAX_SEEN - 1
    seen_v[slot] = v
    for a in range(p):
        seen_b[slot, a] = beta[a]
        seen_d[slot, a] = A[a, j] / A[j, j]
    dev = 2.0 * (lhat - lp)
    root = np.sqrt(max(0.0, dev))
    slope = -ustar[j] / root if root > 0.0 else np.nan
    return CONVERGED, root - rc, slope, min(n_seen + 1, _MAX_SEEN)


@njit(cache=True, error_model="numpy")
def _bound(  # noqa: C901
    data: tuple[Any, ...], sd: np.ndarray, j: int, side: int, beta_hat: np.ndarray,
    lhat: float, vcov: np.ndarray, step: float, cap: float, rc: float, efron: bool, pen: float,
    opts: tuple[int, float, float, float, int], xtol: float, ws: tuple[Any, ...],
    pts: tuple[Any, ...],
) -> tuple[float, int, int]:  # fmt: skip
    """One bound of coefficient ``j``: ``(value, status, n_fits)``."""
    p = sd.shape[0]
    seen_v = np.empty(_MAX_SEEN)
    seen_b = np.empty((_MAX_SEEN, p))
    seen_d = np.zeros((_MAX_SEEN, p))
    seen_v[0] = beta_hat[j]
    seen_b[0] = beta_hat
    if np.isfinite(vcov[j, j]) and vcov[j, j] > 0.0:
        for a in range(p):
            seen_d[0, a] = vcov[a, j] / vcov[j, j]
    seen_d[0, j] = 1.0
    n_seen = 1
    free = np.ones(p, np.bool_)
    free[j] = False
    beta0 = np.empty(p)
    b0 = beta_hat[j]
    inner, g_in = b0, -rc
    h = step
    n_fits = 0
    v, gv, dg = b0, -rc, np.nan
    bracketed = False
    for _ in range(_MAX_EXPAND):
        h = min(h, cap)
        v = b0 + side * h
        code, gv, dg, n_seen = _g(data, sd, j, v, lhat, rc, efron, pen, opts, ws, pts, seen_v,
                                  seen_b, seen_d, n_seen, free, beta0)  # fmt: skip
        n_fits += 1
        for _b in range(_BACKTRACK):  # failed far out: retry between inner and v
            if code == CONVERGED:
                break
            v = 0.5 * (inner + v)
            code, gv, dg, n_seen = _g(data, sd, j, v, lhat, rc, efron, pen, opts, ws, pts,
                                      seen_v, seen_b, seen_d, n_seen, free, beta0)  # fmt: skip
            n_fits += 1
        if code != CONVERGED:
            return side * np.inf, code, n_fits
        if gv > 0.0:
            bracketed = True
            break
        if abs(v - b0) >= cap:
            return side * np.inf, NOT_CLOSED, n_fits
        inner, g_in = v, gv
        d = abs(v - b0)
        r = gv + rc  # extrapolate the near-linear signed root to the target
        ratio = min(4.0, max(1.25, 1.1 * rc / r)) if r > 0.0 else 2.0
        if np.isfinite(dg) and side * dg > 0.0:
            newton = abs(v - gv / dg - b0) / d
            if 1.0 <= newton <= 4.0:
                ratio = max(1.01 * newton, newton + 4.0 * xtol / d)
        h = d * ratio
    if not bracketed:
        return side * np.inf, NOT_CLOSED, n_fits
    # Bracket (inner: g < 0, outer: g > 0); safeguarded Newton / Illinois.
    outer, g_out = v, gv
    last = 0  # which end moved last (Illinois), 1 = inner, 2 = outer
    for _ in range(_MAX_SOLVE):
        lo, hi = min(inner, outer), max(inner, outer)
        if hi - lo <= xtol:
            return 0.5 * (lo + hi), CONVERGED, n_fits
        cand = np.nan
        if np.isfinite(dg) and dg != 0.0:
            cand = v - gv / dg
            if abs(cand - v) <= 0.1 * xtol:
                return cand, CONVERGED, n_fits
            if not (lo < cand < hi):
                cand = np.nan
        if np.isnan(cand):  # Illinois: regula falsi, halving the stale end's g
            gi, go = g_in, g_out
            if last == 1:
                go *= 0.5
            elif last == 2:
                gi *= 0.5
            cand = inner + (outer - inner) * (-gi) / (go - gi)
            if not (lo < cand < hi):
                cand = 0.5 * (lo + hi)
        v = cand
        code, gv, dg, n_seen = _g(data, sd, j, v, lhat, rc, efron, pen, opts, ws, pts, seen_v,
                                  seen_b, seen_d, n_seen, free, beta0)  # fmt: skip
        n_fits += 1
        if code != CONVERGED:
            return side * np.inf, code, n_fits
        if gv == 0.0:
            return v, CONVERGED, n_fits
        if gv < 0.0:
            inner, g_in, last = v, gv, 1
        else:
            outer, g_out, last = v, gv, 2
    return side * np.inf, NOT_FINITE, n_fits


@njit(cache=True, error_model="numpy")
def profile_replicate(
    data: tuple[Any, ...], sd: np.ndarray, beta_hat: np.ndarray, lhat: float, vcov: np.ndarray,
    efron: bool, pen: float, opts: tuple[int, float, float, float, int], crit: float,
    cap_sd: float, xtol: float, ws: tuple[Any, ...], pts: tuple[Any, ...], vm: bool = True,
) -> tuple[np.ndarray, np.ndarray, int]:  # fmt: skip
    """Both profile bounds of every coefficient of one prepared replicate.

    Returns ``(bounds (p, 2), codes (p, 2) int8, n_work)`` (``n_work``: the
    iterations' evaluations plus the search's constrained fits); ``vcov`` is
    the inverse information at ``beta_hat`` (first step ``sqrt(crit) se_j``
    and first ridge direction). Each bound is tried first by the
    Venzon-Moolgavkar iteration (:func:`~ppprog.models._kernels.firth_vm.vm_bound`)
    and, where that does not converge, found by the bracketing search
    (``vm=False``: the bracketing search only).
    """
    p = beta_hat.shape[0]
    bounds = np.full((p, 2), np.nan)
    codes = np.zeros((p, 2), np.int8)
    rc = np.sqrt(crit)
    n_fits = 0
    for j in range(p):
        unit = 1.0 / sd[j] if sd[j] > 0.0 and np.isfinite(sd[j]) else 1.0
        se = np.sqrt(vcov[j, j]) if vcov[j, j] > 0.0 else np.nan
        step = rc * se if se > 0.0 and np.isfinite(se) else unit
        cap = max(cap_sd * unit, 2.0 * step)
        for s in range(2):
            ok, value, nf = False, np.nan, 0
            if vm:
                ok, value, nf = vm_bound(data, sd, j, 2 * s - 1, beta_hat, lhat, vcov, crit, cap,
                                         efron, pen, VM_STEP * opts[3], xtol, ws, pts)  # fmt: skip
            n_fits += nf
            if ok:
                bounds[j, s] = value
                codes[j, s] = CONVERGED
                continue
            value, code, nf = _bound(data, sd, j, 2 * s - 1, beta_hat, lhat, vcov, step, cap, rc,
                                     efron, pen, opts, xtol, ws, pts)  # fmt: skip
            bounds[j, s] = value
            codes[j, s] = code
            n_fits += nf
    return bounds, codes, n_fits


@njit(cache=True, error_model="numpy")
def _profile_one(
    X: np.ndarray, start: np.ndarray, stop: np.ndarray, event: np.ndarray, stratum: np.ndarray,
    mask: np.ndarray, beta_hat: np.ndarray, lhat: float, vcov: np.ndarray, efron: bool,
    pen: float, opts: tuple[int, float, float, float, int], crit: float, cap_sd: float,
    xtol: float, bounds: np.ndarray, codes: np.ndarray, zbuf: np.ndarray, ws: tuple[Any, ...],
    pts: tuple[Any, ...],
) -> None:  # fmt: skip
    """Prepare one replicate into ``zbuf`` and profile it with work arrays ``ws``, ``pts``."""
    Xs, Z, sp, ev, sg, st, sidx, sd, _ = prepare_into(X, start, stop, event, stratum, mask, zbuf)
    b, c, _ = profile_replicate((Xs, Z, sp, ev, sg, st, sidx), sd, beta_hat, lhat, vcov, efron,
                                pen, opts, crit, cap_sd, xtol, ws, pts)  # fmt: skip
    bounds[:] = b
    codes[:] = c


@njit(cache=True, error_model="numpy")
def profile_batch(
    X: np.ndarray, start: np.ndarray, stop: np.ndarray, event: np.ndarray, stratum: np.ndarray,
    mask: np.ndarray, which: np.ndarray, beta_hat: np.ndarray, lhat: np.ndarray,
    vcov: np.ndarray, efron: bool, pen: float, opts: tuple[int, float, float, float, int],
    crit: float, cap_sd: float, xtol: float,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Profile bounds of the replicates ``which`` of a ``(R, n, p)`` batch.

    Returns ``(bounds (R, p, 2), codes (R, p, 2) int8)``; rows not in
    ``which`` are NaN with code 0.
    """
    R, n, p = X.shape
    bounds = np.full((R, p, 2), np.nan)
    codes = np.zeros((R, p, 2), np.int8)
    zbuf = np.empty((n, n_columns(p)[2]))  # one set of work arrays for the batch
    ws = workspace(n, p)
    pts = points(p)
    for i in range(which.shape[0]):
        r = which[i]
        _profile_one(X[r], start[r], stop[r], event[r], stratum[r], mask[r], beta_hat[r],
                     lhat[r], vcov[r], efron, pen, opts, crit, cap_sd, xtol, bounds[r],
                     codes[r], zbuf, ws, pts)  # fmt: skip
    return bounds, codes


@njit(cache=True, error_model="numpy", parallel=True)
def profile_batch_parallel(
    X: np.ndarray, start: np.ndarray, stop: np.ndarray, event: np.ndarray, stratum: np.ndarray,
    mask: np.ndarray, which: np.ndarray, beta_hat: np.ndarray, lhat: np.ndarray,
    vcov: np.ndarray, efron: bool, pen: float, opts: tuple[int, float, float, float, int],
    crit: float, cap_sd: float, xtol: float,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """:func:`profile_batch` with the replicate loop over threads (identical results)."""
    R, n, p = X.shape
    bounds = np.full((R, p, 2), np.nan)
    codes = np.zeros((R, p, 2), np.int8)
    for i in prange(which.shape[0]):  # work arrays per replicate: threads share nothing
        r = which[i]
        _profile_one(X[r], start[r], stop[r], event[r], stratum[r], mask[r], beta_hat[r],
                     lhat[r], vcov[r], efron, pen, opts, crit, cap_sd, xtol, bounds[r],
                     codes[r], np.empty((n, n_columns(p)[2])), workspace(n, p),
                     points(p))  # fmt: skip
    return bounds, codes
