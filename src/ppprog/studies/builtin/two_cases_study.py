"""Section 1: two reported cases, exact probabilities vs simulation (an ordinary study file).

The section is the study file ``data/studies/claims/two_cases.toml``: onset
cohorts of infliximab starters (generator ``"onset"``), the method
``ana_high_at_onset`` (:mod:`ppprog.studies.case_methods`) and estimands whose
truths are exact under the simulated model
(``"exact:ppprog.simulate.exact:case_ana_high_from_params"``). Scenarios: the
null, ANA-high multiplying the onset hazard of the susceptible (``hazard``
mechanism) and ANA-prone patients having other odds of being susceptible
(``susceptibility`` mechanism). This module loads the file with the claims
study's replicates and seed, labels each scenario by its mechanism and effect,
and tabulates the check and the likelihood ratios.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ppprog._core.errors import SpecError
from ppprog._core.resources import data_path
from ppprog.simulate.exact import (
    case_ana_high_probability,
    shortcut_case_probability,
    two_case_likelihood_ratio,
)
from ppprog.studies.builtin.common import cohort_spec, section_seed
from ppprog.studies.design import Study
from ppprog.studies.studyfile import load_study

__all__ = [
    "exact_case_probability",
    "mechanism_changes",
    "with_mechanism",
    "MECHANISMS",
    "build_study",
    "spec_changes",
    "exact_table",
    "summarize",
]


#: Mechanisms of an ANA effect: the scenario label and the spec path it changes.
MECHANISMS = {
    "hazard": "onset.log_hr.ana_high",
    "susceptibility": "onset.susceptible.log_or",
}


def mechanism_changes(
    changes: Mapping[str, Any], mechanism: str, effect: float
) -> dict[str, Any]:
    """Spec changes of the section with an ANA effect of size ``effect`` by ``mechanism``.

    Parameters
    ----------
    changes : mapping
        The section's dotted-path changes (the null).
    mechanism : {"none", "hazard", "susceptibility"}
        ``hazard``: ANA-high multiplies the onset hazard of the susceptible by
        ``effect``; ``susceptibility``: an ANA-prone patient has ``effect`` times
        the odds of being susceptible.
    effect : float
        Hazard ratio or odds ratio (positive).

    Returns
    -------
    dict
    """
    out = dict(changes)
    if mechanism == "none" or effect == 1.0:
        return out
    if mechanism not in MECHANISMS or not effect > 0:
        raise SpecError(f"two_cases: unknown mechanism {mechanism!r} or effect {effect!r}")
    if mechanism == "hazard":
        out[MECHANISMS["hazard"]] = float(np.log(effect))
    else:
        log_or = dict(out.get(MECHANISMS["susceptibility"], {}))
        log_or["ana_prone"] = float(np.log(effect))
        out[MECHANISMS["susceptibility"]] = log_or
    return out


def exact_case_probability(
    changes: Mapping[str, Any], mechanism: str = "none", effect: float = 1.0
) -> float:
    """Exact probability that a case is ANA-high at onset under the section-1 spec.

    Parameters
    ----------
    changes : mapping
        Dotted-path changes to the default onset spec (single agent,
        administrative censoring only, as the shipped study file sets).
    mechanism, effect : str, float, optional
        The ANA effect (see :func:`mechanism_changes`); default the null.

    Returns
    -------
    float
    """
    spec = cohort_spec("onset", mechanism_changes(changes, mechanism, effect))
    return case_ana_high_probability(spec)


def build_study(settings: Mapping[str, Any]) -> Study:
    """The section's study file with the claims study's replicates, cohort size and seed.

    Parameters
    ----------
    settings : mapping
        Loaded settings (``[two_cases]``: ``file``, ``replicates``, ``cohort_size``).

    Returns
    -------
    Study
    """
    sec = settings["two_cases"]
    path = Path(str(sec["file"]))
    if not path.is_absolute() and not path.is_file():
        path = data_path("studies", str(sec["file"]))
    study = load_study(path, replicates=int(sec["replicates"]),
                       seed=section_seed(int(settings["study"]["seed"]), "two_cases"))  # fmt: skip
    base = {**study.base, "n": int(sec["cohort_size"])}
    return Study(
        name=study.name, generator=study.generator, methods=study.methods,
        estimands=study.estimands, replicates=study.replicates, seed=study.seed, base=base,
        grid=study.grid, scenarios_listed=study.scenarios_listed, alpha=study.alpha,
        level=study.level, description=study.description,
    )  # fmt: skip


def spec_changes(study: Study) -> dict[str, Any]:
    """The null's dotted spec changes (the study's base without ``n``)."""
    return {k: v for k, v in study.base.items() if "." in k}


def with_mechanism(table: pd.DataFrame) -> pd.DataFrame:
    """Add ``mechanism`` and ``effect`` columns from a scenario's parameter columns.

    Parameters
    ----------
    table : pandas.DataFrame
        Per-replicate rows with the columns ``onset.log_hr.ana_high`` and
        (when some scenario has it) ``onset.susceptible.log_or.ana_prone``.

    Returns
    -------
    pandas.DataFrame
        A copy with ``mechanism`` (``none``, ``hazard``, ``susceptibility``) and
        ``effect`` (hazard ratio or odds ratio, 1 under the null).
    """
    out = table.copy()
    hz = out.get("onset.log_hr.ana_high", pd.Series(0.0, index=out.index)).fillna(0.0)
    sus = out.get(f"{MECHANISMS['susceptibility']}.ana_prone", pd.Series(0.0, index=out.index))
    sus = sus.fillna(0.0)
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


def exact_table(sec: Mapping[str, Any], changes: Mapping[str, Any], p: float) -> pd.DataFrame:
    """Exact P(case ANA-high) and likelihood ratio of the observation, by mechanism and effect.

    Parameters
    ----------
    sec : mapping
        The ``[two_cases]`` settings (``hazard_ratios``, ``n_cases``, ``n_positive``).
    changes : mapping
        The null's dotted spec changes (:func:`spec_changes`).
    p : float
        The null probability.

    Returns
    -------
    pandas.DataFrame
        Columns ``mechanism, effect, p_case_positive, p_all_positive,
        likelihood_ratio, posterior_even_prior``; mechanism ``shortcut`` is the
        binomial shortcut ``hr p / (hr p + 1 - p)``, for comparison only.
    """
    k, kpos = int(sec["n_cases"]), int(sec["n_positive"])
    rows = []
    for eff in (float(e) for e in sec["hazard_ratios"]):
        for mech in (*MECHANISMS, "shortcut"):
            if mech == "shortcut":
                q = float(shortcut_case_probability(p, eff))
            else:
                q = p if eff == 1.0 else exact_case_probability(changes, mech, eff)
            lr = float(two_case_likelihood_ratio(q, p, n_positive=kpos, n_cases=k))
            rows.append({"mechanism": mech, "effect": eff, "p_case_positive": q,
                         "p_all_positive": q**k, "likelihood_ratio": lr,
                         "posterior_even_prior": lr / (1.0 + lr)})  # fmt: skip
    return pd.DataFrame(rows)


def summarize(
    table: pd.DataFrame, settings: Mapping[str, Any], changes: Mapping[str, Any]
) -> dict[str, pd.DataFrame]:
    """Section-1 tables from the per-replicate rows.

    Parameters
    ----------
    table : pandas.DataFrame
        The section's per-replicate table (with the scenario columns
        ``mechanism``, ``effect``, ``p_exact``, ``all_positive_exact``).
    settings : mapping
        Loaded settings.
    changes : mapping
        The null's dotted spec changes (:func:`spec_changes` of the study).

    Returns
    -------
    dict of str to pandas.DataFrame
        ``two_cases_exact`` (exact probabilities and likelihood ratios by
        mechanism and effect, the shortcut labelled as such),
        ``two_cases_check`` (exact vs simulated with MC SE and z, every
        simulated scenario), ``two_cases_sensitivity`` (the shortcut at
        published shares), ``two_cases_inputs`` (the ANA-process parameters).
    """
    sec = settings["two_cases"]
    k, kpos = int(sec["n_cases"]), int(sec["n_positive"])
    table = with_mechanism(table)
    null = table[table["mechanism"] == "none"]
    p = float(null.loc[null["estimand"] == "case_ana_high", "truth"].iloc[0])
    check = pd.DataFrame(_check_rows(table, k))
    n_cases = null.loc[null["estimand"] == "n_cases", "estimate"].to_numpy(float)
    check["mean_cases_per_cohort"] = float(n_cases.mean())
    sens = []
    for q in [*sec["sensitivity_p"], p]:
        lr = two_case_likelihood_ratio(shortcut_case_probability(q, np.asarray([2.0, 5.0])), q,
                                       n_positive=kpos, n_cases=k)  # fmt: skip
        sens.append({"p": q, "p_all_positive_null": q**k, "lr_hr2": lr[0], "lr_hr5": lr[1],
                     "lr_bound": q ** (-kpos) if kpos == k else np.nan,
                     "source": "this study's onset model" if q == p else "published share"})  # fmt: skip
    spec = cohort_spec("onset", changes)
    assert spec.onset is not None
    ana = spec.onset.ana
    agent = next(a for a, q in spec.onset.population.agent.items() if q > 0)
    inputs = pd.DataFrame([{
        "agent": agent, "seroconversion": ana.convert[agent],
        "convert_median_months": ana.convert_median[agent], "reversion": ana.revert,
        "threshold": ana.threshold, "horizon_months": spec.censoring.administrative,
    }])  # fmt: skip
    return {
        "two_cases_inputs": inputs,
        "two_cases_exact": exact_table(sec, changes, p),
        "two_cases_check": check,
        "two_cases_sensitivity": pd.DataFrame(sens),
    }
