"""Section "protracted or refractory": an ordinary study file run inside the claims study.

The section is the study file ``data/studies/claims/refractory.toml`` (load it
with :func:`ppprog.studies.studyfile.load_study` and run it like any user's
study); this module only loads it with the claims study's options and turns
its performance summary into the report's table, with every scenario labelled
by its parameters (:func:`scenario_label`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ppprog._core.resources import data_path
from ppprog.studies.builtin.common import section_seed
from ppprog.studies.design import Study
from ppprog.studies.result import StudyResult
from ppprog.studies.studyfile import load_study

__all__ = ["build_study", "scenario_label", "summarize"]

_LATENCY = "resolution.log_hr.extent[generalized]"
_CURE = "resolution.cure.log_or.extent[generalized]"


def build_study(settings: Mapping[str, Any]) -> Study:
    """The section's study file with the claims study's replicates and seed.

    Parameters
    ----------
    settings : mapping
        Loaded claims settings (``[refractory]``: ``file``, ``replicates``).

    Returns
    -------
    Study
    """
    sec = settings["refractory"]
    path = Path(str(sec["file"]))
    if not path.is_absolute() and not path.is_file():
        path = data_path("studies", str(sec["file"]))
    seed = section_seed(int(settings["study"]["seed"]), "refractory")
    return load_study(path, replicates=int(sec["replicates"]), seed=seed)


def scenario_label(params: Mapping[str, Any]) -> str:
    """Label a scenario by its parameters (never by its number).

    Parameters
    ----------
    params : mapping
        Scenario parameters.

    Returns
    -------
    str
        E.g. ``"latency HR 0.5, never-resolving OR 1, follow-up 60-120 months"``.
    """
    hr = math.exp(float(params.get(_LATENCY, 0.0)))
    odds = math.exp(float(params.get(_CURE, 0.0)))
    end = float(params.get("censoring.administrative", float("nan")))
    acc = float(params.get("censoring.accrual", 0.0))
    follow = f"{end - acc:g}-{end:g}" if acc > 0 else f"{end:g}"
    return f"latency HR {hr:.3g}, never-resolving OR {odds:.3g}, follow-up {follow} months"


def summarize(result: StudyResult) -> pd.DataFrame:
    """The section's table: performance by scenario (labelled), method and estimand.

    Parameters
    ----------
    result : StudyResult
        The section's run.

    Returns
    -------
    pandas.DataFrame
        ``scenario, label, latency_hr, never_resolving_or, follow_up_months, method, estimand,
        truth, mean_estimate, bias, bias_mcse, n_used, n_total, n_nonconverged,
        power, power_mcse``: bias over the scored fits (``n_used``); power over
        all replicates, failed fits (including ``not_identified``) counting as
        not significant.
    """
    perf = result.performance()
    params = perf.to_dict("records")
    out = pd.DataFrame({
        "scenario": perf["scenario"].astype(int).to_numpy(),
        "label": [scenario_label(p) for p in params],
        "latency_hr": [math.exp(float(p.get(_LATENCY, 0.0))) for p in params],
        "never_resolving_or": [math.exp(float(p.get(_CURE, 0.0))) for p in params],
        "follow_up_months": perf["censoring.administrative"].astype(float),
    })  # fmt: skip
    cols = ["method", "estimand", "truth", "mean_estimate", "bias", "bias_mcse", "n_used",
            "n_total", "n_nonconverged"]  # fmt: skip
    out = pd.concat([out, perf[cols].reset_index(drop=True)], axis=1)
    hits = perf["power"].to_numpy(float) * perf["n_used"].to_numpy(float)
    total = perf["n_total"].to_numpy(float)
    out["power"] = hits / total
    out["power_mcse"] = np.sqrt(out["power"] * (1.0 - out["power"]) / total)
    return out
