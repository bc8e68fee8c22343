"""The text and tables of the claims report, composed from a run's numbers.

Every number in the prose is read from the result's tables; nothing is typed
in. Each section builder returns a list of document blocks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ppprog._core.fmt import fmt_num
from ppprog.report.document import Block, Heading, Paragraph, Table
from ppprog.report.tables import Column, format_table

if TYPE_CHECKING:
    from ppprog.report.claims_result import ClaimsResult

__all__ = ["section_blocks", "fmt_hr_interval"]


def _f(x: float, d: int = 3) -> str:
    return fmt_num(float(x), d)


def fmt_hr_interval(row: Any) -> str:
    """``"HR 0.85 (MC 95% 0.80-0.91)"`` from a row with ``hr, lower, upper``."""
    return f"HR {_f(row['hr'])} (MC 95% {_f(row['lower'])}-{_f(row['upper'])})"


def _row(frame: pd.DataFrame, **match: Any) -> pd.Series:
    sel = np.ones(len(frame), dtype=bool)
    for k, v in match.items():
        sel &= (frame[k] == v).to_numpy()
    if not sel.any():
        raise KeyError(f"no row with {match}")
    return frame[sel].iloc[0]


def _agreement(z: np.ndarray) -> str:
    zs = " and ".join(_f(v, 2) for v in z)
    if np.all(np.abs(z) < 3.0):
        return f"Exact and simulated values agree within Monte-Carlo error (z = {zs})."
    return f"Exact and simulated values differ by more than 3 Monte-Carlo SEs (z = {zs}); check the generator."


def _two_cases_blocks(res: ClaimsResult) -> list[Block]:
    check = res.tables["two_cases_check"]
    sec = {**res.settings["report"]["two_cases"], **res.settings["runs"]["two_cases"]}
    inp = res.tables["two_cases_inputs"].iloc[0]
    p = float(check.loc[check["mechanism"] == "none", "exact"].iloc[-1])
    text = (
        f"Each replicate is a cohort of {sec['n']} {inp['agent']} starters from the "
        f"onset generator, followed for {inp['horizon_months']:g} months, under the null "
        f"(ANA-high, a titer of at least 1:{inp['threshold']:g}, changes nothing) or under one "
        "of two mechanisms: ANA-high multiplies the onset hazard of susceptible patients while "
        "it lasts (hazard), or an ANA-prone patient (one whose titer is ever at least the "
        "threshold) has higher odds of being susceptible (susceptibility). A cohort's cases, "
        f"taken {sec['n_cases']} at a time, form independent simulated reports. The exact "
        "probability that a case is ANA-high at onset integrates the generator's ANA process "
        f"(seroconversion probability {inp['seroconversion']:g}; median time to seroconversion "
        f"{inp['convert_median_months']:g} months; titer ladder; reversion probability "
        f"{inp['reversion']:g}) and onset process by quadrature: under the null p = {_f(p, 4)}. "
        + _agreement(check["z"].to_numpy(float))
    )
    check_tab = format_table(check, [
        Column("mechanism", "mechanism"), Column("effect", "effect"),
        Column("quantity", "quantity"), Column("exact", "exact", digits=4),
        Column("simulated (MC SE)", "simulated", mcse="mcse", digits=4), Column("z", "z", digits=2),
        Column("replicates", "replicates"),
    ])  # fmt: skip
    exact_tab = format_table(res.tables["two_cases_exact"], [
        Column("mechanism", "mechanism"), Column("effect (HR or OR)", "effect"),
        Column("P(case ANA-high)", "p_case_positive"),
        Column("P(both ANA-high)", "p_all_positive"), Column("likelihood ratio", "likelihood_ratio"),
        Column("posterior, prior 1:1", "posterior_even_prior"),
    ])  # fmt: skip
    sens_tab = format_table(res.tables["two_cases_sensitivity"], [
        Column("p (ANA-high share)", "p"), Column("source", "source"),
        Column("P(both) under the null", "p_all_positive_null"), Column("LR at HR 2", "lr_hr2"),
        Column("LR at HR 5", "lr_hr5"), Column("LR limit", "lr_bound"),
    ])  # fmt: skip
    return [
        Heading("1. What two cases can tell", 2), Paragraph(text),
        Table(check_tab, "Exact vs simulated, by mechanism and effect (mean of per-replicate "
              "shares; MC SE in brackets)."),
        Table(exact_tab, f"Likelihood ratio of {sec['n_positive']} ANA-high cases out of "
              f"{sec['n_cases']} against no effect, exact under the simulated model, by mechanism "
              "(hazard: HR of ANA-high on onset among susceptible patients; susceptibility: odds "
              "ratio of being susceptible for ANA-prone patients); 'shortcut' is the binomial "
              "hr p / (hr p + 1 - p), for comparison only."),
        Table(sens_tab, "The binomial shortcut with other published ANA-positive shares "
              "(comparison only)."),
    ]  # fmt: skip


def _publication_blocks(res: ClaimsResult) -> list[Block]:
    cols = [
        Column("reporting model", "label"), Column("series", "series"),
        Column("mean log HR (MC SE)", "mean_estimate", mcse="bias_mcse"), Column("HR", "hr"),
        Column("p <= alpha (MC SE)", "rejection", mcse="rejection_mcse", kind="pct"),
        Column("coverage", "coverage", kind="pct"), Column("fits used", "n_used"),
        Column("failed", "n_nonconverged"), Column("mean cases", "mean_n_cases"),
    ]  # fmt: skip
    runs = res.settings["runs"]
    sec = {"cohort_size": runs["publication"]["n"],
           "onset_cohort_size": runs["publication_onset"]["n"],
           "protracted_months": runs["publication"]["protracted_months"]}  # fmt: skip
    text = (
        f"Each replicate is a world of {sec['cohort_size']} paradoxical-psoriasis cases under the "
        "null (pustular extent does not change resolution). A case is published with probability "
        "expit(intercept + sum of coefficients x features), the features being generalized "
        f"extent, a protracted course (unresolved, or resolved after {sec['protracted_months']:g} "
        "months), an unrelated unusual feature and their interactions (the [selection] table "
        "of `studies/publication.toml`, editable). 'p <= alpha' is the share of all published "
        "series that would report a significant association (failed fits count as not "
        "significant); the null is true throughout."
    )
    onset_text = (
        f"Onset side: cohorts of {sec['onset_cohort_size']} infliximab starters under the null "
        "(ANA does not change onset); published cases are compared with the whole treated cohort, "
        "unpublished cases being invisible."
    )
    res_tab = format_table(res.tables["publication_resolution"], cols)
    on_tab = format_table(
        res.tables["publication_onset"], [c for c in cols if c.source != "mean_n_generalized"]
    )
    return [
        Heading("2. Publication (ascertainment) bias", 2), Paragraph(text),
        Table(res_tab, "Generalized pustular extent and resolution: all cases vs published cases."),
        Paragraph(onset_text),
        Table(on_tab, "ANA-high and onset: all cases vs published cases."),
    ]  # fmt: skip


def _residual_bias(imm: pd.DataFrame) -> str:
    """Name every encoding other than the naive one whose bias is distinguishable from 0."""
    z = imm["bias"] / imm["bias_mcse"]
    odd = imm[(np.abs(z) > 3) & ~imm["method"].str.contains("naive")]
    if not len(odd):
        return "Apart from the naive count, no encoding's bias is distinguishable from 0 (|z| <= 3)."
    parts = [f"{r.label}: bias {_f(r.bias)} (MC SE {_f(r.bias_mcse, 2)}, z = "
             f"{_f(r.bias / r.bias_mcse, 2)})" for r in odd.itertuples()]  # fmt: skip
    return (
        "Besides the naive count, these biases are distinguishable from 0 at this cohort size "
        "(small against the naive bias; this study does not test whether they shrink with "
        "cohort size, so they are reported, not interpreted): " + "; ".join(parts) + "."
    )


def _immortal_blocks(res: ClaimsResult) -> list[Block]:
    run = res.settings["runs"]["immortal_time"]
    sec = {"cohort_size": run["n"], "landmark_months": run.get("landmark_months", float("nan"))}
    text = (
        f"Cohorts of {sec['cohort_size']} cases from the resolution generator with every strategy "
        "hazard ratio set to 1, so drug switches have no effect on resolution. A case that "
        "switched three times had to stay unresolved long enough to switch three times: the "
        "naive encoding credits that time to 'switchers'. The time-varying count uses "
        f"(start, stop] rows; the landmark analysis starts at {sec['landmark_months']:g} months "
        "among cases still unresolved then. " + _residual_bias(res.tables["immortal_time"])
    )
    tab = format_table(res.tables["immortal_time"], [
        Column("encoding", "method"), Column("switch rate /month", "switch_rate"),
        Column("switches per case", "mean_switches"), Column("bias (MC SE)", "bias", mcse="bias_mcse"),
        Column("HR per switch", "hr"), Column("empirical SE", "empse"),
        Column("coverage (MC SE)", "coverage", mcse="coverage_mcse", kind="pct"),
        Column("type-I error (MC SE)", "rejection", mcse="rejection_mcse", kind="pct"),
        Column("fits used", "n_used"),
    ])  # fmt: skip
    return [Heading("3. Drug switches and immortal time", 2), Paragraph(text),
            Table(tab, "Log hazard ratio per drug switch; truth 0.")]  # fmt: skip


def _requirement_blocks(res: ClaimsResult) -> list[Block]:
    blocks: list[Block] = [Heading("4. What it would take", 2)]
    target = float(res.settings["report"]["requirements"]["power"])
    for endpoint, title in (
        ("onset", "ANA-high on onset"),
        ("resolution", "Generalized extent on resolution"),
    ):
        pw = res.tables[f"power_{endpoint}"]
        tab = format_table(pw, [
            Column("HR", "hr"), Column("patients", "n"), Column("method", "method"),
            Column("power (MC SE)", "power", mcse="power_mcse", kind="pct"),
            Column("Schoenfeld", "formula_power", kind="pct"), Column("mean events", "mean_events"),
            Column("exposed share", "allocation"), Column("fits used", "n_used"),
        ])  # fmt: skip
        req = format_table(res.tables[f"requirements_{endpoint}"], [
            Column("generator HR", "hr"), Column("estimand's true HR", "hr_estimand"),
            Column("exposed share", "allocation"),
            Column("events per patient", "events_per_patient"),
            Column("patients (formula, generator HR)", "n_formula"),
            Column("patients (formula, estimand)", "n_formula_estimand"),
            Column("patients (information, estimand)", "n_information"),
            Column("patients (simulated Cox, fitted curve)", "n_simulated"),
            Column("95% CI low", "n_simulated_lower"), Column("95% CI high", "n_simulated_upper"),
            Column("fit", "n_simulated_note"),
        ])  # fmt: skip
        blocks += [
            Heading(title, 3),
            Table(req, "Requirement per hazard ratio. The estimand is the hazard ratio the Cox "
                  "model estimates; its true value comes from a Cox fit to one very large cohort "
                  "from the generator (onset: the generator's HR, exact). The simulated size is "
                  "where the probit power curve in sqrt(n), fitted to every simulated size, "
                  f"reaches {target:.0%}; its 95% interval is Monte-Carlo uncertainty."),
            Table(tab, "Power by scenario."),
        ]
    return blocks


def _refractory_blocks(res: ClaimsResult) -> list[Block]:
    if "refractory" not in res.tables:
        return []
    sec = res.settings["runs"]["refractory"]
    text = (
        f"The study file `{sec['file']}` (an ordinary study file: run it with `ppprog study run`) "
        "simulates registries of cases with generalized extent either slowing resolution among "
        "cases that resolve (latency HR), or raising the odds of never resolving (OR), or "
        "neither, and fits the mixture cure model (Weibull latency) next to Cox and log-rank. "
        "Power counts failed fits (including 'not identified': no plateau in the follow-up) as "
        "not significant; bias is over the scored fits."
    )
    tab = format_table(res.tables["refractory"], [
        Column("scenario", "label"), Column("method", "method"), Column("estimand", "estimand"),
        Column("truth", "truth"), Column("mean estimate", "mean_estimate"),
        Column("bias (MC SE)", "bias", mcse="bias_mcse"),
        Column("p <= alpha (MC SE)", "power", mcse="power_mcse", kind="pct"),
        Column("fits used", "n_used"), Column("failed", "n_nonconverged"),
    ])  # fmt: skip
    return [Heading("5. Protracted or refractory", 2), Paragraph(text),
            Table(tab, "Cure model, Cox and log-rank by scenario (labelled by its parameters).")]  # fmt: skip


def section_blocks(res: ClaimsResult) -> dict[str, list[Block]]:
    """Sections 1-5 of the report, keyed ``two_cases, publication, immortal_time,
    requirements, report_cases``.

    Parameters
    ----------
    res : ClaimsResult
        A finished run.

    Returns
    -------
    dict of str to list of Block
    """
    out = {
        "two_cases": _two_cases_blocks(res),
        "publication": _publication_blocks(res),
        "immortal_time": _immortal_blocks(res),
        "requirements": _requirement_blocks(res),
        "refractory": _refractory_blocks(res),
    }
    rc = res.report_cases
    if rc is not None:
        cases = format_table(rc.table, [
            Column("endpoint", "endpoint"), Column("case", "case"), Column("months", "months"),
            Column("event", "event"), Column("months (low)", "months_low"),
            Column("months (high)", "months_high"), Column("pustular extent", "pustular_extent"),
            Column("ANA at onset", "ana_at_onset"),
        ])  # fmt: skip
        fits = format_table(rc.fits, [
            Column("endpoint", "endpoint"), Column("model", "model"), Column("covariate", "covariate"),
            Column("events", "events"), Column("with factor", "exposed"),
            Column("without", "unexposed"), Column("log HR", "estimate"), Column("SE", "se"),
            Column("status", "status"),
        ])  # fmt: skip
        out["report_cases"] = [
            Heading("6. The report's own two cases", 2), Paragraph(rc.text),
            Table(cases, "The two cases as survival data (months since onset; low/high: the "
                  "bounds the report's wording allows)."),
            Table(fits, "What the ordinary and Firth-penalized Cox models give on them."),
        ]  # fmt: skip
    return out
