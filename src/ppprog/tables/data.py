"""SurvivalData: the one survival-data type from records and from the generator to every model.

A :class:`SurvivalData` holds survival rows as numpy arrays with a leading
replicate axis ``R`` (``R == 1`` for a real case series) and a row axis ``m``
padded across replicates (``mask`` marks real rows). Each row is an interval
``(start, stop]`` of one subject with an ``event`` code at ``stop``:

* ``0``: censored (no event at ``stop``; also every non-final row of a
  subject split into counting-process rows);
* ``1``: the endpoint of interest;
* ``k >= 2``: a competing event, labelled by ``causes[k]``.

Rows of a subject are contiguous and in time order. ``X`` holds numeric
covariates named by ``names``; strata and clusters are integer codes into
``strata_levels`` / ``cluster_levels``; ``subject`` indexes ``ids`` (the case
ids of a real series, ``"s{j}"`` labels for simulated subjects). ``time_low``
and ``time_high`` bound the recorded time at each row's ``stop`` (the event or
censoring time; equal to ``stop`` when exact, ``inf`` when a recorded day has no
upper bound; for a censored row the event time lies beyond ``time_low``).
Times are in ``time_unit`` (ppprog's tables use days, see
:mod:`ppprog.tables.schema`). Categorical covariates are stored in ``X`` as
float codes into ``levels[name]`` (NaN when unknown), so a table can be
rebuilt from the arrays (:func:`ppprog.tables.view.survival_frame`).

The encoders of :mod:`ppprog.tables.encode` build it from subject histories,
the same way for case records and for the generator; every model front end
takes its arrays; kernels take its arrays.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ppprog._core.typing import BoolArray, FloatArray, IntArray

__all__ = ["SurvivalData", "TIME_UNIT", "EVENT_CENSORED", "EVENT_OF_INTEREST"]

#: The time unit of every ppprog table and of SurvivalData built from them.
TIME_UNIT = "days"
#: Event code of a censored row.
EVENT_CENSORED = 0
#: Event code of the endpoint of interest.
EVENT_OF_INTEREST = 1


def _as2d(a: Any, dtype: Any, name: str) -> np.ndarray:
    arr = np.asarray(a, dtype=dtype)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape (m,) or (R, m), got {arr.shape}")
    return np.ascontiguousarray(arr)


@dataclass(frozen=True)
class SurvivalData:
    """Survival rows with a leading replicate axis (see the module docstring).

    Parameters
    ----------
    start, stop : ndarray of float64, shape (R, m)
        Interval ends; ``start`` is all zeros and ``has_entry`` False for plain
        right-censored data.
    event : ndarray of int64, shape (R, m)
        Event code at ``stop`` (0 censored, 1 endpoint, k >= 2 competing).
    X : ndarray of float64, shape (R, m, p)
    names : tuple of str
        Column names of ``X``.
    mask : ndarray of bool, shape (R, m)
        Real rows (padding rows are False and contribute nothing).
    subject : ndarray of int64, shape (R, m)
        Index into ``ids`` of each row's subject, -1 on padding.
    strata, cluster : ndarray of int64, shape (R, m)
        Codes into ``strata_levels`` / ``cluster_levels`` (zeros when absent).
    has_entry : bool
        Whether ``start`` holds entry times (counting-process or delayed entry).
    ids : tuple
        Subject labels indexed by ``subject``.
    strata_names, strata_levels, cluster_name, cluster_levels : optional
        Labels of the strata and cluster codes.
    time_low, time_high : ndarray of float64, shape (R, m), optional
        Bounds of the recorded time at ``stop`` (None: all times exact).
    causes : mapping of int to str, optional
        Labels of the event codes.
    time_unit : str, optional
        Unit of every time (default ``"days"``).
    levels : mapping of str to tuple of str, optional
        Labels of the codes of categorical columns of ``X``.
    dropped : tuple, optional
        Ids (or row labels) of source rows dropped for missing values
        (only with ``missing="drop"``; never silently).
    design_notes : tuple of str, optional
        How the covariates were built (reference levels of factors, dropped rows).
    """

    start: FloatArray
    stop: FloatArray
    event: IntArray
    X: FloatArray
    names: tuple[str, ...]
    mask: BoolArray
    subject: IntArray
    strata: IntArray
    cluster: IntArray
    has_entry: bool = False
    ids: tuple[Any, ...] = ()
    strata_names: tuple[str, ...] = ()
    strata_levels: tuple[Any, ...] = ()
    cluster_name: str | None = None
    cluster_levels: tuple[Any, ...] = ()
    time_low: FloatArray | None = None
    time_high: FloatArray | None = None
    causes: Mapping[int, str] = field(default_factory=lambda: {1: "event"})
    time_unit: str = TIME_UNIT
    dropped: tuple[Any, ...] = ()
    design_notes: tuple[str, ...] = ()
    levels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_arrays(
        cls,
        stop: Any,
        event: Any,
        X: Any | None = None,
        *,
        names: tuple[str, ...] | list[str] | None = None,
        start: Any | None = None,
        mask: Any | None = None,
        subject: Any | None = None,
        strata: Any | None = None,
        cluster: Any | None = None,
        **meta: Any,
    ) -> SurvivalData:
        """Build from arrays of shape (m,) / (m, p) or batched (R, m) / (R, m, p).

        Boolean events become codes 0/1. Missing pieces get their neutral value
        (no entry, all rows valid, one subject per row, one stratum, one cluster
        per subject).

        Parameters
        ----------
        stop, event : array_like, shape (m,) or (R, m)
            Exit times and event codes (or booleans).
        X : array_like, shape (m, p) or (R, m, p), optional
            Covariates.
        names : sequence of str, optional
            Column names of ``X`` (default ``x0, x1, ...``).
        start : array_like, optional
            Entry times (sets ``has_entry``).
        mask, subject, strata, cluster : array_like, optional
            Valid rows, subject indices, stratum and cluster codes.
        **meta
            Other fields (``ids``, ``time_low``, ``causes``, ``time_unit``, ...).

        Returns
        -------
        SurvivalData
        """
        stop2 = _as2d(stop, np.float64, "stop")
        R, m = stop2.shape
        ev = np.asarray(event)
        event2 = _as2d(ev.astype(np.int64) if ev.dtype == bool else ev, np.int64, "event")
        if X is None:
            X3 = np.zeros((R, m, 0))
        else:
            X3 = np.asarray(X, dtype=np.float64)
            if X3.ndim == 1:
                X3 = X3[:, None]
            if X3.ndim == 2:
                X3 = X3[None]
        X3 = np.ascontiguousarray(X3)
        p = X3.shape[-1]
        nm = tuple(names) if names is not None else tuple(f"x{j}" for j in range(p))
        start2 = np.zeros((R, m)) if start is None else _as2d(start, np.float64, "start")
        mask2 = np.ones((R, m), bool) if mask is None else _as2d(mask, bool, "mask")
        default_subject = np.broadcast_to(np.arange(m, dtype=np.int64), (R, m))
        subj2 = np.ascontiguousarray(
            default_subject if subject is None else _as2d(subject, np.int64, "subject")
        )
        strata2 = (
            np.zeros((R, m), np.int64) if strata is None else _as2d(strata, np.int64, "strata")
        )
        # one cluster per subject: the subject array itself (never written in place)
        cluster2 = subj2 if cluster is None else _as2d(cluster, np.int64, "cluster")
        out = cls(
            start=start2,
            stop=stop2,
            event=event2,
            X=X3,
            names=nm,
            mask=mask2,
            subject=subj2,
            strata=strata2,
            cluster=np.ascontiguousarray(cluster2),
            has_entry=start is not None,
            **meta,
        )
        out.check()
        return out

    def check(self) -> None:
        """Raise ``ValueError`` naming the first inconsistent array.

        Raises
        ------
        ValueError
            If an array's shape differs from ``stop``'s or ``X``'s width from ``names``.
        """
        shape = self.stop.shape
        for name in ("start", "event", "mask", "subject", "strata", "cluster"):
            if getattr(self, name).shape != shape:
                raise ValueError(f"{name} has shape {getattr(self, name).shape}, expected {shape}")
        if self.X.shape[:2] != shape or self.X.shape[2] != len(self.names):
            raise ValueError(f"X has shape {self.X.shape}, expected {shape + (len(self.names),)}")
        for name in ("time_low", "time_high"):
            arr = getattr(self, name)
            if arr is not None and arr.shape != shape:
                raise ValueError(f"{name} has shape {arr.shape}, expected {shape}")

    # ------------------------------------------------------------------ views
    @property
    def n_dropped(self) -> int:
        """Rows of the source table dropped for missing values (``missing="drop"``)."""
        return len(self.dropped)

    @property
    def n_replicates(self) -> int:
        """Number of replicates ``R`` (1 for a real case series)."""
        return int(self.stop.shape[0])

    @property
    def n_rows(self) -> int:
        """Padded number of rows ``m``."""
        return int(self.stop.shape[1])

    @property
    def p(self) -> int:
        """Number of covariates."""
        return len(self.names)

    def replicate(self, r: int) -> SurvivalData:
        """Replicate ``r`` alone (``R == 1``), padding rows removed."""
        keep = self.mask[r]

        def take(a: np.ndarray) -> np.ndarray:
            return np.ascontiguousarray(a[r : r + 1][:, keep])

        return replace(
            self,
            start=take(self.start),
            stop=take(self.stop),
            event=take(self.event),
            X=np.ascontiguousarray(self.X[r : r + 1][:, keep, :]),
            mask=np.ones((1, int(keep.sum())), bool),
            subject=take(self.subject),
            strata=take(self.strata),
            cluster=take(self.cluster),
            time_low=None if self.time_low is None else take(self.time_low),
            time_high=None if self.time_high is None else take(self.time_high),
        )

    def event_indicator(self, cause: int = EVENT_OF_INTEREST) -> BoolArray:
        """Boolean events for ``cause`` (other causes count as censoring)."""
        return (self.event == cause) & self.mask

    def select(self, covariates: list[str] | tuple[str, ...]) -> SurvivalData:
        """Keep only the named covariate columns, in the given order."""
        missing = [c for c in covariates if c not in self.names]
        if missing:
            raise KeyError(f"covariates not in data: {missing}; available: {list(self.names)}")
        idx = [self.names.index(c) for c in covariates]
        return replace(self, X=np.ascontiguousarray(self.X[..., idx]), names=tuple(covariates))

    def totals(self) -> tuple[IntArray, FloatArray]:
        """Per replicate: number of events of interest and total time at risk."""
        events = self.event_indicator().sum(axis=1).astype(np.int64)
        at_risk = np.where(self.mask, self.stop - self.start, 0.0).sum(axis=1)
        return events, at_risk
