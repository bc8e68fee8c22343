"""The malformed-file corpus: one located ValidationError per file, listing every problem.

Each file in ``malformed/`` states its expected problems in comment lines
``# expect: <line> | <case id> | <field> | <words of the message>`` (line 0 =
no line, empty or ``None`` case id = no case, field ``(file)`` = the file as a
whole). The test asserts that loading raises exactly one ValidationError whose
problems are exactly these, each naming the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ppprog._core.errors import ValidationError
from ppprog.records.io import read_cases

CORPUS = sorted((Path(__file__).parent / "malformed").glob("*.yaml"))


def _expected(path: Path) -> list[tuple[int | None, str | None, str, str]]:
    out = []
    # read as bytes: one corpus file is deliberately not UTF-8
    for line in path.read_bytes().decode("utf-8", errors="replace").splitlines():
        if line.startswith("# expect:"):
            lno, cid, field, words = (x.strip() for x in line.removeprefix("# expect:").split("|"))
            out.append(
                (
                    int(lno) or None,
                    None if cid in ("", "None") else cid,
                    "" if field == "(file)" else field,
                    words,
                )
            )
    return out


def test_corpus_is_not_empty() -> None:
    assert len(CORPUS) >= 30


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_malformed_file_reports_every_problem_located(path: Path) -> None:
    expected = _expected(path)
    assert expected, f"{path.name} states no expected problem"
    with pytest.raises(ValidationError) as info:
        read_cases(path)
    problems = info.value.problems
    got = sorted((p.line, p.case_id, p.field) for p in problems)
    want = sorted((line, cid, field) for line, cid, field, _ in expected)
    assert got == want, "\n".join(str(p) for p in problems)
    for line, cid, field, words in expected:
        (p,) = [p for p in problems if (p.line, p.case_id, p.field) == (line, cid, field)]
        assert words in p.message, p
        assert p.file == str(path)
    # the message of the one error lists every problem
    assert str(len(problems)) in str(info.value).splitlines()[0]


def test_valid_cases_in_a_malformed_file_are_not_silently_dropped() -> None:
    # sb-2 is valid, but the file as a whole fails: nothing is returned half-loaded.
    with pytest.raises(ValidationError):
        read_cases(Path(__file__).parent / "malformed" / "stop_before_start.yaml")
