"""Parsers for titers and durations, against tables of what reports print."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ppprog._core.errors import ParseError
from ppprog.records.parse import DAYS_PER_UNIT, parse_duration, parse_titer
from ppprog.records.quantities import Titer
from strategies import titers

# text, status, reciprocal, qualifier, detection_limit (forms listed in issue 2)
TITERS = [
    ("Negative", "negative", None, "<", None),
    ("negative", "negative", None, "<", None),
    ("1:320", "positive", 320.0, "=", None),
    ("1: 320", "positive", 320.0, "=", None),
    ("1/320", "positive", 320.0, "=", None),
    ("320", "positive", 320.0, "=", None),
    (" 1 : 1000 ", "positive", 1000.0, "=", None),
    ("<1:40", "negative", None, "<", 40.0),
    ("< 1:80", "negative", None, "<", 80.0),
    (">1:2560", "positive", 2560.0, ">", None),
    ("1:1,280", "positive", 1280.0, "=", None),
    ("-", "missing", None, "=", None),
    ("\u2013", "missing", None, "=", None),
    ("", "missing", None, "=", None),
    (320, "positive", 320.0, "=", None),
]


@pytest.mark.parametrize(("text", "status", "recip", "qual", "limit"), TITERS)
def test_parse_titer_table(text, status, recip, qual, limit) -> None:
    t = parse_titer(text)
    assert (t.status, t.reciprocal, t.qualifier, t.detection_limit) == (status, recip, qual, limit)
    assert t.text == (text if isinstance(text, str) else str(text))


def test_issue_example() -> None:
    assert parse_titer("1: 320").reciprocal == 320


def test_negative_is_not_zero_and_below_every_positive() -> None:
    neg = parse_titer("Negative")
    assert neg.reciprocal is None
    assert neg.log2 == -1.0
    assert neg.log2 < parse_titer("1:40").log2 == 0.0
    assert neg.category() == "negative"
    assert math.isnan(parse_titer("-").log2)
    assert parse_titer("-").category() is None


@pytest.mark.parametrize(
    ("text", "log2", "category"),
    [
        ("1:40", 0.0, "low"),
        ("1:80", 1.0, "low"),
        ("1:100", math.log2(2.5), "low"),
        ("1:160", 2.0, "moderate"),
        ("1:320", 3.0, "moderate"),
        ("1:640", 4.0, "high"),
        ("1:1000", math.log2(25.0), "high"),
        (">1:2560", 6.0, "high"),
    ],
)
def test_log2_and_default_categories(text: str, log2: float, category: str) -> None:
    t = parse_titer(text)
    assert t.log2 == pytest.approx(log2, abs=1e-12)
    assert t.category() == category


def test_configurable_scale_and_thresholds() -> None:
    t = parse_titer("1:320")
    assert t.log2_scale(reference=80) == 2.0
    assert Titer.negative().log2_scale(negative=-3.0) == -3.0
    assert t.category(thresholds=(80, 320)) == "high"
    assert t.category(thresholds=(400, 800)) == "low"


@pytest.mark.parametrize(
    ("ladder", "ok", "bad"),
    [("doubling40", ["1:40", "1:1280"], ["1:100", "1:1000"]),
     ("halflog100", ["1:100", "1:320", "1:1000"], ["1:160", "1:640"]),
     ((100, 320, 1000), ["1:1000"], ["1:40"])],
)  # fmt: skip
def test_ladders(ladder, ok, bad) -> None:
    for text in ok:
        assert parse_titer(text, ladder=ladder).status == "positive"
    for text in bad:
        with pytest.raises(ParseError, match="ladder"):
            parse_titer(text, ladder=ladder, field="ana[0].titer")
    first = 100.0 if ladder != "doubling40" else 40.0
    assert parse_titer("Negative", ladder=ladder).detection_limit == first


@pytest.mark.parametrize("text", ["positive", "1:abc", "1:0", "1:0.5", "abc", "1:-40", "≥1:160"])
def test_titer_errors_name_field_and_text(text: str) -> None:
    with pytest.raises(ParseError) as info:
        parse_titer(text, field="ana[3].titer")
    assert info.value.field == "ana[3].titer"
    assert info.value.text == text
    assert "ana[3].titer" in str(info.value)
    assert repr(text) in str(info.value)


@given(st.sampled_from([40, 80, 100, 160, 320, 640, 1000, 1280, 2560, 3200, 10000]))
def test_titer_formats_agree(n: int) -> None:
    forms = [f"1:{n}", f"1: {n}", f"1/{n}", str(n), n]
    assert {parse_titer(f).reciprocal for f in forms} == {float(n)}


MONTH, YEAR = 365.25 / 12, 365.25


def _calendar_span(n: int) -> tuple[float, float]:
    """Fewest and most days between the 1st of a month and the 1st, n months later (400 y)."""
    days = set()
    for year in range(2000, 2400):
        for month in range(12):
            end = month + n
            a = dt.date(year, month + 1, 1)
            days.add((dt.date(year + end // 12, end % 12 + 1, 1) - a).days)
    return float(min(days)), float(max(days))


M3, M18, M36 = _calendar_span(3), _calendar_span(18), _calendar_span(36)
# text, day, low, high, approximate (conventions in ppprog.records.parse)
DURATIONS = [
    ("2 wk", 14.0, 14.0, 14.0, False),
    ("20 d", 20.0, 20.0, 20.0, False),
    ("Twenty days", 20.0, 20.0, 20.0, False),
    ("3 mo", 3 * MONTH, *M3, True),
    ("1.5 y", 1.5 * YEAR, *M18, True),
    ("1.5-year follow-up", 1.5 * YEAR, *M18, True),
    ("more than 20 d", 20.0, 20.0, math.inf, True),
    ("after 8 wk", 56.0, 56.0, math.inf, True),
    ("within 2 wk", 14.0, 0.0, 14.0, True),
    ("2-3 wk", 17.5, 14.0, 21.0, True),
    ("2 to 3 weeks", 17.5, 14.0, 21.0, True),
    ("about 10 d", 10.0, 9.0, 11.0, True),
    ("almost 3 years", 3 * YEAR, 0.9 * M36[0], M36[1], True),
    (12, 12.0, 12.0, 12.0, False),
]


@pytest.mark.parametrize(("text", "day", "low", "high", "approx"), DURATIONS)
def test_parse_duration_table(text, day, low, high, approx) -> None:
    tv = parse_duration(text)
    assert tv.day == pytest.approx(day, rel=1e-12)
    assert tv.low == pytest.approx(low, rel=1e-12)
    assert tv.high == pytest.approx(high, rel=1e-12) if math.isfinite(high) else tv.high == high
    assert tv.approximate is approx
    assert tv.low <= tv.day <= tv.high


@pytest.mark.parametrize("n", [1, 2, 11, 12, 13, 14, 24, 59, 100])
def test_month_bounds_are_calendar_spans(n: int) -> None:
    tv = parse_duration(f"{n} months")
    assert (tv.low, tv.high) == _calendar_span(n)


def test_fourteen_months_and_equal_spans() -> None:
    assert (parse_duration("14 months").low, parse_duration("14 months").high) == (424.0, 428.0)
    two_y, m24 = parse_duration("2 years"), parse_duration("24 months")
    assert (two_y.low, two_y.high) == (m24.low, m24.high) == (730.0, 731.0)


def test_unit_conventions() -> None:
    assert DAYS_PER_UNIT == {"d": 1.0, "wk": 7.0, "mo": 30.4375, "y": 365.25}


@pytest.mark.parametrize("text", ["soon", "3 fortnights", "-2 d", "3-2 wk", "", True])
def test_duration_errors(text) -> None:
    with pytest.raises(ParseError) as info:
        parse_duration(text, field="treatments[0].stop")
    assert info.value.field == "treatments[0].stop"


@given(titers())
def test_printed_titers_parse_back(t: Titer) -> None:
    back = parse_titer(str(t))
    assert (back.status, back.qualifier) == (t.status, t.qualifier)
    if t.status == "positive" and t.text is None:
        assert back.reciprocal == pytest.approx(t.reciprocal, rel=1e-15)
