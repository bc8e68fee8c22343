"""``ppprog cases template`` and several sources per ``cases`` command."""

from __future__ import annotations

import shutil
from pathlib import Path

from ppprog._core.resources import data_path
from ppprog.cli.main import EXIT_INPUT, EXIT_OK, main

SEED = data_path("cases", "seed_report.yaml")


def test_template_written_and_its_example_row_refused(tmp_path: Path, capsys) -> None:
    assert main(["cases", "template", str(tmp_path)]) == EXIT_OK
    assert (tmp_path / "cases_template.xlsx").exists()
    assert sorted(p.name for p in (tmp_path / "cases_template").iterdir()) == [
        "ana.csv", "cases.csv", "labs.csv", "outcomes.csv", "treatments.csv"]  # fmt: skip
    capsys.readouterr()
    assert main(["cases", "validate", str(tmp_path / "cases_template.xlsx")]) == EXIT_INPUT
    assert "example row" in capsys.readouterr().err


def test_commands_read_several_sources_together(tmp_path: Path, capsys) -> None:
    shutil.copy(SEED, tmp_path / "a.yaml")
    shutil.copy(SEED, tmp_path / "b.yaml")
    assert (
        main(["cases", "validate", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")])
        == EXIT_INPUT
    )
    assert "case id also used in" in capsys.readouterr().err
    assert main(["cases", "show", str(SEED), "--case", "seed-case-1"]) == EXIT_OK
    capsys.readouterr()
    (tmp_path / "b.yaml").unlink()
    assert main(["cases", "table", str(tmp_path / "*.yaml")]) == EXIT_OK
    assert len(capsys.readouterr().out.strip().splitlines()) == 3  # header + two cases
