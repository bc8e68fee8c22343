"""Section 1 as a study: two reported cases, exact binomial vs simulation.

Each replicate is a cohort of infliximab starters drawn from the onset
generator under the null (ANA does not change the onset hazard). Its cases
are i.i.d., so its cases taken two at a time in subject order are independent
random "reports of two cases". The method records the share of those reports
whose cases were both ANA-high at onset, the share of all its cases that
were, and the number of cases. The exact values come
from :mod:`ppprog.studies.builtin.ana_exact`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ppprog.models.status import FitStatus
from ppprog.simulate.cohort import CohortBatch
from ppprog.studies.builtin.ana_exact import case_ana_high_probability
from ppprog.studies.builtin.common import cohort_spec, generate_cohorts, section_seed, value_at
from ppprog.studies.builtin.two_cases import likelihood_ratio, two_case_table
from ppprog.studies.design import Estimand, Study
from ppprog.studies.methods import Method, estimates_frame

__all__ = [
    "TwoCaseData",
    "two_case_generator",
    "two_case_method",
    "exact_case_probability",
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


def exact_case_probability(changes: Mapping[str, Any]) -> float:
    """Exact probability that a case is ANA-high at onset under the section-1 spec.

    Parameters
    ----------
    changes : mapping
        Dotted-path changes to the default onset spec; the result must have a
        single agent, no covariate effects on onset timing and administrative
        censoring only (as the shipped study file sets).

    Returns
    -------
    float
    """
    spec = cohort_spec("onset", changes)
    model = spec.onset
    assert model is not None
    agents = [a for a, p in model.population.agent.items() if p > 0]
    timing = {k: v for k, v in model.log_hr.items() if v != 0.0}
    cens = spec.censoring
    if (
        len(agents) != 1
        or timing
        or cens.loss_rate
        or cens.death_rate
        or cens.uniform
        or cens.accrual
    ):
        from ppprog._core.errors import SpecError

        raise SpecError(
            "the exact two-case calculation needs one agent, no onset hazard ratios and "
            "administrative censoring only; check [two_cases.spec_changes]"
        )
    assert cens.administrative is not None
    return case_ana_high_probability(model.ana, agents[0], model.baseline, cens.administrative)


def build_study(settings: Mapping[str, Any]) -> Study:
    """The section-1 study from the settings' ``[two_cases]`` table.

    Parameters
    ----------
    settings : mapping
        Loaded settings (:func:`~ppprog.studies.builtin.settings.load_settings`).

    Returns
    -------
    Study
    """
    sec, top = settings["two_cases"], settings["study"]
    p = exact_case_probability(sec["spec_changes"])
    k = int(sec["n_cases"])
    params = {
        "n": int(sec["cohort_size"]), "n_cases": k, "spec_changes": dict(sec["spec_changes"]),
        "p_exact": p, "all_positive_exact": p**k,
    }  # fmt: skip
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
        base=params,
        alpha=float(top["alpha"]),
        level=float(top["level"]),
        description="Two reported cases under the null: exact binomial vs simulation.",
    )


def summarize(table: pd.DataFrame, settings: Mapping[str, Any]) -> dict[str, pd.DataFrame]:
    """Section-1 tables from the per-replicate rows.

    Parameters
    ----------
    table : pandas.DataFrame
        The section's per-replicate table.
    settings : mapping
        Loaded settings.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``two_cases_exact`` (likelihood ratios by effect size),
        ``two_cases_check`` (exact vs simulated with MC SE and z),
        ``two_cases_sensitivity`` (other population shares), ``two_cases_inputs``
        (the ANA-process parameters the exact value uses).
    """
    sec = settings["two_cases"]
    k, kpos = int(sec["n_cases"]), int(sec["n_positive"])
    p = float(table["p_exact"].iloc[0])
    rows = []
    for name, what, exact in (
        ("all_positive", f"P(all {k} cases ANA-high at onset)", p**k),
        ("case_positive_share", "P(a case is ANA-high at onset)", p),
    ):
        sub = table[(table["estimand"] == name) & (table["status"] == "converged")]
        x = sub["estimate"].to_numpy(float)
        mean, mcse = float(x.mean()), float(x.std(ddof=1) / np.sqrt(x.size))
        z = (mean - exact) / mcse
        rows.append({"estimand": name, "quantity": what, "exact": exact, "simulated": mean, "mcse": mcse,
                     "z": z, "replicates": int(x.size)})  # fmt: skip
    n_cases = table.loc[table["estimand"] == "n_cases", "estimate"].to_numpy(float)
    check = pd.DataFrame(rows)
    check["mean_cases_per_cohort"] = float(n_cases.mean())
    exact_tab = two_case_table(p, sec["hazard_ratios"], n_positive=kpos, n_cases=k)
    sens = []
    for q in [*sec["sensitivity_p"], p]:
        lr = likelihood_ratio(q, np.asarray([2.0, 5.0]), n_positive=kpos, n_cases=k)
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
        "two_cases_exact": exact_tab,
        "two_cases_check": check,
        "two_cases_sensitivity": pd.DataFrame(sens),
    }
