"""Case timeline: rendered to PNG, lanes, titers and event lines checked against the case."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pytest

from ppprog._core.resources import data_path
from ppprog.plotting.timeline import TIME_UNITS, plot_timeline
from ppprog.records.case import AnaMeasurement, Case, Onset, Outcome, TreatmentEpisode
from ppprog.records.io import read_cases
from ppprog.records.quantities import Titer

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def seed_cases():
    return read_cases(data_path("cases", "seed_report.yaml"))


def _vlines(ax) -> dict[str, float]:
    out = {}
    for line in ax.get_lines():
        x = np.asarray(line.get_xdata(), dtype=float)
        if len(x) == 2 and x[0] == x[1] and str(line.get_label())[:1] != "_":
            out[line.get_label()] = float(x[0])
    return out


@pytest.mark.parametrize("unit", ["days", "months"])
def test_seed_case_timeline(seed_cases, tmp_path, unit):
    case = seed_cases[1]
    fig = plot_timeline(case, unit=unit)
    path = tmp_path / f"timeline_{unit}.png"
    fig.savefig(path)
    assert path.stat().st_size > 10000
    ax_t, ax_a = fig.axes[:2]
    lanes = [t.get_text() for t in ax_t.get_yticklabels()]
    assert lanes[0] == "infliximab"
    assert "acyclovir" in lanes  # an "other" agent is shown by its reported name
    assert set(lanes) == {"infliximab", "acyclovir", "cyclosporine", "acitretin", "ustekinumab"}
    scale = TIME_UNITS[unit]
    # the infliximab bar runs from day 0 to its stop
    inf_y = lanes.index("infliximab")
    bars = [p for p in ax_t.patches if abs(p.get_y() + p.get_height() / 2 - inf_y) < 1e-9]
    assert len(bars) == 1
    assert bars[0].get_x() == pytest.approx(0.0)
    assert bars[0].get_width() == pytest.approx(518.0 / scale)
    # onset and last follow-up lines at the case's days
    lines = _vlines(ax_a)
    assert lines["onset of paradoxical psoriasis (approx.)"] == pytest.approx(498.0 / scale)
    assert lines["last follow-up (approx.)"] == pytest.approx(case.last_follow_up.day / scale)
    # ANA: 1:1000 and 1:320 on the log2 axis, negative and not-measured rows labelled
    ticks = [t.get_text() for t in ax_a.get_yticklabels()]
    assert {"1:1000", "1:320", "negative", "not measured"} <= set(ticks)
    pos = {t.get_text(): y for t, y in zip(ax_a.get_yticklabels(), ax_a.get_yticks())}
    assert pos["1:1000"] == pytest.approx(math.log2(1000))
    assert unit in ax_a.get_xlabel()


def test_timeline_of_a_constructed_case(tmp_path):
    case = Case(
        "c1",
        inducing_agent="adalimumab",
        onset=Onset(100.0, pustular_extent="localized"),
        ana=[AnaMeasurement(0.0, Titer.negative(40)), AnaMeasurement(90.0, Titer.positive(640))],
        treatments=[
            TreatmentEpisode("adalimumab", 0.0, 120.0),
            TreatmentEpisode("ustekinumab", 120.0),
        ],
        outcomes=[Outcome("complete_resolution", 200.0)],
        last_follow_up=300.0,
    )
    fig = plot_timeline(case, title="constructed")
    fig.savefig(tmp_path / "c1.png")
    ax_t, ax_a = fig.axes[:2]
    assert ax_t.get_title(loc="left") == "constructed"
    lines = _vlines(ax_a)
    assert lines["complete resolution"] == 200.0
    assert lines["drug switch (derived)"] == 120.0
    legend = [t.get_text() for t in ax_t.get_legend().get_texts()]
    assert legend[:2] == ["anti-TNF", "IL-12/23 inhibitor"]
    # ustekinumab still running: bar to the last follow-up
    y = [t.get_text() for t in ax_t.get_yticklabels()].index("ustekinumab")
    bar = [p for p in ax_t.patches if abs(p.get_y() + p.get_height() / 2 - y) < 1e-9][0]
    assert bar.get_x() + bar.get_width() == pytest.approx(300.0)


def test_timeline_rejects_bad_input(seed_cases):
    with pytest.raises(TypeError, match="Case"):
        plot_timeline("case")
    with pytest.raises(ValueError, match="unit"):
        plot_timeline(seed_cases[0], unit="fortnights")
