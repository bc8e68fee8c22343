"""Read and write cases, choosing the format from each path.

``*.yaml``/``*.yml`` files are YAML case files (:mod:`ppprog.records.io_yaml`);
``*.xlsx`` files are Excel workbooks and folders holding ``cases.csv`` or
``cases.parquet`` are sets of tables (:mod:`ppprog.records.io_table`). Many
sources can be read together: a list of paths, a folder of case files or a
glob pattern. Case ids must be unique across everything read together, and
every problem of every file is reported in one
:class:`~ppprog._core.errors.ValidationError`.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable, Sequence
from pathlib import Path

from ppprog._core.errors import Problem, ProblemReport, ValidationError
from ppprog.records.case import Case
from ppprog.records.gcpause import paused_gc
from ppprog.records.io_table import tables_to_cases
from ppprog.records.io_yaml import read_yaml_located, write_yaml
from ppprog.records.table_files import (
    is_table_dir,
    read_table_dir,
    read_workbook,
    write_cases_workbook,
)
from ppprog.records.table_write import write_table_dir

__all__ = ["read_cases", "write_cases", "case_sources"]

_YAML = (".yaml", ".yml")
_EXCEL = (".xlsx",)
PathLike = str | Path


def case_sources(paths: PathLike | Sequence[PathLike]) -> list[Path]:
    """Expand paths, folders and glob patterns into the case sources they name.

    Parameters
    ----------
    paths : str, pathlib.Path or sequence of them
        Files (``.yaml``, ``.yml``, ``.xlsx``), table folders, folders of case
        files, or glob patterns (``"registry/*.yaml"``).

    Returns
    -------
    list of pathlib.Path
        In the order given; a folder's or pattern's matches sorted by name.

    Raises
    ------
    FileNotFoundError
        If a path does not exist or a pattern or folder matches nothing.
    """
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    out: list[Path] = []
    for item in items:
        p = Path(item)
        if p.exists():
            out.extend(_folder(p) if p.is_dir() and not is_table_dir(p) else [p])
        elif glob.has_magic(str(item)):
            hits = sorted(Path(h) for h in glob.glob(str(item)))
            if not hits:
                raise FileNotFoundError(f"no case file matches {item}")
            out.extend(hits)
        else:
            raise FileNotFoundError(f"no such case file or folder: {p}")
    return out


def _folder(p: Path) -> list[Path]:
    hits = sorted(
        x for x in p.iterdir()
        if (x.is_file() and x.suffix.lower() in _YAML + _EXCEL) or (x.is_dir() and is_table_dir(x))
    )  # fmt: skip
    if not hits:
        raise FileNotFoundError(
            f"no case files in folder {p} (expected .yaml/.yml/.xlsx files, table folders, "
            "or cases.csv/cases.parquet with the other tables)"
        )
    return hits


def _read_one(p: Path, report: ProblemReport) -> list[tuple[Case, str, int | None]]:
    """Cases of one source with the file and line (row) where each starts."""
    if p.is_dir() or p.suffix.lower() in _EXCEL:
        tables = read_table_dir(p, report) if p.is_dir() else read_workbook(p, report)
        if not tables:
            return []
        cases = tables_to_cases(tables, where=str(p))
        t = tables["cases"]
        assert t is not None
        return [(c, t.file, t.first_row + i) for i, c in enumerate(cases)]
    if p.suffix.lower() in _YAML:
        cases, lines = read_yaml_located(p)
        return [(c, str(p), line) for c, line in zip(cases, lines)]
    raise ValueError(
        f"cannot read cases from {p}: expected a .yaml/.yml file, an .xlsx workbook or a folder of tables"
    )


def read_cases(paths: PathLike | Sequence[PathLike]) -> list[Case]:
    """Read cases from YAML files, Excel workbooks and folders of tables.

    Parameters
    ----------
    paths : str, pathlib.Path or sequence of them
        One source or several: ``.yaml``/``.yml`` files, ``.xlsx``
        workbooks, folders with ``cases.csv`` (or ``cases.parquet``) and the
        other tables, folders of such sources, or glob patterns.

    Returns
    -------
    list of Case
        Validated; in the order of the sources, then file order.

    Raises
    ------
    ValidationError
        Listing every problem of every source (file, line or row, case id,
        field), including a case id used in two sources.
    FileNotFoundError
        If a path does not exist.

    Examples
    --------
    >>> from ppprog._core.resources import data_path
    >>> cases = read_cases(data_path("cases", "seed_report.yaml"))
    >>> [c.case_id for c in cases]
    ['seed-case-1', 'seed-case-2']
    """
    report = ProblemReport()
    found: list[tuple[Case, str, int | None]] = []
    sources = case_sources(paths)
    with paused_gc():
        for p in sources:
            try:
                found.extend(_read_one(p, report))
            except ValidationError as exc:
                report.extend(exc.problems)
    first: dict[str, tuple[str, int | None]] = {}
    for case, file, line in found if len(sources) > 1 else ():  # within a file: validate()
        where = first.setdefault(case.case_id, (file, line))
        if where[0] != file:
            at = f"{where[0]}:{where[1]}" if where[1] is not None else where[0]
            report.extend([Problem(file, case.case_id, "id", f"case id also used in {at}", line)])
    report.raise_if_any()
    return [c for c, _, _ in found]


def write_cases(cases: Iterable[Case], path: PathLike, *, format: str | None = None) -> None:
    """Write cases to a YAML file, an Excel workbook or a folder of tables.

    Parameters
    ----------
    cases : iterable of Case
    path : str or pathlib.Path
        A ``.yaml``/``.yml`` file, an ``.xlsx`` workbook, or a folder for tables.
    format : {"yaml", "csv", "parquet", "xlsx"}, optional
        Default: from the suffix (``.yaml``/``.yml``, ``.xlsx``), else CSV tables.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    fmt = format or ("yaml" if suffix in _YAML else "xlsx" if suffix in _EXCEL else "csv")
    if fmt == "yaml":
        write_yaml(cases, p)
    elif fmt == "xlsx":
        write_cases_workbook(cases, p)
    elif fmt in ("csv", "parquet"):
        write_table_dir(cases, p, format=fmt)
    else:
        raise ValueError(f"format must be 'yaml', 'csv', 'parquet' or 'xlsx', got {format!r}")
