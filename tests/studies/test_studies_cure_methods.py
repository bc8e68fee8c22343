"""Cure-model study methods: registration, scoring next to Cox, chunk invariance."""

from __future__ import annotations

import math

import pandas as pd

from ppprog.studies import Estimand, Method, Study, registered_methods, run

TERM = "extent[localized]"
BASE = {
    "n": 500,
    "resolution.management.rate": 0.0,
    "resolution.cure.log_or": {TERM: 0.8},
    f"resolution.log_hr.{TERM}": math.log(0.5),
    "resolution.baseline.rate": 0.3,
    "censoring.administrative": 60.0,
    "censoring.accrual": 24.0,
}
ESTIMANDS = [
    Estimand(f"latency:{TERM}", truth_key=f"log_hr.{TERM}"),
    Estimand(f"incidence:{TERM}", truth=-0.8),
    Estimand(TERM),  # Cox: scored against the latency log HR it does not estimate
]


def _study(replicates: int, methods: list[Method], **kw) -> Study:
    args = {
        "name": "cure", "generator": "resolution", "methods": methods, "estimands": ESTIMANDS,
        "replicates": replicates, "seed": 15, "base": BASE,
    }  # fmt: skip
    args.update(kw)
    return Study(**args)


def test_registered():
    assert {"cure_weibull", "cure_lognormal", "cure_cox"} <= set(registered_methods())


def test_cure_weibull_scored_next_to_cox():
    methods = [
        Method("cure", "cure_weibull", {"incidence": [TERM]}),
        Method("cox", "cox_baseline", {"covariates": [TERM]}),
    ]
    perf = run(_study(200, methods), progress=False, chunk_size=100).performance()
    perf = perf.set_index(["method", "estimand"])
    for est in (f"latency:{TERM}", f"incidence:{TERM}"):
        row = perf.loc[("cure", est)]
        assert row["n_used"] >= 190
        assert abs(row["bias"]) <= 3 * row["bias_mcse"]
        assert abs(row["coverage"] - 0.95) <= 3 * math.sqrt(0.95 * 0.05 / row["n_used"])
    cox = perf.loc[("cox", TERM)]
    assert cox["truth"] == math.log(0.5)
    assert abs(cox["bias"]) > 3 * cox["bias_mcse"]  # the whole-cohort HR mixes both parts


def test_cure_methods_bit_identical_across_chunks():
    methods = [
        Method("weibull", "cure_weibull", {"incidence": [TERM]}),
        Method("lognormal", "cure_lognormal", {"incidence": [TERM]}),
        Method("cox", "cure_cox", {"incidence": [TERM], "n_boot": 20}),
    ]
    study = _study(6, methods, base={**BASE, "n": 200})
    a = run(study, progress=False, chunk_size=6).replicates
    b = run(study, progress=False, chunk_size=4).replicates
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert set(a["status"]) <= {"converged", "not_identified"}
    assert set(a["estimand"]) == {f"latency:{TERM}", f"incidence:{TERM}"}
