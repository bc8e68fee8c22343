"""Which cases get written up: a logistic publication (ascertainment) model.

A case is published with probability

    P(report) = expit(intercept + sum_j b_j x_j + sum_{(j,k)} b_jk x_j x_k),

where the features ``x`` describe what makes a case attractive to report:
severity (generalized pustular extent), a protracted course (still unresolved
at last follow-up, or a long time to resolution), an ANA finding, and other
"unusual features" that are unrelated to the outcome. The coefficients are
log odds ratios of being reported and are read from the study file, so a user
can change the model and rerun.

Publication acts as selection on a collider: when the chance of a write-up
depends on both exposure and outcome, the published series shows an
association even when the cohort has none (Berkson 1946; Hernan, Hernandez-Diaz
& Robins 2004).

References
----------
Berkson J. Limitations of the application of fourfold table analysis to
hospital data. Biometrics Bulletin 1946;2:47-53.
Hernan MA, Hernandez-Diaz S, Robins JM. A structural approach to selection
bias. Epidemiology 2004;15:615-625.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import expit

from ppprog._core.errors import SpecError
from ppprog._core.typing import BoolArray, FloatArray, IntArray

__all__ = ["ReportingModel", "resolution_features", "onset_features"]


@dataclass(frozen=True)
class ReportingModel:
    """Logistic model of the probability that a case is published.

    Parameters
    ----------
    name : str
        Label shown in tables and figures.
    intercept : float
        Log odds of publication for a case with every feature 0.
    coefficients : mapping of str to float
        Log odds ratio of publication per unit of each feature.
    interactions : mapping of str to float, optional
        Keys ``"a*b"``: log odds ratio for the product of features ``a`` and ``b``.
    """

    name: str
    intercept: float
    coefficients: Mapping[str, float] = field(default_factory=dict)
    interactions: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key in self.interactions:
            if key.count("*") != 1:
                raise SpecError(f"reporting model {self.name!r}: interaction {key!r} must be 'a*b'")

    @classmethod
    def from_mapping(cls, name: str, spec: Mapping[str, Any]) -> ReportingModel:
        """Build a model from a study-file table.

        Parameters
        ----------
        name : str
            Label of the model.
        spec : mapping
            Keys ``intercept`` (float), ``coefficients`` (table) and optionally
            ``interactions`` (table).

        Returns
        -------
        ReportingModel
        """
        unknown = set(spec) - {"intercept", "coefficients", "interactions", "label"}
        if unknown:
            raise SpecError(f"reporting model {name!r}: unknown keys {sorted(unknown)}")
        if "intercept" not in spec:
            raise SpecError(f"reporting model {name!r}: 'intercept' is required")
        return cls(
            name=str(spec.get("label", name)),
            intercept=float(spec["intercept"]),
            coefficients={str(k): float(v) for k, v in spec.get("coefficients", {}).items()},
            interactions={str(k): float(v) for k, v in spec.get("interactions", {}).items()},
        )

    @property
    def features(self) -> tuple[str, ...]:
        """Every feature the model reads."""
        names = set(self.coefficients)
        for key in self.interactions:
            names.update(key.split("*"))
        return tuple(sorted(names))

    def linear_predictor(self, features: Mapping[str, FloatArray]) -> FloatArray:
        """Return the log odds of publication, feature arrays broadcast together.

        Parameters
        ----------
        features : mapping of str to numpy.ndarray
            One array per feature the model reads (extra keys are ignored).

        Returns
        -------
        numpy.ndarray
        """
        missing = [f for f in self.features if f not in features]
        if missing:
            raise SpecError(
                f"reporting model {self.name!r} needs features {missing}; "
                f"available: {sorted(features)}"
            )
        arrays = [np.asarray(v, dtype=float) for v in features.values()]
        eta = np.full(np.broadcast_shapes(*(a.shape for a in arrays)), self.intercept)
        for name, b in self.coefficients.items():
            eta = eta + b * np.asarray(features[name], dtype=float)
        for key, b in self.interactions.items():
            a, c = key.split("*")
            eta = eta + b * np.asarray(features[a], dtype=float) * np.asarray(features[c], float)
        return eta

    def probability(self, features: Mapping[str, FloatArray]) -> FloatArray:
        """Return the probability of publication.

        Parameters
        ----------
        features : mapping of str to numpy.ndarray
            As for :meth:`linear_predictor`.

        Returns
        -------
        numpy.ndarray
        """
        return np.asarray(expit(self.linear_predictor(features)), dtype=float)

    def publish(self, features: Mapping[str, FloatArray], uniforms: FloatArray) -> BoolArray:
        """Decide publication with pre-drawn uniforms (one per case).

        Parameters
        ----------
        features : mapping of str to numpy.ndarray
            As for :meth:`linear_predictor`.
        uniforms : numpy.ndarray
            U(0, 1) draws of the same shape, from the replicate's stream.

        Returns
        -------
        numpy.ndarray of bool
        """
        return np.asarray(uniforms < self.probability(features), dtype=bool)


def resolution_features(
    time: FloatArray,
    event: BoolArray,
    extent: IntArray,
    unusual: BoolArray,
    *,
    protracted_months: float,
) -> dict[str, FloatArray]:
    """Reporting features of resolution-cohort cases.

    Parameters
    ----------
    time, event : numpy.ndarray
        Months from onset to resolution (``event``) or last follow-up.
    extent : numpy.ndarray of int
        Pustular extent, 0 none, 1 localized, 2 generalized.
    unusual : numpy.ndarray of bool
        Other unusual features, drawn independently of the outcome.
    protracted_months : float
        A course counts as protracted when the case is still unresolved at
        last follow-up, or resolved only after this many months.

    Returns
    -------
    dict of str to numpy.ndarray
        ``generalized``, ``pustular``, ``protracted``, ``unresolved``, ``unusual``.
    """
    ev = np.asarray(event, dtype=bool)
    ext = np.asarray(extent)
    return {
        "generalized": (ext == 2).astype(float),
        "pustular": (ext >= 1).astype(float),
        "unresolved": (~ev).astype(float),
        "protracted": ((~ev) | (np.asarray(time) >= protracted_months)).astype(float),
        "unusual": np.asarray(unusual, dtype=float),
    }


def onset_features(
    ana_positive: BoolArray, extent: IntArray, unusual: BoolArray
) -> dict[str, FloatArray]:
    """Reporting features of onset cases (patients who developed the reaction).

    Parameters
    ----------
    ana_positive : numpy.ndarray of bool
        ANA at or above the threshold at onset.
    extent : numpy.ndarray of int
        Pustular extent at onset (0, 1, 2).
    unusual : numpy.ndarray of bool
        Other unusual features.

    Returns
    -------
    dict of str to numpy.ndarray
        ``ana_positive``, ``generalized``, ``pustular``, ``unusual``.
    """
    ext = np.asarray(extent)
    return {
        "ana_positive": np.asarray(ana_positive, dtype=float),
        "generalized": (ext == 2).astype(float),
        "pustular": (ext >= 1).astype(float),
        "unusual": np.asarray(unusual, dtype=float),
    }
