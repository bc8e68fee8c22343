"""The declared schema of a case record: every field, its kind, unit and meaning.

One declaration serves every reader and writer: the YAML reader
(:mod:`ppprog.records.yaml_cases`) types each value by it, the tables
(:mod:`ppprog.records.table_schema`) derive their columns from it, the
curator's template (:mod:`ppprog.records.template`) writes its columns and
drop-down lists from it, and the reference page of the documentation
(:mod:`ppprog.records.reference`) is generated from it, so none can drift.

Kinds
-----
``text``      free text or an identifier, kept exactly as typed;
``number``    a real number; ``integer`` a whole number; ``flag`` true/false;
``date``      a calendar date ``YYYY-MM-DD`` (a valid one; no time of day);
``time``      days from the index date: a number, a duration text or a
              mapping ``{day, low, high, approximate, quote}``;
``titer``     an ANA titer as printed (``1:320``) or a mapping;
``quote``     a text or a mapping ``{text, where}``;
``texts``     a list of texts (one text is a list of one);
``enum``      a token of a controlled vocabulary (``vocab``), or a synonym;
``enums``     a list of such tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

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

__all__ = ["Field", "RECORDS", "KINDS", "ITEM_LISTS", "QUALIFIERS", "TITER_STATUSES"]

#: Every kind a field can have, with its meaning (for the reference page).
KINDS: dict[str, str] = {
    "text": "free text or an identifier, kept exactly as typed",
    "number": "a real number",
    "integer": "a whole number",
    "flag": "true or false",
    "date": "a calendar date YYYY-MM-DD (a valid date, no time of day)",
    "time": "days from the index date: a number, a duration text ('8 wk') or "
    "a mapping {day, low, high, approximate, quote}",
    "titer": "an ANA titer as printed ('1:320', 'Negative', '<1:40') or a mapping "
    "{status, reciprocal, qualifier, detection_limit, text}",
    "quote": "the words a value was taken from: a text or a mapping {text, where}",
    "texts": "a list of texts",
    "enum": "a token of the vocabulary named in the unit column",
    "enums": "a list of tokens of the vocabulary named in the unit column",
}
#: Allowed qualifiers of a lab value or a titer.
QUALIFIERS = ("=", "<", ">")
#: Allowed titer statuses.
TITER_STATUSES = ("positive", "negative", "missing")


@dataclass(frozen=True)
class Field:
    """One field of a record.

    Parameters
    ----------
    name : str
        Key in YAML (and column stem in tables).
    kind : str
        One of :data:`KINDS`.
    doc : str
        What it holds.
    unit : str, optional
        Unit of a number or time.
    required : bool, optional
        A record without it is an error.
    vocab : type of Enum, optional
        The vocabulary of an ``enum``/``enums`` field.
    attr : str, optional
        Dataclass attribute when it differs from ``name`` (``id`` ->
        ``case_id``).
    """

    name: str
    kind: str
    doc: str
    unit: str = ""
    required: bool = False
    vocab: type[Enum] | None = None
    attr: str = ""

    @property
    def key(self) -> str:
        """The dataclass attribute this field fills."""
        return self.attr or self.name


F = Field
_DAYS = "days from the index date"
# Fields several records declare alike (equal values; Field is frozen).
_QUOTE = F("quote", "quote", "words of the report")
_NOTES = F("notes", "text", "free-text notes")
_MEASURED_ON = F("day", "time", "day of the measurement", _DAYS, required=True)

#: Fields of each record, in file order. ``case`` is the top level of a case.
RECORDS: dict[str, tuple[Field, ...]] = {
    "case": (
        F("id", "text", "unique case identifier (unique across all files read together)",
          required=True, attr="case_id"),
        F("inducing_agent", "enum", "anti-TNF agent started at day 0", vocab=Agent),
        F("index_date", "date", "calendar date of day 0, where known"),
        F("last_follow_up", "time", "censoring time of every endpoint that did not occur",
          _DAYS, required=True),
        F("follow_up_status", "text", "state at the last follow-up, as reported"),
        _NOTES,
    ),
    "source": (
        F("kind", "enum", "origin of the case", vocab=SourceKind),
        F("citation", "text", "free-text citation"),
        F("doi", "text", "DOI of the publication"),
        F("pmid", "text", "PubMed id of the publication"),
        F("case_label", "text", "how the source names the case ('Case 1')"),
        F("seed", "integer", "root seed of a synthetic case"),
        F("replicate", "integer", "replicate number of a synthetic case"),
    ),
    "patient": (
        F("sex", "enum", "sex as reported", vocab=Sex),
        F("age", "number", "age at the index date", "years"),
        F("disease", "enum", "disease treated with the anti-TNF agent", vocab=Disease),
        F("disease_detail", "text", "free text on the disease"),
        F("prior_psoriasis", "flag", "psoriasis before the index date (false: de novo)"),
        F("family_history_psoriasis", "flag", "psoriasis in the family"),
        F("smoking", "enum", "smoking status", vocab=Smoking),
        F("prior_therapies", "texts", "undated therapies before the index date"),
        _NOTES,
    ),
    "onset": (
        F("day", "time", "onset of paradoxical psoriasis", _DAYS, required=True),
        F("morphology", "enums", "clinical morphology (several allowed)", vocab=Morphology),
        F("pustular_extent", "enum", "extent of pustules at onset", vocab=PustularExtent),
        F("sites", "texts", "body sites"),
        _QUOTE,
    ),
    "ana": (
        _MEASURED_ON,
        F("titer", "titer", "ANA titer as printed", "1:N", required=True),
        F("label", "text", "where the source places it ('Baseline')"),
        F("ladder", "text", "the lab's dilution ladder (doubling40, doubling80, halflog100)"),
        _QUOTE,
    ),
    "labs": (
        F("name", "text", "short name (nlr, crp, esr, tnf_alpha, il8)", required=True),
        _MEASURED_ON,
        F("value", "number", "numeric value (a bound when qualifier is < or >)", "see unit"),
        F("qualifier", "text", "=, < or >"),
        F("unit", "text", "unit of the value ('mg/L')"),
        F("text", "text", "the cell as printed ('< 3.23', 'normal')"),
        F("reference_range", "text", "reference range as printed"),
        F("label", "text", "where the source places it"),
        _QUOTE,
    ),
    "treatments": (
        F("agent", "enum", "drug given", vocab=Agent, required=True),
        F("start", "time", "first day on the agent", _DAYS, required=True),
        F("stop", "time", "day stopped (empty: still running at the last follow-up)", _DAYS),
        F("stop_reason", "enum", "why it stopped", vocab=StopReason),
        F("drug_class", "enum", "class (default: the agent's class)", vocab=DrugClass),
        F("agent_detail", "text", "name of an 'other' agent, or brand"),
        F("dose", "text", "dose as reported ('300 mg')"),
        F("schedule", "text", "schedule as reported"),
        F("route", "text", "route as reported ('sc', 'iv')"),
        _QUOTE,
        _NOTES,
    ),
    "outcomes": (
        F("endpoint", "enum", "the event", vocab=Endpoint, required=True),
        F("day", "time", "day of the event", _DAYS, required=True),
        _QUOTE,
        _NOTES,
    ),
}  # fmt: skip

#: Records that are lists of items in a case (YAML lists, tables of their own).
ITEM_LISTS = ("ana", "labs", "treatments", "outcomes")
