"""Forest plot of hazard ratios from Cox or Firth fits.

Takes fitted results (anything with a ``.summary`` DataFrame indexed by
covariate: :class:`~ppprog.models.cox_result.CoxResult`,
:class:`~ppprog.models.firth_result.FirthResult`) or such a frame, and
returns a :class:`matplotlib.figure.Figure`; results never plot themselves.

Estimates that are not finite (a Cox fit with monotone likelihood reports
``coef = +inf`` for the diverging covariate) are not drawn as points: an
arrow at the edge of the axis points in the direction of divergence and
the text column says so, so a separated covariate can never be read as an
ordinary estimate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ppprog._core.fmt import fmt_num

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_forest", "hazard_ratio_frame"]

_COLORS = ("#1b6ca8", "#d1495b", "#2e933c", "#8e6c8a", "#edae49", "#00798c")
_MARKERS = ("s", "o", "D", "^", "v", "P")
HR_COLUMNS = ("hr", "lower", "upper", "p")


def hazard_ratio_frame(result: Any) -> pd.DataFrame:
    """Hazard ratios and confidence limits (HR scale) from a fit or a summary frame.

    Parameters
    ----------
    result : CoxResult, FirthResult or pandas.DataFrame
        A fitted result with a ``.summary`` frame, or a frame with columns
        ``coef, lower, upper`` (log scale, as ``FirthResult.summary``) or
        ``exp(coef), exp(lower), exp(upper)`` (as ``CoxResult.summary``).
        An optional ``p`` column is kept.

    Returns
    -------
    pandas.DataFrame
        Indexed by covariate, columns ``hr, lower, upper, p`` (NaN where absent).
    """
    frame = result if isinstance(result, pd.DataFrame) else getattr(result, "summary", None)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"expected a Cox/Firth result or a summary DataFrame, got {type(result)!r}")
    cols = set(frame.columns)
    if {"exp(coef)", "exp(lower)", "exp(upper)"} <= cols:
        hr, lo, hi = (frame[c].to_numpy(float) for c in ("exp(coef)", "exp(lower)", "exp(upper)"))
    elif {"coef", "lower", "upper"} <= cols:
        hr, lo, hi = (np.exp(frame[c].to_numpy(float)) for c in ("coef", "lower", "upper"))
    else:
        raise ValueError(
            "summary frame needs columns coef, lower, upper (log scale) or "
            f"exp(coef), exp(lower), exp(upper); has {list(frame.columns)}"
        )
    p = frame["p"].to_numpy(float) if "p" in cols else np.full(len(frame), np.nan)
    out = pd.DataFrame({"hr": hr, "lower": lo, "upper": hi, "p": p}, index=frame.index.astype(str))
    out.index.name = "covariate"
    return out


def _status_text(result: Any) -> str:
    status = getattr(result, "status", None)
    if status is None or getattr(status, "converged", True):
        return ""
    name = getattr(getattr(status, "code", None), "name", "not converged")
    return str(name).lower().replace("_", " ")


def _hr(v: float) -> str:
    if 0.1 <= v < 100:
        return f"{v:.2f}"
    return f"{v:.0f}" if 100 <= v < 1e6 else fmt_num(v, 3)


def _ticks(lo: float, hi: float) -> list[float]:
    """Readable ticks on a log axis: 1-2-5 (or finer) steps, at most about 8."""
    for steps in ((1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0), (1.0, 1.5, 2.0, 3.0, 5.0, 7.0),
                  (1.0, 2.0, 5.0), (1.0, 3.0), (1.0,)):  # fmt: skip
        decades = range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 1)
        ticks = [s * 10.0**d for d in decades for s in steps]
        ticks = [t for t in ticks if lo <= t <= hi]
        if len(ticks) <= 8:
            return ticks
    step = math.ceil((math.log10(hi) - math.log10(lo)) / 8)
    return [10.0**d for d in range(math.ceil(math.log10(lo)), math.floor(math.log10(hi)) + 1, step)]


def _label_text(row: pd.Series, status: str) -> str:
    hr = row["hr"]
    if hr == math.inf or hr == 0.0:
        arrow = "+inf" if hr == math.inf else "0"
        return f"HR -> {arrow} ({status or 'diverges'})"
    if not math.isfinite(hr):
        return "not estimable" + (f" ({status})" if status else "")
    text = _hr(hr)
    if math.isfinite(row["lower"]) and math.isfinite(row["upper"]):
        text += f" ({_hr(row['lower'])}, {_hr(row['upper'])})"
    else:
        text += " (CI not available)"
    if math.isfinite(row["p"]):
        p = row["p"]
        text += "  p<0.001" if p < 0.001 else f"  p={fmt_num(p, 2)}"
    return text


def _limits(frames: Sequence[pd.DataFrame], ref: float) -> tuple[float, float]:
    vals = [ref]
    for f in frames:
        for c in ("hr", "lower", "upper"):
            v = f[c].to_numpy(float)
            vals.extend(v[np.isfinite(v) & (v > 0)].tolist())
    lo, hi = min(vals), max(vals)
    pad = max(math.log(hi / lo) * 0.08, 0.15)
    return lo * math.exp(-pad), hi * math.exp(pad)


def _draw_row(ax: Axes, y: float, row: pd.Series, color: str, marker: str,
              xlim: tuple[float, float], ref: float) -> None:  # fmt: skip
    hr, lo, hi = row["hr"], row["lower"], row["upper"]
    if hr == math.inf or hr == 0.0:
        # a diverging estimate: an arrow from "no effect" to the edge, no point
        edge = xlim[1] if hr == math.inf else xlim[0]
        ax.annotate("", xy=(edge, y), xytext=(ref, y),
                    arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.6, "ls": "--"})  # fmt: skip
        return
    if not (math.isfinite(hr) and hr > 0):
        return
    if math.isfinite(lo) and math.isfinite(hi):
        ax.plot([max(lo, xlim[0]), min(hi, xlim[1])], [y, y], color=color, lw=1.8,
                solid_capstyle="butt")  # fmt: skip
        for end, lim, sign in ((lo, xlim[0], "<"), (hi, xlim[1], ">")):
            if (sign == "<" and end < lim) or (sign == ">" and end > lim):
                ax.plot([lim], [y], marker=sign, color=color, ms=6)
    ax.plot([hr], [y], marker=marker, color=color, ms=7, mec="white", mew=0.8, zorder=3)


def plot_forest(
    results: Any,
    *,
    labels: Sequence[str] | None = None,
    covariate_labels: Mapping[str, str] | None = None,
    ref: float = 1.0,
    xlabel: str = "hazard ratio (log scale)",
    title: str = "",
    annotate: bool = True,
) -> Figure:
    """Draw hazard ratios with confidence intervals on a log axis.

    Parameters
    ----------
    results : CoxResult, FirthResult, pandas.DataFrame, or mapping of str to these
        One fit, or several keyed by legend label (drawn side by side per
        covariate, e.g. ``{"Cox": cox_fit, "Firth": firth_fit}``).
    labels : sequence of str, optional
        Legend labels (default: the mapping keys).
    covariate_labels : mapping of str to str, optional
        Display names for covariates (e.g. ``{"ana_log2": "ANA (per 2-fold)"}``).
    ref : float, optional
        Reference line (no effect, HR 1).
    xlabel, title : str, optional
        Axis label and title.
    annotate : bool, optional
        Print ``HR (lower, upper) p=`` beside each row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    items = dict(results) if isinstance(results, Mapping) else {"": results}
    names = list(labels) if labels is not None else list(items)
    frames = [hazard_ratio_frame(r) for r in items.values()]
    status = [_status_text(r) for r in items.values()]
    covs = list(dict.fromkeys(c for f in frames for c in f.index))
    k = len(frames)
    height = 1.2 + 0.32 * len(covs) * max(k, 1.5)
    fig = Figure(figsize=(8.0 if annotate else 5.5, height), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    ax.set_xscale("log")
    xlim = _limits(frames, ref)
    ax.set_xlim(*xlim)
    offsets = (np.arange(k) - (k - 1) / 2) * (0.7 / max(k, 1))
    rename = covariate_labels or {}
    for j, (frame, name) in enumerate(zip(frames, names)):
        color, marker = _COLORS[j % len(_COLORS)], _MARKERS[j % len(_MARKERS)]
        for i, cov in enumerate(covs):
            if cov not in frame.index:
                continue
            y = -(i + offsets[j])
            row = frame.loc[cov]
            _draw_row(ax, y, row, color, marker, xlim, ref)
            if annotate:
                ax.annotate(_label_text(row, status[j]), xy=(1.02, y), xycoords=("axes fraction", "data"),
                            va="center", fontsize=8, color=color if k > 1 else "black")  # fmt: skip
        if name:
            ax.plot(
                [],
                [],
                marker=marker,
                color=color,
                ls="-",
                label=name + (f" [{status[j]}]" if status[j] else ""),
            )
    ax.axvline(ref, color="0.35", lw=1.0, ls="--", zorder=0)
    ax.set_yticks([-i for i in range(len(covs))], [rename.get(c, c) for c in covs])
    ax.set_ylim(-(len(covs) - 0.5), 0.5)
    ax.xaxis.set_major_locator(FixedLocator(_ticks(*xlim)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel(xlabel)
    ax.grid(alpha=0.3, axis="x")
    if any(names):
        ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=min(k, 3),
                  frameon=False)  # fmt: skip
    if annotate:
        level = 100 * (1 - float(getattr(next(iter(items.values())), "alpha", 0.05)))
        ax.annotate(f"HR ({level:g}% CI)", xy=(1.02, 1.0), xycoords="axes fraction",
                    va="bottom", fontsize=8, weight="bold")  # fmt: skip
    if title:
        fig.suptitle(title, fontsize=11)
    return fig
