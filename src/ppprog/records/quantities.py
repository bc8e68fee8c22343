"""Quantities that reports print loosely: ANA titers, times, and their quotes.

Conventions
-----------
Titer scale
    A titer ``1:N`` is stored by its reciprocal ``N``. ``Negative`` means
    *below the lab's detection limit* (its first dilution), never zero: it is
    kept as ``status="negative"`` with ``detection_limit`` when known.
    :attr:`Titer.log2` is ``log2(N / 40)`` (1:40 -> 0, 1:80 -> 1, 1:320 -> 3,
    1:1000 -> 4.64); a negative titer maps to :data:`LOG2_NEGATIVE` (-1.0,
    one doubling step below 1:40) whatever the lab, and a missing titer to
    NaN. Bounds (``>1:2560``) use the bound. :meth:`Titer.log2_scale` lets an
    analysis choose another reference dilution or floor.
Titer categories
    :meth:`Titer.category` with :data:`DEFAULT_TITER_THRESHOLDS`
    ``(160, 640)``: negative; low for ``N < 160`` (1:40, 1:80, 1:100);
    moderate for ``160 <= N < 640`` (1:160, 1:320); high for ``N >= 640``
    (1:640, 1:1000, 1:1280, ...). These match the seed report's wording
    (1:320 "moderate", 1:1000 "high").
Times
    :class:`TimeValue` holds a day relative to the case's index date (the
    first dose of the inducing anti-TNF agent), with bounds ``low <= day <=
    high`` (``high`` may be ``inf`` for "more than ...") and an
    ``approximate`` flag, so analyses can run sensitivity checks over the
    bounds. A plain number is an exact day.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, replace
from typing import Literal

__all__ = [
    "Quote",
    "Source",
    "Titer",
    "TimeValue",
    "TiterStatus",
    "LADDERS",
    "LOG2_REFERENCE",
    "LOG2_NEGATIVE",
    "DEFAULT_TITER_THRESHOLDS",
    "as_time",
]

TiterStatus = Literal["positive", "negative", "missing"]
Qualifier = Literal["=", "<", ">"]

#: Dilution ladders of common labs, by name (reciprocals).
LADDERS: dict[str, tuple[float, ...]] = {
    "doubling40": (40.0, 80.0, 160.0, 320.0, 640.0, 1280.0, 2560.0, 5120.0, 10240.0),
    "doubling80": (80.0, 160.0, 320.0, 640.0, 1280.0, 2560.0, 5120.0, 10240.0),
    "halflog100": (100.0, 320.0, 1000.0, 3200.0, 10000.0),
}
#: Reciprocal titer that maps to 0 on the log2 scale.
LOG2_REFERENCE = 40.0
#: log2-scale value given to a negative (below detection) titer.
LOG2_NEGATIVE = -1.0
#: Reciprocal thresholds (low|moderate, moderate|high) for :meth:`Titer.category`.
DEFAULT_TITER_THRESHOLDS = (160.0, 640.0)


@dataclass(frozen=True)
class Quote:
    """Verbatim text a value was taken from.

    Parameters
    ----------
    text : str
        The words as printed.
    where : str, optional
        Location in the source ("Table 1", "Treatment, case 2").
    """

    text: str
    where: str | None = None


@dataclass(frozen=True)
class Source:
    """Provenance of a case.

    Parameters
    ----------
    kind : {"report", "registry", "synthetic"}
        Origin of the case.
    citation : str, optional
        Free-text citation.
    doi, pmid : str, optional
        Identifiers of the publication.
    case_label : str, optional
        How the source names the case ("Case 1").
    seed : int, optional
        Root seed, for synthetic cases.
    replicate : int, optional
        Replicate number, for synthetic cases.
    """

    kind: str = "report"
    citation: str | None = None
    doi: str | None = None
    pmid: str | None = None
    case_label: str | None = None
    seed: int | None = None
    replicate: int | None = None


@dataclass(frozen=True)
class Titer:
    """An antinuclear-antibody titer as reported.

    Parameters
    ----------
    status : {"positive", "negative", "missing"}
        ``negative`` is below the detection limit (not zero); ``missing`` is
        not measured or not reported ("-", "–").
    reciprocal : float, optional
        ``N`` of ``1:N`` for a positive titer (a bound when ``qualifier`` is
        ``">"`` or ``"<"``); None otherwise.
    qualifier : {"=", "<", ">"}
        ``">"`` for ">1:2560"; negative titers use ``"<"``.
    detection_limit : float, optional
        Reciprocal of the lab's first dilution, when known ("<1:40" -> 40).
    text : str, optional
        The text as printed.
    """

    status: TiterStatus = "positive"
    reciprocal: float | None = None
    qualifier: Qualifier = "="
    detection_limit: float | None = None
    text: str | None = None

    @classmethod
    def positive(cls, reciprocal: float, *, qualifier: Qualifier = "=") -> Titer:
        """Build a positive titer ``1:reciprocal``."""
        return cls("positive", float(reciprocal), qualifier)

    @classmethod
    def negative(cls, detection_limit: float | None = None) -> Titer:
        """Build a titer below the detection limit."""
        lim = None if detection_limit is None else float(detection_limit)
        return cls("negative", None, "<", lim)

    @classmethod
    def missing(cls, text: str | None = None) -> Titer:
        """Build a not-measured titer."""
        return cls("missing", None, "=", None, text)

    @property
    def is_missing(self) -> bool:
        """True when the titer was not measured or not reported."""
        return self.status == "missing"

    @property
    def is_negative(self) -> bool:
        """True when the titer is below the detection limit."""
        return self.status == "negative"

    def log2_scale(
        self, *, reference: float = LOG2_REFERENCE, negative: float = LOG2_NEGATIVE
    ) -> float:
        """Return the titer on a log2 scale, ``log2(reciprocal / reference)``.

        Parameters
        ----------
        reference : float, optional
            Reciprocal mapped to 0 (default 40).
        negative : float, optional
            Value for a negative (below-detection) titer (default -1).

        Returns
        -------
        float
            NaN when missing.
        """
        if self.status == "missing":
            return math.nan
        if self.status == "negative" or self.reciprocal is None:
            return float(negative)
        return math.log2(self.reciprocal / reference)

    @property
    def log2(self) -> float:
        """``log2(reciprocal / 40)``; -1 when negative, NaN when missing."""
        return self.log2_scale()

    def category(self, thresholds: tuple[float, float] = DEFAULT_TITER_THRESHOLDS) -> str | None:
        """Return ``"negative"``, ``"low"``, ``"moderate"`` or ``"high"`` (None if missing).

        Parameters
        ----------
        thresholds : tuple of float, optional
            Reciprocals ``(a, b)``: low below ``a``, moderate in ``[a, b)``,
            high from ``b`` (default ``(160, 640)``).

        Returns
        -------
        str or None
        """
        if self.status == "missing":
            return None
        if self.status == "negative" or self.reciprocal is None:
            return "negative"
        low, high = thresholds
        if self.reciprocal < low:
            return "low"
        return "moderate" if self.reciprocal < high else "high"

    def __str__(self) -> str:
        if self.text is not None:
            return self.text
        if self.status == "missing":
            return "–"
        if self.status == "negative":
            return (
                "Negative" if self.detection_limit is None else f"<1:{_num(self.detection_limit)}"
            )
        q = "" if self.qualifier == "=" else self.qualifier
        return f"{q}1:{_num(self.reciprocal)}"


def _num(x: float | None) -> str:
    if x is None:
        return "?"
    return str(int(x)) if float(x).is_integer() else repr(float(x))


@dataclass(frozen=True)
class TimeValue:
    """A day relative to the case's index date, with bounds for inexact text.

    Parameters
    ----------
    day : float
        Best value, in days from the index date (day 0 = first dose of the
        inducing anti-TNF agent); negative before it.
    low, high : float, optional
        Bounds; default to ``day``. ``high`` may be ``inf``.
    approximate : bool, optional
        True when the report gives the time only roughly.
    quote : Quote, optional
        The text the time was derived from.
    """

    day: float
    low: float | None = None
    high: float | None = None
    approximate: bool = False
    quote: Quote | None = None

    def __post_init__(self) -> None:
        for name in ("day", "low", "high"):
            v = getattr(self, name)
            if type(v) is int:
                object.__setattr__(self, name, float(v))
        if self.low is None:
            object.__setattr__(self, "low", self.day)
        if self.high is None:
            object.__setattr__(self, "high", self.day)

    @property
    def exact(self) -> bool:
        """True when the bounds equal the day and the time is not approximate."""
        return not self.approximate and self.low == self.day == self.high

    def shift(self, days: float) -> TimeValue:
        """Return the time ``days`` later (bounds shifted too)."""
        return replace(
            self,
            day=self.day + days,
            low=None if self.low is None else self.low + days,
            high=None if self.high is None else self.high + days,
        )

    def __float__(self) -> float:
        return float(self.day)

    def __str__(self) -> str:
        s = f"day {_num(self.day)}"
        if self.approximate:
            s = "~" + s
        if not (self.low == self.day == self.high):
            s += f" [{_num(self.low)}, {_num(self.high) if self.high != math.inf else 'inf'}]"
        return s


def as_time(value: TimeValue | float | int | None) -> TimeValue | None:
    """Coerce a plain number to an exact :class:`TimeValue` (None stays None).

    Parameters
    ----------
    value : TimeValue, float, int or None
        Time.

    Returns
    -------
    TimeValue or None
    """
    if value is None or isinstance(value, TimeValue):
        return value
    if type(value) is float:
        return TimeValue(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        # Leave other types in place: validation reports them with their field.
        return value  # type: ignore[return-value]
    return TimeValue(float(value))
