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

Every problem is collected, with its file, field and line, and raised once as
a :class:`~ppprog._core.errors.ValidationError`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ppprog._core.errors import ParseError, Problem, ProblemReport, SpecError, field_line
from ppprog.studies.design import Study
from ppprog.studies.result import StudyResult

__all__ = ["load_study", "run_study_file", "RUN_OPTIONS"]

_TOP = {
    "name": str,
    "description": str,
    "seed": int,
    "replicates": int,
    "alpha": (int, float),
    "level": (int, float),
    "generator": str,
    "base": dict,
    "grid": dict,
    "scenarios": list,
    "estimands": list,
    "methods": list,
}
_REQUIRED = ("seed", "replicates", "generator", "methods")
_ESTIMAND_KEYS = {"name", "truth", "null", "allocation", "truth_key", "description"}
RUN_OPTIONS = ("backend", "workers", "chunk_size", "checkpoint_dir", "progress", "on_chunk")


def _parse(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    text = path.read_text()
    suffix = path.suffix.lower()
    if suffix == ".toml":
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            import tomli as tomllib  # type: ignore[no-redef]
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ParseError(f"{path}: {exc}") from exc
        return data, _toml_lines(text)
    if suffix in (".yaml", ".yml"):
        import yaml

        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ParseError(f"{path}: {exc}") from exc
        lines: dict[str, int] = {}
        if node is not None:
            _yaml_lines(node, "", lines)
        return (data or {}), lines
    raise SpecError(f"{path}: study files must end in .toml, .yaml or .yml")


def _yaml_lines(node: Any, prefix: str, out: dict[str, int]) -> None:
    import yaml

    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            path = f"{prefix}.{k.value}" if prefix else str(k.value)
            out[path] = k.start_mark.line + 1
            _yaml_lines(v, path, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            path = f"{prefix}[{i}]"
            out[path] = v.start_mark.line + 1
            _yaml_lines(v, path, out)


_TABLE_RE = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-]+)\s*\]\]?")
_KEY_RE = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=")


def _toml_lines(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    counts: dict[str, int] = {}
    current = ""
    for no, line in enumerate(text.splitlines(), start=1):
        m = _TABLE_RE.match(line)
        if m:
            name = m.group(2)
            head = name.split(".")[0]
            if m.group(1) == "[[":
                counts[name] = counts.get(name, 0) + 1
                current = f"{name}[{counts[name] - 1}]"
            elif head in counts:
                current = f"{head}[{counts[head] - 1}]" + name[len(head) :]
            else:
                current = name
            out.setdefault(current, no)
            continue
        k = _KEY_RE.match(line)
        if k:
            out.setdefault(f"{current}.{k.group(1)}" if current else k.group(1), no)
    return out


def _check_raw(d: Mapping[str, Any], rep: ProblemReport) -> None:
    for k in d:
        if k not in _TOP:
            rep.add(str(k), f"unknown field; expected one of {sorted(_TOP)}")
    for k in _REQUIRED:
        if k not in d:
            rep.add(k, "required field is missing")
    for k, typ in _TOP.items():
        if k in d and (not isinstance(d[k], typ) or isinstance(d[k], bool)):
            rep.add(k, f"has the wrong type {type(d[k]).__name__}")
    _check_refs(d, rep)


def _check_refs(d: Mapping[str, Any], rep: ProblemReport) -> None:
    for i, m in enumerate(d.get("methods") or []):
        if not isinstance(m, dict) or not isinstance(m.get("method"), str):
            rep.add(
                f"methods[{i}]", "each method needs a 'method' (registered name or module:function)"
            )
    for i, e in enumerate(d.get("estimands") or []):
        if not isinstance(e, dict) or not isinstance(e.get("name"), str):
            rep.add(f"estimands[{i}]", "each estimand needs a 'name'")
            continue
        for k in set(e) - _ESTIMAND_KEYS:
            rep.add(f"estimands[{i}].{k}", f"unknown field; expected {sorted(_ESTIMAND_KEYS)}")


def load_study(path: str | Path, **overrides: Any) -> Study:
    """Load and validate a study file.

    Parameters
    ----------
    path : str or pathlib.Path
        ``.toml``, ``.yaml`` or ``.yml`` file.
    **overrides
        Top-level fields replacing the file's (e.g. ``replicates=50``).

    Returns
    -------
    Study

    Raises
    ------
    ValidationError
        Listing every problem with its file, field and line.
    """
    p = Path(path)
    data, lines = _parse(p)
    if not isinstance(data, dict):
        raise SpecError(f"{p}: a study file must hold a table/mapping at the top level")
    data.update(overrides)
    rep = ProblemReport()
    _check_raw(data, rep)
    study = None
    clean = dict(data)  # unknown estimand keys are reported above; build without them
    if isinstance(data.get("estimands"), list):
        clean["estimands"] = [
            {k: v for k, v in e.items() if k in _ESTIMAND_KEYS} if isinstance(e, dict) else e
            for e in data["estimands"]
        ]
    try:
        study = Study.from_dict(clean, validate=False)
    except (SpecError, TypeError, ValueError, KeyError, AttributeError) as exc:
        if not rep:  # otherwise a consequence of a problem already listed
            rep.add("<study>", str(exc))
    if study is not None:
        seen = {pr.field for pr in rep}
        rep.extend(pr for pr in study.problems() if pr.field not in seen)
    located = ProblemReport()
    located.extend(
        Problem(str(p), None, pr.field, pr.message, field_line(lines, pr.field)) for pr in rep
    )
    located.raise_if_any()
    assert study is not None
    return study


def run_study_file(path: str | Path, **options: Any) -> StudyResult:
    """Load a study file and run it (the ``ppprog study run FILE`` command).

    Parameters
    ----------
    path : str or pathlib.Path
        Study file.
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
    study = load_study(path, **fields)
    return run(study, **run_kw)
