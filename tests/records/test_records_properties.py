"""Hypothesis: lossless round trips through every format; mutations never pass silently.

* Random valid cases go YAML -> CSV -> Excel -> Parquet -> YAML and come back
  unchanged at every step.
* A random mutation of a valid file (a table column dropped or misspelt, a
  typed cell given a value of another type, a YAML key misspelt or a number
  replaced by a list) always raises a ValidationError located at the
  mutated file, row (line) and column (field): never a silently different
  set of cases.
"""

from __future__ import annotations

import csv
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ppprog._core.errors import ValidationError
from ppprog.records.case import Case
from ppprog.records.io import read_cases, write_cases
from ppprog.records.io_yaml import dumps_yaml, loads_yaml
from ppprog.records.table_schema import TABLES, columns
from strategies import case_lists

SLOW = settings(max_examples=12, suppress_health_check=list(HealthCheck), deadline=None)


@SLOW
@given(case_lists(1, 3, rich=True))
def test_round_trip_yaml_csv_excel_parquet_yaml(cs: list[Case]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        write_cases(cs, d / "a.yaml")
        step = read_cases(d / "a.yaml")
        assert step == cs
        for target in (d / "csv", d / "book.xlsx", d / "pq", d / "b.yaml"):
            fmt = "parquet" if target.name == "pq" else None
            write_cases(step, target, format=fmt)
            step = read_cases(target)
            assert step == cs, target.name


def _write_csv(cs: list[Case], d: Path) -> None:
    write_cases(cs, d, format="csv")


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _save(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


_TYPED = {t: [c.name for c in columns(t) if c.store in ("float", "int", "bool")
              or c.field.kind in ("enum", "enums", "date")] for t in TABLES}  # fmt: skip


@SLOW
@given(case_lists(1, 3, rich=True), st.sampled_from(TABLES), st.integers(0, 10**6),
       st.sampled_from(["drop", "misspell", "retype"]))  # fmt: skip
def test_table_mutations_give_located_errors(
    cs: list[Case], table: str, pick: int, how: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        _write_csv(cs, d)
        path = d / f"{table}.csv"
        rows = _rows(path)
        header = rows[0]
        if how == "retype":
            cells = [(i, j) for i in range(1, len(rows)) for j, h in enumerate(header)
                     if h in _TYPED[table] and rows[i][j] != ""]  # fmt: skip
            if not cells:
                how = "drop"
            else:
                i, j = cells[pick % len(cells)]
                rows[i][j] = "zz-not-a-value"
                want = (str(path), i + 1, header[j])
        if how in ("drop", "misspell"):
            j = pick % len(header)
            want = (str(path), 1, header[j])
            if how == "drop":
                for r in rows:
                    del r[j]
            else:
                header[j] = header[j][:-1] + "Q"
        _save(path, rows)
        with pytest.raises(ValidationError) as info:
            read_cases(d)
        got = {(p.file, p.line, p.field) for p in info.value.problems}
        assert want in got, "\n".join(map(str, info.value.problems))
        assert all(p.line is not None for p in info.value.problems)


_KEY = re.compile(r"^(\s*(?:- )?)([a-z_]+):(?: (.*))?$")


@SLOW
@given(case_lists(1, 3, rich=True), st.integers(0, 10**6), st.sampled_from(["misspell", "retype"]))
def test_yaml_mutations_give_located_errors(cs: list[Case], pick: int, how: str) -> None:
    lines = dumps_yaml(cs).splitlines()
    keys = [i for i, line in enumerate(lines) if _KEY.match(line) and i > 0]
    if how == "retype":
        numeric = [i for i in keys if re.fullmatch(r"-?\d+(\.\d+)?(e[-+]?\d+)?|\.inf",
                                                   _KEY.match(lines[i]).group(3) or "")]  # fmt: skip
        keys, how = (numeric, how) if numeric else (keys, "misspell")
    i = keys[pick % len(keys)]
    m = _KEY.match(lines[i])
    assert m is not None
    if how == "misspell":
        lines[i] = f"{m.group(1)}{m.group(2)}x:{'' if m.group(3) is None else ' ' + m.group(3)}"
    else:
        lines[i] = f"{m.group(1)}{m.group(2)}: [1, 2]"
    with pytest.raises(ValidationError) as info:
        loads_yaml("\n".join(lines) + "\n", file="m.yaml")
    problems = info.value.problems
    assert any(p.line == i + 1 for p in problems), "\n".join(map(str, problems))
    assert all(p.line is not None and p.file == "m.yaml" for p in problems)
