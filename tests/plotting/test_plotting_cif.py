"""Cumulative incidence plots render, stack to one, and count at risk correctly."""

from __future__ import annotations

import numpy as np
import pytest

from ppprog.models.competing import aalen_johansen
from ppprog.plotting.cif import cif_at_risk, plot_cif


def _fit(grouped: bool):  # noqa: ANN202
    rng = np.random.default_rng(np.random.SeedSequence(4401))
    t = np.ceil(rng.exponential(10.0, 80))
    code = rng.integers(0, 3, 80)
    g = np.where(rng.random(80) < 0.5, "a", "b")
    return aalen_johansen(t, code, group=g if grouped else None)


def test_at_risk_counts_by_hand() -> None:
    fit = aalen_johansen([1.0, 2.0, 2.0, 4.0, 6.0], [1, 0, 2, 1, 0])
    assert cif_at_risk(fit, [0.0, 1.0, 1.5, 2.0, 3.0, 5.0, 6.0, 7.0]) == [5, 5, 4, 4, 2, 1, 1, 0]


@pytest.mark.parametrize("grouped", [False, True])
@pytest.mark.parametrize("kind", ["per_cause", "stacked"])
def test_renders(tmp_path, grouped: bool, kind: str) -> None:  # noqa: ANN001
    fig = plot_cif(_fit(grouped), kind=kind, cause_names={1: "resolution", 2: "death"})
    path = tmp_path / "cif.png"
    fig.savefig(path)
    assert path.stat().st_size > 5_000
    n_panels = (2 if grouped else 1) if kind == "stacked" else 2
    assert len(fig.axes) == n_panels + 1  # plus the at-risk table


def test_stacked_areas_reach_event_free_top() -> None:
    fig = plot_cif(_fit(False), kind="stacked", at_risk=False)
    ax = fig.axes[0]
    tops = [c.get_paths()[0].vertices[:, 1].max() for c in ax.collections]
    assert tops[-1] == pytest.approx(1.0)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["cause 1", "cause 2", "event-free"]


def test_bad_kind() -> None:
    with pytest.raises(ValueError, match="kind"):
        plot_cif(_fit(False), kind="pie")
