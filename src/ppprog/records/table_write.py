"""Cases -> rows of the five tables (:mod:`ppprog.records.table_schema`), and CSV/Parquet files.

Floats are written with full precision (``repr``), so CSV round trips are
exact; Parquet columns are typed (float64, int64, bool, string). The one
convention of text cells: an empty cell is a missing value, so empty text is
read as missing.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ppprog.records.case import Case
from ppprog.records.schema import ITEM_LISTS
from ppprog.records.table_schema import TABLES, Column, columns

__all__ = ["cases_to_rows", "write_table_dir", "cell_text"]


def _part(obj: Any, col: Column) -> Any:
    v = None if obj is None else getattr(obj, col.field.key)
    if v is None:
        return None
    kind, part = col.field.kind, col.part
    if kind == "time":
        if part in ("quote", "quote_where"):
            q = v.quote
            return None if q is None else (q.text if part == "quote" else q.where)
        return getattr(v, part)
    if kind == "titer":
        return getattr(v, part)
    if kind == "quote":
        return v.text if part == "text" else v.where
    if kind in ("texts", "enums"):
        return json.dumps([getattr(x, "value", x) for x in v], ensure_ascii=False)
    if kind == "date":
        return v.isoformat()
    return getattr(v, "value", v) if kind == "enum" else v


def _owner(case: Case, col: Column) -> Any:
    """The object holding ``col``'s field in the cases table."""
    for rec in ("source", "patient", "onset"):
        if col.name.startswith(rec + "_"):
            return getattr(case, rec)
    return case


def cases_to_rows(cases: Iterable[Case]) -> dict[str, list[dict[str, Any]]]:
    """Flatten cases into the rows of the five tables.

    Parameters
    ----------
    cases : iterable of Case

    Returns
    -------
    dict of str to list of dict
        Rows per table name in :data:`~ppprog.records.table_schema.TABLES`.
    """
    out: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    case_cols = columns("cases")
    for c in cases:
        out["cases"].append({col.name: _part(_owner(c, col), col) for col in case_cols})
        for name in ITEM_LISTS:
            cols = columns(name)[2:]
            for seq, item in enumerate(getattr(c, name)):
                row = {"case_id": c.case_id, "seq": seq}
                row.update((col.name, _part(item, col)) for col in cols)
                out[name].append(row)
    return out


def cell_text(x: Any) -> str:
    """Text of a cell in a CSV file (floats in full precision, None empty)."""
    if x is None:
        return ""
    if isinstance(x, float):
        return repr(x)
    return str(x)


def write_table_dir(cases: Iterable[Case], path: str | Path, *, format: str = "csv") -> None:
    """Write cases as five tables in folder ``path``.

    Parameters
    ----------
    cases : iterable of Case
    path : str or pathlib.Path
        Folder (created if needed).
    format : {"csv", "parquet"}, optional
    """
    if format not in ("csv", "parquet"):
        raise ValueError(f"format must be 'csv' or 'parquet', got {format!r}")
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    rows = cases_to_rows(cases)
    for name in TABLES:
        cols = columns(name)
        if format == "csv":
            with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh)
                w.writerow([c.name for c in cols])
                w.writerows([cell_text(r.get(c.name)) for c in cols] for r in rows[name])
        else:
            _write_parquet(rows[name], cols, folder / f"{name}.parquet")


def _write_parquet(rows: list[dict[str, Any]], cols: tuple[Column, ...], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"float": pa.float64(), "int": pa.int64(), "bool": pa.bool_(), "str": pa.string()}
    schema = pa.schema([(c.name, types[c.store]) for c in cols])
    data = {c.name: [r.get(c.name) for r in rows] for c in cols}
    pq.write_table(pa.table(data, schema=schema), path)
