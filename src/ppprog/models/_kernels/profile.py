"""Profile-likelihood confidence bounds: bracket, then Brent's method.

For a coefficient ``b_j`` with maximum ``b_hat`` and (penalized) maximum
log-likelihood ``l_hat``, the profile is ``l_p(v) = max over b_-j of l(v, b_-j)``
and the bounds solve ``g(v) = 2 (l_hat - l_p(v)) - crit = 0`` on each side of
``b_hat``, with ``crit`` the ``1 - alpha`` quantile of chi-square(1).

Search per bound, on the signed-root scale ``sqrt(2 (l_hat - l_p(v)))``
(nearly linear in v): start one Wald half-width from ``b_hat`` (or one unit
``1/sd`` of the covariate when the Wald SE is unusable), move outwards by
linear extrapolation of the signed root to ``sqrt(crit)`` (at least 1.25x,
at most 4x the distance per step) until it is passed (the bound is then
bracketed), and solve with :func:`scipy.optimize.brentq`. If ``g`` has not turned positive once the
distance exceeds ``cap`` (in standard deviations of the covariate), or the
constrained fit fails on the way out (after up to six retries half-way back
towards the last good point), the bound is reported as
``-inf``/``+inf`` with status ``PROFILE_NOT_CLOSED``. This replaces coxphf's
Venzon-Moolgavkar iteration, which can step across the bound or stall on flat
penalized profiles; bracketing cannot.

The constrained fit is supplied by the caller, so this module knows nothing
about Cox models and is tested on closed-form quadratics.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from ppprog._core.typing import FloatArray
from ppprog.models.status import FitStatus

__all__ = ["ProfileBound", "ConstrainedFit", "profile_bound", "profile_interval"]

_BACKTRACK = 6
_MAX_EXPAND = 40

ConstrainedFit = Callable[[float, FloatArray], tuple[float, FloatArray, int]]
"""``fit(v, beta_start) -> (loglik, beta, status_code)`` with ``b_j`` fixed at ``v``."""


@dataclass(frozen=True)
class ProfileBound:
    """One profile-likelihood bound.

    Parameters
    ----------
    value : float
        The bound (``-inf``/``+inf`` when not closed).
    status : FitStatus
        ``CONVERGED`` or ``PROFILE_NOT_CLOSED`` (or the constrained fit's
        failure code when that fit failed inside the bracket).
    n_fits : int
        Constrained fits used.
    """

    value: float
    status: FitStatus
    n_fits: int


class _Profile:
    """Memoized signed-root profile deviance, warm-started from the nearest fit.

    ``g(v) = sqrt(2 (l_hat - l_p(v))) - sqrt(crit)``: the signed root is close
    to linear in v, so Brent's interpolation lands near the root in a few fits
    (same root as ``deviance - crit``). Values are cached by v, so the bracket
    ends Brent re-evaluates cost nothing, and ``g(b_hat) = -sqrt(crit)``.
    """

    def __init__(
        self, fit: ConstrainedFit, j: int, beta_hat: FloatArray, l_hat: float, crit: float
    ):
        self.fit = fit
        self.j = j
        self.l_hat = l_hat
        self.root_crit = math.sqrt(crit)
        self.seen: list[tuple[float, FloatArray]] = [(float(beta_hat[j]), beta_hat.copy())]
        self.cache: dict[float, float] = {float(beta_hat[j]): -self.root_crit}
        self.n_fits = 0
        self.failed = 0

    def __call__(self, v: float) -> float:
        v = float(v)
        if v in self.cache:
            return self.cache[v]
        start = min(self.seen, key=lambda s: abs(s[0] - v))[1].copy()
        start[self.j] = v
        self.n_fits += 1
        ll, beta, code = self.fit(v, start)
        if code != FitStatus.CONVERGED or not math.isfinite(ll):
            self.failed = code if code != FitStatus.CONVERGED else int(FitStatus.NOT_FINITE)
            return math.nan
        self.seen.append((v, np.asarray(beta, dtype=np.float64)))
        out = math.sqrt(max(0.0, 2.0 * (self.l_hat - ll))) - self.root_crit
        self.cache[v] = out
        return out


def profile_bound(
    fit: ConstrainedFit,
    j: int,
    beta_hat: FloatArray,
    l_hat: float,
    *,
    side: int,
    step: float,
    crit: float,
    cap: float,
    xtol: float = 1e-10,
) -> ProfileBound:
    """Find one profile bound of coefficient ``j``.

    Parameters
    ----------
    fit : callable
        ``fit(v, beta_start) -> (loglik, beta, status_code)``, the constrained
        maximization with ``b_j = v``.
    j : int
        Coefficient index.
    beta_hat : ndarray, shape (p,)
        Unconstrained maximum.
    l_hat : float
        Log-likelihood at ``beta_hat``.
    side : {-1, 1}
        Lower (-1) or upper (+1) bound.
    step : float
        First distance from ``beta_hat[j]`` to try (positive).
    crit : float
        Critical value of chi-square(1).
    cap : float
        Largest distance from ``beta_hat[j]`` searched.
    xtol : float, optional
        Absolute tolerance of Brent's method on the bound.

    Returns
    -------
    ProfileBound
    """
    g = _Profile(fit, j, beta_hat, l_hat, crit)
    b0 = float(beta_hat[j])
    inner, h = b0, step
    for _ in range(_MAX_EXPAND):
        h = min(h, cap)
        v = b0 + side * h
        gv = g(v)
        for _ in range(_BACKTRACK):  # failed far out: retry between inner and v
            if not math.isnan(gv):
                break
            v = 0.5 * (inner + v)
            gv = g(v)
        if math.isnan(gv):
            return ProfileBound(side * math.inf, FitStatus(g.failed), g.n_fits)
        if gv > 0.0:
            break
        if abs(v - b0) >= cap:
            return ProfileBound(side * math.inf, FitStatus.PROFILE_NOT_CLOSED, g.n_fits)
        inner, d = v, abs(v - b0)
        r = gv + g.root_crit  # extrapolate the near-linear signed root to the target
        h = d * (min(4.0, max(1.25, 1.1 * g.root_crit / r)) if r > 0.0 else 2.0)
    else:
        return ProfileBound(
            side * math.inf, FitStatus(g.failed or FitStatus.PROFILE_NOT_CLOSED), g.n_fits
        )
    lo, hi = (v, inner) if side < 0 else (inner, v)
    g.failed = 0
    root, info = brentq(
        g, lo, hi, xtol=xtol, rtol=8.9e-16, maxiter=200, full_output=True, disp=False
    )
    if g.failed or not info.converged:  # a constrained fit failed inside the bracket
        return ProfileBound(side * math.inf, FitStatus(g.failed or FitStatus.NOT_FINITE), g.n_fits)
    return ProfileBound(float(root), FitStatus.CONVERGED, g.n_fits)


def profile_interval(
    fit: ConstrainedFit,
    j: int,
    beta_hat: FloatArray,
    l_hat: float,
    *,
    se: float,
    sd: float,
    crit: float,
    cap_sd: float = 64.0,
    xtol: float = 1e-10,
) -> tuple[ProfileBound, ProfileBound]:
    """Both profile bounds of coefficient ``j``.

    Parameters
    ----------
    fit, j, beta_hat, l_hat, crit, xtol
        As in :func:`profile_bound`.
    se : float
        Wald standard error of ``b_j`` (sets the first step; may be NaN).
    sd : float
        Standard deviation of covariate ``j`` (scales the search cap).
    cap_sd : float, optional
        Search cap, in units of ``1 / sd``: a bound further than
        ``cap_sd / sd`` from ``b_hat`` is reported as not closed.

    Returns
    -------
    tuple of ProfileBound
        Lower and upper bound.
    """
    unit = 1.0 / sd if sd > 0 and math.isfinite(sd) else 1.0
    step = math.sqrt(crit) * se if se > 0 and math.isfinite(se) else unit
    cap = max(cap_sd * unit, 2.0 * step)
    kw = {"step": step, "crit": crit, "cap": cap, "xtol": xtol}
    lower = profile_bound(fit, j, beta_hat, l_hat, side=-1, **kw)
    upper = profile_bound(fit, j, beta_hat, l_hat, side=1, **kw)
    return lower, upper
