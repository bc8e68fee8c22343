"""Counting-process table: (start, stop] rows split where a covariate changes.

A view of the one data path: cases -> :func:`~ppprog.tables.case_histories.case_histories`
-> :func:`~ppprog.tables.encode.encode_counting` -> frame; a simulated cohort's
rows go through the same encoder. Time is measured from onset, as in
:func:`ppprog.tables.resolution.resolution_table`, so that each case's rows
tile ``(0, time]`` of its resolution-table row (or, with ``endpoint="onset"``,
from the index date as in :func:`ppprog.tables.onset.onset_table`). A case
whose follow-up is 0 days keeps one row ``(0, 0]``: it is not dropped, but Cox
software that requires ``stop > start`` (lifelines) will reject it, so handle
it explicitly.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ppprog._core.errors import ProblemReport
from ppprog.records.case import Case
from ppprog.records.vocab import Endpoint
from ppprog.tables._common import prepare, resolution_endpoint
from ppprog.tables.case_histories import case_histories
from ppprog.tables.covariates import DEFAULT_SCALE, AnaScale
from ppprog.tables.encode import encode_counting
from ppprog.tables.schema import (
    BASELINE_COLUMNS,
    ONSET_BASELINE_COLUMNS,
    TIME_VARYING,
    TIME_VARYING_COLUMNS,
)
from ppprog.tables.view import survival_frame

__all__ = ["counting_process", "counting_columns", "check_counting_process", "CountingCheck"]


def counting_columns(
    time_varying: Sequence[str] = TIME_VARYING, *, onset: bool = False
) -> dict[str, str]:
    """Columns and dtypes of a counting-process table.

    Parameters
    ----------
    time_varying : sequence of str, optional
        Chosen time-varying covariates (default all).
    onset : bool, optional
        The onset scale (index date to onset) instead of onset to an endpoint.

    Returns
    -------
    dict of str to str
        ``id, start, stop, event, cause, replicate``, the time-varying columns in
        schema order, then the baseline columns of the scale.
    """
    columns = {"id": "object", "start": "float64", "stop": "float64", "event": "int64",
               "cause": "int64", "replicate": "int64"}  # fmt: skip
    for k in TIME_VARYING:
        if k in time_varying:
            columns.update(TIME_VARYING_COLUMNS[k])
    columns.update(ONSET_BASELINE_COLUMNS if onset else BASELINE_COLUMNS)
    return columns


def counting_process(
    cases: Iterable[Case],
    endpoint: Endpoint | str = "complete_resolution",
    *,
    time_varying: Sequence[str] = TIME_VARYING,
    ana_window: float | None = None,
    ana_scale: AnaScale = DEFAULT_SCALE,
    on_missing: str = "raise",
    check: bool = True,
) -> pd.DataFrame:
    """Encode cases as (start, stop] rows with time-varying covariates.

    Follow-up runs from onset (time 0) to the first ``endpoint`` event or the
    last follow-up, as in :func:`~ppprog.tables.resolution.resolution_table`
    (``endpoint="onset"``: from the index date to onset or the last follow-up,
    as in :func:`~ppprog.tables.onset.onset_table`, every case kept).
    It is split at every day on which a chosen covariate changes: an ANA
    measurement (or, with ``ana_window``, its expiry), a treatment start or
    stop, a derived drug switch. Adjacent intervals with identical values are
    merged, so rows change exactly where a covariate does. The value on
    ``(start, stop]`` is the one in effect on the day ``start``. ``event`` is
    1 only on the last row of a case that reached the endpoint.

    Parameters
    ----------
    cases : iterable of Case
    endpoint : {"complete_resolution", "pustule_clearance", "onset"}, optional
    time_varying : sequence of {"ana", "treatment", "switches"}, optional
        Time-varying covariates to include (default all three); see
        :data:`ppprog.tables.schema.TIME_VARYING_COLUMNS`.
    ana_window : float, optional
        Days an ANA measurement stays in effect; after that the ANA columns
        are NaN/None until the next measurement (default: indefinitely).
    ana_scale : AnaScale, optional
    on_missing : {"raise", "exclude"}, optional
        Cases without onset: raise naming every one (default), or leave them
        out and list them in ``frame.attrs["excluded"]``.
    check : bool, optional
        Validate the cases first (default True).

    Returns
    -------
    pandas.DataFrame
        Columns of :func:`counting_columns`. Ready for
        ``lifelines.CoxTimeVaryingFitter().fit(df, id_col="id",
        start_col="start", stop_col="stop", event_col="event")`` after
        selecting numeric covariates.

    Raises
    ------
    ValidationError
        If validation fails or a case has no onset (``on_missing="raise"``).
    """
    onset = str(getattr(endpoint, "value", endpoint)) == "onset"
    ep = None if onset else resolution_endpoint(endpoint)
    kinds = tuple(time_varying)
    unknown = [k for k in kinds if k not in TIME_VARYING]
    if unknown:
        raise ValueError(f"unknown time_varying {unknown}; choose from {list(TIME_VARYING)}")
    kept, excluded = prepare(cases, check=check, need_onset=not onset, on_missing=on_missing)
    h = case_histories(kept, ep, time_varying=kinds, window=ana_window, scale=ana_scale)
    columns = counting_columns(kinds, onset=onset)
    sd = encode_counting(h, [c for c in columns if c in h.names])
    scale = "from the index date" if ep is None else "from onset"
    notes = [
        f"endpoint: {'onset' if ep is None else ep.value}; (start, stop] in days {scale}; "
        f"time-varying: {', '.join(kinds) or 'none'}"
    ]
    if excluded:
        notes.append(f"{len(excluded)} case(s) without onset excluded: {', '.join(excluded)}")
    return survival_frame(sd, columns, excluded=excluded, notes=notes)


@dataclass(frozen=True)
class CountingCheck:
    """Totals of a counting-process frame that passed :func:`check_counting_process`.

    Parameters
    ----------
    n_ids, n_rows, n_events : int
    time_at_risk : float
        Sum of ``stop - start``.
    """

    n_ids: int
    n_rows: int
    n_events: int
    time_at_risk: float


def _check_one(cid: Any, g: pd.DataFrame, origin: float | None, report: ProblemReport) -> None:
    start, stop, event = g["start"].to_numpy(), g["stop"].to_numpy(), g["event"].to_numpy()
    if origin is not None and start[0] != origin:
        report.add("start", f"first interval starts at {start[0]:g}, not {origin:g}", case_id=cid)
    gaps = np.nonzero(start[1:] != stop[:-1])[0]
    for k in gaps:
        what = "overlap" if start[k + 1] < stop[k] else "gap"
        report.add(
            "start",
            f"{what} between rows {k} and {k + 1}: stop {stop[k]:g}, next start {start[k + 1]:g}",
            case_id=cid,
        )  # noqa: E501
    empty = stop <= start
    if empty.any() and not (len(g) == 1 and stop[0] == start[0]):
        report.add("stop", f"{int(empty.sum())} interval(s) with stop <= start", case_id=cid)
    if not np.isin(event, (0, 1)).all():
        report.add("event", "event must be 0 or 1", case_id=cid)
    if event[:-1].any():
        report.add("event", "event on a row that is not the case's last", case_id=cid)


def check_counting_process(
    df: pd.DataFrame,
    reference: pd.DataFrame | None = None,
    *,
    origin: float | None = 0.0,
    rtol: float = 1e-9,
) -> CountingCheck:
    """Check that a counting-process frame tiles follow-up and keeps every event.

    Checks, per ``id``: intervals start at ``origin`` and are contiguous (no
    gap, no overlap), ``stop > start`` (a single ``(0, 0]`` row is allowed),
    events are 0/1 and only on the last row. With ``reference`` (the
    :func:`~ppprog.tables.resolution.resolution_table` of the same cases and
    endpoint): the same ids, each case's last ``stop`` equals its ``time``,
    its events equal its ``event``, and the totals (events and time at risk)
    agree.

    Parameters
    ----------
    df : pandas.DataFrame
        With columns ``id, start, stop, event``.
    reference : pandas.DataFrame, optional
        Resolution table with ``id, time, event``.
    origin : float or None, optional
        Required first start (None: not checked).
    rtol : float, optional
        Relative tolerance for times.

    Returns
    -------
    CountingCheck
        Totals of ``df``.

    Raises
    ------
    ValidationError
        Listing every problem by case id.
    """
    report = ProblemReport()
    missing = [c for c in ("id", "start", "stop", "event") if c not in df.columns]
    if missing:
        report.add("columns", f"missing columns {missing}")
        report.raise_if_any()
    ordered = df.sort_values(["id", "start", "stop"], kind="stable")
    groups = ordered.groupby("id", sort=False)
    for cid, g in groups:
        _check_one(cid, g, origin, report)
    if reference is not None:
        _check_reference(ordered, reference, rtol, report)
    report.raise_if_any()
    return CountingCheck(
        n_ids=int(df["id"].nunique()),
        n_rows=len(df),
        n_events=int(df["event"].sum()),
        time_at_risk=float((df["stop"] - df["start"]).sum()),
    )


def _check_reference(
    df: pd.DataFrame, ref: pd.DataFrame, rtol: float, report: ProblemReport
) -> None:  # noqa: E501
    df = df.assign(_at_risk=df["stop"] - df["start"])
    last = df.groupby("id", sort=False).agg(
        stop=("stop", "max"), event=("event", "sum"), at_risk=("_at_risk", "sum")
    )
    ref = ref.set_index("id")
    for cid in sorted(set(ref.index) ^ set(last.index), key=str):
        where = "resolution table" if cid in ref.index else "counting process"
        report.add("id", f"case only in the {where}", case_id=cid)
    both = ref.index.intersection(last.index)
    for cid in both:
        if not math.isclose(last.at[cid, "stop"], ref.at[cid, "time"], rel_tol=rtol, abs_tol=rtol):
            report.add(
                "stop",
                f"follow-up ends at {last.at[cid, 'stop']:g}, resolution time {ref.at[cid, 'time']:g}",
                case_id=cid,
            )  # noqa: E501
        if last.at[cid, "event"] != ref.at[cid, "event"]:
            report.add(
                "event",
                f"{last.at[cid, 'event']} event(s), resolution table {ref.at[cid, 'event']}",
                case_id=cid,
            )  # noqa: E501
    total, ref_total = float(last["at_risk"].sum()), float(ref["time"].sum())
    if not report and not math.isclose(total, ref_total, rel_tol=rtol, abs_tol=rtol):
        report.add("stop", f"total time at risk {total:g} != resolution table {ref_total:g}")
