"""Input checks and conversions shared by the Kaplan-Meier and log-rank front ends.

Arrays are validated here (numeric, finite, 0/1 events, entry < time, R's
``timefix``); a DataFrame or a :class:`~ppprog.tables.data.SurvivalData`
passed in place of ``time`` goes through
:func:`ppprog.tables.frame.as_survival_data` first, so that tables of real
and simulated cases reach the estimators by the same path.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from ppprog._core.errors import ModelError
from ppprog.models._kernels.km import merge_near_ties
from ppprog.models.frontend import event_of_interest, one_replicate
from ppprog.tables.data import SurvivalData
from ppprog.tables.frame import as_survival_data

__all__ = [
    "as_1d",
    "as_float",
    "as_event",
    "as_labels",
    "check_length",
    "check_survival",
    "check_times",
    "survival_input",
]


_E = TypeVar("_E", bound=np.generic)


def as_1d(x: ArrayLike, name: str) -> NDArray[np.float64]:
    """Coerce a 1-D numeric input (NaN and infinities allowed; not copied).

    Parameters
    ----------
    x : array_like
        Input (list, numpy array or pandas Series).
    name : str
        Parameter name used in the error message.

    Returns
    -------
    numpy.ndarray of float

    Raises
    ------
    ModelError
        Non-numeric or not one-dimensional.
    """
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ModelError(f"{name} must be numeric: {exc}") from exc
    if arr.ndim != 1:
        raise ModelError(f"{name} must be one-dimensional, got shape {arr.shape}")
    return arr


def as_float(x: ArrayLike, name: str) -> NDArray[np.float64]:
    """Coerce a 1-D numeric input, rejecting NaN and infinities.

    Parameters
    ----------
    x : array_like
        Input (list, numpy array or pandas Series).
    name : str
        Parameter name used in the error message.

    Returns
    -------
    numpy.ndarray of float

    Raises
    ------
    ModelError
        Non-numeric, not one-dimensional, or holding NaN / infinite values.
    """
    arr = as_1d(x, name)
    bad = ~np.isfinite(arr)
    if bad.any():
        raise ModelError(
            f"{name} has {int(bad.sum())} missing or infinite values (first at row {int(np.argmax(bad))})"
        )
    return arr


def as_event(x: ArrayLike, n: int) -> NDArray[np.bool_]:
    """Coerce the event indicator; only 0/1 (or booleans) are accepted.

    Parameters
    ----------
    x : array_like
        Event indicator.
    n : int
        Expected length.

    Returns
    -------
    numpy.ndarray of bool
    """
    arr = as_float(x, "event")
    check_length(arr, n, "event")
    bad = (arr != 0) & (arr != 1)
    if bad.any():
        raise ModelError(f"event must be 0/1, found {arr[bad][0]!r} at row {int(np.argmax(bad))}")
    return arr == 1


def as_labels(x: ArrayLike, n: int, name: str) -> tuple[NDArray[np.intp], tuple[Hashable, ...]]:
    """Factorize group or stratum labels (sorted levels, as R's ``factor``).

    Parameters
    ----------
    x : array_like
        Labels; missing values are rejected.
    n : int
        Expected length.
    name : str
        Parameter name used in error messages.

    Returns
    -------
    codes : numpy.ndarray of int
        Level index per row.
    levels : tuple
        Sorted distinct labels.
    """
    values = x.reset_index(drop=True) if isinstance(x, pd.Series) else pd.Series(np.asarray(x))
    check_length(values.to_numpy(), n, name)
    if values.isna().any():
        raise ModelError(f"{name} has {int(values.isna().sum())} missing values")
    if isinstance(values.dtype, pd.CategoricalDtype):
        # R keeps factor-level order and drops unused levels (survival's strata())
        values = values.cat.remove_unused_categories()
        return values.cat.codes.to_numpy().astype(np.intp), tuple(values.cat.categories.tolist())
    codes, levels = pd.factorize(values, sort=True)
    return codes.astype(np.intp), tuple(levels.tolist())


def check_length(arr: NDArray[Any], n: int, name: str) -> None:
    """Raise :class:`ModelError` when ``arr`` does not have ``n`` rows.

    Parameters
    ----------
    arr : numpy.ndarray
        Array to check.
    n : int
        Expected number of rows.
    name : str
        Parameter name used in the error message.
    """
    if arr.shape[0] != n:
        raise ModelError(f"{name} has {arr.shape[0]} rows, expected {n} (the length of time)")


def check_survival(
    time: ArrayLike, event: ArrayLike, entry: ArrayLike | None, timefix: bool = True
) -> tuple[NDArray[np.float64], NDArray[np.bool_], NDArray[np.float64] | None]:
    """Validate ``time``, ``event`` and ``entry`` together.

    Parameters
    ----------
    time : array_like
        Exit times (finite, >= 0, at least one).
    event : array_like
        0/1 indicators of the same length.
    entry : array_like or None
        Entry times, each strictly below its exit time.
    timefix : bool, optional
        Merge near-tied times as R's ``timefix = TRUE`` (``aeqSurv``).

    Returns
    -------
    time, event, entry : numpy.ndarray
        Coerced arrays (``entry`` None when not given).
    """
    return check_times(time, event, entry, timefix, as_event)


def check_times(
    time: ArrayLike,
    event: ArrayLike,
    entry: ArrayLike | None,
    timefix: bool,
    coerce_event: Callable[[ArrayLike, int], NDArray[_E]],
) -> tuple[NDArray[np.float64], NDArray[_E], NDArray[np.float64] | None]:
    """Validate ``time``, ``entry`` and events coerced by ``coerce_event``.

    Parameters
    ----------
    time : array_like
        Exit times (finite, >= 0, at least one).
    event : array_like
        Events, passed to ``coerce_event`` with the number of rows.
    entry : array_like or None
        Entry times, each strictly below its exit time.
    timefix : bool
        Merge near-tied times as R's ``timefix = TRUE`` (``aeqSurv``).
    coerce_event : callable
        ``coerce_event(event, n)`` returns the checked events
        (:func:`as_event` for 0/1, ``as_codes`` of competing risks for codes).

    Returns
    -------
    time, event, entry : numpy.ndarray
        Coerced arrays (``entry`` None when not given).
    """
    t = as_float(time, "time")
    if t.size == 0:
        raise ModelError("time is empty")
    if (t < 0).any():
        raise ModelError(f"time must be >= 0; row {int(np.argmax(t < 0))} has {t[t < 0][0]!r}")
    e = coerce_event(event, t.size)
    en = None
    if entry is not None:
        en = as_float(entry, "entry")
        check_length(en, t.size, "entry")
        bad = en >= t
        if bad.any():
            i = int(np.argmax(bad))
            raise ModelError(f"entry must be < time; row {i} has entry {en[i]!r} >= time {t[i]!r}")
    if timefix:
        try:
            t, en = merge_near_ties(t, en)
        except ValueError as exc:
            raise ModelError(f"entry/time: {exc}; pass timefix=False to keep exact times") from exc
    return t, e, en


def _labels_from(sd: SurvivalData, frame: pd.DataFrame | None, value: Any, name: str) -> Any:
    """Label values of ``group``/``strata`` given as a column or covariate name."""
    if not isinstance(value, str):
        return value
    if frame is not None:
        if value not in frame.columns:
            raise ModelError(f"no {name} column {value!r} in data")
        return frame[value]
    if value in sd.names:
        return sd.X[0][:, sd.names.index(value)]
    if list(sd.strata_names) == [value]:
        levels = list(sd.strata_levels)
        return pd.Categorical.from_codes(sd.strata[0], categories=levels)
    raise ModelError(f"{name} {value!r} is neither a covariate nor the strata of the data")


def survival_input(
    time: Any,
    event: Any,
    entry: Any,
    *,
    duration: str | None,
    cause: int | None,
    labels: dict[str, Any],
    what: str,
) -> tuple[Any, Any, Any, dict[str, Any]]:
    """``time``, ``event``, ``entry`` and label arguments as arrays.

    Arrays pass through unchanged. A DataFrame (column names in ``duration``,
    ``event``, ``entry`` and the labels) or a SurvivalData of one replicate
    (labels as covariate or strata names, or arrays) is converted through
    :func:`~ppprog.tables.frame.as_survival_data`.

    Parameters
    ----------
    time : array_like, pandas.DataFrame or SurvivalData
        Exit times, or the whole table.
    event, entry : array_like, str or None
        Arrays, or column names for a DataFrame (``entry`` ignored for a
        SurvivalData, which carries its entry times).
    duration : str or None
        Exit-time column of a DataFrame.
    cause : int or None
        Event code of interest (other causes censored).
    labels : dict
        ``{"group": value, "strata": value}``: arrays, or column/covariate names.
    what : str
        Function name, for messages.

    Returns
    -------
    time, event, entry : array_like
    labels : dict
    """
    if not isinstance(time, (pd.DataFrame, SurvivalData)):
        if cause is not None:
            raise ModelError(f"{what}: cause applies to a DataFrame or SurvivalData input")
        return time, event, entry, labels
    frame = time if isinstance(time, pd.DataFrame) else None
    if frame is not None:
        if not isinstance(event, str) or duration is None:
            raise ModelError(f"{what}: with a DataFrame, pass duration= and event= column names")
        sd = as_survival_data(frame, duration=duration, event=event, start=entry,
                              cause=1 if cause is None else cause)  # fmt: skip
    else:
        sd = as_survival_data(time, cause=1 if cause is None else cause)
    one_replicate(sd, what)
    if not sd.mask.all():
        sd = sd.replicate(0)
    ev = event_of_interest(sd, cause, event if isinstance(event, str) else "event")[0]
    en = sd.start[0] if sd.has_entry else None
    out = {k: (None if v is None else _labels_from(sd, frame, v, k)) for k, v in labels.items()}
    return sd.stop[0], ev.astype(np.int64), en, out
