"""Strict reading of the five case tables (CSV, Parquet or an Excel workbook).

Layout and columns: :mod:`ppprog.records.table_schema`. Reading checks, and
reports together with their location ``file:row`` and the column,

* every table is present (an empty table with its header is "none recorded");
* every column is known (a misspelt column is named with the closest known
  one), none is given twice, and every required column is present;
* every required cell is filled and every cell has its column's type
  (numbers, whole numbers, true/false, ISO dates, vocabulary tokens, JSON
  lists); a row naming an unknown case, or the template's example row, is
  refused;

then every rule of :func:`~ppprog.records.validate.validate`, located at the
row and column of the field (:func:`locate`). Rows are numbered as a
spreadsheet shows them (the header is row 1) for CSV and Excel, and from 1
for Parquet. No row is ever dropped: any problem fails the whole read.

Everything runs a column at a time, before any record is made: cells are
converted (:mod:`~ppprog.records.table_cells`), rows checked
(:mod:`~ppprog.records.table_checks`), item rows joined to their case
(:mod:`~ppprog.records.table_join`) and the rules run over the columns
(:mod:`~ppprog.records.table_rules`); only then are the records made, from
final values (:mod:`~ppprog.records.table_build`). ``rules="cases"`` runs
the rules case by case on the made records instead: the reference, with
identical problems.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ppprog._core.errors import Problem, ProblemReport
from ppprog.records.case import Case
from ppprog.records.gcpause import paused_gc
from ppprog.records.table_cells import Converted, convert_table
from ppprog.records.table_schema import (
    EXAMPLE_ID,
    TABLES,
    columns,
    required_cells,
    required_columns,
    table_columns,
)
from ppprog.records.table_write import cases_to_rows
from ppprog.records.validate import validate

__all__ = [
    "RawTable",
    "tables_to_cases",
    "rows_to_cases",
    "locate",
    "cases_to_rows",
    "table_columns",
    "TABLES",
]


@dataclass
class RawTable:
    """One table as read from a file, before conversion.

    Parameters
    ----------
    file : str
        Name put on problems (``"folder/treatments.csv"``, ``"book.xlsx[treatments]"``).
    header : list of str
        Column names, in file order.
    cells : dict of str to list
        Cells per column (text from CSV, typed values from Parquet or Excel).
    first_row : int, optional
        Row number of the first data row (2 below a header line, 1 for Parquet).
    types : dict of str to str, optional
        Storage type (str, float, int, bool) of typed columns (Parquet).
    readable : bool, optional
        False when the file exists but could not be read (already reported).
    """

    file: str
    header: list[str]
    cells: dict[str, list[Any]]
    first_row: int = 2
    types: dict[str, str] | None = None
    readable: bool = True
    n_rows: int = field(init=False)

    def __post_init__(self) -> None:
        self.n_rows = len(next(iter(self.cells.values()), []))


def _header_problems(name: str, t: RawTable, report: ProblemReport) -> None:
    known = [c.name for c in columns(name)]
    seen: set[str] = set()
    for col in t.header:
        if col in seen:
            report.add(col, f"column {col!r} given twice", file=t.file, line=1)
        seen.add(col)
        if col not in known:
            close = difflib.get_close_matches(col, known, n=1, cutoff=0.75)
            hint = (
                f"; did you mean {close[0]!r}?" if close else "; see the template for the columns"
            )
            report.add(col, f"unknown column {col!r} in the {name} table{hint}", file=t.file,
                       line=1)  # fmt: skip
    for col in required_columns(name):
        if col not in seen:
            report.add(col, f"column {col!r} is missing from the {name} table (every column "
                       "must be there; its cells may be empty)", file=t.file, line=1)  # fmt: skip


def _mark_required(name: str, conv: Converted) -> None:
    """Mark empty required cells and the template's example row as bad cells."""
    ids = conv.values["case_id"]
    conv.broken = any(c not in conv.present for c in required_columns(name))
    for col in required_cells(name):
        vals = conv.values.get(col)
        if vals is None or col not in conv.present or None not in vals:
            continue  # a missing column is reported once, by the header check
        for i, v in enumerate(vals):
            if v is None and (i, col) not in conv.bad:
                conv.bad[(i, col)] = "empty cell; this column is required"
    if EXAMPLE_ID in ids:
        for i, cid in enumerate(ids):
            if cid == EXAMPLE_ID:
                conv.bad.setdefault((i, "case_id"), "the template's example row: delete this row")


def _cell_problems(t: RawTable, conv: Converted, report: ProblemReport) -> None:
    ids = conv.values["case_id"]
    for (i, col), msg in sorted(conv.bad.items()):
        report.add(col, msg, file=t.file, case_id=ids[i], line=t.first_row + i)


def _convert(tables: Mapping[str, RawTable | None], where: str,
             report: ProblemReport) -> dict[str, Converted]:  # fmt: skip
    """Header problems, then every table converted and checked column by column."""
    from ppprog.records.table_checks import check_table  # numpy: imported when tables are read

    converted: dict[str, Converted] = {}
    for name in TABLES:
        t = tables.get(name)
        if t is None:
            report.add(name, f"no {name} table in {where}; write it with its header row even "
                       "when it has no rows (see `ppprog cases template`)", file=where)  # fmt: skip
            continue
        if not t.readable:
            continue  # its reading problem is already reported
        _header_problems(name, t, report)
        converted[name] = convert_table(name, t.header, t.cells, t.n_rows, t.types)
        _mark_required(name, converted[name])
        check_table(name, converted[name])
    return converted


def tables_to_cases(tables: Mapping[str, RawTable | None], *, where: str,
                    rules: str = "columns") -> list[Case]:  # fmt: skip
    """Convert, check and validate the five tables; raise once listing every problem.

    Parameters
    ----------
    tables : mapping of str to RawTable or None
        Per table name, the table read (None when its file is absent).
    where : str
        Folder or workbook, named when a table is missing.
    rules : {"columns", "cases"}, optional
        How the rules of :func:`~ppprog.records.validate.validate` are run on
        the cases without cell problems: ``"columns"`` (default) over whole
        columns before any record is made (:mod:`~ppprog.records.table_rules`);
        ``"cases"`` case by case on the assembled records, the reference.
        Both report the same problems, with the same locations and messages,
        in the same order.

    Returns
    -------
    list of Case
        In the order of the ``cases`` table.

    Raises
    ------
    ValidationError
        Listing every problem located by file, row and column.
    """
    if rules not in ("columns", "cases"):
        raise ValueError(f"rules must be 'columns' or 'cases', got {rules!r}")
    from ppprog.records.table_build import build_cases  # numpy: imported when tables are read
    from ppprog.records.table_join import join_tables
    from ppprog.records.table_rules import column_rules

    report = ProblemReport()
    with paused_gc():
        converted = _convert(tables, where, report)
        if "cases" not in converted:
            report.raise_if_any()
        join = join_tables(converted)
        for name, conv in converted.items():
            t = tables[name]
            assert t is not None
            _cell_problems(t, conv, report)
        for name, i, cid in join.orphans:
            t = tables[name]
            assert t is not None
            report.add("case_id", "no such case in the cases table", file=t.file, case_id=cid,
                       line=t.first_row + i)  # fmt: skip
        if rules == "columns":
            found = column_rules(converted, join)
            cases = [] if found or report else build_cases(converted, join)
        else:
            cases = build_cases(converted, join)
            found = list(validate([cases[i] for i in join.clean.tolist()], typed=True))
        if found:
            rows = join.rows()
            report.extend([locate(p, tables, rows) for p in found])
    report.raise_if_any()
    return cases


_ITEM = re.compile(r"(ana|labs|treatments|outcomes)\[(\d+)\]\.?(.*)")


def _column(table: str, rest: str) -> str:
    """Column holding the field path ``rest`` (dots become underscores)."""
    known = {c.name for c in columns(table)}
    col = "case_id" if rest == "id" else re.sub(r"\[\d+\]", "", rest).replace(".", "_")
    while col:
        for cand in (col, f"{col}_day", f"{col}_text"):
            if cand in known:
                return cand
        col = col.rpartition("_")[0]
    return ""


def locate(p: Problem, tables: Mapping[str, RawTable | None],
           rows: Mapping[str, Mapping[Any, list[int]]]) -> Problem:  # fmt: skip
    """Move a validation problem (case, field path) to its table, row and column.

    Parameters
    ----------
    p : Problem
        As a rule reports it: case id and field path (``"treatments[1].stop"``).
    tables : mapping of str to RawTable or None
        The tables read.
    rows : mapping
        Per table, per case id, the row indices of its items in item order
        (:meth:`~ppprog.records.table_join.Join.rows`).

    Returns
    -------
    Problem
        At ``file:row`` and the column holding the field.
    """
    m = _ITEM.match(p.field)
    table, rest = ("cases", p.field) if m is None else (m.group(1), m.group(3))
    index = 0 if m is None else int(m.group(2))
    t = tables[table]
    row = rows[table].get(p.case_id, [])
    line = t.first_row + row[index] if t is not None and index < len(row) else None
    col = _column(table, rest) or p.field
    return Problem(t.file if t is not None else None, p.case_id, col, p.message, line)


def rows_to_cases(rows: dict[str, list[dict[str, Any]]], *, file: str | None = None) -> list[Case]:
    """Rebuild cases from in-memory table rows (see :func:`tables_to_cases`).

    Parameters
    ----------
    rows : dict of str to list of dict
        Rows per table, as :func:`cases_to_rows` returns them.
    file : str, optional
        Folder name; problems name ``<file>/<table>``.

    Returns
    -------
    list of Case
    """
    tables: dict[str, RawTable | None] = {}
    for name in TABLES:
        if name not in rows:
            tables[name] = None
            continue
        header = list(rows[name][0]) if rows[name] else [c.name for c in columns(name)]
        cells = {c: [r.get(c) for r in rows[name]] for c in header}
        tables[name] = RawTable(
            f"{(file or '<rows>').rstrip('/')}/{name}", header, cells, first_row=1
        )
    return tables_to_cases(tables, where=file or "<rows>")
