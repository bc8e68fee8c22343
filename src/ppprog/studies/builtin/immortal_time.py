"""Three encodings of "number of drug switches" for a resolution analysis.

A case that switched treatment three times had to stay unresolved long enough
to switch three times: counting all switches of a case's course and using the
count as a baseline covariate lends the time before each switch to the
"switched" group (immortal time), so switching looks protective against
resolution (HR < 1) even when it has no effect (Suissa 2008). The remedies:

* ``time-varying``: the count of switches *so far*, in counting-process
  (start, stop] form; unbiased for a true per-switch effect;
* ``landmark``: only cases still unresolved and under follow-up at a landmark
  time ``L``, with the count of switches by ``L`` as a baseline covariate and
  time measured from ``L`` (Anderson, Cain & Gelber 1983); unbiased for the
  null, though not for the same estimand when switching has an effect.

The three encodings are the shared encoders of :mod:`ppprog.tables.encode`
applied to each case's switch count as a step function
(:func:`switch_histories`), the same functions that encode case records and
every simulated cohort; times are in days.

References
----------
Suissa S. Immortal time bias in pharmaco-epidemiology. Am J Epidemiol
2008;167:492-499.
Anderson JR, Cain KC, Gelber RD. Analysis of survival by tumor response.
J Clin Oncol 1983;1:710-719.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ppprog._core.errors import SpecError
from ppprog._core.typing import BoolArray, FloatArray
from ppprog.simulate.cohort import CohortBatch
from ppprog.simulate.spec import STRATEGIES
from ppprog.studies.builtin.common import (
    count_rows,
    cox_rows,
    generate_cohorts,
    section_seed,
)
from ppprog.studies.design import Estimand, Study
from ppprog.studies.methods import Method
from ppprog.tables.data import SurvivalData
from ppprog.tables.encode import encode_baseline, encode_counting, encode_landmark
from ppprog.tables.histories import SubjectHistories
from ppprog.tables.schema import DAYS_PER_MONTH

__all__ = [
    "switch_counts",
    "switch_histories",
    "switch_data",
    "SwitchData",
    "switch_times",
    "switch_generator",
    "switch_method",
    "build_study",
]


@dataclass(frozen=True)
class SwitchDesign:
    """A batched Cox design for one encoding.

    Parameters
    ----------
    X : numpy.ndarray, shape (R, m, 1)
        The switch count (total, so far, or by the landmark).
    start : numpy.ndarray or None, shape (R, m)
        Entry times for (start, stop] rows; None for plain right-censored data.
    stop : numpy.ndarray, shape (R, m)
        Exit times.
    event : numpy.ndarray of bool, shape (R, m)
        Resolution at ``stop``.
    mask : numpy.ndarray of bool, shape (R, m)
        Rows that belong to the analysis (padding and excluded cases are False).
    """

    X: FloatArray
    start: FloatArray | None
    stop: FloatArray
    event: BoolArray
    mask: BoolArray


def _check(time: FloatArray, event: BoolArray, switches: FloatArray) -> None:
    if time.ndim != 2 or event.shape != time.shape:
        raise SpecError(f"time and event must share shape (R, n), got {time.shape}, {event.shape}")
    if switches.ndim != 3 or switches.shape[:2] != time.shape:
        raise SpecError(f"switch times must have shape (R, n, K), got {switches.shape}")
    late = np.isfinite(switches) & (switches >= time[..., None])
    if late.any():
        raise SpecError("switch times must precede the end of follow-up (time)")


def switch_counts(switches: FloatArray, at: FloatArray | None = None) -> FloatArray:
    """Number of switches per case, in total or strictly before ``at``.

    Parameters
    ----------
    switches : numpy.ndarray, shape (R, n, K)
        Switch times, NaN-padded.
    at : numpy.ndarray, shape (R, n) or broadcastable, optional
        Count only switches before this time.

    Returns
    -------
    numpy.ndarray of float, shape (R, n)
    """
    done = np.isfinite(switches)
    if at is not None:
        done &= switches < np.asarray(at, dtype=float)[..., None]
    return done.sum(axis=-1).astype(float)


def switch_histories(time: FloatArray, event: BoolArray, switches: FloatArray) -> SubjectHistories:
    """Each case's follow-up with its switch count as a step function.

    Columns: ``switches`` (time-varying: switches so far, a step of 1 at each
    switch) and ``switches_total`` (baseline: every switch of the course, which
    looks into the future).

    Parameters
    ----------
    time, event : numpy.ndarray, shape (R, n)
        Follow-up from onset and resolution indicator.
    switches : numpy.ndarray, shape (R, n, K)
        Switch times (NaN-padded), each before ``time``.

    Returns
    -------
    SubjectHistories
        For the shared encoders of :mod:`ppprog.tables.encode`.
    """
    _check(time, event, switches)
    k = switches.shape[-1]
    steps = np.broadcast_to(np.arange(k + 1, dtype=float), time.shape + (k + 1,))
    return SubjectHistories.from_arrays(
        np.asarray(time, dtype=float), np.asarray(event, dtype=bool),
        baseline={"switches_total": switch_counts(switches)},
        changes=switches, varying={"switches": steps},
    )  # fmt: skip


def switch_data(h: SubjectHistories, encoding: str, landmark: float) -> SurvivalData:
    """The switch count in one encoding, through the shared encoders.

    * ``"naive"``: the total count as a baseline covariate, one row per case
      (:func:`~ppprog.tables.encode.encode_baseline`; biased);
    * ``"time-varying"``: the count so far on (start, stop] rows
      (:func:`~ppprog.tables.encode.encode_counting`);
    * ``"landmark"``: cases still unresolved and followed at ``landmark``,
      with the count by then (switches at ``landmark`` included), time from
      the landmark (:func:`~ppprog.tables.encode.encode_landmark`).

    Parameters
    ----------
    h : SubjectHistories
        From :func:`switch_histories`.
    encoding : {"naive", "time-varying", "landmark"}
    landmark : float
        Landmark time (same unit as ``h``); must be positive for ``"landmark"``.

    Returns
    -------
    SurvivalData
        One covariate (the count).
    """
    if encoding == "naive":
        return encode_baseline(h, ["switches_total"])
    if encoding == "time-varying":
        return encode_counting(h, ["switches"])
    if encoding == "landmark":
        if not landmark > 0:
            raise SpecError(f"landmark must be positive, got {landmark!r}")
        return encode_landmark(h, landmark, ["switches"])
    raise SpecError(f"unknown encoding {encoding!r}")


# --- the section as a study -------------------------------------------------------------------


@dataclass(frozen=True)
class SwitchData:
    """A chunk of resolution cohorts with each case's drug-switch times (NaN-padded), in days."""

    time: FloatArray
    event: BoolArray
    switches: FloatArray
    landmark: float
    truth: None = None


def switch_times(batch: CohortBatch, strategies: Sequence[str]) -> FloatArray:
    """Times of the changes to a new drug before each case's exit.

    Parameters
    ----------
    batch : CohortBatch
        Resolution cohorts (management breaks and strategy codes).
    strategies : sequence of str
        Strategies that mean a new drug (e.g. ``switch_tnf``, ``switch_class``).

    Returns
    -------
    numpy.ndarray, shape (R, n, K)
        Switch times, NaN where a change is not a switch or happens after exit.
    """
    codes = [STRATEGIES.index(s) for s in strategies]
    new = batch.segments["strategy"][..., 1:]
    is_switch = np.isin(new, codes)
    seen = batch.breaks < batch.time[..., None]
    return np.where(is_switch & seen, batch.breaks, np.nan)


def switch_generator(
    params: Mapping[str, Any], *, replicates: int, seed: int, scenario: int, first_replicate: int
) -> SwitchData:
    """Resolution cohorts for section 3 (runner generator protocol).

    Parameters
    ----------
    params : mapping
        ``n``, ``switch_rate``, ``spec_changes``, ``switch_strategies``, ``landmark``.
    replicates, seed, scenario, first_replicate : int
        As for :func:`ppprog.simulate.cohort.generate`.

    Returns
    -------
    SwitchData
    """
    changes = {**params["spec_changes"], "resolution.management.rate": float(params["switch_rate"])}
    b = generate_cohorts("resolution", params, changes, replicates=replicates, seed=seed,
                         scenario=scenario, first_replicate=first_replicate)  # fmt: skip
    sw = switch_times(b, params["switch_strategies"])
    d = DAYS_PER_MONTH  # the generator's months become the tables' days
    return SwitchData(b.time * d, b.event, sw * d, float(params["landmark"]) * d)


def switch_method(data: SwitchData, *, encoding: str, level: float = 0.95) -> pd.DataFrame:
    """Cox fit of resolution on the switch count in one encoding.

    Parameters
    ----------
    data : SwitchData
        The chunk.
    encoding : {"naive", "time-varying", "landmark"}
        How the count enters the model.
    level : float, optional
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        Estimand ``switches`` (log HR per switch) and ``n_switches`` (mean
        switches per case in the chunk's replicate).
    """
    sd = switch_data(
        switch_histories(data.time, data.event, data.switches), encoding, data.landmark
    )
    start = sd.start if sd.has_entry else None
    rows = cox_rows(["switches"], sd.X, sd.stop, sd.event_indicator(), start=start, mask=sd.mask,
                    level=level)  # fmt: skip
    counts = count_rows("switches_per_case", switch_counts(data.switches).mean(axis=1))
    return pd.concat([rows, counts], ignore_index=True)


def build_study(settings: Mapping[str, Any]) -> Study:
    """The section-3 study from ``[immortal_time]``.

    Parameters
    ----------
    settings : mapping
        Loaded settings.

    Returns
    -------
    Study
    """
    sec, top = settings["immortal_time"], settings["study"]
    base = {
        "n": int(sec["cohort_size"]), "landmark": float(sec["landmark_months"]),
        "spec_changes": dict(sec["spec_changes"]),
        "switch_strategies": list(sec["switch_strategies"]),
    }  # fmt: skip
    methods = tuple(
        Method(label, switch_method, {"encoding": enc})
        for label, enc in (
            ("baseline count (naive)", "naive"),
            ("time-varying count", "time-varying"),
            (f"landmark at {base['landmark']:g} months", "landmark"),
        )
    )
    return Study(
        name="immortal-time", generator=switch_generator, methods=methods,
        estimands=(Estimand("switches", truth=0.0),),
        replicates=int(sec["replicates"]), seed=section_seed(int(top["seed"]), "immortal_time"),
        base=base, grid={"switch_rate": [float(x) for x in sec["switch_rates"]]},
        alpha=float(top["alpha"]), level=float(top["level"]),
        description="Number of drug switches: baseline vs time-varying vs landmark (null).",
    )  # fmt: skip


def summarize(result: Any) -> pd.DataFrame:
    """Bias, empirical SE, coverage and type-I error per encoding, with MC SEs.

    Parameters
    ----------
    result : StudyResult
        The run of the section-3 study.

    Returns
    -------
    pandas.DataFrame
        One row per (switch rate, encoding): ``switch_rate, method, label,
        bias, bias_mcse, hr`` (``exp(mean estimate)``), ``empse, coverage,
        coverage_mcse, rejection, rejection_mcse, n_used, n_nonconverged,
        mean_switches``.
    """
    perf = result.performance()
    perf = perf[perf["estimand"] == "switches"].copy()
    tab = result.replicates
    sw = tab[tab["estimand"] == "switches_per_case"].groupby(["scenario", "method"])["estimate"]
    perf = perf.merge(sw.mean().rename("mean_switches").reset_index(), on=["scenario", "method"])
    perf["hr"] = np.exp(perf["mean_estimate"])
    perf["label"] = [f"{m} (rate {r:g}/month)" for m, r in zip(perf["method"], perf["switch_rate"])]
    perf = perf.rename(columns={"power": "rejection", "power_mcse": "rejection_mcse"})
    keep = ["scenario", "switch_rate", "method", "label", "bias", "bias_mcse", "hr", "empse",
            "coverage", "coverage_mcse", "rejection", "rejection_mcse", "n_used", "n_total",
            "n_nonconverged", "mean_switches"]  # fmt: skip
    return perf[keep].reset_index(drop=True)
