"""The summary of the claims report, rendered from its headlines.

Every number in the summary is a :class:`~ppprog.studies.headlines.Headline`
(written to ``headlines.json``), printed with its MC SE or "exact"; an
interpreting sentence appears only when the number is estimable. In quick mode
every bullet is labelled as such.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ppprog._core.fmt import fmt_num
from ppprog.report.document import Block, Bullets, Heading
from ppprog.studies.headlines import Headline

if TYPE_CHECKING:
    from ppprog.report.claims_result import ClaimsResult

__all__ = ["headline", "fmt_headline", "QUICK_LABEL"]

#: Prefix of the title and of every summary bullet in quick mode.
QUICK_LABEL = "[QUICK MODE: small numbers, not results]"


def _f(x: float, d: int = 3) -> str:
    return fmt_num(float(x), d)


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
        items = [f"{QUICK_LABEL} {x}" for x in items]
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
    target = float(res.settings["report"]["requirements"]["power"])
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
