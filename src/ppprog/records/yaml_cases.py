"""Node tree of a YAML case file -> cases, typed field by field by the declared schema.

Each value is read by the kind its field declares (:mod:`ppprog.records.schema`):
a text field takes the characters typed (``titer: 1:40`` stays ``"1:40"``,
``id: 007`` stays ``"007"``), a number field takes a YAML 1.2 core number,
a flag only ``true``/``false``, a date only a valid ``YYYY-MM-DD``. A value of
the wrong shape (a list where text is expected, a mapping key that is itself
a mapping, a key given twice, an unknown key) is a problem located at its
line; nothing is dropped or coerced silently.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import yaml

from ppprog._core.errors import ParseError, Problem
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
from ppprog.records.schema import RECORDS, Field
from ppprog.records.yaml_safe import NULL, PLAIN, core_value, describe

__all__ = ["build_case", "NodeLines", "LAB_TEXT"]

_Scalar, _Map, _Seq = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z")
_DATETIME = re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?:[Tt]|[ \t]+)\d")
#: A lab cell such as "< 3.23": the value and qualifier read from ``text`` when no ``value``.
LAB_TEXT = re.compile(r"^\s*([<>])?\s*(\d+(?:\.\d+)?)\s*$")
_CLASSES: dict[str, type] = {"source": Source, "patient": Patient, "onset": Onset,
                             "ana": AnaMeasurement, "labs": LabValue,
                             "treatments": TreatmentEpisode, "outcomes": Outcome}  # fmt: skip
_NAMES = {name: {f.name: f for f in fs} for name, fs in RECORDS.items()}
_CASE_KEYS = {**_NAMES["case"], **{k: Field(k, "record", "") for k in _CLASSES}}
_TIME_KEYS = {"day": "number", "low": "number", "high": "number", "approximate": "flag",
              "quote": "quote"}  # fmt: skip
_TITER_KEYS = {"status": "text", "reciprocal": "number", "qualifier": "text",
               "detection_limit": "number", "text": "text"}  # fmt: skip
_QUOTE_KEYS = {"text": "text", "where": "text"}


class _Ctx:
    """Problems of the case being read."""

    __slots__ = ("file", "case_id", "problems")

    def __init__(self, file: str | None) -> None:
        self.file = file
        self.case_id: str | None = None
        self.problems: list[Problem] = []

    def bad(self, path: str, node: yaml.Node, message: str) -> None:
        line = node.start_mark.line + 1
        self.problems.append(Problem(self.file, self.case_id, path, message, line))


def _sub(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _pairs(node: yaml.MappingNode, allowed: Mapping[str, Any], path: str, ctx: _Ctx) -> dict[str, yaml.Node]:  # fmt: skip
    """Keys -> value nodes; unknown, duplicate and non-text keys are problems."""
    out: dict[str, yaml.Node] = {}
    first: dict[str, yaml.Node] = {}
    for knode, vnode in node.value:
        if type(knode) is not _Scalar:
            ctx.bad(path, knode, f"a key must be text, got {describe(knode)}")
            continue
        key = knode.value
        if key in first:
            line = first[key].start_mark.line + 1
            ctx.bad(_sub(path, key), knode, f"key given twice (first at line {line})")
            continue
        first[key] = knode
        if key not in allowed:
            names = ", ".join(allowed)
            ctx.bad(_sub(path, key), knode, f"unknown field {key!r}; expected one of: {names}")
            continue
        out[key] = vnode
    return out


# -- scalar kinds ----------------------------------------------------------------------------


def _text(node: yaml.Node, path: str, ctx: _Ctx) -> str | None:
    if type(node) is _Scalar:
        if (node.tag == PLAIN and node.value in _NULLS) or node.tag == NULL:
            return None
        return node.value  # the characters typed, whatever they look like
    ctx.bad(path, node, f"expected text, got {describe(node)}")
    return None


_ERR = object()


def _core(node: yaml.Node, path: str, ctx: _Ctx, want: str) -> Any:
    """Core-schema value of a scalar; ``_ERR`` (already reported) when it has none."""
    if type(node) is not _Scalar:
        ctx.bad(path, node, f"expected {want}, got {describe(node)}")
        return _ERR
    try:
        return core_value(node)
    except ValueError as exc:
        ctx.bad(path, node, str(exc))
        return _ERR


def _typed(node: yaml.Node, path: str, ctx: _Ctx, want: str, types: tuple[type, ...]) -> Any:
    v = _core(node, path, ctx, want)
    if v is None or v is _ERR:
        return None
    if type(v) in types:
        return v
    ctx.bad(path, node, f"expected {want}, got {describe(node)}")
    return None


def _number(node: yaml.Node, path: str, ctx: _Ctx) -> float | None:
    v = _typed(node, path, ctx, "a number", (float, int))
    return None if v is None else float(v)


def _integer(node: yaml.Node, path: str, ctx: _Ctx) -> int | None:
    return _typed(node, path, ctx, "a whole number", (int,))  # type: ignore[no-any-return]


def _flag(node: yaml.Node, path: str, ctx: _Ctx) -> bool | None:
    return _typed(node, path, ctx, "true/false", (bool,))  # type: ignore[no-any-return]


def _date(node: yaml.Node, path: str, ctx: _Ctx) -> _dt.date | None:
    text = _text(node, path, ctx)
    if text is None:
        return None
    m = _DATE.match(text.strip())
    if m is None:
        what = "a date and time" if _DATETIME.match(text.strip()) else "text"
        ctx.bad(path, node, f"expected a date YYYY-MM-DD, got {what} {text!r}")
        return None
    try:
        return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as exc:
        ctx.bad(path, node, f"impossible date {text!r}: {exc}")
        return None


def _time(node: yaml.Node, path: str, ctx: _Ctx) -> TimeValue | None:
    if type(node) is _Map:
        kw = _small(node, _TIME_KEYS, path, ctx)
        if kw.get("day") is None:
            if not any(p.field == _sub(path, "day") for p in ctx.problems):
                ctx.bad(_sub(path, "day"), node, "missing: a time mapping needs a day")
            return None
        return TimeValue(**kw)
    v = _core(node, path, ctx, "a day (number), a duration or a time mapping")
    if v is None or v is _ERR:
        return None
    if type(v) is float or type(v) is int:
        return TimeValue(float(v))
    if isinstance(v, str):
        try:
            return parse_duration(v, field=path)
        except ParseError:
            pass
    ctx.bad(path, node, f"not a day or a duration: {describe(node)} (expected days, e.g. 56, or '8 wk')")  # fmt: skip
    return None


def _quote(node: yaml.Node, path: str, ctx: _Ctx) -> Quote | None:
    if type(node) is _Map:
        kw = _small(node, _QUOTE_KEYS, path, ctx)
        if kw.get("text") is None:
            ctx.bad(_sub(path, "text"), node, "missing: a quote mapping needs its text")
            return None
        return Quote(**kw)
    if type(node) is _Seq:
        ctx.bad(path, node, "a quote is text or a mapping {text, where}, got a list")
        return None
    text = _text(node, path, ctx)
    return None if text is None else Quote(text)


def _titer(node: yaml.Node, path: str, ctx: _Ctx, ladder: str | None) -> Titer | None:
    if type(node) is _Map:
        return Titer(**_small(node, _TITER_KEYS, path, ctx))
    text = _text(node, path, ctx)
    if text is None:
        return None
    try:
        return parse_titer(text, field=path, ladder=ladder)
    except ParseError as exc:
        reason = str(exc).split(": ", 1)[-1].removesuffix(f" (got {exc.text!r})")
        ctx.bad(path, node, f"unparseable titer {text!r}: {reason}")
        return None


def _list(node: yaml.Node, path: str, ctx: _Ctx) -> tuple[str, ...]:
    if type(node) is _Seq:
        items = (_text(x, f"{path}[{i}]", ctx) for i, x in enumerate(node.value))
        return tuple(x for x in items if x is not None)
    text = _text(node, path, ctx)
    return () if text is None else (text,)


_KINDS: dict[str, Callable[[yaml.Node, str, _Ctx], Any]] = {
    "text": _text, "enum": _text, "number": _number, "integer": _integer, "flag": _flag,
    "date": _date, "time": _time, "quote": _quote, "texts": _list, "enums": _list,
}  # fmt: skip


def _small(node: yaml.MappingNode, keys: Mapping[str, str], path: str, ctx: _Ctx) -> dict[str, Any]:  # fmt: skip
    kw = {}
    for name, vnode in _pairs(node, keys, path, ctx).items():
        v = _KINDS[keys[name]](vnode, _sub(path, name), ctx)
        if v is not None:
            kw[name] = v
    return kw


# -- records ---------------------------------------------------------------------------------


def _record(rec: str, node: yaml.Node, path: str, ctx: _Ctx) -> Any:
    if type(node) is not _Map:
        ctx.bad(path, node, f"expected a mapping of {rec} fields, got {describe(node)}")
        return None
    fields = _NAMES[rec]
    nodes = _pairs(node, fields, path, ctx)
    kw: dict[str, Any] = {}
    ok = True
    for name, vnode in nodes.items():
        f = fields[name]
        sub = _sub(path, name)
        if f.kind == "titer":
            ladder = nodes.get("ladder")
            lad = ladder.value if isinstance(ladder, yaml.ScalarNode) else None
            v = _titer(vnode, sub, ctx, lad)
        else:
            before = len(ctx.problems)
            v = _KINDS[f.kind](vnode, sub, ctx)
            ok = ok and len(ctx.problems) == before
        if v is not None:
            kw[f.key] = v
    if rec == "labs" and "value" not in nodes and isinstance(kw.get("text"), str):
        m = LAB_TEXT.match(kw["text"])
        if m:
            kw["value"], kw["qualifier"] = float(m.group(2)), m.group(1) or "="
    missing = [f.name for f in RECORDS[rec] if f.required and f.key not in kw]
    for name in missing:
        if not any(p.field == _sub(path, name) for p in ctx.problems):
            ctx.bad(_sub(path, name), node, "missing")
    if missing:
        return None
    return _CLASSES[rec](**kw)


def _items(rec: str, node: yaml.Node, ctx: _Ctx) -> tuple[Any, ...]:
    if type(node) is _Scalar and _text(node, rec, ctx) is None:
        return ()
    if type(node) is not _Seq:
        ctx.bad(rec, node, f"expected a list, got {describe(node)}")
        return ()
    out = (_record(rec, x, f"{rec}[{i}]", ctx) for i, x in enumerate(node.value))
    return tuple(x for x in out if x is not None)  # a None here is already a problem


def build_case(node: yaml.Node, file: str | None) -> tuple[Case | None, list[Problem]]:
    """Build one case from its mapping node.

    Parameters
    ----------
    node : yaml.Node
        The case's mapping.
    file : str or None
        Name put on problems.

    Returns
    -------
    case : Case or None
        None when the node is not a mapping.
    problems : list of Problem
        Conversion problems, each with its line.
    """
    ctx = _Ctx(file)
    if type(node) is not _Map:
        ctx.bad("", node, f"a case must be a mapping, got {describe(node)}")
        return None, ctx.problems
    idnode = next((v for k, v in node.value if type(k) is _Scalar and k.value == "id"), None)
    case_id = _text(idnode, "id", ctx) if idnode is not None else None
    ctx.case_id = case_id
    if case_id is None and not ctx.problems:
        ctx.bad("id", node, "missing")
    nodes = _pairs(node, _CASE_KEYS, "", ctx)
    kw: dict[str, Any] = {"case_id": case_id}
    for name, vnode in nodes.items():
        if name == "id":
            continue
        f = _CASE_KEYS[name]
        if name in ("ana", "labs", "treatments", "outcomes"):
            kw[name] = _items(name, vnode, ctx)
        elif f.kind == "record":
            if not (type(vnode) is _Scalar and _text(vnode, name, ctx) is None):
                kw[name] = _record(name, vnode, name, ctx)
        else:
            kw[f.key] = _KINDS[f.kind](vnode, name, ctx)
    if kw.get("patient") is None:
        kw.pop("patient", None)
    if kw.get("source") is None:
        kw.pop("source", None)
    return Case(**kw), ctx.problems


class NodeLines(Mapping[str, int]):
    """Lazy map from a field path (``"treatments[1].stop"``) to its line in a case node.

    Parameters
    ----------
    node : yaml.Node
        The case's mapping node.
    """

    _STEP = re.compile(r"\.?([^.\[]+)|\[(\d+)\]")

    def __init__(self, node: yaml.Node) -> None:
        self._node = node

    def _find(self, path: str) -> yaml.Node | None:
        node: yaml.Node | None = self._node
        if path == "":
            return node
        for m in self._STEP.finditer(path):
            if node is None:
                return None
            key, idx = m.group(1), m.group(2)
            if key is not None and type(node) is _Map:
                node = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
            elif idx is not None and type(node) is _Seq and int(idx) < len(node.value):
                node = node.value[int(idx)]
            else:
                return None
        return node

    def __getitem__(self, path: str) -> int:
        node = self._find(path)
        if node is None:
            raise KeyError(path)
        return node.start_mark.line + 1

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 1

    def __contains__(self, path: object) -> bool:
        if path == "":
            return True
        return isinstance(path, str) and self._find(path) is not None
