"""Parametric regression on imprecise times: R ``survreg`` with ``type = "interval2"``.

Front end over :mod:`ppprog.models._kernels.aft_interval`. Rows may be exact,
right-, left- or interval-censored (:mod:`ppprog.models.bounds`). Parameters
are on R's scale: ``params`` holds ``(Intercept)`` and the covariate
coefficients of ``log T``; ``log_scale`` is ``Log(scale)``; ``vcov`` covers
both, in that order, as R's ``vcov(survreg_fit)``. The log-likelihood includes
the ``-log t`` Jacobian of exact rows, as R's does.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ppprog._core.errors import FitWarning, ModelError
from ppprog._core.fmt import text_table
from ppprog._core.typing import FloatArray
from ppprog.models._kernels.aft_interval import CONVERGED, DISTS, aft_fit, std_isf, std_sf
from ppprog.models.bounds import EXACT, INTERVAL, LEFT, RIGHT, as_bounds, bound_kinds
from ppprog.models.design_input import annotate, with_design
from ppprog.models.status import FitOutcome, FitStatus

__all__ = ["AftIntervalResult", "aft_interval"]

INTERCEPT = "(Intercept)"
LOG_SCALE = "Log(scale)"


@dataclass(frozen=True)
class AftIntervalResult:
    """Fitted accelerated failure time model for interval-censored data.

    Attributes
    ----------
    params : pandas.Series
        ``(Intercept)`` and covariate coefficients on ``log T``.
    log_scale : float
        ``log(sigma)``, R's ``Log(scale)``.
    vcov : pandas.DataFrame
        Covariance of ``(params, Log(scale))`` (inverse observed information).
    loglik : float
        Maximized log-likelihood (time scale, as R).
    loglik_null : float
        Log-likelihood of the intercept-only model (equal to ``loglik`` when
        there are no covariates).
    dist : str
        ``"weibull"`` or ``"lognormal"``.
    counts : pandas.Series
        Rows by kind: ``exact, right, left, interval``.
    n_iter : int
        Newton iterations.
    status : FitOutcome
        How the fit ended.
    alpha : float
        One minus the confidence level of :attr:`summary`.
    """

    params: pd.Series
    log_scale: float
    vcov: pd.DataFrame
    loglik: float
    loglik_null: float
    dist: str
    counts: pd.Series
    n_iter: int
    status: FitOutcome
    alpha: float = 0.05
    notes: tuple[str, ...] = ()
    dropped: tuple[Any, ...] = ()

    @property
    def n_dropped(self) -> int:
        """Rows dropped for missing covariate values (``missing="drop"``; listed in ``notes``)."""
        return len(self.dropped)

    @property
    def scale(self) -> float:
        """``sigma = exp(log_scale)`` (R's ``scale``)."""
        return float(np.exp(self.log_scale))

    @property
    def se(self) -> pd.Series:
        """Standard errors of ``params`` and ``Log(scale)``."""
        return pd.Series(np.sqrt(np.diag(self.vcov.to_numpy())), index=self.vcov.index)

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Coefficient table as R's ``summary.survreg``: ``value, std_err, z, p, lower, upper``."""
        est = pd.concat([self.params, pd.Series({LOG_SCALE: self.log_scale})])
        se = self.se
        z = est / se
        q = stats.norm.isf(self.alpha / 2)
        out = pd.DataFrame(
            {"value": est, "std_err": se, "z": z, "p": 2 * stats.norm.sf(np.abs(z)),
             "lower": est - q * se, "upper": est + q * se}
        )  # fmt: skip
        out.index.name = "term"
        return out

    def survival(self, t: FloatArray, x: FloatArray | None = None) -> FloatArray:
        """Model survival ``S(t | x)``.

        Parameters
        ----------
        t : ndarray of float
            Times (> 0).
        x : ndarray of float, shape (len(t), p) or (p,), optional
            Covariate values (without the intercept); zeros when omitted.

        Returns
        -------
        numpy.ndarray of float
        """
        tt = np.asarray(t, dtype=np.float64)
        eta = self.linear_predictor(x, tt.size)
        return std_sf((np.log(tt) - eta) / self.scale, self.dist)

    def linear_predictor(self, x: FloatArray | None, n: int) -> FloatArray:
        """``x'beta`` (with the intercept) for ``n`` rows.

        Parameters
        ----------
        x : ndarray of float or None
            Covariates without the intercept; None means zeros.
        n : int
            Rows when ``x`` is None or one-dimensional.

        Returns
        -------
        numpy.ndarray of float
        """
        beta = self.params.to_numpy()
        if x is None:
            return np.full(n, beta[0])
        xx = np.asarray(x, dtype=np.float64)
        if xx.ndim == 1:
            xx = np.broadcast_to(xx, (n, xx.size))
        return np.asarray(beta[0] + xx @ beta[1:])

    def quantile(self, p: FloatArray, x: FloatArray | None = None) -> FloatArray:
        """Time by which a fraction ``p`` has had the event, given ``x``.

        Parameters
        ----------
        p : ndarray of float in (0, 1)
        x : ndarray of float, optional
            As in :meth:`survival`.

        Returns
        -------
        numpy.ndarray of float
        """
        pp = np.asarray(p, dtype=np.float64)
        eta = self.linear_predictor(x, pp.size)
        return np.asarray(np.exp(eta + self.scale * std_isf(1.0 - pp, self.dist)))

    def __str__(self) -> str:
        rows = [
            [k, *r.tolist()] for k, r in self.summary[["value", "std_err", "z", "p"]].iterrows()
        ]
        head = text_table(["", "value", "std_err", "z", "p"], rows)
        return (
            f"{head}\n{self.dist} AFT (interval-censored); loglik {self.loglik:.6g}"
            f" (null {self.loglik_null:.6g}); n {int(self.counts.sum())}; status: {self.status}"
        )


_MESSAGES = {
    2: (FitStatus.MAX_ITER, "iteration limit reached"),
    3: (FitStatus.STEP_HALVING_FAILED, "no Newton step improved the log-likelihood"),
    4: (
        FitStatus.SINGULAR_INFORMATION,
        "information matrix singular (constant or collinear covariates?)",
    ),
    5: (FitStatus.NO_EVENTS, "every row is right-censored; nothing to estimate"),
    6: (FitStatus.NOT_FINITE, "log-likelihood not finite"),
}


def _design(data: pd.DataFrame, covariates: Sequence[str]) -> FloatArray:
    cols = [np.ones(len(data))]
    for c in covariates:
        if c not in data.columns:
            raise ModelError(f"covariate column {c!r} not in data")
        try:
            v = pd.to_numeric(data[c]).to_numpy(dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ModelError(f"covariate {c!r} must be numeric: {exc}") from exc
        bad = ~np.isfinite(v)
        if bad.any():
            raise ModelError(f"covariate {c!r}: row {int(np.argmax(bad))} is missing or infinite")
        cols.append(v)
    return np.column_stack(cols)


def aft_interval(
    data: pd.DataFrame,
    *,
    left: str,
    right: str,
    covariates: str | Sequence[str] = (),
    dist: str = "weibull",
    alpha: float = 0.05,
    max_iter: int = 100,
    tol: float = 1e-10,
    formula: str | None = None,
    missing: str = "raise",
    id: str | None = None,
) -> AftIntervalResult:
    """Fit a Weibull or log-normal AFT model to interval-censored times.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per subject.
    left, right : str
        Columns of time bounds, R's ``interval2`` convention
        (:mod:`ppprog.models.bounds`).
    covariates : str or sequence of str, optional
        Numeric covariate columns (none: intercept only).
    dist : {"weibull", "lognormal"}, optional
        Error distribution of ``log T``.
    alpha : float, optional
        One minus the confidence level in :attr:`AftIntervalResult.summary`.
    max_iter : int, optional
        Newton iteration limit.
    tol : float, optional
        Convergence tolerance on the Newton step.
    formula, missing, id : optional
        As in :func:`~ppprog.models.cox.cox_ph`: a formula instead of
        ``covariates`` (factors treatment-coded), and what to do with rows that
        miss a covariate value. Missing bounds are not missing values: they
        are open ends (R's ``interval2``).

    Returns
    -------
    AftIntervalResult

    Warns
    -----
    FitWarning
        When the fit did not converge (see ``result.status``).

    References
    ----------
    Kalbfleisch, J. D. and Prentice, R. L. (2002). The Statistical Analysis
    of Failure Time Data, 2nd ed., ch. 3. R ``survival::survreg``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"lo": [1, 2, 4, 3, 6], "hi": [3, 2, 8, None, 9]})
    >>> fit = aft_interval(df, left="lo", right="hi", dist="lognormal")
    >>> fit.status.converged
    True
    """
    if dist not in DISTS:
        raise ModelError(f"dist must be one of {DISTS}, got {dist!r}")
    data, covs, dropped, design_notes = with_design(
        data, covariates, formula=formula, missing=missing, others=[], id=id
    )
    for c in (left, right):
        if c not in data.columns:
            raise ModelError(f"column {c!r} not in data")
    lo, hi = as_bounds(data[left], data[right])
    X = _design(data, covs)
    out = aft_fit(X, lo, hi, dist, max_iter=max_iter, tol=tol)
    null = (
        aft_fit(X[:, :1], lo, hi, dist, max_iter=max_iter, tol=tol).loglik if covs else out.loglik
    )
    if out.status == CONVERGED:
        status = FitOutcome(FitStatus.CONVERGED, n_iter=out.n_iter)
    else:
        code, msg = _MESSAGES[out.status]
        status = FitOutcome(code, n_iter=out.n_iter, message=msg)
        warnings.warn(f"aft_interval: {status}", FitWarning, stacklevel=2)
    names = [INTERCEPT, *covs]
    kinds = bound_kinds(lo, hi)
    counts = pd.Series(
        {
            k: int((kinds == c).sum())
            for k, c in (("exact", EXACT), ("right", RIGHT), ("left", LEFT), ("interval", INTERVAL))
        }
    )
    result = AftIntervalResult(
        params=pd.Series(out.theta[:-1], index=names),
        log_scale=float(out.theta[-1]),
        vcov=pd.DataFrame(out.vcov, index=[*names, LOG_SCALE], columns=[*names, LOG_SCALE]),
        loglik=float(out.loglik),
        loglik_null=float(null),
        dist=dist,
        counts=counts,
        n_iter=out.n_iter,
        status=status,
        alpha=alpha,
        notes=(f"{len(lo)} rows used, none dropped",),
    )
    return annotate(result, dropped, design_notes)
