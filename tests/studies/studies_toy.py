"""A tiny data-generating mechanism and closed-form method for the study tests.

Exponential survival with a binary covariate ``x`` (prevalence ``prev``),
hazard ``rate * hr**x``, independent exponential censoring at ``censor``.
Replicate ``r`` of scenario ``s`` draws from ``stream(seed, s, r)``, as the
study runner requires. The method is the exponential-model MLE of the log
rate ratio, ``log(d1/T1) - log(d0/T0)`` with SE ``sqrt(1/d1 + 1/d0)``: a
correctly specified model with a closed form, independent of ppprog's Cox.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ppprog._core.rng import stream
from ppprog.models.status import FitStatus
from ppprog.studies.methods import estimates_frame


@dataclass(frozen=True)
class ToyBatch:
    """Replicates of the toy cohort, shape (R, n)."""

    time: np.ndarray
    event: np.ndarray
    x: np.ndarray
    truth: dict[str, float] = field(default_factory=dict)

    def baseline_arrays(self, names: list[str] | None = None) -> tuple[np.ndarray, list[str]]:
        """``(X (R, n, 1), ["x"])`` like the real ``CohortBatch.baseline_arrays``."""
        if names not in (None, ["x"]):
            raise ValueError(f"the toy cohort has only covariate 'x', not {names}")
        return self.x[:, :, None].astype(np.float64), ["x"]


def toy_generator(
    params: dict[str, Any], *, replicates: int, seed: int, scenario: int, first_replicate: int
) -> ToyBatch:
    n = int(params["n"])
    hr = float(params.get("hr", 1.0))
    rate = float(params.get("rate", 0.1))
    censor = float(params.get("censor", 0.05))
    prev = float(params.get("prev", 0.5))
    shape = (replicates, n)
    time = np.empty(shape)
    event = np.empty(shape, dtype=bool)
    x = np.empty(shape, dtype=bool)
    for i in range(replicates):
        g = stream(seed, scenario, first_replicate + i)
        xi = g.random(n) < prev
        t = g.exponential(1.0, n) / (rate * np.where(xi, hr, 1.0))
        c = g.exponential(1.0, n) / censor
        time[i] = np.minimum(t, c)
        event[i] = t <= c
        x[i] = xi
    return ToyBatch(time, event, x, truth={"x": math.log(hr)})


def exp_rate_ratio(data: ToyBatch, *, level: float = 0.95) -> pd.DataFrame:
    """Exponential-model MLE of the log rate ratio for x, per replicate."""
    d1 = np.sum(data.event & data.x, axis=1).astype(np.float64)
    d0 = np.sum(data.event & ~data.x, axis=1).astype(np.float64)
    t1 = np.sum(np.where(data.x, data.time, 0.0), axis=1)
    t0 = np.sum(np.where(data.x, 0.0, data.time), axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        est = np.log(d1 / t1) - np.log(d0 / t0)
        se = np.sqrt(1.0 / d1 + 1.0 / d0)
    status = np.where((d1 == 0) | (d0 == 0), FitStatus.MONOTONE_LIKELIHOOD, FitStatus.CONVERGED)
    return estimates_frame(
        ["x"], est[:, None], se[:, None], level=level, status=status, n_events=d1 + d0
    )
