"""The declared schema of the five case tables, derived from :mod:`ppprog.records.schema`.

A case folder (or workbook) holds five tables, each required (a table with
its header and no rows means "none recorded", e.g. no events yet):

``cases``
    one row per case: ``case_id``, then the case's fields, ``source_*``,
    ``patient_*`` and ``onset_*`` (no onset when ``onset_day`` is empty).
``ana``, ``labs``, ``treatments``, ``outcomes``
    one row per item: ``case_id``, ``seq`` (order within the case, optional:
    row order when absent), then the item's fields.

A time field ``X`` is spread over ``X_day``, ``X_low``, ``X_high``,
``X_approximate``, ``X_quote`` and ``X_quote_where`` (the item tables name
their day field ``day``, so its columns are ``day_day``, ...); a quote over
``quote`` and ``quote_where``; a titer over ``titer_status``,
``titer_reciprocal``, ``titer_qualifier``, ``titer_detection_limit`` and
``titer_text`` (``titer_text`` alone, as printed, is enough); lists
(morphology, sites, prior therapies) are JSON arrays.

Every column must be known and every column of the schema must be present
(:func:`required_columns`), even when all its cells are empty: a dropped
``stop_day`` column would turn every episode into one still running, and a
dropped ``notes`` column would lose the notes, so no column may be left out
silently. The *required cells* (:func:`required_cells`) must be filled.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ppprog.records.schema import ITEM_LISTS, RECORDS, Field

__all__ = ["TABLES", "Column", "table_columns", "columns", "required_columns", "EXAMPLE_ID"]

#: Names of the tables, in file order.
TABLES = ("cases", "ana", "labs", "treatments", "outcomes")
#: Case id of the template's example row; a table row with this id is refused.
EXAMPLE_ID = "EXAMPLE-delete-this-row"

_STORE = {"text": "str", "enum": "str", "number": "float", "integer": "int", "flag": "bool",
          "date": "str", "texts": "str", "enums": "str"}  # fmt: skip
_TIME_PARTS = (("day", "float", "best value"), ("low", "float", "lower bound"),
               ("high", "float", "upper bound (inf: open)"),
               ("approximate", "bool", "true when only roughly given"),
               ("quote", "str", "words of the report"), ("quote_where", "str", "where they are"))  # fmt: skip
_TITER_PARTS = (("status", "str", "positive, negative or missing"),
                ("reciprocal", "float", "N of 1:N"), ("qualifier", "str", "=, < or >"),
                ("detection_limit", "float", "reciprocal of the lab's first dilution"),
                ("text", "str", "the titer as printed ('1:320')"))  # fmt: skip
#: Cells that must not be empty.
_REQUIRED_CELLS = {
    "cases": ("case_id", "last_follow_up_day"),
    "ana": ("case_id", "day_day"),
    "labs": ("case_id", "name", "day_day"),
    "treatments": ("case_id", "agent", "start_day"),
    "outcomes": ("case_id", "endpoint", "day_day"),
}


@dataclass(frozen=True)
class Column:
    """One column of a table.

    Parameters
    ----------
    name : str
        Header text.
    store : {"str", "float", "int", "bool"}
        Storage type (Parquet type; CSV and Excel cells are converted to it).
    field : Field
        The record field the column belongs to.
    part : str
        Part of a time/titer/quote field ("" for a plain field).
    doc : str
        What the column holds.
    """

    name: str
    store: str
    field: Field
    part: str
    doc: str

    @property
    def unit(self) -> str:
        """Unit (or vocabulary name) shown in templates and the reference."""
        if self.field.vocab is not None:
            return self.field.vocab.__name__
        if self.part in ("", "day", "low", "high") and self.store == "float":
            return self.field.unit
        return ""


def _field_columns(f: Field, prefix: str) -> list[Column]:
    col = prefix + (f.name if f.name != "id" else "case_id")
    if f.kind == "time":
        return [Column(f"{col}_{p}", s, f, p, d) for p, s, d in _TIME_PARTS]
    if f.kind == "titer":
        return [Column(f"{col}_{p}", s, f, p, d) for p, s, d in _TITER_PARTS]
    if f.kind == "quote":
        return [Column(col, "str", f, "text", f.doc), Column(f"{col}_where", "str", f, "where",
                                                             "where the words are")]  # fmt: skip
    doc = f.doc + (" (a JSON list)" if f.kind in ("texts", "enums") else "")
    return [Column(col, _STORE[f.kind], f, "", doc)]


@cache
def columns(table: str) -> tuple[Column, ...]:
    """Every column of ``table`` in file order.

    Parameters
    ----------
    table : str
        One of :data:`TABLES`.

    Returns
    -------
    tuple of Column
    """
    if table == "cases":
        out = [c for f in RECORDS["case"] for c in _field_columns(f, "")]
        for rec in ("source", "patient", "onset"):
            out += [c for f in RECORDS[rec] for c in _field_columns(f, rec + "_")]
        return tuple(out)
    if table not in ITEM_LISTS:
        raise KeyError(f"unknown table {table!r}; tables are {', '.join(TABLES)}")
    key = Field("case_id", "text", "case the row belongs to", required=True)
    seq = Field("seq", "integer", "order within the case (default: row order)")
    head = [Column("case_id", "str", key, "", key.doc), Column("seq", "int", seq, "", seq.doc)]
    return tuple(head + [c for f in RECORDS[table] for c in _field_columns(f, "")])


def table_columns() -> dict[str, dict[str, str]]:
    """Return, for each table, its columns and their storage types."""
    return {t: {c.name: c.store for c in columns(t)} for t in TABLES}


def required_columns(table: str) -> tuple[str, ...]:
    """Columns ``table`` must have: all of them (cells may be empty unless required cells)."""
    return tuple(c.name for c in columns(table))


def required_cells(table: str) -> tuple[str, ...]:
    """Columns of ``table`` whose cells must not be empty."""
    return _REQUIRED_CELLS[table]
