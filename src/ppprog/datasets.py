"""Data shipped with ppprog: the seed report's cases, calibration defaults, study files.

>>> import ppprog
>>> cases = ppprog.datasets.seed_report()          # the two cases of the report
>>> ppprog.datasets.path("cases", "seed_report.yaml").name
'seed_report.yaml'
"""

from __future__ import annotations

from pathlib import Path

from ppprog._core.resources import data_dir
from ppprog.records.case import Case
from ppprog.records.io import read_cases

__all__ = ["available", "path", "seed_report", "seed_report_path"]


def available() -> list[str]:
    """List the shipped data files as ``/``-separated paths below the data folder.

    Returns
    -------
    list of str
        Sorted, for example ``["calibration/defaults_onset.toml", "cases/seed_report.yaml", ...]``.
    """
    root = data_dir()
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def path(*parts: str) -> Path:
    """Return the path of a shipped data file.

    Parameters
    ----------
    *parts : str
        Path components below the data folder, e.g. ``("cases", "seed_report.yaml")``
        or one ``/``-separated string.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    FileNotFoundError
        Naming the file asked for and listing the shipped ones.
    """
    target = data_dir().joinpath(*parts)
    if not target.is_file():
        wanted = "/".join(parts)
        raise FileNotFoundError(
            f"ppprog ships no data file {wanted!r}; available: {', '.join(available())}"
        )
    return target


def seed_report_path() -> Path:
    """Path of the seed report's case file (``cases/seed_report.yaml``)."""
    return path("cases", "seed_report.yaml")


def seed_report() -> list[Case]:
    """Read the seed report's two cases.

    Returns
    -------
    list of Case
    """
    return read_cases(seed_report_path())
