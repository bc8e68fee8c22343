"""Type and value rules of a case (used by :func:`ppprog.records.validate.validate`).

:func:`rule_types` checks that every field has its type and every token is
in its vocabulary, then the value rules; :func:`rule_values` runs only the
value rules (a case id, an age in range, an anti-TNF inducing agent, a
source, titers on their ladder) for cases whose fields were typed, and whose
times' bounds were checked, cell by cell, by the table reader.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from enum import Enum

from ppprog._core.errors import Problem
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

__all__ = [
    "Rule",
    "rule_types",
    "rule_values",
    "problem_at",
    "case_label",
    "real_number",
    "time_problems",
]

Rule = Callable[[Case], list[Problem]]


def problem_at(case: Case, field: str, message: str) -> Problem:
    """A problem of ``case`` at ``field`` (file and line are filled in later)."""
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


def real_number(value: object) -> bool:
    """True for an int or float that is not a bool."""
    t = type(value)
    if t is float or t is int:  # fast path; bool is excluded below
        return True
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def time_problems(case: Case, tv: object, field: str) -> list[Problem]:
    """Problems of one time: its type, finite day and low, low <= day <= high."""
    if type(tv) is TimeValue:  # fast path: finite day and low, low <= day <= high, no odd quote
        day, low, high, q = tv.day, tv.low, tv.high, tv.quote
        if (type(day) is float and type(low) is float and type(high) is float
                and -math.inf < low <= day <= high and day < math.inf
                and (q is None or type(q) is Quote)):  # fmt: skip
            return []
    if not isinstance(tv, TimeValue):
        return [
            problem_at(
                case, field, f"expected a day (number) or a time, got {type(tv).__name__} {tv!r}"
            )
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
        if not real_number(v) or math.isnan(v) or (name != "high" and math.isinf(v)):
            out.append(problem_at(case, f"{field}.{name}", f"expected a finite number, got {v!r}"))
    if not out and not (low <= day <= high):  # type: ignore[operator]
        out.append(problem_at(case, field, f"bounds must satisfy low <= day <= high, got {tv}"))
    if tv.quote is not None and not isinstance(tv.quote, Quote):
        out.append(problem_at(case, f"{field}.quote", "expected text or a quote mapping"))
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
                out.append(problem_at(case, field, msg))
        elif kind == "time" and value is not None:
            out.extend(time_problems(case, value, field))
        elif kind == "str" and value is not None and not isinstance(value, str):
            out.append(
                problem_at(case, field, f"expected text, got {type(value).__name__} {value!r}")
            )
        elif kind == "bool" and value is not None and not isinstance(value, bool):
            out.append(problem_at(case, field, f"expected true/false, got {value!r}"))
        elif kind == "num" and value is not None and (not real_number(value) or math.isnan(value)):
            out.append(
                problem_at(case, field, f"expected a number, got {type(value).__name__} {value!r}")
            )
        elif kind == "quote" and value is not None and not isinstance(value, Quote):
            out.append(problem_at(case, field, "expected text or a quote mapping"))
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
        return [problem_at(case, name, f"expected a list, got {type(items).__name__}")]
    out: list[Problem] = []
    for i, item in enumerate(items):
        if not isinstance(item, cls):
            out.append(
                problem_at(case, f"{name}[{i}]", f"expected a {cls.__name__} mapping, got {item!r}")
            )
        else:
            out.extend(_check_fields(case, item, f"{name}[{i}].", spec))
    return out


def rule_types(case: Case) -> list[Problem]:
    """Every field has the right type and every token is in its vocabulary; then the value rules."""
    out: list[Problem] = []
    if isinstance(case.patient, Patient):
        out.extend(_check_fields(case, case.patient, "patient.", _PATIENT))
    else:
        out.append(problem_at(case, "patient", "expected a patient mapping"))
    msg = _enum_ok(case.inducing_agent, Agent)
    if msg:
        out.append(problem_at(case, "inducing_agent", msg))
    if case.onset is not None:
        if isinstance(case.onset, Onset):
            out.extend(_check_fields(case, case.onset, "onset.", _ONSET))
            for j, m in enumerate(case.onset.morphology):
                msg = _enum_ok(m, Morphology, optional=False)
                if msg:
                    out.append(problem_at(case, f"onset.morphology[{j}]", msg))
        else:
            out.append(problem_at(case, "onset", "expected an onset mapping"))
    out.extend(_check_list(case, "ana", AnaMeasurement, _ANA))
    out.extend(_check_list(case, "labs", LabValue, _LAB))
    out.extend(_check_list(case, "treatments", TreatmentEpisode, _EPISODE))
    out.extend(_check_list(case, "outcomes", Outcome, _OUTCOME))
    if case.last_follow_up is not None:
        out.extend(time_problems(case, case.last_follow_up, "last_follow_up"))
    return out + _common_values(case)


def _common_values(case: Case) -> list[Problem]:
    out: list[Problem] = []
    if not isinstance(case.case_id, str) or not case.case_id.strip():
        out.append(problem_at(case, "id", "case id must be non-empty text"))
    age = getattr(case.patient, "age", None)
    if real_number(age) and not 0 <= age <= 120:  # type: ignore[operator]
        out.append(problem_at(case, "patient.age", f"age must be in [0, 120] years, got {age}"))
    ind = case.inducing_agent
    if isinstance(ind, Agent) and ind not in ANTI_TNF_AGENTS:
        out.append(problem_at(case, "inducing_agent", f"{ind.value} is not an anti-TNF agent"))
    out.extend(_source_problems(case))
    out.extend(_ana_problems(case))
    if case.last_follow_up is None:
        out.append(problem_at(case, "last_follow_up", "missing: needed to censor every endpoint"))
    return out


def rule_values(case: Case) -> list[Problem]:
    """The value rules of :func:`rule_types` for a case whose fields are typed and whose
    times' bounds are checked already (the table reader does both, cell by cell)."""
    return _common_values(case)


_SOURCE_KINDS = frozenset(k.value for k in SourceKind)


def _source_problems(case: Case) -> list[Problem]:
    s = case.source
    if not isinstance(s, Source):
        return [problem_at(case, "source", "expected a source mapping")]
    out = []
    if s.kind not in _SOURCE_KINDS:
        out.append(
            problem_at(
                case, "source.kind", f"expected report, registry or synthetic, got {s.kind!r}"
            )
        )
    if s.kind == "synthetic" and s.seed is None:
        out.append(problem_at(case, "source.seed", "a synthetic case must record its seed"))
    for name in ("seed", "replicate"):
        v = getattr(s, name)
        if v is None or (type(v) is int and v >= 0):
            continue
        if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 0:
            out.append(problem_at(case, f"source.{name}", f"expected an integer >= 0, got {v!r}"))
    return out


def _ana_problems(case: Case) -> list[Problem]:
    out = []
    for i, a in enumerate(case.ana if isinstance(case.ana, tuple) else ()):
        if not isinstance(a, AnaMeasurement):
            continue
        t = a.titer
        if not isinstance(t, Titer):
            out.append(problem_at(case, f"ana[{i}].titer", f"expected a titer, got {t!r}"))
            continue
        if t.status not in ("positive", "negative", "missing"):
            out.append(problem_at(case, f"ana[{i}].titer.status", f"unknown status {t.status!r}"))
        if t.status == "positive" and (not real_number(t.reciprocal) or not t.reciprocal > 0):  # type: ignore[operator]
            out.append(
                problem_at(case, f"ana[{i}].titer", "a positive titer needs a reciprocal > 0")
            )
        if t.qualifier not in ("=", "<", ">"):
            out.append(
                problem_at(
                    case, f"ana[{i}].titer.qualifier", f"expected =, < or >, got {t.qualifier!r}"
                )
            )
        if a.ladder is not None and a.ladder not in LADDERS:
            out.append(
                problem_at(
                    case,
                    f"ana[{i}].ladder",
                    f"unknown ladder {a.ladder!r}; known: {', '.join(LADDERS)}",
                )
            )
        elif a.ladder is not None and t.status == "positive" and real_number(t.reciprocal):
            if not any(math.isclose(t.reciprocal, r) for r in LADDERS[a.ladder]):  # type: ignore[arg-type]
                out.append(
                    problem_at(
                        case, f"ana[{i}].titer", f"1:{t.reciprocal:g} is not on ladder {a.ladder}"
                    )
                )
    return out
