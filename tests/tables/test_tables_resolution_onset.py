"""Resolution and onset tables: hand-computed values on the seed cases, explicit exclusions."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from ppprog._core.errors import ValidationError
from ppprog._core.resources import data_path
from ppprog.records.case import AnaMeasurement, Case, Onset, Outcome, TreatmentEpisode
from ppprog.records.io import read_cases
from ppprog.records.quantities import TimeValue, Titer
from ppprog.tables import AnaScale, onset_table, resolution_table
from ppprog.tables.schema import ONSET_COLUMNS, RESOLUTION_COLUMNS


@pytest.fixture(scope="module")
def seed() -> list[Case]:
    return read_cases(data_path("cases", "seed_report.yaml"))


def test_seed_resolution_table(seed) -> None:
    df = resolution_table(seed)
    assert list(df.columns) == list(RESOLUTION_COLUMNS)
    assert {c: str(t) for c, t in df.dtypes.items()} == RESOLUTION_COLUMNS
    # days from data/cases/seed_report.yaml: last follow-up - onset; no complete resolution
    assert df["time"].tolist() == [1202.0 - 1081.0, 1066.0 - 498.0]
    assert df["event"].tolist() == [0, 0]
    # bounds: case 1 last follow-up has no upper bound; case 2 [1037 - 526, 1095 - 459]
    assert df["time_high"].iloc[0] == math.inf
    assert (df["time_low"].iloc[1], df["time_high"].iloc[1]) == (1037.0 - 526.0, 1095.0 - 459.0)
    # ANA at onset: 1:320 (log2 3, moderate) and 1:1000 (log2 25, high), Table 1
    assert df["ana_log2_onset"].tolist() == [3.0, math.log2(25.0)]
    assert df["ana_category_onset"].tolist() == ["moderate", "high"]
    assert df["pustular_extent"].tolist() == ["generalized", "generalized"]
    assert df["de_novo"].tolist() == [False, True]
    assert df["disease"].tolist() == ["psoriasis", "crohns"]


def test_seed_pustule_clearance(seed) -> None:
    df = resolution_table(seed, endpoint="pustule_clearance")
    assert df["time"].tolist() == [1109.0 - 1081.0, 532.0 - 498.0]
    assert df["event"].tolist() == [1, 1]


def test_seed_onset_table(seed) -> None:
    df = onset_table(seed)
    assert list(df.columns) == list(ONSET_COLUMNS)
    assert df["time"].tolist() == [1081.0, 498.0]
    assert df["event"].tolist() == [1, 1]
    assert df["ana_category_index"].tolist() == ["negative", "negative"]


def _treated(cid: str, onset: float | None, last: float, **kw) -> Case:
    return Case(cid, inducing_agent="adalimumab", onset=None if onset is None else Onset(onset),
                treatments=[TreatmentEpisode("adalimumab", 0.0)], last_follow_up=last, **kw)  # fmt: skip


def test_onset_table_censors_non_cases() -> None:
    cases = [_treated("a", 30.0, 400.0), _treated("b", None, 250.0), _treated("c", None, 90.5)]
    df = onset_table(cases)
    assert df[["id", "time", "event"]].to_dict("list") == {
        "id": ["a", "b", "c"], "time": [30.0, 250.0, 90.5], "event": [1, 0, 0]}  # fmt: skip


def test_cases_without_onset_raise_listing_every_id() -> None:
    cases = [_treated("a", 30.0, 400.0), _treated("b", None, 250.0), _treated("c", None, 90.5)]
    with pytest.raises(ValidationError) as info:
        resolution_table(cases)
    assert [(p.case_id, p.field) for p in info.value.problems] == [("b", "onset"), ("c", "onset")]


def test_exclusion_is_explicit() -> None:
    cases = [_treated("a", 30.0, 400.0), _treated("b", None, 250.0)]
    df = resolution_table(cases, on_missing="exclude")
    assert df["id"].tolist() == ["a"]
    assert df.attrs["excluded"] == ["b"]
    assert any("b" in n for n in df.attrs["notes"])
    with pytest.raises(ValueError, match="on_missing"):
        resolution_table(cases, on_missing="drop")


def test_invalid_cases_raise_and_endpoint_checked() -> None:
    bad = _treated("a", 500.0, 400.0)
    with pytest.raises(ValidationError, match="after the last follow-up"):
        resolution_table([bad])
    with pytest.raises(ValueError, match="endpoint"):
        resolution_table([_treated("a", 1.0, 4.0)], endpoint="recurrence")


def test_first_event_is_used_and_ana_locf_window() -> None:
    c = _treated(
        "a", 100.0, 400.0,
        outcomes=[Outcome("complete_resolution", 300.0), Outcome("complete_resolution", 250.0)],
        ana=[AnaMeasurement(10.0, Titer.positive(160)), AnaMeasurement(90.0, Titer.missing()),
             AnaMeasurement(101.0, Titer.positive(1280))],
    )  # fmt: skip
    df = resolution_table([c])
    assert (df["time"].iloc[0], df["event"].iloc[0]) == (150.0, 1)
    assert df["ana_log2_onset"].iloc[0] == 2.0  # 1:160 carried forward past the missing one
    df = resolution_table([c], ana_window=60.0)
    assert math.isnan(df["ana_log2_onset"].iloc[0])
    assert df["ana_category_onset"].iloc[0] is None
    scale = AnaScale(reference=160.0, thresholds=(100.0, 150.0))
    df = resolution_table([c], ana_scale=scale)
    assert (df["ana_log2_onset"].iloc[0], df["ana_category_onset"].iloc[0]) == (0.0, "high")


def test_time_bounds_follow_the_approximate_days() -> None:
    c = _treated("a", None, 400.0)
    c = Case("a", inducing_agent="adalimumab", treatments=c.treatments,
             onset=Onset(TimeValue(100.0, 90.0, 120.0, True)),
             outcomes=[Outcome("complete_resolution", TimeValue(200.0, 150.0, 260.0, True))],
             last_follow_up=400.0)  # fmt: skip
    row = resolution_table([c]).iloc[0]
    assert (row["time"], row["time_low"], row["time_high"]) == (100.0, 30.0, 170.0)
    assert bool(row["time_approximate"]) is True


def test_frames_are_plain_pandas() -> None:
    df = resolution_table([_treated("a", 1.0, 4.0)])
    assert isinstance(df, pd.DataFrame)
    assert df["de_novo"].isna().all()
