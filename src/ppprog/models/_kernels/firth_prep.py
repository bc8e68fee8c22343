"""Per-replicate preparation for the Firth-penalized Cox kernels.

One replicate is prepared once, whatever the number of likelihood
evaluations that follow (Newton iterations, constrained refits of profile
bounds): its valid rows are ordered by (stratum, stop), its covariates centred
at their mean, and each row's products up to third order are stored as
the row-products matrix ``Z = [x, x x' (upper triangle), x x x (j <= k <= l)]``,
so that one evaluation accumulates the risk-set sums of the first, second and
third moments with one contiguous multiply-add loop per row (see
:mod:`ppprog.models._kernels.firth_eval`).

The ordering is the Cox kernels' stable radix sort by (stratum, stop)
(:mod:`ppprog.models._kernels.cox_sort`): rows with equal stop keep their
input order.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

from ppprog.models._kernels.cox_sort import sort_order_into

__all__ = ["prepare", "prepare_into", "moment_maps", "pair_column", "workspace", "n_columns"]

@njit(cache=True, error_model="numpy")
def n_columns(p: int) -> tuple[int, int, int]:
    """Numbers of pair and triple columns, and all columns of ``Z``."""
    q2 = p * (p + 1) // 2
    q3 = p * (p + 1) * (p + 2) // 6
    return q2, q3, p + q2 + q3


@njit(cache=True, error_model="numpy")
def _order(stop: np.ndarray, strata: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Indices of the valid rows ordered by (stratum, stop), stable.

    The Cox kernels' per-replicate sort (:func:`~ppprog.models._kernels.cox_sort.sort_order_into`),
    so Newton, Firth and the profile fits order a replicate the same way.
    """
    n = stop.shape[0]
    has_strata = False
    first = True
    s0 = 0
    for i in range(n):
        if mask[i]:
            if first:
                s0 = strata[i]
                first = False
            elif strata[i] != s0:
                has_strata = True
                break
    out = np.empty(n, np.int64)
    m = sort_order_into(stop, strata, mask, has_strata, out)
    return out[:m].copy()


@njit(cache=True, error_model="numpy", inline="always")
def pair_column(j: int, k: int, p: int) -> int:
    """Column of ``x_j x_k`` (``j <= k``) within the pair block: ``moment_maps(p)[0][j, k]``.

    Arithmetic on the indices, so that loops over ``j <= k`` with a
    compile-time ``p`` unroll into straight-line code with constant offsets.
    """
    return j * p - j * (j - 1) // 2 + k - j


@njit(cache=True, error_model="numpy")
def moment_maps(p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column maps of the pair and triple blocks of ``Z``.

    Returns ``(pair, tri, full)``: ``pair[j, k]`` is the pair column (within
    the pair block) of ``x_j x_k``; ``tri[u] = (j, k, l)`` lists the triples
    ``j <= k <= l`` in column order; ``full[r, s, t]`` is the triple column of
    ``x_r x_s x_t`` for any order of the indices.
    """
    q2, q3, _ = n_columns(p)
    pair = np.empty((p, p), np.int64)
    t = 0
    for j in range(p):
        for k in range(j, p):
            pair[j, k] = t
            pair[k, j] = t
            t += 1
    tri = np.empty((q3, 3), np.int64)
    full = np.empty((p, p, p), np.int64)
    u = 0
    for j in range(p):
        for k in range(j, p):
            for el in range(k, p):
                tri[u, 0], tri[u, 1], tri[u, 2] = j, k, el
                for a, b, c in ((j, k, el), (j, el, k), (k, j, el), (k, el, j), (el, j, k),
                                (el, k, j)):  # fmt: skip
                    full[a, b, c] = u
                u += 1
    return pair, tri, full


@njit(cache=True, error_model="numpy")
def _products(Xs: np.ndarray, Z: np.ndarray, p: int) -> None:
    """Row products ``[x, x x' (j <= k), x x x (j <= k <= l)]`` of ``Xs`` into ``Z``."""
    for i in range(Xs.shape[0]):
        t = p
        for j in range(p):
            Z[i, j] = Xs[i, j]
            for k in range(j, p):
                Z[i, t] = Xs[i, j] * Xs[i, k]
                t += 1
        for j in range(p):
            for k in range(j, p):
                xjk = Xs[i, j] * Xs[i, k]
                for el in range(k, p):
                    Z[i, t] = xjk * Xs[i, el]
                    t += 1


@njit(cache=True, error_model="numpy")
def prepare(
    X: np.ndarray,
    start: np.ndarray,
    stop: np.ndarray,
    event: np.ndarray,
    stratum: np.ndarray,
    mask: np.ndarray,
) -> tuple[Any, ...]:
    """Sort, centre and expand one replicate (see :func:`prepare_into`)."""
    return prepare_into(X, start, stop, event, stratum, mask,
                        np.empty((0, n_columns(X.shape[1])[2])))  # fmt: skip


@njit(cache=True, error_model="numpy")
def prepare_into(  # noqa: C901 (one pass per row)
    X: np.ndarray,
    start: np.ndarray,
    stop: np.ndarray,
    event: np.ndarray,
    stratum: np.ndarray,
    mask: np.ndarray,
    zbuf: np.ndarray,
) -> tuple[Any, ...]:
    """Sort, centre and expand one replicate.

    Parameters
    ----------
    X : ndarray, shape (n, p)
    start, stop : ndarray, shape (n,)
        Interval ends; ``start = -inf`` (or any value below every stop) for
        rows at risk from the origin.
    event, mask : ndarray of bool, shape (n,)
    stratum : ndarray of int64, shape (n,)
    zbuf : ndarray, shape (>= m, q)
        Storage reused for ``Z`` when it has room for the valid rows (one
        buffer per batch spares an allocation per replicate); otherwise
        ``Z`` is allocated.

    Returns
    -------
    tuple
        ``(Xs, Z, stop_s, event_s, strata_s, start_s, sidx, sd, n_events)``:
        the first seven items are the data tuple of the other kernels (rows
        sorted by (stratum, stop), centred covariates ``Xs``, their products
        ``Z``; ``start_s`` and ``sidx``, the sorted rows ordered by (stratum,
        start), are empty without finite entry times); ``sd`` is each column's
        sample standard deviation (step scaling) and ``n_events`` the event count.
    """
    rows = _order(stop, stratum, mask)
    m = rows.shape[0]
    p = X.shape[1]
    q2, q3, q = n_columns(p)
    means = np.zeros(p)
    for i in range(m):
        for j in range(p):
            means[j] += X[rows[i], j]
    for j in range(p):
        means[j] /= max(m, 1)
    Xs = np.empty((m, p))
    Z = zbuf[:m] if zbuf.shape[0] >= m else np.empty((m, q))
    sd = np.zeros(p)
    sp = np.empty(m)
    ev = np.empty(m, np.bool_)
    sg = np.empty(m, np.int64)
    has_start = False
    n_ev = 0
    for i in range(m):
        r = rows[i]
        sp[i] = stop[r]
        ev[i] = event[r]
        n_ev += event[r]
        sg[i] = stratum[r]
        has_start = has_start or np.isfinite(start[r])
        for j in range(p):
            v = X[r, j] - means[j]
            Xs[i, j] = v
            sd[j] += v * v
    if p == 1:  # literal p: the product loops are unrolled
        _products(Xs, Z, 1)
    elif p == 2:
        _products(Xs, Z, 2)
    elif p == 3:
        _products(Xs, Z, 3)
    else:
        _products(Xs, Z, p)
    for j in range(p):
        sd[j] = np.sqrt(sd[j] / (m - 1.0)) if m > 1 else 0.0
    if has_start:
        st = np.empty(m)
        for i in range(m):
            st[i] = start[rows[i]]
        sidx = _order(st, sg, np.ones(m, np.bool_))
    else:
        st = np.empty(0)
        sidx = np.empty(0, np.int64)
    return Xs, Z, sp, ev, sg, st, sidx, sd, n_ev


@njit(cache=True, error_model="numpy")
def workspace(n: int, p: int) -> tuple[Any, ...]:
    """Work arrays for evaluations on up to ``n`` rows with ``p`` covariates.

    Allocated once per replicate (or per batch) and reused by every
    evaluation; the layout is private to :mod:`ppprog.models._kernels.firth_eval`.
    """
    q2, q3, q = n_columns(p)
    full = moment_maps(p)[2]
    return (
        np.empty(n), np.empty(n), np.empty(n, np.bool_), np.empty((3, q)), np.empty(p),
        np.empty(q2), np.empty(q3), np.empty((p, p)), full, np.empty(n, np.int64),
        np.empty(n), np.empty(n), np.empty(n),
    )  # fmt: skip
