"""A minimal document model rendered to Markdown and to self-contained HTML.

A report is a list of blocks (headings, paragraphs, bullet lists, tables,
figures). Both renderers walk the same list, so the Markdown and the HTML
pages hold the same text and numbers. Figures are PNG files in the report's
``figures/`` folder; the HTML embeds them as base64 data URIs so the page is
a single file.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ppprog.report.tables import to_html, to_markdown

__all__ = ["Heading", "Paragraph", "Bullets", "Table", "FigureRef", "Document"]


@dataclass(frozen=True)
class Heading:
    """A section heading (``level`` 1-4)."""

    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    """A paragraph; ``**bold**`` and ``code`` spans are rendered in HTML too."""

    text: str


@dataclass(frozen=True)
class Bullets:
    """A bullet list."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table of formatted cells with a caption."""

    frame: pd.DataFrame
    caption: str = ""


@dataclass(frozen=True)
class FigureRef:
    """A figure stored as ``figures/<name>.png`` with a caption."""

    name: str
    caption: str


Block = Heading | Paragraph | Bullets | Table | FigureRef

_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;line-height:1.5;color:#222}
table{border-collapse:collapse;margin:0.6rem 0 0.2rem;font-size:0.9rem}
th,td{border:1px solid #ccc;padding:0.25rem 0.55rem;text-align:right}
th{background:#f2f4f7}td:first-child,th:first-child{text-align:left}
figure{margin:1rem 0}img{max-width:100%}figcaption,.caption{font-size:0.88rem;color:#555}
code{background:#f4f4f4;padding:0 0.2rem}h1{border-bottom:2px solid #1b6ca8}
"""


def _inline_html(text: str) -> str:
    out = html.escape(text, quote=False)
    out = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", out)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", out)


@dataclass
class Document:
    """An ordered list of blocks with a title.

    Parameters
    ----------
    title : str
        Document title (level-1 heading).
    blocks : list of Block, optional
        Content.
    """

    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        """Append blocks."""
        self.blocks.extend(blocks)

    def figure_names(self) -> list[str]:
        """Names of the figures the document refers to."""
        return [b.name for b in self.blocks if isinstance(b, FigureRef)]

    def markdown(self) -> str:
        """Render to Markdown (figures as relative links to ``figures/``).

        Returns
        -------
        str
        """
        parts = [f"# {self.title}"]
        for b in self.blocks:
            if isinstance(b, Heading):
                parts.append("#" * b.level + " " + b.text)
            elif isinstance(b, Paragraph):
                parts.append(b.text)
            elif isinstance(b, Bullets):
                parts.append("\n".join(f"- {item}" for item in b.items))
            elif isinstance(b, Table):
                cap = f"*{b.caption}*\n\n" if b.caption else ""
                parts.append(cap + to_markdown(b.frame))
            else:
                parts.append(f"![{b.caption}](figures/{b.name}.png)\n\n*{b.caption}*")
        return "\n\n".join(parts) + "\n"

    def html(self, figure_dir: Path) -> str:
        """Render to one self-contained HTML page (figures inlined as base64).

        Parameters
        ----------
        figure_dir : pathlib.Path
            Folder holding ``<name>.png`` for every figure.

        Returns
        -------
        str
        """
        parts = [
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
            f"<title>{html.escape(self.title)}</title><style>{_CSS}</style></head><body>",
            f"<h1>{html.escape(self.title)}</h1>",
        ]
        for b in self.blocks:
            if isinstance(b, Heading):
                parts.append(f"<h{b.level}>{html.escape(b.text)}</h{b.level}>")
            elif isinstance(b, Paragraph):
                parts.append(f"<p>{_inline_html(b.text)}</p>")
            elif isinstance(b, Bullets):
                items = "".join(f"<li>{_inline_html(i)}</li>" for i in b.items)
                parts.append(f"<ul>{items}</ul>")
            elif isinstance(b, Table):
                cap = f"<p class='caption'>{_inline_html(b.caption)}</p>" if b.caption else ""
                parts.append(cap + to_html(b.frame))
            else:
                data = base64.b64encode((figure_dir / f"{b.name}.png").read_bytes()).decode()
                parts.append(
                    f"<figure><img alt='{html.escape(b.caption)}' src='data:image/png;base64,"
                    f"{data}'><figcaption>{_inline_html(b.caption)}</figcaption></figure>"
                )
        parts.append("</body></html>")
        return "\n".join(parts)
