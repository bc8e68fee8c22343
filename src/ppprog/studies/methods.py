"""Analysis methods of a study: a protocol, a registry, and a tidy output format.

A method is any callable ``f(data, **options) -> pandas.DataFrame`` taking the
data of a chunk of replicates (what the study's generator returned, for
ppprog's generators a ``CohortBatch``) and returning one row per
(replicate, estimand) with the columns of :data:`METHOD_COLUMNS`:
``replicate`` is the position in the chunk (0, 1, ...), ``status`` a
:class:`~ppprog.models.status.FitStatus` (or its lower-case name). Methods that
accept a ``level`` keyword get the study's confidence level. Build the frame
with :func:`estimates_frame`, which fills Wald intervals and p-values that a
method does not compute itself.

Methods fit the whole chunk at once with the batched engines; the built-ins
(:mod:`ppprog.studies.builtin_methods`) are registered here by name and
imported only when first used.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special  # not scipy.stats: keeps the import light

from ppprog._core.errors import SpecError
from ppprog._core.pvalues import normal_two_sided
from ppprog.models.status import FitStatus

__all__ = [
    "METHOD_COLUMNS",
    "Method",
    "register_method",
    "registered_methods",
    "resolve_ref",
    "callable_ref",
    "estimates_frame",
    "normalize_estimates",
    "status_name",
]

METHOD_COLUMNS = ("replicate", "estimand", "estimate", "se", "lower", "upper", "p", "status")
"""Columns every method returns (``n_events`` is optional)."""

_BUILTIN = "ppprog.studies.builtin_methods"
_REGISTRY: dict[str, str | Callable[..., pd.DataFrame]] = {
    "cox_baseline": f"{_BUILTIN}:cox_baseline",
    "cox_tvc": f"{_BUILTIN}:cox_tvc",
    "logrank": f"{_BUILTIN}:logrank",
    "cox_firth": f"{_BUILTIN}:cox_firth",
    "count_subjects": f"{_BUILTIN}:count_subjects",
    "exposed_share": f"{_BUILTIN}:exposed_share",
    "switch_cox": "ppprog.studies.switch_methods:switch_cox",
    "cure_weibull": "ppprog.studies.cure_methods:cure_weibull",
    "cure_lognormal": "ppprog.studies.cure_methods:cure_lognormal",
    "cure_cox": "ppprog.studies.cure_methods:cure_cox",
    "ana_high_at_onset": "ppprog.studies.case_methods:ana_high_at_onset",
}
_STATUS_NAMES = {s.name.lower() for s in FitStatus}


def register_method(name: str, fn: Callable[..., pd.DataFrame] | str) -> None:
    """Register a method under ``name`` so study files can refer to it.

    Parameters
    ----------
    name : str
        Name used in study files (``method = "name"``).
    fn : callable or str
        The method, or a ``"module:function"`` reference imported when first
        used. Worker processes receive the resolved callable, which must be
        importable (defined at module top level).
    """
    if ":" in name:
        raise SpecError(f"method name {name!r} must not contain ':'")
    _REGISTRY[name] = fn


def registered_methods() -> list[str]:
    """Return the names of registered methods."""
    return sorted(_REGISTRY)


def resolve_ref(ref: str | Callable[..., Any], registry: Mapping[str, Any] | None = None) -> Any:
    """Turn a registered name or a ``"module:qualname"`` string into the object.

    Parameters
    ----------
    ref : str or callable
        Callables are returned unchanged.
    registry : mapping, optional
        Name lookup table (default: the method registry).

    Returns
    -------
    object
    """
    if not isinstance(ref, str):
        return ref
    table = _REGISTRY if registry is None else registry
    if ref in table:
        return resolve_ref(table[ref], {})
    if ":" not in ref:
        raise SpecError(f"unknown name {ref!r}; known: {sorted(table)} or 'module:function'")
    module, _, qual = ref.partition(":")
    try:
        obj: Any = importlib.import_module(module)
        for part in qual.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise SpecError(f"cannot import {ref!r}: {exc}") from exc
    return obj


def callable_ref(obj: str | Callable[..., Any]) -> str:
    """Return ``"module:qualname"`` for a callable (strings unchanged)."""
    if isinstance(obj, str):
        return obj
    return f"{obj.__module__}:{getattr(obj, '__qualname__', repr(obj))}"


@dataclass(frozen=True)
class Method:
    """A method as used in a study: a label, the callable and its options.

    Parameters
    ----------
    label : str
        Name of the method in the results (unique within a study).
    fn : str or callable
        Registered name, ``"module:function"`` or the callable itself.
    options : mapping, optional
        Keyword arguments passed to the callable.
    population : {"all", "selected"}, optional
        With a study's selection (:mod:`ppprog.studies.selection`), ``"selected"``
        passes the mask of selected subjects as ``mask=``; ``"all"`` fits everyone.
    """

    label: str
    fn: str | Callable[..., pd.DataFrame]
    options: Mapping[str, Any] = field(default_factory=dict)
    population: str = "all"

    @classmethod
    def coerce(cls, m: Method | str | Callable[..., pd.DataFrame]) -> Method:
        """Accept a Method, a registered name or a callable."""
        if isinstance(m, Method):
            return m
        if isinstance(m, str):
            return cls(m, m)
        return cls(getattr(m, "__name__", "method"), m)

    def resolved(self) -> Method:
        """Return a copy whose ``fn`` is the callable (resolved in the caller's process)."""
        fn = resolve_ref(self.fn)
        if not callable(fn):
            raise SpecError(f"method {self.label!r}: {self.fn!r} is not callable")
        return Method(self.label, fn, dict(self.options), self.population)

    def apply(self, data: Any, *, level: float, mask: Any = None) -> pd.DataFrame:
        """Run the method on a chunk and return its normalized estimates.

        ``mask`` (the selected subjects) is passed on when ``population`` is
        ``"selected"``.
        """
        fn = resolve_ref(self.fn)
        kwargs = dict(self.options)
        if _accepts(fn, "level") and "level" not in kwargs:
            kwargs["level"] = level
        if self.population == "selected" and mask is not None:
            kwargs["mask"] = mask
        out = fn(data, **kwargs)
        return normalize_estimates(out, where=f"method {self.label!r}")

    def to_dict(self) -> dict[str, Any]:
        """Return ``{"name": label, "method": ref, **options}`` (and a non-default population)."""
        out = {"name": self.label, "method": callable_ref(self.fn), **dict(self.options)}
        if self.population != "all":
            out["population"] = self.population
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Method:
        """Inverse of :meth:`to_dict`; extra keys are options."""
        d = dict(d)
        fn = d.pop("method")
        label = d.pop("name", fn if isinstance(fn, str) else callable_ref(fn))
        population = d.pop("population", "all")
        options = dict(d.pop("options", {}))
        options.update(d)
        return cls(str(label), fn, options, population)


def _accepts(fn: Callable[..., Any], name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def status_name(code: Any) -> str:
    """Return the lower-case FitStatus name of a code, enum or name."""
    if isinstance(code, str):
        name = code.lower()
        if name not in _STATUS_NAMES:
            raise SpecError(f"unknown fit status {code!r}; use one of {sorted(_STATUS_NAMES)}")
        return name
    return FitStatus(int(code)).name.lower()


def estimates_frame(
    estimands: Sequence[str],
    estimate: Any,
    se: Any,
    *,
    level: float = 0.95,
    lower: Any = None,
    upper: Any = None,
    p: Any = None,
    status: Any = None,
    n_events: Any = None,
) -> pd.DataFrame:
    """Build a method's tidy output from arrays of shape ``(R, k)``.

    Parameters
    ----------
    estimands : sequence of str
        The ``k`` estimand names (columns of the arrays).
    estimate, se : array_like
        Estimates and standard errors, shape ``(R, k)``.
    level : float, optional
        Confidence level of the Wald intervals filled in when ``lower`` /
        ``upper`` are not given.
    lower, upper, p : array_like, optional
        Interval bounds and two-sided p-values; default Wald (normal) values
        ``estimate -/+ z * se`` and ``2 * (1 - Phi(|estimate / se|))``.
    status : array_like, optional
        FitStatus codes, shape ``(R,)`` (one per fit) or ``(R, k)``; default
        all converged.
    n_events : array_like, optional
        Events per replicate, shape ``(R,)``.

    Returns
    -------
    pandas.DataFrame
        Rows in (replicate, estimand) order with :data:`METHOD_COLUMNS`
        and ``n_events``.
    """
    est = np.asarray(estimate, dtype=np.float64).reshape(-1, len(estimands))
    s = np.asarray(se, dtype=np.float64).reshape(est.shape)
    r, k = est.shape
    z = special.ndtri(0.5 + level / 2.0)
    with np.errstate(all="ignore"):  # failed fits may carry inf/NaN; they keep them
        lo = est - z * s if lower is None else np.asarray(lower, np.float64).reshape(est.shape)
        hi = est + z * s if upper is None else np.asarray(upper, np.float64).reshape(est.shape)
        pv = (
            normal_two_sided(est / s)
            if p is None
            else np.asarray(p, dtype=np.float64).reshape(est.shape)
        )
    codes = np.zeros(est.shape, dtype=np.int64) if status is None else np.asarray(status)
    codes = np.broadcast_to(codes.reshape(r, -1), est.shape)
    ev = np.full(r, np.nan) if n_events is None else np.asarray(n_events, dtype=np.float64)
    uniq, inverse = np.unique(codes, return_inverse=True)
    names = np.array([status_name(int(c)) for c in uniq], dtype=object)
    return pd.DataFrame(
        {
            "replicate": np.repeat(np.arange(r, dtype=np.int64), k),
            "estimand": np.tile(np.asarray(estimands, dtype=object), r),
            "estimate": est.ravel(),
            "se": s.ravel(),
            "lower": lo.ravel(),
            "upper": hi.ravel(),
            "p": pv.ravel(),
            "status": names[inverse.ravel()],
            "n_events": np.repeat(ev, k),
        }
    )


def normalize_estimates(frame: pd.DataFrame, *, where: str = "method") -> pd.DataFrame:
    """Check a method's output and coerce it to the standard dtypes.

    Parameters
    ----------
    frame : pandas.DataFrame
        Output of a method.
    where : str, optional
        Name used in error messages.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`METHOD_COLUMNS` plus ``n_events`` (NaN when absent).
    """
    if not isinstance(frame, pd.DataFrame):
        raise SpecError(f"{where} returned {type(frame).__name__}, expected a pandas DataFrame")
    missing = [c for c in METHOD_COLUMNS if c not in frame.columns]
    if missing:
        raise SpecError(f"{where} output lacks columns {missing}")
    replicate = frame["replicate"].to_numpy(dtype=np.int64)
    estimand = frame["estimand"].astype(str).to_numpy(dtype=object)
    cols: dict[str, Any] = {"replicate": replicate, "estimand": estimand}
    for c in ("estimate", "se", "lower", "upper", "p"):
        cols[c] = frame[c].to_numpy(dtype=np.float64)
    codes, uniques = pd.factorize(frame["status"], use_na_sentinel=False)
    names = np.array([status_name(s) for s in uniques], dtype=object)  # each value checked once
    cols["status"] = names[codes]
    n_ev = frame["n_events"] if "n_events" in frame.columns else np.nan
    cols["n_events"] = np.asarray(n_ev, dtype=np.float64) * np.ones(len(frame))
    est_codes, est_names = pd.factorize(estimand)
    pairs = replicate * max(len(est_names), 1) + est_codes
    if np.unique(pairs).size != pairs.size:
        raise SpecError(f"{where} returned duplicate (replicate, estimand) rows")
    return pd.DataFrame(cols)
