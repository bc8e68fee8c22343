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
from ppprog.studies.headlines import Headline

if TYPE_CHECKING:
    from ppprog.studies.builtin.run import ClaimsResult

__all__ = ["headline", "section_blocks", "fmt_hr_interval", "fmt_headline"]


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


def fmt_headline(h: Headline) -> str:
    """``"0.407 (exact)"`` or ``"0.405 (MC SE 0.0016)"``: a headline as the summary prints it."""
    if h.mcse == "exact":
        return f"{_f(h.estimate)} (exact)"
    if not np.isfinite(float(h.mcse)):
        return _f(h.estimate)
    return f"{_f(h.estimate)} (MC SE {_f(float(h.mcse), 2)})"


def _not_estimable(h: Headline) -> str:
    why = (
        f"{h.failed} of {h.replicates} fits failed"
        if h.failed > 0.1 * max(h.replicates, 1)
        else "its Monte-Carlo SE is large against the effect"
    )
    return f"not estimable in this run ({why}); no conclusion is drawn"


def _two_cases_bullet(res: ClaimsResult, hd: dict[str, Headline]) -> str:
    thr = int(res.tables["two_cases_inputs"]["threshold"].iloc[0])
    g = fmt_headline
    return (
        f"**Two cases.** In the simulated onset model with no ANA effect, a case is ANA-high "
        f"(at least 1:{thr}) at onset with probability p = {g(hd['two_cases.p_null'])}; "
        f"simulated {g(hd['two_cases.p_null.simulated'])}. If ANA-high multiplies the onset "
        "hazard of susceptible patients (hazard mechanism), two ANA-high cases give a likelihood "
        f"ratio of {g(hd['two_cases.lr.hazard.2'])} at HR 2 and {g(hd['two_cases.lr.hazard.10'])} "
        "at HR 10: a hazard ratio mostly moves onsets earlier rather than changing who becomes "
        "a case. If ANA-prone patients are more often susceptible (susceptibility mechanism), "
        f"the likelihood ratio is {g(hd['two_cases.lr.susceptibility.2'])} at odds ratio 2 and "
        f"{g(hd['two_cases.lr.susceptibility.10'])} at 10. No effect size can push it past "
        f"1/p^2 = {g(hd['two_cases.lr_bound'])}. For comparison only, the binomial shortcut "
        "hr p / (hr p + 1 - p) would give "
        f"{g(hd['two_cases.lr.shortcut.2'])} and {g(hd['two_cases.lr.shortcut.10'])}. "
        f"Exact and simulated probabilities agree (largest |z| {_f(hd['two_cases.max_abs_z'].estimate, 2)})."
    )


def _publication_bullet(res: ClaimsResult, hd: dict[str, Headline]) -> str:
    pub = res.tables["publication_resolution"]
    parts = []
    for key, h in ((k.split(".")[-1], v) for k, v in hd.items() if k.startswith("publication.")):
        label = str(pub.loc[pub["model_key"] == key, "label"].iloc[0])
        text = f"reporting '{label}': mean log HR {fmt_headline(h)} over {h.replicates} series"
        if not h.estimable:
            text += f", {_not_estimable(h)}"
        elif abs(h.estimate) > 2 * float(h.mcse):
            text += ", a bias away from the true HR of 1"
        else:
            text += ", no bias detectable"
        parts.append(text)
    return (
        "**Publication.** Generalized pustular extent has no effect on resolution (true log HR 0); "
        "in published series (Cox): " + "; ".join(parts) + "."
    )


def _switches_bullet(hd: dict[str, Headline]) -> str:
    naive, tvc = hd["switches.bias.naive"], hd["switches.bias.time_varying"]
    tail = "" if naive.estimable else f" (the naive bias is {_not_estimable(naive)})"
    return (
        "**Drug switches.** When switching has no effect on resolution, counting switches as a "
        f"baseline covariate biases the log HR per switch by {fmt_headline(naive)}; the "
        f"time-varying count by {fmt_headline(tvc)}{tail}."
    )


def headline(res: ClaimsResult) -> list[Block]:
    """The summary bullets at the top of the report, rendered from ``res.headlines``.

    Parameters
    ----------
    res : ClaimsResult
        A finished run.

    Returns
    -------
    list of Block
    """
    hd = {h.id: h for h in res.headlines}
    items = [_two_cases_bullet(res, hd), _publication_bullet(res, hd), _switches_bullet(hd)]
    items += _requirement_bullets(res, hd)
    items += _refractory_bullets(hd)
    rc = res.report_cases
    if rc is not None:
        items.append(f"**The report's cases.** {rc.verdict}")
    if res.settings["study"].get("quick"):
        items = [f"[QUICK MODE: small numbers, not results] {x}" for x in items]
    return [Heading("Summary", 2), Bullets(tuple(items))]


def _pct(h: Headline) -> str:
    return f"{100 * h.estimate:.1f}% (MC SE {100 * float(h.mcse):.1f} points)"


def _refractory_bullets(hd: dict[str, Headline]) -> list[str]:
    key = "refractory.power.cure_incidence.refractory_only"
    if key not in hd:
        return []
    ro, po = "refractory_only", "protracted_only"
    cox = hd[f"refractory.cox_log_hr.{ro}"]
    cox_text = (
        f"Cox reports a mean log HR of {fmt_headline(cox)} and rejects 'no effect' with power "
        f"{_pct(hd[f'refractory.power.cox.{ro}'])}: it reads a never-resolving effect as a "
        "slower resolution"
        if cox.estimable
        else f"the Cox estimate is {_not_estimable(cox)}"
    )
    return [
        "**Protracted or refractory.** When generalized extent only raises the odds of never "
        "resolving, the cure model's incidence part detects it with power "
        f"{_pct(hd[key])} while its latency part rejects with "
        f"{_pct(hd[f'refractory.power.cure_latency.{ro}'])} (no latency effect); {cox_text}. "
        "When extent only slows resolution, the latency part detects it with power "
        f"{_pct(hd[f'refractory.power.cure_latency.{po}'])}, the incidence part rejects with "
        f"{_pct(hd[f'refractory.power.cure_incidence.{po}'])} and Cox with "
        f"{_pct(hd[f'refractory.power.cox.{po}'])}. On a 24-month registry "
        f"{_pct(hd['refractory.not_identified.short'])} of cure-model fits are not identified "
        "(no plateau), so the distinction needs follow-up of 5-10 years."
    ]


def _requirement_bullets(res: ClaimsResult, hd: dict[str, Headline]) -> list[str]:
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
        tag, h = f"requirements.{endpoint}", f"hr{r['hr']:g}"
        sim = hd[f"{tag}.n_simulated.{h}"]
        estimand = (
            "the Cox HR of time-varying ANA-high, which in this cohort (everyone susceptible) "
            f"is the generator's HR {_f(r['hr'])}"
            if endpoint == "onset"
            else f"the whole-cohort Cox HR, {fmt_headline(hd[f'{tag}.hr_estimand.{h}'])} in a "
            f"very large cohort when the generator's HR among cases that will resolve is "
            f"{_f(r['hr'])} (the never-resolving fraction pulls it towards 1)"
        )
        sim_text = (
            f"the simulated Cox power curve gives {sim.estimate:.0f} (95% CI "
            f"{r['n_simulated_lower']:.0f}-{r['n_simulated_upper']:.0f}; MC SE {float(sim.mcse):.0f})"
            if sim.estimable
            else f"the simulated size is not estimable in this run ({r['n_simulated_note']} fit)"
        )
        out.append(
            f"**What it would take ({what}).** The estimand is {estimand}. For {target:.0%} power "
            f"Schoenfeld's formula at that value needs about "
            f"{hd[f'{tag}.n_formula_estimand.{h}'].estimate:.0f} {who} (at the generator's HR "
            f"{_f(r['hr'])} it would say {hd[f'{tag}.n_formula.{h}'].estimate:.0f}, "
            f"{_f(hd[f'{tag}.events.{h}'].estimate)} events); with the Cox information per "
            f"patient of that cohort the asymptotic size is "
            f"{hd[f'{tag}.n_information.{h}'].estimate:.0f}; {sim_text}."
        )
    return out


def _agreement(z: np.ndarray) -> str:
    zs = " and ".join(_f(v, 2) for v in z)
    if np.all(np.abs(z) < 3.0):
        return f"Exact and simulated values agree within Monte-Carlo error (z = {zs})."
    return f"Exact and simulated values differ by more than 3 Monte-Carlo SEs (z = {zs}); check the generator."


def _two_cases_blocks(res: ClaimsResult) -> list[Block]:
    check = res.tables["two_cases_check"]
    sec = res.settings["two_cases"]
    inp = res.tables["two_cases_inputs"].iloc[0]
    p = float(check.loc[check["mechanism"] == "none", "exact"].iloc[-1])
    text = (
        f"Each replicate is a cohort of {sec['cohort_size']} {inp['agent']} starters from the "
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
    sec = res.settings["immortal_time"]
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
    sec = res.settings["refractory"]
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
