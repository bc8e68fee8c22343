"""Counting-process encoding: hand cases, Hypothesis properties, and lifelines acceptance."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from ppprog._core.errors import ValidationError
from ppprog._core.resources import data_path
from ppprog.records.case import AnaMeasurement, Case, Onset, Outcome, TreatmentEpisode
from ppprog.records.io import read_cases
from ppprog.records.quantities import Titer
from ppprog.tables import check_counting_process, counting_process, resolution_table
from ppprog.tables.covariates import ana_values, switches_at, treatment_values
from strategies import case_lists

PROPS = settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow], deadline=None)


def _hand_case() -> Case:
    # onset day 100; ANA at 90 (1:80), 130 (missing), 150 (1:640); infliximab stopped on day 120
    # and replaced by secukinumab (a switch); colchicine added on day 170; resolution on day 200.
    return Case(
        "h",
        inducing_agent="infliximab",
        onset=Onset(100.0, pustular_extent="localized"),
        ana=[AnaMeasurement(90.0, Titer.positive(80)), AnaMeasurement(130.0, Titer.missing()),
             AnaMeasurement(150.0, Titer.positive(640))],
        treatments=[TreatmentEpisode("infliximab", 0.0, 120.0),
                    TreatmentEpisode("secukinumab", 120.0), TreatmentEpisode("colchicine", 170.0)],
        outcomes=[Outcome("complete_resolution", 200.0)],
        last_follow_up=300.0,
    )  # fmt: skip


def test_hand_case_rows() -> None:
    df = counting_process([_hand_case()])
    got = df[["start", "stop", "event", "ana_log2", "treatment", "n_switches", "agents"]]
    expected = pd.DataFrame({
        "start": [0.0, 20.0, 50.0, 70.0], "stop": [20.0, 50.0, 70.0, 100.0],
        "event": [0, 0, 0, 1], "ana_log2": [1.0, 1.0, 4.0, 4.0],
        "treatment": ["infliximab", "secukinumab", "secukinumab", "secukinumab"],
        "n_switches": [0, 1, 1, 1],
        "agents": ["infliximab", "secukinumab", "secukinumab", "colchicine+secukinumab"],
    })  # fmt: skip
    pd.testing.assert_frame_equal(got, expected)
    assert df["pustular_extent"].eq("localized").all()


def test_choice_of_time_varying_covariates_merges_rows() -> None:
    df = counting_process([_hand_case()], time_varying=["ana"])
    assert df[["start", "stop"]].to_numpy().tolist() == [[0.0, 50.0], [50.0, 100.0]]
    assert "treatment" not in df.columns
    df = counting_process([_hand_case()], time_varying=[])
    assert df[["start", "stop", "event"]].to_numpy().tolist() == [[0.0, 100.0, 1.0]]
    with pytest.raises(ValueError, match="time_varying"):
        counting_process([_hand_case()], time_varying=["dose"])


def test_ana_window_expires_measurements() -> None:
    df = counting_process([_hand_case()], time_varying=["ana"], ana_window=30.0)
    # 1:80 on day 90 is in effect until day 120 (time 20); 1:640 from day 150 (time 50) to 180
    assert df[["start", "stop"]].to_numpy().tolist() == [[0, 20], [20, 50], [50, 80], [80, 100]]
    assert np.isnan(df["ana_log2"].to_numpy()[[1, 3]]).all()
    assert df["ana_log2"].to_numpy()[[0, 2]].tolist() == [1.0, 4.0]


def test_pustule_clearance_endpoint_and_zero_length_follow_up() -> None:
    c = Case("z", inducing_agent="infliximab", onset=Onset(10.0),
             treatments=[TreatmentEpisode("infliximab", 0.0)],
             outcomes=[Outcome("pustule_clearance", 10.0)], last_follow_up=50.0)  # fmt: skip
    df = counting_process([c], endpoint="pustule_clearance")
    assert df[["start", "stop", "event"]].to_numpy().tolist() == [[0.0, 0.0, 1.0]]
    check_counting_process(df, resolution_table([c], endpoint="pustule_clearance"))


def test_seed_cases_tile_and_match() -> None:
    cases = read_cases(data_path("cases", "seed_report.yaml"))
    for ep in ("complete_resolution", "pustule_clearance"):
        df = counting_process(cases, endpoint=ep)
        res = check_counting_process(df, resolution_table(cases, endpoint=ep))
        assert res.n_events == resolution_table(cases, endpoint=ep)["event"].sum()
    # case 2: the four derived switches appear one by one
    df = counting_process(cases)
    assert df.loc[df["id"] == "seed-case-2", "n_switches"].tolist() == [0, 1, 1, 2, 3, 4, 4]


def test_check_reports_broken_frames() -> None:
    df = counting_process([_hand_case()])
    broken = df.copy()
    broken.loc[1, "start"] = 25.0  # gap
    broken.loc[0, "event"] = 1  # event not on the last row
    with pytest.raises(ValidationError) as info:
        check_counting_process(broken)
    msgs = " ".join(p.message for p in info.value.problems)
    assert "gap between rows 0 and 1" in msgs
    assert "not the case's last" in msgs
    ref = resolution_table([_hand_case()]).assign(time=99.0)
    with pytest.raises(ValidationError, match="resolution time 99"):
        check_counting_process(df, ref)


@PROPS
@given(case_lists(1, 5, onset=True))
def test_counting_process_tiles_and_keeps_every_event(cases: list[Case]) -> None:
    for ep in ("complete_resolution", "pustule_clearance"):
        df = counting_process(cases, endpoint=ep)
        res = resolution_table(cases, endpoint=ep)
        summary = check_counting_process(df, res)
        assert summary.n_events == res["event"].sum()
        assert math.isclose(summary.time_at_risk, res["time"].sum(), rel_tol=1e-9, abs_tol=1e-9)
        assert summary.n_ids == len(cases)
        last = df.groupby("id").tail(1).set_index("id")["event"]
        assert df["event"].sum() == last.sum()
        assert (last.reindex(res["id"]).to_numpy() == res["event"].to_numpy()).all()


@pytest.mark.parametrize("window", [None, 45.0])
def test_rows_hold_constant_values_and_change_between_rows(window: float | None) -> None:
    """Values at the middle of each interval equal the row's: no change was missed."""

    @PROPS
    @given(case_lists(1, 4, onset=True))
    def check(cases: list[Case]) -> None:
        _check_midpoints(cases, window)

    check()


def _check_midpoints(cases: list[Case], window: float | None) -> None:
    df = counting_process(cases, ana_window=window)
    by_id = {c.case_id: c for c in cases}
    tv = ["ana_log2", "ana_category", "ana_day", "treatment", "treatment_class",
          "on_anti_tnf", "agents", "n_switches"]  # fmt: skip
    for _, g in df.groupby("id", sort=False):
        c = by_id[g["id"].iloc[0]]
        keys = []
        for row in g.itertuples(index=False):
            if row.stop == row.start:
                continue
            here = tuple(getattr(row, k) for k in tv)
            keys.append(here)
            if row.stop - row.start < 1e-6:  # a midpoint probe cannot split adjacent floats
                continue
            day = c.onset.day.day + 0.5 * (row.start + row.stop)
            mid = (
                *ana_values(c, day, window=window),
                *treatment_values(c, day),
                switches_at(c, day),
            )
            assert _same(mid, here), (row, mid)
        assert all(not _same(a, b) for a, b in zip(keys, keys[1:]))


def _same(a: tuple, b: tuple) -> bool:
    def norm(x):
        return None if x is None or (isinstance(x, float) and math.isnan(x)) else x

    return tuple(map(norm, a)) == tuple(map(norm, b))


def _cohort(n: int, seed: int) -> list[Case]:
    """A synthetic cohort with ANA before onset, a switch for some, random resolution."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    cases = []
    for i in range(n):
        onset = float(rng.uniform(30, 500))
        stop_ifx = onset + float(rng.uniform(1, 30))
        t_res = float(rng.exponential(200))
        last = onset + float(rng.uniform(50, 600))
        eps = [
            TreatmentEpisode("infliximab", 0.0, stop_ifx),
            TreatmentEpisode("secukinumab", stop_ifx),
        ]  # noqa: E501
        ana = [
            AnaMeasurement(
                onset - float(rng.uniform(1, 20)), Titer.positive(float(rng.choice([40, 160, 640])))
            )
        ]  # noqa: E501
        if rng.random() < 0.5:
            ana.append(AnaMeasurement(float(rng.uniform(onset, last)), Titer.negative(40.0)))
        outcomes = [Outcome("complete_resolution", onset + t_res)] if onset + t_res <= last else []
        cases.append(Case(f"s{i}", inducing_agent="infliximab", onset=Onset(onset),
                          ana=ana, treatments=eps, outcomes=outcomes, last_follow_up=last))  # fmt: skip
    return cases


def test_lifelines_accepts_the_counting_process_frame() -> None:
    from lifelines import CoxPHFitter, CoxTimeVaryingFitter

    cases = _cohort(80, 20261124)
    rng = np.random.default_rng(np.random.SeedSequence(7))
    age = {c.case_id: float(rng.uniform(20, 70)) for c in cases}
    cp = counting_process(cases).assign(x=lambda d: d["id"].map(age))
    res = resolution_table(cases).assign(x=lambda d: d["id"].map(age))
    check_counting_process(cp, res)
    assert cp.groupby("id").size().max() > 1  # rows were split
    ctv = CoxTimeVaryingFitter()
    ctv.fit(cp[["id", "start", "stop", "event", "ana_log2", "n_switches", "x"]],
            id_col="id", start_col="start", stop_col="stop", event_col="event")  # fmt: skip
    assert np.isfinite(ctv.params_.to_numpy()).all()
    # With a covariate constant within each case, splitting must not change the fit:
    # CoxTimeVaryingFitter on the split rows equals CoxPHFitter on the resolution table.
    ctv_x = CoxTimeVaryingFitter().fit(cp[["id", "start", "stop", "event", "x"]], id_col="id",
                                       start_col="start", stop_col="stop", event_col="event")  # fmt: skip
    cph = CoxPHFitter().fit(res[["time", "event", "x"]], duration_col="time", event_col="event")
    np.testing.assert_allclose(ctv_x.params_["x"], cph.params_["x"], rtol=1e-6)
    np.testing.assert_allclose(ctv_x.log_likelihood_, cph.log_likelihood_, rtol=1e-9)
