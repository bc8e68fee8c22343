"""One result protocol for batched fits: Cox and Firth-penalized Cox.

:class:`BatchFitResult` is the frozen snapshot every batched Cox engine
returns: the same field names and shapes, the same long ``summary`` columns
and one status form (an ``int8`` :class:`~ppprog.models.status.FitStatus`
code per replicate, with the covariates implicated and their direction).
:class:`~ppprog.models.cox_batch.CoxBatchResult` and
:class:`~ppprog.models.firth_batch.FirthBatchResult` are its two kinds.
Batched code never warns; :meth:`BatchFitResult.outcome` gives the message of
one replicate through the one status mapping,
:func:`~ppprog.models.status.fit_outcome`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import special  # quantiles (ndtri); tail probabilities: ppprog._core.pvalues

from ppprog._core.fmt import fmt_num, text_table
from ppprog._core.pvalues import normal_two_sided
from ppprog._core.typing import BoolArray, FloatArray, IntArray
from ppprog.models.status import FitOutcome, FitStatus, fit_outcome, status_labels

__all__ = ["BatchFitResult", "SUMMARY_COLUMNS", "wald_bounds"]

#: Columns of :attr:`BatchFitResult.summary`, whatever the engine.
SUMMARY_COLUMNS = ["replicate", "covariate", "coef", "se", "z", "p", "lower", "upper", "status"]


@dataclass(frozen=True)
class BatchFitResult:
    """Fits of ``R`` replicate data sets (shared fields of every batched Cox engine).

    Parameters
    ----------
    names : tuple of str
        Covariate names (length p).
    params, se : ndarray, shape (R, p)
        Estimates and standard errors. Diverging coefficients (ordinary Cox
        under separation) are ``+/-inf``; NaN where nothing was estimated.
    vcov : ndarray, shape (R, p, p)
        Inverse information at the estimate (NaN unless it was positive definite).
    loglik, loglik_null : ndarray, shape (R,)
        (Penalized, for Firth) log partial likelihood at the estimate and at 0.
    n_iter : ndarray of int64, shape (R,)
    status : ndarray of int8, shape (R,)
        :class:`~ppprog.models.status.FitStatus` codes.
    flagged : ndarray of bool, shape (R, p)
        Covariates implicated in a non-converged status.
    direction : ndarray of int8, shape (R, p)
        +1/-1 for covariates diverging to +/-inf.
    n, n_events : ndarray of int64, shape (R,)
        Rows used and events per replicate.
    lower, upper : ndarray, shape (R, p)
        Confidence bounds on the log-HR scale (:attr:`ci_method`).
    alpha : float
        1 - confidence level.
    ties : str
        ``"efron"`` or ``"breslow"``.
    ci_method : str
        ``"wald"`` or ``"profile"``.
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
    lower: FloatArray
    upper: FloatArray
    alpha: float = 0.05
    ties: str = "efron"
    ci_method: str = "wald"

    #: Whether the engine is Firth-penalized (wording of the outcomes only).
    penalized = False

    @property
    def n_replicates(self) -> int:
        """Number of replicates ``R``."""
        return int(self.params.shape[0])

    @property
    def converged(self) -> BoolArray:
        """Mask of replicates that converged to finite estimates."""
        return np.asarray(self.status == FitStatus.CONVERGED)

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
        return fit_outcome(self.status[r], self.n_iter[r], self.names, self.flagged[r],
                           self.direction[r], penalized=self.penalized)  # fmt: skip

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Long tidy table, one row per (replicate, covariate).

        Columns :data:`SUMMARY_COLUMNS`: ``replicate, covariate, coef, se, z,
        p, lower, upper, status``; ``z`` and ``p`` are Wald, ``lower``/``upper``
        follow :attr:`ci_method`, and ``status`` is the lower-case
        :class:`FitStatus` name.
        """
        R, p = self.params.shape
        coef = self.params.ravel()
        se = self.se.ravel()
        with np.errstate(invalid="ignore", divide="ignore"):
            z = coef / se
        labels = status_labels()
        return pd.DataFrame({
            "replicate": np.repeat(np.arange(R), p),
            "covariate": pd.Categorical(np.tile(np.array(self.names, dtype=object), R),
                                        categories=list(self.names)),
            "coef": coef, "se": se, "z": z, "p": normal_two_sided(z),
            "lower": self.lower.ravel(), "upper": self.upper.ravel(),
            "status": pd.Categorical(np.repeat(labels[self.status.astype(int)], p),
                                     categories=list(labels)),
        })  # fmt: skip

    def __str__(self) -> str:
        R, p = self.params.shape
        codes, counts = np.unique(self.status, return_counts=True)
        rows = [[FitStatus(int(c)).name.lower(), int(k)] for c, k in zip(codes, counts)]
        ok = self.converged
        mean = self.params[ok].mean(axis=0) if ok.any() else np.full(p, np.nan)
        kind = "Firth Cox" if self.penalized else "Cox"
        title = (
            f"{kind} batch: {R} replicates, {p} covariates, {self.ties} ties, {self.ci_method} CIs"
        )
        return "\n".join([
            text_table(["status", "replicates"], rows, title=title),
            "mean estimate over converged replicates: "
            + ", ".join(f"{n} {fmt_num(m)}" for n, m in zip(self.names, mean)),
        ])  # fmt: skip


def wald_bounds(params: FloatArray, se: FloatArray, alpha: float) -> tuple[FloatArray, FloatArray]:
    """Wald bounds ``params -/+ z_{1-alpha/2} se``.

    Parameters
    ----------
    params, se : ndarray, shape (R, p)
        Estimates and standard errors.
    alpha : float
        1 - confidence level.

    Returns
    -------
    lower, upper : ndarray, shape (R, p)
    """
    q = -special.ndtri(alpha / 2)  # scipy.stats.norm.isf's kernel
    with np.errstate(invalid="ignore"):
        return params - q * se, params + q * se
