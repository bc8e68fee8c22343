"""Parsers for what case reports print: ANA titers and durations.

Both raise :class:`~ppprog._core.errors.ParseError` naming the field (when
given) and the offending text.

Duration conventions
--------------------
A week is 7 days, a month 365.25/12 = 30.4375 days and a year 365.25 days.
Days and weeks are exact; months and years are approximate, with bounds of
the calendar lengths (28 to 31 days a month, 365 to 366 days a year). The
point value is always the stated number (the midpoint for a range); the
qualifiers move only the bounds:

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

from ppprog._core.errors import ParseError
from ppprog.records.quantities import LADDERS, Quote, TimeValue, Titer

__all__ = ["parse_titer", "parse_duration", "resolve_ladder", "DAYS_PER_UNIT"]

#: Days per unit used by :func:`parse_duration`.
DAYS_PER_UNIT = {"d": 1.0, "wk": 7.0, "mo": 365.25 / 12.0, "y": 365.25}
_UNIT_BOUNDS = {"d": (1.0, 1.0), "wk": (7.0, 7.0), "mo": (28.0, 31.0), "y": (365.0, 366.0)}
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
    if not math.isfinite(n) or n <= 0:
        raise ParseError("titer reciprocal must be positive", field=field, text=raw)
    q = m.group("q")
    if q == "<":
        return Titer("negative", None, "<", n, raw)
    if rungs is not None and not any(math.isclose(n, r, rel_tol=1e-9) for r in rungs):
        shown = ", ".join(f"1:{r:g}" for r in rungs)
        raise ParseError(f"titer is not on the lab's ladder ({shown})", field=field, text=raw)
    return Titer("positive", n, ">" if q == ">" else "=", None, raw)


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
    per, (lo_u, hi_u) = DAYS_PER_UNIT[unit], _UNIT_BOUNDS[unit]
    day = a * per if b is None else 0.5 * (a + b) * per
    low, high = a * lo_u, (a if b is None else b) * hi_u
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
