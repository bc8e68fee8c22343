"""ppprog's Cox Newton iteration against R's own (``coxph.fit`` / ``agreg.fit``).

The reference (``tests/reference/cox_rrule``: inputs, the R script and its
outputs at 17 significant digits, survival 3.5-3) covers 300 random cohorts:
n from 12 to 400, 1 to 4 covariates, Efron and Breslow, ties, strata, entry
times and a few separated data sets. R is not needed to run this test.
ppprog follows R's stopping rule, so the iteration counts must be R's on every
cohort and the estimates, log-likelihoods and variances R's to rounding.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ppprog.models._kernels.design import CoxDesign
from ppprog.models._kernels.newton import newton_fit
from ppprog.models.status import FitStatus

REF = Path(__file__).parents[1] / "reference" / "cox_rrule"
P_MAX = 4


@pytest.fixture(scope="module")
def fits() -> pd.DataFrame:
    """ppprog's fit of every reference cohort next to R's."""
    meta = pd.read_csv(REF / "cohorts.csv")
    rows = pd.read_csv(REF / "inputs.csv.gz")
    r = pd.read_csv(REF / "r_fits.csv", na_values="NA", keep_default_na=False).set_index("cohort")
    out = []
    for m in meta.itertuples(index=False):
        d = rows[rows.cohort == m.cohort]
        X = d[[f"x{j + 1}" for j in range(m.p)]].to_numpy()[None]
        design = CoxDesign.from_arrays(
            X, d.stop.to_numpy()[None], d.status.to_numpy()[None],
            start=d.start.to_numpy()[None] if m.entry else None,
            strata=d.stratum.to_numpy()[None] if m.strata else None,
        )  # fmt: skip
        fit = newton_fit(design, ties=m.method)
        ref = r.loc[m.cohort]
        out.append({
            "cohort": m.cohort, "p": m.p, "separated": m.separated,
            "status": FitStatus(int(fit.status[0])), "iter": int(fit.n_iter[0]),
            "r_iter": int(ref["iter"]), "beta": fit.beta[0], "vcov": fit.vcov[0],
            "loglik": fit.loglik[0], "loglik0": fit.loglik_null[0], "score": fit.score_null[0],
            "r_beta": ref[[f"coef{j + 1}" for j in range(m.p)]].to_numpy(float),
            "r_var": ref[[f"var{i + 1}{j + 1}" for i in range(P_MAX) for j in range(P_MAX)]]
            .to_numpy(float).reshape(P_MAX, P_MAX)[: m.p, : m.p],
            "r_loglik": ref["loglik"], "r_loglik0": ref["loglik0"], "r_score": ref["sctest"],
            "r_warning": ref["warning"] if isinstance(ref["warning"], str) else "",
        })  # fmt: skip
    return pd.DataFrame(out)


def test_iteration_counts_are_r_s(fits: pd.DataFrame) -> None:
    fitted = fits[fits.status != FitStatus.SINGULAR_INFORMATION]
    assert len(fitted) >= 295
    differ = fitted[fitted.iter != fitted.r_iter]
    assert differ.empty, differ[["cohort", "iter", "r_iter", "status"]].to_string()


def test_singular_only_where_r_is_degenerate(fits: pd.DataFrame) -> None:
    # ppprog does not fit a design singular at zero (it names the columns); R drops
    # such a column (NA coefficient, zero variance) or ends with no usable variance.
    for f in fits[fits.status == FitStatus.SINGULAR_INFORMATION].itertuples():
        diag = np.diag(f.r_var)
        assert np.any(np.isnan(f.r_beta) | ~(diag > 1e-12)), f.cohort


def test_estimates_are_r_s(fits: pd.DataFrame) -> None:
    ok = fits[fits.status == FitStatus.CONVERGED]
    assert len(ok) >= 280
    for f in ok.itertuples():
        scale = np.maximum(1.0, np.abs(f.r_beta))
        assert np.all(np.abs(f.beta - f.r_beta) <= 1e-12 * scale), (f.cohort, f.beta, f.r_beta)
        np.testing.assert_allclose(f.vcov, f.r_var, rtol=1e-9, atol=1e-15, err_msg=str(f.cohort))
        assert f.loglik == pytest.approx(f.r_loglik, rel=1e-13, abs=1e-13)
        assert f.loglik0 == pytest.approx(f.r_loglik0, rel=1e-13, abs=1e-13)
        assert f.score == pytest.approx(f.r_score, rel=1e-10, abs=1e-12)


def test_separated_cohorts_are_reported(fits: pd.DataFrame) -> None:
    # Where R warns that a coefficient may be infinite or runs out of iterations,
    # ppprog reports monotone likelihood (and nowhere else): the coefficients walking
    # to infinity are +/-inf with R's signs, the others finite.
    r_flag = fits.r_warning.str.contains("infinite|Ran out of iterations")
    fitted = fits.status != FitStatus.SINGULAR_INFORMATION
    mono = fits.status == FitStatus.MONOTONE_LIKELIHOOD
    assert r_flag.sum() >= 5
    assert (mono <= r_flag).all()
    assert (mono == r_flag)[fitted].all()
    for f in fits[mono].itertuples():
        flagged = ~np.isfinite(f.beta)
        assert flagged.any()
        assert np.abs(f.r_beta[flagged]).max() > 5
        assert np.array_equal(np.sign(f.beta[flagged]), np.sign(f.r_beta[flagged]))
