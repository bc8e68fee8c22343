"""Simulation-study figures render from plain frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ppprog.plotting.study import (
    plot_likelihood_ratio,
    plot_performance,
    plot_power,
    plot_published_vs_true,
)


def test_power_curves(tmp_path) -> None:  # noqa: ANN001
    rows = [
        {"n": n, "effect": h, "method": m, "power": min(1.0, n * h / 2000), "power_mcse": 0.02}
        for n in (100, 200, 400) for h in (0.5, 2.0) for m in ("Cox", "Firth")
    ]  # fmt: skip
    sim = pd.DataFrame(rows)
    formula = sim.groupby(["n", "effect"], as_index=False)["power"].mean()
    fig = plot_power(sim, formula, title="power")
    fig.savefig(tmp_path / "power.png")
    assert (tmp_path / "power.png").stat().st_size > 5_000
    assert len(fig.axes) == 2
    assert fig.axes[0].get_title() == "HR = 0.5"
    with pytest.raises(ValueError, match="power_mcse"):
        plot_power(sim.drop(columns="power_mcse"))


def test_performance_and_published(tmp_path) -> None:  # noqa: ANN001
    perf = pd.DataFrame({
        "label": ["naive", "time-varying"], "bias": [-0.7, 0.01], "bias_mcse": [0.03, 0.03],
        "coverage": [0.02, 0.95], "coverage_mcse": [0.01, 0.01],
    })  # fmt: skip
    plot_performance(perf).savefig(tmp_path / "perf.png")
    pub = pd.DataFrame({
        "label": ["random", "random", "refractory", "refractory"],
        "series": ["all", "published"] * 2, "hr": [1.0, 1.1, 0.98, 0.7],
        "lower": [0.9, 0.9, 0.9, 0.6], "upper": [1.1, 1.3, 1.05, 0.8],
    })  # fmt: skip
    fig = plot_published_vs_true(pub)
    fig.savefig(tmp_path / "pub.png")
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["random", "refractory"]
    hrs = np.geomspace(1, 20, 10)
    lr = pd.DataFrame(
        {"hr": hrs, "likelihood_ratio": hrs / (1 + hrs / 6), "curve": "p", "bound": 6.0}
    )
    plot_likelihood_ratio(lr).savefig(tmp_path / "lr.png")
    for name in ("perf", "pub", "lr"):
        assert (tmp_path / f"{name}.png").stat().st_size > 5_000
