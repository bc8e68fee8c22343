"""Small timing and memory helpers for the benchmark scripts (not a test)."""

from __future__ import annotations

import datetime
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from importlib import metadata
from typing import Any


def best_time(fn: Callable[[], Any], *, repeat: int = 5, number: int = 1) -> tuple[float, float]:
    """Best (minimum) wall and CPU time in seconds per call, over ``repeat`` runs.

    The minimum is the least noisy estimate on a shared machine: other load
    only ever adds time. CPU time (``time.process_time``, summed over this
    process's threads) is also robust to being descheduled, so it is the fairer
    measure for single-threaded code on a busy machine.
    """
    wall = cpu = float("inf")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(number):
            fn()
        wall = min(wall, (time.perf_counter() - t0) / number)
        cpu = min(cpu, (time.process_time() - c0) / number)
    return wall, cpu


def traced_peak(fn: Callable[[], Any]) -> tuple[Any, int]:
    """Run ``fn`` and return (result, peak bytes traced by tracemalloc).

    tracemalloc sees numpy's allocations but not numba's internal (NRT) ones,
    so this is a lower bound; see :func:`max_rss_mb` for the process peak.
    """
    tracemalloc.start()
    try:
        out = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return out, peak


def max_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 2**10


def table(header: list[str], rows: list[list[Any]]) -> str:
    """A Markdown table."""

    def cell(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:.3g}" if abs(v) < 1e3 else f"{v:,.0f}"
        return str(v)

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in r) + " |" for r in rows]
    return "\n".join(lines)


def load_line() -> str:
    """Date, machine and load average (as printed by ``uptime``), for a table's heading."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    uptime = shutil.which("uptime")
    if uptime is not None:
        out = subprocess.run([uptime], capture_output=True, text=True, check=False).stdout
        load = out.strip().split("load average:")[-1].strip() if "load average:" in out else ""
    else:
        load = ""
    if not load and hasattr(os, "getloadavg"):
        load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    return (f"measured {now} on {platform.node() or 'unknown host'} ({os.cpu_count()} CPUs, "
            f"{platform.machine()}), load average {load or 'unknown'}")  # fmt: skip


def versions(*names: str) -> str:
    """Python and package versions, e.g. ``Python 3.12.3, numpy 2.1.0``."""
    parts = [f"Python {platform.python_version()}"]
    for name in names:
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name} (not installed)")
    return ", ".join(parts)
