"""DataFrame -> SurvivalData: the one conversion every model front end uses.

:func:`as_survival_data` validates a pandas DataFrame once (columns present
and not duplicated, covariates numeric, no missing or infinite values, events
coded 0/1 or as cause codes, ``stop > start``) and returns a
:class:`~ppprog.tables.data.SurvivalData` with one replicate. It never drops
a row: every problem raises a :class:`~ppprog._core.errors.ModelError` naming
the column and the rows. A :class:`SurvivalData` passed in is returned with
the requested covariates selected, so model front ends accept either.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ppprog._core.errors import ModelError
from ppprog.tables.data import TIME_UNIT, SurvivalData
from ppprog.tables.formula import design_frame

__all__ = ["as_survival_data", "column_list", "design_frame", "label_codes", "rows_text"]


def column_list(cols: str | Sequence[str] | None) -> list[str]:
    """A column argument as a list (None -> [], a single name -> [name]).

    Parameters
    ----------
    cols : str, sequence of str or None
        Column name(s).

    Returns
    -------
    list of str
    """
    if cols is None:
        return []
    return [cols] if isinstance(cols, str) else list(cols)


def rows_text(bad: np.ndarray) -> str:
    """Describe the rows flagged in a boolean mask (count and first positions).

    Parameters
    ----------
    bad : ndarray of bool
        Flagged rows.

    Returns
    -------
    str
    """
    idx = np.flatnonzero(bad)
    shown = ", ".join(str(i) for i in idx[:5])
    return f"{len(idx)} row(s) (positions {shown}{', ...' if len(idx) > 5 else ''})"


def label_codes(values: pd.DataFrame, what: str) -> tuple[np.ndarray, tuple[Any, ...]]:
    """Integer codes and levels of one or more label columns.

    Levels are sorted (R's ``factor``); a single categorical column keeps its
    category order and drops unused categories (R's ``strata()``). Missing
    labels raise :class:`ModelError`.

    Parameters
    ----------
    values : pandas.DataFrame
        The label column(s).
    what : str
        Role of the columns, for messages (``"strata"``, ``"cluster"``, ...).

    Returns
    -------
    codes : ndarray of int64
    levels : tuple
        One label per code (a tuple of labels for several columns).
    """
    cols = list(values.columns)
    bad = values.isna().any(axis=1).to_numpy()
    if bad.any():
        raise ModelError(f"{what} column(s) {cols} have missing values in {rows_text(bad)}")
    if len(cols) == 1 and isinstance(values[cols[0]].dtype, pd.CategoricalDtype):
        cat = values[cols[0]].cat.remove_unused_categories()
        return cat.cat.codes.to_numpy().astype(np.int64), tuple(cat.cat.categories.tolist())
    codes, levels = pd.MultiIndex.from_frame(values).factorize(sort=True)
    labels = tuple(lv[0] if len(cols) == 1 else lv for lv in levels)
    return np.asarray(codes, dtype=np.int64), labels


def _repeated(cols: list[str]) -> list[str]:
    return sorted({c for c in cols if cols.count(c) > 1})


def _check_frame(data: Any, numeric: list[str], strata: list[str], labels: list[str]) -> None:
    """Frame type, columns named once per role, present and unique, rows present.

    ``numeric`` (times, events, covariates) and ``strata`` may not share or
    repeat a column; cluster and id columns (``labels``) may repeat them.
    """
    if not isinstance(data, pd.DataFrame):
        raise ModelError(
            f"data must be a pandas DataFrame or SurvivalData, got {type(data).__name__}"
        )
    dup_args = _repeated(numeric + strata)
    if dup_args:
        raise ModelError(f"column(s) named more than once in the model: {dup_args}")
    needed = list(dict.fromkeys(numeric + strata + labels))
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise ModelError(f"columns not in data: {', '.join(map(repr, missing))}")
    dup_cols = []
    if not data.columns.is_unique:
        repeated = set(data.columns[data.columns.duplicated()])
        dup_cols = sorted(str(c) for c in needed if c in repeated)
    if dup_cols:
        raise ModelError(f"data has duplicated column name(s) {dup_cols}; rename them first")
    if len(data) == 0:
        raise ModelError("data has no rows")


def _numeric(data: pd.DataFrame, col: str) -> np.ndarray:
    s = data[col]
    if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
        raise ModelError(
            f"column {col!r} is not numeric (dtype {s.dtype}); name it in covariates= or "
            "formula= to have it treatment-coded"
        )
    a = s.to_numpy(dtype=float, na_value=np.nan)
    if not np.all(np.isfinite(a)):
        raise ModelError(
            f"column {col!r} has missing or infinite values in {rows_text(~np.isfinite(a))}"
            + ("; pass missing='drop' to drop rows with missing values" if s.isna().any() else "")
        )
    return a


def _matrix(data: pd.DataFrame, cols: list[str]) -> np.ndarray:
    """Covariate columns as one float matrix (errors name the first bad column)."""
    dtypes = [data[c].dtype for c in cols]
    if all(isinstance(t, np.dtype) and t.kind in "biuf" for t in dtypes):  # plain numpy columns
        X = np.empty((len(data), len(cols)))
        for j, c in enumerate(cols):
            X[:, j] = data[c].to_numpy()
        if np.all(np.isfinite(X)):
            return X
    return np.column_stack([_numeric(data, c) for c in cols])  # raises, naming the column


def _event_codes(data: pd.DataFrame, event: str, cause: int) -> tuple[np.ndarray, dict[int, str]]:
    """Event column -> SurvivalData codes: ``cause`` becomes 1, 0 stays censored.

    Other positive integer codes are competing events; if ``cause != 1`` the
    codes ``1`` and ``cause`` swap places.
    """
    ev = _numeric(data, event)
    if cause == 1 and bool(np.all((ev == 0.0) | (ev == 1.0))):  # the common case, fast
        return ev.astype(np.int64), {1: event}
    bad = (ev < 0) | (ev != np.round(ev))
    if bad.any():
        raise ModelError(
            f"column {event!r} must be 0/1 or bool (or integer cause codes); "
            f"other values in {rows_text(bad)}"
        )
    raw = ev.astype(np.int64)
    codes = raw.copy()
    if cause != 1:
        codes[raw == cause] = 1
        codes[raw == 1] = cause
    causes = {1: event if cause == 1 else f"{event}={cause}"}
    for k in np.unique(codes[codes >= 2]):
        orig = 1 if k == cause else int(k)
        causes[int(k)] = f"{event}={orig}"
    return codes, causes


def _labels(
    data: pd.DataFrame, cols: list[str], what: str
) -> tuple[np.ndarray | None, tuple[Any, ...]]:
    if not cols:
        return None, ()
    return label_codes(data[cols], what)


def _subjects(data: pd.DataFrame, id: str | None) -> tuple[np.ndarray | None, tuple[Hashable, ...]]:
    if id is None:
        return None, tuple(range(len(data)))
    s = data[id]
    if s.isna().any():
        raise ModelError(f"id column {id!r} has missing values in {rows_text(s.isna().to_numpy())}")
    codes, uniques = pd.factorize(s, sort=False)
    return codes.astype(np.int64), tuple(uniques.tolist())


def _from_frame(
    data: Any,
    duration: str,
    event: str,
    covariates: list[str],
    start: str | None,
    strata: list[str],
    cluster: list[str],
    id: str | None,
    cause: int,
    time_unit: str,
) -> SurvivalData:
    numeric = [duration, event, *covariates, *([start] if start is not None else [])]
    _check_frame(data, numeric, strata, [*cluster, *([id] if id is not None else [])])
    stop = _numeric(data, duration)
    codes, causes = _event_codes(data, event, cause)
    X = _matrix(data, covariates) if covariates else None
    st = None
    if start is not None:
        st = _numeric(data, start)
        if np.any(stop <= st):
            raise ModelError(
                f"{duration!r} must exceed {start!r}; not so in {rows_text(stop <= st)}"
            )
    s_codes, s_levels = _labels(data, strata, "strata")
    c_codes, c_levels = _labels(data, cluster, "cluster")
    subject, ids = _subjects(data, id)
    return SurvivalData.from_arrays(
        stop, codes, X if X is not None else np.zeros((len(data), 0)), names=tuple(covariates),
        start=st, strata=s_codes, cluster=c_codes, subject=subject, ids=ids,
        strata_names=tuple(strata), strata_levels=s_levels,
        cluster_name=", ".join(cluster) if cluster else None, cluster_levels=c_levels,
        causes=causes, time_unit=time_unit,
    )  # fmt: skip


def _swap_cause(sd: SurvivalData, cause: int) -> SurvivalData:
    if cause == 1:
        return sd
    ev = sd.event.copy()
    ev[sd.event == cause] = 1
    ev[sd.event == 1] = cause
    causes = dict(sd.causes)
    causes[1], causes[cause] = sd.causes.get(cause, str(cause)), sd.causes.get(1, "1")
    return replace(sd, event=ev, causes=causes)


def as_survival_data(
    data: pd.DataFrame | SurvivalData,
    *,
    duration: str | None = None,
    event: str | None = None,
    covariates: str | Sequence[str] | None = None,
    start: str | None = None,
    strata: str | Sequence[str] | None = None,
    cluster: str | Sequence[str] | None = None,
    id: str | None = None,
    cause: int = 1,
    time_unit: str = TIME_UNIT,
    formula: str | None = None,
    missing: str = "raise",
) -> SurvivalData:
    """Validate a survival table once and return it as :class:`SurvivalData`.

    Parameters
    ----------
    data : pandas.DataFrame or SurvivalData
        One row per subject, or per ``(start, stop]`` interval. A
        :class:`SurvivalData` is returned as is, with ``covariates`` selected
        (when given) and the ``cause`` code moved to 1.
    duration : str
        Column of exit (event or censoring) times; required for a DataFrame.
    event : str
        Column of event codes: 0/1 or bool, or integer cause codes (0 censored,
        ``cause`` the endpoint, any other positive code a competing event);
        required for a DataFrame.
    covariates : str or sequence of str, optional
        Covariate columns, in order. Numeric and bool columns are used as they
        are; string or categorical columns are treatment-coded against their
        first level (through :func:`~ppprog.tables.formula.design_matrix`).
    start : str, optional
        Column of entry times (a row is at risk at ``t`` iff ``start < t <= stop``).
    strata : str or sequence of str, optional
        Columns whose combinations define strata (codes into sorted levels).
    cluster : str or sequence of str, optional
        Columns whose combinations define clusters for robust variances.
    id : str, optional
        Subject identifier (default: each row its own subject).
    cause : int, optional
        Code of the endpoint of interest in ``event`` (default 1). It becomes
        code 1 of the result; when ``cause != 1`` the original code 1 takes
        code ``cause`` (a competing event).
    time_unit : str, optional
        Unit of ``duration`` and ``start``, recorded on the result.
    formula : str, optional
        Right-hand side of a model formula instead of ``covariates`` (formulaic
        syntax: ``"age + C(pustular_extent, contr.treatment('none')) + np.log(x)"``).
    missing : {"raise", "drop"}, optional
        Rows with a missing value in any column the model uses: an error
        naming them (default), or dropped and listed in ``dropped`` and
        ``design_notes`` of the result.

    Returns
    -------
    SurvivalData
        One replicate (``R == 1``) with every row of ``data``.

    Raises
    ------
    ModelError
        On a missing or duplicated column (in the frame or among the
        arguments), a non-numeric covariate, missing or infinite values (the
        column and the rows are named), event codes that are not non-negative
        integers, or ``stop <= start``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"t": [2.0, 3.0, 5.0], "e": [1, 0, 1], "x": [0.5, 1.0, 0.0]})
    >>> sd = as_survival_data(df, duration="t", event="e", covariates="x")
    >>> sd.names, sd.event.tolist()
    (('x',), [[1, 0, 1]])
    """
    covs = column_list(covariates)
    if isinstance(data, SurvivalData):
        if formula is not None:
            raise ModelError("formula= needs a DataFrame; a SurvivalData is already encoded")
        out = data.select(covs) if covariates is not None else data
        return _swap_cause(out, int(cause))
    if duration is None or event is None:
        raise ModelError("duration and event column names are required for a DataFrame")
    if int(cause) < 1:
        raise ModelError(f"cause must be a positive event code, got {cause!r}")
    strata_l, cluster_l = column_list(strata), column_list(cluster)
    others = [c for c in [duration, event, start, *strata_l, *cluster_l] if c is not None]
    if isinstance(data, pd.DataFrame):
        _check_frame(data, [*others[:2], *covs], [], [])  # duplicated or absent columns first
        data, covs, dropped, notes = design_frame(data, covs, formula, others, id, missing)
        if len(data) == 0:
            raise ModelError("no rows left after dropping the rows with missing values")
    else:
        dropped, notes = (), ()
    sd = _from_frame(data, duration, event, covs, start, strata_l, cluster_l, id, int(cause),
                     time_unit)  # fmt: skip
    return replace(sd, dropped=dropped, design_notes=notes) if notes else sd
