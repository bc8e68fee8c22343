"""Rules over the item rows of clean cases (used by :mod:`~ppprog.records.table_rules`).

The item rows of the clean cases are laid out as *pairs* (case, item row,
index of the item in its case's list), grouped by case in table order, so
that a rule is an array operation over a column of pairs, and a problem
names the field path ``validate`` would name (``"treatments[1].stop"``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ppprog._core.errors import Problem
from ppprog.records.quantities import LADDERS
from ppprog.records.schema import QUALIFIERS, TITER_STATUSES
from ppprog.records.table_cells import Converted, negative_zero
from ppprog.records.table_checks import floats
from ppprog.records.table_join import Join
from ppprog.records.validate_types import case_label, real_number
from ppprog.records.vocab import Agent, Endpoint

__all__ = ["Pairs", "Frame", "Found", "ana_rules", "dated_rules", "treatment_rules",
           "outcome_rules"]  # fmt: skip


@dataclass
class Pairs:
    """Item rows of the clean cases, grouped by case.

    Attributes
    ----------
    k : numpy.ndarray
        Position of the case among the clean cases.
    row : numpy.ndarray
        Row of the item table.
    index : numpy.ndarray
        Index of the item in its case's list.
    off, cnt : numpy.ndarray
        Per clean case, its first pair and number of pairs.
    """

    k: np.ndarray
    row: np.ndarray
    index: np.ndarray
    off: np.ndarray
    cnt: np.ndarray


@dataclass
class Frame:
    """What the rules see: the cases table, its clean rows, and the item pairs.

    Attributes
    ----------
    cases : Converted
    ids : list
        Case id per row of the cases table.
    clean : list of int
        Rows of the clean cases, in table order.
    onset, last : numpy.ndarray
        Per clean case, the onset's day and the last follow-up's (NaN when none).
    tables : dict of str to Converted
        The item tables read.
    pairs : dict of str to Pairs
    """

    cases: Converted
    ids: list[Any]
    clean: list[int]
    onset: np.ndarray
    last: np.ndarray
    tables: dict[str, Converted]
    pairs: dict[str, Pairs]

    @classmethod
    def of(cls, conv: dict[str, Converted], join: Join) -> Frame:
        """Lay out the clean cases of ``conv`` and their item rows."""
        cases = conv["cases"]
        clean = join.clean
        pairs = {}
        for name, item in join.items.items():
            codes = join.code[clean]
            cnt = item.counts[codes]
            off = np.cumsum(cnt) - cnt
            index = np.arange(int(cnt.sum())) - np.repeat(off, cnt)
            row = item.rows[np.repeat(item.starts[codes], cnt) + index]
            pairs[name] = Pairs(np.repeat(np.arange(len(clean)), cnt), row, index, off, cnt)
        c = clean.tolist()
        every = len(c) == cases.n  # no case left out: columns as they are
        onset, last = (floats(cases.values[col] if every else
                              list(map(cases.values[col].__getitem__, c)))[0]
                       for col in ("onset_day_day", "last_follow_up_day"))  # fmt: skip
        tables = {n: t for n, t in conv.items() if n != "cases"}
        return cls(cases, join.ids, c, onset, last, tables, pairs)

    def column(self, table: str, col: str, *, derived: bool = False) -> list[Any]:
        """Cells of ``col`` (a derived column: parsed titers, defaulted bounds) at the pairs of ``table``."""  # noqa: E501
        t = self.tables[table]
        vals = (t.derived if derived else t.values)[col]
        return list(map(vals.__getitem__, self.pairs[table].row.tolist()))


class Found:
    """Problems found, each with the key that orders them as ``validate`` does."""

    def __init__(self, frame: Frame) -> None:
        self.frame = frame
        self.found: list[tuple[tuple[int, ...], Problem]] = []

    def add(self, k: int, key: tuple[int, ...], row: int, field: str, message: str) -> None:
        """Record a problem of clean case ``k`` (cases-table row ``row``) at ``field``."""
        cid = case_label(self.frame.ids[row])
        self.found.append(((k, *key, 0, 0, 0)[:6], Problem(None, cid, field, message)))

    def problems(self) -> list[Problem]:
        """The problems, case by case, rule by rule."""
        return [p for _, p in sorted(self.found, key=lambda x: x[0])]


def _ana_messages(status: Any, recip: Any, qual: Any, ladder: Any) -> list[tuple[int, str, str]]:
    """Problems of one titer and ladder as (order, field suffix, message)."""
    out = []
    positive = status == "positive"
    if status not in TITER_STATUSES:
        out.append((0, "titer.status", f"unknown status {status!r}"))
    if positive and (not real_number(recip) or not recip > 0):
        out.append((1, "titer", "a positive titer needs a reciprocal > 0"))
    if qual not in QUALIFIERS:
        out.append((2, "titer.qualifier", f"expected =, < or >, got {qual!r}"))
    if ladder is not None and ladder not in LADDERS:
        out.append((3, "ladder", f"unknown ladder {ladder!r}; known: {', '.join(LADDERS)}"))
    elif ladder is not None and positive and real_number(recip):
        if not any(math.isclose(recip, r) for r in LADDERS[ladder]):
            out.append((3, "titer", f"1:{recip:g} is not on ladder {ladder}"))
    return out


def ana_rules(f: Frame, out: Found) -> None:
    """Titers: a known status and qualifier, a positive one > 0 and on its lab's ladder."""
    if "ana" not in f.pairs:
        return
    p = f.pairs["ana"]
    titers = f.column("ana", "titer", derived=True)
    recips = [t.reciprocal for t in titers]
    signs = [math.copysign(1.0, r) if type(r) is float else 0.0 for r in recips] \
        if negative_zero(recips) else [0.0] * len(recips)  # 1:-0 and 1:0 are worded apart
    keys = list(zip([t.status for t in titers], recips, [t.qualifier for t in titers],
                    f.column("ana", "ladder"), signs))  # fmt: skip
    msgs = {key: _ana_messages(*key[:4]) for key in set(keys)}
    if not any(msgs.values()):
        return
    for j, key in enumerate(keys):
        for sub, suffix, msg in msgs[key]:
            k, i = int(p.k[j]), int(p.index[j])
            out.add(k, (0, 7, i, sub), f.clean[k], f"ana[{i}].{suffix}", msg)


_DATED = (("ana", "day", "day_day"), ("labs", "day", "day_day"),
          ("treatments", "start", "start_day"), ("treatments", "stop", "stop_day"),
          ("outcomes", "day", "day_day"))  # fmt: skip


def dated_rules(f: Frame, out: Found) -> None:
    """Every dated item no later than the last follow-up."""
    for di, (name, attr, col) in enumerate(_DATED):
        if name not in f.pairs:
            continue
        p = f.pairs[name]
        days = f.column(name, col)
        d = floats(days)[0]
        with np.errstate(invalid="ignore"):
            late = np.flatnonzero(d > f.last[p.k])
        what = "event" if name == "outcomes" else "date"
        for j in late.tolist():
            k, i = int(p.k[j]), int(p.index[j])
            msg = f"{what} on day {days[j]:g} after the last follow-up (day {float(f.last[k]):g})"
            out.add(k, (1, 3, di, i), f.clean[k], f"{name}[{i}].{attr}", msg)


def _codes(vals: list[Any]) -> tuple[np.ndarray, list[Any]]:
    """Integer codes of hashable values, and the values by code."""
    uniq: dict[Any, int] = {}
    codes = np.array([uniq.setdefault(v, len(uniq)) for v in vals], dtype=np.int64)
    return codes, list(uniq)


def treatment_rules(f: Frame, out: Found) -> None:
    """``rule_treatments``: stops after starts, no overlap within one agent, the inducing agent at day 0."""  # noqa: E501
    if "treatments" not in f.pairs:
        return
    p = f.pairs["treatments"]
    start_days, stop_days = f.column("treatments", "start_day"), f.column("treatments", "stop_day")
    start = floats(start_days)[0]
    stop, no_stop = floats(stop_days)
    stop[no_stop] = math.inf
    for j in np.flatnonzero(stop < start).tolist():
        k, i = int(p.k[j]), int(p.index[j])
        msg = f"stop (day {stop_days[j]:g}) before start (day {start_days[j]:g})"
        out.add(k, (2, 0, i), f.clean[k], f"treatments[{i}].stop", msg)
    agents = f.column("treatments", "agent")
    code, members = _codes(agents)
    _overlaps(f, out, p, code, start, stop, agents)
    inds = [f.cases.values["inducing_agent"][r] for r in f.clean]
    index = {m: c for c, m in enumerate(members) if isinstance(m, Agent)}
    ind = np.array([index.get(a, -1) if isinstance(a, Agent) else -1 for a in inds],
                   dtype=np.int64)  # fmt: skip
    mine = code == ind[p.k]
    low = floats(f.column("treatments", "start_low", derived=True))[0]
    high = floats(f.column("treatments", "start_high", derived=True))[0]
    n = len(f.clean)
    n_mine = np.bincount(p.k[mine], minlength=n)
    with np.errstate(invalid="ignore"):
        at0 = mine & (low <= 0) & (0 <= high)
    n_at0 = np.bincount(p.k[at0], minlength=n)
    is_agent = {u: isinstance(u, Agent) for u in set(inds)}
    agent = np.fromiter(map(is_agent.__getitem__, inds), dtype=bool, count=n)
    for k in np.flatnonzero((p.cnt > 0) & agent & (n_at0 == 0)).tolist():
        a = inds[k]
        if n_mine[k] == 0:
            out.add(k, (2, 2), f.clean[k], "treatments", f"no episode of the inducing agent {a.value}")  # fmt: skip
        elif n_at0[k] == 0:
            msg = f"no episode of the inducing agent {a.value} starts at day 0 (the index date)"
            out.add(k, (2, 2), f.clean[k], "treatments", msg)


def _overlaps(f: Frame, out: Found, p: Pairs, code: np.ndarray, start: np.ndarray,
              stop: np.ndarray, agents: list[Any]) -> None:  # fmt: skip
    """Episodes of one agent overlapping within a case (only cases giving an agent twice)."""
    if not len(code):
        return
    key = p.k * (int(code.max()) + 1) + code
    _, first, count = np.unique(key, return_index=True, return_counts=True)
    for k in np.unique(p.k[first[count > 1]]).tolist():
        a0 = int(p.off[k])
        for a in range(a0, a0 + int(p.cnt[k])):
            for b in range(a + 1, a0 + int(p.cnt[k])):
                if agents[a] == agents[b] and start[a] < stop[b] and start[b] < stop[a]:
                    ag = agents[a]
                    what = ag.value if isinstance(ag, Agent) else ag
                    msg = f"overlaps treatments[{a - a0}] of the same agent ({what})"
                    out.add(k, (2, 1, a - a0, b - a0), f.clean[k], f"treatments[{b - a0}]", msg)


_CLR, _RES, _REC = Endpoint.PUSTULE_CLEARANCE, Endpoint.COMPLETE_RESOLUTION, Endpoint.RECURRENCE


def outcome_rules(f: Frame, out: Found) -> None:
    """``rule_outcomes``: events after onset; clearance by resolution; recurrence after one."""
    if "outcomes" not in f.pairs:
        return
    p = f.pairs["outcomes"]
    n = len(f.clean)
    days = f.column("outcomes", "day_day")
    d = floats(days)[0]
    ends = f.column("outcomes", "endpoint")
    for k in np.flatnonzero((p.cnt > 0) & np.isnan(f.onset)).tolist():
        out.add(k, (3, 0), f.clean[k], "outcomes", "outcome events recorded but no onset")
    with np.errstate(invalid="ignore"):
        early = np.flatnonzero(d < f.onset[p.k])
    for j in early.tolist():
        k, i = int(p.k[j]), int(p.index[j])
        msg = f"{ends[j].value} on day {days[j]:g} before onset (day {f.onset[k]:g})"
        out.add(k, (3, 1, i), f.clean[k], f"outcomes[{i}].day", msg)
    first = {}
    for e in (_CLR, _RES, _REC):
        m = np.array([x == e for x in ends], dtype=bool) if ends else np.zeros(0, dtype=bool)
        lo = np.full(n, math.inf)
        np.minimum.at(lo, p.k[m], d[m])
        has = np.bincount(p.k[m], minlength=n) > 0
        first[e] = (lo, has)
    (clr, has_clr), (res, has_res), (rec, has_rec) = first[_CLR], first[_RES], first[_REC]
    late = has_clr & has_res & (clr > res)
    for k in np.flatnonzero(late).tolist():
        i = _first_at(p, k, ends, days, _CLR, clr[k])
        msg = f"pustule clearance (day {clr[k]:g}) after complete resolution (day {res[k]:g})"
        out.add(k, (3, 2), f.clean[k], f"outcomes[{i}].day", msg)
    bound = np.minimum(np.where(has_clr, clr, math.inf), np.where(has_res, res, math.inf))
    for k in np.flatnonzero(has_rec & (rec <= bound)).tolist():
        i = _first_at(p, k, ends, days, _REC, rec[k])
        out.add(k, (3, 3), f.clean[k], f"outcomes[{i}].day", "recurrence before any clearance or resolution")  # fmt: skip


def _first_at(p: Pairs, k: int, ends: list[Any], days: list[Any], e: Endpoint, day: float) -> int:
    """Index of the first outcome of case ``k`` with endpoint ``e`` on ``day``."""
    a0 = int(p.off[k])
    return next(j - a0 for j in range(a0, a0 + int(p.cnt[k])) if ends[j] == e and days[j] == day)
