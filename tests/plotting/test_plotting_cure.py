"""Cure plot: fitted curves over the Kaplan-Meier curves, one per group, with the plateau."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ppprog.models.cure import cure_model
from ppprog.plotting.cure import plot_cure


def test_plot_cure_by_group(tmp_path) -> None:  # noqa: ANN001
    rng = np.random.default_rng(np.random.SeedSequence(1515))
    n = 300
    x = rng.binomial(1, 0.4, n)
    cured = rng.random(n) < np.where(x == 1, 0.4, 0.2)
    lat = np.where(cured, np.inf, rng.exponential(3.0 / np.where(x == 1, 0.5, 1.0)))
    cens = rng.uniform(30.0, 40.0, n)
    df = pd.DataFrame({"time": np.minimum(lat, cens), "event": lat <= cens, "x": x})
    df["extent"] = np.where(df.x == 1, "pustular", "none")
    fit = cure_model(df, incidence=["x"], latency=["x"], profile=False)
    fig = plot_cure(fit, df, group="extent")
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["none", "pustular", "none: cure model", "pustular: cure model"]
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    dotted = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    for line, flat, level in zip(dashed, dotted, ["none", "pustular"]):
        rows = df[df.extent == level]
        plateau = fit.cure_fraction(rows).mean()
        grid = line.get_xdata()
        np.testing.assert_allclose(line.get_ydata(), fit.survival(rows, grid).mean(axis=0))
        np.testing.assert_allclose(flat.get_ydata(), plateau)
        assert line.get_ydata()[0] == 1.0
        assert abs(line.get_ydata()[-1] - plateau) < 5e-3  # the curve levels off at the plateau
    path = tmp_path / "cure.png"
    fig.savefig(path)
    assert path.stat().st_size > 5_000
    assert len(plot_cure(fit, df).axes[0].get_legend().get_texts()) == 2
