"""Records made from table columns: fast construction, shared equal records, the join, the GC.

* :func:`new_records` makes the records the dataclass constructors make;
* with ``shared``, equal rows share one record, never across ``0.0`` and
  ``-0.0`` (equal numbers, different values), and rows that mostly differ
  are not shared;
* the join orders items by ``seq`` (stable; an empty ``seq`` sorts as its
  row), lists orphans in that order, and marks cases with a bad row dirty;
* :func:`promote` leaves no object frozen and the collector as it was.
"""

from __future__ import annotations

import gc
import math

from ppprog.records.case import Case, TreatmentEpisode
from ppprog.records.gcpause import paused_gc, promote
from ppprog.records.io_table import RawTable, cases_to_rows, tables_to_cases
from ppprog.records.quantities import Quote, TimeValue, Titer
from ppprog.records.table_cells import Converted, new_records
from ppprog.records.table_join import join_tables
from ppprog.records.table_schema import TABLES, columns

_KEYS = ("day", "low", "high", "approximate", "quote")


def test_new_records_equal_constructed_records() -> None:
    cols = [[1.0, 2.0], [0.5, 2.0], [1.5, math.inf], [True, False], [Quote("a", "b"), None]]
    made = new_records(TimeValue, _KEYS, cols, 2)
    assert made == [TimeValue(1.0, 0.5, 1.5, True, Quote("a", "b")), TimeValue(2.0, 2.0, math.inf)]
    assert [type(t) for t in made] == [TimeValue, TimeValue]
    assert len(new_records(Titer, (), [], 3)) == 3


def test_shared_records_share_equal_rows_only() -> None:
    n = 2000
    days = [0.0] * (n - 2) + [5.0, 0.0]
    cols = [days, days, days, [False] * n, [None] * n]
    made = new_records(TimeValue, _KEYS, cols, n, shared=True)
    assert made == [TimeValue(d) for d in days]
    assert made[0] is made[1] is made[-1]
    assert made[-2] is not made[0]


def test_shared_records_keep_negative_zero() -> None:
    n = 2000
    days = [0.0] * (n - 1) + [-0.0]
    made = new_records(TimeValue, _KEYS, [days, days, days, [False] * n, [None] * n], n,
                       shared=True)  # fmt: skip
    assert math.copysign(1.0, made[-1].day) == -1.0
    assert math.copysign(1.0, made[0].day) == 1.0


def test_distinct_rows_are_not_shared() -> None:
    n = 2000
    days = [float(i) for i in range(n)]
    made = new_records(TimeValue, _KEYS, [days, days, days, [False] * n, [None] * n], n,
                       shared=True)  # fmt: skip
    assert len({id(t) for t in made}) == n


def test_negative_zero_survives_a_table_read() -> None:
    c = Case("c1", inducing_agent="infliximab", last_follow_up=400.0,
             treatments=[TreatmentEpisode("infliximab", -0.0, 30.0)]
             + [TreatmentEpisode("adalimumab", 40.0 + i, 40.5 + i) for i in range(3)])  # fmt: skip
    rows = cases_to_rows([c, Case("c2", inducing_agent="infliximab", last_follow_up=9.0,
                                  treatments=[TreatmentEpisode("infliximab", 0.0)])])  # fmt: skip
    tables = {n: RawTable(f"m/{n}", [x.name for x in columns(n)],
                          {x.name: [r.get(x.name) for r in rows[n]] for x in columns(n)})
              for n in TABLES}  # fmt: skip
    got = tables_to_cases(tables, where="m")
    assert math.copysign(1.0, got[0].treatments[0].start.day) == -1.0
    assert math.copysign(1.0, got[1].treatments[0].start.day) == 1.0


def test_cells_equal_in_python_but_not_in_value_are_converted_apart() -> None:
    rows = cases_to_rows([Case(f"c{i}", inducing_agent="infliximab", last_follow_up=day)
                          for i, day in enumerate([1.0, 1.0, -0.0, 0.0], start=1)])  # fmt: skip
    rows["cases"][1]["last_follow_up_day"] = True  # a spreadsheet's TRUE in a number column
    rows["cases"][1]["last_follow_up_low"] = rows["cases"][1]["last_follow_up_high"] = 1
    tables = {n: RawTable(f"m/{n}", [x.name for x in columns(n)],
                          {x.name: [r.get(x.name) for r in rows[n]] for x in columns(n)})
              for n in TABLES}  # fmt: skip
    try:
        tables_to_cases(tables, where="m")
    except ValueError as exc:
        got = [(p.line, p.field, p.message) for p in exc.problems]  # type: ignore[attr-defined]
    assert got == [(3, "last_follow_up_day", "expected a number, got True")]
    rows["cases"][1]["last_follow_up_day"] = 1
    tables["cases"].cells["last_follow_up_day"][1] = 1
    cs = tables_to_cases(tables, where="m")
    assert cs[1].last_follow_up == TimeValue(1.0)
    assert math.copysign(1.0, cs[2].last_follow_up.day) == -1.0
    assert math.copysign(1.0, cs[3].last_follow_up.day) == 1.0


def _conv(values: dict[str, list[object]], bad: dict[tuple[int, str], str] | None = None) -> Converted:
    n = len(next(iter(values.values())))
    return Converted(values, bad=bad or {}, n=n, present=set(values))


def test_join_orders_by_seq_and_finds_orphans_and_dirty_cases() -> None:
    cases = _conv({"case_id": ["a", "b", "c"]}, bad={(2, "case_id"): "x"})
    ana = _conv({"case_id": ["b", "a", "zz", "a", "b", "c"], "seq": [2, 1, 0, None, 0, 0]},
                bad={(5, "seq"): "x"})  # fmt: skip
    join = join_tables({"cases": cases, "ana": ana})
    # sort keys: seq, or the row number when empty: rows 2 (0), 4 (0), 5 (0), 1 (1), 0 (2), 3 (3)
    assert join.orphans == [("ana", 2, "zz")]
    assert join.dirty == {"c"}
    assert join.clean.tolist() == [0, 1]
    assert join.rows()["ana"] == {"a": [1, 3], "b": [4, 0]}
    assert join.rows()["cases"] == {"a": [0], "b": [1], "c": [2]}


def test_promote_keeps_objects_and_unfrozen_collector() -> None:
    enabled = gc.isenabled()
    with paused_gc():
        kept = [[i] for i in range(1000)]
    assert gc.isenabled() == enabled
    assert gc.get_freeze_count() == 0
    assert kept[999] == [999]
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        promote()  # a program's own frozen objects stay frozen
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
