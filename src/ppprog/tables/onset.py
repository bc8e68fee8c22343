"""Onset table: time from the index date to paradoxical psoriasis, non-cases censored."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ppprog.records.case import Case
from ppprog.records.quantities import TimeValue
from ppprog.tables._common import patient_row, prepare, time_bounds, to_frame
from ppprog.tables.covariates import DEFAULT_SCALE, AnaScale, ana_values
from ppprog.tables.schema import ONSET_COLUMNS

__all__ = ["onset_table"]


def onset_table(
    cases: Iterable[Case],
    *,
    ana_window: float | None = None,
    ana_scale: AnaScale = DEFAULT_SCALE,
    check: bool = True,
) -> pd.DataFrame:
    """Tabulate time from the index date (day 0) to onset, one row per treated patient.

    A patient who developed paradoxical psoriasis has ``time`` = onset day and
    ``event`` 1; a patient who never did is censored at the last follow-up
    (``event`` 0). No case is left out. The ANA covariate is the measurement
    in effect at day 0 (LOCF, e.g. a pre-treatment value).

    Parameters
    ----------
    cases : iterable of Case
    ana_window : float, optional
        Days a measurement stays in effect.
    ana_scale : AnaScale, optional
    check : bool, optional
        Validate the cases first (default True).

    Returns
    -------
    pandas.DataFrame
        Columns and dtypes of :data:`ppprog.tables.schema.ONSET_COLUMNS`, in
        the order of ``cases``.

    Raises
    ------
    ValidationError
        If validation fails.
    """
    kept, _ = prepare(cases, check=check, need_onset=False, on_missing="raise")
    rows = []
    index = TimeValue(0.0)
    for c in kept:
        end, event = (c.onset.day, 1) if c.onset is not None else (c.last_follow_up, 0)
        log2, cat, _ = ana_values(c, 0.0, window=ana_window, scale=ana_scale)
        rows.append(
            {
                "id": c.case_id,
                "event": event,
                **time_bounds(index, end),  # type: ignore[arg-type]
                "ana_log2_index": log2,
                "ana_category_index": cat,
                **patient_row(c),
            }
        )
    return to_frame(rows, ONSET_COLUMNS, [], ["time from the index date (day 0) in days"])
