"""Cox partial log-likelihood, score and information (Breslow and Efron ties).

The core is :func:`eval_sorted`, one pass over one replicate's rows sorted by
(stratum, stop) (see :func:`~ppprog.models._kernels.design.sort_replicate`),
walking backwards in time: rows join the risk set at their stop time, and for
(start, stop] data leave it once ``t <= start``. Cost is O(n p^2) per call.

For tied event times at ``t`` with ``d`` deaths, Efron's approximation uses
the denominators ``S0 - (l/d) D0`` for ``l = 0..d-1`` (``D0`` the deaths'
summed risk); Breslow uses ``S0`` ``d`` times. This is R ``survival``'s
``coxph`` convention for both methods.

Numerical safeguards: risk scores are ``exp(eta - max(eta))`` (the partial
likelihood is invariant to that shift); covariates arrive centred; division
by zero yields inf/NaN (``error_model="numpy"``) and a non-finite
log-likelihood is returned as NaN; with entry times the running sums are
recomputed from scratch whenever removals have cancelled most of their
magnitude (relative size below 1e-4).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ppprog._core.typing import BoolArray, FloatArray, IntArray
from ppprog.models._kernels.design import CoxDesign, sort_replicate

__all__ = ["eval_sorted", "eval_work", "cox_loglik"]

_CANCEL = 1e-4


@njit(cache=True, error_model="numpy")
def _recompute(Xs, w, inrisk, lo, hi, S1, S2):  # noqa: ANN001, ANN202
    """Risk-set sums from scratch over rows ``lo..hi`` still at risk."""
    p = Xs.shape[1]
    S1[:] = 0.0
    S2[:, :] = 0.0
    s0 = 0.0
    for q in range(lo, hi + 1):
        if inrisk[q]:
            s0 += w[q]
            for jj in range(p):
                wx = w[q] * Xs[q, jj]
                S1[jj] += wx
                for kk in range(jj, p):
                    S2[jj, kk] += wx * Xs[q, kk]
    return s0


@njit(cache=True, error_model="numpy")
def eval_sorted(Xs, stop, event, strata, start, sidx, has_start, efron, beta, want, U, info):  # noqa: ANN001, ANN201, C901
    """Log partial likelihood of one sorted replicate; fills ``U`` and ``info``.

    Parameters
    ----------
    Xs : ndarray, shape (m, p)
        Centred covariates sorted by (stratum, stop).
    stop, start : ndarray, shape (m,)
        Sorted interval ends and starts.
    event : ndarray of bool, shape (m,)
    strata : ndarray of int64, shape (m,)
    sidx : ndarray of int64, shape (m,)
        Sorted rows ordered by (stratum, start).
    has_start, efron, want : bool
        Entry times present; Efron (else Breslow) ties; compute derivatives.
    beta : ndarray, shape (p,)
    U : ndarray, shape (p,)
        Output score (overwritten).
    info : ndarray, shape (p, p)
        Output observed information (overwritten).

    Returns
    -------
    float
        The log partial likelihood.
    """
    m, p = Xs.shape
    return eval_work(Xs, stop, event, strata, start, sidx, has_start, efron, beta, want, U, info,
                     np.empty(m), np.empty(m), np.empty(m, np.bool_), np.empty((3, p)),
                     np.empty((2, p, p)))  # fmt: skip


@njit(cache=True, error_model="numpy")
def eval_work(Xs, stop, event, strata, start, sidx, has_start, efron, beta, want, U, info,  # noqa: ANN001, ANN201, C901
              eta, w, inrisk, vec, mat):  # fmt: skip
    """:func:`eval_sorted` with caller-provided work arrays (no allocation).

    ``eta, w`` are float (m,), ``inrisk`` bool (m,), ``vec`` (3, p) and
    ``mat`` (2, p, p) float; their contents on entry are ignored. The Newton
    loop allocates them once per replicate. One function for the whole pass:
    helper calls inside the loops would cost more than the arithmetic.
    """
    m, p = Xs.shape
    U[:] = 0.0
    info[:, :] = 0.0
    if m == 0:
        return 0.0
    c = -np.inf
    for q in range(m):
        acc = 0.0
        for jj in range(p):
            acc += Xs[q, jj] * beta[jj]
        eta[q] = acc
        c = max(c, acc)
    for q in range(m):
        w[q] = np.exp(eta[q] - c)
    S1 = vec[0]
    D1 = vec[1]
    a = vec[2]
    S2 = mat[0]
    D2 = mat[1]
    D1[:] = 0.0
    D2[:, :] = 0.0
    ll = 0.0
    i = m - 1
    while i >= 0:
        hi = i
        b = i
        while b > 0 and strata[b - 1] == strata[i]:
            b -= 1
        S0 = 0.0
        S1[:] = 0.0
        S2[:, :] = 0.0
        total = 0.0
        j = hi
        while i >= b:
            t = stop[i]
            k = i
            while k > b and stop[k - 1] == t:
                k -= 1
            d = 0
            for q in range(k, i + 1):
                if event[q]:
                    d += 1
            tied = efron and d > 1
            D0 = 0.0
            for q in range(k, i + 1):
                wq = w[q]
                S0 += wq
                ev = event[q]
                for jj in range(p):
                    xq = Xs[q, jj]
                    wx = wq * xq
                    S1[jj] += wx
                    for kk in range(jj, p):
                        S2[jj, kk] += wx * Xs[q, kk]
                    if ev:
                        U[jj] += xq
                        if tied:
                            D1[jj] += wx
                            for kk in range(jj, p):
                                D2[jj, kk] += wx * Xs[q, kk]
                if has_start:
                    inrisk[q] = True
                    total += wq
                if ev:
                    D0 += wq
                    ll += eta[q] - c
            if has_start:
                removed = False
                while j >= b and start[sidx[j]] >= t:
                    q = sidx[j]
                    S0 -= w[q]
                    for jj in range(p):
                        wx = w[q] * Xs[q, jj]
                        S1[jj] -= wx
                        for kk in range(jj, p):
                            S2[jj, kk] -= wx * Xs[q, kk]
                    inrisk[q] = False
                    total += w[q]
                    j -= 1
                    removed = True
                if removed and S0 < _CANCEL * total:
                    S0 = _recompute(Xs, w, inrisk, k, hi, S1, S2)
                    total = S0
            # Tie block, inlined by hand: a call per block costs more than the
            # arithmetic (array reference counting).
            if d > 0 and not tied:
                # One denominator, used d times (Breslow ties, or a single death).
                inv = 1.0 / S0
                ll -= d * np.log(S0)
                if want:
                    for jj in range(p):
                        a[jj] = S1[jj] * inv
                    for jj in range(p):
                        U[jj] -= d * a[jj]
                        for kk in range(jj, p):
                            info[jj, kk] += d * (S2[jj, kk] * inv - a[jj] * a[kk])
            elif d > 0:
                # Efron: the l-th of d tied deaths sees the dying rows' risk down-weighted by l/d.
                for el in range(d):
                    f = el / d
                    den = S0 - f * D0
                    inv = 1.0 / den
                    ll -= np.log(den)
                    if want:
                        for jj in range(p):
                            a[jj] = (S1[jj] - f * D1[jj]) * inv
                        for jj in range(p):
                            U[jj] -= a[jj]
                            for kk in range(jj, p):
                                info[jj, kk] += (S2[jj, kk] - f * D2[jj, kk]) * inv - a[jj] * a[kk]
                for jj in range(p):
                    D1[jj] = 0.0
                    for kk in range(p):
                        D2[jj, kk] = 0.0
            i = k - 1
    for jj in range(p):
        for kk in range(jj):
            info[jj, kk] = info[kk, jj]
    # Risk scores underflowing to zero (linear predictors ~745 apart) make a
    # denominator 0; report "not computable" rather than +inf.
    return ll if np.isfinite(ll) else np.nan


@njit(cache=True, error_model="numpy")
def _eval_batch(X, stop, start, event, strata, mask, has_start, has_strata, efron, beta):  # noqa: ANN001, ANN202
    R, _, p = X.shape
    ll = np.empty(R)
    U = np.zeros((R, p))
    info = np.zeros((R, p, p))
    for r in range(R):
        Xs, st, ev, sg, sa, sidx, _, _ = sort_replicate(
            X[r], stop[r], start[r], event[r], strata[r], mask[r], has_start, has_strata
        )
        ll[r] = eval_sorted(
            Xs, st, ev, sg, sa, sidx, has_start, efron, beta[r], True, U[r], info[r]
        )
    return ll, U, info


def cox_loglik(
    X: FloatArray,
    time: FloatArray,
    event: FloatArray | BoolArray,
    beta: FloatArray,
    *,
    start: FloatArray | None = None,
    strata: IntArray | None = None,
    mask: BoolArray | None = None,
    ties: str = "efron",
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Log partial likelihood, score and information at ``beta``, batched.

    Parameters
    ----------
    X : array_like, shape (R, n, p)
        Covariates.
    time : array_like, shape (R, n)
        Event/censoring times (interval ends).
    event : array_like, shape (R, n)
        Event indicators.
    beta : array_like, shape (R, p)
        Coefficients per replicate.
    start : array_like, shape (R, n), optional
        Entry times for (start, stop] data.
    strata : array_like of int, shape (R, n), optional
        Stratum codes.
    mask : array_like of bool, shape (R, n), optional
        Valid rows.
    ties : {"efron", "breslow"}, optional
        Tie handling.

    Returns
    -------
    loglik : ndarray, shape (R,)
    score : ndarray, shape (R, p)
    information : ndarray, shape (R, p, p)
    """
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    d = CoxDesign.from_arrays(X, time, event, start=start, strata=strata, mask=mask)
    b = np.ascontiguousarray(beta, dtype=np.float64).reshape(d.shape[0], d.shape[2])
    return _eval_batch(
        d.X,
        d.stop,
        d.start,
        d.event,
        d.strata,
        d.mask,
        d.has_start,
        d.has_strata,
        ties == "efron",
        b,
    )
