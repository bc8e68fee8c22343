"""Simulation-study figures: power curves, bias and coverage, published vs true.

Every function takes a tidy DataFrame of summary measures with their
Monte-Carlo standard errors and returns a :class:`matplotlib.figure.Figure`
(no pyplot state). Error bars are +/- 1.96 MC SE.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "plot_power", "plot_performance", "plot_published_vs_true", "plot_likelihood_ratio",
    "plot_rejection_by_scenario",
]  # fmt: skip

_Z = 1.959963984540054
_COLORS = ("#1b6ca8", "#d1495b", "#2e933c", "#8e6c8a", "#edae49", "#00798c")
_MARKERS = ("o", "s", "^", "D", "v", "P")


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=110, layout="constrained")


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what}: frame lacks columns {missing}; has {list(frame.columns)}")


def plot_power(
    simulated: pd.DataFrame,
    formula: pd.DataFrame | None = None,
    *,
    x: str = "n",
    panel: str = "effect",
    method: str = "method",
    power: str = "power",
    mcse: str = "power_mcse",
    xlabel: str = "cohort size (patients)",
    panel_label: str = "HR",
    title: str = "",
    target: float = 0.8,
) -> Figure:
    """Power against sample size, one panel per effect size, MC error bars.

    Parameters
    ----------
    simulated : pandas.DataFrame
        Columns ``x``, ``panel``, ``method``, ``power``, ``mcse``.
    formula : pandas.DataFrame, optional
        Columns ``x``, ``panel``, ``power``: formula power drawn as a dashed
        black line in each panel.
    x, panel, method, power, mcse : str, optional
        Column names.
    xlabel, panel_label, title : str, optional
        Axis label, the prefix of panel titles, and the figure title.
    target : float, optional
        Horizontal reference line (conventional 80% power).

    Returns
    -------
    matplotlib.figure.Figure
    """
    _require(simulated, [x, panel, method, power, mcse], "plot_power")
    panels = sorted(simulated[panel].unique())
    fig = _figure(max(3.3 * len(panels) + 0.6, 6.0), 3.8)
    axes = fig.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    methods = list(dict.fromkeys(simulated[method]))
    for ax, value in zip(axes, panels):
        sub = simulated[simulated[panel] == value]
        for k, name in enumerate(methods):
            s = sub[sub[method] == name].sort_values(x)
            dodge = 1.0 + 0.025 * (k - (len(methods) - 1) / 2.0)  # keep error bars apart
            ax.errorbar(
                s[x] * dodge, s[power], yerr=_Z * s[mcse], color=_COLORS[k % 6], marker=_MARKERS[k % 6],
                ms=4, lw=1.4, capsize=2.5, label=str(name),
            )  # fmt: skip
        if formula is not None and len(formula):
            f = formula[formula[panel] == value].sort_values(x)
            ax.plot(f[x], f[power], "k--", lw=1.2, label="Schoenfeld formula")
        ax.axhline(target, color="0.6", lw=0.8, ls=":")
        ax.set_xscale("log")
        _grid_ticks(ax, sorted(simulated[x].unique()))
        ax.set_ylim(-0.02, 1.02)
        ax.set_title(f"{panel_label} = {value:g}", fontsize=10)
        ax.set_xlabel(xlabel)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("power (two-sided, alpha 0.05)")
    axes[0].legend(fontsize=8, loc="upper left")
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def _dot_panel(
    ax: Axes, frame: pd.DataFrame, value: str, err: str, label: str, ref: float, xlabel: str
) -> None:
    labels = list(frame[label])
    y = np.arange(len(labels))[::-1]
    ax.errorbar(
        frame[value], y, xerr=_Z * frame[err], fmt="o", color=_COLORS[0], ms=5, capsize=3, lw=1.4
    )
    ax.axvline(ref, color="k", lw=0.9, ls="--")
    ax.set_yticks(y, labels)
    ax.set_xlabel(xlabel)
    ax.grid(alpha=0.3, axis="x")


def plot_performance(
    frame: pd.DataFrame,
    *,
    label: str = "label",
    bias: str = "bias",
    bias_mcse: str = "bias_mcse",
    coverage: str = "coverage",
    coverage_mcse: str = "coverage_mcse",
    level: float = 0.95,
    bias_label: str = "bias of log HR",
    title: str = "",
) -> Figure:
    """Bias and coverage per method with MC error bars (two panels).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per method/encoding; columns ``label``, ``bias``,
        ``bias_mcse``, ``coverage``, ``coverage_mcse``.
    label, bias, bias_mcse, coverage, coverage_mcse : str, optional
        Column names.
    level : float, optional
        Nominal coverage drawn as the reference line.
    bias_label, title : str, optional
        Axis label of the bias panel and figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    _require(frame, [label, bias, bias_mcse, coverage, coverage_mcse], "plot_performance")
    longest = max((len(line) for t in frame[label] for line in str(t).splitlines()), default=0)
    lines = sum(max(1, len(str(t).splitlines())) for t in frame[label])
    # room for the labels: about 0.065 inch per character, 0.2 inch per extra line
    fig = _figure(max(8.4, 4.2 + 0.065 * longest), 0.55 * len(frame) + 0.2 * (lines - len(frame)) + 1.8)
    ax_b, ax_c = fig.subplots(1, 2, sharey=True)
    _dot_panel(ax_b, frame, bias, bias_mcse, label, 0.0, bias_label)
    _dot_panel(ax_c, frame, coverage, coverage_mcse, label, level, f"coverage of {level:.0%} CI")
    ax_c.set_xlim(min(0.0, float(np.nanmin(frame[coverage])) - 0.05), 1.03)
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def plot_published_vs_true(
    frame: pd.DataFrame,
    *,
    label: str = "label",
    series: str = "series",
    estimate: str = "hr",
    lower: str = "lower",
    upper: str = "upper",
    truth: float = 1.0,
    xlabel: str = "hazard ratio (log scale)",
    title: str = "",
) -> Figure:
    """Association shown by published series vs all cases, per reporting model.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per (reporting model, series); ``series`` names the analysed
        set (e.g. "all cases", "published cases"); ``estimate`` with an MC
        interval ``lower``-``upper`` (already on the HR scale).
    label, series, estimate, lower, upper : str, optional
        Column names.
    truth : float, optional
        True value, drawn as a vertical line.
    xlabel, title : str, optional
        Axis label and title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    _require(frame, [label, series, estimate, lower, upper], "plot_published_vs_true")
    labels = list(dict.fromkeys(frame[label]))
    kinds = list(dict.fromkeys(frame[series]))
    fig = _figure(7.6, 0.62 * len(labels) + 1.9)
    ax = fig.subplots()
    base = np.arange(len(labels))[::-1].astype(float)
    offsets = np.linspace(0.16, -0.16, len(kinds)) if len(kinds) > 1 else np.zeros(1)
    for k, kind in enumerate(kinds):
        sub = frame[frame[series] == kind].set_index(label).reindex(labels)
        est = sub[estimate].to_numpy(float)
        err = np.vstack([est - sub[lower].to_numpy(float), sub[upper].to_numpy(float) - est])
        ax.errorbar(
            est, base + offsets[k], xerr=err, fmt=_MARKERS[k % 6], color=_COLORS[k % 6],
            ms=5, capsize=3, lw=1.4, label=str(kind),
        )  # fmt: skip
    ax.axvline(truth, color="k", ls="--", lw=0.9, label=f"truth (HR = {truth:g})")
    ax.set_xscale("log")
    _plain_log_ticks(ax)
    ax.set_yticks(base, labels)
    ax.set_xlabel(xlabel)
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=len(kinds) + 1,
              frameon=False)  # fmt: skip
    if title:
        ax.set_title(title, fontsize=11)
    return fig


def plot_likelihood_ratio(
    frame: pd.DataFrame,
    *,
    hr: str = "hr",
    lr: str = "likelihood_ratio",
    curve: str = "curve",
    bound: str = "bound",
    title: str = "",
) -> Figure:
    """Likelihood ratio (Bayes factor) of the cases against the effect size, per curve.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``hr`` (finite effect sizes), ``lr``, ``curve`` (legend label,
        e.g. the population ANA-positive share) and ``bound`` (the limit of the
        likelihood ratio as the effect grows, drawn as a dotted line).
    hr, lr, curve, bound : str, optional
        Column names.
    title : str, optional
        Axes title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    _require(frame, [hr, lr, curve, bound], "plot_likelihood_ratio")
    fig = _figure(6.4, 4.0)
    ax = fig.subplots()
    for k, name in enumerate(dict.fromkeys(frame[curve])):
        sub = frame[frame[curve] == name].sort_values(hr)
        color = _COLORS[k % 6]
        ax.plot(sub[hr], sub[lr], marker=_MARKERS[k % 6], color=color, lw=1.6, ms=4,
                markevery=max(1, len(sub) // 8), label=str(name))  # fmt: skip
        ax.axhline(float(sub[bound].iloc[0]), color=color, lw=0.9, ls=":")
    ax.axhline(1.0, color="k", lw=0.8)
    for level, text in ((3.2, "substantial (Kass-Raftery 3.2)"), (10.0, "strong (10)")):
        ax.axhline(level, color="0.55", lw=0.8, ls="--")
        ax.text(float(frame[hr].min()), level * 1.04, text,
                fontsize=7, color="0.4", va="bottom")  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    _plain_log_ticks(ax)
    ax.set_xlabel("assumed hazard ratio of ANA-high for onset (log scale)")
    ax.set_ylabel("likelihood ratio vs no effect (log scale)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="lower right", title="dotted: limit as HR grows", title_fontsize=7)
    if title:
        ax.set_title(title, fontsize=11)
    return fig


def _grid_ticks(ax: Axes, values: Sequence[float]) -> None:
    """Put x ticks at the simulated grid values, labelled plainly."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    ax.xaxis.set_major_locator(FixedLocator(list(values)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.xaxis.set_minor_locator(FixedLocator([]))
    ax.tick_params(axis="x", labelrotation=45 if len(values) > 4 else 0, labelsize=8)


_DENSE = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.5, 1.75, 2.0)
_NICE = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 10.0, 20.0, 50.0, 100.0)


def _plain_log_ticks(ax: Axes) -> None:
    """Label log axes with plain numbers (0.5, 1, 2, ...) instead of powers of ten."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    for axis, lim in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        if axis.get_scale() != "log":
            continue
        lo, hi = min(lim), max(lim)
        ticks = [t for t in _NICE if lo <= t <= hi]
        if len(ticks) < 3:
            ticks = [t for t in _DENSE if lo <= t <= hi]
        if hi / max(lo, 1e-12) > 1e3:
            ticks = [t for t in ticks if t in (0.1, 1.0, 10.0, 100.0)]
        if len(ticks) >= 2:
            axis.set_major_locator(FixedLocator(ticks))
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        axis.set_minor_formatter(NullFormatter())


def plot_rejection_by_scenario(
    frame: pd.DataFrame,
    *,
    label: str = "label",
    series: str = "series",
    power: str = "power",
    mcse: str = "power_mcse",
    alpha: float = 0.05,
    title: str = "",
) -> Figure:
    """Rejection rate (power, or type-I error) per scenario and series, with MC error bars.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per scenario and series; columns ``label`` (the scenario,
        labelled by its parameters), ``series`` (method and estimand),
        ``power`` and ``mcse``.
    label, series, power, mcse : str, optional
        Column names.
    alpha : float, optional
        Significance level, drawn as a reference line.
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    _require(frame, [label, series, power, mcse], "plot_rejection_by_scenario")
    labels = list(dict.fromkeys(frame[label]))
    kinds = list(dict.fromkeys(frame[series]))
    fig = _figure(7.6, 0.75 * len(labels) + 1.9)
    ax = fig.subplots()
    base = np.arange(len(labels))[::-1].astype(float)
    offsets = np.linspace(0.24, -0.24, len(kinds)) if len(kinds) > 1 else np.zeros(1)
    for k, kind in enumerate(kinds):
        sub = frame[frame[series] == kind].set_index(label).reindex(labels)
        ax.errorbar(
            sub[power].to_numpy(float), base + offsets[k], xerr=1.96 * sub[mcse].to_numpy(float),
            fmt=_MARKERS[k % 6], color=_COLORS[k % 6], ms=5, capsize=3, lw=1.4, label=str(kind),
        )  # fmt: skip
    ax.axvline(alpha, color="k", ls=":", lw=0.9, label=f"alpha = {alpha:g}")
    ax.set_xlim(-0.02, 1.02)
    ax.set_yticks(base, labels, fontsize=8)
    ax.set_xlabel("share of replicates with p <= alpha (MC 95% interval)")
    ax.grid(alpha=0.3, axis="x")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, frameon=False)
    if title:
        ax.set_title(title, fontsize=11)
    return fig
