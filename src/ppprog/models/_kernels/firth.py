"""Firth-penalized Cox partial likelihood: evaluation and Newton-Raphson.

The penalized log partial likelihood is ``l*(b) = l(b) + w log|I(b)|`` with
``w = 1/2`` (Firth 1993; Heinze & Schemper 2001), and its gradient is the
modified score ``U*_r = U_r + w tr(I^{-1} dI/db_r)``.

Derivative used for the penalty
-------------------------------
Both tie methods use the **exact** derivative of the information matrix that
enters the penalty (no approximation). At an event time with risk set R and
tied events D (d of them), Breslow uses one weighted risk set with weights
``exp(eta_i)`` counted d times; Efron uses d risk sets k = 0..d-1 with weights
``c_ik exp(eta_i)``, ``c_ik = 1 - k/d`` for i in D and 1 otherwise. In both
cases each term of ``I`` is the weighted covariance ``V`` of x over such a set,
and since the weights ``c_ik`` do not depend on b, ``dV_st/db_r`` is exactly the
weighted third central moment ``E[(x_s-m_s)(x_t-m_t)(x_r-m_r)]``. Contracting
it with ``A = I^{-1}`` gives, per set, with ``q_i = x_i' A x_i``,
``E[q x_r] - E[q] m_r - 2 (V A m)_r``, accumulated in one backward sweep.
``I`` is thus the observed information of the Efron (or Breslow) partial
likelihood and the penalty derivative is the exact one of that matrix.

Data are per replicate: rows with ``mask`` False are left out; a row is at
risk at t iff ``start < t <= stop`` within its stratum (R survival's
convention). Covariates are centred internally per replicate (the partial
likelihood, information and penalty are invariant to the shift; centring only
avoids cancellation); coefficients stay on the original scale.

The Newton iteration uses ``I`` (not the Hessian of ``l*``) as the scoring
matrix, as coxphf does. Steps are scaled (direction kept) so that no
coefficient moves by more than ``max_step / sd_j``, i.e. ``max_step`` on the
standardized scale where coxphf applies its ``maxstep`` (coxphf clips each
component instead). Step halving is on ``l*``. Because ``I`` ignores the
penalty's curvature, plain scoring can overshoot and even oscillate forever
(it does on the two-subject data); when the slope of ``l*`` along an accepted
step has changed sign markedly, the step is shortened to the secant root of
that slope. Fixed point and convergence test are unchanged by this.

The module runs past the usual 400 lines because the sweep is written out
scalar by scalar (no temporaries and no BLAS calls on tiny arrays inside the
loops), which is what makes the compiled kernel fast.

References
----------
Heinze, G. and Schemper, M. (2001). A solution to the problem of monotone
likelihood in Cox regression. Biometrics 57, 114-119.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ppprog.models.status import FitStatus

__all__ = ["prepare", "evaluate", "penalized_score", "newton", "fit_batch", "chol_inv"]

_CONVERGED = int(FitStatus.CONVERGED)
_MAX_ITER = int(FitStatus.MAX_ITER)
_STEP_FAILED = int(FitStatus.STEP_HALVING_FAILED)
_SINGULAR = int(FitStatus.SINGULAR_INFORMATION)
_NO_EVENTS = int(FitStatus.NO_EVENTS)
_NOT_FINITE = int(FitStatus.NOT_FINITE)


@njit(cache=True)
def _order(key, sg):
    """Indices sorted by stratum ascending, then ``key`` descending (stable)."""
    o = np.argsort(-key, kind="mergesort")
    return o[np.argsort(sg[o], kind="mergesort")]


@njit(cache=True)
def prepare(X, start, stop, event, stratum, mask):
    """Select, centre and order one replicate's rows.

    Returns ``(Xc, start, stop, event, stratum, ord_stop, ord_start, sd, n_events)``
    where ``ord_stop`` sorts by stratum then stop descending and ``ord_start``
    by stratum then start descending; ``sd`` is the sample SD of each column.
    """
    n, p = X.shape
    m = 0
    for i in range(n):
        m += mask[i]
    Xc = np.empty((m, p))
    st = np.empty(m)
    sp = np.empty(m)
    ev = np.empty(m, dtype=np.bool_)
    sg = np.empty(m, dtype=np.int64)
    a = 0
    for r in range(n):
        if mask[r]:
            for j in range(p):
                Xc[a, j] = X[r, j]
            st[a] = start[r]
            sp[a] = stop[r]
            ev[a] = event[r]
            sg[a] = stratum[r]
            a += 1
    sd = np.zeros(p)
    for j in range(p):
        mu = 0.0
        for i in range(m):
            mu += Xc[i, j]
        mu /= max(m, 1)
        ss = 0.0
        for i in range(m):
            Xc[i, j] -= mu
            ss += Xc[i, j] ** 2
        if m > 1:
            sd[j] = np.sqrt(ss / (m - 1))
    return Xc, st, sp, ev, sg, _order(sp, sg), _order(st, sg), sd, int(ev.sum())


@njit(cache=True)
def _add(sign, w, q, X, r, S1, S2, Q1, do_corr):
    """Add (sign=+1) or remove (-1) row r from the running weighted sums."""
    p = X.shape[1]
    wq = w * q
    for a in range(p):
        wa = sign * w * X[r, a]
        S1[a] += wa
        if do_corr:
            Q1[a] += wq * sign * X[r, a]
        for b in range(a + 1):
            S2[a, b] += wa * X[r, b]


@njit(cache=True)
def _event_terms(s0, f, S1, D1, S2, D2, q0, Q1, DQ1, mult, A, do_corr, U, info, C, mvec, V, work):
    """Add one weighted set's terms (sums ``S - f D``) to U, info and C.

    Only the lower triangles of ``S2``/``D2`` are filled; ``V`` is filled in full.
    """
    p = S1.size
    for a in range(p):
        mvec[a] = (S1[a] - f * D1[a]) / s0
        U[a] -= mult * mvec[a]
    for a in range(p):
        for b in range(a + 1):
            v = (S2[a, b] - f * D2[a, b]) / s0 - mvec[a] * mvec[b]
            V[a, b] = v
            V[b, a] = v
            info[a, b] += mult * v
            if a != b:
                info[b, a] += mult * v
    if do_corr:
        for a in range(p):  # work = A m
            acc = 0.0
            for b in range(p):
                acc += A[a, b] * mvec[b]
            work[a] = acc
        for a in range(p):
            vam = 0.0
            for b in range(p):
                vam += V[a, b] * work[b]
            q1 = Q1[a] - f * DQ1[a]
            C[a] += mult * (q1 / s0 - (q0 / s0) * mvec[a] - 2.0 * vam)
    return mult * np.log(s0)


@njit(cache=True)
def evaluate(Xc, st, sp, ev, sg, o_stop, o_start, beta, efron, A, do_corr, U, info, C):  # noqa: C901
    """One backward sweep: return the log partial likelihood, fill U, info (and C).

    ``C`` receives ``tr(A dI/db_r)`` when ``do_corr`` (``A`` must then be
    ``info(beta)^{-1}``). Long because the sweep keeps all running sums in one
    allocation-free pass over the sorted rows.
    """
    m, p = Xc.shape
    eta = np.empty(m)
    c = -np.inf
    for i in range(m):
        acc = 0.0
        for a in range(p):
            acc += Xc[i, a] * beta[a]
        eta[i] = acc
        c = max(c, acc)
    w = np.exp(eta - c)
    q = np.zeros(m)
    if do_corr:
        for i in range(m):
            acc = 0.0
            for a in range(p):
                for b in range(p):
                    acc += Xc[i, a] * A[a, b] * Xc[i, b]
            q[i] = acc
    U[:] = 0.0
    info[:, :] = 0.0
    C[:] = 0.0
    S1 = np.zeros(p)
    S2 = np.zeros((p, p))
    Q1 = np.zeros(p)
    D1 = np.zeros(p)
    D2 = np.zeros((p, p))
    DQ1 = np.zeros(p)
    mvec = np.zeros(p)
    V = np.zeros((p, p))
    work = np.zeros(p)
    S0 = 0.0
    Q0 = 0.0
    ll = 0.0
    i = 0
    j = 0
    cur = np.iinfo(np.int64).min
    while i < m:
        s = sg[o_stop[i]]
        t = sp[o_stop[i]]
        if s != cur:
            cur = s
            S0 = 0.0
            Q0 = 0.0
            S1[:] = 0.0
            S2[:, :] = 0.0
            Q1[:] = 0.0
            while j < m and sg[o_start[j]] < s:
                j += 1
        D0 = 0.0
        DQ0 = 0.0
        d = 0
        while i < m and sg[o_stop[i]] == s and sp[o_stop[i]] == t:
            r = o_stop[i]
            S0 += w[r]
            Q0 += w[r] * q[r]
            _add(1.0, w[r], q[r], Xc, r, S1, S2, Q1, do_corr)
            if ev[r]:
                if d == 0 and efron:
                    D1[:] = 0.0
                    D2[:, :] = 0.0
                    DQ1[:] = 0.0
                d += 1
                D0 += w[r]
                DQ0 += w[r] * q[r]
                if efron:
                    _add(1.0, w[r], q[r], Xc, r, D1, D2, DQ1, do_corr)
                ll += eta[r]
                for a in range(p):
                    U[a] += Xc[r, a]
            i += 1
        while j < m and sg[o_start[j]] == s and st[o_start[j]] >= t:
            r = o_start[j]
            S0 -= w[r]
            Q0 -= w[r] * q[r]
            _add(-1.0, w[r], q[r], Xc, r, S1, S2, Q1, do_corr)
            j += 1
        if d == 0:
            continue
        nk = d if efron else 1
        mult = 1.0 if efron else float(d)
        for k in range(nk):
            f = k / d if efron else 0.0
            s0 = S0 - f * D0
            q0 = Q0 - f * DQ0
            ll -= _event_terms(
                s0, f, S1, D1, S2, D2, q0, Q1, DQ1, mult, A, do_corr, U, info, C, mvec, V, work
            )
            ll -= mult * c
    return ll


@njit(cache=True)
def chol_inv(M, scale):
    """Cholesky-based log-determinant and inverse of a symmetric matrix.

    Returns ``(ok, logdet, inverse)``; ``ok`` is False when a pivot falls below
    ``1e-10 * scale[j]`` (singular or not positive definite).
    """
    p = M.shape[0]
    L = np.zeros((p, p))
    logdet = 0.0
    for j in range(p):
        acc = M[j, j]
        for k in range(j):
            acc -= L[j, k] ** 2
        if not (acc > 1e-10 * scale[j]) or not np.isfinite(acc):
            return False, -np.inf, L
        L[j, j] = np.sqrt(acc)
        logdet += 2.0 * np.log(L[j, j])
        for i in range(j + 1, p):
            acc = M[i, j]
            for k in range(j):
                acc -= L[i, k] * L[j, k]
            L[i, j] = acc / L[j, j]
    Linv = np.zeros((p, p))
    for j in range(p):
        Linv[j, j] = 1.0 / L[j, j]
        for i in range(j + 1, p):
            acc = 0.0
            for k in range(j, i):
                acc += L[i, k] * Linv[k, j]
            Linv[i, j] = -acc / L[i, i]
    out = np.empty((p, p))
    for a in range(p):
        for b in range(a + 1):
            acc = 0.0
            for k in range(a, p):
                acc += Linv[k, a] * Linv[k, b]
            out[a, b] = acc
            out[b, a] = acc
    return True, logdet, out


@njit(cache=True)
def _penalized(data, beta, efron, pen, U, info, C, scale):
    """Penalized loglik at beta; fills U, info. Returns (status, lpen, A)."""
    Xc, st, sp, ev, sg, o1, o2 = data
    A = np.zeros(info.shape)
    ll = evaluate(Xc, st, sp, ev, sg, o1, o2, beta, efron, A, False, U, info, C)
    if not np.isfinite(ll):
        return _NOT_FINITE, -np.inf, A
    ok, logdet, A = chol_inv(info, scale)
    if not ok:
        return _SINGULAR, -np.inf, A
    return _CONVERGED, ll + pen * logdet, A


@njit(cache=True)
def _modified_score(data, beta, efron, pen, A, U, info, C):
    """U* = U + pen * tr(A dI/db) at beta (A = info(beta)^{-1})."""
    if pen == 0.0:
        return U.copy()
    Xc, st, sp, ev, sg, o1, o2 = data
    evaluate(Xc, st, sp, ev, sg, o1, o2, beta, efron, A, True, U, info, C)
    return U + pen * C


@njit(cache=True)
def penalized_score(data, sd, beta, efron, pen):
    """Penalized loglik, modified score and information at ``beta``.

    Returns ``(status, lpen, ustar, info)``; ``status`` is non-zero when the
    information is singular or the loglik is not finite.
    """
    p = beta.size
    n_ev = 0
    for e in data[3]:
        n_ev += e
    U = np.zeros(p)
    info = np.zeros((p, p))
    C = np.zeros(p)
    status, lpen, A = _penalized(data, beta, efron, pen, U, info, C, sd**2 * max(n_ev, 1))
    if status != _CONVERGED:
        return status, lpen, U, info
    return status, lpen, _modified_score(data, beta, efron, pen, A, U, info, C), info


@njit(cache=True)
def _direction(info, Ustar, free, scale):
    """Newton direction I_ff^{-1} U*_f on the free coordinates (0 elsewhere)."""
    fi = np.nonzero(free)[0]
    sub = info[fi][:, fi]
    ok, _, Ainv = chol_inv(sub, scale[fi])
    delta = np.zeros(info.shape[0])
    if not ok:
        return False, delta
    delta[fi] = Ainv @ Ustar[fi]
    return True, delta


@njit(cache=True)
def _line_search(data, beta, delta, lpen, ustar, efron, pen, scale, max_halving):
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
        code, l_new, A = _penalized(data, trial, efron, pen, U, info, C, scale)
        if code == _CONVERGED and l_new >= lpen - 1e-11 * (1.0 + abs(lpen)):
            ok = True
            break
        delta = 0.5 * delta
    if not ok:
        return False, beta, lpen, ustar, info  # the caller keeps its own info
    u_new = _modified_score(data, trial, efron, pen, A, U, info, C)
    # Scoring with I overshoots when the penalty's curvature is large (it
    # oscillates forever on the two-subject data): when the slope along the
    # step changes sign markedly, move to the secant root along the step.
    g0 = (ustar * delta).sum()
    g1 = (u_new * delta).sum()
    if g0 > 0.0 and g1 < -0.25 * g0:
        sec = beta + delta * (g0 / (g0 - g1))
        U3 = np.zeros(p)
        info3 = np.zeros((p, p))
        code, l3, A3 = _penalized(data, sec, efron, pen, U3, info3, C, scale)
        if code == _CONVERGED and l3 >= l_new - 1e-11 * (1.0 + abs(l_new)):
            return True, sec, l3, _modified_score(data, sec, efron, pen, A3, U3, info3, C), info3
    return True, trial, l_new, u_new, info


@njit(cache=True)
def newton(data, sd, beta0, free, efron, pen, max_iter, tol, gtol, max_step, max_halving):
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
    status, lpen, A = _penalized(data, beta, efron, pen, U, info, C, scale)
    if status != _CONVERGED:
        return beta, lpen, info, 0, status
    ustar = _modified_score(data, beta, efron, pen, A, U, info, C)
    for it in range(max_iter + 1):
        ok, delta = _direction(info, ustar, free, scale)
        if not ok:
            return beta, lpen, info, it, _SINGULAR
        gmax = 0.0
        for a in range(p):
            if free[a]:
                gmax = max(gmax, abs(ustar[a]) / sd[a])
        if np.abs(delta).max() <= tol and gmax <= gtol:
            return beta, lpen, info, it, _CONVERGED
        if it == max_iter:
            break
        big = (np.abs(delta) * sd).max()
        if big > max_step:
            delta *= max_step / big
        ok, b2, l2, u2, info2 = _line_search(
            data, beta, delta, lpen, ustar, efron, pen, scale, max_halving
        )
        if not ok:
            return beta, lpen, info, it, _STEP_FAILED
        beta, lpen, ustar, info = b2, l2, u2, info2
    return beta, lpen, info, max_iter, _MAX_ITER


@njit(cache=True)
def fit_batch(
    X, start, stop, event, stratum, mask, efron, pen, max_iter, tol, gtol, max_step, max_halving
):
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
        Xc, st, sp, ev, sg, o1, o2, sd, n_ev = prepare(
            X[r], start[r], stop[r], event[r], stratum[r], mask[r]
        )
        if n_ev == 0:
            status[r] = _NO_EVENTS
            continue
        if p > 0 and not (sd > 0.0).all():
            status[r] = _SINGULAR
            continue
        data = (Xc, st, sp, ev, sg, o1, o2)
        b0 = np.zeros(p)
        U = np.zeros(p)
        info0 = np.zeros((p, p))
        C = np.zeros(p)
        _, lnull[r], _ = _penalized(data, b0, efron, pen, U, info0, C, sd**2 * n_ev)
        b, lp, inf_, it, code = newton(
            data, sd, b0, free, efron, pen, max_iter, tol, gtol, max_step, max_halving
        )
        beta[r] = b
        lpen[r] = lp
        info[r] = inf_
        n_iter[r] = it
        status[r] = code
    return beta, lpen, lnull, info, n_iter, status
