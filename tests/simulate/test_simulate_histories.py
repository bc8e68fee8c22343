"""One data path: a simulated cohort's arrays and its case records give the same survival data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ppprog.simulate import CohortSpec, generate
from ppprog.simulate.histories import cohort_histories
from ppprog.tables import counting_process, onset_table, resolution_table
from ppprog.tables.schema import (
    DAYS_PER_MONTH,
    ONSET_COLUMNS,
    RESOLUTION_COLUMNS,
)

SPECS = {"onset": CohortSpec.default("onset"), "resolution": CohortSpec.default("resolution")}
TABLE = {
    "onset": (onset_table, ONSET_COLUMNS),
    "resolution": (resolution_table, RESOLUTION_COLUMNS),
}
ENDPOINT = {"onset": "onset", "resolution": "complete_resolution"}
SPLIT = {"onset": ["ana"], "resolution": ["treatment"]}


@pytest.mark.parametrize("endpoint", ["onset", "resolution"])
def test_subjects_frame_equals_the_table_of_its_case_records(endpoint: str) -> None:
    spec = SPECS[endpoint].replace({"censoring.death_rate": 0.02, "censoring.loss_rate": 0.03})
    b = generate(spec, 120, 2, seed=17)
    build, columns = TABLE[endpoint]
    df = b.to_frame("subjects")
    assert {c: str(t) for c, t in df.dtypes.items()} == columns
    assert df.attrs["time_unit"] == "days"
    for r in range(2):
        got = df[df["replicate"] == r].reset_index(drop=True)
        ref = build(b.to_cases(r))
        assert got["id"].tolist() == ref["id"].tolist()
        assert set(ref["cause"]) >= {2, 3}  # death and loss read back from the records
        for c, dtype in columns.items():
            if c == "replicate":
                continue
            if dtype == "float64":
                np.testing.assert_allclose(got[c], ref[c], rtol=1e-12, err_msg=c)
            else:
                pd.testing.assert_series_equal(got[c], ref[c], check_names=False, obj=c)
        np.testing.assert_array_equal(got["time"], b.time[r] * DAYS_PER_MONTH)
        np.testing.assert_array_equal(got["cause"], b.status[r])


def _per_subject(frame: pd.DataFrame) -> pd.DataFrame:
    f = frame.assign(at_risk=frame["stop"] - frame["start"])
    return f.groupby("id", sort=False).agg(events=("event", "sum"), at_risk=("at_risk", "sum"))


@settings(max_examples=20, deadline=None)
@given(
    endpoint=st.sampled_from(["onset", "resolution"]),
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 25),
    admin=st.floats(2.0, 60.0),
    loss=st.floats(0.0, 0.1),
    rate=st.floats(0.0, 0.5),
)
def test_records_and_arrays_give_the_same_events_and_time_at_risk(
    endpoint: str, seed: int, n: int, admin: float, loss: float, rate: float
) -> None:
    """The property of the issue: cases from records or from the generator's arrays, same data."""
    changes = {"censoring.administrative": admin, "censoring.loss_rate": loss}
    if endpoint == "resolution":
        changes["resolution.management.rate"] = rate
    b = generate(SPECS[endpoint].replace(changes), n, 2, seed=seed)
    sd = b.counting()
    base = b.counting(time_varying=False)
    for r in range(2):
        cases = b.to_cases(r)
        records = _per_subject(counting_process(cases, ENDPOINT[endpoint],
                                                time_varying=SPLIT[endpoint]))  # fmt: skip
        one = sd.replicate(r)
        at_risk = np.bincount(one.subject[0], weights=one.stop[0] - one.start[0], minlength=n)
        events = np.bincount(one.subject[0], weights=one.event_indicator()[0], minlength=n)
        np.testing.assert_array_equal(records["events"].to_numpy(), events)
        np.testing.assert_allclose(records["at_risk"].to_numpy(), at_risk, rtol=1e-9)
        table = TABLE[endpoint][0](cases)
        np.testing.assert_allclose(table["time"], base.stop[r], rtol=1e-9)
        np.testing.assert_array_equal(table["event"], base.event_indicator()[r])
        np.testing.assert_array_equal(table["cause"], base.event[r])


def _arrays(sd) -> list[np.ndarray]:  # noqa: ANN001
    return [sd.start, sd.stop, sd.event, sd.X, sd.subject, sd.time_low]


@pytest.mark.parametrize("endpoint", ["onset", "resolution"])
def test_chunked_generation_gives_the_same_survival_data_bit_for_bit(endpoint: str) -> None:
    whole = generate(SPECS[endpoint], 40, 6, seed=3, scenario=1)
    parts = [generate(SPECS[endpoint], 40, 3, seed=3, scenario=1, first_replicate=f)
             for f in (0, 3)]  # fmt: skip
    full = whole.counting()
    for r in range(6):
        piece = parts[r // 3].counting().replicate(r % 3)
        for x, y in zip(_arrays(full.replicate(r)), _arrays(piece)):
            assert np.array_equal(x, y)
    frames = pd.concat([p.to_frame("subjects") for p in parts], ignore_index=True)
    pd.testing.assert_frame_equal(whole.to_frame("subjects"), frames, check_exact=True)


def test_histories_are_in_days_with_the_design_and_table_columns() -> None:
    b = generate(SPECS["resolution"], 30, 2, seed=5)
    h = cohort_histories(b, table=True)
    base, tv = b.names
    assert h.varying_names == tuple(tv)
    assert set(base) <= set(h.baseline_names)
    assert {"pustular_extent", "ana_log2_onset", "onset_day"} <= set(h.baseline_names)
    np.testing.assert_array_equal(h.exit, b.time * DAYS_PER_MONTH)
    np.testing.assert_array_equal(h.changes, b.breaks * DAYS_PER_MONTH)
    assert h.time_unit == "days"
    assert h.levels["pustular_extent"] == ("none", "localized", "generalized")
