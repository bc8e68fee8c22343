"""Environment facts for study manifests."""

from __future__ import annotations

import functools
import platform
import sys
from importlib import metadata

__all__ = ["versions"]

_PACKAGES = ("ppprog", "numpy", "scipy", "pandas", "numba", "dask", "distributed", "pyarrow")


def versions() -> dict[str, str]:
    """Return Python, platform and key package versions.

    Returns
    -------
    dict of str to str
        ``"not installed"`` for packages that are missing (a new dict on
        every call; the package metadata is read once per process).
    """
    return dict(_read_versions())


@functools.cache
def _read_versions() -> tuple[tuple[str, str], ...]:
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return tuple(out.items())
