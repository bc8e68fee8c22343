"""One data path: SurvivalData and DataFrames give the same fits; batched = single bit for bit."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ppprog._core.errors import ModelError
from ppprog.models import (
    BatchFitResult,
    CoxBatchResult,
    FirthBatchResult,
    FitStatus,
    cox_firth,
    cox_firth_batch,
    cox_ph,
    cox_ph_batch,
    kaplan_meier,
    logrank_test,
    logrank_test_batch,
)
from ppprog.models._kernels.cox_pass import cox_loglik
from ppprog.tables.data import SurvivalData
from ppprog.tables.frame import as_survival_data

COVS = ["a", "b"]


def _batch(seed: int, R: int, n: int, *, ties: bool, entry: bool, strata: bool) -> SurvivalData:
    """R ragged replicates (padding masked) as one SurvivalData."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    X = rng.normal(size=(R, n, 2))
    t = rng.exponential(size=(R, n)) * np.exp(-X @ np.array([0.6, -0.4]))
    c = rng.exponential(scale=2.0, size=(R, n))
    stop = np.minimum(t, c)
    if ties:
        stop = np.ceil(stop * 3) / 3 + 0.1
    start = stop * rng.uniform(0, 0.8, (R, n)) * (rng.random((R, n)) < 0.4) if entry else None
    sizes = rng.integers(max(6, n // 2), n + 1, R)
    mask = np.arange(n)[None, :] < sizes[:, None]
    X[~mask] = np.nan  # padding may hold anything
    sg = rng.integers(0, 2, (R, n)) if strata else None
    return SurvivalData.from_arrays(stop, (t <= c).astype(int), X, names=tuple(COVS), start=start,
                                    mask=mask, strata=sg)  # fmt: skip


def _frame(sd: SurvivalData) -> pd.DataFrame:
    one = sd.replicate(0)
    df = pd.DataFrame(one.X[0], columns=list(one.names))
    df["t"], df["e"] = one.stop[0], one.event[0]
    if one.has_entry:
        df["t0"] = one.start[0]
    return df.assign(g=one.strata[0])


designs = st.tuples(st.integers(0, 2**32 - 1), st.booleans(), st.booleans(), st.booleans())


@settings(max_examples=15, deadline=None)
@given(designs)
def test_cox_batch_on_survival_data_equals_single_fits_bitwise(d):
    seed, ties, entry, strata = d
    sd = _batch(seed, 4, 30, ties=ties, entry=entry, strata=strata)
    batch = cox_ph_batch(sd)
    for r in range(sd.n_replicates):
        if batch.status[r] != FitStatus.CONVERGED:
            continue
        one = cox_ph(sd.replicate(r))
        assert np.array_equal(one.params.to_numpy(), batch.params[r])
        assert np.array_equal(one.se.to_numpy(), batch.se[r])
        assert one.loglik == batch.loglik[r]
        assert one.n_iter == batch.n_iter[r]
        assert one.n == batch.n[r] == sd.mask[r].sum()


@settings(max_examples=8, deadline=None)
@given(designs)
def test_firth_batch_on_survival_data_equals_single_fits_bitwise(d):
    seed, ties, entry, strata = d
    sd = _batch(seed, 3, 25, ties=ties, entry=entry, strata=strata)
    batch = cox_firth_batch(sd)
    for r in range(sd.n_replicates):
        one = cox_firth(sd.replicate(r), profile=False)
        assert int(one.status.code) == batch.status[r]
        if one.status.converged:
            assert np.array_equal(one.beta, batch.params[r])
            assert np.array_equal(one.se.to_numpy(), batch.se[r])
            assert one.loglik == batch.loglik[r]


@pytest.mark.parametrize(("entry", "strata"), [(False, False), (True, True)])
def test_dataframe_and_its_survival_data_give_identical_fits(entry, strata):
    sd1 = _batch(7, 1, 40, ties=True, entry=entry, strata=strata)
    df = _frame(sd1)
    kw = {"start": "t0" if entry else None, "strata": "g" if strata else None}
    sd = as_survival_data(df, duration="t", event="e", covariates=COVS, **kw)
    a = cox_ph(df, duration="t", event="e", covariates=COVS, **kw)
    b = cox_ph(sd)
    pd.testing.assert_series_equal(a.params, b.params, check_exact=True)
    pd.testing.assert_frame_equal(a.vcov, b.vcov, check_exact=True)
    assert a.score_stat == b.score_stat
    assert a.notes == b.notes
    pd.testing.assert_frame_equal(a.zph(), b.zph(), check_exact=True)
    fa = cox_firth(df, duration="t", event="e", covariates=COVS, profile=False, **kw)
    fb = cox_firth(sd, profile=False)
    assert np.array_equal(fa.beta, fb.beta)
    assert fa.notes == fb.notes
    ka = kaplan_meier(df, "e", duration="t", entry=kw["start"])
    kb = kaplan_meier(sd)
    pd.testing.assert_frame_equal(ka.table, kb.table, check_exact=True)
    la = logrank_test(df, "e", "a", duration="t", entry=kw["start"])
    lb = logrank_test(sd, group="a")
    assert la.chisq == lb.chisq


def test_score_test_is_newtons_first_evaluation():
    """Score statistic U(0)' I(0)^-1 U(0), computed here from the likelihood kernel."""
    sd = _batch(11, 1, 50, ties=True, entry=True, strata=True)
    fit = cox_ph(sd)
    one = sd.replicate(0)
    _, u, i = cox_loglik(one.X, one.stop, one.event == 1, np.zeros((1, 2)), start=one.start,
                         strata=one.strata)  # fmt: skip
    assert fit.score_stat == pytest.approx(float(u[0] @ np.linalg.solve(i[0], u[0])), rel=1e-12)


def test_cause_specific_cox_equals_other_causes_censored():
    rng = np.random.default_rng(np.random.SeedSequence(23))
    n = 80
    df = pd.DataFrame({"x": rng.normal(size=n), "z": rng.random(n) < 0.5,
                       "t": np.round(rng.exponential(size=n), 1) + 0.1,
                       "code": rng.choice([0, 1, 2, 3], size=n)})  # fmt: skip
    for k in (1, 2, 3):
        spec = cox_ph(df, duration="t", event="code", covariates=["x", "z"], cause=k)
        plain = cox_ph(df.assign(d=(df["code"] == k).astype(int)), duration="t", event="d",
                       covariates=["x", "z"])  # fmt: skip
        assert np.array_equal(spec.params.to_numpy(), plain.params.to_numpy())
        assert spec.loglik == plain.loglik
        assert spec.n_events == plain.n_events
        assert any("other causes censored" in note for note in spec.notes)
    with pytest.raises(ModelError, match="must be 0/1.*cause=k"):
        cox_ph(df, duration="t", event="code", covariates=["x"])


def test_duplicate_columns_are_a_clear_error():
    df = pd.DataFrame({"t": [1.0, 2.0, 3.0], "e": [1, 0, 1], "x": [0.1, 0.5, 0.2]})
    with pytest.raises(ModelError, match=r"named more than once.*'x'"):
        cox_ph(df, duration="t", event="e", covariates=["x", "x"])
    dup = pd.concat([df, df[["x"]]], axis=1)
    with pytest.raises(ModelError, match=r"duplicated column name\(s\) \['x'\]"):
        cox_ph(dup, duration="t", event="e", covariates=["x"])
    with pytest.raises(ModelError, match=r"duplicated column name"):
        cox_firth(dup, duration="t", event="e", covariates=["x"])


def test_logrank_batch_equals_single_per_replicate_with_strata_and_entry():
    rng = np.random.default_rng(np.random.SeedSequence(5))
    R, n = 12, 40
    t = np.ceil(rng.exponential(6.0, (R, n)))
    en = np.where(rng.random((R, n)) < 0.3, t - 1.5, 0.0) - 0.25
    e = rng.random((R, n)) < 0.6
    g = rng.choice(["x", "y", "z"], (R, n))
    s = rng.integers(0, 2, (R, n))
    e[3] = False
    batch = logrank_test_batch(t, e, g, strata=s, entry=en, rho=0.5)
    assert batch.groups == ("x", "y", "z")
    for r in range(R):
        if r == 3:
            assert batch.status[r] == FitStatus.NO_EVENTS
            continue
        one = logrank_test(t[r], e[r], g[r], strata=s[r], entry=en[r], rho=0.5)
        assert np.array_equal(one.observed.to_numpy(), batch.observed[r])
        assert np.array_equal(one.expected.to_numpy(), batch.expected[r])
        assert np.array_equal(one.variance.to_numpy(), batch.variance[r])
        assert (one.chisq, one.df, one.p) == (batch.chisq[r], batch.df[r], batch.p[r])
        assert batch.status[r] == int(one.status) == FitStatus.CONVERGED


def test_logrank_without_events_returns_a_status():
    single = logrank_test([1.0, 2.0, 3.0], [0, 0, 0], ["a", "b", "a"])
    assert single.status is FitStatus.NO_EVENTS
    assert "no_events" in str(single)
    batch = logrank_test_batch([[1.0, 2.0, 3.0]], [[0, 0, 0]], [["a", "b", "a"]])
    assert batch.status.tolist() == [FitStatus.NO_EVENTS]
    assert np.isnan(batch.p[0])
    assert batch.summary["status"].tolist() == ["no_events"]


def test_batch_results_share_one_protocol():
    sd = _batch(3, 3, 30, ties=False, entry=False, strata=False)
    cox, firth = cox_ph_batch(sd), cox_firth_batch(sd)
    assert isinstance(cox, CoxBatchResult)
    assert isinstance(firth, FirthBatchResult)
    assert isinstance(cox, BatchFitResult)
    assert isinstance(firth, BatchFitResult)
    base = {f.name for f in dataclasses.fields(BatchFitResult)}
    assert base <= {f.name for f in dataclasses.fields(firth)}
    assert {f.name for f in dataclasses.fields(cox)} == base
    assert list(cox.summary.columns) == list(firth.summary.columns)
    for res in (cox, firth):
        assert res.status.dtype == np.int8
        assert res.params.shape == res.lower.shape == (3, 2)
        assert res.outcome(0).converged


def test_cox_firth_defaults_to_efron_like_cox_ph_penalty():
    sd = _batch(13, 1, 40, ties=True, entry=False, strata=False)
    a = cox_firth(sd, profile=False)
    b = cox_ph(sd, penalty="firth", ties="efron")
    assert a.ties == "efron"
    assert np.array_equal(a.beta, b.beta)


def test_concordance_converts_to_float_and_predict_survival_validates():
    sd = _batch(17, 1, 40, ties=False, entry=False, strata=False)
    fit = cox_ph(sd)
    assert float(fit.concordance) == fit.concordance.c_index
    new = pd.DataFrame({"a": [0.0, 1.0], "b": [0.5, -0.5]})
    from_frame = fit.predict_survival(new, [0.5, 1.0])
    from_array = fit.predict_survival(new.to_numpy(), [0.5, 1.0])
    np.testing.assert_array_equal(from_frame.to_numpy(), from_array.to_numpy())
    np.testing.assert_array_equal(fit.predict_survival(new.to_numpy()[0], [1.0]).to_numpy()[:, 0],
                                  from_frame.to_numpy()[1:, 0])  # fmt: skip
    with pytest.raises(ModelError, match=r"lacks column\(s\) \['b'\]"):
        fit.predict_survival(new[["a"]], [1.0])
    with pytest.raises(ModelError, match=r"expected \(k, 2\)"):
        fit.predict_survival(np.ones((2, 3)), [1.0])


small = st.integers(5, 25).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(1, 6), min_size=n, max_size=n),
        st.lists(st.booleans(), min_size=n, max_size=n),
        st.lists(st.integers(0, 2), min_size=n, max_size=n),
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
        st.sampled_from([0.0, 1.0]),
    )
)


@settings(max_examples=40, deadline=None)
@given(st.lists(small, min_size=1, max_size=4))
def test_property_logrank_batch_is_single_bitwise(reps):
    """Ragged replicates, padded and masked: each equals logrank_test on its rows alone."""
    n = max(len(r[0]) for r in reps)
    R = len(reps)
    t, e, g, s = (
        np.ones((R, n)),
        np.zeros((R, n), bool),
        np.zeros((R, n), int),
        np.zeros((R, n), int),
    )
    mask = np.zeros((R, n), bool)
    for r, (tt, ee, gg, ss, _) in enumerate(reps):
        k = len(tt)
        t[r, :k], e[r, :k], g[r, :k], s[r, :k], mask[r, :k] = tt, ee, gg, ss, True
    rho = reps[0][4]
    batch = logrank_test_batch(t, e, g, strata=s, mask=mask, rho=rho, levels=(0, 1, 2))
    for r in range(R):
        m = mask[r]
        if len(set(g[r, m].tolist())) < 2:
            continue
        try:
            one = logrank_test(t[r, m], e[r, m], g[r, m], strata=s[r, m], rho=rho)
        except ModelError:  # a singular variance: the batch reports it as a status
            assert batch.status[r] == FitStatus.SINGULAR_INFORMATION
            continue
        present = [int(v) for v in one.groups]
        assert np.array_equal(one.observed.to_numpy(), batch.observed[r, present])
        assert np.array_equal(one.variance.to_numpy(), batch.variance[r][np.ix_(present, present)])
        assert one.chisq == batch.chisq[r]
        assert int(one.status) == batch.status[r]
