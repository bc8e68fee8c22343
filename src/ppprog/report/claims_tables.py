"""Tables of sections 2-5 of the claims report, from the suite's section results.

Every table is computed from a section's :class:`~ppprog.studies.result.StudyResult`
with the general performance and power code (:mod:`ppprog.studies.performance`,
:mod:`ppprog.studies.power_tables`); failed fits count one way everywhere
(power and rejection over all replicates, failed fits not significant).
Scenarios are labelled by their parameters, never by number.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ppprog.studies.cohorts import cohort_spec
from ppprog.studies.headlines import slug
from ppprog.studies.power_tables import (
    large_sample_value,
    power_over_all,
    power_table,
    requirement_table,
)
from ppprog.studies.result import StudyResult

__all__ = [
    "publication_table",
    "immortal_table",
    "refractory_table",
    "scenario_label",
    "requirement_tables",
    "inputs_table",
    "EFFECTS",
]

#: Per requirements section: (tested estimand, effect parameter, Cox method, allocation estimand).
EFFECTS = {
    "requirements_onset": ("ana_high", "onset.log_hr.ana_high", "Cox", "exposed_share"),
    "requirements_resolution": (
        "extent[generalized]", "resolution.log_hr.extent[generalized]", "Cox", None,
    ),
}  # fmt: skip
_LATENCY = "resolution.log_hr.extent[generalized]"
_CURE = "resolution.cure.log_or.extent[generalized]"


def _mean_counts(result: StudyResult) -> pd.DataFrame:
    """Mean of each count estimand (``n_*``) per scenario, wide."""
    t = result.replicates
    sub = t[t["estimand"].str.startswith("n_")]
    return sub.pivot_table(index="scenario", columns="estimand", values="estimate",
                           aggfunc="mean").add_prefix("mean_")  # fmt: skip


def publication_table(result: StudyResult, estimand: str) -> pd.DataFrame:
    """Published vs all cases: mean log HR with MC SE, HR, rejection rate, counts.

    Parameters
    ----------
    result : StudyResult
        A run of a study with a selection (scenarios carry ``selection.label``).
    estimand : str
        The log hazard ratio (truth 0: the null).

    Returns
    -------
    pandas.DataFrame
        One row per (reporting model, fitting method): ``label, series,
        mean_estimate, bias_mcse, hr, lower, upper`` (MC 95% interval of the
        mean HR), ``rejection`` (share of all series with p <= alpha; the null
        is true) with MC SE, ``coverage`` with MC SE, fits used and failed, and
        the mean counts of the analysed series (all cases: ``n``; published: the
        study's count methods).
    """
    perf = power_over_all(result.performance())
    perf = perf[perf["estimand"] == estimand].copy()
    counts = _mean_counts(result)
    population = {m.label: m.population for m in result.study.methods}
    out = perf.reset_index(drop=True)
    out["label"] = out["selection.label"].astype(str)
    out["series"] = out["method"]
    out["model_key"] = [slug(x) for x in out["label"]]
    out["hr"] = np.exp(out["mean_estimate"])
    out["lower"] = np.exp(out["mean_estimate"] - 1.959964 * out["bias_mcse"])
    out["upper"] = np.exp(out["mean_estimate"] + 1.959964 * out["bias_mcse"])
    out = out.rename(columns={"power": "rejection", "power_mcse": "rejection_mcse"})
    selected = np.array([population[m] == "selected" for m in out["method"]])
    for col in counts.columns:
        by_scen = out["scenario"].map(counts[col]).to_numpy(float)
        out[col] = np.where(selected, by_scen, np.nan)
    if "mean_n_cases" in out:
        all_cases = out["n"].astype(float) if "n" in out else np.nan
        out["mean_n_cases"] = np.where(selected, out["mean_n_cases"], all_cases)
    keep = ["scenario", "model_key", "label", "series", "mean_estimate", "bias_mcse", "hr",
            "lower", "upper", "rejection", "rejection_mcse", "coverage", "coverage_mcse",
            "n_used", "n_total", "n_nonconverged", "n_separated"]  # fmt: skip
    keep += [c for c in out.columns if c.startswith("mean_n_")]
    return out[keep].reset_index(drop=True)


def immortal_table(result: StudyResult) -> pd.DataFrame:
    """Bias, empirical SE, coverage and type-I error per switch encoding, with MC SEs.

    Parameters
    ----------
    result : StudyResult
        The run of the immortal-time study file.

    Returns
    -------
    pandas.DataFrame
        One row per (switch rate, encoding).
    """
    perf = power_over_all(result.performance())
    perf = perf[perf["estimand"] == "switches"].copy()
    tab = result.replicates
    sw = tab[tab["estimand"] == "switches_per_case"].groupby(["scenario", "method"])["estimate"]
    perf = perf.merge(sw.mean().rename("mean_switches").reset_index(), on=["scenario", "method"])
    perf["switch_rate"] = perf["resolution.management.rate"].astype(float)
    perf["hr"] = np.exp(perf["mean_estimate"])
    perf["label"] = [f"{m} (rate {r:g}/month)" for m, r in zip(perf["method"], perf["switch_rate"])]
    perf = perf.rename(columns={"power": "rejection", "power_mcse": "rejection_mcse"})
    keep = ["scenario", "switch_rate", "method", "label", "bias", "bias_mcse", "hr", "empse",
            "coverage", "coverage_mcse", "rejection", "rejection_mcse", "n_used", "n_total",
            "n_nonconverged", "mean_switches"]  # fmt: skip
    return perf[keep].reset_index(drop=True)


def scenario_label(params: Mapping[str, Any]) -> str:
    """Label a protracted-or-refractory scenario by its parameters (never by its number).

    Parameters
    ----------
    params : mapping
        Scenario parameters.

    Returns
    -------
    str
        E.g. ``"latency HR 0.5, never-resolving OR 1, follow-up 60-120 months"``.
    """
    hr = math.exp(float(params.get(_LATENCY, 0.0)))
    odds = math.exp(float(params.get(_CURE, 0.0)))
    end = float(params.get("censoring.administrative", float("nan")))
    acc = float(params.get("censoring.accrual", 0.0))
    follow = f"{end - acc:g}-{end:g}" if acc > 0 else f"{end:g}"
    return f"latency HR {hr:.3g}, never-resolving OR {odds:.3g}, follow-up {follow} months"


def refractory_table(result: StudyResult) -> pd.DataFrame:
    """Performance by scenario (labelled), method and estimand; power over all replicates.

    Parameters
    ----------
    result : StudyResult
        The run of the protracted-or-refractory study file.

    Returns
    -------
    pandas.DataFrame
    """
    perf = power_over_all(result.performance())
    params = perf.to_dict("records")
    out = pd.DataFrame({
        "scenario": perf["scenario"].astype(int).to_numpy(),
        "label": [scenario_label(p) for p in params],
        "latency_hr": [math.exp(float(p.get(_LATENCY, 0.0))) for p in params],
        "never_resolving_or": [math.exp(float(p.get(_CURE, 0.0))) for p in params],
        "follow_up_months": perf["censoring.administrative"].astype(float).to_numpy(),
    })  # fmt: skip
    cols = ["method", "estimand", "truth", "mean_estimate", "bias", "bias_mcse", "n_used",
            "n_total", "n_nonconverged", "power", "power_mcse"]  # fmt: skip
    return pd.concat([out, perf[cols].reset_index(drop=True)], axis=1)


def requirement_tables(
    key: str, result: StudyResult, *, target: float, estimand_n: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Power by scenario, and the sizes for ``target`` power per hazard ratio.

    The estimand's true value at each generator effect is the Cox estimate in
    one cohort of ``estimand_n`` subjects from the study's own generator
    (:func:`~ppprog.studies.power_tables.large_sample_value`); its SE gives the
    information per subject and the MC SE of the true value.

    Parameters
    ----------
    key : {"requirements_onset", "requirements_resolution"}
        The section (see :data:`EFFECTS`).
    result : StudyResult
        Its run.
    target : float
        Target power.
    estimand_n : int
        Size of the large cohort.
    seed : int
        Its seed.

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame)
        :func:`~ppprog.studies.power_tables.power_table` and
        :func:`~ppprog.studies.power_tables.requirement_table` output.
    """
    estimand, effect, method, alloc = EFFECTS[key]
    study = result.study
    pw = power_table(result, estimand, effect=effect, allocation=alloc)
    truth = {}
    for s in study.scenarios:
        hr = math.exp(float(s.params[effect]))
        if hr in truth:
            continue
        est, se = large_sample_value(study, s.params, method, estimand, n=estimand_n, seed=seed)
        exact = key == "requirements_onset"  # everyone susceptible, proportional hazards
        truth[hr] = (hr if exact else math.exp(est), 0.0 if exact else se,
                     1.0 / (estimand_n * se**2))  # fmt: skip
    req = requirement_table(pw, target=target, alpha=study.alpha, method=method, truth=truth)
    return pw, req


def inputs_table(results: Mapping[str, StudyResult]) -> pd.DataFrame:
    """The generator inputs the requirements text quotes (from the specs actually used).

    Parameters
    ----------
    results : mapping of str to StudyResult
        The requirements sections' runs.

    Returns
    -------
    pandas.DataFrame
        One row per endpoint: ``follow_up_months``, ``never_resolve`` (cure
        fraction at all covariates 0, resolution only), ``exposed_share``
        (generalized share, resolution only).
    """
    from scipy.special import expit

    rows = []
    for endpoint in ("onset", "resolution"):
        params = dict(results[f"requirements_{endpoint}"].study.scenarios[0].params)
        spec = cohort_spec(endpoint, params)
        row: dict[str, Any] = {"endpoint": endpoint,
                               "follow_up_months": spec.censoring.administrative}  # fmt: skip
        if spec.resolution is not None:
            row["never_resolve"] = float(expit(spec.resolution.cure.intercept))
            row["exposed_share"] = float(spec.resolution.extent["generalized"])
        rows.append(row)
    return pd.DataFrame(rows)
