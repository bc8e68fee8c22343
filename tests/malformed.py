"""Shared reader of the malformed-input corpora: each file states what must be reported.

A corpus file starts with comment lines ``# expect: LINE FIELD: message fragment``.
The test loads the file and asserts that exactly these (line, field) pairs are
reported, each message containing its fragment, and nothing else.
"""

from __future__ import annotations

import re
from pathlib import Path

_EXPECT = re.compile(rb"^# expect: (\d+) (\S+): (.*)$")


def expectations(path: Path) -> list[tuple[int, str, str]]:
    """The ``(line, field, fragment)`` triples declared at the top of ``path``."""
    out = []
    for raw in path.read_bytes().splitlines():
        m = _EXPECT.match(raw)
        if not m:
            break
        out.append((int(m.group(1)), m.group(2).decode(), m.group(3).decode().strip()))
    assert out, f"{path.name} declares no expected problem"
    return out


def check_report(path: Path, problems: list) -> None:  # noqa: ANN001 - list of Problem
    """Assert that ``problems`` are exactly the expected ones, located in ``path``."""
    want = expectations(path)
    got = sorted((p.line, p.field) for p in problems)
    assert got == sorted((line, field) for line, field, _ in want), "\n".join(map(str, problems))
    by_key = {(p.line, p.field): p for p in problems}
    for line, field, fragment in want:
        p = by_key[(line, field)]
        assert fragment in p.message, f"{path.name}:{line} {field}: {p.message!r}"
        assert p.file == str(path)
