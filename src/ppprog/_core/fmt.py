"""Plain-text formatting of numbers and tables for results' ``__str__``.

Kept free of pandas so every layer can use it; result objects pass the rows
of their ``.summary`` frame here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["fmt_num", "fmt_p", "fmt_ci", "text_table"]


def fmt_num(x: float | int | None, digits: int = 4) -> str:
    """Format a number with ``digits`` significant digits; NaN/None as ``"NA"``.

    Parameters
    ----------
    x : float, int or None
        Value.
    digits : int, optional
        Significant digits.

    Returns
    -------
    str
    """
    if x is None:
        return "NA"
    if isinstance(x, (bool,)):
        return str(x)
    if isinstance(x, int):
        return str(x)
    xf = float(x)
    if math.isnan(xf):
        return "NA"
    if math.isinf(xf):
        return "Inf" if xf > 0 else "-Inf"
    return f"{xf:.{digits}g}"


def fmt_p(p: float | None) -> str:
    """Format a p-value as R does in summaries (``<2e-16`` floor).

    Parameters
    ----------
    p : float or None
        p-value.

    Returns
    -------
    str
    """
    if p is None or math.isnan(p):
        return "NA"
    if p < 2e-16:
        return "<2e-16"
    if p < 1e-4:
        return f"{p:.1e}"
    return f"{p:.4f}"


def fmt_ci(lower: float, upper: float, digits: int = 3) -> str:
    """Format a confidence interval as ``"(lower, upper)"``.

    Parameters
    ----------
    lower, upper : float
        Bounds.
    digits : int, optional
        Significant digits.

    Returns
    -------
    str
    """
    return f"({fmt_num(lower, digits)}, {fmt_num(upper, digits)})"


def text_table(header: Sequence[str], rows: Sequence[Sequence[object]], title: str = "") -> str:
    """Render a fixed-width text table.

    Parameters
    ----------
    header : sequence of str
        Column names.
    rows : sequence of sequence
        Cells; non-strings are formatted with :func:`fmt_num`.
    title : str, optional
        Line printed above the table.

    Returns
    -------
    str
    """
    cells = [[c if isinstance(c, str) else fmt_num(c) for c in r] for r in rows]  # type: ignore[arg-type]
    widths = [len(h) for h in header]
    for r in cells:
        for j, c in enumerate(r):
            widths[j] = max(widths[j], len(c))
    lines = []
    if title:
        lines.append(title)
    lines.append(
        "  ".join(h.rjust(w) if j else h.ljust(w) for j, (h, w) in enumerate(zip(header, widths)))
    )
    lines.append("  ".join("-" * w for w in widths))
    for r in cells:
        lines.append(
            "  ".join(c.rjust(w) if j else c.ljust(w) for j, (c, w) in enumerate(zip(r, widths)))
        )
    return "\n".join(lines)
