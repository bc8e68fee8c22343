"""Join of the item tables to the cases table, by case id, with whole-column operations.

Each item row names its case in ``case_id``. :func:`join_tables` finds, for
every item table at once (one sort, no Python filter per case),

* the rows naming no case of the cases table (*orphans*, reported in item
  order);
* the cases with a problem in any of their rows (*dirty*: reported cells,
  not validated further, as in :func:`~ppprog.records.io_table.tables_to_cases`);
* for each case, its good rows in item order: by ``seq`` when given (a
  stable sort, so equal ``seq`` keep row order; an empty ``seq`` sorts by
  the row number), else row order.

Rows are grouped by *code*: the row of the last case with that id (ids are
unique in a valid table; a duplicated id is reported by the rules, and
every case with that id gets the same items).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np

from ppprog.records.schema import ITEM_LISTS
from ppprog.records.table_cells import Converted

__all__ = ["ItemJoin", "Join", "join_tables"]


@dataclass
class ItemJoin:
    """Good rows of one item table grouped by case code.

    Attributes
    ----------
    rows : numpy.ndarray
        Row indices sorted by case code, then item order.
    starts, counts : numpy.ndarray
        Per case code, the first position in ``rows`` and the number of rows.
    """

    rows: np.ndarray
    starts: np.ndarray
    counts: np.ndarray

    def of(self, code: int) -> list[int]:
        """Row indices of the items of case code ``code``, in item order."""
        a = int(self.starts[code])
        return [int(i) for i in self.rows[a : a + int(self.counts[code])]]


@dataclass
class Join:
    """Result of :func:`join_tables`.

    Attributes
    ----------
    ids : list
        Case id of each row of the cases table.
    code : numpy.ndarray
        Case code of each row of the cases table (the row of the last case with its id).
    items : dict of str to ItemJoin
        Per item table read.
    dirty : set
        Ids of cases with a problem in any row.
    orphans : list of (table, row index, case id)
    clean : numpy.ndarray
        Rows of the cases table whose case is not dirty, in table order.
    """

    ids: list[Any]
    code: np.ndarray
    items: dict[str, ItemJoin]
    dirty: set[Any]
    orphans: list[tuple[str, int, Any]]
    clean: np.ndarray

    def rows(self) -> dict[str, dict[Any, list[int]]]:
        """Per table, per case id, the row indices of its items in item order (to locate)."""
        out: dict[str, dict[Any, list[int]]] = {"cases": {c: [i] for i, c in enumerate(self.ids)}}
        for name, item in self.items.items():
            out[name] = {self.ids[int(c)]: item.of(int(c))
                         for c in np.flatnonzero(item.counts)}  # fmt: skip
        return out


def _order(seqs: list[Any]) -> np.ndarray:
    """Stable order of rows by ``seq`` (an empty ``seq`` sorts as its row index)."""
    n = len(seqs)
    if None in seqs:
        if all(s is None for s in seqs):
            return np.arange(n)
        keys: list[Any] = [i if s is None else s for i, s in enumerate(seqs)]
    else:
        keys = seqs
    try:
        arr = np.array(keys, dtype=np.int64)
    except OverflowError:  # whole numbers beyond 64 bits: sort them as Python ints
        return np.array(sorted(range(n), key=keys.__getitem__), dtype=np.int64)
    return np.argsort(arr, kind="stable")


def _bad_rows(t: Converted) -> np.ndarray:
    bad = np.zeros(t.n, dtype=bool)
    if t.broken:
        bad[:] = True
    elif t.bad:
        bad[[i for i, _ in t.bad]] = True
    return bad


def join_tables(conv: dict[str, Converted]) -> Join:
    """Join the item tables of ``conv`` to its cases table.

    Parameters
    ----------
    conv : dict of str to Converted
        Converted and checked tables; ``"cases"`` must be there.

    Returns
    -------
    Join
    """
    cases = conv["cases"]
    ids = cases.values["case_id"]
    n = len(ids)
    code_of = dict(zip(ids, range(n)))  # the last row of each id
    code = (
        np.arange(n) if len(code_of) == n else np.array([code_of[c] for c in ids], dtype=np.int64)
    )
    dirty: set[Any] = set()
    orphans: list[tuple[str, int, Any]] = []
    items: dict[str, ItemJoin] = {}
    for name in ITEM_LISTS:
        if name not in conv:
            continue
        t = conv[name]
        t_ids = t.values["case_id"]
        codes = np.fromiter(map(code_of.get, t_ids, repeat(-1)), dtype=np.int64, count=len(t_ids))
        order = _order(t.values["seq"])
        known = codes[order] >= 0
        orphans += [(name, i, t_ids[i]) for i in order[~known].tolist()]
        bad = _bad_rows(t)
        dirty.update(t_ids[i] for i in np.flatnonzero(bad & (codes >= 0)).tolist())
        good = order[known & ~bad[order]]
        rows = good[np.argsort(codes[good], kind="stable")]
        counts = np.bincount(codes[good], minlength=n)
        items[name] = ItemJoin(rows, np.cumsum(counts) - counts, counts)
    bad = _bad_rows(cases)
    dirty.update(ids[i] for i in np.flatnonzero(bad).tolist())
    if None in code_of:
        dirty.add(None)
    clean = np.array([i for i, c in enumerate(ids) if c not in dirty], dtype=np.int64) if dirty \
        else np.arange(n)  # fmt: skip
    return Join(ids, code, items, dirty, orphans, clean)
