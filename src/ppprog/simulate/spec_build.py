"""Nested dicts (parsed spec files) to :class:`CohortSpec`, every problem collected.

Structural problems (unknown or misspelt keys, missing fields, wrong types,
hazard tables checked key by key) are collected with their dotted paths; the
value problems of the partly built spec are added; all are raised at once as a
:class:`~ppprog._core.errors.SpecError` whose ``.report`` lists them, so that
:mod:`ppprog.simulate.spec_io` can locate each by file and line.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import types
import typing
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Union

from ppprog._core.errors import ProblemReport, SpecError
from ppprog.simulate.hazards import BaselineHazard, hazard_from_dict, hazard_parameters

if TYPE_CHECKING:  # the spec class is passed in by CohortSpec.from_dict (it imports this module)
    from ppprog.simulate.spec import CohortSpec

__all__ = ["spec_from_dict"]


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
        if not self._hazard_keys(v, path):
            return None
        try:
            return hazard_from_dict(v)
        except (ValueError, TypeError) as exc:
            self.report.add(path, str(exc))
            return None

    def _hazard_keys(self, v: Mapping[str, Any], path: str) -> bool:
        """Check a hazard table key by key (each problem at its own key); True when fine."""
        kinds = hazard_parameters()
        kind: Any = v.get("kind")
        known = kind in kinds
        allowed = [
            "kind",
            *(kinds[kind] if known else sorted({n for p in kinds.values() for n in p})),
        ]
        before = len(self.report)
        for k in v:
            if k not in allowed:
                what = f"a {kind} hazard" if known else "a hazard"
                self.report.add(
                    f"{path}.{k}", f"unknown parameter of {what}{_did_you_mean(str(k), allowed)}"
                )
        if not known:
            where = f"{path}.kind" if "kind" in v else path
            self.report.add(where, f"unknown hazard kind {kind!r}; expected one of {sorted(kinds)}")
            return False
        for name in kinds[kind]:
            if name not in v:
                self.report.add(f"{path}.{name}", f"is required for a {kind} hazard")
            elif not _numbers(v[name]):
                msg = f"must be a number or a list of numbers, got {v[name]!r}"
                self.report.add(f"{path}.{name}", msg)
        return len(self.report) == before

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


def _related(field: str, seen: set[str]) -> bool:
    """True when ``field`` is, contains or lies inside a field in ``seen``."""
    return any(field == f or f.startswith(f"{field}.") or field.startswith(f"{f}.") for f in seen)


def _numbers(v: Any) -> bool:
    def one(x: Any) -> bool:
        return isinstance(x, (int, float)) and not isinstance(x, bool)

    return one(v) or (isinstance(v, list) and all(one(x) for x in v))


def _did_you_mean(key: str, names: Any) -> str:
    close = difflib.get_close_matches(key, list(names), n=1)
    return f"; did you mean {close[0]!r}?" if close else f"; expected {list(names)}"


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def spec_from_dict(
    d: Mapping[str, Any], *, cls: type[CohortSpec], base: CohortSpec | None = None
) -> CohortSpec:
    """Build a :class:`CohortSpec` from a nested dict.

    Parameters
    ----------
    d : mapping
        Nested dict; with ``base``, only the changed fields are needed.
    cls : type
        The spec class (:class:`~ppprog.simulate.spec.CohortSpec`).
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
        base = None if not isinstance(d.get("endpoint"), str) else _switch_base(cls, d["endpoint"])
    kwargs = b.build(cls, d, "", base)
    if b.report:
        _add_value_problems(cls, b.report, kwargs)
        err = SpecError(str(b.report))
        err.report = b.report  # type: ignore[attr-defined]
        raise err
    assert kwargs is not None
    return cls(**kwargs)


def _add_value_problems(
    cls: type[CohortSpec], report: ProblemReport, kwargs: dict[str, Any] | None
) -> None:
    """Add the value problems of the partly converted spec, skipping fields already reported."""
    if kwargs is None:
        return
    try:
        cls(**kwargs)
    except SpecError as exc:
        seen = {p.field for p in report}
        more = getattr(exc, "report", None)
        if more is not None:  # skip consequences of a field already reported
            report.extend(q for q in more if not _related(q.field, seen))
    except (TypeError, ValueError, AttributeError):  # placeholders too broken to check further
        return


def _switch_base(cls: type[CohortSpec], endpoint: str) -> CohortSpec | None:
    return cls.default(endpoint) if endpoint in ("onset", "resolution") else None
