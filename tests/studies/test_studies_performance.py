"""Performance measures and their Monte-Carlo SEs against hand computations."""

from __future__ import annotations

import math
import statistics as st

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as hs

from ppprog._core.errors import SpecError
from ppprog.studies.performance import measures, performance, usable_mask
from ppprog.studies.power import (
    freedman_events,
    freedman_power,
    replicates_needed,
    schoenfeld_events,
    schoenfeld_power,
)

EST = [0.1, 0.3, 0.2, 0.5, 0.4]
SE = [0.1, 0.2, 0.2, 0.1, 0.2]
LOW = [0.0, 0.26, -0.1, 0.3, 0.25]
UP = [0.2, 0.5, 0.28, 0.7, 0.6]
P = [0.04, 0.2, 0.06, 0.001, 0.05]
TRUTH = 0.25


def test_measures_by_hand() -> None:
    m = measures(*(np.array(v) for v in (EST, SE, LOW, UP, P)), TRUTH, alpha=0.05)
    # mean 0.3; deviations from the mean -0.2, 0, -0.1, 0.2, 0.1 -> sum of squares 0.1
    assert m["mean_estimate"] == pytest.approx(0.3, rel=1e-14)
    assert m["bias"] == pytest.approx(0.05, rel=1e-13)
    assert m["empse"] == pytest.approx(math.sqrt(0.1 / 4), rel=1e-14)
    assert m["bias_mcse"] == pytest.approx(math.sqrt(0.1 / (5 * 4)), rel=1e-14)
    assert m["empse_mcse"] == pytest.approx(math.sqrt(0.025) / math.sqrt(8), rel=1e-14)
    # squared errors about the truth: .0225 .0025 .0025 .0625 .0225 -> MSE .0225
    assert m["mse"] == pytest.approx(0.0225, rel=1e-13)
    sq = [0.0225, 0.0025, 0.0025, 0.0625, 0.0225]
    assert m["mse_mcse"] == pytest.approx(
        math.sqrt(sum((x - 0.0225) ** 2 for x in sq) / 20), rel=1e-12
    )
    # se^2 = .01 .04 .04 .01 .04: mean .028, sample variance 1.08e-3 / 4
    assert m["modse"] == pytest.approx(math.sqrt(0.028), rel=1e-14)
    assert m["modse_mcse"] == pytest.approx(math.sqrt(2.7e-4 / (4 * 5 * 0.028)), rel=1e-12)
    ratio = math.sqrt(0.028) / math.sqrt(0.025)
    assert m["rel_error"] == pytest.approx(100 * (ratio - 1), rel=1e-12)
    assert m["rel_error_mcse"] == pytest.approx(
        100 * ratio * math.sqrt(2.7e-4 / (4 * 5 * 0.028**2) + 1 / 8), rel=1e-12
    )
    # relative bias: mean of (b - t)/t = 0.05/0.25; its MCSE sd((b-t)/t)/sqrt(n)
    assert m["rel_bias"] == pytest.approx(0.2, rel=1e-13)
    assert m["rel_bias_mcse"] == pytest.approx(st.stdev(EST) / 0.25 / math.sqrt(5), rel=1e-12)
    # intervals covering 0.25: row 3 (-0.1, 0.28) and row 5 (0.25 on the edge counts);
    # rows 1 (up to 0.2), 2 (from 0.26) and 4 (from 0.3) miss
    assert m["coverage"] == pytest.approx(2 / 5)
    assert m["coverage_mcse"] == pytest.approx(math.sqrt(0.4 * 0.6 / 5))
    # intervals covering the mean 0.3: row 2 (0.26-0.5), 4 (0.3 edge), 5 (0.25-0.6)
    assert m["be_coverage"] == pytest.approx(3 / 5)
    # p <= 0.05: rows 1, 4, 5
    assert m["power"] == pytest.approx(3 / 5)
    assert m["power_mcse"] == pytest.approx(math.sqrt(0.24 / 5))


@given(
    hs.lists(hs.floats(-5, 5, allow_nan=False), min_size=3, max_size=40),
    hs.floats(-2, 2).filter(lambda t: abs(t) > 1e-3),
)
def test_measures_agree_with_statistics_module(values: list[float], truth: float) -> None:
    """An independent implementation with the standard library's statistics module."""
    b = np.array(values)
    se = np.abs(b) + 0.5
    m = measures(b, se, b - 1.96 * se, b + 1.96 * se, np.full(b.size, 0.5), truth)
    n = len(values)
    sd = st.stdev(values)
    assert m["bias"] == pytest.approx(st.fmean(values) - truth, abs=1e-12)
    assert m["empse"] == pytest.approx(sd, rel=1e-9, abs=1e-12)
    assert m["bias_mcse"] == pytest.approx(sd / math.sqrt(n), rel=1e-9, abs=1e-12)
    assert m["mse"] == pytest.approx(st.fmean([(v - truth) ** 2 for v in values]), rel=1e-9)
    s2 = list(se**2)
    assert m["modse"] == pytest.approx(math.sqrt(st.fmean(s2)), rel=1e-12)
    assert m["modse_mcse"] == pytest.approx(
        math.sqrt(st.variance(s2) / (4 * n * st.fmean(s2))), rel=1e-9, abs=1e-12
    )
    assert m["power"] == 0.0


def _table() -> pd.DataFrame:
    status = ["converged", "monotone_likelihood", "converged", "max_iter", "converged"]
    est = [0.1, 30.0, 0.2, np.nan, 0.5]
    rows = []
    for method, shift in (("a", 0.0), ("b", 0.1)):
        for r in range(5):
            rows.append(
                {
                    "scenario": 0, "method": method, "replicate": r, "estimand": "x",
                    "estimate": est[r] + shift, "se": 0.1 if r != 3 else np.nan,
                    "lower": est[r] - 0.2, "upper": est[r] + 0.2, "p": 0.01,
                    "status": status[r] if method == "a" else "converged",
                    "n_events": 10.0, "truth": 0.0,
                }
            )  # fmt: skip
    return pd.DataFrame(rows)


def test_failures_are_counted_and_excluded_by_default() -> None:
    perf = performance(_table()).set_index("method")
    a = perf.loc["a"]
    assert (a["n_total"], a["n_used"], a["n_nonconverged"], a["n_separated"]) == (5, 3, 2, 1)
    assert a["n_nonfinite"] == 1
    assert a["failures"] == "exclude"
    assert a["mean_estimate"] == pytest.approx((0.1 + 0.2 + 0.5) / 3)
    b = perf.loc["b"]
    # method b "converged" on replicate 3 but its estimate is NaN: not usable, counted
    assert (b["n_used"], b["n_nonconverged"], b["n_nonfinite"]) == (4, 0, 1)


def test_failures_included_on_request() -> None:
    a = performance(_table(), failures="include").set_index("method").loc["a"]
    assert a["n_used"] == 4
    assert a["failures"] == "include"
    assert a["mean_estimate"] == pytest.approx((0.1 + 30.0 + 0.2 + 0.5) / 4)


def test_failures_exclude_any_method() -> None:
    perf = performance(_table(), failures="exclude_any").set_index("method")
    assert perf.loc["a", "n_used"] == 3
    assert perf.loc["b", "n_used"] == 3
    assert perf.loc["b", "mean_estimate"] == pytest.approx((0.2 + 0.3 + 0.6) / 3)
    with pytest.raises(SpecError):
        usable_mask(_table(), "drop")


def test_formula_power_columns() -> None:
    t = _table()
    t["truth"] = math.log(0.5)
    perf = performance(t.assign(allocation=0.5)).set_index("method")
    assert perf.loc["a", "mean_events"] == 10.0
    assert perf.loc["a", "power_schoenfeld"] == pytest.approx(
        schoenfeld_power(0.5, 10.0, allocation=0.5), rel=1e-15
    )
    assert np.isnan(performance(t).loc[0, "power_freedman"])


def test_schoenfeld_and_freedman_textbook_values() -> None:
    # HR 0.5, two-sided 5%, 80% power, 1:1: Schoenfeld 65.4 events (66 after rounding up),
    # Freedman 70.6 (71): (1.959964 + 0.841621)^2 = 7.84887 over 0.25 log(2)^2 resp. x 9.
    zsum2 = (1.959963984540054 + 0.8416212335729143) ** 2
    assert schoenfeld_events(0.5) == pytest.approx(zsum2 / (0.25 * math.log(2) ** 2), rel=1e-12)
    assert math.ceil(schoenfeld_events(0.5)) == 66
    assert freedman_events(0.5) == pytest.approx(zsum2 * 9, rel=1e-12)
    assert math.ceil(freedman_events(0.5)) == 71
    # unequal allocation, Freedman with k = a/(1-a)
    k = 2.0
    assert freedman_events(1.5, allocation=2 / 3) == pytest.approx(
        zsum2 * (1 + k * 1.5) ** 2 / (k * 0.25), rel=1e-12
    )


@pytest.mark.parametrize("hr", [0.4, 0.8, 1.3, 2.5])
@pytest.mark.parametrize("alloc", [0.2, 0.5])
def test_power_inverts_events(hr: float, alloc: float) -> None:
    for events_fn, power_fn in ((schoenfeld_events, schoenfeld_power),
                                (freedman_events, freedman_power)):  # fmt: skip
        d = events_fn(hr, power=0.9, alpha=0.01, allocation=alloc)
        assert power_fn(hr, d, alpha=0.01, allocation=alloc) == pytest.approx(0.9, abs=1e-5)
    assert schoenfeld_power(1.0, 50) == pytest.approx(0.05, rel=1e-12)
    with pytest.raises(SpecError):
        schoenfeld_events(1.0)


def test_replicates_needed_morris_examples() -> None:
    # Morris et al. 2019 section 5.3: coverage 95% with MCSE 0.5% needs 1900 replicates;
    # the worst case (50%) with MCSE 0.5% needs 10000.
    assert replicates_needed(0.005, measure="coverage", expected=0.95) == 1900
    assert replicates_needed(0.005) == 10000
    assert replicates_needed(0.01, measure="bias", empse=0.2) == 400
    assert replicates_needed(0.01, measure="empse", empse=0.2) == 201
    with pytest.raises(SpecError):
        replicates_needed(0.01, measure="bias")
