"""Check a study method's options against the method's signature, at load time.

A misspelt option (``tie = "efron"``), a missing required one (``logrank``
without ``covariate``) or a value of the wrong type (``ties = 1``) is found
when the study file is read, not as a raw ``TypeError`` inside a worker once
the run has started. Names come from :func:`inspect.signature`, types from the
method's annotations where they are simple (text, numbers, booleans,
``Literal``, lists of those, unions with ``None``).
"""

from __future__ import annotations

import collections.abc
import difflib
import inspect
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

__all__ = ["option_problems", "value_fits"]


def option_problems(fn: Callable[..., Any], options: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Check a method's options against its signature (names, required, simple types).

    Parameters
    ----------
    fn : callable
        The method ``f(data, **options)``.
    options : mapping
        Options given in the study.

    Returns
    -------
    list of (str, str)
        ``(option, message)``; ``option`` is ``""`` for a missing required one.
        A method taking ``**kwargs`` accepts any name. ``level`` is supplied by
        the runner and never required.
    """
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):  # no signature to check against (some builtins)
        return []
    if params and params[0].kind in (params[0].POSITIONAL_ONLY, params[0].POSITIONAL_OR_KEYWORD):
        params = params[1:]  # receives the data
    named = {p.name: p for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    open_ended = any(p.kind is p.VAR_KEYWORD for p in params)
    out: list[tuple[str, str]] = []
    for k in options:
        if k not in named and not open_ended:
            out.append((k, f"unknown option of {_fn_name(fn)}{_did_you_mean(k, named)}"))
    for name, p in named.items():
        if p.default is p.empty and name not in options and name != "level":
            out.append(("", f"option {name!r} of {_fn_name(fn)} is required"))
    hints = _hints(fn)
    for k, v in options.items():
        if k in named and k in hints and not value_fits(hints[k], v):
            out.append((k, f"must be {_describe(hints[k])}, got {v!r}"))
    return out


def _fn_name(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__name__', 'the method')}()"


def _did_you_mean(key: str, names: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(names), n=1)
    known = sorted(names)
    return f"; did you mean {close[0]!r}?" if close else f"; expected one of {known}"


def _hints(fn: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(fn)
    except Exception:  # noqa: BLE001 - unresolvable annotations: check names only
        return {}


def value_fits(tp: Any, v: Any) -> bool:
    """True when ``v`` (plain data from a file) fits the annotation ``tp``.

    Understands ``str``, ``bool``, ``int``, ``float`` (an integer fits),
    ``None``, unions, ``Literal`` and lists/sequences/tuples of those; any
    other annotation accepts every value.
    """
    origin = typing.get_origin(tp)
    if tp is Any:
        return True
    if tp is type(None) or tp is None:
        return v is None
    if origin in (typing.Union, types.UnionType):
        return any(value_fits(a, v) for a in typing.get_args(tp))
    if origin is typing.Literal:
        return v in typing.get_args(tp)
    if origin in (list, tuple, Sequence, collections.abc.Sequence):
        args = typing.get_args(tp)
        inner = args[0] if args else Any
        return isinstance(v, list) and all(value_fits(inner, x) for x in v)
    if tp is bool:
        return isinstance(v, bool)
    if tp in (int, float):
        ok = (int,) if tp is int else (int, float)
        return isinstance(v, ok) and not isinstance(v, bool)
    if tp is str:
        return isinstance(v, str)
    return True


def _describe(tp: Any) -> str:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(tp))
    if typing.get_origin(tp) is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if typing.get_origin(tp) in (list, tuple, collections.abc.Sequence):
        args = typing.get_args(tp)
        return f"a list of {_describe(args[0])}" if args else "a list"
    names = {str: "text", bool: "true or false", int: "an integer", float: "a number"}
    return names.get(tp, "None" if tp is type(None) else getattr(tp, "__name__", str(tp)))
