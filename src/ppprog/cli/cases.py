"""``ppprog cases validate|show|table|template``: work with case files.

Every command that reads cases takes several sources (YAML files, Excel
workbooks, table folders, folders of such files or glob patterns), read
together: case ids must be unique across them and every problem of every
file is listed at once.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ppprog._core.errors import ProblemReport, ValidationError
from ppprog.cli._io import write_frame

__all__ = ["register"]

_SOURCES = "YAML file, .xlsx workbook, table folder, folder of case files or glob (several allowed)"


def register(sub: Any) -> None:
    """Add the ``cases`` subcommand group.

    Parameters
    ----------
    sub : argparse._SubParsersAction
    """
    p = sub.add_parser(
        "cases",
        help="validate, show or tabulate case files; write a curator's template",
        description="Work with case files (YAML, Excel .xlsx, or a folder of CSV/Parquet tables).",
    )
    cs = p.add_subparsers(dest="cases_command", metavar="ACTION", required=True)

    v = cs.add_parser("validate", help="check case files; list every problem")
    v.add_argument("paths", nargs="+", metavar="FILE", help=_SOURCES)
    v.set_defaults(handler=_validate)

    s = cs.add_parser("show", help="print a readable timeline of each case")
    s.add_argument("paths", nargs="+", metavar="FILE", help=_SOURCES)
    s.add_argument(
        "--case", dest="case_ids", action="append", metavar="ID", help="only this case (repeatable)"
    )
    s.set_defaults(handler=_show)

    t = cs.add_parser("table", help="write a survival table built from the cases")
    t.add_argument("paths", nargs="+", metavar="FILE", help=_SOURCES)
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

    m = cs.add_parser(
        "template",
        help="write an Excel workbook and CSV tables for curators",
        description="Write DIR/cases_template.xlsx (one sheet per table, drop-down lists, "
        "column notes) and DIR/cases_template/ (the same tables as CSV). Row 2 of every "
        "table is an example (case id EXAMPLE-delete-this-row): delete it before use.",
    )
    m.add_argument("folder", metavar="DIR", help="output folder (created if needed)")
    m.set_defaults(handler=_template)


def _validate(args: argparse.Namespace) -> int:
    from ppprog.records.io import case_sources, read_cases

    try:
        total = len(read_cases(args.paths))
    except ValidationError as exc:
        print(str(ProblemReport(exc.problems)), file=sys.stderr)
        return 1
    n = len(case_sources(args.paths))
    print(f"ok: {total} case{'s' if total != 1 else ''} in {n} file(s), no problems")
    return 0


def _show(args: argparse.Namespace) -> int:
    from ppprog.records.io import read_cases
    from ppprog.records.timeline import format_timeline

    cases = read_cases(args.paths)
    if args.case_ids:
        known = {c.case_id for c in cases}
        missing = [c for c in args.case_ids if c not in known]
        if missing:
            raise KeyError(
                f"{', '.join(args.paths)}: no case with id {', '.join(map(repr, missing))}; "
                f"ids are {', '.join(sorted(known))}"
            )
        cases = [c for c in cases if c.case_id in set(args.case_ids)]
    print("\n\n".join(format_timeline(c) for c in cases))
    return 0


def _table(args: argparse.Namespace) -> int:
    from ppprog.records.io import read_cases
    from ppprog.tables import counting_process, onset_table, resolution_table

    cases = read_cases(args.paths)
    if args.kind == "resolution":
        df = resolution_table(cases, endpoint=args.endpoint)
    elif args.kind == "onset":
        df = onset_table(cases)
    else:
        tv = [s.strip() for s in args.time_varying.split(",") if s.strip()]
        df = counting_process(cases, endpoint=args.endpoint, time_varying=tv)
    write_frame(df, args.out)
    return 0


def _template(args: argparse.Namespace) -> int:
    from ppprog.records.template import write_template

    book, folder = write_template(args.folder)
    print(f"wrote {book} and {folder}/ (delete the example rows, case id "
          "EXAMPLE-delete-this-row, before use)")  # fmt: skip
    return 0
