"""Suites: several study files run together, with seeds derived from one suite seed.

A suite file lists ordinary study files as sections and may change, per
section, what a suite needs to change (replicates, base parameters, grid)::

    [suite]
    name = "report-claims"
    seed = 20261124
    chunk_size = 100               # optional: replicates per chunk

    [sections.two_cases]
    file = "claims/two_cases.toml" # relative to the suite file's folder
    replicates = 4000
    base = { n = 600 }             # merged into the study file's [base]

    [quick.sections.two_cases]     # --quick: merged over the section
    replicates = 200

    [report]                       # free-form: read by the report that renders the suite

Each section is loaded with :func:`~ppprog.studies.studyfile.load_study` and
run by :func:`~ppprog.studies.execute.run`, like any study file (checkpoints,
backends and performance summaries included). A section's seed is not its
study file's: it is :func:`section_seed` of the suite seed and the section's
key (stable: it depends on nothing else, so adding, removing or reordering
sections changes no other section's numbers); ``seed`` in a section table
overrides it. Every problem of the suite file is reported with its file, line
and field before anything runs.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import time
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ppprog._core.errors import ProblemReport
from ppprog._core.resources import data_path
from ppprog._core.specfile import SpecFile, load_spec_file
from ppprog.studies.design import Study
from ppprog.studies.result import StudyResult
from ppprog.studies.studyfile import study_from_file

__all__ = [
    "Suite",
    "SuiteResult",
    "load_suite",
    "run_suite",
    "section_seed",
    "is_suite",
    "default_suite_path",
]

_TOP = ("suite", "sections", "quick", "report")
_SUITE = {"name": str, "description": str, "seed": int, "chunk_size": int}
_SECTION = {"file": str, "replicates": int, "seed": int, "base": dict, "grid": dict}


def default_suite_path() -> Path:
    """The shipped suite of the report's claims, ``data/studies/claims.toml``."""
    return data_path("studies", "claims.toml")


def section_seed(seed: int, key: str) -> int:
    """The root seed of a suite's section: the suite seed combined with a CRC-32 of the key.

    ``SeedSequence([seed, crc32(key)])`` gives 64 random bits, of which the
    top 63 are the seed; the CRC-32 (``zlib.crc32`` of the UTF-8 key) is a
    fixed function of the key, so a section's seed depends only on the suite
    seed and its own key.

    Parameters
    ----------
    seed : int
        The suite's seed (non-negative).
    key : str
        The section's key.

    Returns
    -------
    int
    """
    state = np.random.SeedSequence([int(seed), zlib.crc32(key.encode("utf-8"))])
    return int(state.generate_state(1, np.uint64)[0] >> np.uint64(1))


def is_suite(doc: SpecFile) -> bool:
    """Whether a parsed file is a suite (a ``[sections]`` table) rather than a study file."""
    data = doc.data
    return isinstance(data, dict) and isinstance(data.get("sections"), dict)


@dataclass(frozen=True)
class Suite:
    """A loaded suite: its sections as studies, and the file's settings.

    Parameters
    ----------
    name : str
        The suite's name.
    seed : int
        The suite seed.
    sections : dict of str to Study
        The sections in file order, each with its derived seed.
    settings : dict
        The suite file as read, quick tables merged (``settings["report"]``
        is the report's own table).
    source : str
        The suite file's path.
    quick : bool
        Whether the ``[quick.*]`` tables were merged.
    chunk_size : int or None
        Replicates per chunk.
    """

    name: str
    seed: int
    sections: dict[str, Study]
    settings: dict[str, Any]
    source: str
    quick: bool = False
    chunk_size: int | None = None


@dataclass(frozen=True)
class SuiteResult:
    """The results of every section of a suite.

    Parameters
    ----------
    suite : Suite
        What was run.
    results : dict of str to StudyResult
        Each section's result.
    manifest : dict
        Backend, timings per section, and each section's manifest.
    """

    suite: Suite
    results: dict[str, StudyResult]
    manifest: dict[str, Any] = field(default_factory=dict)


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def _check_table(d: Any, spec: Mapping[str, type], where: str, rep: ProblemReport) -> None:
    if not isinstance(d, Mapping):
        rep.add(where, f"must be a table, got {d!r}")
        return
    for k, v in d.items():
        if k not in spec:
            rep.add(f"{where}.{k}", f"unknown field; expected one of {sorted(spec)}")
        elif not isinstance(v, spec[k]) or isinstance(v, bool):
            rep.add(f"{where}.{k}", f"must be {spec[k].__name__}, got {v!r}")


def _problems(data: Mapping[str, Any]) -> ProblemReport:
    rep = ProblemReport()
    for k in data:
        if k not in _TOP:
            rep.add(str(k), f"unknown table; expected one of {list(_TOP)}")
    _check_table(data.get("suite", {}), _SUITE, "suite", rep)
    if not isinstance(data.get("suite", {}).get("seed"), int):
        rep.add("suite.seed", "required: the suite seed (a non-negative integer)")
    sections = data.get("sections")
    if not isinstance(sections, Mapping) or not sections:
        rep.add("sections", "required: at least one [sections.KEY] table with a 'file'")
        return rep
    for key, sec in sections.items():
        _check_table(sec, _SECTION, f"sections.{key}", rep)
        if isinstance(sec, Mapping) and "file" not in sec:
            rep.add(f"sections.{key}", "required field 'file' is missing")
    quick = data.get("quick", {})
    if not isinstance(quick, Mapping) or set(quick) - {"sections"}:
        rep.add("quick", "may only hold [quick.sections.KEY] tables")
    else:
        for key, sec in quick.get("sections", {}).items():
            if key not in sections:
                rep.add(f"quick.sections.{key}", "no such section")
            _check_table(sec, {k: v for k, v in _SECTION.items() if k != "file"},
                         f"quick.sections.{key}", rep)  # fmt: skip
    return rep


def _section_file(folder: Path, name: str) -> Path:
    path = Path(name)
    return path if path.is_absolute() else folder / path


def load_suite(
    path: str | Path | SpecFile | None = None,
    *,
    quick: bool = False,
    replicates: int | None = None,
    seed: int | None = None,
) -> Suite:
    """Load a suite file and every section's study file (all validated before anything runs).

    Parameters
    ----------
    path : str, pathlib.Path or SpecFile, optional
        The suite file (default: :func:`default_suite_path`).
    quick : bool, optional
        Merge the ``[quick.sections.*]`` tables (small numbers for tests and CI).
    replicates : int, optional
        Replicates per scenario in every section (overrides the file).
    seed : int, optional
        Replace the suite seed (every section seed follows).

    Returns
    -------
    Suite

    Raises
    ------
    SpecFileError
        Every problem of the suite file, located; a section's study file raises
        its own located problems.
    """
    doc = path if isinstance(path, SpecFile) else load_spec_file(path or default_suite_path())
    data = copy.deepcopy(doc.mapping("a suite file"))
    doc.raise_if_any(doc.locate(_problems(data)))
    if quick:
        for key, over in data.get("quick", {}).get("sections", {}).items():
            _merge(data["sections"][key], over)
    if seed is not None:
        data["suite"]["seed"] = int(seed)
    root = int(data["suite"]["seed"])
    folder = Path(doc.path).parent
    sections: dict[str, Study] = {}
    for key, sec in data["sections"].items():
        sdoc = load_spec_file(_section_file(folder, sec["file"]))
        raw = sdoc.mapping("a study file")
        fields: dict[str, Any] = {"seed": int(sec.get("seed", section_seed(root, key)))}
        if "replicates" in sec or replicates is not None:
            fields["replicates"] = int(replicates if replicates is not None else sec["replicates"])
        if "base" in sec:
            fields["base"] = {**raw.get("base", {}), **sec["base"]}
        if "grid" in sec:
            fields["grid"] = {**raw.get("grid", {}), **sec["grid"]}
        sections[key] = study_from_file(sdoc, **fields)
    top = data.get("suite", {})
    return Suite(
        name=str(top.get("name", "suite")), seed=root, sections=sections, settings=data,
        source=str(doc.path), quick=bool(quick), chunk_size=top.get("chunk_size"),
    )  # fmt: skip


@contextlib.contextmanager
def _backend(workers: int | None, scheduler: Any) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Where the sections run: a given Dask scheduler, serially, or one local Dask cluster.

    A local cluster is started once for all sections (worker start-up and the
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


def run_suite(
    suite: Suite,
    *,
    workers: int | None = None,
    scheduler: Any = None,
    chunk_size: int | None = None,
    checkpoint_dir: str | Path | None = None,
    progress: bool = True,
) -> SuiteResult:
    """Run every section of a suite with the study runner.

    Parameters
    ----------
    suite : Suite
        From :func:`load_suite`.
    workers : int, optional
        Local worker processes (default: all cores); more than one starts a
        local Dask cluster for the whole suite, 1 runs serially.
    scheduler : str or distributed.Client, optional
        A Dask scheduler address or client; overrides ``workers``.
    chunk_size : int, optional
        Replicates per chunk (default: the suite's ``chunk_size``, else the runner's).
    checkpoint_dir : str or pathlib.Path, optional
        Folder whose subfolder ``KEY/`` holds each section's checkpoint (a rerun resumes).
    progress : bool, optional
        Show a progress bar per section.

    Returns
    -------
    SuiteResult
    """
    from ppprog.studies.execute import run

    size = chunk_size or suite.chunk_size
    results: dict[str, StudyResult] = {}
    timings: dict[str, float] = {}
    with _backend(workers, scheduler) as (backend, info):
        for key, study in suite.sections.items():
            t0 = time.perf_counter()
            ckpt = None if checkpoint_dir is None else Path(checkpoint_dir) / key
            results[key] = run(study, backend=backend, chunk_size=size, checkpoint_dir=ckpt,
                               progress=progress)  # fmt: skip
            timings[key] = time.perf_counter() - t0
    manifest = {
        "suite": suite.name, "seed": suite.seed, "quick": suite.quick, "source": suite.source,
        "execution": {**info, "chunk_size": size}, "timings_s": timings,
        "section_seeds": {k: s.seed for k, s in suite.sections.items()},
    }  # fmt: skip
    return SuiteResult(suite, results, manifest)
