"""CohortSpec: defaults load, TOML/YAML/JSON round trips, partial files, validation reports."""

from __future__ import annotations

import pytest
import tomllib

from ppprog._core.errors import SpecError
from ppprog.simulate import CohortSpec, assumptions, calibrate_intercept, parameter_sources
from ppprog.simulate.calibration import marginal_probability
from ppprog.simulate.spec_io import toml_dumps

SPECS = [CohortSpec.default("onset"), CohortSpec.default("resolution")]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.endpoint)
@pytest.mark.parametrize("fmt", ["toml", "yaml", "json"])
def test_round_trip(spec, fmt):
    text = {"toml": spec.to_toml, "yaml": spec.to_yaml, "json": spec.to_json}[fmt]()
    back = CohortSpec.from_text(text, fmt)
    assert back == spec
    assert back.to_dict() == spec.to_dict()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.endpoint)
def test_file_round_trip(tmp_path, spec):
    for suffix in (".toml", ".yaml", ".json"):
        path = tmp_path / f"spec{suffix}"
        path.write_text(
            {".toml": spec.to_toml, ".yaml": spec.to_yaml, ".json": spec.to_json}[suffix]()
        )
        assert CohortSpec.load(path) == spec


def test_toml_writer_quotes_keys_and_reads_back():
    d = {"a": 1.5, "b": {"agent[x]": -0.25, "c": [1, 2]}, "e": {"0": 0.5, "inner": {"z": "s"}}}
    assert tomllib.loads(toml_dumps(d)) == d


def test_partial_file_over_a_base():
    base = CohortSpec.default("onset")
    spec = CohortSpec.from_text(
        "[onset.log_hr]\nana_high = 0.693\n[censoring]\nadministrative = 24.0\n", "toml", base=base
    )
    assert spec.onset.log_hr == {"ana_high": 0.693}
    assert spec.censoring.administrative == 24.0
    assert spec.censoring.loss_rate == base.censoring.loss_rate
    assert spec.onset.ana == base.onset.ana


def test_replace_dotted_paths():
    base = CohortSpec.default("resolution")
    s = base.replace(
        {"resolution.log_hr.extent[generalized]": -0.7, "censoring.administrative": 12}
    )
    assert s.resolution.log_hr["extent[generalized]"] == -0.7
    assert s.resolution.log_hr["strategy[stop]"] == base.resolution.log_hr["strategy[stop]"]
    assert s.censoring.administrative == 12.0


def test_validation_lists_every_problem():
    base = CohortSpec.default("resolution")
    bad = base.to_dict()
    bad["resolution"]["extent"] = {"none": 0.5, "localized": 0.6, "generalized": 0.05}
    bad["resolution"]["log_hr"]["extent[huge]"] = 1.0
    bad["resolution"]["population"]["female"] = 1.5
    bad["resolution"]["baseline"] = {"kind": "weibull", "shape": -1.0, "scale": 2.0}
    bad["censoring"]["loss_rate"] = -0.1
    with pytest.raises(SpecError) as err:
        CohortSpec.from_dict(bad)
    fields = {p.field for p in err.value.report}
    assert fields == {
        "resolution.extent",
        "resolution.log_hr",
        "resolution.population.female",
        "resolution.baseline.shape",
        "censoring.loss_rate",
    }


def test_structural_problems_are_collected():
    d = CohortSpec.default("onset").to_dict()
    d["onset"]["typo"] = 1
    del d["onset"]["population"]["age_sd"]
    d["onset"]["ana"]["revert"] = "often"
    with pytest.raises(SpecError) as err:
        CohortSpec.from_dict(d)
    fields = {p.field for p in err.value.report}
    assert fields == {"onset.typo", "onset.population.age_sd", "onset.ana.revert"}


def test_endpoint_mismatch_and_bad_text():
    d = CohortSpec.default("onset").to_dict()
    d["endpoint"] = "resolution"
    with pytest.raises(SpecError, match="needs a ResolutionSpec"):
        CohortSpec.from_dict(d)
    with pytest.raises(SpecError, match="could not parse toml"):
        CohortSpec.from_text("= nope", "toml")
    with pytest.raises(SpecError, match="unknown spec file suffix"):
        CohortSpec.load("spec.txt")


def test_defaults_are_calibrated_and_sourced():
    onset = CohortSpec.default("onset")
    # figures 8.1: marginal susceptible fraction 0.04
    assert marginal_probability(onset) == pytest.approx(0.04, abs=1e-6)
    again = calibrate_intercept(onset, 0.04)
    assert again.onset.susceptible.intercept == pytest.approx(
        onset.onset.susceptible.intercept, abs=1e-5
    )
    res = CohortSpec.default("resolution")
    assert marginal_probability(res) == pytest.approx(0.2, abs=1e-7)
    src = parameter_sources()
    assert {"path", "status", "source", "note"} <= set(src.columns)
    placeholders = assumptions()
    assert "resolution.baseline" in set(placeholders["path"])
    assert set(src["status"]) <= {"reported", "derived", "judgment", "placeholder"}


def test_defaults_reproduce_the_published_figures():
    """Each number below is from figures.md section 8 (sources in data/calibration/sources.toml)."""
    import math

    onset = CohortSpec.default("onset").onset
    w = onset.baseline
    # Brown 2017: 69.9% of onsets within 12 months, mean latency 14.0 months
    assert 1 - math.exp(-((12 / w.scale) ** w.shape)) == pytest.approx(0.699, abs=0.002)
    assert w.scale * math.gamma(1 + 1 / w.shape) == pytest.approx(14.0, abs=0.1)
    # Xie 2022 odds ratios; Harrison 2009 ADA/ETN vs IFX
    lo = onset.susceptible.log_or
    assert math.exp(lo["female"]) == pytest.approx(1.46, abs=0.005)
    assert math.exp(lo["smoker"]) == pytest.approx(1.97, abs=0.005)
    assert math.exp(lo["agent[adalimumab]"]) == pytest.approx(2.08, abs=0.005)
    # Li 2024 IQR 5.0-29.8 months -> lognormal sigma
    assert math.log(29.8 / 5.0) / (2 * 0.6745) == pytest.approx(onset.ana.convert_sigma, abs=5e-4)
    # baseline ANA >= 1:80 in 14% (PMID 15834057)
    assert sum(p for t, p in onset.ana.baseline.items() if t >= 80) == pytest.approx(0.14)
    res = CohortSpec.default("resolution").resolution
    assert res.extent == {"none": 0.60, "localized": 0.35, "generalized": 0.05}
    # PLACEHOLDER calibration: P(resolved by 12 months | strategy held) = p_CR (figures 8.5)
    rate = res.baseline.rate
    p_cr = {"continue": 0.33, "stop": 0.48, "switch_tnf": 0.35, "switch_class": 0.75}
    for s, p in p_cr.items():
        hr = math.exp(res.log_hr.get(f"strategy[{s}]", 0.0))
        assert 0.8 * (1 - math.exp(-12 * rate * hr)) == pytest.approx(p, abs=5e-5)


def test_type_and_value_problems_are_reported_together():
    d = CohortSpec.default("resolution").to_dict()
    d["resolution"]["population"]["female"] = "lots"  # wrong type
    d["resolution"]["population"]["smoker"] = 1.5  # out of range
    d["censoring"]["administrative"] = -5.0  # out of range
    with pytest.raises(SpecError) as err:
        CohortSpec.from_dict(d)
    fields = [p.field for p in err.value.report]
    assert sorted(fields) == sorted(
        ["resolution.population.female", "resolution.population.smoker", "censoring.administrative"]
    )
