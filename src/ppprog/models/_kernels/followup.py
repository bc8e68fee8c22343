"""Sufficient follow-up for a cure fraction: the Maller-Zhou test, batched.

With ``t_n`` the largest observed time, ``t*`` the largest event time and
``delta = t_n - t*`` the length of the plateau after the last event,
``N_n`` counts the events in ``(t* - delta, t*]`` (equivalently
``(2 t* - t_n, t*]``). Under the null hypothesis of *insufficient* follow-up
(the latency distribution's support extends beyond the censoring
distribution's) events keep occurring right up to the end, so a long plateau
preceded by few late events is unlikely; the approximate p-value is
``(1 - N_n / n)^n``. A small p-value supports sufficient follow-up. When the
last observed time is an event (``delta = 0``) the interval is empty, ``N_n =
0`` and the p-value is 1.
"""

from __future__ import annotations

import numpy as np

from ppprog._core.typing import BoolArray, FloatArray

__all__ = ["maller_zhou"]


def maller_zhou(
    time: FloatArray, event: BoolArray, mask: BoolArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Maller-Zhou test of sufficient follow-up, per replicate.

    Parameters
    ----------
    time : ndarray, shape (R, m)
        Observed times.
    event : ndarray of bool, shape (R, m)
        Event indicators.
    mask : ndarray of bool, shape (R, m)
        Real rows.

    Returns
    -------
    p_value : ndarray, shape (R,)
        ``(1 - N_n / n)^n`` (1 when there are no events).
    n_late : ndarray, shape (R,)
        ``N_n``, events in ``(2 t* - t_n, t*]``.
    plateau : ndarray, shape (R,)
        ``t_n - t*`` (NaN without events).

    References
    ----------
    Maller RA, Zhou X (1996). Survival Analysis with Long-Term Survivors.
    Wiley, section 4.3.
    """
    ev = event & mask
    n = mask.sum(axis=1).astype(np.float64)
    t_n = np.where(mask, time, -np.inf).max(axis=1)
    t_star = np.where(ev, time, -np.inf).max(axis=1)
    has = np.isfinite(t_star)
    plateau = np.where(has, t_n - t_star, np.nan)
    left = np.where(has, t_star - np.nan_to_num(plateau), np.inf)
    late = ev & (time > left[:, None]) & (time <= t_star[:, None])
    n_late = late.sum(axis=1).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(has & (n > 0), (1.0 - n_late / n) ** n, 1.0)
    return p, n_late, plateau
