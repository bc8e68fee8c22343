"""YAML case files: hand-curated, one or many cases per file.

Layout
------
A file holds one case (a mapping with ``id``), a list of cases, or a mapping
``{cases: [...]}``. The keys of each object are the field names of the
dataclasses in :mod:`ppprog.records.case`. Conveniences for curators:

* a time is a number of days from the index date, a duration text
  (``"8 wk"``, ``"more than 20 d"``, see :func:`~ppprog.records.parse.parse_duration`),
  or a mapping ``{day, low, high, approximate, quote}``;
* a titer is the text as printed (``"1: 320"``), parsed with the measurement's
  ``ladder``, or a mapping ``{status, reciprocal, qualifier, detection_limit, text}``;
* a lab value may be given only as ``text`` (``"< 3.23"``, ``"normal"``): its
  ``value`` and ``qualifier`` are read from it;
* a quote is a text or a mapping ``{text, where}``.

Errors
------
Loading collects every problem (YAML syntax, unknown keys, wrong types,
unparseable titers and durations, then every rule of
:func:`~ppprog.records.validate.validate`) with file, line, case id and
field, and raises one :class:`~ppprog._core.errors.ValidationError`.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import fields
from pathlib import Path
from typing import Any

import yaml

from ppprog._core.errors import ParseError, Problem, ProblemReport, field_line
from ppprog.records.case import (
    AnaMeasurement,
    Case,
    LabValue,
    Onset,
    Outcome,
    Patient,
    TreatmentEpisode,
)
from ppprog.records.parse import parse_duration, parse_titer
from ppprog.records.quantities import Quote, Source, TimeValue, Titer
from ppprog.records.validate import case_label, validate

__all__ = ["read_yaml", "loads_yaml", "write_yaml", "dumps_yaml", "case_to_dict"]


class _Ctx:
    """Problems and line numbers of the case being converted."""

    def __init__(self, file: str | None, lines: dict[str, int], case_id: object) -> None:
        self.file = file
        self.lines = lines
        self.case_id = case_label(case_id)
        self.problems: list[Problem] = []

    def add(self, path: str, message: str) -> None:
        line = field_line(self.lines, path)
        self.problems.append(Problem(self.file, self.case_id, path, message, line))


# -- node tree -> plain values, with lines --------------------------------------------------


def _plain(node: yaml.Node, loader: yaml.SafeLoader, path: str, lines: dict[str, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for knode, vnode in node.value:
            key = loader.construct_object(knode, deep=True)
            sub = f"{path}.{key}" if path else str(key)
            if key in out:
                lines[f"{sub}#duplicate"] = knode.start_mark.line + 1
            out[key] = _plain(vnode, loader, sub, lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_plain(v, loader, f"{path}[{i}]", lines) for i, v in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def _case_nodes(root: yaml.Node) -> list[yaml.Node] | None:
    if isinstance(root, yaml.SequenceNode):
        return list(root.value)
    if isinstance(root, yaml.MappingNode):
        keys = {k.value for k, _ in root.value if isinstance(k, yaml.ScalarNode)}
        if "cases" in keys and "id" not in keys:
            node = next(v for k, v in root.value if k.value == "cases")
            return list(node.value) if isinstance(node, yaml.SequenceNode) else None
        return [root]
    return None


# -- plain values -> dataclasses -------------------------------------------------------------


def _quote(v: Any, path: str, ctx: _Ctx) -> Any:
    if v is None or isinstance(v, str):
        return None if v is None else Quote(v)
    if isinstance(v, dict) and set(v) <= {"text", "where"} and isinstance(v.get("text"), str):
        return Quote(v["text"], v.get("where"))
    ctx.add(path, f"a quote is text or a mapping {{text, where}}, got {v!r}")
    return None


def _time(v: Any, path: str, ctx: _Ctx) -> Any:
    if isinstance(v, str):
        try:
            return parse_duration(v, field=path)
        except ParseError:
            ctx.add(path, f"not a day or a duration: {v!r} (expected days, e.g. 56, or '8 wk')")
            return None
    if not isinstance(v, dict):
        return v  # a number becomes a TimeValue in the dataclass; other types: validate()
    kw = _fields(v, ("day", "low", "high", "approximate", "quote"), path, ctx)
    if "day" not in kw:
        ctx.add(f"{path}.day", "missing: a time mapping needs a day")
        return None
    if "quote" in kw:
        kw["quote"] = _quote(kw["quote"], f"{path}.quote", ctx)
    return TimeValue(**kw)


def _fields(d: dict[Any, Any], allowed: Iterable[str], path: str, ctx: _Ctx) -> dict[str, Any]:
    allowed = tuple(allowed)
    out = {}
    for k, v in d.items():
        sub = f"{path}.{k}" if path else str(k)
        if k not in allowed:
            ctx.add(sub, f"unknown field {k!r}; expected one of: {', '.join(allowed)}")
        else:
            out[k] = v
    for k in d:
        if f"{path}.{k}#duplicate" in ctx.lines or (not path and f"{k}#duplicate" in ctx.lines):
            ctx.add(f"{path}.{k}" if path else str(k), "key given twice")
    return out


def _titer(v: Any, ladder: Any, path: str, ctx: _Ctx) -> Any:
    if isinstance(v, dict):
        kw = _fields(v, ("status", "reciprocal", "qualifier", "detection_limit", "text"), path, ctx)
        return Titer(**kw)
    try:
        return parse_titer(v, field=path, ladder=ladder if isinstance(ladder, str) else None)
    except ParseError as exc:
        reason = str(exc).split(": ", 1)[-1].removesuffix(f" (got {exc.text!r})")
        ctx.add(path, f"unparseable titer {v!r}: {reason}")
        return None


_LAB_TEXT = re.compile(r"^\s*([<>])?\s*(\d+(?:\.\d+)?)\s*$")


def _lab(d: dict[str, Any], path: str, ctx: _Ctx) -> Any:
    if "text" in d and "value" not in d and isinstance(d["text"], str):
        m = _LAB_TEXT.match(d["text"])
        if m:
            d = {**d, "value": float(m.group(2)), "qualifier": m.group(1) or "="}
    return d


_KIND: dict[type, dict[str, str]] = {
    Patient: {"prior_therapies": "list"},
    Onset: {"day": "time", "quote": "quote", "morphology": "list", "sites": "list"},
    AnaMeasurement: {"day": "time", "titer": "titer", "quote": "quote"},
    LabValue: {"day": "time", "quote": "quote"},
    TreatmentEpisode: {"start": "time", "stop": "time", "quote": "quote"},
    Outcome: {"day": "time", "quote": "quote"},
}
_REQUIRED: dict[type, tuple[str, ...]] = {
    Onset: ("day",),
    AnaMeasurement: ("day", "titer"),
    LabValue: ("name", "day"),
    TreatmentEpisode: ("agent", "start"),
    Outcome: ("endpoint", "day"),
}


def _object(cls: type, v: Any, path: str, ctx: _Ctx) -> Any:
    if not isinstance(v, dict):
        ctx.add(path, f"expected a mapping of {cls.__name__} fields, got {v!r}")
        return None
    if cls is LabValue:
        v = _lab(v, path, ctx)
    kw = _fields(v, [f.name for f in fields(cls)], path, ctx)
    missing = [k for k in _REQUIRED.get(cls, ()) if kw.get(k) is None]
    for k in missing:
        ctx.add(f"{path}.{k}", "missing")
    conv: dict[str, Callable[[Any, str], Any]] = {
        "time": lambda x, p: _time(x, p, ctx),
        "quote": lambda x, p: _quote(x, p, ctx),
        "titer": lambda x, p: _titer(x, kw.get("ladder"), p, ctx),
        "list": lambda x, p: x if isinstance(x, list) else [x],
    }
    for name, kind in _KIND.get(cls, {}).items():
        if kw.get(name) is not None:
            kw[name] = conv[kind](kw[name], f"{path}.{name}")
    if missing or any(kw.get(k) is None for k in _REQUIRED.get(cls, ())):
        return None
    return cls(**kw)


def _list(cls: type, v: Any, name: str, ctx: _Ctx) -> tuple[Any, ...]:
    if v is None:
        return ()
    if not isinstance(v, list):
        ctx.add(name, f"expected a list, got {v!r}")
        return ()
    items = (_object(cls, x, f"{name}[{i}]", ctx) for i, x in enumerate(v))
    return tuple(x for x in items if x is not None)  # a None here is already a problem


_CASE_KEYS = ("id", "source", "patient", "inducing_agent", "onset", "ana", "labs", "treatments",
              "outcomes", "last_follow_up", "follow_up_status", "index_date", "notes")  # fmt: skip


def _case(d: Any, ctx: _Ctx) -> Case | None:
    if not isinstance(d, dict):
        ctx.add("", f"a case must be a mapping, got {d!r}")
        return None
    kw = _fields(d, _CASE_KEYS, "", ctx)
    if "id" not in kw:
        ctx.add("id", "missing")
    src = kw.get("source")
    if isinstance(src, dict):
        src = Source(**_fields(src, [f.name for f in fields(Source)], "source", ctx))
    patient = _object(Patient, kw["patient"], "patient", ctx) if "patient" in kw else None
    onset = _object(Onset, kw["onset"], "onset", ctx) if kw.get("onset") is not None else None
    idate = kw.get("index_date")
    if idate is not None and not isinstance(idate, _dt.date):
        ctx.add("index_date", f"expected a date YYYY-MM-DD, got {idate!r}")
        idate = None
    return Case(
        case_id=kw.get("id"),  # type: ignore[arg-type]
        patient=patient or Patient(),
        inducing_agent=kw.get("inducing_agent"),
        onset=onset,
        ana=_list(AnaMeasurement, kw.get("ana"), "ana", ctx),
        labs=_list(LabValue, kw.get("labs"), "labs", ctx),
        treatments=_list(TreatmentEpisode, kw.get("treatments"), "treatments", ctx),
        outcomes=_list(Outcome, kw.get("outcomes"), "outcomes", ctx),
        last_follow_up=_time(kw.get("last_follow_up"), "last_follow_up", ctx),
        follow_up_status=kw.get("follow_up_status"),
        source=src if src is not None else Source(),
        index_date=idate,
        notes=kw.get("notes"),
    )


def loads_yaml(text: str, *, file: str | None = None) -> list[Case]:
    """Parse cases from YAML text, raising one ValidationError listing every problem.

    Parameters
    ----------
    text : str
        YAML text.
    file : str, optional
        Name put on problems.

    Returns
    -------
    list of Case
        In file order.

    Raises
    ------
    ValidationError
        With every problem located by file, line, case and field.
    """
    report = ProblemReport()
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        report.add("", f"not valid YAML: {getattr(exc, 'problem', exc)}", file=file, line=line)
        report.raise_if_any()
    finally:
        loader.dispose()
    nodes = _case_nodes(root) if root is not None else None
    if nodes is None:
        report.add("", "expected a case, a list of cases or {cases: [...]}", file=file)
        report.raise_if_any()
    cases, all_lines = [], []
    for node in nodes:  # type: ignore[union-attr]
        lines: dict[str, int] = {}
        d = _plain(node, loader, "", lines)
        ctx = _Ctx(file, lines, d.get("id") if isinstance(d, dict) else None)
        case = _case(d, ctx)
        report.extend(ctx.problems)
        if case is not None:
            cases.append(case)
            all_lines.append({k: v for k, v in lines.items() if "#" not in k})
    _merge(report, validate(cases, file=file, lines=all_lines))
    report.problems.sort(key=lambda p: (p.line is None, p.line or 0))
    report.raise_if_any()
    return cases


def _merge(report: ProblemReport, more: ProblemReport) -> None:
    """Add validation problems not already covered by a more specific conversion problem."""
    seen = {(p.case_id, p.field) for p in report}
    for p in more:
        covered = any(
            cid == p.case_id and (p.field == f or p.field.startswith((f + ".", f + "[")))
            for cid, f in seen
        )
        if not covered:
            report.extend([p])


def read_yaml(path: str | Path) -> list[Case]:
    """Read a YAML case file (see :func:`loads_yaml`).

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    list of Case
    """
    p = Path(path)
    return loads_yaml(p.read_text(encoding="utf-8"), file=str(path))


# -- writing ---------------------------------------------------------------------------------


def _out(v: Any) -> Any:
    if hasattr(v, "value") and type(v).__module__ == "ppprog.records.vocab":
        return v.value
    if isinstance(v, Quote):
        return v.text if v.where is None else {"text": v.text, "where": v.where}
    if isinstance(v, TimeValue):
        if v.exact and v.quote is None:
            return float(v.day)
        d = {"day": float(v.day)}
        if v.low != v.day:
            d["low"] = float(v.low)  # type: ignore[arg-type]
        if v.high != v.day:
            d["high"] = float(v.high)  # type: ignore[arg-type]
        if v.approximate:
            d["approximate"] = True
        if v.quote is not None:
            d["quote"] = _out(v.quote)
        return d
    if isinstance(v, tuple):
        return [_out(x) for x in v]
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def _titer_out(t: Titer, ladder: str | None) -> Any:
    if t.text is not None:
        try:
            if parse_titer(t.text, ladder=ladder) == t:
                return t.text
        except ParseError:
            pass
    d = {f.name: getattr(t, f.name) for f in fields(Titer)}
    return {k: v for k, v in d.items() if v is not None}


def _obj_out(obj: Any) -> dict[str, Any]:
    out = {}
    for f in fields(obj):
        v = getattr(obj, f.name)
        if v is None or v == () or (f.name == "qualifier" and v == "="):
            continue
        if f.name == "drug_class" and isinstance(obj, TreatmentEpisode):
            from ppprog.records.vocab import AGENT_CLASS

            if AGENT_CLASS.get(obj.agent) == v:
                continue
        out[f.name] = _titer_out(v, obj.ladder) if isinstance(v, Titer) else _out(v)
    return out


def case_to_dict(case: Case) -> dict[str, Any]:
    """Return the plain mapping written to YAML for ``case`` (inverse of loading).

    Parameters
    ----------
    case : Case

    Returns
    -------
    dict
    """
    d: dict[str, Any] = {"id": case.case_id}
    src = _obj_out(case.source)
    if src != {"kind": "report"}:
        d["source"] = src
    patient = _obj_out(case.patient)
    if patient:
        d["patient"] = patient
    if case.inducing_agent is not None:
        d["inducing_agent"] = _out(case.inducing_agent)
    if case.index_date is not None:
        d["index_date"] = case.index_date
    if case.onset is not None:
        d["onset"] = _obj_out(case.onset)
    for name in ("ana", "labs", "treatments", "outcomes"):
        items = getattr(case, name)
        if items:
            d[name] = [_obj_out(x) for x in items]
    for name in ("last_follow_up", "follow_up_status", "notes"):
        v = getattr(case, name)
        if v is not None:
            d[name] = _out(v)
    return d


def dumps_yaml(cases: Iterable[Case]) -> str:
    """Return YAML text ``{cases: [...]}`` for ``cases``.

    Parameters
    ----------
    cases : iterable of Case

    Returns
    -------
    str
    """
    doc = {"cases": [case_to_dict(c) for c in cases]}
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)


def write_yaml(cases: Iterable[Case], path: str | Path) -> None:
    """Write cases to a YAML file (see :func:`dumps_yaml`).

    Parameters
    ----------
    cases : iterable of Case
    path : str or pathlib.Path
    """
    Path(path).write_text(dumps_yaml(cases), encoding="utf-8")
