"""``ppprog study run FILE`` reads the study file once and hands the parsed study down."""

from __future__ import annotations

import pytest

import ppprog._core.specfile as specfile
import ppprog.studies.execute as execute
from ppprog._core.errors import PpprogError
from ppprog.cli.main import EXIT_INPUT, main
from ppprog.studies.design import Study

STUDY = """\
name = "once"
seed = 3
replicates = 4
generator = "resolution"
[base]
n = 40
[[methods]]
method = "cox_baseline"
"""


def test_study_file_is_parsed_once(tmp_path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    path = tmp_path / "once.toml"
    path.write_text(STUDY)
    parsed: list[str] = []
    real = specfile.parse_spec_text

    def counting(text: str, fmt: str, *, name: str = "<string>") -> specfile.SpecFile:
        parsed.append(name)
        return real(text, fmt, name=name)

    ran: list[Study] = []

    def fake_run(study: Study, **_: object) -> None:
        ran.append(study)
        raise PpprogError("stopped before simulating")

    monkeypatch.setattr(specfile, "parse_spec_text", counting)
    monkeypatch.setattr(execute, "run", fake_run)
    argv = ["study", "run", str(path), "--replicates", "3", "--out", str(tmp_path / "o")]
    assert main(argv) == EXIT_INPUT
    assert parsed.count(str(path)) == 1  # (the calibrated default spec is read too)
    (study,) = ran
    assert study.replicates == 3
    assert study.name == "once"
    assert "stopped before simulating" in capsys.readouterr().err
