"""Fused Cox evaluation: log-likelihood, score and information in one backward pass.

:func:`efron_pass` walks one replicate's tie blocks (from
:func:`~ppprog.models._kernels.design.gather_replicate`) from the last time to
the first, adding each block's rows to the running risk-set sums of
``[x, x x']`` (and, with entry times, removing rows once ``t <= start``),
and adds every event time's terms to the log-likelihood, score and
information. Everything that does not depend on ``beta`` is computed once per
replicate by the gather: the centred row products, the tie blocks, the sum
of the deaths' covariates (so the score starts from it and the
log-likelihood's linear part is one dot product), and the column scales. The
pass writes only to the work arrays it is given: the Newton loop allocates
nothing.

Tie conventions are R ``survival``'s: Breslow uses the full denominator ``d``
times; Efron's ``l``-th of ``d`` tied deaths sees the deaths' summed risk
down-weighted by ``l/d``. Risk scores are ``exp(eta - max(eta))`` (the
likelihood is invariant to the shift); a non-finite log-likelihood is
returned as NaN. With entry times the running sums are recomputed from
scratch when removals cancel most of their magnitude (below 1e-4 of the
removed total).

:func:`cox_loglik` evaluates a batch at given coefficients (checks and tests).

:func:`chol2` and :func:`chsolve2` are R ``survival``'s ``cholesky2`` and
``chsolve2`` (a generalized LDL' factorization: a pivot below ``toler`` times
the largest diagonal is set to zero and its component of the solution is
zero), applied to the information in R's scaled coordinates, so that the
Newton steps and their rank decisions are R's.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ppprog._core.typing import BoolArray, FloatArray, IntArray
from ppprog.models._kernels.design import CoxDesign, gather_replicate, sort_order_into
from ppprog.models._kernels.vecmath import CONTRACT, exp_into, log_into

__all__ = ["CHOL_TOL", "chol2", "chsolve2", "cox_loglik", "efron_pass", "loglik_at"]

#: R's ``coxph.control()$toler.chol`` (``.Machine$double.eps^0.75``).
CHOL_TOL = float(np.finfo(np.float64).eps ** 0.75)
_CANCEL = 1e-4
@njit(cache=True, error_model="numpy", fastmath=CONTRACT)
def _recompute(Z: np.ndarray, q: int, w: np.ndarray, inrisk: np.ndarray, lo: int, hi: int,
               S: np.ndarray) -> float:  # fmt: skip
    """Risk-set sums from scratch over rows ``lo..hi`` still at risk; returns ``S0``."""
    S[:q] = 0.0
    s0 = 0.0
    for r in range(lo, hi + 1):
        if inrisk[r]:
            s0 += w[r]
            for j in range(q):
                S[j] += w[r] * Z[r, j]
    return s0


@njit(cache=True, error_model="numpy", fastmath=CONTRACT)
def efron_pass(  # noqa: C901
    Z: np.ndarray,
    m: int,
    nb: int,
    ev: np.ndarray,
    blocks: np.ndarray,
    times: np.ndarray,
    start: np.ndarray,
    sidx: np.ndarray,
    xev: np.ndarray,
    has_start: bool,
    efron: bool,
    beta: np.ndarray,
    U: np.ndarray,
    info: np.ndarray,
    w: np.ndarray,
    inrisk: np.ndarray,
    sq: np.ndarray,
    a: np.ndarray,
    fw: np.ndarray,
    ib: np.ndarray,
) -> float:
    """Log partial likelihood at ``beta``; score into ``U``, information into ``info``.

    Parameters
    ----------
    Z : ndarray, shape (>= m, q)
        Centred rows ``[x, upper triangle of x x']`` sorted by (stratum, stop).
    m, nb : int
        Rows and tie blocks.
    ev : ndarray of bool, shape (>= m,)
        Sorted event indicators.
    blocks : ndarray of int64, shape (>= nb, 5)
        Tie blocks in time order: first row, last row, deaths, first and last
        row of the stratum.
    times, start : ndarray, shape (>= m,)
        Sorted stop and entry times (used only with ``has_start``).
    sidx : ndarray of int64, shape (>= m,)
        Sorted rows ordered by (stratum, start) (used only with ``has_start``).
    xev : ndarray, shape (p,)
        Sum of the deaths' centred covariates.
    has_start, efron : bool
        Entry times present; Efron (else Breslow) ties.
    beta : ndarray, shape (p,)
    U : ndarray, shape (p,), output
    info : ndarray, shape (p, p), output
    w : ndarray, shape (>= m,), work
        Receives the risk scores ``exp(eta - max eta)``.
    inrisk : ndarray of bool, shape (>= m,), work
    sq : ndarray, shape (5, q), work
        Risk-set sums, the tied deaths' sums, the sums over event terms of
        ``(mult / den) S`` and of ``mult a a'`` (``a`` the risk-set mean), and a term.
    a : ndarray, shape (p,), work
    fw : ndarray, shape (3, >= m), work
        The denominators, their multiplicities, and the linear predictors
        (then the denominators' logs, taken after the pass in one vectorized call).
    ib : ndarray of int64, shape (>= m,), work

    Returns
    -------
    float
        The log partial likelihood (NaN when not computable in floating point).
    """
    p = beta.shape[0]
    q = Z.shape[1]
    dens, mults, eta = fw[0], fw[1], fw[2]  # eta's row receives the logs at the end
    S, D, V, G, T = sq[0], sq[1], sq[2], sq[3], sq[4]
    V[:] = 0.0
    G[:] = 0.0
    c = -np.inf
    for r in range(m):
        acc = 0.0
        for j in range(p):
            acc += Z[r, j] * beta[j]
        eta[r] = acc
        c = max(c, acc)
    ll = 0.0
    for j in range(p):
        U[j] = xev[j]
        ll += xev[j] * beta[j]
        for k in range(p):
            info[j, k] = 0.0
    if m == 0:
        return 0.0
    exp_into(eta, c, w, ib, m)  # separate arrays: in place would not vectorize
    nev = 0
    for r in range(m):
        if ev[r]:
            nev += 1
    ll -= nev * c
    nt = 0
    S0 = 0.0
    total = 0.0
    jr = 0
    for b in range(nb - 1, -1, -1):
        lo = blocks[b, 0]
        hi = blocks[b, 1]
        d = blocks[b, 2]
        if hi == blocks[b, 4]:  # last block of a stratum: the risk set starts empty
            S0 = 0.0
            total = 0.0
            S[:] = 0.0
            jr = hi
        tied = efron and d > 1
        for r in range(lo, hi + 1):
            wr = w[r]
            S0 += wr
            for j in range(q):
                S[j] += wr * Z[r, j]
        if has_start:
            slo = blocks[b, 3]
            for r in range(lo, hi + 1):
                inrisk[r] = True
                total += w[r]
            t = times[lo]  # rows with start >= t are not at risk at t
            removed = False
            while jr >= slo and start[sidx[jr]] >= t:
                r = sidx[jr]
                S0 -= w[r]
                for j in range(q):
                    S[j] -= w[r] * Z[r, j]
                inrisk[r] = False
                total += w[r]
                jr -= 1
                removed = True
            if removed and S0 < _CANCEL * total:
                S0 = _recompute(Z, q, w, inrisk, lo, blocks[b, 4], S)
                total = S0
        if d == 0:
            continue
        D0 = 0.0
        if tied:
            D[:] = 0.0
            for r in range(lo, hi + 1):
                if ev[r]:
                    wr = w[r]
                    D0 += wr
                    for j in range(q):
                        D[j] += wr * Z[r, j]
        # Breslow or a single death: one term with multiplicity d. Efron: d terms,
        # the l-th with the deaths' risk down-weighted by l/d. Inlined on purpose:
        # a call per term costs more than its arithmetic.
        nd = d if tied else 1
        mult = 1.0 if tied else float(d)
        for el in range(nd):
            f = el / d
            den = S0 - f * D0
            inv = 1.0 / den
            ci = mult * inv
            dens[nt] = den
            mults[nt] = mult
            nt += 1
            if tied:
                for t2 in range(q):
                    T[t2] = S[t2] - f * D[t2]
                for t2 in range(q):
                    V[t2] += ci * T[t2]
                for j in range(p):
                    a[j] = T[j] * inv
            else:
                for t2 in range(q):
                    V[t2] += ci * S[t2]
                for j in range(p):
                    a[j] = S[j] * inv
            t2 = p
            for j in range(p):
                mj = mult * a[j]
                for k in range(j, p):
                    G[t2] += mj * a[k]
                    t2 += 1
    t2 = p
    for j in range(p):
        U[j] -= V[j]
        for k in range(j, p):
            info[j, k] = V[t2] - G[t2]
            info[k, j] = info[j, k]
            t2 += 1
    log_into(dens, eta, ib, nt)
    for e in range(nt):
        ll -= mults[e] * eta[e]
    return ll if np.isfinite(ll) else np.nan


@njit(cache=True, error_model="numpy")
def chol2(A: np.ndarray, s: np.ndarray, L: np.ndarray, toler: float) -> int:
    """R's ``cholesky2`` of ``diag(s) A diag(s)`` into ``L`` (LDL', D on the diagonal).

    Returns the rank, negative when the matrix is not non-negative definite.
    A pivot that is not finite or below ``toler`` times the largest positive
    diagonal is set to zero (its column is treated as redundant).
    """
    p = A.shape[0]
    eps = 0.0
    for i in range(p):
        for j in range(p):
            L[i, j] = A[i, j] * s[i] * s[j]
        if L[i, i] > eps:
            eps = L[i, i]
    eps = toler if eps == 0.0 else eps * toler
    rank = 0
    nonneg = 1
    for i in range(p):
        pivot = L[i, i]
        if not np.isfinite(pivot) or pivot < eps:
            L[i, i] = 0.0
            if pivot < -8.0 * eps:
                nonneg = -1
        else:
            rank += 1
            for j in range(i + 1, p):
                temp = L[j, i] / pivot
                L[j, i] = temp
                L[j, j] -= temp * temp * pivot
                for k in range(j + 1, p):
                    L[k, j] -= temp * L[k, i]
    return rank * nonneg


@njit(cache=True, error_model="numpy")
def chsolve2(L: np.ndarray, s: np.ndarray, b: np.ndarray, x: np.ndarray) -> None:
    """Solve ``A x = b`` from :func:`chol2`'s factor of the scaled ``A`` (R's ``chsolve2``).

    Components of redundant (zero-pivot) columns are zero.
    """
    p = L.shape[0]
    for i in range(p):
        x[i] = b[i] * s[i]
    for i in range(p):
        temp = x[i]
        for j in range(i):
            temp -= x[j] * L[i, j]
        x[i] = temp
    for i in range(p - 1, -1, -1):
        if L[i, i] == 0.0:
            x[i] = 0.0
        else:
            temp = x[i] / L[i, i]
            for j in range(i + 1, p):
                temp -= x[j] * L[j, i]
            x[i] = temp
    for i in range(p):
        x[i] *= s[i]


@njit(cache=True, error_model="numpy")
def loglik_at(
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
    """:func:`efron_pass` over a batch at given coefficients (for tests and checks).

    Shapes as :class:`~ppprog.models._kernels.design.CoxDesign`; ``beta`` is (R, p).
    Returns ``(loglik (R,), score (R, p), information (R, p, p))``.
    """
    R, n, p = X.shape
    q = p + p * (p + 1) // 2
    ll = np.empty(R)
    U = np.zeros((R, p))
    info = np.zeros((R, p, p))
    order = np.empty(n, np.int64)
    Z, ev, blocks = np.empty((n, q)), np.empty(n, np.bool_), np.empty((n, 5), np.int64)
    times, start_s, sidx, summ = np.empty(n), np.empty(n), np.empty(n, np.int64), np.empty((3, p))
    w, inrisk, sq, a = np.empty(n), np.empty(n, np.bool_), np.empty((5, q)), np.empty(p)
    fw, ib = np.empty((3, n)), np.empty(n, np.int64)
    for r in range(R):
        m = sort_order_into(stop[r], strata[r], mask[r], has_strata, order)
        nb, _ = gather_replicate(X[r], stop[r], start[r], event[r], strata[r], order, m,
                                 has_start, has_strata, Z, ev, blocks, times, start_s, sidx,
                                 summ)  # fmt: skip
        ll[r] = efron_pass(Z, m, nb, ev, blocks, times, start_s, sidx, summ[0], has_start, efron,
                           beta[r], U[r], info[r], w, inrisk, sq, a, fw, ib)  # fmt: skip
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
        NaN where the log-likelihood is not finite.
    score : ndarray, shape (R, p)
    information : ndarray, shape (R, p, p)
    """
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    d = CoxDesign.from_arrays(X, time, event, start=start, strata=strata, mask=mask)
    b = np.ascontiguousarray(beta, dtype=np.float64).reshape(d.shape[0], d.shape[2])
    return loglik_at(d.X, d.stop, d.start, d.event, d.strata, d.mask, d.has_start,
                     d.has_strata, ties == "efron", b)  # fmt: skip
