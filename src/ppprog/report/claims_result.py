"""The claims study: run the suite ``data/studies/claims.toml`` and collect what the report shows.

:func:`run_claims_study` loads the suite (:func:`ppprog.studies.suite.load_suite`),
runs every section study file with the study runner
(:func:`ppprog.studies.suite.run_suite`), computes the report's tables from the
section results (:mod:`.claims_two_cases`, :mod:`.claims_tables`), analyses the
report's own cases (:mod:`.claims_cases`) and returns a :class:`ClaimsResult`;
:func:`ppprog.report.build.write_claims_report` writes the report folder. Any
suite file with the same sections and ``[report]`` tables works (``spec=``).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ppprog._core.fmt import text_table
from ppprog._core.specfile import SpecFile
from ppprog._core.versions import versions
from ppprog.report.claims_cases import analyse_report_cases
from ppprog.report.claims_headlines import claims_headlines
from ppprog.report.claims_tables import (
    immortal_table,
    inputs_table,
    publication_table,
    refractory_table,
    requirement_tables,
)
from ppprog.report.claims_two_cases import two_cases_tables, with_mechanism
from ppprog.studies.headlines import Headline
from ppprog.studies.result import StudyResult, scenario_labels
from ppprog.studies.suite import SuiteResult, load_suite, run_suite

__all__ = ["ClaimsResult", "run_claims_study", "claims_result", "REPLICATE_COLUMNS"]

#: Columns of the combined per-replicate table (then ``scenario_label`` and scalar parameters).
REPLICATE_COLUMNS = (
    "section", "scenario", "method", "replicate", "estimand", "estimate", "se", "lower",
    "upper", "p", "status", "n_events", "truth",
)  # fmt: skip
_EXTRA = ("scenario_label", "n", "hr", "switch_rate", "selection.label", "mechanism", "effect")


@dataclass(frozen=True)
class ClaimsResult:
    """Everything the claims report shows, computed by one run of the suite.

    Parameters
    ----------
    settings : dict
        The suite file as loaded (``sections``, ``report``, ...) plus ``study``:
        seed, quick, source, alpha and level of the run.
    tables : dict of str to pandas.DataFrame
        Summary tables by name (``two_cases_check``, ``publication_resolution``,
        ``immortal_time``, ``power_onset``, ``requirements_resolution``, ...).
    replicates : pandas.DataFrame
        Per-replicate results of every section (:data:`REPLICATE_COLUMNS`, then
        the scenario label and parameters).
    report_cases : object or None
        The report's own cases (:class:`~ppprog.report.claims_cases.ReportCasesResult`).
    manifest : dict
        Seeds, options, versions, timings and each section's manifest.
    """

    settings: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    replicates: pd.DataFrame
    report_cases: Any
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def headlines(self) -> list[Headline]:
        """The summary's numbers (:func:`ppprog.report.claims_headlines.claims_headlines`)."""
        return claims_headlines(self.tables, self.settings)

    @property
    def summary(self) -> pd.DataFrame:
        """Headline numbers: ``section, item, value, mcse`` (MC SE where simulated)."""
        rows = [{"section": h.id.split(".")[0], "item": h.id, "value": h.estimate,
                 "mcse": float("nan") if h.mcse == "exact" else h.mcse} for h in self.headlines]  # fmt: skip
        return pd.DataFrame(rows)

    def __str__(self) -> str:
        frame = self.summary
        rows = [[r.section, r.item, r.value, r.mcse] for r in frame.itertuples()]
        total = self.manifest.get("timings_s", {}).get("total", float("nan"))
        title = f"The study of the report's claims ({total:.0f} s)"
        return text_table(["section", "item", "value", "MC SE"], rows, title=title)


def _tidy(section: str, result: StudyResult) -> pd.DataFrame:
    tab = result.replicates
    if section == "two_cases":
        tab = with_mechanism(tab)
    extra: dict[str, Any] = {"scenario_label": tab["scenario"].map(scenario_labels(result.study))}
    for key in ("onset.log_hr.ana_high", "resolution.log_hr.extent[generalized]"):
        if section.startswith("requirements") and key in tab.columns:
            extra["hr"] = np.exp(tab[key].astype(float))
    if "resolution.management.rate" in tab.columns:
        extra["switch_rate"] = tab["resolution.management.rate"].astype(float)
    tab = tab.assign(**extra)
    cols = [c for c in REPLICATE_COLUMNS if c != "section"]
    cols += [c for c in _EXTRA if c in tab.columns]
    out = tab[cols].copy()
    out.insert(0, "section", section)
    return out


def _runs(suite: Any) -> dict[str, dict[str, Any]]:
    """What the report's text quotes of each section as run: file, replicates, seed, sizes."""
    out = {}
    for key, study in suite.sections.items():
        row = {"file": suite.settings["sections"][key]["file"], "replicates": study.replicates,
               "seed": study.seed, "n": study.base.get("n"), "name": study.name}  # fmt: skip
        if study.selection is not None:
            row["protracted_months"] = study.selection.protracted_months
        for m in study.methods:
            if "landmark_months" in m.options:
                row["landmark_months"] = float(m.options["landmark_months"])
        out[key] = row
    return out


def claims_result(run: SuiteResult, *, seconds: float | None = None) -> ClaimsResult:
    """The report's tables and per-replicate table from a finished suite run.

    Parameters
    ----------
    run : SuiteResult
        The claims suite's run (sections ``two_cases``, ``publication``,
        ``publication_onset``, ``immortal_time``, ``requirements_onset``,
        ``requirements_resolution``, ``refractory``).
    seconds : float, optional
        Total run time for the manifest.

    Returns
    -------
    ClaimsResult
    """
    suite, res = run.suite, run.results
    rep = suite.settings.get("report", {})
    first = next(iter(suite.sections.values()))
    settings = {**suite.settings, "study": {
        "seed": suite.seed, "quick": suite.quick, "source": suite.source,
        "alpha": first.alpha, "level": first.level,
    }, "runs": _runs(suite)}  # fmt: skip
    tables = dict(two_cases_tables(res["two_cases"], rep["two_cases"]))
    tables["publication_resolution"] = publication_table(res["publication"], "extent[generalized]")
    tables["publication_onset"] = publication_table(res["publication_onset"], "ana_high")
    tables["immortal_time"] = immortal_table(res["immortal_time"])
    tables["requirements_inputs"] = inputs_table(res)
    tables["refractory"] = refractory_table(res["refractory"])
    req = rep["requirements"]
    for endpoint in ("onset", "resolution"):
        key = f"requirements_{endpoint}"
        big = int(req["quick_estimand_cohort_size"] if suite.quick and
                  "quick_estimand_cohort_size" in req else req["estimand_cohort_size"][key])  # fmt: skip
        pw, need = requirement_tables(key, res[key], target=float(req["power"]), estimand_n=big,
                                      seed=suite.sections[key].seed)  # fmt: skip
        tables[f"power_{endpoint}"], tables[key] = pw, need
    table = pd.concat([_tidy(k, r) for k, r in res.items()], ignore_index=True)
    manifest = {
        "study": "report-claims", **run.manifest, "versions": versions(),
        "timings_s": {**run.manifest.get("timings_s", {}),
                      "total": float("nan") if seconds is None else seconds},
        "settings": json.loads(json.dumps(settings, default=str)),
        "sections": {k: json.loads(json.dumps(dict(r.manifest), default=str))
                     for k, r in res.items()},
    }  # fmt: skip
    cases = analyse_report_cases(rep["report_cases"])
    return ClaimsResult(settings, tables, table, cases, manifest)


def run_claims_study(
    *,
    spec: str | Path | SpecFile | None = None,
    quick: bool = False,
    replicates: int | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    seed: int | None = None,
    chunk_size: int | None = None,
    checkpoint_dir: str | Path | None = None,
    progress: bool = True,
) -> ClaimsResult:
    """Run the claims suite (every section) and compute the report's tables.

    Parameters
    ----------
    spec : str, path or SpecFile, optional
        Suite file (default: the shipped ``data/studies/claims.toml``).
    quick : bool, optional
        Small numbers for tests and CI (the file's ``[quick.sections.*]`` tables).
    replicates : int, optional
        Replicates per scenario in every section (overrides the file).
    workers : int, optional
        Local worker processes (default: all cores); more than one starts one
        local Dask cluster for the run, 1 runs serially in this process.
    scheduler : str or distributed.Client, optional
        A Dask scheduler address or client; overrides ``workers``.
    seed : int, optional
        Suite seed (default: the file's); every section seed follows.
    chunk_size : int, optional
        Replicates per chunk (default: the file's).
    checkpoint_dir : str or pathlib.Path, optional
        Folder for each section's finished chunks (``KEY/``); a rerun resumes.
    progress : bool, optional
        Show a progress bar per section.

    Returns
    -------
    ClaimsResult
        Write the report with :func:`ppprog.report.build.write_claims_report`.
    """
    t0 = time.perf_counter()
    suite = load_suite(spec, quick=quick, replicates=replicates, seed=seed)
    # the report's cases first: this compiles (and caches) the Cox and Firth kernels once,
    # before any worker process needs them
    analyse_report_cases(suite.settings["report"]["report_cases"])
    run = run_suite(suite, workers=workers, scheduler=scheduler, chunk_size=chunk_size,
                    checkpoint_dir=checkpoint_dir, progress=progress)  # fmt: skip
    return claims_result(run, seconds=time.perf_counter() - t0)
