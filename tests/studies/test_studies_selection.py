"""Selection (ascertainment) between generation and fitting: model, masks, validation, seeds."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from ppprog._core.errors import SpecError
from ppprog._core.resources import data_path
from ppprog.studies.cohorts import resolution_cohorts
from ppprog.studies.design import Estimand, Study
from ppprog.studies.execute import run
from ppprog.studies.methods import Method
from ppprog.studies.selection import (
    Selection,
    cohort_features,
    generator_params,
    honours_selection,
    selection_problems,
)
from ppprog.studies.studyfile import load_study

GEN = "extent[generalized]"


def _study(selection: Selection, *, n: int = 300, reps: int = 40, **base: object) -> Study:
    return Study(
        name="sel", generator="resolution", seed=7, replicates=reps,
        base={"n": n, "resolution.extent": {"none": 0.5, "localized": 0.3, "generalized": 0.2},
              **base},
        methods=(
            Method("all", "cox_baseline", {"covariates": [GEN]}),
            Method("selected", "cox_baseline", {"covariates": [GEN]}, population="selected"),
            Method("count", "count_subjects", {"estimand": "n_sel"}, population="selected"),
            Method("count gen", "count_subjects", {"estimand": "n_gen", "covariate": GEN},
                   population="selected"),
        ),
        estimands=(Estimand(GEN, truth=0.0),), selection=selection,
    )  # fmt: skip


def test_probability_by_hand_with_an_interaction() -> None:
    sel = Selection(intercept=-1.0, coefficients={"a": 0.5, "a*b": 2.0})
    a = np.array([[0.0, 1.0, 1.0, 0.0]])
    b = np.array([[1.0, 0.0, 1.0, 0.0]])
    got = sel.probability({"a": a, "b": b})
    np.testing.assert_allclose(got, expit(np.array([[-1.0, -0.5, 1.5, -1.0]])), rtol=1e-15)
    assert sel.features == ("a", "b")
    with pytest.raises(SpecError, match=r"needs features \['b'\]"):
        sel.probability({"a": a})


def test_scenario_parameters_change_the_model_and_do_not_reach_the_generator() -> None:
    sel = Selection(intercept=-2.0, coefficients={"unusual": 1.0}, random={"unusual": 0.1})
    params = {"n": 5, "selection.intercept": -3.0, "selection.coefficients.generalized": 2.0,
              "selection.label": "severity"}  # fmt: skip
    got = sel.for_scenario(params)
    assert got.intercept == -3.0
    assert got.label == "severity"
    assert dict(got.coefficients) == {"unusual": 1.0, "generalized": 2.0}
    assert generator_params(params) == {"n": 5}
    with pytest.raises(SpecError, match="selection.slope: unknown field"):
        sel.for_scenario({"selection.slope": 1.0})


def test_validation_messages() -> None:
    assert selection_problems({"intercept": -1, "coefficients": {"a*b": 1}}) == []
    keys = [k for k, _ in selection_problems({"coefficients": {"a*b*c": 1, "": 2}, "among": 3})]
    assert keys == ["among", "coefficients.a*b*c", "coefficients."]
    assert selection_problems([1]) == [("", "must be a table, got [1]")]
    assert not honours_selection(lambda data, covariate: None)
    assert honours_selection(lambda data, mask=None: None)


def test_features_of_a_resolution_cohort() -> None:
    b = resolution_cohorts({"n": 400}, replicates=3, seed=3, scenario=0, first_replicate=0)
    f = cohort_features(b, protracted_months=6.0)
    ext = b.covariates["extent"]
    np.testing.assert_array_equal(f["generalized"], (ext == 2).astype(float))
    np.testing.assert_array_equal(f["pustular"], (ext >= 1).astype(float))
    np.testing.assert_array_equal(f["unresolved"], (~b.event).astype(float))
    prot = (~b.event) | (b.time >= 6.0)
    np.testing.assert_array_equal(f["protracted"], prot.astype(float))
    np.testing.assert_array_equal(f[GEN], b.design[GEN])


def test_certain_selection_is_no_selection_bit_for_bit() -> None:
    """P(selected) = expit(40) = 1 in double precision: the selected fit is the full fit."""
    res = run(_study(Selection(intercept=40.0), reps=6), progress=False)
    t = res.replicates
    a = t[(t["method"] == "all") & (t["estimand"] == GEN)].reset_index(drop=True)
    s = t[(t["method"] == "selected") & (t["estimand"] == GEN)].reset_index(drop=True)
    pd.testing.assert_series_equal(a["estimate"], s["estimate"])
    assert (t.loc[t["estimand"] == "n_sel", "estimate"] == 300).all()


def test_intercept_only_selection_is_random_sampling_in_distribution() -> None:
    """Intercept 0 and a zero coefficient: a coin flip per subject, whatever the features.

    The selected share is 1/2, the generalized share among the selected equals the
    population's (0.2), and the selected Cox estimate is unbiased for the null.
    """
    sel = Selection(intercept=0.0, coefficients={"protracted": 0.0})
    res = run(_study(sel, n=400, reps=60), progress=False)
    t = res.replicates
    n_sel = t.loc[t["estimand"] == "n_sel", "estimate"].to_numpy()
    n_gen = t.loc[t["estimand"] == "n_gen", "estimate"].to_numpy()
    total = n_sel.sum()
    z = (total - 0.5 * 400 * 60) / math.sqrt(0.25 * 400 * 60)
    assert abs(z) < 3
    share = n_gen.sum() / total
    assert abs(share - 0.2) < 3 * math.sqrt(0.2 * 0.8 / total)
    perf = res.performance()
    row = perf[(perf["method"] == "selected") & (perf["estimand"] == GEN)].iloc[0]
    assert abs(row["bias"]) < 3 * row["bias_mcse"]


def test_selection_on_a_collider_biases_the_selected_fit() -> None:
    """Published when generalized AND protracted: the null HR looks protective (HR < 1)."""
    sel = Selection(intercept=-3.0, coefficients={"generalized*protracted": 4.0})
    perf = run(_study(sel, n=600, reps=40), progress=False).performance()
    row = perf[(perf["method"] == "selected") & (perf["estimand"] == GEN)].iloc[0]
    assert row["bias"] + 3 * row["bias_mcse"] < 0


def test_masks_do_not_depend_on_chunking_or_backend() -> None:
    study = load_study(data_path("studies", "claims", "publication.toml"), replicates=3,
                       base={"n": 150})  # fmt: skip
    one = run(study, chunk_size=1, progress=False).replicates
    three = run(study, chunk_size=3, progress=False).replicates
    pd.testing.assert_frame_equal(one, three)
    procs = run(study, backend="processes", workers=2, chunk_size=2, progress=False).replicates
    pd.testing.assert_frame_equal(one, procs)


def test_a_selected_population_needs_a_selection() -> None:
    with pytest.raises(SpecError, match="needs a \\[selection\\] table"):
        Study(name="x", generator="resolution", seed=1, replicates=2, base={"n": 10},
              methods=(Method("m", "cox_baseline", population="selected"),), estimands=())  # fmt: skip


def test_among_events_keeps_the_cohort_and_selects_cases() -> None:
    """Onset side: only cases are published or not; the published fit's events are the
    published cases, and the rest of the treated cohort stays in its risk sets."""
    study = load_study(data_path("studies", "claims", "publication_onset.toml"), replicates=4,
                       base={"n": 800})  # fmt: skip
    t = run(study, progress=False).replicates
    for s in range(len(study.scenarios)):
        sub = t[t["scenario"] == s]
        pub = sub[(sub["method"] == "published (Cox)") & (sub["estimand"] == "ana_high")]
        n_pub = sub[sub["estimand"] == "n_cases"]["estimate"].to_numpy()
        np.testing.assert_array_equal(pub["n_events"].to_numpy(), n_pub)
        everyone = sub[(sub["method"] == "all cases (Cox)") & (sub["estimand"] == "ana_high")]
        assert (everyone["n_events"].to_numpy() >= n_pub).all()
        assert (n_pub < everyone["n_events"].to_numpy()).any()
