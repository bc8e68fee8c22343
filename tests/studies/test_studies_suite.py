"""Suites: study files run together, section seeds, overrides, located problems."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ppprog._core.errors import ValidationError
from ppprog._core.resources import data_path
from ppprog.studies.studyfile import load_study
from ppprog.studies.suite import default_suite_path, load_suite, run_suite, section_seed

CLAIMS = data_path("studies", "claims")


def test_section_seed_is_the_documented_function_of_seed_and_key() -> None:
    state = np.random.SeedSequence([20261124, zlib.crc32(b"two_cases")])
    expect = int(state.generate_state(1, np.uint64)[0] >> np.uint64(1))
    assert section_seed(20261124, "two_cases") == expect
    assert 0 <= expect < 2**63
    seeds = {section_seed(1, k) for k in ("a", "b", "c", "two_cases")}
    assert len(seeds) == 4
    assert section_seed(2, "a") != section_seed(1, "a")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "suite.toml"
    path.write_text(text)
    return path


SUITE = f"""
[suite]
name = "mine"
seed = 11

[sections.first]
file = "{CLAIMS / "immortal_time.toml"}"
replicates = 3
base = {{ n = 60 }}

[sections.second]
file = "{CLAIMS / "refractory.toml"}"
replicates = 4

[quick.sections.second]
replicates = 2
base = {{ n = 50 }}
"""


def test_a_section_seed_does_not_depend_on_the_other_sections(tmp_path: Path) -> None:
    both = load_suite(_write(tmp_path, SUITE))
    alone = load_suite(_write(tmp_path, SUITE.split("[sections.second]")[0]))
    assert both.sections["first"].seed == alone.sections["first"].seed == section_seed(11, "first")
    assert load_suite(_write(tmp_path, SUITE), seed=12).sections["first"].seed == section_seed(
        12, "first"
    )


def test_overrides_quick_and_replicates(tmp_path: Path) -> None:
    path = _write(tmp_path, SUITE)
    suite = load_suite(path)
    first = suite.sections["first"]
    plain = load_study(CLAIMS / "immortal_time.toml")
    assert first.replicates == 3
    assert first.base == {**plain.base, "n": 60}
    assert first.grid == plain.grid
    assert suite.sections["second"].replicates == 4
    quick = load_suite(path, quick=True)
    assert quick.quick
    assert quick.sections["second"].replicates == 2
    assert quick.sections["second"].base["n"] == 50
    assert quick.sections["first"].replicates == 3
    fixed = load_suite(path, replicates=7)
    assert {s.replicates for s in fixed.sections.values()} == {7}


def test_the_shipped_suite_loads_every_section() -> None:
    suite = load_suite(default_suite_path())
    assert list(suite.sections) == [
        "two_cases", "publication", "publication_onset", "immortal_time",
        "requirements_onset", "requirements_resolution", "refractory",
    ]  # fmt: skip
    assert suite.sections["publication"].selection is not None
    assert suite.sections["two_cases"].base["n"] == 600
    assert suite.settings["report"]["requirements"]["power"] == 0.8


def test_problems_are_located(tmp_path: Path) -> None:
    bad = _write(tmp_path, """[suite]
name = "x"
seed = "eleven"
colour = 1

[sections.a]
replicates = 3

[quick.sections.b]
replicates = 1
""")  # fmt: skip
    with pytest.raises(ValidationError) as err:
        load_suite(bad)
    found = {(p.line, p.field) for p in err.value.problems}
    assert (3, "suite.seed") in found
    assert (4, "suite.colour") in found
    assert (6, "sections.a") in found  # no 'file'
    assert (9, "quick.sections.b") in found  # no such section


def test_run_resumes_from_checkpoints(tmp_path: Path) -> None:
    suite = load_suite(_write(tmp_path, SUITE), quick=True)
    ckpt = tmp_path / "ckpt"
    one = run_suite(suite, workers=1, checkpoint_dir=ckpt, progress=False)
    assert set(one.results) == {"first", "second"}
    assert (ckpt / "first").is_dir()
    again = run_suite(suite, workers=1, checkpoint_dir=ckpt, progress=False)
    for key in one.results:
        pd.testing.assert_frame_equal(one.results[key].replicates, again.results[key].replicates)
    assert one.manifest["section_seeds"] == {k: s.seed for k, s in suite.sections.items()}
