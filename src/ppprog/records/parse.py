"""Parsers for what case reports print: ANA titers and durations.

Both raise :class:`~ppprog._core.errors.ParseError` naming the field (when
given) and the offending text.

Duration conventions
--------------------
A week is 7 days, a month 365.25/12 = 30.4375 days and a year 365.25 days
(the point value). Days and weeks are exact. Months and years are
approximate, and their bounds are calendar facts, not a month length times
the count: ``n`` months span between the fewest and the most days that ``n``
consecutive calendar months can have in the Gregorian calendar (searched
over every starting month of its 400-year cycle, see :func:`month_span`), so
"14 months" is 424 to 428 days, not 14 x 28 to 14 x 31. A year is 12 months,
so "2 years" and "24 months" get the same bounds (730 to 731 days). A
fraction of a month adds ``f x 28`` to the low and ``f x 31`` days to the
high bound ("1.5 months": 28 + 14 to 31 + 15.5). The point value is always
the stated number (the midpoint for a range); the qualifiers move only the
bounds:

==========================================  ==============================
text                                        bounds
==========================================  ==============================
"more than", "over", ">", "after",          ``[low(x), inf)``
"at least", "longer than", "beyond"
"less than", "under", "<", "within",        ``[0, high(x)]``
"up to", "before"
"about", "approximately", "around", "~",    ``[0.9 low(x), 1.1 high(x)]``
"circa", "ca.", "roughly"
"almost", "nearly", "just under"            ``[0.9 low(x), high(x)]``
"2-3 wk", "2 to 3 wk"                       ``[low(2 wk), high(3 wk)]``
==========================================  ==============================

Any qualifier or range sets ``approximate=True``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache

from ppprog._core.errors import ParseError
from ppprog.records.quantities import LADDERS, Quote, TimeValue, Titer

__all__ = [
    "parse_titer",
    "parse_duration",
    "resolve_ladder",
    "month_span",
    "DAYS_PER_UNIT",
    "DURATION_UNITS",
    "DURATION_PREFIXES",
]

#: Days per unit used by :func:`parse_duration`.
DAYS_PER_UNIT = {"d": 1.0, "wk": 7.0, "mo": 365.25 / 12.0, "y": 365.25}
_UNITS = {
    "d": "d", "day": "d", "days": "d",
    "w": "wk", "wk": "wk", "wks": "wk", "week": "wk", "weeks": "wk",
    "m": "mo", "mo": "mo", "mos": "mo", "mon": "mo", "month": "mo", "months": "mo",
    "y": "y", "yr": "y", "yrs": "y", "year": "y", "years": "y",
}  # fmt: skip
_WORDS = {
    "half": 0.5, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
}  # fmt: skip
_PREFIX = {
    "more than": "gt", "over": "gt", ">": "gt", "after": "gt", "at least": "gt",
    "longer than": "gt", "beyond": "gt", "less than": "lt", "under": "lt", "<": "lt",
    "within": "lt", "up to": "lt", "before": "lt", "about": "about", "approximately": "about",
    "around": "about", "~": "about", "circa": "about", "ca.": "about", "roughly": "about",
    "almost": "almost", "nearly": "almost", "just under": "almost",
}  # fmt: skip
#: Unit words accepted by :func:`parse_duration` -> canonical unit.
DURATION_UNITS = _UNITS
#: Qualifier words accepted by :func:`parse_duration` -> kind of bound.
DURATION_PREFIXES = _PREFIX
_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-"})
_MISSING = {"", "-", "--", "na", "n/a", "nd", "n.d.", "not done", "not measured", "unknown"}
_NUM = r"(\d+(?:[.,]\d+)*|" + "|".join(_WORDS) + r")"
_DUR_RE = re.compile(
    r"^(?P<prefix>" + "|".join(re.escape(p) for p in sorted(_PREFIX, key=len, reverse=True)) + r")?"
    r"\s*(?P<a>" + _NUM + r")(?:\s*(?:-|to)\s*(?P<b>" + _NUM + r"))?"
    r"\s*-?\s*(?P<unit>[a-z]+)\.?(?P<rest>[a-z\s\-]*)$"
)
_TITER_RE = re.compile(r"^(?P<q>[<>])?\s*(?:1\s*[:/]\s*)?(?P<n>\d+(?:,\d{3})*(?:\.\d+)?)$")


def resolve_ladder(ladder: str | Sequence[float] | None) -> tuple[float, ...] | None:
    """Return a ladder's reciprocals from its name or values.

    Parameters
    ----------
    ladder : str, sequence of float or None
        A key of :data:`~ppprog.records.quantities.LADDERS` or the reciprocals.

    Returns
    -------
    tuple of float or None
    """
    if ladder is None:
        return None
    if isinstance(ladder, str):
        if ladder not in LADDERS:
            raise ValueError(f"unknown titer ladder {ladder!r}; known: {', '.join(LADDERS)}")
        return LADDERS[ladder]
    return tuple(float(x) for x in ladder)


def parse_titer(
    text: str | float | int,
    *,
    field: str | None = None,
    ladder: str | Sequence[float] | None = None,
) -> Titer:
    """Parse an ANA titer as printed in a report.

    Parameters
    ----------
    text : str, int or float
        "Negative", "1:320", "1: 320", "1/320", "320", "<1:40", ">1:2560";
        "-", "–" or "" for missing.
    field : str, optional
        Field name used in error messages.
    ladder : str or sequence of float, optional
        The lab's dilution ladder (name in ``LADDERS`` or reciprocals). A
        positive titer must be on it; a negative titer gets its first rung
        as detection limit.

    Returns
    -------
    Titer
        With ``text`` set to the input.

    Raises
    ------
    ParseError
        If the text is not a titer or is off the ladder.

    Examples
    --------
    >>> parse_titer("1: 320").reciprocal
    320.0
    >>> parse_titer("Negative").status
    'negative'
    """
    raw = text if isinstance(text, str) else str(text)
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise ParseError("a titer must be text or a number", field=field, text=repr(text))
    try:
        rungs = resolve_ladder(ladder)
    except ValueError as exc:
        raise ParseError(str(exc), field=field, text=raw) from None
    s = raw.strip().translate(_DASHES).lower()
    if s in _MISSING:
        return Titer("missing", None, "=", None, raw)
    if re.fullmatch(r"neg(ative)?\.?|\(-\)|-ve", s):
        return Titer("negative", None, "<", rungs[0] if rungs else None, raw)
    m = _TITER_RE.match(s.replace(" ", ""))
    if m is None:
        raise ParseError("not an ANA titer (expected e.g. 1:320, <1:40, Negative)", field=field, text=raw)  # fmt: skip
    n = float(m.group("n").replace(",", ""))
    if not math.isfinite(n) or n < 1:
        raise ParseError("a titer 1:N needs a dilution N >= 1", field=field, text=raw)
    q = m.group("q")
    if q == "<":
        return Titer("negative", None, "<", n, raw)
    if rungs is not None and not any(math.isclose(n, r, rel_tol=1e-9) for r in rungs):
        shown = ", ".join(f"1:{r:g}" for r in rungs)
        raise ParseError(f"titer is not on the lab's ladder ({shown})", field=field, text=raw)
    return Titer("positive", n, ">" if q == ">" else "=", None, raw)


def _month_lengths() -> list[int]:
    out = []
    for year in range(400):  # one Gregorian cycle (146,097 days)
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        out += [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return out


_CYCLE_MONTHS, _CYCLE_DAYS = 4800, 146097


@lru_cache(maxsize=256)
def month_span(n: int) -> tuple[int, int]:
    """Fewest and most days that ``n`` consecutive calendar months can span.

    Parameters
    ----------
    n : int
        Number of whole months (>= 0).

    Returns
    -------
    tuple of int
        ``(low, high)``, over every starting month of the Gregorian calendar
        (e.g. ``month_span(14) == (424, 428)``, ``month_span(12) == (365, 366)``).
    """
    cycles, rest = divmod(n, _CYCLE_MONTHS)
    lengths = _month_lengths()
    lengths = lengths + lengths
    window = sum(lengths[:rest])
    low = high = window
    for start in range(1, _CYCLE_MONTHS):
        window += lengths[start + rest - 1] - lengths[start - 1]
        low, high = min(low, window), max(high, window)
    return cycles * _CYCLE_DAYS + low, cycles * _CYCLE_DAYS + high


def _bounds(x: float, unit: str) -> tuple[float, float]:
    """Calendar bounds of ``x`` units (days for d and wk, spans of months for mo and y)."""
    if unit in ("d", "wk"):
        return x * DAYS_PER_UNIT[unit], x * DAYS_PER_UNIT[unit]
    months = x * 12.0 if unit == "y" else x
    whole = int(math.floor(months + 1e-9))
    frac = max(months - whole, 0.0)
    low, high = month_span(whole)
    return low + 28.0 * frac, high + 31.0 * frac


def _number(token: str) -> float:
    if token in _WORDS:
        return float(_WORDS[token])
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", token):
        return float(token.replace(",", ""))  # thousands separators
    return float(token.replace(",", "."))  # decimal comma


def parse_duration(text: str | float | int, *, field: str | None = None) -> TimeValue:
    """Parse a duration ("2 wk", "20 d", "3 mo", "1.5 y", "more than 20 d") into days.

    Parameters
    ----------
    text : str, int or float
        The text; a bare number is a number of days.
    field : str, optional
        Field name used in error messages.

    Returns
    -------
    TimeValue
        ``day`` is the stated length in days, ``low``/``high`` its bounds (see
        the module docstring), ``quote`` the text.

    Raises
    ------
    ParseError
        If the text is not a duration.

    Examples
    --------
    >>> parse_duration("2 wk").day
    14.0
    >>> tv = parse_duration("more than 20 d")
    >>> (tv.day, tv.low, tv.high, tv.approximate)
    (20.0, 20.0, inf, True)
    """
    if isinstance(text, bool) or not isinstance(text, (str, int, float)):
        raise ParseError("a duration must be text or a number", field=field, text=repr(text))
    if not isinstance(text, str):
        if not math.isfinite(text) or text < 0:
            raise ParseError("a duration must be a finite number >= 0", field=field, text=str(text))
        return TimeValue(float(text))
    s = re.sub(r"\s+", " ", text.strip().translate(_DASHES).lower())
    m = _DUR_RE.match(s)
    unit = _UNITS.get(m.group("unit")) if m else None
    if m is None or unit is None:
        raise ParseError("not a duration (expected e.g. '2 wk', 'more than 20 d', '1.5 y')", field=field, text=text)  # fmt: skip
    a = _number(m.group("a"))
    b = _number(m.group("b")) if m.group("b") else None
    per = DAYS_PER_UNIT[unit]
    day = a * per if b is None else 0.5 * (a + b) * per
    low, high = _bounds(a, unit)[0], _bounds(a if b is None else b, unit)[1]
    if b is not None and b < a:
        raise ParseError("range bounds are reversed", field=field, text=text)
    kind = _PREFIX.get(m.group("prefix") or "")
    if kind == "gt":
        high = math.inf
    elif kind == "lt":
        low = 0.0
    elif kind == "about":
        low, high = 0.9 * low, 1.1 * high
    elif kind == "almost":
        low = 0.9 * low
    approx = kind is not None or b is not None or unit in ("mo", "y")
    return TimeValue(day, min(low, day), max(high, day), approx, Quote(text))
