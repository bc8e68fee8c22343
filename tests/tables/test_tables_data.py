"""SurvivalData: construction, shape checks, replicate views, events by cause, totals."""

from __future__ import annotations

import numpy as np
import pytest

from ppprog.tables.data import TIME_UNIT, SurvivalData


def _batch() -> SurvivalData:
    # two replicates: 3 real rows, then 2 real rows and one padding row
    stop = np.array([[2.0, 5.0, 3.0], [4.0, 1.0, 0.0]])
    event = np.array([[1, 0, 2], [1, 1, 0]])
    X = np.arange(12, dtype=float).reshape(2, 3, 2)
    mask = np.array([[True, True, True], [True, True, False]])
    start = np.array([[0.0, 1.0, 0.0], [0.5, 0.0, 0.0]])
    return SurvivalData.from_arrays(
        stop, event, X, names=["a", "b"], start=start, mask=mask,
        time_low=stop, time_high=np.where(event == 1, stop, np.inf),
    )  # fmt: skip


def test_from_arrays_fills_neutral_values() -> None:
    sd = SurvivalData.from_arrays([3.0, 1.0, 2.0], [True, False, True])
    assert sd.stop.shape == (1, 3)
    assert sd.event.dtype == np.int64
    assert sd.event.tolist() == [[1, 0, 1]]
    assert sd.X.shape == (1, 3, 0)
    assert not sd.has_entry
    assert sd.start.tolist() == [[0.0, 0.0, 0.0]]
    assert sd.mask.all()
    assert sd.subject.tolist() == [[0, 1, 2]]
    assert sd.cluster.tolist() == sd.subject.tolist()
    assert sd.time_unit == TIME_UNIT == "days"
    one_col = SurvivalData.from_arrays([1.0, 2.0], [1, 0], [0.5, 1.5])
    assert one_col.names == ("x0",)
    assert one_col.X[0, :, 0].tolist() == [0.5, 1.5]


def test_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="event has shape"):
        SurvivalData.from_arrays([1.0, 2.0], [1, 0, 1])
    with pytest.raises(ValueError, match="X has shape"):
        SurvivalData.from_arrays([1.0, 2.0], [1, 0], np.zeros((2, 2)), names=["a"])
    with pytest.raises(ValueError, match="time_low has shape"):
        SurvivalData.from_arrays([1.0, 2.0], [1, 0], time_low=np.zeros(3)[None])
    with pytest.raises(ValueError, match=r"shape \(m,\) or \(R, m\)"):
        SurvivalData.from_arrays(np.zeros((1, 2, 2)), [1, 0])


def test_event_indicator_by_cause_and_mask() -> None:
    sd = _batch()
    assert sd.event_indicator().tolist() == [[True, False, False], [True, True, False]]
    assert sd.event_indicator(2).tolist() == [[False, False, True], [False, False, False]]


def test_replicate_drops_padding_and_keeps_bounds() -> None:
    sd = _batch()
    one = sd.replicate(1)
    assert one.n_replicates == 1
    assert one.n_rows == 2
    assert one.stop.tolist() == [[4.0, 1.0]]
    assert one.start.tolist() == [[0.5, 0.0]]
    assert one.X[0].tolist() == [[6.0, 7.0], [8.0, 9.0]]
    assert one.time_high.tolist() == [[4.0, 1.0]]
    assert one.has_entry
    assert one.mask.all()


def test_select_reorders_and_rejects_unknown() -> None:
    sd = _batch().select(["b", "a"])
    assert sd.names == ("b", "a")
    assert sd.X[0, 0].tolist() == [1.0, 0.0]
    with pytest.raises(KeyError, match="not in data"):
        sd.select(["c"])


def test_totals_count_events_of_interest_and_time_at_risk() -> None:
    events, at_risk = _batch().totals()
    assert events.tolist() == [1, 2]
    # replicate 0: 2 + 4 + 3; replicate 1: 3.5 + 1 (padding row excluded)
    assert at_risk.tolist() == [9.0, 4.5]
