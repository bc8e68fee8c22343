"""The ``ppprog`` entry point: --help everywhere, exit codes, errors without tracebacks."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ppprog._version import __version__
from ppprog.cli.main import EXIT_INPUT, EXIT_MISSING, EXIT_OK, EXIT_USAGE, main

HELP = [
    [],
    ["cases"], ["cases", "validate"], ["cases", "show"], ["cases", "table"],
    ["fit"], ["fit", "km"], ["fit", "cox"],
    ["simulate"],
    ["study"], ["study", "run"], ["study", "summarize"], ["study", "report"],
]  # fmt: skip


@pytest.mark.parametrize("words", HELP, ids=lambda w: " ".join(w) or "ppprog")
def test_every_command_has_help(words, capsys):
    assert main([*words, "--help"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("usage: ppprog")
    assert "--help" in out


def test_version(capsys):
    assert main(["--version"]) == EXIT_OK
    assert capsys.readouterr().out.strip() == f"ppprog {__version__}"


def test_no_command_prints_help_and_usage_code(capsys):
    assert main([]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "usage: ppprog" in err
    assert "simulate" in err
    assert "study" in err


def test_unknown_option_is_a_usage_error(capsys):
    assert main(["cases", "validate", "--frobnicate", "x.yaml"]) == EXIT_USAGE
    assert "unrecognized arguments: --frobnicate" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["cases", "validate", "no_such.yaml"],
        ["cases", "show", "no_such.yaml"],
        ["fit", "km", "no_such.csv"],
        ["simulate", "no_such.toml"],
        ["study", "run", "no_such.toml"],
        ["study", "summarize", "no_such_dir"],
        ["study", "report", "no_such_dir"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_missing_file_exit_3_message_no_traceback(argv, capsys):
    assert main(argv) == EXIT_MISSING
    err = capsys.readouterr().err
    assert err.startswith("ppprog: error: no such")
    assert "no_such" in err
    assert "Traceback" not in err


def test_input_problem_exit_1(tmp_path, capsys):
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    assert main(["cases", "validate", str(path)]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "expected a .yaml/.yml file" in err
    assert "Traceback" not in err


def test_python_dash_m_ppprog_help():
    proc = subprocess.run(
        [sys.executable, "-m", "ppprog", "--help"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: ppprog")
    for command in ("cases", "fit", "simulate", "study"):
        assert command in proc.stdout
    assert proc.stderr == ""


def test_python_dash_m_ppprog_user_error_is_one_line():
    proc = subprocess.run(
        [sys.executable, "-m", "ppprog", "fit", "cox", "no_such.csv", "--covariates", "x"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == EXIT_MISSING
    assert proc.stderr.strip() == "ppprog: error: no such file: no_such.csv"
