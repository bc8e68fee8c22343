"""Study files (TOML or YAML): load, validate with located problems, run.

A study file holds the fields of :class:`~ppprog.studies.design.Study`::

    name = "null-check"
    seed = 20261124
    replicates = 500
    alpha = 0.05
    generator = "onset"            # registered name or "module:function"

    [base]                         # parameters shared by all scenarios
    n = 200

    [grid]                         # crossed: one scenario per combination
    hr = [1.0, 1.5, 2.0]

    [[estimands]]
    name = "x"
    truth = "log(hr)"              # number, parameter name, log(parameter) or absent
    allocation = 0.5               # optional: adds Schoenfeld/Freedman power

    [[methods]]
    name = "cox"                   # label in the results
    method = "cox_baseline"        # registered name or "module:function"
    ties = "efron"                 # any other key is an option of the method
    population = "all"             # or "selected": only the subjects [selection] keeps

    [selection]                    # optional: ascertainment (ppprog.studies.selection)
    intercept = -2.0
    coefficients = { generalized = 2.0 }

Every problem is collected, with its file, field and line, and raised once as
a :class:`~ppprog._core.errors.ValidationError`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ppprog._core.errors import Problem, ProblemReport, SpecError
from ppprog._core.specfile import SpecFile, load_spec_file
from ppprog.studies.design import Study
from ppprog.studies.result import StudyResult
from ppprog.studies.selection import selection_problems

__all__ = ["load_study", "study_from_file", "run_study_file", "RUN_OPTIONS"]

_NUMBER = (int, float)
_TOP: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "description": (str,),
    "seed": (int,),
    "replicates": (int,),
    "alpha": _NUMBER,
    "level": _NUMBER,
    "generator": (str,),
    "base": (dict,),
    "grid": (dict,),
    "scenarios": (list,),
    "estimands": (list,),
    "methods": (list,),
    "selection": (dict,),
}
_REQUIRED = ("seed", "replicates", "generator", "methods")
_PLACEHOLDER = {"seed": 0, "replicates": 2, "generator": "", "methods": []}
_ESTIMAND: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "truth": (*_NUMBER, str),
    "null": _NUMBER,
    "allocation": (*_NUMBER, str),
    "truth_key": (str,),
    "description": (str,),
}
_METHOD: dict[str, tuple[type, ...]] = {
    "name": (str,), "method": (str,), "options": (dict,), "population": (str,),
}  # fmt: skip
_WHAT = {str: "text", int: "an integer", float: "a number", dict: "a table", list: "a list"}
RUN_OPTIONS = ("backend", "workers", "chunk_size", "checkpoint_dir", "progress", "on_chunk")


def _shown(v: Any) -> str:
    """A value as it would be typed in a file (``true``, not ``True``)."""
    return ("true" if v else "false") if isinstance(v, bool) else "null" if v is None else repr(v)


def _fits(value: Any, types: tuple[type, ...]) -> bool:
    return isinstance(value, types) and not (isinstance(value, bool) and bool not in types)


def _check_table(
    d: Mapping[str, Any],
    spec: Mapping[str, tuple[type, ...]],
    where: str,
    rep: ProblemReport,
    *,
    required: Iterable[str] = (),
    open_keys: bool = False,
) -> dict[str, Any]:
    """Report unknown, missing and wrong-typed keys; return the entries that fit."""
    prefix = f"{where}." if where else ""
    for k in required:
        if k not in d:
            rep.add(f"{prefix}{k}" if where else k, "required field is missing")
    good: dict[str, Any] = {}
    for k, v in d.items():
        if k not in spec:
            if not open_keys:
                close = difflib.get_close_matches(str(k), list(spec), n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"expected one of {sorted(spec)}"
                rep.add(f"{prefix}{k}", f"unknown field; {hint}")
            else:
                good[k] = v
        elif not _fits(v, spec[k]):
            kinds = [t for t in spec[k] if not (t is int and float in spec[k])]
            want = " or ".join(_WHAT[t] for t in kinds)
            rep.add(f"{prefix}{k}", f"must be {want}, got {_shown(v)}")
        else:
            good[k] = v
    return good


def _entries(d: Mapping[str, Any], key: str) -> list[Any]:
    value = d.get(key)
    return value if isinstance(value, list) else []


def _check_raw(d: Mapping[str, Any], rep: ProblemReport) -> dict[str, Any]:
    """Check keys and types; return a copy that :meth:`Study.from_dict` can build.

    Wrong entries are replaced by placeholders, so the design's own checks
    (ranges, references, method options, scenario parameters) still run and
    report the file's other problems; problems of a placeholder are dropped.
    """
    clean = _check_table(d, _TOP, "", rep, required=_REQUIRED)
    clean = {**{k: v for k, v in _PLACEHOLDER.items() if k not in clean}, **clean}
    grid = {k: v if isinstance(v, list) else [v] for k, v in clean.get("grid", {}).items()}
    for k, v in clean.get("grid", {}).items():
        if not isinstance(v, list):
            rep.add(f"grid.{k}", f"must be a non-empty list of values, got {v!r}")
    scenarios = []
    for i, sc in enumerate(_entries(clean, "scenarios")):
        if not isinstance(sc, dict):
            rep.add(f"scenarios[{i}]", f"must be a table of parameters, got {sc!r}")
        scenarios.append(sc if isinstance(sc, dict) else {})
    if "selection" in clean:
        bad = selection_problems(clean["selection"])
        for key, msg in bad:
            rep.add(f"selection.{key}" if key else "selection", msg)
        if bad:  # a placeholder, so that the methods' populations are still checked
            clean["selection"] = {}
    estimands = [_estimand(i, e, rep) for i, e in enumerate(_entries(clean, "estimands"))]
    methods = [_method(i, m, rep) for i, m in enumerate(_entries(clean, "methods"))]
    clean.update(estimands=estimands, methods=methods, grid=grid, scenarios=scenarios)
    return clean


def _estimand(i: int, e: Any, rep: ProblemReport) -> dict[str, Any]:
    if not isinstance(e, dict):
        rep.add(f"estimands[{i}]", f"must be a table with a 'name', got {e!r}")
        e = {}
    got = _check_table(e, _ESTIMAND, f"estimands[{i}]", rep, required=("name",))
    a: Any = got.get("allocation")
    if _fits(a, _NUMBER) and not 0 < a < 1:
        rep.add(f"estimands[{i}].allocation", f"must be strictly between 0 and 1, got {a!r}")
    return {"name": f"<estimand {i}>", **got}


def _method(i: int, m: Any, rep: ProblemReport) -> dict[str, Any]:
    if not isinstance(m, dict):
        rep.add(f"methods[{i}]", f"must be a table with a 'method', got {m!r}")
        m = {}
    got = _check_table(m, _METHOD, f"methods[{i}]", rep, required=("method",), open_keys=True)
    if "method" in got:
        return got
    for k in () if "method" in m else m:  # a key close to 'method' is no option
        if difflib.get_close_matches(str(k), ["method"], n=1, cutoff=0.7):
            rep.add(f"methods[{i}].{k}", "unknown field; did you mean 'method'?")
    return {"name": f"<method {i}>", "method": ""}


def _under(field: str, reported: set[str]) -> bool:
    """True when ``field`` is, or lies inside, a field already reported."""
    return any(field == f or field.startswith((f"{f}.", f"{f}[")) for f in reported)


def _in_options_table(doc: SpecFile, p: Problem) -> Problem:
    """Name an option given in a method's ``options`` table by where it was written."""
    head, _, opt = p.field.partition("].")
    alt = f"{head}].options.{opt}"
    if head.startswith("methods[") and opt and p.field not in doc.locations:
        if alt in doc.locations:
            return Problem(p.file, p.case_id, alt, p.message, p.line)
    return p


def load_study(path: str | Path | SpecFile, **overrides: Any) -> Study:
    """Load and validate a study file.

    Parameters
    ----------
    path : str, pathlib.Path or SpecFile
        ``.toml``, ``.yaml``/``.yml`` or ``.json`` file, or the file already
        read with :func:`~ppprog._core.specfile.load_spec_file`.
    **overrides
        Top-level fields replacing the file's (e.g. ``replicates=50``).

    Returns
    -------
    Study

    Raises
    ------
    SpecFileError
        A :class:`~ppprog._core.errors.ValidationError` listing every problem
        with its file, line and field: unknown or misspelt keys, wrong types,
        values out of range, methods' options that their signature does not
        take, and scenario parameters the generator rejects (``n = -5``).
    """
    doc = path if isinstance(path, SpecFile) else load_spec_file(path)
    return study_from_file(doc, **overrides)


def study_from_file(doc: SpecFile, **overrides: Any) -> Study:
    """Validate a study file already read, and build its :class:`Study`.

    Parameters
    ----------
    doc : SpecFile
        The parsed file.
    **overrides
        Top-level fields replacing the file's.

    Returns
    -------
    Study
    """
    data = {**doc.mapping("a study file"), **overrides}
    rep = ProblemReport()
    clean = _check_raw(data, rep)
    study = None
    try:
        study = Study.from_dict(clean, validate=False)
    except (SpecError, TypeError, ValueError, KeyError, AttributeError) as exc:
        if not rep:  # otherwise a consequence of a problem already listed
            rep.add("<study>", str(exc))
    if study is not None:
        reported = {pr.field for pr in rep}
        rep.extend(pr for pr in study.problems() if not _under(pr.field, reported))
    doc.raise_if_any(_in_options_table(doc, pr) for pr in rep)
    assert study is not None
    return study


def run_study_file(path: str | Path | SpecFile | Study, **options: Any) -> StudyResult:
    """Load a study file and run it (the ``ppprog study run FILE`` command).

    Parameters
    ----------
    path : str, pathlib.Path, SpecFile or Study
        Study file, the file already read, or the study already loaded from
        it (then no field may be overridden: load it with the overrides).
    **options
        Run options (``backend``, ``workers``, ``chunk_size``,
        ``checkpoint_dir``, ``progress``, ``on_chunk``) go to
        :func:`~ppprog.studies.execute.run`; anything else overrides a field
        of the file (``replicates``, ``seed``, ...). None values are ignored,
        so a CLI can pass its unset options through. Two conveniences for a
        command line: ``scheduler="tcp://host:8786"`` runs on that Dask
        cluster, and ``workers=k`` with ``k > 1`` and no ``backend`` uses
        ``backend="processes"``.

    Returns
    -------
    StudyResult
    """
    from ppprog.studies.execute import run

    given = {k: v for k, v in options.items() if v is not None}
    scheduler = given.pop("scheduler", None)
    run_kw = {k: v for k, v in given.items() if k in RUN_OPTIONS}
    fields = {k: v for k, v in given.items() if k not in RUN_OPTIONS}
    if scheduler is not None:
        run_kw["backend"] = scheduler
    elif "backend" not in run_kw and run_kw.get("workers", 1) > 1:
        run_kw["backend"] = "processes"
    if isinstance(path, Study):
        if fields:
            raise SpecError(f"cannot override {sorted(fields)} of a loaded study; use load_study")
        return run(path, **run_kw)
    return run(load_study(path, **fields), **run_kw)
