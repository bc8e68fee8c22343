"""Firth fits on the shared Cox design: options, constrained refits, profiles, LR tests.

Used by both Firth front ends (:func:`~ppprog.models.firth.cox_firth` and
:func:`~ppprog.models.firth_batch.cox_firth_batch`); the fits themselves run
in :mod:`ppprog.models._kernels.firth` on the
:class:`~ppprog.models._kernels.design.CoxDesign` that the ordinary Newton
fit also uses, and the profile bounds in :mod:`ppprog.models._kernels.firth_pl`
(compiled, one replicate or a batch, optionally over threads).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ppprog._core.typing import FloatArray
from ppprog.models._kernels import firth as firth_kernel
from ppprog.models._kernels import firth_pl, firth_prep
from ppprog.models._kernels.design import CoxDesign
from ppprog.models.status import FitStatus

__all__ = ["PENALTY", "CAP_SD", "XTOL", "FirthOptions", "FirthReplicate", "fit_design",
           "lr_tests", "profile_cis", "profile_design"]  # fmt: skip

#: Weight of the Firth penalty ``w log|I(b)|`` (Firth 1993: 1/2).
PENALTY = 0.5
#: Profile search cap, in units of ``1 / sd`` of the covariate.
CAP_SD = 64.0
#: Absolute tolerance of the profile bounds.
XTOL = 1e-10


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


def _starts(d: CoxDesign) -> FloatArray:
    """Entry times for the Firth kernel (``-inf``: at risk from the origin)."""
    return d.start if d.has_start else np.full(d.stop.shape, -np.inf)


def fit_design(d: CoxDesign, efron: bool, options: FirthOptions,
               parallel: bool = False) -> tuple[Any, ...]:  # fmt: skip
    """Fit every replicate of ``d`` from beta = 0.

    Parameters
    ----------
    d : CoxDesign
        The shared design.
    efron : bool
        Efron (else Breslow) ties.
    options : FirthOptions
        Iteration controls.
    parallel : bool, optional
        Spread the replicates over threads (same results).

    Returns
    -------
    tuple
        ``(beta, lpen, lpen_null, info, n_iter, status, vcov)`` of
        :func:`ppprog.models._kernels.firth.fit_batch`.
    """
    kernel = firth_kernel.fit_batch_parallel if parallel else firth_kernel.fit_batch
    return kernel(d.X, _starts(d), d.stop, d.event, d.strata, d.mask, efron, PENALTY,
                  *options.args())  # fmt: skip


@dataclass(frozen=True)
class FirthReplicate:
    """One prepared replicate and what is needed for constrained refits."""

    data: tuple[Any, ...]
    sd: FloatArray
    efron: bool
    penalty: float
    options: FirthOptions

    @classmethod
    def build(cls, d: CoxDesign, r: int, efron: bool, options: FirthOptions) -> FirthReplicate:
        """Prepare replicate ``r`` of ``d`` (the shared sort and centring)."""
        prep = firth_kernel.prepare(d.X[r], _starts(d)[r], d.stop[r], d.event[r], d.strata[r],
                                    d.mask[r])  # fmt: skip
        return cls(tuple(prep[:7]), prep[7], efron, PENALTY, options)

    def constrained(self, j: int, value: float, start: FloatArray) -> tuple[float, FloatArray, int]:
        """Maximize the penalized loglik with ``b_j = value``."""
        beta0 = np.array(start, dtype=np.float64)
        beta0[j] = value
        free = np.ones(beta0.size, dtype=np.bool_)
        free[j] = False
        beta, lpen, _, _, code = firth_kernel.newton(
            self.data, self.sd, beta0, free, self.efron, self.penalty, *self.options.args()
        )
        return float(lpen), beta, int(code)


def lr_tests(rep: FirthReplicate, beta: FloatArray, lpen: float, vcov: FloatArray) -> FloatArray:
    """Penalized LR chi-square of ``b_j = 0`` for each j (NaN if a refit fails).

    Parameters
    ----------
    rep : FirthReplicate
        The prepared replicate.
    beta : ndarray, shape (p,)
        Firth estimate.
    lpen : float
        Penalized log-likelihood at ``beta``.
    vcov : ndarray, shape (p, p)
        Inverse information at ``beta`` (starting values of the refits).

    Returns
    -------
    ndarray, shape (p,)
    """
    out = np.full(beta.size, np.nan)
    for j in range(beta.size):
        start = beta.copy()
        if np.isfinite(vcov[j, j]) and vcov[j, j] > 0:  # move the others along the ridge
            start -= beta[j] * vcov[:, j] / vcov[j, j]
        l0, _, code = rep.constrained(j, 0.0, start)
        if code == FitStatus.CONVERGED:
            out[j] = max(0.0, 2.0 * (lpen - l0))
    return out


def _crit(alpha: float) -> float:
    from scipy import stats  # on first use: scipy.stats is a heavy import

    return float(stats.chi2.ppf(1.0 - alpha, 1))


def profile_cis(rep: FirthReplicate, beta: FloatArray, lpen: float, vcov: FloatArray,
                alpha: float) -> tuple[FloatArray, np.ndarray]:  # fmt: skip
    """Profile penalized-likelihood bounds and their statuses for every coefficient.

    Parameters
    ----------
    rep : FirthReplicate
        The prepared replicate.
    beta : ndarray, shape (p,)
        Firth estimate.
    lpen : float
        Penalized log-likelihood at ``beta``.
    vcov : ndarray, shape (p, p)
        Inverse information at ``beta`` (first step and ridge direction).
    alpha : float
        1 - confidence level.

    Returns
    -------
    bounds : ndarray, shape (p, 2)
    codes : ndarray of int8, shape (p, 2)
    """
    p = beta.size
    bounds, codes, _ = firth_pl.profile_replicate(
        rep.data, rep.sd, np.asarray(beta, np.float64), float(lpen),
        np.ascontiguousarray(vcov, np.float64), rep.efron, rep.penalty, rep.options.args(),
        _crit(alpha), CAP_SD, XTOL, firth_prep.workspace(rep.data[1].shape[0], p),
        firth_kernel.points(p),
    )  # fmt: skip
    return bounds, codes


def profile_design(d: CoxDesign, which: np.ndarray, beta: FloatArray, lpen: FloatArray,
                   vcov: FloatArray, efron: bool, options: FirthOptions, alpha: float,
                   parallel: bool = False) -> tuple[FloatArray, np.ndarray]:  # fmt: skip
    """Profile bounds of the replicates ``which`` of ``d`` (compiled, batched).

    Parameters
    ----------
    d : CoxDesign
        The shared design.
    which : ndarray of int
        Replicates to profile (converged fits).
    beta, lpen, vcov : ndarray
        Firth estimates ``(R, p)``, penalized logliks ``(R,)`` and inverse
        information ``(R, p, p)``.
    efron : bool
        Efron (else Breslow) ties.
    options : FirthOptions
        Iteration controls of the constrained fits.
    alpha : float
        1 - confidence level.
    parallel : bool, optional
        Spread the replicates over threads (same results).

    Returns
    -------
    bounds : ndarray, shape (R, p, 2)
    codes : ndarray of int8, shape (R, p, 2)
    """
    kernel = firth_pl.profile_batch_parallel if parallel else firth_pl.profile_batch
    return kernel(d.X, _starts(d), d.stop, d.event, d.strata, d.mask,
                  np.asarray(which, np.int64), beta, lpen, vcov, efron, PENALTY,
                  options.args(), _crit(alpha), CAP_SD, XTOL)  # fmt: skip
