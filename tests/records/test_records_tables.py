"""Strict tables: the malformed-table corpus, Excel workbooks, many sources, the template.

Each folder of ``malformed_tables/`` (made by its ``make_corpus.py``) holds the
five CSV tables with one problem (or several) and ``expect.txt``: one line
``<table file or (folder)> | <row> | <case id> | <column> | <words>`` per
expected problem. Loading must raise one ValidationError with exactly these
problems (row 0 = no row; column ``(file)`` = the file as a whole).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest

from ppprog._core.errors import ValidationError
from ppprog._core.resources import data_path
from ppprog.records.io import read_cases, write_cases
from ppprog.records.template import example_case, write_template

CORPUS = sorted(p for p in (Path(__file__).parent / "malformed_tables").iterdir() if p.is_dir())
SEED = data_path("cases", "seed_report.yaml")


def _expected(folder: Path) -> list[tuple[str, int | None, str | None, str, str]]:
    out = []
    for line in (folder / "expect.txt").read_text(encoding="utf-8").splitlines():
        file, row, cid, col, words = (x.strip() for x in line.split("|"))
        out.append((file, int(row) or None, None if cid == "None" else cid,
                    "" if col == "(file)" else col, words))  # fmt: skip
    return out


def test_table_corpus_covers_the_issue() -> None:
    assert len(CORPUS) >= 16


@pytest.mark.parametrize("folder", CORPUS, ids=lambda p: p.name)
def test_malformed_tables_report_every_problem_located(folder: Path) -> None:
    with pytest.raises(ValidationError) as info:
        read_cases(folder)
    problems = info.value.problems

    def where(p):  # noqa: ANN001, ANN202
        file = "(folder)" if p.file == str(folder) else Path(p.file).name
        return (file, p.line, p.case_id, p.field)

    expected = _expected(folder)
    assert sorted(map(where, problems), key=str) == sorted((e[:4] for e in expected), key=str), (
        "\n".join(map(str, problems))
    )
    for *loc, words in expected:
        (p,) = [p for p in problems if where(p) == tuple(loc)]
        assert words in p.message, p


def test_empty_tables_with_headers_are_zero_cases(tmp_path: Path) -> None:
    write_cases([], tmp_path / "t")
    assert read_cases(tmp_path / "t") == []
    write_cases([], tmp_path / "e.xlsx")
    assert read_cases(tmp_path / "e.xlsx") == []


def test_seed_round_trip_excel(tmp_path: Path) -> None:
    cases = read_cases(SEED)
    write_cases(cases, tmp_path / "seed.xlsx")
    assert read_cases(tmp_path / "seed.xlsx") == cases


def test_excel_problems_name_sheet_row_and_column(tmp_path: Path) -> None:
    cases = read_cases(SEED)
    book_path = tmp_path / "seed.xlsx"
    write_cases(cases, book_path)
    book = openpyxl.load_workbook(book_path)
    ws = book["treatments"]
    header = [c.value for c in ws[1]]
    ws.cell(row=3, column=header.index("start_day") + 1).value = None
    del book["outcomes"]
    book.create_sheet("comments")
    book.save(book_path)
    with pytest.raises(ValidationError) as info:
        read_cases(book_path)
    got = sorted((Path(p.file).name, p.line, p.field) for p in info.value.problems)
    assert got == sorted([
        ("seed.xlsx[treatments]", 3, "start_day"),
        ("seed.xlsx", None, "outcomes"),
        ("seed.xlsx", None, ""),
    ])  # fmt: skip


def test_excel_time_of_day_in_a_text_column_is_refused(tmp_path: Path) -> None:
    # A spreadsheet that turned a typed 1:40 into 01:40:00: an error, not a titer of 100.
    book_path = tmp_path / "t.xlsx"
    write_cases([example_case().__class__("c1", inducing_agent="infliximab",
                                          last_follow_up=10.0)], book_path)  # fmt: skip
    import datetime as dt

    book = openpyxl.load_workbook(book_path)
    ws = book["ana"]
    header = [c.value for c in ws[1]]
    ws.append(
        [{"case_id": "c1", "day_day": 0.0, "titer_text": dt.time(1, 40)}.get(h) for h in header]
    )
    book.save(book_path)
    with pytest.raises(ValidationError, match="format the column as text") as info:
        read_cases(book_path)
    assert [(p.line, p.field) for p in info.value.problems] == [(2, "titer_text")]


def test_many_sources_and_duplicate_ids_across_files(tmp_path: Path) -> None:
    shutil.copy(SEED, tmp_path / "a.yaml")
    shutil.copy(SEED, tmp_path / "b.yaml")
    with pytest.raises(ValidationError) as info:
        read_cases([tmp_path / "a.yaml", tmp_path / "b.yaml"])
    problems = info.value.problems
    assert [(Path(p.file).name, p.case_id, p.field) for p in problems] == [
        ("b.yaml", "seed-case-1", "id"), ("b.yaml", "seed-case-2", "id")]  # fmt: skip
    assert all(f"{tmp_path / 'a.yaml'}:" in p.message for p in problems)
    assert problems[0].line is not None
    assert problems[1].line > problems[0].line
    one = read_cases(SEED)
    write_cases([c.__class__(**{**c.__dict__, "case_id": c.case_id + "-x"}) for c in one],
                tmp_path / "tables", format="parquet")  # fmt: skip
    (tmp_path / "b.yaml").unlink()
    both = read_cases(tmp_path)  # a folder: a.yaml and the table folder
    assert [c.case_id for c in both] == ["seed-case-1", "seed-case-2", "seed-case-1-x",
                                         "seed-case-2-x"]  # fmt: skip
    assert read_cases(str(tmp_path / "*.yaml")) == one


def test_every_problem_of_every_file_in_one_report(tmp_path: Path) -> None:
    bad = Path(__file__).parent / "malformed"
    with pytest.raises(ValidationError) as info:
        read_cases([bad / "titer_fraction.yaml", bad / "free_text_list.yaml", CORPUS[0]])
    files = {Path(p.file).name for p in info.value.problems}
    assert {"titer_fraction.yaml", "free_text_list.yaml"} <= files
    assert any(str(CORPUS[0]) in p.file for p in info.value.problems)


def test_template_reads_back_empty_once_the_example_rows_are_deleted(tmp_path: Path) -> None:
    book_path, csv_dir = write_template(tmp_path)
    with pytest.raises(ValidationError, match="example row"):
        read_cases(book_path)
    book = openpyxl.load_workbook(book_path)
    assert book.sheetnames[:6] == ["README", "cases", "ana", "labs", "treatments", "outcomes"]
    ws = book["treatments"]
    header = [c.value for c in ws[1]]
    assert "start_day" in header
    assert ws.cell(row=1, column=1).comment is not None
    agent_rules = [dv for dv in ws.data_validations.dataValidation
                   if f"{ws.cell(row=1, column=header.index('agent') + 1).column_letter}2" in str(dv.sqref)]  # fmt: skip
    assert len(agent_rules) == 1
    assert agent_rules[0].type == "list"
    for name in ("cases", "ana", "labs", "treatments", "outcomes"):
        book[name].delete_rows(2)
    book.save(book_path)
    assert read_cases(book_path) == []
    for table in csv_dir.iterdir():
        table.write_text(table.read_text(encoding="utf-8").splitlines(True)[0], encoding="utf-8")
    assert read_cases(csv_dir) == []


def test_python_tag_payload_never_executes(tmp_path: Path) -> None:
    marker = tmp_path / "marker-file"
    payload = (
        "cases:\n  - id: c1\n    inducing_agent: infliximab\n    last_follow_up: 10\n"
        f"    notes: !!python/object/apply:pathlib.Path.touch [!!python/object/apply:pathlib.Path ['{marker}']]\n"
        f"extra: !!python/object/apply:os.system ['touch {marker}']\n"
    )
    path = tmp_path / "evil.yaml"
    path.write_text(payload, encoding="utf-8")
    with pytest.raises(ValidationError) as info:
        read_cases(path)
    assert not marker.exists()
    assert all("is not allowed" in p.message and p.line in (5, 6) for p in info.value.problems)


def test_text_fields_keep_what_was_typed(tmp_path: Path) -> None:
    path = tmp_path / "typed.yaml"
    path.write_text(
        "cases:\n  - id: 007\n    inducing_agent: infliximab\n    last_follow_up: 1.5e2\n"
        "    follow_up_status: no\n    notes: 1:20\n    ana:\n      - {day: 0x10, titer: 1:40}\n"
        "      - {day: 0o20, titer: 1:20}\n    treatments: [{agent: infliximab, start: 0}]\n",
        encoding="utf-8",
    )
    (c,) = read_cases(path)
    assert (c.case_id, c.follow_up_status, c.notes) == ("007", "no", "1:20")
    assert [(a.titer.text, a.titer.reciprocal, a.day.day) for a in c.ana] == [
        ("1:40", 40.0, 16.0), ("1:20", 20.0, 16.0)]  # fmt: skip
    assert c.last_follow_up.day == 150.0
