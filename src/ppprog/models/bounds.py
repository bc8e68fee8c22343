"""Bounds of imprecise event times: one convention for every interval-censored model.

A time known only to lie between two bounds is the pair ``(left, right)``
read as R's ``Surv(left, right, type = "interval2")`` reads it:

* ``left == right``: an exact time;
* ``left < right``: the interval ``(left, right]``;
* ``right`` missing (NaN) or ``inf``: right-censored at ``left``;
* ``left`` missing (NaN) or ``0``: left-censored, the event happened in
  ``(0, right]`` (times are positive, so "before ``right``" and
  ``(0, right]`` are the same set).

:func:`as_bounds` applies this convention once and returns float arrays with
``left = 0`` for left-censored and ``right = inf`` for right-censored rows.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ppprog._core.errors import ModelError
from ppprog._core.typing import FloatArray
from ppprog.models.survival_input import as_1d
from ppprog.tables.data import EVENT_OF_INTEREST, SurvivalData

__all__ = ["as_bounds", "bound_kinds", "bounds_of", "EXACT", "RIGHT", "LEFT", "INTERVAL"]

#: Kind codes returned by :func:`bound_kinds`.
EXACT, RIGHT, LEFT, INTERVAL = 0, 1, 2, 3


def as_bounds(left: ArrayLike, right: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Check and normalize the bounds of event times (see the module docstring).

    Parameters
    ----------
    left, right : array_like of float
        Lower and upper bounds of each time; NaN marks an open end.

    Returns
    -------
    left, right : numpy.ndarray of float
        ``left`` in ``[0, inf)``, ``right`` in ``(0, inf]``, ``left <= right``.

    Raises
    ------
    ModelError
        Lengths differ, a bound is negative, both bounds are missing, a left
        bound is infinite, a right bound is zero, or ``left > right``; the
        message names the first offending row.
    """
    lo, hi = as_1d(left, "left").copy(), as_1d(right, "right").copy()
    if lo.size != hi.size:
        raise ModelError(f"left has {lo.size} rows but right has {hi.size}")
    if lo.size == 0:
        raise ModelError("left and right are empty")
    checks = [
        (np.isnan(lo) & np.isnan(hi), "both bounds are missing"),
        (lo < 0, "left is negative"),
        (np.isinf(lo), "left is infinite"),
        (hi <= 0, "right must be > 0"),
        (lo > hi, "left > right"),
    ]
    for bad, what in checks:
        if bad.any():
            i = int(np.argmax(bad))
            raise ModelError(f"row {i}: {what} (left={lo[i]!r}, right={hi[i]!r})")
    lo[np.isnan(lo)] = 0.0
    hi[np.isnan(hi)] = np.inf
    return lo, hi


def bound_kinds(left: FloatArray, right: FloatArray) -> np.ndarray:
    """Classify normalized bounds as exact, right-, left- or interval-censored.

    Parameters
    ----------
    left, right : numpy.ndarray of float
        Output of :func:`as_bounds`.

    Returns
    -------
    numpy.ndarray of int
        :data:`EXACT`, :data:`RIGHT`, :data:`LEFT` or :data:`INTERVAL` per row
        (a row ``(0, inf)`` carries no information and counts as right-censored).
    """
    kind = np.full(left.size, INTERVAL, dtype=np.int64)
    kind[left == 0] = LEFT
    kind[np.isinf(right)] = RIGHT
    kind[left == right] = EXACT
    return kind


def bounds_of(
    data: SurvivalData, *, replicate: int = 0, cause: int = EVENT_OF_INTEREST
) -> tuple[FloatArray, FloatArray]:
    """Bounds of the event times of one replicate of a :class:`~ppprog.tables.data.SurvivalData`.

    Parameters
    ----------
    data : SurvivalData
        One row per subject (no delayed entry), with ``time_low`` /
        ``time_high`` when times are imprecise (otherwise ``stop`` is exact).
    replicate : int, optional
        Which replicate.
    cause : int, optional
        The event code analysed. Rows with another code (censored or a
        competing event) are right-censored at their lower bound: the subject
        is known to be free of ``cause`` at least that long.

    Returns
    -------
    left, right : numpy.ndarray of float
        Normalized bounds as from :func:`as_bounds`.
    """
    one = data.replicate(replicate)
    if one.has_entry or np.unique(one.subject[0]).size != one.subject.shape[1]:
        raise ModelError(
            "bounds_of needs one row per subject without delayed entry "
            "(interval-censored models do not take counting-process rows)"
        )
    stop = one.stop[0]
    low = stop if one.time_low is None else one.time_low[0]
    high = stop if one.time_high is None else one.time_high[0]
    hit = one.event[0] == cause
    return as_bounds(low, np.where(hit, high, np.inf))
