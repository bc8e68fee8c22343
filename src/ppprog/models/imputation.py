"""Multiple imputation of imprecise event times within their bounds, for any model.

:func:`impute_times` draws, for every row with a finite interval, an event time
inside its bounds ``(left, right]`` (:mod:`ppprog.models.bounds`); exact times
are kept, and right-censored rows stay censored at ``left``. Three draws:

* ``"uniform"``: uniform on ``(left, right]``;
* ``"turnbull"``: from the Turnbull NPMLE conditional on the bounds, its
  mass spread uniformly within each support interval;
* ``"aft"``: from a fitted Weibull or log-normal AFT model conditional on the
  bounds (inverse-CDF on the truncated distribution).

With ``proper=True`` (default) the model-based draws also carry the
uncertainty of the imputation model, as multiple imputation needs to be
"proper" (Rubin 1987): each imputation refits the NPMLE to a bootstrap sample
of the rows, or draws the AFT parameters from their normal approximation.

:func:`multiple_imputation` fits any model callable to each completed data set
and pools by Rubin's rules (:func:`~ppprog.models.pooling.rubin_pool`).
Imputation ``j`` draws from the stream ``(seed, j)`` of
:func:`ppprog._core.rng.stream`, so it is the same whatever ``m``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ppprog._core.errors import ModelError
from ppprog._core.rng import SeedLike, stream
from ppprog._core.typing import BoolArray, FloatArray
from ppprog.models._kernels.aft_interval import CONVERGED, aft_fit, std_isf, std_sf
from ppprog.models._kernels.turnbull import npmle, support_intervals
from ppprog.models.bounds import as_bounds
from ppprog.models.pooling import PooledResult, rubin_pool

__all__ = ["Imputations", "impute_times", "multiple_imputation"]

METHODS = ("uniform", "turnbull", "aft")


@dataclass(frozen=True)
class Imputations:
    """Imputed event times.

    Attributes
    ----------
    times : ndarray of float, shape (m, n)
        Imputed times (exact rows keep their time; right-censored rows their
        censoring time ``left``).
    event : ndarray of bool, shape (n,)
        False for right-censored rows.
    left, right : ndarray of float, shape (n,)
        The normalized bounds.
    method : str
    seed : int or numpy.random.SeedSequence
    """

    times: FloatArray
    event: BoolArray
    left: FloatArray
    right: FloatArray
    method: str
    seed: SeedLike


def _uniform(rng: np.random.Generator, lo: FloatArray, hi: FloatArray) -> FloatArray:
    # 1 - U lies in (0, 1], so the draw lies in (lo, hi]
    return np.asarray(lo + (1.0 - rng.random(lo.size)) * (hi - lo))


def _turnbull_draw(
    rng: np.random.Generator, lo: FloatArray, hi: FloatArray, todo: BoolArray, proper: bool
) -> FloatArray:
    rows = rng.integers(0, lo.size, lo.size) if proper else np.arange(lo.size)
    sup = support_intervals(lo[rows], hi[rows])
    mass = npmle(sup.A).mass
    keep = mass > 0
    q, p, closed, w = sup.left[keep], sup.right[keep], sup.closed[keep], mass[keep]
    a, b = lo[todo][:, None], hi[todo][:, None]
    ov_lo, ov_hi = np.maximum(q[None, :], a), np.minimum(p[None, :], b)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = (ov_hi - ov_lo) / (p - q)[None, :]
    frac = np.where(closed[None, :], ((q > a) & (q <= b)).astype(float), share)
    weight = w[None, :] * np.clip(np.nan_to_num(frac, nan=0.0, posinf=0.0), 0.0, 1.0)
    total = weight.sum(axis=1)
    out = _uniform(rng, a[:, 0], b[:, 0])
    ok = total > 0
    u = rng.random(int(ok.sum())) * total[ok]
    k = np.minimum((np.cumsum(weight[ok], axis=1) < u[:, None]).sum(axis=1), weight.shape[1] - 1)
    lo_k, hi_k = ov_lo[ok, k], ov_hi[ok, k]
    out[ok] = np.where(closed[k], q[k], _uniform(rng, lo_k, hi_k))
    return out


def _aft_draw(
    rng: np.random.Generator,
    lo: FloatArray,
    hi: FloatArray,
    todo: BoolArray,
    fit: Any,
    X: FloatArray,
    dist: str,
) -> FloatArray:
    theta, chol = fit
    if chol is not None:
        theta = theta + chol @ rng.standard_normal(theta.size)
    sigma = np.exp(theta[-1])
    eta = X[todo] @ theta[:-1]
    a, b = lo[todo], hi[todo]
    with np.errstate(divide="ignore"):
        s_hi = std_sf((np.log(a) - eta) / sigma, dist)
        s_lo = std_sf((np.log(b) - eta) / sigma, dist)
    u = s_lo + (1.0 - rng.random(a.size)) * (s_hi - s_lo)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.exp(eta + sigma * std_isf(u, dist))
    bad = ~np.isfinite(t) | (s_hi - s_lo <= 0)
    return np.where(bad, a + 0.5 * (b - a), t)


def _aft_model(
    lo: FloatArray, hi: FloatArray, X: FloatArray, dist: str, proper: bool
) -> tuple[Any, Any]:
    out = aft_fit(X, lo, hi, dist)
    if out.status != CONVERGED:
        raise ModelError(
            f"method='aft': the imputation model did not converge (status code {out.status})"
        )
    return out.theta, (np.linalg.cholesky(out.vcov) if proper else None)


def impute_times(
    left: ArrayLike,
    right: ArrayLike,
    *,
    m: int = 20,
    method: str = "uniform",
    seed: SeedLike = 0,
    X: ArrayLike | None = None,
    dist: str = "weibull",
    proper: bool = True,
) -> Imputations:
    """Draw ``m`` sets of event times within their bounds.

    Parameters
    ----------
    left, right : array_like of float
        Bounds with R's ``interval2`` convention.
    m : int, optional
        Number of imputations.
    method : {"uniform", "turnbull", "aft"}, optional
        Distribution the times are drawn from (see the module docstring).
    seed : int or numpy.random.SeedSequence, optional
        Root seed; imputation ``j`` uses the stream ``(seed, j)``.
    X : array_like, shape (n, p), optional
        Covariates of the ``"aft"`` imputation model (an intercept is added).
    dist : {"weibull", "lognormal"}, optional
        Distribution of the ``"aft"`` imputation model.
    proper : bool, optional
        Propagate the imputation model's uncertainty (bootstrap for
        ``"turnbull"``, parameter draws for ``"aft"``).

    Returns
    -------
    Imputations

    Examples
    --------
    >>> imp = impute_times([1.0, 2.0, 3.0], [2.0, 2.0, float("nan")], m=2, seed=1)
    >>> bool(((imp.times[:, 0] > 1) & (imp.times[:, 0] <= 2)).all()), imp.times[:, 1].tolist()
    (True, [2.0, 2.0])
    """
    if method not in METHODS:
        raise ModelError(f"method must be one of {METHODS}, got {method!r}")
    if not isinstance(m, (int, np.integer)) or m < 1:
        raise ModelError(f"m must be a positive integer, got {m!r}")
    lo, hi = as_bounds(left, right)
    event = np.isfinite(hi)
    todo = event & (lo < hi)
    design = np.ones((lo.size, 1))
    if X is not None:
        xx = np.asarray(X, dtype=np.float64).reshape(lo.size, -1)
        design = np.column_stack([design, xx])
    model = _aft_model(lo, hi, design, dist, proper) if method == "aft" else None
    times = np.tile(lo, (m, 1))
    for j in range(m):
        rng = stream(seed, j)
        if method == "uniform":
            draw = _uniform(rng, lo[todo], hi[todo])
        elif method == "turnbull":
            draw = _turnbull_draw(rng, lo, hi, todo, proper)
        else:
            draw = _aft_draw(rng, lo, hi, todo, model, design, dist)
        times[j, todo] = np.clip(draw, np.nextafter(lo[todo], np.inf), hi[todo])
    return Imputations(times, event, lo, hi, method, seed)


def _extract(res: Any) -> tuple[pd.Series, pd.DataFrame]:
    if isinstance(res, tuple) and len(res) == 2:
        est, cov = res
    elif hasattr(res, "params") and hasattr(res, "vcov"):
        est, cov = res.params, res.vcov
    else:
        raise ModelError(
            "fit must return a result with .params and .vcov, or a (params, vcov) pair"
        )
    est = pd.Series(est, dtype=np.float64)
    if isinstance(cov, pd.DataFrame):
        cov = cov.loc[est.index, est.index]
    return est, pd.DataFrame(np.asarray(cov, dtype=np.float64), index=est.index, columns=est.index)


def multiple_imputation(
    data: pd.DataFrame,
    fit: Callable[[pd.DataFrame], Any],
    *,
    left: str,
    right: str,
    m: int = 20,
    method: str = "uniform",
    seed: SeedLike = 0,
    time: str = "time",
    event: str = "event",
    covariates: Sequence[str] = (),
    dist: str = "weibull",
    proper: bool = True,
    dfcom: float | None = None,
    alpha: float = 0.05,
) -> PooledResult:
    """Impute event times within their bounds, fit a model to each completed set, pool.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per subject with the bound columns.
    fit : callable
        ``fit(completed_frame)`` returning a result with ``.params`` (Series)
        and ``.vcov`` (DataFrame or array), e.g.
        ``lambda df: ppprog.cox_ph(df, duration="time", event="event", covariates="x")``,
        or a ``(params, vcov)`` pair.
    left, right : str
        Columns of bounds (R ``interval2`` convention).
    m : int, optional
        Number of imputations (at least 2).
    method : {"uniform", "turnbull", "aft"}, optional
        How times are drawn (see :func:`impute_times`).
    seed : int or numpy.random.SeedSequence, optional
        Root seed: the whole analysis is reproducible from it.
    time, event : str, optional
        Names of the columns added to each completed frame (imputed time and
        event indicator, 0 for right-censored rows).
    covariates : sequence of str, optional
        Covariates of the ``"aft"`` imputation model.
    dist : {"weibull", "lognormal"}, optional
        Distribution of the ``"aft"`` imputation model.
    proper : bool, optional
        See :func:`impute_times`.
    dfcom : float, optional
        Complete-data degrees of freedom for Barnard-Rubin degrees of freedom.
    alpha : float, optional
        One minus the confidence level.

    Returns
    -------
    PooledResult
        With the imputations attached as ``.imputations``.

    References
    ----------
    Rubin, D. B. (1987). Multiple Imputation for Nonresponse in Surveys. Wiley.
    Pan, W. (2000). A multiple imputation approach to Cox regression with
    interval-censored data. Biometrics 56, 199-203.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"lo": [2, 4, 5, 3, 8, 1], "hi": [4, 6, 5, 9, None, 3],
    ...                    "x": [0, 1, 0, 1, 1, 0]})
    >>> fit = lambda d: (pd.Series({"mean": d["time"].mean()}), [[d["time"].var() / len(d)]])
    >>> res = multiple_imputation(df, fit, left="lo", right="hi", m=5, seed=3)
    >>> res.m, bool(res.fmi["mean"] > 0)
    (5, True)
    """
    for c in (left, right, *covariates):
        if c not in data.columns:
            raise ModelError(f"column {c!r} not in data")
    for c in (time, event):
        if c in data.columns:
            raise ModelError(
                f"column {c!r} is already in data; choose another name with time=/event="
            )
    X = data[list(covariates)].to_numpy(dtype=np.float64) if covariates else None
    imp = impute_times(
        data[left], data[right], m=m, method=method, seed=seed, X=X, dist=dist, proper=proper
    )
    ests: list[pd.Series] = []
    covs: list[FloatArray] = []
    statuses: list[Any] = []
    for j in range(m):
        frame = data.assign(**{time: imp.times[j], event: imp.event.astype(np.int64)})
        res = fit(frame)
        est, cov = _extract(res)
        if ests and not est.index.equals(ests[0].index):
            raise ModelError(
                f"imputation {j}: the fit returned parameters {list(est.index)}, expected {list(ests[0].index)}"
            )
        ests.append(est)
        covs.append(cov.to_numpy())
        statuses.append(getattr(res, "status", None))
    notes = [
        f"{method} imputation of {int((imp.left < imp.right)[imp.event].sum())} imprecise times, seed {seed!r}"
    ]
    bad = sum(1 for s in statuses if s is not None and not getattr(s, "converged", True))
    if bad:
        notes.append(f"{bad} of {m} completed-data fits did not converge")
    return rubin_pool(
        pd.DataFrame(ests), np.stack(covs), dfcom=dfcom, alpha=alpha,
        statuses=statuses, notes=notes, imputations=imp,
    )  # fmt: skip
