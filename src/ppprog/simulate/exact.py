"""Exact probabilities under the onset generator: is a case ANA-high at onset?

The onset generator (:func:`ppprog.simulate.cohort.generate`, endpoint
``"onset"``) draws for each patient an ANA path (start titer; seroconversion
with probability ``c`` at a lognormal time ``C`` to a ladder titer; reversion
with probability ``rho`` after an exponential delay ``D``), a susceptibility
indicator (logistic; the design column ``ana_prone`` says whether the path is
ever ANA-high, i.e. starts at or above the threshold or seroconverts to a
titer at or above it) and, for the susceptible, an onset time whose hazard is
``h0(t) * hr ** ana_high(t)``. Two mechanisms tie ANA to paradoxical
psoriasis, and both can be on at once:

* **hazard** (``onset.log_hr.ana_high = log hr``): ANA-high multiplies the
  onset hazard of the susceptible while it lasts; it mostly moves onsets
  earlier, and changes who becomes a case only within the follow-up window;
* **susceptibility** (``onset.susceptible.log_or.ana_prone = log or``): an
  ANA-prone patient has ``or`` times the odds of ever being susceptible.

With administrative censoring at ``tau`` only and no other effect on the
timing of onset, the probability that a case (an onset in ``(0, tau]``) is
ANA-high at onset is ``N / M`` with, over the three path types (starts high;
starts low and converts to a high titer; never high),

    N = sum_type P(type) P(susceptible | type) P(onset <= tau, high at onset | type)
    M = sum_type P(type) P(susceptible | type) P(onset <= tau | type).

For a converter with conversion time ``C < tau`` and end of the high period
``E = min(C + D, tau)``, ``P(onset <= tau, high at onset) = exp(-H0(C)) (1 -
exp(-hr (H0(E) - H0(C))))`` and ``P(onset <= tau) = 1 - exp(-H0(tau) - (hr - 1)
(H0(E) - H0(C)))``; the expectation over ``C`` and ``D`` is computed by
Gauss-Legendre quadrature in probability scale (``v = F_C(C)``, ``w = F_D(D)``).
When the susceptible fraction has other covariates, they must be independent of
ANA (they are in the generator) and the susceptibility odds ratio must be 1, so
that the susceptible fraction cancels from ``N / M``.

The binomial shortcut ``hr p / (hr p + 1 - p)`` treats ``hr`` as an odds ratio
on being a case; :func:`shortcut_case_probability` gives it for comparison only.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import stats
from scipy.special import expit

from ppprog._core.errors import SpecError
from ppprog._core.typing import FloatArray
from ppprog.simulate.spec import AnaSpec, CohortSpec, OnsetSpec

__all__ = [
    "high_titer_share",
    "ana_high_probability",
    "ana_prone_probability",
    "case_ana_high_probability",
    "shortcut_case_probability",
    "two_case_likelihood_ratio",
    "case_ana_high_from_params",
    "cases_all_ana_high_from_params",
]


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


def _start_high(ana: AnaSpec) -> float:
    return float(sum(p for titer, p in ana.baseline.items() if float(titer) >= ana.threshold))


def ana_prone_probability(ana: AnaSpec, agent: str) -> float:
    """Probability that a patient's ANA path is ever high (the ``ana_prone`` column).

    Parameters
    ----------
    ana : AnaSpec
        ANA process.
    agent : str
        Agent token.

    Returns
    -------
    float
        ``P(start high) + P(start low) c P(ladder titer >= threshold)``.
    """
    b = _start_high(ana)
    return b + (1.0 - b) * ana.convert[agent] * high_titer_share(ana, agent)


@functools.cache
def _legendre_rule(n: int) -> tuple[FloatArray, FloatArray]:
    """The ``n``-point Gauss-Legendre rule on [-1, 1], computed on first use."""
    nodes, weights = np.polynomial.legendre.leggauss(n)
    return nodes, weights


def _gauss(
    a: float | FloatArray, b: float | FloatArray, n: int = 256
) -> tuple[FloatArray, FloatArray]:
    """Gauss-Legendre nodes and weights on ``[a, b]`` (broadcast over arrays)."""
    a_ = np.asarray(a, dtype=float)[..., None]
    b_ = np.asarray(b, dtype=float)[..., None]
    half = (b_ - a_) / 2.0
    nodes, weights = _legendre_rule(n)
    return a_ + half * (nodes + 1.0), half * weights


def _conversion(ana: AnaSpec, agent: str) -> stats.rv_continuous:
    for table, name in ((ana.convert, "convert"), (ana.convert_median, "convert_median")):
        if agent not in table:
            raise SpecError(f"ana.{name} has no entry for agent {agent!r}")
    return stats.lognorm(s=ana.convert_sigma, scale=ana.convert_median[agent])


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
        Same shape as ``t``: ``b + (1 - b) c s P(C <= t < C + D)``.
    """
    conv = _conversion(ana, agent)
    t = np.asarray(t, dtype=float)
    fc = np.where(t > 0, conv.cdf(np.maximum(t, 1e-300)), 0.0)
    stay = fc
    if ana.revert > 0:
        lam = math.log(2.0) / ana.revert_median
        v, w = _gauss(0.0, fc)
        u = conv.ppf(np.clip(v, 1e-300, 1.0 - 1e-16))
        kept = np.sum(w * np.exp(-lam * (t[..., None] - u)), axis=-1)
        stay = fc - ana.revert * (fc - kept)
    b = _start_high(ana)
    return np.asarray(b + (1.0 - b) * ana.convert[agent] * high_titer_share(ana, agent) * stay)


def _converter_terms(
    model: OnsetSpec, agent: str, horizon: float, hr: float, n: int
) -> tuple[float, float]:
    """``E[P(onset <= tau, high at onset)]`` and ``E[P(onset <= tau)]`` for a converter."""
    ana, h0 = model.ana, model.baseline.cumhaz
    conv = _conversion(ana, agent)
    h_tau = float(h0(np.asarray([horizon]))[0])
    f_tau = float(conv.cdf(horizon))
    v, wv = _gauss(0.0, f_tau, n)  # (n,): conversion before tau, in probability scale
    c = conv.ppf(np.clip(v, 1e-300, 1.0 - 1e-16))
    h_c = h0(c)

    def parts(hc: FloatArray, he: FloatArray) -> tuple[FloatArray, FloatArray]:
        dh = he - hc
        return np.exp(-hc) * -np.expm1(-hr * dh), -np.expm1(-h_tau - (hr - 1.0) * dh)

    num_stay, den_stay = parts(h_c, np.full_like(c, h_tau))
    num, den = (1.0 - ana.revert) * num_stay, (1.0 - ana.revert) * den_stay
    if ana.revert > 0:
        lam = math.log(2.0) / ana.revert_median
        p_end = -np.expm1(-lam * (horizon - c))  # P(D < tau - C)
        w, ww = _gauss(0.0, p_end, n)  # (n_c, n)
        d = -np.log1p(-np.clip(w, 0.0, 1.0 - 1e-16)) / lam
        nr, dr = parts(h_c[:, None], h0(np.minimum(c[:, None] + d, horizon)))
        num = num + ana.revert * (np.sum(ww * nr, axis=-1) + (1.0 - p_end) * num_stay)
        den = den + ana.revert * (np.sum(ww * dr, axis=-1) + (1.0 - p_end) * den_stay)
    late = (1.0 - f_tau) * -math.expm1(-h_tau)  # converts after tau: low throughout
    return float(np.sum(wv * num)), float(np.sum(wv * den) + late)


def _single_agent(spec: CohortSpec) -> tuple[OnsetSpec, str, float]:
    model = spec.onset
    if spec.endpoint != "onset" or model is None:
        raise SpecError("the exact case probability needs an onset cohort spec")
    agents = [a for a, p in model.population.agent.items() if p > 0]
    timing = [k for k, v in model.log_hr.items() if v != 0.0 and k != "ana_high"]
    cens = spec.censoring
    exits = cens.loss_rate or cens.death_rate or cens.uniform or cens.accrual
    if len(agents) != 1 or timing or exits or cens.administrative is None:
        raise SpecError(
            "the exact case probability needs one agent (onset.population.agent), no onset "
            f"hazard ratio but ana_high (got {timing}) and administrative censoring only "
            "(censoring.loss_rate, death_rate, uniform and accrual 0)"
        )
    return model, agents[0], float(cens.administrative)


def case_ana_high_probability(spec: CohortSpec, *, nodes: int = 256) -> float:
    """Exact probability that a case is ANA-high at onset under ``spec``.

    Parameters
    ----------
    spec : CohortSpec
        Onset cohort with one agent, administrative censoring only, no onset
        hazard ratio other than ``ana_high`` (the hazard mechanism), and a
        susceptible fraction whose only ANA term is ``log_or["ana_prone"]`` (the
        susceptibility mechanism); other susceptibility covariates are allowed
        only when that odds ratio is 1.
    nodes : int, optional
        Gauss-Legendre nodes per dimension.

    Returns
    -------
    float
        ``N / M`` of the module docstring.
    """
    model, agent, horizon = _single_agent(spec)
    ana, sus = model.ana, model.susceptible
    hr = math.exp(model.log_hr.get("ana_high", 0.0))
    log_or = sus.log_or.get("ana_prone", 0.0)
    others = [k for k, v in sus.log_or.items() if v != 0.0 and k != "ana_prone"]
    if log_or != 0.0 and others:
        raise SpecError(
            "onset.susceptible.log_or: the exact calculation with an ana_prone odds ratio "
            f"needs no other susceptibility covariates (got {others})"
        )
    pi0, pi1 = float(expit(sus.intercept)), float(expit(sus.intercept + log_or))
    b = _start_high(ana)
    g = (1.0 - b) * ana.convert[agent] * high_titer_share(ana, agent)
    h_tau = float(model.baseline.cumhaz(np.asarray([horizon]))[0])
    num_b, den_b = _converter_terms(model, agent, horizon, hr, nodes)
    high_start = -math.expm1(-hr * h_tau)
    num = pi1 * (b * high_start + g * num_b)
    den = pi1 * (b * high_start + g * den_b) + pi0 * (1.0 - b - g) * -math.expm1(-h_tau)
    if not den > 0:
        raise SpecError("no onsets before the horizon: the case distribution is empty")
    return num / den


def shortcut_case_probability(p: float, hr: float | FloatArray) -> FloatArray:
    """The binomial shortcut ``hr p / (hr p + 1 - p)`` (comparison only).

    Parameters
    ----------
    p : float
        Probability that a case is ANA-high under the null.
    hr : float or array_like
        Effect treated as an odds ratio on being a case.

    Returns
    -------
    numpy.ndarray
    """
    if not 0.0 < p < 1.0:
        raise SpecError(f"p must be in (0, 1), got {p!r}")
    h = np.asarray(hr, dtype=float)
    if np.any(~(h > 0)):
        raise SpecError(f"effects must be positive, got {hr!r}")
    return np.asarray(h * p / (h * p + 1.0 - p), dtype=float)


def two_case_likelihood_ratio(
    q: float | FloatArray, p: float, *, n_positive: int = 2, n_cases: int = 2
) -> FloatArray:
    """Likelihood ratio of ``n_positive`` ANA-high cases out of ``n_cases``: effect vs null.

    Parameters
    ----------
    q : float or array_like
        Probability that a case is ANA-high under the effect.
    p : float
        The same under the null.
    n_positive, n_cases : int, optional
        The observation.

    Returns
    -------
    numpy.ndarray
        ``Binom(n_positive; n_cases, q) / Binom(n_positive; n_cases, p)``.
    """
    if not 0 <= n_positive <= n_cases:
        raise SpecError(f"n_positive must be in 0..n_cases, got {n_positive} of {n_cases}")
    num = stats.binom.pmf(n_positive, n_cases, np.asarray(q, dtype=float))
    return np.asarray(num / stats.binom.pmf(n_positive, n_cases, p), dtype=float)


def _spec_from_params(params: Mapping[str, Any]) -> CohortSpec:
    changes = {k: v for k, v in params.items() if "." in k}
    base = CohortSpec.load(params["spec"]) if params.get("spec") else CohortSpec.default("onset")
    return base.replace(changes) if changes else base


def case_ana_high_from_params(params: Mapping[str, Any]) -> float:
    """:func:`case_ana_high_probability` of a study scenario (an exact estimand truth).

    Parameters
    ----------
    params : mapping
        Scenario parameters of the ``"onset"`` generator: the dotted spec paths
        (other keys such as ``n`` are ignored) and an optional ``spec`` file.

    Returns
    -------
    float
    """
    key = json.dumps({k: v for k, v in params.items() if "." in k or k == "spec"},
                     sort_keys=True, default=repr)  # fmt: skip
    return _cached_case_probability(key)


@functools.lru_cache(maxsize=128)
def _cached_case_probability(key: str) -> float:
    # the runner asks for the truth of every chunk: compute each scenario's once per process
    return case_ana_high_probability(_spec_from_params(json.loads(key)))


def cases_all_ana_high_from_params(params: Mapping[str, Any]) -> float:
    """Probability that all ``n_cases`` (default 2) independent cases are ANA-high at onset.

    Parameters
    ----------
    params : mapping
        As for :func:`case_ana_high_from_params`, with optional ``n_cases``.

    Returns
    -------
    float
        ``p ** n_cases``.
    """
    return case_ana_high_from_params(params) ** int(params.get("n_cases", 2))
