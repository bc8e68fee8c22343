"""Regenerate the malformed-table corpus: a valid two-case CSV set, then one edit per folder.

Run from the repository root: ``python tests/records/malformed_tables/make_corpus.py``.
Each folder holds the five CSV tables and ``expect.txt``, one expected problem a line:
``<table file or (folder)> | <row> | <case id or None> | <column> | <words of the message>``.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path

from ppprog.records.case import AnaMeasurement, Case, Onset, Outcome, Patient, TreatmentEpisode
from ppprog.records.io import write_cases
from ppprog.records.parse import parse_titer

HERE = Path(__file__).parent
BASE = [
    Case("t1", Patient("female", 40.0, "crohns"), "infliximab", Onset(100.0, pustular_extent="localized"),
         ana=(AnaMeasurement(0.0, parse_titer("1:80")),),
         treatments=(TreatmentEpisode("infliximab", 0.0, 120.0), TreatmentEpisode("secukinumab", 120.0)),
         outcomes=(Outcome("pustule_clearance", 150.0),), last_follow_up=400.0),
    Case("t2", Patient("male", 51.0, "psoriasis"), "adalimumab", None,
         treatments=(TreatmentEpisode("adalimumab", 0.0),), last_follow_up=300.0),
]  # fmt: skip

Table = list[list[str]]


def _edit(name: str, fn: Callable[[Table], None]) -> Callable[[Path], None]:
    def run(folder: Path) -> None:
        path = folder / f"{name}.csv"
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
        fn(rows)
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)

    return run


def _drop(col: str) -> Callable[[Table], None]:
    def fn(rows: Table) -> None:
        j = rows[0].index(col)
        for r in rows:
            del r[j]

    return fn


def _rename(old: str, new: str) -> Callable[[Table], None]:
    def fn(rows: Table) -> None:
        rows[0][rows[0].index(old)] = new

    return fn


def _set(row: int, col: str, value: str) -> Callable[[Table], None]:
    def fn(rows: Table) -> None:
        rows[row - 1][rows[0].index(col)] = value

    return fn


def _add_column(col: str, value: str) -> Callable[[Table], None]:
    def fn(rows: Table) -> None:
        rows[0].append(col)
        for r in rows[1:]:
            r.append(value)

    return fn


def _both(*fns: Callable[[Table], None]) -> Callable[[Table], None]:
    def fn(rows: Table) -> None:
        for f in fns:
            f(rows)

    return fn


CORPUS: dict[str, tuple[list[Callable[[Path], None]], list[str]]] = {
    "treatments_without_stop_day": (
        [_edit("treatments", _drop("stop_day"))],
        ["treatments.csv | 1 | None | stop_day | column 'stop_day' is missing"]),
    "outcomes_without_endpoint": (
        [_edit("outcomes", _drop("endpoint"))],
        ["outcomes.csv | 1 | None | endpoint | column 'endpoint' is missing"]),
    "missing_outcomes_table": (
        [lambda f: (f / "outcomes.csv").unlink()],
        ["(folder) | 0 | None | outcomes | no outcomes table"]),
    "missing_cases_table": (
        [lambda f: (f / "cases.csv").unlink()],
        ["(folder) | 0 | None | cases | no cases table"]),
    "misspelt_column": (
        [_edit("cases", _rename("onset_pustular_extent", "onset_pustular_extnt"))],
        ["cases.csv | 1 | None | onset_pustular_extnt | did you mean 'onset_pustular_extent'",
         "cases.csv | 1 | None | onset_pustular_extent | column 'onset_pustular_extent' is missing"]),
    "dropped_text_column": (
        [_edit("treatments", _drop("dose"))],
        ["treatments.csv | 1 | None | dose | column 'dose' is missing"]),
    "extra_column": (
        [_edit("treatments", _add_column("comment", "checked"))],
        ["treatments.csv | 1 | None | comment | unknown column 'comment'"]),
    "empty_required_cell": (
        [_edit("treatments", _set(3, "start_day", ""))],
        ["treatments.csv | 3 | t1 | start_day | empty cell; this column is required"]),
    "impossible_date": (
        [_edit("cases", _set(2, "index_date", "2021-02-30"))],
        ["cases.csv | 2 | t1 | index_date | impossible date '2021-02-30'"]),
    "datetime_for_date": (
        [_edit("cases", _set(3, "index_date", "2021-02-03 10:00"))],
        ["cases.csv | 3 | t2 | index_date | expected a date YYYY-MM-DD"]),
    "bad_number": (
        [_edit("cases", _set(2, "patient_age", "forty"))],
        ["cases.csv | 2 | t1 | patient_age | expected a number, got 'forty'"]),
    "unknown_token": (
        [_edit("treatments", _set(2, "agent", "infleximab"))],
        ["treatments.csv | 2 | t1 | agent | unknown Agent 'infleximab'"]),
    "ambiguous_endpoint": (
        [_edit("outcomes", _set(2, "endpoint", "resolution"))],
        ["outcomes.csv | 2 | t1 | endpoint | ambiguous Endpoint 'resolution'"]),
    "titer_fraction": (
        [_edit("ana", _both(_set(2, "titer_status", ""), _set(2, "titer_reciprocal", ""),
                            _set(2, "titer_qualifier", ""), _set(2, "titer_text", "1:0.5")))],
        ["ana.csv | 2 | t1 | titer_text | needs a dilution N >= 1"]),
    "row_for_unknown_case": (
        [_edit("outcomes", lambda rows: rows.append(["t9", "0", "recurrence", "10.0"] + [""] * (len(rows[0]) - 4)))],
        ["outcomes.csv | 3 | t9 | case_id | no such case"]),
    "duplicate_column": (
        [_edit("labs", lambda rows: rows[0].append("name"))],
        ["labs.csv | 1 | None | name | column 'name' given twice"]),
    "time_bounds_reversed": (
        [_edit("treatments", _set(2, "start_low", "5.0"))],
        ["treatments.csv | 2 | t1 | start_day | bounds must satisfy low <= day <= high"]),
    "event_after_follow_up": (
        [_edit("outcomes", _both(_set(2, "day_day", "500.0"), _set(2, "day_low", ""),
                                 _set(2, "day_high", "")))],
        ["outcomes.csv | 2 | t1 | day_day | after the last follow-up"]),
    "several_problems": (
        [_edit("treatments", _both(_drop("stop_day"), _set(4, "start_day", ""))),
         _edit("cases", _both(_rename("notes", "note"), _set(3, "patient_age", "old"))),
         lambda f: (f / "outcomes.csv").unlink()],
        ["treatments.csv | 1 | None | stop_day | column 'stop_day' is missing",
         "treatments.csv | 4 | t2 | start_day | empty cell",
         "cases.csv | 1 | None | note | did you mean 'notes'",
         "cases.csv | 1 | None | notes | column 'notes' is missing",
         "cases.csv | 3 | t2 | patient_age | expected a number",
         "(folder) | 0 | None | outcomes | no outcomes table"]),
}  # fmt: skip


def main() -> None:
    for name, (edits, expected) in CORPUS.items():
        folder = HERE / name
        shutil.rmtree(folder, ignore_errors=True)
        write_cases(BASE, folder, format="csv")
        for edit in edits:
            edit(folder)
        (folder / "expect.txt").write_text("\n".join(expected) + "\n", encoding="utf-8")
    latin = HERE / "not_utf8"
    shutil.rmtree(latin, ignore_errors=True)
    write_cases(BASE, latin, format="csv")
    p = latin / "labs.csv"
    p.write_bytes(p.read_bytes() + "t1,0,crp,0.0,,,,,,,,,caf\xe9,,,,\n".encode("latin-1"))
    (latin / "expect.txt").write_text(
        "labs.csv | 2 | None | (file) | not UTF-8 text\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
