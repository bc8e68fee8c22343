"""The report of a user study: performance table, figure, Markdown and HTML."""

from __future__ import annotations

import textwrap
from pathlib import Path

from ppprog.plotting.study import plot_performance
from ppprog.report.document import Document, FigureRef, Paragraph, Table
from ppprog.report.tables import Column, format_table
from ppprog.studies.result import StudyResult, scenario_labels

__all__ = ["write_study_report"]

_PERF_COLUMNS = (
    ("scenario", "scenario_label", None, "num"), ("method", "method", None, "num"),
    ("estimand", "estimand", None, "num"), ("used/total", "used", None, "num"),
    ("bias", "bias", "bias_mcse", "num"), ("empirical SE", "empse", "empse_mcse", "num"),
    ("model SE", "modse", "modse_mcse", "num"), ("coverage", "coverage", "coverage_mcse", "pct"),
    ("power", "power", "power_mcse", "pct"),
)  # fmt: skip


def write_study_report(result: StudyResult, folder: str | Path) -> Path:
    """Write ``performance.csv``, ``figures/performance.png`` and ``report.md/.html``.

    Scenarios are labelled by the parameters that tell them apart
    (:func:`~ppprog.studies.result.scenario_labels`), never by number alone.

    Parameters
    ----------
    result : StudyResult
    folder : str or pathlib.Path
        Output folder (created if needed).

    Returns
    -------
    pathlib.Path
        The folder.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    study = result.study
    labels = scenario_labels(study)
    perf = result.summary.copy()
    perf.insert(1, "scenario_label", [labels[int(s)] for s in perf["scenario"]])
    perf.to_csv(out / "performance.csv", index=False, float_format="%.17g")
    perf["used"] = [f"{u}/{t}" for u, t in zip(perf["n_used"], perf["n_total"])]
    cols = [Column(h, src, mcse=m, kind=k) for h, src, m, k in _PERF_COLUMNS]
    doc = Document(f"Simulation study {study.name!r}")
    doc.add(Paragraph(
        f"{len(study.scenarios)} scenario(s) x {len(study.methods)} method(s) x "
        f"{study.replicates} replicates, seed {study.seed}, alpha {study.alpha:g}. "
        "Cells show the estimate with its Monte-Carlo SE in parentheses; fits that did not "
        "converge are counted (used/total) and excluded from the measures."
    ))  # fmt: skip
    doc.add(Table(format_table(perf, cols), "Performance of each method per scenario."))
    figdir = out / "figures"
    figdir.mkdir(parents=True, exist_ok=True)
    frame = perf.dropna(subset=["bias", "coverage"])
    if len(frame):
        frame = frame.assign(label=[
            "\n".join(textwrap.wrap(lab, 60)) + f"\n{m}: {e}"
            for lab, m, e in zip(frame["scenario_label"], frame["method"], frame["estimand"])
        ])  # fmt: skip
        fig = plot_performance(frame, level=study.level, title=study.name)
        fig.savefig(figdir / "performance.png", dpi=110)
        doc.add(FigureRef("performance", "Bias and coverage with 95% Monte-Carlo error bars."))
    (out / "report.md").write_text(doc.markdown(), encoding="utf-8")
    (out / "report.html").write_text(doc.html(figdir), encoding="utf-8")
    return out
