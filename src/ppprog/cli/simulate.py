"""``ppprog simulate``: write a synthetic cohort from a spec file or the calibrated default."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ppprog._core.errors import PpprogError
from ppprog.cli._io import write_frame

__all__ = ["register"]

_SPEC_SUFFIXES = (".toml", ".yaml", ".yml", ".json")
_CASE_SUFFIXES = (".yaml", ".yml")

_EPILOG = """\
forms (tables have the columns, dtypes and unit of the tables of real cases;
times in days, 30.4375 days per month of the spec):
  subjects   one row per replicate x subject, as resolution_table (resolution
             cohorts) or onset_table (onset cohorts): id, replicate, time, event,
             cause (0 censored, 1 endpoint, 2 death, 3 lost), covariates
  counting   (start, stop] rows split where a time-varying covariate changes,
             as counting_process
  cases      case records (the same Case type as real data): a .yaml file, or a
             folder of CSV/Parquet tables (--out DIR, --table-format)

examples:
  ppprog simulate --endpoint resolution --n 200 --seed 1 --out cohort.csv
  ppprog simulate my_spec.toml --form counting --replicates 10 --out cohort.parquet
  ppprog simulate --n 30 --form cases --out synthetic_cases.yaml
  ppprog simulate --endpoint onset --print-spec > my_spec.toml
  ppprog simulate --n 200 --out cohort.csv && ppprog fit km cohort.csv --group pustular_extent
"""


def register(sub: Any) -> None:
    """Add the ``simulate`` subcommand.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The top-level subparsers.
    """
    p = sub.add_parser(
        "simulate",
        help="write a synthetic cohort (CSV/Parquet/YAML)",
        description="Simulate cohorts from a spec file (TOML/YAML/JSON) or the calibrated "
        "default spec, and write them as a table or as case records.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("spec", nargs="?", metavar="SPEC",
                   help="cohort spec file (.toml, .yaml, .json); default: the calibrated spec")  # fmt: skip
    p.add_argument("--endpoint", choices=["onset", "resolution"], default="resolution",
                   help="which default spec to use without SPEC (default resolution)")  # fmt: skip
    p.add_argument("--n", type=int, default=200, help="subjects per cohort (default 200)")
    p.add_argument("--replicates", type=int, default=1, help="number of cohorts (default 1)")
    p.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    p.add_argument("--form", choices=["subjects", "counting", "cases"], default="subjects",
                   help="what to write (default subjects)")  # fmt: skip
    p.add_argument("--out", default=None,
                   help="output .csv/.parquet/.json (tables), .yaml or a folder (cases); "
                   "default: CSV on stdout")  # fmt: skip
    p.add_argument("--table-format", choices=["csv", "parquet"], default="csv",
                   help="for --form cases into a folder: table format (default csv)")  # fmt: skip
    p.add_argument("--print-spec", action="store_true",
                   help="print the spec as TOML and exit (a starting point for your own)")  # fmt: skip
    p.set_defaults(handler=_simulate)


def _load_spec(args: argparse.Namespace) -> Any:
    from ppprog.simulate.spec import CohortSpec

    if args.spec is None:
        return CohortSpec.default(args.endpoint)
    path = Path(args.spec)
    if not path.exists():
        raise FileNotFoundError(f"no such spec file: {path}")
    if path.suffix.lower() not in _SPEC_SUFFIXES:
        raise PpprogError(f"{path}: a spec file must be .toml, .yaml, .yml or .json")
    # a partial file changes the calibrated default of its endpoint, field by field
    endpoint = _endpoint_of(path) or args.endpoint
    base = CohortSpec.default(endpoint) if endpoint in ("onset", "resolution") else None
    return CohortSpec.load(path, base=base)


def _endpoint_of(path: Path) -> str | None:
    import re

    text = path.read_text(encoding="utf-8")
    m = re.search(r"""^\s*"?endpoint"?\s*[:=]\s*["']?(onset|resolution)\b""", text, re.MULTILINE)
    return m.group(1) if m else None


def _check_sizes(args: argparse.Namespace) -> None:
    if args.n < 1:
        raise PpprogError(f"--n must be at least 1, got {args.n}")
    if args.replicates < 1:
        raise PpprogError(f"--replicates must be at least 1, got {args.replicates}")


def _write_cases(batch: Any, args: argparse.Namespace) -> None:
    from ppprog.records.io import write_cases

    if args.out in (None, "-"):
        raise PpprogError("--form cases needs --out FILE.yaml or --out FOLDER")
    cases = [c for r in range(len(batch.replicates)) for c in batch.to_cases(r)]
    out = Path(args.out)
    if out.suffix.lower() in _CASE_SUFFIXES:
        write_cases(cases, out, format="yaml")
    elif out.suffix:
        raise PpprogError(f"--out {out}: cases go to a .yaml file or a folder (no suffix)")
    else:
        write_cases(cases, out, format=args.table_format)
    print(f"wrote {len(cases)} cases to {out}", file=sys.stderr)


def _simulate(args: argparse.Namespace) -> int:
    from ppprog.simulate.cohort import generate

    spec = _load_spec(args)
    if args.print_spec:
        sys.stdout.write(spec.to_toml())
        return 0
    _check_sizes(args)
    batch = generate(spec, n=args.n, replicates=args.replicates, seed=args.seed)
    if args.form == "cases":
        _write_cases(batch, args)
    else:
        write_frame(batch.to_frame(args.form), args.out)
    return 0
