"""R survival's ``aml`` data and the values R printed for it (shared by the KM and log-rank tests)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

REF = json.loads(
    (Path(__file__).parents[1] / "reference" / "r_survival_aml_printed.json").read_text()
)


def aml() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Times, status and group labels of ``aml``, group by group as in ``REF["data"]``."""
    t, s, g = [], [], []
    for name, d in REF["data"].items():
        t += d["time"]
        s += d["status"]
        g += [name] * len(d["time"])
    return np.array(t, float), np.array(s), np.array(g)
