"""A simulated cohort's arrays -> SubjectHistories (days): the generator side of the one data path.

The generator works in months; here its times become days
(:data:`ppprog.tables.schema.DAYS_PER_MONTH`), the unit of every table, and
its per-segment arrays become the step functions that
:mod:`ppprog.tables.encode` turns into rows, exactly as for case records.

Columns of the histories:

* design columns (:func:`~ppprog.simulate.spec.design_columns`): the numeric
  baseline columns and the time-varying ones (``ana_high`` on onset
  cohorts, ``strategy[...]`` on resolution cohorts) that the models fit;
* with ``table=True``, also the schema's baseline columns under their real
  names (:data:`~ppprog.tables.schema.BASELINE_COLUMNS` or
  :data:`~ppprog.tables.schema.ONSET_BASELINE_COLUMNS`), with the values that
  :meth:`CohortBatch.to_cases` records and the table builders read back.

The cause of each exit is the generator's status (0 censored, 1 endpoint,
2 death, 3 lost to follow-up), the codes of :data:`ppprog.tables.schema.CAUSES`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ppprog._core.errors import SpecError
from ppprog.records.quantities import DEFAULT_TITER_THRESHOLDS
from ppprog.simulate.spec import EXTENTS
from ppprog.tables.counting import counting_columns, counting_process
from ppprog.tables.data import SurvivalData
from ppprog.tables.encode import encode_baseline, encode_counting
from ppprog.tables.histories import SubjectHistories
from ppprog.tables.schema import DAYS_PER_MONTH, ONSET_COLUMNS, RESOLUTION_COLUMNS, TIME_UNIT
from ppprog.tables.view import survival_frame

if TYPE_CHECKING:
    from ppprog.simulate.cohort import CohortBatch

__all__ = [
    "cohort_histories",
    "cohort_data",
    "cohort_frame",
    "baseline_arrays",
    "DERIVED",
    "ANA_CATEGORIES",
    "SEXES",
]

#: Levels of the ANA category columns (codes of the histories).
ANA_CATEGORIES = ("negative", "low", "moderate", "high")
#: Levels of ``sex`` in a simulated cohort.
SEXES = ("female", "male")


def _ana(titer: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """log2(titer / 40) (-1 when negative) and the category code, as the records code them."""
    low, high = DEFAULT_TITER_THRESHOLDS
    positive = titer > 0
    with np.errstate(divide="ignore"):
        log2 = np.where(positive, np.log2(np.where(positive, titer, 40.0) / 40.0), -1.0)
    cat = np.where(~positive, 0.0, np.where(titer < low, 1.0, np.where(titer < high, 2.0, 3.0)))
    return log2, cat


def _table_columns(batch: CohortBatch) -> tuple[dict[str, np.ndarray], dict[str, tuple[str, ...]]]:
    from ppprog.simulate._cases import onset_days

    cov = batch.covariates
    levels = batch.levels
    cols: dict[str, np.ndarray] = {}
    lv: dict[str, tuple[str, ...]]
    if batch.spec.endpoint == "onset":
        log2, cat = _ana(batch.extra["ana_titer0"])
        cols.update(ana_log2_index=log2, ana_category_index=cat)
        lv = {"ana_category_index": ANA_CATEGORIES}
    else:
        log2, cat = _ana(cov["ana_titer"])
        cols.update(onset_day=onset_days(batch), ana_log2_onset=log2, ana_category_onset=cat,
                    pustular_extent=cov["extent"].astype(np.float64))  # fmt: skip
        lv = {"ana_category_onset": ANA_CATEGORIES, "pustular_extent": EXTENTS}
    cols.update(
        age=cov["age"].astype(np.float64),
        sex=np.where(cov["female"], 0.0, 1.0),
        disease=cov["disease"].astype(np.float64),
        de_novo=np.full(batch.time.shape, np.nan),
        agent=cov["agent"].astype(np.float64),
        time_approximate=np.zeros(batch.time.shape),
    )
    lv = {**lv, "sex": SEXES, "disease": tuple(levels["disease"]), "agent": tuple(levels["agent"])}
    return cols, lv


def cohort_histories(batch: CohortBatch, *, table: bool = False) -> SubjectHistories:
    """Histories of every subject of a batch, times in days.

    Parameters
    ----------
    batch : CohortBatch
        Simulated cohorts (time in months).
    table : bool, optional
        Add the schema's baseline columns (real names, categorical codes).

    Returns
    -------
    SubjectHistories
        Shape ``(R, n)``; ids ``"s{i}"``; exact times (``time_low == time_high
        == exit``).
    """
    base_names, tv_names = batch.names
    baseline: dict[str, Any] = {c: batch.design[c] for c in base_names}
    levels: dict[str, tuple[str, ...]] = {}
    if table:
        cols, levels = _table_columns(batch)
        baseline.update(cols)
    exit_days = batch.time * DAYS_PER_MONTH
    with np.errstate(over="ignore"):  # change times near the largest float: never, inf
        changes = batch.breaks * DAYS_PER_MONTH
    return SubjectHistories.from_arrays(
        exit_days,
        batch.status.astype(np.int64),
        baseline=baseline,
        changes=changes,
        varying={c: batch.segments[c] for c in tv_names},
        ids=tuple(f"s{i}" for i in range(batch.n)),
        levels=levels,
        time_low=exit_days,
        time_high=exit_days,
    )


#: Derived per-subject summaries accepted by :func:`baseline_arrays`.
DERIVED = ("n_changes", "n_drug_switches", "ever_changed", "ana_high_ever")


def _col0(batch: CohortBatch, name: str) -> np.ndarray:
    if name in batch.design:
        return batch.design[name]
    return np.asarray(batch.segments[name][..., 0], dtype=np.float64)


def _derived(batch: CohortBatch, name: str) -> np.ndarray:
    before = batch.breaks < batch.time[..., None]  # changes that happened while at risk
    if name == "ana_high_ever":
        if "ana_high" not in batch.segments:
            raise SpecError("ana_high_ever needs an onset cohort (time-varying ANA)")
        high = batch.segments["ana_high"] > 0
        seen = np.concatenate([np.ones(before.shape[:-1] + (1,), dtype=bool), before], axis=-1)
        return np.asarray(np.any(high & seen, axis=-1), dtype=np.float64)
    if "strategy" not in batch.segments:
        raise SpecError(f"{name} needs a resolution cohort (management process)")
    if name == "n_changes":
        return np.asarray(before.sum(axis=-1), dtype=np.float64)
    if name == "ever_changed":
        return np.asarray(before.any(axis=-1), dtype=np.float64)
    strategy = batch.segments["strategy"][..., 1:]
    drug = (strategy == 2) | (strategy == 3)
    return np.asarray((before & drug).sum(axis=-1), dtype=np.float64)


def baseline_arrays(batch: CohortBatch, names: list[str] | None) -> tuple[np.ndarray, list[str]]:
    """See :meth:`CohortBatch.baseline_arrays`."""
    base, tv = batch.names
    names = list(base) if names is None else list(names)
    unknown = [c for c in names if c not in base and c not in tv and c not in DERIVED]
    if unknown:
        raise SpecError(f"unknown columns {unknown}; available: {base + tv + list(DERIVED)}")
    R, n = batch.time.shape
    cols = [_derived(batch, c) if c in DERIVED else _col0(batch, c) for c in names]
    X = np.stack(cols, axis=-1) if cols else np.zeros((R, n, 0))
    return X, names


def cohort_data(
    batch: CohortBatch, time_varying: bool, covariates: list[str] | None
) -> SurvivalData:
    """See :meth:`CohortBatch.counting`."""
    base, tv = batch.names
    names = base + tv if covariates is None else list(covariates)
    unknown = [c for c in names if c not in base and c not in tv]
    if unknown:
        raise SpecError(f"unknown design columns {unknown}; available: {base + tv}")
    h = cohort_histories(batch)
    return encode_counting(h, names) if time_varying else encode_baseline(h, names)


def _frame_attrs(frame: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    frame.attrs.update(time_unit=TIME_UNIT, excluded=[], notes=notes)
    return frame


def cohort_frame(batch: CohortBatch, kind: str) -> pd.DataFrame:
    """See :meth:`CohortBatch.to_frame`."""
    from ppprog.simulate._cases import case_ids

    onset = batch.spec.endpoint == "onset"
    reps = batch.replicates
    if kind == "counting":
        endpoint = "onset" if onset else "complete_resolution"
        parts = [
            counting_process(batch.to_cases(r), endpoint, check=False).assign(replicate=reps[r])
            for r in range(len(reps))
        ]
    elif kind == "subjects":
        cols = ONSET_COLUMNS if onset else RESOLUTION_COLUMNS
        h = cohort_histories(batch, table=True)
        sd = encode_baseline(h, [c for c in cols if c in h.names])
        parts = [
            survival_frame(replace(sd.replicate(r), ids=case_ids(batch, r)), cols,
                           replicate=reps[r : r + 1])
            for r in range(len(reps))
        ]  # fmt: skip
    else:
        raise SpecError(f"kind must be 'subjects' or 'counting', got {kind!r}")
    if not parts:  # no replicates
        cols = counting_columns(onset=onset) if kind == "counting" else cols
        parts = [pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})]
    scale = "from the index date to onset" if onset else "from onset to complete resolution"
    out = pd.concat(parts, ignore_index=True)
    return _frame_attrs(out, [f"simulated {batch.spec.endpoint} cohort; time in days {scale}"])
