"""``ppprog study``: study files end to end, and the built-in study's wiring."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import ppprog.cli.study as cli_study
from ppprog._core.fmt import fmt_num
from ppprog.cli.main import EXIT_INPUT, EXIT_MISSING, EXIT_OK, main
from ppprog.studies.result import StudyResult
from ppprog.studies.studyfile import run_study_file

STUDY = """\
name = "cli-null"
seed = 13
replicates = 8
alpha = 0.05
generator = "resolution"

[base]
n = 60
"resolution.log_hr.ana_high" = 0.0

[grid]
"resolution.log_hr.extent[generalized]" = [0.0, 0.7]

[[estimands]]
name = "extent[generalized]"

[[methods]]
name = "cox"
method = "cox_baseline"
covariates = ["extent[localized]", "extent[generalized]"]
"""


@pytest.fixture(scope="module")
def study_run(tmp_path_factory) -> tuple[Path, Path]:
    """Run the small study file once through the CLI (serial)."""
    root = tmp_path_factory.mktemp("study")
    path = root / "null.toml"
    path.write_text(STUDY)
    out = root / "out"
    assert main(["study", "run", str(path), "--out", str(out), "--no-progress"]) == EXIT_OK
    return path, out


def test_run_file_writes_result_folder(study_run, capsys):
    path, out = study_run
    for name in ("replicates.parquet", "manifest.json", "performance.csv", "report.md",
                 "report.html", "figures/performance.png"):  # fmt: skip
        assert (out / name).is_file(), name
    table = pd.read_parquet(out / "replicates.parquet")
    # the same numbers as the Python API with the same file and seed
    ref = run_study_file(path, progress=False).replicates
    pd.testing.assert_frame_equal(table[ref.columns], ref, check_exact=True)
    perf = pd.read_csv(out / "performance.csv")
    assert set(perf["estimand"]) == {"extent[localized]", "extent[generalized]"}
    assert (perf["n_total"] == 8).all()
    md = (out / "report.md").read_text()
    assert "Simulation study 'cli-null'" in md
    assert "resolution.log_hr.extent[generalized]=0.7" in md
    assert list(perf["scenario_label"].unique()) == [
        "resolution.log_hr.extent[generalized]=0",
        "resolution.log_hr.extent[generalized]=0.7",
    ]
    assert "figures/performance.png" in md


def test_summarize_saved_study(study_run, tmp_path, capsys):
    _, out = study_run
    csv = tmp_path / "perf.csv"
    assert main(["study", "summarize", str(out), "--out", str(csv)]) == EXIT_OK
    text = capsys.readouterr().out
    assert text.startswith("Study 'cli-null': 8 replicates per scenario")
    # scenarios by their parameters, every measure with its Monte-Carlo SE
    lines = text.splitlines()
    assert any(ln.startswith("resolution.log_hr.extent[generalized]=0 ") for ln in lines)
    assert any(ln.startswith("resolution.log_hr.extent[generalized]=0.7 ") for ln in lines)
    assert "bias (MC SE)" in text
    assert "coverage (MC SE)" in text
    summary = StudyResult.load(out).summary
    first = summary.iloc[0]
    assert f"({fmt_num(first['bias_mcse'], 2)})" in text
    expected = StudyResult.load(out).summary
    got = pd.read_csv(csv)
    pd.testing.assert_series_equal(got["bias"], expected["bias"].reset_index(drop=True),
                                   check_exact=False, rtol=1e-12)  # fmt: skip


def test_report_rebuilds(study_run, capsys):
    _, out = study_run
    (out / "report.md").unlink()
    assert main(["study", "report", str(out)]) == EXIT_OK
    assert (out / "report.md").read_text().startswith("# Simulation study 'cli-null'")


def test_rerun_resumes_from_chunks(study_run, capsys):
    path, out = study_run
    before = pd.read_parquet(out / "replicates.parquet")
    assert main(["study", "run", str(path), "--out", str(out), "--no-progress"]) == EXIT_OK
    pd.testing.assert_frame_equal(pd.read_parquet(out / "replicates.parquet"), before)


def test_invalid_study_file_lists_problems(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(
        STUDY.replace("seed = 13", 'seed = "thirteen"').replace("cox_baseline", "no_such")
    )
    assert main(["study", "run", str(path), "--out", str(tmp_path / "o")]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "seed" in err
    assert "no_such" in err
    assert "Traceback" not in err


def test_unparseable_study_file(tmp_path, capsys):
    path = tmp_path / "broken.toml"
    path.write_text("name = \n")
    assert main(["study", "run", str(path)]) == EXIT_INPUT
    assert "broken.toml" in capsys.readouterr().err


def test_bad_replicates(tmp_path, capsys):
    assert main(["study", "run", "--replicates", "0"]) == EXIT_INPUT
    assert "--replicates must be at least 1" in capsys.readouterr().err


@pytest.fixture
def claims_calls(monkeypatch, tmp_path):
    """Replace the claims suite run by a recorder (the run itself is tested in tests/report)."""
    calls = []

    def fake(*, out, **options):
        calls.append({"out": Path(out), **options})
        return Path(out)

    monkeypatch.setattr(cli_study, "run_claims", fake)
    monkeypatch.chdir(tmp_path)
    return calls


def test_bare_study_runs_the_claims_suite(claims_calls, capsys):
    assert main(["study"]) == EXIT_OK
    (call,) = claims_calls
    assert call["out"] == Path("ppprog-report")
    assert call["spec"] is None
    assert call["quick"] is False
    assert call["scheduler"] is None
    assert "report written to ppprog-report/" in capsys.readouterr().out


def test_study_run_options_reach_the_claims_suite(claims_calls):
    argv = ["study", "run", "--quick", "--replicates", "5", "--workers", "2", "--seed", "3",
            "--scheduler", "tcp://127.0.0.1:8786", "--out", "rep", "--no-progress"]  # fmt: skip
    assert main(argv) == EXIT_OK
    (call,) = claims_calls
    assert call == {"out": Path("rep"), "spec": None, "quick": True, "replicates": 5, "workers": 2,
                    "scheduler": "tcp://127.0.0.1:8786", "seed": 3, "chunk_size": None,
                    "progress": False}  # fmt: skip


def test_claims_suite_file_goes_to_the_claims_report(claims_calls, tmp_path):
    from ppprog._core.resources import data_path

    spec = data_path("studies", "claims.toml")
    assert main(["study", "run", str(spec), "--quick"]) == EXIT_OK
    assert claims_calls[0]["spec"].path == str(spec)  # read once, handed down


def test_a_user_suite_runs_each_section(tmp_path, capsys):
    """A suite without the claims' [report] tables: one result folder per section."""
    from ppprog._core.resources import data_path

    suite = tmp_path / "mine.toml"
    suite.write_text(
        "[suite]\nname = 'mine'\nseed = 5\n"
        f"[sections.a]\nfile = '{data_path('studies', 'claims', 'refractory.toml')}'\n"
        "replicates = 3\nbase = { n = 80 }\n"
        f"[sections.b]\nfile = '{data_path('studies', 'claims', 'immortal_time.toml')}'\n"
        "replicates = 2\n"
    )
    out = tmp_path / "out"
    assert main(["study", "run", str(suite), "--out", str(out), "--no-progress"]) == EXIT_OK
    for key, reps in (("a", 3), ("b", 2)):
        perf = pd.read_csv(out / key / "performance.csv")
        assert (perf["n_total"] == reps).all()
        assert (out / key / "report.md").is_file()


def test_summarize_claims_folder(tmp_path, capsys):
    folder = tmp_path / "claims"
    (folder / "tables").mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"study": "report-claims"}))
    pd.DataFrame({"n": [100, 400], "power": [0.25, 0.8125]}).to_csv(
        folder / "tables" / "power.csv", index=False
    )
    assert main(["study", "summarize", str(folder)]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("power")
    assert "0.8125" in out


def test_summarize_folder_without_manifest(tmp_path, capsys):
    assert main(["study", "summarize", str(tmp_path)]) == EXIT_MISSING
    assert "holds no manifest.json" in capsys.readouterr().err


def test_options_before_or_after_run(claims_calls):
    assert main(["study", "--quick", "--seed", "4", "run", "--out", "r2"]) == EXIT_OK
    (call,) = claims_calls
    assert call["quick"] is True
    assert call["seed"] == 4
    assert call["out"] == Path("r2")


def test_report_of_incomplete_claims_folder(tmp_path, capsys):
    folder = tmp_path / "claims"
    (folder / "tables").mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"study": "report-claims", "settings": {}}))
    pd.DataFrame({"section": ["x"]}).to_parquet(folder / "replicates.parquet")
    assert main(["study", "report", str(folder)]) == EXIT_INPUT
    err = capsys.readouterr().err
    assert "cannot rebuild the report" in err
    assert "Traceback" not in err


@pytest.mark.slow
def test_claims_quick_run_summarize_and_rebuild(tmp_path, capsys):
    out = tmp_path / "claims"
    argv = ["study", "run", "--quick", "--workers", "1", "--out", str(out), "--no-progress"]
    assert main(argv) == EXIT_OK
    first = (out / "report.md").read_text()
    assert main(["study", "summarize", str(out)]) == EXIT_OK
    assert "power_onset" in capsys.readouterr().out
    (out / "report.md").unlink()
    assert main(["study", "report", str(out)]) == EXIT_OK
    # rebuilt from the saved tables and replicates, without rerunning the simulation
    assert (out / "report.md").read_text() == first


def test_study_help_shows_the_action_as_optional(capsys):
    assert main(["study", "--help"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("usage: ppprog study [options] [ACTION ...]")
    assert "actions (optional: without one, the claims suite runs)" in out


@pytest.mark.parametrize(
    "name",
    ["two_cases", "refractory", "publication", "publication_onset", "immortal_time",
     "requirements_onset", "requirements_resolution"],
)  # fmt: skip
def test_claims_sections_run_as_ordinary_study_files(tmp_path, name):
    """The claims study's sections are study files any user can run with `ppprog study run`."""
    from ppprog._core.resources import data_path

    path = data_path("studies", "claims", f"{name}.toml")
    out = tmp_path / name
    args = ["study", "run", str(path), "--replicates", "6", "--out", str(out), "--no-progress"]
    assert main(args) == EXIT_OK
    perf = pd.read_csv(out / "performance.csv")
    assert (perf["n_total"] == 6).all()
    if name == "two_cases":
        # exact truths from the scenario parameters: the null's P(case ANA-high at onset)
        from ppprog.simulate.exact import case_ana_high_from_params
        from ppprog.studies.studyfile import load_study

        params = load_study(path).scenarios[0].params
        row = perf[(perf["scenario"] == 0) & (perf["estimand"] == "case_ana_high")].iloc[0]
        assert row["truth"] == pytest.approx(case_ana_high_from_params(params), rel=1e-12)
