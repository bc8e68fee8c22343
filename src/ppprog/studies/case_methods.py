"""Study method ``ana_high_at_onset``: what a report of a few cases would show about ANA.

For each replicate cohort of the ``"onset"`` generator, the cases (onsets
before the end of follow-up) are i.i.d.; taken ``n_cases`` at a time in subject
order they form independent simulated "reports of ``n_cases`` cases". The
method returns three estimands per replicate:

* ``case_ana_high``: the share of the replicate's cases that were ANA-high at
  onset (its expectation is the probability that a case is ANA-high at onset;
  declare its exact truth with
  ``truth = "exact:ppprog.simulate.exact:case_ana_high_from_params"``);
* ``cases_all_ana_high``: the share of the replicate's reports whose cases were
  all ANA-high at onset (truth ``"exact:ppprog.simulate.exact:cases_all_ana_high_from_params"``
  for two cases);
* ``n_cases``: the number of cases.

A cohort with fewer cases than a report needs has status ``no_events`` for the
first two.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ppprog.models.status import FitStatus
from ppprog.studies.methods import estimates_frame

__all__ = ["ana_high_at_onset"]


def _value_at(breaks: np.ndarray, values: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Value of a right-continuous step function at ``t`` (changes at ``breaks``)."""
    j = np.sum(breaks <= t[..., None], axis=-1)
    return np.take_along_axis(values, j[..., None], axis=-1)[..., 0]


def ana_high_at_onset(data: Any, *, n_cases: int = 2) -> pd.DataFrame:
    """Per replicate: share of cases ANA-high at onset, share of reports all ANA-high, cases.

    Parameters
    ----------
    data : CohortBatch
        A chunk of onset cohorts (``breaks``, ``segments["ana_high"]``,
        ``time``, ``event``).
    n_cases : int, optional
        Cases per simulated report.

    Returns
    -------
    pandas.DataFrame
        The runner's method format (estimands ``case_ana_high``,
        ``cases_all_ana_high``, ``n_cases``).
    """
    k = int(n_cases)
    high = _value_at(data.breaks, data.segments["ana_high"], data.time) > 0.5
    r = data.time.shape[0]
    est = np.full((r, 3), np.nan)
    se = np.full((r, 3), np.nan)
    status = np.zeros((r, 3), dtype=np.int64)
    for i in range(r):
        h = high[i, np.flatnonzero(data.event[i])]
        m = h.size
        est[i, 2] = m
        if m < k:
            status[i, :2] = FitStatus.NO_EVENTS
            continue
        est[i, 0] = float(h.mean())
        se[i, 0] = np.sqrt(est[i, 0] * (1.0 - est[i, 0]) / m)
        reports = h[: (m // k) * k].reshape(-1, k).all(axis=1)
        est[i, 1] = float(reports.mean())
        se[i, 1] = np.sqrt(est[i, 1] * (1.0 - est[i, 1]) / reports.size)
    nan = np.full_like(est, np.nan)
    return estimates_frame(["case_ana_high", "cases_all_ana_high", "n_cases"], est, se,
                           lower=nan, upper=nan, p=nan, status=status)  # fmt: skip
