"""The encoders: hand cases and a loop-based reference over random histories (Hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ppprog.tables.encode import encode_baseline, encode_counting, encode_landmark
from ppprog.tables.histories import SubjectHistories

INF = math.inf
NAN = math.nan


def _hand() -> SubjectHistories:
    return SubjectHistories.from_arrays(
        [[10.0, 0.0, 4.0]], [[1, 0, 2]], entry=[[0.0, 0.0, 1.0]],
        baseline={"a": [[5.0, 6.0, 7.0]]},
        changes=[[[2.0, 6.0, 12.0], [NAN, NAN, NAN], [1.0, 3.0, INF]]],
        varying={"x": [[[0.0, 1.0, 1.0, 3.0], [4.0, NAN, NAN, NAN], [7.0, 8.0, 9.0, 9.0]]]},
        ids=("s0", "s1", "s2"), levels={"a": ("p", "q", "r", "s", "t", "u", "v", "w")},
    )  # fmt: skip


def _rows(sd, r=0):  # noqa: ANN001, ANN202
    m = sd.mask[r]
    return [
        (int(s), float(a), float(b), int(e), *map(float, x))
        for s, a, b, e, x in zip(sd.subject[r][m], sd.start[r][m], sd.stop[r][m],
                                 sd.event[r][m], sd.X[r][m])
    ]  # fmt: skip


def test_counting_splits_merges_and_keeps_zero_length_follow_up() -> None:
    sd = encode_counting(_hand())
    assert sd.names == ("a", "x")
    assert sd.has_entry
    assert _rows(sd) == [
        (0, 0.0, 2.0, 0, 5.0, 0.0), (0, 2.0, 10.0, 1, 5.0, 1.0),  # the change at 6 merged
        (1, 0.0, 0.0, 0, 6.0, 4.0),  # exit at entry: one (0, 0] row
        (2, 1.0, 3.0, 0, 7.0, 8.0), (2, 3.0, 4.0, 2, 7.0, 9.0),  # change at entry: value 8
    ]  # fmt: skip
    raw = encode_counting(_hand(), merge=False)
    assert [r[1:3] for r in _rows(raw) if r[0] == 0] == [(0.0, 2.0), (2.0, 6.0), (6.0, 10.0)]
    assert sd.levels == {"a": ("p", "q", "r", "s", "t", "u", "v", "w")}
    assert sd.time_low is None
    base_only = encode_counting(_hand(), ["a"])
    assert [r[1:4] for r in _rows(base_only)] == [(0.0, 10.0, 1), (0.0, 0.0, 0), (1.0, 4.0, 2)]


def test_baseline_takes_time_varying_values_at_entry() -> None:
    sd = encode_baseline(_hand(), ["x", "a"])
    assert sd.names == ("x", "a")
    assert sd.has_entry  # subject 2 enters at 1
    assert _rows(sd) == [(0, 0.0, 10.0, 1, 0.0, 5.0), (1, 0.0, 0.0, 0, 4.0, 6.0),
                         (2, 1.0, 4.0, 2, 8.0, 7.0)]  # fmt: skip
    assert sd.event_indicator().tolist() == [[True, False, False]]


def test_landmark_keeps_subjects_at_risk_with_values_as_of_then() -> None:
    sd = encode_landmark(_hand(), 2.0, ["x"])
    assert sd.mask.tolist() == [[True, False, True]]
    assert not sd.has_entry
    # subject 0: switch at 2 counts (change at the landmark included); time from the landmark
    assert _rows(sd) == [(0, 0.0, 8.0, 1, 1.0), (2, 0.0, 2.0, 2, 8.0)]


def test_unknown_covariates_and_bad_shapes_raise() -> None:
    with pytest.raises(ValueError, match="unknown covariates"):
        encode_counting(_hand(), ["nope"])
    h = _hand()
    with pytest.raises(ValueError, match="changes"):
        SubjectHistories(h.entry, h.exit, h.cause, h.baseline, h.baseline_names,
                         h.changes[..., :2], h.values, h.varying_names, h.mask)  # fmt: skip
    with pytest.raises(ValueError, match="entry has shape"):
        SubjectHistories.from_arrays([[1.0, 2.0]], [[1, 0]], entry=[[0.0]])


# --- a loop-based reference, written apart from the vectorized encoder ------------------------


def _value(h: SubjectHistories, r: int, i: int, t: float) -> tuple:
    k = sum(1 for c in h.changes[r, i] if c <= t)
    return tuple(h.values[r, i, k])


def _same(a: tuple, b: tuple) -> bool:
    return all(x == y or (math.isnan(x) and math.isnan(y)) for x, y in zip(a, b))


def _reference_rows(h: SubjectHistories, r: int, i: int) -> list[tuple]:
    entry, exit_ = h.entry[r, i], h.exit[r, i]
    cuts = sorted({c for c in h.changes[r, i] if entry < c < exit_})
    rows: list[list] = []
    for a in [entry, *cuts]:
        v = _value(h, r, i, a)
        if rows and _same(rows[-1][3], v):
            continue
        if rows:
            rows[-1][1] = a
        rows.append([a, exit_, 0, v])
    rows[-1][2] = int(h.cause[r, i])
    base = tuple(h.baseline[r, i])
    return [(i, float(a), float(b), e, *base, *v) for a, b, e, v in rows]


@st.composite
def histories(draw: st.DrawFn) -> SubjectHistories:
    R, n, K = draw(st.integers(1, 3)), draw(st.integers(1, 5)), draw(st.integers(0, 3))
    grid = st.sampled_from([0.0, 1.0, 2.0, 2.5, 4.0, 7.0, INF, NAN])
    entry = np.array(draw(st.lists(st.sampled_from([0.0, 0.0, 1.0]), min_size=R * n,
                                   max_size=R * n))).reshape(R, n)  # fmt: skip
    length = np.array(draw(st.lists(st.sampled_from([0.0, 0.5, 3.0, 6.0]), min_size=R * n,
                                    max_size=R * n))).reshape(R, n)  # fmt: skip
    changes = np.array(draw(st.lists(grid, min_size=R * n * K, max_size=R * n * K)))
    vals = st.sampled_from([0.0, 1.0, NAN])
    values = np.array(draw(st.lists(vals, min_size=R * n * (K + 1), max_size=R * n * (K + 1))))
    cause = np.array(draw(st.lists(st.integers(0, 3), min_size=R * n, max_size=R * n)))
    mask = np.array(draw(st.lists(st.booleans(), min_size=R * n, max_size=R * n)))
    return SubjectHistories.from_arrays(
        entry + length, cause.reshape(R, n), entry=entry,
        baseline={"b": np.arange(R * n, dtype=float).reshape(R, n)},
        changes=changes.reshape(R, n, K), varying={"x": values.reshape(R, n, K + 1)},
        mask=mask.reshape(R, n),
    )  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(histories())
def test_counting_equals_the_loop_reference(h: SubjectHistories) -> None:
    sd = encode_counting(h)
    for r in range(h.exit.shape[0]):
        got = _rows(sd, r)
        want = [
            row for i in range(h.exit.shape[1]) if h.mask[r, i] for row in _reference_rows(h, r, i)
        ]
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g[:4] == w[:4]
            assert _same(g[4:], w[4:])
        assert not sd.mask[r, len(got) :].any()  # padding only at the end
    events, at_risk = sd.totals()
    keep = h.mask
    assert events.tolist() == ((h.cause == 1) & keep).sum(axis=1).tolist()
    np.testing.assert_allclose(at_risk, np.where(keep, h.exit - h.entry, 0).sum(axis=1))


@settings(max_examples=100, deadline=None)
@given(histories(), st.sampled_from([0.5, 1.0, 2.0, 3.5]))
def test_baseline_and_landmark_equal_the_loop_reference(h: SubjectHistories, L: float) -> None:
    base = encode_baseline(h)
    land = encode_landmark(h, L)
    for r in range(h.exit.shape[0]):
        for i in range(h.exit.shape[1]):
            assert base.mask[r, i] == h.mask[r, i]
            at_risk = bool(h.mask[r, i] and h.entry[r, i] <= L < h.exit[r, i])
            assert land.mask[r, i] == at_risk
            if h.mask[r, i]:
                assert _same(
                    tuple(base.X[r, i]), (h.baseline[r, i, 0], *_value(h, r, i, h.entry[r, i]))
                )
                assert base.event[r, i] == h.cause[r, i]
            if at_risk:
                assert land.stop[r, i] == h.exit[r, i] - L
                assert _same(tuple(land.X[r, i]), (h.baseline[r, i, 0], *_value(h, r, i, L)))
