"""Batched Firth-penalized Cox fits (the engine of simulation studies).

Each replicate is fitted by the same compiled kernel and on the same design as
:func:`~ppprog.models.firth.cox_firth`, independently of the others; the
result follows the one batched result protocol
(:class:`~ppprog.models.batch_result.BatchFitResult`). Batched code never warns.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ppprog.models.batch_result import wald_bounds
from ppprog.models.cox_batch import replicate_design
from ppprog.models.firth_profile import FirthOptions, fit_design, profile_design
from ppprog.models.firth_result import FirthBatchResult
from ppprog.models.frontend import check_alpha, check_ties
from ppprog.models.status import FitStatus

__all__ = ["cox_firth_batch"]


def _constant_columns(X: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(R, p) mask of columns constant over each replicate's used rows."""
    used = mask[..., None]
    hi = np.where(used, X, -np.inf).max(axis=1)
    lo = np.where(used, X, np.inf).min(axis=1)
    return np.asarray(hi == lo)


def cox_firth_batch(
    X: Any,
    time: Any = None,
    event: Any = None,
    *,
    start: Any = None,
    mask: Any = None,
    strata: Any = None,
    ties: str = "efron",
    alpha: float = 0.05,
    profile: bool = False,
    names: Sequence[str] | None = None,
    cause: int | None = None,
    max_iter: int = 100,
    tol: float = 1e-10,
    parallel: bool = False,
) -> FirthBatchResult:
    """Fit the Firth-penalized Cox model to ``R`` replicate data sets.

    Parameters
    ----------
    X : SurvivalData or array_like, shape (R, n, p)
        The replicates as a SurvivalData (then ``time``, ``event``, ``start``,
        ``mask`` and ``strata`` are not given), or their covariates.
    time : array_like, shape (R, n) or (n,)
        Event/censoring times (interval ends).
    event : array_like, shape (R, n) or (n,)
        Event indicators.
    start : array_like, shape (R, n) or (n,), optional
        Interval starts for counting-process data.
    mask : array_like of bool, shape (R, n) or (n,), optional
        Rows to use (padding rows False); default all.
    strata : array_like of int, shape (R, n) or (n,), optional
        Stratum codes.
    ties : {"efron", "breslow"}, optional
        Tie handling (default Efron, as :func:`~ppprog.models.cox.cox_ph`;
        coxphf uses Breslow).
    alpha : float, optional
        1 - confidence level.
    profile : bool, optional
        Profile penalized-likelihood intervals (slower) instead of Wald.
    names : sequence of str, optional
        Covariate labels (default ``x0, x1, ...``); for a SurvivalData, the
        covariates to use (default all).
    cause : int, optional
        Cause-specific hazard of this event code of a SurvivalData.
    max_iter : int, optional
        Newton-Raphson iterations allowed.
    tol : float, optional
        Convergence tolerance on the coefficients' Newton steps.
    parallel : bool, optional
        Spread the replicates over threads (numba); results are identical
        to the serial run's, replicate by replicate.

    Returns
    -------
    FirthBatchResult
        Per-replicate estimates and status codes; never warns.

    References
    ----------
    Heinze, G. and Schemper, M. (2001). A solution to the problem of monotone
    likelihood in Cox regression. Biometrics 57, 114-119.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[[1.0], [0.0]]] * 3)
    >>> res = cox_firth_batch(X, [1.0, 2.0], [1, 1])
    >>> np.round(res.params[:, 0], 6).tolist()
    [1.098612, 1.098612, 1.098612]
    """
    efron = check_ties(ties)
    check_alpha(alpha)
    sd, ev, design = replicate_design(X, time, event, start=start, mask=mask, strata=strata,
                                      names=names, cause=cause)  # fmt: skip
    options = FirthOptions(max_iter=max_iter, tol=tol)
    beta, lpen, lnull, info, n_iter, status, vcov = fit_design(design, efron, options, parallel)
    R, p = beta.shape
    ok = status == FitStatus.CONVERGED
    se = np.sqrt(np.diagonal(vcov, axis1=1, axis2=2))
    lower, upper = wald_bounds(beta, se, alpha)
    bound_status = np.zeros((R, p, 2), dtype=np.int8)
    if profile:
        which = np.flatnonzero(ok)
        bounds, codes = profile_design(design, which, beta, lpen, vcov, efron, options, alpha,
                                       parallel)  # fmt: skip
        lower[which], upper[which] = bounds[which, :, 0], bounds[which, :, 1]
        bound_status[which] = codes[which]
    flagged = np.zeros((R, p), dtype=np.bool_)
    singular = np.flatnonzero(status == FitStatus.SINGULAR_INFORMATION)
    if singular.size:  # only there (a pass over X costs as much as a fit at large n)
        flagged[singular] = _constant_columns(sd.X[singular], sd.mask[singular])
    return FirthBatchResult(
        names=sd.names, params=beta, se=se, vcov=vcov, loglik=lpen, loglik_null=lnull,
        n_iter=n_iter, status=status, flagged=flagged, direction=np.zeros((R, p), np.int8),
        n=sd.mask.sum(axis=1).astype(np.int64), n_events=ev.sum(axis=1).astype(np.int64),
        lower=lower, upper=upper, alpha=alpha, ties=ties,
        ci_method="profile" if profile else "wald", bound_status=bound_status,
    )  # fmt: skip
