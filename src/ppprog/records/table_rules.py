"""The rules of :func:`~ppprog.records.validate.validate`, run over whole table columns.

:func:`column_rules` checks the cases of the tables that have no cell
problem (the *clean* rows of :class:`~ppprog.records.table_join.Join`)
before any record is made: each rule of ``validate(typed=True)`` (the value
rules, the times, the treatment episodes, the outcomes, unique ids) is one
or a few array operations over a column, and Python runs only for the rows
it flags (to word the problem) and for the rare cases needing a pairwise
look (episodes of one agent given twice in a case). It returns the very
problems ``validate`` returns on the assembled cases, in the same order:
case by case, rule by rule; ``tables_to_cases(rules="cases")`` keeps that
reference path, and a property test compares the two.

Case-level rules live here; rules over item rows in
:mod:`~ppprog.records.table_rules_items`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ppprog._core.errors import Problem
from ppprog.records.table_cells import Converted
from ppprog.records.table_checks import floats
from ppprog.records.table_join import Join
from ppprog.records.table_rules_items import (
    Found,
    Frame,
    ana_rules,
    dated_rules,
    outcome_rules,
    treatment_rules,
)
from ppprog.records.vocab import ANTI_TNF_AGENTS, Agent, SourceKind

__all__ = ["column_rules"]

_SOURCE_KINDS = frozenset(k.value for k in SourceKind)


def _values(f: Frame, out: Found) -> None:
    """``rule_values``: id, age, anti-TNF inducing agent, source; last follow-up present."""
    v = f.cases.values
    for k, r in enumerate(f.clean):
        cid = f.ids[r]
        if not isinstance(cid, str) or not cid.strip():
            out.add(k, (0, 0), r, "id", "case id must be non-empty text")
    age, age_empty = floats([v["patient_age"][r] for r in f.clean])
    with np.errstate(invalid="ignore"):
        off = ~((age >= 0) & (age <= 120)) & ~age_empty
    for k in np.flatnonzero(off).tolist():
        r = f.clean[k]
        out.add(k, (0, 1), r, "patient.age", f"age must be in [0, 120] years, got {v['patient_age'][r]}")  # fmt: skip
    for k, r in enumerate(f.clean):
        ind = v["inducing_agent"][r]
        if isinstance(ind, Agent) and ind not in ANTI_TNF_AGENTS:
            out.add(k, (0, 2), r, "inducing_agent", f"{ind.value} is not an anti-TNF agent")
    _source(f, out)
    ana_rules(f, out)
    for k, r in enumerate(f.clean):
        if v["last_follow_up_day"][r] is None:
            out.add(k, (0, 8), r, "last_follow_up", "missing: needed to censor every endpoint")


def _source(f: Frame, out: Found) -> None:
    """``rule_values`` on the source: a known kind, a synthetic case's seed, counts >= 0."""
    v = f.cases.values
    kinds, seeds, reps = v["source_kind"], v["source_seed"], v["source_replicate"]
    for k, r in enumerate(f.clean):
        kind = "report" if kinds[r] is None else kinds[r]
        if kind not in _SOURCE_KINDS:
            msg = f"expected report, registry or synthetic, got {kind!r}"
            out.add(k, (0, 3), r, "source.kind", msg)
        if kind == "synthetic" and seeds[r] is None:
            out.add(k, (0, 4), r, "source.seed", "a synthetic case must record its seed")
        for step, name, x in ((5, "seed", seeds[r]), (6, "replicate", reps[r])):
            if x is not None and not (type(x) is int and x >= 0):
                out.add(k, (0, step), r, f"source.{name}", f"expected an integer >= 0, got {x!r}")


def _times(f: Frame, out: Found) -> None:
    """``rule_times`` on the case: onset on or after day 0 and by the last follow-up."""
    onset, last = f.onset, f.last
    with np.errstate(invalid="ignore"):
        for k in np.flatnonzero(onset < 0).tolist():
            msg = f"onset (day {onset[k]:g}) before the index date: paradoxical psoriasis needs the inducing agent"  # noqa: E501
            out.add(k, (1, 0), f.clean[k], "onset.day", msg)
        for k in np.flatnonzero(last < 0).tolist():
            msg = f"last follow-up (day {last[k]:g}) before the index date"
            out.add(k, (1, 1), f.clean[k], "last_follow_up", msg)
        for k in np.flatnonzero(onset > last).tolist():
            msg = f"onset (day {onset[k]:g}) after the last follow-up (day {last[k]:g})"
            out.add(k, (1, 2), f.clean[k], "onset.day", msg)
    dated_rules(f, out)


def _duplicates(f: Frame, out: Found) -> None:
    """Each id once; a repeat names the first case (numbered among the checked cases)."""
    if len(f.clean) == len(set(f.ids)) and len(f.ids) == len(f.clean):
        return
    seen: dict[Any, int] = {}
    for k, r in enumerate(f.clean):
        cid = f.ids[r]
        if cid in seen:
            msg = f"duplicate case id (first used by case #{seen[cid] + 1})"
            out.add(k, (4, 0), r, "id", msg)
        else:
            seen[cid] = k


def column_rules(conv: dict[str, Converted], join: Join) -> list[Problem]:
    """Run every rule of ``validate(typed=True)`` over the clean rows of the tables.

    Parameters
    ----------
    conv : dict of str to Converted
        Converted and checked tables.
    join : Join
        Their join (clean rows, item rows per case).

    Returns
    -------
    list of Problem
        With case id and field path (file and row are added by
        :func:`~ppprog.records.io_table.locate`), in the order ``validate``
        reports them.
    """
    f = Frame.of(conv, join)
    out = Found(f)
    _values(f, out)
    _times(f, out)
    treatment_rules(f, out)
    outcome_rules(f, out)
    _duplicates(f, out)
    return out.problems()
