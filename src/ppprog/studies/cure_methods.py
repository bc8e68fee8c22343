"""Study methods for mixture cure models: ``cure_weibull``, ``cure_lognormal``, ``cure_cox``.

Each takes a chunk of replicates (a :class:`~ppprog.simulate.cohort.CohortBatch`
or any object with ``time``, ``event`` and ``baseline_arrays(names)``) and
returns the tidy estimates of :func:`~ppprog.studies.methods.estimates_frame`
with two estimands per covariate:

* ``"incidence:<covariate>"``: log odds ratio (logit link) of being
  susceptible, i.e. of ever having the endpoint. ppprog's resolution
  generator specifies the *cure* (never resolving) probability, so its true
  value is minus the spec's ``resolution.cure.log_or[<covariate>]``: declare it
  with ``truth = -0.7`` or a scenario parameter;
* ``"latency:<covariate>"``: log hazard ratio among the susceptible (Weibull,
  Cox) or log time ratio (log-normal). The generator's truth holds it under
  ``"log_hr.<covariate>"``: declare the estimand with
  ``truth_key = "log_hr.<covariate>"``.

Replicates whose follow-up shows no plateau carry status ``not_identified``
(see :func:`~ppprog.models.cure.cure_model`) and count as failures in the
performance summary.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ppprog._core.errors import FitWarning
from ppprog._core.rng import seed_sequence
from ppprog.studies.methods import estimates_frame

__all__ = ["cure_weibull", "cure_lognormal", "cure_cox"]


def _designs(data: Any, incidence: list[str] | None, latency: list[str] | None
             ) -> tuple[np.ndarray, list[str], np.ndarray, list[str]]:  # fmt: skip
    Xi, inames = data.baseline_arrays(incidence)
    Xl, lnames = data.baseline_arrays(latency if latency is not None else incidence)
    return Xi, list(inames), Xl, list(lnames)


def _parametric(data: Any, family: str, incidence: list[str] | None, latency: list[str] | None,
                link: str, level: float, followup_alpha: float, plateau_tol: float
                ) -> pd.DataFrame:  # fmt: skip
    from ppprog.models.cure_batch import cure_model_batch

    Xi, inames, Xl, lnames = _designs(data, incidence, latency)
    fit = cure_model_batch(
        Xi, Xl, data.time, data.event, latency_model=family, link=link, incidence_names=inames,
        latency_names=lnames, followup_alpha=followup_alpha, plateau_tol=plateau_tol,
    )  # fmt: skip
    names = [f"incidence:{n}" for n in inames] + [f"latency:{n}" for n in lnames]
    cols = [fit.column(n) for n in names]
    return estimates_frame(names, fit.params[:, cols], fit.se[:, cols], level=level,
                           status=fit.status, n_events=fit.n_events)  # fmt: skip


def cure_weibull(
    data: Any, *, incidence: list[str] | None = None, latency: list[str] | None = None,
    link: str = "logit", level: float = 0.95, followup_alpha: float = 0.05,
    plateau_tol: float = 0.05,
) -> pd.DataFrame:  # fmt: skip
    """Mixture cure model with Weibull PH latency, all replicates in one batched fit.

    Parameters
    ----------
    data : CohortBatch
        A chunk of replicates.
    incidence : list of str, optional
        Baseline design columns of the incidence part (default: all).
    latency : list of str, optional
        Columns of the latency part (default: as ``incidence``).
    link : {"logit", "cloglog"}, optional
        Incidence link.
    level : float, optional
        Confidence level of the Wald intervals.
    followup_alpha, plateau_tol : float, optional
        Identification thresholds of :func:`~ppprog.models.cure.cure_model`.

    Returns
    -------
    pandas.DataFrame
        Estimands ``incidence:<column>`` and ``latency:<column>``.

    References
    ----------
    Farewell VT (1982). Biometrics 38:1041-1046.
    """
    return _parametric(data, "weibull", incidence, latency, link, level, followup_alpha,
                       plateau_tol)  # fmt: skip


def cure_lognormal(
    data: Any, *, incidence: list[str] | None = None, latency: list[str] | None = None,
    link: str = "logit", level: float = 0.95, followup_alpha: float = 0.05,
    plateau_tol: float = 0.05,
) -> pd.DataFrame:  # fmt: skip
    """Mixture cure model with log-normal AFT latency (latency estimands are log time ratios).

    Parameters
    ----------
    data : CohortBatch
        A chunk of replicates.
    incidence, latency, link, level, followup_alpha, plateau_tol
        As in :func:`cure_weibull`.

    Returns
    -------
    pandas.DataFrame

    References
    ----------
    Farewell VT (1982). Biometrics 38:1041-1046.
    """
    return _parametric(data, "lognormal", incidence, latency, link, level, followup_alpha,
                       plateau_tol)  # fmt: skip


def cure_cox(
    data: Any, *, incidence: list[str] | None = None, latency: list[str] | None = None,
    link: str = "logit", n_boot: int = 100, level: float = 0.95, followup_alpha: float = 0.05,
    plateau_tol: float = 0.05,
) -> pd.DataFrame:  # fmt: skip
    """Mixture cure model with Cox PH latency (EM, bootstrap SEs), one replicate at a time.

    Slow: each replicate runs ``n_boot`` EM fits (vectorized). The bootstrap
    of replicate ``r`` draws from ``(seed, scenario, r, 1)``, so results do
    not depend on the chunking.

    Parameters
    ----------
    data : CohortBatch
        A chunk of replicates (with ``seed``, ``scenario`` and ``replicates``).
    incidence, latency, link, level, followup_alpha, plateau_tol
        As in :func:`cure_weibull`.
    n_boot : int, optional
        Bootstrap replicates per fit.

    Returns
    -------
    pandas.DataFrame

    References
    ----------
    Peng Y, Dear KBG (2000). Biometrics 56:237-243.
    """
    from ppprog.models.cure import cure_model

    Xi, inames, Xl, lnames = _designs(data, incidence, latency)
    R = Xi.shape[0]
    names = [f"incidence:{n}" for n in inames] + [f"latency:{n}" for n in lnames]
    est, se = np.full((R, len(names)), np.nan), np.full((R, len(names)), np.nan)
    status = np.zeros(R, np.int64)
    for r in range(R):
        frame = pd.DataFrame({"time": data.time[r], "event": data.event[r]})
        for j, n in enumerate(inames):
            frame[f"i:{n}"] = Xi[r, :, j]
        for j, n in enumerate(lnames):
            frame[f"l:{n}"] = Xl[r, :, j]
        seed = seed_sequence(data.seed, int(data.scenario), int(data.replicates[r]), 1)
        with warnings.catch_warnings():  # the status is reported per replicate instead
            warnings.simplefilter("ignore", FitWarning)
            fit = cure_model(
                frame, incidence=[f"i:{n}" for n in inames], latency=[f"l:{n}" for n in lnames],
                latency_model="cox", link=link, n_boot=n_boot, seed=seed,
                followup_alpha=followup_alpha, plateau_tol=plateau_tol,
            )  # fmt: skip
        est[r] = np.r_[fit.incidence["coef"].to_numpy()[1:], fit.latency["coef"].to_numpy()]
        se[r] = np.r_[fit.incidence["se"].to_numpy()[1:], fit.latency["se"].to_numpy()]
        status[r] = int(fit.status.code)
    n_ev = np.asarray(data.event, dtype=bool).sum(axis=1)
    return estimates_frame(names, est, se, level=level, status=status, n_events=n_ev)
