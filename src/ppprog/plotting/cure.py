"""Mixture cure fit over the Kaplan-Meier curves: the fitted plateau, by group.

Takes a :class:`~ppprog.models.cure_result.CureResult` and the data it was
fitted to, draws the Kaplan-Meier curve of each group
(:func:`~ppprog.models.km.kaplan_meier`, via :func:`~ppprog.plotting.km.plot_km`)
and overlays the fitted population survival averaged over the group's
subjects, ``mean_i [1 - pi_i + pi_i S_u(t | z_i)]``, with a dotted line at the
group's mean cure fraction (the plateau the model extrapolates to).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ppprog.models.km import kaplan_meier
from ppprog.plotting.km import plot_km

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_cure"]


def plot_cure(
    result: Any,
    data: pd.DataFrame,
    *,
    duration: str = "time",
    event: str = "event",
    group: str | None = None,
    n_points: int = 200,
    at_risk: bool = True,
    censor_marks: bool = False,
    xlabel: str = "months",
    ylabel: str = "probability still unresolved",
    title: str = "",
) -> Figure:
    """Fitted population survival and cure fraction over the Kaplan-Meier curves.

    Parameters
    ----------
    result : CureResult
        A fitted mixture cure model.
    data : pandas.DataFrame
        The subjects (with the model's covariates, ``duration`` and ``event``).
    duration, event : str, optional
        Column names.
    group : str, optional
        Column whose levels get one Kaplan-Meier curve and one fitted curve each.
    n_points : int, optional
        Points of the fitted curves between 0 and the largest time.
    at_risk : bool, optional
        Print the numbers at risk under the axis.
    censor_marks : bool, optional
        Mark censoring times on the Kaplan-Meier curves (off by default: in a
        registry with a plateau they hide the fitted curves).
    xlabel, ylabel, title : str, optional
        Labels (state the time unit).

    Returns
    -------
    matplotlib.figure.Figure
        Solid steps: Kaplan-Meier; dashed: the cure model; dotted: its plateau.
    """
    time = data[duration].to_numpy(dtype=np.float64)
    km = kaplan_meier(time, data[event].to_numpy(), group=None if group is None else data[group])
    fig = plot_km(km, ci=False, censor_marks=censor_marks, at_risk=at_risk, xlabel=xlabel,
                  ylabel=ylabel, title=title)  # fmt: skip
    ax = fig.axes[0]
    handles, labels = ax.get_legend_handles_labels()
    levels: list[Any] = [None] if km.groups is None else list(km.groups)
    grid = np.linspace(0.0, float(time.max()), n_points)
    for level, handle, label in zip(levels, handles, labels):
        rows = data if level is None else data[data[group] == level]
        color = handle.get_color()  # type: ignore[attr-defined]  # a Line2D (KM step)
        ax.plot(grid, result.survival(rows, grid).mean(axis=0), color=color, lw=1.6, ls="--",
                label=f"{label}: cure model", zorder=3)  # fmt: skip
        ax.axhline(float(result.cure_fraction(rows).mean()), color=color, lw=0.9, ls=":", zorder=3)
    ax.legend(frameon=False, fontsize=8)
    return fig
