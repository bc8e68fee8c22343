"""Study design: scenario grid, validation, TOML/YAML files with located problems."""

from __future__ import annotations

import math
import textwrap

import pytest
from studies_toy import exp_rate_ratio, toy_generator

from ppprog._core.errors import SpecError, ValidationError
from ppprog.studies import (
    Estimand,
    Method,
    Study,
    load_study,
    register_method,
    run,
    run_study_file,
)
from ppprog.studies.seeding import ChunkKey, missing_ranges, plan_chunks

TOML = """\
name = "toy-file"
seed = 7
replicates = 12
alpha = 0.05
generator = "studies_toy:toy_generator"

[base]
n = 50
prev = 0.5

[grid]
hr = [1.0, 2.0]
censor = [0.01, 0.1]

[[estimands]]
name = "x"
truth = "log(hr)"
allocation = "prev"

[[methods]]
name = "exp"
method = "studies_toy:exp_rate_ratio"
"""


def _study(**kw) -> Study:
    args = {
        "name": "t", "generator": toy_generator, "methods": [exp_rate_ratio], "estimands": ["x"],
        "replicates": 5, "seed": 1, "base": {"n": 10}, "grid": {"a": [1, 2], "b": ["u", "v", "w"]},
    }  # fmt: skip
    args.update(kw)
    return Study(**args)


def test_grid_order_last_varies_fastest() -> None:
    sc = _study(scenarios_listed=[{"a": 9, "b": "z", "n": 3}]).scenarios
    assert [(s.params["a"], s.params["b"]) for s in sc] == [
        (1, "u"), (1, "v"), (1, "w"), (2, "u"), (2, "v"), (2, "w"), (9, "z"),
    ]  # fmt: skip
    assert [s.index for s in sc] == list(range(7))
    assert sc[0].params["n"] == 10
    assert sc[-1].params["n"] == 3
    assert sc[1].label == "n=10, a=1, b=v"


def test_bare_names_and_callables_are_wrapped() -> None:
    s = _study()
    assert s.methods == (Method("exp_rate_ratio", exp_rate_ratio),)
    assert s.estimands == (Estimand("x"),)


def test_design_problems_are_collected() -> None:
    with pytest.raises(SpecError) as err:
        _study(
            replicates=1, seed=-3, alpha=1.5,
            methods=[Method("m", exp_rate_ratio), Method("m", exp_rate_ratio)],
            grid={"estimate": [1], "b": []},
        )  # fmt: skip
    text = str(err.value)
    for part in ("replicates", "seed", "alpha", "methods[1]", "grid.b", "reserved"):
        assert part in text


def test_unknown_method_or_generator_is_reported_at_construction() -> None:
    with pytest.raises(SpecError) as err:
        _study(generator="no_such_dgm", methods=[Method("m", "no_such_method")])
    assert "generator" in str(err.value)
    assert "methods[0].method" in str(err.value)


def test_estimand_truth_sources() -> None:
    params = {"hr": 2.0, "beta": 0.3}
    assert Estimand("x", truth="log(hr)").true_value(params, None) == math.log(2.0)
    assert Estimand("x", truth="beta").true_value(params, None) == 0.3
    assert Estimand("x", truth=0.1).true_value(params, None) == 0.1
    assert Estimand("x").true_value(params, {"x": 0.7}) == 0.7
    assert Estimand("x", truth_key="b_x").true_value(params, {"b_x": 0.2}) == 0.2
    assert math.isnan(Estimand("x").true_value(params, None))
    with pytest.raises(SpecError, match="no parameter"):
        _study(estimands=[Estimand("x", truth="log(hr)")])


def test_dict_round_trip_and_fingerprint() -> None:
    s = _study()
    d = s.to_dict()
    assert d["generator"] == "studies_toy:toy_generator"
    back = Study.from_dict(d)
    assert back.to_dict() == d
    assert back.fingerprint() == s.fingerprint()
    assert _study(replicates=99).fingerprint() == s.fingerprint()
    assert _study(seed=2).fingerprint() != s.fingerprint()


def test_chunk_planning() -> None:
    assert missing_ranges(10, [(0, 3), (5, 7)]) == [(3, 5), (7, 10)]
    assert missing_ranges(4, [(0, 8)]) == []
    plan = plan_chunks(2, 5, 2, [ChunkKey(0, 0, 2), ChunkKey(1, 2, 3)])
    assert plan == [ChunkKey(0, 2, 2), ChunkKey(0, 4, 1), ChunkKey(1, 0, 2)]
    with pytest.raises(ValueError, match="overlap"):
        missing_ranges(10, [(0, 4), (3, 6)])


@pytest.mark.parametrize("fmt", ["toml", "yaml"])
def test_load_and_run_study_file(tmp_path, fmt: str) -> None:
    if fmt == "toml":
        path = tmp_path / "s.toml"
        path.write_text(TOML)
    else:
        import tomllib
        import yaml

        path = tmp_path / "s.yaml"
        path.write_text(yaml.safe_dump(tomllib.loads(TOML), sort_keys=False))
    study = load_study(path)
    assert len(study.scenarios) == 4
    assert study.replicates == 12
    res = run_study_file(path, replicates=6, progress=False, chunk_size=4, workers=None)
    assert res.study.replicates == 6
    assert len(res.replicates) == 4 * 6
    perf = res.performance()
    assert list(perf["scenario"]) == [0, 1, 2, 3]
    assert perf.loc[perf.hr == 2.0, "truth"].tolist() == [math.log(2.0)] * 2


def test_toml_problems_name_field_and_line(tmp_path) -> None:
    bad = (
        TOML.replace("seed = 7", 'seed = "seven"').replace(
            'method = "studies_toy:exp_rate_ratio"', 'method = "no_such_method"'
        )
        + '\n[[estimands]]\nname = "y"\ncolour = 3\n'
    )
    path = tmp_path / "bad.toml"
    path.write_text(bad)
    with pytest.raises(ValidationError) as err:
        load_study(path)
    probs = {p.field: p for p in err.value.problems}
    assert probs["seed"].line == 2
    assert probs["seed"].file == str(path)
    assert probs["methods[0].method"].line == 22
    assert "no_such_method" in probs["methods[0].method"].message
    assert probs["estimands[1].colour"].line == 26


def test_yaml_problems_name_line(tmp_path) -> None:
    text = textwrap.dedent(
        """\
        seed: 1
        replicates: 0
        generator: studies_toy:toy_generator
        base: {n: 10}
        methods:
          - name: a
            method: studies_toy:exp_rate_ratio
          - name: a
            method: studies_toy:exp_rate_ratio
        extra: 1
        """
    )
    path = tmp_path / "bad.yml"
    path.write_text(text)
    with pytest.raises(ValidationError) as err:
        load_study(path)
    probs = {p.field: p.line for p in err.value.problems}
    assert probs == {"extra": 10, "replicates": 2, "methods[1]": 8}


def test_registered_method_name(tmp_path) -> None:
    register_method("toy_exp", exp_rate_ratio)
    path = tmp_path / "s.toml"
    path.write_text(TOML.replace("studies_toy:exp_rate_ratio", "toy_exp"))
    res = run(load_study(path, replicates=3), progress=False)
    assert set(res.replicates["method"]) == {"exp"}
    assert res.study.methods[0].to_dict() == {"name": "exp", "method": "toy_exp"}


def test_run_study_file_maps_cli_options(tmp_path, monkeypatch) -> None:
    import ppprog.studies.execute as execute

    seen = {}

    def fake_run(study, **kw):
        seen.update(kw, replicates=study.replicates)

    monkeypatch.setattr(execute, "run", fake_run)
    path = tmp_path / "s.toml"
    path.write_text(TOML)
    run_study_file(path, replicates=None, workers=2, scheduler=None, progress=False)
    assert seen == {"workers": 2, "backend": "processes", "progress": False, "replicates": 12}
    seen.clear()
    run_study_file(path, replicates=3, workers=None, scheduler="tcp://h:8786")
    assert seen == {"backend": "tcp://h:8786", "replicates": 3}


def test_listed_scenarios_without_grid_add_no_empty_scenario() -> None:
    listed = _study(grid={}, scenarios_listed=[{"n": 30}, {"n": 60}]).scenarios
    assert [s.params["n"] for s in listed] == [30, 60]
    assert [s.index for s in listed] == [0, 1]
    assert len(_study(grid={}).scenarios) == 1
