"""``ppprog simulate``: tables and case records from the default or a user spec."""

from __future__ import annotations

import pandas as pd
import pytest

from ppprog.cli.main import EXIT_INPUT, EXIT_MISSING, EXIT_OK, main
from ppprog.records.io import read_cases
from ppprog.simulate import CohortSpec, generate
from ppprog.tables.schema import DAYS_PER_MONTH


def test_subjects_csv_equals_library(tmp_path, capsys):
    out = tmp_path / "cohort.csv"
    argv = ["simulate", "--endpoint", "onset", "--n", "30", "--replicates", "2", "--seed", "5",
            "--out", str(out)]  # fmt: skip
    assert main(argv) == EXIT_OK
    got = pd.read_csv(out)
    ref = generate(CohortSpec.default("onset"), n=30, replicates=2, seed=5).to_frame("subjects")
    assert len(got) == 60
    assert list(got.columns) == list(ref.columns)
    pd.testing.assert_series_equal(got["time"], ref["time"], check_exact=False, rtol=1e-15)
    assert "wrote 60 rows" in capsys.readouterr().err


def test_counting_parquet(tmp_path):
    out = tmp_path / "c.parquet"
    assert main(["simulate", "--n", "20", "--form", "counting", "--out", str(out)]) == EXIT_OK
    df = pd.read_parquet(out)
    assert {"id", "replicate", "start", "stop", "event", "cause"} <= set(df.columns)
    assert (df["stop"] > df["start"]).all()
    # one event at most per subject, on its last row
    last = df.groupby("id").tail(1)
    assert df["event"].sum() == last["event"].sum()


def test_stdout_is_csv(capsys):
    assert main(["simulate", "--n", "4", "--seed", "1"]) == EXIT_OK
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("id,replicate,time,event,cause")
    assert len(lines) == 5


@pytest.mark.parametrize("target", ["cases.yaml", "cases_dir"])
def test_cases_round_trip_validates(tmp_path, target, capsys):
    out = tmp_path / target
    argv = ["simulate", "--n", "6", "--replicates", "2", "--form", "cases", "--out", str(out)]
    assert main(argv) == EXIT_OK
    cases = read_cases(out)
    assert len(cases) == 12
    assert len({c.case_id for c in cases}) == 12
    assert main(["cases", "validate", str(out)]) == EXIT_OK


def test_cases_need_out(capsys):
    assert main(["simulate", "--n", "3", "--form", "cases"]) == EXIT_INPUT
    assert "--form cases needs --out" in capsys.readouterr().err


def test_print_spec_and_partial_spec_file(tmp_path, capsys):
    assert main(["simulate", "--endpoint", "onset", "--print-spec"]) == EXIT_OK
    text = capsys.readouterr().out
    assert CohortSpec.from_text(text, "toml") == CohortSpec.default("onset")
    partial = tmp_path / "mine.toml"
    partial.write_text('endpoint = "onset"\n[censoring]\nadministrative = 24.0\n')
    out = tmp_path / "mine.csv"
    assert main(["simulate", str(partial), "--n", "50", "--out", str(out)]) == EXIT_OK
    assert pd.read_csv(out)["time"].max() <= 24.0 * DAYS_PER_MONTH  # months -> days


def test_invalid_spec_exit_1(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('endpoint = "resolution"\n[censoring]\nadministrative = -3\n')
    assert main(["simulate", str(bad)]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "censoring.administrative" in err
    assert "Traceback" not in err


def test_bad_sizes_and_missing_spec(tmp_path, capsys):
    assert main(["simulate", "--n", "0"]) == EXIT_INPUT
    assert "--n must be at least 1" in capsys.readouterr().err
    assert main(["simulate", str(tmp_path / "none.toml")]) == EXIT_MISSING
    assert "no such spec file" in capsys.readouterr().err
