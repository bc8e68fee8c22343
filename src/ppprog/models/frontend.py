"""Shared front-end steps of the Cox fits: one data path from table to kernel.

Every Cox front end (:func:`~ppprog.models.cox.cox_ph`,
:func:`~ppprog.models.cox_batch.cox_ph_batch`,
:func:`~ppprog.models.firth.cox_firth`,
:func:`~ppprog.models.firth_batch.cox_firth_batch`) goes the same way:

1. a DataFrame is validated once and converted by
   :func:`ppprog.tables.frame.as_survival_data`; a
   :class:`~ppprog.tables.data.SurvivalData` (from the tables, the generator or
   :meth:`SurvivalData.from_arrays`) is checked by :func:`check_data`;
2. :func:`cox_design` turns it into the one
   :class:`~ppprog.models._kernels.design.CoxDesign` both kernels sort and sweep.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ppprog._core.errors import ModelError
from ppprog.models._kernels.design import CoxDesign
from ppprog.tables.data import SurvivalData
from ppprog.tables.frame import as_survival_data, column_list, rows_text

__all__ = [
    "check_ties",
    "check_alpha",
    "check_data",
    "cox_design",
    "model_data",
    "batch_data",
    "one_replicate",
    "event_of_interest",
    "is_stratified",
]


def check_ties(ties: str) -> bool:
    """Raise unless ``ties`` is ``"efron"`` or ``"breslow"``; True for Efron.

    Parameters
    ----------
    ties : str
        Tie method.

    Returns
    -------
    bool
    """
    # Default ties everywhere: Efron, as R's coxph (SAS PHREG and Stata stcox use Breslow).
    if ties not in ("efron", "breslow"):
        raise ModelError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    return ties == "efron"


def check_alpha(alpha: float) -> None:
    """Raise unless ``0 < alpha < 1``.

    Parameters
    ----------
    alpha : float
        1 - confidence level.
    """
    if not 0.0 < alpha < 1.0:
        raise ModelError(f"alpha must be in (0, 1), got {alpha}")


def check_data(sd: SurvivalData) -> None:
    """Validate the used rows (``mask`` True) of a SurvivalData for a Cox fit.

    Parameters
    ----------
    sd : SurvivalData
        Data of one or more replicates.

    Raises
    ------
    ModelError
        On missing or infinite values, negative or non-integer event codes,
        ``stop <= start``, or an empty axis.
    """
    every = bool(sd.mask.all())

    def used(a: np.ndarray) -> np.ndarray:
        return a if every else a[sd.mask]

    for name, arr in (("time", sd.stop), ("start", sd.start if sd.has_entry else None)):
        if arr is not None and not np.isfinite(used(arr)).all():
            raise ModelError(f"{name} has missing or infinite values in rows that are used")
    if not np.isfinite(used(sd.X)).all():
        raise ModelError("X has missing or infinite values in rows that are used")
    if (used(sd.event) < 0).any():
        raise ModelError("event must hold 0/1 (or non-negative cause codes)")
    if sd.has_entry and (used(sd.stop) <= used(sd.start)).any():
        raise ModelError("time (stop) must exceed start in every used row")
    if sd.X.shape[0] * sd.X.shape[1] == 0 or sd.p == 0:
        raise ModelError(f"X has an empty axis: shape {sd.X.shape}")


def event_of_interest(sd: SurvivalData, cause: int | None, event: str = "event") -> np.ndarray:
    """Boolean events of the fit: code 1 (after :func:`model_data` moved ``cause`` there).

    With ``cause=None`` the data must hold no competing codes (>= 2): a
    competing event is never silently treated as censoring.

    Parameters
    ----------
    sd : SurvivalData
        The data.
    cause : int or None
        The cause asked for (None: plain 0/1 events).
    event : str, optional
        Name of the event column, for the message.

    Returns
    -------
    ndarray of bool, shape (R, m)
    """
    if cause is None:
        bad = (sd.event >= 2) & sd.mask
        if bad.any():
            raise ModelError(
                f"column {event!r} must be 0/1 or bool; other values in {rows_text(np.asarray(bad.any(axis=0)))}"
                "; pass cause=k for a cause-specific fit (other causes censored)"
            )
    return sd.event_indicator(1)


def model_data(
    data: Any,
    *,
    duration: str | None,
    event: str | None,
    covariates: str | Sequence[str] | None,
    start: str | None = None,
    strata: str | Sequence[str] | None = None,
    cluster: str | Sequence[str] | None = None,
    cause: int | None = None,
    formula: str | None = None,
    missing: str = "raise",
    id: str | None = None,
) -> SurvivalData:
    """DataFrame or SurvivalData -> validated SurvivalData with covariates selected.

    A DataFrame is validated once (by :func:`~ppprog.tables.frame.as_survival_data`);
    a SurvivalData by :func:`check_data`. ``cause`` moves to event code 1.

    Parameters
    ----------
    data : pandas.DataFrame or SurvivalData
        The survival table.
    duration, event : str or None
        Time and event columns (DataFrame only).
    covariates : str or sequence of str or None
        Covariates (None: all of a SurvivalData's).
    start : str, optional
        Entry-time column (DataFrame only).
    strata, cluster : str or sequence of str, optional
        Strata and cluster columns (DataFrame only).
    cause : int, optional
        Event code of interest (cause-specific hazards; other codes censored).
    formula : str, optional
        Right-hand side of a formula instead of ``covariates`` (DataFrame only).
    missing : {"raise", "drop"}, optional
        Rows with missing values: an error naming them, or dropped and listed.
    id : str, optional
        Column naming the rows in messages and in ``dropped``.

    Returns
    -------
    SurvivalData
    """
    covs = column_list(covariates)
    if formula is None and not covs and (covariates is not None or not isinstance(data, SurvivalData)):
        raise ModelError("covariates: at least one column is needed")
    dup = sorted({c for c in covs if covs.count(c) > 1})
    if dup:
        raise ModelError(f"covariates named more than once: {dup}")
    c = 1 if cause is None else int(cause)
    if isinstance(data, SurvivalData):
        try:
            sd = as_survival_data(data, covariates=covariates, cause=c)
        except KeyError as e:
            raise ModelError(str(e.args[0])) from e
        check_data(sd)
        return sd
    return as_survival_data(data, duration=duration, event=event, covariates=covs, start=start,
                            strata=strata, cluster=cluster, cause=c, formula=formula,
                            missing=missing, id=id)  # fmt: skip


def one_replicate(sd: SurvivalData, what: str) -> None:
    """Raise unless ``sd`` holds a single replicate (single-fit front ends).

    Parameters
    ----------
    sd : SurvivalData
        The data.
    what : str
        Function name, for the message.
    """
    if sd.n_replicates != 1:
        raise ModelError(
            f"{what} fits one data set; got {sd.n_replicates} replicates (use the _batch function)"
        )


def batch_data(
    X: Any,
    time: Any,
    event: Any,
    *,
    start: Any = None,
    mask: Any = None,
    strata: Any = None,
    names: Sequence[str] | None = None,
) -> SurvivalData:
    """Arrays of the batched array API -> checked SurvivalData.

    ``time``, ``event``, ``start``, ``mask`` and ``strata`` may be ``(R, n)``
    or ``(n,)`` (shared by every replicate); events must be 0/1 or bool.

    Parameters
    ----------
    X : array_like, shape (R, n, p)
        Covariates.
    time, event : array_like, shape (R, n) or (n,)
        Exit times and event indicators.
    start, mask, strata : array_like, optional
        Entry times, valid rows, stratum codes.
    names : sequence of str, optional
        Covariate names (default ``x0, x1, ...``).

    Returns
    -------
    SurvivalData
    """
    Xa = np.asarray(X, dtype=np.float64)
    if Xa.ndim != 3:
        raise ModelError(f"X must have shape (R, n, p), got {Xa.shape}")
    shape = Xa.shape[:2]

    def arr(a: Any, name: str, dtype: Any) -> np.ndarray | None:
        if a is None:
            return None
        out = np.asarray(a)
        if out.ndim == 1 and out.shape[0] == shape[1]:
            out = np.broadcast_to(out, shape)
        if out.shape != shape:
            raise ModelError(f"{name} has shape {out.shape}, expected {shape} (or ({shape[1]},))")
        return np.ascontiguousarray(out, dtype=dtype)

    ev = arr(event, "event", np.float64)
    if ev is None:
        raise ModelError("event is required")
    mk = arr(mask, "mask", np.bool_)
    ok = (ev == 0.0) | (ev == 1.0)
    if not (ok.all() if mk is None else (ok | ~mk).all()):
        raise ModelError("event must be 0/1 or bool")
    codes = (ev == 1.0) if mk is None else (ev == 1.0) & mk
    if names is not None and len(names) != Xa.shape[2]:
        raise ModelError(f"names has {len(names)} labels for {Xa.shape[2]} covariates")
    sd = SurvivalData.from_arrays(
        arr(time, "time", np.float64), codes.astype(np.int64), Xa,
        names=None if names is None else tuple(names), start=arr(start, "start", np.float64),
        mask=mk, strata=arr(strata, "strata", np.int64),
    )  # fmt: skip
    check_data(sd)
    return sd


def is_stratified(sd: SurvivalData) -> bool:
    """Whether ``sd`` has strata (named strata columns or more than one stratum code).

    Parameters
    ----------
    sd : SurvivalData
        The data.

    Returns
    -------
    bool
    """
    return bool(sd.strata_names) or len(sd.strata_levels) > 1 or bool(np.any(sd.strata != 0))


def cox_design(sd: SurvivalData, event: np.ndarray) -> CoxDesign:
    """The one Cox design of both kernels (Newton and Firth) from SurvivalData.

    Parameters
    ----------
    sd : SurvivalData
        Checked data (any number of replicates).
    event : ndarray of bool, shape (R, m)
        Events of the fit (see :func:`event_of_interest`).

    Returns
    -------
    CoxDesign
    """
    # the SurvivalData's own start and strata arrays (zeros when absent: unused then,
    # and not allocated a second time)
    stratified = is_stratified(sd)
    return CoxDesign.from_arrays(
        sd.X, sd.stop, event, start=sd.start, strata=sd.strata, mask=sd.mask,
        has_start=sd.has_entry, has_strata=None if stratified else False,
    )  # fmt: skip
