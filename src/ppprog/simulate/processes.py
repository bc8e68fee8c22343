"""Stochastic processes of a cohort, as transforms of per-replicate uniforms.

Every function takes uniforms already drawn (arrays with a leading replicate
axis) and returns arrays of the same leading shape; nothing here draws random
numbers or reduces across replicates. This keeps each replicate a function of
its own stream only (see :func:`ppprog.simulate.cohort.generate`).

Processes: baseline covariates, the ANA titer trajectory (seroconversion,
ladder titer, reversion), the management strategy process (changes only while
unresolved: changes after the endpoint are simply never observed), censoring
and the competing death.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numba import njit
from scipy.special import expit, ndtr, ndtri

from ppprog._core.typing import FloatArray
from ppprog.simulate.spec import (
    EXTENTS,
    STRATEGIES,
    AnaSpec,
    CensoringSpec,
    ManagementSpec,
    Population,
)

__all__ = [
    "categorical",
    "exponential",
    "draw_population",
    "baseline_design",
    "linear_predictor",
    "logistic_probability",
    "draw_ana",
    "ana_segments",
    "draw_management",
    "draw_censoring",
]


def categorical(probs: Mapping[Any, float], u: FloatArray) -> np.ndarray:
    """Category codes (order of ``probs``) from uniforms by inversion.

    Parameters
    ----------
    probs : mapping
        Category -> probability (sums to 1).
    u : ndarray
        Uniforms on [0, 1).

    Returns
    -------
    ndarray of int8
    """
    cum = np.cumsum(np.asarray(list(probs.values()), dtype=np.float64))
    # the number of cumulative probabilities <= u (``searchsorted(cum, u, "right")`` as
    # probabilities are >= 0), counted with one pass per category: few categories
    codes = np.zeros(np.shape(u), dtype=np.int8)
    for c in cum:
        codes += u >= c
    return np.minimum(codes, len(cum) - 1, out=codes)


def exponential(u: FloatArray, rate: float | FloatArray) -> FloatArray:
    """``Exp(rate)`` times from uniforms on [0, 1) (``inf`` where rate is 0)."""
    with np.errstate(divide="ignore", over="ignore"):  # rate 0 or subnormal: never
        return -np.log1p(-u) / rate


def draw_population(pop: Population, u: Mapping[str, FloatArray]) -> dict[str, np.ndarray]:
    """Baseline covariates from uniforms ``u["female"], u["age"], ...``.

    Parameters
    ----------
    pop : Population
        Distribution.
    u : mapping of str to ndarray
        Uniforms for ``female``, ``age``, ``smoker``, ``disease``, ``agent``.

    Returns
    -------
    dict of str to ndarray
        ``female``, ``smoker`` (bool), ``age`` (years), ``disease``, ``agent``
        (int8 codes in the order of ``pop.disease`` / ``pop.agent``).
    """
    lo = ndtr((pop.age_min - pop.age_mean) / pop.age_sd)
    hi = ndtr((pop.age_max - pop.age_mean) / pop.age_sd)
    age = pop.age_mean + pop.age_sd * ndtri(lo + u["age"] * (hi - lo))
    return {
        "female": u["female"] < pop.female,
        "age": np.clip(age, pop.age_min, pop.age_max),
        "smoker": u["smoker"] < pop.smoker,
        "disease": categorical(pop.disease, u["disease"]),
        "agent": categorical(pop.agent, u["agent"]),
    }


def baseline_design(
    pop: Population, cov: Mapping[str, np.ndarray], names: list[str]
) -> dict[str, FloatArray]:
    """Float design columns (``female``, ``age`` centred, dummies, ...) by name.

    Parameters
    ----------
    pop : Population
        Gives the reference levels and ``age_center``.
    cov : mapping of str to ndarray
        Raw covariates (as from :func:`draw_population`, plus ``extent`` codes and
        ``ana_high`` where present).
    names : list of str
        Columns wanted.

    Returns
    -------
    dict of str to ndarray
    """
    levels = {"disease": list(pop.disease), "agent": list(pop.agent)}
    levels["extent"] = list(EXTENTS)
    out: dict[str, FloatArray] = {}
    for name in names:
        if name == "age":
            out[name] = cov["age"] - pop.age_center
        elif "[" in name:
            var, level = name[:-1].split("[", 1)
            out[name] = (cov[var] == levels[var].index(level)).astype(np.float64)
        else:
            out[name] = cov[name].astype(np.float64)
    return out


def linear_predictor(
    coef: Mapping[str, float], design: Mapping[str, FloatArray], shape: tuple[int, ...]
) -> FloatArray:
    """``sum(coef[c] * design[c])`` over the columns with a non-zero coefficient."""
    eta = np.zeros(shape)
    for name, b in coef.items():
        if b != 0.0 and name in design:
            eta = eta + b * design[name]
    return eta


def logistic_probability(
    intercept: float, log_or: Mapping[str, float], design: Mapping[str, FloatArray], shape: tuple
) -> FloatArray:
    """``expit(intercept + sum(log_or * x))``."""
    return np.asarray(expit(intercept + linear_predictor(log_or, design, shape)))


def _by_agent(values: Mapping[str, float], agent: np.ndarray, order: list[str]) -> FloatArray:
    table = np.array([values.get(a, np.nan) for a in order], dtype=np.float64)
    return table[agent]


def draw_ana(
    ana: AnaSpec, agent: np.ndarray, agents: list[str], u: Mapping[str, FloatArray]
) -> dict[str, FloatArray]:
    """ANA trajectory: start titer, seroconversion time and titer, reversion time.

    Parameters
    ----------
    ana : AnaSpec
        Process parameters.
    agent : ndarray of int8
        Agent codes (order ``agents``).
    agents : list of str
        Agent tokens.
    u : mapping of str to ndarray
        Uniforms ``ana0``, ``ana_convert``, ``ana_time``, ``ana_titer``,
        ``ana_revert``, ``ana_revert_time``.

    Returns
    -------
    dict of str to ndarray
        ``titer0``, ``t_convert`` (``inf`` if never), ``titer_convert``,
        ``t_revert`` (``inf`` if never).
    """
    keys = sorted(ana.baseline)
    titer0 = np.asarray(keys, dtype=np.float64)[
        categorical({k: ana.baseline[k] for k in keys}, u["ana0"])
    ]
    p_conv = _by_agent(ana.convert, agent, agents)
    med = _by_agent(ana.convert_median, agent, agents)
    converts = u["ana_convert"] < p_conv
    t_conv = np.where(converts, med * np.exp(ana.convert_sigma * ndtri(u["ana_time"])), np.inf)
    mean = _by_agent(ana.titer_log2_mean, agent, agents)
    k = np.rint(mean + ana.titer_log2_sd * ndtri(u["ana_titer"]))
    k = np.clip(k, 1, len(ana.ladder) - 1).astype(np.int64)
    titer_c = np.maximum(titer0, np.asarray(ana.ladder, dtype=np.float64)[k])
    reverts = converts & (u["ana_revert"] < ana.revert)
    delay = exponential(u["ana_revert_time"], math.log(2.0) / ana.revert_median)
    t_rev = np.where(reverts, t_conv + delay, np.inf)
    return {"titer0": titer0, "t_convert": t_conv, "titer_convert": titer_c, "t_revert": t_rev}


def ana_segments(path: Mapping[str, FloatArray]) -> tuple[FloatArray, FloatArray]:
    """Breaks ``(..., 2)`` and per-segment titers ``(..., 3)`` of an ANA trajectory."""
    breaks = np.stack([path["t_convert"], path["t_revert"]], axis=-1)
    titers = np.stack([path["titer0"], path["titer_convert"], path["titer0"]], axis=-1)
    return breaks, titers


def draw_management(
    m: ManagementSpec, u_gap: FloatArray, u_choice: FloatArray
) -> tuple[FloatArray, np.ndarray]:
    """Strategy change times and the strategy on each segment.

    Parameters
    ----------
    m : ManagementSpec
        Process.
    u_gap, u_choice : ndarray, shape (..., K)
        Uniforms for the exponential gaps and the strategy choices.

    Returns
    -------
    breaks : ndarray, shape (..., K)
        Change times (``inf`` when ``rate`` is 0).
    strategy : ndarray of int8, shape (..., K + 1)
        Codes into :data:`~ppprog.simulate.spec.STRATEGIES`; segment 0 is
        ``continue``.
    """
    kmax = u_gap.shape[-1]
    with np.errstate(over="ignore"):  # a tiny rate: gaps near the largest float add up to inf
        breaks = (
            np.cumsum(exponential(u_gap, m.rate), axis=-1)
            if m.rate > 0
            else np.full(u_gap.shape, np.inf)
        )
    cum = np.zeros((len(STRATEGIES), len(STRATEGIES)))
    for i, frm in enumerate(STRATEGIES):
        row = m.transitions.get(frm, {})
        cum[i] = np.cumsum([row.get(s, 0.0) for s in STRATEGIES])
    size = int(np.prod(u_gap.shape[:-1]))
    uc = np.ascontiguousarray(u_choice, dtype=np.float64).reshape(size, kmax)
    strategy = _strategy_chain(cum, uc).reshape(u_gap.shape[:-1] + (kmax + 1,))
    return breaks, strategy


@njit(cache=True)
def _strategy_chain(cum: FloatArray, u_choice: FloatArray) -> np.ndarray:
    """Strategy codes ``(S, K + 1)`` from choice uniforms ``(S, K)`` (segment 0: code 0).

    The next code is the number of the current strategy's cumulative transition
    probabilities at or below the uniform (capped at the last code): inversion
    of the transition row, one compiled loop instead of K x strategies array passes.
    """
    size, kmax = u_choice.shape
    ns = cum.shape[1]
    out = np.zeros((size, kmax + 1), dtype=np.int8)
    for i in range(size):
        cur = 0
        for k in range(kmax):
            u = u_choice[i, k]
            code = 0
            for s in range(ns):
                if cum[cur, s] <= u:
                    code += 1
            cur = min(code, ns - 1)
            out[i, k + 1] = cur
    return out


def draw_censoring(
    c: CensoringSpec,
    design: Mapping[str, FloatArray],
    u: Mapping[str, FloatArray],
    shape: tuple[int, ...],
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Censoring time (administrative/uniform), loss-to-follow-up time, death time.

    Parameters
    ----------
    c : CensoringSpec
        Mechanisms.
    design : mapping of str to ndarray
        Baseline design columns (for informative loss and for death effects).
    u : mapping of str to ndarray
        Uniforms ``admin``, ``uniform``, ``loss``, ``death``.
    shape : tuple of int
        Leading shape.

    Returns
    -------
    censor, loss, death : ndarray
        ``inf`` where the mechanism is absent.
    """
    censor = np.full(shape, np.inf)
    if c.administrative is not None:
        censor = c.administrative - c.accrual * u["admin"]
    if c.uniform is not None:
        lo, hi = c.uniform
        censor = np.minimum(censor, lo + (hi - lo) * u["uniform"])
    loss = np.full(shape, np.inf)
    if c.loss_rate > 0:
        loss = exponential(
            u["loss"], c.loss_rate * np.exp(linear_predictor(c.loss_log_hr, design, shape))
        )
    death = np.full(shape, np.inf)
    if c.death_rate > 0:
        death = exponential(
            u["death"], c.death_rate * np.exp(linear_predictor(c.death_log_hr, design, shape))
        )
    return censor, loss, death
