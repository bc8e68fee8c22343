"""Paths to data shipped with ppprog (seed cases, calibration, built-in study).

In a wheel the repository's ``data/`` folder is installed as ``ppprog/_data``;
in an editable/source checkout it is read from the repository root.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["data_dir", "data_path"]


def data_dir() -> Path:
    """Return the folder holding ppprog's shipped data.

    Returns
    -------
    pathlib.Path
        ``ppprog/_data`` when installed from a wheel, else ``<repo>/data``.
    """
    here = Path(__file__).resolve().parent.parent
    installed = here / "_data"
    if installed.is_dir():
        return installed
    source = here.parent.parent / "data"
    if source.is_dir():
        return source
    raise FileNotFoundError(f"ppprog data folder not found (looked in {installed} and {source})")


def data_path(*parts: str) -> Path:
    """Return the path of a shipped data file, raising if it is missing.

    Parameters
    ----------
    *parts : str
        Path components below the data folder, e.g. ``("cases", "seed_report.yaml")``.

    Returns
    -------
    pathlib.Path
    """
    path = data_dir().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"shipped data file not found: {path}")
    return path
