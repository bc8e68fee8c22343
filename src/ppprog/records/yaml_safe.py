"""A restricted YAML reader: libyaml's parser, YAML 1.2 core-schema scalars, nothing else.

Why this loader
---------------
Case files are typed by hand, so the reader must never reinterpret what a
curator typed. PyYAML's ``SafeLoader`` follows YAML 1.1: ``1:40`` becomes the
base-60 number 100, ``no`` becomes False, ``2021-02-30`` a crash in the date
constructor. ruamel.yaml reads YAML 1.2 but is pure Python here (about ten
times slower) and still constructs timestamps. So ppprog keeps PyYAML's C
binding to libyaml for what it does well and fast (scanning, parsing,
composing a node tree with line marks) and replaces everything after it:

* the resolver gives every *plain* scalar one private tag, :data:`PLAIN`; no
  implicit typing happens while composing. :func:`core_value` types a plain
  scalar by the YAML 1.2 core schema (null, true/false, decimal/octal/hex
  integers, floats with ``.inf``/``.nan``) and only when the field asks for a
  number, a flag or a missing value; text fields take the characters typed;
* nothing is ever constructed from a tag: only the core tags (``!!str``,
  ``!!int``, ``!!float``, ``!!bool``, ``!!null``, ``!!map``, ``!!seq``) are
  accepted, any other tag (``!!python/object/apply:...``, ``!!timestamp``,
  ``!custom``) is a located problem, and no code path can execute it;
* nesting depth is bounded while composing (:data:`MAX_DEPTH`), and aliases
  may add at most :data:`MAX_ALIAS_NODES` nodes to the document;
* the bytes must be UTF-8 (with or without a BOM).

Composing runs with the garbage collector paused: the node tree of a large
file is hundreds of thousands of small objects, and generational collections
triggered while building it cost five times the parse itself.
"""

from __future__ import annotations

import gc
import math
import re
from pathlib import Path
from typing import Any

import yaml
from yaml.resolver import BaseResolver

from ppprog._core.errors import Problem, ProblemReport

try:  # libyaml binding; the pure-Python parser is a slow but equivalent fallback
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - libyaml is in every wheel of PyYAML >= 6
    from yaml.composer import Composer as _Composer
    from yaml.parser import Parser as _PyParser
    from yaml.reader import Reader as _Reader
    from yaml.scanner import Scanner as _Scanner

    class _Parser(_Reader, _Scanner, _PyParser, _Composer):  # type: ignore[no-redef]
        def __init__(self, stream: Any) -> None:
            _Reader.__init__(self, stream)
            _Scanner.__init__(self)
            _PyParser.__init__(self)
            _Composer.__init__(self)


__all__ = [
    "PLAIN",
    "MAX_DEPTH",
    "MAX_ALIAS_NODES",
    "compose",
    "core_value",
    "describe",
    "read_bytes",
]

#: Tag given to every untagged plain scalar (typed later by the field's schema).
PLAIN = "ppprog:plain"
#: Deepest nesting of mappings and lists accepted (a case file needs about 6).
MAX_DEPTH = 64
#: Most nodes that aliases may add to a document once followed (an alias bomb stops here).
MAX_ALIAS_NODES = 1_000_000
_CORE = "tag:yaml.org,2002:"
STR, INT, FLOAT, BOOL, NULL = (_CORE + t for t in ("str", "int", "float", "bool", "null"))
MAP, SEQ = _CORE + "map", _CORE + "seq"
_ALLOWED_TAGS = frozenset({PLAIN, STR, INT, FLOAT, BOOL, NULL, MAP, SEQ})

_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT10 = re.compile(r"[-+]?[0-9]+\Z")
_INT8 = re.compile(r"0o[0-7]+\Z")
_INT16 = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_SPECIAL = {".inf": math.inf, ".Inf": math.inf, ".INF": math.inf, ".nan": math.nan,
            ".NaN": math.nan, ".NAN": math.nan}  # fmt: skip


class _TooDeep(Exception):
    pass


class _CoreComposer(_Parser, BaseResolver):  # type: ignore[misc, valid-type]
    """libyaml parser + composer whose resolver types nothing and counts depth."""

    def __init__(self, stream: Any) -> None:
        _Parser.__init__(self, stream)
        BaseResolver.__init__(self)
        self._depth = 0
        self.n_nodes = 0

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode:
            return PLAIN if implicit[0] else STR
        return MAP if kind is yaml.MappingNode else SEQ

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        self._depth += 1
        self.n_nodes += 1
        if self._depth > MAX_DEPTH:
            raise _TooDeep

    def ascend_resolver(self) -> None:
        self._depth -= 1


def _deep_line(text: str) -> int | None:
    """Line where nesting first exceeds :data:`MAX_DEPTH` (events only, no recursion)."""
    parser = _CoreComposer(text)
    depth = 0
    try:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    return int(event.start_mark.line) + 1
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)) and depth >= MAX_DEPTH:
                return int(event.start_mark.line) + 1
    except yaml.YAMLError:
        return None
    finally:
        parser.dispose()
    return None


def read_bytes(path: str | Path) -> bytes:
    """Return the bytes of ``path`` (a FileNotFoundError names it when absent)."""
    return Path(path).read_bytes()


def _decode(data: bytes | str, file: str | None, report: ProblemReport) -> str | None:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 1].hex()
        report.add("", f"not UTF-8 text: byte 0x{bad} at offset {exc.start} cannot be decoded; "
                   "save the file as UTF-8", file=file, line=line)  # fmt: skip
        return None


def compose(data: bytes | str, *, file: str | None = None) -> tuple[yaml.Node | None, int]:
    """Compose one YAML document into a node tree, refusing what a case file cannot hold.

    Parameters
    ----------
    data : bytes or str
        File content (bytes must be UTF-8).
    file : str, optional
        Name put on problems.

    Returns
    -------
    node : yaml.Node or None
        The root node (None for an empty document).
    n_nodes : int
        Number of nodes composed (before alias expansion).

    Raises
    ------
    ValidationError
        For bytes that are not UTF-8, YAML syntax errors, several documents,
        nesting deeper than :data:`MAX_DEPTH`, a tag outside the core schema,
        or aliases adding more than :data:`MAX_ALIAS_NODES` nodes.
    """
    report = ProblemReport()
    text = _decode(data, file, report)
    report.raise_if_any()
    assert text is not None  # a decoding problem was raised just above
    enabled = gc.isenabled()
    gc.disable()
    loader = _CoreComposer(text)
    try:
        root = loader.get_single_node()
    except _TooDeep:
        line = _deep_line(text)
        report.add("", f"nesting deeper than {MAX_DEPTH} levels", file=file, line=line)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        what = getattr(exc, "problem", None) or str(exc)
        report.add("", f"not valid YAML: {what}", file=file, line=line)
    finally:
        loader.dispose()
        if enabled:
            gc.enable()
    report.raise_if_any()
    if root is not None and ("!" in text or "&" in text):
        _check_tree(root, file, report, loader.n_nodes + MAX_ALIAS_NODES)
    report.raise_if_any()
    return root, loader.n_nodes


class _Refused(Exception):
    def __init__(self, node: yaml.Node, message: str) -> None:
        self.node, self.message = node, message


def _check_tree(root: yaml.Node, file: str | None, report: ProblemReport, limit: int) -> None:
    """Refuse non-core tags and alias bombs in one walk over the distinct nodes.

    Recursion is safe: composing already bounded the depth. The walk is
    skipped when the text holds neither ``!`` (a tag) nor ``&`` (an anchor).
    """
    sizes: dict[int, int] = {}
    allowed, scalar = _ALLOWED_TAGS, yaml.ScalarNode

    def size(node: yaml.Node) -> int:
        key = id(node)
        known = sizes.get(key)
        if known is not None:
            if known < 0:
                raise _Refused(node, "an alias refers to a mapping or list that contains it")
            return known
        sizes[key] = -1
        total = 1
        children = (
            node.value if type(node) is yaml.SequenceNode else [x for kv in node.value for x in kv]
        )
        for child in children:
            if child.tag not in allowed:
                report.add("", f"tag {_short_tag(child.tag)} is not allowed (only plain YAML "
                           "values)", file=file, line=child.start_mark.line + 1)  # fmt: skip
            total += 1 if type(child) is scalar else size(child)
        if total > limit:
            raise _Refused(node, f"aliases add more than {MAX_ALIAS_NODES:,} nodes to this "
                           "document (an alias bomb?)")  # fmt: skip
        sizes[key] = total
        return total

    if root.tag not in allowed:
        report.add("", f"tag {_short_tag(root.tag)} is not allowed (only plain YAML values)",
                   file=file, line=root.start_mark.line + 1)  # fmt: skip
    if type(root) is scalar:
        return
    try:
        size(root)
    except _Refused as exc:
        report.add("", exc.message, file=file, line=exc.node.start_mark.line + 1)


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


_NOT = object()


def core_value(node: yaml.ScalarNode) -> Any:
    """Type a scalar node by the YAML 1.2 core schema (explicit core tags honoured).

    Parameters
    ----------
    node : yaml.ScalarNode

    Returns
    -------
    None, bool, int, float or str
        A quoted or ``!!str`` scalar is always text.

    Raises
    ------
    ValueError
        If an explicit ``!!int``, ``!!float``, ``!!bool`` or ``!!null`` tag
        does not fit its text.
    """
    tag, s = node.tag, node.value
    if tag == STR:
        return s
    if tag in (PLAIN, NULL) and s in _NULL:
        return None
    if tag in (PLAIN, BOOL) and s in _BOOL:
        return _BOOL[s]
    if tag in (PLAIN, INT):
        v = _int(s)
        if v is not _NOT:
            return v
    if tag in (PLAIN, FLOAT):
        if _FLOAT.match(s) or s in _SPECIAL:
            return _SPECIAL[s] if s in _SPECIAL else float(s)
    if tag == PLAIN:
        return s
    raise ValueError(f"{s!r} is not a valid {_short_tag(tag)}")


def _int(s: str) -> Any:
    if _INT10.match(s):
        return int(s)
    if _INT8.match(s):
        return int(s[2:], 8)
    if _INT16.match(s):
        return int(s[2:], 16)
    return _NOT


def describe(node: yaml.Node) -> str:
    """Short description of a node for messages (never expands aliases)."""
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    text = node.value if len(node.value) <= 60 else node.value[:57] + "..."
    return repr(text)


def problem(
    file: str | None, case_id: str | None, field: str, node: yaml.Node, msg: str
) -> Problem:
    """A problem located at ``node``'s line."""
    return Problem(file, case_id, field, msg, node.start_mark.line + 1)
