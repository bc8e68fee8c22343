"""Reported-time bounds: how exact simulated times look once a report states them.

Case reports rarely give an event time to the day: an event is seen at the
next visit ("at the 8-week visit"), or the time is rounded ("after 8 wk",
"a 1.5-year follow-up"). These functions turn exact simulated times (and
their event indicators) into what such a report lets an analyst know: the
bounds ``(left, right]`` of each time in R's ``interval2`` convention (exact:
``left == right``; right-censored: ``right = inf``; left-censored:
``left = 0``) and the point value the report states, so that a study can
score a naive analysis of the point values against interval-censored
analyses of the bounds.

Arrays of any shape work (``(n,)`` or a batch ``(R, n)``); times are in the
caller's unit (the generator's months or the tables' days), and so are
``every`` and ``unit``. :data:`DAYS_PER_WEEK` and friends convert.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ppprog._core.errors import SpecError
from ppprog._core.rng import SeedLike, stream
from ppprog._core.typing import BoolArray, FloatArray

__all__ = [
    "ReportedTimes",
    "visit_bounds",
    "rounded_bounds",
    "DAYS_PER_WEEK",
    "DAYS_PER_MONTH",
    "DAYS_PER_YEAR",
    "MONTHS_PER_WEEK",
]

DAYS_PER_WEEK = 7.0
DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12.0
MONTHS_PER_WEEK = DAYS_PER_WEEK / DAYS_PER_MONTH


@dataclass(frozen=True)
class ReportedTimes:
    """Times as a report states them.

    Attributes
    ----------
    left, right : ndarray of float
        Bounds of each true time (``interval2`` convention).
    reported : ndarray of float
        The point value a naive analysis would use: the visit at which an
        event was seen, or the rounded time; for censored rows the last time
        known event-free.
    event : ndarray of bool
        The event indicators passed in.
    scheme : str
        Description (``"visits every 4"``, ``"rounded to 7 (nearest)"``).
    """

    left: FloatArray
    right: FloatArray
    reported: FloatArray
    event: BoolArray
    scheme: str

    @property
    def width(self) -> FloatArray:
        """``right - left`` for events (0 when exact), NaN for censored rows."""
        return np.where(self.event, self.right - self.left, np.nan)


def _inputs(time: ArrayLike, event: ArrayLike) -> tuple[FloatArray, BoolArray]:
    t = np.asarray(time, dtype=np.float64)
    e = np.asarray(event)
    if e.shape != t.shape:
        raise SpecError(f"event has shape {e.shape}, time has shape {t.shape}")
    bad = ~np.isfinite(t) | (t < 0)
    if bad.any():
        raise SpecError(
            f"time must be finite and >= 0; element {int(np.argmax(bad.ravel()))} is {t.ravel()[int(np.argmax(bad.ravel()))]!r}"
        )
    if e.dtype != bool:
        if not np.isin(e, (0, 1)).all():
            raise SpecError("event must be boolean or 0/1")
        e = e.astype(bool)
    return t, e


def _positive(value: float, name: str) -> float:
    v = float(value)
    if not np.isfinite(v) or v <= 0:
        raise SpecError(f"{name} must be a positive number, got {value!r}")
    return v


def visit_bounds(
    time: ArrayLike,
    event: ArrayLike,
    *,
    every: float,
    miss: float = 0.0,
    seed: SeedLike | None = None,
) -> ReportedTimes:
    """Bounds of times seen only at scheduled visits.

    Visits are at ``every, 2 * every, ...`` after time 0 (which counts as a
    visit). An event at ``t`` is seen at the first attended visit at or
    after ``t``, and known to have happened after the last attended visit
    before it: ``(left, right]`` (``left = 0``, left-censored, when no visit
    came before it). A subject censored at ``c`` is known event-free up to
    the last attended visit at or before ``c`` (right-censored there).

    Parameters
    ----------
    time : array_like of float
        Exact event or censoring times.
    event : array_like of bool or 0/1
        Event indicators.
    every : float
        Visit interval, in the unit of ``time``.
    miss : float, optional
        Probability that a patient misses any one visit (independently);
        missed visits widen the intervals.
    seed : int or numpy.random.SeedSequence, optional
        Needed when ``miss > 0``.

    Returns
    -------
    ReportedTimes
        ``reported`` is the visit at which an event was seen (``right``) or,
        for censored rows, ``left``.

    Examples
    --------
    >>> r = visit_bounds([3.0, 8.0, 9.5], [1, 1, 0], every=4.0)
    >>> r.left.tolist(), r.right.tolist()
    ([0.0, 4.0, 8.0], [4.0, 8.0, inf])
    """
    t, e = _inputs(time, event)
    step = _positive(every, "every")
    if not 0.0 <= miss < 1.0:
        raise SpecError(f"miss must lie in [0, 1), got {miss!r}")
    k_after = np.ceil(t / step)  # first scheduled visit at or after t
    k_before = k_after - 1.0  # last scheduled visit before t
    k_cens = np.floor(t / step)  # last scheduled visit at or before c
    if miss > 0:
        if seed is None:
            raise SpecError("seed is needed when miss > 0")
        rng = stream(seed)
        # misses before the first attended visit: geometric (memoryless) on each side
        k_after = k_after + rng.geometric(1.0 - miss, t.shape) - 1.0
        back = rng.geometric(1.0 - miss, t.shape) - 1.0
        k_before = k_before - back
        k_cens = k_cens - back
    left = np.where(e, np.maximum(k_before, 0.0) * step, np.maximum(k_cens, 0.0) * step)
    right = np.where(e, np.maximum(k_after, 1.0) * step, np.inf)
    reported = np.where(e, right, left)
    return ReportedTimes(
        left, right, reported, e, f"visits every {step:g}" + (f", miss {miss:g}" if miss else "")
    )


def rounded_bounds(
    time: ArrayLike,
    event: ArrayLike,
    *,
    unit: float,
    how: str = "nearest",
    exact: ArrayLike | None = None,
) -> ReportedTimes:
    """Bounds of times a report rounds to whole units ("after 8 wk").

    Parameters
    ----------
    time : array_like of float
        Exact event or censoring times.
    event : array_like of bool or 0/1
        Event indicators.
    unit : float
        Length of the reporting unit in the unit of ``time`` (7 for weeks when
        times are in days, :data:`MONTHS_PER_WEEK` when in months).
    how : {"nearest", "completed"}, optional
        ``"nearest"``: the report gives ``r = round(t / unit)`` units, so
        ``t`` lies in ``((r - 1/2) unit, (r + 1/2) unit]`` (a stated 0 means
        "under half a unit": left-censored at ``unit / 2``). ``"completed"``:
        the report counts completed units ``r = floor(t / unit)``, so ``t``
        lies in ``(r unit, (r + 1) unit]``.
    exact : array_like of bool, optional
        Rows whose time the report gives exactly (kept as ``left == right``).

    Returns
    -------
    ReportedTimes
        ``reported`` is ``r * unit``. A censored row is right-censored at the
        lower bound of its rounded time (known event-free only that long).

    Examples
    --------
    >>> r = rounded_bounds([55.0, 10.0], [1, 0], unit=7.0)
    >>> r.left.tolist(), r.right.tolist(), r.reported.tolist()
    ([52.5, 3.5], [59.5, inf], [56.0, 7.0])
    """
    t, e = _inputs(time, event)
    u = _positive(unit, "unit")
    if how == "nearest":
        r = np.floor(t / u + 0.5)
        lo, hi = np.maximum(r - 0.5, 0.0) * u, (r + 0.5) * u
    elif how == "completed":
        r = np.floor(t / u)
        lo, hi = r * u, (r + 1.0) * u
    else:
        raise SpecError(f"how must be 'nearest' or 'completed', got {how!r}")
    reported = r * u
    left = lo.copy()
    right = np.where(e, hi, np.inf)
    if exact is not None:
        ex = np.broadcast_to(np.asarray(exact, dtype=bool), t.shape)
        left = np.where(ex, t, left)
        right = np.where(ex, np.where(e, t, np.inf), right)
        reported = np.where(ex, t, reported)
    return ReportedTimes(left, right, reported, e, f"rounded to {u:g} ({how})")
