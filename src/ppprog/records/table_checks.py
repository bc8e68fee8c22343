"""Column checks of converted tables, run before any record is assembled.

:func:`~ppprog.records.table_cells.convert_table` types every cell;
:func:`check_table` then checks what spans several columns of a row, a
whole column at a time:

* a time's bounds: ``low <= day <= high`` with a finite day and low (empty
  bounds default to the day), and no bound, flag or quote without its day;
* a titer: ``titer_text`` alone is parsed, once per distinct text and
  ladder; a titer with neither a status nor a text is an empty cell;
* an onset: no onset column filled while ``onset_day_day`` is empty.

Problems go to ``Converted.bad`` at their (row, column), first message
kept; the derived columns (bounds with their defaults, parsed titers) go to
``Converted.derived`` for :mod:`~ppprog.records.table_build`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ppprog._core.errors import ParseError
from ppprog.records.parse import parse_titer
from ppprog.records.quantities import Titer
from ppprog.records.schema import RECORDS
from ppprog.records.table_cells import Converted, new_records

__all__ = ["check_table", "floats", "time_columns", "TIME_REST"]

_TITER_KEYS = ("status", "reciprocal", "qualifier", "detection_limit", "text")
#: Columns of a time besides its day.
TIME_REST = ("low", "high", "approximate", "quote", "quote_where")


def floats(vals: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """A column of floats (or None) as a float array and the mask of its empty cells.

    Parameters
    ----------
    vals : list of float or None
        Converted cells of a number column.

    Returns
    -------
    values : numpy.ndarray
        NaN where a cell is empty (a NaN typed in a cell stays NaN and is not empty).
    empty : numpy.ndarray of bool
    """
    arr = np.array(vals, dtype=float) if vals else np.zeros(0)
    empty = np.zeros(len(vals), dtype=bool)
    nan = np.flatnonzero(np.isnan(arr))
    if nan.size:
        empty[nan] = [vals[i] is None for i in nan]
    return arr, empty


def time_columns(table: str) -> list[str]:
    """Stems of the time fields of ``table`` (``"last_follow_up"``, ``"onset_day"``, ``"day"``)."""
    if table != "cases":
        return [f.name for f in RECORDS[table] if f.kind == "time"]
    out = [f.name for f in RECORDS["case"] if f.kind == "time"]
    for rec in ("source", "patient", "onset"):
        out += [f"{rec}_{f.name}" for f in RECORDS[rec] if f.kind == "time"]
    return out


def _check_time(col: str, conv: Converted) -> None:
    """Bounds of one time, checked over its columns; defaulted bounds kept as derived."""
    v = conv.values
    days, lows, highs = v[f"{col}_day"], v[f"{col}_low"], v[f"{col}_high"]
    d, d_empty = floats(days)
    lo, lo_empty = floats(lows)
    hi, hi_empty = floats(highs)
    lo = np.where(lo_empty, d, lo)
    hi = np.where(hi_empty, d, hi)
    with np.errstate(invalid="ignore"):
        ok = (-math.inf < lo) & (lo <= d) & (d <= hi) & (d < math.inf)
    for i in np.flatnonzero(~ok & ~d_empty).tolist():
        low = days[i] if lows[i] is None else lows[i]
        high = days[i] if highs[i] is None else highs[i]
        msg = f"bounds must satisfy low <= day <= high (finite day and low), got {low}, {days[i]}, {high}"
        conv.bad.setdefault((i, f"{col}_day"), msg)
    lo_list = lows if not lo_empty.any() else [x if e is None else e for x, e in zip(days, lows)]
    hi_list = highs if not hi_empty.any() else [x if e is None else e for x, e in zip(days, highs)]
    conv.derived[f"{col}_low"] = lo_list
    conv.derived[f"{col}_high"] = hi_list
    if f"{col}_day" in conv.present and d_empty.any():  # a missing column is reported on its own
        at = np.flatnonzero(d_empty).tolist()
        flagged: set[int] = set()
        for p in TIME_REST:
            cells = list(map(v[f"{col}_{p}"].__getitem__, at))
            if cells.count(None) < len(cells):
                flagged.update(i for i, x in zip(at, cells) if x is not None)
        for i in sorted(flagged):
            conv.bad.setdefault((i, f"{col}_day"), "empty, but other columns of this time are set")  # fmt: skip


def _check_titers(conv: Converted) -> None:
    """Parse text-only titers (once per distinct text and ladder); build the others."""
    v = conv.values
    status, text = v["titer_status"], v["titer_text"]
    recip, qual, limit = v["titer_reciprocal"], v["titer_qualifier"], v["titer_detection_limit"]
    ladders = v.get("ladder") or [None] * conv.n
    if None not in status:  # every titer given by its parts
        quals = qual if None not in qual else ["=" if q is None else q for q in qual]
        conv.derived["titer"] = new_records(Titer, _TITER_KEYS, [status, recip, quals, limit, text],
                                            conv.n, shared=True)  # fmt: skip
        return
    parsed: dict[tuple[Any, Any], tuple[Titer | None, str | None]] = {}
    out: list[Titer | None] = []
    append = out.append
    for i, (s, t, lad) in enumerate(zip(status, text, ladders)):
        if s is not None:
            append(Titer(s, recip[i], "=" if qual[i] is None else qual[i], limit[i], t))
            continue
        if t is None:
            conv.bad.setdefault((i, "titer_text"), "empty cell; a titer (as printed) is required")
            append(None)
            continue
        key = (t, lad)
        if key not in parsed:
            try:
                parsed[key] = (parse_titer(t, ladder=lad), None)
            except ParseError as exc:
                parsed[key] = (None, f"unparseable titer: {exc}")
        titer, err = parsed[key]
        if err is not None:
            conv.bad.setdefault((i, "titer_text"), err)
        append(titer)
    conv.derived["titer"] = out


#: Onset columns that make an onset besides its time (a quote's place alone does not).
_ONSET_REST = ("onset_morphology", "onset_pustular_extent", "onset_sites", "onset_quote")


def _check_onset(conv: Converted) -> None:
    """No onset column may be filled while the onset's day is empty."""
    days = conv.values["onset_day_day"]
    empty = [i for i, d in enumerate(days) if d is None] if None in days else []
    if not empty:
        return
    cols = [conv.values[c] for c in _ONSET_REST]
    for i in empty:
        if any(c[i] is not None and c[i] != () for c in cols):
            conv.bad.setdefault((i, "onset_day_day"), "empty, but other onset columns are set")


def check_table(name: str, conv: Converted) -> None:
    """Run the column checks of table ``name`` (see the module docstring).

    Parameters
    ----------
    name : str
        Table name.
    conv : Converted
        Its converted cells; problems are added to ``conv.bad``.
    """
    for col in time_columns(name):
        _check_time(col, conv)
    if name == "ana":
        _check_titers(conv)
    if name == "cases":
        _check_onset(conv)
