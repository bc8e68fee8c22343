"""Paper-style tables: format a results frame once, render it to Markdown or HTML.

The same formatted frame (strings) feeds both renderers, so the Markdown and
the HTML report show identical numbers. Numbers are formatted with
:func:`ppprog._core.fmt.fmt_num` (significant digits), estimates with a Monte-
Carlo SE as ``"0.123 (0.004)"``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ppprog._core.fmt import fmt_num, fmt_p

__all__ = ["Column", "format_table", "with_mcse", "to_markdown", "to_html", "fmt_value"]


def fmt_value(x: object, digits: int = 3) -> str:
    """Format one cell: numbers to ``digits`` significant digits, integers as is.

    Parameters
    ----------
    x : object
        Cell value.
    digits : int, optional
        Significant digits for floats.

    Returns
    -------
    str
    """
    if x is None:
        return "NA"
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        xf = float(x)
        if math.isfinite(xf) and 1e3 <= abs(xf) < 1e9:
            return f"{float(f'{xf:.{max(digits, 1)}g}'):.0f}"  # 5130, not 5.13e+03
        if math.isfinite(xf) and xf == round(xf) and abs(xf) < 1e6 and digits >= 3:
            return str(int(round(xf))) if abs(xf) >= 1 or xf == 0 else fmt_num(xf, digits)
        return fmt_num(xf, digits)
    return str(x)


def with_mcse(value: float, mcse: float, digits: int = 3) -> str:
    """Return ``"value (mcse)"`` with the MC SE to 2 significant digits.

    Parameters
    ----------
    value, mcse : float
        Estimate and its Monte-Carlo SE.
    digits : int, optional
        Significant digits of the value.

    Returns
    -------
    str
    """
    return f"{fmt_num(value, digits)} ({fmt_num(mcse, 2)})"


class Column:
    """How one output column is made from a frame.

    Parameters
    ----------
    header : str
        Column header in the report.
    source : str
        Column of the input frame.
    mcse : str, optional
        Column holding the MC SE of ``source``; rendered as ``"v (se)"``.
    digits : int, optional
        Significant digits.
    kind : {"num", "p", "pct"}, optional
        Plain number, p-value, or percentage.
    """

    def __init__(
        self,
        header: str,
        source: str,
        *,
        mcse: str | None = None,
        digits: int = 3,
        kind: str = "num",
    ) -> None:
        self.header = header
        self.source = source
        self.mcse = mcse
        self.digits = digits
        self.kind = kind

    def cell(self, row: Mapping[str, object]) -> str:
        """Format this column's cell for one row."""
        v = row[self.source]
        if self.kind == "p":
            return fmt_p(float(v))  # type: ignore[arg-type]
        if self.kind == "pct":
            pct = 100.0 * float(v)  # type: ignore[arg-type]
            if self.mcse is not None:
                return f"{pct:.1f}% ({100.0 * float(row[self.mcse]):.1f})"  # type: ignore[arg-type]
            return f"{pct:.1f}%"
        if self.mcse is not None:
            return with_mcse(float(v), float(row[self.mcse]), self.digits)  # type: ignore[arg-type]
        return fmt_value(v, self.digits)


def format_table(frame: pd.DataFrame, columns: Sequence[Column]) -> pd.DataFrame:
    """Format ``frame`` into a frame of strings with the given columns.

    Parameters
    ----------
    frame : pandas.DataFrame
        Numeric results.
    columns : sequence of Column
        Output columns in order.

    Returns
    -------
    pandas.DataFrame
        All cells are strings; headers are the columns' ``header``.
    """
    missing = sorted({c.source for c in columns} - set(frame.columns))
    if missing:
        raise ValueError(f"format_table: frame lacks columns {missing}")
    rows = [[c.cell(r) for c in columns] for r in frame.to_dict("records")]
    return pd.DataFrame(rows, columns=[c.header for c in columns])


def _cells(frame: pd.DataFrame) -> list[list[str]]:
    return [[fmt_value(v) for v in row] for row in frame.itertuples(index=False)]


def to_markdown(frame: pd.DataFrame) -> str:
    """Render a frame as a GitHub-flavoured Markdown table.

    Parameters
    ----------
    frame : pandas.DataFrame
        Cells (strings, or numbers formatted with :func:`fmt_value`).

    Returns
    -------
    str
    """
    header = [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in _cells(frame):
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |")
    return "\n".join(lines)


def to_html(frame: pd.DataFrame) -> str:
    """Render a frame as an HTML table (escaped).

    Parameters
    ----------
    frame : pandas.DataFrame
        Cells.

    Returns
    -------
    str
    """
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
        for row in _cells(frame)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
