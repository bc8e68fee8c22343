"""DataFrame views of SurvivalData with the documented schema (:mod:`ppprog.tables.schema`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ppprog.tables.data import SurvivalData
from ppprog.tables.schema import CAUSE_ENDPOINT

__all__ = ["survival_frame"]


def _decode(codes: np.ndarray, labels: Sequence[str]) -> list[Any]:
    table = list(labels)
    return [None if np.isnan(c) else table[int(c)] for c in codes]


def _covariate(sd: SurvivalData, name: str, dtype: str, keep: np.ndarray) -> Any:
    x = sd.X[..., sd.names.index(name)][keep]
    if name in sd.levels:
        return _decode(x, sd.levels[name])
    if dtype == "bool":
        return x != 0.0
    if dtype == "boolean":
        return pd.array([pd.NA if np.isnan(v) else bool(v) for v in x], dtype="boolean")
    return x


def _outcome(sd: SurvivalData, name: str, keep: np.ndarray, replicate: Any) -> Any:
    if name == "id":
        return [sd.ids[i] for i in sd.subject[keep]] if sd.ids else sd.subject[keep]
    if name == "replicate":
        return np.broadcast_to(np.asarray(replicate)[:, None], keep.shape)[keep]
    if name in ("time", "stop"):
        return sd.stop[keep]
    if name == "start":
        return sd.start[keep]
    if name == "event":
        return (sd.event[keep] == CAUSE_ENDPOINT).astype(np.int64)
    if name == "cause":
        return sd.event[keep]
    bound = getattr(sd, name) if name in ("time_low", "time_high") else None
    return sd.stop[keep] if bound is None else bound[keep]


_OUTCOMES = ("id", "replicate", "time", "start", "stop", "event", "cause", "time_low", "time_high")


def survival_frame(
    sd: SurvivalData,
    columns: Mapping[str, str],
    *,
    replicate: Any = None,
    excluded: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> pd.DataFrame:
    """The rows of ``sd`` as a frame with the given columns and dtypes.

    Outcome columns come from the arrays (``id`` from ``ids[subject]``,
    ``time``/``stop``, ``start``, ``event`` = cause 1, ``cause``, the time
    bounds); every other column is the covariate of that name, decoded through
    ``sd.levels`` when categorical.

    Parameters
    ----------
    sd : SurvivalData
    columns : mapping of str to str
        Column name -> dtype (e.g. :data:`~ppprog.tables.schema.RESOLUTION_COLUMNS`).
    replicate : array_like of int, shape (R,), optional
        Replicate labels (default ``0 .. R - 1``).
    excluded, notes : sequence of str, optional
        Stored in ``frame.attrs`` with ``time_unit``.

    Returns
    -------
    pandas.DataFrame
        Real rows in replicate-major, row order.
    """
    keep = sd.mask
    reps = np.arange(sd.n_replicates) if replicate is None else replicate
    data: dict[str, Any] = {}
    for c, dtype in columns.items():
        if c in _OUTCOMES:
            v = _outcome(sd, c, keep, reps)
        elif c in sd.names:
            v = _covariate(sd, c, dtype, keep)
        else:
            raise KeyError(f"column {c!r} is neither an outcome nor a covariate of the data")
        data[c] = pd.Series(v, dtype=dtype)
    frame = pd.DataFrame(data, columns=list(columns))
    frame.attrs["time_unit"] = sd.time_unit
    frame.attrs["excluded"] = list(excluded)
    frame.attrs["notes"] = list(notes)
    return frame
