"""Exact inversion of piecewise-modulated cumulative hazards (numeric kernel).

Pure numpy on arrays; no pandas, no ppprog layers. Every function works on a
leading batch shape ``S`` (typically ``(R, n)``: replicate x subject) and never
reduces across it, so chunking replicates cannot change a single bit.

The hazard of one subject is a baseline hazard ``h0`` modulated by a step
function: on the interval ``[b_k, b_{k+1})`` (``b_0 = 0``, ``b_{K+1} = inf``)
it is ``h(t) = h0(t) * exp(eta_k)``. Its cumulative hazard is therefore

    H(t) = sum_k exp(eta_k) * (H0(min(t, b_{k+1})) - H0(b_k))   for b_k < t,

which is continuous and piecewise a rescaled ``H0``. A target ``E ~ Exp(1)``
is inverted exactly: find the segment ``k`` whose cumulative range contains
``E``, then ``t = H0^{-1}(H0(b_k) + (E - H(b_k)) / exp(eta_k))``. No time grid
is involved; the only error is floating-point rounding of ``H0`` and its
inverse.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numba import njit
from numpy.typing import NDArray

__all__ = [
    "segment_cumhaz",
    "invert_piecewise",
    "cumhaz_piecewise",
    "cumhaz_at",
    "mean_survival",
    "invert_monotone",
]

Array = NDArray[np.float64]
CumHaz = Callable[[Array], Array]


_CAP = 1e250  # stands in for an infinite cumulative hazard so differences stay finite


def segment_cumhaz(
    breaks: Array, log_mult: Array, cumhaz: CumHaz
) -> tuple[Array, Array, Array, Array]:
    """Per-segment baseline and modulated cumulative hazards.

    Parameters
    ----------
    breaks : ndarray, shape (..., K)
        Sorted (non-decreasing) change times; ``inf`` pads unused slots.
    log_mult : ndarray, shape (..., K + 1)
        Log hazard multiplier on each segment.
    cumhaz : callable
        Vectorized baseline cumulative hazard ``H0``; must accept ``inf``.

    Returns
    -------
    h_left : ndarray, shape (..., K + 1)
        ``H0`` at each segment's left edge (infinite values capped at 1e250).
    mult : ndarray, shape (..., K + 1)
        ``exp(log_mult)``.
    before : ndarray, shape (..., K + 1)
        Modulated cumulative hazard accumulated before each segment.
    after : ndarray, shape (..., K + 1)
        Modulated cumulative hazard at each segment's right edge.
    """
    shape = breaks.shape[:-1] + (1,)
    h_inf = min(float(cumhaz(np.array([np.inf]))[0]), _CAP)
    h_b = np.minimum(cumhaz(breaks), _CAP)
    h_edges = np.concatenate([np.zeros(shape), h_b, np.full(shape, h_inf)], axis=-1)
    width = np.diff(h_edges, axis=-1)  # >= 0 and finite; empty segments give 0
    mult = np.exp(log_mult)
    inc = mult * width
    after = np.cumsum(inc, axis=-1)
    before = np.concatenate([np.zeros(shape), after[..., :-1]], axis=-1)
    return h_edges[..., :-1], mult, before, after


def invert_piecewise(
    target: Array,
    breaks: Array,
    log_mult: Array,
    cumhaz: CumHaz,
    inverse: CumHaz,
) -> Array:
    """Solve ``H(t) = target`` exactly for a step-modulated baseline hazard.

    Parameters
    ----------
    target : ndarray, shape (...)
        Cumulative-hazard targets (``-log U`` for ``U ~ Uniform(0, 1)``);
        ``inf`` gives ``inf``.
    breaks : ndarray, shape (..., K)
        Sorted change times of the modulating step function, ``inf``-padded.
    log_mult : ndarray, shape (..., K + 1)
        Log multiplier on each segment.
    cumhaz, inverse : callable
        Vectorized ``H0`` and its inverse ``H0^{-1}``; ``H0`` must accept
        ``inf`` and ``H0^{-1}`` must return ``inf`` beyond ``H0(inf)``.

    Returns
    -------
    ndarray, shape (...)
        Event times; ``inf`` where the total cumulative hazard never reaches
        the target (a zero final multiplier or a bounded ``H0``).

    Notes
    -----
    ``H0``, its inverse and ``exp`` run once each over the whole batch (numpy);
    the bookkeeping between them (segment sums, the segment of each target,
    clamping to it) is one compiled loop per subject, with the same operations
    in the same order as the array expressions of :func:`segment_cumhaz`, so
    the times are those of the array version to the last bit.
    """
    target = np.asarray(target, dtype=np.float64)
    shape = target.shape
    nb = breaks.shape[-1]
    size = int(np.prod(breaks.shape[:-1]))
    b2 = np.ascontiguousarray(breaks, dtype=np.float64).reshape(size, nb)
    h_inf = min(float(cumhaz(np.array([np.inf]))[0]), _CAP)
    h_b = np.ascontiguousarray(np.minimum(cumhaz(b2), _CAP))
    log_mult = np.broadcast_to(log_mult, breaks.shape[:-1] + (nb + 1,))
    mult = np.ascontiguousarray(np.exp(log_mult), dtype=np.float64).reshape(size, nb + 1)
    arg, seg = _segment_arguments(np.ascontiguousarray(target).reshape(size), h_b, h_inf, mult)
    t = np.asarray(inverse(arg), dtype=np.float64)
    return _clamp_to_segment(np.ascontiguousarray(t), b2, seg).reshape(shape)


@njit(cache=True, error_model="numpy")
def _segment_arguments(
    target: Array, h_b: Array, h_inf: float, mult: Array
) -> tuple[Array, NDArray[np.int64]]:
    """Per subject: the ``H0`` argument of its target and its segment (-1: never reached)."""
    s, nseg = mult.shape
    arg = np.empty(s)
    seg = np.empty(s, np.int64)
    h_left = np.empty(nseg)
    before = np.empty(nseg)
    for i in range(s):
        after = 0.0
        count = 0
        x = target[i]
        for k in range(nseg):
            lo = 0.0 if k == 0 else h_b[i, k - 1]
            hi = h_inf if k == nseg - 1 else h_b[i, k]
            h_left[k] = lo
            before[k] = after
            after = after + mult[i, k] * (hi - lo)
            if after < x:
                count += 1
        if count >= nseg or not x < _CAP:
            arg[i] = 0.0
            seg[i] = -1
        else:
            arg[i] = h_left[count] + (x - before[count]) / mult[i, count]
            seg[i] = count
    return arg, seg


@njit(cache=True, error_model="numpy")
def _clamp_to_segment(t: Array, breaks: Array, seg: NDArray[np.int64]) -> Array:
    """Clamp each time to its segment (rounding can put it a few ulps outside); ``inf`` if never."""
    nb = breaks.shape[1]
    out = np.empty(t.shape[0])
    for i in range(t.shape[0]):
        k = seg[i]
        if k < 0:
            out[i] = np.inf
            continue
        lo = breaks[i, k - 1] if k > 0 else 0.0
        hi = breaks[i, k] if k < nb else np.inf
        v = t[i]  # comparisons, so that NaN stays NaN as with np.maximum / np.minimum
        if v < lo:
            v = lo
        if v > hi:
            v = hi
        out[i] = v
    return out


def cumhaz_piecewise(t: Array, breaks: Array, log_mult: Array, cumhaz: CumHaz) -> Array:
    """Modulated cumulative hazard ``H(t)`` at several times per subject.

    Parameters
    ----------
    t : ndarray, shape (T,)
        Evaluation times (non-negative, finite).
    breaks : ndarray, shape (..., K)
        Sorted change times, ``inf``-padded.
    log_mult : ndarray, shape (..., K + 1)
        Log multiplier on each segment.
    cumhaz : callable
        Vectorized baseline cumulative hazard.

    Returns
    -------
    ndarray, shape (..., T)
        ``H(t)`` for every subject and time.
    """
    t = np.asarray(t, dtype=np.float64)
    # segment index of each time: number of breaks <= t
    k = np.sum(breaks[..., None, :] <= t[:, None], axis=-1)  # (..., T)
    return _cumhaz_in_segment(k, cumhaz(t), breaks, log_mult, cumhaz)


def cumhaz_at(t: Array, breaks: Array, log_mult: Array, cumhaz: CumHaz) -> Array:
    """Modulated cumulative hazard at one time per subject.

    Parameters
    ----------
    t : ndarray, shape (...)
        One finite time per subject.
    breaks : ndarray, shape (..., K)
        Sorted change times, ``inf``-padded.
    log_mult : ndarray, shape (..., K + 1)
        Log multiplier on each segment.
    cumhaz : callable
        Vectorized baseline cumulative hazard.

    Returns
    -------
    ndarray, shape (...)
        ``H(t)``.
    """
    t = np.asarray(t, dtype=np.float64)
    k = np.sum(breaks <= t[..., None], axis=-1)[..., None]
    return _cumhaz_in_segment(k, cumhaz(t)[..., None], breaks, log_mult, cumhaz)[..., 0]


def _cumhaz_in_segment(
    k: NDArray[np.intp], h0t: Array, breaks: Array, log_mult: Array, cumhaz: CumHaz
) -> Array:
    """``H`` where segment ``k`` holds baseline cumulative hazard ``h0t``."""
    h_left, mult, before, _ = segment_cumhaz(breaks, log_mult, cumhaz)
    hl = np.take_along_axis(h_left, k, axis=-1)
    bef = np.take_along_axis(before, k, axis=-1)
    mk = np.take_along_axis(mult, k, axis=-1)
    return bef + mk * (h0t - hl)


@njit(cache=True)
def _mean_survival_kernel(
    t: Array, h0t: Array, breaks: Array, h_left: Array, before: Array, mult: Array, cure: Array
) -> tuple[Array, Array]:
    n, nseg = h_left.shape
    nt = t.size
    tot = np.zeros(nt)
    tot2 = np.zeros(nt)
    for i in range(n):
        k = 0
        for j in range(nt):  # t is sorted: the segment pointer only moves forward
            while k < nseg - 1 and breaks[i, k] <= t[j]:
                k += 1
            s = cure[i] + (1.0 - cure[i]) * np.exp(
                -(before[i, k] + mult[i, k] * (h0t[j] - h_left[i, k]))
            )
            tot[j] += s
            tot2[j] += s * s
    return tot, tot2


def mean_survival(
    t: Array, breaks: Array, log_mult: Array, cumhaz: CumHaz, cure: Array
) -> tuple[Array, Array]:
    """Average of ``c_i + (1 - c_i) * exp(-H_i(t))`` over subjects, with its standard error.

    A compiled loop over subjects and sorted times, so memory stays ``O(n + T)``.

    Parameters
    ----------
    t : ndarray, shape (T,)
        Finite times (any order).
    breaks : ndarray, shape (n, K)
        Sorted change times per subject, ``inf``-padded.
    log_mult : ndarray, shape (n, K + 1)
        Log multipliers.
    cumhaz : callable
        Vectorized baseline cumulative hazard.
    cure : ndarray, shape (n,)
        Probability of never having the event, per subject.

    Returns
    -------
    mean, se : ndarray, shape (T,)
        Mean survival and the standard error of that mean over subjects.
    """
    t = np.asarray(t, dtype=np.float64)
    order = np.argsort(t, kind="stable")
    ts = np.ascontiguousarray(t[order])
    h_left, mult, before, _ = segment_cumhaz(breaks, log_mult, cumhaz)
    tot, tot2 = _mean_survival_kernel(
        ts,
        np.asarray(cumhaz(ts), dtype=np.float64),
        np.ascontiguousarray(breaks, dtype=np.float64),
        np.ascontiguousarray(h_left),
        np.ascontiguousarray(before),
        np.ascontiguousarray(mult),
        np.ascontiguousarray(cure, dtype=np.float64),
    )
    n = breaks.shape[0]
    mean = np.empty_like(ts)
    se = np.empty_like(ts)
    mean[order] = tot / n
    se[order] = np.sqrt(np.maximum(tot2 / n - (tot / n) ** 2, 0.0) / n)
    return mean, se


def invert_monotone(
    cumhaz: CumHaz, y: Array, *, upper: float = 1.0, rtol: float = 1e-13, max_iter: int = 200
) -> Array:
    """Invert a non-decreasing cumulative hazard numerically (vectorized bisection).

    Used for user-supplied hazards without an inverse. The bracket starts at
    ``[0, upper]`` and doubles until ``H0(hi) >= y``; values of ``y`` that are
    never reached (``H0`` bounded below ``y``) return ``inf``.

    Parameters
    ----------
    cumhaz : callable
        Vectorized ``H0``, non-decreasing with ``H0(0) = 0``.
    y : ndarray
        Targets.
    upper : float, optional
        Initial upper bracket.
    rtol : float, optional
        Relative width of the final bracket.
    max_iter : int, optional
        Bisection steps (also caps the bracket doubling at 1100 steps).

    Returns
    -------
    ndarray
        ``t`` with ``H0(t) = y`` to the requested tolerance.
    """
    y = np.asarray(y, dtype=np.float64)
    lo = np.zeros_like(y)
    hi = np.full_like(y, upper)
    limit = cumhaz(np.array([np.inf]))[0]
    never = ~(y < limit)
    todo = ~never & (cumhaz(hi) < y)
    steps = 0
    while np.any(todo) and steps < 1100:
        lo = np.where(todo, hi, lo)
        hi = np.where(todo, hi * 2.0, hi)
        todo = todo & (cumhaz(hi) < y)
        steps += 1
    for _ in range(max_iter):
        mid = 0.5 * (lo + hi)
        go_up = cumhaz(mid) < y
        lo = np.where(go_up, mid, lo)
        hi = np.where(go_up, hi, mid)
        if np.all((hi - lo) <= rtol * np.maximum(hi, 1e-300)):
            break
    out = 0.5 * (lo + hi)
    out = np.where(y <= 0.0, 0.0, out)
    return np.where(never, np.inf, out)
