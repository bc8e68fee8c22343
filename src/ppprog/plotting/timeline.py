"""A case timeline drawn as a clinician draws one.

One time axis (days, months or years from the index date, the first dose of
the inducing anti-TNF agent) with two panels: treatment episodes as bars, one
lane per agent and coloured by drug class, and ANA titers on a log2 axis
(negative, i.e. below detection, on its own row under the ladder; not
measured shown as a cross). Onset, pustule clearance, complete resolution,
recurrence, derived drug switches and the last follow-up are vertical lines
across both panels. A time the report gives only roughly is drawn at its best
value: events with their bounds as a shaded band, ANA measurements with a
whisker, treatment bars with a dashed outline.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ppprog.records.case import Case, TreatmentEpisode
from ppprog.records.quantities import TimeValue
from ppprog.records.vocab import Agent, DrugClass

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_timeline", "TIME_UNITS"]

#: Days per unit of the time axis.
TIME_UNITS = {"days": 1.0, "weeks": 7.0, "months": 30.4375, "years": 365.25}

_CLASS_COLORS = {
    DrugClass.ANTI_TNF: "#d1495b",
    DrugClass.IL17: "#1b6ca8",
    DrugClass.IL12_23: "#00798c",
    DrugClass.IL23: "#30638e",
    DrugClass.INTEGRIN: "#8e6c8a",
    DrugClass.SYSTEMIC_NONBIOLOGIC: "#edae49",
    DrugClass.TOPICAL: "#7fb069",
    DrugClass.OTHER: "#9a9a9a",
}
_CLASS_NAMES = {
    DrugClass.ANTI_TNF: "anti-TNF",
    DrugClass.IL17: "IL-17 inhibitor",
    DrugClass.IL12_23: "IL-12/23 inhibitor",
    DrugClass.IL23: "IL-23 inhibitor",
    DrugClass.INTEGRIN: "anti-integrin",
    DrugClass.SYSTEMIC_NONBIOLOGIC: "systemic non-biologic",
    DrugClass.TOPICAL: "topical",
    DrugClass.OTHER: "other",
}
# endpoint/marker name -> (label, colour, line style)
_EVENTS = {
    "onset": ("onset of paradoxical psoriasis", "#b2182b", "-"),
    "pustule_clearance": ("pustule clearance", "#2e933c", "--"),
    "complete_resolution": ("complete resolution", "#1a7a2e", "-"),
    "recurrence": ("recurrence", "#e08214", "-."),
    "switch": ("drug switch (derived)", "#8a8a8a", (0, (4, 2))),
    "last_follow_up": ("last follow-up", "black", (0, (1, 1.5))),
}
_ANA_COLOR = "#5e3c99"


_PRETTY = {"crohns": "Crohn's disease", "il12_23": "IL-12/23", "il17": "IL-17", "il23": "IL-23"}


def _name(x: object) -> str:
    text = str(getattr(x, "value", x))
    return _PRETTY.get(text, text.replace("_", " "))


def _lane(e: TreatmentEpisode) -> str:
    if e.agent is Agent.OTHER and e.agent_detail:
        return e.agent_detail
    return _name(e.agent)


def _bounds(tv: TimeValue, scale: float) -> tuple[float, float, float]:
    low = tv.low if tv.low is not None else tv.day
    high = tv.high if tv.high is not None else tv.day
    return tv.day / scale, low / scale, high / scale


def _span(case: Case) -> tuple[float, float]:
    days = [0.0]
    for e in case.treatments:
        days += [e.start.day] + ([e.stop.day] if e.stop is not None else [])
    days += [a.day.day for a in case.ana] + [o.day.day for o in case.outcomes]
    if case.onset is not None:
        days.append(case.onset.day.day)
    if case.last_follow_up is not None:
        days.append(case.last_follow_up.day)
    return min(days), max(days)


def _whisker(ax: Axes, y: float, tv: TimeValue, scale: float, color: str, xmax: float) -> None:
    _, low, high = _bounds(tv, scale)
    if low != high:
        ax.plot([low, min(high, xmax)], [y, y], color=color, lw=0.9, alpha=0.8)
        ax.plot([low], [y], "|", color=color, ms=5)
        if math.isfinite(high) and high <= xmax:
            ax.plot([high], [y], "|", color=color, ms=5)


def _draw_treatments(ax: Axes, case: Case, scale: float, end: float, xmax: float) -> list[Any]:
    lanes = list(
        dict.fromkeys(_lane(e) for e in sorted(case.treatments, key=lambda e: e.start.day))
    )
    seen: dict[DrugClass, Any] = {}
    for e in case.treatments:
        y = lanes.index(_lane(e))
        color = _CLASS_COLORS.get(e.drug_class, "#9a9a9a")  # type: ignore[arg-type]
        start = e.start.day / scale
        stop = e.stop.day / scale if e.stop is not None else end
        rough = e.start.approximate or (e.stop is not None and e.stop.approximate)
        bar = ax.barh(y, stop - start, left=start, height=0.55, color=color, alpha=0.85,
                      edgecolor="0.2" if rough else "white", linewidth=0.9,
                      linestyle=(0, (2, 1.5)) if rough else "-")  # fmt: skip
        seen.setdefault(e.drug_class, bar)  # type: ignore[arg-type]
        if e.stop is None:  # still running at the last follow-up
            ax.plot([stop], [y], marker=">", color=color, ms=7)
    ax.set_yticks(range(len(lanes)), lanes)
    ax.set_ylim(len(lanes) - 0.4, -0.6)
    from matplotlib.patches import Patch

    handles: list[Any] = [Patch(color=_CLASS_COLORS[c], alpha=0.85, label=_CLASS_NAMES[c])
               for c in _CLASS_COLORS if c in seen]  # fmt: skip
    if any(
        e.start.approximate or (e.stop is not None and e.stop.approximate) for e in case.treatments
    ):
        handles.append(Patch(facecolor="white", edgecolor="0.2", linestyle=(0, (2, 1.5)),
                             label="dashed outline: dates approximate"))  # fmt: skip
    handles.append(ax.plot([], [], ">", color="0.4", label="still running at last follow-up")[0])
    return handles


def _ana_points(
    case: Case,
) -> tuple[list[tuple[TimeValue, float]], list[TimeValue], list[TimeValue]]:
    positive, negative, missing = [], [], []
    for a in sorted(case.ana, key=lambda a: a.day.day):
        t = a.titer
        if t.is_missing:
            missing.append(a.day)
        elif t.is_negative or t.reciprocal is None:
            negative.append(a.day)
        else:
            positive.append((a.day, float(t.reciprocal)))
    return positive, negative, missing


def _draw_ana(ax: Axes, case: Case, scale: float, xmax: float, threshold: float) -> None:
    positive, negative, missing = _ana_points(case)
    recips = [r for _, r in positive] or [threshold]
    top = math.log2(max(recips + [threshold])) + 0.7
    low_pos = min(math.log2(min(recips)), math.log2(threshold)) - 1.0
    neg_y, miss_y = low_pos - 0.6, low_pos - 1.6
    pts = sorted(
        [(tv.day, math.log2(r)) for tv, r in positive] + [(tv.day, neg_y) for tv in negative]
    )
    if pts:
        xs, ys = zip(*pts)
        ax.plot(np.array(xs) / scale, ys, color=_ANA_COLOR, lw=1.0, alpha=0.6)
    for tv, r in positive:
        _whisker(ax, math.log2(r), tv, scale, _ANA_COLOR, xmax)
        ax.plot([tv.day / scale], [math.log2(r)], "o", color=_ANA_COLOR, ms=7, zorder=3)
    for tv in negative:
        _whisker(ax, neg_y, tv, scale, _ANA_COLOR, xmax)
        ax.plot(
            [tv.day / scale], [neg_y], "o", mfc="white", mec=_ANA_COLOR, mew=1.5, ms=7, zorder=3
        )
    for tv in missing:
        ax.plot([tv.day / scale], [miss_y], "x", color="0.45", ms=7, mew=1.5)
    ax.axhline(math.log2(threshold), color=_ANA_COLOR, lw=0.8, ls="--", alpha=0.6)
    ax.annotate(f"moderate-to-high (>= 1:{threshold:g})", xy=(0.005, math.log2(threshold)),
                xycoords=("axes fraction", "data"), va="bottom", fontsize=7, color=_ANA_COLOR)  # fmt: skip
    ladder = sorted({r for _, r in positive} | {float(threshold)})
    ticks = [math.log2(r) for r in ladder] + [neg_y] + ([miss_y] if missing else [])
    labels = [f"1:{r:g}" for r in ladder] + ["negative"] + (["not measured"] if missing else [])
    ax.set_yticks(ticks, labels)
    ax.set_ylim(miss_y - 0.6 if missing else neg_y - 0.7, top)
    ax.set_ylabel("ANA titer\n(log2 scale)", fontsize=9)


def _event_lines(case: Case) -> list[tuple[str, TimeValue]]:
    out: list[tuple[str, TimeValue]] = []
    if case.onset is not None:
        out.append(("onset", case.onset.day))
    for o in case.outcomes:
        out.append((getattr(o.endpoint, "value", str(o.endpoint)), o.day))
    out += [("switch", TimeValue(s.day)) for s in case.drug_switches]
    if case.last_follow_up is not None:
        out.append(("last_follow_up", case.last_follow_up))
    return out


def _draw_events(axes: Sequence[Axes], case: Case, scale: float, xmax: float) -> list[Any]:
    from matplotlib.patches import Patch

    handles: dict[str, Any] = {}
    shaded = False
    for key, tv in _event_lines(case):
        label, color, style = _EVENTS.get(key, (key, "0.3", "-"))
        day, low, high = _bounds(tv, scale)
        for ax in axes:
            line = ax.axvline(
                day, color=color, ls=style, lw=1.0 if key == "switch" else 1.5, zorder=1
            )
            if low != high and key not in ("switch", "last_follow_up"):
                ax.axvspan(low, min(high, xmax), color=color, alpha=0.07, lw=0, zorder=0)
                shaded = True
        handles.setdefault(key, line)
        line.set_label(label + (" (approx.)" if tv.approximate else ""))
    out = [handles[k] for k in _EVENTS if k in handles]
    if shaded:
        out.append(Patch(color="0.5", alpha=0.2, label="shaded: bounds of an approximate time"))
    return out


def _title(case: Case) -> str:
    p = case.patient
    bits = [_name(p.sex) if p.sex is not None else None,
            f"{p.age:g} y at index" if p.age is not None else None,
            _name(p.disease) if p.disease is not None else None,
            {True: "de novo", False: "exacerbation", None: None}[p.de_novo]]  # fmt: skip
    head = f"{case.case_id}" + (f" ({case.source.case_label})" if case.source.case_label else "")
    tail = ", ".join(b for b in bits if b)
    extent = case.onset.pustular_extent if case.onset is not None else None
    if extent is not None:
        tail += f"; pustules: {_name(extent)}"
    return f"{head}: {tail}" if tail else head


def plot_timeline(
    case: Case,
    *,
    unit: str = "days",
    title: str | None = None,
    threshold: float = 160.0,
    xlim: tuple[float, float] | None = None,
) -> Figure:
    """Draw a case's treatments, ANA titers and events on one time axis.

    Parameters
    ----------
    case : Case
        The case (e.g. from :func:`ppprog.records.io.read_cases`).
    unit : {"days", "weeks", "months", "years"}, optional
        Unit of the time axis; time 0 is the index date (first dose of the
        inducing anti-TNF agent).
    title : str, optional
        Figure title (default: case id, label and patient summary).
    threshold : float, optional
        Reciprocal titer drawn as the "moderate-to-high" reference line
        (default 160, the lower threshold of
        :meth:`ppprog.records.quantities.Titer.category`).
    xlim : tuple of float, optional
        Time-axis limits in ``unit`` (default: the case's whole history).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.figure import Figure

    if not isinstance(case, Case):
        raise TypeError(f"expected a Case, got {type(case).__name__}")
    if unit not in TIME_UNITS:
        raise ValueError(f"unit must be one of {list(TIME_UNITS)}, got {unit!r}")
    scale = TIME_UNITS[unit]
    first, last = (d / scale for d in _span(case))
    pad = 0.03 * max(last - first, 1.0)
    lo, hi = xlim if xlim is not None else (first - pad, last + pad)
    n_lanes = len({_lane(e) for e in case.treatments}) or 1
    fig = Figure(figsize=(10.0, 2.6 + 0.38 * n_lanes), dpi=110, layout="constrained")
    ax_t, ax_a = fig.subplots(2, 1, sharex=True, height_ratios=[max(n_lanes, 2), 2.6])
    end = case.last_follow_up.day / scale if case.last_follow_up is not None else last
    class_handles = _draw_treatments(ax_t, case, scale, end, hi)
    _draw_ana(ax_a, case, scale, hi, threshold)
    event_handles = _draw_events([ax_t, ax_a], case, scale, hi)
    ax_a.set_xlim(lo, hi)
    ax_a.set_xlabel(f"{unit} since index date (first dose of the inducing anti-TNF agent)")
    for ax in (ax_t, ax_a):
        ax.grid(alpha=0.25, axis="x")
    ax_t.set_title(_title(case) if title is None else title, fontsize=11, loc="left")
    if class_handles:
        ax_t.legend(handles=class_handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0),
                    title="treatment class", title_fontsize=8, frameon=False)  # fmt: skip
    if event_handles:
        ax_a.legend(handles=event_handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.15),
                    title="events", title_fontsize=8, frameon=False)  # fmt: skip
    return fig
