"""Study method ``switch_cox``: drug-switch counts in three encodings through tables.encode."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ppprog._core.errors import SpecError
from ppprog._core.resources import data_path
from ppprog.studies.cohorts import resolution_cohorts
from ppprog.studies.studyfile import load_study
from ppprog.studies.switch_methods import (
    switch_counts,
    switch_cox,
    switch_data,
    switch_histories,
    switch_times,
)

NAN = np.nan


def naive_design(time, event, sw):  # noqa: ANN001, ANN201
    return switch_data(switch_histories(time, event, sw), "naive", 0.0)


def time_varying_design(time, event, sw):  # noqa: ANN001, ANN201
    return switch_data(switch_histories(time, event, sw), "time-varying", 0.0)


def landmark_design(time, event, sw, landmark):  # noqa: ANN001, ANN201
    return switch_data(switch_histories(time, event, sw), "landmark", landmark)


def _toy() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    time = np.array([[5.0, 2.0, 9.0]])
    event = np.array([[True, False, True]])
    sw = np.array([[[1.0, 3.0], [NAN, NAN], [4.0, NAN]]])
    return time, event, sw


def test_naive_counts_every_switch_of_the_course() -> None:
    time, event, sw = _toy()
    d = naive_design(time, event, sw)
    assert d.X[0, :, 0].tolist() == [2.0, 0.0, 1.0]
    assert not d.has_entry
    assert d.mask.all()


def test_time_varying_rows_tile_follow_up() -> None:
    time, event, sw = _toy()
    d = time_varying_design(time, event, sw)
    m = d.mask[0]
    start, stop, x = d.start[0][m], d.stop[0][m], d.X[0, :, 0][m]
    ev = d.event_indicator()[0][m]
    # subject 0: (0,1] x0, (1,3] x1, (3,5] x2 event; subject 1: (0,2] x0; subject 2: (0,4] x0, (4,9] x1 event
    assert start.tolist() == [0.0, 1.0, 3.0, 0.0, 0.0, 4.0]
    assert stop.tolist() == [1.0, 3.0, 5.0, 2.0, 4.0, 9.0]
    assert x.tolist() == [0.0, 1.0, 2.0, 0.0, 0.0, 1.0]
    assert ev.tolist() == [False, False, True, False, False, True]
    assert (stop - start).sum() == time.sum()
    assert ev.sum() == event.sum()


def test_landmark_keeps_cases_at_risk_and_counts_switches_by_then() -> None:
    time, event, sw = _toy()
    d = landmark_design(time, event, sw, landmark=3.5)
    assert d.mask[0].tolist() == [True, False, True]
    assert d.X[0, :, 0][d.mask[0]].tolist() == [2.0, 0.0]
    assert d.stop[0][d.mask[0]].tolist() == [1.5, 5.5]
    assert switch_counts(sw, np.array([[2.0, 2.0, 2.0]]))[0].tolist() == [1.0, 0.0, 0.0]


def test_bad_inputs_raise() -> None:
    time, event, sw = _toy()
    with pytest.raises(SpecError, match="precede"):
        naive_design(time, event, sw + 10.0)
    with pytest.raises(SpecError, match="landmark"):
        landmark_design(time, event, sw, landmark=0.0)
    with pytest.raises(SpecError, match="encoding"):
        switch_data(switch_histories(time, event, sw), "future", 1.0)
    b = resolution_cohorts({"n": 5}, replicates=1, seed=1, scenario=0, first_replicate=0)
    with pytest.raises(SpecError, match="unknown strategies"):
        switch_times(b, ["switch_drug"])
    with pytest.raises(SpecError, match="encoding must be"):
        switch_cox(b, encoding="future")


def test_naive_encoding_is_biased_toward_protracted_and_time_varying_is_not() -> None:
    """Under no effect of switching, naive log HR < 0; time-varying and landmark within MC error."""
    study = load_study(data_path("studies", "claims", "immortal_time.toml"))
    params = dict(study.scenarios[-1].params, n=150)
    data = resolution_cohorts(params, replicates=80, seed=20261124, scenario=1, first_replicate=0)
    res = {}
    for enc in ("naive", "time-varying", "landmark"):
        out = switch_cox(data, encoding=enc)
        est = out[(out["estimand"] == "switches") & (out["status"] == "converged")]["estimate"]
        res[enc] = (est.mean(), est.std(ddof=1) / np.sqrt(len(est)))
        per_case = out[out["estimand"] == "switches_per_case"]["estimate"].to_numpy()
        expect = switch_counts(switch_times(data, ["switch_tnf", "switch_class"])).mean(axis=1)
        np.testing.assert_allclose(per_case, expect, rtol=1e-12)
    mean, mcse = res["naive"]
    assert mean < -5 * mcse  # HR < 1 for resolution: switchers look protracted
    for enc in ("time-varying", "landmark"):
        mean, mcse = res[enc]
        assert abs(mean) < 3.5 * mcse, (enc, mean, mcse)


@st.composite
def _courses(draw):  # noqa: ANN001, ANN202
    n = draw(st.integers(1, 6))
    k = draw(st.integers(0, 3))
    times = draw(st.lists(st.floats(1.0, 50.0), min_size=n, max_size=n))
    events = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    sw = np.full((1, n, max(k, 1)), np.nan)
    for i, t in enumerate(times):
        m = draw(st.integers(0, k))
        cuts = sorted(draw(st.lists(st.floats(0.01, 0.99), min_size=m, max_size=m, unique=True)))
        sw[0, i, :m] = [c * t for c in cuts]
    return np.array([times]), np.array([events]), sw


@given(_courses())
def test_time_varying_rows_tile_every_course(course) -> None:  # noqa: ANN001
    time, event, sw = course
    d = time_varying_design(time, event, sw)
    m = d.mask[0]
    subject = d.subject[0][m]
    length = np.bincount(subject, weights=(d.stop[0] - d.start[0])[m], minlength=time.shape[1])
    np.testing.assert_allclose(length, time[0], rtol=1e-12)
    assert d.event_indicator()[0][m].sum() == event.sum()
    np.testing.assert_array_equal(
        np.bincount(subject, minlength=time.shape[1]), switch_counts(sw)[0] + 1
    )
    assert np.all(d.stop[0][m] > d.start[0][m])
