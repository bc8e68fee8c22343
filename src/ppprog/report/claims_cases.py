"""Section 6 of the claims report: the report's own two cases, analysed as they are.

The two cases (``data/cases/seed_report.yaml``) are tabulated from onset for
each endpoint, their Kaplan-Meier curves estimated, and the ordinary and
Firth-penalized Cox models asked for the effect of the two claimed factors
(generalized pustular extent, ANA-high at onset). Both cases share both
factors, so no model can estimate either effect; the fits say so in their
status, which is what this section reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ppprog._core.resources import data_path
from ppprog.models.cox_batch import cox_ph_batch
from ppprog.models.firth import cox_firth_batch
from ppprog.models.km import KMResult, kaplan_meier
from ppprog.models.status import FitStatus
from ppprog.records.io import read_cases
from ppprog.tables.resolution import resolution_table
from ppprog.tables.schema import DAYS_PER_MONTH

__all__ = ["ReportCasesResult", "analyse_report_cases"]

_HIGH = ("moderate", "high")


@dataclass(frozen=True)
class ReportCasesResult:
    """The report's cases as survival data, their KM curves and what the fits give.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per (endpoint, case): time in months since onset, event, bounds.
    km : dict of str to KMResult
        Kaplan-Meier fit per endpoint (time in months).
    fits : pandas.DataFrame
        Per endpoint, model and covariate: estimate, SE and fit status.
    text : str
        What can and cannot be said, with the numbers of this analysis.
    verdict : str
        One-sentence summary for the report's headline.
    """

    table: pd.DataFrame
    km: dict[str, KMResult]
    fits: pd.DataFrame
    text: str
    verdict: str


def _case_rows(cases: list[Any], endpoint: str) -> pd.DataFrame:
    tab = resolution_table(cases, endpoint)
    return pd.DataFrame({
        "endpoint": endpoint.replace("_", " "), "case": tab["id"],
        "months": tab["time"] / DAYS_PER_MONTH, "event": tab["event"].astype(int),
        "months_low": tab["time_low"] / DAYS_PER_MONTH, "months_high": tab["time_high"] / DAYS_PER_MONTH,
        "pustular_extent": tab["pustular_extent"].astype(str),
        "ana_at_onset": tab["ana_category_onset"].astype(str),
    })  # fmt: skip


def _fit_rows(rows: pd.DataFrame) -> list[dict[str, Any]]:
    t = rows["months"].to_numpy(float)[None, :]
    e = rows["event"].to_numpy(bool)[None, :]
    covs = {
        "generalized": (rows["pustular_extent"] == "generalized").to_numpy(float),
        "ana_high": rows["ana_at_onset"].isin(_HIGH).to_numpy(float),
    }
    out = []
    for name, x in covs.items():
        X = x[None, :, None]
        for model, res in (
            ("Cox", cox_ph_batch(X, t, e)),
            ("Firth", cox_firth_batch(X, t, e, ties="efron")),
        ):
            code = FitStatus(int(np.asarray(res.status)[0]))
            out.append({
                "endpoint": rows["endpoint"].iloc[0], "model": model, "covariate": name,
                "events": int(e.sum()), "exposed": int(x.sum()), "unexposed": int((x == 0).sum()),
                "estimate": float(res.params[0, 0]), "se": float(res.se[0, 0]),
                "status": code.name.lower(),
            })  # fmt: skip
    return out


def _endpoint_sentence(rows: pd.DataFrame) -> str:
    name = str(rows["endpoint"].iloc[0])
    k, n = int(rows["event"].sum()), len(rows)
    months = " and ".join(f"{m:.1f}" for m in rows["months"])
    if k == 0:
        return (
            f"{name.capitalize()}: none of the {n} cases reached it; all were censored at last "
            f"follow-up ({months} months after onset), so the Kaplan-Meier curve stays at 1 and "
            "says nothing about how long it takes."
        )
    return f"{name.capitalize()}: {k} of {n} cases reached it (times {months} months)."


def _texts(table: pd.DataFrame, fits: pd.DataFrame) -> tuple[str, str]:
    statuses = ", ".join(sorted(set(fits["status"])))
    sentences = [_endpoint_sentence(g) for _, g in table.groupby("endpoint", sort=False)]
    shared = []
    if (table["pustular_extent"] == "generalized").all():
        shared.append("generalized pustular extent")
    if table["ana_at_onset"].isin(_HIGH).all():
        shared.append("a moderate-to-high ANA titer at onset")
    text = (
        " ".join(sentences)
        + (
            f" All cases share {' and '.join(shared)}: with no case lacking the factor there is no "
            "comparison, "
            if shared
            else " "
        )
        + (
            f"and the Cox and Firth fits end with status {statuses}. Firth's penalty cures "
            "separation, not the absence of a comparison group. Two cases cannot tell 'pustular "
            "cases resolve slowly' from 'all cases resolve slowly', nor 'ANA-high patients develop "
            "paradoxical psoriasis' from 'many treated patients are ANA-high'."
        )
    )
    no_cr = int(table.loc[table["endpoint"] == "complete resolution", "event"].sum()) == 0
    verdict = (
        ("No case reached complete resolution; " if no_cr else "")
        + f"every Cox and Firth fit of the claimed factors is non-estimable ({statuses}): the "
        "report's own data cannot support either claim."
    )
    return text, verdict


def analyse_report_cases(settings: Mapping[str, Any]) -> ReportCasesResult:
    """Analyse the report's cases named in the suite's ``[report.report_cases]`` table.

    Parameters
    ----------
    settings : mapping
        That table: ``file`` (in ``data/cases/``) and ``endpoints``.

    Returns
    -------
    ReportCasesResult
    """
    sec = settings
    cases = read_cases(data_path("cases", str(sec["file"])))
    frames = [_case_rows(cases, str(e)) for e in sec["endpoints"]]
    table = pd.concat(frames, ignore_index=True)
    km = {}
    fits: list[dict[str, Any]] = []
    for rows in frames:
        name = str(rows["endpoint"].iloc[0])
        km[name] = kaplan_meier(rows["months"], rows["event"])
        fits += _fit_rows(rows)
    fit_frame = pd.DataFrame(fits)
    text, verdict = _texts(table, fit_frame)
    return ReportCasesResult(table, km, fit_frame, text, verdict)
