"""Worker processes of ``backend="processes"``: start method, warm-up and allocator tuning.

A study on local processes is start-up bound below a few seconds of work:
each spawned worker re-imports numpy, pandas and ppprog before its first
chunk. When it is safe, the pool therefore forks, and the workers start with
every module the parent has imported. Forking is safe on POSIX systems other
than macOS when no other Python thread runs (tqdm's sleeping monitor thread
aside) and numba's threading layer has not been started (its threads, and
GNU OpenMP's state, would not be usable in the child). Otherwise the pool
spawns. Either way each worker runs one replicate of the first chunk in its
initializer (a warm-up whose result is discarded) so that the compiled
kernels are loaded from numba's cache, in parallel, before real chunks.

Neither choice changes a result: replicate ``r`` of scenario ``s`` draws from
its own stream and the warm-up's output is thrown away. The environment
variable ``PPPROG_START_METHOD`` (``fork`` or ``spawn``) overrides the choice
(forcing ``fork`` where it is unsafe is at the user's risk).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing as mp
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from typing import Any

from ppprog._core.errors import SpecError
from ppprog.studies.seeding import ChunkKey

__all__ = ["start_method", "fork_safe", "warm_up", "worker_init", "make_pool", "ENV_START"]

#: Environment variable that forces the start method (``fork`` or ``spawn``).
ENV_START = "PPPROG_START_METHOD"

# glibc ``mallopt`` parameters: keep freed chunk buffers instead of returning
# them to the OS after each chunk (repeated mmap/munmap and page faults).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_MALLOC_BYTES = 256 * 2**20


def fork_safe() -> bool:
    """Whether forking this process now is safe for a worker pool.

    Returns
    -------
    bool
        True on POSIX systems other than macOS (whose system libraries are
        not fork-safe) when ``fork`` is available, no other Python thread
        runs and numba's threading layer has not been started.
    """
    if os.name != "posix" or sys.platform == "darwin":
        return False
    if "fork" not in mp.get_all_start_methods():
        return False
    others = [t for t in threading.enumerate() if t is not threading.current_thread()]
    # tqdm's monitor only sleeps on its own event; a child never touches it
    if any(t.name != "tqdm_monitor" for t in others):
        return False
    par = sys.modules.get("numba.np.ufunc.parallel")
    return not getattr(par, "_is_initialized", False)


def start_method() -> str:
    """The start method for a pool created now: ``fork`` when safe, else ``spawn``.

    Returns
    -------
    str
        ``"fork"`` or ``"spawn"``; ``PPPROG_START_METHOD`` forces one of them.

    Raises
    ------
    SpecError
        When ``PPPROG_START_METHOD`` holds another value, or ``fork`` where
        the platform has no fork.
    """
    forced = os.environ.get(ENV_START, "").strip().lower()
    if forced:
        if forced not in ("fork", "spawn"):
            raise SpecError(
                f"environment variable {ENV_START} must be 'fork' or 'spawn', got {forced!r}"
            )
        if forced not in mp.get_all_start_methods():
            raise SpecError(f"{ENV_START}={forced!r} is not available on this platform")
        return forced
    return "fork" if fork_safe() else "spawn"


def _tune_malloc() -> None:
    """Raise glibc's trim and mmap thresholds in this process (no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(_M_TRIM_THRESHOLD, _MALLOC_BYTES)
        libc.mallopt(_M_MMAP_THRESHOLD, _MALLOC_BYTES)


def warm_up(run_chunk: Callable[[Any], Any], task: Any) -> None:
    """Run one replicate of ``task`` and discard it (imports, kernel cache, spec cache).

    Parameters
    ----------
    run_chunk : callable
        The chunk runner (``ppprog.studies.execute.run_chunk``).
    task : ChunkTask
        A chunk of the study; only its first replicate is run.

    Notes
    -----
    An error here is ignored: the same chunk runs again for real and reports
    it there, with the run's own handling.
    """
    key: ChunkKey = task.key
    with contextlib.suppress(Exception):
        run_chunk(replace(task, key=ChunkKey(key.scenario, key.first, 1)))


def worker_init(run_chunk: Callable[[Any], Any] | None, task: Any) -> None:
    """Initialize a worker process: allocator thresholds, then a warm-up when given.

    Parameters
    ----------
    run_chunk : callable or None
        The chunk runner; None skips the warm-up.
    task : ChunkTask or None
        The chunk whose first replicate warms the worker up.
    """
    _tune_malloc()
    if run_chunk is not None and task is not None:
        warm_up(run_chunk, task)


def make_pool(
    workers: int, run_chunk: Callable[[Any], Any], first: Any | None
) -> tuple[ProcessPoolExecutor, str]:
    """Start a pool of ``workers`` processes, warmed up on the chunk ``first``.

    Parameters
    ----------
    workers : int
        Number of processes.
    run_chunk : callable
        The chunk runner, used for the warm-up.
    first : ChunkTask or None
        The first chunk of the run (None: nothing to warm up on).

    Returns
    -------
    tuple of (concurrent.futures.ProcessPoolExecutor, str)
        The pool, all of its processes started, and the start method used.
    """
    method = start_method()
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=mp.get_context(method),
        initializer=worker_init,
        initargs=(run_chunk, first),
    )
    return pool, method
