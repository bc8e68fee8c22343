"""Built-in study methods: Cox (baseline, time-varying), log-rank, Firth Cox.

Each takes the data of a chunk of replicates (a
:class:`~ppprog.simulate.cohort.CohortBatch`, or any object with the same
``time``, ``event``, ``baseline_arrays(names)`` and ``counting(...)``, which
returns :class:`~ppprog.tables.data.SurvivalData`) and fits
every replicate at once with the batched engines; none loops over replicates
in Python. They are registered by name in :mod:`ppprog.studies.methods`
(``"cox_baseline"``, ``"cox_tvc"``, ``"logrank"``, ``"cox_firth"``) and the
model modules are imported on first use.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ppprog.studies.methods import estimates_frame

__all__ = ["cox_baseline", "cox_tvc", "logrank", "cox_firth"]


def _events(event: Any, mask: Any = None) -> np.ndarray:
    ev = np.asarray(event, dtype=bool)
    if mask is not None:
        ev = ev & np.asarray(mask, dtype=bool)
    return ev.sum(axis=1).astype(np.float64)


def cox_baseline(
    data: Any, *, covariates: list[str] | None = None, ties: str = "efron", level: float = 0.95
) -> pd.DataFrame:
    """Cox model on baseline covariates, one estimand per covariate (log HR).

    Parameters
    ----------
    data : CohortBatch
        A chunk of replicates.
    covariates : list of str, optional
        Columns of ``data.baseline_arrays`` (default: all baseline columns).
    ties : {"efron", "breslow"}, optional
        Tie handling.
    level : float, optional
        Confidence level of the Wald intervals.

    Returns
    -------
    pandas.DataFrame
        Tidy estimates (see :func:`~ppprog.studies.methods.estimates_frame`).

    References
    ----------
    Cox DR (1972). Regression models and life-tables. JRSS B 34:187-220.
    """
    from ppprog.models.cox_batch import cox_ph_batch

    X, names = data.baseline_arrays(covariates)
    fit = cox_ph_batch(X, data.time, data.event, ties=ties)
    return estimates_frame(
        list(names),
        fit.params,
        fit.se,
        level=level,
        status=fit.status,
        n_events=_events(data.event),
    )


def cox_tvc(
    data: Any, *, covariates: list[str] | None = None, ties: str = "efron", level: float = 0.95
) -> pd.DataFrame:
    """Cox model with time-varying covariates on counting-process ``(start, stop]`` rows.

    Parameters
    ----------
    data : CohortBatch
        A chunk of replicates.
    covariates : list of str, optional
        Design columns (default: all baseline then time-varying columns).
    ties : {"efron", "breslow"}, optional
        Tie handling.
    level : float, optional
        Confidence level of the Wald intervals.

    Returns
    -------
    pandas.DataFrame

    References
    ----------
    Andersen PK, Gill RD (1982). Cox's regression model for counting
    processes. Annals of Statistics 10:1100-1120.
    """
    from ppprog.models.cox_batch import cox_ph_batch

    sd = data.counting(True, covariates)
    fit = cox_ph_batch(
        sd.X, sd.stop, sd.event_indicator(), start=sd.start, mask=sd.mask, ties=ties,
        names=list(sd.names),
    )  # fmt: skip
    return estimates_frame(
        list(sd.names), fit.params, fit.se, level=level, status=fit.status, n_events=fit.n_events
    )


def cox_firth(
    data: Any,
    *,
    covariates: list[str] | None = None,
    time_varying: bool = False,
    ties: str = "breslow",
    profile: bool = False,
    level: float = 0.95,
) -> pd.DataFrame:
    """Firth-penalized Cox model (baseline or time-varying covariates).

    Parameters
    ----------
    data : CohortBatch
        A chunk of replicates.
    covariates : list of str, optional
        Design columns.
    time_varying : bool, optional
        Fit on counting-process rows with the time-varying covariates.
    ties : {"breslow", "efron"}, optional
        Tie handling.
    profile : bool, optional
        Profile penalized-likelihood intervals (slower) instead of Wald.
    level : float, optional
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        p-values are Wald (from the penalized information).

    References
    ----------
    Heinze G, Schemper M (2001). A solution to the problem of monotone
    likelihood in Cox regression. Biometrics 57:114-119.
    """
    from ppprog.models.firth import cox_firth_batch

    alpha = 1.0 - level
    if time_varying:
        sd = data.counting(True, covariates)
        fit = cox_firth_batch(
            sd.X, sd.stop, sd.event_indicator(), start=sd.start, mask=sd.mask, ties=ties,
            alpha=alpha, profile=profile,
        )  # fmt: skip
        names, n_ev = list(sd.names), _events(sd.event_indicator())
    else:
        X, names = data.baseline_arrays(covariates)
        fit = cox_firth_batch(X, data.time, data.event, ties=ties, alpha=alpha, profile=profile)
        n_ev = _events(data.event)
    return estimates_frame(
        list(names), fit.params, fit.se, level=level, lower=fit.lower, upper=fit.upper,
        status=fit.status, n_events=n_ev,
    )  # fmt: skip


def logrank(data: Any, *, covariate: str, level: float = 0.95) -> pd.DataFrame:
    """Log-rank test of a binary baseline covariate, with Peto's log-HR estimate.

    The estimand (named after ``covariate``) is the log hazard ratio, estimated
    by ``(O - E) / V`` with SE ``1 / sqrt(V)`` (the one-step score estimate);
    the p-value is the log-rank chi-square test on 1 df.

    Parameters
    ----------
    data : CohortBatch
        A chunk of replicates.
    covariate : str
        A binary column of ``data.baseline_arrays`` (nonzero = group 1).
    level : float, optional
        Confidence level of the Wald interval around Peto's estimate.

    Returns
    -------
    pandas.DataFrame
        Status ``no_events`` when a replicate has no event and
        ``singular_information`` when a group is empty (V = 0).

    References
    ----------
    Mantel N (1966). Cancer Chemotherapy Reports 50:163-170. Peto R, Peto J
    (1972). Asymptotically efficient rank invariant test procedures. JRSS A
    135:185-207.
    """
    from ppprog.models.logrank_batch import logrank_test_batch

    X, _ = data.baseline_arrays([covariate])
    group = X[:, :, 0] != 0
    res = logrank_test_batch(data.time, data.event, group, levels=(False, True))
    est, se = res.log_hazard_ratio(1)
    return estimates_frame(
        [covariate], est[:, None], se[:, None], level=level, p=res.p[:, None], status=res.status,
        n_events=res.n_events.astype(np.float64),
    )  # fmt: skip
