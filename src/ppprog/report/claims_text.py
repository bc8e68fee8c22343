"""The text and tables of the claims report, composed from a run's numbers.

Every number in the prose is read from the result's tables; nothing is typed
in. Each section builder returns a list of document blocks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ppprog._core.fmt import fmt_num
from ppprog.report.document import Block, Bullets, Heading, Paragraph, Table
from ppprog.report.tables import Column, format_table

if TYPE_CHECKING:
    from ppprog.studies.builtin.run import ClaimsResult

__all__ = ["headline", "section_blocks", "fmt_hr_interval"]


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


def _two_cases_facts(res: ClaimsResult) -> dict[str, Any]:
    check = res.tables["two_cases_check"].set_index("estimand")
    exact = res.tables["two_cases_exact"]
    finite = exact[np.isfinite(exact["hr"])]
    return {
        "p": float(check.loc["case_positive_share", "exact"]),
        "p_sim": check.loc["case_positive_share"],
        "both": check.loc["all_positive"],
        "lr2": float(_row(finite, hr=2.0)["likelihood_ratio"])
        if (finite["hr"] == 2.0).any()
        else np.nan,
        "lr_max_finite": finite.iloc[-1],
        "bound": float(exact["likelihood_ratio"].iloc[-1]),
    }


def headline(res: ClaimsResult) -> list[Block]:
    """The summary bullets at the top of the report.

    Parameters
    ----------
    res : ClaimsResult
        A finished run.

    Returns
    -------
    list of Block
    """
    t = _two_cases_facts(res)
    both = t["both"]
    last = t["lr_max_finite"]
    pub = res.tables["publication_resolution"]
    key = str(res.settings["publication"].get("headline_model", pub["model_key"].iloc[-1]))
    worst = pub[(pub["model_key"] == key) & (pub["series"] == "published (Cox)")].iloc[0]
    rnd = pub[
        (pub["model_key"] == pub["model_key"].iloc[0]) & (pub["series"] == worst["series"])
    ].iloc[0]
    imm = res.tables["immortal_time"]
    naive = imm[imm["method"].str.contains("naive")].iloc[-1]
    tvc = imm[imm["method"].str.contains("time-varying")].iloc[-1]
    thr = int(res.tables["two_cases_inputs"]["threshold"].iloc[0])
    items = [
        f"**Two cases.** Under the null, a case is ANA-high (at least 1:{thr}) at onset with "
        f"probability p = {_f(t['p'])}, so both of two cases are with probability "
        f"{_f(both['exact'])} (simulated {_f(both['simulated'])} +/- {_f(both['mcse'], 2)} MC SE). "
        f"Two positive cases give a likelihood ratio of {_f(t['lr2'])} for an ANA hazard ratio "
        f"of 2 and {_f(last['likelihood_ratio'])} for {_f(last['hr'])}; no effect size can push "
        f"it past {_f(t['bound'])}.",
        f"**Publication.** When cases are written up by the reporting model '{worst['label']}', "
        f"published series show {fmt_hr_interval(worst)} for generalized pustular extent "
        f"({worst['series']}; {worst['rejection']:.0%} of them 'significant') although the true "
        f"HR is 1; with reporting '{rnd['label']}' they show {fmt_hr_interval(rnd)}.",
        f"**Drug switches.** Counting switches as a baseline covariate gives "
        f"HR {_f(naive['hr'])} per switch (bias {_f(naive['bias'])} +/- {_f(naive['bias_mcse'], 2)}; "
        f"coverage {naive['coverage']:.0%}) when switching has no effect; the time-varying count "
        f"gives bias {_f(tvc['bias'])} +/- {_f(tvc['bias_mcse'], 2)} and coverage {tvc['coverage']:.0%}.",
    ]
    items += _requirement_bullets(res)
    rc = res.report_cases
    if rc is not None:
        items.append(f"**The report's cases.** {rc.verdict}")
    return [Heading("Summary", 2), Bullets(tuple(items))]


def _requirement_bullets(res: ClaimsResult) -> list[str]:
    target = float(res.settings["requirements"]["power"])
    out = []
    for endpoint, what, who in (
        ("onset", "ANA-high on onset", "infliximab starters"),
        ("resolution", "generalized pustular extent on resolution", "cases in a registry"),
    ):
        req = res.tables[f"requirements_{endpoint}"]
        if not len(req):
            continue
        r = req.iloc[len(req) // 2]
        out.append(
            f"**What it would take ({what}).** For {target:.0%} power at HR {_f(r['hr'])}, "
            f"Schoenfeld's formula needs about {r['events_needed']:.0f} events, i.e. about "
            f"{r['n_formula']:.0f} {who} (simulation: {_sim_n(r)})."
        )
    return out


def _sim_n(r: Any) -> str:
    n = r["n_simulated"]
    return f"about {n:.0f}" if np.isfinite(n) else str(r["n_simulated_note"])


def _agreement(z: np.ndarray) -> str:
    zs = " and ".join(_f(v, 2) for v in z)
    if np.all(np.abs(z) < 3.0):
        return f"Exact and simulated values agree within Monte-Carlo error (z = {zs})."
    return f"Exact and simulated values differ by more than 3 Monte-Carlo SEs (z = {zs}); check the generator."


def _two_cases_blocks(res: ClaimsResult) -> list[Block]:
    t = _two_cases_facts(res)
    check = res.tables["two_cases_check"]
    sec = res.settings["two_cases"]
    inp = res.tables["two_cases_inputs"].iloc[0]
    text = (
        f"Each replicate is a cohort of {sec['cohort_size']} {inp['agent']} starters from the "
        f"onset generator under the null (ANA-high, a titer of at least 1:{inp['threshold']:g}, "
        f"does not change the onset hazard), followed for {inp['horizon_months']:g} months; its "
        f"cases, taken {sec['n_cases']} at a time, form independent simulated reports. The exact probability that a "
        "case is ANA-high at onset integrates the generator's ANA process (seroconversion "
        f"probability {inp['seroconversion']:g}; median time to seroconversion "
        f"{inp['convert_median_months']:g} months; titer ladder; reversion probability "
        f"{inp['reversion']:g}) over the onset times of cases: p = {_f(t['p'], 4)}. "
        + _agreement(check["z"].to_numpy(float))
    )
    check_tab = format_table(check, [
        Column("quantity", "quantity"), Column("exact", "exact", digits=4),
        Column("simulated (MC SE)", "simulated", mcse="mcse", digits=4), Column("z", "z", digits=2),
        Column("replicates", "replicates"), Column("cases per cohort", "mean_cases_per_cohort"),
    ])  # fmt: skip
    exact_tab = format_table(res.tables["two_cases_exact"], [
        Column("ANA hazard ratio", "hr"), Column("P(case ANA-high)", "p_case_positive"),
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
        Table(check_tab, "Exact binomial vs simulation (mean of per-replicate shares; MC SE in brackets)."),
        Table(exact_tab, f"Likelihood ratio of {sec['n_positive']} ANA-high cases out of {sec['n_cases']} "
              "against no effect, with p from this study's onset model (last row: the limit)."),
        Table(sens_tab, "The same with other published ANA-positive shares."),
    ]  # fmt: skip


def _publication_blocks(res: ClaimsResult) -> list[Block]:
    cols = [
        Column("reporting model", "label"), Column("series", "series"),
        Column("mean log HR (MC SE)", "mean_estimate", mcse="bias_mcse"), Column("HR", "hr"),
        Column("p <= alpha (MC SE)", "rejection", mcse="rejection_mcse", kind="pct"),
        Column("coverage", "coverage", kind="pct"), Column("fits used", "n_used"),
        Column("failed", "n_nonconverged"), Column("mean cases", "mean_n_cases"),
    ]  # fmt: skip
    sec = res.settings["publication"]
    text = (
        f"Each replicate is a world of {sec['cohort_size']} paradoxical-psoriasis cases under the "
        "null (pustular extent does not change resolution). A case is published with probability "
        "expit(intercept + sum of coefficients x features), the features being generalized "
        f"extent, a protracted course (unresolved, or resolved after {sec['protracted_months']:g} "
        "months), an unrelated unusual feature and their interactions (edit them in the study "
        "file). 'p <= alpha' is the share of published series that would report a significant "
        "association; the null is true throughout."
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


def _immortal_blocks(res: ClaimsResult) -> list[Block]:
    sec = res.settings["immortal_time"]
    text = (
        f"Cohorts of {sec['cohort_size']} cases from the resolution generator with every strategy "
        "hazard ratio set to 1, so drug switches have no effect on resolution. A case that "
        "switched three times had to stay unresolved long enough to switch three times: the "
        "naive encoding credits that time to 'switchers'. The time-varying count uses "
        f"(start, stop] rows; the landmark analysis starts at {sec['landmark_months']:g} months "
        "among cases still unresolved then."
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
    target = float(res.settings["requirements"]["power"])
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
            Column("HR", "hr"), Column("exposed share", "allocation"),
            Column(f"events for {target:.0%} power", "events_needed"),
            Column("events per patient", "events_per_patient"), Column("patients (formula)", "n_formula"),
            Column("patients (simulated Cox)", "n_simulated"), Column("", "n_simulated_note"),
        ])  # fmt: skip
        blocks += [
            Heading(title, 3),
            Table(req, "Requirement per hazard ratio."),
            Table(tab, "Power by scenario."),
        ]
    return blocks


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
            Heading("5. The report's own two cases", 2), Paragraph(rc.text),
            Table(cases, "The two cases as survival data (months since onset; low/high: the "
                  "bounds the report's wording allows)."),
            Table(fits, "What the ordinary and Firth-penalized Cox models give on them."),
        ]  # fmt: skip
    return out
