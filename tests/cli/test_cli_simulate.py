"""``ppprog simulate``: tables and case records from the default or a user spec."""

from __future__ import annotations

import json

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
    assert lines[0].startswith("id,time,event,cause")
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


def _dtypes(df: pd.DataFrame) -> dict[str, str]:
    return {c: str(t) for c, t in df.dtypes.items()}


def test_simulated_tables_have_the_real_schema_and_fit_as_real_ones(tmp_path, capsys):
    """One schema: the simulated subject and counting tables read like the real-case tables."""
    from ppprog._core.resources import data_path
    from ppprog.tables import counting_process, resolution_table

    real_cases = read_cases(data_path("cases", "seed_report.yaml"))
    real = {"subjects": resolution_table(real_cases), "counting": counting_process(real_cases)}
    files = {}
    for form in ("subjects", "counting"):
        files[form] = tmp_path / f"sim_{form}.parquet"
        argv = ["simulate", "--n", "150", "--seed", "3", "--form", form, "--out", str(files[form])]
        assert main(argv) == EXIT_OK
        sim = pd.read_parquet(files[form])
        assert list(sim.columns) == list(real[form].columns)
        assert _dtypes(sim) == _dtypes(real[form])
        assert real[form].attrs["time_unit"] == "days"
    lib = generate(CohortSpec.default("resolution"), n=150, seed=3)
    assert (
        lib.to_frame("subjects").attrs["time_unit"] == lib.to_frame("counting").attrs["time_unit"]
    )
    # the same fit commands on a simulated table and on a (simulated) real case file
    cases = tmp_path / "cases.yaml"
    assert (
        main(["simulate", "--n", "150", "--seed", "3", "--form", "cases", "--out", str(cases)]) == 0
    )
    capsys.readouterr()
    subjects = str(files["subjects"])
    covs = "age,ana_log2_onset"
    for path in (subjects, str(cases)):
        assert main(["fit", "km", path, "--group", "pustular_extent", "--json"]) == EXIT_OK
        km = json.loads(capsys.readouterr().out)
        assert main(["fit", "cox", path, "--covariates", covs, "--json"]) == EXIT_OK
        cox = json.loads(capsys.readouterr().out)
        if path == subjects:
            first = (km, cox)
    # same times in days (to rounding: the records store onset and exit days), same curves
    for a, b in zip(km["summary"], first[0]["summary"]):
        assert a == {k: pytest.approx(v, rel=1e-12) if isinstance(v, float) else v
                     for k, v in b.items()}  # fmt: skip
    for a, b in zip(cox["summary"], first[1]["summary"]):
        assert a["coef"] == pytest.approx(b["coef"], rel=1e-9)
    argv = [
        "fit",
        "cox",
        str(files["counting"]),
        "--start",
        "start",
        "--covariates",
        "n_switches,age",
    ]
    assert main([*argv, "--json"]) == EXIT_OK
    tvc = json.loads(capsys.readouterr().out)
    assert main(["fit", "cox", str(cases), "--table", "counting", "--covariates", "n_switches,age",
                 "--json"]) == EXIT_OK  # fmt: skip
    tvc_cases = json.loads(capsys.readouterr().out)
    assert len(tvc["summary"]) == 2
    assert tvc["status"] == tvc_cases["status"] == "converged"
    for a, b in zip(tvc["summary"], tvc_cases["summary"]):
        assert a["coef"] == pytest.approx(b["coef"], rel=1e-9)
