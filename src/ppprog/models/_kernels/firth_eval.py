"""Firth-penalized Cox partial likelihood in one backward sweep.

The penalized log partial likelihood is ``l*(b) = l(b) + w log|I(b)|`` with
``w = 1/2`` (Firth 1993; Heinze & Schemper 2001), and its gradient is the
modified score ``U*_r = U_r + w tr(I^{-1} dI/db_r)``.

One evaluation is one sweep over a replicate prepared by
:func:`~ppprog.models._kernels.firth_prep.prepare` (rows sorted by (stratum,
stop), walked backwards in time; with entry times rows leave the risk set once
``t <= start``), followed by a ``p x p`` Cholesky factorization. The sweep
accumulates, over every weighted risk set, ``l``, ``U``, ``I`` *and* the
summed third central moments ``M3_rst = dI_st/db_r``; the penalty's
derivative is then the contraction ``tr(A dI/db_r) = sum_st A_st M3_rst``
with ``A = I^{-1}``, so loglik, modified score and information need one pass
(the third moments do not depend on ``A``).

Derivative used for the penalty
-------------------------------
Both tie methods use the **exact** derivative of the information matrix that
enters the penalty. At an event time with risk set R and tied events D (d of
them), Breslow uses one weighted risk set with weights ``exp(eta_i)`` counted d
times; Efron uses d risk sets k = 0..d-1 with weights ``c_ik exp(eta_i)``,
``c_ik = 1 - k/d`` for i in D and 1 otherwise. In both cases each term of ``I``
is the weighted covariance ``V`` of x over such a set, and since the weights
``c_ik`` do not depend on b, ``dV_st/db_r`` is exactly the weighted third
central moment ``E[(x_s-m_s)(x_t-m_t)(x_r-m_r)]``, obtained per set from the
raw moments as ``E[x_r x_s x_t] - m_r E[x_s x_t] - m_s E[x_r x_t] - m_t E[x_r x_s]
+ 2 m_r m_s m_t``.

Speed: the risk scores ``exp(eta - max(eta))`` of all rows and the logs of
the risk-set sums are computed in one vectorized pass each (``vecmath``,
within about 1 ulp of numpy's); the pass is compiled with fused multiply-add
contraction (as the Cox passes); the third-moment terms address the product
columns by index arithmetic (:func:`~ppprog.models._kernels.firth_prep.pair_column`),
so that with a compile-time ``p`` they unroll into straight-line code.

Numerical safeguards: risk scores are ``exp(eta - max(eta))``; covariates are
centred per replicate (the partial likelihood, information and penalty are
invariant to the shift; coefficients stay on the original scale); a
non-finite log-likelihood is reported as such; with entry times the running
sums are recomputed from scratch when removals have cancelled most of their
magnitude (relative size below 1e-4).

References
----------
Firth, D. (1993). Bias reduction of maximum likelihood estimates.
Biometrika 80, 27-38.
Heinze, G. and Schemper, M. (2001). A solution to the problem of monotone
likelihood in Cox regression. Biometrics 57, 114-119.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from ppprog.models._kernels.codes import CONVERGED, NOT_FINITE, SINGULAR
from ppprog.models._kernels.firth_prep import pair_column, prepare, workspace
from ppprog.models._kernels.linalg import chol, chol_inverse, chol_logdet
from ppprog.models._kernels.vecmath import CONTRACT, exp_into, log_into

__all__ = ["prepare", "sweep", "evaluate", "penalized_score"]

_CANCEL = 1e-4
_TINY = 2.2250738585072014e-308  # smallest normal double


@njit(cache=True, error_model="numpy")
def _recompute(
    Z: np.ndarray, w: np.ndarray, inrisk: np.ndarray, lo: int, hi: int, S: np.ndarray
) -> float:
    """Risk-set sums from scratch over rows ``lo..hi`` still at risk."""
    S[:] = 0.0
    s0 = 0.0
    for r in range(lo, hi + 1):
        if inrisk[r]:
            s0 += w[r]
            for j in range(Z.shape[1]):
                S[j] += w[r] * Z[r, j]
    return s0


@njit(cache=True, error_model="numpy", inline="always", fastmath=CONTRACT)
def _terms(
    S: np.ndarray, inv: float, mult: float, p: int, third: bool, mv: np.ndarray,
    e2: np.ndarray, T: np.ndarray, U: np.ndarray, info: np.ndarray,
) -> None:  # fmt: skip
    """Add one weighted set (sums ``S``, ``1/S0 = inv``, counted ``mult`` times) to U, I, M3."""
    for j in range(p):
        mv[j] = S[j] * inv
        U[j] -= mult * mv[j]
    t = p
    for j in range(p):
        for k in range(j, p):
            e = S[t] * inv
            e2[t - p] = e
            info[j, k] += mult * (e - mv[j] * mv[k])
            t += 1
    if third:  # summed third central moments (dI/db)
        # indices from the loop counters (not the maps): with p a compile-time
        # constant the loops unroll into straight-line code
        u = 0
        base = p + p * (p + 1) // 2
        for j in range(p):
            for k in range(j, p):
                mjk = mv[j] * mv[k]
                for el in range(k, p):
                    T[u] += mult * (
                        S[base + u] * inv - mv[j] * e2[pair_column(k, el, p)]
                        - mv[k] * e2[pair_column(j, el, p)] - mv[el] * e2[pair_column(j, k, p)]
                        + 2.0 * mjk * mv[el]
                    )  # fmt: skip
                    u += 1


@njit(cache=True, error_model="numpy", fastmath=CONTRACT)
def sweep(  # noqa: C901
    data: tuple[Any, ...],
    beta: np.ndarray,
    efron: bool,
    third: bool,
    ws: tuple[Any, ...],
    U: np.ndarray,
    info: np.ndarray,
    p: int,
) -> float:
    """One backward sweep: return ``l(beta)``; fill ``U``, ``info`` and (if ``third``) M3.

    ``ws`` is a :func:`~ppprog.models._kernels.firth_prep.workspace`; the
    summed third central moments land in ``ws[6]`` (triple columns order).
    The pass is one function on purpose: a helper call per row would cost
    more than its arithmetic. ``p`` is the number of covariates: called with
    a literal constant (see :func:`evaluate`) it is compiled in, so that the
    loops over covariates and products are unrolled (about 30% faster).
    """
    _, Z, stop, event, strata, start, sidx = data
    eta, w, inrisk, SD, mv, e2, T, _, _, ib, dens, cnt, logs = ws
    m = Z.shape[0]
    has_start = start.shape[0] > 0
    q = p + p * (p + 1) // 2
    if third:
        q += p * (p + 1) * (p + 2) // 6
    U[:] = 0.0
    info[:, :] = 0.0
    T[:] = 0.0
    if m == 0:
        return 0.0
    c = -np.inf
    for r in range(m):
        acc = 0.0
        for j in range(p):
            acc += Z[r, j] * beta[j]
        eta[r] = acc
        c = max(c, acc)
    exp_into(eta, c, w, ib, m)  # one vectorized pass: w = exp(eta - c)
    S = SD[0]
    D = SD[1]
    G = SD[2]
    D[:] = 0.0
    ll = 0.0
    nl = 0  # risk-set sums whose log enters l: logged in one vectorized pass below
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
            t = stop[i]
            k = i
            while k > b and stop[k - 1] == t:
                k -= 1
            d = 0
            for r in range(k, i + 1):
                d += event[r]
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
                ev = 1.0 if event[r] else 0.0  # branch-free: events are unpredictable
                ll += ev * (eta[r] - c)
                D0 += ev * wr
                for j in range(p):
                    U[j] += ev * Z[r, j]
            if tied:  # a separate loop keeps the one above simple (and fast)
                for r in range(k, i + 1):
                    if event[r]:
                        for j in range(q):
                            D[j] += w[r] * Z[r, j]
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
                    S0 = _recompute(Z[:, :q], w, inrisk, k, hi, S[:q])
                    total = S0
            if d > 0:
                # Breslow (or one death): one set counted d times. Efron: the
                # l-th of d tied deaths sees the dying rows down-weighted by l/d.
                if tied:
                    for el in range(d):
                        f = el / d
                        den = S0 - f * D0
                        dens[nl] = den
                        cnt[nl] = 1.0
                        nl += 1
                        for j in range(q):
                            G[j] = S[j] - f * D[j]
                        _terms(G, 1.0 / den, 1.0, p, third, mv, e2, T, U, info)
                else:
                    dens[nl] = S0
                    cnt[nl] = d
                    nl += 1
                    _terms(S, 1.0 / S0, float(d), p, third, mv, e2, T, U, info)
                if tied:
                    D[:] = 0.0
            i = k - 1
    for j in range(p):
        for k in range(j):
            info[j, k] = info[k, j]
    log_into(dens, logs, ib, nl)
    for r in range(nl):
        lg = logs[r] if dens[r] >= _TINY else np.log(dens[r])  # log_into: normal numbers only
        ll -= cnt[r] * lg
    return ll if np.isfinite(ll) else np.nan


@njit(cache=True, error_model="numpy")
def evaluate(
    data: tuple[Any, ...],
    beta: np.ndarray,
    efron: bool,
    pen: float,
    scale: np.ndarray,
    ws: tuple[Any, ...],
    U: np.ndarray,
    info: np.ndarray,
    A: np.ndarray,
    ustar: np.ndarray,
) -> tuple[int, float]:
    """Penalized loglik, modified score, information and its inverse at ``beta``.

    Fills ``U`` (score), ``info``, ``A = info^{-1}`` and ``ustar`` (modified
    score); returns ``(status, lpen)``, status ``NOT_FINITE`` or ``SINGULAR``
    (then ``lpen = -inf``) when the loglik is not finite or a Cholesky pivot
    of ``info`` fails (relative to ``scale``).
    """
    third = pen != 0.0
    p = beta.shape[0]
    if p == 1:  # literal p: one compiled sweep per small p
        ll = sweep(data, beta, efron, third, ws, U, info, 1)
    elif p == 2:
        ll = sweep(data, beta, efron, third, ws, U, info, 2)
    elif p == 3:
        ll = sweep(data, beta, efron, third, ws, U, info, 3)
    else:
        ll = sweep(data, beta, efron, third, ws, U, info, p)
    if not np.isfinite(ll):
        return NOT_FINITE, -np.inf
    L = ws[7]
    if chol(info, L, scale) >= 0:
        return SINGULAR, -np.inf
    chol_inverse(L, A)
    logdet = chol_logdet(L)
    if not third:
        ustar[:] = U
        return CONVERGED, ll
    T, full = ws[6], ws[8]
    for r in range(p):
        acc = 0.0
        for s in range(p):
            for t in range(p):
                acc += A[s, t] * T[full[r, s, t]]
        ustar[r] = U[r] + pen * acc
    return CONVERGED, ll + pen * logdet


@njit(cache=True, error_model="numpy")
def penalized_score(
    data: tuple[Any, ...], sd: np.ndarray, beta: np.ndarray, efron: bool, pen: float
) -> tuple[int, float, np.ndarray, np.ndarray]:
    """Penalized loglik, modified score and information at ``beta``.

    Returns ``(status, lpen, ustar, info)``; ``status`` is non-zero when the
    information is singular or the loglik is not finite (``ustar`` is then
    the unpenalized score).
    """
    p = beta.size
    n_ev = 0
    for e in data[3]:
        n_ev += e
    ws = workspace(data[1].shape[0], p)
    U = np.zeros(p)
    info = np.zeros((p, p))
    A = np.zeros((p, p))
    ustar = np.zeros(p)
    status, lpen = evaluate(data, beta, efron, pen, sd**2 * max(n_ev, 1), ws, U, info, A, ustar)
    if status != CONVERGED:
        return status, lpen, U, info
    return status, lpen, ustar, info
