"""Batched log-rank / G-rho tests: the one log-rank engine of simulation studies.

:func:`logrank_test_batch` runs the compiled sweep of
:mod:`ppprog.models._kernels.logrank` (the same one as
:func:`~ppprog.models.logrank.logrank_test`) over ``R`` replicates at once, so
each replicate's numbers equal a single test of the same data. It never warns
and never raises on a replicate's data: every replicate gets a status.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from ppprog._core.errors import ModelError
from ppprog._core.pvalues import chi2_sf
from ppprog._core.typing import FloatArray, IntArray
from ppprog.models._kernels.km import QUANTILE_TOL, merge_near_ties
from ppprog.models._kernels.logrank import logrank_batch_sums, logrank_chisq_batch
from ppprog.models.frontend import event_of_interest
from ppprog.models.status import FitStatus, status_labels
from ppprog.tables.data import SurvivalData
from ppprog.tables.frame import as_survival_data

__all__ = ["LogRankBatchResult", "logrank_test_batch"]


@dataclass(frozen=True)
class LogRankBatchResult:
    """Log-rank (G-rho) tests of ``R`` replicates.

    Parameters
    ----------
    groups : tuple
        Group levels (sorted over all replicates), length ``k``.
    n : ndarray of int64, shape (R, k)
        Rows per group.
    observed, expected : ndarray, shape (R, k)
        (Weighted) observed and expected events, summed over strata.
    variance : ndarray, shape (R, k, k)
        Variance of ``observed - expected``.
    chisq : ndarray, shape (R,)
        Test statistics (0 where ``df == 0``, NaN where the variance is singular).
    df : ndarray of int64, shape (R,)
    p : ndarray, shape (R,)
        Upper-tail chi-square p-values (NaN unless the status is ``CONVERGED``).
    status : ndarray of int8, shape (R,)
        :class:`~ppprog.models.status.FitStatus`: ``CONVERGED``,
        ``NO_EVENTS`` (nothing to test) or ``SINGULAR_INFORMATION`` (fewer
        than two groups with a positive expected count, or a singular variance).
    n_events : ndarray of int64, shape (R,)
    rho : float
        Fleming-Harrington exponent.
    """

    groups: tuple[Hashable, ...]
    n: IntArray
    observed: FloatArray
    expected: FloatArray
    variance: FloatArray
    chisq: FloatArray
    df: IntArray
    p: FloatArray
    status: np.ndarray
    n_events: IntArray
    rho: float

    @property
    def converged(self) -> np.ndarray:
        """Mask of replicates whose test was computed."""
        return np.asarray(self.status == FitStatus.CONVERGED)

    def log_hazard_ratio(self, group: int = 1) -> tuple[FloatArray, FloatArray]:
        """Peto's one-step log hazard ratio of ``groups[group]`` and its SE.

        ``(O - E) / V`` with SE ``1 / sqrt(V)`` for the group's diagonal
        variance ``V`` (the score estimate of a two-group Cox model).

        Parameters
        ----------
        group : int, optional
            Index into :attr:`groups` (default 1: the second level).

        Returns
        -------
        estimate, se : ndarray, shape (R,)
            NaN where ``V`` is not positive.
        """
        v = self.variance[:, group, group]
        pos = v > 0
        diff = self.observed[:, group] - self.expected[:, group]
        est = np.where(pos, diff / np.where(pos, v, 1.0), np.nan)
        se = np.where(pos, 1.0 / np.sqrt(np.where(pos, v, 1.0)), np.nan)
        return est, se

    @cached_property
    def summary(self) -> pd.DataFrame:
        """One row per replicate: ``replicate, chisq, df, p, n_events, status``."""
        labels = status_labels()
        return pd.DataFrame({
            "replicate": np.arange(self.chisq.size), "chisq": self.chisq, "df": self.df,
            "p": self.p, "n_events": self.n_events,
            "status": pd.Categorical(labels[self.status.astype(int)], categories=list(labels)),
        })  # fmt: skip


def _codes(values: np.ndarray, mask: np.ndarray, name: str,
           levels: Sequence[Any] | None = None) -> tuple[np.ndarray, tuple[Any, ...]]:  # fmt: skip
    """Integer codes over all replicates (levels sorted); masked rows get code 0."""
    used = values[mask]
    if used.dtype.kind == "f" and not np.all(np.isfinite(used)):
        raise ModelError(f"{name} has missing values in rows that are used")
    lv = np.unique(used) if levels is None else np.asarray(list(levels))
    if levels is not None:
        order = np.argsort(lv, kind="stable")
        pos = np.searchsorted(lv, used, sorter=order)
        pos = np.minimum(pos, lv.size - 1)
        idx = order[pos]
        if lv.size == 0 or not np.all(lv[idx] == used):
            raise ModelError(f"{name} has values outside levels={list(levels)}")
    else:
        idx = np.searchsorted(lv, used)
    codes = np.zeros(values.shape, np.int64)
    codes[mask] = idx
    return codes, tuple(lv.tolist())


def _near_ties(time: np.ndarray, entry: np.ndarray | None, mask: np.ndarray) -> np.ndarray:
    """Replicates holding distinct times closer than R's ``timefix`` tolerance."""
    vals = time if entry is None else np.concatenate([time, entry], axis=1)
    m2 = mask if entry is None else np.concatenate([mask, mask], axis=1)
    srt = np.sort(np.where(m2, vals, np.nan), axis=1)
    d = np.diff(srt, axis=1)
    first = np.concatenate([np.isfinite(srt[:, :1]), d > 0], axis=1)
    scale = np.where(first, np.abs(np.nan_to_num(srt)), 0.0).sum(axis=1) / np.maximum(
        first.sum(axis=1), 1
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        close = (d > 0) & ((d <= QUANTILE_TOL) | (d / scale[:, None] <= QUANTILE_TOL))
    return np.asarray(close.any(axis=1))


def _timefix(time: np.ndarray, entry: np.ndarray | None, mask: np.ndarray) -> tuple[Any, Any]:
    time = time.copy()
    entry = None if entry is None else entry.copy()
    for r in np.flatnonzero(_near_ties(time, entry, mask)):
        m = mask[r]
        try:
            t, e = merge_near_ties(time[r, m], None if entry is None else entry[r, m])
        except ValueError as exc:
            raise ModelError(f"replicate {r}: {exc}; pass timefix=False") from exc
        time[r, m] = t
        if entry is not None and e is not None:
            entry[r, m] = e
    return time, entry


def _arrays(time: Any, event: Any, group: Any, strata: Any, entry: Any, mask: Any,
            cause: int | None) -> tuple[Any, ...]:  # fmt: skip
    """Inputs as (R, n) arrays; a SurvivalData resolves covariate names."""
    if isinstance(time, SurvivalData):
        sd = as_survival_data(time, cause=1 if cause is None else cause)

        def col(v: Any) -> Any:
            return sd.X[..., sd.names.index(v)] if isinstance(v, str) and v in sd.names else v

        ev = event_of_interest(sd, cause)
        return (sd.stop, ev, col(group), col(strata), sd.start if sd.has_entry else None,
                sd.mask)  # fmt: skip
    t = np.atleast_2d(np.asarray(time, dtype=np.float64))
    shape = t.shape

    def arr(a: Any, name: str) -> Any:
        if a is None:
            return None
        out = np.asarray(a)
        out = np.broadcast_to(out, shape) if out.ndim == 1 and out.shape[0] == shape[1] else out
        if out.shape != shape:
            raise ModelError(f"{name} has shape {out.shape}, expected {shape}")
        return out

    return (
        t,
        arr(event, "event"),
        arr(group, "group"),
        arr(strata, "strata"),
        arr(entry, "entry"),
        arr(mask, "mask"),
    )


def _validate(t: np.ndarray, ev: np.ndarray, en: np.ndarray | None, mk: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(t[mk])) or np.any(t[mk] < 0):
        raise ModelError("time must be finite and >= 0 in rows that are used")
    evf = np.asarray(ev, dtype=np.float64)
    if not np.isin(evf[mk], (0.0, 1.0)).all():
        raise ModelError("event must be 0/1 or bool")
    if en is not None and (not np.all(np.isfinite(en[mk])) or np.any(en[mk] >= t[mk])):
        raise ModelError("entry must be finite and < time in rows that are used")
    return (evf == 1.0) & mk


def logrank_test_batch(
    time: Any,
    event: Any = None,
    group: Any = None,
    *,
    strata: Any = None,
    entry: Any = None,
    mask: Any = None,
    rho: float = 0.0,
    timefix: bool = True,
    cause: int | None = None,
    levels: Sequence[Any] | None = None,
) -> LogRankBatchResult:
    """Log-rank (Fleming-Harrington G-rho) tests of ``R`` replicates at once.

    Parameters
    ----------
    time : array_like, shape (R, n), or SurvivalData
        Exit times; or a SurvivalData of ``R`` replicates (then ``event``,
        ``entry`` and ``mask`` come from it, and ``group``/``strata`` may name
        covariates).
    event : array_like of {0, 1}, shape (R, n)
        Event indicators.
    group : array_like, shape (R, n), or str
        Group labels; levels are sorted over all replicates.
    strata : array_like, shape (R, n), or str, optional
        Stratum labels (sums over strata as R's ``survdiff``).
    entry : array_like, shape (R, n), optional
        Left-truncation times (at risk iff ``entry < t <= time``).
    mask : array_like of bool, shape (R, n), optional
        Rows used (padding rows False).
    rho : float, optional
        Fleming-Harrington exponent (0: log-rank).
    timefix : bool, optional
        As :func:`~ppprog.models.logrank.logrank_test` (R's default): merge
        times within ``sqrt(machine eps)``; only replicates that have such
        near-ties are touched.
    cause : int, optional
        Event code of interest of a SurvivalData with competing events.
    levels : sequence, optional
        The group levels, in order (default: the sorted values found). Fixing
        them keeps ``groups`` the same whichever levels a chunk of replicates
        happens to contain.

    Returns
    -------
    LogRankBatchResult
        Per-replicate sums, statistics and statuses; replicate ``r`` equals
        ``logrank_test`` on replicate ``r`` alone.

    References
    ----------
    Mantel N (1966). Cancer Chemother Rep 50:163-170. Harrington DP, Fleming
    TR (1982). Biometrika 69:553-566. Peto R, Peto J (1972). JRSS A
    135:185-207.

    Examples
    --------
    >>> import numpy as np
    >>> res = logrank_test_batch([[1, 2, 3, 4], [1, 2, 3, 4]], [[1, 1, 1, 1], [0, 0, 0, 0]],
    ...                          [[0, 1, 0, 1], [0, 1, 0, 1]])
    >>> res.status.tolist()  # the second replicate has no events
    [0, 5]
    """
    rho_f = float(rho)
    if not np.isfinite(rho_f) or rho_f < 0:
        raise ModelError(f"rho must be a finite number >= 0, got {rho!r}")
    t, ev, grp, st, en, mk = _arrays(time, event, group, strata, entry, mask, cause)
    if grp is None or ev is None:
        raise ModelError("logrank_test_batch: event and group are required")
    mk = np.ones(t.shape, bool) if mk is None else np.asarray(mk, dtype=bool)
    en = None if en is None else np.asarray(en, dtype=np.float64)
    e = _validate(t, ev, en, mk)
    g, group_levels = _codes(np.asarray(grp), mk, "group", levels)
    s, s_levels = (
        _codes(np.asarray(st), mk, "strata")
        if st is not None
        else (np.zeros(t.shape, np.int64), (0,))
    )
    if timefix:
        t, en = _timefix(t, en, mk)
    k = len(group_levels)
    obs, exp, var = logrank_batch_sums(
        np.ascontiguousarray(t), e, g, s, t if en is None else np.ascontiguousarray(en),
        en is not None, mk, k, len(s_levels), rho_f,
    )  # fmt: skip
    o, x = obs.sum(axis=1), exp.sum(axis=1)
    chisq, df, singular = logrank_chisq_batch(o, x, var)
    n_ev = e.sum(axis=1).astype(np.int64)
    status = np.where((df > 0) & ~singular, FitStatus.CONVERGED, FitStatus.SINGULAR_INFORMATION)
    status = np.where(n_ev == 0, FitStatus.NO_EVENTS, status).astype(np.int8)
    ok = status == FitStatus.CONVERGED
    p = np.where(ok, chi2_sf(np.where(ok, chisq, 0.0), np.maximum(df, 1)), np.nan)
    n = np.stack([((g == j) & mk).sum(axis=1) for j in range(k)], axis=1).astype(np.int64)
    return LogRankBatchResult(group_levels, n, o, x, var, chisq, df, p, status, n_ev, rho_f)
