"""Baseline hazards: closed forms, inverses, serialization, and KM of large cohorts vs exp(-H)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from ppprog.simulate.hazards import (
    Exponential,
    Gompertz,
    PiecewiseConstant,
    UserHazard,
    Weibull,
    hazard_from_dict,
)

ALL = [
    Exponential(0.3),
    Weibull(0.572, 8.72),
    Gompertz(0.05, 0.02),
    PiecewiseConstant((2.0, 5.0), (0.1, 0.4, 0.2)),
]


@pytest.mark.parametrize("h", ALL, ids=lambda h: h.kind)
def test_inverse_roundtrip_and_serialization(h):
    t = np.array([0.0, 0.1, 1.0, 2.0, 4.9, 5.0, 30.0])
    np.testing.assert_allclose(h.inverse(h.cumhaz(t)), t, rtol=1e-12, atol=1e-13)
    assert hazard_from_dict(h.to_dict()) == h
    assert h.problems() == []


def test_weibull_matches_scipy():
    h = Weibull(1.7, 3.0)
    t = np.linspace(0.1, 10, 25)
    np.testing.assert_allclose(h.survival(t), stats.weibull_min(c=1.7, scale=3.0).sf(t), rtol=1e-13)
    np.testing.assert_allclose(
        h.hazard(t),
        stats.weibull_min(c=1.7, scale=3.0).pdf(t) / stats.weibull_min(c=1.7, scale=3.0).sf(t),
        rtol=1e-12,
    )


def test_gompertz_matches_scipy():
    # scipy's gompertz(c) has H(x) = c (e^x - 1); with rate a, shape b: x = b t, c = a / b
    h = Gompertz(0.2, 0.05)
    t = np.linspace(0.0, 15, 16)
    ref = stats.gompertz(c=0.05 / 0.2, scale=1 / 0.2).sf(t)
    np.testing.assert_allclose(h.survival(t), ref, rtol=1e-12)


def test_invalid_parameters_are_reported():
    assert Weibull(-1.0, 0.0).problems()[0][0] == "shape"
    assert len(Weibull(-1.0, 0.0).problems()) == 2
    pw = PiecewiseConstant((3.0, 1.0), (0.1, -0.2))
    fields = {f for f, _ in pw.problems()}
    assert fields == {"breaks", "rates"}
    with pytest.raises(ValueError, match="unknown hazard kind"):
        hazard_from_dict({"kind": "lognormal"})
    with pytest.raises(ValueError, match="missing"):
        hazard_from_dict({"kind": "weibull", "shape": 1.0})
    with pytest.raises(TypeError):
        UserHazard(lambda t: t).to_dict()
    assert UserHazard(lambda t: t + 1.0).problems()[0][0] == "H"


def _km(time, event):
    """Small Kaplan-Meier step function (independent of ppprog.models)."""
    order = np.argsort(time, kind="stable")
    t, e = time[order], event[order]
    uniq, idx = np.unique(t, return_index=True)
    d = np.add.reduceat(e.astype(float), idx)
    n_risk = len(t) - idx
    return uniq, np.cumprod(1.0 - d / n_risk)


@pytest.mark.parametrize("h", ALL, ids=lambda h: h.kind)
def test_km_of_large_cohort_matches_closed_form(h):
    """Event times by inversion: KM of n = 20,000 censored draws vs exp(-H0) (DKW-type bound)."""
    rng = np.random.default_rng(np.random.SeedSequence(2026))
    n = 20_000
    T = h.inverse(-np.log1p(-rng.random(n)))
    C = rng.uniform(0.0, 20.0, n)
    time, event = np.minimum(T, C), T <= C
    grid, s = _km(time, event)
    keep = grid < 8.0  # enough at risk for the bound below
    # sup |KM - S| is O(1/sqrt(n_eff)); with censoring the effective n shrinks by at most P(C > t)
    tol = np.sqrt(np.log(2 / 0.001) / (2 * n)) / 0.6
    assert np.max(np.abs(s[keep] - h.survival(grid[keep]))) < tol
