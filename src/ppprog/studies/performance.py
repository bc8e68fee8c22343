"""Performance measures of a simulation study with their Monte-Carlo SEs.

The measures and Monte-Carlo standard errors are those of Morris, White &
Crowther (2019, Table 6) as computed by R's rsimsum (>= 0.11), for ``n`` usable
replicates with estimates ``b_i``, standard errors ``s_i``, truth ``t``:

========================  ==============================  ==========================================
measure                   estimate                        Monte-Carlo SE
========================  ==============================  ==========================================
bias                      mean(b) - t                     sd(b) / sqrt(n)
rel_bias                  mean((b - t) / t)               sd((b - t) / t) / sqrt(n)
empse                     sd(b)                           empse / sqrt(2 (n - 1))
mse                       mean((b - t)^2)                 sqrt(sum(((b - t)^2 - mse)^2) / (n (n - 1)))
modse                     sqrt(mean(s^2))                 sqrt(var(s^2) / (4 n modse^2))
rel_error (percent)       100 (modse / empse - 1)         100 (modse/empse) sqrt(var(s^2)/(4 n modse^4) + 1/(2(n-1)))
coverage                  mean(lower <= t <= upper)       sqrt(c (1 - c) / n)
be_coverage               mean(lower <= mean(b) <= upper) sqrt(c (1 - c) / n)
power                     mean(p <= alpha)                sqrt(P (1 - P) / n)
========================  ==============================  ==========================================

``sd`` and ``var`` use the ``n - 1`` denominator. Two choices differ from
rsimsum and are deliberate: coverage uses each method's own interval (rsimsum's
``ci.limits``; methods report Wald intervals unless they compute better ones),
and power counts the method's own p-value (for Wald methods the same as
rsimsum's ``|b| >= z s`` rule; for log-rank it is the log-rank test). Power is
the type-I error where the truth equals the null value.

Replicates whose fit did not converge are never dropped silently: every group
reports ``n_total``, ``n_used``, ``n_nonconverged``, ``n_separated``
(monotone likelihood), ``n_nonfinite`` and the rule applied in ``failures``.

References
----------
Morris TP, White IR, Crowther MJ (2019). Using simulation studies to evaluate
statistical methods. Statistics in Medicine 38:2074-2102.
Gasparini A (2018). rsimsum: Summarise results from Monte Carlo simulation
studies. Journal of Open Source Software 3(26):739.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ppprog._core.errors import SpecError
from ppprog._core.typing import BoolArray, FloatArray
from ppprog.studies.power import freedman_power, schoenfeld_power

__all__ = ["performance", "measures", "usable_mask", "FAILURE_RULES", "MEASURES"]

FAILURE_RULES = ("exclude", "include", "exclude_any")
MEASURES = (
    "bias",
    "rel_bias",
    "empse",
    "mse",
    "modse",
    "rel_error",
    "coverage",
    "be_coverage",
    "power",
)


def measures(
    estimate: FloatArray,
    se: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    p: FloatArray,
    truth: float,
    *,
    alpha: float = 0.05,
) -> dict[str, float]:
    """Compute every performance measure and its Monte-Carlo SE for one group.

    Parameters
    ----------
    estimate, se, lower, upper, p : numpy.ndarray
        Usable replicates only (finite estimate and SE).
    truth : float
        True value (NaN gives NaN for the measures that need it).
    alpha : float, optional
        Significance level for power.

    Returns
    -------
    dict of str to float
        ``mean_estimate`` and, for each name in :data:`MEASURES`, the value
        and ``<name>_mcse``.

    References
    ----------
    Morris, White & Crowther (2019), Table 6.
    """
    with np.errstate(all="ignore"):
        return _measures(estimate, se, lower, upper, p, truth, alpha)


def _measures(
    estimate: FloatArray,
    se: FloatArray,
    lower: FloatArray,
    upper: FloatArray,
    p: FloatArray,
    truth: float,
    alpha: float,
) -> dict[str, float]:
    b = np.asarray(estimate, dtype=np.float64)
    s2 = np.asarray(se, dtype=np.float64) ** 2
    n = b.size
    out: dict[str, float] = {"mean_estimate": float(b.mean()) if n else np.nan}
    if n < 2:
        for m in MEASURES:
            out[m] = out[f"{m}_mcse"] = np.nan
        return out
    mean = b.mean()
    dev = b - mean
    empse = np.sqrt(np.sum(dev**2) / (n - 1))  # numpy scalar: x / 0 gives inf, not an error
    out["bias"] = float(mean - truth)
    out["bias_mcse"] = float(empse / np.sqrt(n))
    rb = (b - truth) / truth if truth != 0 else np.full(n, np.nan)
    out["rel_bias"] = float(rb.mean())
    out["rel_bias_mcse"] = float(rb.std(ddof=1) / np.sqrt(n))
    out["empse"] = float(empse)
    out["empse_mcse"] = float(empse / np.sqrt(2.0 * (n - 1)))
    sq = (b - truth) ** 2
    mse = float(sq.mean())
    out["mse"] = mse
    out["mse_mcse"] = float(np.sqrt(np.sum((sq - mse) ** 2) / (n * (n - 1))))
    modse = np.sqrt(s2.mean())
    var_s2 = s2.var(ddof=1)
    out["modse"] = float(modse)
    out["modse_mcse"] = float(np.sqrt(var_s2 / (4.0 * n * modse**2)))
    ratio = modse / empse
    out["rel_error"] = float(100.0 * (ratio - 1.0))
    out["rel_error_mcse"] = float(
        100.0 * ratio * np.sqrt(var_s2 / (4.0 * n * modse**4) + 1.0 / (2.0 * (n - 1)))
    )
    _proportion(out, "coverage", (lower <= truth) & (truth <= upper), n, np.isnan(truth))
    _proportion(out, "be_coverage", (lower <= mean) & (mean <= upper), n, False)
    _proportion(out, "power", np.asarray(p) <= alpha, n, False)
    return out


def _proportion(out: dict[str, float], name: str, hit: BoolArray, n: int, nan: bool) -> None:
    if nan:
        out[name] = out[f"{name}_mcse"] = np.nan
        return
    x = float(np.count_nonzero(hit)) / n
    out[name] = x
    out[f"{name}_mcse"] = float(np.sqrt(x * (1.0 - x) / n))


def usable_mask(table: pd.DataFrame, failures: str = "exclude") -> BoolArray:
    """Return which rows enter the performance measures.

    Parameters
    ----------
    table : pandas.DataFrame
        Per-replicate results.
    failures : {"exclude", "include", "exclude_any"}, optional
        ``"exclude"`` (default): rows whose fit did not converge are left out
        of the measures (and counted). ``"include"``: they enter the measures
        as reported, if their estimate and SE are finite. ``"exclude_any"``:
        a replicate is left out for every method if any method failed on it
        (so methods are compared on the same data sets).

    Returns
    -------
    numpy.ndarray of bool
    """
    if failures not in FAILURE_RULES:
        raise SpecError(f"failures must be one of {FAILURE_RULES}, got {failures!r}")
    finite = np.isfinite(table["estimate"].to_numpy()) & np.isfinite(table["se"].to_numpy())
    if failures == "include":
        return finite
    ok = finite & (table["status"].to_numpy() == "converged")
    if failures == "exclude":
        return ok
    keys = ["scenario", "replicate"]
    all_ok = pd.Series(ok, index=table.index).groupby([table[k] for k in keys]).transform("all")
    return all_ok.to_numpy(dtype=bool)


def performance(
    table: pd.DataFrame,
    *,
    alpha: float = 0.05,
    failures: str = "exclude",
    params: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Summarize a per-replicate table into performance measures.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``scenario, replicate, method, estimand, estimate, se, lower,
        upper, p, status, n_events, truth`` and optionally ``allocation`` (the
        proportion of subjects with a binary covariate): where it is given,
        the formula power of Schoenfeld and Freedman for the mean number of
        events is shown next to the simulated power.
    alpha : float, optional
        Significance level for power / type-I error.
    failures : {"exclude", "include", "exclude_any"}, optional
        How non-converged fits are handled; see :func:`usable_mask`.
    params : pandas.DataFrame, optional
        Scenario parameters indexed by scenario, joined as leading columns.

    Returns
    -------
    pandas.DataFrame
        One row per (scenario, method, estimand) with the failure counts,
        ``truth``, ``mean_estimate``, every measure with ``_mcse``,
        ``mean_events`` and the formula power columns.

    References
    ----------
    Morris, White & Crowther (2019), Table 6; rsimsum.
    """
    use = usable_mask(table, failures)
    work = table.assign(_use=use)
    rows = []
    for (s, m, e), g in work.groupby(["scenario", "method", "estimand"], sort=False):
        rows.append(_group_row(int(s), str(m), str(e), g, alpha, failures))
    out = pd.DataFrame(rows)
    if params is not None and len(out):
        out = params.reset_index().merge(out, on="scenario", how="right")
    return out


def _group_row(
    s: int,
    m: str,
    e: str,
    g: pd.DataFrame,
    alpha: float,
    failures: str,
) -> dict[str, Any]:
    status = g["status"].to_numpy()
    finite = np.isfinite(g["estimate"].to_numpy()) & np.isfinite(g["se"].to_numpy())
    u = g[g["_use"].to_numpy()]
    truths = g["truth"].unique()
    truth = float(truths[0]) if len(truths) == 1 else np.nan
    row: dict[str, Any] = {"scenario": s, "method": m, "estimand": e, "truth": truth}
    row.update(
        n_total=len(g),
        n_used=len(u),
        n_nonconverged=int(np.count_nonzero(status != "converged")),
        n_separated=int(np.count_nonzero(status == "monotone_likelihood")),
        n_nonfinite=int(np.count_nonzero(~finite)),
        failures=failures,
    )
    est, se, lo, hi, p = (u[c].to_numpy(dtype=np.float64) for c in ("estimate", "se", "lower", "upper", "p"))
    row.update(measures(est, se, lo, hi, p, truth, alpha=alpha))
    events = g["n_events"].to_numpy(dtype=np.float64)
    row["mean_events"] = float(events.mean()) if np.isfinite(events).all() else np.nan
    props = g["allocation"].unique() if "allocation" in g.columns else [np.nan]
    prop = float(props[0]) if len(props) == 1 else np.nan
    ok = np.isfinite(prop) and np.isfinite(row["mean_events"]) and np.isfinite(truth)
    hr = float(np.exp(truth)) if ok else np.nan
    row["power_schoenfeld"] = (
        schoenfeld_power(hr, row["mean_events"], alpha=alpha, allocation=prop) if ok else np.nan
    )
    row["power_freedman"] = (
        freedman_power(hr, row["mean_events"], alpha=alpha, allocation=prop) if ok else np.nan
    )
    return row
