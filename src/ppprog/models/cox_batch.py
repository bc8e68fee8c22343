"""Batched Cox fits: many replicate data sets in one compiled Newton loop.

This is the engine simulation studies use. Each replicate is fitted by the
same kernel as :func:`~ppprog.models.cox.cox_ph`, on the same design, and
independently of the others, so its numbers are bit-identical to a single fit
of the same data, whatever the batch size. Batched code never warns: every
replicate carries a status code, the covariates implicated and, for
separation, their direction (the result protocol of
:class:`~ppprog.models.batch_result.BatchFitResult`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ppprog._core.errors import ModelError
from ppprog.models._kernels.design import CoxDesign
from ppprog.models._kernels.newton import newton_fit
from ppprog.models.batch_result import BatchFitResult, wald_bounds
from ppprog.models.frontend import batch_data, check_ties, cox_design, event_of_interest, model_data
from ppprog.tables.data import SurvivalData

__all__ = [
    "CoxBatchResult",
    "cox_ph_batch",
    "cox_ph_batch_frame",
    "replicate_data",
    "replicate_design",
]


@dataclass(frozen=True)
class CoxBatchResult(BatchFitResult):
    """Cox fits of ``R`` replicate data sets (the batched result protocol).

    See :class:`~ppprog.models.batch_result.BatchFitResult` for the fields;
    SEs are model-based and the bounds Wald.
    """


def replicate_data(
    X: Any,
    time: Any = None,
    event: Any = None,
    *,
    start: Any = None,
    mask: Any = None,
    strata: Any = None,
    names: Sequence[str] | None = None,
    cause: int | None = None,
) -> SurvivalData:
    """The SurvivalData of a batched call: given, or built from the array API.

    Parameters
    ----------
    X : SurvivalData or array_like, shape (R, n, p)
        Data of all replicates, or their covariates.
    time, event, start, mask, strata : array_like, optional
        The other arrays of the array API (see :func:`cox_ph_batch`).
    names : sequence of str, optional
        Covariate names (array API) or a selection (SurvivalData).
    cause : int, optional
        Event code of interest (SurvivalData).

    Returns
    -------
    SurvivalData
    """
    if isinstance(X, SurvivalData):
        given = [k for k, v in {"time": time, "event": event, "start": start, "mask": mask,
                                "strata": strata}.items() if v is not None]  # fmt: skip
        if given:
            raise ModelError(f"{given} cannot be combined with a SurvivalData (it holds them)")
        return model_data(X, duration=None, event=None, covariates=names, cause=cause)
    if time is None or event is None:
        raise ModelError("time and event are required with an X array")
    if cause is not None:
        raise ModelError("cause applies to SurvivalData input (array events are 0/1)")
    return batch_data(X, time, event, start=start, mask=mask, strata=strata, names=names)


def replicate_design(
    X: Any,
    time: Any = None,
    event: Any = None,
    *,
    start: Any = None,
    mask: Any = None,
    strata: Any = None,
    names: Sequence[str] | None = None,
    cause: int | None = None,
) -> tuple[SurvivalData, np.ndarray, CoxDesign]:
    """The data, events of interest and Cox design of a batched call.

    Parameters
    ----------
    X, time, event, start, mask, strata, names, cause
        As :func:`replicate_data`.

    Returns
    -------
    sd : SurvivalData
        The replicates.
    event : numpy.ndarray of bool, shape (R, n)
        Events of interest (:func:`~ppprog.models.frontend.event_of_interest`).
    design : CoxDesign
        The design both Cox kernels fit.
    """
    sd = replicate_data(X, time, event, start=start, mask=mask, strata=strata, names=names,
                        cause=cause)  # fmt: skip
    ev = event_of_interest(sd, cause)
    return sd, ev, cox_design(sd, ev)


def cox_ph_batch(
    X: Any,
    time: Any = None,
    event: Any = None,
    *,
    start: Any = None,
    mask: Any = None,
    strata: Any = None,
    ties: str = "efron",
    names: Sequence[str] | None = None,
    cause: int | None = None,
    alpha: float = 0.05,
    max_iter: int = 20,
    tol: float = 1e-9,
    parallel: bool | None = None,
    chunk: int | None = None,
) -> CoxBatchResult:
    """Fit a Cox model to each of R replicate data sets.

    Parameters
    ----------
    X : SurvivalData or array_like, shape (R, n, p)
        The replicates as a SurvivalData (then ``time``, ``event``, ``start``,
        ``mask`` and ``strata`` are not given), or their covariates.
    time : array_like, shape (R, n) or (n,)
        Event/censoring times (interval ends).
    event : array_like, shape (R, n) or (n,)
        Event indicators (0/1 or bool).
    start : array_like, shape (R, n), optional
        Entry times of (start, stop] rows.
    mask : array_like of bool, shape (R, n), optional
        Valid rows; padding rows (False) contribute nothing and may hold NaN.
    strata : array_like of int, shape (R, n), optional
        Stratum codes.
    ties : {"efron", "breslow"}, optional
        Tie handling.
    names : sequence of str, optional
        Covariate names (default ``x0, x1, ...``); for a SurvivalData, the
        covariates to use (default all).
    cause : int, optional
        Cause-specific hazard of this event code of a SurvivalData (other
        causes censored).
    alpha : float, optional
        1 - confidence level for the Wald bounds and :attr:`CoxBatchResult.summary`.
    max_iter : int, optional
        Newton-Raphson iteration limit per replicate (R's ``iter.max``).
    tol : float, optional
        Tolerance on the relative change of the log-likelihood, R's
        ``coxph.control(eps)``; iterations and their counts are R's.
    parallel : bool, optional
        Spread replicates over numba's threads. By default yes in the main
        process for more replicates than threads and at least 200,000 rows in
        all, and no inside worker processes (study runners already use one
        process per core): :func:`~ppprog.models._kernels.newton.default_parallel`.
    chunk : int, optional
        Replicates per work unit (default: chosen from the thread count).
        Results are bit-identical whatever ``parallel`` and ``chunk``.

    Returns
    -------
    CoxBatchResult

    References
    ----------
    Cox DR. Regression models and life-tables. JRSS B 1972; 34: 187-220.
    Therneau TM, Grambsch PM. Modeling Survival Data. Springer, 2000.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(np.random.SeedSequence(1))
    >>> X = rng.normal(size=(4, 50, 2))
    >>> fit = cox_ph_batch(X, rng.exponential(size=(4, 50)), np.ones((4, 50)))
    >>> fit.params.shape, bool(fit.converged.all())
    ((4, 2), True)
    """
    check_ties(ties)
    sd, _, design = replicate_design(X, time, event, start=start, mask=mask, strata=strata,
                                     names=names, cause=cause)  # fmt: skip
    out = newton_fit(design, ties=ties, max_iter=max_iter, eps=tol, parallel=parallel,
                     chunk=chunk)  # fmt: skip
    se = np.sqrt(np.diagonal(out.vcov, axis1=1, axis2=2))
    lower, upper = wald_bounds(out.beta, se, alpha)
    return CoxBatchResult(
        names=sd.names, params=out.beta, se=se, vcov=out.vcov, loglik=out.loglik,
        loglik_null=out.loglik_null, n_iter=out.n_iter, status=out.status, flagged=out.flagged,
        direction=out.direction, n=out.n_used, n_events=out.n_events, lower=lower, upper=upper,
        alpha=alpha, ties=ties, ci_method="wald",
    )  # fmt: skip


def cox_ph_batch_frame(
    data: pd.DataFrame,
    *,
    replicate: str,
    duration: str,
    event: str,
    covariates: Sequence[str],
    start: str | None = None,
    strata: str | None = None,
    ties: str = "efron",
    alpha: float = 0.05,
    max_iter: int = 20,
    tol: float = 1e-9,
) -> CoxBatchResult:
    """Batched Cox fits from a stacked long table with a replicate column.

    Replicates may have different numbers of rows; they are padded and masked.
    Replicate ``r`` of the result is the ``r``-th replicate label in sorted order.

    Parameters
    ----------
    data : pandas.DataFrame
        Stacked rows of all replicates.
    replicate : str
        Column identifying the replicate.
    duration, event : str
        Time and event columns.
    covariates : sequence of str
        Covariate columns.
    start : str, optional
        Entry-time column.
    strata : str, optional
        Column of integer stratum codes.
    ties : {"efron", "breslow"}, optional
        Tie handling.
    alpha : float, optional
        1 - confidence level.
    max_iter : int, optional
        Iteration limit.
    tol : float, optional
        Log-likelihood tolerance (R's ``eps``).

    Returns
    -------
    CoxBatchResult
    """
    cols = [replicate, duration, event, *covariates, *([start] if start else []),
            *([strata] if strata else [])]  # fmt: skip
    missing = [c for c in cols if c not in data.columns]
    if missing:
        raise ModelError(f"columns not in data: {', '.join(map(repr, missing))}")
    codes, _ = pd.factorize(data[replicate], sort=True)
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes)
    R, n, p = len(counts), int(counts.max()), len(covariates)
    pos = np.arange(len(codes)) - np.repeat(np.cumsum(counts) - counts, counts)
    rr = codes[order]

    def pad(values: np.ndarray, fill: float, shape: tuple[int, ...]) -> np.ndarray:
        out = np.full(shape, fill)
        out[rr, pos] = values[order]
        return out

    X = pad(data[list(covariates)].to_numpy(dtype=float), 0.0, (R, n, p))
    mask = pad(np.ones(len(codes)), 0.0, (R, n)) > 0
    return cox_ph_batch(
        X, pad(data[duration].to_numpy(dtype=float), 1.0, (R, n)),
        pad(data[event].to_numpy(dtype=float), 0.0, (R, n)),
        start=pad(data[start].to_numpy(dtype=float), 0.0, (R, n)) if start else None,
        strata=pad(data[strata].to_numpy(), 0, (R, n)).astype(np.int64) if strata else None,
        mask=mask, ties=ties, names=tuple(covariates), alpha=alpha, max_iter=max_iter, tol=tol,
    )  # fmt: skip
