"""Protracted or refractory: the ordinary study file, a cure-only truth and what Cox reports."""

from __future__ import annotations

import math

import pytest

from ppprog._core.resources import data_path
from ppprog.report.claims_tables import refractory_table, scenario_label
from ppprog.studies.execute import run
from ppprog.studies.studyfile import load_study


@pytest.fixture(scope="module")
def table():  # noqa: ANN201
    study = load_study(data_path("studies", "claims", "refractory.toml"), replicates=120)
    return refractory_table(run(study, backend="serial", progress=False))


def _row(table, label: str, method: str, estimand: str):  # noqa: ANN001, ANN202
    sel = (table["label"] == label) & (table["method"] == method)
    return table[sel & table["estimand"].str.startswith(estimand)].iloc[0]


REFRACTORY = "latency HR 1, never-resolving OR 2.72, follow-up 60-120 months"
PROTRACTED = "latency HR 0.5, never-resolving OR 1, follow-up 60-120 months"
SHORT = "latency HR 1, never-resolving OR 2.72, follow-up 24 months"


def test_scenarios_are_labelled_by_parameters(table) -> None:  # noqa: ANN001
    labels = list(dict.fromkeys(table["label"]))
    assert labels == [PROTRACTED, REFRACTORY,
                      "latency HR 1, never-resolving OR 1, follow-up 60-120 months", SHORT]  # fmt: skip
    assert scenario_label({"censoring.administrative": 24.0}) == (
        "latency HR 1, never-resolving OR 1, follow-up 24 months"
    )


def test_cure_only_truth_is_detected_by_the_incidence_part(table) -> None:  # noqa: ANN001
    """OR e of never resolving, no latency effect, 5-10 years of follow-up (n = 400)."""
    inc = _row(table, REFRACTORY, "cure model (Weibull)", "incidence:")
    lat = _row(table, REFRACTORY, "cure model (Weibull)", "latency:")
    assert inc["truth"] == pytest.approx(-1.0)
    assert abs(inc["bias"]) < 3 * inc["bias_mcse"] + 0.05  # small-sample bias of a logistic MLE
    assert inc["power"] > 0.7
    # the latency part does not see a latency effect: rejection near alpha
    assert abs(lat["power"] - 0.05) < 3 * math.sqrt(0.05 * 0.95 / lat["n_total"])
    assert abs(lat["bias"]) < 3 * lat["bias_mcse"]


def test_cox_reads_a_cure_effect_as_a_hazard_ratio(table) -> None:  # noqa: ANN001
    """Under the cure-only truth Cox estimates a whole-cohort HR well below 1 and rejects often."""
    cox = _row(table, REFRACTORY, "Cox", "extent")
    assert cox["truth"] == 0.0
    assert cox["mean_estimate"] + 3 * cox["bias_mcse"] < -0.2
    assert cox["power"] > 0.5


def test_short_follow_up_is_not_identified(table) -> None:  # noqa: ANN001
    inc = _row(table, SHORT, "cure model (Weibull)", "incidence:")
    assert inc["n_nonconverged"] / inc["n_total"] > 0.5
    assert inc["power"] < _row(table, REFRACTORY, "cure model (Weibull)", "incidence:")["power"]
