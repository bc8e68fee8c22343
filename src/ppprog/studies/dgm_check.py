"""Self-checks of a data-generating mechanism: ``check(spec) -> CheckReport``.

Runs, for any :class:`~ppprog.simulate.spec.CohortSpec` (users write their
own scenarios), the checks that show the generator produces what the spec
says, each with its target, estimate, Monte Carlo SE, tolerance and verdict:

1. **Recovery.** The true conditional model is Cox with the time-varying
   columns, among the non-cured (the latent cure indicator is known in a
   simulation; the cured never have the event). It is fitted to every
   replicate with :func:`ppprog.models.cox_batch.cox_ph_batch`. For each
   coefficient the mean estimate must lie within ``z_tol`` MC SEs of the
   truth, and the coverage of the 95% Wald interval within ``z_tol`` MC SEs
   (``sqrt(0.95 * 0.05 / R)``) of 0.95. Non-converged replicates are counted
   in the note and make the check fail; they are never silently dropped.
2. **Marginal survival.** The Kaplan-Meier curve
   (:func:`ppprog.models.km.kaplan_meier`) of one large cohort against the
   true ``S(t)``: the largest distance on a grid of 400 times up to the last
   time at which at least 10% are still at risk must be below a DKW bound ``sqrt(log(2 / alpha) / (2 m))``
   with ``m`` the number still at risk at the last such time (conservative
   under censoring), plus 3 MC SEs of the truth when it is Monte Carlo.
   Not applicable when censoring or death depends on covariates.
3. **Realized fractions.** The cure fraction, every baseline design column's
   mean, and the event fraction given the covariates, paths and censoring
   times (its exact expectation is the average of
   ``(1 - c_i) * (1 - exp(-H_i(C_i)))``), each within ``z_tol`` SEs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ppprog._core.fmt import text_table
from ppprog.models.cox_batch import cox_ph_batch
from ppprog.models.km import kaplan_meier
from ppprog.simulate._invert import cumhaz_at
from ppprog.simulate.cohort import CohortBatch, generate
from ppprog.simulate.spec import CohortSpec
from ppprog.simulate.truth import Truth, subject_hazards

__all__ = ["CheckReport", "check"]

_COLUMNS = [
    "check", "quantity", "target", "estimate", "mc_se", "statistic", "tolerance", "passed", "note",
]  # fmt: skip


@dataclass(frozen=True)
class CheckReport:
    """Results of :func:`check`.

    Attributes
    ----------
    spec : CohortSpec
        The spec checked.
    n, replicates, km_n : int
        Cohort size, number of replicates for recovery, size of the KM cohort.
    seed : int
        Root seed (replicates ``0 .. replicates - 1`` of scenario 0, KM cohort
        = replicate ``replicates``).
    summary : pandas.DataFrame
        One row per check: ``check, quantity, target, estimate, mc_se,
        statistic, tolerance, passed, note`` (``passed`` is None when not
        applicable).
    """

    spec: CohortSpec
    n: int
    replicates: int
    km_n: int
    seed: int
    summary: pd.DataFrame

    @property
    def passed(self) -> bool:
        """True when every applicable check passed."""
        p = self.summary["passed"]
        return bool(all(v for v in p if v is not None))

    @property
    def failures(self) -> pd.DataFrame:
        """The rows that failed."""
        return self.summary[self.summary["passed"].map(lambda v: v is False)]

    def __str__(self) -> str:
        rows = [
            [r.check, r.quantity, r.target, r.estimate, r.mc_se, r.statistic, r.tolerance,
             "n/a" if r.passed is None else ("PASS" if r.passed else "FAIL")]
            for r in self.summary.itertuples(index=False)
        ]  # fmt: skip
        verdict = "all checks passed" if self.passed else f"{len(self.failures)} check(s) FAILED"
        title = (
            f"DGM check of {self.spec.name or self.spec.endpoint!r}: n={self.n}, "
            f"replicates={self.replicates}, KM n={self.km_n}, seed={self.seed}: {verdict}"
        )
        head = ["check", "quantity", "target", "estimate", "mc_se", "stat", "tol", "result"]
        return text_table(head, rows, title)


def _row(check: str, quantity: str, target: float, estimate: float, se: float,
         statistic: float, tol: float, passed: bool | None, note: str = "") -> dict[str, Any]:  # fmt: skip
    return dict(
        zip(_COLUMNS, [check, quantity, target, estimate, se, statistic, tol, passed, note])
    )


def _recovery(batch: CohortBatch, tr: Truth, covariates: list[str], z_tol: float) -> list[dict]:
    sd = batch.counting(covariates=covariates)
    R = sd.n_replicates
    ridx = np.arange(R)[:, None]
    cured_row = batch.cured[ridx, np.maximum(sd.subject, 0)]
    mask = sd.mask & ~cured_row
    fit = cox_ph_batch(
        sd.X, sd.stop, sd.event_indicator(), start=sd.start, mask=mask, names=list(sd.names)
    )
    ok = fit.converged
    n_bad = int((~ok).sum())
    note = f"{n_bad} of {R} fits did not converge" if n_bad else ""
    q = stats.norm.isf(0.025)
    rows = []
    for j, c in enumerate(sd.names):
        est, se, true = fit.params[ok, j], fit.se[ok, j], tr.log_hr[c]
        k = est.size
        mean = float(est.mean()) if k else math.nan
        mcse = float(est.std(ddof=1) / math.sqrt(k)) if k > 1 else math.nan
        z = (mean - true) / mcse if mcse > 0 else math.nan
        rows.append(_row("recovery: mean", c, true, mean, mcse, z, z_tol,
                         bool(abs(z) <= z_tol) and n_bad == 0, note))  # fmt: skip
        cover = float(np.mean(np.abs(est - true) <= q * se)) if k else math.nan
        cse = math.sqrt(0.95 * 0.05 / max(k, 1))
        zc = (cover - 0.95) / cse
        rows.append(_row("recovery: 95% coverage", c, 0.95, cover, cse, zc, z_tol,
                         bool(abs(zc) <= z_tol) and n_bad == 0, note))  # fmt: skip
    return rows


def _km_check(spec: CohortSpec, tr: Truth, km_n: int, seed: int, first: int, alpha: float) -> dict:
    cens = spec.censoring
    if cens.loss_log_hr or cens.death_log_hr:
        return _row("KM vs true S(t)", "sup |KM - S|", 0.0, math.nan, math.nan, math.nan,
                    math.nan, None, "not applicable: covariate-dependent censoring or death")  # fmt: skip
    big = generate(spec, km_n, 1, seed=seed, first_replicate=first)
    km = kaplan_meier(big.time[0], big.event[0].astype(float)).table
    keep = km["n_risk"].to_numpy() >= 0.1 * km_n
    t = km["time"].to_numpy()[keep]
    if t.size == 0:
        return _row("KM vs true S(t)", "sup |KM - S|", 0.0, math.nan, math.nan, math.nan,
                    math.nan, None, "not applicable: fewer than 10% at risk at the first time")  # fmt: skip
    # compare on a grid of 400 times (KM is right-continuous: its value at each grid time)
    grid = np.linspace(0.0, t[-1], 400)
    pos = np.searchsorted(km["time"].to_numpy(), grid, side="right") - 1
    surv = km["survival"].to_numpy()
    km_s = np.where(pos >= 0, surv[np.maximum(pos, 0)], 1.0)
    s_true = tr.survival(grid)
    dist = float(np.max(np.abs(km_s - s_true)))
    m = float(km["n_risk"].to_numpy()[keep][-1])
    tol = math.sqrt(math.log(2.0 / alpha) / (2.0 * m)) + 3.0 * float(np.max(tr.survival_se(grid)))
    note = f"t up to {t[-1]:.3g} months ({m:.0f} at risk); truth by {tr.method}"
    return _row(
        "KM vs true S(t)", "sup |KM - S|", 0.0, dist, math.nan, dist, tol, dist <= tol, note
    )


def _fractions(batch: CohortBatch, tr: Truth, z_tol: float) -> list[dict]:
    N = batch.time.size
    rows = []
    p = float(batch.cured.mean())
    se = math.sqrt(max(tr.cure_fraction * (1 - tr.cure_fraction), 1e-300) / N)
    z = (p - tr.cure_fraction) / se
    rows.append(_row("realized fraction", "cure fraction", tr.cure_fraction, p, se, z, z_tol,
                     abs(z) <= z_tol))  # fmt: skip
    for c, target in tr.prevalence.items():
        x = batch.design[c]
        est = float(x.mean())
        sd = float(x.std())
        se = sd / math.sqrt(N) if sd > 0 else math.nan
        z = (est - target) / se if sd > 0 else (0.0 if est == target else math.inf)
        rows.append(_row("realized fraction", f"mean[{c}]", target, est, se, z, z_tol,
                         bool(abs(z) <= z_tol)))  # fmt: skip
    cure, log_mult = subject_hazards(batch)
    c_time = batch.extra["censor_time"]
    H = cumhaz_at(c_time, batch.breaks, log_mult, batch.spec.model.baseline.cumhaz)
    p_i = (1.0 - cure) * -np.expm1(-H)
    expect = float(p_i.mean())
    se = math.sqrt(float(np.sum(p_i * (1 - p_i)))) / N
    got = float(batch.event.mean())
    z = (got - expect) / se if se > 0 else math.nan
    rows.append(_row("realized fraction", "event fraction | x, z, C", expect, got, se, z, z_tol,
                     bool(abs(z) <= z_tol), f"censored fraction {1 - got:.4g}"))  # fmt: skip
    return rows


def check(
    spec: CohortSpec,
    *,
    n: int = 2000,
    replicates: int = 200,
    seed: int = 0,
    km_n: int | None = None,
    covariates: list[str] | None = None,
    z_tol: float = 3.0,
    alpha: float = 0.001,
) -> CheckReport:
    """Run the self-checks of a cohort spec and report them.

    Parameters
    ----------
    spec : CohortSpec
        Any valid spec.
    n : int, optional
        Subjects per replicate for the recovery and fraction checks.
    replicates : int, optional
        Replicates for the recovery check.
    seed : int, optional
        Root seed.
    km_n : int, optional
        Size of the single cohort for the KM check (default ``max(20000, n)``).
    covariates : list of str, optional
        Columns of the recovery fit (default: every column named in the
        spec's ``log_hr``; the time-varying columns if it names none).
    z_tol : float, optional
        Tolerance in MC SEs.
    alpha : float, optional
        Level of the DKW bound of the KM check.

    Returns
    -------
    CheckReport

    References
    ----------
    Morris TP, White IR, Crowther MJ. Using simulation studies to evaluate
    statistical methods. Stat Med 2019;38:2074-2102.
    Massart P. The tight constant in the Dvoretzky-Kiefer-Wolfowitz
    inequality. Ann Probab 1990;18:1269-1283.
    """
    km_n = max(20_000, n) if km_n is None else int(km_n)
    batch = generate(spec, n, replicates, seed)
    tr = batch.truth
    if covariates is None:
        covariates = list(spec.model.log_hr) or list(batch.names[1])
    rows = _recovery(batch, tr, covariates, z_tol)
    rows.append(_km_check(spec, tr, km_n, seed, replicates, alpha))
    rows += _fractions(batch, tr, z_tol)
    summary = pd.DataFrame(rows, columns=_COLUMNS)
    summary["passed"] = summary["passed"].astype(object)
    return CheckReport(spec, n, replicates, km_n, seed, summary)
