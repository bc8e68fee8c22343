"""Generate synthetic cohorts: ``generate(spec, n, replicates, seed) -> CohortBatch``.

Reproducibility: replicate ``r`` (absolute index ``first_replicate + i``) is a
function of ``ppprog._core.rng.stream(seed, scenario, r)`` only. Each
replicate draws one block of uniforms ``(slots, n)`` from its own stream, in a
fixed slot order; every later step is an elementwise transform of those
uniforms, vectorized over (replicate, subject), with no reduction across
replicates. So the same seed gives the same cohort bit for bit whatever the
chunking (``[0..9]`` equals ``[0..4] + [5..9]``).

Event times with step time-varying covariates (ANA, management strategy) are
drawn exactly by inverting the piecewise cumulative hazard
(:mod:`ppprog.simulate._invert`); there is no time grid.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from ppprog._core.errors import SpecError
from ppprog._core.rng import stream
from ppprog._core.typing import BoolArray, FloatArray, IntArray
from ppprog.simulate import processes as pr
from ppprog.simulate._invert import invert_piecewise
from ppprog.simulate.spec import (
    EXTENTS,
    STRATEGIES,
    CohortSpec,
    OnsetSpec,
    ResolutionSpec,
    _columns,
    design_columns,
)

if TYPE_CHECKING:
    import pandas as pd

    from ppprog.simulate.truth import Truth
    from ppprog.tables.data import SurvivalData

__all__ = ["generate", "CohortBatch", "STATUS"]

#: Codes of ``CohortBatch.status``.
STATUS = {0: "censored", 1: "event", 2: "death", 3: "lost"}

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
    return {name: u[:, j, :] for j, name in enumerate(names)}


@dataclass(frozen=True)
class CohortBatch:
    """A batch of R simulated cohorts of n subjects (arrays with a leading replicate axis).

    Attributes
    ----------
    spec : CohortSpec
        The generating spec.
    seed, scenario : int
        Stream key prefix.
    replicates : ndarray of int64, shape (R,)
        Absolute replicate indices.
    covariates : dict of str to ndarray (R, n)
        Raw baseline covariates: ``female``, ``smoker`` (bool), ``age`` (years),
        ``disease``, ``agent`` (codes into ``levels``), onset: ``ana_titer0``;
        resolution: ``extent`` codes and ``ana_titer`` at onset.
    design : dict of str to ndarray (R, n)
        Baseline design columns (see :func:`~ppprog.simulate.spec.design_columns`).
    cured : ndarray of bool, shape (R, n)
        Latent: never has the endpoint (not susceptible / cure fraction).
    latent_time : ndarray, shape (R, n)
        Latent endpoint time without censoring (``inf`` when cured).
    time : ndarray, shape (R, n)
        Observed time (months; tables and SurvivalData convert to days).
    event : ndarray of bool, shape (R, n)
        Endpoint observed.
    status : ndarray of int8, shape (R, n)
        0 censored, 1 endpoint, 2 competing death, 3 lost to follow-up.
    breaks : ndarray, shape (R, n, K)
        Change times of the time-varying covariates (``inf``-padded).
    segments : dict of str to ndarray (R, n, K + 1)
        Time-varying design columns on each segment, plus raw ``ana_titer``
        (onset) or ``strategy`` codes (resolution).
    extra : dict of str to ndarray
        Process details used by :meth:`to_cases` (ANA path, switch draws).
    """

    spec: CohortSpec
    seed: Any
    scenario: int
    replicates: IntArray
    covariates: dict[str, np.ndarray]
    design: dict[str, FloatArray]
    cured: BoolArray
    latent_time: FloatArray
    time: FloatArray
    event: BoolArray
    status: np.ndarray
    breaks: FloatArray
    segments: dict[str, np.ndarray]
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Subjects per cohort."""
        return int(self.time.shape[1])

    @property
    def levels(self) -> dict[str, list[str]]:
        """Category labels of the coded covariates."""
        pop = self.spec.model.population
        out = {"disease": list(pop.disease), "agent": list(pop.agent)}
        if self.spec.endpoint == "resolution":
            out["extent"] = list(EXTENTS)
            out["strategy"] = list(STRATEGIES)
        return out

    @property
    def names(self) -> tuple[list[str], list[str]]:
        """Baseline and time-varying design column names."""
        return design_columns(self.spec)

    @cached_property
    def truth(self) -> Truth:
        """The truth of the generating spec (:class:`~ppprog.simulate.truth.Truth`)."""
        from ppprog.simulate.truth import truth

        return truth(self.spec)

    def counting(
        self, time_varying: bool = True, covariates: list[str] | None = None
    ) -> SurvivalData:
        """The cohorts as SurvivalData, through the same encoders as case records.

        ``(start, stop]`` rows split where a chosen time-varying design column
        changes (adjacent equal rows merged), in **days**
        (:data:`ppprog.tables.schema.DAYS_PER_MONTH` per month); event codes are
        the causes of :data:`~ppprog.tables.schema.CAUSES` (``event_indicator()``
        for the endpoint). Ready for ``cox_ph_batch(sd.X, sd.stop,
        sd.event_indicator(), start=sd.start, mask=sd.mask)``.

        Parameters
        ----------
        time_varying : bool, optional
            If False, one row per subject with time-varying columns at their
            time-0 value (:func:`~ppprog.tables.encode.encode_baseline`).
        covariates : list of str, optional
            Design columns (default: all baseline then time-varying columns).

        Returns
        -------
        SurvivalData
        """
        from ppprog.simulate.histories import cohort_data

        return cohort_data(self, time_varying, covariates)

    def baseline_arrays(self, names: list[str] | None = None) -> tuple[FloatArray, list[str]]:
        """One row per subject: ``(X (R, n, p), names)``.

        Parameters
        ----------
        names : list of str, optional
            Baseline design columns, time-varying columns (value at time 0) or
            derived summaries over follow-up: ``n_changes`` (strategy changes
            before exit), ``n_drug_switches`` (changes to another drug),
            ``ever_changed``, ``ana_high_ever`` (ANA high at any time before
            exit). Default: all baseline design columns. The summaries look
            into the future and are what a naive reading uses.

        Returns
        -------
        X : ndarray, shape (R, n, p)
        names : list of str
        """
        from ppprog.simulate.histories import baseline_arrays

        return baseline_arrays(self, names)

    def to_frame(self, kind: str = "subjects") -> pd.DataFrame:
        """The table of real case data, with the same columns, dtypes and unit (days).

        ``"subjects"``: one row per replicate x subject with the columns of
        :func:`~ppprog.tables.resolution.resolution_table` (resolution cohorts)
        or :func:`~ppprog.tables.onset.onset_table` (onset cohorts), from the
        arrays through :func:`~ppprog.tables.encode.encode_baseline`.
        ``"counting"``: the :func:`~ppprog.tables.counting.counting_process`
        of each replicate's case records (:meth:`to_cases`). ``cause`` is the
        generator's status; ``id`` the case id of :meth:`to_cases`;
        ``replicate`` the absolute replicate index.

        Parameters
        ----------
        kind : {"subjects", "counting"}
            Which table.

        Returns
        -------
        pandas.DataFrame
            With ``attrs["time_unit"] == "days"``.
        """
        from ppprog.simulate.histories import cohort_frame

        return cohort_frame(self, kind)

    def to_cases(self, replicate: int = 0) -> list[Any]:
        """Case records of one replicate (the same ``Case`` type as real data).

        Parameters
        ----------
        replicate : int, optional
            Position in this batch (0-based), not the absolute index.

        Returns
        -------
        list of ppprog.records.case.Case
        """
        from ppprog.simulate._cases import to_cases

        return to_cases(self, replicate)


def generate(
    spec: CohortSpec,
    n: int,
    replicates: int = 1,
    seed: Any = 0,
    *,
    scenario: int = 0,
    first_replicate: int = 0,
) -> CohortBatch:
    """Simulate ``replicates`` cohorts of ``n`` subjects from ``spec``.

    Parameters
    ----------
    spec : CohortSpec
        Data-generating mechanism.
    n : int
        Subjects per cohort.
    replicates : int, optional
        Number of cohorts.
    seed : int or numpy.random.SeedSequence, optional
        Root seed.
    scenario : int, optional
        Scenario index (first element of the stream key).
    first_replicate : int, optional
        Absolute index of the first replicate; replicate ``first_replicate + i``
        draws from ``stream(seed, scenario, first_replicate + i)`` only.

    Returns
    -------
    CohortBatch

    Examples
    --------
    >>> from ppprog.simulate import CohortSpec, generate
    >>> batch = generate(CohortSpec.default("resolution"), n=50, replicates=3, seed=1)
    >>> batch.time.shape
    (3, 50)
    """
    if not isinstance(spec, CohortSpec):
        raise SpecError(f"spec must be a CohortSpec, got {type(spec).__name__}")
    for name, v, low in (
        ("n", n, 1),
        ("replicates", replicates, 0),
        ("first_replicate", first_replicate, 0),
        ("scenario", scenario, 0),
    ):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < low:
            raise SpecError(f"{name} must be an integer >= {low}, got {v!r}")
    reps = np.arange(first_replicate, first_replicate + replicates, dtype=np.int64)
    u = _uniforms(spec, int(n), seed, scenario, reps)
    shape = (int(replicates), int(n))
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
    return CohortBatch(
        spec=spec,
        seed=seed,
        scenario=scenario,
        replicates=reps,
        covariates=parts["covariates"],
        design=design,
        cured=parts["cured"],
        latent_time=latent,
        time=time,
        event=event,
        status=status,
        breaks=parts["breaks"],
        segments=parts["segments"],
        extra=extra,
    )


def _onset(model: OnsetSpec, u: Mapping[str, FloatArray], shape: tuple[int, int]) -> dict[str, Any]:
    cov = pr.draw_population(model.population, u)
    agents = list(model.population.agent)
    path = pr.draw_ana(model.ana, cov["agent"], agents, u)
    cov["ana_titer0"] = path["titer0"]
    names = _columns("onset", model.population)[0]
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
    names = _columns("resolution", model.population)[0]
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
