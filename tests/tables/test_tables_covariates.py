"""ana_values, treatment_values and switches_at on hand-built cases, values derived by hand."""

from __future__ import annotations

import math

import pytest

from ppprog import AnaMeasurement, Case, Onset, Outcome, Titer, TreatmentEpisode
from ppprog.tables.covariates import AnaScale, ana_values, switches_at, treatment_values


def _ana_case() -> Case:
    # day 10: 1:80; day 20: not reported; day 30: negative; day 40: 1:1280; day 60: 1:160;
    # day 70: >1:640 (a bound, still a positive titer of 640)
    return Case(
        "ana",
        inducing_agent="adalimumab",
        onset=Onset(15.0),
        ana=[
            AnaMeasurement(40.0, Titer.positive(1280)),  # listed out of order on purpose
            AnaMeasurement(10.0, Titer.positive(80)),
            AnaMeasurement(20.0, Titer.missing("–")),
            AnaMeasurement(30.0, Titer.negative(40)),
            AnaMeasurement(60.0, Titer.positive(160)),
            AnaMeasurement(70.0, Titer.positive(640, qualifier=">")),
        ],
        treatments=[TreatmentEpisode("adalimumab", 0.0)],
        last_follow_up=100.0,
    )


def _same(got: tuple, want: tuple) -> bool:
    return all(
        (isinstance(w, float) and math.isnan(w) and math.isnan(g)) or g == w
        for g, w in zip(got, want, strict=True)
    )


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (9.999, (math.nan, None, math.nan)),  # nothing measured yet
        (10.0, (1.0, "low", 10.0)),  # log2(80/40) = 1, measured that very day
        (25.0, (1.0, "low", 10.0)),  # the missing entry of day 20 is skipped, not negative
        (30.0, (-1.0, "negative", 30.0)),
        (39.5, (-1.0, "negative", 30.0)),
        (40.0, (5.0, "high", 40.0)),  # log2(1280/40) = 5
        (60.0, (2.0, "moderate", 60.0)),  # 160 is the first moderate titer
        (70.0, (4.0, "high", 70.0)),  # 640 is the first high titer
        (1e6, (4.0, "high", 70.0)),  # carried forward indefinitely
    ],
)
def test_ana_values_locf(day: float, expected: tuple) -> None:
    assert _same(ana_values(_ana_case(), day), expected)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (44.999, (5.0, "high", 40.0)),
        (45.0, (math.nan, None, math.nan)),  # 1:1280 of day 40 expires on day 40 + 5
        (59.0, (math.nan, None, math.nan)),  # and the older 1:80 does not come back
        (64.0, (2.0, "moderate", 60.0)),
        (65.0, (math.nan, None, math.nan)),
    ],
)
def test_ana_values_window(day: float, expected: tuple) -> None:
    assert _same(ana_values(_ana_case(), day, window=5.0), expected)


def test_ana_values_custom_scale() -> None:
    scale = AnaScale(reference=80.0, negative=-3.0, thresholds=(100.0, 1000.0))
    assert ana_values(_ana_case(), 12.0, scale=scale) == (0.0, "low", 10.0)
    assert ana_values(_ana_case(), 35.0, scale=scale) == (-3.0, "negative", 30.0)
    assert ana_values(_ana_case(), 50.0, scale=scale) == (4.0, "high", 40.0)  # log2(1280/80)
    assert ana_values(_ana_case(), 61.0, scale=scale) == (1.0, "moderate", 60.0)


def _treatment_case() -> Case:
    # infliximab [0, 100); methotrexate [50, 200); adalimumab [120, 300);
    # secukinumab [150, 250); topical steroid [10, 400); nothing after 400.
    return Case(
        "tx",
        inducing_agent="infliximab",
        onset=Onset(30.0),
        treatments=[
            TreatmentEpisode("topical_corticosteroid", 10.0, 400.0),
            TreatmentEpisode("methotrexate", 50.0, 200.0),
            TreatmentEpisode("infliximab", 0.0, 100.0),
            TreatmentEpisode("secukinumab", 150.0, 250.0),
            TreatmentEpisode("adalimumab", 120.0, 300.0),
        ],
        outcomes=[Outcome("complete_resolution", 350.0)],
        last_follow_up=500.0,
    )


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (0.0, ("infliximab", "anti_tnf", True, "infliximab")),
        (10.0, ("infliximab", "anti_tnf", True, "infliximab+topical_corticosteroid")),
        # a biologic beats a later-started systemic drug
        (60.0, ("infliximab", "anti_tnf", True,
                "infliximab+methotrexate+topical_corticosteroid")),
        # infliximab no longer runs on its stop day: methotrexate (systemic) is primary
        (100.0, ("methotrexate", "systemic_nonbiologic", False,
                 "methotrexate+topical_corticosteroid")),
        (120.0, ("adalimumab", "anti_tnf", True,
                 "adalimumab+methotrexate+topical_corticosteroid")),
        # the latest-started biologic is primary; still on an anti-TNF agent
        (150.0, ("secukinumab", "il17", True,
                 "adalimumab+methotrexate+secukinumab+topical_corticosteroid")),
        (260.0, ("adalimumab", "anti_tnf", True, "adalimumab+topical_corticosteroid")),
        # only a topical drug: it is the primary treatment, of its own class
        (300.0, ("topical_corticosteroid", "topical", False, "topical_corticosteroid")),
        (400.0, ("none", "none", False, "")),
    ],
)  # fmt: skip
def test_treatment_values(day: float, expected: tuple) -> None:
    assert treatment_values(_treatment_case(), day) == expected


def test_switches_at_counts_switches_on_or_before_the_day() -> None:
    # infliximab stops on day 100, secukinumab starts on day 110 (10 days later: a switch);
    # secukinumab stops on day 200, ustekinumab starts on day 180 (tapering overlap: a switch);
    # methotrexate added on day 300 while ustekinumab continues (an add-on: nothing stopped
    # within [300 - 30, 300 + 90]);
    # a topical drug started on day 250 never takes part.
    c = Case(
        "sw",
        inducing_agent="infliximab",
        onset=Onset(40.0),
        treatments=[
            TreatmentEpisode("infliximab", 0.0, 100.0),
            TreatmentEpisode("secukinumab", 110.0, 200.0),
            TreatmentEpisode("methotrexate", 300.0),
            TreatmentEpisode("ustekinumab", 180.0),
            TreatmentEpisode("topical_corticosteroid", 250.0),
        ],
        last_follow_up=400.0,
    )
    assert [s.day for s in c.drug_switches] == [110.0, 180.0]
    days = [0.0, 109.999, 110.0, 150.0, 179.999, 180.0, 300.0, 400.0]
    assert [switches_at(c, d) for d in days] == [0, 0, 1, 1, 1, 2, 2, 2]


def test_switches_at_without_treatment_changes_is_zero() -> None:
    c = Case("none", inducing_agent="etanercept", onset=Onset(5.0),
             treatments=[TreatmentEpisode("etanercept", 0.0)], last_follow_up=50.0)  # fmt: skip
    assert [switches_at(c, d) for d in (0.0, 5.0, 50.0)] == [0, 0, 0]
