"""A readable text timeline of a case (used by ``ppprog cases show FILE``)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ppprog.records.quantities import TimeValue

if TYPE_CHECKING:  # Case.timeline() imports this module: no import back at run time
    from ppprog.records.case import Case

__all__ = ["format_timeline", "timeline_events"]


def _when(tv: TimeValue) -> str:
    s = f"day {tv.day:>7.1f}"
    if tv.low != tv.day or tv.high != tv.day:
        hi = "inf" if tv.high == math.inf else f"{tv.high:g}"
        s += f" [{tv.low:g}, {hi}]"
    return ("~" if tv.approximate else " ") + s


def _v(x: object) -> str:
    return str(getattr(x, "value", x))


def _episode_events(e: Any) -> list[tuple[TimeValue | None, int, str]]:
    name = _v(e.agent) + (f" ({e.agent_detail})" if e.agent_detail else "")
    dose = ", ".join(x for x in (e.dose, e.schedule, e.route) if x)
    out = [(e.start, 1, f"START {name} [{_v(e.drug_class)}]" + (f": {dose}" if dose else ""))]
    if e.stop is not None:
        why = f" ({_v(e.stop_reason)})" if e.stop_reason is not None else ""
        out.append((e.stop, 0, f"STOP  {name}{why}"))
    return out


def _ana_text(a: Any) -> str:
    label = f" ({a.label})" if a.label else ""
    return f"ANA {a.titer} -> {a.titer.category() or 'missing'}{label}"


def _lab_text(lab: Any) -> str:
    unit = f" {lab.unit}" if lab.unit else ""
    label = f" ({lab.label})" if lab.label else ""
    shown = lab.text if lab.text is not None else f"{lab.value:g}"
    return f"LAB {lab.name} = {shown}{unit}{label}"


def timeline_events(case: Case) -> list[tuple[float, int, TimeValue, str]]:
    """Return the dated events of ``case`` as ``(day, order, time, text)``, sorted.

    Parameters
    ----------
    case : Case

    Returns
    -------
    list of tuple
    """
    ev: list[tuple[float, int, TimeValue, str]] = []

    def add(tv: TimeValue | None, k: int, text: str) -> None:
        if isinstance(tv, TimeValue):
            ev.append((tv.day, k, tv, text))

    for tv, k, text in [x for e in case.treatments for x in _episode_events(e)]:
        add(tv, k, text)
    for s in case.drug_switches:
        frm = ", ".join(_v(a) for a in s.from_agents)
        ev.append((s.day, 2, TimeValue(s.day), f"SWITCH {frm} -> {_v(s.to_agent)}"))
    if case.onset is not None:
        o = case.onset
        morph = ", ".join(_v(m) for m in o.morphology)
        add(o.day, 3, f"ONSET paradoxical psoriasis: {morph}; pustules {_v(o.pustular_extent)}")
    for a in case.ana:
        add(a.day, 4, _ana_text(a))
    for lab in case.labs:
        add(lab.day, 5, _lab_text(lab))
    for oc in case.outcomes:
        add(oc.day, 6, f"EVENT {_v(oc.endpoint)}")
    if case.last_follow_up is not None:
        add(case.last_follow_up, 9, f"LAST FOLLOW-UP: {case.follow_up_status or ''}".rstrip(": "))
    ev.sort(key=lambda x: (x[0], x[1]))
    return ev


def format_timeline(case: Case) -> str:
    """Return a text timeline: a header, then one line per dated event.

    Days count from the index date (first dose of the inducing agent). A
    ``~`` marks approximate times and ``[low, high]`` their bounds.

    Parameters
    ----------
    case : Case

    Returns
    -------
    str
    """
    p = case.patient
    bits = [
        _v(p.sex) if p.sex is not None else None,
        f"{p.age:g} y at index" if p.age is not None else None,
        _v(p.disease) if p.disease is not None else None,
        {True: "de novo", False: "exacerbation", None: None}[p.de_novo],
    ]
    head = [
        f"Case {case.case_id}" + (f" ({case.source.case_label})" if case.source.case_label else "")
    ]
    head.append("  " + ", ".join(b for b in bits if b))
    if case.inducing_agent is not None:
        head.append(f"  index (day 0): first dose of {_v(case.inducing_agent)}")
    if case.source.citation:
        head.append(f"  source: {case.source.citation}")
    lines = [f"  {_when(tv)}  {text}" for _, _, tv, text in timeline_events(case)]
    return "\n".join(head + lines)
