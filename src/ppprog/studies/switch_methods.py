"""Study method ``switch_cox``: the number of drug switches in three encodings.

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
(the general counting-process path that also encodes case records and every
simulated cohort) applied to each case's switch count as a step function
(:func:`switch_histories`); times are in days. The method takes a chunk of
the ``"resolution"`` generator; drug switches are its management changes to
another drug (``resolution.management.rate`` sets how often they happen).

References
----------
Suissa S. Immortal time bias in pharmaco-epidemiology. Am J Epidemiol
2008;167:492-499.
Anderson JR, Cain KC, Gelber RD. Analysis of survival by tumor response.
J Clin Oncol 1983;1:710-719.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ppprog._core.errors import SpecError
from ppprog._core.typing import BoolArray, FloatArray
from ppprog.studies.methods import estimates_frame
from ppprog.tables.data import SurvivalData
from ppprog.tables.encode import encode_baseline, encode_counting, encode_landmark
from ppprog.tables.histories import SubjectHistories
from ppprog.tables.schema import DAYS_PER_MONTH

__all__ = [
    "switch_counts", "switch_histories", "switch_data", "switch_times", "switch_cox", "ENCODINGS",
]  # fmt: skip

#: The encodings of the switch count.
ENCODINGS = ("naive", "time-varying", "landmark")


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


def switch_times(batch: Any, strategies: Sequence[str]) -> FloatArray:
    """Times of the changes to a new drug before each case's exit.

    Parameters
    ----------
    batch : CohortBatch
        Resolution cohorts (``breaks``, ``segments["strategy"]``, ``time``).
    strategies : sequence of str
        Strategies that mean a new drug (e.g. ``switch_tnf``, ``switch_class``).

    Returns
    -------
    numpy.ndarray, shape (R, n, K)
        Switch times, NaN where a change is not a switch or happens after exit.
    """
    from ppprog.simulate.spec import STRATEGIES

    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown:
        raise SpecError(f"unknown strategies {unknown}; known: {list(STRATEGIES)}")
    codes = [STRATEGIES.index(s) for s in strategies]
    new = batch.segments["strategy"][..., 1:]
    is_switch = np.isin(new, codes)
    seen = batch.breaks < batch.time[..., None]
    return np.where(is_switch & seen, batch.breaks, np.nan)


def switch_cox(
    data: Any, *, encoding: str, strategies: Sequence[str] = ("switch_tnf", "switch_class"),
    landmark_months: float = 3.0, level: float = 0.95,
) -> pd.DataFrame:  # fmt: skip
    """Cox fit of resolution on the number of drug switches in one encoding.

    Parameters
    ----------
    data : CohortBatch
        A chunk of resolution cohorts (months).
    encoding : {"naive", "time-varying", "landmark"}
        How the count enters the model (see :func:`switch_data`).
    strategies : sequence of str, optional
        Management strategies that count as a switch (a change to a new drug;
        a stop is not).
    landmark_months : float, optional
        Landmark time of the ``landmark`` encoding.
    level : float, optional
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        Estimand ``switches`` (log HR per switch; failed fits keep their status)
        and ``switches_per_case`` (mean switches per case in the replicate).
    """
    from ppprog.models.cox_batch import cox_ph_batch

    if encoding not in ENCODINGS:
        raise SpecError(f"encoding must be one of {list(ENCODINGS)}, got {encoding!r}")
    d = DAYS_PER_MONTH  # the generator's months become the tables' days
    sw = switch_times(data, strategies) * d
    sd = switch_data(switch_histories(data.time * d, data.event, sw), encoding, landmark_months * d)
    start = sd.start if sd.has_entry else None
    ev = sd.event_indicator()
    fit = cox_ph_batch(sd.X, sd.stop, ev, start=start, mask=sd.mask, ties="efron")
    rows = estimates_frame(["switches"], fit.params, fit.se, level=level, status=fit.status,
                           n_events=(ev & sd.mask).sum(axis=1))  # fmt: skip
    v = switch_counts(sw).mean(axis=1)[:, None]
    nan = np.full_like(v, np.nan)
    counts = estimates_frame(["switches_per_case"], v, nan, lower=nan, upper=nan, p=nan)
    return pd.concat([rows, counts], ignore_index=True)
