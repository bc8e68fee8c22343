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

import gc
import math
from collections.abc import Iterable
from dataclasses import fields
from pathlib import Path
from typing import Any

import yaml

from ppprog._core.errors import ParseError, ProblemReport
from ppprog.records.case import Case, LabValue, TreatmentEpisode
from ppprog.records.parse import parse_titer
from ppprog.records.quantities import Quote, TimeValue, Titer
from ppprog.records.validate import validate
from ppprog.records.vocab import AGENT_CLASS
from ppprog.records.yaml_cases import LAB_TEXT, NodeLines, build_case
from ppprog.records.yaml_safe import PLAIN, compose, describe, read_bytes

__all__ = [
    "read_yaml",
    "read_yaml_located",
    "loads_yaml",
    "write_yaml",
    "dumps_yaml",
    "case_to_dict",
]


def _top_keys(root: yaml.MappingNode, file: str | None, report: ProblemReport) -> yaml.Node | None:
    """The ``cases:`` node of a ``{cases: [...]}`` file; other or repeated keys are problems."""
    found: yaml.Node | None = None
    first_line = 0
    for knode, vnode in root.value:
        line = knode.start_mark.line + 1
        if type(knode) is not yaml.ScalarNode:
            report.add("", f"a key must be text, got {describe(knode)}", file=file, line=line)
        elif knode.value != "cases":
            report.add(knode.value, f"unknown top-level key {knode.value!r}; a case file holds "
                       "only 'cases:' (a list of cases)", file=file, line=line)  # fmt: skip
        elif found is not None:
            report.add("cases", f"top-level key 'cases' given twice (first at line {first_line}); "
                       "merge the two lists", file=file, line=line)  # fmt: skip
        else:
            found, first_line = vnode, line
    return found


def _case_nodes(root: yaml.Node | None, file: str | None, report: ProblemReport) -> list[yaml.Node]:
    """The case nodes of a file: one case, a list of cases, or ``{cases: [...]}``."""
    if root is None:
        return []
    if isinstance(root, yaml.SequenceNode):
        return list(root.value)
    if isinstance(root, yaml.MappingNode):
        keys = {k.value for k, _ in root.value if isinstance(k, yaml.ScalarNode)}
        if "cases" not in keys and "id" in keys:
            return [root]
        if "cases" in keys:
            node = _top_keys(root, file, report)
            if isinstance(node, yaml.SequenceNode):
                return list(node.value)
            if (
                isinstance(node, yaml.ScalarNode)
                and node.tag == PLAIN
                and node.value in ("", "~", "null")
            ):
                return []  # `cases:` with nothing under it: no cases yet
            line = node.start_mark.line + 1 if node is not None else None
            report.add("cases", "expected a list of cases under 'cases:'", file=file, line=line)
            return []
    line = root.start_mark.line + 1 if isinstance(root, yaml.MappingNode) else None
    report.add("", "expected a case, a list of cases or {cases: [...]}", file=file, line=line)
    return []


def loads_yaml(text: str | bytes, *, file: str | None = None) -> list[Case]:
    """Parse cases from YAML text, raising one ValidationError listing every problem.

    Parameters
    ----------
    text : str or bytes
        YAML text (bytes must be UTF-8).
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
    return _loads(text, file)[0]


def _loads(text: str | bytes, file: str | None) -> tuple[list[Case], list[int]]:
    root, _ = compose(text, file=file)
    report = ProblemReport()
    nodes = _case_nodes(root, file, report)
    enabled = gc.isenabled()
    gc.disable()  # many small objects; see ppprog.records.yaml_safe
    try:
        cases, lines = [], []
        for node in nodes:
            case, problems = build_case(node, file)
            report.extend(problems)
            if case is not None:
                cases.append(case)
                lines.append(NodeLines(node))
        _merge(report, validate(cases, file=file, lines=lines))
    finally:
        if enabled:
            gc.enable()
    report.problems.sort(key=lambda p: (p.line is None, p.line or 0))
    report.raise_if_any()
    return cases, [lm[""] for lm in lines]


def _merge(report: ProblemReport, more: ProblemReport) -> None:
    """Add validation problems not already covered by a more specific conversion problem."""
    seen: dict[str | None, list[str]] = {}
    for p in report:
        seen.setdefault(p.case_id, []).append(p.field)
    for p in more:
        covered = any(
            p.field == f or p.field.startswith((f + ".", f + "[")) or f.startswith(p.field + ".")
            for f in seen.get(p.case_id, ())
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
    return loads_yaml(read_bytes(path), file=str(path))


def read_yaml_located(path: str | Path) -> tuple[list[Case], list[int]]:
    """Read a YAML case file; also return the line of each case.

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    cases : list of Case
    lines : list of int
        1-based line where each case starts.
    """
    return _loads(read_bytes(path), str(path))


# -- writing ---------------------------------------------------------------------------------


def _out(v: Any) -> Any:
    if hasattr(v, "value") and type(v).__module__ == "ppprog.records.vocab":
        return v.value
    if isinstance(v, Quote):
        return v.text if v.where is None else {"text": v.text, "where": v.where}
    if isinstance(v, TimeValue):
        return _time_out(v)
    if isinstance(v, tuple):
        return [_out(x) for x in v]
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def _time_out(v: TimeValue) -> Any:
    if v.exact and v.quote is None:
        return float(v.day)
    d: dict[str, Any] = {"day": float(v.day)}
    if v.low != v.day:
        d["low"] = float(v.low)  # type: ignore[arg-type]
    if v.high != v.day:
        d["high"] = float(v.high)  # type: ignore[arg-type]
    if v.approximate:
        d["approximate"] = True
    if v.quote is not None:
        d["quote"] = _out(v.quote)
    return d


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
            if AGENT_CLASS.get(obj.agent) == v:
                continue
        out[f.name] = _titer_out(v, obj.ladder) if isinstance(v, Titer) else _out(v)
    if isinstance(obj, LabValue) and obj.value is None and isinstance(obj.text, str):
        if LAB_TEXT.match(obj.text):
            out["value"] = None  # written, so that the value is not read from the text
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
