"""Cumulative incidence curves (stacked or per cause) with an at-risk table.

Takes an Aalen-Johansen result (anything with ``cif``, ``lower``, ``upper``,
``n_risk``, ``causes`` and ``groups``/``curve()`` as
:class:`ppprog.models.competing.AJResult` has) and returns a
:class:`matplotlib.figure.Figure`; results never plot themselves.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_cif", "cif_at_risk"]

_COLORS = ("#1b6ca8", "#d1495b", "#2e933c", "#8e6c8a", "#edae49", "#00798c")


def cif_at_risk(result: Any, times: Sequence[float]) -> list[int]:
    """Number at risk just before each time (the first tabulated time at or after it).

    Parameters
    ----------
    result : AJResult
        An ungrouped Aalen-Johansen result.
    times : sequence of float

    Returns
    -------
    list of int
        0 after the last tabulated time.
    """
    t = result.n_risk.index.to_numpy(float)
    n = result.n_risk.to_numpy()
    idx = np.searchsorted(t, np.asarray(times, dtype=float), side="left")
    return [int(n[i]) if i < t.size else 0 for i in idx]


def _steps(index: pd.Index, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.concatenate([[0.0], index.to_numpy(float)]), np.concatenate([[0.0], values])


def _stacked(ax: Axes, res: Any, names: Mapping[int, str]) -> None:
    base = np.zeros(len(res.cif) + 1)
    for k, c in enumerate(res.causes):
        x, y = _steps(res.cif.index, res.cif[c].to_numpy())
        ax.fill_between(x, base, base + y, step="post", color=_COLORS[k % len(_COLORS)],
                        alpha=0.75, lw=0, label=names.get(c, f"cause {c}"))  # fmt: skip
        base = base + y
    x = _steps(res.cif.index, np.zeros(len(res.cif)))[0]
    ax.fill_between(x, base, 1.0, step="post", color="#dddddd", lw=0, label="event-free")


def _per_cause(ax: Axes, curves: Mapping[str, Any], cause: int, ci: bool) -> None:
    for k, (label, res) in enumerate(curves.items()):
        color = _COLORS[k % len(_COLORS)]
        x, y = _steps(res.cif.index, res.cif[cause].to_numpy())
        ax.step(x, y, where="post", color=color, lw=1.8, label=label)
        if ci:
            lo = _steps(res.cif.index, res.lower[cause].to_numpy())[1]
            hi = _steps(res.cif.index, res.upper[cause].to_numpy())[1]
            ok = np.isfinite(lo) & np.isfinite(hi)
            ax.fill_between(x, np.where(ok, lo, 0), np.where(ok, hi, 0), where=ok, step="post",
                            color=color, alpha=0.15, lw=0)  # fmt: skip


def _risk_table(ax: Axes, curves: Mapping[str, Any], ticks: Sequence[float], colored: bool) -> None:
    ax.set_ylim(len(curves) - 0.5, -1.2)
    ax.axis("off")
    ax.text(-0.02, -1.0, "Number at risk", transform=ax.get_yaxis_transform(), ha="right",
            va="center", fontsize=8, weight="bold")  # fmt: skip
    for row, (label, res) in enumerate(curves.items()):
        color = _COLORS[row % len(_COLORS)] if colored and len(curves) > 1 else "black"
        for t, k in zip(ticks, cif_at_risk(res, ticks)):
            ax.text(t, row, str(k), ha="center", va="center", fontsize=8, color=color)
        ax.text(-0.06, row, label, transform=ax.get_yaxis_transform(), ha="right", va="center",
                fontsize=8, color=color)  # fmt: skip


def plot_cif(
    result: Any,
    *,
    kind: str = "per_cause",
    cause_names: Mapping[int, str] | None = None,
    causes: Sequence[int] | None = None,
    ci: bool = True,
    at_risk: bool = True,
    xlabel: str = "days",
    ylabel: str = "cumulative incidence",
    xmax: float | None = None,
) -> Figure:
    """Draw cumulative incidence curves from an Aalen-Johansen result.

    Parameters
    ----------
    result : AJResult
        Ungrouped or grouped.
    kind : {"per_cause", "stacked"}, optional
        ``"per_cause"``: one panel per cause, one curve per group, with the
        confidence band; ``"stacked"``: one panel per group, the incidences of
        all causes stacked with the event-free probability on top (they sum
        to one).
    cause_names : mapping of int to str, optional
        Labels of the cause codes (ppprog: 1 endpoint, 2 death, 3 lost, 4 other).
    causes : sequence of int, optional
        Causes drawn by ``"per_cause"`` (default all).
    ci : bool, optional
        Shade the pointwise limits (``"per_cause"`` only).
    at_risk : bool, optional
        Print the number at risk at each x tick under the panels.
    xlabel, ylabel : str, optional
        Axis labels (state the time unit).
    xmax : float, optional
        Right end of the time axis.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    if kind not in ("per_cause", "stacked"):
        raise ValueError(f"kind must be 'per_cause' or 'stacked', got {kind!r}")
    names = dict(cause_names or {})
    groups: tuple[Hashable, ...] | None = result.groups
    curves = {"all": result} if groups is None else {str(g): result.curve(g) for g in groups}
    panels = list(curves) if kind == "stacked" else list(causes or result.causes)
    risk_in = 0.3 + 0.2 * len(curves) if at_risk else 0.0
    height = 3.4 + risk_in
    width_each = 4.2
    fig = Figure(figsize=(0.9 + width_each * len(panels), height), dpi=110)
    last = max(float(r.cif.index.max()) for r in curves.values())
    right = xmax if xmax is not None else last * 1.03
    bottom = (0.55 + risk_in) / height
    left0 = 0.9 / fig.get_figwidth()
    w = (1.0 - left0 - 0.03) / len(panels)
    for j, panel in enumerate(panels):
        ax = fig.add_axes((left0 + j * w + 0.02, bottom, w - 0.05, 1.0 - bottom - 0.4 / height))
        if kind == "stacked":
            _stacked(ax, curves[str(panel)], names)
            ax.set_title(str(panel) if groups is not None else "all causes", fontsize=10)
        else:
            _per_cause(ax, curves, int(panel), ci)
            ax.set_title(names.get(int(panel), f"cause {panel}"), fontsize=10)
        ax.set_xlim(0.0, right)
        ax.set_ylim(0.0, 1.0 if kind == "stacked" else None)
        ax.set_xlabel(xlabel)
        if j == 0:
            ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
        if at_risk and j == 0:
            ax_risk = fig.add_axes(
                (left0 + 0.02, 0.08 / height, w - 0.05, risk_in / height), sharex=ax
            )
            ticks = [t for t in ax.get_xticks() if 0.0 <= t <= right]
            _risk_table(ax_risk, curves, ticks, colored=kind == "per_cause")
    return fig
