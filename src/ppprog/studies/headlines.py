"""Machine-readable headline numbers of a study, and the rule that says when one is estimable.

A :class:`Headline` is one number of a study's summary: an id, the estimate,
its Monte-Carlo SE (or ``"exact"`` for a number computed without simulation),
the replicates behind it, the run mode (``default`` or ``quick``) and a
one-line definition. A report writes them to ``headlines.json`` and renders its
summary from them, so every number in the summary has a machine-readable source.

Estimability (:func:`estimable`): a simulated number supports an interpreting
sentence only when at most ``max_failed`` (10%) of its fits failed and its MC SE
is small against the effect it measures (at most half its size), or small in
absolute terms (at most ``floor``) when the sentence says "no effect". The
claims report builds its headlines with
:func:`ppprog.report.claims_headlines.claims_headlines`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Headline", "estimable", "headlines_json", "slug"]


def slug(text: str) -> str:
    """A label as an id part: lower case, runs of other characters as ``_``."""
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")


@dataclass(frozen=True)
class Headline:
    """One headline number.

    Parameters
    ----------
    id : str
        Stable identifier (``section.quantity[.qualifier]``).
    estimate : float
        The number.
    mcse : float or "exact"
        Monte-Carlo SE, or ``"exact"`` for a computed (not simulated) number.
    replicates : int
        Replicates behind the number (0 when exact).
    mode : {"default", "quick"}
        Run mode.
    definition : str
        One line saying what the number is.
    estimable : bool, optional
        Whether the number supports an interpreting sentence (see :func:`estimable`).
    failed : int, optional
        Failed fits among the replicates.
    """

    id: str
    estimate: float
    mcse: float | str
    replicates: int
    mode: str
    definition: str
    estimable: bool = True
    failed: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready mapping (NaN as None)."""
        out = asdict(self)
        for key in ("estimate", "mcse"):
            v = out[key]
            if isinstance(v, float) and not math.isfinite(v):
                out[key] = None
        return out


def estimable(
    effect: float,
    mcse: float,
    *,
    failed: int = 0,
    replicates: int = 1,
    max_failed: float = 0.10,
    floor: float = 0.05,
) -> bool:
    """Whether a simulated number supports an interpreting sentence.

    Parameters
    ----------
    effect : float
        The effect the sentence is about (e.g. a bias or a log hazard ratio).
    mcse : float
        Its Monte-Carlo SE.
    failed, replicates : int, optional
        Failed fits and replicates (fits attempted).
    max_failed : float, optional
        Largest share of failed fits tolerated.
    floor : float, optional
        An MC SE at most this large supports a "no effect" sentence.

    Returns
    -------
    bool
    """
    if not (math.isfinite(effect) and math.isfinite(mcse)) or replicates <= 0:
        return False
    if failed > max_failed * replicates:
        return False
    return mcse <= 0.5 * abs(effect) or mcse <= floor


def headlines_json(items: Iterable[Headline]) -> str:
    """Serialize headlines as a JSON list (one object per headline)."""
    return json.dumps([h.to_dict() for h in items], indent=2)
