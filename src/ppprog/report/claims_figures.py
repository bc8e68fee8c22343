"""The figures of the claims report, drawn from a :class:`ClaimsResult`'s tables.

Each function returns ``(name, figure, caption)``; the caption is written
into both the Markdown and the HTML report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ppprog.plotting.km import plot_km
from ppprog.plotting.study import (
    plot_likelihood_ratio,
    plot_performance,
    plot_power,
    plot_published_vs_true,
    plot_rejection_by_scenario,
)
from ppprog.simulate.exact import shortcut_case_probability, two_case_likelihood_ratio

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ppprog.report.claims_result import ClaimsResult

__all__ = ["claims_figures"]

FigureItem = tuple[str, "Figure", str]


def _lr_figure(result: ClaimsResult) -> FigureItem:
    sec = result.settings["report"]["two_cases"]
    k, kpos = int(sec["n_cases"]), int(sec["n_positive"])
    exact = result.tables["two_cases_exact"]
    p_model = float(exact["p_case_positive"].iloc[0])
    bound = p_model ** (-kpos) if kpos == k else np.nan
    rows = []
    for mech, label in (("hazard", "exact, hazard mechanism (HR)"),
                        ("susceptibility", "exact, susceptibility mechanism (OR)")):  # fmt: skip
        sub = exact[exact["mechanism"] == mech]
        rows.append(pd.DataFrame({"hr": sub["effect"], "likelihood_ratio": sub["likelihood_ratio"],
                                  "curve": label, "bound": bound}))  # fmt: skip
    hrs = np.geomspace(1.0, 50.0, 40)
    lr = two_case_likelihood_ratio(shortcut_case_probability(p_model, hrs), p_model,
                                   n_positive=kpos, n_cases=k)  # fmt: skip
    rows.append(pd.DataFrame({"hr": hrs, "likelihood_ratio": lr,
                              "curve": "binomial shortcut (comparison only)", "bound": bound}))  # fmt: skip
    fig = plot_likelihood_ratio(
        pd.concat(rows, ignore_index=True),
        title=f"What {kpos} ANA-high cases out of {k} say about ANA as a risk factor",
    )
    cap = (
        f"Likelihood ratio (Bayes factor) of {kpos} ANA-high cases out of {k} against 'no "
        f"effect', exact under the simulated onset model (p = {p_model:.3f} under the null), for "
        "an ANA effect on the onset hazard of susceptible patients (HR) or on susceptibility "
        "(OR); the binomial shortcut hr p / (hr p + 1 - p) for comparison only; the dotted line "
        "is the limit 1/p^2."
    )
    return "two_cases_likelihood_ratio", fig, cap


def _publication_figure(result: ClaimsResult, side: str) -> FigureItem:
    tab = result.tables[f"publication_{side}"]
    exposure = (
        "generalized pustular extent on resolution"
        if side == "resolution"
        else ("ANA-high (time-varying) on onset")
    )
    short = "Generalized extent, resolution" if side == "resolution" else "ANA-high, onset"
    fig = plot_published_vs_true(
        tab, title=f"{short}: published vs all cases (true HR 1)",
        xlabel="mean hazard ratio over replicates (log scale), MC 95% interval",
    )  # fmt: skip
    cap = (
        f"Hazard ratio of {exposure} estimated in all cases and in the published ones, for each "
        "reporting model (rows). Points: exp(mean log HR) over replicates; bars: Monte-Carlo "
        "95% intervals. The truth is HR 1 (dashed)."
    )
    return f"publication_{side}", fig, cap


def _immortal_figure(result: ClaimsResult) -> FigureItem:
    tab = result.tables["immortal_time"]
    fig = plot_performance(
        tab, label="label", title="Number of drug switches: three encodings (true effect none)",
        bias_label="bias of log HR per switch",
    )  # fmt: skip
    cap = (
        "Bias of the log hazard ratio per drug switch (truth 0) and coverage of the 95% Wald "
        "interval, by encoding and switching rate; bars are +/- 1.96 Monte-Carlo SE."
    )
    return "immortal_time", fig, cap


def _power_figure(result: ClaimsResult, endpoint: str) -> FigureItem:
    pw = result.tables[f"power_{endpoint}"]
    formula = pw.groupby(["n", "hr"], as_index=False)["formula_power"].mean()
    formula = formula.rename(columns={"formula_power": "power"})
    if endpoint == "onset":
        title, xlabel = "ANA-high on onset (infliximab starters)", "infliximab starters (patients)"
    else:
        title, xlabel = (
            "Generalized pustular extent on resolution (case registry)",
            "cases in the registry",
        )
    fig = plot_power(pw, formula, x="n", panel="hr", xlabel=xlabel, title=title)
    cap = (
        f"Simulated power (two-sided alpha {result.settings['study']['alpha']:g}) with "
        "+/- 1.96 MC SE, by method, against the number of patients; dashed: Schoenfeld's "
        "formula for the simulated mean number of events. Failed fits count as not significant."
    )
    return f"power_{endpoint}", fig, cap


def _cases_figure(result: ClaimsResult) -> FigureItem | None:
    rc = result.report_cases
    if rc is None or not rc.km:
        return None
    fig = plot_km(
        rc.km, ylabel="probability endpoint not yet reached", xlabel="months since onset",
        title="The report's two cases", at_risk=True,
    )  # fmt: skip
    cap = (
        "Kaplan-Meier curves of the report's two cases from onset, one curve per endpoint, "
        "with 95% (log) bands, censoring marks and the number at risk."
    )
    return "report_cases_km", fig, cap


def _refractory_figure(result: ClaimsResult) -> FigureItem | None:
    tab = result.tables.get("refractory")
    if tab is None or not len(tab):
        return None
    part = tab["estimand"].str.split(":").str[0]
    frame = tab.assign(series=np.where(tab["estimand"].str.contains(":"),
                                       tab["method"] + ", " + part, tab["method"]))  # fmt: skip
    alpha = float(result.settings["study"]["alpha"])
    fig = plot_rejection_by_scenario(frame, alpha=alpha,
                                     title="Protracted or refractory: what each method detects")  # fmt: skip
    cap = (
        "Share of simulated registries in which each method rejects 'no effect of generalized "
        "extent' (failed fits, including 'not identified', count as not rejecting), by "
        "scenario: a latency hazard ratio among cases that resolve, an odds ratio of never "
        "resolving, and the follow-up. Bars: Monte-Carlo 95% intervals."
    )
    return "refractory_power", fig, cap


def claims_figures(result: ClaimsResult) -> list[FigureItem]:
    """Every figure of the claims report.

    Parameters
    ----------
    result : ClaimsResult
        A finished run.

    Returns
    -------
    list of (str, matplotlib.figure.Figure, str)
        File stem, figure and caption.
    """
    items: list[Any] = [
        _lr_figure(result),
        _publication_figure(result, "resolution"),
        _publication_figure(result, "onset"),
        _immortal_figure(result),
        _power_figure(result, "onset"),
        _power_figure(result, "resolution"),
        _refractory_figure(result),
        _cases_figure(result),
    ]
    return [i for i in items if i is not None]
