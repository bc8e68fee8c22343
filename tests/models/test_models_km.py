"""Kaplan-Meier: R's printed values, lifelines, statsmodels, an oracle, closed forms, properties."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _aml_reference import REF, aml
from _oracles_km import km_oracle, quantile_oracle
from hypothesis import given
from hypothesis import strategies as st

from ppprog._core.errors import ModelError
from ppprog.models._kernels.km import (
    conf_band,
    find_quantile,
    merge_near_ties,
    product_limit,
    risk_counts,
)
from ppprog.models.km import TABLE_COLUMNS, kaplan_meier

TOL = 1e-10


def _random_data(seed: int, n: int = 80, ties: bool = True, entry: bool = False):
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    t = rng.exponential(10.0, n)
    if ties:
        t = np.ceil(t)  # many ties, including event/censor ties
    e = (rng.random(n) < 0.65).astype(int)
    en = None
    if entry:
        en = np.where(rng.random(n) < 0.5, np.floor(rng.uniform(0, 1, n) * t), 0.0) - 0.5
        en = np.minimum(en, t - 0.5)
    return t, e, en


# --- R's printed output (tests/doaml.Rout.save) ------------------------------------------


def test_aml_matches_r_summary_survfit():
    t, s, g = aml()
    fit = kaplan_meier(t, s, group=g)  # default conf_type "log" as R
    for name in REF["data"]:
        rows = REF["summary_survfit"][name]
        tab = fit.curve(name).table
        tab = tab[tab["n_event"] > 0].reset_index(drop=True)
        exp = np.array([[np.nan if v is None else v for v in r] for r in rows], float)
        np.testing.assert_array_equal(tab["time"], exp[:, 0])
        np.testing.assert_array_equal(tab["n_risk"], exp[:, 1])
        np.testing.assert_array_equal(tab["n_event"], exp[:, 2])
        se_s = (tab["survival"] * tab["std_err"]).to_numpy()
        for col, got in [(3, tab["survival"]), (4, se_s), (5, tab["lower"]), (6, tab["upper"])]:
            # R prints 3-4 significant digits; agree to that rounding (NA where R has NA)
            np.testing.assert_allclose(
                np.asarray(got, float), exp[:, col], atol=6e-4, equal_nan=True
            )


def test_aml_matches_r_print_survfit_medians():
    t, s, g = aml()
    summ = kaplan_meier(t, s, group=g).summary
    for name in REF["data"]:
        r = REF["print_survfit"][name]
        row = summ.loc[name]
        assert row["n"] == r["records"]
        assert row["events"] == r["events"]
        assert row["median"] == r["median"]
        assert row["lower"] == r["lcl"]
        assert math.isnan(row["upper"])
        assert r["ucl"] is None


def test_str_looks_like_print_survfit():
    t, s, g = aml()
    text = str(kaplan_meier(t, s, group=g))
    assert "0.95LCL" in text
    assert "Nonmaintained" in text
    assert "NA" in text


# --- lifelines and statsmodels ---------------------------------------------------------------


def _datasets():
    from lifelines.datasets import load_lung, load_rossi, load_waltons

    w, r, lung = load_waltons(), load_rossi(), load_lung()
    return [
        ("waltons", w["T"], w["E"]),
        ("rossi", r["week"], r["arrest"]),
        ("lung", lung["time"], lung["status"]),
    ]


@pytest.mark.parametrize("idx", [0, 1, 2])
def test_against_lifelines_km_and_log_log_ci(idx):
    from lifelines import KaplanMeierFitter

    _, t, e = _datasets()[idx]
    fit = kaplan_meier(t, e, conf_type="log-log")
    tab = fit.table
    kmf = KaplanMeierFitter().fit(t, e)
    sf = kmf.survival_function_.iloc[:, 0]
    np.testing.assert_allclose(sf.loc[tab["time"]].to_numpy(), tab["survival"], rtol=0, atol=TOL)
    # lifelines' "exponential Greenwood" interval is R's "log-log"; R (and ppprog) give NaN
    # where S is 0 or 1, lifelines gives 0 / 1 there.
    ci = kmf.confidence_interval_.loc[tab["time"]].to_numpy()
    defined = (tab["survival"] > 0) & (tab["survival"] < 1)
    np.testing.assert_allclose(ci[defined, 0], tab["lower"][defined], atol=TOL)
    np.testing.assert_allclose(ci[defined, 1], tab["upper"][defined], atol=TOL)
    assert tab["lower"][~defined].isna().all()
    assert kmf.median_survival_time_ == fit.median or not fit.median_reached


@pytest.mark.parametrize("idx", [0, 1, 2])
def test_against_lifelines_nelson_aalen(idx):
    from lifelines import NelsonAalenFitter

    _, t, e = _datasets()[idx]
    tab = kaplan_meier(t, e).table
    naf = NelsonAalenFitter(nelson_aalen_smoothing=False).fit(t, e)
    ch = naf.cumulative_hazard_.iloc[:, 0].loc[tab["time"]].to_numpy()
    np.testing.assert_allclose(ch, tab["cumhaz"], atol=TOL)
    # Variances differ by convention: R uses sum d/n^2 (Poisson), lifelines sum d(n-d)/n^3.
    d, n = tab["n_event"].to_numpy(), tab["n_risk"].to_numpy()
    np.testing.assert_allclose(tab["cumhaz_se"] ** 2, np.cumsum(d / n**2), atol=TOL)
    ll_var = naf._cumulative_sq.loc[tab["time"]].to_numpy().ravel()
    np.testing.assert_allclose(ll_var, np.cumsum(d * (n - d) / n**3), atol=TOL)


@pytest.mark.parametrize("with_entry", [False, True])
def test_against_statsmodels_survfuncright(with_entry):
    from statsmodels.duration.survfunc import SurvfuncRight

    t, e, en = _random_data(11, n=150, entry=with_entry)
    fit = kaplan_meier(t, e, entry=en)
    sf = SurvfuncRight(t, e.astype(float), entry=en)
    tab = fit.table[fit.table["n_event"] > 0]  # statsmodels reports event times only
    np.testing.assert_array_equal(sf.surv_times, tab["time"])
    np.testing.assert_array_equal(sf.n_risk, tab["n_risk"])
    np.testing.assert_allclose(sf.surv_prob, tab["survival"], atol=TOL)
    # statsmodels reports the SE of S; R's std_err is the SE of -log S
    se_s = (tab["survival"] * tab["std_err"]).to_numpy()
    ok = np.isfinite(se_s)
    np.testing.assert_allclose(sf.surv_prob_se[ok], se_s[ok], atol=TOL)


def test_entry_against_lifelines_continuous_entry():
    from lifelines import KaplanMeierFitter

    rng = np.random.default_rng(np.random.SeedSequence(5))
    en = rng.uniform(0, 5, 120)
    t = en + rng.exponential(5, 120)
    e = rng.random(120) < 0.7
    tab = kaplan_meier(t, e, entry=en).table
    kmf = KaplanMeierFitter().fit(t, e, entry=en)
    got = kmf.survival_function_.iloc[:, 0].loc[tab["time"]].to_numpy()
    np.testing.assert_allclose(got, tab["survival"], atol=TOL)


# --- oracle ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("seed", "entry"), [(1, False), (2, True), (3, False), (4, True)])
def test_against_loop_oracle(seed, entry):
    t, e, en = _random_data(seed, entry=entry)
    tab = kaplan_meier(t, e, entry=en).table
    ref = np.array(km_oracle(t, e, en))
    cols = ["time", "n_risk", "n_event", "n_censor", "survival", "std_err", "cumhaz", "cumhaz_se"]
    np.testing.assert_allclose(tab[cols].to_numpy(), ref, atol=TOL)


@pytest.mark.parametrize("conf_type", ["log", "log-log", "plain"])
@pytest.mark.parametrize("seed", [21, 22, 23])
def test_quantiles_against_oracle(conf_type, seed):
    t, e, _ = _random_data(seed, n=40)
    fit = kaplan_meier(t, e, conf_type=conf_type)
    probs = [0.1, 0.25, 0.5, 0.75, 0.9]
    q = fit.quantile(probs)
    tab = fit.table
    for col, curve in [("time", "survival"), ("lower", "lower"), ("upper", "upper")]:
        ref = [quantile_oracle(list(tab["time"]), list(tab[curve]), p) for p in probs]
        np.testing.assert_allclose(q[col], ref, atol=0, equal_nan=True)


# --- closed forms ------------------------------------------------------------------------------


def test_two_subjects():
    tab = kaplan_meier([1.0, 2.0], [1, 1]).table
    np.testing.assert_allclose(tab["survival"], [0.5, 0.0])
    np.testing.assert_allclose(tab["std_err"], [math.sqrt(1 / 2), math.inf])
    np.testing.assert_allclose(tab["cumhaz"], [0.5, 1.5])
    np.testing.assert_allclose(tab["cumhaz_se"], [math.sqrt(0.25), math.sqrt(1.25)])


def test_three_subjects_with_censoring_and_log_ci():
    fit = kaplan_meier([1.0, 2.0, 3.0], [1, 0, 1], alpha=0.1)
    tab = fit.table
    np.testing.assert_allclose(tab["survival"], [2 / 3, 2 / 3, 0.0])
    se = math.sqrt(1 / (3 * 2))
    z = 1.6448536269514722  # Phi^-1(0.95)
    np.testing.assert_allclose(tab["lower"][0], 2 / 3 * math.exp(-z * se), atol=1e-14)
    assert tab["upper"][0] == pytest.approx(min(1.0, 2 / 3 * math.exp(z * se)))
    assert tab["lower"].isna().iloc[2]  # R: NA where S = 0 with conf.type "log"
    assert fit.median == 3.0


def test_all_censored():
    fit = kaplan_meier([3.0, 1.0, 2.0], [0, 0, 0])
    assert (fit.table["survival"] == 1).all()
    assert (fit.table["std_err"] == 0).all()
    assert math.isnan(fit.median)
    assert not fit.median_reached
    assert np.isnan(fit.median_ci).all()
    assert not fit.summary["median_reached"].iloc[0]


def test_all_events_at_one_time():
    tab = kaplan_meier([4.0] * 5, [1] * 5).table
    assert len(tab) == 1
    assert tab["n_risk"][0] == 5
    assert tab["survival"][0] == 0.0
    assert tab["cumhaz"][0] == 1.0


def test_event_and_censor_tie_censored_counted_at_risk():
    # R: those censored at t are at risk at t
    tab = kaplan_meier([1.0, 2.0, 2.0, 2.0, 3.0], [1, 1, 0, 0, 1]).table
    np.testing.assert_array_equal(tab["n_risk"], [5, 4, 1])
    np.testing.assert_array_equal(tab["n_censor"], [0, 2, 0])
    np.testing.assert_allclose(tab["survival"], [0.8, 0.6, 0.0])


def test_entry_at_event_time_not_at_risk():
    # at risk iff entry < t <= time: the subject entering at 2 is not at risk at 2
    tab = kaplan_meier([2.0, 5.0, 4.0], [1, 1, 0], entry=[0.0, 2.0, 0.0]).table
    np.testing.assert_array_equal(tab["n_risk"], [2, 2, 1])
    np.testing.assert_allclose(tab["survival"], [0.5, 0.5, 0.0])


def test_median_midpoint_on_flat_segment():
    fit = kaplan_meier([1.0, 2.0, 3.0, 4.0], [1, 1, 1, 1])  # S = .75 .5 .25 0
    assert fit.median == 2.5
    # flat at 0.5 running to the end: midpoint with the last time (quantile.survfit)
    fit2 = kaplan_meier([1.0, 2.0, 3.0, 4.0], [1, 1, 0, 0])
    assert fit2.median == 3.0
    q = fit2.quantile([0.25, 0.75])
    assert q["time"].iloc[0] == 1.5  # S = .75 on [1, 2): midpoint of 1 and 2
    assert not q["reached"].iloc[1]


def test_survival_at_step_function():
    fit = kaplan_meier([1.0, 2.0, 2.0, 3.0, 4.0], [1, 1, 0, 1, 0])
    got = fit.survival_at([0.0, 0.999, 1.0, 1.5, 2.0, 3.0, 10.0])
    np.testing.assert_allclose(got, [1, 1, 0.8, 0.8, 0.6, 0.3, 0.3])


def test_kernel_conf_band_plain_and_bounds():
    s = np.array([1.0, 0.5, 0.0])
    se = np.array([0.0, 0.2, np.inf])
    lo, hi = conf_band(s, se, "plain", 0.05)
    z = 1.959963984540054
    np.testing.assert_allclose(lo[:2], [1.0, 0.5 - z * 0.1])
    np.testing.assert_allclose(hi[:2], [1.0, 0.5 + z * 0.1])
    assert np.isnan(lo[2])
    assert np.isnan(hi[2])
    lo, hi = conf_band(s, se, "log-log", 0.05)
    assert np.isnan(lo[0])
    assert np.isnan(lo[2])
    assert lo[1] < 0.5 < hi[1]
    with pytest.raises(ValueError, match="conf_type"):
        conf_band(s, se, "logit", 0.05)


def test_kernel_pieces_directly():
    c = risk_counts(np.array([2.0, 1.0, 2.0]), np.array([True, False, True]))
    np.testing.assert_array_equal(c.n_risk, [3, 2])
    curve = product_limit(c.n_risk, c.n_event)
    np.testing.assert_allclose(curve.survival, [1.0, 0.0])
    assert find_quantile(c.time, curve.survival, 0.5) == 2.0
    assert find_quantile(c.time, curve.survival, 0.0) == 0.0


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"time": [1.0, 2.0], "event": [1]}, "event has 1 rows"),
        ({"time": [1.0, np.nan], "event": [1, 1]}, "time has 1 missing"),
        ({"time": [1.0, -2.0], "event": [1, 1]}, "time must be >= 0"),
        ({"time": [1.0, 2.0], "event": [1, 2]}, "event must be 0/1"),
        ({"time": [1.0, 2.0], "event": [1, 1], "entry": [0.0, 2.0]}, "entry must be < time"),
        ({"time": [1.0, 2.0], "event": [1, 1], "entry": [0.0]}, "entry has 1 rows"),
        ({"time": [1.0, 2.0], "event": [1, 1], "conf_type": "logit"}, "conf_type"),
        ({"time": [1.0, 2.0], "event": [1, 1], "alpha": 1.5}, "alpha"),
        ({"time": [1.0, 2.0], "event": [1, 1], "group": ["a", None]}, "group has 1 missing"),
        ({"time": [], "event": []}, "time is empty"),
    ],
)
def test_validation_errors_name_the_parameter(kwargs, match):
    with pytest.raises(ModelError, match=match):
        kaplan_meier(**kwargs)


def test_grouped_accessors_point_to_curve():
    t, s, g = aml()
    fit = kaplan_meier(t, s, group=pd.Series(g))
    with pytest.raises(ModelError, match="curve"):
        _ = fit.median
    assert list(fit.table.columns) == ["group", *TABLE_COLUMNS]
    with pytest.raises(ModelError, match="not among"):
        fit.curve("other")


# --- properties --------------------------------------------------------------------------------

survival_data = st.integers(2, 30).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 12), min_size=n, max_size=n),
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
        st.lists(st.integers(0, 2), min_size=n, max_size=n),
        st.integers(0, 2**32 - 1),
    )
)


@given(survival_data)
def test_property_monotone_bounded_and_row_order(data):
    t, e, _, seed = data
    t, e = np.array(t, float), np.array(e)
    tab = kaplan_meier(t, e).table
    s = tab["survival"].to_numpy()
    assert ((s >= 0) & (s <= 1)).all()
    assert (np.diff(s) <= 0).all()
    perm = np.random.default_rng(seed).permutation(t.size)
    pd.testing.assert_frame_equal(kaplan_meier(t[perm], e[perm]).table, tab)


@given(survival_data, st.sampled_from([0.5, 3.0, 7.25]))
def test_property_time_scaling(data, scale):
    t, e, _, _ = data
    t, e = np.array(t, float), np.array(e)
    a = kaplan_meier(t, e)
    b = kaplan_meier(t * scale, e)
    np.testing.assert_allclose(b.table["survival"], a.table["survival"], atol=TOL)
    np.testing.assert_allclose(b.table["time"], a.table["time"] * scale)
    np.testing.assert_allclose(
        b.quantile([0.25, 0.5])["time"], a.quantile([0.25, 0.5])["time"] * scale
    )


@given(survival_data)
def test_property_grouped_equals_separate(data):
    t, e, g, _ = data
    t, e, g = np.array(t, float), np.array(e), np.array(g)
    fit = kaplan_meier(t, e, group=g)
    medians = fit.summary["median"]
    for level in fit.groups:
        alone = kaplan_meier(t[g == level], e[g == level])
        np.testing.assert_array_equal(fit.curve(level).table.to_numpy(), alone.table.to_numpy())
        np.testing.assert_array_equal(medians[level], alone.median)


def test_categorical_group_keeps_level_order_and_drops_unused():
    g = pd.Series(pd.Categorical(["lo", "hi", "lo", "hi"], categories=["lo", "mid", "hi"]))
    fit = kaplan_meier([1.0, 2.0, 3.0, 4.0], [1, 1, 0, 1], group=g)
    assert fit.groups == ("lo", "hi")
    assert list(fit.summary.index) == ["lo", "hi"]


def test_lung_ph_ecog_matches_r_print_survfit():
    # tests/reference/r_survival_lung_printed.json (survival-Ex.Rout.save)
    from lifelines.datasets import load_lung

    ref = json.loads(
        (Path(__file__).parents[1] / "reference" / "r_survival_lung_printed.json").read_text()
    )["survfit_ph_ecog"]
    lung = load_lung()
    keep = lung["ph.ecog"].notna()
    assert int((~keep).sum()) == ref["deleted"]
    d = lung[keep]
    summ = kaplan_meier(d["time"], d["status"], group=d["ph.ecog"]).summary
    for level, n, events, med, lcl, ucl in ref["rows"]:
        row = summ.loc[float(level)]
        assert (row["n"], row["events"], row["median"]) == (n, events, med)
        got = [row["lower"], row["upper"]]
        np.testing.assert_array_equal(got, [np.nan if v is None else v for v in (lcl, ucl)])


def test_timefix_merges_floating_point_near_ties_as_r():
    # R's aeqSurv: 0.1 + 0.2 and 0.3 differ by 5.6e-17, one tie with timefix (the default)
    t = [0.1 + 0.2, 0.3, 1.0]
    e = [1, 1, 0]
    merged = kaplan_meier(t, e).table
    assert merged["time"].tolist() == [0.3, 1.0]
    assert merged["n_event"].iloc[0] == 2
    exact = kaplan_meier(t, e, timefix=False).table
    assert len(exact) == 3
    # relative rule: 1e9 and 1e9 + 1 are within sqrt(eps) of the mean |time|
    rel = kaplan_meier([1e9, 1e9 + 1.0, 2e9], [1, 1, 1]).table
    assert rel["time"].tolist() == [1e9, 2e9]


def test_timefix_kernel_keeps_untied_arrays_and_rejects_empty_intervals():
    t = np.array([1.0, 2.0])
    assert merge_near_ties(t)[0] is t
    near = np.array([1.0 - 1e-12, 0.0])  # entry 1 - 1e-12 merges with time 1
    with pytest.raises(ValueError, match="empty"):
        merge_near_ties(t, near)
    with pytest.raises(ModelError, match="timefix=False"):
        kaplan_meier(t, [1, 1], entry=near)
    assert len(kaplan_meier(t, [1, 1], entry=near, timefix=False).table) == 2


@pytest.mark.parametrize("idx", [0, 1, 2])
def test_public_datasets_against_statsmodels_and_oracle(idx):
    from statsmodels.duration.survfunc import SurvfuncRight

    _, t, e = _datasets()[idx]
    tab = kaplan_meier(t, e).table
    sf = SurvfuncRight(t.to_numpy(float), e.to_numpy(float))
    ev = tab[tab["n_event"] > 0]
    np.testing.assert_allclose(sf.surv_prob, ev["survival"], atol=TOL)
    se_s = (ev["survival"] * ev["std_err"]).to_numpy()
    ok = np.isfinite(se_s)
    np.testing.assert_allclose(sf.surv_prob_se[ok], se_s[ok], atol=TOL)
    cols = ["time", "n_risk", "n_event", "n_censor", "survival", "std_err", "cumhaz", "cumhaz_se"]
    np.testing.assert_allclose(tab[cols].to_numpy(), np.array(km_oracle(t, e)), atol=TOL)
