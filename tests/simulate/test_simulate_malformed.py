"""The malformed cohort-spec corpus: every problem located, nothing else reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from malformed import check_report
from ppprog._core.errors import SpecError, ValidationError
from ppprog.simulate.spec import CohortSpec

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
