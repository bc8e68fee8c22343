"""Files of the five case tables: a folder of CSV or Parquet files, or one Excel workbook.

Excel workbooks are read and written with openpyxl (the maintained reader of
``.xlsx``): one sheet per table, named as the table, header in row 1. A sheet
whose name starts with ``_`` or is ``README`` is documentation and ignored;
any other unknown sheet is a problem. Numbers a spreadsheet cannot hold
exactly (``inf``, ``nan``, integers beyond 2**53, floats needing 17
significant digits) are written as text and read back exactly; text cells are written as text, never as formulas.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

from ppprog._core.errors import ProblemReport
from ppprog.records.io_table import RawTable
from ppprog.records.table_schema import TABLES, columns
from ppprog.records.table_write import cases_to_rows

__all__ = ["read_table_dir", "read_workbook", "write_workbook", "is_table_dir"]


def is_table_dir(path: Path) -> bool:
    """True when folder ``path`` holds any of the five tables (CSV or Parquet)."""
    return any((path / f"{t}{ext}").exists() for t in TABLES for ext in (".csv", ".parquet"))


def _trim(rows: list[list[Any]]) -> list[list[Any]]:
    while rows and all(v is None or v == "" for v in rows[-1]):
        rows.pop()
    return rows


def _raw(file: str, rows: list[list[Any]], report: ProblemReport) -> RawTable:
    header = [("" if h is None else str(h)).strip() for h in (rows[0] if rows else [])]
    while header and header[-1] == "":
        header.pop()
    data = rows[1:]
    for i, row in enumerate(data):
        extra = [v for v in row[len(header) :] if v is not None and v != ""]
        if extra:
            report.add("", f"row has {len(row)} cells but the header names {len(header)} "
                       "columns", file=file, line=i + 2)  # fmt: skip
    cells = {h: [r[j] if j < len(r) else None for r in data] for j, h in enumerate(header)}
    return RawTable(file, header, cells, first_row=2)


def _read_csv(path: Path, report: ProblemReport) -> RawTable:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        report.add("", f"not UTF-8 text: byte 0x{data[exc.start : exc.start + 1].hex()} at "
                   f"offset {exc.start}; save the table as UTF-8 CSV", file=str(path), line=line)  # fmt: skip
        return RawTable(str(path), [], {}, readable=False)
    try:
        rows: list[list[Any]] = _trim(list(csv.reader(io.StringIO(text, newline=""))))
    except csv.Error as exc:
        report.add("", f"not a valid CSV file: {exc}", file=str(path))
        return RawTable(str(path), [], {}, readable=False)
    return _raw(str(path), rows, report)


def _read_parquet(path: Path, report: ProblemReport) -> RawTable:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        report.add("", f"not a readable Parquet file: {exc}", file=str(path))
        return RawTable(str(path), [], {}, readable=False)
    import pyarrow.compute as pc

    stores = {"double": "float", "int64": "int", "bool": "bool", "string": "str",
              "large_string": "str"}  # fmt: skip
    n = table.num_rows
    cells: dict[str, list[Any]] = {}
    types: dict[str, str] = {}
    for name, col in zip(table.column_names, table.columns):
        types[name] = stores.get(str(col.type), "")
        if col.null_count == n:
            cells[name] = [None] * n  # an empty column: no conversion of its cells
            continue
        if types[name] == "str":
            col = pc.if_else(pc.equal(col, ""), None, col)  # an empty text is a missing value
            cells[name] = _texts(col, n)
        elif col.null_count == 0 and types[name] in ("float", "int", "bool"):
            cells[name] = col.to_numpy().tolist()  # the same Python values, made faster
        else:
            cells[name] = col.to_pylist()
    return RawTable(str(path), list(table.column_names), cells, first_row=1, types=types)


def _texts(col: Any, n: int) -> list[Any]:
    """Cells of a text column; a text repeated down the column is made once (vocabulary, citations)."""
    import numpy as np
    import pyarrow.compute as pc

    enc = pc.dictionary_encode(col).combine_chunks()
    k = len(enc.dictionary)
    if 4 * k > n:
        return col.to_pylist()  # type: ignore[no-any-return]
    values = np.empty(k + 1, dtype=object)
    values[:k] = enc.dictionary.to_pylist()
    return values[enc.indices.fill_null(k).to_numpy()].tolist()  # type: ignore[no-any-return]


def read_table_dir(path: Path, report: ProblemReport) -> dict[str, RawTable | None]:
    """Read the five tables of a folder (CSV preferred when both forms exist).

    Parameters
    ----------
    path : pathlib.Path
        Folder.
    report : ProblemReport
        Receives whole-file problems (encoding, syntax, ragged rows).

    Returns
    -------
    dict of str to RawTable or None
        None for a table with no file.
    """
    out: dict[str, RawTable | None] = {}
    for name in TABLES:
        csv_path, pq_path = path / f"{name}.csv", path / f"{name}.parquet"
        if csv_path.exists() and pq_path.exists():
            report.add("", f"both {name}.csv and {name}.parquet exist; keep one",
                       file=str(path))  # fmt: skip
        if csv_path.exists():
            out[name] = _read_csv(csv_path, report)
        elif pq_path.exists():
            out[name] = _read_parquet(pq_path, report)
        else:
            out[name] = None
    return out


def read_workbook(path: Path, report: ProblemReport) -> dict[str, RawTable | None]:
    """Read the five tables of an Excel workbook (one sheet per table).

    Parameters
    ----------
    path : pathlib.Path
        ``.xlsx`` file.
    report : ProblemReport
        Receives whole-file problems.

    Returns
    -------
    dict of str to RawTable or None
    """
    import zipfile

    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        report.add("", f"not a readable Excel .xlsx workbook: {exc}", file=str(path))
        return {}
    out: dict[str, RawTable | None] = dict.fromkeys(TABLES)
    try:
        for ws in book.worksheets:
            name = ws.title
            if name.startswith("_") or name == "README":
                continue
            if name not in TABLES:
                report.add("", f"unknown sheet {name!r}; sheets are {', '.join(TABLES)}",
                           file=str(path))  # fmt: skip
                continue
            rows = _trim([list(r) for r in ws.iter_rows(values_only=True)])
            out[name] = _raw(f"{path}[{name}]", rows, report)
    finally:
        book.close()
    return out


def _excel_value(x: Any) -> Any:
    if isinstance(x, float) and (not math.isfinite(x) or float(f"{x:.16g}") != x):
        # "inf", "-inf", "nan": no spreadsheet number holds them; openpyxl writes numbers
        # with 16 significant digits, so a float needing 17 is written as its exact text
        return repr(x)
    if isinstance(x, int) and not isinstance(x, bool) and abs(x) > 2**53:
        return str(x)
    return x


def write_workbook(rows: dict[str, list[dict[str, Any]]], path: Path) -> Any:
    """Write table rows to an Excel workbook (one sheet per table); return the workbook.

    Parameters
    ----------
    rows : dict of str to list of dict
        As :func:`~ppprog.records.table_write.cases_to_rows` returns them.
    path : pathlib.Path
        Output ``.xlsx``.

    Returns
    -------
    openpyxl.Workbook
        Saved already; returned so that a template can decorate it and save again.
    """
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name in TABLES:
        ws = book.create_sheet(name)
        cols = columns(name)
        ws.append([c.name for c in cols])
        for r in rows[name]:
            ws.append([_excel_value(r.get(c.name)) for c in cols])
        for j, c in enumerate(cols, start=1):
            if c.store == "str":
                for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                    if isinstance(cell.value, str):
                        cell.data_type = "s"  # text, never a formula
                    cell.number_format = "@"
    book.save(path)
    return book


def write_cases_workbook(cases: Any, path: str | Path) -> None:
    """Write cases to an Excel workbook (see :func:`write_workbook`).

    Parameters
    ----------
    cases : iterable of Case
    path : str or pathlib.Path
    """
    write_workbook(cases_to_rows(cases), Path(path))
