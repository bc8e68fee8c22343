"""Worker processes: start method choice, its override, and the same bits whichever is used."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import pytest
from studies_toy import exp_rate_ratio, toy_generator

from ppprog._core.errors import SpecError
from ppprog.studies import Estimand, Method, Study, run
from ppprog.studies import workers as wk
from ppprog.studies.execute import run_chunk


def _study(replicates: int = 24) -> Study:
    return Study(
        name="toy",
        generator=toy_generator,
        methods=(Method("exp", exp_rate_ratio),),
        estimands=(Estimand("x", truth="log(hr)", allocation="prev"),),
        replicates=replicates,
        seed=20261205,
        base={"n": 50, "prev": 0.4},
        grid={"hr": [1.0, 1.5]},
    )


def _assert_identical(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    for c in ("estimate", "se", "lower", "upper", "p"):
        assert np.array_equal(a[c].to_numpy().view(np.int64), b[c].to_numpy().view(np.int64))


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_fork_and_spawn_give_the_serial_bits(method: str, monkeypatch) -> None:
    if method not in __import__("multiprocessing").get_all_start_methods():
        pytest.skip(f"no {method} start method on this platform")
    # the toy method runs no numba kernel: forcing fork is safe here whatever ran before
    monkeypatch.setenv(wk.ENV_START, method)
    study = _study()
    serial = run(study, progress=False, chunk_size=24).replicates
    procs = run(study, backend="processes", workers=2, chunk_size=5, progress=False)
    _assert_identical(serial, procs.replicates)


def test_forced_start_method_is_used_and_checked(monkeypatch) -> None:
    monkeypatch.setenv(wk.ENV_START, "spawn")
    assert wk.start_method() == "spawn"
    monkeypatch.setenv(wk.ENV_START, "forkserver-ish")
    with pytest.raises(SpecError, match=wk.ENV_START):
        wk.start_method()


def test_no_fork_while_another_thread_runs(monkeypatch) -> None:
    monkeypatch.delenv(wk.ENV_START, raising=False)
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert not wk.fork_safe()
        assert wk.start_method() == "spawn"
    finally:
        stop.set()
        t.join()


def test_warm_up_runs_the_first_replicate_only_and_never_raises() -> None:
    study = _study(replicates=6)
    seen = []

    def spy(task):  # noqa: ANN001, ANN202
        seen.append(task.key)
        return run_chunk(task)

    from ppprog.studies.execute import ChunkTask
    from ppprog.studies.generators import resolve_generator
    from ppprog.studies.seeding import ChunkKey

    task = ChunkTask(
        ChunkKey(1, 3, 3),
        study.scenarios[1].params,
        study.seed,
        resolve_generator(study.generator),
        tuple(m.resolved() for m in study.methods),
        study.estimands,
        study.level,
    )
    wk.warm_up(spy, task)
    assert seen == [ChunkKey(1, 3, 1)]

    def broken(task):  # noqa: ANN001, ANN202
        raise RuntimeError("warm-up failure is reported by the real chunk, not here")

    wk.warm_up(broken, task)  # does not raise
