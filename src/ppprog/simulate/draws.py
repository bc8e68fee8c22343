"""The generator's draws: one block of uniforms per replicate to latent and observed times.

Replicate ``r`` draws one block of uniforms ``(slots, n)`` from
``ppprog._core.rng.stream(seed, scenario, r)``, in a fixed slot order; every
later step is an elementwise transform of those uniforms (see
:mod:`ppprog.simulate.cohort`). Event times with step time-varying covariates
are drawn exactly by inverting the piecewise cumulative hazard
(:mod:`ppprog.simulate._invert`). :func:`draw_cohort` is shared by
:func:`~ppprog.simulate.cohort.generate` and the Monte Carlo truth
(:mod:`ppprog.simulate.truth`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ppprog._core.errors import SpecError
from ppprog._core.rng import stream
from ppprog._core.typing import BoolArray, FloatArray, IntArray
from ppprog.simulate import processes as pr
from ppprog.simulate._invert import invert_piecewise
from ppprog.simulate.spec import (
    STRATEGIES,
    CohortSpec,
    OnsetSpec,
    ResolutionSpec,
    design_columns,
    spec_columns,
)

__all__ = ["draw_cohort"]

_COMMON = (
    "female", "age", "smoker", "disease", "agent", "latent", "event",
    "admin", "uniform", "loss", "death",
)  # fmt: skip
_ONSET = _COMMON + ("ana0", "ana_convert", "ana_time", "ana_titer", "ana_revert", "ana_revert_time")
_RESOLUTION = _COMMON + ("extent", "ana0", "latency")
_MULTI = ("gap", "choice", "new_agent")  # resolution: K slots each, appended last


def _slots(spec: CohortSpec) -> list[str]:
    if spec.endpoint == "onset":
        return list(_ONSET)
    k = spec.model.management.max_changes  # type: ignore[union-attr]
    return list(_RESOLUTION) + [f"{m}{j}" for m in _MULTI for j in range(k)]


def _uniforms(
    spec: CohortSpec, n: int, seed: Any, scenario: int, reps: IntArray
) -> dict[str, FloatArray]:
    names = _slots(spec)
    u = np.empty((len(reps), len(names), n))
    for i, r in enumerate(reps):
        stream(seed, scenario, int(r)).random(out=u[i])
    # one contiguous (replicates, n) block per slot: the transforms run on unstrided arrays
    ut = np.ascontiguousarray(u.transpose(1, 0, 2))
    return {name: ut[j] for j, name in enumerate(names)}


def draw_cohort(
    spec: CohortSpec, n: int, seed: Any, scenario: int, reps: IntArray
) -> dict[str, Any]:
    """Draw the arrays of a :class:`~ppprog.simulate.cohort.CohortBatch` (checked arguments).

    Parameters
    ----------
    spec : CohortSpec
        Data-generating mechanism.
    n : int
        Subjects per cohort.
    seed : int or numpy.random.SeedSequence
        Root seed.
    scenario : int
        Scenario index (first element of the stream key).
    reps : ndarray of int64
        Absolute replicate indices; replicate ``r`` draws from
        ``stream(seed, scenario, r)`` only.

    Returns
    -------
    dict
        The batch's array fields by name (``covariates``, ``design``, ``cured``,
        ``latent_time``, ``time``, ``event``, ``status``, ``breaks``,
        ``segments``, ``extra``).

    Raises
    ------
    SpecError
        When some subjects are never censored and never have the event.
    """
    u = _uniforms(spec, n, seed, scenario, reps)
    shape = (len(reps), n)
    if isinstance(spec.model, OnsetSpec):
        parts = _onset(spec.model, u, shape)
    else:
        assert isinstance(spec.model, ResolutionSpec)
        parts = _resolution(spec.model, u, shape)
    base_names, _ = design_columns(spec)
    design = {k: parts["design"][k] for k in base_names}
    censor, loss, death = pr.draw_censoring(spec.censoring, design, u, shape)
    latent = parts["latent_time"]
    time = np.minimum(np.minimum(latent, censor), np.minimum(loss, death))
    status = np.zeros(shape, dtype=np.int8)
    status[loss == time] = 3
    status[death == time] = 2
    status[latent == time] = 1
    event = status == 1
    extra = dict(parts["extra"])
    extra["censor_time"] = np.minimum(censor, np.minimum(loss, death))
    # a subject with no censoring mechanism and no event is followed forever: keep inf out
    if not np.all(np.isfinite(time)):
        raise SpecError(
            "some subjects are never censored and never have the event; set "
            "censoring.administrative, censoring.uniform or a loss/death rate"
        )
    return {
        "covariates": parts["covariates"],
        "design": design,
        "cured": parts["cured"],
        "latent_time": latent,
        "time": time,
        "event": event,
        "status": status,
        "breaks": parts["breaks"],
        "segments": parts["segments"],
        "extra": extra,
    }


def _onset(model: OnsetSpec, u: Mapping[str, FloatArray], shape: tuple[int, int]) -> dict[str, Any]:
    cov = pr.draw_population(model.population, u)
    agents = list(model.population.agent)
    path = pr.draw_ana(model.ana, cov["agent"], agents, u)
    cov["ana_titer0"] = path["titer0"]
    names = spec_columns("onset", model.population)[0]
    design = pr.baseline_design(model.population, cov, names)
    # ``ana_prone`` (susceptibility only): the ANA path is ever at or above the threshold
    thr = model.ana.threshold
    prone = (path["titer0"] >= thr) | (np.isfinite(path["t_convert"]) & (path["titer_convert"] >= thr))
    p_sus = pr.logistic_probability(
        model.susceptible.intercept, model.susceptible.log_or,
        {**design, "ana_prone": prone.astype(np.float64)}, shape,
    )  # fmt: skip
    cured = ~(u["latent"] < p_sus)
    breaks, titers = pr.ana_segments(path)
    high = (titers >= model.ana.threshold).astype(np.float64)
    eta = pr.linear_predictor(model.log_hr, design, shape)
    log_mult = eta[..., None] + model.log_hr.get("ana_high", 0.0) * high
    latent = _invert(model, u["event"], breaks, log_mult, cured)
    return {
        "covariates": cov,
        "design": design,
        "cured": cured,
        "latent_time": latent,
        "breaks": breaks,
        "segments": {"ana_high": high, "ana_titer": titers},
        "extra": {"ana_" + k: v for k, v in path.items()},
    }


def _resolution(
    model: ResolutionSpec, u: Mapping[str, FloatArray], shape: tuple[int, int]
) -> dict[str, Any]:
    cov = pr.draw_population(model.population, u)
    cov["extent"] = pr.categorical(model.extent, u["extent"])
    keys = sorted(model.ana_titer)
    codes = pr.categorical({k: model.ana_titer[k] for k in keys}, u["ana0"])
    cov["ana_titer"] = np.asarray(keys, dtype=np.float64)[codes]
    cov["ana_high"] = cov["ana_titer"] >= model.ana_threshold
    names = spec_columns("resolution", model.population)[0]
    design = pr.baseline_design(model.population, cov, names)
    p_cure = pr.logistic_probability(model.cure.intercept, model.cure.log_or, design, shape)
    cured = u["latent"] < p_cure
    k = model.management.max_changes
    u_gap = np.stack([u[f"gap{j}"] for j in range(k)], axis=-1) if k else np.zeros(shape + (0,))
    u_choice = np.stack([u[f"choice{j}"] for j in range(k)], axis=-1) if k else u_gap
    breaks, strategy = pr.draw_management(model.management, u_gap, u_choice)
    eta = pr.linear_predictor(model.log_hr, design, shape)
    segs: dict[str, np.ndarray] = {"strategy": strategy}
    effect = np.array([0.0] + [model.log_hr.get(f"strategy[{s}]", 0.0) for s in STRATEGIES[1:]])
    log_mult = eta[..., None] + effect[strategy]
    for code, s in enumerate(STRATEGIES[1:], start=1):
        segs[f"strategy[{s}]"] = (strategy == code).astype(np.float64)
    latent = _invert(model, u["event"], breaks, log_mult, cured)
    extra = {"latency_u": u["latency"]}
    if k:
        extra["new_agent_u"] = np.stack([u[f"new_agent{j}"] for j in range(k)], axis=-1)
    return {
        "covariates": cov,
        "design": design,
        "cured": cured,
        "latent_time": latent,
        "breaks": breaks,
        "segments": segs,
        "extra": extra,
    }


def _invert(
    model: OnsetSpec | ResolutionSpec,
    u_event: FloatArray,
    breaks: FloatArray,
    log_mult: FloatArray,
    cured: BoolArray,
) -> FloatArray:
    target = np.where(cured, np.inf, -np.log1p(-u_event))
    h = model.baseline
    return invert_piecewise(target, breaks, log_mult, h.cumhaz, h.inverse)
