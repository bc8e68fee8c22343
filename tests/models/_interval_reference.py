"""Loaders for the committed R references in tests/reference/interval/."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

REF_DIR = Path(__file__).resolve().parents[1] / "reference" / "interval"


def load_input(name: str) -> pd.DataFrame:
    """Input data set: ``bcos`` (all, or ``bcos_RT`` / ``bcos_RCT``), ``mixed`` or ``small``.

    Bounds are returned as R read them (NA for open ends, bcos's 0 left ends kept).
    """
    if name.startswith("bcos"):
        d = pd.read_csv(REF_DIR / "bcos.csv")
        d["groupRT"] = (d["group"] == "RT").astype(float)
        if name != "bcos" and name != "bcos_all":
            d = d[d["group"] == name.split("_")[1]].reset_index(drop=True)
        return d
    return pd.read_csv(REF_DIR / f"{name}.csv")


def npsurv_reference() -> pd.DataFrame:
    """npsurv NPMLE: support intervals, masses, survival at the ends, per data set."""
    return pd.read_csv(REF_DIR / "turnbull_npsurv.csv")


def survfit_reference() -> pd.DataFrame:
    """survfit(Surv(left, right, type = "interval2") ~ 1): time, surv."""
    return pd.read_csv(REF_DIR / "turnbull_survfit.csv")


def survreg_reference() -> pd.DataFrame:
    """survreg interval2 fits: estimate per term, loglik, vcov columns."""
    return pd.read_csv(REF_DIR / "survreg_interval2.csv")


def vcov_block(rows: pd.DataFrame) -> np.ndarray:
    """The k x k covariance matrix stored in ``vcov_1..vcov_k`` of one fit's rows."""
    k = len(rows)
    return rows[[f"vcov_{j}" for j in range(1, k + 1)]].to_numpy(dtype=float)
