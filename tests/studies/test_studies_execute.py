"""Running studies: known answers, bit-identical backends, resume, failure counts."""

from __future__ import annotations

import math

import distributed
import numpy as np
import pandas as pd
import pytest
from studies_toy import exp_rate_ratio, toy_generator

from ppprog._core.errors import SpecError
from ppprog.studies import Estimand, Method, Study, StudyResult, run
from ppprog.studies.execute import run_chunk
from ppprog.studies.result import scenario_labels


def _study(replicates: int = 40, **kw) -> Study:
    args = {
        "name": "toy",
        "generator": toy_generator,
        "methods": (Method("exp", exp_rate_ratio),),
        "estimands": (Estimand("x", truth="log(hr)", allocation="prev"),),
        "replicates": replicates,
        "seed": 20261124,
        "base": {"n": 60, "prev": 0.5},
        "grid": {"hr": [1.0, 2.0]},
    }
    args.update(kw)
    return Study(**args)


def _assert_identical(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    for c in ("estimate", "se", "lower", "upper", "p"):
        assert np.array_equal(a[c].to_numpy().view(np.int64), b[c].to_numpy().view(np.int64))


def test_null_effect_gives_nominal_type_one_error() -> None:
    study = _study(replicates=1000, base={"n": 200, "prev": 0.5}, grid={"hr": [1.0]})
    perf = run(study, progress=False, chunk_size=250).performance()
    row = perf.iloc[0]
    assert row["n_used"] == 1000
    assert abs(row["power"] - 0.05) <= 3 * math.sqrt(0.05 * 0.95 / 1000)


def test_correct_model_is_unbiased_with_nominal_coverage() -> None:
    study = _study(replicates=1000, base={"n": 400, "prev": 0.4}, grid={"hr": [2.0]})
    res = run(study, progress=False, chunk_size=500)
    row = res.performance().iloc[0]
    assert row["truth"] == pytest.approx(math.log(2.0), abs=0, rel=1e-15)
    assert abs(row["bias"]) <= 3 * row["bias_mcse"]
    assert abs(row["coverage"] - 0.95) <= 3 * math.sqrt(0.95 * 0.05 / 1000)
    assert abs(row["rel_error"]) <= 3 * row["rel_error_mcse"]
    # simulated power next to the formula power for the same scenario
    assert 0 < row["power_schoenfeld"] < 1
    assert 0 < row["power_freedman"] < 1
    assert abs(row["power"] - row["power_schoenfeld"]) < 0.05


def test_table_layout_and_replicate_indices() -> None:
    res = run(_study(replicates=7), progress=False, chunk_size=3)
    t = res.replicates
    assert len(t) == 2 * 7
    assert list(t.columns[:13]) == [
        "scenario", "method", "replicate", "estimand", "estimate", "se",
        "lower", "upper", "p", "status", "n_events", "truth", "allocation",
    ]  # fmt: skip
    assert t.groupby("scenario").replicate.apply(list).tolist() == [list(range(7))] * 2
    assert set(t["hr"]) == {1.0, 2.0}
    assert set(t["n"]) == {60}
    assert res.manifest["seed"] == 20261124
    assert len(res.manifest["chunks"]) == 6


def test_chunk_matches_direct_generation() -> None:
    """Replicate r of scenario s is the r-th stream, whatever chunk it is in."""
    study = _study(replicates=10)
    res = run(study, progress=False, chunk_size=4)
    one = toy_generator({"n": 60, "prev": 0.5, "hr": 2.0}, replicates=1, seed=study.seed,
                        scenario=1, first_replicate=7)  # fmt: skip
    direct = exp_rate_ratio(one)
    row = res.replicates.query("scenario == 1 and replicate == 7").iloc[0]
    assert row["estimate"] == direct["estimate"].iloc[0]


@pytest.mark.parametrize("chunk_size", [1, 7, 40])
def test_bit_identical_across_chunk_sizes(chunk_size: int) -> None:
    ref = run(_study(), progress=False, chunk_size=40).replicates
    _assert_identical(ref, run(_study(), progress=False, chunk_size=chunk_size).replicates)


def test_bit_identical_serial_processes_dask() -> None:
    """Same bits serially, on 2 spawned processes and on a real 2-worker Dask cluster.

    (The real engine, numba Cox, Firth and log-rank on ppprog's cohort generator, is
    checked the same way in test_studies_engine_bits.py.)
    """
    study = _study(replicates=30)
    serial = run(study, progress=False, chunk_size=30).replicates
    procs = run(study, backend="processes", workers=2, chunk_size=4, progress=False)
    _assert_identical(serial, procs.replicates)
    assert procs.manifest["runs"][-1]["workers"] == 2
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        via_client = run(study, backend=client, chunk_size=5, progress=False)
        via_address = run(study, backend=cluster.scheduler_address, chunk_size=11, progress=False)
    _assert_identical(serial, via_client.replicates)
    _assert_identical(serial, via_address.replicates)
    assert via_client.manifest["runs"][-1]["backend"] == "dask"


class _Stop(Exception):
    pass


def test_interrupt_and_resume_is_bitwise_equal(tmp_path) -> None:
    study = _study(replicates=25)
    full = run(study, progress=False, chunk_size=4).replicates

    def stop_after_3(key, n_done):
        if n_done == 3:
            raise _Stop

    with pytest.raises(_Stop):
        run(study, progress=False, chunk_size=4, checkpoint_dir=tmp_path, on_chunk=stop_after_3)
    assert len(list(tmp_path.glob("*.parquet"))) == 3
    # resume with a different chunk size: only the gaps are run, nothing twice
    resumed = run(study, progress=False, chunk_size=6, checkpoint_dir=tmp_path)
    _assert_identical(full, resumed.replicates)
    assert not resumed.replicates.duplicated(["scenario", "method", "replicate", "estimand"]).any()
    runs = resumed.manifest["runs"]
    assert len(runs) == 2
    assert runs[1]["replicates_run"] == 2 * 25 - 3 * 4
    # a third run finds everything done
    again = run(study, progress=False, checkpoint_dir=tmp_path)
    assert again.manifest["runs"][-1]["replicates_run"] == 0
    _assert_identical(full, again.replicates)


def test_orphan_chunk_file_is_recomputed_not_counted(tmp_path) -> None:
    """A chunk written but not yet in the manifest (killed between renames) is redone."""
    study = _study(replicates=8)
    run(study, progress=False, chunk_size=4, checkpoint_dir=tmp_path)
    import json

    man = json.loads((tmp_path / "manifest.json").read_text())
    man["chunks"] = man["chunks"][:-1]
    (tmp_path / "manifest.json").write_text(json.dumps(man))
    res = run(study, progress=False, chunk_size=4, checkpoint_dir=tmp_path)
    assert res.manifest["runs"][-1]["replicates_run"] == 4
    _assert_identical(run(study, progress=False).replicates, res.replicates)


def test_extend_study_with_more_replicates(tmp_path) -> None:
    run(_study(replicates=10), progress=False, chunk_size=4, checkpoint_dir=tmp_path)
    more = run(_study(replicates=16), progress=False, chunk_size=4, checkpoint_dir=tmp_path)
    assert more.manifest["runs"][-1]["replicates_run"] == 2 * 6
    _assert_identical(run(_study(replicates=16), progress=False).replicates, more.replicates)


def test_checkpoint_of_another_study_is_refused(tmp_path) -> None:
    run(_study(replicates=4), progress=False, checkpoint_dir=tmp_path)
    with pytest.raises(SpecError, match="different study"):
        run(_study(replicates=4, seed=1), progress=False, checkpoint_dir=tmp_path)


def test_nonconvergence_is_counted_and_reported() -> None:
    # few subjects with x=1 and a tiny hazard among them: often no event in that group
    study = _study(replicates=200, base={"n": 20, "prev": 0.15, "censor": 0.5}, grid={"hr": [0.05]})
    res = run(study, progress=False, chunk_size=64)
    perf = res.performance()
    row = perf.iloc[0]
    statuses = res.replicates["status"]
    n_sep = int((statuses == "monotone_likelihood").sum())
    assert n_sep > 20
    assert row["n_total"] == 200
    assert row["n_separated"] == n_sep
    assert row["n_nonconverged"] == n_sep
    assert row["n_used"] == 200 - n_sep
    assert row["failures"] == "exclude"
    inc = res.performance(failures="include").iloc[0]
    assert inc["n_separated"] == n_sep
    assert inc["n_nonfinite"] == row["n_nonfinite"]
    assert inc["n_used"] == 200 - inc["n_nonfinite"]
    assert "n_used" in str(res)
    assert res.notes == [
        f"scenario 0 ({scenario_labels(res.study)[0]}), method 'exp': {n_sep} of 200 fits did not converge ({n_sep} "
        "monotone_likelihood); excluded from the measures by default, counted in "
        "n_nonconverged / n_separated"
    ]
    assert res.notes[0] in str(res)


def test_result_round_trip(tmp_path) -> None:
    res = run(_study(replicates=6), progress=False)
    res.to_parquet(tmp_path / "out")
    back = StudyResult.load(tmp_path / "out")
    _assert_identical(res.replicates, back.replicates)
    assert back.study.fingerprint() == res.study.fingerprint()
    pd.testing.assert_frame_equal(res.performance(), back.performance())
    # results stay readable where the study's callables cannot be imported
    import json

    man = json.loads((tmp_path / "out" / "manifest.json").read_text())
    man["study"]["methods"][0]["method"] = "__main__:gone"
    (tmp_path / "out" / "manifest.json").write_text(json.dumps(man))
    assert len(StudyResult.load(tmp_path / "out").performance()) == 2


def test_run_chunk_rejects_bad_method_output() -> None:
    def bad(data):
        return pd.DataFrame({"replicate": [0]})

    study = _study(replicates=3, methods=(Method("bad", bad),))
    with pytest.raises(SpecError, match="lacks columns"):
        run(study, progress=False)


def test_unknown_backend() -> None:
    with pytest.raises(SpecError, match="backend"):
        run(_study(replicates=2), backend=42, progress=False)


def test_run_chunk_is_public_and_small() -> None:
    assert callable(run_chunk)


_KILL_SCRIPT = """
import sys, time
sys.path.insert(0, {testdir!r})
from studies_toy import exp_rate_ratio, toy_generator
from ppprog.studies import Estimand, Method, Study, run
study = Study(name="toy", generator=toy_generator, methods=(Method("exp", exp_rate_ratio),),
              estimands=(Estimand("x", truth="log(hr)", allocation="prev"),), replicates=30,
              seed=20261124, base={{"n": 60, "prev": 0.5}}, grid={{"hr": [1.0, 2.0]}})
run(study, progress=False, chunk_size=3, checkpoint_dir={ckpt!r},
    on_chunk=lambda key, n: time.sleep(0.2))
"""


def test_killed_process_resumes_without_loss_or_duplicates(tmp_path) -> None:
    """SIGKILL a real run mid-way (no clean-up possible), then resume."""
    import json
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    ckpt = tmp_path / "ckpt"
    code = _KILL_SCRIPT.format(testdir=str(Path(__file__).parent), ckpt=str(ckpt))
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 60
        n_done = 0
        while time.monotonic() < deadline and proc.poll() is None:
            man = ckpt / "manifest.json"
            if man.exists():
                n_done = len(json.loads(man.read_text())["chunks"])
                if n_done >= 3:
                    break
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert 3 <= n_done < 20, "the run was not interrupted mid-way"
    resumed = run(_study(replicates=30), progress=False, chunk_size=7, checkpoint_dir=ckpt)
    first = resumed.manifest["runs"][0]
    assert "finished" not in first  # the killed run never finished
    assert resumed.study.fingerprint() == _study(replicates=30).fingerprint()
    _assert_identical(run(_study(replicates=30), progress=False).replicates, resumed.replicates)


def test_progress_bar_shows_replicates_per_second(monkeypatch) -> None:
    import io
    import sys

    class _Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    fake = _Tty()
    monkeypatch.setattr(sys, "stderr", fake)
    run(_study(replicates=6), progress=True, chunk_size=3)
    text = fake.getvalue()
    assert "12/12" in text
    assert "rep/s" in text
    quiet = _Tty()
    monkeypatch.setattr(sys, "stderr", quiet)
    run(_study(replicates=6), progress=False)
    assert quiet.getvalue() == ""


def test_method_dropping_replicates_is_an_error() -> None:
    def drops_one(data):
        out = exp_rate_ratio(data)
        return out[out.replicate != 0]

    with pytest.raises(SpecError, match="every replicate"):
        run(_study(replicates=4, methods=(Method("drop", drops_one),)), progress=False)


def test_load_from_checkpoint_folder(tmp_path) -> None:
    res = run(_study(replicates=9), progress=False, chunk_size=4, checkpoint_dir=tmp_path)
    back = StudyResult.load(tmp_path)
    _assert_identical(res.replicates, back.replicates)
