"""The generated reference page lists everything the readers accept (so it cannot drift)."""

from __future__ import annotations

from pathlib import Path

from ppprog.records.parse import DURATION_PREFIXES, DURATION_UNITS
from ppprog.records.reference import reference_markdown, write_reference
from ppprog.records.schema import RECORDS
from ppprog.records.table_schema import TABLES, columns
from ppprog.records.vocab import AMBIGUOUS, SYNONYMS, Agent, Endpoint, Morphology, Sex


def test_every_field_column_token_synonym_and_duration_word_is_listed() -> None:
    text = reference_markdown()
    for fields in RECORDS.values():
        for f in fields:
            assert f"| `{f.name}` | {f.kind} |" in text
    for table in TABLES:
        for c in columns(table):
            assert f"| `{c.name}` | {c.store} |" in text
    for cls in (Sex, Agent, Morphology, Endpoint):
        for m in cls:
            assert f"| `{m.value}` |" in text
    for words in SYNONYMS.values():
        for word in words:
            assert f"`{word}`" in text
    for word in AMBIGUOUS[Endpoint]:
        assert f"| refused: `{word}` |" in text
    for word in (*DURATION_UNITS, *DURATION_PREFIXES):
        assert f"`{word}`" in text
    assert "| 14 | 424 | 428 |" in text
    assert "| 24 | 730 | 731 |" in text


def test_docs_build_writes_the_page(tmp_path: Path) -> None:
    out = write_reference(tmp_path / "reference" / "records.md")
    assert out.read_text(encoding="utf-8") == reference_markdown()
    conf = (Path(__file__).parents[2] / "docs" / "conf.py").read_text(encoding="utf-8")
    assert 'write_reference(Path(__file__).parent / "reference" / "records.md")' in conf
    index = (Path(__file__).parents[2] / "docs" / "index.md").read_text(encoding="utf-8")
    assert "reference/records" in index
