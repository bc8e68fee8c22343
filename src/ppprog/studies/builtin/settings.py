"""Read the built-in study file (``data/studies/claims.toml``) and apply run options.

The file is plain TOML, meant to be read and edited. :func:`load_settings`
returns it as nested dicts with the ``[quick.*]`` tables merged in when
``quick`` is set, and every ``replicates`` replaced when the caller asks for a
fixed number.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ppprog._core.errors import SpecError
from ppprog._core.resources import data_path
from ppprog._core.specfile import SpecFile, load_spec_file

__all__ = ["load_settings", "default_spec_path", "SECTIONS"]

SECTIONS = (
    "two_cases", "publication", "immortal_time", "requirements", "refractory", "report_cases",
)  # fmt: skip
_REPLICATED = (
    ("two_cases",),
    ("publication",),
    ("immortal_time",),
    ("requirements", "onset"),
    ("requirements", "resolution"),
    ("refractory",),
)


def default_spec_path() -> Path:
    """Path of the shipped study file ``data/studies/claims.toml``."""
    return data_path("studies", "claims.toml")


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def _table(settings: Mapping[str, Any], path: tuple[str, ...]) -> dict[str, Any]:
    node: Any = settings
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            raise SpecError(f"study file: missing table [{'.'.join(path)}]")
        node = node[key]
    return node  # type: ignore[no-any-return]


def load_settings(
    spec: str | Path | SpecFile | Mapping[str, Any] | None = None,
    *,
    quick: bool = False,
    replicates: int | None = None,
    seed: int | None = None,
) -> dict[str, Any]:
    """Load the study settings.

    Parameters
    ----------
    spec : str, path, SpecFile or mapping, optional
        A TOML file, the file already read (:func:`~ppprog._core.specfile.load_spec_file`),
        or already-parsed settings; default: the shipped file.
    quick : bool, optional
        Merge the ``[quick.*]`` tables (small numbers for tests and CI).
    replicates : int, optional
        Use this many replicates per scenario in every simulated section.
    seed : int, optional
        Replace ``study.seed``.

    Returns
    -------
    dict
        The settings, with ``study.quick`` and ``study.source`` recorded.
    """
    if spec is None or isinstance(spec, (str, Path)):
        spec = load_spec_file(default_spec_path() if spec is None else spec, formats=["toml"])
    if isinstance(spec, SpecFile):
        settings: dict[str, Any] = copy.deepcopy(spec.mapping("a study file"))
        source = spec.path
    else:
        settings = copy.deepcopy(dict(spec))
        source = "<mapping>"
    missing = [s for s in ("study", *SECTIONS) if s not in settings]
    if missing:
        raise SpecError(f"study file {source}: missing tables {missing}")
    if quick:
        _merge(settings, settings.get("quick", {}))
    if replicates is not None:
        if int(replicates) < 2:
            raise SpecError(f"replicates must be at least 2, got {replicates!r}")
        for path_ in _REPLICATED:
            _table(settings, path_)["replicates"] = int(replicates)
    if seed is not None:
        settings["study"]["seed"] = int(seed)
    settings["study"]["quick"] = bool(quick)
    settings["study"]["source"] = source
    return settings
