"""Array and table views of a CohortBatch: counting process, baseline matrix, tidy frames."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ppprog._core.errors import SpecError
from ppprog._core.typing import FloatArray

if TYPE_CHECKING:
    import pandas as pd

    from ppprog.simulate.cohort import CohortBatch, CountingArrays

__all__ = ["counting_arrays", "baseline_arrays", "to_frame", "DERIVED"]

#: Derived per-subject summaries accepted by ``baseline_arrays``.
DERIVED = ("n_changes", "n_drug_switches", "ever_changed", "ana_high_ever")


def _select(batch: CohortBatch, covariates: list[str] | None) -> tuple[list[str], list[str]]:
    base, tv = batch.names
    if covariates is None:
        return base, tv
    unknown = [c for c in covariates if c not in base and c not in tv]
    if unknown:
        raise SpecError(f"unknown design columns {unknown}; available: {base + tv}")
    return [c for c in covariates if c in base], [c for c in covariates if c in tv]


def counting_arrays(
    batch: CohortBatch, time_varying: bool, covariates: list[str] | None
) -> CountingArrays:
    """See :meth:`CohortBatch.counting`."""
    from ppprog.simulate.cohort import CountingArrays

    base, tv = _select(batch, covariates)
    names = tuple(c for c in (covariates or base + tv))
    R, n = batch.time.shape
    time = batch.time
    if not time_varying:
        X = np.stack([_col0(batch, c) for c in names], axis=-1) if names else np.zeros((R, n, 0))
        return CountingArrays(
            start=np.zeros((R, n)),
            stop=time.copy(),
            event=batch.event.copy(),
            X=X,
            mask=np.ones((R, n), dtype=bool),
            subject=np.broadcast_to(np.arange(n, dtype=np.int64), (R, n)).copy(),
            names=names,
        )
    br = batch.breaks
    S = br.shape[-1] + 1
    left = np.concatenate([np.zeros((R, n, 1)), br], axis=-1).reshape(R, n * S)
    right = np.concatenate([br, np.full((R, n, 1), np.inf)], axis=-1).reshape(R, n * S)
    t_rep = np.repeat(time, S, axis=1)
    flat_valid = (left < t_rep) & (right > left)  # non-empty, starts before exit
    m = int(flat_valid.sum(axis=1).max()) if R else 0
    order = np.argsort(~flat_valid, axis=1, kind="stable")[:, :m]
    # flat positions: segment rows (R*n*S) and subject rows (R*n)
    seg_pos = order + (np.arange(R, dtype=np.int64) * (n * S))[:, None]
    subj = order // S
    subj_pos = subj + (np.arange(R, dtype=np.int64) * n)[:, None]
    mask = np.take(flat_valid, seg_pos)
    t_exit = np.take(time, subj_pos)
    r_edge = np.take(right, seg_pos)
    start = np.where(mask, np.take(left, seg_pos), 0.0)
    stop = np.where(mask, np.minimum(r_edge, t_exit), 0.0)
    event = mask & np.take(batch.event, subj_pos) & (t_exit <= r_edge)
    X = np.zeros((R, m, len(names)))
    for j, c in enumerate(names):
        src, pos = (batch.segments[c], seg_pos) if c in tv else (batch.design[c], subj_pos)
        X[..., j] = np.where(mask, np.take(src, pos), 0.0)
    subject = np.where(mask, subj, -1).astype(np.int64)
    return CountingArrays(
        start=start, stop=stop, event=event, X=X, mask=mask, subject=subject, names=names
    )


def _col0(batch: CohortBatch, name: str) -> FloatArray:
    if name in batch.design:
        return batch.design[name]
    return np.asarray(batch.segments[name][..., 0], dtype=np.float64)


def _derived(batch: CohortBatch, name: str) -> FloatArray:
    before = batch.breaks < batch.time[..., None]  # changes that happened while at risk
    if name == "ana_high_ever":
        if "ana_high" not in batch.segments:
            raise SpecError("ana_high_ever needs an onset cohort (time-varying ANA)")
        high = batch.segments["ana_high"] > 0
        seen = np.concatenate([np.ones(before.shape[:-1] + (1,), dtype=bool), before], axis=-1)
        return np.any(high & seen, axis=-1).astype(np.float64)
    if "strategy" not in batch.segments:
        raise SpecError(f"{name} needs a resolution cohort (management process)")
    if name == "n_changes":
        return before.sum(axis=-1).astype(np.float64)
    if name == "ever_changed":
        return before.any(axis=-1).astype(np.float64)
    strategy = batch.segments["strategy"][..., 1:]
    drug = (strategy == 2) | (strategy == 3)
    return (before & drug).sum(axis=-1).astype(np.float64)


def baseline_arrays(batch: CohortBatch, names: list[str] | None) -> tuple[FloatArray, list[str]]:
    """See :meth:`CohortBatch.baseline_arrays`."""
    base, tv = batch.names
    names = list(base) if names is None else list(names)
    unknown = [c for c in names if c not in base and c not in tv and c not in DERIVED]
    if unknown:
        raise SpecError(f"unknown columns {unknown}; available: {base + tv + list(DERIVED)}")
    R, n = batch.time.shape
    cols = [_derived(batch, c) if c in DERIVED else _col0(batch, c) for c in names]
    X = np.stack(cols, axis=-1) if cols else np.zeros((R, n, 0))
    return X, names


def to_frame(batch: CohortBatch, kind: str) -> pd.DataFrame:
    """See :meth:`CohortBatch.to_frame`."""
    import pandas as pd

    from ppprog.simulate.cohort import STATUS

    R, n = batch.time.shape
    if kind == "counting":
        ca = batch.counting()
        keep = ca.mask
        rep = np.broadcast_to(batch.replicates[:, None], keep.shape)[keep]
        out = pd.DataFrame(
            {
                "replicate": rep,
                "subject": ca.subject[keep],
                "start": ca.start[keep],
                "stop": ca.stop[keep],
                "event": ca.event[keep],
            }
        )
        for j, c in enumerate(ca.names):
            out[c] = ca.X[..., j][keep]
        return out
    if kind != "subjects":
        raise SpecError(f"kind must be 'subjects' or 'counting', got {kind!r}")
    cols: dict[str, object] = {
        "replicate": np.repeat(batch.replicates, n),
        "subject": np.tile(np.arange(n), R),
        "time": batch.time.ravel(),
        "event": batch.event.ravel(),
        "status": pd.Categorical.from_codes(batch.status.ravel(), list(STATUS.values())),
    }
    levels = batch.levels
    for k, v in batch.covariates.items():
        if k in levels:
            cols[k] = pd.Categorical.from_codes(v.ravel().astype(np.int64), levels[k])
        else:
            cols[k] = v.ravel()
    cols["cured"] = batch.cured.ravel()
    cols["latent_time"] = batch.latent_time.ravel()
    return pd.DataFrame(cols)
