"""Publication model of the built-in study (section 2)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit

from ppprog._core.errors import SpecError
from ppprog.studies.builtin.publication import (
    build_studies,
    onset_method,
    resolution_generator,
    resolution_method,
)
from ppprog.studies.builtin.reporting import ReportingModel, onset_features, resolution_features
from ppprog.studies.builtin.settings import load_settings


def test_probability_is_the_logistic_formula() -> None:
    m = ReportingModel.from_mapping(
        "m",
        {"intercept": -2.0, "coefficients": {"a": 1.5, "b": -0.5}, "interactions": {"a*b": 2.0}},
    )
    a = np.array([0.0, 1.0, 1.0, 0.0])
    b = np.array([0.0, 0.0, 1.0, 1.0])
    expect = expit(-2.0 + 1.5 * a - 0.5 * b + 2.0 * a * b)
    np.testing.assert_allclose(m.probability({"a": a, "b": b, "extra": b}), expect, rtol=1e-15)
    assert m.features == ("a", "b")


def test_publish_uses_the_given_uniforms() -> None:
    m = ReportingModel("m", intercept=0.0)  # probability 1/2
    out = m.publish({"x": np.zeros(4)}, np.array([0.1, 0.49, 0.51, 0.9]))
    assert out.tolist() == [True, True, False, False]


def test_missing_feature_and_bad_keys_are_named() -> None:
    m = ReportingModel("m", intercept=0.0, coefficients={"severity": 1.0})
    with pytest.raises(SpecError, match="severity"):
        m.probability({"other": np.zeros(2)})
    with pytest.raises(SpecError, match="unknown keys"):
        ReportingModel.from_mapping("m", {"intercept": 0.0, "coef": {}})
    with pytest.raises(SpecError, match="a\\*b"):
        ReportingModel("m", intercept=0.0, interactions={"ab": 1.0})


def test_resolution_features_define_protracted() -> None:
    f = resolution_features(
        np.array([2.0, 8.0, 3.0, 1.0]), np.array([True, True, False, True]),
        np.array([0, 1, 2, 2]), np.array([False, True, False, False]), protracted_months=6.0,
    )  # fmt: skip
    assert f["protracted"].tolist() == [0.0, 1.0, 1.0, 0.0]
    assert f["generalized"].tolist() == [0.0, 0.0, 1.0, 1.0]
    assert f["pustular"].tolist() == [0.0, 1.0, 1.0, 1.0]
    g = onset_features(np.array([True, False]), np.array([2, 0]), np.array([False, True]))
    assert g["ana_positive"].tolist() == [1.0, 0.0]


def test_published_series_shrink_and_selection_is_by_the_model() -> None:
    settings = load_settings(quick=True)
    res, _ = build_studies(settings)
    sc = {s.params["model_key"]: s.params for s in res.scenarios}
    params = dict(sc["severity"], n=300)
    data = resolution_generator(params, replicates=20, seed=5, scenario=1, first_replicate=0)
    gen = data.batch.covariates["extent"] == 2
    # severity-driven publication enriches generalized cases among the published
    share_pub = gen[data.published].mean()
    assert share_pub > 2 * gen.mean()
    out = resolution_method(data, series="published")
    n_pub = out[out["estimand"] == "n_cases"]["estimate"].to_numpy()
    np.testing.assert_array_equal(n_pub, data.published.sum(axis=1))
    all_rows = resolution_method(data, series="all")
    assert (all_rows[all_rows["estimand"] == "n_cases"]["estimate"] == 300).all()


def test_publication_draws_do_not_depend_on_chunking() -> None:
    settings = load_settings(quick=True)
    res, _ = build_studies(settings)
    params = dict(res.scenarios[4].params, n=80)
    whole = resolution_generator(params, replicates=4, seed=9, scenario=4, first_replicate=0)
    tail = resolution_generator(params, replicates=2, seed=9, scenario=4, first_replicate=2)
    np.testing.assert_array_equal(whole.published[2:], tail.published)


def test_onset_published_analysis_drops_unpublished_cases() -> None:
    settings = load_settings(quick=True)
    _, onset = build_studies(settings)
    from ppprog.studies.builtin.publication import onset_generator

    params = dict(onset.scenarios[0].params, n=400)
    data = onset_generator(params, replicates=3, seed=4, scenario=0, first_replicate=0)
    assert not (data.published & ~data.batch.event).any()
    out = onset_method(data, series="published")
    got = out[out["estimand"] == "ana_high"]["n_events"].to_numpy()
    np.testing.assert_array_equal(got, data.published.sum(axis=1))
