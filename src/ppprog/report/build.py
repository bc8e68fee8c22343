"""Write the claims report folder: Markdown, self-contained HTML, figures, data, manifest.

Layout of the folder (default ``ppprog-report/``)::

    report.md            the report (figures linked from figures/)
    report.html          the same, one self-contained page (figures inlined)
    figures/*.png        every figure
    tables/*.csv         every summary table, full precision
    replicates.parquet   per-replicate results of every simulated section
    replicates.csv       the same as CSV
    headlines.json       every number of the summary: id, estimate, MC SE (or "exact"),
                         replicates, mode, definition (the summary is rendered from it)
    manifest.json        seeds, options, versions, timings, section manifests
    study.toml           copy of the suite file that was run
    studies/*.toml       copies of its section study files

Every number in the text and tables is read from the run's result.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from ppprog._core.fmt import fmt_num
from ppprog.report.claims_figures import claims_figures
from ppprog.report.claims_result import ClaimsResult
from ppprog.report.claims_summary import QUICK_LABEL, headline
from ppprog.report.claims_text import section_blocks
from ppprog.report.document import Bullets, Document, FigureRef, Heading, Paragraph
from ppprog.studies.headlines import headlines_json

__all__ = ["write_claims_report", "REPORT_FILES"]

REPORT_FILES = (
    "report.md", "report.html", "headlines.json", "manifest.json", "replicates.parquet",
    "replicates.csv",
)  # fmt: skip

_FIGURE_SECTION = {
    "two_cases_likelihood_ratio": "two_cases",
    "publication_resolution": "publication",
    "publication_onset": "publication",
    "immortal_time": "immortal_time",
    "power_onset": "requirements",
    "power_resolution": "requirements",
    "refractory_power": "refractory",
    "report_cases_km": "report_cases",
}


def _intro(result: ClaimsResult) -> list[Any]:
    m = result.manifest
    mode = "quick (tests/CI numbers)" if m.get("quick") else "default"
    reps = {k: v["replicates"] for k, v in result.settings["runs"].items()}
    text = (
        "The seed report describes two infliximab-induced cases and concludes that a "
        "moderate-to-high ANA titer seems to be a risk factor for paradoxical psoriasis and that "
        "extensive pustular presentation portends a protracted course refractory to therapy. "
        "This report puts numbers on what such claims are worth and on what data would settle "
        "them. Everything below was computed by this run; the suite file is copied as "
        "`study.toml` and every per-replicate result is in `replicates.parquet`."
    )
    run_info = (
        f"Run: {mode} mode, seed {m.get('seed')}, {m['execution'].get('backend')} backend, "
        f"{fmt_num(m['timings_s']['total'], 3)} s. Replicates per scenario: "
        + ", ".join(f"{k} {v}" for k, v in reps.items())
        + ". Each section is a study file in `data/studies/claims/` run by the ordinary study "
        "runner, with a seed derived from the suite seed and its key."
    )
    return [Paragraph(text), Paragraph(run_info)]


def _files_blocks() -> list[Any]:
    items = (
        "`replicates.parquet` / `replicates.csv`: one row per section, scenario, method, "
        "replicate and estimand (estimate, se, lower, upper, p, status, n_events, truth).",
        "`tables/*.csv`: every table above at full precision.",
        "`manifest.json`: seed, execution backend, timings, package versions and each "
        "section study's manifest; `study.toml`: the suite file that was run (its sections "
        "are the study files in `data/studies/claims/`).",
    )
    return [Heading("Files", 2), Bullets(items)]


def write_claims_report(result: ClaimsResult, out: str | Path = "ppprog-report") -> Path:
    """Write the report folder for a finished run.

    Parameters
    ----------
    result : ClaimsResult
        Output of :func:`ppprog.report.claims_result.run_claims_study`.
    out : str or pathlib.Path, optional
        Folder to create (existing files in it are overwritten).

    Returns
    -------
    pathlib.Path
        The folder.
    """
    folder = Path(out)
    figdir = folder / "figures"
    tabdir = folder / "tables"
    figdir.mkdir(parents=True, exist_ok=True)
    tabdir.mkdir(parents=True, exist_ok=True)
    figures = claims_figures(result)
    by_section: dict[str, list[FigureRef]] = {}
    for name, fig, caption in figures:
        fig.savefig(figdir / f"{name}.png", dpi=110)
        by_section.setdefault(_FIGURE_SECTION.get(name, "other"), []).append(
            FigureRef(name, caption)
        )
    title = "What two cases can and cannot show: ppprog's study of the report's claims"
    if result.settings["study"].get("quick"):
        title = f"{QUICK_LABEL} {title}"
    doc = Document(title)
    doc.add(*_intro(result), *headline(result))
    for key, blocks in section_blocks(result).items():
        doc.add(*blocks, *by_section.get(key, []))
    doc.add(*_files_blocks())
    (folder / "report.md").write_text(doc.markdown(), encoding="utf-8")
    (folder / "report.html").write_text(doc.html(figdir), encoding="utf-8")
    for name, table in result.tables.items():
        table.to_csv(tabdir / f"{name}.csv", index=False, float_format="%.17g")
    result.replicates.to_parquet(folder / "replicates.parquet", index=False)
    result.replicates.to_csv(folder / "replicates.csv", index=False, float_format="%.17g")
    (folder / "headlines.json").write_text(headlines_json(result.headlines), encoding="utf-8")
    (folder / "manifest.json").write_text(
        json.dumps(result.manifest, indent=2, default=str), encoding="utf-8"
    )
    source = result.settings["study"].get("source", "")
    if source and Path(source).is_file():
        shutil.copyfile(source, folder / "study.toml")
        for run in result.settings.get("runs", {}).values():
            section = Path(source).parent / str(run["file"])
            if section.is_file():
                (folder / "studies").mkdir(exist_ok=True)
                shutil.copyfile(section, folder / "studies" / section.name)
    return folder
