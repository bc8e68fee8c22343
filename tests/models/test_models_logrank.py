"""Log-rank / G-rho: R's printed values, lifelines, statsmodels, an oracle, closed forms, properties."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from _aml_reference import REF, aml
from _oracles_km import logrank_oracle
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import chi2

from ppprog._core.errors import ModelError
from ppprog.models._kernels.logrank import logrank_chisq, logrank_sums
from ppprog.models.logrank import logrank_test
from ppprog.models.logrank_batch import logrank_test_batch

TOL = 1e-10


def _random(seed: int, n: int = 120, k: int = 3, n_strata: int = 2, entry: bool = False):
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    g = rng.integers(0, k, n)
    t = np.ceil(rng.exponential(8.0 / (1 + 0.3 * g), n))  # ties on purpose
    e = (rng.random(n) < 0.7).astype(int)
    s = rng.integers(0, n_strata, n)
    en = None
    if entry:
        en = np.where(rng.random(n) < 0.4, np.floor(rng.uniform(0, 1, n) * t), 0.0) - 0.5
    return t, e, g, s, en


# --- R (tests/doaml.Rout.save) ----------------------------------------------------------------


def test_aml_matches_r_survdiff():
    t, s, g = aml()
    res = logrank_test(t, s, g)
    r = REF["survdiff"]
    np.testing.assert_array_equal(res.n, r["N"])
    np.testing.assert_array_equal(res.observed, r["observed"])
    np.testing.assert_allclose(res.expected, r["expected"], atol=5e-3)
    summ = res.summary
    np.testing.assert_allclose(summ["(O-E)^2/E"], r["oe2_e"], atol=5e-3)
    np.testing.assert_allclose(summ["(O-E)^2/V"], r["oe2_v"], atol=5e-3)
    assert round(res.chisq, 1) == r["chisq"]
    assert res.df == r["df"]
    assert round(res.p, 4) == r["p"]
    text = str(res)
    assert "Log-rank test" in text
    assert "p= 0.0653" in text


# --- lifelines and statsmodels -----------------------------------------------------------------


@pytest.mark.parametrize("rho", [0.0, 0.5, 1.0])
def test_two_groups_against_lifelines_and_statsmodels(rho):
    from lifelines.datasets import load_waltons
    from lifelines.statistics import logrank_test as ll_logrank
    from statsmodels.duration.survfunc import survdiff

    w = load_waltons()
    a = w["group"] == "control"
    res = logrank_test(w["T"], w["E"], w["group"], rho=rho)
    kw = {} if rho == 0 else {"weightings": "fleming-harrington", "p": rho, "q": 0}
    ll = ll_logrank(w["T"][a], w["T"][~a], w["E"][a], w["E"][~a], **kw)
    assert res.chisq == pytest.approx(ll.test_statistic, rel=TOL, abs=TOL)
    assert res.p == pytest.approx(ll.p_value, rel=1e-8, abs=1e-300)
    sm_kw = {} if rho == 0 else {"weight_type": "fh", "fh_p": rho}
    chisq, p = survdiff(w["T"].to_numpy(), w["E"].to_numpy(), w["group"].to_numpy(), **sm_kw)
    assert res.chisq == pytest.approx(chisq, rel=TOL)


@pytest.mark.parametrize("rho", [0.0, 1.0])
def test_k_groups_against_lifelines_multivariate(rho):
    from lifelines.statistics import multivariate_logrank_test

    t, e, g, _, _ = _random(7)
    res = logrank_test(t, e, g, rho=rho)
    kw = {} if rho == 0 else {"weightings": "fleming-harrington", "p": rho, "q": 0}
    ll = multivariate_logrank_test(t, g, e, **kw)
    assert res.df == 2
    assert res.chisq == pytest.approx(ll.test_statistic, rel=TOL)


@pytest.mark.parametrize("rho", [0.0, 1.0, 2.0])
def test_stratified_against_statsmodels(rho):
    from statsmodels.duration.survfunc import survdiff

    t, e, g, s, _ = _random(8, n_strata=3)
    res = logrank_test(t, e, g, strata=s, rho=rho)
    kw = {} if rho == 0 else {"weight_type": "fh", "fh_p": rho}
    chisq, _ = survdiff(t, e.astype(float), g, strata=s, **kw)
    assert res.chisq == pytest.approx(chisq, rel=TOL)
    assert res.strata == (0, 1, 2)


def test_entry_against_statsmodels():
    # statsmodels' survdiff accepts entry only without strata (its stratified loop indexes
    # full-length entry with subset arrays); ppprog handles both, checked with the oracle.
    from statsmodels.duration.survfunc import survdiff

    t, e, g, _, en = _random(9, entry=True)
    res = logrank_test(t, e, g, entry=en)
    chisq, _ = survdiff(t, e.astype(float), g, entry=en)
    assert res.chisq == pytest.approx(chisq, rel=TOL)
    assert res.left_truncated


# --- oracle ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seed", "rho", "n_strata", "entry"),
    [
        (1, 0.0, 1, False),
        (2, 1.0, 1, False),
        (3, 0.5, 3, False),
        (4, 0.0, 2, True),
        (5, 1.5, 2, True),
    ],
)
def test_against_loop_oracle(seed, rho, n_strata, entry):
    t, e, g, s, en = _random(seed, n_strata=n_strata, entry=entry)
    res = logrank_test(t, e, g, strata=s, rho=rho, entry=en)
    o, ex, v = logrank_oracle(
        list(t), list(e), list(g), list(s), rho, None if en is None else list(en)
    )
    np.testing.assert_allclose(res.observed, o, atol=TOL)
    np.testing.assert_allclose(res.expected, ex, atol=TOL)
    np.testing.assert_allclose(res.variance.to_numpy(), v, atol=TOL)
    np.testing.assert_allclose(res.observed_by_stratum.sum().to_numpy(), o, atol=TOL)
    d = (o - ex)[1:]
    assert res.chisq == pytest.approx(d @ np.linalg.solve(v[1:, 1:], d), rel=TOL)
    assert res.p == pytest.approx(chi2.sf(res.chisq, res.df), rel=TOL)


# --- closed forms ------------------------------------------------------------------------------


def test_two_subjects_by_hand():
    # t=1: group a dies, N=2, D=1: E_a = 1/2, V = 1*1*(1/2)(1/2) = 1/4; t=2: N=1, no variance
    res = logrank_test([1.0, 2.0], [1, 1], ["a", "b"])
    np.testing.assert_allclose(res.expected, [0.5, 1.5])
    np.testing.assert_allclose(res.variance.to_numpy(), [[0.25, -0.25], [-0.25, 0.25]])
    assert res.chisq == pytest.approx(1.0)  # (1 - 0.5)^2 / 0.25


def test_tied_deaths_variance_by_hand():
    # t=1: 2 deaths among 4 (2 per group): V = 2 * 2 * 2 / (4 * 3) * (2/4) = 1/3
    res = logrank_test([1.0, 1.0, 3.0, 3.0], [1, 1, 0, 0], [0, 1, 0, 1])
    assert res.variance.iloc[0, 0] == pytest.approx(1 / 3)
    assert res.chisq == pytest.approx(0.0)


def test_fh_weights_are_left_continuous_pooled_km():
    # times 1,2,3 all events; pooled S(t-) = 1, 2/3, 1/3; rho=1 weights
    res = logrank_test([1.0, 2.0, 3.0], [1, 1, 1], ["a", "b", "a"], rho=1.0)
    np.testing.assert_allclose(res.observed, [1 + 1 / 3, 2 / 3])
    # t=1: N=3 (a,a,b); t=2: N=2 (a,b) weight 2/3; t=3: N=1 (a) weight 1/3
    np.testing.assert_allclose(res.expected, [2 / 3 + (2 / 3) / 2 + 1 / 3, 1 / 3 + (2 / 3) / 2])


def test_group_without_events_kept_and_zero_expected_dropped():
    sums = logrank_sums(
        np.array([1.0, 2.0, 3.0]), np.array([True, True, False]), np.array([0, 1, 1]), 3,
        np.zeros(3, dtype=np.intp), 1,
    )  # fmt: skip
    chisq, df = logrank_chisq(sums.observed[0], sums.expected[0], sums.variance)
    assert df == 1  # group 2 has no subjects: expected 0, dropped as R does
    # t=1: E0 = 1/3, V00 = (2/6) * (1 - 1/3) = 2/9; t=2: only group 1 at risk
    assert chisq == pytest.approx((2 / 3) ** 2 / (2 / 9))


def test_no_events_gives_zero_df_and_nan_p():
    res = logrank_test([1.0, 2.0, 3.0], [0, 0, 0], ["a", "b", "a"])
    assert res.df == 0
    assert res.chisq == 0.0
    assert np.isnan(res.p)


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"group": ["a", "a", "a"]}, "at least two levels"),
        ({"group": ["a", "b"]}, "group has 2 rows"),
        ({"group": ["a", "b", "a"], "rho": -1.0}, "rho"),
        ({"group": ["a", "b", "a"], "strata": [1, None, 2]}, "strata has 1 missing"),
        ({"group": ["a", "b", "a"], "entry": [0.0, 5.0, 0.0]}, "entry must be < time"),
    ],
)
def test_validation(kwargs, match):
    with pytest.raises(ModelError, match=match):
        logrank_test([1.0, 2.0, 3.0], [1, 1, 0], **kwargs)


# --- properties --------------------------------------------------------------------------------

data = st.integers(4, 30).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(1, 10), min_size=n, max_size=n),
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
        st.lists(st.integers(0, 2), min_size=n, max_size=n),
        st.integers(0, 2**32 - 1),
    )
)


@given(data, st.sampled_from([0.0, 1.0]))
def test_property_invariant_to_relabelling_and_row_order(d, rho):
    t, e, g = (np.array(x) for x in d[:3])
    seed = d[3]
    if len(set(g.tolist())) < 2:
        return
    try:
        base = logrank_test(t, e, g, rho=rho)
    except ModelError:  # singular variance (e.g. a group present only after the last death)
        return
    relabel = {0: "z", 1: "m", 2: "a"}
    other = logrank_test(t, e, [relabel[x] for x in g.tolist()], rho=rho)
    perm = np.random.default_rng(seed).permutation(t.size)
    shuffled = logrank_test(t[perm], e[perm], g[perm], rho=rho)
    assert other.chisq == pytest.approx(base.chisq, rel=1e-9, abs=1e-12)
    assert shuffled.chisq == pytest.approx(base.chisq, rel=1e-9, abs=1e-12)
    assert other.df == base.df
    for level in base.groups:
        assert other.expected[relabel[level]] == pytest.approx(base.expected[level], abs=1e-12)


def test_singular_variance_is_a_model_error():
    # t=1: both at risk die (N = D, no variance); t=2: the late entrant is alone (N = 1)
    with pytest.raises(ModelError, match="singular"):
        logrank_test([1.0, 1.0, 2.0], [1, 1, 1], ["a", "b", "c"], entry=[0.0, 0.0, 1.5])


def test_stratum_without_events_with_weights():
    t = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    e = [1, 1, 1, 0, 0, 0]
    g = ["a", "b", "a", "b", "a", "b"]
    s = [0, 0, 0, 1, 1, 1]  # stratum 1 has no events
    res = logrank_test(t, e, g, strata=s, rho=1.0)
    o, ex, v = logrank_oracle(t, e, g, s, 1.0)
    np.testing.assert_allclose(res.expected, ex, atol=TOL)
    np.testing.assert_allclose(res.variance.to_numpy(), v, atol=TOL)
    assert (res.expected_by_stratum.loc[1] == 0).all()


@pytest.mark.parametrize("rho", [0.0, 0.5, 1.0])
def test_batch_equals_single_fits(rho):
    rng = np.random.default_rng(np.random.SeedSequence(31))
    r, n, k = 40, 35, 3
    t = np.ceil(rng.exponential(5.0, (r, n)))
    e = rng.random((r, n)) < 0.7
    g = rng.integers(0, k, (r, n))
    batch = logrank_test_batch(t, e, g, rho=rho)
    for i in range(r):
        one = logrank_sums(t[i], e[i], g[i], k, np.zeros(n, dtype=np.intp), 1, rho)
        np.testing.assert_allclose(batch.observed[i], one.observed[0], atol=TOL)
        np.testing.assert_allclose(batch.expected[i], one.expected[0], atol=TOL)
        np.testing.assert_allclose(batch.variance[i], one.variance, atol=TOL)
    # and one replicate against the loop oracle
    o, ex, v = logrank_oracle(list(t[0]), list(e[0]), list(g[0]), None, rho)
    np.testing.assert_allclose(batch.expected[0], ex, atol=TOL)
    np.testing.assert_allclose(batch.variance[0], v, atol=TOL)


@given(data)
def test_property_batch_rows_do_not_interact(d):
    t, e, g = (np.array(x) for x in d[:3])
    rng = np.random.default_rng(d[3])
    t2 = np.stack([t, rng.permutation(t)]).astype(float)
    e2 = np.stack([e, e]).astype(bool)
    g2 = np.stack([g, g])
    both = logrank_test_batch(t2, e2, g2, rho=1.0)
    first = logrank_test_batch(t2[:1], e2[:1], g2[:1], rho=1.0)
    np.testing.assert_array_equal(both.expected[0], first.expected[0])
    np.testing.assert_array_equal(both.variance[0], first.variance[0])


def test_lung_stratified_8_groups_matches_r_survdiff():
    # tests/reference/r_survival_lung_printed.json (survival-Ex.Rout.save)
    from lifelines.datasets import load_lung

    ref = json.loads(
        (Path(__file__).parents[1] / "reference" / "r_survival_lung_printed.json").read_text()
    )["survdiff_pat_karno_strata_inst"]
    lung = load_lung()
    keep = lung["pat.karno"].notna() & lung["inst"].notna()
    assert int((~keep).sum()) == ref["deleted"]
    d = lung[keep]
    res = logrank_test(d["time"], d["status"], d["pat.karno"], strata=d["inst"])
    exp = np.array(ref["rows"], float)
    summ = res.summary
    np.testing.assert_array_equal(summ.index.to_numpy(), exp[:, 0])
    np.testing.assert_array_equal(summ["n"], exp[:, 1])
    np.testing.assert_array_equal(summ["observed"], exp[:, 2])
    np.testing.assert_allclose(summ["expected"], exp[:, 3], atol=5e-4)
    np.testing.assert_allclose(summ["(O-E)^2/E"], exp[:, 4], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(summ["(O-E)^2/V"], exp[:, 5], rtol=1e-4, atol=1e-5)
    assert round(res.chisq, 1) == ref["chisq"]
    assert res.df == ref["df"]
    assert round(res.p, 3) == ref["p"]


def test_aml3_dummy_group_with_zero_expected_is_dropped():
    # tests/difftest.Rout.save: adding 7 early-censored "Dummy" subjects leaves chisq and df
    t, s, g = aml()
    t3 = np.concatenate([t, [1, 2, 2, 3, 3, 3, 4]])
    s3 = np.concatenate([s, [0] * 7])
    g3 = np.concatenate([g, ["Dummy"] * 7])
    base, res = logrank_test(t, s, g), logrank_test(t3, s3, g3)
    assert res.groups == ("Dummy", "Maintained", "Nonmaintained")
    assert res.expected["Dummy"] == 0.0
    assert res.df == base.df == 1
    assert res.chisq == pytest.approx(base.chisq, rel=1e-12)
    assert np.isnan(res.summary.loc["Dummy", "(O-E)^2/E"])


def test_timefix_applies_to_logrank():
    t = [0.1 + 0.2, 0.3, 1.0, 2.0]
    e = [1, 1, 1, 1]
    g = ["a", "b", "a", "b"]
    merged = logrank_test(t, e, g)
    exact = logrank_test(t, e, g, timefix=False)
    assert merged.variance.iloc[0, 0] != pytest.approx(exact.variance.iloc[0, 0])
    same = logrank_test([0.3, 0.3, 1.0, 2.0], e, g)
    assert merged.chisq == pytest.approx(same.chisq, rel=1e-14)
