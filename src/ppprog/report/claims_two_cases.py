"""Tables of section 1 (what two cases can tell) from the ``two_cases`` study's run.

The study file ``data/studies/claims/two_cases.toml`` simulates onset cohorts
under the null and under two mechanisms of an ANA effect; its estimands' truths
are exact (:mod:`ppprog.simulate.exact`). This module labels each scenario by
its mechanism and effect, checks exact against simulated values (z-scores),
and tabulates the exact likelihood ratio of two ANA-high cases for the effects
the report asks about, next to the binomial shortcut (labelled a comparison).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ppprog._core.errors import SpecError
from ppprog.simulate.exact import (
    case_ana_high_from_params,
    shortcut_case_probability,
    two_case_likelihood_ratio,
)
from ppprog.studies.cohorts import cohort_spec
from ppprog.studies.result import StudyResult

__all__ = ["MECHANISMS", "mechanism_params", "with_mechanism", "exact_table", "two_cases_tables"]

#: Mechanisms of an ANA effect and the scenario parameter each sets (a log HR or log OR).
MECHANISMS = {
    "hazard": "onset.log_hr.ana_high",
    "susceptibility": "onset.susceptible.log_or.ana_prone",
}


def mechanism_params(base: Mapping[str, Any], mechanism: str, effect: float) -> dict[str, Any]:
    """The null's parameters with an ANA effect of size ``effect`` by ``mechanism``.

    Parameters
    ----------
    base : mapping
        The null scenario's parameters.
    mechanism : {"none", "hazard", "susceptibility"}
        ``hazard``: ANA-high multiplies the onset hazard of susceptible patients
        by ``effect``; ``susceptibility``: an ANA-prone patient has ``effect``
        times the odds of being susceptible.
    effect : float
        Hazard ratio or odds ratio (positive).

    Returns
    -------
    dict
    """
    out = dict(base)
    if mechanism == "none" or effect == 1.0:
        return out
    if mechanism not in MECHANISMS or not effect > 0:
        raise SpecError(f"two_cases: unknown mechanism {mechanism!r} or effect {effect!r}")
    out[MECHANISMS[mechanism]] = math.log(effect)
    return out


def with_mechanism(table: pd.DataFrame) -> pd.DataFrame:
    """Add ``mechanism`` and ``effect`` columns from the scenario parameter columns.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows with the columns of :data:`MECHANISMS` (a missing one counts as 0).

    Returns
    -------
    pandas.DataFrame
        A copy with ``mechanism`` (``none``, ``hazard``, ``susceptibility``) and
        ``effect`` (hazard ratio or odds ratio, 1 under the null).
    """
    out = table.copy()
    zero = pd.Series(0.0, index=out.index)
    hz = out.get(MECHANISMS["hazard"], zero).fillna(0.0)
    sus = out.get(MECHANISMS["susceptibility"], zero).fillna(0.0)
    if bool(((hz != 0) & (sus != 0)).any()):
        raise SpecError("two_cases: a scenario sets both mechanisms; label it yourself")
    out["mechanism"] = np.where(hz != 0, "hazard", np.where(sus != 0, "susceptibility", "none"))
    out["effect"] = np.round(np.exp(hz.to_numpy(float) + sus.to_numpy(float)), 10)
    return out


def _check_rows(table: pd.DataFrame, k: int) -> list[dict[str, Any]]:
    rows = []
    for (mech, eff), grp in table.groupby(["mechanism", "effect"], sort=False):
        for name, what in (
            ("cases_all_ana_high", f"P(all {k} cases ANA-high at onset)"),
            ("case_ana_high", "P(a case is ANA-high at onset)"),
        ):
            sub = grp[(grp["estimand"] == name) & (grp["status"] == "converged")]
            x = sub["estimate"].to_numpy(float)
            exact = float(grp.loc[grp["estimand"] == name, "truth"].iloc[0])
            mean, mcse = float(x.mean()), float(x.std(ddof=1) / np.sqrt(x.size))
            rows.append({"mechanism": mech, "effect": float(eff), "estimand": name,
                         "quantity": what, "exact": exact, "simulated": mean, "mcse": mcse,
                         "z": (mean - exact) / mcse, "replicates": int(x.size),
                         "failed": int(len(grp[grp["estimand"] == name]) - x.size)})  # fmt: skip
    return rows


def exact_table(
    base: Mapping[str, Any], effects: list[float], p: float, *, n_positive: int, n_cases: int
) -> pd.DataFrame:
    """Exact P(case ANA-high) and likelihood ratio of the observation, by mechanism and effect.

    Parameters
    ----------
    base : mapping
        The null scenario's parameters.
    effects : list of float
        Hazard ratios / odds ratios.
    p : float
        The null probability.
    n_positive, n_cases : int
        The observation: ``n_positive`` ANA-high cases out of ``n_cases``.

    Returns
    -------
    pandas.DataFrame
        ``mechanism, effect, p_case_positive, p_all_positive, likelihood_ratio,
        posterior_even_prior``; mechanism ``shortcut`` is the binomial shortcut
        ``hr p / (hr p + 1 - p)``, for comparison only.
    """
    rows = []
    for eff in (float(e) for e in effects):
        for mech in (*MECHANISMS, "shortcut"):
            if mech == "shortcut":
                q = float(shortcut_case_probability(p, eff))
            else:
                q = (
                    p
                    if eff == 1.0
                    else case_ana_high_from_params(mechanism_params(base, mech, eff))
                )
            lr = float(two_case_likelihood_ratio(q, p, n_positive=n_positive, n_cases=n_cases))
            rows.append({"mechanism": mech, "effect": eff, "p_case_positive": q,
                         "p_all_positive": q**n_cases, "likelihood_ratio": lr,
                         "posterior_even_prior": lr / (1.0 + lr)})  # fmt: skip
    return pd.DataFrame(rows)


def two_cases_tables(result: StudyResult, settings: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """Section-1 tables from the ``two_cases`` run.

    Parameters
    ----------
    result : StudyResult
        The run of the two-cases study file.
    settings : mapping
        The report's ``[report.two_cases]`` table (``n_cases``, ``n_positive``,
        ``hazard_ratios``, ``sensitivity_p``).

    Returns
    -------
    dict of str to pandas.DataFrame
        ``two_cases_inputs`` (the ANA process), ``two_cases_exact``,
        ``two_cases_check`` (exact vs simulated, every scenario),
        ``two_cases_sensitivity`` (the shortcut at published shares).
    """
    k, kpos = int(settings["n_cases"]), int(settings["n_positive"])
    table = with_mechanism(result.replicates)
    null = table[table["mechanism"] == "none"]
    p = float(null.loc[null["estimand"] == "case_ana_high", "truth"].iloc[0])
    check = pd.DataFrame(_check_rows(table, k))
    n_cases = null.loc[null["estimand"] == "n_cases", "estimate"].to_numpy(float)
    check["mean_cases_per_cohort"] = float(n_cases.mean())
    sens = []
    for q in [*settings["sensitivity_p"], p]:
        lr = two_case_likelihood_ratio(shortcut_case_probability(q, np.asarray([2.0, 5.0])), q,
                                       n_positive=kpos, n_cases=k)  # fmt: skip
        sens.append({"p": q, "p_all_positive_null": q**k, "lr_hr2": lr[0], "lr_hr5": lr[1],
                     "lr_bound": q ** (-kpos) if kpos == k else np.nan,
                     "source": "this study's onset model" if q == p else "published share"})  # fmt: skip
    base = next(dict(s.params) for s in result.study.scenarios
                if with_mechanism(pd.DataFrame([s.params]))["mechanism"].iloc[0] == "none")  # fmt: skip
    spec = cohort_spec("onset", base)
    ana = spec.onset.ana
    agent = next(a for a, q in spec.onset.population.agent.items() if q > 0)
    inputs = pd.DataFrame([{
        "agent": agent, "seroconversion": ana.convert[agent],
        "convert_median_months": ana.convert_median[agent], "reversion": ana.revert,
        "threshold": ana.threshold, "horizon_months": spec.censoring.administrative,
        "cohort_size": int(base["n"]),
    }])  # fmt: skip
    effects = [float(h) for h in settings["hazard_ratios"]]
    return {
        "two_cases_inputs": inputs,
        "two_cases_exact": exact_table(base, effects, p, n_positive=kpos, n_cases=k),
        "two_cases_check": check,
        "two_cases_sensitivity": pd.DataFrame(sens),
    }
