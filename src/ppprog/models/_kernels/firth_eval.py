"""Firth-penalized Cox partial likelihood on the shared Cox design and sweep.

The penalized log partial likelihood is ``l*(b) = l(b) + w log|I(b)|`` with
``w = 1/2`` (Firth 1993; Heinze & Schemper 2001), and its gradient is the
modified score ``U*_r = U_r + w tr(I^{-1} dI/db_r)``.

There is no Firth-specific data preparation or likelihood pass: a replicate is
sorted and centred by :func:`~ppprog.models._kernels.design.sort_replicate`
(the same step as the ordinary Newton fit), and ``l``, ``U``, ``I`` and the
penalty derivative all come from one backward sweep of
:func:`~ppprog.models._kernels.cox_lik.eval_work` over the same risk-set sums.

Derivative used for the penalty
-------------------------------
Both tie methods use the **exact** derivative of the information matrix that
enters the penalty. At an event time with risk set R and tied events D (d of
them), Breslow uses one weighted risk set with weights ``exp(eta_i)`` counted d
times; Efron uses d risk sets k = 0..d-1 with weights ``c_ik exp(eta_i)``,
``c_ik = 1 - k/d`` for i in D and 1 otherwise. In both cases each term of ``I``
is the weighted covariance ``V`` of x over such a set, and since the weights
``c_ik`` do not depend on b, ``dV_st/db_r`` is exactly the weighted third
central moment ``E[(x_s-m_s)(x_t-m_t)(x_r-m_r)]``. Contracting it with
``A = I^{-1}`` gives, per set, with ``q_i = x_i' A x_i``,
``E[q x_r] - E[q] m_r - 2 (V A m)_r``. The sweep obtains ``E[q]`` and
``E[q x]`` by summing ``1 + p`` extra columns ``[q, q x]`` of the design's
row products ``Z`` over the same risk sets.

Data are per replicate: rows with ``mask`` False are left out; a row is at
risk at t iff ``start < t <= stop`` within its stratum (R survival's
convention). Covariates are centred per replicate (the partial likelihood,
information and penalty are invariant to the shift); coefficients stay on the
original scale.

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
from ppprog.models._kernels.cox_lik import build_z, eval_work
from ppprog.models._kernels.design import sort_replicate
from ppprog.models._kernels.linalg import chol_inv

__all__ = ["prepare", "evaluate", "penalized", "modified_score", "penalized_score", "chol_inv"]


@njit(cache=True, error_model="numpy")
def _flags(start: np.ndarray, strata: np.ndarray, mask: np.ndarray) -> tuple[bool, bool]:
    """Whether the valid rows have finite entry times, and more than one stratum."""
    has_start = False
    has_strata = False
    first = -1
    for i in range(mask.shape[0]):
        if mask[i]:
            has_start = has_start or np.isfinite(start[i])
            if first < 0:
                first = strata[i]
            elif strata[i] != first:
                has_strata = True
    return has_start, has_strata


@njit(cache=True, error_model="numpy")
def prepare(
    X: np.ndarray,
    start: np.ndarray,
    stop: np.ndarray,
    event: np.ndarray,
    stratum: np.ndarray,
    mask: np.ndarray,
) -> tuple[Any, ...]:
    """Sort, centre and expand one replicate with the shared design step.

    Parameters
    ----------
    X : ndarray, shape (n, p)
    start, stop : ndarray, shape (n,)
        Interval ends; ``start = -inf`` (or any value below every stop) for
        rows at risk from the origin.
    event, mask : ndarray of bool, shape (n,)
    stratum : ndarray of int64, shape (n,)

    Returns
    -------
    tuple
        ``(Xs, Z, stop_s, event_s, strata_s, start_s, sidx, sd, n_events)``:
        the first seven items are the data tuple of the other kernels
        (:func:`~ppprog.models._kernels.design.sort_replicate`'s sorted rows,
        with ``Z`` the row products of :func:`~ppprog.models._kernels.cox_lik.build_z`
        plus ``1 + p`` columns for the penalty); ``sd`` is each column's sample
        standard deviation (step scaling) and ``n_events`` the event count.
    """
    has_start, has_strata = _flags(start, stratum, mask)
    Xs, sp, ev, sg, st, sidx, _, sd_pop = sort_replicate(
        X, stop, start, event, stratum, mask, has_start, has_strata
    )
    m, p = Xs.shape
    base = build_z(Xs)
    qb = base.shape[1]
    Z = np.zeros((m, qb + 1 + p))
    Z[:, :qb] = base
    sd = np.zeros(p)
    if m > 1:
        sd = sd_pop * np.sqrt(m / (m - 1.0))
    n_ev = 0
    for i in range(m):
        n_ev += ev[i]
    return Xs, Z, sp, ev, sg, st, sidx, sd, n_ev


@njit(cache=True, error_model="numpy")
def evaluate(
    data: tuple[Any, ...],
    beta: np.ndarray,
    efron: bool,
    A: np.ndarray,
    corr: bool,
    U: np.ndarray,
    info: np.ndarray,
    C: np.ndarray,
) -> float:
    """One sweep: return the log partial likelihood; fill ``U``, ``info`` (and ``C``).

    ``C`` receives ``tr(A dI/db_r)`` when ``corr`` (``A`` must then be
    ``info(beta)^{-1}``).
    """
    Xs, Z, sp, ev, sg, st, sidx = data
    m, p = Xs.shape
    qb = p + p * (p + 1) // 2
    q = qb
    if corr:
        q = qb + 1 + p
        for i in range(m):
            acc = 0.0
            for a in range(p):
                for b in range(p):
                    acc += Xs[i, a] * A[a, b] * Xs[i, b]
            Z[i, qb] = acc
            for a in range(p):
                Z[i, qb + 1 + a] = acc * Xs[i, a]
    return eval_work(
        Z, p, q, sp, ev, sg, st, sidx, st.shape[0] > 0, efron, beta, True, U, info,
        np.empty(m), np.empty(m), np.empty(m, np.bool_), np.empty((2, Z.shape[1])), np.empty(p),
        corr, A, C, np.empty((p, p)), np.empty(p),
    )  # fmt: skip


@njit(cache=True, error_model="numpy")
def penalized(
    data: tuple[Any, ...],
    beta: np.ndarray,
    efron: bool,
    pen: float,
    U: np.ndarray,
    info: np.ndarray,
    C: np.ndarray,
    scale: np.ndarray,
) -> tuple[int, float, np.ndarray]:
    """Penalized loglik at beta; fills U, info. Returns ``(status, lpen, A)``."""
    ll = evaluate(data, beta, efron, np.empty((0, 0)), False, U, info, C)
    if not np.isfinite(ll):
        return NOT_FINITE, -np.inf, np.zeros(info.shape)
    ok, logdet, A = chol_inv(info, scale)
    if not ok:
        return SINGULAR, -np.inf, A
    return CONVERGED, ll + pen * logdet, A


@njit(cache=True, error_model="numpy")
def modified_score(
    data: tuple[Any, ...],
    beta: np.ndarray,
    efron: bool,
    pen: float,
    A: np.ndarray,
    U: np.ndarray,
    info: np.ndarray,
    C: np.ndarray,
) -> np.ndarray:
    """``U* = U + pen * tr(A dI/db)`` at beta (``A = info(beta)^{-1}``)."""
    if pen == 0.0:
        return U.copy()
    evaluate(data, beta, efron, A, True, U, info, C)
    return U + pen * C


@njit(cache=True, error_model="numpy")
def penalized_score(
    data: tuple[Any, ...], sd: np.ndarray, beta: np.ndarray, efron: bool, pen: float
) -> tuple[int, float, np.ndarray, np.ndarray]:
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
    status, lpen, A = penalized(data, beta, efron, pen, U, info, C, sd**2 * max(n_ev, 1))
    if status != CONVERGED:
        return status, lpen, U, info
    return status, lpen, modified_score(data, beta, efron, pen, A, U, info, C), info
