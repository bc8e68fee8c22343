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

__all__ = ["build_z", "eval_sorted", "eval_work", "cox_loglik"]

_CANCEL = 1e-4


@njit(cache=True, error_model="numpy")
def build_z(Xs: np.ndarray) -> np.ndarray:
    """Row-wise ``[x, upper triangle of x x']``, shape (m, p + p(p+1)/2).

    Built once per replicate, so each evaluation accumulates the risk-set sums
    of ``x`` and ``x x'`` with one contiguous multiply-add loop per row.
    """
    m, p = Xs.shape
    Z = np.empty((m, p + p * (p + 1) // 2))
    for i in range(m):
        t = p
        for j in range(p):
            Z[i, j] = Xs[i, j]
            for k in range(j, p):
                Z[i, t] = Xs[i, j] * Xs[i, k]
                t += 1
    return Z


@njit(cache=True, error_model="numpy")
def _recompute(
    Z: np.ndarray, q: int, w: np.ndarray, inrisk: np.ndarray, lo: int, hi: int, S: np.ndarray
) -> float:
    """Risk-set sums of the first ``q`` columns, from scratch over rows ``lo..hi`` still at risk."""
    S[:q] = 0.0
    s0 = 0.0
    for r in range(lo, hi + 1):
        if inrisk[r]:
            s0 += w[r]
            for j in range(q):
                S[j] += w[r] * Z[r, j]
    return s0


@njit(cache=True, error_model="numpy")
def eval_sorted(
    Xs: np.ndarray,
    stop: np.ndarray,
    event: np.ndarray,
    strata: np.ndarray,
    start: np.ndarray,
    sidx: np.ndarray,
    has_start: bool,
    efron: bool,
    beta: np.ndarray,
    want: bool,
    U: np.ndarray,
    info: np.ndarray,
) -> float:
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
        The log partial likelihood (NaN when not computable in floating point).
    """
    m, p = Xs.shape
    Z = build_z(Xs)
    q = Z.shape[1]
    return eval_work(Z, p, q, stop, event, strata, start, sidx, has_start, efron, beta, want, U,
                     info, np.empty(m), np.empty(m), np.empty(m, np.bool_), np.empty((2, q)),
                     np.empty(p), False, np.empty((0, 0)), np.empty(0), np.empty((0, 0)),
                     np.empty(0))  # fmt: skip


@njit(cache=True, error_model="numpy")
def _penalty_terms(
    S: np.ndarray,
    D: np.ndarray,
    f: float,
    inv: float,
    a: np.ndarray,
    V: np.ndarray,
    A: np.ndarray,
    Am: np.ndarray,
    mult: float,
    qb: int,
    C: np.ndarray,
) -> None:
    """Add one weighted set's ``E[q x] - E[q] m - 2 V A m`` to ``C`` (Firth).

    ``a`` is the set's weighted mean ``m`` of x; ``V`` receives its weighted
    covariance (from the same upper-triangle sums as the information).
    """
    p = a.shape[0]
    t = p
    for j in range(p):
        for k in range(j, p):
            v = (S[t] - f * D[t]) * inv - a[j] * a[k]
            V[j, k] = v
            V[k, j] = v
            t += 1
    for j in range(p):
        acc = 0.0
        for k in range(p):
            acc += A[j, k] * a[k]
        Am[j] = acc
    q0 = (S[qb] - f * D[qb]) * inv
    for j in range(p):
        vam = 0.0
        for k in range(p):
            vam += V[j, k] * Am[k]
        q1 = (S[qb + 1 + j] - f * D[qb + 1 + j]) * inv
        C[j] += mult * (q1 - q0 * a[j] - 2.0 * vam)


@njit(cache=True, error_model="numpy")
def eval_work(  # noqa: C901
    Z: np.ndarray,
    p: int,
    q: int,
    stop: np.ndarray,
    event: np.ndarray,
    strata: np.ndarray,
    start: np.ndarray,
    sidx: np.ndarray,
    has_start: bool,
    efron: bool,
    beta: np.ndarray,
    want: bool,
    U: np.ndarray,
    info: np.ndarray,
    eta: np.ndarray,
    w: np.ndarray,
    inrisk: np.ndarray,
    SD: np.ndarray,
    a: np.ndarray,
    corr: bool,
    A: np.ndarray,
    C: np.ndarray,
    V: np.ndarray,
    Am: np.ndarray,
) -> float:
    """:func:`eval_sorted` on ``Z = build_z(Xs)`` with caller-provided work arrays.

    ``eta, w`` are float (m,), ``inrisk`` bool (m,), ``SD`` float (2, q) and
    ``a`` float (p,); their contents on entry are ignored. The Newton loop
    allocates them once per replicate. The pass is one function on purpose:
    a helper call per row would cost more than its arithmetic (array
    reference counting).

    Only the first ``q`` columns of ``Z`` are summed over risk sets. The Firth
    kernel passes ``Z`` with ``1 + p`` more columns ``[x'Ax, (x'Ax) x]`` and
    ``corr`` True: the same sweep then also accumulates ``C_r = tr(A dI/db_r)``
    (``A = I^{-1}``; see :mod:`ppprog.models._kernels.firth_eval`) into ``C``,
    using ``V`` (p, p) and ``Am`` (p,) as work arrays. Otherwise ``A, C, V, Am``
    are not touched.
    """
    m = Z.shape[0]
    qb = p + p * (p + 1) // 2
    if corr:
        C[:] = 0.0
    U[:] = 0.0
    info[:, :] = 0.0
    if m == 0:
        return 0.0
    c = -np.inf
    for r in range(m):
        acc = 0.0
        for j in range(p):
            acc += Z[r, j] * beta[j]
        eta[r] = acc
        c = max(c, acc)
    for r in range(m):
        w[r] = np.exp(eta[r] - c)
    S = SD[0]
    D = SD[1]
    D[:] = 0.0
    ll = 0.0
    i = m - 1
    while i >= 0:
        hi = i
        b = i
        while b > 0 and strata[b - 1] == strata[i]:
            b -= 1
        S0 = 0.0
        S[:] = 0.0
        total = 0.0
        jr = hi
        while i >= b:
            # Tie block k..i at time t: add its rows, then drop rows with start >= t.
            t = stop[i]
            k = i
            d = 0
            while k > b and stop[k - 1] == t:
                k -= 1
            for r in range(k, i + 1):
                if event[r]:
                    d += 1
            tied = efron and d > 1
            D0 = 0.0
            for r in range(k, i + 1):
                wr = w[r]
                S0 += wr
                for j in range(q):
                    S[j] += wr * Z[r, j]
                if has_start:
                    inrisk[r] = True
                    total += wr
                if event[r]:
                    ll += eta[r] - c
                    D0 += wr
                    for j in range(p):
                        U[j] += Z[r, j]
                    if tied:
                        for j in range(q):
                            D[j] += wr * Z[r, j]
            if has_start:
                removed = False
                while jr >= b and start[sidx[jr]] >= t:
                    r = sidx[jr]
                    S0 -= w[r]
                    for j in range(q):
                        S[j] -= w[r] * Z[r, j]
                    inrisk[r] = False
                    total += w[r]
                    jr -= 1
                    removed = True
                if removed and S0 < _CANCEL * total:
                    S0 = _recompute(Z, q, w, inrisk, k, hi, S)
                    total = S0
            if d > 0:
                # Breslow (or a single death): one denominator, used d times.
                # Efron: the l-th of d tied deaths sees the dying rows' risk
                # down-weighted by l/d. Inlined: a call per death costs more
                # than its arithmetic.
                nd = d if tied else 1
                mult = 1.0 if tied else float(d)
                for el in range(nd):
                    f = el / d if tied else 0.0
                    den = S0 - f * D0
                    inv = 1.0 / den
                    ll -= mult * np.log(den)
                    if want:
                        for j in range(p):
                            a[j] = (S[j] - f * D[j]) * inv
                            U[j] -= mult * a[j]
                        t2 = p
                        for j in range(p):
                            for k2 in range(j, p):
                                info[j, k2] += mult * ((S[t2] - f * D[t2]) * inv - a[j] * a[k2])
                                t2 += 1
                        if corr:
                            _penalty_terms(S, D, f, inv, a, V, A, Am, mult, qb, C)
                if tied:
                    D[:] = 0.0
            i = k - 1
    for j in range(p):
        for k in range(j):
            info[j, k] = info[k, j]
    # Risk scores underflowing to zero (linear predictors ~745 apart) make a
    # denominator 0; report "not computable" rather than +inf.
    return ll if np.isfinite(ll) else np.nan


@njit(cache=True, error_model="numpy")
def _eval_batch(
    X: np.ndarray,
    stop: np.ndarray,
    start: np.ndarray,
    event: np.ndarray,
    strata: np.ndarray,
    mask: np.ndarray,
    has_start: bool,
    has_strata: bool,
    efron: bool,
    beta: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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
