"""The one reader of TOML, YAML and JSON specification files, with located keys.

Study files, cohort specs, the built-in study's settings and the shipped
calibration tables are all read here, once, into plain data (dicts, lists,
strings, numbers, booleans, None; TOML dates as :mod:`datetime` objects) plus
the line and column of every key and list item. A validator then reports its
problems by dotted field path and :meth:`SpecFile.locate` turns them into
``file:line: field: message``.

Reading itself refuses, with located problems all reported together:

* text that is not UTF-8 (a UTF-8 byte-order mark is accepted);
* syntax errors (the parser's line and column);
* duplicate keys (TOML and YAML parsers, and a scan of the JSON text; JSON's
  own reader would keep the last one silently);
* in YAML, anything but YAML 1.2 core scalars and tags, merge keys, and
  aliases or nesting past their bounds (see :mod:`ppprog._core.yaml12`);
* nesting deeper than :data:`MAX_DEPTH` levels in any format.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ppprog._core.errors import Problem, ProblemReport, SpecError, ValidationError
from ppprog._core.speclocate import json_locations, toml_locations
from ppprog._core.yaml12 import read_yaml12

__all__ = [
    "SpecFile",
    "SpecFileError",
    "load_spec_file",
    "parse_spec_text",
    "SPEC_SUFFIXES",
    "MAX_DEPTH",
    "MAX_ALIAS_NODES",
]

SPEC_SUFFIXES = {".toml": "toml", ".yaml": "yaml", ".yml": "yaml", ".json": "json"}
"""File suffix to format."""
MAX_DEPTH = 64
"""Deepest nesting of tables/mappings and arrays/lists accepted."""
MAX_ALIAS_NODES = 10_000
"""Most nodes that YAML aliases may expand to in one file."""


class SpecFileError(ValidationError, SpecError):
    """A specification file could not be read or failed validation.

    Both a :class:`~ppprog._core.errors.ValidationError` (``.report`` and
    ``.problems`` list every located problem) and a
    :class:`~ppprog._core.errors.SpecError`.
    """


@dataclass(frozen=True)
class SpecFile:
    """A parsed specification file: plain data and where each key was written.

    Parameters
    ----------
    path : str
        File name as given (``"<string>"`` for text without a file).
    fmt : {"toml", "yaml", "json"}
        Format read.
    data : object
        Plain data; a dict for every TOML file.
    locations : mapping of str to (int, int)
        1-based (line, column) of each dotted field path (``"methods[0].ties"``);
        ``""`` is the start of the file.
    """

    path: str
    fmt: str
    data: Any
    locations: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    def line(self, field: str) -> int | None:
        """Line of ``field``, or of its nearest enclosing field that has one."""
        key = field
        while key:
            if key in self.locations:
                return self.locations[key][0]
            cut = max(key.rfind("."), key.rfind("["))
            key = key[:cut] if cut > 0 else ""
        loc = self.locations.get("")
        return None if loc is None else loc[0]

    def column(self, field: str) -> int | None:
        """Column of ``field`` when it was written in the file, else None."""
        loc = self.locations.get(field)
        return None if loc is None else loc[1]

    def problem(self, field: str, message: str, *, case_id: str | None = None) -> Problem:
        """A :class:`~ppprog._core.errors.Problem` located in this file."""
        return Problem(self.path, case_id, field, message, self.line(field))

    def locate(self, problems: Iterable[Problem]) -> ProblemReport:
        """Copy of ``problems`` with this file's name and, where missing, lines.

        Parameters
        ----------
        problems : iterable of Problem
            Problems found by a validator of the data (file and line unset).

        Returns
        -------
        ProblemReport
        """
        out = ProblemReport()
        for p in problems:
            line = p.line if p.line is not None else self.line(p.field)
            out.problems.append(Problem(self.path, p.case_id, p.field, p.message, line))
        return out

    def raise_if_any(self, problems: Iterable[Problem]) -> None:
        """Raise :class:`SpecFileError` with ``problems`` located (in line order), if any."""
        located = self.locate(problems)
        if located:
            located.problems.sort(key=lambda p: p.line or 0)
            raise SpecFileError(located)

    def mapping(self, what: str = "a spec file") -> dict[str, Any]:
        """The data, which must be a mapping at the top level (else a located error)."""
        if not isinstance(self.data, dict):
            kind = "nothing" if self.data is None else f"a {type(self.data).__name__}"
            msg = f"{what} must hold a table/mapping at the top level, not {kind}"
            raise SpecFileError(ProblemReport([Problem(self.path, None, "<document>", msg, 1)]))
        return self.data


def load_spec_file(path: str | Path, *, formats: Iterable[str] | None = None) -> SpecFile:
    """Read a ``.toml``, ``.yaml``/``.yml`` or ``.json`` file (format from the suffix).

    Parameters
    ----------
    path : str or pathlib.Path
        The file.
    formats : iterable of str, optional
        Formats accepted (default all three).

    Returns
    -------
    SpecFile

    Raises
    ------
    SpecFileError
        Unknown suffix, missing file, not UTF-8, a syntax error, duplicate
        keys, refused YAML tags, nesting or aliases past their bounds; every
        problem located by line.
    """
    p = Path(path)
    allowed = set(SPEC_SUFFIXES.values()) if formats is None else set(formats)
    fmt = SPEC_SUFFIXES.get(p.suffix.lower())
    if fmt is None or fmt not in allowed:
        ends = sorted(s for s, f in SPEC_SUFFIXES.items() if f in allowed)
        msg = f"unknown spec file suffix; use {ends}"
        raise SpecFileError(_one(str(p), None, "<file>", msg))
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise SpecFileError(_one(str(p), None, "<file>", f"cannot read: {exc.strerror}")) from None
    return parse_spec_text(_decode(raw, str(p)), fmt, name=str(p))


def parse_spec_text(text: str, fmt: str, *, name: str = "<string>") -> SpecFile:
    """Parse specification text already in memory.

    Parameters
    ----------
    text : str
        The content.
    fmt : {"toml", "yaml", "json"}
        Format.
    name : str, optional
        Name used in problems (a file name).

    Returns
    -------
    SpecFile

    Raises
    ------
    SpecFileError
        As :func:`load_spec_file`.
    """
    readers = {"toml": _read_toml, "yaml": _read_yaml, "json": _read_json}
    if fmt not in readers:
        raise SpecFileError(_one(name, None, "<file>", f"unknown format {fmt!r}"))
    data, locations, problems = readers[fmt](text)
    if not problems:
        problems = _depth_problems(data, locations)
    if problems:
        raise SpecFileError(ProblemReport([Problem(name, None, *p) for p in problems]))
    return SpecFile(name, fmt, data, locations)


# ------------------------------------------------------------------------ readers
_Located = tuple[Any, dict[str, tuple[int, int]], list[tuple[str, str, int | None]]]
_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def _one(name: str, line: int | None, field: str, message: str) -> ProblemReport:
    return ProblemReport([Problem(name, None, field, message, line)])


def _decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        msg = (
            f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {column}); "
            "save the file as UTF-8"
        )
        raise SpecFileError(_one(name, line, "<encoding>", msg)) from None


def _read_toml(text: str) -> _Located:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _AT.search(msg)
        line = int(m.group(1)) if m else None
        where = f" (column {m.group(2)})" if m else ""
        return (
            None,
            {},
            [
                (
                    "<syntax>",
                    f"could not parse toml: not valid TOML: {_AT.sub('', msg)}{where}",
                    line,
                )
            ],
        )
    except RecursionError:
        return None, {}, [("<document>", f"nesting deeper than {MAX_DEPTH} levels", None)]
    if _depth(data) > MAX_DEPTH:  # the scanner below recurses with the nesting
        return data, {"": (1, 1)}, []
    return data, toml_locations(text), []


def _read_json(text: str) -> _Located:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"could not parse json: not valid JSON: {exc.msg} (column {exc.colno})"
        return None, {}, [("<syntax>", msg, exc.lineno)]
    except RecursionError:
        return None, {}, [("<document>", f"nesting deeper than {MAX_DEPTH} levels", None)]
    if _depth(data) > MAX_DEPTH:
        return data, {"": (1, 1)}, []
    locations, dups = json_locations(text)
    problems: list[tuple[str, str, int | None]] = [
        (path, f"duplicate key (first given on line {first})", line)
        for path, first, line, _ in dups
    ]
    return data, locations, problems


def _read_yaml(text: str) -> _Located:
    got = read_yaml12(text, max_depth=MAX_DEPTH, max_alias_nodes=MAX_ALIAS_NODES)
    problems: list[tuple[str, str, int | None]] = []
    for path, msg, line, col in got.problems:
        problems.append((path, f"{msg} (column {col})" if path == "<syntax>" else msg, line))
    return got.data, got.locations, problems


def _depth(data: Any) -> int:
    """Deepest nesting of dicts and lists (iterative: safe on any input)."""
    deepest = 0
    todo = [(data, 0)]
    while todo:
        node, d = todo.pop()
        if isinstance(node, dict):
            todo.extend((v, d + 1) for v in node.values())
        elif isinstance(node, list):
            todo.extend((v, d + 1) for v in node)
        else:
            continue
        deepest = max(deepest, d + 1)
    return deepest


def _depth_problems(
    data: Any, locations: Mapping[str, tuple[int, int]]
) -> list[tuple[str, str, int | None]]:
    if _depth(data) <= MAX_DEPTH:
        return []
    return [("<document>", f"nesting deeper than {MAX_DEPTH} levels", 1)]
