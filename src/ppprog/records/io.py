"""Read and write cases, choosing the format from the path.

``*.yaml`` / ``*.yml`` files are YAML case files
(:mod:`ppprog.records.io_yaml`); a folder holds the tidy tables of
:mod:`ppprog.records.io_table` (CSV or Parquet).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ppprog.records.case import Case
from ppprog.records.io_table import read_table_dir, write_table_dir
from ppprog.records.io_yaml import read_yaml, write_yaml

__all__ = ["read_cases", "write_cases"]

_YAML = (".yaml", ".yml")


def read_cases(path: str | Path) -> list[Case]:
    """Read cases from a YAML file or a folder of tables.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.yaml``/``.yml`` file, or a folder with ``cases.csv`` (or
        ``cases.parquet``) and the item tables.

    Returns
    -------
    list of Case
        Validated; in file order.

    Raises
    ------
    ValidationError
        Listing every problem (file, line or row, case id, field).
    FileNotFoundError
        If ``path`` does not exist.

    Examples
    --------
    >>> from ppprog._core.resources import data_path
    >>> cases = read_cases(data_path("cases", "seed_report.yaml"))
    >>> [c.case_id for c in cases]
    ['seed-case-1', 'seed-case-2']
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"no such case file or folder: {p}")
    if p.is_dir():
        return read_table_dir(p)
    if p.suffix.lower() in _YAML:
        return read_yaml(p)
    raise ValueError(
        f"cannot read cases from {p}: expected a .yaml/.yml file or a folder of tables"
    )


def write_cases(cases: Iterable[Case], path: str | Path, *, format: str | None = None) -> None:
    """Write cases to a YAML file or a folder of tables.

    Parameters
    ----------
    cases : iterable of Case
    path : str or pathlib.Path
        A ``.yaml``/``.yml`` file, or a folder for tables.
    format : {"yaml", "csv", "parquet"}, optional
        Default: YAML for a ``.yaml``/``.yml`` suffix, else CSV tables.
    """
    p = Path(path)
    fmt = format or ("yaml" if p.suffix.lower() in _YAML else "csv")
    if fmt == "yaml":
        write_yaml(cases, p)
    elif fmt in ("csv", "parquet"):
        write_table_dir(cases, p, format=fmt)
    else:
        raise ValueError(f"format must be 'yaml', 'csv' or 'parquet', got {format!r}")
