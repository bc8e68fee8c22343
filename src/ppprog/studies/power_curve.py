"""Sample size for a target power from simulated power, with Monte-Carlo uncertainty.

Reading the size at which simulated power crosses a target off a grid by
interpolation gives a number without an error. :func:`fit_power_curve` instead
fits the curve ``power(n) = Phi(a + b sqrt(n))`` (the form of the Wald/score
test's power when the number of events grows in proportion to ``n``, as in
Schoenfeld's formula) to the simulated rejections of every grid size by binomial
maximum likelihood (probit regression on ``sqrt(n)``), and inverts it:

    n* = ((Phi^{-1}(target) - a) / b)^2,

with a delta-method confidence interval from the observed information of
``(a, b)`` (the interval is for ``sqrt(n*)``, then squared). The fit is
reported as ``extrapolated`` when ``n*`` lies outside the simulated sizes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ppprog._core.errors import SpecError
from ppprog._core.typing import FloatArray

__all__ = ["PowerCurve", "fit_power_curve"]


@dataclass(frozen=True)
class PowerCurve:
    """A fitted power curve and the size it gives for the target power.

    Parameters
    ----------
    a, b : float
        ``power(n) = Phi(a + b sqrt(n))``.
    cov : numpy.ndarray
        2x2 covariance of ``(a, b)`` (inverse observed information).
    target : float
        Target power.
    n_target : float
        Size for the target power (NaN when the curve does not rise).
    lower, upper : float
        Confidence interval of ``n_target``.
    status : str
        ``"converged"``, ``"extrapolated"`` (outside the simulated sizes) or
        ``"not_estimable"`` (no rise with ``n``, or the fit did not converge).
    """

    a: float
    b: float
    cov: FloatArray
    target: float
    n_target: float
    lower: float
    upper: float
    status: str

    def power(self, n: float | FloatArray) -> FloatArray:
        """Fitted power at size ``n``."""
        return np.asarray(stats.norm.cdf(self.a + self.b * np.sqrt(np.asarray(n, dtype=float))))


def _newton(
    x: FloatArray, hits: FloatArray, total: FloatArray
) -> tuple[FloatArray, FloatArray, bool]:
    """Probit maximum likelihood by Newton-Raphson with the observed information."""
    design = np.column_stack([np.ones_like(x), x])
    p0 = np.clip((hits.sum() + 0.5) / (total.sum() + 1.0), 0.01, 0.99)
    beta = np.array([stats.norm.ppf(p0), 0.0])
    info = np.eye(2)
    for _ in range(100):
        eta = design @ beta
        p = np.clip(stats.norm.cdf(eta), 1e-12, 1 - 1e-12)
        phi = stats.norm.pdf(eta)
        w1 = hits / p - (total - hits) / (1 - p)  # d loglik / d p
        grad = design.T @ (w1 * phi)
        # observed information: -d2 loglik / d eta2
        d2p = -hits / p**2 - (total - hits) / (1 - p) ** 2
        h = -(d2p * phi**2 + w1 * (-eta * phi))
        info = design.T @ (h[:, None] * design)
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:
            return beta, info, False
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            return beta, info, True
    return beta, info, False


def fit_power_curve(
    n: FloatArray, hits: FloatArray, total: FloatArray, *, target: float = 0.8, level: float = 0.95
) -> PowerCurve:
    """Fit ``power(n) = Phi(a + b sqrt(n))`` to simulated rejections and invert it at ``target``.

    Parameters
    ----------
    n : array_like
        Simulated sizes.
    hits, total : array_like
        Rejections and replicates at each size (failed fits count as no rejection).
    target : float, optional
        Target power.
    level : float, optional
        Confidence level of the interval for ``n_target``.

    Returns
    -------
    PowerCurve
    """
    n_, k_, t_ = (np.asarray(v, dtype=float) for v in (n, hits, total))
    if n_.ndim != 1 or not (n_.shape == k_.shape == t_.shape) or n_.size < 2:
        raise SpecError("fit_power_curve needs matching 1-d arrays with at least two sizes")
    if np.any(k_ < 0) or np.any(k_ > t_) or np.any(t_ <= 0):
        raise SpecError("fit_power_curve: hits must be between 0 and total, total positive")
    beta, info, ok = _newton(np.sqrt(n_), k_, t_)
    a, b = float(beta[0]), float(beta[1])
    nan = float("nan")
    if not ok or not b > 0:
        return PowerCurve(a, b, np.full((2, 2), nan), target, nan, nan, nan, "not_estimable")
    cov = np.asarray(np.linalg.inv(info), dtype=np.float64)
    zt = float(stats.norm.ppf(target))
    s = (zt - a) / b
    grad = np.array([-1.0 / b, -(zt - a) / b**2])
    se = math.sqrt(max(float(grad @ cov @ grad), 0.0))
    zq = float(stats.norm.ppf(0.5 + level / 2))
    lo, hi = max(s - zq * se, 0.0), s + zq * se
    inside = n_.min() <= s * s <= n_.max()
    return PowerCurve(a, b, cov, target, s * s, lo * lo, hi * hi,
                      "converged" if inside else "extrapolated")  # fmt: skip
