"""Lossless round trips: YAML and tidy tables (CSV, Parquet), by example and by Hypothesis."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from ppprog._core.errors import ValidationError
from ppprog._core.resources import data_path
from ppprog.records.case import Case
from ppprog.records.io import read_cases, write_cases
from ppprog.records.io_table import cases_to_rows, rows_to_cases, table_columns
from ppprog.records.io_yaml import dumps_yaml, loads_yaml
from strategies import case_lists

SEED = data_path("cases", "seed_report.yaml")
ROUND_TRIP = settings(max_examples=15, suppress_health_check=list(HealthCheck), deadline=None)


@pytest.fixture(scope="module")
def seed_cases() -> list[Case]:
    return read_cases(SEED)


@pytest.mark.parametrize("fmt", ["yaml", "csv", "parquet"])
def test_seed_round_trip_files(seed_cases, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / ("cases.yaml" if fmt == "yaml" else fmt)
    write_cases(seed_cases, path, format=fmt)
    assert read_cases(path) == seed_cases


def test_table_layout(seed_cases, tmp_path: Path) -> None:
    write_cases(seed_cases, tmp_path / "t")
    names = sorted(p.name for p in (tmp_path / "t").iterdir())
    assert names == ["ana.csv", "cases.csv", "labs.csv", "outcomes.csv", "treatments.csv"]
    import pandas as pd

    labs = pd.read_csv(tmp_path / "t" / "labs.csv")
    assert len(labs) == 18
    assert list(labs.columns) == list(table_columns()["labs"])
    assert len(pd.read_csv(tmp_path / "t" / "treatments.csv")) == 12


@ROUND_TRIP
@given(case_lists(0, 3, rich=True))
def test_yaml_round_trip(cs: list[Case]) -> None:
    assert loads_yaml(dumps_yaml(cs)) == cs


@ROUND_TRIP
@given(case_lists(0, 3, rich=True))
def test_rows_round_trip(cs: list[Case]) -> None:
    assert rows_to_cases(cases_to_rows(cs)) == cs


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_table_files_round_trip(tmp_path_factory, fmt: str) -> None:
    @settings(max_examples=10, suppress_health_check=list(HealthCheck), deadline=None)
    @given(case_lists(1, 3, rich=True))
    def check(cs: list[Case]) -> None:
        path = tmp_path_factory.mktemp(fmt)
        write_cases(cs, path, format=fmt)
        assert read_cases(path) == cs

    check()


def test_single_case_and_list_layouts() -> None:
    one = "id: a\ninducing_agent: infliximab\nlast_follow_up: 10\n"
    many = "- id: a\n  inducing_agent: infliximab\n  last_follow_up: 10\n"
    assert (
        loads_yaml(one)
        == loads_yaml(many)
        == loads_yaml(
            "cases:\n"
            + many.replace("- ", "  - ").replace("\n  i", "\n    i").replace("\n  l", "\n    l")
        )
    )  # noqa: E501


def test_duration_text_and_plain_lab_text_are_accepted() -> None:
    text = """
id: d1
inducing_agent: infliximab
onset: {day: 8 wk}
labs:
  - {name: crp, day: 0, text: "< 3.23", unit: mg/L}
  - {name: il8, day: 0, text: normal}
last_follow_up: 1.5 y
"""
    (c,) = loads_yaml(text)
    assert c.onset.day.day == 56.0
    assert math.isclose(c.last_follow_up.day, 547.875)
    assert c.last_follow_up.approximate
    assert (c.labs[0].value, c.labs[0].qualifier) == (3.23, "<")
    assert c.labs[1].value is None
    assert c.labs[1].text == "normal"


def test_table_problems_name_table_row_and_case(seed_cases) -> None:
    rows = cases_to_rows(seed_cases)
    rows["ana"][2]["day_day"] = "soon"
    rows["treatments"].append({**rows["treatments"][0], "case_id": "ghost"})
    rows["cases"][1]["patient_age"] = "old"
    with pytest.raises(ValidationError) as info:
        rows_to_cases(rows, file="registry/")
    got = {(p.file, p.line, p.case_id, p.field) for p in info.value.problems}
    assert got == {
        ("registry/ana", 3, "seed-case-1", "day_day"),
        ("registry/treatments", 13, "ghost", "case_id"),
        ("registry/cases", 2, "seed-case-2", "patient_age"),
    }


def test_read_cases_rejects_unknown_suffix(tmp_path: Path) -> None:
    p = tmp_path / "x.txt"
    p.write_text("hi")
    with pytest.raises(ValueError, match="yaml"):
        read_cases(p)
    with pytest.raises(FileNotFoundError):
        read_cases(tmp_path / "missing.yaml")
