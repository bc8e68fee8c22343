"""The headline numbers of the claims report, from its summary tables.

Each :class:`~ppprog.studies.headlines.Headline` is one number of the summary:
an id, the estimate, its MC SE (or "exact"), the replicates behind it, the mode
and a one-line definition, with the estimability rule of
:func:`~ppprog.studies.headlines.estimable` deciding whether a sentence may
interpret it. They go to ``headlines.json`` and the summary is rendered from them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ppprog.studies.headlines import Headline, estimable, slug

__all__ = ["claims_headlines"]


def _two_cases(tables: Mapping[str, pd.DataFrame], mode: str) -> list[Headline]:
    check, exact = tables["two_cases_check"], tables["two_cases_exact"]
    null = check[(check["mechanism"] == "none") & (check["estimand"] == "case_ana_high")]
    row = null.iloc[0]
    out = [
        Headline("two_cases.p_null", float(row["exact"]), "exact", 0, mode,
                 "P(a case is ANA-high at onset) under the null, exact under the simulated model"),
        Headline("two_cases.p_null.simulated", float(row["simulated"]), float(row["mcse"]),
                 int(row["replicates"]), mode,
                 "the same from simulated cohorts (mean of per-cohort case shares)"),
        Headline("two_cases.max_abs_z", float(check["z"].abs().max()), float("nan"),
                 int(check["replicates"].sum()), mode,
                 "largest |simulated - exact| / MC SE over mechanisms, effects and estimands "
                 "(a diagnostic: no MC SE)"),
    ]  # fmt: skip
    for mech, word in (("hazard", "hazard ratio"), ("susceptibility", "susceptibility odds ratio"),
                       ("shortcut", "binomial shortcut, comparison only")):  # fmt: skip
        for eff in (2.0, 10.0):
            sel = exact[(exact["mechanism"] == mech) & (exact["effect"] == eff)]
            if not len(sel):
                continue
            r = sel.iloc[0]
            out.append(Headline(
                f"two_cases.lr.{mech}.{eff:g}", float(r["likelihood_ratio"]), "exact", 0, mode,
                f"likelihood ratio of two ANA-high cases, {word} {eff:g} vs none",
            ))  # fmt: skip
            if mech != "shortcut":
                out.append(Headline(
                    f"two_cases.p_case.{mech}.{eff:g}", float(r["p_case_positive"]), "exact", 0,
                    mode, f"P(a case is ANA-high at onset), {word} {eff:g}, exact",
                ))  # fmt: skip
    p = float(row["exact"])
    out.append(Headline("two_cases.lr_bound", p**-2, "exact", 0, mode,
                        "limit of the likelihood ratio of two ANA-high cases, 1/p^2"))  # fmt: skip
    return out


def _publication(tables: Mapping[str, pd.DataFrame], key: str, mode: str) -> list[Headline]:
    pub = tables["publication_resolution"]
    out = []
    for mk in dict.fromkeys([str(pub["model_key"].iloc[0]), key]):
        sel = pub[(pub["model_key"] == mk) & (pub["series"] == "published (Cox)")]
        if not len(sel):
            continue
        r = sel.iloc[0]
        used, failed = int(r["n_used"]), int(r["n_nonconverged"])
        est, se = float(r["mean_estimate"]), float(r["bias_mcse"])
        out.append(Headline(
            f"publication.log_hr.{mk}", est, se, used + failed, mode,
            f"mean log HR of generalized extent in published series, reporting '{r['label']}' "
            "(truth 0)",
            estimable(est, se, failed=failed, replicates=used + failed), failed,
        ))  # fmt: skip
    return out


def _switches(tables: Mapping[str, pd.DataFrame], mode: str) -> list[Headline]:
    imm = tables["immortal_time"]
    out = []
    for word, ident in (("naive", "naive"), ("time-varying", "time_varying")):
        r = imm[imm["method"].str.contains(word)].iloc[-1]
        est, se = float(r["bias"]), float(r["bias_mcse"])
        out.append(Headline(
            f"switches.bias.{ident}", est, se, int(r["n_used"]), mode,
            f"bias of the log HR per drug switch, {r['method']} (truth 0)",
            estimable(est, se, replicates=int(r["n_used"])),
        ))  # fmt: skip
    return out


def _power_headline(hid: str, r: Any, mode: str, what: str) -> Headline:
    p, se, n = float(r["power"]), float(r["power_mcse"]), int(r["n_total"])
    return Headline(hid, p, se, n, mode, f"{what} ({r['label']}; failed fits count as not "
                    "significant)", se <= 0.02 or p in (0.0, 1.0), int(r["n_nonconverged"]))  # fmt: skip


def _refractory(tables: Mapping[str, pd.DataFrame], mode: str) -> list[Headline]:
    t = tables.get("refractory")
    if t is None or not len(t):
        return []
    long = t["follow_up_months"] == t["follow_up_months"].max()
    scen = {
        "refractory_only": long & (t["never_resolving_or"] != 1) & (t["latency_hr"] == 1),
        "protracted_only": long & (t["latency_hr"] != 1) & (t["never_resolving_or"] == 1),
    }
    inc, lat, cox = (t["estimand"].str.startswith("incidence:"),
                     t["estimand"].str.startswith("latency:"), t["method"] == "Cox")  # fmt: skip
    out = []
    for name, sel in scen.items():
        for tag, pick, what in (("cure_incidence", inc, "power of the cure model's incidence "
                                 "part (effect on ever resolving)"),
                                ("cure_latency", lat, "power of the cure model's latency part "
                                 "(effect on time to resolution among cases that resolve)"),
                                ("cox", cox, "power of Cox")):  # fmt: skip
            rows = t[sel & pick]
            if len(rows):
                out.append(
                    _power_headline(f"refractory.power.{tag}.{name}", rows.iloc[0], mode, what)
                )
        rows = t[sel & cox]
        if len(rows):
            r = rows.iloc[0]
            est, se = float(r["mean_estimate"]), float(r["bias_mcse"])
            out.append(Headline(
                f"refractory.cox_log_hr.{name}", est, se, int(r["n_used"]), mode,
                f"mean Cox log HR of generalized extent ({r['label']})",
                estimable(est, se, failed=int(r["n_nonconverged"]), replicates=int(r["n_total"])),
            ))  # fmt: skip
    short = t[(t["follow_up_months"] < t["follow_up_months"].max()) & inc]
    if len(short):
        r = short.iloc[0]
        n = int(r["n_total"])
        share = float(r["n_nonconverged"]) / n
        out.append(Headline(
            "refractory.not_identified.short", share, math.sqrt(share * (1 - share) / n), n, mode,
            f"share of cure-model fits not identified or failed ({r['label']})",
        ))  # fmt: skip
    return out


def _requirement(end: str, r: Any, target: float, reps: int, mode: str) -> list[Headline]:
    tag = f"requirements.{end}"
    h = f"hr{r.hr:g}"
    est = (
        "whole-cohort Cox HR of generalized extent"
        if end == "resolution"
        else ("Cox HR of time-varying ANA-high (everyone susceptible)")
    )
    se_ci = (r.n_simulated_upper - r.n_simulated_lower) / (2 * 1.959963984540054)
    grid = int(reps)
    nan = float("nan")
    per = " (divided by the simulated events per patient: no MC SE computed)"
    return [
        Headline(f"{tag}.n_formula.{h}", float(r.n_formula), nan, grid, mode,
                 f"patients for {target:.0%} power, Schoenfeld's formula at the generator's HR "
                 f"{r.hr:g} (among susceptible / non-cured patients){per}"),
        Headline(f"{tag}.events.{h}", float(r.events_needed),
                 "exact" if end == "resolution" else nan, 0 if end == "resolution" else grid, mode,
                 f"events for {target:.0%} power at HR {r.hr:g}, Schoenfeld's formula"),
        Headline(f"{tag}.hr_estimand.{h}", float(r.hr_estimand),
                 "exact" if r.hr_estimand_mcse == 0 else float(r.hr_estimand * r.hr_estimand_mcse),
                 0 if r.hr_estimand_mcse == 0 else 1, mode,
                 f"true value of the estimand ({est}) at generator HR {r.hr:g}"),
        Headline(f"{tag}.n_formula_estimand.{h}", float(r.n_formula_estimand), nan, grid, mode,
                 f"patients for {target:.0%} power, Schoenfeld's formula at the estimand's true "
                 f"value{per}"),
        Headline(f"{tag}.n_information.{h}", float(r.n_information), nan, 1, mode,
                 f"patients for {target:.0%} power, asymptotic size (z_a + z_b)^2 / (log HR^2 "
                 "x Cox information per patient) at the estimand's true value, information "
                 "from the same large cohort (a formula on one large simulated cohort: no MC "
                 "SE computed)"),
        Headline(f"{tag}.n_simulated.{h}", float(r.n_simulated), float(se_ci), grid, mode,
                 f"patients for {target:.0%} power of the Cox test, fitted probit power curve "
                 f"in sqrt(n) over the simulated sizes ({r.n_simulated_note}); MC SE from its "
                 "95% interval", r.n_simulated_note == "converged"),
    ]  # fmt: skip


def claims_headlines(
    tables: Mapping[str, pd.DataFrame], settings: Mapping[str, Any]
) -> list[Headline]:
    """The headline numbers of the claims study, from its summary tables.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        The claims study's summary tables.
    settings : mapping
        Its settings (``study.quick``; the suite's ``report.publication.headline_model``
        and ``report.requirements.power``).

    Returns
    -------
    list of Headline
    """
    mode = "quick" if settings["study"].get("quick") else "default"
    report = settings.get("report", {})
    key = slug(report.get("publication", {}).get("headline_model", ""))
    out = _two_cases(tables, mode) + _publication(tables, key, mode) + _switches(tables, mode)
    out += _refractory(tables, mode)
    target = float(report["requirements"]["power"])
    for end in ("onset", "resolution"):
        reps = int(tables[f"power_{end}"]["n_total"].max())
        for r in tables[f"requirements_{end}"].itertuples():
            out += _requirement(end, r, target, reps, mode)
    return out
