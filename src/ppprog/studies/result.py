"""The outcome of a study: the per-replicate table, the manifest, the summary."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ppprog._core.fmt import fmt_num, text_table
from ppprog.studies.design import Study
from ppprog.studies.performance import performance

__all__ = ["StudyResult", "assemble", "scenario_frame", "scenario_labels"]

_TABLE = "replicates.parquet"
_MANIFEST = "manifest.json"


def _scalar(v: Any) -> Any:
    if isinstance(v, (bool, int, float, str, np.generic)) or v is None:
        return v
    return json.dumps(v, sort_keys=True, default=repr)


def scenario_frame(study: Study) -> pd.DataFrame:
    """Scenario parameters as a frame indexed by ``scenario`` (non-scalars as JSON text)."""
    rows = [{k: _scalar(v) for k, v in s.params.items()} for s in study.scenarios]
    frame = pd.DataFrame(rows, index=pd.Index(range(len(rows)), name="scenario"))
    return frame


def _short(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.4g}"
    return str(_scalar(v))


def scenario_labels(study: Study) -> dict[int, str]:
    """Label each scenario by the parameters that tell it apart from the others.

    Parameters
    ----------
    study : Study

    Returns
    -------
    dict of int to str
        For example ``{0: "n=100, resolution.log_hr.extent[generalized]=0", ...}``;
        a study with one scenario is labelled by its ``n`` (or ``"base"``).
    """
    params = [dict(s.params) for s in study.scenarios]
    keys = sorted({k for p in params for k in p})
    varying = [k for k in keys if len({_short(p.get(k)) for p in params}) > 1]
    if not varying:
        varying = [k for k in ("n",) if k in keys]
    labels = {}
    for i, p in enumerate(params):
        parts = [f"{k}={_short(p[k])}" for k in varying if k in p]
        labels[i] = ", ".join(parts) or "base"
    return labels


def assemble(frames: Sequence[pd.DataFrame], study: Study) -> pd.DataFrame:
    """Concatenate chunk frames into the study's per-replicate table.

    Rows are ordered by scenario, method (in the study's order), replicate and
    then the order in which the method reported its estimands, so the table
    does not depend on how the work was chunked or scheduled.

    Parameters
    ----------
    frames : sequence of pandas.DataFrame
        Output of :func:`~ppprog.studies.execute.run_chunk` per chunk.
    study : Study
        The design (for method order and scenario parameters).

    Returns
    -------
    pandas.DataFrame
    """
    if not frames:
        raise ValueError("no finished chunks to assemble")
    table = pd.concat(frames, ignore_index=True)
    table = table[table["replicate"] < study.replicates]
    order = {m.label: i for i, m in enumerate(study.methods)}
    rank = table["method"].map(order).to_numpy()
    idx = np.lexsort((table["replicate"].to_numpy(), rank, table["scenario"].to_numpy()))
    table = table.iloc[idx].reset_index(drop=True)
    dup = table.duplicated(["scenario", "method", "replicate", "estimand"])
    if dup.any():
        raise ValueError(f"{int(dup.sum())} duplicated replicate rows in the finished chunks")
    params = scenario_frame(study)
    return table.join(params, on="scenario")


@dataclass(frozen=True)
class StudyResult:
    """Per-replicate results of a study, its manifest and performance summary.

    Parameters
    ----------
    study : Study
        The design that was run.
    replicates : pandas.DataFrame
        One row per (scenario, method, replicate, estimand): ``scenario,
        method, replicate, estimand, estimate, se, lower, upper, p, status,
        n_events, truth, allocation`` and the scenario parameters.
    manifest : dict
        Study description, fingerprint, seed, versions, chunk list with timings,
        runs.
    """

    study: Study
    replicates: pd.DataFrame
    manifest: Mapping[str, Any]

    def performance(self, *, alpha: float | None = None, failures: str = "exclude") -> pd.DataFrame:
        """Performance measures with Monte-Carlo SEs per scenario, method, estimand.

        Parameters
        ----------
        alpha : float, optional
            Significance level for power (default: the study's).
        failures : {"exclude", "include", "exclude_any"}, optional
            Handling of non-converged fits (always counted in the output).

        Returns
        -------
        pandas.DataFrame
            See :func:`ppprog.studies.performance.performance`.
        """
        a = self.study.alpha if alpha is None else alpha
        return performance(
            self.replicates,
            alpha=a,
            failures=failures,
            params=scenario_frame(self.study),
        )

    @property
    def summary(self) -> pd.DataFrame:
        """Performance with the default options (non-converged fits excluded, counted)."""
        return self.performance()

    @property
    def notes(self) -> list[str]:
        """One line per (scenario, method) with fits that did not converge, by status."""
        t = self.replicates
        fits = t.drop_duplicates(["scenario", "method", "replicate"])
        bad = fits[fits["status"] != "converged"]
        out = []
        labels = scenario_labels(self.study)
        for (s, m), g in bad.groupby(["scenario", "method"], sort=True):
            counts = ", ".join(f"{n} {k}" for k, n in g["status"].value_counts().items())
            out.append(
                f"scenario {s} ({labels.get(int(s), '')}), method {m!r}: {len(g)} of "
                f"{self.study.replicates} fits did not converge ({counts}); excluded from the measures by default, counted in "
                "n_nonconverged / n_separated"
            )
        return out

    def __str__(self) -> str:
        perf = self.summary
        labels = scenario_labels(self.study)
        measures = ["bias", "empse", "modse", "coverage", "power"]
        header = ["scenario", "method", "estimand", "n_used/n_total"]
        header += [f"{m} (MC SE)" for m in measures]
        rows = []
        for _, r in perf.iterrows():
            cells = [labels.get(int(r["scenario"]), str(r["scenario"])), r["method"], r["estimand"]]
            cells.append(f"{int(r['n_used'])}/{int(r['n_total'])}")
            cells += [f"{fmt_num(r[m])} ({fmt_num(r[m + '_mcse'], 2)})" for m in measures]
            rows.append(cells)
        title = f"Study {self.study.name!r}: {self.study.replicates} replicates per scenario"
        return "\n".join([text_table(header, rows, title=title), *self.notes])

    def to_parquet(self, folder: str | Path) -> Path:
        """Write ``replicates.parquet`` and ``manifest.json`` into ``folder``.

        Parameters
        ----------
        folder : str or pathlib.Path
            Created if needed.

        Returns
        -------
        pathlib.Path
            The folder.
        """
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        self.replicates.to_parquet(path / _TABLE, index=False)
        text = json.dumps(dict(self.manifest), indent=1, default=repr)
        (path / _MANIFEST).write_text(text)
        return path

    @classmethod
    def load(cls, folder: str | Path) -> StudyResult:
        """Read a result written by :meth:`to_parquet`.

        Parameters
        ----------
        folder : str or pathlib.Path
            Folder holding ``replicates.parquet`` and ``manifest.json``, or a
            checkpoint folder of :func:`~ppprog.studies.execute.run` (its
            finished chunks are assembled; a partial run gives a partial table).

        Returns
        -------
        StudyResult
        """
        path = Path(folder)
        manifest = json.loads((path / _MANIFEST).read_text())
        study = Study.from_dict(manifest["study"], validate=False)  # callables need not import
        if (path / _TABLE).exists():
            table = pd.read_parquet(path / _TABLE)
        else:  # a checkpoint folder: assemble its finished chunks
            files = [path / c["file"] for c in sorted(manifest["chunks"], key=_chunk_order)]
            table = assemble([pd.read_parquet(f) for f in files], study)
        return cls(study=study, replicates=table, manifest=manifest)


def _chunk_order(c: Mapping[str, Any]) -> tuple[int, int]:
    return int(c["scenario"]), int(c["first"])
