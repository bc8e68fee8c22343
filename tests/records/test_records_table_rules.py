"""The column-wise rules of the table reader report exactly what the per-case rules report.

``tables_to_cases(rules="columns")`` (the default) runs the rules of
``validate`` over whole columns before any record is made;
``rules="cases"`` assembles the cases and runs ``validate`` case by case
(the reference). Random valid tables, given random mutations (a cell
emptied, a value of the wrong type, an unknown token, a column dropped,
renamed or added, a day moved, an item row given to no case, an id given
twice, an episode duplicated), must give the same problems, with the same
locations and messages, in the same order; unmutated tables the same cases.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ppprog._core.errors import Problem, ValidationError
from ppprog.records.case import Case
from ppprog.records.io_table import RawTable, cases_to_rows, locate, tables_to_cases
from ppprog.records.table_schema import TABLES, columns
from strategies import case_lists

SETTINGS = settings(max_examples=150, suppress_health_check=list(HealthCheck), deadline=None)

_DAY_COLS = {t: [c.name for c in columns(t) if c.store == "float"] for t in TABLES}
_TIMES = {t: [c.name[:-4] for c in columns(t) if c.field.kind == "time" and c.part == "day"]
          for t in TABLES}  # fmt: skip
#: Values that make the rules speak: other agents, endpoints, ages, ids.
_VALUES = {"agent": ["infliximab", "adalimumab", "etanercept", "secukinumab"],
           "inducing_agent": ["infliximab", "adalimumab", "ustekinumab"],
           "endpoint": ["pustule_clearance", "complete_resolution", "recurrence"],
           "patient_age": [-1.0, 50.0, 121.0, float("nan")], "source_seed": [None, -3, 5],
           "source_kind": ["synthetic", "report"], "titer_qualifier": ["=", "<", "~"],
           "ladder": [None, "doubling40", "halflog100", "nonsense"],
           "titer_status": ["positive", "negative", "perhaps"],
           "titer_reciprocal": [None, 0.0, 40.0, 100.0, 333.0], "seq": [None, 0, 1, 5]}  # fmt: skip
_ENUM_COLS = {t: [c.name for c in columns(t) if c.field.kind == "enum"] for t in TABLES}
_DAYS = st.sampled_from([-30.0, -1.0, 0.0, 0.5, 7.0, 60.0, 200.0, 400.0, 5000.0, float("inf")])


def _tables(rows: dict[str, list[dict[str, Any]]]) -> dict[str, RawTable | None]:
    out: dict[str, RawTable | None] = {}
    for name in TABLES:
        header = [c.name for c in columns(name)]
        cells = {c: [r.get(c) for r in rows[name]] for c in header}
        out[name] = RawTable(f"mem/{name}", header, cells, first_row=2)
    return out


def _read(tables: dict[str, RawTable | None], rules: str) -> tuple[list[Case], list[Problem]]:
    try:
        return tables_to_cases(copy.deepcopy(tables), where="mem", rules=rules), []
    except ValidationError as exc:
        return [], list(exc.problems)


@st.composite
def _mutation(draw: st.DrawFn, tables: dict[str, RawTable | None]) -> None:
    """Change the tables in place, the way a curator's spreadsheet goes wrong."""
    name = draw(st.sampled_from([t for t in TABLES if tables[t] is not None and tables[t].n_rows]
                                or ["cases"]))  # fmt: skip
    t = tables[name]
    assert t is not None
    how = draw(st.sampled_from(["empty", "retype", "token", "drop", "rename", "add", "day",
                                "time", "time", "time", "value", "value", "value", "orphan",
                                "duplicate", "copy_row"]))  # fmt: skip
    i = draw(st.integers(0, max(t.n_rows - 1, 0)))
    if how in ("drop", "rename", "add") or t.n_rows == 0:
        col = draw(st.sampled_from(t.header)) if t.header else "case_id"
        if how == "drop" and col in t.header:
            t.header.remove(col)
            del t.cells[col]
        elif how == "rename" and col in t.header:
            j = t.header.index(col)
            t.header[j] = col[:-1] + "Q"
            t.cells[t.header[j]] = t.cells.pop(col)
        else:
            t.header.append("comment")
            t.cells["comment"] = ["note"] * t.n_rows
        return
    cols = {"empty": t.header, "retype": _DAY_COLS[name], "token": _ENUM_COLS[name],
            "day": _DAY_COLS[name]}.get(how, ["case_id"])  # fmt: skip
    cols = [c for c in cols if c in t.cells] or ["case_id"]
    col = draw(st.sampled_from(cols))
    if col not in t.cells:  # its column was dropped or renamed by an earlier mutation
        return
    if how == "time" and _TIMES[name]:  # a whole time moved (its bounds with it)
        stem, day = draw(st.sampled_from(_TIMES[name])), draw(_DAYS)
        for part in ("day", "low", "high"):
            if f"{stem}_{part}" in t.cells:
                t.cells[f"{stem}_{part}"][i] = day
        return
    if how == "value":
        col = draw(st.sampled_from([c for c in _VALUES if c in t.cells] or ["case_id"]))
        if col in t.cells:
            t.cells[col][i] = draw(st.sampled_from(_VALUES.get(col, ["c0"])))
        return
    if how == "copy_row":
        for c in t.header:
            t.cells[c].append(t.cells[c][i])
        t.n_rows += 1
        return
    value: Any = {"empty": None, "retype": "zz-not-a-value", "token": "not-a-token",
                  "orphan": "no-such-case"}.get(how)  # fmt: skip
    if how == "day":
        value = draw(_DAYS)
    elif how == "duplicate" and name == "cases":  # another case's id
        ids = t.cells["case_id"]
        value = ids[draw(st.integers(0, len(ids) - 1)) - i if len(ids) > 1 else 0]
    t.cells[col][i] = value


def _same(tables: dict[str, RawTable | None]) -> list[Problem]:
    by_cols, p_cols = _read(tables, "columns")
    by_cases, p_cases = _read(tables, "cases")
    assert p_cols == p_cases, "\n".join(map(str, p_cols + [None] + p_cases))  # type: ignore[list-item]
    if not p_cols:
        assert by_cols == by_cases
    return p_cols


@SETTINGS
@given(case_lists(1, 4, rich=True), st.data())
def test_columns_and_cases_report_the_same_problems(cs: list[Case], data: st.DataObject) -> None:
    tables = _tables(cases_to_rows(cs))
    for _ in range(data.draw(st.integers(1, 3))):
        data.draw(_mutation(tables))
    _same(tables)


@SETTINGS
@given(case_lists(0, 4, rich=True))
def test_valid_tables_give_the_same_cases(cs: list[Case]) -> None:
    tables = _tables(cases_to_rows(cs))
    by_cols, p_cols = _read(tables, "columns")
    assert p_cols == []
    assert by_cols == cs == _read(tables, "cases")[0]


def _case_rows() -> dict[str, list[dict[str, Any]]]:
    c = Case("c1", inducing_agent="infliximab", last_follow_up=400.0, onset=None,
             treatments=[])  # fmt: skip
    return cases_to_rows([c, Case("c2", inducing_agent="adalimumab", last_follow_up=300.0)])


def _treatment(cid: str, agent: str, start: float, stop: float | None) -> dict[str, Any]:
    row = {c.name: None for c in columns("treatments")}
    row.update(case_id=cid, agent=agent, start_day=start, stop_day=stop)
    return row


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            lambda r: r["treatments"].append(_treatment("c1", "infliximab", 10.0, 5.0)),
            "stop_day",
            "stop (day 5) before start (day 10)",
        ),
        (
            lambda r: r["treatments"].extend(
                [
                    _treatment("c1", "infliximab", 0.0, 50.0),
                    _treatment("c1", "infliximab", 20.0, None),
                ]
            ),
            "treatments[1]",
            "overlaps treatments[0] of the same agent (infliximab)",
        ),
        (
            lambda r: r["treatments"].append(_treatment("c1", "adalimumab", 0.0, None)),
            "treatments",
            "no episode of the inducing agent infliximab",
        ),
        (
            lambda r: r["treatments"].append(_treatment("c1", "infliximab", 3.0, None)),
            "treatments",
            "starts at day 0",
        ),
        (
            lambda r: r["treatments"].append(_treatment("c1", "infliximab", 0.0, 900.0)),
            "stop_day",
            "date on day 900 after the last follow-up (day 400)",
        ),
        (lambda r: r["cases"][1].update(case_id="c1"), "case_id", "duplicate case id"),
        (lambda r: r["cases"][0].update(patient_age=130.0), "patient_age", "age must be in"),
        (
            lambda r: r["cases"][0].update(inducing_agent="secukinumab"),
            "inducing_agent",
            "not an anti-TNF agent",
        ),
    ],
)
def test_each_rule_is_reported_alike(change: Any, field: str, words: str) -> None:
    rows = _case_rows()
    change(rows)
    problems = _same(_tables(rows))
    assert any(p.field == field and words in p.message for p in problems), problems


def test_locate_names_file_row_and_column() -> None:
    rows = _case_rows()
    rows["treatments"].append(_treatment("c1", "infliximab", 10.0, 5.0))
    tables = _tables(rows)
    p = locate(Problem(None, "c1", "treatments[0].stop", "x"), tables,
               {"treatments": {"c1": [0]}})  # fmt: skip
    assert (p.file, p.line, p.field) == ("mem/treatments", 2, "stop_day")


def test_unknown_rules_option_is_refused() -> None:
    with pytest.raises(ValueError, match="rules must be"):
        tables_to_cases(_tables(_case_rows()), where="mem", rules="rows")
