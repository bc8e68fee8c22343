"""Section 1 as a study: two reported cases, exact probabilities vs simulation.

Each replicate is a cohort of infliximab starters drawn from the onset
generator, under the null (ANA changes nothing) or under one of two
mechanisms: ANA-high multiplies the onset hazard of the susceptible
(``hazard``, hazard ratio ``effect``), or an ANA-prone patient has ``effect``
times the odds of being susceptible (``susceptibility``). A cohort's cases
are i.i.d., so its cases taken two at a time in subject order are independent
random "reports of two cases". The method records the share of those reports
whose cases were both ANA-high at onset, the share of all its cases that
were, and the number of cases. The exact values come from
:func:`ppprog.simulate.exact.case_ana_high_probability` (quadrature over the
onset and ANA processes of the simulated model).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ppprog._core.errors import SpecError
from ppprog.models.status import FitStatus
from ppprog.simulate.cohort import CohortBatch
from ppprog.simulate.exact import (
    case_ana_high_probability,
    shortcut_case_probability,
    two_case_likelihood_ratio,
)
from ppprog.studies.builtin.common import cohort_spec, generate_cohorts, section_seed, value_at
from ppprog.studies.design import Estimand, Study
from ppprog.studies.methods import Method, estimates_frame

__all__ = [
    "TwoCaseData",
    "two_case_generator",
    "two_case_method",
    "exact_case_probability",
    "mechanism_changes",
    "MECHANISMS",
    "build_study",
    "summarize",
]


@dataclass(frozen=True)
class TwoCaseData:
    """A chunk of onset cohorts (no ``truth``: the study declares the exact values)."""

    batch: CohortBatch
    n_cases: int
    truth: None = None


def two_case_generator(
    params: Mapping[str, Any], *, replicates: int, seed: int, scenario: int, first_replicate: int
) -> TwoCaseData:
    """Generate onset cohorts for section 1 (the runner's generator protocol).

    Parameters
    ----------
    params : mapping
        ``n`` (cohort size), ``n_cases``, ``spec_changes`` (dotted paths).
    replicates, seed, scenario, first_replicate : int
        As for :func:`ppprog.simulate.cohort.generate`.

    Returns
    -------
    TwoCaseData
    """
    batch = generate_cohorts("onset", params, params["spec_changes"], replicates=replicates,
                             seed=seed, scenario=scenario, first_replicate=first_replicate)  # fmt: skip
    return TwoCaseData(batch=batch, n_cases=int(params["n_cases"]))


def two_case_method(data: TwoCaseData) -> pd.DataFrame:
    """Per replicate: share of two-case reports all ANA-high, share of cases ANA-high, count.

    A cohort's cases, taken ``n_cases`` at a time in subject order, form
    ``floor(m / n_cases)`` disjoint simulated reports; subjects are i.i.d., so
    these reports are independent draws of "a report of ``n_cases`` cases".

    Parameters
    ----------
    data : TwoCaseData
        The chunk.

    Returns
    -------
    pandas.DataFrame
        The runner's method format with estimands ``all_positive`` (share of
        the replicate's reports whose cases are all ANA-high at onset),
        ``case_positive_share`` and ``n_cases``; a cohort with fewer cases than
        a report needs has status ``no_events`` for the first two.
    """
    b = data.batch
    k = data.n_cases
    high = value_at(b.breaks, b.segments["ana_high"], b.time) > 0.5
    r = b.time.shape[0]
    est = np.full((r, 3), np.nan)
    se = np.full((r, 3), np.nan)
    status = np.zeros((r, 3), dtype=np.int64)
    for i in range(r):
        h = high[i, np.flatnonzero(b.event[i])]
        m = h.size
        est[i, 2] = m
        if m < k:
            status[i, :2] = FitStatus.NO_EVENTS
            continue
        reports = h[: (m // k) * k].reshape(-1, k).all(axis=1)
        est[i, 0] = float(reports.mean())
        est[i, 1] = float(h.mean())
        se[i, 1] = np.sqrt(est[i, 1] * (1.0 - est[i, 1]) / m)
    return estimates_frame(
        ["all_positive", "case_positive_share", "n_cases"], est, se,
        lower=np.full_like(est, np.nan), upper=np.full_like(est, np.nan),
        p=np.full_like(est, np.nan), status=status,
    )  # fmt: skip


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


def _scenarios(sec: Mapping[str, Any]) -> list[dict[str, Any]]:
    k = int(sec["n_cases"])
    rows = [("none", 1.0)]
    rows += [(m, float(e)) for m in MECHANISMS for e in sec["simulated_effects"] if e != 1.0]
    out = []
    for mech, eff in rows:
        p = exact_case_probability(sec["spec_changes"], mech, eff)
        out.append({
            "mechanism": mech, "effect": eff, "p_exact": p, "all_positive_exact": p**k,
            "spec_changes": mechanism_changes(sec["spec_changes"], mech, eff),
        })  # fmt: skip
    return out


def build_study(settings: Mapping[str, Any]) -> Study:
    """The section-1 study from the settings' ``[two_cases]`` table.

    One scenario per mechanism and effect in ``simulated_effects`` (plus the
    null), each with its exact probabilities as the estimands' truth.

    Parameters
    ----------
    settings : mapping
        Loaded settings (:func:`~ppprog.studies.builtin.settings.load_settings`).

    Returns
    -------
    Study
    """
    sec, top = settings["two_cases"], settings["study"]
    base = {"n": int(sec["cohort_size"]), "n_cases": int(sec["n_cases"])}
    return Study(
        name="two-cases",
        generator=two_case_generator,
        methods=(Method("simulated report", two_case_method),),
        estimands=(
            Estimand("all_positive", truth="all_positive_exact"),
            Estimand("case_positive_share", truth="p_exact"),
            Estimand("n_cases", truth=float("nan")),
        ),
        replicates=int(sec["replicates"]),
        seed=section_seed(int(top["seed"]), "two_cases"),
        base=base,
        scenarios_listed=tuple(_scenarios(sec)),
        alpha=float(top["alpha"]),
        level=float(top["level"]),
        description="Two reported cases: exact probabilities under the simulated model vs "
        "simulation, under the null and two mechanisms of an ANA effect.",
    )


def _check_rows(table: pd.DataFrame, k: int) -> list[dict[str, Any]]:
    rows = []
    for (mech, eff), grp in table.groupby(["mechanism", "effect"], sort=False):
        for name, what, col in (
            ("all_positive", f"P(all {k} cases ANA-high at onset)", "all_positive_exact"),
            ("case_positive_share", "P(a case is ANA-high at onset)", "p_exact"),
        ):
            sub = grp[(grp["estimand"] == name) & (grp["status"] == "converged")]
            x = sub["estimate"].to_numpy(float)
            exact = float(grp[col].iloc[0])
            mean, mcse = float(x.mean()), float(x.std(ddof=1) / np.sqrt(x.size))
            rows.append({"mechanism": mech, "effect": float(eff), "estimand": name,
                         "quantity": what, "exact": exact, "simulated": mean, "mcse": mcse,
                         "z": (mean - exact) / mcse, "replicates": int(x.size),
                         "failed": int(len(grp[grp["estimand"] == name]) - x.size)})  # fmt: skip
    return rows


def exact_table(sec: Mapping[str, Any], p: float) -> pd.DataFrame:
    """Exact P(case ANA-high) and likelihood ratio of the observation, by mechanism and effect.

    Parameters
    ----------
    sec : mapping
        The ``[two_cases]`` settings (``hazard_ratios``, ``n_cases``, ``n_positive``).
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
                q = p if eff == 1.0 else exact_case_probability(sec["spec_changes"], mech, eff)
            lr = float(two_case_likelihood_ratio(q, p, n_positive=kpos, n_cases=k))
            rows.append({"mechanism": mech, "effect": eff, "p_case_positive": q,
                         "p_all_positive": q**k, "likelihood_ratio": lr,
                         "posterior_even_prior": lr / (1.0 + lr)})  # fmt: skip
    return pd.DataFrame(rows)


def summarize(table: pd.DataFrame, settings: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """Section-1 tables from the per-replicate rows.

    Parameters
    ----------
    table : pandas.DataFrame
        The section's per-replicate table (with the scenario columns
        ``mechanism``, ``effect``, ``p_exact``, ``all_positive_exact``).
    settings : mapping
        Loaded settings.

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
    null = table[table["mechanism"] == "none"]
    p = float(null["p_exact"].iloc[0])
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
    spec = cohort_spec("onset", sec["spec_changes"])
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
        "two_cases_exact": exact_table(sec, p),
        "two_cases_check": check,
        "two_cases_sensitivity": pd.DataFrame(sens),
    }
