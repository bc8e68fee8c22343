"""``ppprog cases`` and ``ppprog fit`` on the seed cases and small tables."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ppprog._core.resources import data_path
from ppprog.cli.main import EXIT_FIT, EXIT_INPUT, EXIT_OK, main
from ppprog.models.cox import cox_ph
from ppprog.models.km import kaplan_meier

SEED = str(data_path("cases", "seed_report.yaml"))

BAD_CASES = """\
cases:
  - id: b-1
    inducing_agent: infliximab
    onset: {day: 100}
    treatments:
      - {agent: wonderdrug, start: 0, stop: 50}
      - {agent: infliximab, start: 200, stop: 150}
    last_follow_up: 300
"""


@pytest.fixture
def table_csv(tmp_path, rng):
    n = 40
    df = pd.DataFrame({"x": rng.normal(size=n), "g": rng.integers(0, 2, n)})
    df["time"] = np.round(rng.exponential(1.0 / np.exp(0.7 * df["x"])), 3) + 0.01
    df["event"] = (rng.uniform(size=n) < 0.8).astype(int)
    path = tmp_path / "surv.csv"
    df.to_csv(path, index=False)
    return path, df


def test_cases_validate_seed(capsys):
    assert main(["cases", "validate", SEED]) == EXIT_OK
    assert capsys.readouterr().out.strip() == "ok: 2 cases in 1 file(s), no problems"


def test_cases_validate_lists_every_problem(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_CASES)
    assert main(["cases", "validate", str(path)]) == EXIT_INPUT
    captured = capsys.readouterr()
    assert captured.out == ""
    err = captured.err
    assert "Traceback" not in err
    assert "bad.yaml:6: case 'b-1' treatments[0].agent: unknown Agent 'wonderdrug'" in err
    assert "bad.yaml:7: case 'b-1' treatments[1].stop: stop (day 150) before start (day 200)" in err


def test_cases_validate_collects_across_files(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_CASES)
    assert main(["cases", "validate", SEED, str(bad)]) == EXIT_INPUT
    assert "wonderdrug" in capsys.readouterr().err


def test_cases_show_seed(capsys):
    assert main(["cases", "show", SEED, "--case", "seed-case-2"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("Case seed-case-2 (Case 2)")
    assert "ONSET paradoxical psoriasis" in out
    assert "seed-case-1" not in out


def test_cases_show_unknown_case_id(capsys):
    assert main(["cases", "show", SEED, "--case", "nope"]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert err.startswith("ppprog: error: ")
    assert "no case with id 'nope'" in err
    assert not err.startswith('ppprog: error: "')  # the message, not a KeyError repr


@pytest.mark.parametrize("kind", ["resolution", "onset", "counting"])
def test_cases_table_to_file(kind, tmp_path, capsys):
    out = tmp_path / f"{kind}.csv"
    assert main(["cases", "table", SEED, "--kind", kind, "--out", str(out)]) == EXIT_OK
    df = pd.read_csv(out)
    assert set(df["id"]) == {"seed-case-1", "seed-case-2"}
    if kind == "counting":
        assert {"start", "stop", "ana_log2", "n_switches"} <= set(df.columns)
    assert f"wrote {len(df)} rows" in capsys.readouterr().err


def test_cases_table_stdout(capsys):
    assert main(["cases", "table", SEED, "--endpoint", "pustule_clearance"]) == EXIT_OK
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("id,time,event")
    assert len(lines) == 3


def test_cases_table_bad_output_suffix(tmp_path, capsys):
    assert main(["cases", "table", SEED, "--out", str(tmp_path / "x.xlsx")]) == EXIT_INPUT
    assert "unknown format '.xlsx'" in capsys.readouterr().err


def test_fit_km_matches_library(table_csv, capsys):
    path, df = table_csv
    assert main(["fit", "km", str(path), "--json"]) == EXIT_OK
    got = json.loads(capsys.readouterr().out)
    ref = kaplan_meier(df["time"], df["event"], conf_type="log")
    np.testing.assert_allclose(
        [r["survival"] for r in got["table"]], ref.table["survival"], rtol=1e-12
    )


def test_fit_cox_json_matches_library(table_csv, capsys):
    path, df = table_csv
    assert main(["fit", "cox", str(path), "--covariates", "x,g", "--json"]) == EXIT_OK
    got = json.loads(capsys.readouterr().out)
    ref = cox_ph(df, duration="time", event="event", covariates=["x", "g"])
    assert got["status"] == "converged"
    np.testing.assert_allclose([r["coef"] for r in got["summary"]], ref.params, rtol=1e-10)


def test_fit_cox_table_output(table_csv, tmp_path, capsys):
    path, _ = table_csv
    out = tmp_path / "coef.csv"
    assert main(["fit", "cox", str(path), "--covariates", "x", "--out", str(out)]) == EXIT_OK
    assert list(pd.read_csv(out)["covariate"]) == ["x"]


def test_fit_cox_on_case_file_firth(capsys):
    argv = ["fit", "cox", SEED, "--covariates", "ana_log2_onset", "--endpoint",
            "pustule_clearance", "--firth"]  # fmt: skip
    assert main(argv) == EXIT_OK
    out = capsys.readouterr().out
    assert "Firth-penalized Cox regression" in out
    assert "ana_log2_onset" in out


@pytest.mark.parametrize(
    "option", [["--covariates", "nope"], ["--covariates", "x", "--event", "dead"]]
)
def test_fit_unknown_column_exit_1(table_csv, option, capsys):
    path, _ = table_csv
    assert main(["fit", "cox", str(path), *option]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "column" in err
    assert "columns are" in err
    assert "Traceback" not in err


def test_fit_km_unknown_group_column(table_csv, capsys):
    path, _ = table_csv
    assert main(["fit", "km", str(path), "--group", "arm"]) == EXIT_INPUT
    assert "no group column 'arm'" in capsys.readouterr().err


def test_fit_malformed_case_file_exit_1(tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_CASES)
    assert main(["fit", "km", str(path)]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "wonderdrug" in err
    assert "stop (day 150) before start" in err


@pytest.mark.parametrize("firth", [[], ["--firth"]])
def test_fit_cox_without_events_exits_4_and_says_why(table_csv, firth, capsys):
    path, df = table_csv
    df.assign(event=0).to_csv(path, index=False)
    assert main(["fit", "cox", str(path), "--covariates", "x", *firth]) == EXIT_FIT
    captured = capsys.readouterr()
    assert "fit status no_events" in captured.err
    assert "x" in captured.out  # the table is still printed, with its status


def test_fit_km_on_several_tables_stacks_their_rows(table_csv, tmp_path, capsys):
    path, df = table_csv
    second = tmp_path / "more.csv"
    df.to_csv(second, index=False)
    assert main(["fit", "km", str(path), str(second), "--json"]) == EXIT_OK
    out = json.loads(capsys.readouterr().out)
    assert out["summary"][0]["n"] == 2 * len(df)


def test_fit_on_tables_with_different_columns_is_an_error(table_csv, tmp_path, capsys):
    path, df = table_csv
    other = tmp_path / "other.csv"
    df.rename(columns={"x": "z"}).to_csv(other, index=False)
    assert main(["fit", "km", str(path), str(other)]) == EXIT_INPUT
    assert "columns differ" in capsys.readouterr().err


def test_fit_on_several_case_files(tmp_path, capsys):
    assert main(["fit", "km", SEED, "--json"]) == EXIT_OK
    one = json.loads(capsys.readouterr().out)
    assert main(["fit", "km", SEED, SEED, "--json"]) == EXIT_INPUT  # same ids twice
    assert "seed-case-1" in capsys.readouterr().err
    assert one["summary"][0]["n"] == 2


def test_fit_cox_formula_and_missing_drop(table_csv, capsys):
    path, df = table_csv
    df = df.assign(arm=np.where(df["g"] == 1, "treated", "control"))
    df.loc[2, "x"] = np.nan
    df.to_csv(path, index=False)
    assert main(["fit", "cox", str(path), "--formula", "x + arm"]) == EXIT_INPUT
    assert "missing='drop'" in capsys.readouterr().err
    argv = ["fit", "cox", str(path), "--formula", "x + arm", "--missing", "drop"]
    assert main(argv) == EXIT_OK
    out = capsys.readouterr().out
    assert "arm[T.treated]" in out
    assert "Note: arm: reference level 'control'" in out
