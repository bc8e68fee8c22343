"""Case records -> SubjectHistories (one replicate), the records side of the one data path.

Follow-up runs on one of two time scales:

* ``"resolution"``: from onset (time 0) to the first ``endpoint`` event
  (cause 1) or the last follow-up (cause 0); baseline columns
  :data:`~ppprog.tables.schema.BASELINE_COLUMNS`;
* ``"onset"``: from the index date (day 0) to onset (cause 1) or the last
  follow-up (cause 0); baseline columns
  :data:`~ppprog.tables.schema.ONSET_BASELINE_COLUMNS`.

Time-varying covariates (:data:`~ppprog.tables.schema.TIME_VARYING_COLUMNS`)
change on the days of :func:`~ppprog.tables.covariates.change_days` inside
follow-up, with the values of :mod:`ppprog.tables.covariates` (ANA LOCF with
an optional window, treatment, derived switches) computed on those days.

Causes: 1 when the endpoint was reached; a censored follow-up whose
``follow_up_status`` is exactly ``died`` or ``lost to follow-up`` (the texts
of simulated cases; case-insensitive) gets cause 2 or 3
(:data:`FOLLOW_UP_CAUSES`); anything else is censoring (0).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ppprog.records.case import Case
from ppprog.records.quantities import TimeValue
from ppprog.records.vocab import Endpoint
from ppprog.tables._common import baseline_row, end_of, patient_row, time_bounds
from ppprog.tables.covariates import (
    AnaScale,
    ana_values,
    change_days,
    switches_at,
    treatment_values,
)
from ppprog.tables.histories import SubjectHistories
from ppprog.tables.schema import (
    BASELINE_COLUMNS,
    CAUSE_CENSORED,
    CAUSE_DEATH,
    CAUSE_ENDPOINT,
    CAUSE_LOST,
    ONSET_BASELINE_COLUMNS,
    TIME_VARYING,
    TIME_VARYING_COLUMNS,
)

__all__ = ["case_histories", "code_columns", "FOLLOW_UP_CAUSES"]


def _varying(case: Case, day: float, kinds: Sequence[str], window: float | None,
             scale: AnaScale) -> dict[str, Any]:  # fmt: skip
    out: dict[str, Any] = {}
    if "ana" in kinds:
        log2, cat, aday = ana_values(case, day, window=window, scale=scale)
        out.update(ana_log2=log2, ana_category=cat, ana_day=aday)
    if "treatment" in kinds:
        t, cls, tnf, agents = treatment_values(case, day)
        out.update(treatment=t, treatment_class=cls, on_anti_tnf=tnf, agents=agents)
    if "switches" in kinds:
        out["n_switches"] = switches_at(case, day)
    return out


#: ``follow_up_status`` texts read as a competing cause of a censored follow-up (exact,
#: case-insensitive; any other text, or none, is censoring): the texts of simulated cases.
FOLLOW_UP_CAUSES = {"died": CAUSE_DEATH, "lost to follow-up": CAUSE_LOST}


def _censoring_cause(case: Case) -> int:
    text = (case.follow_up_status or "").strip().lower()
    return FOLLOW_UP_CAUSES.get(text, CAUSE_CENSORED)


def _follow_up(case: Case, endpoint: Endpoint | None) -> tuple[TimeValue, TimeValue, int]:
    """Origin, end and cause of a case's follow-up on the chosen scale."""
    if endpoint is None:  # onset scale
        if case.onset is not None:
            return TimeValue(0.0), case.onset.day, CAUSE_ENDPOINT
        return TimeValue(0.0), case.last_follow_up, _censoring_cause(case)  # type: ignore[return-value]
    end, event = end_of(case, endpoint)
    cause = CAUSE_ENDPOINT if event else _censoring_cause(case)
    return case.onset.day, end, cause  # type: ignore[union-attr]


def _baseline(case: Case, endpoint: Endpoint | None, window: float | None,
              scale: AnaScale) -> dict[str, Any]:  # fmt: skip
    if endpoint is not None:
        return baseline_row(case, window=window, scale=scale)
    log2, cat, _ = ana_values(case, 0.0, window=window, scale=scale)
    return {"ana_log2_index": log2, "ana_category_index": cat, **patient_row(case)}


def _course(case: Case, origin: float, total: float, kinds: Sequence[str],
            window: float | None, scale: AnaScale) -> tuple[list[float], list[dict[str, Any]]]:  # fmt: skip
    """Change times inside ``(0, total)`` and the covariates on each segment."""
    cuts: dict[float, float] = {}
    for d in sorted(change_days(case, tuple(kinds), window=window)):
        p = d - origin
        if 0.0 < p < total:
            cuts[p] = d
    times = sorted(cuts)
    segments = [_varying(case, origin, kinds, window, scale)]
    segments += [_varying(case, cuts[p], kinds, window, scale) for p in times]
    return times, segments


def code_columns(
    rows: Sequence[dict[str, Any]], columns: dict[str, str]
) -> tuple[dict[str, np.ndarray], dict[str, tuple[str, ...]]]:
    """Float arrays of the named columns: categorical tokens as codes, booleans as 0/1.

    Parameters
    ----------
    rows : sequence of dict
        One dict per row.
    columns : dict of str to str
        Column -> schema dtype (``object`` columns are coded, NaN for None).

    Returns
    -------
    arrays : dict of str to ndarray of float64
    levels : dict of str to tuple of str
        Sorted labels of each categorical column.
    """
    arrays: dict[str, np.ndarray] = {}
    levels: dict[str, tuple[str, ...]] = {}
    for c, dtype in columns.items():
        raw = [r[c] for r in rows]
        if dtype == "object":
            labels = tuple(sorted({v for v in raw if v is not None}))
            levels[c] = labels
            pos = {v: float(k) for k, v in enumerate(labels)}
            arrays[c] = np.array([math.nan if v is None else pos[v] for v in raw], dtype=float)
        else:
            arrays[c] = np.array([math.nan if v is None else float(v) for v in raw], dtype=float)
    return arrays, levels


def _varying_arrays(courses: list[tuple[list[float], list[dict[str, Any]]]],
                    columns: dict[str, str]) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, tuple[str, ...]]]:  # fmt: skip
    n = len(courses)
    k = max((len(t) for t, _ in courses), default=0)
    changes = np.full((1, n, k), np.inf)
    flat: list[dict[str, Any]] = []
    for i, (times, segs) in enumerate(courses):
        changes[0, i, : len(times)] = times
        flat += segs + [segs[-1]] * (k + 1 - len(segs))  # pad: never reached
    arrays, levels = code_columns(flat, columns)
    return changes, {c: a.reshape(1, n, k + 1) for c, a in arrays.items()}, levels


def case_histories(
    cases: Sequence[Case],
    endpoint: Endpoint | None,
    *,
    time_varying: Sequence[str] = (),
    window: float | None,
    scale: AnaScale,
) -> SubjectHistories:
    """Histories of checked cases (each with onset on the resolution scale).

    Parameters
    ----------
    cases : sequence of Case
        Cases already validated (see :func:`ppprog.tables._common.prepare`).
    endpoint : Endpoint or None
        A resolution endpoint (time from onset), or None for the onset scale
        (time from the index date to onset).
    time_varying : sequence of {"ana", "treatment", "switches"}, optional
        Time-varying covariates (default none).
    window : float or None
        ANA window (days).
    scale : AnaScale
        ANA coding.

    Returns
    -------
    SubjectHistories
        One replicate, ids = case ids, times in days.
    """
    kinds = [k for k in TIME_VARYING if k in time_varying]
    base_cols = {**(BASELINE_COLUMNS if endpoint is not None else ONSET_BASELINE_COLUMNS),
                 "time_approximate": "bool"}  # fmt: skip
    tv_cols = {c: t for k in kinds for c, t in TIME_VARYING_COLUMNS[k].items()}
    rows, courses, causes = [], [], []
    for c in cases:
        origin, end, cause = _follow_up(c, endpoint)
        tb = time_bounds(origin, end)
        rows.append({**tb, **_baseline(c, endpoint, window, scale)})
        courses.append(_course(c, origin.day, tb["time"], kinds, window, scale))
        causes.append(cause)
    base, levels = code_columns(rows, base_cols)
    changes, varying, tv_levels = _varying_arrays(courses, tv_cols)
    bounds, _ = code_columns(
        rows, {"time": "float64", "time_low": "float64", "time_high": "float64"}
    )
    return SubjectHistories.from_arrays(
        bounds["time"][None], np.array([causes], dtype=np.int64).reshape(1, len(cases)),
        baseline={k: v[None] for k, v in base.items()}, changes=changes, varying=varying,
        ids=tuple(c.case_id for c in cases), levels={**levels, **tv_levels},
        time_low=bounds["time_low"][None], time_high=bounds["time_high"][None],
    )  # fmt: skip
