"""Cohort specifications: the declarative, validated data-generating mechanism.

A :class:`CohortSpec` describes one of two cohorts (time in **months**):

* ``endpoint = "onset"`` (:class:`OnsetSpec`): patients starting an anti-TNF
  agent. A susceptible fraction (logistic in baseline covariates, a
  mixture-cure model) can develop paradoxical psoriasis (PP); among the
  susceptible, onset follows a baseline hazard with proportional effects,
  including the time-varying indicator ``ana_high`` (ANA titer at or above
  ``ana.threshold``) whose log hazard ratio defaults to 0 (no effect, since the
  evidence conflicts: Oter-Lopez 2017 found no ANA-PP association).
* ``endpoint = "resolution"`` (:class:`ResolutionSpec`): PP cases from onset,
  with pustular extent and ANA at onset, a cure fraction that never resolves,
  and management as a time-varying process (continue, stop, switch to another
  anti-TNF, switch class) whose changes happen only while unresolved.

Design columns (the names used by effects, ``Truth.log_hr`` and the arrays):
``female``, ``age`` (years minus ``population.age_center``), ``smoker``,
``disease[<token>]`` and ``agent[<token>]`` for every level but the first
(the reference), and ``ana_high``; resolution cohorts add
``extent[localized]``, ``extent[generalized]`` and the time-varying
``strategy[stop]``, ``strategy[switch_tnf]``, ``strategy[switch_class]``.

The shipped defaults (:func:`ppprog.simulate.calibration.default_spec`) come
from ``data/calibration/*.toml`` with a source for every number. The time to
resolution is a documented PLACEHOLDER: no PP-specific distribution was found.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ppprog._core.errors import SpecError
from ppprog.records.vocab import ANTI_TNF_AGENTS, Agent, Disease, PustularExtent
from ppprog.simulate.hazards import BaselineHazard

__all__ = [
    "ANTI_TNF",
    "STRATEGIES",
    "EXTENTS",
    "Population",
    "Logistic",
    "AnaSpec",
    "OnsetSpec",
    "ManagementSpec",
    "ResolutionSpec",
    "CensoringSpec",
    "CohortSpec",
    "design_columns",
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


@dataclass(frozen=True)
class CohortSpec:
    """A complete, validated cohort specification (time unit: months).

    Parameters
    ----------
    endpoint : {"onset", "resolution"}
        Which cohort.
    onset, resolution : OnsetSpec or ResolutionSpec
        Exactly the one named by ``endpoint``.
    censoring : CensoringSpec
        Censoring and competing events.
    name : str
        Label.

    Raises
    ------
    SpecError
        Listing every problem found (``err.report`` holds them as Problems).
    """

    endpoint: str
    censoring: CensoringSpec
    onset: OnsetSpec | None = None
    resolution: ResolutionSpec | None = None
    name: str = ""

    def __post_init__(self) -> None:
        from ppprog.simulate._validate import check_spec

        report = check_spec(self)
        if report:
            err = SpecError(str(report))
            err.report = report  # type: ignore[attr-defined]
            raise err

    @property
    def model(self) -> OnsetSpec | ResolutionSpec:
        """The endpoint's model (``onset`` or ``resolution``)."""
        out = self.onset if self.endpoint == "onset" else self.resolution
        assert out is not None
        return out

    @classmethod
    def default(cls, endpoint: str = "onset") -> CohortSpec:
        """Calibrated default spec (``data/calibration/defaults_<endpoint>.toml``).

        Parameters
        ----------
        endpoint : {"onset", "resolution"}
            Which cohort.

        Returns
        -------
        CohortSpec
        """
        from ppprog.simulate.calibration import default_spec

        return default_spec(endpoint)

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict (what the TOML/YAML/JSON files hold)."""
        from ppprog.simulate.spec_io import spec_to_dict

        return spec_to_dict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], *, base: CohortSpec | None = None) -> CohortSpec:
        """Build from a nested dict; missing fields are taken from ``base`` if given.

        Parameters
        ----------
        d : mapping
            As produced by :meth:`to_dict` (possibly partial when ``base`` is given).
        base : CohortSpec, optional
            Spec supplying fields absent from ``d``. Tables merge field by field;
            probability and effect mappings are replaced whole.

        Returns
        -------
        CohortSpec
        """
        from ppprog.simulate.spec_io import spec_from_dict

        return spec_from_dict(d, base=base)

    def replace(self, changes: Mapping[str, Any]) -> CohortSpec:
        """Return a copy with dotted-path changes, e.g. ``{"onset.log_hr.ana_high": 0.7}``.

        Parameters
        ----------
        changes : mapping of str to object
            Dotted paths into :meth:`to_dict`; a mapping-valued leaf such as
            ``log_hr`` may be changed key by key.

        Returns
        -------
        CohortSpec
        """
        from ppprog.simulate.spec_io import replace_paths

        return replace_paths(self, changes)

    def to_toml(self) -> str:
        """TOML text of the spec."""
        from ppprog.simulate.spec_io import dumps

        return dumps(self, "toml")

    def to_yaml(self) -> str:
        """YAML text of the spec."""
        from ppprog.simulate.spec_io import dumps

        return dumps(self, "yaml")

    def to_json(self) -> str:
        """JSON text of the spec."""
        from ppprog.simulate.spec_io import dumps

        return dumps(self, "json")

    @classmethod
    def from_text(cls, text: str, fmt: str, *, base: CohortSpec | None = None) -> CohortSpec:
        """Parse TOML/YAML/JSON text.

        Parameters
        ----------
        text : str
            File content.
        fmt : {"toml", "yaml", "json"}
            Format.
        base : CohortSpec, optional
            See :meth:`from_dict`.

        Returns
        -------
        CohortSpec
        """
        from ppprog.simulate.spec_io import loads

        return loads(text, fmt, base=base)

    @classmethod
    def load(cls, path: Any, *, base: CohortSpec | None = None) -> CohortSpec:
        """Read a ``.toml``, ``.yaml``/``.yml`` or ``.json`` file.

        Parameters
        ----------
        path : str or path-like
            File; the format follows the suffix.
        base : CohortSpec, optional
            See :meth:`from_dict`.

        Returns
        -------
        CohortSpec
        """
        from ppprog.simulate.spec_io import load

        return load(path, base=base)


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
    return _columns(spec.endpoint, spec.model.population)


def _columns(endpoint: str, pop: Population) -> tuple[list[str], list[str]]:
    base = ["female", "age", "smoker"]
    base += [f"disease[{k}]" for k in list(pop.disease)[1:]]
    base += [f"agent[{k}]" for k in list(pop.agent)[1:]]
    if endpoint == "onset":
        return base, ["ana_high"]
    base += ["extent[localized]", "extent[generalized]", "ana_high"]
    return base, [f"strategy[{s}]" for s in STRATEGIES[1:]]
