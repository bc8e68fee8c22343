"""Figures read back: the drawn coordinates, error bars and at-risk numbers are the results'.

A figure that renders is not a figure that is right. These tests take the
artists matplotlib holds (step lines, censor marks, error-bar segments, text of
the at-risk table) and compare them with the result objects they were drawn
from, and where possible with numbers computed here from the raw data.
"""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection
from matplotlib.container import ErrorbarContainer

from ppprog import Estimand, Method, Study, kaplan_meier, run_study
from ppprog.plotting.km import plot_km
from ppprog.plotting.study import plot_likelihood_ratio, plot_performance
from ppprog.simulate.exact import shortcut_case_probability, two_case_likelihood_ratio

matplotlib.use("Agg")
Z = 1.959963984540054  # the 97.5% normal quantile


# --- Kaplan-Meier ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def km_data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(np.random.SeedSequence(1818))
    n = 70
    g = np.where(rng.random(n) < 0.5, "generalized", "localized")
    t = rng.exponential(np.where(g == "generalized", 6.0, 12.0))
    c = rng.uniform(0, 30, n)
    time = np.round(np.minimum(t, c), 1)  # some ties
    return time, (t <= c).astype(int), g


def _main_and_risk_axes(fig):  # noqa: ANN001, ANN202
    main = [ax for ax in fig.axes if ax.get_legend() is not None]
    risk = [ax for ax in fig.axes if ax.get_legend() is None]
    return main[0], risk[0] if risk else None


def test_km_curves_are_the_result_tables(km_data) -> None:  # noqa: ANN001
    time, event, g = km_data
    fit = kaplan_meier(time, event, group=g)
    fig = plot_km(fit)
    ax, _ = _main_and_risk_axes(fig)
    steps = {ln.get_label(): ln for ln in ax.get_lines() if not ln.get_label().startswith("_")}
    assert sorted(steps) == ["generalized", "localized"]
    for name, line in steps.items():
        tab = fit.curve(name).table
        assert line.get_drawstyle() == "steps-post"
        np.testing.assert_array_equal(line.get_xdata(), np.r_[0.0, tab["time"]])
        np.testing.assert_array_equal(line.get_ydata(), np.r_[1.0, tab["survival"]])
        # the curve starts at 1 and drops only at event times, by the KM factor
        s = np.r_[1.0, tab["survival"].to_numpy()]
        factor = 1.0 - tab["n_event"].to_numpy() / tab["n_risk"].to_numpy()
        np.testing.assert_allclose(s[1:], s[:-1] * factor, rtol=1e-12)
    # censor marks: one "|" per censoring time, at the curve's height
    marks = [ln for ln in ax.get_lines() if ln.get_marker() == "|"]
    assert len(marks) == 2
    for line, name in zip(marks, ["generalized", "localized"]):
        tab = fit.curve(name).table
        cens = tab[tab["n_censor"] > 0]
        np.testing.assert_array_equal(line.get_xdata(), cens["time"])
        np.testing.assert_array_equal(line.get_ydata(), cens["survival"])
        assert line.get_color() == steps[name].get_color()
    # the confidence bands span exactly the lower and upper columns
    bands = ax.collections
    assert len(bands) == 2
    for band, name in zip(bands, ["generalized", "localized"]):
        tab = fit.curve(name).table
        ys = np.concatenate([p.vertices[:, 1] for p in band.get_paths()])
        ok = np.isfinite(tab["lower"]) & np.isfinite(tab["upper"])
        assert ys.min() == pytest.approx(min(tab.loc[ok, "lower"].min(), 1.0))
        assert ys.max() == pytest.approx(max(tab.loc[ok, "upper"].max(), 1.0))


def test_km_at_risk_numbers_count_the_raw_data(km_data) -> None:  # noqa: ANN001
    time, event, g = km_data
    fig = plot_km(kaplan_meier(time, event, group=g))
    ax, risk = _main_and_risk_axes(fig)
    numbers = [t for t in risk.texts if t.get_text().isdigit()]
    lo, hi = ax.get_xlim()
    ticks = [t for t in ax.get_xticks() if lo <= t <= hi]
    assert len(numbers) == 2 * len(ticks) >= 8
    seen = {}
    for t in numbers:
        x, row = t.get_position()
        seen[(float(x), int(row))] = int(t.get_text())
    for row, name in enumerate(["generalized", "localized"]):
        for tick in ticks:
            # at risk just before the tick: follow-up time >= tick, counted from the raw data
            want = int(np.sum((g == name) & (time >= tick)))
            assert seen[(float(tick), row)] == want, (name, tick)
    assert seen[(0.0, 0)] == int(np.sum(g == "generalized"))


def test_km_single_curve_without_band() -> None:
    fit = kaplan_meier([2.0, 3.0, 3.0, 5.0, 8.0], [1, 1, 0, 1, 0])
    fig = plot_km(fit, ci=False, censor_marks=False, at_risk=False)
    (ax,) = fig.axes
    (line,) = ax.get_lines()
    # by hand: S = 4/5 after 2; (4/5)(3/4) = 3/5 after 3; (3/5)(1/2) = 3/10 after 5
    np.testing.assert_allclose(line.get_ydata(), [1.0, 0.8, 0.6, 0.3, 0.3], rtol=1e-15)
    np.testing.assert_array_equal(line.get_xdata(), [0.0, 2.0, 3.0, 5.0, 8.0])
    assert len(ax.collections) == 0


# --- performance (bias and coverage with MC error bars) --------------------------------------


@pytest.fixture(scope="module")
def performance() -> pd.DataFrame:
    study = Study(
        name="readback", generator="resolution",
        methods=[Method("cox", "cox_baseline", {"covariates": ["ana_high"]}),
                 Method("logrank", "logrank", {"covariate": "ana_high"})],
        estimands=[Estimand("ana_high")], replicates=60, seed=1818,
        base={"n": 80}, grid={"resolution.log_hr.ana_high": [0.5]},
    )  # fmt: skip
    return run_study(study, progress=False).performance()


def _errorbar(ax):  # noqa: ANN001, ANN202
    (cont,) = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    data_line, _caps, (bars,) = cont.lines
    assert isinstance(bars, LineCollection)
    return data_line, bars.get_segments()


def test_performance_points_and_bars_are_the_measures(performance) -> None:  # noqa: ANN001
    perf = performance.assign(label=performance["method"])
    assert len(perf) == 2
    assert (perf["bias_mcse"] > 0).all()
    assert (perf["coverage_mcse"] > 0).all()
    fig = plot_performance(perf)
    ax_b, ax_c = fig.axes
    # rows top to bottom; the tick labels (on the shared y axis of the left panel) name them
    names = {tick: text.get_text() for tick, text in zip(ax_b.get_yticks(), ax_b.get_yticklabels())}
    for ax, value, mcse, ref in ((ax_b, "bias", "bias_mcse", 0.0),
                                 (ax_c, "coverage", "coverage_mcse", 0.95)):  # fmt: skip
        line, segments = _errorbar(ax)
        np.testing.assert_array_equal(line.get_xdata(), perf[value])
        y = np.asarray(line.get_ydata())
        assert [names[v] for v in y] == perf["label"].tolist()
        assert y[0] == y.max()  # the first row at the top
        for (x0, y0), (x1, y1) in segments:
            k = int(np.flatnonzero(y == y0)[0])
            assert y0 == y1
            assert x0 == pytest.approx(perf[value].iloc[k] - Z * perf[mcse].iloc[k], rel=1e-12)
            assert x1 == pytest.approx(perf[value].iloc[k] + Z * perf[mcse].iloc[k], rel=1e-12)
        refs = [ln for ln in ax.get_lines() if ln is not line and ln.get_linestyle() == "--"]
        assert [float(r.get_xdata()[0]) for r in refs] == [ref]


# --- likelihood ratio of the two cases -------------------------------------------------------


def test_likelihood_ratio_lines_are_the_closed_form() -> None:
    hrs = np.geomspace(1.0, 50.0, 40)
    rows = []
    for p in (0.2, 0.35):
        lr = two_case_likelihood_ratio(shortcut_case_probability(p, hrs), p)
        rows.append(pd.DataFrame({"hr": hrs, "likelihood_ratio": lr, "curve": f"p={p}",
                                  "bound": p**-2}))  # fmt: skip
    fig = plot_likelihood_ratio(pd.concat(rows, ignore_index=True))
    (ax,) = fig.axes
    lines = {ln.get_label(): ln for ln in ax.get_lines() if not ln.get_label().startswith("_")}
    assert sorted(lines) == ["p=0.2", "p=0.35"]
    horizontal = {round(float(ln.get_ydata()[0]), 9) for ln in ax.get_lines()
                  if ln.get_label().startswith("_")}  # fmt: skip
    for p in (0.2, 0.35):
        line = lines[f"p={p}"]
        np.testing.assert_array_equal(line.get_xdata(), hrs)
        # both cases ANA-positive: (q / p)^2 with q = hr p / (hr p + 1 - p), written out here
        q = hrs * p / (hrs * p + 1 - p)
        np.testing.assert_allclose(line.get_ydata(), (q / p) ** 2, rtol=1e-12)
        assert line.get_ydata()[0] == pytest.approx(1.0, rel=1e-12)  # HR 1: no evidence
        assert round(p**-2, 9) in horizontal  # the dotted limit as HR grows
    assert {1.0, 3.2, 10.0} <= horizontal  # no effect and the Kass-Raftery levels
    assert ax.get_xscale() == "log"
    assert ax.get_yscale() == "log"


def test_rejection_by_scenario_draws_the_table() -> None:
    from ppprog.plotting.study import plot_rejection_by_scenario

    frame = pd.DataFrame({
        "label": ["a", "a", "b", "b"], "series": ["Cox", "cure", "Cox", "cure"],
        "power": [0.8, 0.9, 0.05, 0.3], "power_mcse": [0.01, 0.02, 0.005, 0.01],
    })  # fmt: skip
    fig = plot_rejection_by_scenario(frame)
    ax = fig.axes[0]
    conts = [c for c in ax.containers if isinstance(c, ErrorbarContainer)]
    assert [c.get_label() for c in conts] == ["Cox", "cure"]
    np.testing.assert_array_equal(conts[0].lines[0].get_xdata(), [0.8, 0.05])
    (bars,) = conts[1].lines[2]
    np.testing.assert_allclose([s[0][0] for s in bars.get_segments()],
                               [0.9 - 1.96 * 0.02, 0.3 - 1.96 * 0.01])  # fmt: skip
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]
