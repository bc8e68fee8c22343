"""The malformed study-file corpus: every problem located, nothing else reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from malformed import check_report
from ppprog._core.errors import ValidationError
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
