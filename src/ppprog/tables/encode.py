"""The encoders: subject histories -> SurvivalData, written once for real and simulated data.

Three forms, each vectorized over (replicate, subject):

* :func:`encode_baseline`: one row per subject ``(entry, exit]`` with the
  baseline covariates and the time-varying ones at their value at entry;
* :func:`encode_counting`: counting-process rows split at every change time
  inside follow-up, adjacent rows whose chosen covariates are equal merged, so
  rows change exactly where a chosen covariate does. The value on ``(a, b]``
  is the one in effect at ``a``; the cause code sits on each subject's last
  row (0 on the others). A subject with ``exit == entry`` keeps one row
  ``(entry, entry]``;
* :func:`encode_landmark`: subjects still at risk at ``L`` (``entry <= L <
  exit``) with the covariates in effect at ``L`` (changes at ``L`` included)
  and time measured from ``L`` (Anderson, Cain & Gelber 1983).

Rows of a subject are contiguous and in time order; subjects keep their
order, so a masked or packed layout of the same rows gives a Cox fit the same
sums in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ppprog._core.typing import BoolArray, FloatArray
from ppprog.tables.data import SurvivalData
from ppprog.tables.histories import SubjectHistories

__all__ = ["encode_baseline", "encode_counting", "encode_landmark"]


def _pick(
    h: SubjectHistories, covariates: Sequence[str] | None
) -> tuple[list[int], list[int], tuple[str, ...]]:
    names = h.names if covariates is None else tuple(covariates)
    unknown = [c for c in names if c not in h.names]
    if unknown:
        raise ValueError(f"unknown covariates {unknown}; available: {list(h.names)}")
    base = [h.baseline_names.index(c) for c in names if c in h.baseline_names]
    vary = [h.varying_names.index(c) for c in names if c in h.varying_names]
    return base, vary, names


def _order_columns(
    h: SubjectHistories, names: tuple[str, ...], base: FloatArray, vary: FloatArray
) -> FloatArray:
    """Baseline then varying columns (same leading shape), put in the order of ``names``."""
    nb = base.shape[-1]
    perm, ib, iv = [], 0, 0
    for c in names:
        if c in h.baseline_names:
            perm.append(ib)
            ib += 1
        else:
            perm.append(nb + iv)
            iv += 1
    both = np.concatenate([base, vary], axis=-1)
    if perm == list(range(both.shape[-1])):
        return np.ascontiguousarray(both)
    return np.ascontiguousarray(both[..., perm])


def _meta(h: SubjectHistories, names: tuple[str, ...]) -> dict[str, object]:
    return {
        "ids": h.ids,
        "causes": dict(h.causes),
        "time_unit": h.time_unit,
        "levels": {k: v for k, v in h.levels.items() if k in names},
    }


def _subjects(shape: tuple[int, int]) -> np.ndarray:
    return np.broadcast_to(np.arange(shape[1], dtype=np.int64), shape)


def encode_baseline(h: SubjectHistories, covariates: Sequence[str] | None = None) -> SurvivalData:
    """One row per subject: baseline covariates, time-varying ones at entry.

    Parameters
    ----------
    h : SubjectHistories
    covariates : sequence of str, optional
        Columns (default: all baseline then all time-varying names).

    Returns
    -------
    SurvivalData
        Shape ``(R, n)``; ``has_entry`` only if some subject enters after 0.
    """
    jb, jv, names = _pick(h, covariates)
    vary = h.value_at(h.entry)[..., jv]
    X = _order_columns(h, names, h.baseline[..., jb], vary)
    late = bool(np.any(h.entry[h.mask] != 0.0))
    return SurvivalData.from_arrays(
        np.where(h.mask, h.exit, 0.0), np.where(h.mask, h.cause, 0), X, names=names,
        start=np.where(h.mask, h.entry, 0.0) if late else None, mask=h.mask,
        subject=np.where(h.mask, _subjects(h.exit.shape), -1),
        time_low=h.time_low, time_high=h.time_high, **_meta(h, names),
    )  # fmt: skip


def _gather_slots(a: FloatArray, slot: np.ndarray) -> FloatArray:
    """``a[r, i, slot[r, i, s], :]`` for every ``(r, i, s)`` (a flat gather, faster than
    ``take_along_axis`` on four axes)."""
    R, n, S = slot.shape
    first = (np.arange(R * n, dtype=np.int64) * a.shape[2]).reshape(R, n, 1)
    return a.reshape(R * n * a.shape[2], a.shape[3])[first + slot]


def _same_as_previous(vals: FloatArray, cand: BoolArray) -> BoolArray:
    """Per slot: a candidate whose values equal those of the previous candidate."""
    s = cand.shape[-1]
    idx = np.where(cand, np.arange(s), -1)
    last = np.maximum.accumulate(idx, axis=-1)
    prev = np.concatenate([np.full(cand.shape[:-1] + (1,), -1), last[..., :-1]], axis=-1)
    before = _gather_slots(vals, np.maximum(prev, 0))
    equal = (vals == before) | (np.isnan(vals) & np.isnan(before))
    return cand & (prev >= 0) & np.all(equal, axis=-1)


def _slots(
    h: SubjectHistories, jv: list[int], merge: bool
) -> tuple[FloatArray, BoolArray, FloatArray]:
    """Row starts, kept slots and time-varying values per (R, n, K + 1) slot."""
    ch = h.changes
    ones = np.ones(ch.shape[:2] + (1,), bool)
    new = np.concatenate([ones, ch[..., 1:] != ch[..., :-1]], axis=-1)
    inside = (ch > h.entry[..., None]) & (ch < h.exit[..., None]) & new
    starts = np.concatenate([h.entry[..., None], ch], axis=-1)
    cand = np.concatenate([ones, inside], axis=-1) & h.mask[..., None]
    seg = (ch[..., None, :] <= starts[..., :, None]).sum(axis=-1)
    vals = _gather_slots(h.values[..., jv], seg)
    keep = cand & ~_same_as_previous(vals, cand) if merge else cand
    return starts, keep, vals


def encode_counting(
    h: SubjectHistories, covariates: Sequence[str] | None = None, *, merge: bool = True
) -> SurvivalData:
    """Counting-process ``(start, stop]`` rows split where a chosen covariate changes.

    Parameters
    ----------
    h : SubjectHistories
    covariates : sequence of str, optional
        Columns (default all). Only the chosen time-varying columns split rows.
    merge : bool, optional
        Merge adjacent rows whose chosen covariates are equal (default True).

    Returns
    -------
    SurvivalData
        Shape ``(R, m)`` with ``m`` the largest number of rows of a replicate;
        padding rows (``mask`` False, ``subject`` -1) at the end.
    """
    jb, jv, names = _pick(h, covariates)
    starts, keep, vals = _slots(h, jv, merge)
    R, n, S = starts.shape
    later = np.where(keep, starts, np.inf)[..., ::-1]
    nxt = np.concatenate(
        [np.minimum.accumulate(later, axis=-1)[..., ::-1][..., 1:], np.full((R, n, 1), np.inf)],
        axis=-1,
    )
    last = keep & ~np.isfinite(nxt)
    stops = np.where(np.isfinite(nxt), nxt, h.exit[..., None])
    m = int(keep.reshape(R, -1).sum(axis=1).max()) if R * n else 0
    order = np.argsort(~keep.reshape(R, n * S), axis=1, kind="stable")[:, :m]
    subj = order // S
    rows = order + (np.arange(R, dtype=np.int64) * (n * S))[:, None]  # into (R * n * S)

    def take(a: np.ndarray) -> np.ndarray:
        return a.reshape((R * n * S,) + a.shape[3:])[rows]

    mask = take(keep)
    end = mask & take(last)
    who = subj + (np.arange(R, dtype=np.int64) * n)[:, None]  # into (R * n)
    base = h.baseline[..., jb].reshape(R * n, len(jb))[who]
    X = _order_columns(h, names, base, take(vals))
    bounds = {}
    for name in ("time_low", "time_high"):
        b = getattr(h, name)
        if b is not None:
            at_end = b.reshape(R * n)[who]
            bounds[name] = np.where(mask, np.where(end, at_end, take(stops)), 0.0)
    cause = h.cause.reshape(R * n)[who]
    return SurvivalData.from_arrays(
        np.where(mask, take(stops), 0.0), np.where(end, cause, 0),
        np.where(mask[..., None], X, 0.0), names=names, start=np.where(mask, take(starts), 0.0),
        mask=mask, subject=np.where(mask, subj, -1), **bounds, **_meta(h, names),
    )  # fmt: skip


def encode_landmark(
    h: SubjectHistories, landmark: float, covariates: Sequence[str] | None = None
) -> SurvivalData:
    """Subjects at risk at ``landmark``, covariates as of then, time from then.

    Parameters
    ----------
    h : SubjectHistories
    landmark : float
        Landmark time on the histories' scale.
    covariates : sequence of str, optional
        Columns (default all).

    Returns
    -------
    SurvivalData
        Shape ``(R, n)``; subjects not at risk at ``landmark`` are masked out;
        ``stop`` is ``exit - landmark``.
    """
    jb, jv, names = _pick(h, covariates)
    L = float(landmark)
    at_risk = h.mask & (h.entry <= L) & (h.exit > L)
    vary = h.value_at(np.full(h.exit.shape, L))[..., jv]
    X = _order_columns(h, names, h.baseline[..., jb], vary)
    bounds = {}
    for name in ("time_low", "time_high"):
        b = getattr(h, name)
        if b is not None:
            bounds[name] = np.where(at_risk, np.maximum(b - L, 0.0), 0.0)
    return SurvivalData.from_arrays(
        np.where(at_risk, h.exit - L, 0.0), np.where(at_risk, h.cause, 0),
        np.where(at_risk[..., None], X, 0.0), names=names, mask=at_risk,
        subject=np.where(at_risk, _subjects(h.exit.shape), -1), **bounds, **_meta(h, names),
    )  # fmt: skip
