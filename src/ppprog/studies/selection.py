"""Selection (ascertainment) between generation and fitting: which subjects a method sees.

A study file may declare a ``[selection]`` table::

    [selection]
    label = "severity"                     # names the model in tables
    intercept = -2.3                        # logit P(selected) with every feature 0
    coefficients = { generalized = 2.0, "generalized*protracted" = 4.0 }
    among = "event"                         # optional: only these subjects are selected or not
    protracted_months = 6.0                 # what the feature 'protracted' means
    random = { unusual = 0.15 }             # extra features drawn at random (prevalences)

Each generated subject is selected with probability
``expit(intercept + sum_j b_j x_j)``; a key ``"a*b"`` is the product of two
features. Subjects with ``among`` equal to 0 are not subject to selection and
always kept (e.g. ``among = "event"``: cases are published or not, the treated
cohort around them stays). A method with ``population = "selected"`` receives
the mask ``mask`` of kept subjects (shape ``(R, n)``) and must accept a
``mask`` keyword (:func:`honours_selection`); ``population = "all"`` (the
default) fits everyone.

Features (for ppprog's cohort generators): ``event``; ``unresolved`` (no
event); ``protracted`` (no event, or the event after ``protracted_months``);
``generalized`` and ``pustular`` (extent codes, resolution cohorts);
``ana_positive`` (ANA-high at exit, onset cohorts); every baseline design
column by name (``"extent[generalized]"``); and the ``random`` features, drawn
independently with the given prevalences (they take precedence over a cohort
feature of the same name).

A scenario may change the model with parameters ``"selection.intercept"``,
``"selection.label"`` and ``"selection.coefficients.NAME"``; these parameters
are not passed to the generator. The uniforms of replicate ``r`` of scenario
``s`` come from ``stream(seed, s, r, 2)``, so the mask is the same for every
backend, worker count and chunk size.

Publication acts as selection on a collider: when the chance of a write-up
depends on both exposure and outcome, the selected series shows an association
the population does not have (Hernan, Hernandez-Diaz & Robins 2004).

References
----------
Hernan MA, Hernandez-Diaz S, Robins JM. A structural approach to selection
bias. Epidemiology 2004;15:615-625.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import expit

from ppprog._core.errors import SpecError
from ppprog._core.rng import stream
from ppprog._core.typing import BoolArray, FloatArray

__all__ = [
    "Selection",
    "PREFIX",
    "POPULATIONS",
    "selection_problems",
    "generator_params",
    "honours_selection",
    "cohort_features",
]

#: Scenario parameters starting with this prefix change the selection model.
PREFIX = "selection."
#: Values of a method's ``population``.
POPULATIONS = ("all", "selected")
_KEYS = ("label", "intercept", "coefficients", "among", "protracted_months", "random")
_STREAM_KEY = 2  # stream(seed, scenario, replicate, 2): selection draws (1: method bootstraps)


@dataclass(frozen=True)
class Selection:
    """A logistic selection model over named features of the generated data.

    Parameters
    ----------
    intercept : float, optional
        Log odds of selection with every feature 0.
    coefficients : mapping of str to float, optional
        Log odds ratio per unit of a feature, or of the product ``"a*b"``.
    among : str or None, optional
        Feature restricting who is subject to selection (others always kept).
    protracted_months : float, optional
        Threshold of the feature ``protracted``.
    random : mapping of str to float, optional
        Features drawn as independent Bernoulli variables with these prevalences.
    label : str, optional
        Name of the model in tables.
    """

    intercept: float = 0.0
    coefficients: Mapping[str, float] = field(default_factory=dict)
    among: str | None = None
    protracted_months: float = 6.0
    random: Mapping[str, float] = field(default_factory=dict)
    label: str = ""

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any]) -> Selection:
        """Build from a study file's ``[selection]`` table (raise on the first problem)."""
        bad = selection_problems(d)
        if bad:
            raise SpecError("; ".join(f"selection.{k}: {m}" if k else m for k, m in bad))
        return cls(
            intercept=float(d.get("intercept", 0.0)),
            coefficients={str(k): float(v) for k, v in d.get("coefficients", {}).items()},
            among=d.get("among"),
            protracted_months=float(d.get("protracted_months", 6.0)),
            random={str(k): float(v) for k, v in d.get("random", {}).items()},
            label=str(d.get("label", "")),
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the table form (inverse of :meth:`from_mapping`)."""
        return {
            "label": self.label, "intercept": self.intercept,
            "coefficients": dict(self.coefficients), "among": self.among,
            "protracted_months": self.protracted_months, "random": dict(self.random),
        }  # fmt: skip

    def for_scenario(self, params: Mapping[str, Any]) -> Selection:
        """The model with a scenario's ``selection.*`` parameters applied."""
        d = self.to_dict()
        for key, value in params.items():
            if not key.startswith(PREFIX):
                continue
            rest = key[len(PREFIX) :]
            if rest.startswith("coefficients."):
                d["coefficients"][rest[len("coefficients.") :]] = value
            else:
                d[rest] = value
        return Selection.from_mapping({k: v for k, v in d.items() if v is not None})

    @property
    def features(self) -> tuple[str, ...]:
        """Every feature the model reads (``among`` included)."""
        names = {part for key in self.coefficients for part in key.split("*")}
        if self.among:
            names.add(self.among)
        return tuple(sorted(names))

    def probability(self, features: Mapping[str, FloatArray]) -> FloatArray:
        """Selection probability per subject (the ``among`` restriction not applied)."""
        missing = [f for f in self.features if f not in features]
        if missing:
            raise SpecError(
                f"selection needs features {missing}; this generator's data offer {sorted(features)}"
            )
        shape = np.shape(next(iter(features.values())))
        eta = np.full(shape, self.intercept, dtype=float)
        for key, b in self.coefficients.items():
            term = np.ones(shape)
            for part in key.split("*"):
                term = term * np.asarray(features[part], dtype=float)
            eta = eta + b * term
        return np.asarray(expit(eta), dtype=float)

    def mask(self, data: Any, *, seed: int, scenario: int, first_replicate: int) -> BoolArray:
        """Who is kept, per replicate and subject (shape of ``data.time``).

        Parameters
        ----------
        data : object
            A chunk of generated data (``time``, ``event``; see :func:`cohort_features`).
        seed, scenario, first_replicate : int
            The chunk's study seed, scenario and first replicate index.

        Returns
        -------
        numpy.ndarray of bool
        """
        time = np.asarray(data.time)
        r, n = time.shape
        u = np.stack(
            [stream(seed, scenario, first_replicate + i, _STREAM_KEY).random((1 + len(self.random), n))
             for i in range(r)], axis=1,
        ) if r else np.zeros((1 + len(self.random), 0, n))  # fmt: skip
        feats = cohort_features(data, protracted_months=self.protracted_months)
        for j, (name, prev) in enumerate(sorted(self.random.items()), start=1):
            feats[name] = (u[j] < prev).astype(float)
        kept = u[0] < self.probability(feats)
        if self.among:
            kept = kept | (np.asarray(feats[self.among]) < 0.5)
        return np.asarray(kept, dtype=bool)


def selection_problems(d: Any) -> list[tuple[str, str]]:
    """Problems of a ``[selection]`` table: ``[(key, message), ...]`` (key relative to the table).

    Parameters
    ----------
    d : object
        The parsed table.

    Returns
    -------
    list of (str, str)
    """
    if not isinstance(d, Mapping):
        return [("", f"must be a table, got {d!r}")]
    out: list[tuple[str, str]] = []
    for k in d:
        if k not in _KEYS:
            out.append((str(k), f"unknown field; expected one of {sorted(_KEYS)}"))
    if "intercept" in d and not _number(d["intercept"]):
        out.append(("intercept", f"must be a number, got {d['intercept']!r}"))
    if "label" in d and not isinstance(d["label"], str):
        out.append(("label", f"must be text, got {d['label']!r}"))
    if "among" in d and not (isinstance(d["among"], str) and d["among"]):
        out.append(("among", f"must be a feature name, got {d['among']!r}"))
    pm = d.get("protracted_months", 6.0)
    if not (_number(pm) and pm > 0):
        out.append(("protracted_months", f"must be a positive number, got {pm!r}"))
    out += _table_problems(d, "coefficients", lambda v: _number(v), "a number")
    out += _table_problems(
        d, "random", lambda v: _number(v) and 0 <= v <= 1, "a prevalence in [0, 1]"
    )
    for key in d.get("coefficients", {}) if isinstance(d.get("coefficients"), Mapping) else ():
        parts = str(key).split("*")
        if len(parts) > 2 or not all(parts):
            out.append((f"coefficients.{key}", "must be a feature name or 'a*b'"))
    return out


def _table_problems(d: Mapping[str, Any], key: str, ok: Callable[[Any], bool], what: str
                    ) -> list[tuple[str, str]]:  # fmt: skip
    value = d.get(key, {})
    if not isinstance(value, Mapping):
        return [(key, f"must be a table, got {value!r}")]
    return [(f"{key}.{k}", f"must be {what}, got {v!r}") for k, v in value.items() if not ok(v)]


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def generator_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """A scenario's parameters without the ``selection.*`` ones (what the generator gets)."""
    return {k: v for k, v in params.items() if not k.startswith(PREFIX)}


def honours_selection(fn: Callable[..., Any]) -> bool:
    """Whether a method accepts the ``mask`` keyword of ``population = "selected"``."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "mask" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _value_at(breaks: FloatArray, values: FloatArray, t: FloatArray) -> FloatArray:
    j = np.sum(breaks <= t[..., None], axis=-1)
    return np.take_along_axis(values, j[..., None], axis=-1)[..., 0]


def cohort_features(data: Any, *, protracted_months: float = 6.0) -> dict[str, FloatArray]:
    """The named 0/1 (or numeric) features of a chunk that a selection model can read.

    Parameters
    ----------
    data : object
        A chunk: ``time`` and ``event`` (shape ``(R, n)``), and when present
        ``design`` (baseline columns), ``covariates["extent"]`` and
        ``breaks`` / ``segments["ana_high"]``.
    protracted_months : float, optional
        Threshold of ``protracted``.

    Returns
    -------
    dict of str to numpy.ndarray
    """
    time = np.asarray(data.time, dtype=float)
    event = np.asarray(data.event, dtype=bool)
    out: dict[str, FloatArray] = {
        "event": event.astype(float),
        "unresolved": (~event).astype(float),
        "protracted": ((~event) | (time >= protracted_months)).astype(float),
    }
    for name, col in (getattr(data, "design", None) or {}).items():
        out[str(name)] = np.asarray(col, dtype=float)
    ext = (getattr(data, "covariates", None) or {}).get("extent")
    if ext is not None:
        out["generalized"] = (np.asarray(ext) == 2).astype(float)
        out["pustular"] = (np.asarray(ext) >= 1).astype(float)
    segs = getattr(data, "segments", None) or {}
    if "ana_high" in segs:
        out["ana_positive"] = (_value_at(data.breaks, segs["ana_high"], time) > 0.5).astype(float)
    return out
