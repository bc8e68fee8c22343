"""Benchmark: start-up cost of ``import ppprog`` and of the ``ppprog --help`` command.

Run as a script (not a test)::

    .venv/bin/python benchmarks/bench_import.py            # best of 7 fresh processes
    .venv/bin/python benchmarks/bench_import.py --quick    # one run each, for a smoke test

Every measurement starts a fresh interpreter (``subprocess``), so nothing is
cached in this process; the operating system's file cache is warm after the
first run, which is also what a user sees on a second call. Reported, best of
``--repeat`` runs each:

* ``python -c pass``: the bare interpreter (the floor);
* ``import ppprog``: timed inside the child with ``perf_counter`` around the
  import statement, and the child's whole wall time;
* ``ppprog --help``: the installed console script next to ``sys.executable``
  (or ``python -m ppprog --help`` when there is none), whole wall time.

Then, from one more fresh process, which heavy modules ``import ppprog`` pulls
into ``sys.modules`` and the slowest imports by ``python -X importtime``
(cumulative, top 12).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))
from _timing import load_line, table, versions  # noqa: E402

HEAVY = ["scipy.stats", "pandas", "matplotlib", "dask", "distributed", "numba", "lifelines"]
TARGETS = {"import ppprog (in process)": 0.5, "ppprog --help": 0.8}
IMPORT_CHILD = (
    "import time, json; t0 = time.perf_counter(); import ppprog; "
    "print(json.dumps(time.perf_counter() - t0))"
)
MODULES_CHILD = (
    "import sys, json; import ppprog; "
    f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
)


def cli_command() -> tuple[list[str], str]:
    """The command a user types for the help text, and how it is run here."""
    script = Path(sys.executable).with_name("ppprog")
    if script.exists():
        return [str(script), "--help"], f"{script} --help"
    return [sys.executable, "-m", "ppprog", "--help"], "python -m ppprog --help"


def wall(cmd: list[str]) -> tuple[float, str]:
    """Wall seconds of one fresh process and its standard output."""
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, out.stdout


def best(cmd: list[str], repeat: int) -> tuple[float, list[str]]:
    """Best wall time of ``repeat`` fresh processes, and their outputs."""
    runs = [wall(cmd) for _ in range(repeat)]
    return min(t for t, _ in runs), [o for _, o in runs]


def slowest_imports(top: int) -> list[list[object]]:
    """Top cumulative import times (ms) of ``import ppprog`` from ``-X importtime``."""
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", "import ppprog"],
                         capture_output=True, text=True, check=True)  # fmt: skip
    cumulative: dict[str, float] = {}
    for line in out.stderr.splitlines():
        parts = [p.strip() for p in line.removeprefix("import time:").split("|")]
        if len(parts) == 3 and parts[1].isdigit():  # a module can appear twice: keep the larger
            cumulative[parts[2]] = max(cumulative.get(parts[2], 0.0), int(parts[1]) / 1e3)
    ranked = sorted(cumulative.items(), key=lambda kv: -kv[1])
    return [[name, ms] for name, ms in ranked[:top]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="one run each instead of best of 7")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    repeat = 1 if args.quick else args.repeat
    cli, cli_name = cli_command()
    print("## Import and command-line start-up\n")
    print(versions("numpy", "scipy", "pandas", "numba", "ppprog") + "\n")
    print(f"{load_line()}\n")
    floor, _ = best([sys.executable, "-c", "pass"], repeat)
    proc, outs = best([sys.executable, "-c", IMPORT_CHILD], repeat)
    inner = min(json.loads(o) for o in outs)
    help_s, _ = best(cli, repeat)
    rows = [
        ["python -c pass (interpreter only)", floor, "-", "-"],
        ["import ppprog (in process)", inner, TARGETS["import ppprog (in process)"],
         inner <= TARGETS["import ppprog (in process)"]],
        ["python -c 'import ppprog' (whole process)", proc, "-", "-"],
        ["ppprog --help", help_s, TARGETS["ppprog --help"], help_s <= TARGETS["ppprog --help"]],
    ]  # fmt: skip
    print(table(["what", f"best of {repeat} s", "target s", "meets target"], rows))
    print(f"\nCLI run as: {cli_name}")
    heavy = json.loads(wall([sys.executable, "-c", MODULES_CHILD])[1])
    print(f"\nheavy modules loaded by `import ppprog`: {', '.join(heavy) if heavy else 'none'} "
          f"(checked: {', '.join(HEAVY)})")  # fmt: skip
    print("\n### Slowest imports under `import ppprog` (python -X importtime, cumulative)\n")
    print(table(["module", "cumulative ms"], slowest_imports(12)))


if __name__ == "__main__":
    main()
