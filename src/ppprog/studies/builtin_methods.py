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

__all__ = ["cox_baseline", "cox_tvc", "logrank", "cox_firth", "count_subjects", "exposed_share"]


def _events(event: Any, mask: Any = None) -> np.ndarray:
    ev = np.asarray(event, dtype=bool)
    if mask is not None:
        ev = ev & np.asarray(mask, dtype=bool)
    return ev.sum(axis=1).astype(np.float64)


def _row_mask(sd: Any, mask: Any) -> Any:
    """Counting-process rows of the subjects in ``mask`` (shape (R, n)), padding excluded."""
    if mask is None:
        return sd.mask
    subj = np.maximum(sd.subject, 0)
    return sd.mask & np.take_along_axis(np.asarray(mask, dtype=bool), subj, axis=1)


def cox_baseline(
    data: Any, *, covariates: list[str] | None = None, ties: str = "efron", level: float = 0.95,
    mask: Any = None,
) -> pd.DataFrame:  # fmt: skip
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
    mask : numpy.ndarray of bool, shape (R, n), optional
        Subjects in the analysis (a study's selection, ``population = "selected"``).

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
    fit = cox_ph_batch(X, data.time, data.event, mask=mask, ties=ties)
    return estimates_frame(
        list(names),
        fit.params,
        fit.se,
        level=level,
        status=fit.status,
        n_events=_events(data.event, mask),
    )


def cox_tvc(
    data: Any, *, covariates: list[str] | None = None, ties: str = "efron", level: float = 0.95,
    mask: Any = None,
) -> pd.DataFrame:  # fmt: skip
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
    mask : numpy.ndarray of bool, shape (R, n), optional
        Subjects in the analysis (every row of a subject outside it is left out).

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
        sd.X, sd.stop, sd.event_indicator(), start=sd.start, mask=_row_mask(sd, mask), ties=ties,
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
    mask: Any = None,
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
    mask : numpy.ndarray of bool, shape (R, n), optional
        Subjects in the analysis.

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
        rows = _row_mask(sd, mask)
        fit = cox_firth_batch(
            sd.X, sd.stop, sd.event_indicator(), start=sd.start, mask=rows, ties=ties,
            alpha=alpha, profile=profile,
        )  # fmt: skip
        names, n_ev = list(sd.names), _events(sd.event_indicator(), rows)
    else:
        X, names = data.baseline_arrays(covariates)
        fit = cox_firth_batch(X, data.time, data.event, mask=mask, ties=ties, alpha=alpha,
                              profile=profile)  # fmt: skip
        n_ev = _events(data.event, mask)
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


def count_subjects(
    data: Any, *, estimand: str = "n_subjects", covariate: str | None = None,
    events_only: bool = False, mask: Any = None,
) -> pd.DataFrame:  # fmt: skip
    """Per replicate: how many subjects (optionally with an event, or with a covariate) were used.

    Parameters
    ----------
    data : CohortBatch
        A chunk of replicates.
    estimand : str, optional
        Estimand name of the count.
    covariate : str, optional
        Count only subjects whose baseline column is nonzero.
    events_only : bool, optional
        Count only subjects with the event (cases).
    mask : numpy.ndarray of bool, shape (R, n), optional
        Subjects in the analysis (``population = "selected"``).

    Returns
    -------
    pandas.DataFrame
        ``estimate`` is the count; no SE, interval or p-value.
    """
    keep = np.ones(np.shape(data.time), dtype=bool) if mask is None else np.asarray(mask, bool)
    if events_only:
        keep = keep & np.asarray(data.event, dtype=bool)
    if covariate is not None:
        X, _ = data.baseline_arrays([covariate])
        keep = keep & (X[:, :, 0] != 0)
    v = keep.sum(axis=1).astype(np.float64)[:, None]
    nan = np.full_like(v, np.nan)
    return estimates_frame([estimand], v, nan, lower=nan, upper=nan, p=nan)


def exposed_share(data: Any, *, covariate: str, estimand: str = "exposed_share") -> pd.DataFrame:
    """Per replicate: the share of person-time at risk with a time-varying 0/1 covariate at 1.

    Schoenfeld's formula needs the allocation; with a time-varying exposure it
    is this share (Schoenfeld 1983), computed on the counting-process rows.

    Parameters
    ----------
    data : CohortBatch
        A chunk of replicates.
    covariate : str
        A design column (time-varying or baseline).
    estimand : str, optional
        Estimand name.

    Returns
    -------
    pandas.DataFrame
    """
    sd = data.counting(True, [covariate])
    dur = np.where(sd.mask, sd.stop - sd.start, 0.0)
    share = (dur * sd.X[..., 0]).sum(axis=1) / dur.sum(axis=1)
    v = share[:, None]
    nan = np.full_like(v, np.nan)
    return estimates_frame([estimand], v, nan, lower=nan, upper=nan, p=nan)
