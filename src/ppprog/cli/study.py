"""``ppprog study run|summarize|report``: simulation studies from the command line.

``ppprog study`` (no action) and ``ppprog study run`` (no file) run the
suite of the seed report's claims (``data/studies/claims.toml``: ordinary study
files run together) and write its report folder. A suite file runs every
section (the claims report when it has the claims' ``[report]`` tables, else
one result folder per section). With a study file, ``run`` runs it with the
study runner and writes a result folder:

    replicates.parquet   per-replicate estimates (scenario, method, replicate, estimand, ...)
    manifest.json        study, seed, versions, timings
    performance.csv      every performance measure with its Monte-Carlo SE
    report.md / .html    performance table and the bias/coverage figure
    chunks/              finished chunks (a rerun with the same --out resumes)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ppprog._core.errors import PpprogError
from ppprog._core.specfile import SpecFile, load_spec_file

__all__ = ["register", "run_claims"]

_DEFAULT_OUT = "ppprog-report"
_EPILOG = """\
examples:
  ppprog study                                  the claims suite, report in ppprog-report/
  ppprog study run --quick --out /tmp/claims    the same in seconds (small numbers)
  ppprog study run my_study.toml --replicates 200 --workers 2 --out my_study/
  ppprog study run my_study.toml --scheduler tcp://10.0.0.5:8786 --out my_study/
  ppprog study summarize my_study/
  ppprog study report my_study/
"""


def register(sub: Any) -> None:
    """Add the ``study`` subcommand group.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        The top-level subparsers.
    """
    p = sub.add_parser(
        "study",
        help="run, summarize or report simulation studies",
        description="Run simulation studies (the suite of the report's claims, a suite "
        "file or a study file), summarize a saved study, or rebuild its report. "
        "Without an action, runs the claims suite.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="%(prog)s [options] [ACTION ...]",
    )
    _run_options(p)
    p.set_defaults(handler=_run, file=None)
    ss = p.add_subparsers(
        dest="study_command",
        metavar="ACTION",
        title="actions (optional: without one, the claims suite runs)",
    )

    r = ss.add_parser("run", help="run a study or suite file, or the claims suite without FILE",
                      description="Run a study file or a suite file (TOML/YAML) or, without "
                      "FILE, the suite of the report's claims.")  # fmt: skip
    r.add_argument("file", nargs="?", default=argparse.SUPPRESS, metavar="FILE",
                   help="study or suite file (.toml, .yaml)")  # fmt: skip
    _run_options(r, inherit=True)
    r.set_defaults(handler=_run)

    s = ss.add_parser("summarize", help="print the performance summary of a saved study")
    s.add_argument("folder", metavar="DIR", help="folder written by 'ppprog study run'")
    s.add_argument("--out", default=None, help="also write the full summary (.csv/.parquet/.json)")
    s.set_defaults(handler=_summarize)

    b = ss.add_parser("report", help="(re)build the report of a saved study")
    b.add_argument("folder", metavar="DIR", help="folder written by 'ppprog study run'")
    b.set_defaults(handler=_report)


def _run_options(p: argparse.ArgumentParser, *, inherit: bool = False) -> None:
    """Add the run options; with ``inherit``, unset options keep the group's values.

    ``ppprog study --quick run`` and ``ppprog study run --quick`` both work: the
    ``run`` parser's defaults are suppressed so they do not overwrite options
    given before the action.
    """

    def d(value: object) -> object:
        return argparse.SUPPRESS if inherit else value

    p.add_argument("--quick", action="store_true", default=d(False),
                   help="suites: the [quick] tables, small numbers for tests and CI")  # fmt: skip
    p.add_argument("--replicates", type=int, default=d(None), help="replicates per scenario")
    p.add_argument("--workers", type=int, default=d(None),
                   help="local worker processes (suite default: all cores; study file: 1)")  # fmt: skip
    p.add_argument("--scheduler", default=d(None), metavar="ADDR",
                   help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")  # fmt: skip
    p.add_argument("--seed", type=int, default=d(None), help="root seed (default: the file's)")
    p.add_argument("--chunk-size", type=int, default=d(None), help="replicates per chunk")
    p.add_argument("--out", default=d(None), metavar="DIR",
                   help=f"output folder (default {_DEFAULT_OUT}/, or ppprog-study-NAME/ for a file)")  # fmt: skip
    p.add_argument("--no-progress", action="store_true", default=d(False),
                   help="hide the progress bar")  # fmt: skip


def _check_positive(args: argparse.Namespace) -> None:
    for name in ("replicates", "workers", "chunk_size"):
        v = getattr(args, name, None)
        if v is not None and v < 1:
            raise PpprogError(f"--{name.replace('_', '-')} must be at least 1, got {v}")


_CLAIMS_REPORT = ("two_cases", "publication", "requirements", "report_cases")


def _is_claims_suite(doc: SpecFile) -> bool:
    """True for a suite with the claims report's ``[report]`` tables."""
    report = doc.data.get("report") if isinstance(doc.data, dict) else None
    return isinstance(report, dict) and all(k in report for k in _CLAIMS_REPORT)


def _run(args: argparse.Namespace) -> int:
    from ppprog.studies.suite import is_suite

    _check_positive(args)
    doc = None
    if args.file is not None:  # a study file is read once, then handed down
        path = Path(args.file)
        if not path.exists():
            raise FileNotFoundError(f"no such study file: {path}")
        doc = load_spec_file(path)
        if not is_suite(doc):
            return _run_file(doc, args)
        if not _is_claims_suite(doc):
            return _run_suite(doc, args)
    out = Path(args.out or _DEFAULT_OUT)
    folder = run_claims(
        out=out, spec=doc, quick=args.quick, replicates=args.replicates,
        workers=args.workers, scheduler=args.scheduler, seed=args.seed,
        chunk_size=args.chunk_size, progress=not args.no_progress,
    )  # fmt: skip
    print(f"report written to {folder}/ (report.md, report.html, figures/, tables/)")
    return 0


def run_claims(*, out: Path, **options: Any) -> Path:
    """Run the claims study (studies layer), then write its report (report layer).

    Parameters
    ----------
    out : pathlib.Path
        Report folder.
    **options
        Passed to :func:`ppprog.report.claims_result.run_claims_study`.

    Returns
    -------
    pathlib.Path
        The folder.
    """
    from ppprog.report.build import write_claims_report
    from ppprog.report.claims_result import run_claims_study

    return write_claims_report(run_claims_study(**options), out)


def _backend(args: argparse.Namespace) -> dict[str, Any]:
    if args.scheduler:
        return {"backend": args.scheduler}
    if args.workers is not None and args.workers > 1:
        return {"backend": "processes", "workers": args.workers}
    return {"backend": "serial"}


def _run_suite(doc: SpecFile, args: argparse.Namespace) -> int:
    """A suite without the claims report: each section's results in ``OUT/KEY/``."""
    from ppprog.report.study import write_study_report
    from ppprog.studies.suite import load_suite, run_suite

    suite = load_suite(doc, quick=args.quick, replicates=args.replicates, seed=args.seed)
    out = Path(args.out or f"ppprog-suite-{suite.name}")
    res = run_suite(suite, workers=args.workers if args.workers is not None else 1,
                    scheduler=args.scheduler, chunk_size=args.chunk_size, checkpoint_dir=out,
                    progress=not args.no_progress)  # fmt: skip
    for key, result in res.results.items():
        result.to_parquet(out / key)
        write_study_report(result, out / key)
        print(f"[{key}]\n{result}\n")
    print(f"results written to {out}/ (one folder per section)")
    return 0


def _run_file(doc: SpecFile, args: argparse.Namespace) -> int:
    from ppprog.studies.studyfile import load_study, run_study_file

    if args.quick:
        print("ppprog: note: --quick applies to suite files only; use --replicates",
              file=sys.stderr)  # fmt: skip
    fields = {"replicates": args.replicates, "seed": args.seed}
    study = load_study(doc, **{k: v for k, v in fields.items() if v is not None})
    out = Path(args.out or f"ppprog-study-{study.name}")
    result = run_study_file(
        study, chunk_size=args.chunk_size,
        checkpoint_dir=out / "chunks", progress=not args.no_progress, **_backend(args),
    )  # fmt: skip
    result.to_parquet(out)
    from ppprog.report.study import write_study_report

    write_study_report(result, out)
    print(result)
    print(f"\nresults written to {out}/ (replicates.parquet, performance.csv, report.md)")
    return 0


def _folder(path: str) -> tuple[Path, dict[str, Any]]:
    folder = Path(path)
    manifest = folder / "manifest.json"
    if not folder.is_dir():
        raise FileNotFoundError(f"no such study folder: {folder}")
    if not manifest.exists():
        raise FileNotFoundError(
            f"{folder} holds no manifest.json: not a folder written by 'ppprog study run'"
        )
    try:
        return folder, json.loads(manifest.read_text())
    except json.JSONDecodeError as exc:
        raise PpprogError(f"{manifest}: not valid JSON ({exc})") from None


def _is_claims(manifest: dict[str, Any]) -> bool:
    return manifest.get("study") == "report-claims"


def _summarize(args: argparse.Namespace) -> int:
    folder, manifest = _folder(args.folder)
    if _is_claims(manifest):
        return _summarize_claims(folder, args)
    from ppprog.cli._io import write_frame
    from ppprog.studies.result import StudyResult

    result = StudyResult.load(folder)
    print(result)
    if args.out:
        write_frame(result.summary, args.out)
    return 0


def _summarize_claims(folder: Path, args: argparse.Namespace) -> int:
    import pandas as pd

    from ppprog._core.fmt import text_table

    tables = sorted((folder / "tables").glob("*.csv"))
    if not tables:
        raise PpprogError(f"{folder}/tables holds no summary tables")
    blocks = []
    for path in tables:
        frame = pd.read_csv(path)
        rows = [[_cell(v) for v in r] for r in frame.itertuples(index=False)]
        blocks.append(text_table([str(c) for c in frame.columns], rows, title=path.stem))
    print("\n\n".join(blocks))
    if args.out:
        print("ppprog: note: --out is for study-file results; the claims study's "
              f"tables are in {folder / 'tables'}", file=sys.stderr)  # fmt: skip
    return 0


def _cell(v: Any) -> str:
    from ppprog._core.fmt import fmt_num

    return fmt_num(v) if isinstance(v, float) else str(v)


def _report(args: argparse.Namespace) -> int:
    folder, manifest = _folder(args.folder)
    if _is_claims(manifest):
        from ppprog.report.build import write_claims_report

        try:
            write_claims_report(_load_claims(folder, manifest), folder)
        except KeyError as exc:  # a folder written by another version of the study
            raise PpprogError(
                f"{folder}: cannot rebuild the report, the saved results lack {exc}; "
                f"rerun 'ppprog study run --out {folder}'"
            ) from None
    else:
        from ppprog.report.study import write_study_report
        from ppprog.studies.result import StudyResult

        write_study_report(StudyResult.load(folder), folder)
    print(f"report written to {folder}/report.md and {folder}/report.html")
    return 0


def _load_claims(folder: Path, manifest: dict[str, Any]) -> Any:
    """Rebuild the claims study's result from its report folder (no simulation rerun)."""
    import pandas as pd

    from ppprog.report.claims_cases import analyse_report_cases
    from ppprog.report.claims_result import ClaimsResult

    settings = manifest["settings"]
    tables = {p.stem: pd.read_csv(p) for p in sorted((folder / "tables").glob("*.csv"))}
    replicates = pd.read_parquet(folder / "replicates.parquet")
    # section 6 is a deterministic analysis of the shipped cases: recomputed, not stored
    cases = analyse_report_cases(settings["report"]["report_cases"])
    return ClaimsResult(settings, tables, replicates, cases, manifest)


