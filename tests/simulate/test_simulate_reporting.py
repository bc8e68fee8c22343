"""Reported-time bounds: the true time always lies in its bounds; hand cases; batches."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ppprog._core.errors import SpecError
from ppprog.simulate.reporting import MONTHS_PER_WEEK, rounded_bounds, visit_bounds

times = st.lists(
    st.tuples(st.floats(0, 400, allow_nan=False), st.booleans()), min_size=1, max_size=40
)


def _arrays(rows: list) -> tuple[np.ndarray, np.ndarray]:
    return np.array([t for t, _ in rows]), np.array([e for _, e in rows])


@given(times, st.floats(0.5, 60), st.floats(0, 0.8), st.integers(0, 2**32))
def test_visit_bounds_contain_the_true_time(
    rows: list, every: float, miss: float, seed: int
) -> None:
    t, e = _arrays(rows)
    r = visit_bounds(t, e, every=every, miss=miss, seed=seed)
    assert ((r.left < t) | (t == 0))[e].all()
    assert (t <= r.right)[e].all()
    assert np.isinf(r.right[~e]).all()
    assert (r.left <= t)[~e].all()
    # visits fall on the schedule
    np.testing.assert_allclose(np.round(r.left / every) * every, r.left, atol=1e-9)
    np.testing.assert_array_equal(r.reported, np.where(e, r.right, r.left))


@given(times, st.floats(0.5, 60), st.sampled_from(["nearest", "completed"]))
def test_rounded_bounds_contain_the_true_time(rows: list, unit: float, how: str) -> None:
    t, e = _arrays(rows)
    r = rounded_bounds(t, e, unit=unit, how=how)
    eps = 1e-9 * unit
    assert ((r.left - eps <= t) & (t <= r.right + eps))[e].all()
    assert (r.left <= t + eps)[~e].all()
    assert ((r.reported >= r.left - eps) & (r.reported <= r.right + eps))[e].all()
    width = r.width[e]
    assert ((width <= unit * (1 + 1e-12)) & (width > 0)).all()


def test_visit_hand_cases() -> None:
    r = visit_bounds([3.0, 8.0, 9.5, 0.0, 12.0], [1, 1, 0, 1, 0], every=4.0)
    np.testing.assert_array_equal(r.left, [0.0, 4.0, 8.0, 0.0, 12.0])
    np.testing.assert_array_equal(r.right, [4.0, 8.0, np.inf, 4.0, np.inf])
    assert r.scheme == "visits every 4"


def test_missed_visits_widen_and_are_reproducible() -> None:
    rng = np.random.default_rng(np.random.SeedSequence(3))
    t = rng.exponential(30.0, (4, 200))  # a batch (R, n)
    e = rng.random((4, 200)) < 0.7
    full = visit_bounds(t, e, every=7.0)
    a = visit_bounds(t, e, every=7.0, miss=0.3, seed=9)
    b = visit_bounds(t, e, every=7.0, miss=0.3, seed=9)
    np.testing.assert_array_equal(a.left, b.left)
    assert a.left.shape == (4, 200)
    assert (a.left <= full.left).all()
    assert (a.right >= full.right).all()
    assert np.nanmean(a.width) > np.nanmean(full.width)


def test_rounding_hand_cases_and_exact_rows() -> None:
    r = rounded_bounds([55.0, 2.0, 10.0], [1, 1, 0], unit=7.0)
    np.testing.assert_array_equal(r.left, [52.5, 0.0, 3.5])
    np.testing.assert_array_equal(r.right, [59.5, 3.5, np.inf])
    np.testing.assert_array_equal(r.reported, [56.0, 0.0, 7.0])
    r = rounded_bounds([55.0, 10.0], [1, 0], unit=7.0, how="completed", exact=[True, False])
    np.testing.assert_array_equal(r.left, [55.0, 7.0])
    np.testing.assert_array_equal(r.right, [55.0, np.inf])
    # 8 weeks in months
    r = rounded_bounds([1.9], [1], unit=MONTHS_PER_WEEK)
    assert r.reported[0] / MONTHS_PER_WEEK == pytest.approx(8.0)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: visit_bounds([1.0], [1], every=0), "every must be a positive"),
        (lambda: visit_bounds([1.0], [1], every=2, miss=0.2), "seed is needed"),
        (lambda: visit_bounds([-1.0], [1], every=2), "finite and >= 0"),
        (lambda: rounded_bounds([1.0], [1, 0], unit=7), "event has shape"),
        (lambda: rounded_bounds([1.0], [1], unit=7, how="up"), "how must be"),
        (lambda: rounded_bounds([1.0], [2], unit=7), "boolean or 0/1"),
    ],
)
def test_bad_input(call, match: str) -> None:  # noqa: ANN001
    with pytest.raises(SpecError, match=match):
        call()
