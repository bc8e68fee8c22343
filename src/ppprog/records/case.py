"""The clinical case: frozen dataclasses built from plain values.

Every time is a :class:`~ppprog.records.quantities.TimeValue` in days relative
to the case's index date, the first dose of the inducing anti-TNF agent (day
0). Constructors accept plain values and normalise them cheaply: numbers
become exact ``TimeValue`` s, strings naming vocabulary members (``"IFX"``,
``"Crohn's disease"``) become enum members, lists become tuples. A value
that cannot be normalised is kept as given, never dropped, so that
:func:`ppprog.records.validate.validate` can report it with its field.

Drug switches are derived from the treatment episodes (:func:`drug_switches`),
never stored.

Examples
--------
>>> from ppprog.records.case import Case, Onset, TreatmentEpisode
>>> c = Case(
...     "c1",
...     inducing_agent="infliximab",
...     onset=Onset(120.0, pustular_extent="generalized"),
...     treatments=[TreatmentEpisode("infliximab", 0.0, 130.0), TreatmentEpisode("secukinumab", 130.0)],
...     last_follow_up=400.0,
... )
>>> [s.to_agent.value for s in c.drug_switches]
['secukinumab']
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Any

from ppprog.records.quantities import Quote, Source, TimeValue, Titer, as_time
from ppprog.records.switches import (
    SWITCH_CLASSES,
    SWITCH_GAP_DAYS,
    SWITCH_TAPER_DAYS,
    DrugSwitch,
    drug_switches,
)
from ppprog.records.vocab import (
    AGENT_CLASS,
    Agent,
    Disease,
    DrugClass,
    Endpoint,
    Morphology,
    PustularExtent,
    Sex,
    Smoking,
    StopReason,
    parse_enum,
)

__all__ = [
    "Patient",
    "Onset",
    "AnaMeasurement",
    "LabValue",
    "TreatmentEpisode",
    "Outcome",
    "DrugSwitch",
    "Case",
    "drug_switches",
    "SWITCH_GAP_DAYS",
    "SWITCH_TAPER_DAYS",
    "SWITCH_CLASSES",
]


def _enum(obj: object, name: str, cls: type[Enum]) -> None:
    value = getattr(obj, name)
    if value is None or isinstance(value, cls):
        return
    try:
        object.__setattr__(obj, name, parse_enum(cls, value))
    except ValueError:
        pass  # kept as given; validate() reports it


def _time(obj: object, name: str) -> None:
    value = getattr(obj, name)
    if value is not None and not isinstance(value, TimeValue):
        object.__setattr__(obj, name, as_time(value))


def _tuple(obj: object, name: str) -> None:
    value = getattr(obj, name)
    if isinstance(value, list):
        object.__setattr__(obj, name, tuple(value))


def _quote(obj: Any) -> None:
    value = obj.quote
    if isinstance(value, str):
        object.__setattr__(obj, "quote", Quote(value))


@dataclass(frozen=True)
class Patient:
    """Who the patient is, at the index date.

    Parameters
    ----------
    sex : Sex, optional
    age : float, optional
        Age in years at the index date.
    disease : Disease, optional
        Underlying disease treated with the anti-TNF agent.
    disease_detail : str, optional
        Free text (e.g. duration, phenotype).
    prior_psoriasis : bool, optional
        True when the patient had psoriasis before (exacerbation), False for
        de novo psoriasis, None when unknown.
    family_history_psoriasis : bool, optional
    smoking : Smoking, optional
    prior_therapies : tuple of str, optional
        Undated therapies before the index date, as reported.
    notes : str, optional
    """

    sex: Sex | None = None
    age: float | None = None
    disease: Disease | None = None
    disease_detail: str | None = None
    prior_psoriasis: bool | None = None
    family_history_psoriasis: bool | None = None
    smoking: Smoking | None = None
    prior_therapies: tuple[str, ...] = ()
    notes: str | None = None

    def __post_init__(self) -> None:
        _enum(self, "sex", Sex)
        _enum(self, "disease", Disease)
        _enum(self, "smoking", Smoking)
        _tuple(self, "prior_therapies")

    @property
    def de_novo(self) -> bool | None:
        """True for de novo psoriasis, False for an exacerbation, None if unknown."""
        return None if self.prior_psoriasis is None else not self.prior_psoriasis


@dataclass(frozen=True)
class Onset:
    """Onset of paradoxical psoriasis.

    Parameters
    ----------
    day : TimeValue or float
        Day of onset.
    morphology : tuple of Morphology, optional
    pustular_extent : PustularExtent, optional
        none / localized (e.g. palmoplantar) / generalized.
    sites : tuple of str, optional
    quote : Quote or str, optional
    """

    day: TimeValue
    morphology: tuple[Morphology, ...] = ()
    pustular_extent: PustularExtent | None = None
    sites: tuple[str, ...] = ()
    quote: Quote | None = None

    def __post_init__(self) -> None:
        _time(self, "day")
        _enum(self, "pustular_extent", PustularExtent)
        if isinstance(self.morphology, (list, tuple)):
            out = []
            for m in self.morphology:
                try:
                    out.append(parse_enum(Morphology, m))
                except ValueError:
                    out.append(m)
            object.__setattr__(self, "morphology", tuple(out))
        _tuple(self, "sites")
        _quote(self)


@dataclass(frozen=True)
class AnaMeasurement:
    """One antinuclear-antibody measurement.

    Parameters
    ----------
    day : TimeValue or float
    titer : Titer
        Parsed titer; ``titer.text`` keeps the text as printed.
    label : str, optional
        Where the source places it ("Baseline", "Outbreak of pustulosis").
    ladder : str, optional
        Name of the lab's dilution ladder in
        :data:`~ppprog.records.quantities.LADDERS`.
    quote : Quote or str, optional
    """

    day: TimeValue
    titer: Titer
    label: str | None = None
    ladder: str | None = None
    quote: Quote | None = None

    def __post_init__(self) -> None:
        _time(self, "day")
        _quote(self)


@dataclass(frozen=True)
class LabValue:
    """A laboratory value other than ANA (N/L ratio, CRP, ESR, TNF-alpha, IL-8, ...).

    Parameters
    ----------
    name : str
        Canonical short name (``"nlr"``, ``"crp"``, ``"esr"``, ``"tnf_alpha"``, ``"il8"``).
    day : TimeValue or float
    value : float, optional
        Numeric value (a bound when ``qualifier`` is ``"<"`` or ``">"``); None
        when the source gives no number ("normal", "–").
    qualifier : {"=", "<", ">"}, optional
    unit : str, optional
    text : str, optional
        The cell as printed.
    reference_range : str, optional
    label : str, optional
        Where the source places it ("before rash").
    quote : Quote or str, optional
    """

    name: str
    day: TimeValue
    value: float | None = None
    qualifier: str = "="
    unit: str | None = None
    text: str | None = None
    reference_range: str | None = None
    label: str | None = None
    quote: Quote | None = None

    def __post_init__(self) -> None:
        _time(self, "day")
        _quote(self)


@dataclass(frozen=True)
class TreatmentEpisode:
    """A period on one agent at one dose schedule.

    Parameters
    ----------
    agent : Agent
    start : TimeValue or float
    stop : TimeValue or float, optional
        None when still running at the last follow-up (or never reported stopped).
    stop_reason : StopReason, optional
    drug_class : DrugClass, optional
        Defaults to the agent's class (:data:`~ppprog.records.vocab.AGENT_CLASS`).
    agent_detail : str, optional
        Name of an ``other`` agent, or brand and formulation.
    dose, schedule, route : str, optional
        As reported ("300 mg", "0, 1, 2, 3, 4 wk then monthly", "sc").
    quote : Quote or str, optional
    notes : str, optional
    """

    agent: Agent
    start: TimeValue
    stop: TimeValue | None = None
    stop_reason: StopReason | None = None
    drug_class: DrugClass | None = None
    agent_detail: str | None = None
    dose: str | None = None
    schedule: str | None = None
    route: str | None = None
    quote: Quote | None = None
    notes: str | None = None

    def __post_init__(self) -> None:
        _enum(self, "agent", Agent)
        _time(self, "start")
        _time(self, "stop")
        _enum(self, "stop_reason", StopReason)
        _enum(self, "drug_class", DrugClass)
        if self.drug_class is None and isinstance(self.agent, Agent):
            object.__setattr__(self, "drug_class", AGENT_CLASS[self.agent])
        _quote(self)

    def active_at(self, day: float) -> bool:
        """True when the episode runs at ``day`` (start <= day < stop)."""
        return self.start.day <= day and (self.stop is None or day < self.stop.day)


@dataclass(frozen=True)
class Outcome:
    """An outcome event after onset (censoring is at the case's last follow-up).

    Parameters
    ----------
    endpoint : Endpoint
        pustule_clearance, complete_resolution or recurrence.
    day : TimeValue or float
    quote : Quote or str, optional
    notes : str, optional
    """

    endpoint: Endpoint
    day: TimeValue
    quote: Quote | None = None
    notes: str | None = None

    def __post_init__(self) -> None:
        _enum(self, "endpoint", Endpoint)
        _time(self, "day")
        _quote(self)


@dataclass(frozen=True)
class Case:
    """One patient treated with an anti-TNF agent, with or without paradoxical psoriasis.

    Parameters
    ----------
    case_id : str
        Unique within a collection.
    patient : Patient, optional
    inducing_agent : Agent, optional
        The anti-TNF agent started at day 0 (for non-cases, the agent under
        observation).
    onset : Onset, optional
        None for a treated patient who never developed paradoxical psoriasis.
    ana, labs, treatments, outcomes : tuple, optional
        Measurements, treatment episodes and outcome events, in any order.
    last_follow_up : TimeValue or float, optional
        Censoring time for every endpoint that did not occur.
    follow_up_status : str, optional
        State at the last follow-up, as reported.
    source : Source, optional
        Provenance (report, registry or synthetic with seed and replicate).
    index_date : datetime.date, optional
        Calendar date of day 0, where known.
    notes : str, optional
    """

    case_id: str
    patient: Patient = field(default_factory=Patient)
    inducing_agent: Agent | None = None
    onset: Onset | None = None
    ana: tuple[AnaMeasurement, ...] = ()
    labs: tuple[LabValue, ...] = ()
    treatments: tuple[TreatmentEpisode, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    last_follow_up: TimeValue | None = None
    follow_up_status: str | None = None
    source: Source = field(default_factory=Source)
    index_date: _dt.date | None = None
    notes: str | None = None

    def __post_init__(self) -> None:
        _enum(self, "inducing_agent", Agent)
        for name in ("ana", "labs", "treatments", "outcomes"):
            _tuple(self, name)
        _time(self, "last_follow_up")

    @cached_property
    def drug_switches(self) -> tuple[DrugSwitch, ...]:
        """Switches derived from ``treatments`` with the default rule of :func:`drug_switches`."""
        return drug_switches(self.treatments)

    @property
    def has_onset(self) -> bool:
        """True when the patient developed paradoxical psoriasis."""
        return self.onset is not None

    def first_event(self, endpoint: Endpoint | str) -> Outcome | None:
        """Return the earliest outcome event of ``endpoint`` (None if it did not occur)."""
        ep = parse_enum(Endpoint, endpoint)
        hits = [o for o in self.outcomes if o.endpoint == ep]
        return min(hits, key=lambda o: o.day.day) if hits else None

    def episodes_at(self, day: float) -> tuple[TreatmentEpisode, ...]:
        """Treatment episodes running at ``day``."""
        return tuple(e for e in self.treatments if e.active_at(day))

    def timeline(self) -> str:
        """Readable text timeline (see :func:`ppprog.records.timeline.format_timeline`)."""
        from ppprog.records.timeline import format_timeline

        return format_timeline(self)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("drug_switches", None)
        return state
