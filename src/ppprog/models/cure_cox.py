"""Semiparametric (PH) latency of the mixture cure model: EM fit and bootstrap SEs.

Used by :func:`~ppprog.models.cure.cure_model` with ``latency_model="cox"``.
Standard errors come from a nonparametric bootstrap (subjects resampled with
replacement), fitted in vectorized chunks by the batched EM kernel. R's smcure
resamples events and censored rows separately; that keeps the number of
events fixed and, when follow-up is long, understates the SE of the incidence
intercept (the cure fraction is then nearly the share without an event), so
ppprog resamples subjects. Bootstrap replicate ``b`` draws from the stream
``(seed, b)`` (:func:`ppprog._core.rng.stream`), so the SEs depend on the seed
only, not on the chunk size.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np

from ppprog._core.rng import SeedLike, stream
from ppprog._core.typing import BoolArray, FloatArray
from ppprog.models._kernels.cure_em import EMFit, fit_em
from ppprog.models.status import FitStatus

__all__ = [
    "SemiparametricFit",
    "fit_semiparametric",
    "bootstrap_em",
    "boot_chunk",
    "baseline_steps",
]


@dataclass(frozen=True)
class SemiparametricFit:
    """EM estimates with bootstrap replicates.

    Attributes
    ----------
    em : EMFit
        The fit to the data (one replicate).
    boot : ndarray, shape (B, P) or None
        Bootstrap estimates (NaN rows where the EM did not converge).
    boot_status : ndarray of int8, shape (B,) or None
    """

    em: EMFit
    boot: FloatArray | None
    boot_status: np.ndarray | None


def boot_chunk(task: tuple[Any, ...]) -> tuple[FloatArray, np.ndarray]:
    """Fit bootstrap replicates ``lo .. hi - 1`` (one task of :func:`bootstrap_em`).

    Parameters
    ----------
    task : tuple
        ``(Xi, Z, time, event, link, seed, lo, hi, max_iter, tol)``.

    Returns
    -------
    estimates : ndarray, shape (hi - lo, q + k)
    status : ndarray of int8, shape (hi - lo,)
    """
    Xi, Z, time, event, link, seed, lo, hi, max_iter, tol = task
    n = len(time)
    idx = np.stack([stream(seed, b).integers(0, n, size=n) for b in range(lo, hi)])
    fit = fit_em(Xi[idx], Z[idx], time[idx], event[idx], np.ones(idx.shape, bool), link=link,
                 max_iter=max_iter, tol=tol)  # fmt: skip
    ok = fit.status == FitStatus.CONVERGED
    est = np.where(ok[:, None], np.concatenate([fit.b, fit.beta], axis=1), np.nan)
    return est, fit.status


def bootstrap_em(
    Xi: FloatArray, Z: FloatArray, time: FloatArray, event: BoolArray, *, link: str,
    n_boot: int, seed: SeedLike, chunk_size: int = 50, max_iter: int = 1000, tol: float = 1e-8,
    executor: Executor | None = None,
) -> tuple[FloatArray, np.ndarray]:  # fmt: skip
    """Nonparametric bootstrap (subjects resampled) of the EM estimates.

    Parameters
    ----------
    Xi : ndarray, shape (n, q)
        Incidence design with intercept.
    Z : ndarray, shape (n, k)
        Latency design (no intercept).
    time : ndarray, shape (n,)
    event : ndarray of bool, shape (n,)
    link : {"logit", "cloglog"}
    n_boot : int
        Bootstrap replicates.
    seed : int or numpy.random.SeedSequence
        Root seed; replicate ``b`` uses ``stream(seed, b)``.
    chunk_size : int, optional
        Replicates fitted together. The results do not depend on it: every
        replicate's arithmetic is its own.
    max_iter, tol
        EM settings.
    executor : concurrent.futures.Executor, optional
        Fits the chunks in parallel (e.g. a ``ProcessPoolExecutor``); the
        results equal the serial ones bit for bit.

    Returns
    -------
    estimates : ndarray, shape (n_boot, q + k)
        NaN rows for replicates that did not converge.
    status : ndarray of int8, shape (n_boot,)
    """
    tasks = [
        (Xi, Z, time, event, link, seed, lo, min(n_boot, lo + chunk_size), max_iter, tol)
        for lo in range(0, n_boot, chunk_size)
    ]
    parts = list(map(boot_chunk, tasks) if executor is None else executor.map(boot_chunk, tasks))
    if not parts:
        return np.full((0, Xi.shape[1] + Z.shape[1]), np.nan), np.zeros(0, np.int8)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def fit_semiparametric(
    Xi: FloatArray, Z: FloatArray, time: FloatArray, event: BoolArray, *, link: str,
    n_boot: int, seed: SeedLike, bootstrap: bool, max_iter: int = 1000, tol: float = 1e-8,
    executor: Executor | None = None,
) -> SemiparametricFit:  # fmt: skip
    """Fit by EM, then bootstrap when asked and the fit converged.

    Parameters
    ----------
    Xi, Z, time, event, link, n_boot, seed, max_iter, tol, executor
        As in :func:`bootstrap_em`.
    bootstrap : bool
        Run the bootstrap (skipped when the fit failed).

    Returns
    -------
    SemiparametricFit
    """
    mask = np.ones((1, len(time)), bool)
    em = fit_em(Xi[None], Z[None], time[None], event[None], mask, link=link,
                max_iter=max_iter, tol=tol)  # fmt: skip
    if not bootstrap or em.status[0] != FitStatus.CONVERGED or n_boot < 2:
        return SemiparametricFit(em, None, None)
    boot, bstat = bootstrap_em(Xi, Z, time, event, link=link, n_boot=n_boot, seed=seed,
                               max_iter=max_iter, tol=tol, executor=executor)  # fmt: skip
    return SemiparametricFit(em, boot, bstat)


def baseline_steps(em: EMFit) -> tuple[FloatArray, FloatArray]:
    """Step function of the baseline cumulative hazard of replicate 0.

    Parameters
    ----------
    em : EMFit
        A fit with at least one replicate.

    Returns
    -------
    times, cumhaz : ndarray
        Distinct times up to the last event with the cumulative hazard there,
        then one point just after the last event with ``inf`` (the zero-tail
        constraint: the susceptible have all had the event by then).
    """
    t, H = em.time[0], em.cumhaz[0]
    keep = np.isfinite(H)
    t, H = t[keep], H[keep]
    times, first = np.unique(t, return_index=True)
    cum = H[first]
    t_tail = np.nextafter(times[-1], np.inf) if len(times) else 0.0
    return np.append(times, t_tail), np.append(cum, np.inf)
