"""Log-likelihood, derivatives and Newton fit of interval-censored AFT models (numpy only).

Model: ``log T = x'beta + sigma W`` with ``W`` standard minimum extreme value
(``dist="weibull"``) or standard normal (``"lognormal"``); parameters
``theta = (beta, s)`` with ``s = log(sigma)``, as R ``survreg``. A row with
bounds ``(l, r]`` has standardized ends ``z_l = (log l - eta) / sigma`` and
``z_r`` (``-inf`` for ``l = 0``, ``+inf`` for ``r = inf``) and contributes

* ``log f(z) - s - log t`` when exact (``l == r == t``; the ``-log t`` is the
  Jacobian R adds so that the log-likelihood is on the time scale);
* ``log(S(z_l) - S(z_r))`` otherwise (right-, left- and interval-censored).

Derivatives are analytic: with ``D = S(z_l) - S(z_r)``, ``rho = f / D`` at each
end and ``dz/dtheta = (-x / sigma, -z)``, the score is
``-rho_l dz_l + rho_r dz_r`` and the Hessian follows by the product rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import log_ndtr, ndtr, ndtri

from ppprog._core.typing import FloatArray

__all__ = ["AftOutcome", "aft_loglik", "aft_fit", "std_sf", "std_isf", "DISTS"]

DISTS = ("weibull", "lognormal")
CONVERGED, MAX_ITER, HALVING_FAILED, SINGULAR, NO_EVENTS, NOT_FINITE = 0, 2, 3, 4, 5, 6
_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)
MAX_STEP = 5.0  # largest Newton step in any parameter (log time / log scale units)


@dataclass(frozen=True)
class AftOutcome:
    """Result of :func:`aft_fit`.

    Attributes
    ----------
    theta : ndarray of float, shape (p + 1,)
        ``(beta, log sigma)``.
    vcov : ndarray of float, shape (p + 1, p + 1)
        Inverse of the observed information (NaN when singular).
    loglik : float
    n_iter : int
    status : int
        0 converged, 2 iteration limit, 3 step halving failed, 4 singular
        (collinear design, or information not positive definite at the
        optimum; parameters NaN when the design is collinear), 5 no events
        (every row right-censored), 6 non-finite.
    """

    theta: FloatArray
    vcov: FloatArray
    loglik: float
    n_iter: int
    status: int


def std_sf(z: FloatArray, dist: str) -> FloatArray:
    """Survival function of the standard error distribution.

    Parameters
    ----------
    z : ndarray of float
    dist : {"weibull", "lognormal"}

    Returns
    -------
    ndarray of float
    """
    if dist == "weibull":
        return np.asarray(np.exp(-np.exp(z)))
    return np.asarray(ndtr(-z))


def std_isf(u: FloatArray, dist: str) -> FloatArray:
    """Inverse of :func:`std_sf`: the ``z`` with ``S(z) = u``.

    Parameters
    ----------
    u : ndarray of float in (0, 1)
    dist : {"weibull", "lognormal"}

    Returns
    -------
    ndarray of float
    """
    if dist == "weibull":
        return np.asarray(np.log(-np.log(u)))
    return np.asarray(-ndtri(u))


def _log_f_g(z: FloatArray, dist: str) -> tuple[FloatArray, FloatArray, FloatArray]:
    """log density, its first and second derivatives in z (finite z only)."""
    if dist == "weibull":
        ez = np.exp(z)
        return z - ez, 1.0 - ez, -ez
    return -0.5 * z * z - _LOG_SQRT_2PI, -z, -np.ones_like(z)


def _log_diff(zl: FloatArray, zr: FloatArray, dist: str) -> FloatArray:
    """log(S(zl) - S(zr)) for zl < zr, stable in both tails."""
    with np.errstate(over="ignore", divide="ignore"):
        if dist == "weibull":
            el, er = np.exp(zl), np.exp(zr)
            return np.asarray(-el + np.log(-np.expm1(-(er - el))))
        upper = zl > 0
        a = np.where(upper, log_ndtr(-zl), log_ndtr(zr))
        b = np.where(upper, log_ndtr(-zr), log_ndtr(zl))
        return np.asarray(a + np.log(-np.expm1(b - a)))


@dataclass(frozen=True)
class _Rows:
    X: FloatArray
    ylo: FloatArray  # log left (-inf when left = 0)
    yhi: FloatArray  # log right (+inf when right = inf)
    exact: np.ndarray


def _rows(X: FloatArray, left: FloatArray, right: FloatArray) -> _Rows:
    with np.errstate(divide="ignore"):
        return _Rows(X, np.log(left), np.log(right), left == right)


def _ends(theta: FloatArray, rows: _Rows) -> tuple[FloatArray, FloatArray, float]:
    sigma = float(np.exp(theta[-1]))
    eta = rows.X @ theta[:-1]
    return (rows.ylo - eta) / sigma, (rows.yhi - eta) / sigma, sigma


def aft_loglik(
    theta: FloatArray, X: FloatArray, left: FloatArray, right: FloatArray, dist: str
) -> float:
    """Log-likelihood of the interval-censored AFT model (R ``survreg`` scale).

    Parameters
    ----------
    theta : ndarray of float, shape (p + 1,)
        ``(beta, log sigma)``.
    X : ndarray of float, shape (n, p)
        Design matrix (with its intercept column).
    left, right : ndarray of float, shape (n,)
        Normalized bounds (``left = 0`` left-censored, ``right = inf``
        right-censored, equal for exact).
    dist : {"weibull", "lognormal"}

    Returns
    -------
    float
    """
    return _derivs(theta, _rows(X, left, right), dist, order=0)[0]


def _derivs(
    theta: FloatArray, rows: _Rows, dist: str, order: int = 2
) -> tuple[float, FloatArray, FloatArray]:
    zl, zr, sigma = _ends(theta, rows)
    ex = rows.exact
    k = theta.size
    ll = 0.0
    if ex.any():
        logf, _, _ = _log_f_g(zl[ex], dist)
        ll += float(np.sum(logf) - ex.sum() * theta[-1] - np.sum(rows.ylo[ex]))
    cz = ~ex
    logd = _log_diff(zl[cz], zr[cz], dist)
    ll += float(np.sum(logd))
    grad = np.zeros(k)
    hess = np.zeros((k, k))
    if order == 0 or not np.isfinite(ll):
        return ll, grad, hess
    # exact rows: l = log f(z) - s - y
    X, p = rows.X, k - 1
    if ex.any():
        z = zl[ex]
        _, g1, g2 = _log_f_g(z, dist)
        c = np.column_stack([-X[ex] / sigma, -z])
        grad += g1 @ c
        grad[-1] -= ex.sum()
        hess += (c * g2[:, None]).T @ c + _c2_sum(g1, X[ex], z, sigma, p)
    # censored rows: l = log D; ends at +-inf contribute nothing
    terms = []
    for zend, sign in ((zl[cz], -1.0), (zr[cz], 1.0)):
        fin = np.isfinite(zend)
        zf = np.where(fin, zend, 0.0)
        logf, g1, _ = _log_f_g(zf, dist)
        rho = np.where(fin, np.exp(logf - logd), 0.0)
        c = np.column_stack([-X[cz] / sigma, -zf])
        terms.append((sign * rho, g1, c, zf))
    dl = sum(((sr[:, None] * c) for sr, _, c, _ in terms), np.zeros((int(cz.sum()), k)))
    grad += dl.sum(axis=0)
    for sr, g1, c, zf in terms:
        hess += (c * (sr * g1)[:, None]).T @ c + _c2_sum(sr, X[cz], zf, sigma, p)
    hess -= dl.T @ dl
    return ll, grad, hess


def _c2_sum(u: FloatArray, X: FloatArray, z: FloatArray, sigma: float, p: int) -> FloatArray:
    """sum_i u_i d2z_i/dtheta2 with d2z/dbeta ds = x / sigma and d2z/ds2 = z."""
    out = np.zeros((p + 1, p + 1))
    cross = (u @ X) / sigma
    out[:p, p] = cross
    out[p, :p] = cross
    out[p, p] = float(u @ z)
    return out


def _start(rows: _Rows) -> FloatArray:
    """Least squares on a point per row (exact time, a finite end, or the log midpoint)."""
    with np.errstate(invalid="ignore"):
        mid = 0.5 * (rows.ylo + rows.yhi)
    y = np.where(
        rows.exact, rows.ylo,
        np.where(np.isinf(rows.yhi), rows.ylo, np.where(np.isinf(rows.ylo), rows.yhi, mid)),
    )  # fmt: skip
    use = np.isfinite(y)  # a row (0, inf) says nothing
    if use.sum() <= rows.X.shape[1]:
        return np.append(np.zeros(rows.X.shape[1]), 0.0)
    beta, *_ = np.linalg.lstsq(rows.X[use], y[use], rcond=None)
    resid = y[use] - rows.X[use] @ beta
    return np.append(beta, np.log(max(float(np.std(resid)), 0.1)))


def aft_fit(
    X: FloatArray,
    left: FloatArray,
    right: FloatArray,
    dist: str,
    *,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> AftOutcome:
    """Maximize the AFT log-likelihood by damped Newton-Raphson.

    Parameters
    ----------
    X : ndarray of float, shape (n, p)
        Design matrix (with its intercept column).
    left, right : ndarray of float, shape (n,)
        Normalized bounds.
    dist : {"weibull", "lognormal"}
    max_iter : int, optional
    tol : float, optional
        Converged when the Newton step changes every parameter by at most
        ``tol`` and the log-likelihood by at most ``tol * (1 + |loglik|)``.

    Returns
    -------
    AftOutcome
    """
    k = X.shape[1] + 1
    nan = np.full((k, k), np.nan)
    if not np.isfinite(right).any():
        return AftOutcome(np.full(k, np.nan), nan, np.nan, 0, NO_EVENTS)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        return AftOutcome(np.full(k, np.nan), nan, np.nan, 0, SINGULAR)
    rows = _rows(X, left, right)
    theta = _start(rows)
    ll, grad, hess = _derivs(theta, rows, dist)
    for it in range(1, max_iter + 1):
        step = _newton_step(grad, hess)
        if step is None:
            return AftOutcome(theta, nan, ll, it, SINGULAR)
        big = float(np.max(np.abs(step)))
        if big > MAX_STEP:  # a wild first step: keep exp(s) and exp(eta) in range
            step = step * (MAX_STEP / big)
        for _ in range(40):
            cand = theta + step
            with np.errstate(all="ignore"):  # trial points may overflow; they are rejected
                ll_new, g_new, h_new = _derivs(cand, rows, dist)
            ok = np.isfinite(ll_new) and np.isfinite(g_new).all() and np.isfinite(h_new).all()
            if ok and ll_new >= ll - 1e-12 * (1.0 + abs(ll)):
                break
            step = step / 2.0
        else:
            return AftOutcome(theta, nan, ll, it, HALVING_FAILED)
        done = np.max(np.abs(step)) <= tol and abs(ll_new - ll) <= tol * (1.0 + abs(ll))
        theta, ll, grad, hess = cand, ll_new, g_new, h_new
        if done:
            vcov = _vcov(hess, nan)
            return AftOutcome(theta, vcov, ll, it, SINGULAR if np.isnan(vcov).any() else CONVERGED)
    return AftOutcome(theta, _vcov(hess, nan), ll, max_iter, MAX_ITER)


def _newton_step(grad: FloatArray, hess: FloatArray) -> FloatArray | None:
    info = -hess
    if not np.all(np.isfinite(info)):
        return None
    scale = max(float(np.max(np.abs(np.diag(info)))), 1e-12)
    for damp in (0.0, 1e-8, 1e-6, 1e-4, 1e-2, 1.0):
        try:
            chol = np.linalg.cholesky(info + damp * scale * np.eye(grad.size))
        except np.linalg.LinAlgError:
            continue
        return np.asarray(np.linalg.solve(chol.T, np.linalg.solve(chol, grad)))
    return None


def _vcov(hess: FloatArray, nan: FloatArray) -> FloatArray:
    try:
        np.linalg.cholesky(-hess)
    except np.linalg.LinAlgError:
        return nan
    return np.asarray(np.linalg.inv(-hess))
