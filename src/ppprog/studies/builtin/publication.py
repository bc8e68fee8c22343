"""Section 2 as studies: what published case series show when nothing is there.

Resolution side: each replicate is a "world" of paradoxical-psoriasis cases
drawn under the null (pustular extent does not change resolution). Cases are
published with the probability given by a reporting model
(:class:`~ppprog.studies.builtin.reporting.ReportingModel`); the methods fit
the hazard ratio of generalized pustular extent for resolution in all cases
and in the published ones (Cox, and Firth for the small published series).

Onset side: each replicate is a cohort of anti-TNF starters under the null
(ANA does not change onset). Onset cases are published by a reporting model
that may notice ANA; the published cases are compared with the whole treated
cohort (Cox with ANA-high as a time-varying covariate, unpublished cases left
out as they are invisible to a reader of the literature).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ppprog._core.typing import BoolArray
from ppprog.simulate.cohort import CohortBatch
from ppprog.simulate.processes import categorical
from ppprog.simulate.spec import CohortSpec
from ppprog.studies.builtin.common import (
    count_rows,
    cox_rows,
    extra_uniforms,
    firth_rows,
    generate_cohorts,
    section_seed,
    value_at,
)
from ppprog.studies.builtin.reporting import ReportingModel, onset_features, resolution_features
from ppprog.studies.design import Estimand, Study
from ppprog.studies.methods import Method

__all__ = [
    "PublishedData",
    "resolution_generator",
    "onset_generator",
    "resolution_method",
    "onset_method",
    "build_studies",
]

_GEN = "extent[generalized]"


@dataclass(frozen=True)
class PublishedData:
    """A chunk of cohorts with the publication decision of every subject."""

    batch: CohortBatch
    published: BoolArray
    truth: None = None


def _model(params: Mapping[str, Any]) -> ReportingModel:
    key = str(params["model_key"])
    return ReportingModel.from_mapping(key, params["models"][key])


def resolution_generator(
    params: Mapping[str, Any], *, replicates: int, seed: int, scenario: int, first_replicate: int
) -> PublishedData:
    """Resolution cohorts plus publication decisions (runner generator protocol).

    Parameters
    ----------
    params : mapping
        ``n``, ``spec_changes``, ``models`` (reporting-model tables), ``model_key``,
        ``protracted_months``, ``unusual_prevalence``.
    replicates, seed, scenario, first_replicate : int
        As for :func:`ppprog.simulate.cohort.generate`.

    Returns
    -------
    PublishedData
    """
    b = generate_cohorts("resolution", params, params["spec_changes"], replicates=replicates,
                         seed=seed, scenario=scenario, first_replicate=first_replicate)  # fmt: skip
    u = extra_uniforms(b, 2, b.n)
    unusual = u[1] < float(params["unusual_prevalence"])
    feats = resolution_features(
        b.time, b.event, b.covariates["extent"], unusual,
        protracted_months=float(params["protracted_months"]),
    )  # fmt: skip
    return PublishedData(batch=b, published=_model(params).publish(feats, u[0]))


def onset_generator(
    params: Mapping[str, Any], *, replicates: int, seed: int, scenario: int, first_replicate: int
) -> PublishedData:
    """Onset cohorts plus publication decisions for the cases.

    Parameters
    ----------
    params : mapping
        ``n``, ``spec_changes``, ``models``, ``model_key``, ``unusual_prevalence``,
        ``extent`` (probabilities of none/localized/generalized at onset, drawn
        independently of everything else).
    replicates, seed, scenario, first_replicate : int
        As for :func:`ppprog.simulate.cohort.generate`.

    Returns
    -------
    PublishedData
        ``published`` is False for every non-case.
    """
    b = generate_cohorts("onset", params, params["spec_changes"], replicates=replicates,
                         seed=seed, scenario=scenario, first_replicate=first_replicate)  # fmt: skip
    u = extra_uniforms(b, 3, b.n)
    extent = categorical(dict(params["extent"]), u[2])
    ana = value_at(b.breaks, b.segments["ana_high"], b.time) > 0.5
    feats = onset_features(ana, extent, u[1] < float(params["unusual_prevalence"]))
    return PublishedData(batch=b, published=b.event & _model(params).publish(feats, u[0]))


def resolution_method(
    data: PublishedData, *, series: str, fit: str = "cox", level: float = 0.95
) -> pd.DataFrame:
    """Hazard ratio of generalized extent for resolution in all or published cases.

    Parameters
    ----------
    data : PublishedData
        The chunk.
    series : {"all", "published"}
        Which cases enter the fit.
    fit : {"cox", "firth"}, optional
        Ordinary or Firth-penalized Cox (Efron ties).
    level : float, optional
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        Estimand ``generalized`` (log HR), plus ``n_cases`` and
        ``n_generalized`` (counts in the analysed series).
    """
    b = data.batch
    X = b.design[_GEN][..., None]
    mask = data.published if series == "published" else np.ones(b.time.shape, dtype=bool)
    fitter = firth_rows if fit == "firth" else cox_rows
    rows = fitter(["generalized"], X, b.time, b.event, mask=mask, level=level)
    extra = [
        count_rows("n_cases", mask.sum(axis=1)),
        count_rows("n_generalized", (mask & (X[..., 0] > 0.5)).sum(axis=1)),
    ]
    return pd.concat([rows, *extra], ignore_index=True)


def onset_method(data: PublishedData, *, series: str, level: float = 0.95) -> pd.DataFrame:
    """Hazard ratio of ANA-high (time-varying) for onset, all cases or published cases only.

    Parameters
    ----------
    data : PublishedData
        The chunk.
    series : {"all", "published"}
        ``"published"`` removes every row of an unpublished case.
    level : float, optional
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        Estimand ``ana_high`` (log HR) and ``n_cases``.
    """
    b = data.batch
    cp = b.counting(covariates=["ana_high"])
    mask = cp.mask
    n_cases = b.event.sum(axis=1)
    if series == "published":
        subj = np.maximum(cp.subject, 0)
        hidden = np.take_along_axis(b.event & ~data.published, subj, axis=1)
        mask = mask & ~hidden
        n_cases = data.published.sum(axis=1)
    rows = cox_rows(["ana_high"], cp.X, cp.stop, cp.event_indicator(), start=cp.start, mask=mask,
                    level=level)  # fmt: skip
    return pd.concat([rows, count_rows("n_cases", n_cases)], ignore_index=True)


def _models(models: Mapping[str, Any]) -> dict[str, Any]:
    for key, model in models.items():
        ReportingModel.from_mapping(key, model)  # validate early, before any work
    return {k: dict(v) for k, v in models.items()}


def build_studies(settings: Mapping[str, Any]) -> tuple[Study, Study]:
    """The section-2 studies (resolution side, onset side) from ``[publication]``.

    Parameters
    ----------
    settings : mapping
        Loaded settings.

    Returns
    -------
    (Study, Study)
    """
    sec, top = settings["publication"], settings["study"]
    common = {"unusual_prevalence": float(sec["unusual_prevalence"])}
    res_base = {**common, "n": int(sec["cohort_size"]), "spec_changes": dict(sec["spec_changes"]),
                "protracted_months": float(sec["protracted_months"])}  # fmt: skip
    extent = dict(CohortSpec.default("resolution").resolution.extent)  # type: ignore[union-attr]
    on_base = {**common, "n": int(sec["onset_cohort_size"]), "extent": extent,
               "spec_changes": dict(sec["onset_spec_changes"])}  # fmt: skip
    res = Study(
        name="publication-resolution",
        generator=resolution_generator,
        methods=(
            Method("all cases (Cox)", resolution_method, {"series": "all"}),
            Method("published (Cox)", resolution_method, {"series": "published"}),
            Method("published (Firth)", resolution_method, {"series": "published", "fit": "firth"}),
        ),
        estimands=(Estimand("generalized", truth=0.0),),
        replicates=int(sec["replicates"]), seed=section_seed(int(top["seed"]), "publication"),
        base={**res_base, "models": _models(sec["models"])},
        grid={"model_key": list(sec["models"])},
        alpha=float(top["alpha"]), level=float(top["level"]),
        description="Published vs all cases: HR of generalized extent for resolution (null).",
    )  # fmt: skip
    onset = Study(
        name="publication-onset",
        generator=onset_generator,
        methods=(
            Method("all cases (Cox)", onset_method, {"series": "all"}),
            Method("published (Cox)", onset_method, {"series": "published"}),
        ),
        estimands=(Estimand("ana_high", truth=0.0),),
        replicates=int(sec["replicates"]), seed=section_seed(int(top["seed"]), "publication_onset"),
        base={**on_base, "models": _models(sec["onset_models"])},
        grid={"model_key": list(sec["onset_models"])},
        alpha=float(top["alpha"]), level=float(top["level"]),
        description="Published cases vs the treated cohort: HR of ANA-high for onset (null).",
    )  # fmt: skip
    return res, onset


def _counts(table: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    sub = table[table["estimand"].isin(names)]
    wide = sub.pivot_table(index=["scenario", "method"], columns="estimand", values="estimate",
                           aggfunc="mean")  # fmt: skip
    return wide.add_prefix("mean_").reset_index()


def summarize(result: Any, settings: Mapping[str, Any], *, side: str) -> pd.DataFrame:
    """Published vs all cases: mean log HR with MC SE, HR, rejection rate, counts.

    Parameters
    ----------
    result : StudyResult
        The run of one section-2 study.
    settings : mapping
        Loaded settings (for the reporting models' labels).
    side : {"resolution", "onset"}
        Which study.

    Returns
    -------
    pandas.DataFrame
        One row per (reporting model, series): ``label, series, mean_estimate,
        bias_mcse, hr, lower, upper`` (MC 95% interval of the mean HR),
        ``rejection`` (share of series with p <= alpha, the null being true)
        with MC SE, ``coverage`` with MC SE, ``n_used, n_nonconverged`` and the
        mean counts of the analysed series.
    """
    estimand = "generalized" if side == "resolution" else "ana_high"
    models = settings["publication"]["models" if side == "resolution" else "onset_models"]
    perf = result.performance()
    perf = perf[perf["estimand"] == estimand].copy()
    counts = _counts(result.replicates, ["n_cases", "n_generalized"])
    out = perf.merge(counts, on=["scenario", "method"], how="left")
    out["label"] = [str(models[k].get("label", k)) for k in out["model_key"]]
    out["series"] = out["method"]
    out["hr"] = np.exp(out["mean_estimate"])
    out["lower"] = np.exp(out["mean_estimate"] - 1.959964 * out["bias_mcse"])
    out["upper"] = np.exp(out["mean_estimate"] + 1.959964 * out["bias_mcse"])
    out = out.rename(columns={"power": "rejection", "power_mcse": "rejection_mcse"})
    keep = ["scenario", "model_key", "label", "series", "mean_estimate", "bias_mcse", "hr",
            "lower", "upper", "rejection", "rejection_mcse", "coverage", "coverage_mcse",
            "n_used", "n_total", "n_nonconverged", "n_separated"]  # fmt: skip
    keep += [c for c in out.columns if c.startswith("mean_n_")]
    return out[keep].reset_index(drop=True)
