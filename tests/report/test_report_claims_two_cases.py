"""Section 1 of the claims study: closed forms, and exact probabilities vs simulation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ppprog._core.errors import SpecError
from ppprog.report.claims_two_cases import mechanism_params, two_cases_tables, with_mechanism
from ppprog.simulate.exact import (
    case_ana_high_from_params,
    shortcut_case_probability,
    two_case_likelihood_ratio,
)
from ppprog.studies.case_methods import ana_high_at_onset
from ppprog.studies.cohorts import onset_cohorts
from ppprog.studies.execute import run
from ppprog.studies.suite import load_suite


def likelihood_ratio(p: float, h: float, *, n_positive: int = 2, n_cases: int = 2) -> float:
    """The binomial shortcut's likelihood ratio (comparison only), through the public API."""
    q = shortcut_case_probability(p, h)
    return float(two_case_likelihood_ratio(q, p, n_positive=n_positive, n_cases=n_cases))


def test_null_case_probability_is_the_population_share() -> None:
    assert shortcut_case_probability(0.37, 1.0) == pytest.approx(0.37, abs=1e-15)


def test_case_probability_is_the_odds_shift_by_hand() -> None:
    # odds 0.25/0.75 = 1/3, times 3 -> odds 1 -> probability 1/2
    assert shortcut_case_probability(0.25, 3.0) == pytest.approx(0.5, abs=1e-15)


def test_likelihood_ratio_two_of_two_is_squared_ratio() -> None:
    p, h = 0.4, 2.5
    q = h * p / (h * p + 1 - p)
    assert likelihood_ratio(p, h) == pytest.approx((q / p) ** 2, rel=1e-13)
    assert likelihood_ratio(p, 1.0) == pytest.approx(1.0, rel=1e-13)


def test_likelihood_ratio_general_counts_match_binomial_ratio() -> None:
    p, h = 0.3, 4.0
    q = h * p / (h * p + 1 - p)
    expect = stats.binom.pmf(1, 3, q) / stats.binom.pmf(1, 3, p)
    assert likelihood_ratio(p, h, n_positive=1, n_cases=3) == pytest.approx(expect, rel=1e-13)


def test_likelihood_ratio_approaches_its_bound() -> None:
    p = 0.38
    assert likelihood_ratio(p, 1e9) == pytest.approx(p**-2, rel=1e-6)
    lrs = [likelihood_ratio(p, h) for h in (1.0, 2.0, 10.0)]
    assert np.all(np.diff(lrs) > 0)


@pytest.mark.parametrize(("p", "h"), [(0.0, 2.0), (1.0, 2.0), (0.5, 0.0), (0.5, -1.0)])
def test_invalid_inputs_raise(p: float, h: float) -> None:
    with pytest.raises(SpecError):
        shortcut_case_probability(p, h)


def _section():  # noqa: ANN202
    suite = load_suite(quick=True)
    study = suite.sections["two_cases"]
    return suite.settings["report"]["two_cases"], study, dict(study.scenarios[0].params)


@pytest.mark.parametrize("scenario", [0, 1, 3])
def test_exact_probability_agrees_with_the_onset_generator(scenario: int) -> None:
    """Null, hazard HR 2, susceptibility OR 2: exact vs 400 simulated cohorts, within MC error."""
    _, study, base = _section()
    params = dict(study.scenarios[scenario].params)
    data = onset_cohorts(params, replicates=400, seed=20261124, scenario=scenario,
                         first_replicate=0)  # fmt: skip
    out = ana_high_at_onset(data, n_cases=2)
    mech = with_mechanism(pd.DataFrame([params])).iloc[0]
    p = case_ana_high_from_params(mechanism_params(base, mech["mechanism"], mech["effect"]))
    truth = study.estimand("case_ana_high").true_value(params, None)
    assert p == pytest.approx(truth, rel=1e-12)
    assert study.estimand("cases_all_ana_high").true_value(params, None) == pytest.approx(p**2)
    both = out[(out["estimand"] == "cases_all_ana_high") & (out["status"] == "converged")]
    z_both = (both["estimate"].mean() - p**2) / (
        both["estimate"].std(ddof=1) / math.sqrt(len(both))
    )
    assert abs(z_both) < 3.5
    share = out[(out["estimand"] == "case_ana_high") & (out["status"] == "converged")]["estimate"]
    z = (share.mean() - p) / (share.std(ddof=1) / math.sqrt(len(share)))
    assert abs(z) < 3.5
    assert (out[out["estimand"] == "n_cases"]["estimate"] >= 2).mean() > 0.95


def test_method_counts_by_hand() -> None:
    """Three cohorts with known cases: shares of ANA-high cases and of all-high pairs."""

    class Chunk:
        breaks = np.array([[[1.0, np.inf]] * 4] * 3)
        segments = {"ana_high": np.array([[[0.0, 1.0, 0.0]] * 4] * 3)}
        time = np.array([[2.0, 0.5, 3.0, 4.0], [2.0, 2.0, 2.0, 2.0], [0.5, 9.0, 9.0, 9.0]])
        event = np.array([[1, 1, 1, 0], [1, 1, 1, 1], [1, 0, 0, 0]])

    out = ana_high_at_onset(Chunk(), n_cases=2)
    share = out[out["estimand"] == "case_ana_high"]["estimate"].to_numpy()
    pairs = out[out["estimand"] == "cases_all_ana_high"]["estimate"].to_numpy()
    np.testing.assert_allclose(share[:2], [2 / 3, 1.0])
    np.testing.assert_allclose(pairs[:2], [0.0, 1.0])  # pair (high, low); pairs (h, h), (h, h)
    assert out[out["estimand"] == "case_ana_high"]["status"].iloc[2] == "no_events"


def test_section_is_an_ordinary_study_file() -> None:
    """The section runs like any study; scenarios get mechanism and effect; tables check out."""
    settings, study, _ = _section()
    assert study.generator == "onset"
    labels = with_mechanism(pd.DataFrame([s.params for s in study.scenarios]))
    assert list(zip(labels["mechanism"], labels["effect"])) == [
        ("none", 1.0), ("hazard", 2.0), ("hazard", 10.0), ("susceptibility", 2.0),
        ("susceptibility", 10.0)]  # fmt: skip
    res = run(study, backend="serial", progress=False)
    perf = res.performance()
    scored = perf[perf["estimand"] != "n_cases"]
    assert np.all(np.abs(scored["bias"] / scored["bias_mcse"]) < 3.5)
    tabs = two_cases_tables(res, settings)
    check = tabs["two_cases_check"]
    assert set(check["mechanism"]) == {"none", "hazard", "susceptibility"}
    np.testing.assert_allclose(np.sort(check["z"]),
                               np.sort((scored["bias"] / scored["bias_mcse"]).to_numpy()),
                               rtol=1e-9)  # fmt: skip
    exact = tabs["two_cases_exact"]
    null = (check["mechanism"] == "none") & (check["estimand"] == "case_ana_high")
    p = float(check.loc[null, "exact"].iloc[0])
    short = exact[(exact["mechanism"] == "shortcut") & (exact["effect"] == 2.0)].iloc[0]
    assert short["likelihood_ratio"] == pytest.approx(likelihood_ratio(p, 2.0), rel=1e-12)
    hz = exact[(exact["mechanism"] == "hazard") & (exact["effect"] == 2.0)].iloc[0]
    assert hz["likelihood_ratio"] == pytest.approx((hz["p_case_positive"] / p) ** 2, rel=1e-12)
    assert hz["likelihood_ratio"] < short["likelihood_ratio"]
    # the exact table's probabilities are the study's own exact truths at the simulated effects
    for mech, eff in (("hazard", 2.0), ("susceptibility", 10.0)):
        row = exact[(exact["mechanism"] == mech) & (exact["effect"] == eff)].iloc[0]
        sim = check[(check["mechanism"] == mech) & (check["effect"] == eff)
                    & (check["estimand"] == "case_ana_high")].iloc[0]  # fmt: skip
        assert row["p_case_positive"] == pytest.approx(sim["exact"], rel=1e-12)


def test_exact_probability_refuses_a_mixed_agent_spec() -> None:
    with pytest.raises(SpecError, match="one agent"):
        case_ana_high_from_params({"n": 10})
    with pytest.raises(SpecError, match="unknown mechanism"):
        mechanism_params(_section()[2], "both", 2.0)
