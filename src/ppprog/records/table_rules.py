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


def _flagged(f: Frame, col: str, bad: Any) -> list[tuple[int, int, Any]]:
    """(clean position, row, cell) of the clean cases whose cell in ``col`` is ``bad``.

    ``bad`` is tested once per distinct cell value; only flagged rows are visited.
    """
    cells = list(map(f.cases.values[col].__getitem__, f.clean))
    flags = {u for u in set(cells) if bad(u)}
    if not flags:
        return []
    return [(k, f.clean[k], x) for k, x in enumerate(cells) if x in flags]


def _values(f: Frame, out: Found) -> None:
    """``rule_values``: id, age, anti-TNF inducing agent, source; last follow-up present."""
    v = f.cases.values
    ids = list(map(f.ids.__getitem__, f.clean))
    try:
        blank = "" in set(map(str.strip, ids))
    except TypeError:  # an id that is not text
        blank = True
    for k, r, _ in _flagged(f, "case_id", _blank) if blank else ():
        out.add(k, (0, 0), r, "id", "case id must be non-empty text")
    age, age_empty = floats([v["patient_age"][r] for r in f.clean])
    with np.errstate(invalid="ignore"):
        off = ~((age >= 0) & (age <= 120)) & ~age_empty
    for k in np.flatnonzero(off).tolist():
        r = f.clean[k]
        out.add(k, (0, 1), r, "patient.age", f"age must be in [0, 120] years, got {v['patient_age'][r]}")  # fmt: skip
    for k, r, ind in _flagged(f, "inducing_agent",
                              lambda a: isinstance(a, Agent) and a not in ANTI_TNF_AGENTS):  # fmt: skip
        out.add(k, (0, 2), r, "inducing_agent", f"{ind.value} is not an anti-TNF agent")
    _source(f, out)
    ana_rules(f, out)
    for k, r, _ in _flagged(f, "last_follow_up_day", lambda d: d is None):
        out.add(k, (0, 8), r, "last_follow_up", "missing: needed to censor every endpoint")


def _source(f: Frame, out: Found) -> None:
    """``rule_values`` on the source: a known kind, a synthetic case's seed, counts >= 0."""
    kinds = f.cases.values["source_kind"]
    for k, r, kind in _flagged(f, "source_kind", lambda x: x is not None and x not in _SOURCE_KINDS):
        out.add(k, (0, 3), r, "source.kind", f"expected report, registry or synthetic, got {kind!r}")
    for k, r, _ in _flagged(f, "source_seed", lambda x: x is None):
        if kinds[r] == "synthetic":
            out.add(k, (0, 4), r, "source.seed", "a synthetic case must record its seed")
    for step, name in ((5, "seed"), (6, "replicate")):
        for k, r, x in _flagged(f, f"source_{name}", _not_count):
            out.add(k, (0, step), r, f"source.{name}", f"expected an integer >= 0, got {x!r}")


def _blank(c: Any) -> bool:
    return not isinstance(c, str) or not c.strip()


def _not_count(x: Any) -> bool:
    return x is not None and not (type(x) is int and x >= 0)


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
