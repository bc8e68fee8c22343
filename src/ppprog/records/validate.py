"""Validation of cases: every rule returns problems, nothing is dropped.

Each rule takes one :class:`~ppprog.records.case.Case` and returns a list of
:class:`~ppprog._core.errors.Problem` naming the case and the field
(``"treatments[1].stop"``). :func:`validate` runs every rule over every case,
adds the collection-level rules (duplicate ids), fills in the file and, when
a line map is given, the line, and returns one
:class:`~ppprog._core.errors.ProblemReport`. It never removes a case or a row.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace

from ppprog._core.errors import Problem, ProblemReport, field_line
from ppprog.records.case import (
    Case,
    Onset,
    Outcome,
    TreatmentEpisode,
)
from ppprog.records.quantities import TimeValue
from ppprog.records.vocab import (
    Agent,
    Endpoint,
)

__all__ = [
    "validate",
    "RULES",
    "TYPED_RULES",
    "rule_types",
    "rule_values",
    "rule_times",
    "rule_treatments",
    "rule_outcomes",
    "case_label",
]
from ppprog.records.validate_types import (
    Rule,
    case_label,
    problem_at,
    real_number,
    rule_types,
    rule_values,
)


def _day(tv: object) -> float | None:
    if type(tv) is TimeValue:
        d = tv.day
        if type(d) is float and -math.inf < d < math.inf:
            return d
    if isinstance(tv, TimeValue) and real_number(tv.day) and math.isfinite(tv.day):
        return float(tv.day)
    return None


def rule_times(case: Case) -> list[Problem]:
    """Onset on or after day 0 and every dated item no later than the last follow-up."""
    out: list[Problem] = []
    last = _day(case.last_follow_up)
    onset = _day(case.onset.day) if isinstance(case.onset, Onset) else None
    if onset is not None and onset < 0:
        out.append(
            problem_at(
                case,
                "onset.day",
                f"onset (day {onset:g}) before the index date: paradoxical psoriasis needs the inducing agent",
            )
        )  # noqa: E501
    if last is not None and last < 0:
        out.append(
            problem_at(
                case, "last_follow_up", f"last follow-up (day {last:g}) before the index date"
            )
        )
    if last is None:
        return out
    if onset is not None and onset > last:
        out.append(
            problem_at(
                case, "onset.day", f"onset (day {onset:g}) after the last follow-up (day {last:g})"
            )
        )
    for name, attr in _DATED:
        items = getattr(case, name)
        for i, item in enumerate(items if isinstance(items, tuple) else ()):
            tv = getattr(item, attr, None)
            d = tv.day if type(tv) is TimeValue else None  # fast path: a float day
            if type(d) is not float or d == math.inf:
                d = _day(tv)
            if d is not None and d > last:  # the field name is built only for a problem
                what = "event" if name == "outcomes" else "date"
                msg = f"{what} on day {d:g} after the last follow-up (day {last:g})"
                out.append(problem_at(case, f"{name}[{i}].{attr}", msg))
    return out


_DATED = (("ana", "day"), ("labs", "day"), ("treatments", "start"), ("treatments", "stop"),
          ("outcomes", "day"))  # fmt: skip


def _episodes(case: Case) -> list[tuple[int, TreatmentEpisode, float, float]]:
    rows = []
    for i, e in enumerate(case.treatments if isinstance(case.treatments, tuple) else ()):
        if not isinstance(e, TreatmentEpisode):
            continue
        start = _day(e.start)
        if start is not None:
            stop = _day(e.stop) if e.stop is not None else math.inf
            if stop is not None:
                rows.append((i, e, start, stop))
    return rows


def rule_treatments(case: Case) -> list[Problem]:
    """Stops after starts, no overlapping episodes of one agent, the inducing agent at day 0."""
    out: list[Problem] = []
    eps = _episodes(case)
    for i, _e, start, stop in eps:
        if stop < start:
            out.append(
                problem_at(
                    case,
                    f"treatments[{i}].stop",
                    f"stop (day {stop:g}) before start (day {start:g})",
                )
            )
    for a in range(len(eps)):
        for b in range(a + 1, len(eps)):
            (i, ei, si, ti), (j, ej, sj, tj) = eps[a], eps[b]
            if ei.agent == ej.agent and si < tj and sj < ti:
                out.append(
                    problem_at(
                        case,
                        f"treatments[{j}]",
                        f"overlaps treatments[{i}] of the same agent ({ei.agent.value if isinstance(ei.agent, Agent) else ei.agent})",
                    )
                )  # noqa: E501
    ind = case.inducing_agent
    if isinstance(ind, Agent) and eps:
        mine = [e for _, e, _, _ in eps if e.agent == ind]
        if not mine:
            out.append(
                problem_at(case, "treatments", f"no episode of the inducing agent {ind.value}")
            )
        elif not any(e.start.low <= 0 <= e.start.high for e in mine):  # type: ignore[operator]
            out.append(
                problem_at(
                    case,
                    "treatments",
                    f"no episode of the inducing agent {ind.value} starts at day 0 (the index date)",
                )
            )  # noqa: E501
    return out


def rule_outcomes(case: Case) -> list[Problem]:
    """Events only after onset; clearance no later than complete resolution; recurrence after one."""
    out: list[Problem] = []
    outcomes = [
        (i, o)
        for i, o in enumerate(case.outcomes if isinstance(case.outcomes, tuple) else ())
        if isinstance(o, Outcome) and isinstance(o.endpoint, Endpoint) and _day(o.day) is not None
    ]  # noqa: E501
    onset = _day(case.onset.day) if isinstance(case.onset, Onset) else None
    if outcomes and case.onset is None:
        out.append(problem_at(case, "outcomes", "outcome events recorded but no onset"))
    first: dict[Endpoint, float] = {}
    for i, o in outcomes:
        d = _day(o.day)
        if onset is not None and d < onset:  # type: ignore[operator]
            out.append(
                problem_at(
                    case,
                    f"outcomes[{i}].day",
                    f"{o.endpoint.value} on day {d:g} before onset (day {onset:g})",
                )
            )  # noqa: E501
        first[o.endpoint] = min(first.get(o.endpoint, math.inf), d)  # type: ignore[arg-type, type-var, assignment]
    clr, res = first.get(Endpoint.PUSTULE_CLEARANCE), first.get(Endpoint.COMPLETE_RESOLUTION)
    if clr is not None and res is not None and clr > res:
        i = next(
            i
            for i, o in outcomes
            if o.endpoint == Endpoint.PUSTULE_CLEARANCE and _day(o.day) == clr
        )
        out.append(
            problem_at(
                case,
                f"outcomes[{i}].day",
                f"pustule clearance (day {clr:g}) after complete resolution (day {res:g})",
            )
        )  # noqa: E501
    rec = first.get(Endpoint.RECURRENCE)
    if rec is not None and rec <= min(x for x in (clr, res, math.inf) if x is not None):
        i = next(i for i, o in outcomes if o.endpoint == Endpoint.RECURRENCE and _day(o.day) == rec)
        out.append(
            problem_at(case, f"outcomes[{i}].day", "recurrence before any clearance or resolution")
        )
    return out


#: The per-case rules run by :func:`validate`, in order.
RULES: tuple[Rule, ...] = (rule_types, rule_times, rule_treatments, rule_outcomes)
#: The rules for cases whose fields are typed already (the table reader's cases).
TYPED_RULES: tuple[Rule, ...] = (rule_values, rule_times, rule_treatments, rule_outcomes)


def validate(
    cases: Iterable[Case],
    *,
    file: str | None = None,
    lines: Sequence[Mapping[str, int]] | None = None,
    typed: bool = False,
) -> ProblemReport:
    """Run every rule over every case and collect all problems.

    Parameters
    ----------
    cases : iterable of Case
    file : str, optional
        File name put on every problem.
    lines : sequence of mapping, optional
        Per case, a map from field path (``"treatments[1].stop"``) to a
        1-based line; the nearest enclosing field's line is used.
    typed : bool, optional
        True when every field already has its type (cases assembled by the
        table reader, which converts and checks every cell): the type checks
        are skipped and only the value rules run (:data:`TYPED_RULES`).

    Returns
    -------
    ProblemReport
        Empty when the cases are valid; call ``raise_if_any()`` to raise.
    """
    report = ProblemReport()
    rules = TYPED_RULES if typed else RULES
    seen: dict[object, int] = {}
    for k, case in enumerate(cases):
        lm = lines[k] if lines is not None and k < len(lines) else None
        found: list[Problem] = []
        for rule in rules:
            found.extend(rule(case))
        if case.case_id in seen:
            found.append(
                problem_at(
                    case, "id", f"duplicate case id (first used by case #{seen[case.case_id] + 1})"
                )
            )  # noqa: E501
        else:
            seen[case.case_id] = k
        if found:
            report.extend(replace(p, file=file, line=field_line(lm, p.field)) for p in found)
    return report
