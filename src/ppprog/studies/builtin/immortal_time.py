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

All functions work on padded arrays with a leading replicate axis ``(R, n)``
and return designs for the batched Cox engine (``X`` of shape ``(R, m, 1)``,
``start``, ``stop``, ``event``, ``mask``).

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

__all__ = [
    "SwitchDesign",
    "switch_counts",
    "naive_design",
    "time_varying_design",
    "landmark_design",
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


def naive_design(time: FloatArray, event: BoolArray, switches: FloatArray) -> SwitchDesign:
    """Total switch count over the whole course as a baseline covariate (biased).

    Parameters
    ----------
    time, event : numpy.ndarray, shape (R, n)
        Months from onset to resolution or last follow-up; resolution indicator.
    switches : numpy.ndarray, shape (R, n, K)
        Switch times (NaN-padded), each before ``time``.

    Returns
    -------
    SwitchDesign
    """
    _check(time, event, switches)
    x = switch_counts(switches)[..., None]
    return SwitchDesign(x, None, time.astype(float), event.astype(bool), np.ones(time.shape, bool))


def time_varying_design(time: FloatArray, event: BoolArray, switches: FloatArray) -> SwitchDesign:
    """Switches so far as a time-varying covariate in (start, stop] rows.

    Case ``i`` with ``s_i`` switches contributes ``s_i + 1`` rows: between
    consecutive switch times, with covariate ``0, 1, ..., s_i`` and the event
    on its last row. Rows are laid out as ``(R, n * (K + 1))`` with unused
    slots masked out.

    Parameters
    ----------
    time, event : numpy.ndarray, shape (R, n)
        Follow-up and resolution indicator.
    switches : numpy.ndarray, shape (R, n, K)
        Switch times (NaN-padded, ascending), each before ``time``.

    Returns
    -------
    SwitchDesign
    """
    _check(time, event, switches)
    r, n, k = switches.shape
    sw = np.sort(np.where(np.isfinite(switches), switches, np.inf), axis=-1)
    s = np.isfinite(sw).sum(axis=-1)  # (R, n)
    starts = np.concatenate([np.zeros((r, n, 1)), sw], axis=-1)  # (R, n, K+1)
    stops = np.concatenate([sw, np.full((r, n, 1), np.inf)], axis=-1)
    j = np.arange(k + 1)
    used = j[None, None, :] <= s[..., None]
    last = j[None, None, :] == s[..., None]
    stops = np.where(last, time[..., None], stops)
    starts = np.where(used, starts, 0.0)
    stops = np.where(used, stops, 1.0)
    ev = last & event[..., None].astype(bool)
    x = np.broadcast_to(j.astype(float), (r, n, k + 1))
    shape = (r, n * (k + 1))
    return SwitchDesign(
        x.reshape(shape)[..., None].copy(),
        starts.reshape(shape),
        stops.reshape(shape),
        ev.reshape(shape),
        used.reshape(shape),
    )


def landmark_design(
    time: FloatArray, event: BoolArray, switches: FloatArray, landmark: float
) -> SwitchDesign:
    """Landmark analysis: cases unresolved at ``landmark``, switches by then, time from then.

    Parameters
    ----------
    time, event : numpy.ndarray, shape (R, n)
        Follow-up and resolution indicator.
    switches : numpy.ndarray, shape (R, n, K)
        Switch times (NaN-padded), each before ``time``.
    landmark : float
        Landmark time (months after onset); must be positive.

    Returns
    -------
    SwitchDesign
        Right-censored data on the time scale since the landmark; cases that
        resolved or left follow-up by the landmark are masked out.
    """
    if not landmark > 0:
        raise SpecError(f"landmark must be positive, got {landmark!r}")
    _check(time, event, switches)
    at_risk = time > landmark
    x = switch_counts(switches, np.full(time.shape, landmark, dtype=float))[..., None]
    since = np.where(at_risk, time - landmark, 1.0)
    return SwitchDesign(x, None, since, event.astype(bool) & at_risk, at_risk)


# --- the section as a study -------------------------------------------------------------------


@dataclass(frozen=True)
class SwitchData:
    """A chunk of resolution cohorts with each case's drug-switch times (NaN-padded)."""

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
    return SwitchData(b.time, b.event, sw, float(params["landmark"]))


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
    if encoding == "naive":
        d = naive_design(data.time, data.event, data.switches)
    elif encoding == "time-varying":
        d = time_varying_design(data.time, data.event, data.switches)
    elif encoding == "landmark":
        d = landmark_design(data.time, data.event, data.switches, data.landmark)
    else:
        raise SpecError(f"unknown encoding {encoding!r}")
    rows = cox_rows(["switches"], d.X, d.stop, d.event, start=d.start, mask=d.mask, level=level)
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
