"""``ppprog fit km|cox``: fit a model to a table or to case files."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas is imported when a table is read, not for --help
    import pandas as pd

from ppprog._core.errors import FitWarning, PpprogError
from ppprog.cli._io import print_json, read_frame, write_frame
from ppprog.cli.exits import EXIT_FIT, EXIT_OK

__all__ = ["register", "load_table"]


def register(sub: Any) -> None:
    """Add the ``fit`` subcommand group.

    Parameters
    ----------
    sub : argparse._SubParsersAction
    """
    p = sub.add_parser(
        "fit",
        help="fit Kaplan-Meier or Cox models",
        description="Fit a model to a CSV/Parquet table or to case files (YAML or a table folder).",
    )
    fs = p.add_subparsers(dest="fit_command", metavar="MODEL", required=True)

    km = fs.add_parser("km", help="Kaplan-Meier curve(s)")
    _common(km)
    km.add_argument("--group", default=None, help="column with group labels")
    km.add_argument("--entry", default=None, help="column with left-truncation times")
    km.add_argument("--conf-type", default="log", choices=["log", "log-log", "plain"])
    km.set_defaults(handler=_km)

    cox = fs.add_parser("cox", help="Cox proportional hazards (or Firth-penalized) model")
    _common(cox)
    what = cox.add_mutually_exclusive_group(required=True)
    what.add_argument("--covariates", help="comma-separated covariate columns (text columns are "
                      "treatment-coded against their first level)")  # fmt: skip
    what.add_argument("--formula", help="right-hand side of a formula, e.g. "
                      "\"age + C(pustular_extent, contr.treatment('none'))\"")  # fmt: skip
    cox.add_argument("--missing", choices=["raise", "drop"], default="raise",
                     help="rows with missing values: an error naming them (default) or dropped "
                     "and listed in the notes")  # fmt: skip
    cox.add_argument("--start", default=None, help="column with interval start (counting process)")
    cox.add_argument("--ties", default="efron", choices=["efron", "breslow"])
    cox.add_argument("--strata", default=None, help="column with strata")
    cox.add_argument("--cluster", default=None, help="column with cluster ids (robust SE)")
    cox.add_argument("--robust", action="store_true", help="robust (sandwich) standard errors")
    cox.add_argument(
        "--firth", action="store_true", help="Firth-penalized fit (small/separated samples)"
    )
    cox.set_defaults(handler=_cox)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "path", metavar="FILE", nargs="+",
        help="CSV/Parquet table(s) (rows stacked), or case files, case table folders and globs "
        "(read together; case ids must be unique across them)",
    )  # fmt: skip
    p.add_argument(
        "--time", default=None, help="time column (default 'time', or 'stop' for counting data)"
    )
    p.add_argument("--event", default="event", help="event column (default 'event')")
    p.add_argument(
        "--table",
        default="resolution",
        choices=["resolution", "onset", "counting"],
        help="for case files: which survival table to build (default resolution)",
    )
    p.add_argument("--endpoint", default="complete_resolution", help="for case files: the endpoint")
    p.add_argument("--alpha", type=float, default=0.05)
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--out", default=None, help="write the result table to .csv/.parquet/.json")


def load_table(path: str | list[str], table: str, endpoint: str) -> pd.DataFrame:
    """Read a table, or build one from case files.

    Parameters
    ----------
    path : str or list of str
        CSV/Parquet files (their rows are stacked; they must have the same
        columns), or YAML case files, folders of case tables and globs (read
        together by :func:`~ppprog.records.io.read_cases`). Not both kinds.
    table : {"resolution", "onset", "counting"}
        Survival table to build from case files.
    endpoint : str
        Endpoint for resolution/counting tables.

    Returns
    -------
    pandas.DataFrame
    """
    paths = [path] if isinstance(path, str) else list(path)
    tables = [p for p in paths if Path(p).suffix.lower() in (".csv", ".tsv", ".parquet", ".txt")]
    if tables and len(tables) != len(paths):
        raise PpprogError("give either survival tables (.csv/.parquet) or case files, not both")
    if tables:
        return _stack([read_frame(p) for p in tables], tables)
    from ppprog.records.io import read_cases
    from ppprog.tables import counting_process, onset_table, resolution_table

    cases = read_cases(paths if len(paths) > 1 else paths[0])
    if table == "onset":
        return onset_table(cases)
    if table == "counting":
        return counting_process(cases, endpoint=endpoint)
    return resolution_table(cases, endpoint=endpoint)


def _stack(frames: list[pd.DataFrame], paths: list[str]) -> pd.DataFrame:
    """Stack tables with identical columns (a clear error naming the first that differs)."""
    first = list(frames[0].columns)
    for frame, p in zip(frames[1:], paths[1:]):
        if list(frame.columns) != first:
            raise PpprogError(
                f"{p}: columns differ from {paths[0]} ({', '.join(map(str, frame.columns))} vs "
                f"{', '.join(map(str, first))}); tables are stacked only with the same columns"
            )
    if len(frames) == 1:
        return frames[0]
    import pandas as pd

    return pd.concat(frames, ignore_index=True)


def _column(df: pd.DataFrame, name: str, what: str, path: str) -> pd.Series:
    if name not in df.columns:
        raise PpprogError(
            f"{path}: no {what} column {name!r}; columns are {', '.join(map(str, df.columns))}"
        )
    return df[name]


def _km(args: argparse.Namespace) -> int:
    from ppprog.models.km import kaplan_meier

    df = load_table(args.path, args.table, args.endpoint)
    tcol = args.time or ("stop" if "stop" in df.columns and "time" not in df.columns else "time")
    fit = kaplan_meier(
        _column(df, tcol, "time", " ".join(args.path)),
        _column(df, args.event, "event", " ".join(args.path)),
        entry=None if args.entry is None else _column(df, args.entry, "entry", " ".join(args.path)),
        group=None if args.group is None else _column(df, args.group, "group", " ".join(args.path)),
        conf_type=args.conf_type,
        alpha=args.alpha,
    )
    if args.out:
        write_frame(fit.table, args.out)
    if args.json:
        print_json(
            {
                "summary": fit.summary.reset_index().to_dict(orient="records"),
                "table": fit.table.to_dict(orient="records"),
            }
        )
    elif not args.out:
        print(fit)
    return EXIT_OK


def _cox(args: argparse.Namespace) -> int:
    from ppprog.models.cox import cox_ph

    df = load_table(args.path, args.table, args.endpoint)
    counting = args.start is not None or "start" in df.columns and args.table == "counting"
    start = args.start or ("start" if counting else None)
    tcol = args.time or ("stop" if start else "time")
    covs = [c.strip() for c in (args.covariates or "").split(",") if c.strip()]
    for c in [tcol, args.event, *covs] + [x for x in (start, args.strata, args.cluster) if x]:
        _column(df, c, "required", " ".join(args.path))
    # the fit's status is printed with the result; the library warning would repeat it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)
        fit = cox_ph(
            df,
            duration=tcol,
            event=args.event,
            covariates=covs or None,
            formula=args.formula,
            missing=args.missing,
            start=start,
            ties=args.ties,
            strata=args.strata,
            cluster=args.cluster,
            robust=args.robust or args.cluster is not None,
            penalty="firth" if args.firth else None,
            alpha=args.alpha,
        )
    if args.out:
        write_frame(fit.summary.reset_index(), args.out)
    if args.json:
        print_json(
            {
                "status": fit.status.code.name.lower(),
                "message": fit.status.message,
                "n_iter": int(fit.n_iter),
                "loglik": float(fit.loglik),
                "summary": fit.summary.reset_index().to_dict(orient="records"),
            }
        )
    elif not args.out:
        print(fit)
    return _exit_for(fit.status)


def _exit_for(status: Any) -> int:
    """EXIT_OK for a converged fit, else EXIT_FIT with the status and why on stderr."""
    if status.code.ok:
        return EXIT_OK
    print(
        f"ppprog: fit status {status.code.name.lower()}: {status.message} "
        f"(exit code {EXIT_FIT}: the estimates above are not usable as they stand)",
        file=sys.stderr,
    )
    return EXIT_FIT
