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
import types
import typing
from collections.abc import Mapping
from typing import Any, Union

from ppprog._core.errors import Problem, ProblemReport, SpecError
from ppprog._core.specfile import SpecFile, load_spec_file, parse_spec_text
from ppprog.simulate.hazards import BaselineHazard, hazard_from_dict
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


# --------------------------------------------------------------------------- from dict
class _Builder:
    def __init__(self) -> None:
        self.report = ProblemReport()

    def build(self, cls: type, d: Any, path: str, base: Any) -> Any:
        if not isinstance(d, Mapping):
            self.report.add(path or "<root>", f"must be a table, got {type(d).__name__}")
            return None
        hints = typing.get_type_hints(cls)
        names = {f.name for f in dataclasses.fields(cls) if f.init}
        for k in d:
            if k not in names:
                self.report.add(
                    _join(path, str(k)), f"unknown key; expected one of {sorted(names)}"
                )
        kwargs: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if not f.init:
                continue
            sub = _join(path, f.name)
            has_default = not (
                f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            )
            base_v = getattr(base, f.name) if base is not None else None
            if f.name in d:
                kwargs[f.name] = self.convert(hints[f.name], d[f.name], sub, base_v)
            elif base is not None:
                kwargs[f.name] = base_v
            elif not has_default:
                self.report.add(sub, "is required")
        return kwargs

    def convert(self, tp: Any, v: Any, path: str, base: Any) -> Any:
        origin = typing.get_origin(tp)
        if origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if v is None:
                return None
            if len(args) == 1:
                return self.convert(args[0], v, path, base)
            for a in args:  # OnsetSpec | None etc. handled above; keep first that fits
                return self.convert(a, v, path, base)
        if isinstance(tp, type) and issubclass(tp, BaselineHazard):
            return self._hazard(v, path)
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            return self._dataclass(tp, v, path, base)
        if origin is dict:
            return self._mapping(tp, v, path)
        if origin is tuple:
            if not isinstance(v, (list, tuple)):
                self.report.add(path, f"must be an array, got {type(v).__name__}")
                return None
            inner = typing.get_args(tp)[0]
            return tuple(self.convert(inner, x, f"{path}[{i}]", None) for i, x in enumerate(v))
        return self._scalar(tp, v, path)

    def _dataclass(self, tp: Any, v: Any, path: str, base: Any) -> Any:
        kwargs = self.build(tp, v, path, base)
        if kwargs is None:
            return None
        # fields that failed conversion hold placeholders (NaN, 0, "", None); the object
        # is still built so that value checks can report the file's other problems too
        try:
            return tp(**kwargs)
        except TypeError as exc:
            # a missing required field is already reported below ``path``
            if not any(q.field.startswith(f"{path}.") for q in self.report):
                self.report.add(path, str(exc))
            return None

    def _hazard(self, v: Any, path: str) -> Any:
        if isinstance(v, BaselineHazard):
            return v
        if not isinstance(v, Mapping):
            self.report.add(path, "must be a table with 'kind' and parameters")
            return None
        try:
            return hazard_from_dict(v)
        except (ValueError, TypeError) as exc:
            self.report.add(path, str(exc))
            return None

    def _mapping(self, tp: Any, v: Any, path: str) -> Any:
        if not isinstance(v, Mapping):
            self.report.add(path, f"must be a table, got {type(v).__name__}")
            return None
        ktype, vtype = typing.get_args(tp)
        out = {}
        for k, x in v.items():
            key = self._scalar(ktype, k, f"{path}.{k}", key=True)
            out[key] = self.convert(vtype, x, f"{path}.{k}", None)
        return out

    def _scalar(self, tp: Any, v: Any, path: str, *, key: bool = False) -> Any:
        # text is converted only for mapping keys (TOML and JSON keys are always
        # text: ``40 = 0.1`` under ``ana_titer``); a value typed as text where a
        # number is expected is an error, never silently converted
        if key and isinstance(v, str) and tp in (int, float):
            try:
                return tp(v)
            except ValueError:
                pass
        number = isinstance(v, (int, float)) and not isinstance(v, bool)
        if tp is float:
            if number:
                return float(v)
            self.report.add(path, f"must be a number, got {v!r}")
            return math.nan
        if tp is int:
            if number and isinstance(v, int):
                return v
            self.report.add(path, f"must be an integer, got {v!r}")
            return 0
        if tp is str:
            if isinstance(v, str):
                return v
            self.report.add(path, f"must be a string, got {v!r}")
            return ""
        return v


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def spec_from_dict(d: Mapping[str, Any], *, base: CohortSpec | None = None) -> CohortSpec:
    """Build a :class:`CohortSpec` from a nested dict.

    Parameters
    ----------
    d : mapping
        Nested dict; with ``base``, only the changed fields are needed.
    base : CohortSpec, optional
        Supplies absent fields (tables merge; mappings are replaced whole).

    Returns
    -------
    CohortSpec

    Raises
    ------
    SpecError
        Every structural and value problem, listed.
    """
    b = _Builder()
    if base is not None and "endpoint" in d and d["endpoint"] != base.endpoint:
        base = None if not isinstance(d.get("endpoint"), str) else _switch_base(d["endpoint"])
    kwargs = b.build(CohortSpec, d, "", base)
    if b.report:
        _add_value_problems(b.report, kwargs)
        err = SpecError(str(b.report))
        err.report = b.report  # type: ignore[attr-defined]
        raise err
    assert kwargs is not None
    return CohortSpec(**kwargs)


def _add_value_problems(report: ProblemReport, kwargs: dict[str, Any] | None) -> None:
    """Add the value problems of the partly converted spec, skipping fields already reported."""
    if kwargs is None:
        return
    try:
        CohortSpec(**kwargs)
    except SpecError as exc:
        seen = {p.field for p in report}
        more = getattr(exc, "report", None)
        if more is not None:
            report.extend(q for q in more if q.field not in seen)
    except (TypeError, ValueError, AttributeError):  # placeholders too broken to check further
        return


def _switch_base(endpoint: str) -> CohortSpec | None:
    from ppprog.simulate.calibration import default_spec

    return default_spec(endpoint) if endpoint in ("onset", "resolution") else None


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
    return spec_from_dict(d)


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


def loads(text: str, fmt: str, *, base: CohortSpec | None = None) -> CohortSpec:
    """Parse spec text.

    Parameters
    ----------
    text : str
        Content.
    fmt : {"toml", "yaml", "json"}
        Format.
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
    return spec_from_file(parse_spec_text(text, fmt), base=base)


def load(path: Any, *, base: CohortSpec | None = None) -> CohortSpec:
    """Read a spec file; the format follows the suffix.

    Parameters
    ----------
    path : str or path-like
        ``.toml``, ``.yaml``, ``.yml`` or ``.json``.
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
    return spec_from_file(load_spec_file(path), base=base)


def spec_from_file(doc: SpecFile, *, base: CohortSpec | None = None) -> CohortSpec:
    """Build a spec from a file already read, locating every problem in it.

    Parameters
    ----------
    doc : SpecFile
        From :func:`~ppprog._core.specfile.load_spec_file`.
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
        return spec_from_dict(data, base=base)
    except SpecError as exc:
        found = getattr(exc, "report", None)
        problems = list(found) if found is not None else [Problem(None, None, "<spec>", str(exc))]
        doc.raise_if_any(problems)
        raise  # pragma: no cover - a SpecError always lists at least one problem
