"""Kaplan-Meier plots render, and the at-risk numbers are right."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ppprog.models.km import kaplan_meier
from ppprog.plotting.km import at_risk_counts, plot_km


def test_at_risk_counts_by_hand() -> None:
    fit = kaplan_meier([1.0, 2.0, 2.0, 4.0, 6.0], [1, 0, 1, 1, 0])
    # at risk just before t: 5 (t<=1), 4 (t in (1,2]), 2 ((2,4]), 1 ((4,6]), 0 after 6
    assert at_risk_counts(fit, [0.0, 1.0, 1.5, 2.0, 3.0, 5.0, 6.0, 7.0]) == [5, 5, 4, 4, 2, 1, 1, 0]


def test_renders_single_grouped_and_mapping(tmp_path) -> None:  # noqa: ANN001
    rng = np.random.default_rng(np.random.SeedSequence(3301))
    t = rng.exponential(8.0, 60)
    c = rng.uniform(0, 24, 60)
    g = np.where(rng.random(60) < 0.5, "generalized", "localized")
    fit = kaplan_meier(np.minimum(t, c), (t <= c).astype(int), group=g)
    for name, obj in (
        ("grouped", fit),
        ("single", kaplan_meier(np.minimum(t, c), (t <= c).astype(int))),
        ("mapping", {"a": fit.curve("generalized"), "b": fit.curve("localized")}),
    ):
        figure = plot_km(obj, title=name, xlabel="months")
        path = tmp_path / f"{name}.png"
        figure.savefig(path)
        assert path.stat().st_size > 5_000
    axes = plot_km(fit).axes
    assert axes[0].get_xlabel() == "months"
    assert [t.get_text() for t in axes[0].get_legend().get_texts()] == ["generalized", "localized"]


def test_all_censored_curve_is_flat() -> None:
    fit = kaplan_meier([4.0, 18.7], [0, 0])
    figure = plot_km(fit, at_risk=False)
    line = figure.axes[0].get_lines()[0]
    assert np.all(np.asarray(line.get_ydata()) == 1.0)


def test_rejects_non_km_input() -> None:
    with pytest.raises(TypeError, match="KMResult"):
        plot_km([1, 2, 3])
    with pytest.raises(ValueError, match="lacks columns"):
        plot_km(pd.DataFrame({"time": [1.0]}))
