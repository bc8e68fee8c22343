"""Kaplan-Meier curves with confidence bands, censor marks and an at-risk table.

Takes Kaplan-Meier results (anything with a ``.table`` DataFrame holding the
columns ``time, n_risk, n_event, n_censor, survival, lower, upper``, as
:class:`ppprog.models.results.KMResult` has) and returns a
:class:`matplotlib.figure.Figure`; results never plot themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_km", "at_risk_counts"]

_COLORS = ("#1b6ca8", "#d1495b", "#2e933c", "#8e6c8a", "#edae49", "#00798c")
_COLUMNS = ("time", "n_risk", "n_event", "n_censor", "survival", "lower", "upper")


def _table(result: Any) -> pd.DataFrame:
    table = result if isinstance(result, pd.DataFrame) else getattr(result, "table", None)
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"expected a KMResult (with a .table DataFrame), got {type(result)!r}")
    missing = [c for c in _COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"Kaplan-Meier table lacks columns {missing}")
    return table.sort_values("time").reset_index(drop=True)


def at_risk_counts(result: Any, times: Sequence[float]) -> list[int]:
    """Number still at risk just before each time in ``times``.

    Parameters
    ----------
    result : KMResult or pandas.DataFrame
        A Kaplan-Meier result (or its table).
    times : sequence of float
        Times at which to count.

    Returns
    -------
    list of int
        ``n_risk`` of the first tabulated time at or after ``t``; 0 after the
        last tabulated time.
    """
    table = _table(result)
    t = table["time"].to_numpy(float)
    n = table["n_risk"].to_numpy()
    out = []
    for x in times:
        idx = np.searchsorted(t, x, side="left")
        out.append(int(n[idx]) if idx < len(t) else 0)
    return out


def _steps(table: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Step coordinates starting at (0, 1)."""
    x = np.concatenate([[0.0], table["time"].to_numpy(float)])
    y = np.concatenate([[1.0], table[column].to_numpy(float)])
    return x, y


def _draw_one(ax: Axes, table: pd.DataFrame, color: str, label: str, ci: bool, marks: bool) -> None:
    x, y = _steps(table, "survival")
    ax.step(x, y, where="post", color=color, lw=1.8, label=label)
    if ci:
        _, lo = _steps(table, "lower")
        _, hi = _steps(table, "upper")
        ok = np.isfinite(lo) & np.isfinite(hi)
        ax.fill_between(x, lo, hi, where=ok, step="post", color=color, alpha=0.15, lw=0)
    if marks:
        cens = table[table["n_censor"] > 0]
        ax.plot(cens["time"], cens["survival"], "|", color=color, ms=11, mew=1.6)


def _draw_risk_table(
    ax: Axes, tables: Sequence[pd.DataFrame], labels: Sequence[str], ticks: Sequence[float]
) -> None:
    """Write the number at risk per curve (rows) at each tick (columns) into ``ax``."""
    n = len(tables)
    ax.set_ylim(n - 0.5, -1.2)
    ax.axis("off")
    ax.text(-0.02, -1.0, "Number at risk", transform=ax.get_yaxis_transform(), ha="right",
            va="center", fontsize=8, weight="bold")  # fmt: skip
    for row, (table, label) in enumerate(zip(tables, labels)):
        color = _COLORS[row % len(_COLORS)]
        for t, k in zip(ticks, at_risk_counts(table, ticks)):
            ax.text(t, row, str(k), ha="center", va="center", fontsize=8, color=color)
        ax.text(-0.06, row, label, transform=ax.get_yaxis_transform(), ha="right", va="center",
                fontsize=8, color=color)  # fmt: skip


def plot_km(
    results: Any,
    *,
    labels: Sequence[str] | None = None,
    ci: bool = True,
    censor_marks: bool = True,
    at_risk: bool = True,
    xlabel: str = "months",
    ylabel: str = "probability still unresolved",
    title: str = "",
    xmax: float | None = None,
) -> Figure:
    """Draw one or more Kaplan-Meier curves.

    Parameters
    ----------
    results : KMResult, pandas.DataFrame, or mapping of str to either
        One curve, several keyed by their legend label, or a grouped
        KMResult (one curve per group level).
    labels : sequence of str, optional
        Legend labels (defaults to the mapping keys, or ``"all"``).
    ci : bool, optional
        Shade the pointwise confidence band from the ``lower``/``upper`` columns.
    censor_marks : bool, optional
        Mark censoring times with vertical ticks.
    at_risk : bool, optional
        Print the number at risk at each x tick under the axis.
    xlabel, ylabel, title : str, optional
        Axis labels (state the time unit) and title.
    xmax : float, optional
        Right end of the time axis (default: last tabulated time, padded).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    groups = getattr(results, "groups", None)
    if groups is not None and not isinstance(results, Mapping):
        results = {str(g): results.curve(g) for g in groups}
    if isinstance(results, Mapping):
        tables = [_table(r) for r in results.values()]
        names = list(labels) if labels is not None else [str(k) for k in results]
    else:
        tables = [_table(results)]
        names = list(labels) if labels is not None else ["all"]
    n_rows = len(tables) if at_risk else 0
    risk_in = 0.3 + 0.2 * n_rows if at_risk else 0.0
    height = 3.4 + risk_in
    fig = Figure(figsize=(6.4, height), dpi=110)
    left, width = (0.22, 0.74) if at_risk else (0.12, 0.84)
    main_bottom = (0.55 + risk_in) / height
    ax = fig.add_axes((left, main_bottom, width, 1.0 - main_bottom - 0.35 / height))
    for k, (table, name) in enumerate(zip(tables, names)):
        _draw_one(ax, table, _COLORS[k % len(_COLORS)], name, ci, censor_marks)
    last = max(float(t["time"].max()) if len(t) else 0.0 for t in tables)
    ax.set_xlim(0.0, xmax if xmax is not None else max(last * 1.05, 1.0))
    ax.set_ylim(-0.02, 1.05)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    if title:
        ax.set_title(title, fontsize=11)
    if at_risk:
        ax_risk = fig.add_axes((left, 0.08 / height, width, risk_in / height), sharex=ax)
        ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        _draw_risk_table(ax_risk, tables, names, ticks)
    return fig
