"""Fine-Gray kernels: cmprsk ``crr`` estimating equations and R ``finegray`` weighting.

Pure numpy/numba on arrays; no pandas and no ppprog layers above ``_core``.
Input codes are ``0`` censored, ``1`` the cause of interest, ``2`` any
competing cause.

``crr`` (Fine & Gray 1999, as ``cmprsk::crr``): at a cause-1 time ``t`` the
risk set holds everyone still under observation (``T_j >= t``) with weight
1 and everyone who failed from a competing cause before ``t`` with weight
``G(t-) / G(T_j-)``, ``G`` the Kaplan-Meier estimate of the censoring
distribution (censorings are its events; exits of any kind at a censoring
time stay at risk, R's ``survfit`` convention). Ties are handled as Breslow.
Every risk-set sum is a prefix or suffix sum over the time-sorted subjects,
so one evaluation costs O(n p^2). The variance is the sandwich
``I^-1 (sum (eta_i + psi_i)^{x2}) I^-1`` with ``psi`` the term for the
estimated ``G``.

``finegray`` (survival): the data are expanded into counting-process rows
whose case weights carry ``G(t-) / G(T_j-)`` piecewise over the censoring
intervals, then fitted by weighted Cox partial likelihood
(:mod:`ppprog.models._kernels.wcox`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ppprog._core.typing import FloatArray, IntArray

__all__ = [
    "censor_km_left",
    "CrrTerms",
    "crr_terms",
    "CrrFit",
    "crr_fit",
    "crr_sandwich",
    "finegray_rows",
]

# Mirrors ppprog.models.status.FitStatus (kernels import nothing above _core).
CONVERGED, MAX_ITER, HALVING_FAILED, SINGULAR, NO_EVENTS = 0, 2, 3, 4, 5


def censor_km_left(time: FloatArray, status: IntArray) -> FloatArray:
    """``G(T_i-)``: Kaplan-Meier of the censoring times just before each time.

    Parameters
    ----------
    time : ndarray of float, shape (n,)
    status : ndarray of int, shape (n,)
        ``0`` marks a censoring (an event of ``G``).

    Returns
    -------
    ndarray of float, shape (n,)
    """
    u, inv = np.unique(time, return_inverse=True)
    n_risk = time.size - np.searchsorted(np.sort(time), u, side="left")
    n_cens = np.bincount(inv, weights=(status == 0).astype(float), minlength=u.size)
    g_after = np.cumprod(1.0 - n_cens / n_risk)
    g_before = np.concatenate(([1.0], g_after[:-1]))
    return np.asarray(g_before[inv], dtype=np.float64)


def _prefix(a: np.ndarray) -> np.ndarray:  # cumulative sums along axis 0, leading zero row
    return np.concatenate((np.zeros((1,) + a.shape[1:]), np.cumsum(a, axis=0)))


@dataclass(frozen=True)
class CrrTerms:
    """Risk-set sums of the crr equations at one ``beta`` (time-sorted data)."""

    neg_loglik: float
    score: FloatArray  # (p,) gradient of the negative log-likelihood
    info: FloatArray  # (p, p)
    utime: FloatArray  # (D,) distinct cause-1 times
    n_event: FloatArray  # (D,)
    g_left: FloatArray  # (D,) G(t-)
    s0: FloatArray  # (D,)
    mean: FloatArray  # (D, p) E(beta, t)


def crr_terms(
    beta: FloatArray, X: FloatArray, time: FloatArray, status: IntArray, g_left: FloatArray
) -> CrrTerms:
    """Negative log pseudo-likelihood, its gradient and Hessian (``crrfsv``).

    Parameters
    ----------
    beta : ndarray, shape (p,)
    X : ndarray, shape (n, p)
        Covariates, rows sorted by ``time``.
    time : ndarray, shape (n,)
        Sorted exit times.
    status : ndarray of int, shape (n,)
        0 censored, 1 cause of interest, 2 competing cause.
    g_left : ndarray, shape (n,)
        ``G(T_i-)`` from :func:`censor_km_left`.

    Returns
    -------
    CrrTerms
    """
    eta = X @ beta
    r = np.exp(eta)
    xx = X[:, :, None] * X[:, None, :]
    comp = np.where(status == 2, r / g_left, 0.0)
    ev = status == 1
    ut, d = np.unique(time[ev], return_counts=True)
    pos = np.searchsorted(time, ut, side="left")
    gt = g_left[pos]
    # suffix sums over T_j >= t, prefix sums over competing T_j < t
    s0 = _prefix(r[::-1])[::-1][pos] + gt * _prefix(comp)[pos]
    s1 = _prefix((r[:, None] * X)[::-1])[::-1][pos] + gt[:, None] * _prefix(comp[:, None] * X)[pos]
    s2 = (
        _prefix((r[:, None, None] * xx)[::-1])[::-1][pos]
        + gt[:, None, None] * _prefix(comp[:, None, None] * xx)[pos]
    )
    mean = s1 / s0[:, None]
    df = d.astype(np.float64)
    neg = -float(eta[ev].sum()) + float(np.sum(df * np.log(s0)))
    score = -X[ev].sum(axis=0) + df @ mean
    info = np.einsum("d,dij->ij", df / s0, s2) - np.einsum("d,di,dj->ij", df, mean, mean)
    return CrrTerms(neg, score, info, ut, df, gt, s0, mean)


@dataclass(frozen=True)
class CrrFit:
    """Outcome of :func:`crr_fit`."""

    beta: FloatArray
    terms: CrrTerms
    n_iter: int
    status: int


def crr_fit(
    X: FloatArray,
    time: FloatArray,
    status: IntArray,
    g_left: FloatArray,
    *,
    init: FloatArray | None = None,
    gtol: float = 1e-6,
    max_iter: int = 10,
) -> CrrFit:
    """Newton-Raphson with backtracking exactly as ``cmprsk::crr`` iterates.

    Starting from ``init`` (zeros), stop when
    ``max|score| * max(|beta|, 1) < max(|f|, 1) * gtol`` (``f`` the negative
    log pseudo-likelihood); a step is halved until
    ``f(new) <= f + 1e-4 * step . score``, at most 20 times.

    Returns
    -------
    CrrFit
        ``status`` 0 converged, 2 iteration limit, 3 halving failed, 4 singular, 5 no events.
    """
    p = X.shape[1]
    beta = np.zeros(p) if init is None else np.asarray(init, dtype=np.float64).copy()
    if not np.any(status == 1):
        return CrrFit(beta, crr_terms(beta, X, time, status, g_left), 0, NO_EVENTS)
    for it in range(max_iter + 1):
        tm = crr_terms(beta, X, time, status, g_left)
        if (
            np.max(np.abs(tm.score) * np.maximum(np.abs(beta), 1.0))
            < max(abs(tm.neg_loglik), 1.0) * gtol
        ):
            return CrrFit(beta, tm, it, CONVERGED)
        if it == max_iter:
            return CrrFit(beta, tm, it, MAX_ITER)
        try:
            step = -np.linalg.solve(tm.info, tm.score)
        except np.linalg.LinAlgError:
            return CrrFit(beta, tm, it, SINGULAR)
        for _ in range(21):
            new = crr_terms(beta + step, X, time, status, g_left).neg_loglik
            if np.isfinite(new) and new <= tm.neg_loglik + 1e-4 * float(step @ tm.score):
                break
            step = step * 0.5
        else:
            return CrrFit(beta, tm, it, HALVING_FAILED)
        beta = beta + step
    raise AssertionError("unreachable")  # pragma: no cover


def _suffix_from(a: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Sum of ``a[idx:]`` along axis 0 for each index (``idx`` may equal len)."""
    return (_prefix(a)[-1] - _prefix(a))[idx]


def crr_sandwich(
    beta: FloatArray, X: FloatArray, time: FloatArray, status: IntArray, g_left: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The crr sandwich variance and its parts (``crrvv``).

    Returns
    -------
    vcov : ndarray, shape (p, p)
        ``I^-1 B I^-1``.
    info : ndarray, shape (p, p)
        ``I``, the Hessian of the negative log pseudo-likelihood.
    resid : ndarray, shape (n, p)
        ``eta_i + psi_i`` per subject, whose cross-product is ``B``.
    """
    tm = crr_terms(beta, X, time, status, g_left)
    r = np.exp(X @ beta)
    w = tm.n_event / tm.s0  # hazard jumps
    wg = w * tm.g_left
    ut = tm.utime
    # eta: dN part, minus the integrated compensator over the (weighted) risk set
    ix_le = np.searchsorted(ut, time, side="right")  # events with t <= T_i
    a0, a1 = _prefix(w)[ix_le], _prefix(w[:, None] * tm.mean)[ix_le]
    k0, k1 = _suffix_from(wg, ix_le), _suffix_from(wg[:, None] * tm.mean, ix_le)
    own = np.searchsorted(ut, time, side="left").clip(max=max(ut.size - 1, 0))
    ev = (status == 1)[:, None]
    eta = np.where(ev, X - tm.mean[own], 0.0) - r[:, None] * (X * a0[:, None] - a1)
    comp = (status == 2)[:, None]
    eta -= np.where(comp, (r / g_left)[:, None] * (X * k0[:, None] - k1), 0.0)
    # psi: the censoring martingale term, q(u) at each censoring time u = T_i
    cw = np.where(status == 2, r / g_left, 0.0)
    first = np.searchsorted(time, time, side="left")  # first subject with T >= T_i
    m0, m1 = _prefix(cw)[first], _prefix(cw[:, None] * X)[first]
    ix_ge = np.searchsorted(ut, time, side="left")  # events with t >= T_i
    q = m1 * _suffix_from(wg, ix_ge)[:, None] - m0[:, None] * _suffix_from(
        wg[:, None] * tm.mean, ix_ge
    )
    n_at = (time.size - first).astype(np.float64)
    cens = status == 0
    drop = np.where(cens[:, None], q / (n_at**2)[:, None], 0.0)
    last = np.searchsorted(time, time, side="right")  # censored with T_j <= T_i
    psi = np.where(cens[:, None], q / n_at[:, None], 0.0) - _prefix(drop)[last]
    resid = eta + psi
    inv = np.linalg.inv(tm.info)
    return inv @ (resid.T @ resid) @ inv, tm.info, resid


def finegray_rows(
    time: FloatArray, status: IntArray
) -> tuple[IntArray, FloatArray, FloatArray, IntArray, FloatArray]:
    """Counting-process rows and weights of R ``survival::finegray``.

    Parameters
    ----------
    time : ndarray of float, shape (n,)
        Exit times.
    status : ndarray of int, shape (n,)
        0 censored, 1 cause of interest, 2 competing cause.

    Returns
    -------
    row, start, stop, event, weight : ndarray
        Source row of each output row, its ``(start, stop]``, 1 for the
        cause of interest, and the case weight ``G(t-)/G(T_i-)`` (1 on a
        subject's own follow-up). As R: censorings tied with an exit follow
        it; only censoring intervals holding a cause-1 time get a row.
    """
    n = time.size
    zero = 0.0 if time.min() > 0 else 2.0 * float(time.min()) - 1.0
    u, inv = np.unique(time, return_inverse=True)
    n_cens = np.bincount(inv, weights=(status == 0).astype(np.float64), minlength=u.size)
    # at risk at a censoring time: later exits plus those censored then
    n_risk = (n - np.searchsorted(np.sort(time), u, side="right")) + n_cens
    drops = n_cens > 0
    ctime = u[drops]
    cprob = np.cumprod(1.0 - n_cens[drops] / n_risk[drops])
    ct2 = np.concatenate((ctime, [time.max()]))
    cp2 = np.concatenate(([1.0], cprob))
    ev_times = np.unique(time[status == 1])
    keep = np.zeros(ct2.size + 1, dtype=bool)
    keep[0] = True
    keep[np.searchsorted(ct2, ev_times, side="left")] = True  # the interval ending at ct2[k]
    out: list[tuple[int, float, float, int, float]] = []
    for i in range(n):
        if status[i] != 2:
            out.append((i, zero, float(time[i]), int(status[i] == 1), 1.0))
            continue
        j = int(np.searchsorted(ct2, time[i], side="left"))
        out.append((i, zero, float(ct2[j]), 0, 1.0))
        out.extend(
            (i, float(ct2[jj - 1]), float(ct2[jj]), 0, float(cp2[jj] / cp2[j]))
            for jj in range(j + 1, ct2.size)
            if keep[jj]
        )
    cols = list(zip(*out))
    return (
        np.asarray(cols[0], dtype=np.int64),
        np.asarray(cols[1], dtype=np.float64),
        np.asarray(cols[2], dtype=np.float64),
        np.asarray(cols[3], dtype=np.int64),
        np.asarray(cols[4], dtype=np.float64),
    )
