"""Column-wise conversion of table cells (used by :mod:`~ppprog.records.table_build`).

Each cell is converted to its column's type: text, numbers, whole numbers,
true/false, ISO dates, vocabulary tokens, JSON lists. A cell that does not
convert is recorded as a problem at its (row, column); nothing is coerced
silently. Vocabulary tokens and other texts are converted once per distinct
value, and typed Parquet columns of the right type need no conversion.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import re
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from itertools import repeat
from typing import Any

from ppprog.records.table_schema import Column, columns
from ppprog.records.vocab import parse_enum

__all__ = ["Converted", "convert_table", "new_records", "negative_zero"]

_INT = re.compile(r"[-+]?\d+\Z")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\Z")


@dataclass
class Converted:
    """Converted cells of one table: values per column, and problems per (row, column)."""

    values: dict[str, list[Any]]
    bad: dict[tuple[int, str], str] = field(default_factory=dict)
    n: int = 0
    present: set[str] = field(default_factory=set)
    broken: bool = False  # a required column is missing: no row is assembled
    derived: dict[str, list[Any]] = field(default_factory=dict)  # set by the column checks


class _Bad(ValueError):
    pass


def _text(v: Any) -> str | None:
    t = type(v)
    if t is str:
        return v or None
    if v is None or (t is float and math.isnan(v)):
        return None
    if t is int or (t is float and v.is_integer()):
        return str(int(v))  # a number typed in a text column of a spreadsheet
    if t is float:
        return repr(v)
    if isinstance(v, (_dt.date, _dt.time)):
        raise _Bad(f"expected text, got the date/time {v!s} (the spreadsheet converted what "
                   "was typed; format the column as text)")  # fmt: skip
    raise _Bad(f"expected text, got {type(v).__name__} {v!r}")


def _float(v: Any) -> float | None:
    t = type(v)
    if t is float:
        return v
    if t is int:
        return float(v)
    if v is None or v == "":
        return None
    if t is str:
        try:
            return float(v)
        except ValueError:
            pass
    raise _Bad(f"expected a number, got {v!r}")


def _int(v: Any) -> int | None:
    t = type(v)
    if t is int:
        return v  # type: ignore[no-any-return]
    if v is None or v == "":
        return None
    if t is float and v.is_integer():
        return int(v)
    if t is str and _INT.match(v.strip()):
        return int(v)
    raise _Bad(f"expected a whole number, got {v!r}")


def _bool(v: Any) -> bool | None:
    if type(v) is bool:
        return v  # type: ignore[no-any-return]
    if v is None or v == "":
        return None
    if type(v) is str and v.strip().lower() in ("true", "false"):
        return v.strip().lower() == "true"
    raise _Bad(f"expected true or false, got {v!r}")


def _date(v: Any) -> _dt.date | None:
    if isinstance(v, _dt.datetime):
        if v.time() != _dt.time(0):
            raise _Bad(f"expected a date, got the date and time {v!s}")
        return v.date()
    if isinstance(v, _dt.date):
        return v
    text = _text(v)
    if text is None:
        return None
    m = _DATE.match(text.strip())
    if m is None:
        raise _Bad(f"expected a date YYYY-MM-DD, got {text!r}")
    try:
        return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as exc:
        raise _Bad(f"impossible date {text!r}: {exc}") from None


def _json_list(v: Any) -> tuple[str, ...] | None:
    text = _text(v)
    if text is None:
        return None
    try:
        out = json.loads(text)
    except ValueError:
        out = None
    if not isinstance(out, list) or not all(isinstance(x, str) for x in out):
        raise _Bad(f'expected a JSON list of texts such as ["a", "b"], got {text!r}')
    return tuple(out)


_STORE: dict[str, Callable[[Any], Any]] = {"str": _text, "float": _float, "int": _int,
                                           "bool": _bool}  # fmt: skip


def _token(vocab: type[Enum], text: Any) -> Any:
    """One vocabulary token (or synonym) of a cell, as its enum member."""
    try:
        return parse_enum(vocab, text)
    except ValueError as exc:
        raise _Bad(str(exc)) from None


def _converter(col: Column) -> Callable[[Any], Any]:
    kind = col.field.kind
    if kind == "date":
        return _date
    if kind == "enums" and col.field.vocab is not None:
        vocab = col.field.vocab

        def tokens(v: Any) -> Any:
            items = _json_list(v)
            return None if items is None else tuple(_token(vocab, x) for x in items)

        return tokens
    if kind == "texts":
        return _json_list
    if kind == "enum" and col.field.vocab is not None:
        vocab = col.field.vocab

        def enum(v: Any) -> Any:
            text = _text(v)
            return None if text is None else _token(vocab, text)

        return enum
    return _STORE[col.store]


def _try(conv: Callable[[Any], Any], v: Any) -> tuple[Any, str | None]:
    try:
        return conv(v), None
    except _Bad as exc:
        return None, str(exc)


def convert_table(name: str, header: Sequence[str], cells: dict[str, list[Any]], n: int,
                  types: dict[str, str] | None = None) -> Converted:  # fmt: skip
    """Convert every known column of table ``name``; absent columns are all None.

    ``types`` gives the storage type of typed columns (Parquet, whose reader
    turns empty texts into missing values): a column stored as its schema's
    type needs no conversion of its cells. Otherwise each distinct cell value
    is converted once.
    """
    present = set(header)
    out = Converted({}, n=n, present=present)
    types = types or {}
    for col in columns(name):
        if col.name not in present:
            out.values[col.name] = [None] * n
            continue
        vals, kind = cells[col.name], col.field.kind
        if types.get(col.name) == col.store and kind not in ("date", "texts", "enums", "enum"):
            out.values[col.name] = vals  # typed reader: empty texts already missing
            continue
        values, errors = _convert_column(_converter(col), vals)
        out.values[col.name] = values
        for i, err in errors:
            out.bad[(i, col.name)] = err
    return out


def _exact(v: Any) -> tuple[type, Any, float]:
    """A key equal only for the same value: ``1``, ``1.0`` and ``True``, or ``0.0`` and ``-0.0``, differ."""
    return type(v), v, math.copysign(1.0, v) if type(v) is float else 0.0


def _convert_column(conv: Callable[[Any], Any], vals: list[Any]) -> tuple[list[Any], list[tuple[int, str]]]:  # fmt: skip
    """Converted cells of one column and (row, message) of those that do not convert.

    Each distinct cell is converted once. Cells are told apart by value and
    type: a spreadsheet column may hold ``1``, ``1.0`` and ``True``, or
    ``0.0`` and ``-0.0``, which Python counts as equal.
    """
    kinds = set(map(type, vals))
    kinds.discard(type(None))
    if len(kinds) > 1 or (float in kinds and negative_zero(vals)):
        keys = list(map(_exact, vals))
        table = {k: _try(conv, v) for k, v in dict(zip(keys, vals)).items()}
    else:
        keys = vals
        table = {u: _try(conv, u) for u in set(vals)}
    values = {u: x for u, (x, _) in table.items()}
    errors: list[tuple[int, str]] = []
    if any(err is not None for _, err in table.values()):
        errors = [(i, table[k][1]) for i, k in enumerate(keys) if table[k][1] is not None]  # type: ignore[misc]
    return list(map(values.__getitem__, keys)), errors


@cache
def _dict_maker(keys: tuple[str, ...]) -> Callable[..., dict[str, Any]]:
    """A function of ``len(keys)`` values returning the dict ``{keys[0]: v0, ...}``.

    Generated once per record layout (as :mod:`dataclasses` and
    :func:`collections.namedtuple` generate theirs): a dict display is about
    twice as fast as ``dict(zip(keys, row))``, which makes a pair per key.
    The keys are field names of :mod:`~ppprog.records.schema`.
    """
    if not all(k.isidentifier() for k in keys):
        raise ValueError(f"not field names: {keys!r}")
    args = [f"v{j}" for j in range(len(keys))]
    body = ", ".join(f"{k!r}: {a}" for k, a in zip(keys, args))
    ns: dict[str, Any] = {}
    exec(f"def make({', '.join(args)}):\n    return {{{body}}}\n", ns)  # noqa: S102
    return ns["make"]  # type: ignore[no-any-return]


def new_records(cls: type, keys: tuple[str, ...] | list[str], cols: list[list[Any]], n: int, *,
                shared: bool = False) -> list[Any]:  # fmt: skip
    """Make ``n`` frozen records of ``cls`` whose field ``keys[j]`` of row ``i`` is ``cols[j][i]``.

    The dataclasses' ``__post_init__`` normalise loose input (numbers to
    times, tokens to members, lists to tuples, an episode's drug class from
    its agent); the table reader has done all of it already, so making a
    record only installs its values (one fresh dict each). Round-trip tests
    compare these records with ones built through the constructors, which
    stay the validating way in for everyone else.

    With ``shared``, equal rows get one record (a frozen record is a value:
    the times of day 0, a registry's source, the few titers of a lab) when
    most rows repeat another (see :func:`_shared_records`).
    """
    if shared and cols and n:
        made = _shared_records(cls, keys, cols, n)
        if made is not None:
            return made
    objs: list[Any] = list(map(object.__new__, repeat(cls, n)))
    dicts = map(_dict_maker(tuple(keys)), *cols) if cols else ({} for _ in range(n))
    deque(map(object.__setattr__, objs, repeat("__dict__"), dicts), maxlen=0)
    return objs


def negative_zero(col: list[Any]) -> bool:
    """True when ``col`` holds ``-0.0``.

    ``-0.0 == 0.0`` and both hash alike, so a column holding ``-0.0`` cannot
    use its values as keys (of distinct values, of shared records) without
    losing the sign.

    Parameters
    ----------
    col : list
        Cells of one column.

    Returns
    -------
    bool
    """
    if 0.0 not in col:
        return False
    import numpy as np  # only here: reading YAML needs no numpy

    try:
        arr = np.array(col, dtype=float)  # an empty cell is NaN
    except (TypeError, ValueError):
        return any(type(x) is float and x == 0.0 and math.copysign(1.0, x) < 0 for x in col)
    return bool((np.signbit(arr) & (arr == 0.0)).any())


def _shared_records(cls: type, keys: tuple[str, ...] | list[str], cols: list[list[Any]],
                    n: int) -> list[Any] | None:  # fmt: skip
    """Records of ``new_records`` with one record per distinct row; None when rows mostly differ.

    A first look at 1,000 rows decides. Equal values of one column are the
    same value (each column holds one type), except ``0.0`` and ``-0.0``:
    a column with ``-0.0`` is not shared.
    """
    try:
        sample = set(zip(*(c[:1000] for c in cols)))
        if 2 * len(sample) > min(n, 1000) or any(negative_zero(c) for c in cols):
            return None
        rows = list(zip(*cols))
        first = dict.fromkeys(rows)
    except TypeError:  # an unhashable value: no sharing
        return None
    if 2 * len(first) > n:
        return None
    made = new_records(cls, keys, [list(c) for c in zip(*first)], len(first))
    lookup = dict(zip(first, made))
    return list(map(lookup.__getitem__, rows))
