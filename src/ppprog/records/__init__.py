"""Clinical case records: vocabularies, quantities, cases, parsers, validation, files."""

from ppprog.records.case import (
    AnaMeasurement,
    Case,
    DrugSwitch,
    LabValue,
    Onset,
    Outcome,
    Patient,
    TreatmentEpisode,
    drug_switches,
)
from ppprog.records.io import read_cases, write_cases
from ppprog.records.parse import parse_duration, parse_titer
from ppprog.records.quantities import Quote, Source, TimeValue, Titer
from ppprog.records.timeline import format_timeline
from ppprog.records.validate import validate
from ppprog.records.vocab import (
    Agent,
    Disease,
    DrugClass,
    Endpoint,
    Morphology,
    PustularExtent,
    Sex,
    Smoking,
    SourceKind,
    StopReason,
)

__all__ = [
    "AnaMeasurement",
    "Case",
    "DrugSwitch",
    "LabValue",
    "Onset",
    "Outcome",
    "Patient",
    "TreatmentEpisode",
    "drug_switches",
    "read_cases",
    "write_cases",
    "parse_duration",
    "parse_titer",
    "Quote",
    "Source",
    "TimeValue",
    "Titer",
    "format_timeline",
    "validate",
    "Agent",
    "Disease",
    "DrugClass",
    "Endpoint",
    "Morphology",
    "PustularExtent",
    "Sex",
    "Smoking",
    "SourceKind",
    "StopReason",
]
