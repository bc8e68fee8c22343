"""Assembly of cases from converted, checked and joined table columns.

Used by :mod:`~ppprog.records.io_table` once every cell is converted
(:mod:`~ppprog.records.table_cells`), checked (:mod:`~ppprog.records.table_checks`)
and every item row joined to its case (:mod:`~ppprog.records.table_join`).
Nothing is checked here: the values are final, so each record is made by
installing its complete ``__dict__`` (see :func:`new_records`), with the
loops over rows run by ``map`` and ``zip`` in C. This is what keeps 100,000
cases from Parquet within the issue's 3 s.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ppprog.records.case import (
    AnaMeasurement,
    Case,
    LabValue,
    Onset,
    Outcome,
    Patient,
    TreatmentEpisode,
)
from ppprog.records.quantities import Quote, Source, TimeValue
from ppprog.records.schema import ITEM_LISTS, RECORDS, Field
from ppprog.records.table_cells import Converted, new_records
from ppprog.records.table_join import Join
from ppprog.records.vocab import AGENT_CLASS, Agent

__all__ = ["build_cases"]

_CLASSES: dict[str, type] = {"ana": AnaMeasurement, "labs": LabValue,
                             "treatments": TreatmentEpisode, "outcomes": Outcome}  # fmt: skip
_REC_CLASS: dict[str, type] = {**_CLASSES, "source": Source, "patient": Patient, "onset": Onset,
                               "case": Case}  # fmt: skip


def _defaults(cls: type) -> dict[str, Any]:
    return {
        f.name: f.default for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING
    }


_DEFAULTS = {cls: _defaults(cls) for cls in _REC_CLASS.values()}
_TIME_KEYS = ("day", "low", "high", "approximate", "quote")
_QUOTE_KEYS = ("text", "where")


def _scatter(n: int, where: list[int], objs: list[Any]) -> list[Any]:
    out: list[Any] = [None] * n
    for i, o in zip(where, objs):
        out[i] = o
    return out


def _quotes(texts: list[Any], wheres: list[Any]) -> list[Quote | None]:
    """Quotes of a quote's two columns (none where the text is empty)."""
    if texts.count(None) == len(texts):
        return [None] * len(texts)
    at = [i for i, t in enumerate(texts) if t is not None]
    objs = new_records(Quote, _QUOTE_KEYS, [[texts[i] for i in at], [wheres[i] for i in at]], len(at))  # fmt: skip
    return _scatter(len(texts), at, objs)


def _times(col: str, conv: Converted) -> list[TimeValue | None]:
    """TimeValues of a time field from its columns (bounds defaulted by the checks)."""
    v, d = conv.values, conv.derived
    days = v[f"{col}_day"]
    cols = [days, d[f"{col}_low"], d[f"{col}_high"],
            [a is True for a in v[f"{col}_approximate"]],
            _quotes(v[f"{col}_quote"], v[f"{col}_quote_where"])]  # fmt: skip
    if None not in days:
        return new_records(TimeValue, _TIME_KEYS, cols, conv.n, shared=True)
    at = [i for i, x in enumerate(days) if x is not None]
    objs = new_records(TimeValue, _TIME_KEYS, [[c[i] for i in at] for c in cols], len(at),
                       shared=True)  # fmt: skip
    return _scatter(conv.n, at, objs)


def _field_values(f: Field, col: str, conv: Converted) -> list[Any]:
    """One list per field: TimeValue, Titer or Quote assembled from its columns."""
    if f.kind == "time":
        return _times(col, conv)
    if f.kind == "titer":
        return conv.derived["titer"]
    if f.kind == "quote":
        return _quotes(conv.values[col], conv.values[f"{col}_where"])
    return conv.values["case_id" if f.name == "id" else col]


def _columns(rec: str, prefix: str, conv: Converted) -> tuple[list[str], list[list[Any]]]:
    """Field names and values of record ``rec`` for every row.

    Empty cells take the field's default (None, ``()``, ``"report"``, ``"="``),
    and an episode without a drug class gets its agent's class, as the
    dataclass constructors would do.
    """
    defaults = _DEFAULTS[_REC_CLASS[rec]]
    keys, lists = [], []
    for f in RECORDS[rec]:
        vals = _field_values(f, prefix + f.name, conv)
        default = defaults.get(f.key)
        if default is not None and None in vals:
            vals = [default if v is None else v for v in vals]
        keys.append(f.key)
        lists.append(vals)
    if rec == "treatments":
        j, k = keys.index("agent"), keys.index("drug_class")
        if None in lists[k]:
            lists[k] = [AGENT_CLASS.get(a) if c is None and isinstance(a, Agent) else c
                        for a, c in zip(lists[j], lists[k])]  # fmt: skip
    return keys, lists


def _items(name: str, conv: Converted, join: Join) -> list[tuple[Any, ...]]:
    """Per case code, the tuple of its item records in item order."""
    keys, lists = _columns(name, "", conv)
    objs = new_records(_CLASSES[name], keys, lists, conv.n)
    j = join.items[name]
    ordered = list(map(objs.__getitem__, j.rows.tolist()))
    ends = (j.starts + j.counts).tolist()
    return list(map(tuple, map(ordered.__getitem__, map(slice, j.starts.tolist(), ends))))


def build_cases(conv: dict[str, Converted], join: Join) -> list[Case]:
    """Assemble the cases of converted, checked and joined tables.

    Parameters
    ----------
    conv : dict of str to Converted
        Converted and checked tables (``"cases"`` required; item tables may be absent).
    join : Join
        The item rows of each case (:func:`~ppprog.records.table_join.join_tables`).

    Returns
    -------
    list of Case
        One per row of the cases table, in its order, each with the good
        rows of its id (cases with problems are built too, for validation
        of the others, but never returned to a user).
    """
    t = conv["cases"]
    n = t.n
    keys, lists = _columns("case", "", t)
    codes = join.code.tolist()
    unique = len(join.ids) == len(set(join.ids))
    for name in ITEM_LISTS:
        keys.append(name)
        if name not in conv:
            lists.append([()] * n)
            continue
        per_code = _items(name, conv[name], join)
        lists.append(per_code if unique else [per_code[c] for c in codes])
    for rec in ("source", "patient"):
        k, cols = _columns(rec, rec + "_", t)
        keys.append(rec)
        lists.append(new_records(_REC_CLASS[rec], k, cols, n, shared=rec == "source"))
    k, cols = _columns("onset", "onset_", t)
    at = [i for i, d in enumerate(cols[0]) if d is not None]
    onsets = new_records(Onset, k, [[c[i] for i in at] for c in cols], len(at))
    keys.append("onset")
    lists.append(_scatter(n, at, onsets) if len(at) < n else onsets)
    return new_records(Case, keys, lists, n)
