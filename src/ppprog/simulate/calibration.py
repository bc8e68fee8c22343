"""Calibrated defaults: published figures and their sources, as shipped data.

The default specs live in ``data/calibration/defaults_onset.toml`` and
``defaults_resolution.toml`` (read through
:func:`ppprog._core.resources.data_path`); ``sources.toml`` gives, for every
default, its source and status: ``reported``, ``derived`` (arithmetic shown),
``judgment`` or ``placeholder``. The time to resolution is a PLACEHOLDER: no
PP-specific distribution was found, so its baseline hazard and the strategy
hazard ratios are calibrated to resolution probabilities under an assumed
exponential shape (see ``data/calibration/README.md``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit

from ppprog._core.errors import SpecError
from ppprog._core.resources import data_path
from ppprog._core.specfile import load_spec_file
from ppprog.simulate.spec import CohortSpec, OnsetSpec, default_spec
from ppprog.simulate.truth import covariate_grid

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["default_spec", "parameter_sources", "assumptions", "calibrate_intercept"]


def _toml(name: str) -> dict[str, Any]:
    return load_spec_file(data_path("calibration", name), formats=["toml"]).mapping()


def parameter_sources() -> pd.DataFrame:
    """Source, status and arithmetic of every default parameter.

    Returns
    -------
    pandas.DataFrame
        Columns ``path``, ``status``, ``source``, ``note``.
    """
    import pandas as pd

    rows = _toml("sources.toml")["parameter"]
    return pd.DataFrame(rows, columns=["path", "status", "source", "note"])


def assumptions() -> pd.DataFrame:
    """The defaults resting on judgment or placeholders (no published figure).

    Returns
    -------
    pandas.DataFrame
        Rows of :func:`parameter_sources` with status ``judgment`` or ``placeholder``.
    """
    df = parameter_sources()
    return df[df["status"].isin(["judgment", "placeholder"])].reset_index(drop=True)


def marginal_probability(spec: CohortSpec) -> float:
    """Marginal probability of the latent logistic part (susceptible or cured).

    Parameters
    ----------
    spec : CohortSpec
        Spec.

    Returns
    -------
    float
        ``P(susceptible)`` for onset, ``P(cured)`` for resolution, exact over
        the covariate distribution (age by quadrature).
    """
    model = spec.model
    lg = model.susceptible if isinstance(model, OnsetSpec) else model.cure
    cols = {c for c, b in lg.log_or.items() if b != 0.0}
    design, w = covariate_grid(spec, cols)
    eta = sum((b * design[c] for c, b in lg.log_or.items() if c in cols), np.zeros(len(w)))
    return float(np.sum(w * expit(lg.intercept + eta)))


def calibrate_intercept(spec: CohortSpec, target: float) -> CohortSpec:
    """Solve the logistic intercept so that its marginal probability equals ``target``.

    For onset specs the probability is the susceptible fraction, for
    resolution specs the cure fraction; the covariate effects stay fixed.

    Parameters
    ----------
    spec : CohortSpec
        Spec whose population and odds ratios are kept.
    target : float
        Marginal probability in (0, 1).

    Returns
    -------
    CohortSpec
        Copy with the solved intercept.
    """
    if not 0.0 < target < 1.0:
        raise SpecError(f"target must be in (0, 1), got {target!r}")
    key = "onset.susceptible.intercept" if spec.endpoint == "onset" else "resolution.cure.intercept"

    def gap(a: float) -> float:
        return marginal_probability(spec.replace({key: a})) - target

    a = brentq(gap, -30.0, 30.0, xtol=1e-12)
    return spec.replace({key: float(a)})
