"""check(spec): the DGM recovers its own truth, and the checks can fail."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ppprog.simulate import CohortSpec, generate
from ppprog.studies.dgm_check import CheckReport, _fractions, _recovery, check


@pytest.fixture(scope="module")
def resolution_report() -> CheckReport:
    # time-varying management (3 strategy effects) plus a true effect of generalized pustules
    spec = CohortSpec.default("resolution").replace(
        {"resolution.log_hr.extent[generalized]": -0.7, "resolution.log_hr.ana_high": 0.4}
    )
    return check(spec, n=1000, replicates=120, seed=2026, km_n=20_000)


def test_large_n_recovery_with_fixed_seed(resolution_report):
    rep = resolution_report
    s = rep.summary
    rec = s[s["check"].str.startswith("recovery")]
    # every coefficient: mean within 3 MC SEs of the truth, coverage within 3 MC SEs of 0.95
    assert set(rec["quantity"]) == {
        "strategy[stop]", "strategy[switch_tnf]", "strategy[switch_class]",
        "extent[localized]", "extent[generalized]", "ana_high",
    }  # fmt: skip
    assert (rec["statistic"].abs() <= 3.0).all()
    assert rec["passed"].all()
    gen = rec[(rec["quantity"] == "extent[generalized]") & (rec["check"] == "recovery: mean")]
    assert gen["target"].item() == -0.7


def test_km_and_fractions_pass(resolution_report):
    s = resolution_report.summary
    km = s[s["check"] == "KM vs true S(t)"].iloc[0]
    assert km["passed"] is True
    assert km["estimate"] < km["tolerance"]
    frac = s[s["check"] == "realized fraction"]
    assert {"cure fraction", "mean[extent[generalized]]", "event fraction | x, z, C"} <= set(
        frac["quantity"]
    )
    assert frac["passed"].all()
    assert resolution_report.passed
    assert "all checks passed" in str(resolution_report)


def test_checks_detect_a_wrong_truth():
    spec = CohortSpec.default("resolution")
    batch = generate(spec, 1000, 60, seed=5)
    tr = batch.truth
    wrong = dataclasses.replace(
        tr,
        log_hr={**tr.log_hr, "strategy[switch_class]": tr.log_hr["strategy[switch_class]"] - 0.4},
        cure_fraction=0.25,
        prevalence={**tr.prevalence, "female": 0.6},
    )
    rec = _recovery(batch, wrong, ["strategy[switch_class]"], 3.0)
    assert rec[0]["passed"] is False  # mean far from the (wrong) truth
    rows = {r["quantity"]: r for r in _fractions(batch, wrong, 3.0)}
    assert rows["cure fraction"]["passed"] is False
    assert rows["mean[female]"]["passed"] is False
    assert rows["mean[smoker]"]["passed"] is True


def test_onset_spec_and_informative_censoring_is_not_applicable():
    spec = CohortSpec.default("onset").replace(
        {
            "onset.susceptible.intercept": 0.0,
            "onset.log_hr.ana_high": 0.7,
            "censoring.loss_log_hr": {"female": 0.5},
        }
    )
    rep = check(spec, n=400, replicates=40, seed=3, km_n=2000)
    s = rep.summary
    km = s[s["check"] == "KM vs true S(t)"].iloc[0]
    assert km["passed"] is None
    assert "not applicable" in km["note"]
    rec = s[s["check"] == "recovery: mean"]
    assert list(rec["quantity"]) == ["ana_high"]
    assert np.isfinite(rec["estimate"]).all()
