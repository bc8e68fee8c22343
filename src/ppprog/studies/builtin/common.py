"""Shared pieces of the built-in study: specs, seeds, batched fits as tidy rows.

Everything here works on a chunk of replicates at once (arrays with a leading
replicate axis) and returns the runner's tidy method format
(:func:`ppprog.studies.methods.estimates_frame`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ppprog._core.rng import seed_sequence, stream
from ppprog._core.typing import BoolArray, FloatArray
from ppprog.simulate.cohort import CohortBatch, generate
from ppprog.simulate.spec import CohortSpec
from ppprog.studies.builtin_methods import _events
from ppprog.studies.methods import estimates_frame

__all__ = [
    "section_seed",
    "cohort_spec",
    "generate_cohorts",
    "extra_uniforms",
    "value_at",
    "cox_rows",
    "firth_rows",
    "logrank_rows",
    "count_rows",
]

_SECTION_KEYS = {
    "two_cases": 1,
    "publication": 2,
    "publication_onset": 3,
    "immortal_time": 4,
    "requirements_onset": 5,
    "requirements_resolution": 6,
    "refractory": 7,
}


def section_seed(seed: int, section: str) -> int:
    """Root seed of one section's study, derived from the study seed.

    Parameters
    ----------
    seed : int
        The study's seed.
    section : str
        Section key.

    Returns
    -------
    int
        A 63-bit integer from ``SeedSequence(seed, spawn_key=(k,))``, so the
        sections draw independent streams although their scenario indices
        overlap.
    """
    state = seed_sequence(int(seed), _SECTION_KEYS[section]).generate_state(2, np.uint64)
    return int(state[0] >> np.uint64(1))


def cohort_spec(endpoint: str, changes: Mapping[str, Any] | None = None) -> CohortSpec:
    """The calibrated default spec of ``endpoint`` with dotted-path ``changes``.

    Parameters
    ----------
    endpoint : {"onset", "resolution"}
        Which cohort.
    changes : mapping, optional
        ``{"onset.log_hr.ana_high": 0.7, ...}`` (see ``CohortSpec.replace``).

    Returns
    -------
    CohortSpec
    """
    spec = CohortSpec.default(endpoint)
    return spec.replace(dict(changes)) if changes else spec


@functools.lru_cache(maxsize=64)
def _cached_spec(endpoint: str, changes_json: str) -> CohortSpec:
    return cohort_spec(endpoint, json.loads(changes_json))


def generate_cohorts(
    endpoint: str,
    params: Mapping[str, Any],
    changes: Mapping[str, Any],
    *,
    replicates: int,
    seed: int,
    scenario: int,
    first_replicate: int,
) -> CohortBatch:
    """Cohorts of ``params["n"]`` subjects from :func:`cohort_spec` (specs cached per process).

    Parameters
    ----------
    endpoint : {"onset", "resolution"}
        Which cohort.
    params : mapping
        Scenario parameters; ``n`` is the cohort size.
    changes : mapping
        Dotted-path spec changes (JSON-serializable; the cache key).
    replicates, seed, scenario, first_replicate : int
        As for :func:`ppprog.simulate.cohort.generate`.

    Returns
    -------
    CohortBatch
    """
    spec = _cached_spec(endpoint, json.dumps(dict(changes), sort_keys=True))
    return generate(spec, int(params["n"]), replicates, seed, scenario=scenario,
                    first_replicate=first_replicate)  # fmt: skip


def extra_uniforms(batch: CohortBatch, k: int, n: int) -> FloatArray:
    """Uniforms ``(k, R, n)`` for draws beyond the generator's (publication, features).

    Replicate ``r`` uses ``stream(seed, scenario, r, 1)``, a stream the
    generator never touches, so these draws do not depend on chunking either.

    Parameters
    ----------
    batch : CohortBatch
        The chunk (gives seed, scenario and replicate indices).
    k : int
        Number of uniform slots per subject.
    n : int
        Subjects per replicate.

    Returns
    -------
    numpy.ndarray, shape (k, R, n)
    """
    blocks = [
        stream(batch.seed, batch.scenario, int(r), 1).random((k, n)) for r in batch.replicates
    ]
    if not blocks:
        return np.zeros((k, 0, n))
    return np.stack(blocks, axis=1)


def value_at(breaks: FloatArray, values: FloatArray, t: FloatArray) -> FloatArray:
    """Value of a step function at ``t`` given its change times and segment values.

    Parameters
    ----------
    breaks : numpy.ndarray, shape (R, n, K)
        Change times (``inf``-padded, ascending).
    values : numpy.ndarray, shape (R, n, K + 1)
        Value on each segment.
    t : numpy.ndarray, shape (R, n)
        Times.

    Returns
    -------
    numpy.ndarray, shape (R, n)
        ``values[..., j]`` with ``j`` the number of changes at or before ``t``.
    """
    j = np.sum(breaks <= t[..., None], axis=-1)
    return np.take_along_axis(values, j[..., None], axis=-1)[..., 0]


def _fit_rows(
    names: Sequence[str],
    res: Any,
    r: int,
    event: BoolArray,
    mask: BoolArray | None,
    level: float,
) -> pd.DataFrame:
    """Wald rows of a batched fit, with its status codes and the events used."""
    return estimates_frame(
        list(names), res.params, res.se, level=level, status=res.status,
        n_events=_events(event, mask),
    )  # fmt: skip


def cox_rows(
    names: Sequence[str],
    X: FloatArray,
    stop: FloatArray,
    event: BoolArray,
    *,
    start: FloatArray | None = None,
    mask: BoolArray | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Batched Cox fit (Efron ties) as tidy estimate rows, one per replicate and covariate.

    Parameters
    ----------
    names : sequence of str
        Estimand names of the ``p`` columns of ``X``.
    X : numpy.ndarray, shape (R, m, p)
        Covariates.
    stop, event : numpy.ndarray, shape (R, m)
        Exit times and event indicators.
    start : numpy.ndarray, shape (R, m), optional
        Entry times of (start, stop] rows.
    mask : numpy.ndarray of bool, shape (R, m), optional
        Rows in the analysis.
    level : float, optional
        Confidence level of the Wald intervals.

    Returns
    -------
    pandas.DataFrame
        The runner's method format; diverging fits keep their status and
        their (infinite) estimates so they are counted, never dropped.
    """
    from ppprog.models.cox_batch import cox_ph_batch

    res = cox_ph_batch(X, stop, event, start=start, mask=mask, ties="efron")
    return _fit_rows(names, res, X.shape[0], event, mask, level)


def firth_rows(
    names: Sequence[str],
    X: FloatArray,
    stop: FloatArray,
    event: BoolArray,
    *,
    start: FloatArray | None = None,
    mask: BoolArray | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """Batched Firth-penalized Cox fit (Efron ties, Wald intervals) as tidy rows.

    Parameters
    ----------
    names : sequence of str
        Estimand names of the columns of ``X``.
    X : numpy.ndarray, shape (R, m, p)
        Covariates.
    stop, event : numpy.ndarray, shape (R, m)
        Exit times and event indicators.
    start : numpy.ndarray, shape (R, m), optional
        Entry times.
    mask : numpy.ndarray of bool, shape (R, m), optional
        Rows in the analysis.
    level : float, optional
        Confidence level.

    Returns
    -------
    pandas.DataFrame
    """
    from ppprog.models.firth import cox_firth_batch

    res = cox_firth_batch(X, stop, event, start=start, mask=mask, ties="efron", alpha=1.0 - level)
    return _fit_rows(names, res, X.shape[0], event, mask, level)


def logrank_rows(
    name: str,
    group: FloatArray,
    time: FloatArray,
    event: BoolArray,
    *,
    level: float = 0.95,
) -> pd.DataFrame:
    """Log-rank test per replicate; the estimate is the log (O/E ratio) hazard ratio.

    Parameters
    ----------
    name : str
        Estimand name.
    group : numpy.ndarray, shape (R, n)
        0/1 group (1 = exposed).
    time, event : numpy.ndarray, shape (R, n)
        Follow-up and event indicators.
    level : float, optional
        Confidence level of the intervals ``log HR +- z / sqrt(V)``.

    Returns
    -------
    pandas.DataFrame
        ``estimate = (O1 - E1) / V`` (the one-step log hazard ratio), ``se =
        1 / sqrt(V)``, and the log-rank p-value.
    """
    from ppprog.models.logrank_batch import logrank_test_batch

    res = logrank_test_batch(time, event, np.asarray(group, dtype=np.int64), levels=(0, 1))
    est, se = res.log_hazard_ratio(1)
    return estimates_frame(
        [name], est[:, None], se[:, None], level=level, p=res.p[:, None], status=res.status,
        n_events=event.sum(axis=1),
    )  # fmt: skip


def count_rows(name: str, values: FloatArray) -> pd.DataFrame:
    """Per-replicate counts (e.g. published cases) in the method format (no SE).

    Parameters
    ----------
    name : str
        Estimand name.
    values : numpy.ndarray, shape (R,)
        One number per replicate.

    Returns
    -------
    pandas.DataFrame
        ``estimate = value``; ``se``, interval and p-value NaN; status converged.
    """
    v = np.asarray(values, dtype=float)[:, None]
    nan = np.full_like(v, np.nan)
    return estimates_frame([name], v, nan, lower=nan, upper=nan, p=nan)
