"""Run a study: chunks of replicates, serially, on local processes or on Dask.

Each chunk (a range of replicates of one scenario) is generated and analysed
in one call of :func:`run_chunk`, wherever it runs; replicate ``r`` of
scenario ``s`` always draws from ``stream(seed, s, r)``, and the methods fit a
chunk with batched engines whose per-replicate arithmetic does not depend on
the other replicates of the chunk. The per-replicate table is assembled in a
fixed order at the end, so it is the same, bit for bit, for every backend,
worker count, chunk size and for a run resumed from a checkpoint.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ppprog._core.errors import SpecError
from ppprog.studies.checkpoint import MemoryStore, open_store
from ppprog.studies.design import Estimand, Study
from ppprog.studies.generators import generated_truth, resolve_generator
from ppprog.studies.guard import GUARD_HINT, check_main_guard
from ppprog.studies.methods import Method
from ppprog.studies.result import StudyResult, assemble
from ppprog.studies.seeding import ChunkKey, plan_chunks
from ppprog.studies.selection import Selection, generator_params

__all__ = ["run", "run_chunk", "ChunkTask", "ChunkOutput", "DEFAULT_CHUNK_SIZE"]

DEFAULT_CHUNK_SIZE = 200


@dataclass(frozen=True)
class ChunkTask:
    """Everything a worker needs to produce one chunk (small and picklable)."""

    key: ChunkKey
    params: Mapping[str, Any]
    seed: int
    generator: Callable[..., Any]
    methods: tuple[Method, ...]
    estimands: tuple[Estimand, ...]
    level: float
    selection: Selection | None = None


@dataclass(frozen=True)
class ChunkOutput:
    """A finished chunk: its tidy rows and how long each stage took."""

    key: ChunkKey
    frame: pd.DataFrame
    timing: Mapping[str, float]


class _Truths:
    """True values and covariate prevalences of a chunk's estimands (generator truth on demand)."""

    def __init__(self, task: ChunkTask, data: Any) -> None:
        self.params = task.params
        self.data = data
        self.declared = {e.name: e for e in task.estimands}
        self._gen: dict[str, float] | None = None
        self._asked = False

    def _generated(self) -> dict[str, float] | None:
        if not self._asked:
            self._gen, self._asked = generated_truth(self.data), True
        return self._gen

    def value(self, name: str) -> float:
        e = self.declared.get(name, Estimand(name))
        return e.true_value(self.params, self._generated() if e.truth is None else None)

    def allocation(self, name: str) -> float:
        e = self.declared.get(name)
        if e is None or e.allocation is None:
            return math.nan
        if e.allocation == "prevalence":
            gen = self._generated() or {}
            return gen.get(f"prevalence.{e.truth_key or e.name}", math.nan)
        return e.allocation_value(self.params)


def run_chunk(task: ChunkTask) -> ChunkOutput:
    """Generate one chunk of replicates and apply every method to it.

    Parameters
    ----------
    task : ChunkTask
        The chunk and the study's resolved generator and methods.

    Returns
    -------
    ChunkOutput
        Rows in (method, replicate, estimand) order, with absolute replicate
        indices, the scenario index and the true value of each estimand.
    """
    key = task.key
    t0 = time.perf_counter()
    data = task.generator(
        generator_params(task.params),
        replicates=key.count,
        seed=task.seed,
        scenario=key.scenario,
        first_replicate=key.first,
    )
    mask = None
    if task.selection is not None:
        mask = task.selection.for_scenario(task.params).mask(
            data, seed=task.seed, scenario=key.scenario, first_replicate=key.first
        )
    t1 = time.perf_counter()
    truth = _Truths(task, data)
    frames = []
    for method in task.methods:
        est = method.apply(data, level=task.level, mask=mask)
        rep = est["replicate"].to_numpy()
        if ((rep < 0) | (rep >= key.count)).any():
            raise SpecError(f"method {method.label!r} returned replicate indices outside the chunk")
        codes, names = pd.factorize(est["estimand"])
        true = np.array([truth.value(n) for n in names], dtype=np.float64)
        alloc = np.array([truth.allocation(n) for n in names], dtype=np.float64)
        cols: dict[str, Any] = {
            "scenario": np.full(len(est), key.scenario, dtype=np.int64),
            "method": np.full(len(est), method.label, dtype=object),
        }
        cols.update({c: est[c].to_numpy() for c in est.columns})
        cols["replicate"] = rep + key.first
        cols["truth"], cols["allocation"] = true[codes], alloc[codes]
        frames.append(pd.DataFrame(cols))  # one construction: no per-column inserts
    t2 = time.perf_counter()
    frame = pd.concat(frames, ignore_index=True)
    timing = {
        "generate_s": t1 - t0,
        "fit_s": t2 - t1,
        "pid": float(os.getpid()),
        "end_unix": time.time(),
    }
    return ChunkOutput(key, frame, timing)


def _iter_serial(tasks: Sequence[ChunkTask], workers: int | None) -> Iterator[ChunkOutput]:
    for t in tasks:
        yield run_chunk(t)


class _ProcessRun:
    """Chunks on a local process pool, started (and warmed up) when this is created.

    The pool starts before the progress bar and the run loop, so that forking
    happens while this process runs no other thread; :meth:`close` stops it.
    """

    def __init__(self, tasks: Sequence[ChunkTask], workers: int) -> None:
        from ppprog.studies.workers import make_pool

        self.pool, self.method = make_pool(workers, run_chunk, tasks[0] if tasks else None)
        self._finished = False
        try:
            self._pending = {self.pool.submit(run_chunk, t) for t in tasks}
        except BaseException:
            self.close()
            raise
        self._gen = self._results()

    def _results(self) -> Iterator[ChunkOutput]:
        from concurrent.futures import FIRST_COMPLETED, wait
        from concurrent.futures.process import BrokenProcessPool

        try:
            while self._pending:
                done, self._pending = wait(self._pending, return_when=FIRST_COMPLETED)
                for fut in sorted(done, key=lambda f: f.result().key):
                    yield fut.result()
            self._finished = True
        except BrokenProcessPool as exc:
            raise SpecError(
                f"a worker process died ({exc}); if this ran from a script, {GUARD_HINT}"
            ) from exc

    def __iter__(self) -> Iterator[ChunkOutput]:
        return self

    def __next__(self) -> ChunkOutput:
        return next(self._gen)

    def close(self) -> None:
        """Stop the pool; on an error or an interruption, drop queued chunks without waiting."""
        self._gen_close()
        self.pool.shutdown(wait=self._finished, cancel_futures=not self._finished)

    def _gen_close(self) -> None:
        gen = getattr(self, "_gen", None)
        if gen is not None:
            gen.close()


def _iter_dask(tasks: Sequence[ChunkTask], client: Any) -> Iterator[ChunkOutput]:
    from distributed import Client, as_completed

    own = isinstance(client, str)
    cl = Client(client) if own else client
    try:
        futures = [cl.submit(run_chunk, t, pure=False) for t in tasks]
        try:
            for fut in as_completed(futures):
                yield fut.result()
        finally:
            cl.cancel(futures)
    finally:
        if own:
            cl.close()


def _backend_iter(
    backend: Any, workers: int | None
) -> tuple[Callable[[Sequence[ChunkTask]], Iterator[ChunkOutput]], dict[str, Any]]:
    if backend == "serial":
        return (lambda ts: _iter_serial(ts, None)), {"backend": "serial", "workers": 1}
    if backend == "processes":
        check_main_guard()
        n = workers or os.cpu_count() or 1
        return (lambda ts: _ProcessRun(ts, n)), {"backend": "processes", "workers": n}
    if isinstance(backend, str) or type(backend).__name__ == "Client":
        where = backend if isinstance(backend, str) else getattr(backend, "scheduler", None)
        info = {"backend": "dask", "scheduler": str(where)}
        return (lambda ts: _iter_dask(ts, backend)), info
    raise SpecError(
        f"backend must be 'serial', 'processes', a dask Client or a scheduler address, got {backend!r}"
    )


def run(
    study: Study,
    *,
    backend: Any = "serial",
    workers: int | None = None,
    chunk_size: int | None = None,
    checkpoint_dir: str | Path | None = None,
    progress: bool = True,
    on_chunk: Callable[[ChunkKey, int], None] | None = None,
) -> StudyResult:
    """Run a study and return its per-replicate results.

    Parameters
    ----------
    study : Study
        The design.
    backend : {"serial", "processes"}, distributed.Client or str, optional
        Where chunks run: in this process; in a ``ProcessPoolExecutor``
        (forked when safe, else spawned, each worker warmed up on one
        replicate: :mod:`ppprog.studies.workers`); or on a Dask cluster, given as a ``Client``
        or a scheduler address such as ``"tcp://10.0.0.5:8786"``. Strings
        other than ``"serial"``/``"processes"`` are scheduler addresses.
    workers : int, optional
        Processes for ``backend="processes"`` (default: all cores).
    chunk_size : int, optional
        Replicates per chunk (default 200); bounds each worker's memory.
    checkpoint_dir : str or pathlib.Path, optional
        Folder for finished chunks and the manifest. A run on a folder that
        already holds finished chunks of the same study resumes from there.
    progress : bool, optional
        Show a tqdm progress bar (replicates per second); tqdm hides it
        when standard error is not a terminal.
    on_chunk : callable, optional
        ``on_chunk(key, n_finished)`` is called after each chunk is stored;
        an exception raised there stops the run (finished chunks are kept).

    Returns
    -------
    StudyResult
    """
    size = DEFAULT_CHUNK_SIZE if chunk_size is None else int(chunk_size)
    store = open_store(checkpoint_dir, study.to_dict(), study.fingerprint())
    scenarios = study.scenarios
    plan = plan_chunks(len(scenarios), study.replicates, size, store.done())
    generator = resolve_generator(study.generator)
    methods = tuple(m.resolved() for m in study.methods)
    tasks = [
        ChunkTask(
            k,
            scenarios[k.scenario].params,
            study.seed,
            generator,
            methods,
            study.estimands,
            study.level,
            study.selection,
        )
        for k in plan
    ]
    iterate, info = _backend_iter(backend, workers)
    store.start_run({**info, "chunk_size": size, "chunks_planned": len(plan)})
    t0 = time.perf_counter()
    n_run = _drive(iterate(tasks), store, study, plan, progress, on_chunk)
    store.finish_run(time.perf_counter() - t0, n_run)
    return _collect(store, study)


def _drive(
    outputs: Iterator[ChunkOutput],
    store: MemoryStore,
    study: Study,
    plan: list[ChunkKey],
    progress: bool,
    on_chunk: Callable[[ChunkKey, int], None] | None,
) -> int:
    from tqdm import tqdm

    total = len(study.scenarios) * study.replicates
    todo = sum(k.count for k in plan)
    n_run = 0
    bar = None
    try:
        bar = tqdm(
            total=total,
            initial=total - todo,
            unit="rep",
            desc=study.name,
            disable=None if progress else True,
            smoothing=0.1,
        )
        for i, out in enumerate(outputs, start=1):
            store.put(out.key, out.frame, out.timing)
            n_run += out.key.count
            bar.update(out.key.count)
            if on_chunk is not None:
                on_chunk(out.key, i)
    finally:
        if bar is not None:
            bar.close()
        if hasattr(outputs, "close"):
            outputs.close()
    return n_run


def _collect(store: MemoryStore, study: Study) -> StudyResult:
    keys = [k for k in sorted(store.done()) if k.first < study.replicates]
    table = assemble(store.frames(keys), study)
    per_method = table.groupby(["scenario", "method"])["replicate"].nunique()
    want = study.replicates
    short = per_method[per_method != want]
    if len(per_method) != len(study.scenarios) * len(study.methods) or len(short):
        raise SpecError(
            f"every method must report every replicate ({want} per scenario); got {short.to_dict()}"
        )
    return StudyResult(study=study, replicates=table, manifest=store.manifest)
