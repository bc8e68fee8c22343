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


# The generation loops a study spends its time in, against their plain numpy definitions
# (bit for bit: the cohorts of a seed must not change with the implementation).


def _categorical_reference(probs, u):  # noqa: ANN001, ANN202
    cum = np.cumsum(np.asarray(list(probs.values()), dtype=np.float64))
    return np.minimum(np.searchsorted(cum, u, side="right"), len(cum) - 1).astype(np.int8)


def _management_reference(m, u_gap, u_choice):  # noqa: ANN001, ANN202
    from ppprog.simulate.spec import STRATEGIES

    kmax = u_gap.shape[-1]
    cum = np.zeros((len(STRATEGIES), len(STRATEGIES)))
    for i, frm in enumerate(STRATEGIES):
        row = m.transitions.get(frm, {})
        cum[i] = np.cumsum([row.get(s, 0.0) for s in STRATEGIES])
    strategy = np.zeros(u_gap.shape[:-1] + (kmax + 1,), dtype=np.int8)
    for k in range(kmax):
        rows = cum[strategy[..., k]]
        code = np.sum(rows <= u_choice[..., k, None], axis=-1)
        strategy[..., k + 1] = np.minimum(code, len(STRATEGIES) - 1)
    return strategy


@pytest.mark.parametrize("seed", [1, 7, 20261205])
def test_categorical_codes_equal_the_searchsorted_definition(seed: int) -> None:
    from ppprog.simulate.processes import categorical

    rng = np.random.default_rng(seed)
    u = rng.random((30, 77))
    # hit the category edges exactly, and u = 0
    u[0, :4] = [0.0, 0.2, 0.5, 0.7]
    for probs in ({"a": 0.2, "b": 0.3, "c": 0.5}, {"a": 1.0}, {"a": 0.0, "b": 0.7, "c": 0.3}):
        got = categorical(probs, u)
        assert got.dtype == np.int8
        np.testing.assert_array_equal(got, _categorical_reference(probs, u))
        np.testing.assert_array_equal(
            categorical(probs, u[:, 5]), _categorical_reference(probs, u[:, 5])
        )


@pytest.mark.parametrize("seed", [3, 11])
def test_management_strategies_equal_the_fancy_index_definition(seed: int) -> None:
    from ppprog.simulate.processes import draw_management
    from ppprog.studies.cohorts import cohort_spec

    spec = cohort_spec("resolution", {"n": 10})
    m = spec.model.management
    rng = np.random.default_rng(seed)
    k = max(m.max_changes, 2)
    u_gap, u_choice = rng.random((20, 50, k)), rng.random((20, 50, k))
    breaks, strategy = draw_management(m, u_gap, u_choice)
    assert strategy.dtype == np.int8
    np.testing.assert_array_equal(strategy, _management_reference(m, u_gap, u_choice))
    assert len(np.unique(strategy)) > 1  # the choices moved away from "continue"


@pytest.mark.parametrize("endpoint", ["onset", "resolution"])
def test_generated_cohorts_do_not_depend_on_the_chunking(endpoint: str) -> None:
    from ppprog.studies import cohorts

    gen = getattr(cohorts, f"{endpoint}_cohorts")
    whole = gen({"n": 40}, replicates=9, seed=5, scenario=1, first_replicate=2)
    parts = [
        gen({"n": 40}, replicates=c, seed=5, scenario=1, first_replicate=f)
        for f, c in ((2, 4), (6, 5))
    ]
    for name in ("time", "event", "status", "latent_time"):
        joined = np.concatenate([getattr(p, name) for p in parts])
        assert getattr(whole, name).tobytes() == joined.tobytes()


def test_a_tiny_management_rate_gives_changes_at_infinity_without_overflow_warnings() -> None:
    import warnings

    from ppprog.studies.cohorts import resolution_cohorts

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # overflow in the gaps' sum or in days was an error here
        b = resolution_cohorts(
            {"n": 4, "resolution.management.rate": 1.1125369292536007e-308},
            replicates=2, seed=0, scenario=0, first_replicate=0,
        )  # fmt: skip
        b.counting()
    assert np.isinf(b.breaks).any()
    assert (b.breaks > 1e300).all()
