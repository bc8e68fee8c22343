"""The docs teach the public API only."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"
PRIVATE = re.compile(r"^\s*(from|import)\s+ppprog(\.\w+)*\._\w+", re.MULTILINE)


def test_no_page_imports_a_private_module() -> None:
    offenders = []
    for page in sorted(DOCS.rglob("*.md")):
        if "_build" in page.parts:
            continue
        for m in PRIVATE.finditer(page.read_text(encoding="utf-8")):
            offenders.append(f"{page.relative_to(DOCS)}: {m.group(0).strip()}")
    assert not offenders, "docs import private modules:\n" + "\n".join(offenders)


def test_the_pattern_catches_a_private_import() -> None:
    assert PRIVATE.search("from ppprog._core.resources import data_path\n")
    assert PRIVATE.search("import ppprog.models._kernels.km\n")
    assert not PRIVATE.search("import ppprog\nfrom ppprog.models import cox_ph\n")
