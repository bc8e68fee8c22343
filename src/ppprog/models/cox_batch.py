"""Batched Cox fits: many replicate data sets in one compiled Newton loop.

This is the engine simulation studies use. Each replicate is fitted by the
same kernel as :func:`~ppprog.models.cox.cox_ph` and independently of the
others, so its numbers are bit-identical to a single fit of the same data,
whatever the batch size. Batched code never warns: every replicate carries a
status code, the covariates implicated and, for separation, their direction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import stats

from ppprog._core.errors import ModelError
from ppprog._core.typing import BoolArray, FloatArray, IntArray
from ppprog.models._kernels.design import CoxDesign
from ppprog.models._kernels.newton import newton_fit
from ppprog.models.cox import _check_ties
from ppprog.models.cox_result import cox_outcome
from ppprog.models.status import FitOutcome, FitStatus

__all__ = ["CoxBatchResult", "cox_ph_batch", "cox_ph_batch_frame"]


@dataclass(frozen=True)
class CoxBatchResult:
    """Cox fits of R replicate data sets.

    Parameters
    ----------
    names : tuple of str
        Covariate names (length p).
    params, se : ndarray, shape (R, p)
        Estimates and model-based SEs. Diverging coefficients are ``+/-inf``;
        NaN where nothing could be estimated (no events, singular information)
        and SEs are NaN unless the information was positive definite.
    vcov : ndarray, shape (R, p, p)
    loglik, loglik_null : ndarray, shape (R,)
    n_iter : ndarray of int64, shape (R,)
    status : ndarray of int8, shape (R,)
        :class:`~ppprog.models.status.FitStatus` codes.
    flagged : ndarray of bool, shape (R, p)
        Covariates implicated in a non-converged status.
    direction : ndarray of int8, shape (R, p)
        +1/-1 for covariates diverging to +/-inf.
    n, n_events : ndarray of int64, shape (R,)
        Rows used and events per replicate.
    alpha : float
        1 - confidence level of the intervals in :attr:`summary`.
    """

    names: tuple[str, ...]
    params: FloatArray
    se: FloatArray
    vcov: FloatArray
    loglik: FloatArray
    loglik_null: FloatArray
    n_iter: IntArray
    status: np.ndarray
    flagged: BoolArray
    direction: np.ndarray
    n: IntArray
    n_events: IntArray
    alpha: float = 0.05

    @property
    def converged(self) -> BoolArray:
        """Mask of replicates that converged to finite estimates."""
        return self.status == FitStatus.CONVERGED

    def outcome(self, r: int) -> FitOutcome:
        """The :class:`FitOutcome` of replicate ``r`` (message, covariates, directions).

        Parameters
        ----------
        r : int
            Replicate index.

        Returns
        -------
        FitOutcome
        """
        return cox_outcome(self.status[r], self.n_iter[r], self.names, self.flagged[r],
                           self.direction[r])  # fmt: skip

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Long tidy table, one row per (replicate, covariate).

        Columns ``replicate, covariate, coef, se, z, p, lower, upper, status``
        (status as the lower-case :class:`FitStatus` name).
        """
        R, p = self.params.shape
        q = stats.norm.isf(self.alpha / 2)
        coef = self.params.ravel()
        se = self.se.ravel()
        with np.errstate(invalid="ignore", divide="ignore"):
            z = coef / se
        labels = np.array([s.name.lower() for s in FitStatus])
        return pd.DataFrame({
            "replicate": np.repeat(np.arange(R), p),
            "covariate": pd.Categorical(np.tile(np.array(self.names, dtype=object), R),
                                        categories=list(self.names)),
            "coef": coef, "se": se, "z": z, "p": 2 * stats.norm.sf(np.abs(z)),
            "lower": coef - q * se, "upper": coef + q * se,
            "status": pd.Categorical(np.repeat(labels[self.status.astype(int)], p),
                                     categories=list(labels)),
        })  # fmt: skip


def _check_batch(X, time, event, start, mask) -> None:  # noqa: ANN001
    valid = mask
    for name, a in (("time", time), ("start", start)):
        if a is not None and not np.all(np.isfinite(a[valid])):
            raise ModelError(f"{name} has missing or infinite values in valid rows")
    if not np.all(np.isfinite(X[valid])):
        raise ModelError("X has missing or infinite values in valid rows")
    ev = event[valid]
    if not np.all((ev == 0) | (ev == 1)):
        raise ModelError("event must be 0/1 or bool")
    if start is not None and np.any(time[valid] <= start[valid]):
        raise ModelError("time (stop) must exceed start in every valid row")


def cox_ph_batch(
    X: FloatArray,
    time: FloatArray,
    event: FloatArray | BoolArray,
    *,
    start: FloatArray | None = None,
    mask: BoolArray | None = None,
    strata: IntArray | None = None,
    ties: str = "efron",
    names: Sequence[str] | None = None,
    alpha: float = 0.05,
    max_iter: int = 30,
    tol: float = 1e-9,
    parallel: bool = False,
) -> CoxBatchResult:
    """Fit a Cox model to each of R replicate data sets.

    Parameters
    ----------
    X : array_like, shape (R, n, p)
        Covariates of each replicate.
    time : array_like, shape (R, n)
        Event/censoring times (interval ends).
    event : array_like, shape (R, n)
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
        Covariate names (default ``x0, x1, ...``).
    alpha : float, optional
        1 - confidence level for :attr:`CoxBatchResult.summary`.
    max_iter : int, optional
        Newton-Raphson iteration limit per replicate.
    tol : float, optional
        Relative coefficient tolerance (log-likelihood: ``tol * 1e-3``).
    parallel : bool, optional
        Spread replicates over numba's threads (bit-identical results). Off by
        default, because study runners already use one process per core and
        the OpenMP layer is not fork-safe.

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
    _check_ties(ties)
    try:
        d = CoxDesign.from_arrays(X, time, event, start=start, strata=strata, mask=mask)
    except ValueError as e:
        raise ModelError(str(e)) from e
    _check_batch(
        d.X, d.stop, np.asarray(event, dtype=float), d.start if start is not None else None, d.mask
    )
    R, _, p = d.shape
    names = tuple(names) if names is not None else tuple(f"x{j}" for j in range(p))
    if len(names) != p:
        raise ModelError(f"names has {len(names)} entries, X has {p} columns")
    out = newton_fit(
        d, ties=ties, max_iter=max_iter, tol_ll=tol * 1e-3, tol_beta=tol, parallel=parallel
    )
    se = np.sqrt(np.diagonal(out.vcov, axis1=1, axis2=2))
    return CoxBatchResult(names, out.beta, se, out.vcov, out.loglik, out.loglik_null, out.n_iter,
                          out.status, out.flagged, out.direction, out.n_used, out.n_events, alpha)  # fmt: skip


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
    max_iter: int = 30,
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
        Coefficient tolerance.

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
