"""Section 4 as studies: what data would settle the claims (power by simulation and formula).

Onset: anti-TNF starters from the calibrated onset generator with ANA-high
(time-varying) multiplying the onset hazard of the susceptible by ``hr``;
Cox and Firth with ANA-high as a time-varying covariate. The log-rank test
needs groups fixed at time 0 and is not applicable to a time-varying
exposure.

Resolution: a case registry from the calibrated resolution generator with
generalized pustular extent multiplying the resolution hazard by ``hr``;
Cox, Firth and the log-rank test of generalized vs not.

Formula power is Schoenfeld's for the simulated mean number of events, with
the allocation taken as the exposed share of person-time at risk (onset) or
the generalized share of cases (resolution).

References
----------
Schoenfeld D. Sample-size formula for the proportional-hazards regression
model. Biometrics 1983;39:499-503.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ppprog.simulate.cohort import CohortBatch
from ppprog.simulate.spec import CohortSpec
from ppprog.studies.builtin.common import (
    cohort_spec,
    count_rows,
    cox_rows,
    firth_rows,
    generate_cohorts,
    logrank_rows,
    section_seed,
)
from ppprog.studies.design import Estimand, Study
from ppprog.studies.methods import Method
from ppprog.studies.power import schoenfeld_events, schoenfeld_power
from ppprog.studies.power_curve import fit_power_curve

__all__ = [
    "PowerData",
    "power_generator",
    "onset_power_method",
    "resolution_power_method",
    "build_studies",
    "power_table",
    "requirement_table",
    "estimand_truth",
    "inputs_table",
]

_EFFECT_PATH = {
    "onset": "onset.log_hr.ana_high",
    "resolution": "resolution.log_hr.extent[generalized]",
}


@dataclass(frozen=True)
class PowerData:
    """A chunk of cohorts for a power scenario."""

    batch: CohortBatch
    truth: None = None


def power_generator(
    params: Mapping[str, Any], *, replicates: int, seed: int, scenario: int, first_replicate: int
) -> PowerData:
    """Cohorts with the effect ``hr`` on the claimed exposure (runner generator protocol).

    Parameters
    ----------
    params : mapping
        ``endpoint`` ("onset" or "resolution"), ``n``, ``hr``, ``spec_changes``.
    replicates, seed, scenario, first_replicate : int
        As for :func:`ppprog.simulate.cohort.generate`.

    Returns
    -------
    PowerData
    """
    endpoint = str(params["endpoint"])
    changes = {**params["spec_changes"], _EFFECT_PATH[endpoint]: math.log(float(params["hr"]))}
    b = generate_cohorts(endpoint, params, changes, replicates=replicates, seed=seed,
                         scenario=scenario, first_replicate=first_replicate)  # fmt: skip
    return PowerData(b)


def onset_power_method(data: PowerData, *, fit: str = "cox", level: float = 0.95) -> pd.DataFrame:
    """ANA-high (time-varying) on onset: Cox or Firth; plus the exposed share of person-time.

    Parameters
    ----------
    data : PowerData
        The chunk.
    fit : {"cox", "firth"}, optional
        Ordinary or Firth-penalized Cox.
    level : float, optional
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        Estimands ``ana_high`` and ``exposed_share``.
    """
    cp = data.batch.counting(covariates=["ana_high"])
    fitter = firth_rows if fit == "firth" else cox_rows
    rows = fitter(["ana_high"], cp.X, cp.stop, cp.event_indicator(), start=cp.start,
                  mask=cp.mask, level=level)  # fmt: skip
    dur = np.where(cp.mask, cp.stop - cp.start, 0.0)
    share = (dur * cp.X[..., 0]).sum(axis=1) / dur.sum(axis=1)
    return pd.concat([rows, count_rows("exposed_share", share)], ignore_index=True)


def resolution_power_method(
    data: PowerData, *, fit: str = "cox", level: float = 0.95
) -> pd.DataFrame:
    """Generalized extent on resolution: Cox, Firth or log-rank.

    Parameters
    ----------
    data : PowerData
        The chunk.
    fit : {"cox", "firth", "logrank"}, optional
        Method.
    level : float, optional
        Confidence level.

    Returns
    -------
    pandas.DataFrame
        Estimand ``generalized`` (log HR).
    """
    b = data.batch
    x = b.design["extent[generalized]"]
    if fit == "logrank":
        return logrank_rows("generalized", x, b.time, b.event, level=level)
    fitter = firth_rows if fit == "firth" else cox_rows
    return fitter(["generalized"], x[..., None], b.time, b.event, level=level)


_LABELS = {"cox": "Cox", "firth": "Firth", "logrank": "log-rank"}


def _study(endpoint: str, sec: Mapping[str, Any], top: Mapping[str, Any]) -> Study:
    method_fn = onset_power_method if endpoint == "onset" else resolution_power_method
    estimand = "ana_high" if endpoint == "onset" else "generalized"
    methods = tuple(Method(_LABELS[m], method_fn, {"fit": m}) for m in sec["methods"])
    return Study(
        name=f"requirements-{endpoint}", generator=power_generator, methods=methods,
        estimands=(Estimand(estimand, truth="log(hr)"),),
        replicates=int(sec["replicates"]),
        seed=section_seed(int(top["seed"]), f"requirements_{endpoint}"),
        base={"endpoint": endpoint, "spec_changes": dict(sec.get("spec_changes", {}))},
        grid={"hr": [float(h) for h in sec["hazard_ratios"]], "n": [int(n) for n in sec["cohort_sizes"]]},
        alpha=float(top["alpha"]), level=float(top["level"]),
        description=f"Power for the claimed {endpoint} effect by cohort size and hazard ratio.",
    )  # fmt: skip


def build_studies(settings: Mapping[str, Any]) -> tuple[Study, Study]:
    """The section-4 studies (onset, resolution) from ``[requirements]``.

    Parameters
    ----------
    settings : mapping
        Loaded settings.

    Returns
    -------
    (Study, Study)
    """
    sec, top = settings["requirements"], settings["study"]
    return _study("onset", sec["onset"], top), _study("resolution", sec["resolution"], top)


def _allocation(table: pd.DataFrame, endpoint: str) -> pd.Series:
    """Exposure share per scenario: person-time (onset) or the spec's generalized share."""
    if endpoint == "onset":
        sub = table[table["estimand"] == "exposed_share"]
        return sub.groupby("scenario")["estimate"].mean()
    spec = CohortSpec.default("resolution").resolution
    assert spec is not None
    a = float(spec.extent["generalized"])
    return pd.Series(a, index=sorted(table["scenario"].unique()))


def power_table(table: pd.DataFrame, endpoint: str, *, alpha: float) -> pd.DataFrame:
    """Simulated power with MC SE per scenario and method, and Schoenfeld's formula power.

    Parameters
    ----------
    table : pandas.DataFrame
        The study's per-replicate rows (with ``n`` and ``hr`` columns).
    endpoint : {"onset", "resolution"}
        Which study.
    alpha : float
        Significance level.

    Returns
    -------
    pandas.DataFrame
        ``n, hr, method, power, power_mcse, n_used, n_total, mean_events,
        allocation, formula_power``. Fits that failed count as "not
        significant" (they give no evidence), and their number is shown.
    """
    estimand = "ana_high" if endpoint == "onset" else "generalized"
    alloc = _allocation(table, endpoint)
    rows = []
    sub = table[table["estimand"] == estimand]
    for (s, m), g in sub.groupby(["scenario", "method"], sort=False):
        ok = (g["status"] == "converged").to_numpy() & np.isfinite(g["p"].to_numpy())
        hit = ok & (g["p"].to_numpy() <= alpha)
        pw = float(hit.mean())
        ev = float(g["n_events"].mean())
        hr, a = float(g["hr"].iloc[0]), float(alloc.loc[s])
        rows.append({
            "scenario": int(s), "n": int(g["n"].iloc[0]), "hr": hr, "method": m, "power": pw,
            "power_mcse": math.sqrt(pw * (1 - pw) / len(g)), "n_used": int(ok.sum()),
            "n_total": len(g), "mean_events": ev, "allocation": a,
            "formula_power": schoenfeld_power(hr, ev, alpha=alpha, allocation=a),
        })  # fmt: skip
    return pd.DataFrame(rows)


def estimand_truth(
    endpoint: str, changes: Mapping[str, Any], hr: float, *, n: int = 1_000_000, seed: int = 0
) -> tuple[float, float, float]:
    """True value of the power analysis's estimand at generator effect ``hr``, from a large cohort.

    The estimand is the hazard ratio the section's Cox model estimates.
    Onset: time-varying ANA-high in a cohort where everyone is susceptible and
    hazards are proportional, so it is the generator's ``hr`` exactly.
    Resolution: the whole-cohort hazard ratio of generalized extent, which the
    never-resolving fraction pulls towards 1 from the generator's latency ``hr``
    (among cases that will resolve); its true value is the Cox estimate in one
    cohort of ``n`` subjects (MC SE: the fit's SE). The same fit gives the Cox
    information per subject, ``1 / (n SE^2)``, for the asymptotic size
    ``(z_{1-alpha/2} + z_power)^2 / (log(HR)^2 * information per subject)``.

    Parameters
    ----------
    endpoint : {"onset", "resolution"}
        Which analysis.
    changes : mapping
        The section's spec changes.
    hr : float
        Generator effect.
    n : int, optional
        Size of the large cohort.
    seed : int, optional
        Its seed.

    Returns
    -------
    (float, float, float)
        Hazard ratio, MC SE of its log (0 when exact), information per subject.
    """
    params = {"endpoint": endpoint, "n": int(n), "hr": float(hr), "spec_changes": dict(changes)}
    data = power_generator(params, replicates=1, seed=seed, scenario=0, first_replicate=0)
    fit = onset_power_method if endpoint == "onset" else resolution_power_method
    row = fit(data).iloc[0]
    info = 1.0 / (float(n) * float(row["se"]) ** 2)
    if endpoint == "onset":
        return float(hr), 0.0, info
    return float(math.exp(row["estimate"])), float(row["se"]), info


def requirement_table(
    power: pd.DataFrame,
    *,
    target: float,
    alpha: float,
    truth: Mapping[float, tuple[float, float, float]] | None = None,
) -> pd.DataFrame:
    """Cohort size and events for the target power, per hazard ratio.

    Parameters
    ----------
    power : pandas.DataFrame
        Output of :func:`power_table`.
    target : float
        Target power (e.g. 0.8).
    alpha : float
        Significance level.
    truth : mapping of float to (float, float, float), optional
        The estimand's true hazard ratio, its MC SE (log scale) and the Cox
        information per subject, per generator ``hr`` (:func:`estimand_truth`);
        default: the generator's ``hr`` and no information (NaN sizes).

    Returns
    -------
    pandas.DataFrame
        Per hazard ratio: Schoenfeld events and cohort size at the generator's
        ``hr`` (``events_needed``, ``n_formula``) and at the estimand's true
        value (``hr_estimand``, ``hr_estimand_mcse``, ``events_estimand``,
        ``n_formula_estimand``), the asymptotic size from the Cox information at
        the estimand (``n_information``), events per patient in the simulation, and the
        simulated cohort size for ``target`` from the fitted power curve of the
        Cox test (:func:`~ppprog.studies.power_curve.fit_power_curve`) with its
        95% interval (``n_simulated``, ``n_simulated_lower``,
        ``n_simulated_upper``; ``n_simulated_note`` is the fit's status).
    """
    rows = []
    cox = power[power["method"] == "Cox"]
    for hr, g in cox.groupby("hr"):
        g = g.sort_values("n")
        a = float(g["allocation"].mean())
        d = schoenfeld_events(float(hr), power=target, alpha=alpha, allocation=a)
        per = float((g["mean_events"] / g["n"]).mean())
        h_true, h_se, info = (truth or {}).get(float(hr), (float(hr), 0.0, float("nan")))
        d_true = schoenfeld_events(h_true, power=target, alpha=alpha, allocation=a)
        zz = float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(target))
        curve = fit_power_curve(g["n"].to_numpy(float),
                                np.rint(g["power"] * g["n_total"]).to_numpy(float),
                                g["n_total"].to_numpy(float), target=target)  # fmt: skip
        rows.append({
            "hr": float(hr), "allocation": a, "events_needed": d, "events_per_patient": per,
            "n_formula": d / per, "hr_estimand": h_true, "hr_estimand_mcse": h_se,
            "events_estimand": d_true, "n_formula_estimand": d_true / per,
            "n_information": zz**2 / (math.log(h_true) ** 2 * info),
            "n_simulated": curve.n_target, "n_simulated_lower": curve.lower,
            "n_simulated_upper": curve.upper, "n_simulated_note": curve.status,
        })  # fmt: skip
    return pd.DataFrame(rows)


def inputs_table(settings: Mapping[str, Any]) -> pd.DataFrame:
    """The generator inputs the section-4 text quotes (from the specs actually used).

    Parameters
    ----------
    settings : mapping
        Loaded settings.

    Returns
    -------
    pandas.DataFrame
        One row per endpoint: ``follow_up_months`` (administrative), ``never_resolve``
        (cure fraction at all covariates 0, resolution only), ``exposed_share``
        (generalized share, resolution only).
    """
    from scipy.special import expit

    rows = []
    for endpoint in ("onset", "resolution"):
        spec = cohort_spec(endpoint, settings["requirements"][endpoint].get("spec_changes", {}))
        row: dict[str, Any] = {
            "endpoint": endpoint,
            "follow_up_months": spec.censoring.administrative,
        }
        if spec.resolution is not None:
            row["never_resolve"] = float(expit(spec.resolution.cure.intercept))
            row["exposed_share"] = float(spec.resolution.extent["generalized"])
        rows.append(row)
    return pd.DataFrame(rows)
