"""The reference page of case records, generated from the code so that it cannot drift.

:func:`reference_markdown` renders, from the declarations the readers use,
every field with its kind, unit and meaning (:mod:`ppprog.records.schema`),
every table column (:mod:`ppprog.records.table_schema`), every controlled
vocabulary with its accepted synonyms and refused ambiguous words
(:mod:`ppprog.records.vocab`), the duration grammar with its calendar bounds
(:mod:`ppprog.records.parse`) and the limits of the YAML reader
(:mod:`ppprog.records.yaml_safe`). ``docs/conf.py`` writes it to
``docs/reference/records.md`` on every documentation build.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path

from ppprog.records.parse import DURATION_PREFIXES, DURATION_UNITS, month_span
from ppprog.records.quantities import LADDERS
from ppprog.records.schema import KINDS, RECORDS
from ppprog.records.table_schema import EXAMPLE_ID, TABLES, columns, required_cells
from ppprog.records.vocab import (
    AMBIGUOUS,
    SYNONYMS,
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
from ppprog.records.yaml_safe import MAX_ALIAS_NODES, MAX_DEPTH

__all__ = ["reference_markdown", "write_reference"]

_VOCABS: tuple[type[Enum], ...] = (Sex, Disease, Agent, DrugClass, PustularExtent, Morphology,
                                   StopReason, Endpoint, Smoking, SourceKind)  # fmt: skip
_BOUNDS = {"gt": "`[low(x), inf)`", "lt": "`[0, high(x)]`", "about": "`[0.9 low(x), 1.1 high(x)]`",
           "almost": "`[0.9 low(x), high(x)]`"}  # fmt: skip


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _fields() -> list[str]:
    out = ["## Fields", "", "Kinds:", ""]
    out += [f"- `{k}`: {_cell(v)}" for k, v in KINDS.items()]
    for rec, fields in RECORDS.items():
        where = "top level of a case" if rec == "case" else f"`{rec}`"
        out += ["", f"### {rec} ({where})", "", "| field | kind | unit / vocabulary | required | meaning |",
                "|---|---|---|---|---|"]  # fmt: skip
        for f in fields:
            unit = f.vocab.__name__ if f.vocab is not None else f.unit
            out.append(f"| `{f.name}` | {f.kind} | {_cell(unit)} | {'yes' if f.required else ''} "
                       f"| {_cell(f.doc)} |")  # fmt: skip
    return out


def _tables() -> list[str]:
    out = ["## Tables", "",
           "Five tables, each required (CSV files or Parquet files in one folder, or sheets of "
           "one `.xlsx` workbook); an empty table with its header means none recorded. Every "
           "column must be known and every column below must be present, even when all its "
           "cells are empty; cells marked required must be filled. Rows are numbered as a spreadsheet shows them "
           f"(header = row 1; from 1 in Parquet). A row with case id `{EXAMPLE_ID}` (the "
           "template's example) is refused."]  # fmt: skip
    for t in TABLES:
        cells = set(required_cells(t))
        out += ["", f"### {t}", "", "| column | type | unit / vocabulary | required | meaning |",
                "|---|---|---|---|---|"]  # fmt: skip
        for c in columns(t):
            req = "cell" if c.name in cells else ""
            out.append(f"| `{c.name}` | {c.store} | {_cell(c.unit)} | {req} | {_cell(c.doc)} |")
    return out


def _vocabularies() -> list[str]:
    out = ["## Controlled vocabularies", "",
           "Tokens are matched after lower-casing and turning every run of other characters "
           "into `_` (so `Crohn's disease` reads as `crohn_s_disease`). A word that could mean "
           "two tokens is refused with the choices, never guessed."]  # fmt: skip
    for cls in _VOCABS:
        syn: dict[str, list[str]] = {}
        for word, token in SYNONYMS.get(cls, {}).items():
            syn.setdefault(token, []).append(word)
        out += ["", f"### {cls.__name__}", "", "| token | accepted synonyms |", "|---|---|"]
        for m in cls:
            words = ", ".join(f"`{w}`" for w in sorted(syn.get(str(m.value), [])))
            out.append(f"| `{m.value}` | {words} |")
        for word, choices in AMBIGUOUS.get(cls, {}).items():
            out.append(f"| refused: `{word}` | ambiguous: {' or '.join(choices)} |")
    return out


def _durations() -> list[str]:
    units: dict[str, list[str]] = {}
    for word, unit in DURATION_UNITS.items():
        units.setdefault(unit, []).append(f"`{word}`")
    prefixes: dict[str, list[str]] = {}
    for word, kind in DURATION_PREFIXES.items():
        prefixes.setdefault(kind, []).append(f"`{word}`")
    out = ["## Durations", "",
           "Grammar: `[qualifier] number [(- | to) number] [-] unit [words]`, e.g. `8 wk`, "
           "`more than 20 d`, `1.5 y`, `2-3 weeks`, `1.5-year follow-up`. A number is digits "
           "(decimal point or comma) or a word (one ... sixty, half). A bare number is days.",
           "", "| unit | words | point value | bounds |", "|---|---|---|---|",
           f"| d | {', '.join(units['d'])} | 1 day | exact |",
           f"| wk | {', '.join(units['wk'])} | 7 days | exact |",
           f"| mo | {', '.join(units['mo'])} | 30.4375 days | calendar span of n months |",
           f"| y | {', '.join(units['y'])} | 365.25 days | calendar span of 12 n months |", "",
           "Calendar span: the fewest and the most days that n consecutive months have in the "
           "Gregorian calendar (every start month of its 400-year cycle); a fraction f of a "
           "month adds 28 f to the low and 31 f to the high bound. So `24 months` and `2 years` "
           "have the same bounds. Some spans:", "",
           "| months | low | high |", "|---|---|---|"]  # fmt: skip
    for n in (1, 2, 3, 6, 12, 14, 18, 24, 36, 60):
        lo, hi = month_span(n)
        out.append(f"| {n} | {lo} | {hi} |")
    out += ["", "Qualifiers move only the bounds (the point value stays the stated number; a "
            "range's point is its midpoint, bounds `[low(a), high(b)]`). Any qualifier, range, "
            "month or year makes the time approximate.", "",
            "| qualifier words | bounds |", "|---|---|"]  # fmt: skip
    out += [f"| {', '.join(words)} | {_BOUNDS[kind]} |" for kind, words in prefixes.items()]
    return out


def _yaml_and_titers() -> list[str]:
    ladders = "; ".join(f"`{k}`: " + ", ".join(f"1:{v:g}" for v in r) for k, r in LADDERS.items())
    return ["## YAML case files", "",
            "A file holds one case, a list of cases, or `cases: [...]` (no other top-level key). "
            "Values are read with YAML 1.2 core-schema rules, by the kind of their field: text "
            "fields keep the characters typed (`titer: 1:40` is `1:40`, `id: 007` is `007`); "
            "numbers are decimal, `0o` octal or `0x` hex integers or floats (`.inf`, `.nan`); "
            "flags are only `true`/`false` (not yes/no/on/off); dates are valid `YYYY-MM-DD`. "
            "Only core tags (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!map`, `!!seq`) "
            "are accepted; no tag is ever executed. Keys must be text and given once. "
            f"Nesting is limited to {MAX_DEPTH} levels and aliases may add at most "
            f"{MAX_ALIAS_NODES:,} nodes to a document. Files must be UTF-8.", "",
            "## Titers", "",
            "`Negative`, `1:320`, `1: 320`, `1/320`, `320`, `<1:40` (negative below 1:40), "
            "`>1:2560`; `-`, `–`, `n/a`, `not done` for missing. A dilution 1:N needs N >= 1. "
            f"Ladders: {ladders}."]  # fmt: skip


def reference_markdown() -> str:
    """Return the reference page of case records as MyST Markdown.

    Returns
    -------
    str
    """
    head = ["# Case records: reference", "",
            "Generated from the code (`ppprog.records.reference`) on every documentation "
            "build, so it lists exactly what the readers accept.", ""]  # fmt: skip
    parts = head + _fields() + [""] + _tables() + [""] + _vocabularies() + [""] + _durations()
    return "\n".join(parts + [""] + _yaml_and_titers()) + "\n"


def write_reference(path: str | Path) -> Path:
    """Write :func:`reference_markdown` to ``path`` (only when it changed).

    Parameters
    ----------
    path : str or pathlib.Path

    Returns
    -------
    pathlib.Path
    """
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    text = reference_markdown()
    if not p.exists() or p.read_text(encoding="utf-8") != text:
        p.write_text(text, encoding="utf-8")
    return p
