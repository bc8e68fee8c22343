"""Parametric mixture cure fits for many replicates at once: ``cure_model_batch``.

The single-fit front end :func:`~ppprog.models.cure.cure_model` runs the same
code (:func:`fit_parametric_arrays`) with one replicate, so a batched fit and
the single fits of its replicates agree to rounding (the sums over a
replicate's rows differ only by the zero padding).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ppprog._core.errors import ModelError
from ppprog._core.typing import BoolArray, FloatArray
from ppprog.models._kernels.cure import (
    LATENCY_FAMILIES,
    LINKS,
    NewtonFit,
    fit_parametric,
    latency_survival,
    start_values,
)
from ppprog.models._kernels.followup import maller_zhou
from ppprog.models.cure_result import CureBatchResult
from ppprog.models.status import FitStatus

__all__ = ["ParametricFit", "fit_parametric_arrays", "cure_model_batch", "check_options"]

SHAPE_NAME = {"weibull": "log(shape)", "lognormal": "log(sigma)"}


def check_options(latency_model: str, link: str, allowed: tuple[str, ...]) -> None:
    """Raise :class:`~ppprog._core.errors.ModelError` for an unknown model or link.

    Parameters
    ----------
    latency_model : str
        Requested latency model.
    link : str
        Requested incidence link.
    allowed : tuple of str
        Latency models accepted by the caller.
    """
    if latency_model not in allowed:
        raise ModelError(f"latency_model={latency_model!r}: use one of {list(allowed)}")
    if link not in LINKS:
        raise ModelError(f"link={link!r}: use one of {list(LINKS)}")


@dataclass(frozen=True)
class ParametricFit:
    """Arrays of a batched parametric fit with identification applied.

    Attributes
    ----------
    newton : NewtonFit
        The maximization.
    se : ndarray, shape (R, P)
        Observed-information SEs (NaN unless converged and identified).
    cov : ndarray, shape (R, P, P)
        Inverse observed information (NaN where unusable).
    status : ndarray of int8, shape (R,)
    followup_p, n_late, plateau, tail_mass : ndarray, shape (R,)
        Follow-up evidence (see :func:`~ppprog.models.cure.cure_model`).
    """

    newton: NewtonFit
    se: FloatArray
    cov: FloatArray
    status: np.ndarray
    followup_p: FloatArray
    n_late: FloatArray
    plateau: FloatArray
    tail_mass: FloatArray


def _tail_mass(theta: FloatArray, Xl: FloatArray, time: FloatArray, mask: BoolArray,
               q: int, family: str) -> FloatArray:  # fmt: skip
    """Mean over subjects of the fitted ``S_u(t_n | z_i)`` (``t_n``: largest time)."""
    k = Xl.shape[-1]
    t_n = np.where(mask, time, -np.inf).max(axis=1)
    u = np.einsum("rmj,rj->rm", Xl, theta[:, q : q + k])
    v = np.broadcast_to(theta[:, -1:], u.shape)
    with np.errstate(all="ignore"):
        s = latency_survival(u, v, np.broadcast_to(t_n[:, None], u.shape), family)
    return np.where(mask, s, 0.0).sum(axis=1) / mask.sum(axis=1)


def _covariance(hess: FloatArray, ok: BoolArray) -> FloatArray:
    R, P, _ = hess.shape
    info = np.where(ok[:, None, None], -hess, np.eye(P))
    with np.errstate(all="ignore"):
        cov = np.linalg.inv(info)
    return np.where(ok[:, None, None], cov, np.nan)


def fit_parametric_arrays(
    Xi: FloatArray, Xl: FloatArray, time: FloatArray, event: BoolArray, mask: BoolArray, *,
    link: str, family: str, followup_alpha: float, plateau_tol: float, max_iter: int,
    tol: float,
) -> ParametricFit:  # fmt: skip
    """Fit, then apply the identification rule and compute SEs (arrays with intercepts).

    Parameters
    ----------
    Xi, Xl : ndarray, shape (R, m, q) and (R, m, k)
        Designs including intercept columns.
    time, event, mask : ndarray, shape (R, m)
    link, family : str
    followup_alpha, plateau_tol : float
        Identification thresholds (see :func:`~ppprog.models.cure.cure_model`).
    max_iter : int
    tol : float

    Returns
    -------
    ParametricFit
    """
    q, k = Xi.shape[-1], Xl.shape[-1]
    theta0 = start_values(q, time, event, mask, link=link, family=family, k=k)
    fit = fit_parametric(
        theta0, Xi, Xl, time, event, mask, link=link, family=family, max_iter=max_iter, tol=tol
    )
    p_mz, n_late, plateau = maller_zhou(time, event, mask)
    tail = _tail_mass(fit.theta, Xl, time, mask, q, family)
    identified = (plateau > 0) & ((p_mz <= followup_alpha) | (tail <= plateau_tol))
    status = fit.status.copy()
    has_events = (event & mask).any(axis=1)
    status[has_events & ~identified] = FitStatus.NOT_IDENTIFIED
    status[~has_events] = FitStatus.NO_EVENTS
    ok = status == FitStatus.CONVERGED
    cov = _covariance(fit.hess, ok)
    se = np.sqrt(np.diagonal(cov, axis1=1, axis2=2))
    return ParametricFit(fit, se, cov, status, p_mz, n_late, plateau, tail)


def _as_batch(a: Any, name: str, ndim: int, dtype: Any) -> np.ndarray:
    arr = np.asarray(a, dtype=dtype)
    if arr.ndim == ndim - 1:
        arr = arr[None]
    if arr.ndim != ndim:
        raise ModelError(f"{name} must have {ndim - 1} or {ndim} dimensions, got shape {arr.shape}")
    return arr


def cure_model_batch(
    X_inc: Any, X_lat: Any, time: Any, event: Any, mask: Any = None, *,
    latency_model: str = "weibull", link: str = "logit",
    incidence_names: list[str] | None = None, latency_names: list[str] | None = None,
    followup_alpha: float = 0.05, plateau_tol: float = 0.05, max_iter: int = 100,
    tol: float = 1e-9,
) -> CureBatchResult:  # fmt: skip
    """Fit a parametric mixture cure model to each of ``R`` replicates at once.

    Parameters
    ----------
    X_inc : array_like, shape (R, m, q)
        Incidence covariates (no intercept column; ``q`` may be 0).
    X_lat : array_like, shape (R, m, k)
        Latency covariates (no intercept column; ``k`` may be 0).
    time : array_like, shape (R, m)
        Positive observed times.
    event : array_like of bool, shape (R, m)
        Event indicators.
    mask : array_like of bool, shape (R, m), optional
        Real rows (default all).
    latency_model : {"weibull", "lognormal"}, optional
        Latency distribution.
    link : {"logit", "cloglog"}, optional
        Link of the incidence model (probability of being susceptible).
    incidence_names, latency_names : list of str, optional
        Covariate names (default ``x0, x1, ...`` and ``z0, z1, ...``).
    followup_alpha, plateau_tol : float, optional
        Identification thresholds, as in :func:`~ppprog.models.cure.cure_model`.
    max_iter : int, optional
        Newton iteration limit.
    tol : float, optional
        Convergence tolerance on the largest Newton step.

    Returns
    -------
    CureBatchResult
        Estimates, SEs and one status per replicate; replicates that are not
        identified carry status ``not_identified`` and NaN SEs.

    References
    ----------
    Farewell VT (1982). The use of mixture models for the analysis of survival
    data with long-term survivors. Biometrics 38:1041-1046.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> x = rng.binomial(1, 0.5, size=(3, 400)).astype(float)
    >>> cured = rng.random((3, 400)) < 0.3
    >>> t = np.where(cured, np.inf, rng.exponential(1.0 / np.exp(0.5 * x)))
    >>> c = 10.0 + 5.0 * rng.random((3, 400))
    >>> fit = cure_model_batch(x[..., None], x[..., None], np.minimum(t, c), t <= c)
    >>> fit.params.shape, [int(s) for s in fit.status]
    ((3, 5), [0, 0, 0])
    """
    check_options(latency_model, link, LATENCY_FAMILIES)
    t = _as_batch(time, "time", 2, np.float64)
    ev = _as_batch(event, "event", 2, bool)
    mk = np.ones(t.shape, bool) if mask is None else _as_batch(mask, "mask", 2, bool)
    Xi = _as_batch(X_inc, "X_inc", 3, np.float64)
    Xl = _as_batch(X_lat, "X_lat", 3, np.float64)
    if not (ev.shape == mk.shape == t.shape == Xi.shape[:2] == Xl.shape[:2]):
        raise ModelError(
            f"shapes differ: time {t.shape}, event {ev.shape}, mask {mk.shape}, "
            f"X_inc {Xi.shape}, X_lat {Xl.shape}"
        )
    if np.any(mk & ~(t > 0)) or np.any(mk & ~np.isfinite(t)):
        raise ModelError("time must be finite and positive on every row of mask")
    inames = incidence_names or [f"x{j}" for j in range(Xi.shape[-1])]
    lnames = latency_names or [f"z{j}" for j in range(Xl.shape[-1])]
    ones = np.ones(t.shape + (1,))
    fit = fit_parametric_arrays(
        np.concatenate([ones, Xi], axis=2), np.concatenate([ones, Xl], axis=2),
        np.where(mk, t, 1.0), ev & mk, mk, link=link, family=latency_model,
        followup_alpha=followup_alpha, plateau_tol=plateau_tol, max_iter=max_iter, tol=tol,
    )  # fmt: skip
    names = (
        ["incidence:(intercept)", *[f"incidence:{n}" for n in inames], "latency:(intercept)"]
        + [f"latency:{n}" for n in lnames]
        + [f"latency:{SHAPE_NAME[latency_model]}"]
    )
    return CureBatchResult(
        names=tuple(names),
        params=fit.newton.theta,
        se=fit.se,
        loglik=fit.newton.loglik,
        status=fit.status,
        n_iter=fit.newton.n_iter,
        n_events=(ev & mk).sum(axis=1).astype(np.int64),
        followup_p=fit.followup_p,
        tail_mass=fit.tail_mass,
        latency_model=latency_model,
        link=link,
    )
