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

from collections.abc import Callable, Mapping
from typing import Any

from ppprog.studies.methods import resolve_ref

__all__ = ["register_generator", "registered_generators", "resolve_generator", "generated_truth"]

_REGISTRY: dict[str, str | Callable[..., Any]] = {}


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


def generated_truth(data: Any) -> Mapping[str, float] | None:
    """Return the generator's truth as a name -> value mapping, if it has one.

    Parameters
    ----------
    data : object
        What the generator returned.

    Returns
    -------
    mapping or None
        Scalar numeric entries of ``data.truth`` (a mapping, or the public
        attributes of an object); None when there is no truth.
    """
    truth = getattr(data, "truth", None)
    if truth is None:
        return None
    if not isinstance(truth, Mapping):
        items = {k: getattr(truth, k) for k in dir(truth) if not k.startswith("_")}
    else:
        items = dict(truth)
    out: dict[str, float] = {}
    for k, v in items.items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out[str(k)] = float(v)
        elif isinstance(v, Mapping):
            out.update({str(kk): float(vv) for kk, vv in v.items() if isinstance(vv, (int, float))})
    return out
