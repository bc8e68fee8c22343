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
from scipy import special

from ppprog.models.status import FitStatus
from ppprog.studies.methods import estimates_frame

__all__ = ["cox_baseline", "cox_tvc", "logrank", "cox_firth", "logrank_two_group_batch"]


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


def logrank_two_group_batch(
    time: Any, event: Any, group: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two-group log-rank sums for ``R`` replicates at once.

    At each distinct event time with ``D`` events among ``N`` at risk (``N1``
    of them in group 1): ``E1 += D N1 / N`` and
    ``V += D (N - D) / (N (N - 1)) N1 (1 - N1 / N)``, as R's ``survdiff``.

    Parameters
    ----------
    time, event, group : array_like, shape (R, n)
        Times, event indicators, and group membership (True = group 1).

    Returns
    -------
    observed, expected, variance : ndarray, shape (R,)
        Events in group 1, their expectation under the null, and the
        hypergeometric variance of ``observed - expected``.

    References
    ----------
    Mantel N (1966). Cancer Chemotherapy Reports 50:163-170.
    """
    t = np.asarray(time, dtype=np.float64)
    order = np.argsort(t, axis=1, kind="stable")
    ts = np.take_along_axis(t, order, axis=1)
    ev = np.take_along_axis(np.asarray(event, dtype=bool), order, axis=1)
    g1 = np.take_along_axis(np.asarray(group, dtype=bool), order, axis=1)
    r, n = ts.shape
    idx = np.broadcast_to(np.arange(n), (r, n))
    new = np.ones((r, n), dtype=bool)
    new[:, 1:] = ts[:, 1:] != ts[:, :-1]
    first = np.maximum.accumulate(np.where(new, idx, 0), axis=1)  # start of each tie block
    cev = np.concatenate([np.zeros((r, 1)), np.cumsum(ev, axis=1)], axis=1)
    cev1 = np.concatenate([np.zeros((r, 1)), np.cumsum(ev & g1, axis=1)], axis=1)
    at1 = np.cumsum(g1[:, ::-1], axis=1)[:, ::-1]  # group-1 subjects with index >= i
    last = np.full((r, n), n, dtype=np.int64)  # one past the end of each block
    last[:, :-1] = np.where(new[:, 1:], idx[:, 1:], n)
    last = np.minimum.accumulate(last[:, ::-1], axis=1)[:, ::-1]
    rows = np.arange(r)[:, None]
    big_n = (n - first).astype(np.float64)
    n1 = np.take_along_axis(at1, first, axis=1).astype(np.float64)
    d = cev[rows, last] - cev[rows, first]
    d1 = cev1[rows, last] - cev1[rows, first]
    use = new & (d > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        e1 = np.where(use, d * n1 / big_n, 0.0)
        v = np.where(
            use & (big_n > 1),
            d * (big_n - d) / (big_n * (big_n - 1.0)) * n1 * (1.0 - n1 / big_n),
            0.0,
        )
    return np.where(use, d1, 0.0).sum(axis=1), e1.sum(axis=1), v.sum(axis=1)


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
    X, _ = data.baseline_arrays([covariate])
    obs, exp, var = logrank_two_group_batch(data.time, data.event, X[:, :, 0] != 0)
    n_ev = _events(data.event)
    with np.errstate(divide="ignore", invalid="ignore"):
        est = (obs - exp) / var
        se = 1.0 / np.sqrt(var)
        p = special.chdtrc(1, (obs - exp) ** 2 / var)
    status = np.where(var > 0, FitStatus.CONVERGED, FitStatus.SINGULAR_INFORMATION)
    status = np.where(n_ev == 0, FitStatus.NO_EVENTS, status)
    return estimates_frame(
        [covariate], est[:, None], se[:, None], level=level, p=p[:, None], status=status,
        n_events=n_ev,
    )  # fmt: skip
