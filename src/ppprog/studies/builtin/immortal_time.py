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

from dataclasses import dataclass

import numpy as np

from ppprog._core.errors import SpecError
from ppprog._core.typing import BoolArray, FloatArray

__all__ = [
    "SwitchDesign",
    "switch_counts",
    "naive_design",
    "time_varying_design",
    "landmark_design",
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
