"""Built-in methods and ppprog's own cohort generators inside studies."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from studies_toy import toy_generator

from ppprog.models.logrank import logrank_test
from ppprog.models.logrank_batch import logrank_test_batch
from ppprog.models.status import FitStatus
from ppprog.studies import Estimand, Method, Study, run
from ppprog.studies.builtin_methods import cox_firth, logrank
from ppprog.studies.methods import estimates_frame, normalize_estimates


def test_batched_logrank_matches_logrank_test_with_ties() -> None:
    rng = np.random.default_rng(np.random.SeedSequence(51))
    r, n = 40, 30
    time = np.round(rng.exponential(1.0, (r, n)), 1)  # many ties
    event = rng.random((r, n)) < 0.6
    group = rng.random((r, n)) < 0.4
    group[0] = False  # an empty group
    event[1] = False  # no events
    res = logrank_test_batch(time, event, group)
    obs, exp, var = res.observed[:, 1], res.expected[:, 1], res.variance[:, 1, 1]
    assert res.status[0] == FitStatus.SINGULAR_INFORMATION
    assert res.status[1] == FitStatus.NO_EVENTS
    assert var[0] == 0.0
    assert (obs[1], exp[1], var[1]) == (0.0, 0.0, 0.0)
    for i in range(2, r):
        ref = logrank_test(time[i], event[i], group[i].astype(int))
        assert obs[i] == pytest.approx(ref.observed.iloc[1], abs=1e-10)
        assert exp[i] == pytest.approx(ref.expected.iloc[1], abs=1e-10)
        assert var[i] == pytest.approx(ref.variance.iloc[1, 1], abs=1e-10)
        chisq = (obs[i] - exp[i]) ** 2 / var[i]
        assert chisq == pytest.approx(ref.chisq, rel=1e-10)


def test_logrank_method_statuses_and_p() -> None:
    data = toy_generator({"n": 30, "hr": 1.5}, replicates=6, seed=3, scenario=0, first_replicate=0)
    out = logrank(data, covariate="x")
    for i in range(6):
        ref = logrank_test(data.time[i], data.event[i], data.x[i].astype(int))
        assert out["p"].iloc[i] == pytest.approx(ref.p, rel=1e-9)
    assert set(out["status"]) == {"converged"}


def test_estimates_frame_wald_defaults() -> None:
    f = estimates_frame(["a", "b"], [[0.5, -1.0]], [[0.25, 0.5]], level=0.9, status=[1])
    z = 1.6448536269514722  # scipy.stats.norm.ppf(0.95); p below: 2 * (1 - Phi(2))
    assert f["lower"].tolist() == pytest.approx([0.5 - z * 0.25, -1.0 - z * 0.5], rel=1e-15)
    assert f["p"].tolist() == pytest.approx([2 * 0.022750131948179195, 0.0455002638963584])
    assert f["status"].tolist() == ["monotone_likelihood"] * 2
    assert normalize_estimates(f).equals(f)


def test_firth_known_answer_on_correct_model() -> None:
    """Correctly specified PH model: Firth is unbiased to MC error with nominal coverage."""
    study = Study(
        name="firth", generator=toy_generator, methods=[Method("firth", cox_firth)],
        estimands=[Estimand("x", truth="log(hr)")], replicates=300, seed=11,
        base={"n": 120, "prev": 0.5, "hr": 2.0},
    )  # fmt: skip
    row = run(study, progress=False, chunk_size=150).performance().iloc[0]
    assert row["n_used"] == 300
    assert abs(row["bias"]) <= 3 * row["bias_mcse"]
    assert abs(row["coverage"] - 0.95) <= 3 * math.sqrt(0.95 * 0.05 / 300)


def _resolution_study(replicates: int, **kw) -> Study:
    args = {
        "name": "res", "generator": "resolution",
        "methods": [Method("lr", "logrank", {"covariate": "ana_high"})],
        "estimands": [Estimand("ana_high", allocation="prevalence")],
        "replicates": replicates, "seed": 5, "base": {"n": 120},
    }  # fmt: skip
    args.update(kw)
    return Study(**args)


def test_real_generator_null_type_one_error() -> None:
    res = run(_resolution_study(600), progress=False, chunk_size=300)
    row = res.performance().iloc[0]
    assert row["truth"] == 0.0  # from the generator's truth (log_hr of ana_high)
    assert row["n_used"] == 600
    assert abs(row["power"] - 0.05) <= 3 * math.sqrt(0.05 * 0.95 / 600)
    assert res.replicates["allocation"].iloc[0] == pytest.approx(0.3)  # truth.prevalence
    assert row["power_schoenfeld"] == pytest.approx(0.05, rel=1e-12)


def test_real_generator_spec_paths_and_bit_identity() -> None:
    study = _resolution_study(12, grid={"resolution.log_hr.ana_high": [0.0, 0.7]})
    a = run(study, progress=False, chunk_size=12).replicates
    b = run(study, progress=False, chunk_size=5).replicates
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    truths = a.groupby("scenario")["truth"].first().tolist()
    assert truths == [0.0, 0.7]


def _cox_study(replicates: int, **kw) -> Study:
    args = {
        "name": "cox", "generator": toy_generator,
        "methods": [Method("cox", "cox_baseline"), Method("lr", "logrank", {"covariate": "x"})],
        "estimands": [Estimand("x", truth="log(hr)", allocation="prev")],
        "replicates": replicates, "seed": 2026, "base": {"n": 200, "prev": 0.5},
        "grid": {"hr": [1.0, 1.5]},
    }  # fmt: skip
    args.update(kw)
    return Study(**args)


def test_cox_known_answers_null_and_alternative() -> None:
    """Null: type-I error = alpha; HR 1.5: unbiased, nominal coverage, model SE right."""
    perf = run(_cox_study(1000), progress=False, chunk_size=500).performance()
    tol_alpha = 3 * math.sqrt(0.05 * 0.95 / 1000)
    for _, row in perf.iterrows():
        assert row["n_used"] == 1000
        if row["method"] == "cox" or row["hr"] == 1.0:
            # (Peto's one-step log-rank estimate is biased away from HR 1, so not there)
            assert abs(row["bias"]) <= 3 * row["bias_mcse"]
            assert abs(row["coverage"] - 0.95) <= 3 * math.sqrt(0.95 * 0.05 / 1000)
            assert abs(row["rel_error"]) <= 3 * row["rel_error_mcse"]
        if row["hr"] == 1.0:
            assert abs(row["power"] - 0.05) <= tol_alpha
            assert row["power_schoenfeld"] == pytest.approx(0.05, rel=1e-12)
        else:
            # simulated power next to the formulas (approximations: 0.03 slack)
            slack = 3 * row["power_mcse"] + 0.03
            assert abs(row["power"] - row["power_schoenfeld"]) <= slack
            assert abs(row["power"] - row["power_freedman"]) <= slack


def test_cox_separation_is_counted_and_firth_rescues() -> None:
    """Few subjects with x = 1 and almost no hazard among them: monotone likelihood."""
    study = _cox_study(
        120,
        methods=[Method("cox", "cox_baseline"), Method("firth", "cox_firth")],
        base={"n": 25, "prev": 0.15, "censor": 0.5},
        grid={"hr": [0.02]},
    )
    res = run(study, progress=False, chunk_size=60)
    perf = res.performance().set_index("method")
    t = res.replicates
    n_sep = int(((t.method == "cox") & (t.status == "monotone_likelihood")).sum())
    assert n_sep >= 20
    assert perf.loc["cox", "n_separated"] == n_sep
    assert perf.loc["cox", "n_used"] == 120 - perf.loc["cox", "n_nonconverged"]
    assert perf.loc["cox", "n_total"] == 120
    assert perf.loc["firth", "n_separated"] == 0
    assert perf.loc["firth", "n_used"] > perf.loc["cox", "n_used"]
    both = res.performance(failures="exclude_any").set_index("method")
    assert both.loc["cox", "n_used"] == both.loc["firth", "n_used"]
    # diverging and penalized fits are chunk-independent too
    again = run(study, progress=False, chunk_size=7).replicates
    pd.testing.assert_frame_equal(t, again, check_exact=True)


def test_time_varying_cox_bit_identical_across_chunks() -> None:
    """Counting-process padding differs by chunk; the estimates must not."""
    study = _resolution_study(
        9, methods=[Method("tvc", "cox_tvc", {"covariates": ["ana_high", "strategy[stop]"]})]
    )
    a = run(study, progress=False, chunk_size=9).replicates
    b = run(study, progress=False, chunk_size=2).replicates
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert a.loc[a.estimand == "strategy[stop]", "truth"].iloc[0] == pytest.approx(0.543918)


def test_count_subjects_and_exposed_share_by_hand() -> None:
    """Counts under a mask, events only, a covariate; person-time share on counting rows."""
    from types import SimpleNamespace

    from ppprog.studies.builtin_methods import count_subjects, exposed_share

    x = np.array([[1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    data = SimpleNamespace(
        time=np.ones((2, 4)), event=np.array([[1, 1, 0, 0], [1, 0, 1, 1]], dtype=bool),
        baseline_arrays=lambda names: (x[:, :, None], names),
    )  # fmt: skip
    mask = np.array([[1, 0, 1, 1], [1, 1, 1, 1]], dtype=bool)
    got = count_subjects(data, estimand="k", mask=mask)["estimate"].tolist()
    assert got == [3.0, 4.0]
    got = count_subjects(data, estimand="k", events_only=True, mask=mask)["estimate"].tolist()
    assert got == [1.0, 3.0]
    assert count_subjects(data, covariate="x")["estimate"].tolist() == [2.0, 1.0]
    # rows (0,2] x=0, (2,5] x=1 for subject 0; (0,4] x=1 for subject 1; a padded row
    rows = SimpleNamespace(
        start=np.array([[0.0, 2.0, 0.0, 0.0]]), stop=np.array([[2.0, 5.0, 4.0, 9.0]]),
        X=np.array([[[0.0], [1.0], [1.0], [1.0]]]), mask=np.array([[True, True, True, False]]),
    )  # fmt: skip
    chunk = SimpleNamespace(counting=lambda tv, cov: rows)
    assert exposed_share(chunk, covariate="a")["estimate"].tolist() == [7.0 / 9.0]
