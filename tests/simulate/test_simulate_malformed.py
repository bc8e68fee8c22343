"""The malformed cohort-spec corpus: every problem located, nothing else reported."""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from malformed import check_report
from ppprog._core.errors import SpecError, ValidationError
from ppprog._core.specfile import load_spec_file
from ppprog.simulate.spec import CohortSpec
from ppprog.simulate.spec_io import toml_dumps

CORPUS = Path(__file__).parent / "malformed"
FILES = sorted(p for p in CORPUS.iterdir() if p.suffix in (".toml", ".yaml", ".yml"))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_malformed_spec_file(path: Path) -> None:
    with pytest.raises(ValidationError) as err:
        CohortSpec.load(path)
    assert isinstance(err.value, SpecError)  # what callers of CohortSpec.load catch
    check_report(path, err.value.problems)


def test_corpus_covers_every_class() -> None:
    assert len(FILES) >= 14
    assert {p.suffix for p in FILES} == {".toml", ".yaml"}


# --------------------------------------------------- random mutations of a valid spec
def _leaves(node: object, path: tuple = ()) -> list[tuple]:
    if isinstance(node, dict) and node:
        return [p for k, v in node.items() for p in _leaves(v, (*path, k))]
    return [path]


def _parent(node: dict, path: tuple) -> dict:
    for k in path[:-1]:
        node = node[k]
    return node


DEFAULT = CohortSpec.default("resolution").to_dict()
LEAVES = sorted((p for p in _leaves(DEFAULT) if p), key=str)
WRONG_VALUES = ["text", True, [1, 2], {"a": 1}]


@st.composite
def mutated_specs(draw: st.DrawFn) -> tuple[dict, str]:
    data = copy.deepcopy(DEFAULT)
    path = draw(st.sampled_from(LEAVES))
    parent = _parent(data, path)
    old = parent[path[-1]]
    if draw(st.booleans()):
        new = draw(st.sampled_from([v for v in WRONG_VALUES if type(v) is not type(old)]))
        assume(not (isinstance(old, str) and path[-1] != "name"))  # free text accepts text
        parent[path[-1]] = new
        return data, ".".join(path)
    key = str(path[-1])
    i = draw(st.integers(0, len(key) - 1))
    new_key = key[:i] + draw(st.sampled_from("qxz")) + key[i + 1 :]
    assume(new_key not in parent)
    parent[new_key] = parent.pop(path[-1])
    return data, ".".join((*path[:-1], new_key))


@given(mutated=mutated_specs(), fmt=st.sampled_from(["toml", "yaml", "json"]))
@settings(max_examples=60, deadline=None)
def test_any_mutation_of_a_spec_gives_a_located_error(mutated: tuple[dict, str], fmt: str) -> None:
    data, field = mutated
    dump = {"toml": toml_dumps, "json": json.dumps, "yaml": yaml.safe_dump}[fmt]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"spec.{fmt}"
        path.write_text(dump(data))
        doc = load_spec_file(path)
        line = doc.line(field)
        with pytest.raises(ValidationError) as err:
            CohortSpec.load(path)
    problems = err.value.problems
    assert all(p.file == str(path) and p.line is not None for p in problems)
    # at the key's own line; or, for a category/column of a mapping checked as a whole
    # ("unknown categories ['qeneralized']"), at the mapping's line naming the key
    parent, _, key = field.rpartition(".")
    at_parent = doc.line(parent)
    assert any(
        p.line == line or (p.line == at_parent and repr(key) in p.message) for p in problems
    ), (field, line, [str(p) for p in problems])
