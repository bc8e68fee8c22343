"""ppprog.datasets: the public way to the shipped data."""

from __future__ import annotations

import pytest

import ppprog


def test_seed_report_is_the_two_cases() -> None:
    cases = ppprog.datasets.seed_report()
    assert len(cases) == 2
    assert ppprog.datasets.seed_report_path().name == "seed_report.yaml"
    assert ppprog.datasets.seed_report_path().is_file()


def test_available_lists_shipped_files_and_path_finds_them() -> None:
    names = ppprog.datasets.available()
    assert "cases/seed_report.yaml" in names
    assert any(n.startswith("calibration/") and n.endswith(".toml") for n in names)
    for name in names:
        assert ppprog.datasets.path(*name.split("/")).is_file()


def test_unknown_file_names_what_exists() -> None:
    with pytest.raises(FileNotFoundError, match="cases/seed_report.yaml"):
        ppprog.datasets.path("cases", "nope.yaml")
