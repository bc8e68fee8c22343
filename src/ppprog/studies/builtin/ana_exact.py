"""Exact probability that a treated patient is ANA-high, from the generator's ANA process.

The onset generator (:mod:`ppprog.simulate.processes`, ``draw_ana``) gives
each patient a start titer, a seroconversion (probability ``c``, lognormal
time ``C`` with median ``m`` and log-sd ``s``) to a ladder titer
``max(titer0, ladder[k])`` with ``k = round(N(mu, sd))`` clipped to
``1 .. len(ladder) - 1``, and a reversion to the start titer (probability
``rho``, exponential delay with median ``m_r``). For a patient whose start
titer is below the threshold,

    P(ANA-high at t) = c P(ladder[k] >= thr) P(C <= t < C + D),
    P(C <= t < C + D) = F_C(t) - rho * int_0^t f_C(u) (1 - exp(-lam (t - u))) du,

with ``lam = log 2 / m_r``; a start titer at or above the threshold is high
throughout. Under the null (ANA does not change the onset hazard) and with no
covariate effects on the timing of onset, the onset time of an observed case
has density ``f_0(t) / F_0(tau)`` on ``(0, tau]`` (``f_0`` the baseline onset
density of the susceptible, ``tau`` the administrative follow-up), so the
probability that a case is ANA-high at onset is

    p = int_0^tau P(ANA-high at t) f_0(t) dt / F_0(tau).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy import stats

from ppprog._core.errors import SpecError
from ppprog._core.typing import FloatArray
from ppprog.simulate.hazards import BaselineHazard
from ppprog.simulate.spec import AnaSpec

__all__ = ["high_titer_share", "ana_high_probability", "case_ana_high_probability"]


def high_titer_share(ana: AnaSpec, agent: str) -> float:
    """Probability that a converter's ladder titer reaches the threshold.

    Parameters
    ----------
    ana : AnaSpec
        ANA process.
    agent : str
        Agent token (keys of ``ana.titer_log2_mean``).

    Returns
    -------
    float
        ``P(ladder[k] >= threshold)`` with ``k`` the clipped rounded normal.
    """
    ladder = np.asarray(ana.ladder, dtype=float)
    hits = np.nonzero(ladder >= ana.threshold)[0]
    if hits.size == 0:
        return 0.0
    k_thr = int(hits[0])
    if k_thr <= 1:
        return 1.0
    mean = ana.titer_log2_mean[agent]
    # round(X) >= k  <=>  X >= k - 1/2 (ties have probability 0); clipping at
    # len(ladder) - 1 keeps every value above the threshold index above it.
    return float(stats.norm.sf((k_thr - 0.5 - mean) / ana.titer_log2_sd))


@functools.cache
def _legendre_rule() -> tuple[FloatArray, FloatArray]:
    """The 256-point Gauss-Legendre rule on [-1, 1], computed on first use (not at import)."""
    nodes, weights = np.polynomial.legendre.leggauss(256)
    return nodes, weights


def _gauss(a: float | FloatArray, b: float | FloatArray) -> tuple[FloatArray, FloatArray]:
    """Gauss-Legendre nodes and weights on ``[a, b]`` (broadcast over arrays)."""
    a_ = np.asarray(a, dtype=float)[..., None]
    b_ = np.asarray(b, dtype=float)[..., None]
    half = (b_ - a_) / 2.0
    nodes, weights = _legendre_rule()
    return a_ + half * (nodes + 1.0), half * weights


def _converted_and_not_reverted(ana: AnaSpec, agent: str, t: FloatArray) -> FloatArray:
    """``P(C <= t < C + D)``, vectorized over ``t`` (substitution ``v = F_C(u)``)."""
    t = np.asarray(t, dtype=float)
    conv = stats.lognorm(s=ana.convert_sigma, scale=ana.convert_median[agent])
    fc = np.where(t > 0, conv.cdf(np.maximum(t, 1e-300)), 0.0)
    if ana.revert <= 0:
        return np.asarray(fc, dtype=float)
    lam = math.log(2.0) / ana.revert_median
    v, w = _gauss(0.0, fc)  # (..., nodes)
    u = conv.ppf(np.clip(v, 1e-300, 1.0 - 1e-16))
    stay = np.sum(w * np.exp(-lam * (t[..., None] - u)), axis=-1)  # P(C <= t, D > t - C)
    return np.asarray(fc - ana.revert * (fc - stay), dtype=float)


def ana_high_probability(ana: AnaSpec, agent: str, t: float | FloatArray) -> FloatArray:
    """Probability that a patient on ``agent`` is ANA-high ``t`` months after the start.

    Parameters
    ----------
    ana : AnaSpec
        ANA process.
    agent : str
        Agent token.
    t : float or numpy.ndarray
        Months on therapy.

    Returns
    -------
    numpy.ndarray
        Same shape as ``t``.
    """
    for table, name in ((ana.convert, "convert"), (ana.convert_median, "convert_median")):
        if agent not in table:
            raise SpecError(f"ana.{name} has no entry for agent {agent!r}")
    high0 = sum(p for titer, p in ana.baseline.items() if float(titer) >= ana.threshold)
    conv = ana.convert[agent] * high_titer_share(ana, agent)
    return high0 + (1.0 - high0) * conv * _converted_and_not_reverted(ana, agent, t)


def case_ana_high_probability(
    ana: AnaSpec, agent: str, baseline: BaselineHazard, horizon: float
) -> float:
    """Probability that an observed case is ANA-high at onset, under the null.

    Parameters
    ----------
    ana : AnaSpec
        ANA process.
    agent : str
        The cohort's (single) agent.
    baseline : BaselineHazard
        Onset hazard of the susceptible (no covariate effects on timing).
    horizon : float
        Administrative end of follow-up (months); cases are onsets before it.

    Returns
    -------
    float
        ``E[P(ANA-high at T)]`` for ``T`` the onset time truncated to
        ``(0, horizon]``, computed as ``int_0^1 g(F_0^{-1}(q F_0(tau))) dq``
        by Gauss-Legendre quadrature in probability scale.
    """
    f_tau = 1.0 - float(baseline.survival(np.asarray([horizon], dtype=float))[0])
    if not f_tau > 0:
        raise SpecError("no onsets before the horizon: the case distribution is empty")
    q, w = _gauss(0.0, 1.0)
    # F_0^{-1}(x) = H_0^{-1}(-log(1 - x))
    t = baseline.inverse(-np.log1p(-q * f_tau))
    return float(np.sum(w * ana_high_probability(ana, agent, t)))
