"""YAML read with the YAML 1.2 core schema, every key located, nothing executed.

Why not ``yaml.safe_load``: PyYAML resolves plain scalars with the YAML 1.1
rules, so an unquoted titer ``1:40`` becomes the base-60 number 100, ``no``
becomes False and ``2020-01-01`` a date; it accepts duplicate keys (the last
one silently wins) and expands aliases without bound. Why not a YAML 1.2
library (``ruamel.yaml``): it would be a second YAML dependency beside
PyYAML, which the records layer already uses. So this module keeps PyYAML's
*parser* (its event stream: iterative, no object construction, no tags acted
upon; libyaml's when PyYAML was built with it, about ten times faster) and
builds plain data from the events itself:

* plain scalars are resolved with the YAML 1.2 core schema (null, true/false,
  decimal/octal/hex integers, floats with ``.inf``/``.nan``); everything else,
  and every quoted or block scalar, is the exact text typed;
* mapping keys are kept as the text typed (as in TOML and JSON); a key that is
  a mapping or a list, a duplicate key or a merge key ``<<`` is a problem;
* only the core tags (``!!str``, ``!!int``, ``!!float``, ``!!bool``,
  ``!!null``, ``!!map``, ``!!seq``) and the non-specific ``!`` are accepted;
  any other tag (``!!python/object/apply``, ``!foo``, ``!!timestamp``) is a
  problem and its node is never constructed;
* nesting deeper than ``max_depth`` and aliases expanding to more than
  ``max_alias_nodes`` nodes stop the reading with one clear problem (an alias
  bomb is refused before it can grow);
* one document per file.

Every problem is returned as ``(field, message, line, column)`` with 1-based
line and column, so that the caller can report them all at once.
"""

from __future__ import annotations

import copy
import math
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["resolve_core_scalar", "read_yaml12", "YamlRead", "CORE_TAGS"]

_TAG = "tag:yaml.org,2002:"
CORE_TAGS = frozenset(_TAG + t for t in ("str", "int", "float", "bool", "null", "map", "seq"))
"""Tags accepted on a node (besides the non-specific ``!``)."""

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TRUE = re.compile(r"^(?:true|True|TRUE)$")
_FALSE = re.compile(r"^(?:false|False|FALSE)$")
_INT10 = re.compile(r"^[-+]?[0-9]+$")
_INT8 = re.compile(r"^0o[0-7]+$")
_INT16 = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_INF = re.compile(r"^[-+]?\.(?:inf|Inf|INF)$")
_NAN = re.compile(r"^\.(?:nan|NaN|NAN)$")


def resolve_core_scalar(text: str) -> Any:
    """Resolve a plain (unquoted) scalar with the YAML 1.2 core schema.

    Parameters
    ----------
    text : str
        The scalar as typed.

    Returns
    -------
    None, bool, int, float or str
        ``"1:40"``, ``"yes"``, ``"2020-01-01"`` and ``"0777"``-like text that
        is not core-schema syntax stay strings (``"0777"`` is the decimal 777).
    """
    if _NULL.match(text):
        return None
    if _TRUE.match(text):
        return True
    if _FALSE.match(text):
        return False
    if _INT10.match(text):
        return int(text)
    if _INT8.match(text):
        return int(text[2:], 8)
    if _INT16.match(text):
        return int(text[2:], 16)
    if _FLOAT.match(text):
        return float(text)
    if _INF.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN.match(text):
        return math.nan
    return text


_BY_TAG = {
    _TAG + "null": (lambda v: v is None, "null"),
    _TAG + "bool": (lambda v: isinstance(v, bool), "a boolean"),
    _TAG + "int": (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    _TAG + "float": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool), "a float"),
}


@dataclass
class YamlRead:
    """What :func:`read_yaml12` found.

    Attributes
    ----------
    data : object
        Plain data (dict, list, str, int, float, bool, None).
    locations : dict of str to (int, int)
        1-based (line, column) of every mapping key and list item, by dotted
        path (``"methods[0].ties"``); ``""`` is the document.
    problems : list of (str, str, int, int)
        ``(field, message, line, column)``, in reading order.
    """

    data: Any = None
    locations: dict[str, tuple[int, int]] = field(default_factory=dict)
    problems: list[tuple[str, str, int, int]] = field(default_factory=list)


@dataclass
class _Frame:
    kind: str  # "map" or "seq"
    path: str
    value: Any
    anchor: str | None
    key: str | None = None
    key_ok: bool = True
    seen: dict[str, int] = field(default_factory=dict)
    size: int = 1


class _Stop(Exception):
    """Reading cannot go on (too deep, alias bomb): the problem is already recorded."""


class _Builder:
    def __init__(self, max_depth: int, max_alias_nodes: int) -> None:
        self.out = YamlRead()
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.max_depth = max_depth
        self.alias_budget = max_alias_nodes
        self.documents = 0

    def problem(self, path: str, message: str, mark: Any) -> None:
        self.out.problems.append((path or "<document>", message, mark.line + 1, mark.column + 1))

    # -------------------------------------------------------------- placement
    def child_path(self) -> str:
        if not self.stack:
            return ""
        top = self.stack[-1]
        if top.kind == "seq":
            return f"{top.path}[{len(top.value)}]"
        if top.key is None:
            return top.path
        return f"{top.path}.{top.key}" if top.path else top.key

    def note_start(self, mark: Any) -> str:
        """Record where a node starts (for list items); return its path."""
        path = self.child_path()
        if self.stack and self.stack[-1].kind == "seq":
            self.out.locations.setdefault(path, (mark.line + 1, mark.column + 1))
        return path

    def place(self, value: Any, size: int, event: Any, is_scalar: bool) -> None:
        if not self.stack:
            self.out.data = value
            return
        top = self.stack[-1]
        top.size += size
        if top.kind == "seq":
            top.value.append(value)
        elif top.key is None and top.key_ok:
            self.take_key(top, value, event, is_scalar)
        else:
            if top.key_ok and top.key is not None:
                top.value[top.key] = value
            top.key, top.key_ok = None, True

    def take_key(self, top: _Frame, value: Any, event: Any, is_scalar: bool) -> None:
        mark = event.start_mark
        top.key_ok = False
        if not is_scalar:
            self.problem(top.path, "a key must be a plain value, not a mapping or a list", mark)
            return
        key = event.value if hasattr(event, "value") else str(value)
        path = f"{top.path}.{key}" if top.path else key
        if key == "<<" and not event.style:
            self.problem(path, "merge keys ('<<') are not YAML 1.2; write the keys out", mark)
            return
        if key in top.seen:
            self.problem(path, f"duplicate key (first given on line {top.seen[key]})", mark)
            return
        top.seen[key] = mark.line + 1
        self.out.locations[path] = (mark.line + 1, mark.column + 1)
        top.key, top.key_ok = key, True

    # ------------------------------------------------------------------ events
    def scalar(self, ev: Any) -> None:
        path = self.note_start(ev.start_mark)
        value: Any = ev.value
        if ev.tag is None and not ev.style:  # plain: None (Python parser) or "" (libyaml)
            value = resolve_core_scalar(ev.value)
        elif ev.tag not in (None, "!", _TAG + "str"):
            value = self.tagged(ev, path)
        self.remember(ev.anchor, value, 1)
        self.place(value, 1, ev, True)

    def tagged(self, ev: Any, path: str) -> Any:
        if ev.tag not in _BY_TAG:
            self.problem(path, f"tag {_short(ev.tag)} is not allowed (YAML 1.2 core tags only)",
                         ev.start_mark)  # fmt: skip
            return None
        ok, what = _BY_TAG[ev.tag]
        value = resolve_core_scalar(ev.value)
        if ev.tag == _TAG + "float" and ok(value):
            return float(value)
        if not ok(value):
            self.problem(path, f"{ev.value!r} is not {what} (tag {_short(ev.tag)})", ev.start_mark)
        return value

    def start(self, ev: Any, kind: str) -> None:
        path = self.note_start(ev.start_mark)
        if len(self.stack) >= self.max_depth:
            top = path.split("[")[0].split(".")[0]
            self.problem(top, f"nesting deeper than {self.max_depth} levels", ev.start_mark)
            raise _Stop
        if ev.tag not in (None, "!", _TAG + ("map" if kind == "map" else "seq")):
            self.problem(path, f"tag {_short(ev.tag)} is not allowed (YAML 1.2 core tags only)",
                         ev.start_mark)  # fmt: skip
        value: Any = {} if kind == "map" else []
        self.stack.append(_Frame(kind, path, value, ev.anchor))

    def end(self, ev: Any) -> None:
        frame = self.stack.pop()
        self.remember(frame.anchor, frame.value, frame.size)
        self.place(frame.value, frame.size, ev, False)

    def alias(self, ev: Any) -> None:
        path = self.note_start(ev.start_mark)
        if ev.anchor not in self.anchors:
            self.problem(path, f"alias *{ev.anchor} names no anchor defined before it",
                         ev.start_mark)  # fmt: skip
            self.place(None, 1, ev, True)
            return
        value, size = self.anchors[ev.anchor]
        self.alias_budget -= size
        if self.alias_budget < 0:
            self.problem(path, "aliases expand to too many nodes (alias bomb?)", ev.start_mark)
            raise _Stop
        is_scalar = not isinstance(value, (dict, list))
        self.place(copy.deepcopy(value), size, _AliasKey(ev, value), is_scalar)

    def remember(self, anchor: str | None, value: Any, size: int) -> None:
        if anchor is not None:
            self.anchors[anchor] = (value, size)


@dataclass
class _AliasKey:
    """An alias standing where a key is expected: its text is the aliased scalar."""

    event: Any
    target: Any

    @property
    def start_mark(self) -> Any:
        return self.event.start_mark

    @property
    def value(self) -> str:
        return self.target if isinstance(self.target, str) else str(self.target)

    style = "'"


def _short(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def read_yaml12(
    text: str, *, max_depth: int = 64, max_alias_nodes: int = 10_000, libyaml: bool = True
) -> YamlRead:
    """Read one YAML document as plain data with located keys and problems.

    Parameters
    ----------
    text : str
        The document.
    max_depth : int, optional
        Deepest nesting of mappings and lists accepted.
    max_alias_nodes : int, optional
        Most nodes that aliases may expand to, in total.
    libyaml : bool, optional
        Use libyaml's parser when PyYAML has it (else PyYAML's Python parser;
        both give the same result).

    Returns
    -------
    YamlRead
        Syntax errors are returned as a problem ``"<syntax>"`` at the line
        where the parser stopped.
    """
    import yaml

    b = _Builder(max_depth, max_alias_nodes)
    b.out.locations[""] = (1, 1)
    handlers = {
        yaml.ScalarEvent: b.scalar,
        yaml.AliasEvent: b.alias,
        yaml.MappingStartEvent: lambda ev: b.start(ev, "map"),
        yaml.SequenceStartEvent: lambda ev: b.start(ev, "seq"),
        yaml.MappingEndEvent: b.end,
        yaml.SequenceEndEvent: b.end,
    }
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader) if libyaml else yaml.SafeLoader
        for ev in yaml.parse(text, Loader=loader):
            if isinstance(ev, yaml.DocumentStartEvent):
                b.documents += 1
                if b.documents > 1:
                    b.problem("<document>", "a file must hold one YAML document", ev.start_mark)
                    break
            handler = handlers.get(type(ev))
            if handler is not None:
                handler(ev)
    except _Stop:
        pass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        msg = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        b.out.problems.append(
            ("<syntax>", f"could not parse yaml: not valid YAML: {msg}", line, col)
        )
    except yaml.YAMLError as exc:
        b.out.problems.append(("<syntax>", f"could not parse yaml: not valid YAML: {exc}", 1, 1))
    return b.out
