"""Assembly of cases from converted table columns (used by :mod:`~ppprog.records.io_table`).

Cells are converted a column at a time (vocabulary tokens once per distinct
value), then records are assembled row by row from the converted columns:
the work per cell is a type test, which keeps 100,000 cases from Parquet
within a few seconds.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from ppprog._core.errors import ParseError
from ppprog.records.case import (
    AnaMeasurement,
    Case,
    LabValue,
    Onset,
    Outcome,
    Patient,
    TreatmentEpisode,
)
from ppprog.records.parse import parse_titer
from ppprog.records.quantities import Quote, Source, TimeValue, Titer
from ppprog.records.schema import ITEM_LISTS, RECORDS, Field
from ppprog.records.table_cells import Converted
from ppprog.records.vocab import AGENT_CLASS, Agent

__all__ = ["build_cases"]

_CLASSES: dict[str, type] = {"ana": AnaMeasurement, "labs": LabValue,
                             "treatments": TreatmentEpisode, "outcomes": Outcome}  # fmt: skip


# -- assembly --------------------------------------------------------------------------------


def _defaults(cls: type) -> dict[str, Any]:
    return {
        f.name: f.default for f in dataclasses.fields(cls) if f.default is not dataclasses.MISSING
    }


_DEFAULTS = {cls: _defaults(cls) for cls in (*_CLASSES.values(), Source, Patient, Onset, Case)}


def _field_values(f: Field, col: str, conv: Converted, ladder: list[Any] | None) -> list[Any]:
    """One list per field: TimeValue, Titer or Quote assembled from its columns."""
    v, n = conv.values, conv.n
    if f.kind == "time":
        return _times(col, conv)
    if f.kind == "titer":
        return [_titer(conv, i, ladder[i] if ladder else None) for i in range(n)]
    if f.kind == "quote":
        return [None if t is None else Quote(t, w) for t, w in zip(v[col], v[f"{col}_where"])]
    return v["case_id" if f.name == "id" else col]


def _times(col: str, conv: Converted) -> list[TimeValue | None]:
    """TimeValues of a time field from its six columns, bounds checked (a hot loop: kept flat)."""
    v = conv.values
    days = v[f"{col}_day"]
    parts = zip(days, v[f"{col}_low"], v[f"{col}_high"], v[f"{col}_approximate"],
                v[f"{col}_quote"], v[f"{col}_quote_where"])  # fmt: skip
    new, setd, cls, inf = object.__new__, object.__setattr__, TimeValue, math.inf
    out: list[TimeValue | None] = []
    append = out.append
    for i, (d, lo, hi, ap, q, qw) in enumerate(parts):
        if d is None:
            append(None)
            continue
        lo = d if lo is None else lo
        hi = d if hi is None else hi
        if not (-inf < lo <= d <= hi and d < inf):
            msg = (
                f"bounds must satisfy low <= day <= high (finite day and low), got {lo}, {d}, {hi}"
            )
            conv.bad.setdefault((i, f"{col}_day"), msg)
        tv = new(cls)
        setd(tv, "__dict__", {"day": d, "low": lo, "high": hi, "approximate": ap is True,
                              "quote": None if q is None else Quote(q, qw)})  # fmt: skip
        append(tv)
    if f"{col}_day" in conv.present and None in days:  # a missing column is reported on its own
        for i, d in enumerate(days):
            if d is None and any(v[f"{col}_{p}"][i] is not None for p in _TIME_REST):
                conv.bad.setdefault((i, f"{col}_day"), "empty, but other columns of this time are set")  # fmt: skip
    return out


_TIME_REST = ("low", "high", "approximate", "quote", "quote_where")


def _titer(conv: Converted, i: int, ladder: Any) -> Titer | None:
    v = conv.values
    status, text = v["titer_status"][i], v["titer_text"][i]
    if status is None:
        if text is None:
            conv.bad.setdefault((i, "titer_text"), "empty cell; a titer (as printed) is required")
            return None
        try:
            return parse_titer(text, ladder=ladder)
        except ParseError as exc:
            conv.bad.setdefault((i, "titer_text"), f"unparseable titer: {exc}")
            return None
    q = v["titer_qualifier"][i]
    return Titer(status, v["titer_reciprocal"][i], "=" if q is None else q,
                 v["titer_detection_limit"][i], text)  # fmt: skip


_REC_CLASS: dict[str, type] = {**_CLASSES, "source": Source, "patient": Patient, "onset": Onset,
                               "case": Case}  # fmt: skip


def _records(rec: str, prefix: str, conv: Converted) -> list[dict[str, Any]]:
    """Field values of record ``rec`` for every row: one complete ``__dict__`` a row.

    Empty cells take the field's default (None, ``()``, ``"report"``, ``"="``),
    and an episode without a drug class gets its agent's class, as the
    dataclass constructors would do.
    """
    ladder = conv.values.get("ladder") if rec == "ana" else None
    defaults = _DEFAULTS[_REC_CLASS[rec]]
    keys, lists = [], []
    for f in RECORDS[rec]:
        vals = _field_values(f, prefix + f.name, conv, ladder)
        default = defaults.get(f.key)
        if default is not None:
            vals = [default if v is None else v for v in vals]
        keys.append(f.key)
        lists.append(vals)
    if rec == "treatments":
        j, k = keys.index("agent"), keys.index("drug_class")
        lists[k] = [AGENT_CLASS.get(a) if c is None and isinstance(a, Agent) else c
                    for a, c in zip(lists[j], lists[k])]  # fmt: skip
    if not lists:
        return [{} for _ in range(conv.n)]
    return [dict(zip(keys, row)) for row in zip(*lists)]


def build_cases(conv: dict[str, Converted]) -> tuple[list[Case], dict[str, dict[Any, list[int]]], set[Any], list[tuple[str, int, Any]]]:  # fmt: skip
    """Assemble cases from converted tables.

    Returns
    -------
    cases : list of Case
        In the order of the cases table (rows with problems are skipped).
    rows : dict
        Per table, per case id, the data-row indices of its items in item order.
    dirty : set
        Ids of cases with a cell problem in any table (not validated further).
    orphans : list of (table, row index, case id)
        Item rows naming no case of the cases table.
    """
    cases_t = conv["cases"]
    ids = cases_t.values["case_id"]
    known = set(ids)
    dirty: set[Any] = set()
    rows: dict[str, dict[Any, list[int]]] = {"cases": {cid: [i] for i, cid in enumerate(ids)}}
    items: dict[str, dict[Any, tuple[Any, ...]]] = {}
    orphans = []
    for name in ITEM_LISTS:
        if name not in conv:
            continue
        t = conv[name]
        kws = _records(name, "", t)  # may find more problems: build before listing bad rows
        t_ids, seqs = t.values["case_id"], t.values["seq"]
        bad_rows = set(range(t.n)) if t.broken else {i for i, _ in t.bad}
        # one stable sort by seq (row order when empty), then rows grouped by case in that order
        order = sorted(range(t.n), key=lambda i: i if seqs[i] is None else seqs[i])
        groups: dict[Any, list[int]] = {}
        for i in order:
            cid = t_ids[i]
            if cid not in known:
                orphans.append((name, i, cid))
            elif bad_rows and i in bad_rows:
                dirty.add(cid)
            else:
                groups.setdefault(cid, []).append(i)
        cls = _CLASSES[name]
        objs = [_new(cls, kw) for kw in kws]
        rows[name] = groups
        items[name] = {cid: tuple(map(objs.__getitem__, idx)) for cid, idx in groups.items()}
    return _cases(cases_t, items, dirty), rows, dirty, orphans


def _cases(
    t: Converted, items: dict[str, dict[Any, tuple[Any, ...]]], dirty: set[Any]
) -> list[Case]:
    heads = _records("case", "", t)
    parts = {rec: _records(rec, rec + "_", t) for rec in ("source", "patient", "onset")}
    out = []
    for i, onset in enumerate(parts["onset"]):
        if onset["day"] is None and any(v is not None and v != () for v in onset.values()):
            t.bad.setdefault((i, "onset_day_day"), "empty, but other onset columns are set")
    bad_rows = set(range(t.n)) if t.broken else {i for i, _ in t.bad}
    lists = [(name, items.get(name, {})) for name in ITEM_LISTS]
    for i, kw in enumerate(heads):
        cid = kw["case_id"]
        onset = parts["onset"][i]
        if cid is None or i in bad_rows:
            dirty.add(cid)
        for name, by_case in lists:
            kw[name] = by_case.get(cid, ())
        kw["source"] = _new(Source, parts["source"][i])
        kw["patient"] = _new(Patient, parts["patient"][i])
        kw["onset"] = _new(Onset, onset) if onset["day"] is not None else None
        out.append(_new(Case, kw))
    return out


def _new(cls: type, values: dict[str, Any]) -> Any:
    """Build a frozen record from a complete dict of values already normalised.

    The dataclasses' ``__post_init__`` normalise loose input (numbers to
    times, tokens to members, lists to tuples, an episode's drug class from
    its agent); the column conversion and :func:`_records` have already done
    all of it, so construction only installs the values. Round-trip tests
    compare these records with ones built through the constructors.
    """
    obj: Any = object.__new__(cls)
    object.__setattr__(obj, "__dict__", values)  # adopts the fresh dict, no copy
    return obj
