"""Resolution table: one row per case, time from onset to resolution."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ppprog.records.case import Case
from ppprog.records.vocab import Endpoint
from ppprog.tables._common import prepare, resolution_endpoint
from ppprog.tables.case_histories import case_histories
from ppprog.tables.covariates import DEFAULT_SCALE, AnaScale
from ppprog.tables.encode import encode_baseline
from ppprog.tables.schema import RESOLUTION_COLUMNS
from ppprog.tables.view import survival_frame

__all__ = ["resolution_table"]


def resolution_table(
    cases: Iterable[Case],
    endpoint: Endpoint | str = "complete_resolution",
    *,
    on_missing: str = "raise",
    ana_window: float | None = None,
    ana_scale: AnaScale = DEFAULT_SCALE,
    check: bool = True,
) -> pd.DataFrame:
    """Tabulate time from onset to an endpoint, one row per case.

    A view of the one data path: cases -> :func:`~ppprog.tables.case_histories.case_histories`
    -> :func:`~ppprog.tables.encode.encode_baseline` -> frame. ``time`` is the day of the first ``endpoint`` event minus the onset day
    (``event`` 1), or the last follow-up minus the onset day (``event`` 0,
    censored). ``time_low``/``time_high`` are the widest times allowed by the
    bounds of both days, for sensitivity checks; ``time_approximate`` is set
    when either day is approximate. Baseline covariates are those of
    :data:`ppprog.tables.schema.BASELINE_COLUMNS`; the ANA at onset is the last
    measurement on or before the onset day.

    Parameters
    ----------
    cases : iterable of Case
    endpoint : {"complete_resolution", "pustule_clearance"}, optional
    on_missing : {"raise", "exclude"}, optional
        What to do with cases without onset: raise a ValidationError naming
        every such case (default), or leave them out and list their ids in
        ``frame.attrs["excluded"]``.
    ana_window : float, optional
        Days a measurement stays in effect (default: indefinitely).
    ana_scale : AnaScale, optional
        log2 reference, negative value and category thresholds.
    check : bool, optional
        Validate the cases first (default True) and raise on any problem.

    Returns
    -------
    pandas.DataFrame
        Columns and dtypes of :data:`ppprog.tables.schema.RESOLUTION_COLUMNS`,
        in the order of ``cases``. Usable with
        ``lifelines.CoxPHFitter().fit(df, "time", "event")`` after selecting
        numeric covariates.

    Raises
    ------
    ValidationError
        If validation fails or a case has no onset (``on_missing="raise"``).

    Examples
    --------
    >>> from ppprog._core.resources import data_path
    >>> from ppprog.records.io import read_cases
    >>> df = resolution_table(read_cases(data_path("cases", "seed_report.yaml")))
    >>> df[["id", "time", "event", "ana_category_onset"]].to_string(index=False)
    '         id  time  event ana_category_onset\\nseed-case-1 121.0      0           moderate\\nseed-case-2 568.0      0               high'
    """
    ep = resolution_endpoint(endpoint)
    kept, excluded = prepare(cases, check=check, need_onset=True, on_missing=on_missing)
    sd = encode_baseline(case_histories(kept, ep, window=ana_window, scale=ana_scale))
    notes = [f"endpoint: {ep.value}; time from onset in days"]
    if excluded:
        notes.append(f"{len(excluded)} case(s) without onset excluded: {', '.join(excluded)}")
    return survival_frame(sd, RESOLUTION_COLUMNS, excluded=excluded, notes=notes)
