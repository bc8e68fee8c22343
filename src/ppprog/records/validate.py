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
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from enum import Enum

from ppprog._core.errors import Problem, ProblemReport, field_line
from ppprog.records.case import (
    AnaMeasurement,
    Case,
    LabValue,
    Onset,
    Outcome,
    Patient,
    TreatmentEpisode,
)
from ppprog.records.quantities import LADDERS, Quote, Source, TimeValue, Titer
from ppprog.records.vocab import (
    ANTI_TNF_AGENTS,
    Agent,
    Disease,
    DrugClass,
    Endpoint,
    Morphology,
    PustularExtent,
    Sex,
    Smoking,
    SourceKind,
    StopReason,
    parse_enum,
)

__all__ = ["validate", "RULES", "rule_types", "rule_times", "rule_treatments", "rule_outcomes"]

Rule = Callable[[Case], list[Problem]]


def _p(case: Case, field: str, message: str) -> Problem:
    return Problem(None, case_label(case.case_id), field, message)


def case_label(case_id: object) -> str | None:
    """Text used for a case id in problems (None when the id is missing)."""
    return case_id if isinstance(case_id, str) or case_id is None else str(case_id)


def _enum_ok(value: object, cls: type[Enum], optional: bool = True) -> str | None:
    if value is None and optional:
        return None
    if isinstance(value, cls):
        return None
    try:
        parse_enum(cls, value)
    except ValueError as exc:
        return str(exc)  # names the accepted tokens, or the choices of an ambiguous word
    allowed = ", ".join(str(m.value) for m in cls)  # type: ignore[attr-defined]
    return f"unknown {cls.__name__} {value!r}; expected one of: {allowed}"


def _real(value: object) -> bool:
    t = type(value)
    if t is float or t is int:  # fast path; bool is excluded below
        return True
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _time_problems(case: Case, tv: object, field: str) -> list[Problem]:
    if type(tv) is TimeValue:  # fast path: finite day and low, low <= day <= high, no odd quote
        day, low, high, q = tv.day, tv.low, tv.high, tv.quote
        if (type(day) is float and type(low) is float and type(high) is float
                and -math.inf < low <= day <= high and day < math.inf
                and (q is None or type(q) is Quote)):  # fmt: skip
            return []
    if not isinstance(tv, TimeValue):
        return [
            _p(case, field, f"expected a day (number) or a time, got {type(tv).__name__} {tv!r}")
        ]
    day, low, high = tv.day, tv.low, tv.high
    if (
        type(day) is float
        and type(low) is float
        and type(high) is float
        and low <= day <= high  # also false for NaN
        and math.isfinite(day)
        and math.isfinite(low)
        and high == high
        and (tv.quote is None or isinstance(tv.quote, Quote))
    ):
        return []  # the common, valid case
    out = []
    for name in ("day", "low", "high"):
        v = getattr(tv, name)
        if not _real(v) or math.isnan(v) or (name != "high" and math.isinf(v)):
            out.append(_p(case, f"{field}.{name}", f"expected a finite number, got {v!r}"))
    if not out and not (low <= day <= high):  # type: ignore[operator]
        out.append(_p(case, field, f"bounds must satisfy low <= day <= high, got {tv}"))
    if tv.quote is not None and not isinstance(tv.quote, Quote):
        out.append(_p(case, f"{field}.quote", "expected text or a quote mapping"))
    return out


_FAST: dict[object, type] = {"str": str, "bool": bool, "num": float, "quote": Quote}


def _check_fields(
    case: Case, obj: object, prefix: str, spec: Mapping[str, object]
) -> list[Problem]:
    """Check fields of ``obj`` against ``spec``: an Enum class, 'time', 'str', 'bool', 'num'."""
    out: list[Problem] = []
    for name, kind in spec.items():
        value = getattr(obj, name)
        if value is None or type(value) is _FAST.get(kind, kind):  # type: ignore[call-overload]
            continue  # fast path: absent optional field, or a value of the right type
        field = f"{prefix}{name}"
        if isinstance(kind, type) and issubclass(kind, Enum):
            msg = _enum_ok(value, kind)
            if msg:
                out.append(_p(case, field, msg))
        elif kind == "time" and value is not None:
            out.extend(_time_problems(case, value, field))
        elif kind == "str" and value is not None and not isinstance(value, str):
            out.append(_p(case, field, f"expected text, got {type(value).__name__} {value!r}"))
        elif kind == "bool" and value is not None and not isinstance(value, bool):
            out.append(_p(case, field, f"expected true/false, got {value!r}"))
        elif kind == "num" and value is not None and (not _real(value) or math.isnan(value)):
            out.append(_p(case, field, f"expected a number, got {type(value).__name__} {value!r}"))
        elif kind == "quote" and value is not None and not isinstance(value, Quote):
            out.append(_p(case, field, "expected text or a quote mapping"))
    return out


_PATIENT = {"sex": Sex, "age": "num", "disease": Disease, "disease_detail": "str",
            "prior_psoriasis": "bool", "family_history_psoriasis": "bool", "smoking": Smoking,
            "notes": "str"}  # fmt: skip
_ONSET = {"day": "time", "pustular_extent": PustularExtent, "quote": "quote"}
_ANA = {"day": "time", "label": "str", "quote": "quote"}
_LAB = {"name": "str", "day": "time", "value": "num", "unit": "str", "text": "str",
        "reference_range": "str", "label": "str", "quote": "quote"}  # fmt: skip
_EPISODE = {"agent": Agent, "start": "time", "stop": "time", "stop_reason": StopReason,
            "drug_class": DrugClass, "agent_detail": "str", "dose": "str", "schedule": "str",
            "route": "str", "quote": "quote", "notes": "str"}  # fmt: skip
_OUTCOME = {"endpoint": Endpoint, "day": "time", "quote": "quote", "notes": "str"}


def _check_list(case: Case, name: str, cls: type, spec: Mapping[str, object]) -> list[Problem]:
    items = getattr(case, name)
    if not isinstance(items, tuple):
        return [_p(case, name, f"expected a list, got {type(items).__name__}")]
    out: list[Problem] = []
    for i, item in enumerate(items):
        if not isinstance(item, cls):
            out.append(_p(case, f"{name}[{i}]", f"expected a {cls.__name__} mapping, got {item!r}"))
        else:
            out.extend(_check_fields(case, item, f"{name}[{i}].", spec))
    return out


def rule_types(case: Case) -> list[Problem]:
    """Every field has the right type and every token is in its vocabulary."""
    out: list[Problem] = []
    if not isinstance(case.case_id, str) or not case.case_id.strip():
        out.append(_p(case, "id", "case id must be non-empty text"))
    if isinstance(case.patient, Patient):
        out.extend(_check_fields(case, case.patient, "patient.", _PATIENT))
        age = case.patient.age
        if _real(age) and not 0 <= age <= 120:  # type: ignore[operator]
            out.append(_p(case, "patient.age", f"age must be in [0, 120] years, got {age}"))
    else:
        out.append(_p(case, "patient", "expected a patient mapping"))
    msg = _enum_ok(case.inducing_agent, Agent)
    if msg:
        out.append(_p(case, "inducing_agent", msg))
    elif case.inducing_agent is not None and case.inducing_agent not in ANTI_TNF_AGENTS:
        out.append(
            _p(case, "inducing_agent", f"{case.inducing_agent.value} is not an anti-TNF agent")
        )
    out.extend(_source_problems(case))
    if case.onset is not None:
        if isinstance(case.onset, Onset):
            out.extend(_check_fields(case, case.onset, "onset.", _ONSET))
            for j, m in enumerate(case.onset.morphology):
                msg = _enum_ok(m, Morphology, optional=False)
                if msg:
                    out.append(_p(case, f"onset.morphology[{j}]", msg))
        else:
            out.append(_p(case, "onset", "expected an onset mapping"))
    out.extend(_check_list(case, "ana", AnaMeasurement, _ANA))
    out.extend(_ana_problems(case))
    out.extend(_check_list(case, "labs", LabValue, _LAB))
    out.extend(_check_list(case, "treatments", TreatmentEpisode, _EPISODE))
    out.extend(_check_list(case, "outcomes", Outcome, _OUTCOME))
    if case.last_follow_up is None:
        out.append(_p(case, "last_follow_up", "missing: needed to censor every endpoint"))
    else:
        out.extend(_time_problems(case, case.last_follow_up, "last_follow_up"))
    return out


def _source_problems(case: Case) -> list[Problem]:
    s = case.source
    if not isinstance(s, Source):
        return [_p(case, "source", "expected a source mapping")]
    out = []
    if s.kind not in {k.value for k in SourceKind}:
        out.append(
            _p(case, "source.kind", f"expected report, registry or synthetic, got {s.kind!r}")
        )
    if s.kind == "synthetic" and s.seed is None:
        out.append(_p(case, "source.seed", "a synthetic case must record its seed"))
    for name in ("seed", "replicate"):
        v = getattr(s, name)
        if v is not None and (not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 0):
            out.append(_p(case, f"source.{name}", f"expected an integer >= 0, got {v!r}"))
    return out


def _ana_problems(case: Case) -> list[Problem]:
    out = []
    for i, a in enumerate(case.ana if isinstance(case.ana, tuple) else ()):
        if not isinstance(a, AnaMeasurement):
            continue
        t = a.titer
        if not isinstance(t, Titer):
            out.append(_p(case, f"ana[{i}].titer", f"expected a titer, got {t!r}"))
            continue
        if t.status not in ("positive", "negative", "missing"):
            out.append(_p(case, f"ana[{i}].titer.status", f"unknown status {t.status!r}"))
        if t.status == "positive" and (not _real(t.reciprocal) or not t.reciprocal > 0):  # type: ignore[operator]
            out.append(_p(case, f"ana[{i}].titer", "a positive titer needs a reciprocal > 0"))
        if t.qualifier not in ("=", "<", ">"):
            out.append(
                _p(case, f"ana[{i}].titer.qualifier", f"expected =, < or >, got {t.qualifier!r}")
            )
        if a.ladder is not None and a.ladder not in LADDERS:
            out.append(
                _p(
                    case,
                    f"ana[{i}].ladder",
                    f"unknown ladder {a.ladder!r}; known: {', '.join(LADDERS)}",
                )
            )
        elif a.ladder is not None and t.status == "positive" and _real(t.reciprocal):
            if not any(math.isclose(t.reciprocal, r) for r in LADDERS[a.ladder]):  # type: ignore[arg-type]
                out.append(
                    _p(case, f"ana[{i}].titer", f"1:{t.reciprocal:g} is not on ladder {a.ladder}")
                )
    return out


def _day(tv: object) -> float | None:
    if type(tv) is TimeValue:
        d = tv.day
        if type(d) is float and -math.inf < d < math.inf:
            return d
    if isinstance(tv, TimeValue) and _real(tv.day) and math.isfinite(tv.day):
        return float(tv.day)
    return None


def rule_times(case: Case) -> list[Problem]:
    """Onset on or after day 0 and every dated item no later than the last follow-up."""
    out: list[Problem] = []
    last = _day(case.last_follow_up)
    onset = _day(case.onset.day) if isinstance(case.onset, Onset) else None
    if onset is not None and onset < 0:
        out.append(
            _p(
                case,
                "onset.day",
                f"onset (day {onset:g}) before the index date: paradoxical psoriasis needs the inducing agent",
            )
        )  # noqa: E501
    if last is not None and last < 0:
        out.append(
            _p(case, "last_follow_up", f"last follow-up (day {last:g}) before the index date")
        )
    if last is None:
        return out
    if onset is not None and onset > last:
        out.append(
            _p(case, "onset.day", f"onset (day {onset:g}) after the last follow-up (day {last:g})")
        )
    dated: list[tuple[str, object]] = []
    for name, attr in (("ana", "day"), ("labs", "day"), ("treatments", "start"),
                       ("treatments", "stop"), ("outcomes", "day")):  # fmt: skip
        items = getattr(case, name)
        for i, item in enumerate(items if isinstance(items, tuple) else ()):
            dated.append((f"{name}[{i}].{attr}", getattr(item, attr, None)))
    for field, tv in dated:
        d = _day(tv)
        if d is not None and d > last:
            what = "event" if field.startswith("outcomes") else "date"
            out.append(
                _p(case, field, f"{what} on day {d:g} after the last follow-up (day {last:g})")
            )
    return out


def _episodes(case: Case) -> list[tuple[int, TreatmentEpisode, float, float]]:
    rows = []
    for i, e in enumerate(case.treatments if isinstance(case.treatments, tuple) else ()):
        if isinstance(e, TreatmentEpisode) and _day(e.start) is not None:
            stop = _day(e.stop) if e.stop is not None else math.inf
            if stop is not None:
                rows.append((i, e, _day(e.start), stop))
    return rows  # type: ignore[return-value]


def rule_treatments(case: Case) -> list[Problem]:
    """Stops after starts, no overlapping episodes of one agent, the inducing agent at day 0."""
    out: list[Problem] = []
    eps = _episodes(case)
    for i, _e, start, stop in eps:
        if stop < start:
            out.append(
                _p(
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
                    _p(
                        case,
                        f"treatments[{j}]",
                        f"overlaps treatments[{i}] of the same agent ({ei.agent.value if isinstance(ei.agent, Agent) else ei.agent})",
                    )
                )  # noqa: E501
    ind = case.inducing_agent
    if isinstance(ind, Agent) and eps:
        mine = [e for _, e, _, _ in eps if e.agent == ind]
        if not mine:
            out.append(_p(case, "treatments", f"no episode of the inducing agent {ind.value}"))
        elif not any(e.start.low <= 0 <= e.start.high for e in mine):  # type: ignore[operator]
            out.append(
                _p(
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
        out.append(_p(case, "outcomes", "outcome events recorded but no onset"))
    first: dict[Endpoint, float] = {}
    for i, o in outcomes:
        d = _day(o.day)
        if onset is not None and d < onset:  # type: ignore[operator]
            out.append(
                _p(
                    case,
                    f"outcomes[{i}].day",
                    f"{o.endpoint.value} on day {d:g} before onset (day {onset:g})",
                )
            )  # noqa: E501
        first[o.endpoint] = min(first.get(o.endpoint, math.inf), d)  # type: ignore[arg-type]
    clr, res = first.get(Endpoint.PUSTULE_CLEARANCE), first.get(Endpoint.COMPLETE_RESOLUTION)
    if clr is not None and res is not None and clr > res:
        i = next(
            i
            for i, o in outcomes
            if o.endpoint == Endpoint.PUSTULE_CLEARANCE and _day(o.day) == clr
        )
        out.append(
            _p(
                case,
                f"outcomes[{i}].day",
                f"pustule clearance (day {clr:g}) after complete resolution (day {res:g})",
            )
        )  # noqa: E501
    rec = first.get(Endpoint.RECURRENCE)
    if rec is not None and rec <= min(x for x in (clr, res, math.inf) if x is not None):
        i = next(i for i, o in outcomes if o.endpoint == Endpoint.RECURRENCE and _day(o.day) == rec)
        out.append(_p(case, f"outcomes[{i}].day", "recurrence before any clearance or resolution"))
    return out


#: The per-case rules run by :func:`validate`, in order.
RULES: tuple[Rule, ...] = (rule_types, rule_times, rule_treatments, rule_outcomes)


def validate(
    cases: Iterable[Case],
    *,
    file: str | None = None,
    lines: Sequence[Mapping[str, int]] | None = None,
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

    Returns
    -------
    ProblemReport
        Empty when the cases are valid; call ``raise_if_any()`` to raise.
    """
    report = ProblemReport()
    seen: dict[object, int] = {}
    for k, case in enumerate(cases):
        lm = lines[k] if lines is not None and k < len(lines) else None
        found: list[Problem] = []
        for rule in RULES:
            found.extend(rule(case))
        if case.case_id in seen:
            found.append(
                _p(case, "id", f"duplicate case id (first used by case #{seen[case.case_id] + 1})")
            )  # noqa: E501
        else:
            seen[case.case_id] = k
        report.extend(replace(p, file=file, line=field_line(lm, p.field)) for p in found)
    return report
