"""Formulas and missing values in fine_gray, aft_interval and cure_model (same rules as cox_ph)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ppprog
from ppprog._core.errors import ModelError


@pytest.fixture(scope="module")
def series() -> pd.DataFrame:
    rng = np.random.default_rng(np.random.SeedSequence(20261204))
    n = 400
    g = rng.choice(["none", "localized", "generalized"], n)
    x = rng.normal(size=n)
    lin = 0.5 * x + np.where(g == "generalized", -0.7, 0.0)
    cured = rng.random(n) < 0.3
    t = np.where(cured, np.inf, rng.weibull(1.3, n) * np.exp(-lin / 1.3))
    d = rng.exponential(4.0, n)
    c = 4.0 + 6.0 * rng.random(n)
    time = np.minimum.reduce([t, d, c])
    cause = np.select([time == t, time == d], [1, 2], 0)
    return pd.DataFrame({"id": [f"s{i}" for i in range(n)], "time": time, "cause": cause,
                         "event": (cause == 1).astype(int), "x": x, "g": g,
                         "lo": np.floor(time), "hi": np.where(cause == 1, np.floor(time) + 1, np.nan)})  # fmt: skip


def _dummies(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(g_loc=(df["g"] == "localized").astype(float),
                     g_none=(df["g"] == "none").astype(float))  # fmt: skip


def test_fine_gray_formula_equals_hand_coded_dummies(series: pd.DataFrame) -> None:
    a = ppprog.fine_gray(series, duration="time", event="cause", formula="x + g")
    b = ppprog.fine_gray(_dummies(series), duration="time", event="cause",
                         covariates=["x", "g_loc", "g_none"])  # fmt: skip
    np.testing.assert_array_equal(a.params.to_numpy(), b.params.to_numpy())
    assert list(a.params.index) == ["x", "g[T.localized]", "g[T.none]"]
    assert "g: reference level 'generalized'" in a.notes


def test_aft_interval_formula_and_drop(series: pd.DataFrame) -> None:
    holes = series.copy()
    holes.loc[[0, 7], "x"] = np.nan
    with pytest.raises(ModelError, match="'x'|x \\(2 rows\\)"):
        ppprog.aft_interval(holes, left="lo", right="hi", formula="x + g")
    fit = ppprog.aft_interval(holes, left="lo", right="hi", formula="x + g", missing="drop",
                              id="id")  # fmt: skip
    assert fit.n_dropped == 2
    assert fit.dropped == ("s0", "s7")
    ref = ppprog.aft_interval(_dummies(holes.drop(index=[0, 7])), left="lo", right="hi",
                              covariates=["x", "g_loc", "g_none"])  # fmt: skip
    np.testing.assert_array_equal(fit.params.to_numpy(), ref.params.to_numpy())


def test_cure_model_formulas_for_both_parts(series: pd.DataFrame) -> None:
    data = series.assign(t_years=series["time"])
    fit = ppprog.cure_model(data, duration="t_years", event="event", incidence_formula="g",
                            latency_formula="x", profile=False)  # fmt: skip
    ref = ppprog.cure_model(_dummies(data), duration="t_years", event="event",
                            incidence=["g_loc", "g_none"], latency=["x"], profile=False)  # fmt: skip
    np.testing.assert_allclose(fit.params, ref.params, rtol=0, atol=0)
    assert fit.incidence_names == ("g[T.localized]", "g[T.none]")
    assert any("reference level 'generalized'" in n for n in fit.notes)
