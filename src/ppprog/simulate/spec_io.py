"""CohortSpec to and from nested dicts, TOML, YAML and JSON.

Reading collects every structural problem (unknown keys, missing fields,
wrong types) with its dotted path, adds the value problems found by the
spec's own validation, and raises them all at once. Files are read by
:mod:`ppprog._core.specfile` (so each problem carries its file and line) and
TOML is written by the small writer below (the spec only needs tables,
strings, numbers, booleans and arrays).
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ppprog._core.errors import Problem, SpecError
from ppprog._core.specfile import SpecFile, load_spec_file, parse_spec_text
from ppprog.simulate.hazards import BaselineHazard
from ppprog.simulate.spec_build import spec_from_dict

if TYPE_CHECKING:  # the spec class is passed in by CohortSpec's methods (they import this module)
    from ppprog.simulate.spec import CohortSpec

__all__ = [
    "spec_to_dict",
    "spec_from_dict",
    "replace_paths",
    "dumps",
    "loads",
    "load",
    "spec_from_file",
    "toml_dumps",
]


# ----------------------------------------------------------------------------- to dict
def _plain(value: Any) -> Any:
    if isinstance(value, BaselineHazard):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for f in dataclasses.fields(value):
            v = getattr(value, f.name)
            if v is not None:
                out[f.name] = _plain(v)
        return out
    if isinstance(value, Mapping):
        return {_key(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def _key(k: Any) -> str:
    if isinstance(k, float) and k.is_integer():
        return str(int(k))
    return str(k)


def spec_to_dict(spec: CohortSpec) -> dict[str, Any]:
    """Nested plain dict of ``spec`` (``None`` fields omitted, mapping keys as strings).

    Parameters
    ----------
    spec : CohortSpec
        Spec.

    Returns
    -------
    dict
    """
    out = _plain(spec)
    assert isinstance(out, dict)
    return out


def replace_paths(spec: CohortSpec, changes: Mapping[str, Any]) -> CohortSpec:
    """Copy of ``spec`` with values set at dotted paths of its dict form.

    Parameters
    ----------
    spec : CohortSpec
        Starting spec.
    changes : mapping of str to object
        ``{"onset.log_hr.ana_high": 0.7, "censoring.administrative": 36}``.

    Returns
    -------
    CohortSpec
    """
    d = spec_to_dict(spec)
    for path, value in changes.items():
        node = d
        parts = path.split(".")
        for p in parts[:-1]:
            nxt = node.get(p)
            if nxt is None:
                nxt = node[p] = {}
            if not isinstance(nxt, dict):
                raise SpecError(f"{path}: {p!r} is not a table")
            node = nxt
        node[parts[-1]] = _plain(value)
    return spec_from_dict(d, cls=type(spec))


# ---------------------------------------------------------------------------- formats
_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _tkey(k: str) -> str:
    return k if _BARE.match(k) else json.dumps(k)


def _tval(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_tval(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{_tkey(str(k))} = {_tval(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def toml_dumps(d: Mapping[str, Any], _prefix: str = "") -> str:
    """Write a nested dict as TOML (tables for nested mappings).

    Parameters
    ----------
    d : mapping
        Strings, numbers, booleans, arrays and nested mappings.

    Returns
    -------
    str
    """
    lines = [f"{_tkey(k)} = {_tval(v)}" for k, v in d.items() if not isinstance(v, Mapping)]
    out = "\n".join(lines)
    for k, v in d.items():
        if isinstance(v, Mapping):
            name = f"{_prefix}.{_tkey(k)}" if _prefix else _tkey(k)
            body = toml_dumps(v, name)
            out += f"\n\n[{name}]\n{body}" if body.strip() or not v else f"\n\n[{name}]"
    return out.strip("\n") + ("\n" if not _prefix else "")


def dumps(spec: CohortSpec, fmt: str) -> str:
    """Serialize ``spec`` as ``"toml"``, ``"yaml"`` or ``"json"`` text.

    Parameters
    ----------
    spec : CohortSpec
        Spec (a :class:`~ppprog.simulate.hazards.UserHazard` cannot be written).
    fmt : {"toml", "yaml", "json"}
        Format.

    Returns
    -------
    str
    """
    d = spec_to_dict(spec)
    if fmt == "toml":
        return toml_dumps(d)
    if fmt == "yaml":
        import yaml

        return str(yaml.safe_dump(d, sort_keys=False, allow_unicode=True))
    if fmt == "json":
        return json.dumps(d, indent=2)
    raise SpecError(f"unknown format {fmt!r}; expected 'toml', 'yaml' or 'json'")


def loads(
    text: str, fmt: str, *, cls: type[CohortSpec], base: CohortSpec | None = None
) -> CohortSpec:
    """Parse spec text.

    Parameters
    ----------
    text : str
        Content.
    fmt : {"toml", "yaml", "json"}
        Format.
    cls : type
        The spec class (:class:`~ppprog.simulate.spec.CohortSpec`).
    base : CohortSpec, optional
        Supplies absent fields.

    Returns
    -------
    CohortSpec

    Raises
    ------
    SpecFileError
        Every problem, located by line (a :class:`~ppprog._core.errors.SpecError`).
    """
    return spec_from_file(parse_spec_text(text, fmt), cls=cls, base=base)


def load(path: Any, *, cls: type[CohortSpec], base: CohortSpec | None = None) -> CohortSpec:
    """Read a spec file; the format follows the suffix.

    Parameters
    ----------
    path : str or path-like
        ``.toml``, ``.yaml``, ``.yml`` or ``.json``.
    cls : type
        The spec class (:class:`~ppprog.simulate.spec.CohortSpec`).
    base : CohortSpec, optional
        Supplies absent fields.

    Returns
    -------
    CohortSpec

    Raises
    ------
    SpecFileError
        Every problem, each named ``file:line: field: message``.
    """
    return spec_from_file(load_spec_file(path), cls=cls, base=base)


def spec_from_file(
    doc: SpecFile, *, cls: type[CohortSpec], base: CohortSpec | None = None
) -> CohortSpec:
    """Build a spec from a file already read, locating every problem in it.

    Parameters
    ----------
    doc : SpecFile
        From :func:`~ppprog._core.specfile.load_spec_file`.
    cls : type
        The spec class (:class:`~ppprog.simulate.spec.CohortSpec`).
    base : CohortSpec, optional
        Supplies absent fields.

    Returns
    -------
    CohortSpec

    Raises
    ------
    SpecFileError
        Every structural and value problem, each with file and line.
    """
    data = doc.mapping("a cohort spec")
    try:
        return spec_from_dict(data, cls=cls, base=base)
    except SpecError as exc:
        found = getattr(exc, "report", None)
        problems = list(found) if found is not None else [Problem(None, None, "<spec>", str(exc))]
        doc.raise_if_any(problems)
        raise  # pragma: no cover - a SpecError always lists at least one problem
