"""SubjectHistories: each subject's follow-up and step-function covariates, batched.

The one input of the encoders (:mod:`ppprog.tables.encode`), built either from
case records (:func:`ppprog.tables.case_histories.case_histories`) or from a
simulated cohort's arrays (:func:`ppprog.simulate.histories.cohort_histories`).

Per replicate ``r`` and subject ``i`` (arrays with a leading replicate axis):

* follow-up ``(entry, exit]`` on the analysis time scale, ending with a
  ``cause`` code (:data:`ppprog.tables.schema.CAUSES`), with the bounds
  ``time_low`` / ``time_high`` of the recorded exit time;
* baseline covariates ``baseline[r, i, :]`` named ``baseline_names``;
* time-varying covariates as right-continuous step functions: ``changes[r, i,
  :K]`` (ascending, ``inf``-padded) and ``values[r, i, k, :]`` the value on
  segment ``k``, so the value at time ``t`` is ``values[..., #(changes <= t),
  :]``: a change at ``c`` takes effect on ``(c, next change]``.

Categorical covariates are float codes into ``levels[name]`` (NaN unknown).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ppprog._core.typing import BoolArray, FloatArray, IntArray
from ppprog.tables.schema import CAUSES, TIME_UNIT

__all__ = ["SubjectHistories"]


@dataclass(frozen=True)
class SubjectHistories:
    """Per-subject follow-up and step-function covariates (see the module docstring).

    Parameters
    ----------
    entry, exit : ndarray of float64, shape (R, n)
        Start and end of follow-up.
    cause : ndarray of int64, shape (R, n)
        Cause code at ``exit`` (0 censored, 1 endpoint, 2 death, ...).
    baseline : ndarray of float64, shape (R, n, p)
        Baseline covariates.
    baseline_names : tuple of str
    changes : ndarray of float64, shape (R, n, K)
        Change times of the time-varying covariates, ascending, ``inf``-padded.
    values : ndarray of float64, shape (R, n, K + 1, q)
        Time-varying covariates on each segment.
    varying_names : tuple of str
    mask : ndarray of bool, shape (R, n)
        Real subjects (padding False).
    ids : tuple
        Subject labels by index ``i``.
    time_low, time_high : ndarray of float64, shape (R, n), optional
        Bounds of the recorded exit time (default: exact).
    levels : mapping of str to tuple of str, optional
        Labels of categorical codes.
    causes : mapping of int to str, optional
        Labels of the cause codes.
    time_unit : str, optional
        Unit of every time (default days).
    """

    entry: FloatArray
    exit: FloatArray
    cause: IntArray
    baseline: FloatArray
    baseline_names: tuple[str, ...]
    changes: FloatArray
    values: FloatArray
    varying_names: tuple[str, ...]
    mask: BoolArray
    ids: tuple[Any, ...] = ()
    time_low: FloatArray | None = None
    time_high: FloatArray | None = None
    levels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    causes: Mapping[int, str] = field(default_factory=lambda: dict(CAUSES))
    time_unit: str = TIME_UNIT

    def __post_init__(self) -> None:
        shape = self.exit.shape
        if len(shape) != 2:
            raise ValueError(f"exit must have shape (R, n), got {shape}")
        for name in ("entry", "cause", "mask", "time_low", "time_high"):
            arr = getattr(self, name)
            if arr is not None and arr.shape != shape:
                raise ValueError(f"{name} has shape {arr.shape}, expected {shape}")
        if self.baseline.shape != shape + (len(self.baseline_names),):
            raise ValueError(f"baseline has shape {self.baseline.shape}, expected "
                             f"{shape + (len(self.baseline_names),)}")  # fmt: skip
        k = self.changes.shape[-1]
        want = shape + (k + 1, len(self.varying_names))
        if self.changes.shape[:2] != shape or self.values.shape != want:
            raise ValueError(f"changes {self.changes.shape} / values {self.values.shape} "
                             f"do not match (R, n) = {shape} and {len(self.varying_names)} names")  # fmt: skip

    @classmethod
    def from_arrays(
        cls,
        exit: Any,
        cause: Any,
        *,
        entry: Any | None = None,
        baseline: Mapping[str, Any] | None = None,
        changes: Any | None = None,
        varying: Mapping[str, Any] | None = None,
        mask: Any | None = None,
        **meta: Any,
    ) -> SubjectHistories:
        """Build from named arrays with a leading replicate axis.

        Parameters
        ----------
        exit, cause : array_like, shape (R, n)
            End of follow-up and cause code (booleans become 0/1).
        entry : array_like, shape (R, n), optional
            Start of follow-up (default 0).
        baseline : mapping of str to array_like (R, n), optional
            Baseline covariates.
        changes : array_like, shape (R, n, K), optional
            Change times (NaN or ``inf`` where none; sorted here).
        varying : mapping of str to array_like (R, n, K + 1), optional
            Time-varying covariates on each segment of the sorted changes.
        mask : array_like of bool, shape (R, n), optional
            Real subjects (default all).
        **meta
            Other fields (``ids``, ``levels``, ``time_low``, ``time_unit``, ...).

        Returns
        -------
        SubjectHistories
        """
        ex = np.ascontiguousarray(exit, dtype=np.float64)
        shape = ex.shape
        cz = np.asarray(cause)
        base = dict(baseline or {})
        var = dict(varying or {})
        ch = np.zeros(shape + (0,)) if changes is None else np.asarray(changes, dtype=np.float64)
        ch = np.sort(np.where(np.isnan(ch), np.inf, ch), axis=-1)
        k = ch.shape[-1]
        vals = [
            np.broadcast_to(np.asarray(v, dtype=np.float64), shape + (k + 1,)) for v in var.values()
        ]
        return cls(
            entry=np.zeros(shape) if entry is None else np.ascontiguousarray(entry, dtype=np.float64),
            exit=ex,
            cause=np.ascontiguousarray(cz.astype(np.int64)),
            baseline=np.stack([np.asarray(v, dtype=np.float64) for v in base.values()], axis=-1)
            if base else np.zeros(shape + (0,)),
            baseline_names=tuple(base),
            changes=np.ascontiguousarray(ch),
            values=np.stack(vals, axis=-1) if vals else np.zeros(shape + (k + 1, 0)),
            varying_names=tuple(var),
            mask=np.ones(shape, bool) if mask is None else np.asarray(mask, dtype=bool),
            **meta,
        )  # fmt: skip

    @property
    def names(self) -> tuple[str, ...]:
        """Baseline then time-varying covariate names."""
        return self.baseline_names + self.varying_names

    def value_at(self, t: FloatArray) -> FloatArray:
        """Time-varying covariates in effect at time ``t`` (shape (R, n)): (R, n, q)."""
        seg = (self.changes <= np.asarray(t, dtype=np.float64)[..., None]).sum(axis=-1)
        return np.take_along_axis(self.values, seg[..., None, None], axis=2)[:, :, 0, :]
