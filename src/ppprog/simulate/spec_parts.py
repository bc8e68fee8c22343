"""The parts of a cohort spec: vocabulary, plain frozen dataclasses and design columns.

These are the building blocks of :class:`~ppprog.simulate.spec.CohortSpec`
(which validates and reads/writes them); they depend on nothing above the
hazards and the records' vocabulary, so the validator, the readers and the
generator's processes can use them without importing the spec itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ppprog.records.vocab import ANTI_TNF_AGENTS, Agent, Disease, PustularExtent
from ppprog.simulate.hazards import BaselineHazard

if TYPE_CHECKING:
    from ppprog.simulate.spec import CohortSpec

__all__ = [
    "ANTI_TNF",
    "DISEASES",
    "STRATEGIES",
    "EXTENTS",
    "Population",
    "Logistic",
    "AnaSpec",
    "OnsetSpec",
    "ManagementSpec",
    "ResolutionSpec",
    "CensoringSpec",
    "design_columns",
    "spec_columns",
]

# One vocabulary: the generator's tokens come from the records' enums.
#: Anti-TNF agents, in the order of :class:`~ppprog.records.vocab.Agent`.
ANTI_TNF = tuple(a.value for a in Agent if a in ANTI_TNF_AGENTS)
#: Underlying diseases (:class:`~ppprog.records.vocab.Disease`).
DISEASES = tuple(d.value for d in Disease)
STRATEGIES = ("continue", "stop", "switch_tnf", "switch_class")
#: Pustular extents (:class:`~ppprog.records.vocab.PustularExtent`).
EXTENTS = tuple(e.value for e in PustularExtent)


@dataclass(frozen=True)
class Population:
    """Baseline covariate distribution (independent covariates).

    Parameters
    ----------
    female, smoker : float
        Prevalences (``smoker`` means ever-smoker, as in Xie 2022).
    age_mean, age_sd, age_min, age_max : float
        Age at index (years): normal truncated to ``[age_min, age_max]``.
    age_center : float
        Design column ``age`` is ``age - age_center``.
    disease, agent : dict of str to float
        Category probabilities; the first key is the reference level.
    """

    female: float
    smoker: float
    age_mean: float
    age_sd: float
    age_min: float
    age_max: float
    age_center: float
    disease: dict[str, float]
    agent: dict[str, float]


@dataclass(frozen=True)
class Logistic:
    """A probability on the logit scale: ``logit p = intercept + sum(log_or * x)``.

    Parameters
    ----------
    intercept : float
        Logit at all design columns 0.
    log_or : dict of str to float
        Log odds ratios by design column (absent columns: 0).
    """

    intercept: float
    log_or: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class AnaSpec:
    """ANA titer trajectory after anti-TNF start (onset cohort).

    The titer is ``baseline`` until seroconversion (probability ``convert[agent]``,
    lognormal time with median ``convert_median[agent]`` months and log-sd
    ``convert_sigma``), then ``max(baseline, 40 * 2**k)`` with ``k`` the
    rounded normal ``titer_log2_mean[agent] +- titer_log2_sd`` clipped to the
    ladder, then back to ``baseline`` at reversion (probability ``revert``,
    exponential delay with median ``revert_median``).

    Parameters
    ----------
    ladder : tuple of int
        Reciprocal dilutions of the lab's ladder (increasing, doubling).
    baseline : dict of float to float
        Titer at start (0 = negative) -> probability.
    convert, convert_median, titer_log2_mean : dict of str to float
        By agent token.
    convert_sigma, titer_log2_sd : float
        Spreads.
    revert, revert_median : float
        Reversion probability and median delay (months).
    threshold : float
        ``ana_high`` is ``titer >= threshold``.
    """

    ladder: tuple[int, ...]
    baseline: dict[float, float]
    convert: dict[str, float]
    convert_median: dict[str, float]
    convert_sigma: float
    titer_log2_mean: dict[str, float]
    titer_log2_sd: float
    revert: float
    revert_median: float
    threshold: float


@dataclass(frozen=True)
class OnsetSpec:
    """Onset cohort: anti-TNF starters, mixture-cure onset with time-varying ANA.

    Parameters
    ----------
    population : Population
        Baseline covariates.
    susceptible : Logistic
        Probability of being susceptible (ever developing PP); besides the
        baseline columns it may use ``ana_prone`` (the ANA path is ever at or
        above ``ana.threshold``: the susceptibility mechanism of ANA).
    baseline : BaselineHazard
        Onset hazard among the susceptible at all covariates 0.
    log_hr : dict of str to float
        Log hazard ratios among the susceptible (``ana_high`` is time-varying).
    ana : AnaSpec
        ANA trajectory.
    """

    population: Population
    susceptible: Logistic
    baseline: BaselineHazard
    log_hr: dict[str, float]
    ana: AnaSpec


@dataclass(frozen=True)
class ManagementSpec:
    """Management after PP onset as a time-varying process.

    Everyone starts on ``continue`` (the inciting anti-TNF). While unresolved,
    changes occur at rate ``rate`` per month, at most ``max_changes`` times;
    each change moves to a strategy drawn from ``transitions[current]``.

    Parameters
    ----------
    rate : float
        Strategy-change hazard per month while unresolved.
    max_changes : int
        Maximum number of changes.
    transitions : dict of str to dict of str to float
        Row-stochastic: from strategy -> to strategy -> probability.
    switch_class_agent : str
        Agent written to case records for ``switch_class``.
    """

    rate: float
    max_changes: int
    transitions: dict[str, dict[str, float]]
    switch_class_agent: str = "ustekinumab"


@dataclass(frozen=True)
class ResolutionSpec:
    """Resolution cohort: PP cases from onset, cure fraction, time-varying management.

    Parameters
    ----------
    population : Population
        Case mix.
    extent : dict of str to float
        Pustular extent probabilities (none, localized, generalized).
    ana_titer : dict of float to float
        ANA titer at onset (0 = negative) -> probability.
    ana_threshold : float
        ``ana_high`` is ``titer >= ana_threshold``.
    cure : Logistic
        Probability of never resolving.
    baseline : BaselineHazard
        Resolution hazard among the non-cured, on ``continue``, covariates 0.
        PLACEHOLDER: no PP-specific time-to-resolution figure was found.
    log_hr : dict of str to float
        Log hazard ratios (``strategy[...]`` are time-varying).
    management : ManagementSpec
        Strategy process.
    """

    population: Population
    extent: dict[str, float]
    ana_titer: dict[float, float]
    ana_threshold: float
    cure: Logistic
    baseline: BaselineHazard
    log_hr: dict[str, float]
    management: ManagementSpec


@dataclass(frozen=True)
class CensoringSpec:
    """Censoring and competing events (all independent of the endpoint unless informative).

    Parameters
    ----------
    administrative : float or None
        Maximum follow-up (months); with ``accrual`` the administrative time is
        ``administrative - accrual * U`` (uniform staggered entry).
    accrual : float
        Length of the uniform entry period (months).
    uniform : tuple of float or None
        Random censoring ``Uniform(low, high)``.
    loss_rate : float
        Exponential loss to follow-up per month.
    loss_log_hr : dict of str to float
        Covariate effects on the loss hazard (informative censoring when the
        same covariates affect the endpoint).
    death_rate : float
        Exponential competing death per month.
    death_log_hr : dict of str to float
        Covariate effects on the death hazard.
    """

    administrative: float | None = None
    accrual: float = 0.0
    uniform: tuple[float, float] | None = None
    loss_rate: float = 0.0
    loss_log_hr: dict[str, float] = field(default_factory=dict)
    death_rate: float = 0.0
    death_log_hr: dict[str, float] = field(default_factory=dict)


def design_columns(spec: CohortSpec) -> tuple[list[str], list[str]]:
    """Names of the baseline and time-varying design columns of ``spec``.

    Parameters
    ----------
    spec : CohortSpec
        The cohort.

    Returns
    -------
    baseline : list of str
        Columns fixed at time 0.
    time_varying : list of str
        Columns that change during follow-up.
    """
    return spec_columns(spec.endpoint, spec.model.population)


def spec_columns(endpoint: str, pop: Population) -> tuple[list[str], list[str]]:
    """Names of the baseline and time-varying design columns of a cohort.

    Parameters
    ----------
    endpoint : {"onset", "resolution"}
        Which cohort.
    pop : Population
        Its population (the reference level of each category is left out).

    Returns
    -------
    baseline, time_varying : list of str
        As :func:`design_columns`.
    """
    base = ["female", "age", "smoker"]
    base += [f"disease[{k}]" for k in list(pop.disease)[1:]]
    base += [f"agent[{k}]" for k in list(pop.agent)[1:]]
    if endpoint == "onset":
        return base, ["ana_high"]
    base += ["extent[localized]", "extent[generalized]", "ana_high"]
    return base, [f"strategy[{s}]" for s in STRATEGIES[1:]]
