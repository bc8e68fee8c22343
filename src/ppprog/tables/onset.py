"""Onset table: time from the index date to paradoxical psoriasis, non-cases censored."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ppprog.records.case import Case
from ppprog.tables._common import prepare
from ppprog.tables.case_histories import case_histories
from ppprog.tables.covariates import DEFAULT_SCALE, AnaScale
from ppprog.tables.encode import encode_baseline
from ppprog.tables.schema import ONSET_COLUMNS
from ppprog.tables.view import survival_frame

__all__ = ["onset_table"]


def onset_table(
    cases: Iterable[Case],
    *,
    ana_window: float | None = None,
    ana_scale: AnaScale = DEFAULT_SCALE,
    check: bool = True,
) -> pd.DataFrame:
    """Tabulate time from the index date (day 0) to onset, one row per treated patient.

    A view of the one data path (cases -> histories on the onset scale ->
    :func:`~ppprog.tables.encode.encode_baseline` -> frame).

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
    sd = encode_baseline(case_histories(kept, None, window=ana_window, scale=ana_scale))
    return survival_frame(sd, ONSET_COLUMNS, notes=["time from the index date (day 0) in days"])
