"""Data-generating mechanisms a study can name, and how their truth is read.

A generator is a callable
``f(params, *, replicates, seed, scenario, first_replicate) -> data``
returning the data of replicates ``first_replicate .. first_replicate +
replicates - 1`` of one scenario, each drawn from
``ppprog._core.rng.stream(seed, scenario, r)``. If ``data`` has a ``truth``
attribute (a mapping of names to true values, or an object with such
attributes) it supplies the true values of estimands declared without one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ppprog.studies.methods import resolve_ref

__all__ = ["register_generator", "registered_generators", "resolve_generator", "generated_truth"]

_REGISTRY: dict[str, str | Callable[..., Any]] = {
    "onset": "ppprog.studies.cohorts:onset_cohorts",
    "resolution": "ppprog.studies.cohorts:resolution_cohorts",
}


def register_generator(name: str, fn: Callable[..., Any] | str) -> None:
    """Register a generator under ``name`` (a callable or ``"module:function"``).

    Parameters
    ----------
    name : str
        Name used as ``generator = "name"`` in study files.
    fn : callable or str
        The generator or a reference imported when first used.
    """
    _REGISTRY[name] = fn


def registered_generators() -> list[str]:
    """Return the names of registered generators."""
    return sorted(_REGISTRY)


def resolve_generator(ref: str | Callable[..., Any]) -> Callable[..., Any]:
    """Return the generator callable for a name, reference or callable."""
    fn = resolve_ref(ref, _REGISTRY)
    if not callable(fn):
        raise TypeError(f"generator {ref!r} is not callable")
    return fn  # type: ignore[no-any-return]


def generated_truth(data: Any) -> dict[str, float] | None:
    """Return the generator's truth as a flat name -> value mapping, if it has one.

    Parameters
    ----------
    data : object
        What the generator returned.

    Returns
    -------
    dict or None
        From ``data.truth``: a mapping's numeric entries; for an object (such
        as :class:`ppprog.simulate.truth.Truth`), its numeric fields by name
        and its mapping fields as ``"field.key"``, the entries of ``log_hr``
        also under the bare key (so a Cox estimand named after its covariate
        finds its true log hazard ratio). None when there is no truth.
    """
    truth = _cached_truth(data)
    if truth is None:
        return None
    if isinstance(truth, Mapping):
        return {str(k): float(v) for k, v in truth.items() if _is_number(v)}
    if dataclasses.is_dataclass(truth):
        items = {f.name: getattr(truth, f.name) for f in dataclasses.fields(truth)}
    else:
        items = {k: v for k, v in vars(truth).items() if not k.startswith("_")}
    out: dict[str, float] = {}
    for k, v in items.items():
        if _is_number(v):
            out[k] = float(v)
        elif isinstance(v, Mapping):
            for kk, vv in v.items():
                if _is_number(vv):
                    out[f"{k}.{kk}"] = float(vv)
                    if k == "log_hr":
                        out[str(kk)] = float(vv)
    return out


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


_TRUTH_CACHE: dict[str, Any] = {}


def _cached_truth(data: Any) -> Any:
    # ppprog's CohortBatch computes its truth from the spec alone, sometimes by
    # Monte Carlo (about a second); cache it per spec within this process.
    spec = getattr(data, "spec", None)
    key = spec.to_json() if spec is not None and hasattr(spec, "to_json") else None
    if key is not None and key in _TRUTH_CACHE:
        return _TRUTH_CACHE[key]
    truth = getattr(data, "truth", None)
    if key is not None:
        if len(_TRUTH_CACHE) > 64:
            _TRUTH_CACHE.clear()
        _TRUTH_CACHE[key] = truth
    return truth
