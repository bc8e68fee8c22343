"""Semiparametric (proportional hazards) mixture cure model by EM, batched over replicates.

The model of :mod:`ppprog.models._kernels.cure` with the latency survival
``S_u(t | z) = S0(t)^exp(z' beta)`` and ``S0`` left unspecified, fitted as R's
smcure does (Peng and Dear 2000; Sy and Taylor 2000):

* E-step: the expected susceptibility of each subject,
  ``w = 1`` for an event and ``w = pi S_u(t) / (1 - pi + pi S_u(t))`` when
  censored at ``t``;
* M-step, incidence: logistic (or cloglog) regression of the fractional
  response ``w`` on the incidence design (Fisher scoring to convergence);
* M-step, latency: Cox partial likelihood with risk-set weights
  ``w_j exp(z_j' beta)`` (Breslow ties; Newton to convergence), then the
  Breslow-type baseline ``dH0(t_k) = d_k / sum_{t_j >= t_k} w_j exp(z_j' beta)``;
* zero-tail constraint: ``S0(t) = 0`` beyond the largest event time, so
  subjects censored after it are taken as cured (``w = 0``).

Iterations stop when no coefficient moves more than ``tol``. Rows are sorted
by time inside the kernel; padding rows (``mask`` False) carry zero weight.
Every operation is per replicate (no reduction across the leading axis).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ppprog._core.typing import BoolArray, FloatArray, IntArray
from ppprog.models._kernels.cure import inverse_link
from ppprog.models.status import FitStatus

__all__ = ["EMFit", "fit_em", "tie_bounds"]

_INNER = 50


@dataclass(frozen=True)
class EMFit:
    """Outcome of the batched EM fit.

    Attributes
    ----------
    b : ndarray, shape (R, q)
        Incidence coefficients (first: intercept).
    beta : ndarray, shape (R, k)
        Latency log hazard ratios.
    time : ndarray, shape (R, m)
        Sorted times (padding ``inf``).
    cumhaz : ndarray, shape (R, m)
        Baseline cumulative hazard at the sorted times (``inf`` after the last
        event: the zero-tail constraint).
    loglik : ndarray, shape (R,)
        Observed-data log-likelihood with the Breslow baseline as point masses.
    n_iter : ndarray of int64, shape (R,)
    status : ndarray of int8, shape (R,)
    """

    b: FloatArray
    beta: FloatArray
    time: FloatArray
    cumhaz: FloatArray
    loglik: FloatArray
    n_iter: IntArray
    status: np.ndarray


def tie_bounds(ts: FloatArray) -> tuple[IntArray, IntArray]:
    """First and last index of the tie block of every position of sorted rows.

    Parameters
    ----------
    ts : ndarray, shape (R, m)
        Times sorted ascending within each row.

    Returns
    -------
    first, last : ndarray of int64, shape (R, m)
    """
    R, m = ts.shape
    idx = np.broadcast_to(np.arange(m), (R, m))
    new = np.ones((R, m), bool)
    new[:, 1:] = ts[:, 1:] != ts[:, :-1]
    first = np.maximum.accumulate(np.where(new, idx, 0), axis=1)
    end = np.ones((R, m), bool)
    end[:, :-1] = new[:, 1:]
    last = np.minimum.accumulate(np.where(end, idx, m - 1)[:, ::-1], axis=1)[:, ::-1]
    return first.astype(np.int64), last.astype(np.int64)


def _revcumsum(a: FloatArray) -> FloatArray:
    return np.flip(np.cumsum(np.flip(a, axis=1), axis=1), axis=1)


def _at(a: FloatArray, idx: IntArray) -> FloatArray:
    extra = a.ndim - 2
    return np.take_along_axis(a, idx.reshape(idx.shape + (1,) * extra), axis=1)


def _cox_step(
    beta: FloatArray, Z: FloatArray, ev: FloatArray, w: FloatArray, first: IntArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Score and information of the weighted Breslow partial likelihood."""
    r = w * np.exp(np.einsum("rmj,rj->rm", Z, beta))
    s0 = _at(_revcumsum(r), first)
    s1 = _at(_revcumsum(r[..., None] * Z), first)
    s2 = _at(_revcumsum(r[..., None, None] * Z[..., :, None] * Z[..., None, :]), first)
    with np.errstate(divide="ignore", invalid="ignore"):
        zbar = np.where(ev[..., None] > 0, s1 / s0[..., None], 0.0)
        v2 = np.where(ev[..., None, None] > 0, s2 / s0[..., None, None], 0.0)
    score = np.einsum("rm,rmj->rj", ev, Z - zbar)
    info = np.einsum("rm,rmjl->rjl", ev, v2 - zbar[..., :, None] * zbar[..., None, :])
    return r, score, info


def _solve_step(info: FloatArray, score: FloatArray) -> FloatArray:
    ok = np.isfinite(info).all((1, 2)) & (np.linalg.det(info) > 0)
    eye = np.eye(info.shape[1])
    safe = np.where(ok[:, None, None], info, eye)
    step = np.linalg.solve(safe, np.where(ok[:, None], score, 0.0)[..., None])[..., 0]
    big = np.abs(step).max(axis=1, keepdims=True) if step.shape[1] else np.zeros((len(step), 1))
    return step * np.where(big > 5.0, 5.0 / np.maximum(big, 1e-300), 1.0)


def _newton(
    b: FloatArray, score_info: Callable[[FloatArray], tuple[FloatArray, FloatArray]]
) -> FloatArray:
    """Damped Newton steps of each replicate's ``b`` until its step is below 1e-11."""
    moving = np.ones(len(b), bool)  # per replicate, so chunking cannot change the bits
    for _ in range(_INNER):
        score, info = score_info(b)
        step = np.where(moving[:, None], _solve_step(info, score), 0.0)
        b = b + step
        moving &= np.abs(step).max(axis=1) >= 1e-11
        if not moving.any():
            break
    return b


def _latency_m(
    beta: FloatArray, Z: FloatArray, ev: FloatArray, w: FloatArray, first: IntArray
) -> FloatArray:
    if Z.shape[-1] == 0:
        return beta
    return _newton(beta, lambda b: _cox_step(b, Z, ev, w, first)[1:])


def _incidence_m(
    b: FloatArray, Xi: FloatArray, w: FloatArray, mask: FloatArray, link: str
) -> FloatArray:
    def score_info(b: FloatArray) -> tuple[FloatArray, FloatArray]:
        pi, q, d1, _, _ = inverse_link(np.einsum("rmj,rj->rm", Xi, b), link)
        with np.errstate(divide="ignore", invalid="ignore"):
            vw = np.where(mask > 0, d1 * d1 / (pi * q), 0.0)
            res = np.where(mask > 0, (w - pi) * d1 / (pi * q), 0.0)
        return np.einsum("rm,rmj->rj", res, Xi), np.einsum("rm,rmj,rml->rjl", vw, Xi, Xi)

    return _newton(b, score_info)


def _baseline(
    r: FloatArray, ev: FloatArray, first: IntArray, last: IntArray, ts: FloatArray
) -> FloatArray:
    """Breslow cumulative hazard at each sorted position, ``inf`` after the last event."""
    s0 = _at(_revcumsum(r), first)
    with np.errstate(divide="ignore", invalid="ignore"):
        dh = np.where(ev > 0, 1.0 / s0, 0.0)
    H = _at(np.cumsum(dh, axis=1), last)
    t_last = np.where(ev > 0, ts, -np.inf).max(axis=1, keepdims=True)
    return np.where(ts > t_last, np.inf, H)


def _loglik(
    pi: FloatArray, q: FloatArray, H: FloatArray, lp: FloatArray, ev: FloatArray,
    mask: FloatArray, first: IntArray,
) -> FloatArray:  # fmt: skip
    Hb = np.concatenate([np.zeros((len(H), 1)), H], axis=1)
    Su = np.exp(-H * np.exp(lp))
    with np.errstate(divide="ignore", invalid="ignore"):
        jump = H - np.take_along_axis(Hb, first, axis=1)
        ll_ev = np.log(pi) + np.log(jump) + lp - H * np.exp(lp)
        ll_c = np.log(q + pi * Su)
    return np.where(mask > 0, np.where(ev > 0, ll_ev, ll_c), 0.0).sum(axis=1)


def fit_em(
    Xi: FloatArray, Z: FloatArray, time: FloatArray, event: BoolArray, mask: BoolArray, *,
    link: str = "logit", max_iter: int = 1000, tol: float = 1e-8,
) -> EMFit:  # fmt: skip
    """Fit the PH mixture cure model by EM for each replicate.

    Parameters
    ----------
    Xi : ndarray, shape (R, m, q)
        Incidence design including the intercept column.
    Z : ndarray, shape (R, m, k)
        Latency design (no intercept; ``k`` may be 0).
    time : ndarray, shape (R, m)
    event : ndarray of bool, shape (R, m)
    mask : ndarray of bool, shape (R, m)
    link : {"logit", "cloglog"}, optional
    max_iter : int, optional
        EM iteration limit.
    tol : float, optional
        Convergence tolerance on the largest coefficient change.

    Returns
    -------
    EMFit

    References
    ----------
    Peng Y, Dear KBG (2000). A nonparametric mixture model for cure rate
    estimation. Biometrics 56:237-243. Sy JP, Taylor JMG (2000). Estimation in
    a Cox proportional hazards cure model. Biometrics 56:227-236.
    """
    order = np.argsort(np.where(mask, time, np.inf), axis=1, kind="stable")
    ts = np.take_along_axis(np.where(mask, time, np.inf), order, axis=1)
    mk = np.take_along_axis(mask, order, axis=1).astype(np.float64)
    ev = np.take_along_axis(event & mask, order, axis=1).astype(np.float64)
    Xs = np.take_along_axis(Xi, order[..., None], axis=1)
    Zs = np.take_along_axis(Z, order[..., None], axis=1)
    first, last = tie_bounds(ts)
    R, q, k = len(ts), Xi.shape[-1], Z.shape[-1]
    b, beta = np.zeros((R, q)), np.zeros((R, k))
    w = np.where(ev > 0, 1.0, 0.5) * mk
    status = np.full(R, FitStatus.MAX_ITER, np.int8)
    n_iter = np.zeros(R, np.int64)
    active = ev.sum(axis=1) > 0
    status[~active] = FitStatus.NO_EVENTS
    for _ in range(max_iter):
        if not active.any():
            break
        b_new = _incidence_m(b, Xs, w, mk, link)
        beta_new = _latency_m(beta, Zs, ev, w, first)
        lp = np.einsum("rmj,rj->rm", Zs, beta_new)
        H = _baseline(w * mk * np.exp(lp), ev, first, last, ts)
        pi, qq, _, _, _ = inverse_link(np.einsum("rmj,rj->rm", Xs, b_new), link)
        Su = np.exp(-H * np.exp(lp))
        with np.errstate(invalid="ignore"):
            w_new = mk * np.where(ev > 0, 1.0, pi * Su / (qq + pi * Su))
        move = np.concatenate([np.abs(b_new - b), np.abs(beta_new - beta)], axis=1).max(axis=1)
        upd = active[:, None]
        b, beta = np.where(upd, b_new, b), np.where(upd, beta_new, beta)
        w = np.where(upd, w_new, w)
        n_iter[active] += 1
        bad = active & ~(np.isfinite(move) & np.isfinite(w).all(axis=1))
        status[bad] = FitStatus.NOT_FINITE
        conv = active & ~bad & (move < tol)
        status[conv] = FitStatus.CONVERGED
        active &= ~(bad | conv)
    lp = np.einsum("rmj,rj->rm", Zs, beta)
    H = _baseline(w * mk * np.exp(lp), ev, first, last, ts)
    pi, qq, _, _, _ = inverse_link(np.einsum("rmj,rj->rm", Xs, b), link)
    ll = _loglik(pi, qq, H, lp, ev, mk, first)
    return EMFit(b, beta, ts, np.where(mk > 0, H, np.inf), ll, n_iter, status)
