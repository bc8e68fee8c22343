"""Truth: closed-form/quadrature survival, Monte Carlo survival, and KM of large cohorts."""

from __future__ import annotations

import numpy as np
import pytest

from ppprog.simulate import CohortSpec, generate, truth
from ppprog.simulate.truth import _monte_carlo

RES = CohortSpec.default("resolution")
ONSET = CohortSpec.default("onset")


def _km(time, event, grid):
    """Kaplan-Meier at ``grid`` (written here, independent of ppprog.models)."""
    order = np.argsort(time, kind="stable")
    t, e = time[order], event[order]
    uniq, idx = np.unique(t, return_index=True)
    d = np.add.reduceat(e.astype(float), idx)
    s = np.cumprod(1.0 - d / (len(t) - idx))
    pos = np.searchsorted(uniq, grid, side="right") - 1
    return np.where(pos >= 0, s[np.maximum(pos, 0)], 1.0)


def test_quadrature_truth_matches_hand_closed_form():
    spec = RES.replace(
        {
            "resolution.management.rate": 0.0,
            "resolution.log_hr.extent[localized]": -0.4,
            "resolution.log_hr.extent[generalized]": -1.1,
        }
    )
    tr = truth(spec)
    assert tr.method == "quadrature"
    lam, c = 0.044323, 0.2
    t = np.array([0.0, 1.0, 6.0, 12.0, 24.0, 100.0])
    ext = {"none": (0.60, 0.0), "localized": (0.35, -0.4), "generalized": (0.05, -1.1)}
    hand = sum(p * (c + (1 - c) * np.exp(-lam * t * np.exp(b))) for p, b in ext.values())
    np.testing.assert_allclose(tr.survival(t), hand, rtol=1e-7)  # c = expit(-1.3862944) to 1e-8
    assert tr.cure_fraction == pytest.approx(0.2, abs=1e-7)
    assert tr.log_hr["extent[generalized]"] == -1.1
    assert tr.log_hr["female"] == 0.0
    assert tr.prevalence["extent[localized]"] == pytest.approx(0.35)
    assert tr.prevalence["female"] == pytest.approx(0.65)


def test_monte_carlo_truth_agrees_with_quadrature():
    spec = RES.replace({"resolution.management.rate": 0.0, "resolution.log_hr.ana_high": 0.5})
    exact = truth(spec)
    mc = _monte_carlo(spec, exact.log_hr, flip=False)
    t = np.array([1.0, 3.0, 6.0, 12.0, 24.0])
    s_mc, se = mc(t)
    assert np.all(se > 0)
    assert np.all(se < 2e-3)
    assert np.all(np.abs(s_mc - exact.survival(t)) < 4 * se + 1e-12)


def test_onset_quadrature_handles_covariate_dependent_susceptibility():
    tr = truth(ONSET)
    assert tr.method == "quadrature"
    assert tr.cure_fraction == pytest.approx(0.96, abs=1e-6)
    # S(inf) = cure fraction; S(12) from the Weibull among the 4% susceptible
    f12 = 1 - np.exp(-((12 / 8.72) ** 0.572))
    assert tr.survival([1e9])[0] == pytest.approx(0.96, abs=1e-6)
    assert tr.survival([12.0])[0] == pytest.approx(1 - 0.04 * f12, abs=1e-6)


@pytest.mark.parametrize(
    ("spec", "method"),
    [
        (RES, "monte carlo"),
        (
            ONSET.replace({"onset.log_hr.ana_high": 1.2, "onset.susceptible.intercept": 0.0}),
            "monte carlo",
        ),
        (RES.replace({"resolution.management.rate": 0.0}), "quadrature"),
    ],
    ids=["resolution-switching", "onset-ana-effect", "resolution-fixed"],
)
def test_km_of_large_cohort_matches_true_survival(spec, method):
    tr = truth(spec)
    assert tr.method == method
    n = 40_000
    b = generate(spec, n, 1, seed=123)
    grid = np.linspace(0.0, 0.9 * np.quantile(b.time, 0.9), 60)
    km = _km(b.time[0], b.event[0], grid)
    # DKW with alpha 1e-3, inflated by the inverse of the smallest censoring survival on the grid
    at_risk = np.mean(b.time[0][:, None] > grid[-1])
    tol = np.sqrt(np.log(2 / 1e-3) / (2 * n)) / max(at_risk, 0.2) + 3 * tr.survival_se(grid).max()
    assert np.max(np.abs(km - tr.survival(grid))) < tol


def test_truth_summary_and_str():
    tr = truth(RES)
    s = tr.summary
    assert {"parameter", "value", "kind"} == set(s.columns)
    assert "strategy[switch_class]" in set(s["parameter"])
    assert "Truth (resolution" in str(tr)
