"""Run the built-in study of the report's claims (every section) and collect its results.

:func:`run_claims_study` builds the section studies from the study file, runs
them with the study runner (:func:`ppprog.studies.execute.run`: serial, local
processes or a Dask cluster, with a progress bar), summarizes each, analyses
the report's own two cases, and returns a :class:`ClaimsResult`. Writing the
report folder is the report layer's job
(:func:`ppprog.report.build.write_claims_report`), so this module never
imports plotting or report code.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ppprog._core.fmt import text_table
from ppprog._core.specfile import SpecFile
from ppprog._core.versions import versions
from ppprog.studies.builtin import (
    immortal_time,
    publication,
    refractory,
    requirements,
    two_cases_study,
)
from ppprog.studies.builtin.settings import load_settings
from ppprog.studies.design import Study
from ppprog.studies.execute import run
from ppprog.studies.headlines import Headline, claims_headlines
from ppprog.studies.result import StudyResult

__all__ = ["ClaimsResult", "run_claims_study", "build_section_studies", "REPLICATE_COLUMNS"]

#: Columns of the combined per-replicate table (scenario parameters that are scalars follow).
REPLICATE_COLUMNS = (
    "section", "scenario", "method", "replicate", "estimand", "estimate", "se", "lower",
    "upper", "p", "status", "n_events", "truth",
)  # fmt: skip
_PARAMS = (
    "n", "hr", "switch_rate", "model_key", "landmark", "mechanism", "effect",
)  # fmt: skip


@dataclass(frozen=True)
class ClaimsResult:
    """Everything the claims report shows, computed by one run.

    Parameters
    ----------
    settings : dict
        The study file as loaded (with quick/replicate/seed options applied).
    tables : dict of str to pandas.DataFrame
        Summary tables by name (``two_cases_check``, ``publication_resolution``,
        ``immortal_time``, ``power_onset``, ``requirements_resolution``, ...).
    replicates : pandas.DataFrame
        Per-replicate results of every simulated section (columns
        :data:`REPLICATE_COLUMNS` and the scalar scenario parameters).
    report_cases : object or None
        Section 5 (:class:`~ppprog.studies.builtin.report_cases.ReportCasesResult`).
    manifest : dict
        Seeds, options, versions, timings and each section study's manifest.
    """

    settings: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    replicates: pd.DataFrame
    report_cases: Any
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def headlines(self) -> list[Headline]:
        """The summary's numbers (:func:`ppprog.studies.headlines.claims_headlines`)."""
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
        title = f"Built-in study of the report's claims ({self.manifest.get('timings_s', {}).get('total', float('nan')):.0f} s)"
        return text_table(["section", "item", "value", "MC SE"], rows, title=title)


def build_section_studies(settings: Mapping[str, Any]) -> dict[str, Study]:
    """The simulated sections as runner studies, keyed by section name.

    Parameters
    ----------
    settings : mapping
        Loaded settings.

    Returns
    -------
    dict of str to Study
    """
    pub_res, pub_on = publication.build_studies(settings)
    req_on, req_res = requirements.build_studies(settings)
    return {
        "two_cases": two_cases_study.build_study(settings),
        "publication_resolution": pub_res,
        "publication_onset": pub_on,
        "immortal_time": immortal_time.build_study(settings),
        "requirements_onset": req_on,
        "requirements_resolution": req_res,
        "refractory": refractory.build_study(settings),
    }


@contextlib.contextmanager
def _backend(workers: int | None, scheduler: Any) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Where the sections run: a given Dask scheduler, serially, or one local Dask cluster.

    A local cluster is started once for all six section studies (worker start-up and the
    loading of compiled kernels are paid once, not per section) and closed afterwards.
    """
    if scheduler is not None:
        yield scheduler, {"backend": "dask", "scheduler": str(scheduler)}
        return
    n = (os.cpu_count() or 1) if workers is None else int(workers)
    if n <= 1:
        yield "serial", {"backend": "serial", "workers": 1}
        return
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
        silence_logs=logging.ERROR,
    )  # fmt: skip
    client = Client(cluster)
    try:
        yield client, {"backend": "dask-local", "workers": n}
    finally:
        client.close()
        cluster.close()


def _tidy(section: str, result: StudyResult) -> pd.DataFrame:
    tab = result.replicates
    if section == "two_cases":
        tab = two_cases_study.with_mechanism(tab)
    cols = [c for c in REPLICATE_COLUMNS if c != "section"]
    cols += [c for c in _PARAMS if c in tab.columns]
    out = tab[cols].copy()
    out.insert(0, "section", section)
    return out


def _summaries(
    results: Mapping[str, StudyResult], settings: Mapping[str, Any]
) -> dict[str, pd.DataFrame]:
    alpha = float(settings["study"]["alpha"])
    target = float(settings["requirements"]["power"])
    two = results["two_cases"]
    tables = dict(two_cases_study.summarize(two.replicates, settings,
                                            two_cases_study.spec_changes(two.study)))  # fmt: skip
    for side in ("resolution", "onset"):
        tables[f"publication_{side}"] = publication.summarize(
            results[f"publication_{side}"], settings, side=side
        )
    tables["immortal_time"] = immortal_time.summarize(results["immortal_time"])
    tables["requirements_inputs"] = requirements.inputs_table(settings)
    tables["refractory"] = refractory.summarize(results["refractory"])
    for endpoint in ("onset", "resolution"):
        pw = requirements.power_table(
            results[f"requirements_{endpoint}"].replicates, endpoint, alpha=alpha
        )
        tables[f"power_{endpoint}"] = pw
        sec = settings["requirements"][endpoint]
        truth = {
            float(h): requirements.estimand_truth(
                endpoint, sec.get("spec_changes", {}), float(h),
                n=int(sec.get("estimand_cohort_size", 200_000)),
                seed=int(settings["study"]["seed"]),
            )
            for h in sec["hazard_ratios"]
        }  # fmt: skip
        tables[f"requirements_{endpoint}"] = requirements.requirement_table(
            pw, target=target, alpha=alpha, truth=truth
        )
    return tables


def run_claims_study(
    *,
    spec: str | Path | SpecFile | Mapping[str, Any] | None = None,
    quick: bool = False,
    replicates: int | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    seed: int | None = None,
    chunk_size: int | None = None,
    progress: bool = True,
) -> ClaimsResult:
    """Run every section of the built-in study of the report's claims.

    Parameters
    ----------
    spec : str, path, SpecFile or mapping, optional
        Study file (default: the shipped ``data/studies/claims.toml``).
    quick : bool, optional
        Small numbers for tests and CI (the file's ``[quick.*]`` tables).
    replicates : int, optional
        Replicates per scenario in every simulated section (overrides the file).
    workers : int, optional
        Local worker processes (default: all cores); more than one starts a local
        Dask cluster for the run, 1 runs serially in this process.
    scheduler : str or distributed.Client, optional
        A Dask scheduler address or client; overrides ``workers``.
    seed : int, optional
        Root seed (default: the file's ``study.seed``).
    chunk_size : int, optional
        Replicates per chunk (default: the file's ``study.chunk_size``).
    progress : bool, optional
        Show a progress bar per section.

    Returns
    -------
    ClaimsResult
        Results of every section; write the report with
        :func:`ppprog.report.build.write_claims_report`.
    """
    from ppprog.studies.builtin.report_cases import analyse_report_cases

    t0 = time.perf_counter()
    settings = load_settings(spec, quick=quick, replicates=replicates, seed=seed)
    size = int(chunk_size or settings["study"].get("chunk_size", 100))
    studies = build_section_studies(settings)
    # the report's cases first: this compiles (and caches) the Cox and Firth kernels once,
    # before any worker process needs them
    cases = analyse_report_cases(settings)
    timings: dict[str, float] = {"report_cases": time.perf_counter() - t0}
    results: dict[str, StudyResult] = {}
    with _backend(workers, scheduler) as (backend, info):
        for name, study in studies.items():
            t1 = time.perf_counter()
            results[name] = run(study, backend=backend, chunk_size=size, progress=progress)
            timings[name] = time.perf_counter() - t1
    tables = _summaries(results, settings)
    table = pd.concat([_tidy(k, r) for k, r in results.items()], ignore_index=True)
    timings["total"] = time.perf_counter() - t0
    manifest = {
        "study": "report-claims",
        "seed": int(settings["study"]["seed"]),
        "quick": bool(quick),
        "source": settings["study"]["source"],
        "execution": {**info, "chunk_size": size},
        "timings_s": timings,
        "versions": versions(),
        "settings": json.loads(json.dumps(settings, default=str)),
        "sections": {k: json.loads(json.dumps(dict(r.manifest), default=str)) for k, r in results.items()},
    }  # fmt: skip
    return ClaimsResult(dict(settings), tables, table, cases, manifest)
