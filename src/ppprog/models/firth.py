"""Firth-penalized Cox regression: front ends, profile intervals, LR tests.

:func:`cox_firth` fits one data set from a DataFrame and returns a
:class:`~ppprog.models.firth_result.FirthResult`; :func:`cox_firth_batch` fits
``R`` replicate data sets from arrays and returns a
:class:`~ppprog.models.firth_result.FirthBatchResult`. Both run the same
compiled kernel (:mod:`ppprog.models._kernels.firth`); a single fit is a batch
of one, so batched and single estimates are identical.

Conventions (as R's coxphf unless stated): the penalty is
``1/2 log|I(b)|``; standard errors are ``sqrt(diag(I(b_hat)^{-1}))`` with
``I`` the information of the *unpenalized* partial likelihood at the Firth
estimate (coxphf's ``var``); ``loglik`` and ``loglik_null`` are penalized (at
``b_hat`` and at ``b = 0``); the global test is the penalized likelihood ratio
``2 (loglik - loglik_null)`` on ``p`` df; the per-coefficient p-values are
penalized likelihood-ratio tests of ``b_j = 0`` with the other coefficients
re-fitted, and the default intervals are profile penalized-likelihood
intervals. Beyond coxphf (Breslow ties only, no strata): Efron ties, with the
exact derivative of the Efron information in the penalty, and strata. coxphf
standardizes the covariates internally; here the fit runs on the original
scale and only the Newton step cap is expressed in standard deviations.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from ppprog._core.errors import FitWarning, ModelError
from ppprog._core.typing import FloatArray
from ppprog.models._kernels import firth as _k
from ppprog.models._kernels.profile import profile_interval
from ppprog.models.cox import _as_list, _check_model_columns, _check_ties, _frame_to_data
from ppprog.models.firth_result import FirthBatchResult, FirthResult, ProfileTable
from ppprog.models.status import FitOutcome, FitStatus

__all__ = ["cox_firth", "cox_firth_batch"]

_PENALTY = 0.5


@dataclass(frozen=True)
class FirthOptions:
    """Iteration controls of the Firth fit.

    Parameters
    ----------
    max_iter : int
        Newton-Raphson iterations allowed.
    tol : float
        Convergence requires every coefficient's Newton step to be at most ``tol``
    gtol : float
        and every modified score component, per unit of the standardized
        coefficient (``|U*_j| / sd_j``), to be at most ``gtol``.
    max_step : float
        Largest change of a coefficient per iteration, in units of
        ``1 / sd(x_j)`` (coxphf's ``maxstep`` on its standardized scale).
    max_halving : int
        Step halvings per iteration.
    """

    max_iter: int = 100
    tol: float = 1e-10
    gtol: float = 1e-6
    max_step: float = 0.5
    max_halving: int = 20

    def args(self) -> tuple[int, float, float, float, int]:
        """Positional arguments for the kernels."""
        return self.max_iter, self.tol, self.gtol, self.max_step, self.max_halving


@dataclass(frozen=True)
class _Replicate:
    """One prepared replicate and what is needed for constrained refits."""

    data: tuple[Any, ...]
    sd: FloatArray
    efron: bool
    penalty: float
    options: FirthOptions

    @classmethod
    def build(cls, X, start, stop, event, strata, mask, efron, penalty, options) -> _Replicate:  # noqa: ANN001
        prep = _k.prepare(X, start, stop, event, strata, mask)
        return cls(tuple(prep[:7]), prep[7], efron, penalty, options)

    def constrained(self, j: int, value: float, start: FloatArray) -> tuple[float, FloatArray, int]:
        """Maximize the penalized loglik with ``b_j = value``."""
        beta0 = np.array(start, dtype=np.float64)
        beta0[j] = value
        free = np.ones(beta0.size, dtype=np.bool_)
        free[j] = False
        beta, lpen, _, _, code = _k.newton(
            self.data, self.sd, beta0, free, self.efron, self.penalty, *self.options.args()
        )
        return float(lpen), beta, int(code)


def _inverse(info: FloatArray) -> FloatArray:
    try:
        np.linalg.cholesky(info)
        return np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return np.full_like(info, np.nan)


def _lr_tests(rep: _Replicate, beta: FloatArray, lpen: float, vcov: FloatArray) -> FloatArray:
    """Penalized LR chi-square of ``b_j = 0`` for each j (NaN if a refit fails)."""
    out = np.full(beta.size, np.nan)
    for j in range(beta.size):
        start = beta.copy()
        if np.isfinite(vcov[j, j]) and vcov[j, j] > 0:  # move the others along the ridge
            start -= beta[j] * vcov[:, j] / vcov[j, j]
        l0, _, code = rep.constrained(j, 0.0, start)
        if code == FitStatus.CONVERGED:
            out[j] = max(0.0, 2.0 * (lpen - l0))
    return out


def _profile_cis(rep: _Replicate, beta: FloatArray, lpen: float, se: FloatArray, alpha: float):  # noqa: ANN202
    """Profile bounds and their statuses for every coefficient."""
    crit = float(stats.chi2.ppf(1.0 - alpha, 1))
    p = beta.size
    bounds = np.full((p, 2), np.nan)
    codes = np.zeros((p, 2), dtype=np.int8)
    for j in range(p):
        lo, hi = profile_interval(
            functools.partial(rep.constrained, j),
            j,
            beta,
            lpen,
            se=float(se[j]),
            sd=float(rep.sd[j]),
            crit=crit,
        )
        bounds[j] = lo.value, hi.value
        codes[j] = int(lo.status), int(hi.status)
    return bounds, codes


def _profile_table(rep: _Replicate, names, beta, lpen, se, alpha) -> ProfileTable:  # noqa: ANN001
    return ProfileTable.build(names, *_profile_cis(rep, beta, lpen, se, alpha))


def _fit_arrays(X, start, stop, event, strata, mask, efron, options):  # noqa: ANN001, ANN202
    return _k.fit_batch(X, start, stop, event, strata, mask, efron, _PENALTY, *options.args())


def _frame_arrays(data, duration, event, covariates, start, strata):  # noqa: ANN001, ANN202
    """Validate the model columns with the ordinary Cox front end's checks; never drop a row."""
    covs, strata_l = _as_list(covariates), _as_list(strata)
    _check_model_columns(data, duration, event, covs, start, strata_l, [])
    d = _frame_to_data(data, duration, event, covs, start, strata_l, [])
    n = d.stop.size
    st = np.full(n, -np.inf) if d.start is None else d.start
    sg = np.zeros(n, dtype=np.int64) if d.strata is None else d.strata
    return covs, np.ascontiguousarray(d.X), st, d.stop, d.event, sg


def cox_firth(
    data: Any,
    *,
    duration: str,
    event: str,
    covariates: Sequence[str] | str,
    start: str | None = None,
    ties: str = "breslow",
    strata: str | Sequence[str] | None = None,
    alpha: float = 0.05,
    profile: bool = True,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> FirthResult:
    """Fit a Cox model by Firth's penalized partial likelihood.

    Maximizes ``l(b) + 1/2 log|I(b)|`` by Newton-Raphson on the modified
    score, with step halving on the penalized log-likelihood and a maximum
    step of 0.5 standard deviations per coefficient. Estimates are finite
    under monotone likelihood (separation), where the ordinary fit diverges.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per subject, or per (start, stop] interval.
    duration : str
        Column of event/censoring times (interval ends).
    event : str
        Column of event indicators (0/1 or bool).
    covariates : str or sequence of str
        Numeric covariate columns, used on their original scale.
    start : str, optional
        Column of interval starts for counting-process data; a row is at risk
        at ``t`` iff ``start < t <= stop``.
    ties : {"breslow", "efron"}, optional
        Tie handling (coxphf supports Breslow only). For Efron the penalty
        uses the exact derivative of the Efron information.
    strata : str or sequence of str, optional
        Columns defining strata (separate baseline hazards).
    alpha : float, optional
        1 - confidence level of the intervals.
    profile : bool, optional
        If True (default, as coxphf's ``pl=TRUE``) the summary shows profile
        penalized-likelihood intervals and penalized LR p-values; otherwise
        Wald intervals and Wald p-values from ``I(b_hat)^{-1}``.
    max_iter : int, optional
        Newton-Raphson iterations allowed.
    tol : float, optional
        Convergence tolerance on the coefficients' Newton steps.

    Returns
    -------
    FirthResult

    Raises
    ------
    ModelError
        When a column is missing, non-numeric, has missing or non-finite
        values, or intervals are empty.

    References
    ----------
    Firth, D. (1993). Bias reduction of maximum likelihood estimates.
    Biometrika 80, 27-38.
    Heinze, G. and Schemper, M. (2001). A solution to the problem of monotone
    likelihood in Cox regression. Biometrics 57, 114-119.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"t": [1.0, 2.0], "d": [1, 1], "x": [1.0, 0.0]})
    >>> fit = cox_firth(df, duration="t", event="d", covariates=["x"], profile=False)
    >>> round(float(fit.params["x"]), 6)  # log(3)
    1.098612
    """
    efron = _check_ties(ties)
    if not 0.0 < alpha < 1.0:
        raise ModelError(f"alpha must be in (0, 1), got {alpha}")
    names, X, st, sp, ev, sg = _frame_arrays(data, duration, event, covariates, start, strata)
    options = FirthOptions(max_iter=max_iter, tol=tol)
    mask = np.ones((1, sp.size), dtype=np.bool_)
    beta, lpen, lnull, info, n_iter, status = _fit_arrays(
        X[None], st[None], sp[None], ev[None], sg[None], mask, efron, options
    )
    rep = _Replicate.build(X, st, sp, ev, sg, mask[0], efron, _PENALTY, options)
    code = FitStatus(int(status[0]))
    outcome = _outcome(code, int(n_iter[0]), names, rep.sd)
    b = beta[0]
    vcov = _inverse(info[0]) if code.ok else np.full((b.size, b.size), np.nan)
    se = np.sqrt(np.diag(vcov))
    notes = _notes(efron, start is not None, _as_list(strata), sp.size, ev, sg)
    lr_tester = functools.partial(_lr_tests, rep, b, float(lpen[0]), vcov)
    profiler = functools.partial(_profile_table, rep, names, b, float(lpen[0]), se)
    prof = None
    if profile and code.ok:
        prof = profiler(alpha)
        notes.extend(prof.notes())
    if not code.ok:
        warnings.warn(f"Firth fit: {outcome}", FitWarning, stacklevel=2)
        notes.append(f"fit did not converge: {outcome}")
    return FirthResult.build(
        names=names, beta=b, vcov=vcov, loglik=float(lpen[0]), loglik_null=float(lnull[0]),
        lr_tester=lr_tester, status=outcome, n_iter=int(n_iter[0]), alpha=alpha, ties=ties,
        n=int(sp.size), n_events=int(ev.sum()), profile=prof, notes=tuple(notes), profiler=profiler,
    )  # fmt: skip


def _notes(efron: bool, entry: bool, strata: list[str], n: int, ev, sg) -> list[str]:  # noqa: ANN001
    """What was done, for ``FirthResult.notes``."""
    notes = [
        f"{'Efron' if efron else 'Breslow'} ties; Firth penalty 1/2 log|I(b)|",
        f"{n} rows used, none dropped",
    ]
    if entry:
        notes.append("counting-process (start, stop] data: at risk iff start < t <= stop")
    if strata:
        k = int(sg.max()) + 1
        empty = int(np.sum(np.bincount(sg, weights=ev, minlength=k) == 0))
        notes.append(f"stratified by {', '.join(strata)} ({k} strata, {empty} without events)")
    return notes


def _outcome(code: FitStatus, n_iter: int, names: Sequence[str], sd: FloatArray) -> FitOutcome:
    """Status with a message; constant columns are named for singular fits."""
    if code is FitStatus.CONVERGED:
        return FitOutcome(code, n_iter, "Firth-penalized fit converged")
    if code is FitStatus.SINGULAR_INFORMATION:
        bad = tuple(n for n, s in zip(names, sd) if not s > 0) or tuple(names)
        return FitOutcome(
            code, n_iter, f"information singular (constant or collinear: {', '.join(bad)})", bad
        )
    if code is FitStatus.NO_EVENTS:
        return FitOutcome(code, n_iter, "no events: nothing to estimate")
    return FitOutcome(
        code, n_iter, f"Newton-Raphson stopped after {n_iter} iterations ({code.name.lower()})"
    )


def _batch_array(a: Any, name: str, shape: tuple[int, int], dtype: type) -> np.ndarray:
    arr = np.asarray(a)
    if arr.ndim == 1 and arr.shape[0] == shape[1]:
        arr = np.broadcast_to(arr, shape)
    if arr.shape != shape:
        raise ModelError(f"{name} has shape {arr.shape}, expected {shape} (or ({shape[1]},))")
    return np.ascontiguousarray(arr, dtype=dtype)


def cox_firth_batch(
    X: Any,
    time: Any,
    event: Any,
    *,
    start: Any = None,
    mask: Any = None,
    strata: Any = None,
    ties: str = "breslow",
    alpha: float = 0.05,
    profile: bool = False,
    names: Sequence[str] | None = None,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> FirthBatchResult:
    """Fit the Firth-penalized Cox model to ``R`` replicate data sets.

    Parameters
    ----------
    X : array_like, shape (R, n, p)
        Covariates of each replicate.
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
    ties : {"breslow", "efron"}, optional
        Tie handling.
    alpha : float, optional
        1 - confidence level.
    profile : bool, optional
        Profile penalized-likelihood intervals (slower) instead of Wald.
    names : sequence of str, optional
        Covariate labels for the summary (default ``x0, x1, ...``).
    max_iter : int, optional
        Newton-Raphson iterations allowed.
    tol : float, optional
        Convergence tolerance on the coefficients' Newton steps.

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
    efron = _check_ties(ties)
    Xa = np.ascontiguousarray(X, dtype=np.float64)
    if Xa.ndim != 3:
        raise ModelError(f"X must have shape (R, n, p), got {Xa.shape}")
    shape = Xa.shape[:2]
    sp = _batch_array(time, "time", shape, np.float64)
    ev = _batch_array(event, "event", shape, np.float64)
    mk = np.ones(shape, np.bool_) if mask is None else _batch_array(mask, "mask", shape, np.bool_)
    st = (
        np.full(shape, -np.inf)
        if start is None
        else _batch_array(start, "start", shape, np.float64)
    )
    sg = (
        np.zeros(shape, np.int64)
        if strata is None
        else _batch_array(strata, "strata", shape, np.int64)
    )
    _check_batch(Xa, sp, ev, st, mk, start is not None)
    if names is not None and len(names) != Xa.shape[2]:
        raise ModelError(f"names has {len(names)} labels for {Xa.shape[2]} covariates")
    options = FirthOptions(max_iter=max_iter, tol=tol)
    evb = ev.astype(np.bool_)
    beta, lpen, lnull, info, n_iter, status = _fit_arrays(Xa, st, sp, evb, sg, mk, efron, options)
    R, p = beta.shape
    vcov = np.full((R, p, p), np.nan)
    for r in np.flatnonzero(status == FitStatus.CONVERGED):
        vcov[r] = _inverse(info[r])
    se = np.sqrt(np.diagonal(vcov, axis1=1, axis2=2))
    z = stats.norm.ppf(1.0 - alpha / 2.0)
    lower, upper = beta - z * se, beta + z * se
    bound_status = np.zeros((R, p, 2), dtype=np.int8)
    if profile:
        for r in np.flatnonzero(status == FitStatus.CONVERGED):
            rep = _Replicate.build(
                Xa[r], st[r], sp[r], evb[r], sg[r], mk[r], efron, _PENALTY, options
            )
            bounds, bound_status[r] = _profile_cis(rep, beta[r], float(lpen[r]), se[r], alpha)
            lower[r], upper[r] = bounds[:, 0], bounds[:, 1]
    return FirthBatchResult(
        params=beta, se=se, loglik=lpen, loglik_null=lnull, status=status, n_iter=n_iter,
        lower=lower, upper=upper, bound_status=bound_status,
        ci_method="profile" if profile else "wald", alpha=alpha, ties=ties,
        names=tuple(names) if names is not None else (),
    )  # fmt: skip


def _check_batch(X, sp, ev, st, mk, has_start) -> None:  # noqa: ANN001
    """Validate the used rows of batched inputs (masked-out rows are ignored)."""
    used = mk
    if not np.isfinite(X[used]).all():
        raise ModelError("X has non-finite values in rows that are used (mask True)")
    if not np.isfinite(sp[used]).all():
        raise ModelError("time has non-finite values in rows that are used")
    if not np.isin(ev[used], (0.0, 1.0)).all():
        raise ModelError("event must hold 0/1 or booleans")
    if has_start:
        if not np.isfinite(st[used]).all():
            raise ModelError("start has non-finite values in rows that are used")
        if (st[used] >= sp[used]).any():
            raise ModelError("start must be < time in every used row (intervals are (start, stop])")
    if math.prod(X.shape[:2]) == 0 or X.shape[2] == 0:
        raise ModelError(f"X has an empty axis: shape {X.shape}")
