"""A curator's template: an Excel workbook and the same tables as CSV files.

The workbook has one sheet per table with the schema's columns in row 1.
Each header cell carries a comment with what the column holds, its unit or
vocabulary and whether it is required; vocabulary and true/false columns
have drop-down lists (data validations over a hidden ``_lists`` sheet); text
columns are formatted as text, so that a spreadsheet cannot turn ``1:40``
into a time of day. A ``README`` sheet explains the layout.

The example row
---------------
Row 2 of every sheet (and of every CSV file) is a worked example whose case
id is :data:`~ppprog.records.table_schema.EXAMPLE_ID`
(``EXAMPLE-delete-this-row``), shown in grey italics. It is never read as a
case: a row with this id is refused with a located error asking to delete
it, so the example can neither be analysed by mistake nor dropped silently.
With the example rows deleted, the template reads back as zero cases and no
problem.
"""

from __future__ import annotations

from pathlib import Path
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
from ppprog.records.parse import parse_titer
from ppprog.records.quantities import Quote, Source, TimeValue
from ppprog.records.table_files import write_workbook
from ppprog.records.table_schema import (
    EXAMPLE_ID,
    TABLES,
    Column,
    columns,
    required_cells,
)
from ppprog.records.table_write import cases_to_rows, write_table_dir
from ppprog.records.vocab import (
    Agent,
    Disease,
    Endpoint,
    Morphology,
    PustularExtent,
    Sex,
    StopReason,
)

__all__ = ["example_case", "write_template"]

_README = [
    "ppprog case tables: one sheet per table (cases, ana, labs, treatments, outcomes).",
    "Row 1 holds the column names: do not rename or delete any. Hover a name for its meaning.",
    "Row 2 of every sheet is an example (case id EXAMPLE-delete-this-row): delete it.",
    "Every sheet must stay, even empty: an empty outcomes sheet means no events yet.",
    "Times are days from the index date (day 0 = first dose of the inducing anti-TNF agent).",
    'Lists (morphology, sites, prior therapies) are JSON arrays, e.g. ["trunk", "scalp"].',
    "Check the file with: ppprog cases validate FILE.xlsx",
]


def example_case() -> Case:
    """The worked example written in row 2 of every table of the template.

    Returns
    -------
    Case
    """
    t = TimeValue
    return Case(
        EXAMPLE_ID,
        patient=Patient(Sex.FEMALE, 29.0, Disease.PSORIASIS, prior_psoriasis=True),
        inducing_agent=Agent.INFLIXIMAB,
        onset=Onset(t(1081.0, 882.0, 1082.0, True), (Morphology.PUSTULAR,),
                    PustularExtent.GENERALIZED, ("trunk",)),
        ana=(AnaMeasurement(t(0.0), parse_titer("1:320"), "Baseline"),),
        labs=(LabValue("crp", t(1081.0), 3.23, "<", "mg/L", "< 3.23"),),
        treatments=(TreatmentEpisode(Agent.INFLIXIMAB, t(0.0), t(1095.0),
                                     StopReason.PARADOXICAL_REACTION, dose="5 mg/kg"),),
        outcomes=(Outcome(Endpoint.PUSTULE_CLEARANCE, t(1109.0),
                          Quote("pustules cleared within 2 wk")),),
        last_follow_up=t(1202.0),
        source=Source("report", citation="the report's citation", case_label="Case 1"),
    )  # fmt: skip


def _note(col: Column, table: str) -> str:
    parts = [col.doc]
    if col.field.vocab is not None:
        parts.append("allowed: " + ", ".join(str(m.value) for m in col.field.vocab))  # type: ignore[attr-defined]
    elif col.unit:
        parts.append(f"unit: {col.unit}")
    if col.store == "bool":
        parts.append("TRUE or FALSE")
    if col.name in required_cells(table):
        parts.append("required: never empty")
    else:
        parts.append("may be empty (the column itself must stay)")
    return "\n".join(parts)


def _decorate(book: Any) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    lists = book.create_sheet("_lists")
    lists.sheet_state = "hidden"
    vocab_cols: dict[str, str] = {}
    for table in TABLES:
        ws = book[table]
        ws.freeze_panes = "A2"
        for j, col in enumerate(columns(table), start=1):
            cell = ws.cell(row=1, column=j)
            cell.comment = Comment(_note(col, table), "ppprog", width=320, height=140)
            cell.font = Font(bold=True)
            letter = cell.column_letter
            if col.store == "str":
                ws.column_dimensions[letter].number_format = "@"  # typed text stays text
            ws.column_dimensions[letter].width = max(12, len(col.name) + 2)
            for (c,) in ws.iter_rows(min_row=2, max_row=2, min_col=j, max_col=j):
                c.font = Font(italic=True, color="808080")
            values = _choices(col)
            if values is None:
                continue
            key = col.field.vocab.__name__ if col.field.vocab is not None else "flag"
            if key not in vocab_cols:
                k = len(vocab_cols) + 1
                for i, v in enumerate(values, start=1):
                    lists.cell(row=i, column=k, value=v)
                ref = lists.cell(row=1, column=k).column_letter
                vocab_cols[key] = f"_lists!${ref}$1:${ref}${len(values)}"
            dv = DataValidation(type="list", formula1=vocab_cols[key], allow_blank=True)
            dv.error, dv.errorTitle = f"Choose one of the allowed values ({key})", "ppprog"
            ws.add_data_validation(dv)
            dv.add(f"{letter}2:{letter}5000")
    readme = book.create_sheet("README", 0)
    for i, line in enumerate(_README, start=1):
        readme.cell(row=i, column=1, value=line)


def _choices(col: Column) -> list[Any] | None:
    if col.field.kind == "enum" and col.field.vocab is not None:
        return [str(m.value) for m in col.field.vocab]  # type: ignore[attr-defined]
    if col.store == "bool":
        return ["TRUE", "FALSE"]
    return None


def write_template(folder: str | Path) -> tuple[Path, Path]:
    """Write ``cases_template.xlsx`` and a ``cases_template`` folder of CSV files.

    Parameters
    ----------
    folder : str or pathlib.Path
        Output folder (created if needed).

    Returns
    -------
    workbook : pathlib.Path
    csv_folder : pathlib.Path

    Examples
    --------
    >>> import tempfile
    >>> book, csv_dir = write_template(tempfile.mkdtemp())
    >>> sorted(p.name for p in csv_dir.iterdir())
    ['ana.csv', 'cases.csv', 'labs.csv', 'outcomes.csv', 'treatments.csv']
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    rows = cases_to_rows([example_case()])
    book_path, csv_dir = out / "cases_template.xlsx", out / "cases_template"
    book = write_workbook(rows, book_path)
    _decorate(book)
    book.save(book_path)
    write_table_dir([example_case()], csv_dir, format="csv")
    return book_path, csv_dir
