"""counting_process against an independent, slow, day-by-day oracle.

The oracle is written from the documented conventions (``ppprog.tables.schema``
and ``docs/concepts/counting-process.md``), not from ``tables.covariates``:

* ANA: last non-missing measurement on or before the day (LOCF; a missing
  entry is skipped); with a window ``w`` a measurement of day ``d`` holds on
  ``[d, d + w)``. ``log2(reciprocal / 40)``, ``-1`` when negative; category
  negative / low (< 160) / moderate (< 640) / high; ``ana_day`` its day.
* treatment: episodes run on ``[start, stop)``; the primary agent is the
  latest-started running biologic, else systemic non-biologic, else any;
  ``agents`` joins every running agent with ``+`` in alphabetical order.
* ``n_switches``: derived drug switches (``Case.drug_switches``) on or before the day.
* The row ``(start, stop]`` holds the values in effect on day ``onset + start``;
  rows tile ``(0, time]``; adjacent rows differ; the event is on the last row.

The oracle evaluates the covariates on EVERY whole day of follow-up and on
every day named in the record (the days are real numbers), so a missed change
inside a row, a value taken from the wrong day or an unneeded split all show.
Conventions the documentation leaves open, stated here: among ANA measurements
of the same day the one listed last counts; among primary candidates started
on the same day, the one listed first in ``case.treatments``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ppprog import Case, CohortSpec, counting_process, generate, read_cases, resolution_table
from strategies import case_lists

PROPS = settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow], deadline=None)
BIOLOGIC_CLASSES = {"anti_tnf", "il17", "il12_23", "il23", "integrin"}
ANTI_TNF = {"infliximab", "adalimumab", "etanercept", "certolizumab", "golimumab"}
TV = ["ana_log2", "ana_category", "ana_day", "treatment", "treatment_class", "on_anti_tnf",
      "agents", "n_switches"]  # fmt: skip


def oracle_ana(case: Case, day: float, window: float | None) -> tuple[float, Any, float]:
    newest = None
    for m in case.ana:  # of equal days the last listed wins
        if m.titer.status != "missing" and m.day.day <= day:
            if newest is None or m.day.day >= newest.day.day:
                newest = m
    # an expired newest measurement: older ones expired earlier still
    if newest is None or (window is not None and day >= newest.day.day + window):
        return math.nan, None, math.nan
    t = newest.titer
    if t.status == "negative" or t.reciprocal is None:
        return -1.0, "negative", newest.day.day
    n = t.reciprocal
    cat = "low" if n < 160 else "moderate" if n < 640 else "high"
    return math.log2(n / 40.0), cat, newest.day.day


def oracle_treatment(case: Case, day: float) -> tuple[str, str, bool, str]:
    running = [
        e for e in case.treatments if e.start.day <= day and (e.stop is None or day < e.stop.day)
    ]
    if not running:
        return "none", "none", False, ""

    def tier(e: Any) -> int:
        cls = e.drug_class.value
        return 2 if cls in BIOLOGIC_CLASSES else 1 if cls == "systemic_nonbiologic" else 0

    best = running[0]
    for e in running[1:]:  # strictly better tier, or same tier and started strictly later
        if (tier(e), e.start.day) > (tier(best), best.start.day):
            best = e
    agents = "+".join(sorted({e.agent.value for e in running}))
    return (
        best.agent.value,
        best.drug_class.value,
        any(e.agent.value in ANTI_TNF for e in running),
        agents,
    )


def oracle_switches(case: Case, day: float) -> int:
    n = 0
    for s in case.drug_switches:
        if s.day <= day:
            n += 1
    return n


def oracle_values(case: Case, day: float, window: float | None) -> tuple[Any, ...]:
    return (
        *oracle_ana(case, day, window),
        *oracle_treatment(case, day),
        oracle_switches(case, day),
    )


def _norm(values: tuple[Any, ...]) -> tuple[Any, ...]:
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            out.append(None)
        elif isinstance(v, float):
            out.append(round(v, 12))  # log2 by another formula may differ in the last bit
        else:
            out.append(v.item() if hasattr(v, "item") else v)
    return tuple(out)


def _record_days(case: Case, window: float | None) -> set[float]:
    days = {m.day.day for m in case.ana}
    if window is not None:
        days |= {m.day.day + window for m in case.ana}
    for e in case.treatments:
        days.add(e.start.day)
        if e.stop is not None:
            days.add(e.stop.day)
    days |= {s.day for s in case.drug_switches}
    return days


def check_case(case: Case, rows: pd.DataFrame, time: float, event: int, w: float | None) -> None:
    onset = case.onset.day.day  # type: ignore[union-attr]
    record = _record_days(case, w)
    # time since onset -> day: a record day d has time d - onset (that subtraction, whose
    # rounding onset + (d - onset) need not undo); any other time t is day onset + t
    day_of = {d - onset: d for d in sorted(record)}
    start, stop = rows["start"].tolist(), rows["stop"].tolist()
    # tiling of (0, time] and the event on the last row only
    assert start[0] == 0.0
    assert stop[-1] == time
    assert start[1:] == stop[:-1]
    assert rows["event"].tolist() == [0] * (len(rows) - 1) + [event]
    values = [_norm(tuple(r)) for r in rows[TV].itertuples(index=False)]
    for k, (a, b) in enumerate(zip(start, stop)):
        lo, hi = day_of.get(a, onset + a), day_of.get(b, onset + b)
        expected = _norm(oracle_values(case, lo, w))
        assert values[k] == expected, (case.case_id, a, b, values[k], expected)
        # every whole day and every record day in [lo, hi) has the same values
        probes = {float(d) for d in range(math.ceil(lo), math.ceil(hi))}
        probes |= {d for d in record if lo <= d < hi}
        for d in sorted(probes):
            got = _norm(oracle_values(case, d, w))
            assert got == expected, f"{case.case_id}: value changes on day {d} inside ({a}, {b}]"
        if k + 1 < len(rows):
            assert values[k + 1] != values[k], f"{case.case_id}: rows {k}, {k + 1} not merged"
    if time > 0 and len(rows) == 1:
        assert stop[0] == time


@PROPS
@given(case_lists(1, 4, onset=True), st.none() | st.floats(1.0, 400.0))
def test_counting_process_matches_day_by_day_oracle(
    cases: list[Case], window: float | None
) -> None:
    df = counting_process(cases, ana_window=window)
    assert list(dict.fromkeys(df["id"])) == [c.case_id for c in cases]
    _check_all(cases, window)


def _check_all(cases: list[Case], window: float | None) -> None:
    df = counting_process(cases, ana_window=window)
    ref = resolution_table(cases).set_index("id")
    by_id = {c.case_id: c for c in cases}
    for cid, rows in df.groupby("id", sort=False):
        check_case(by_id[cid], rows, ref.at[cid, "time"], int(ref.at[cid, "event"]), window)


@pytest.mark.parametrize("window", [None, 30.0])
def test_generated_and_seed_cases_match_oracle(window: float | None) -> None:
    """Every case of a synthetic cohort (with switches) and of the seed report, every time.

    Hypothesis draws drug switches only now and then; these cases always have them.
    """
    cohort = generate(CohortSpec.default("resolution"), 80, 1, 20261204).to_cases(0)
    seed = read_cases(Path(__file__).resolve().parents[2] / "data" / "cases" / "seed_report.yaml")
    assert sum(len(c.drug_switches) for c in cohort + seed) >= 20
    _check_all(cohort, window)
    _check_all(seed, window)


def test_oracle_flags_a_wrong_row() -> None:
    """The oracle is not vacuous: a frame with a value from the wrong day fails it."""
    from ppprog import AnaMeasurement, Onset, Outcome, Titer, TreatmentEpisode

    c = Case("w", inducing_agent="infliximab", onset=Onset(10.0),
             ana=[AnaMeasurement(5.0, Titer.positive(80)), AnaMeasurement(30.0, Titer.positive(640))],
             treatments=[TreatmentEpisode("infliximab", 0.0)],
             outcomes=[Outcome("complete_resolution", 60.0)], last_follow_up=90.0)  # fmt: skip
    rows = counting_process([c])
    check_case(c, rows, 50.0, 1, None)
    assert rows["ana_log2"].tolist() == [1.0, 4.0]
    with pytest.raises(AssertionError):
        check_case(c, rows.assign(ana_log2=[1.0, 1.0]), 50.0, 1, None)  # wrong value
    merged = rows.iloc[[0]].assign(stop=50.0, event=1)
    with pytest.raises(AssertionError, match="inside"):
        check_case(c, merged, 50.0, 1, None)  # a change on day 30 missed
    split = pd.concat([rows.iloc[[0]].assign(stop=5.0), rows.assign(start=[5.0, 20.0])])
    with pytest.raises(AssertionError, match="not merged"):
        check_case(c, split, 50.0, 1, None)  # an unneeded split
