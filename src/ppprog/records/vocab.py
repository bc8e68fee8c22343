"""Controlled vocabularies of a clinical case, with the synonyms reports use.

Every enum is a ``str`` enum whose value is the canonical lower-case token
written to files (``"crohns"``, ``"infliximab"``). :func:`parse_enum` maps the
wordings found in reports and spreadsheets (``"Crohn's disease"``, ``"IFX"``,
``"Remicade"``) to members and raises :class:`ValueError` naming the accepted
tokens otherwise. :data:`AGENT_CLASS` gives each agent its drug class, so the
class of a treatment episode is derived, never typed twice.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import TypeVar

__all__ = [
    "Sex",
    "Disease",
    "Agent",
    "DrugClass",
    "PustularExtent",
    "Morphology",
    "StopReason",
    "Endpoint",
    "Smoking",
    "SourceKind",
    "AGENT_CLASS",
    "ANTI_TNF_AGENTS",
    "SYNONYMS",
    "AMBIGUOUS",
    "parse_enum",
    "drug_class_of",
]


class Sex(str, Enum):
    """Sex of the patient as reported."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class Disease(str, Enum):
    """Underlying disease for which the anti-TNF agent was given."""

    CROHNS = "crohns"
    ULCERATIVE_COLITIS = "ulcerative_colitis"
    RHEUMATOID_ARTHRITIS = "rheumatoid_arthritis"
    PSORIATIC_ARTHRITIS = "psoriatic_arthritis"
    ANKYLOSING_SPONDYLITIS = "ankylosing_spondylitis"
    PSORIASIS = "psoriasis"
    HIDRADENITIS = "hidradenitis"
    OTHER = "other"


class DrugClass(str, Enum):
    """Therapeutic class of a treatment episode."""

    ANTI_TNF = "anti_tnf"
    IL17 = "il17"
    IL12_23 = "il12_23"
    IL23 = "il23"
    INTEGRIN = "integrin"
    SYSTEMIC_NONBIOLOGIC = "systemic_nonbiologic"
    TOPICAL = "topical"
    OTHER = "other"


class Agent(str, Enum):
    """Drug given in a treatment episode (anti-TNF agents first)."""

    INFLIXIMAB = "infliximab"
    ADALIMUMAB = "adalimumab"
    ETANERCEPT = "etanercept"
    CERTOLIZUMAB = "certolizumab"
    GOLIMUMAB = "golimumab"
    SECUKINUMAB = "secukinumab"
    IXEKIZUMAB = "ixekizumab"
    BRODALUMAB = "brodalumab"
    USTEKINUMAB = "ustekinumab"
    GUSELKUMAB = "guselkumab"
    RISANKIZUMAB = "risankizumab"
    TILDRAKIZUMAB = "tildrakizumab"
    VEDOLIZUMAB = "vedolizumab"
    METHOTREXATE = "methotrexate"
    CYCLOSPORINE = "cyclosporine"
    ACITRETIN = "acitretin"
    COLCHICINE = "colchicine"
    APREMILAST = "apremilast"
    CORTICOSTEROID = "corticosteroid"
    TOPICAL_CORTICOSTEROID = "topical_corticosteroid"
    TOPICAL_VITAMIN_D = "topical_vitamin_d"
    TOPICAL_OTHER = "topical_other"
    PHOTOTHERAPY = "phototherapy"
    OTHER = "other"


class PustularExtent(str, Enum):
    """Extent of pustules at onset: none, localized (e.g. palmoplantar), generalized."""

    NONE = "none"
    LOCALIZED = "localized"
    GENERALIZED = "generalized"


class Morphology(str, Enum):
    """Clinical morphology of the paradoxical eruption (a case may have several)."""

    PLAQUE = "plaque"
    GUTTATE = "guttate"
    PUSTULAR = "pustular"
    PALMOPLANTAR_PUSTULOSIS = "palmoplantar_pustulosis"
    INVERSE = "inverse"
    SCALP = "scalp"
    NAIL = "nail"
    ERYTHRODERMIC = "erythrodermic"
    OTHER = "other"


class StopReason(str, Enum):
    """Why a treatment episode stopped."""

    PARADOXICAL_REACTION = "paradoxical_reaction"
    INEFFECTIVE = "ineffective"
    ADVERSE_EVENT = "adverse_event"
    DOSE_CHANGE = "dose_change"
    TAPERED = "tapered"
    REMISSION = "remission"
    PATIENT_CHOICE = "patient_choice"
    COMPLETED = "completed"
    OTHER = "other"
    UNKNOWN = "unknown"


class Endpoint(str, Enum):
    """Outcome events after onset."""

    PUSTULE_CLEARANCE = "pustule_clearance"
    COMPLETE_RESOLUTION = "complete_resolution"
    RECURRENCE = "recurrence"


class Smoking(str, Enum):
    """Smoking status where reported."""

    NEVER = "never"
    FORMER = "former"
    CURRENT = "current"


class SourceKind(str, Enum):
    """Where a case comes from."""

    REPORT = "report"
    REGISTRY = "registry"
    SYNTHETIC = "synthetic"


ANTI_TNF_AGENTS: frozenset[Agent] = frozenset(
    {Agent.INFLIXIMAB, Agent.ADALIMUMAB, Agent.ETANERCEPT, Agent.CERTOLIZUMAB, Agent.GOLIMUMAB}
)

AGENT_CLASS: dict[Agent, DrugClass] = {
    **dict.fromkeys(ANTI_TNF_AGENTS, DrugClass.ANTI_TNF),
    Agent.SECUKINUMAB: DrugClass.IL17,
    Agent.IXEKIZUMAB: DrugClass.IL17,
    Agent.BRODALUMAB: DrugClass.IL17,
    Agent.USTEKINUMAB: DrugClass.IL12_23,
    Agent.GUSELKUMAB: DrugClass.IL23,
    Agent.RISANKIZUMAB: DrugClass.IL23,
    Agent.TILDRAKIZUMAB: DrugClass.IL23,
    Agent.VEDOLIZUMAB: DrugClass.INTEGRIN,
    Agent.METHOTREXATE: DrugClass.SYSTEMIC_NONBIOLOGIC,
    Agent.CYCLOSPORINE: DrugClass.SYSTEMIC_NONBIOLOGIC,
    Agent.ACITRETIN: DrugClass.SYSTEMIC_NONBIOLOGIC,
    Agent.COLCHICINE: DrugClass.SYSTEMIC_NONBIOLOGIC,
    Agent.APREMILAST: DrugClass.SYSTEMIC_NONBIOLOGIC,
    Agent.CORTICOSTEROID: DrugClass.SYSTEMIC_NONBIOLOGIC,
    Agent.TOPICAL_CORTICOSTEROID: DrugClass.TOPICAL,
    Agent.TOPICAL_VITAMIN_D: DrugClass.TOPICAL,
    Agent.TOPICAL_OTHER: DrugClass.TOPICAL,
    Agent.PHOTOTHERAPY: DrugClass.OTHER,
    Agent.OTHER: DrugClass.OTHER,
}

# Wordings seen in reports -> canonical token. Keys are normalised with _norm().
SYNONYMS: dict[type[Enum], dict[str, str]] = {
    Sex: {"f": "female", "woman": "female", "m": "male", "man": "male"},
    Disease: {
        "crohn": "crohns",
        "crohn_s": "crohns",
        "crohn_s_disease": "crohns",
        "crohns_disease": "crohns",
        "cd": "crohns",
        "uc": "ulcerative_colitis",
        "ra": "rheumatoid_arthritis",
        "psa": "psoriatic_arthritis",
        "as": "ankylosing_spondylitis",
        "axial_spondyloarthritis": "ankylosing_spondylitis",
        "psoriasis_vulgaris": "psoriasis",
        "hidradenitis_suppurativa": "hidradenitis",
        "hs": "hidradenitis",
    },
    Agent: {
        "ifx": "infliximab",
        "remicade": "infliximab",
        "ada": "adalimumab",
        "humira": "adalimumab",
        "etn": "etanercept",
        "enbrel": "etanercept",
        "certolizumab_pegol": "certolizumab",
        "czp": "certolizumab",
        "glm": "golimumab",
        "cosentyx": "secukinumab",
        "stelara": "ustekinumab",
        "mtx": "methotrexate",
        "ciclosporin": "cyclosporine",
        "cyclosporin": "cyclosporine",
        "csa": "cyclosporine",
        "glucocorticoid": "corticosteroid",
        "oral_corticosteroid": "corticosteroid",
        "prednisone": "corticosteroid",
        "prednisolone": "corticosteroid",
        "glucocorticoid_ointment": "topical_corticosteroid",
        "calcipotriol": "topical_vitamin_d",
        "uv": "phototherapy",
        "nb_uvb": "phototherapy",
    },
    DrugClass: {
        "tnf": "anti_tnf",
        "anti_tnf_alpha": "anti_tnf",
        "il_17": "il17",
        "il_12_23": "il12_23",
        "il_23": "il23",
        "conventional_systemic": "systemic_nonbiologic",
    },
    PustularExtent: {
        "palmoplantar": "localized",
        "local": "localized",
        "localised": "localized",
        "generalised": "generalized",
        "widespread": "generalized",
        "no": "none",
    },
    Morphology: {"ppp": "palmoplantar_pustulosis", "pustulosis": "pustular"},
    Endpoint: {"clearance": "pustule_clearance", "pustules_cleared": "pustule_clearance",
               "complete_remission": "complete_resolution", "fully_resolved": "complete_resolution"},
}  # fmt: skip

# Wordings that could mean two members: refused with the choices, never guessed.
AMBIGUOUS: dict[type[Enum], dict[str, tuple[str, ...]]] = {
    Endpoint: {"resolution": ("pustule_clearance", "complete_resolution"),
               "resolved": ("pustule_clearance", "complete_resolution"),
               "remission": ("pustule_clearance", "complete_resolution")},
}  # fmt: skip

E = TypeVar("E", bound=Enum)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")


def parse_enum(cls: type[E], value: object) -> E:
    """Return the member of ``cls`` named by ``value`` (a member, token or synonym).

    Parameters
    ----------
    cls : type of Enum
        One of the vocabularies of this module.
    value : object
        A member of ``cls``, its value, or a synonym such as ``"Crohn's disease"``.

    Returns
    -------
    Enum
        The member.

    Raises
    ------
    ValueError
        If ``value`` is not a string or names no member; the message lists the
        accepted tokens.
    """
    if isinstance(value, cls):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a {cls.__name__} token, got {type(value).__name__} {value!r}")
    hit = cls._value2member_map_.get(value)  # fast path: the canonical token
    if hit is not None:
        return hit  # type: ignore[return-value]
    key = _norm(value)
    choices = AMBIGUOUS.get(cls, {}).get(key)
    if choices is not None:
        raise ValueError(
            f"ambiguous {cls.__name__} {value!r}: it may mean {' or '.join(choices)}; write one of them"
        )
    key = SYNONYMS.get(cls, {}).get(key, key)
    try:
        return cls(key)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in cls)  # type: ignore[attr-defined]
        raise ValueError(f"unknown {cls.__name__} {value!r}; expected one of: {allowed}") from None


def drug_class_of(agent: Agent) -> DrugClass:
    """Return the drug class of ``agent``.

    Parameters
    ----------
    agent : Agent
        The agent.

    Returns
    -------
    DrugClass
    """
    return AGENT_CLASS[agent]
