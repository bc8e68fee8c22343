"""Power tables of a study: simulated power with MC SE, formula power, sizes for a target power.

One rule for failed fits everywhere: power (or type-I error) is the share of
**all** replicates whose fit converged with ``p <= alpha``; a failed fit gives
no evidence and counts as not significant, and the number of failed fits is
shown beside it (:func:`power_over_all`).

The estimand of a formula-based size is the quantity the test's model
estimates; its true value can differ from the generator's parameter (a cure
fraction pulls a whole-cohort hazard ratio towards 1), so
:func:`large_sample_value` computes it from one very large cohort of the
study's own generator, with the study's own method.

References
----------
Schoenfeld D. Sample-size formula for the proportional-hazards regression
model. Biometrics 1983;39:499-503.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ppprog._core.errors import SpecError
from ppprog.studies.design import Study
from ppprog.studies.generators import resolve_generator
from ppprog.studies.power import schoenfeld_events, schoenfeld_power
from ppprog.studies.power_curve import fit_power_curve
from ppprog.studies.result import StudyResult
from ppprog.studies.selection import generator_params

__all__ = [
    "power_over_all",
    "power_table",
    "large_sample_value",
    "requirement_table",
]


def power_over_all(perf: pd.DataFrame) -> pd.DataFrame:
    """Performance rows with power over all replicates (failed fits not significant).

    Parameters
    ----------
    perf : pandas.DataFrame
        :meth:`StudyResult.performance` output (power over the ``n_used`` fits).

    Returns
    -------
    pandas.DataFrame
        A copy whose ``power`` is ``hits / n_total`` and ``power_mcse``
        ``sqrt(P (1 - P) / n_total)``.
    """
    out = perf.copy()
    hits = out["power"].to_numpy(float) * out["n_used"].to_numpy(float)
    total = out["n_total"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        hits = np.where(out["n_used"].to_numpy() > 0, hits, 0.0)
        out["power"] = hits / total
        out["power_mcse"] = np.sqrt(out["power"] * (1.0 - out["power"]) / total)
    return out


def power_table(
    result: StudyResult,
    estimand: str,
    *,
    effect: str,
    alpha: float | None = None,
    allocation: str | None = None,
) -> pd.DataFrame:
    """Simulated power with MC SE per scenario and method, and Schoenfeld's formula power.

    Parameters
    ----------
    result : StudyResult
        A study whose scenarios vary ``n`` and a log hazard ratio.
    estimand : str
        The tested estimand (a log hazard ratio).
    effect : str
        The scenario parameter holding the generator's log hazard ratio.
    alpha : float, optional
        Significance level (default: the study's).
    allocation : str, optional
        Estimand whose per-scenario mean is the exposed share (e.g. the
        ``exposed_share`` method's); default: the ``allocation`` column (the
        estimand's declared allocation).

    Returns
    -------
    pandas.DataFrame
        ``scenario, n, hr, method, power, power_mcse, n_used, n_total,
        mean_events, allocation, formula_power``.
    """
    a_level = result.study.alpha if alpha is None else float(alpha)
    table = result.replicates
    if allocation is not None:
        share = table[table["estimand"] == allocation].groupby("scenario")["estimate"].mean()
    rows = []
    sub = table[table["estimand"] == estimand]
    if not len(sub):
        raise SpecError(f"no rows for estimand {estimand!r}")
    for (s, m), g in sub.groupby(["scenario", "method"], sort=False):
        ok = (g["status"] == "converged").to_numpy() & np.isfinite(g["p"].to_numpy())
        hit = ok & (g["p"].to_numpy() <= a_level)
        pw = float(hit.mean())
        ev = float(g["n_events"].mean())
        hr = math.exp(float(g[effect].iloc[0]))
        a = float(share.loc[s]) if allocation is not None else float(g["allocation"].mean())
        rows.append({
            "scenario": int(s), "n": int(g["n"].iloc[0]), "hr": hr, "method": m, "power": pw,
            "power_mcse": math.sqrt(pw * (1 - pw) / len(g)), "n_used": int(ok.sum()),
            "n_total": len(g), "mean_events": ev, "allocation": a,
            "formula_power": schoenfeld_power(hr, ev, alpha=a_level, allocation=a),
        })  # fmt: skip
    return pd.DataFrame(rows)


def large_sample_value(
    study: Study,
    params: Mapping[str, Any],
    method: str,
    estimand: str,
    *,
    n: int,
    seed: int,
) -> tuple[float, float]:
    """An estimand's value in one very large cohort of the study's generator and method.

    Parameters
    ----------
    study : Study
        The study (its generator, and the method labelled ``method``).
    params : mapping
        The scenario's parameters; ``n`` is replaced.
    method : str
        Label of the method to fit.
    estimand : str
        Estimand to read.
    n : int
        Size of the large cohort.
    seed : int
        Its seed (scenario 0, replicate 0 of ``seed``).

    Returns
    -------
    (float, float)
        Estimate and its SE; ``n * SE^2`` is the inverse information per subject.
    """
    meth = next((m for m in study.methods if m.label == method), None)
    if meth is None:
        raise SpecError(f"study {study.name!r} has no method {method!r}")
    gen = resolve_generator(study.generator)
    data = gen(generator_params({**params, "n": int(n)}), replicates=1, seed=int(seed),
               scenario=0, first_replicate=0)  # fmt: skip
    out = meth.resolved().apply(data, level=study.level)
    row = out[out["estimand"] == estimand].iloc[0]
    return float(row["estimate"]), float(row["se"])


def requirement_table(
    power: pd.DataFrame,
    *,
    target: float,
    alpha: float,
    method: str = "Cox",
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
    method : str, optional
        The method whose simulated power curve gives the simulated size.
    truth : mapping of float to (float, float, float), optional
        The estimand's true hazard ratio, its MC SE (log scale) and the
        information per subject, per generator ``hr`` (from
        :func:`large_sample_value`); default: the generator's ``hr`` and no
        information (NaN sizes).

    Returns
    -------
    pandas.DataFrame
        Per hazard ratio: Schoenfeld events and size at the generator's ``hr``
        (``events_needed``, ``n_formula``) and at the estimand's true value
        (``hr_estimand``, ``hr_estimand_mcse``, ``events_estimand``,
        ``n_formula_estimand``), the asymptotic size from the information per
        subject (``n_information``), events per patient, and the simulated size
        for ``target`` from the fitted probit power curve in ``sqrt(n)``
        (:func:`~ppprog.studies.power_curve.fit_power_curve`) with its 95%
        interval (``n_simulated``, ``n_simulated_lower``, ``n_simulated_upper``,
        ``n_simulated_note``: the fit's status).
    """
    rows = []
    zz = float(stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(target))
    for hr, g in power[power["method"] == method].groupby("hr"):
        g = g.sort_values("n")
        a = float(g["allocation"].mean())
        d = schoenfeld_events(float(hr), power=target, alpha=alpha, allocation=a)
        per = float((g["mean_events"] / g["n"]).mean())
        h_true, h_se, info = (truth or {}).get(float(hr), (float(hr), 0.0, float("nan")))
        d_true = schoenfeld_events(h_true, power=target, alpha=alpha, allocation=a)
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
