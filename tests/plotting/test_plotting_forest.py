"""Forest plot: rendered to PNG, axes contents checked against the fits."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

from ppprog._core.errors import FitWarning
from ppprog.models.cox import cox_ph
from ppprog.plotting.forest import hazard_ratio_frame, plot_forest

matplotlib.use("Agg")


@pytest.fixture
def cox_fit(rng: np.random.Generator):
    n = 80
    df = pd.DataFrame({"age": rng.normal(50, 10, n), "female": rng.integers(0, 2, n)})
    df["t"] = rng.exponential(1.0 / np.exp(0.6 * df["female"]))
    df["e"] = (rng.uniform(size=n) < 0.75).astype(int)
    return cox_ph(df, duration="t", event="e", covariates=["age", "female"])


@pytest.fixture
def separated() -> pd.DataFrame:
    # every subject with x = 1 has the event before any subject with x = 0: monotone likelihood
    return pd.DataFrame({
        "t": [1, 2, 3, 4, 5, 6, 7, 8], "e": [1, 1, 1, 1, 0, 1, 0, 1],
        "x": [1, 1, 1, 1, 0, 0, 0, 0], "z": [0.3, 1.2, -0.5, 0.1, 0.9, -1.1, 0.4, 0.0],
    })  # fmt: skip


def _png(fig, path) -> None:
    fig.savefig(path)
    assert path.stat().st_size > 5000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_hazard_ratio_frame_matches_cox_summary(cox_fit):
    hr = hazard_ratio_frame(cox_fit)
    s = cox_fit.summary
    np.testing.assert_allclose(hr["hr"], np.exp(s["coef"]), rtol=1e-12)
    np.testing.assert_allclose(hr["lower"], s["exp(lower)"], rtol=1e-12)
    np.testing.assert_allclose(hr["upper"], s["exp(upper)"], rtol=1e-12)
    assert list(hr.index) == ["age", "female"]


def test_hazard_ratio_frame_from_log_scale_frame():
    frame = pd.DataFrame({"coef": [0.0, math.log(2)], "lower": [-1.0, 0.0], "upper": [1.0, 1.0]},
                         index=["a", "b"])  # fmt: skip
    hr = hazard_ratio_frame(frame)
    np.testing.assert_allclose(hr.loc["b"].to_numpy()[:3], [2.0, 1.0, math.e])
    assert hr["p"].isna().all()
    with pytest.raises(ValueError, match="needs columns"):
        hazard_ratio_frame(pd.DataFrame({"x": [1.0]}))
    with pytest.raises(TypeError):
        hazard_ratio_frame(3.0)


def test_forest_single_fit(cox_fit, tmp_path):
    fig = plot_forest(cox_fit, covariate_labels={"female": "female sex"})
    _png(fig, tmp_path / "forest.png")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["age", "female sex"]
    # reference line at HR 1
    assert any(list(line.get_xdata()) == [1.0, 1.0] for line in ax.get_lines())
    # each point sits at its hazard ratio; each CI segment spans the interval
    s = cox_fit.summary
    points = [ln for ln in ax.get_lines() if ln.get_marker() == "s" and len(ln.get_xdata()) == 1]
    np.testing.assert_allclose(sorted(p.get_xdata()[0] for p in points), sorted(s["exp(coef)"]))
    texts = [t.get_text() for t in ax.texts]
    assert "HR (95% CI)" in texts
    assert any(t.startswith(f"{s.loc['female', 'exp(coef)']:.2f} (") for t in texts)


def test_forest_separation_is_not_drawn_as_an_estimate(separated, tmp_path):
    with pytest.warns(FitWarning, match="monotone"):
        cox = cox_ph(separated, duration="t", event="e", covariates=["x", "z"])
    firth = cox_ph(separated, duration="t", event="e", covariates=["x", "z"], penalty="firth")
    fig = plot_forest({"Cox": cox, "Firth": firth})
    _png(fig, tmp_path / "forest_sep.png")
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert any("+inf" in t and "monotone likelihood" in t for t in texts)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Cox [monotone likelihood]", "Firth"]
    # no finite point is drawn beyond the axis for the diverging coefficient
    lo, hi = ax.get_xlim()
    for line in ax.get_lines():
        x = np.asarray(line.get_xdata(), dtype=float)
        assert np.all(~np.isfinite(x) | ((x >= lo * 0.999) & (x <= hi * 1.001)))
    # Firth's point is at exp(coef)
    circles = [ln for ln in ax.get_lines() if ln.get_marker() == "o" and len(ln.get_xdata()) == 1]
    np.testing.assert_allclose(sorted(c.get_xdata()[0] for c in circles),
                               sorted(np.exp(firth.params)))  # fmt: skip
