"""Report document model and table rendering."""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd
import pytest

from ppprog.report.document import Bullets, Document, FigureRef, Heading, Paragraph, Table
from ppprog.report.tables import Column, fmt_value, format_table, to_html, to_markdown, with_mcse

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def test_format_table_with_mcse_percent_and_p() -> None:
    frame = pd.DataFrame({"m": ["a"], "v": [0.12345], "s": [0.004321], "c": [0.951], "p": [1e-20]})
    out = format_table(frame, [
        Column("method", "m"), Column("value", "v", mcse="s"), Column("cov", "c", kind="pct"),
        Column("p", "p", kind="p"),
    ])  # fmt: skip
    assert out.iloc[0].tolist() == ["a", "0.123 (0.0043)", "95.1%", "<2e-16"]
    with pytest.raises(ValueError, match="lacks columns"):
        format_table(frame, [Column("x", "missing")])


def test_cell_formatting() -> None:
    assert fmt_value(3.0) == "3"
    assert fmt_value(np.int64(12)) == "12"
    assert fmt_value(0.000123456) == "0.000123"
    assert fmt_value(float("nan")) == "NA"
    assert fmt_value(float("inf")) == "Inf"
    assert with_mcse(1.23456, 0.0123) == "1.23 (0.012)"


def test_markdown_and_html_tables_escape() -> None:
    frame = pd.DataFrame({"a|b": ["x|y"], "<c>": ["<script>"]})
    md = to_markdown(frame)
    assert md.splitlines()[0] == "| a|b | <c> |"
    assert "x\\|y" in md
    html = to_html(frame)
    assert "&lt;script&gt;" in html
    assert "<script>" not in html


def test_document_renders_both_formats(tmp_path) -> None:  # noqa: ANN001
    (tmp_path / "fig.png").write_bytes(PNG)
    doc = Document("Title")
    doc.add(
        Heading("Section", 2), Paragraph("Some **bold** and `code` & more."),
        Bullets(("one", "two")), Table(pd.DataFrame({"x": [1.5]}), "cap"), FigureRef("fig", "A figure"),
    )  # fmt: skip
    md = doc.markdown()
    assert md.startswith("# Title\n")
    assert "## Section" in md
    assert "- one\n- two" in md
    assert "![A figure](figures/fig.png)" in md
    html = doc.html(tmp_path)
    assert "<strong>bold</strong>" in html
    assert "<code>code</code>" in html
    assert "&amp; more" in html
    assert "data:image/png;base64," + base64.b64encode(PNG).decode() in html
    assert "figures/fig.png" not in html
    assert doc.figure_names() == ["fig"]
