"""The malformed study-file corpus: every problem located, nothing else reported."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from malformed import check_report
from ppprog._core.errors import ValidationError
from ppprog._core.specfile import load_spec_file
from ppprog.simulate.spec import CohortSpec
from ppprog.simulate.spec_io import toml_dumps
from ppprog.studies.studyfile import load_study

CORPUS = Path(__file__).parent / "malformed"
FILES = sorted(p for p in CORPUS.iterdir() if p.suffix in (".toml", ".yaml", ".yml"))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_malformed_study_file(path: Path) -> None:
    with pytest.raises(ValidationError) as err:
        load_study(path)
    check_report(path, err.value.problems)


def test_corpus_covers_every_class() -> None:
    assert len(FILES) >= 20
    assert any(len(_expects(p)) >= 5 for p in FILES)


def _expects(path: Path) -> list[bytes]:
    return [x for x in path.read_bytes().splitlines() if x.startswith(b"# expect:")]


# --------------------------------------------------- random mutations of a valid file
VALID = {
    "name": "valid",
    "description": "a valid study",
    "seed": 11,
    "replicates": 20,
    "alpha": 0.05,
    "generator": "resolution",
    "base": {"n": 60, "resolution.log_hr.ana_high": 0.3},
    "estimands": [{"name": "ana_high", "truth": 0.3, "allocation": 0.5}],
    "methods": [
        {"name": "cox", "method": "cox_baseline", "covariates": ["ana_high"], "ties": "efron"},
        {"name": "lr", "method": "logrank", "covariate": "ana_high"},
    ],
}
# every key that may be mutated, with values of a type it refuses
WRONG = {
    ("name",): [7, ["x"], True],
    ("description",): [3, {"a": 1}],
    ("seed",): ["eleven", 1.5, True, [1]],
    ("replicates",): ["twenty", 2.5, False],
    ("alpha",): ["low", True, [0.05]],
    ("generator",): [1, ["resolution"]],
    ("base", "n"): ["sixty", 60.5, True, [60], -5],
    ("base", "resolution.log_hr.ana_high"): ["high", [0.3], True],
    ("estimands", 0, "name"): [1, ["ana_high"]],
    ("estimands", 0, "truth"): [[0.3], True, {"a": 1}],
    ("estimands", 0, "allocation"): [True, [0.5], 1.5],
    ("methods", 0, "name"): [1, ["cox"]],
    ("methods", 0, "method"): [1, ["cox_baseline"]],
    ("methods", 0, "covariates"): ["ana_high", 3, [1]],
    ("methods", 0, "ties"): [1, True, ["efron"]],
    ("methods", 1, "covariate"): [1, ["ana_high"]],
}


def _field(path: tuple) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _parent(data: dict, path: tuple) -> dict:
    node = data
    for part in path[:-1]:
        node = node[part]
    return node


def _misspell(key: str, draw: st.DrawFn) -> str:
    i = draw(st.integers(0, len(key) - 1))
    how = draw(st.sampled_from(["drop", "double", "swap", "letter"]))
    if how == "drop":
        return key[:i] + key[i + 1 :]
    if how == "double":
        return key[:i] + key[i] + key[i:]
    if how == "swap" and i + 1 < len(key) and key[i] != key[i + 1]:
        return key[:i] + key[i + 1] + key[i] + key[i + 2 :]
    return key[:i] + draw(st.sampled_from("qxz")) + key[i + 1 :]


@st.composite
def mutated_files(draw: st.DrawFn) -> tuple[dict, str]:
    data = copy.deepcopy(VALID)
    path = draw(st.sampled_from(sorted(WRONG, key=str)))
    parent = _parent(data, path)
    if draw(st.booleans()):
        parent[path[-1]] = draw(st.sampled_from(WRONG[path]))
        return data, _field(path)
    new = _misspell(path[-1], draw)
    assume(new and new not in parent)
    parent[new] = parent.pop(path[-1])
    return data, _field((*path[:-1], new))


@given(mutated=mutated_files(), fmt=st.sampled_from(["toml", "yaml"]))
@settings(max_examples=60, deadline=None)
def test_any_mutation_gives_a_located_error(mutated: tuple[dict, str], fmt: str) -> None:
    data, field = mutated
    text = toml_dumps(data) if fmt == "toml" else yaml.safe_dump(data, sort_keys=False)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"study.{fmt}"
        path.write_text(text)
        line = load_spec_file(path).line(field)
        with pytest.raises(ValidationError) as err:
            load_study(path)
    problems = err.value.problems
    assert all(p.file == str(path) and p.line is not None for p in problems)
    assert any(p.line == line for p in problems), (field, line, [str(p) for p in problems])


def test_the_valid_file_loads(tmp_path: Path) -> None:
    for fmt in ("toml", "yaml"):
        path = tmp_path / f"study.{fmt}"
        text = toml_dumps(VALID) if fmt == "toml" else yaml.safe_dump(VALID, sort_keys=False)
        path.write_text(text)
        study = load_study(path)
        assert study.methods[0].options == {"covariates": ["ana_high"], "ties": "efron"}
        assert study.scenarios[0].params["n"] == 60


def test_problems_of_a_referenced_spec_file_name_both_files(tmp_path: Path) -> None:
    spec = tmp_path / "cohort.toml"
    spec.write_text(CohortSpec.default("onset").to_toml().replace("smoker = ", "smoker = -"))
    study = tmp_path / "study.toml"
    study.write_text(
        f'seed = 1\nreplicates = 5\ngenerator = "onset"\n[base]\nn = 50\nspec = "{spec}"\n'
        '[[methods]]\nmethod = "cox_baseline"\n'
    )
    with pytest.raises(ValidationError) as err:
        load_study(study)
    (p,) = err.value.problems
    assert (p.file, p.line, p.field) == (str(study), 6, "base.spec")
    line = 1 + spec.read_text().splitlines().index(
        next(x for x in spec.read_text().splitlines() if x.startswith("smoker = -"))
    )
    assert p.message.startswith(f"{spec}:{line}: onset.population.smoker: must be a probability")
