"""Exact P(case ANA-high at onset): closed-form limits, brute-force draws, the generator."""

from __future__ import annotations

import math

import numpy as np
import pytest

from ppprog._core.errors import SpecError
from ppprog.simulate.cohort import generate
from ppprog.simulate.exact import (
    ana_high_probability,
    ana_prone_probability,
    case_ana_high_probability,
    shortcut_case_probability,
    two_case_likelihood_ratio,
)
from ppprog.simulate.spec import CohortSpec

_BASE = {
    "onset.population.agent": {"infliximab": 1.0},
    "onset.susceptible.intercept": -3.178,
    "onset.susceptible.log_or": {},
    "onset.log_hr.ana_high": 0.0,
    "censoring.loss_rate": 0.0,
    "censoring.death_rate": 0.0,
}


def _spec(**changes: object) -> CohortSpec:
    return CohortSpec.default("onset").replace({**_BASE, **changes})


def _effect(spec: CohortSpec, mechanism: str, effect: float) -> CohortSpec:
    if mechanism == "hazard":
        return spec.replace({"onset.log_hr.ana_high": math.log(effect)})
    return spec.replace({"onset.susceptible.log_or": {"ana_prone": math.log(effect)}})


def _brute_force(spec: CohortSpec, n: int, seed: int) -> tuple[float, int]:
    """Share of cases ANA-high at onset from direct draws of the process (written apart)."""
    m, horizon = spec.onset, float(spec.censoring.administrative)
    a, h0, agent = m.ana, m.baseline, "infliximab"
    hr = math.exp(m.log_hr.get("ana_high", 0.0))
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    keys = sorted(a.baseline)
    t0 = np.asarray(keys, float)[rng.choice(len(keys), n, p=[a.baseline[k] for k in keys])]
    conv = rng.random(n) < a.convert[agent]
    tc = np.where(conv, a.convert_median[agent] * np.exp(a.convert_sigma * rng.standard_normal(n)),
                  np.inf)  # fmt: skip
    k = np.clip(np.rint(a.titer_log2_mean[agent] + a.titer_log2_sd * rng.standard_normal(n)),
                1, len(a.ladder) - 1).astype(int)  # fmt: skip
    high_c = conv & (np.maximum(t0, np.asarray(a.ladder, float)[k]) >= a.threshold)
    rev = conv & (rng.random(n) < a.revert)
    tr = np.where(rev, tc + rng.exponential(a.revert_median / math.log(2), n), np.inf)
    start = t0 >= a.threshold
    prone = start | high_c
    logit = m.susceptible.intercept + m.susceptible.log_or.get("ana_prone", 0.0) * prone
    sus = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    e = rng.exponential(1.0, n)
    # invert the path's cumulative hazard piece by piece
    hc = h0.cumhaz(np.minimum(tc, 1e9))
    hr_end = h0.cumhaz(np.minimum(tr, 1e9))
    inside = hc + hr * (hr_end - hc)
    t = h0.inverse(e)
    t = np.where(start, h0.inverse(e / hr), t)
    mid = ~start & high_c & (e >= hc) & (e < inside)
    t = np.where(mid, h0.inverse(hc + (e - hc) / np.where(mid, hr, 1.0)), t)
    after = ~start & high_c & (e >= inside)
    t = np.where(after, h0.inverse(np.maximum(e - (hr - 1.0) * (hr_end - hc), 0.0)), t)
    case = sus & (t <= horizon)
    high = start | (high_c & (t >= tc) & (t < tr))
    return float(high[case].mean()), int(case.sum())


def test_no_conversion_gives_the_closed_form() -> None:
    spec = _effect(_spec(**{"onset.ana.convert": {"infliximab": 0.0}}), "hazard", 3.0)
    a = spec.onset.ana
    b = sum(v for key, v in a.baseline.items() if key >= a.threshold)
    h = float(spec.onset.baseline.cumhaz(np.array([60.0]))[0])
    num = b * (1 - math.exp(-3.0 * h))
    expect = num / (num + (1 - b) * (1 - math.exp(-h)))
    assert case_ana_high_probability(spec) == pytest.approx(expect, rel=1e-12)


def test_null_does_not_depend_on_susceptibility_covariates() -> None:
    plain = case_ana_high_probability(_spec())
    with_cov = case_ana_high_probability(
        _spec(**{"onset.susceptible.log_or": {"female": 0.4, "age": -0.03}})
    )
    assert with_cov == pytest.approx(plain, rel=1e-14)


def test_issue_independent_check_values() -> None:
    """The issue's independent check: about 0.407 (HR 2) and 0.423 (HR 10), LR 1.14 and 1.23."""
    p = case_ana_high_probability(_spec())
    q2 = case_ana_high_probability(_effect(_spec(), "hazard", 2.0))
    q10 = case_ana_high_probability(_effect(_spec(), "hazard", 10.0))
    assert q2 == pytest.approx(0.407, abs=1e-3)
    assert q10 == pytest.approx(0.423, abs=1e-3)
    assert float(two_case_likelihood_ratio(q2, p)) == pytest.approx(1.14, abs=5e-3)
    assert float(two_case_likelihood_ratio(q10, p)) == pytest.approx(1.23, abs=5e-3)
    # the shortcut is far larger: it treats the HR as an odds ratio on being a case
    assert float(two_case_likelihood_ratio(shortcut_case_probability(p, 10.0), p)) > 4.0


@pytest.mark.parametrize(
    ("mechanism", "effect"),
    [("hazard", 1.0), ("hazard", 2.0), ("hazard", 10.0), ("susceptibility", 2.0),
     ("susceptibility", 10.0)],
)  # fmt: skip
def test_exact_matches_brute_force_draws(mechanism: str, effect: float) -> None:
    spec = _effect(_spec(**{"onset.susceptible.intercept": -0.5}), mechanism, effect)
    q = case_ana_high_probability(spec)
    share, cases = _brute_force(spec, 300_000, 7100 + int(effect))
    se = math.sqrt(q * (1 - q) / cases)
    assert abs(share - q) < 3 * se


@pytest.mark.parametrize(("mechanism", "effect"), [("hazard", 5.0), ("susceptibility", 5.0)])
def test_exact_matches_the_generator(mechanism: str, effect: float) -> None:
    spec = _effect(_spec(**{"onset.susceptible.intercept": -1.0}), mechanism, effect)
    q = case_ana_high_probability(spec)
    b = generate(spec, 100_000, 2, 20261205, scenario=0)
    j = np.sum(b.breaks <= b.time[..., None], axis=-1)
    high = np.take_along_axis(b.segments["ana_high"], j[..., None], axis=-1)[..., 0] > 0.5
    case = b.event.astype(bool)
    se = math.sqrt(q * (1 - q) / case.sum())
    assert abs(high[case].mean() - q) < 3 * se


def test_ana_high_probability_at_start_and_prone_share() -> None:
    a = _spec().onset.ana
    start_high = sum(v for key, v in a.baseline.items() if key >= a.threshold)
    assert float(ana_high_probability(a, "infliximab", np.array([0.0]))[0]) == pytest.approx(
        start_high
    )
    late = float(ana_high_probability(a, "infliximab", np.array([1e6]))[0])
    prone = ana_prone_probability(a, "infliximab")
    # long after the start, reverters are low again: P(high) = prone - reverted share
    assert late == pytest.approx(prone - (prone - start_high) * a.revert, rel=1e-6)


def test_refuses_specs_it_cannot_compute() -> None:
    with pytest.raises(SpecError, match="one agent"):
        case_ana_high_probability(CohortSpec.default("onset"))
    bad = _spec(**{"onset.susceptible.log_or": {"ana_prone": 0.5, "female": 0.3}})
    with pytest.raises(SpecError, match="no other susceptibility covariates"):
        case_ana_high_probability(bad)
