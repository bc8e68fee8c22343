"""Parametric mixture cure model: log-likelihood, analytic derivatives, batched Newton.

Arrays carry a leading replicate axis ``R`` and a row axis ``m`` (``mask``
marks real rows). The population survival of a subject is
``S(t) = 1 - pi + pi * S_u(t)``, with ``pi = g^-1(x' b)`` the probability of
being susceptible (of ever having the event; smcure's "uncure" probability)
and ``S_u`` the latency survival of the susceptible:

* ``"weibull"`` (proportional hazards): ``S_u(t) = exp(-exp(u) t^alpha)``,
  ``u = z' c`` (``c[0]`` the log scale, the rest log hazard ratios) and
  ``v = log(alpha)``;
* ``"lognormal"`` (accelerated failure time): ``log T ~ N(u, sigma^2)``,
  ``u = z' c`` and ``v = log(sigma)``.

An event row contributes ``log pi + log f_u(t)``, a censored row
``log(1 - pi + pi S_u(t))``. Each row's contribution depends on the
parameters only through ``(eta, u, v)``, so the gradient and Hessian are the
per-row derivatives in those three quantities (closed forms below) pushed
through the block-diagonal design by the chain rule.

Parameter vector: ``theta = [b (q), c (k), v]`` (``q`` incidence columns
including the intercept, ``k`` latency columns including the intercept).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from ppprog._core.typing import BoolArray, FloatArray, IntArray
from ppprog.models.status import FitStatus

__all__ = ["LINKS", "LATENCY_FAMILIES", "inverse_link", "latency_survival", "cure_loglik"]
__all__ += ["NewtonFit", "fit_parametric", "start_values"]

LINKS = ("logit", "cloglog")
LATENCY_FAMILIES = ("weibull", "lognormal")
_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)
_MAX_STEP = 5.0
_HALVINGS = 40


def inverse_link(eta: FloatArray, link: str) -> tuple[FloatArray, ...]:
    """Susceptible probability and the derivatives used by the likelihood.

    Parameters
    ----------
    eta : ndarray
        Incidence linear predictor.
    link : {"logit", "cloglog"}
        Link of the incidence model.

    Returns
    -------
    pi, one_minus_pi, d1, d2, log_pi : ndarray
        ``pi``, ``1 - pi`` (computed without cancellation), ``dpi/deta``,
        ``d2pi/deta2`` and ``log pi``.
    """
    if link == "logit":
        pi = special.expit(eta)
        q = special.expit(-eta)
        d1 = pi * q
        return pi, q, d1, d1 * (q - pi), -np.logaddexp(0.0, -eta)
    e = np.exp(eta)
    q = np.exp(-e)
    pi = -np.expm1(-e)
    d1 = e * q
    return pi, q, d1, d1 * (1.0 - e), np.log(pi)


def latency_survival(u: FloatArray, v: FloatArray, time: FloatArray, family: str) -> FloatArray:
    """Latency survival ``S_u(t)`` of the susceptible.

    Parameters
    ----------
    u, v : ndarray
        Latency linear predictor and log shape (log alpha or log sigma).
    time : ndarray
        Times (positive).
    family : {"weibull", "lognormal"}
        Latency distribution.

    Returns
    -------
    ndarray
    """
    logt = np.log(time)
    if family == "weibull":
        return np.exp(-np.exp(u + np.exp(v) * logt))
    return special.ndtr(-(logt - u) / np.exp(v))


def _weibull_terms(u: FloatArray, v: FloatArray, logt: FloatArray) -> tuple[FloatArray, ...]:
    a = np.exp(v) * logt
    H = np.exp(u + a)
    S = np.exp(-H)
    logf = (v - logt) + a + u - H
    lf = (1.0 - H, 1.0 + a - H * a, -H, -H * a, a - H * a * a - H * a)
    sd = (
        -H * S,
        -H * a * S,
        (H * H - H) * S,
        H * a * (H - 1.0) * S,
        (H * H * a * a - H * a * a - H * a) * S,
    )
    return (logf, *lf, S, *sd)


def _lognormal_terms(u: FloatArray, v: FloatArray, logt: FloatArray) -> tuple[FloatArray, ...]:
    sigma = np.exp(v)
    z = (logt - u) / sigma
    phi = np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)
    S = special.ndtr(-z)
    logf = -logt - v - _LOG_SQRT_2PI - 0.5 * z * z
    lf = (z / sigma, z * z - 1.0, -1.0 / sigma**2, -2.0 * z / sigma, -2.0 * z * z)
    sd = (phi / sigma, phi * z, z * phi / sigma**2, phi * (z * z - 1.0) / sigma, phi * (z**3 - z))
    return (logf, *lf, S, *sd)


def _row_terms(
    eta: FloatArray, u: FloatArray, v: FloatArray, logt: FloatArray, event: BoolArray,
    link: str, family: str,
) -> tuple[FloatArray, FloatArray, FloatArray]:  # fmt: skip
    """Per-row log-likelihood, gradient (.., 3) and Hessian (.., 3, 3) in (eta, u, v)."""
    pi, q, p1, p2, logpi = inverse_link(eta, link)
    terms = _weibull_terms(u, v, logt) if family == "weibull" else _lognormal_terms(u, v, logt)
    logf, fu, fv, fuu, fuv, fvv, S, Su, Sv, Suu, Suv, Svv = terms
    with np.errstate(divide="ignore", invalid="ignore"):
        A = q + pi * S
        f_pi, f_S = -(1.0 - S) / A, pi / A
        f_pp, f_ss, f_ps = -(((1.0 - S) / A) ** 2), -((pi / A) ** 2), 1.0 / (A * A)
        dlogpi, d2logpi = p1 / pi, p2 / pi - (p1 / pi) ** 2
    ev = event
    ll = np.where(ev, logpi + logf, np.log(A))
    g = np.stack(
        [np.where(ev, dlogpi, f_pi * p1), np.where(ev, fu, f_S * Su), np.where(ev, fv, f_S * Sv)],
        axis=-1,
    )
    h_ee = np.where(ev, d2logpi, f_pp * p1 * p1 + f_pi * p2)
    h_eu = np.where(ev, 0.0, f_ps * p1 * Su)
    h_ev = np.where(ev, 0.0, f_ps * p1 * Sv)
    h_uu = np.where(ev, fuu, f_ss * Su * Su + f_S * Suu)
    h_uv = np.where(ev, fuv, f_ss * Su * Sv + f_S * Suv)
    h_vv = np.where(ev, fvv, f_ss * Sv * Sv + f_S * Svv)
    H = np.stack(
        [
            np.stack([h_ee, h_eu, h_ev], axis=-1),
            np.stack([h_eu, h_uu, h_uv], axis=-1),
            np.stack([h_ev, h_uv, h_vv], axis=-1),
        ],
        axis=-2,
    )
    return ll, g, H


def cure_loglik(
    theta: FloatArray, Xi: FloatArray, Xl: FloatArray, time: FloatArray, event: BoolArray,
    mask: BoolArray, *, link: str, family: str, derivatives: bool = True,
) -> tuple[FloatArray, FloatArray | None, FloatArray | None]:  # fmt: skip
    """Log-likelihood (and gradient and Hessian) of the parametric mixture cure model.

    Parameters
    ----------
    theta : ndarray, shape (R, P)
        ``[b, c, v]`` per replicate (``P = q + k + 1``).
    Xi : ndarray, shape (R, m, q)
        Incidence design including the intercept column.
    Xl : ndarray, shape (R, m, k)
        Latency design including the intercept column.
    time : ndarray, shape (R, m)
        Positive observed times (any positive value on padding rows).
    event : ndarray of bool, shape (R, m)
    mask : ndarray of bool, shape (R, m)
    link : {"logit", "cloglog"}
    family : {"weibull", "lognormal"}
    derivatives : bool, optional
        Also return the gradient and Hessian.

    Returns
    -------
    loglik : ndarray, shape (R,)
    grad : ndarray, shape (R, P) or None
    hess : ndarray, shape (R, P, P) or None
    """
    q, k = Xi.shape[-1], Xl.shape[-1]
    eta = np.einsum("rmj,rj->rm", Xi, theta[:, :q])
    u = np.einsum("rmj,rj->rm", Xl, theta[:, q : q + k])
    v = np.broadcast_to(theta[:, -1:], u.shape)
    ll_row, g, H = _row_terms(eta, u, v, np.log(time), event, link, family)
    w = mask.astype(np.float64)
    ll = np.where(mask, ll_row, 0.0).sum(axis=1)
    if not derivatives:
        return ll, None, None
    g = g * w[..., None]
    H = H * w[..., None, None]
    R, P = theta.shape
    grad = np.concatenate(
        [
            np.einsum("rm,rmj->rj", g[..., 0], Xi),
            np.einsum("rm,rmj->rj", g[..., 1], Xl),
            g[..., 2].sum(axis=1)[:, None],
        ],
        axis=1,
    )
    hess = np.empty((R, P, P))
    ii, ll_, vv = slice(0, q), slice(q, q + k), P - 1
    hess[:, ii, ii] = np.einsum("rm,rmj,rml->rjl", H[..., 0, 0], Xi, Xi)
    hess[:, ii, ll_] = np.einsum("rm,rmj,rml->rjl", H[..., 0, 1], Xi, Xl)
    hess[:, ll_, ll_] = np.einsum("rm,rmj,rml->rjl", H[..., 1, 1], Xl, Xl)
    hess[:, ii, vv] = np.einsum("rm,rmj->rj", H[..., 0, 2], Xi)
    hess[:, ll_, vv] = np.einsum("rm,rmj->rj", H[..., 1, 2], Xl)
    hess[:, vv, vv] = H[..., 2, 2].sum(axis=1)
    hess[:, ll_, ii] = np.swapaxes(hess[:, ii, ll_], 1, 2)
    hess[:, vv, ii] = hess[:, ii, vv]
    hess[:, vv, ll_] = hess[:, ll_, vv]
    return ll, grad, hess


@dataclass(frozen=True)
class NewtonFit:
    """Outcome of the batched Newton maximization.

    Attributes
    ----------
    theta : ndarray, shape (R, P)
    loglik : ndarray, shape (R,)
    grad : ndarray, shape (R, P)
    hess : ndarray, shape (R, P, P)
        Observed Hessian at ``theta`` (negative of the observed information).
    n_iter : ndarray of int64, shape (R,)
    status : ndarray of int8, shape (R,)
        :class:`~ppprog.models.status.FitStatus` codes.
    """

    theta: FloatArray
    loglik: FloatArray
    grad: FloatArray
    hess: FloatArray
    n_iter: IntArray
    status: np.ndarray


def _newton_direction(grad: FloatArray, hess: FloatArray, free: BoolArray) -> FloatArray:
    """Modified Newton direction: eigenvalues of ``-H`` floored to stay positive."""
    idx = np.flatnonzero(free)
    h = -hess[:, idx[:, None], idx[None, :]]
    lam, vec = np.linalg.eigh(h)
    floor = 1e-8 * np.maximum(np.abs(lam).max(axis=1, keepdims=True), 1.0)
    lam = np.where(lam > floor, lam, np.maximum(np.abs(lam), floor))
    gf = grad[:, idx]
    step_f = np.einsum("rij,rj->ri", vec, np.einsum("rji,rj->ri", vec, gf) / lam)
    step = np.zeros_like(grad)
    step[:, idx] = step_f
    big = np.abs(step).max(axis=1, keepdims=True)
    return step * np.where(big > _MAX_STEP, _MAX_STEP / np.maximum(big, 1e-300), 1.0)


def _final_status(fit_ok: BoolArray, hess: FloatArray, free: BoolArray, status: np.ndarray) -> None:
    idx = np.flatnonzero(free)
    h = -hess[:, idx[:, None], idx[None, :]]
    finite = np.asarray(np.isfinite(h).all(axis=(1, 2)), dtype=bool)
    lam = np.linalg.eigvalsh(np.where(finite[:, None, None], h, 0.0))
    singular = lam.min(axis=1) <= 1e-10 * np.maximum(lam.max(axis=1), 1.0)
    status[fit_ok & singular] = FitStatus.SINGULAR_INFORMATION
    status[~finite] = FitStatus.NOT_FINITE


def fit_parametric(
    theta0: FloatArray, Xi: FloatArray, Xl: FloatArray, time: FloatArray, event: BoolArray,
    mask: BoolArray, *, link: str, family: str, free: BoolArray | None = None,
    max_iter: int = 100, tol: float = 1e-9,
) -> NewtonFit:  # fmt: skip
    """Maximize the mixture cure log-likelihood per replicate by modified Newton.

    Each iteration takes the Newton step with the eigenvalues of the negative
    Hessian floored at a small positive value (so the direction ascends even
    where the log-likelihood is not concave), caps the largest component at 5
    and halves it until the log-likelihood does not decrease. A replicate
    stops when its largest step component is below ``tol``; its arithmetic
    never depends on other replicates, so batched and single fits agree.

    Parameters
    ----------
    theta0 : ndarray, shape (R, P)
        Starting values (also the values of fixed parameters).
    Xi, Xl, time, event, mask
        As in :func:`cure_loglik`.
    link, family : str
        As in :func:`cure_loglik`.
    free : ndarray of bool, shape (P,), optional
        Parameters to optimize (default all); the others stay at ``theta0``.
    max_iter : int, optional
        Iteration limit.
    tol : float, optional
        Convergence tolerance on the largest step component.

    Returns
    -------
    NewtonFit
    """
    R, P = theta0.shape
    free = np.ones(P, bool) if free is None else np.asarray(free, bool)
    theta = theta0.astype(np.float64).copy()
    active = np.ones(R, bool)
    status = np.full(R, FitStatus.MAX_ITER, np.int8)
    n_iter = np.zeros(R, np.int64)
    ll, grad, hess = cure_loglik(theta, Xi, Xl, time, event, mask, link=link, family=family)
    assert grad is not None
    assert hess is not None
    for _ in range(max_iter):
        bad = active & ~(np.isfinite(ll) & np.isfinite(grad).all(1) & np.isfinite(hess).all((1, 2)))
        status[bad], active = FitStatus.NOT_FINITE, active & ~bad
        if not active.any():
            break
        a = np.flatnonzero(active)
        step = _newton_direction(grad[a], np.nan_to_num(hess[a]), free)
        done = np.abs(step).max(axis=1) < tol
        scale = np.ones(len(a))
        pending = np.ones(len(a), bool)
        new_ll = np.full(len(a), -np.inf)
        for _h in range(_HALVINGS):
            trial = theta[a] + scale[:, None] * step
            tl, _, _ = cure_loglik(
                trial, Xi[a], Xl[a], time[a], event[a], mask[a], link=link, family=family,
                derivatives=False,
            )  # fmt: skip
            ok = np.isfinite(tl) & (tl >= ll[a] - 1e-12 * np.abs(ll[a]))
            new_ll = np.where(pending, tl, new_ll)
            pending &= ~ok
            if not pending.any():
                break
            scale = np.where(pending, scale * 0.5, scale)
        failed = pending & ~done
        theta[a] = np.where((~pending)[:, None], theta[a] + scale[:, None] * step, theta[a])
        n_iter[a] += 1
        status[a[failed]] = FitStatus.STEP_HALVING_FAILED
        status[a[done & ~pending]] = FitStatus.CONVERGED
        status[a[done & pending]] = FitStatus.CONVERGED
        stop = done | failed
        l2, g2, h2 = cure_loglik(theta[a], Xi[a], Xl[a], time[a], event[a], mask[a], link=link,
                                 family=family)  # fmt: skip
        assert g2 is not None
        assert h2 is not None
        ll[a], grad[a], hess[a] = l2, g2, h2
        active[a[stop]] = False
    ok = status == FitStatus.CONVERGED
    _final_status(ok, hess, free, status)
    return NewtonFit(theta, ll, grad, hess, n_iter, status)


def start_values(
    q: int, time: FloatArray, event: BoolArray, mask: BoolArray, *, link: str, family: str,
    k: int,
) -> FloatArray:  # fmt: skip
    """Starting values: slopes 0, intercepts from the event share and the event times.

    The susceptible share starts at the event share plus a quarter of the rest
    (clipped to [0.05, 0.95]); the Weibull latency starts exponential with the
    rate of the observed events (events over their total time), the
    log-normal at the mean and SD of the log event times.

    Parameters
    ----------
    q, k : int
        Incidence and latency columns (both including the intercept).
    time, event, mask : ndarray, shape (R, m)
        As in :func:`cure_loglik`.
    link, family : str
        As in :func:`cure_loglik`.

    Returns
    -------
    ndarray, shape (R, q + k + 1)
    """
    ev = event & mask
    n = mask.sum(axis=1).astype(np.float64)
    d = ev.sum(axis=1).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.clip(d / n + 0.25 * (1.0 - d / n), 0.05, 0.95)
        b0 = np.log(share / (1.0 - share)) if link == "logit" else np.log(-np.log1p(-share))
        logt = np.where(ev, np.log(np.where(ev, time, 1.0)), 0.0)
        if family == "weibull":
            c0 = np.log(d / np.where(ev, time, 0.0).sum(axis=1))
            v0 = np.zeros_like(c0)
        else:
            c0 = logt.sum(axis=1) / d
            var = np.where(ev, (logt - c0[:, None]) ** 2, 0.0).sum(axis=1) / d
            v0 = 0.5 * np.log(np.maximum(var, 1e-4))
    theta = np.zeros((len(n), q + k + 1))
    theta[:, 0], theta[:, q], theta[:, -1] = b0, np.nan_to_num(c0), np.nan_to_num(v0)
    return theta
