"""``ppprog cases validate|show|table``: work with case files."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ppprog._core.errors import ProblemReport, ValidationError
from ppprog.cli._io import write_frame

__all__ = ["register"]


def register(sub: Any) -> None:
    """Add the ``cases`` subcommand group.

    Parameters
    ----------
    sub : argparse._SubParsersAction
    """
    p = sub.add_parser(
        "cases",
        help="validate, show or tabulate case files",
        description="Work with case files (YAML, or a folder of CSV/Parquet tables).",
    )
    cs = p.add_subparsers(dest="cases_command", metavar="ACTION", required=True)

    v = cs.add_parser("validate", help="check case files; list every problem")
    v.add_argument("paths", nargs="+", metavar="FILE", help="YAML case file or table folder")
    v.set_defaults(handler=_validate)

    s = cs.add_parser("show", help="print a readable timeline of each case")
    s.add_argument("path", metavar="FILE", help="YAML case file or table folder")
    s.add_argument(
        "--case", dest="case_ids", action="append", metavar="ID", help="only this case (repeatable)"
    )
    s.set_defaults(handler=_show)

    t = cs.add_parser("table", help="write a survival table built from the cases")
    t.add_argument("path", metavar="FILE", help="YAML case file or table folder")
    t.add_argument("--kind", choices=["resolution", "onset", "counting"], default="resolution")
    t.add_argument(
        "--endpoint",
        default="complete_resolution",
        help="complete_resolution (default) or pustule_clearance",
    )
    t.add_argument(
        "--time-varying",
        default="ana,treatment,switches",
        help="comma-separated time-varying covariates for --kind counting",
    )
    t.add_argument(
        "--out", default=None, help="output .csv/.parquet/.json (default: CSV on stdout)"
    )
    t.set_defaults(handler=_table)


def _validate(args: argparse.Namespace) -> int:
    from ppprog.records.io import read_cases

    report = ProblemReport()
    total = 0
    for path in args.paths:
        try:
            total += len(read_cases(path))
        except ValidationError as exc:
            report.extend(exc.problems)
    if report:
        print(str(report), file=sys.stderr)
        return 1
    print(f"ok: {total} case{'s' if total != 1 else ''} in {len(args.paths)} file(s), no problems")
    return 0


def _show(args: argparse.Namespace) -> int:
    from ppprog.records.io import read_cases
    from ppprog.records.timeline import format_timeline

    cases = read_cases(args.path)
    if args.case_ids:
        known = {c.case_id for c in cases}
        missing = [c for c in args.case_ids if c not in known]
        if missing:
            raise KeyError(
                f"{args.path}: no case with id {', '.join(map(repr, missing))}; "
                f"ids are {', '.join(sorted(known))}"
            )
        cases = [c for c in cases if c.case_id in set(args.case_ids)]
    print("\n\n".join(format_timeline(c) for c in cases))
    return 0


def _table(args: argparse.Namespace) -> int:
    from ppprog.records.io import read_cases
    from ppprog.tables import counting_process, onset_table, resolution_table

    cases = read_cases(args.path)
    if args.kind == "resolution":
        df = resolution_table(cases, endpoint=args.endpoint)
    elif args.kind == "onset":
        df = onset_table(cases)
    else:
        tv = [s.strip() for s in args.time_varying.split(",") if s.strip()]
        df = counting_process(cases, endpoint=args.endpoint, time_varying=tv)
    write_frame(df, args.out)
    return 0
