"""Baseline cumulative hazard: R's closed forms, lifelines, statsmodels, hand cases, properties."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _oracles_cox_post import make_data
from hypothesis import given
from hypothesis import strategies as st

from ppprog.models._kernels.baseline import baseline_cumhaz

T1 = np.loadtxt(
    Path(__file__).parents[1] / "reference" / "cox_post_test1.csv", delimiter=",", skiprows=1
)
EFRON_MLE = np.log(2 * np.sqrt(23 / 3) * np.cos(np.arccos((45 / 23) * np.sqrt(3 / 23)) / 3))
BRESLOW_MLE = np.log((3 + np.sqrt(33)) / 2)


def _t1():
    return T1[:, 0], T1[:, 1].astype(int), T1[:, 2:3]


# --- Therneau & Grambsch appendix (R's tests/book1.R byhand1, tests/book2.R byhand) ---


@pytest.mark.parametrize("beta", [0.0, BRESLOW_MLE])
def test_book1_breslow_hazard_and_variance(beta):
    r = np.exp(beta)
    haz = np.array([1 / (3 * r + 3), 2 / (r + 3), 0.0, 1.0])  # times 1, 6, 8, 9
    xbar = np.array([r / (r + 1), r / (r + 3), 0.0, 0.0])
    imat = r / (r + 1) ** 2 + 6 * r / (r + 3) ** 2
    var = (
        np.cumsum(np.array([1 / (3 * r + 3) ** 2, 2 / (r + 3) ** 2, 0, 1]))
        + np.cumsum(-xbar * haz) ** 2 / imat
    )
    time, status, x = _t1()
    bh = baseline_cumhaz(None, time, status, x, [beta], ties="breslow", vcov=[[1 / imat]])
    np.testing.assert_array_equal(bh.time, [1, 6, 8, 9])
    np.testing.assert_allclose(bh.cumhaz, np.cumsum(haz), rtol=1e-13)
    np.testing.assert_allclose(bh.std_err**2, var, rtol=1e-12)
    np.testing.assert_array_equal(bh.n_risk, [6, 4, 2, 1])
    np.testing.assert_array_equal(bh.n_event, [1, 2, 0, 1])
    if beta == 0.0:  # printed in tests/book1.R: sfit$std.err^2
        np.testing.assert_allclose(bh.std_err**2, [7 / 180, 2 / 9, 2 / 9, 11 / 9], rtol=1e-13)


@pytest.mark.parametrize("beta", [0.0, EFRON_MLE])
def test_book2_efron_hazard_and_variance(beta):
    r = np.exp(beta)
    # pseudo-event risk-set sums at 1, 6, 6+0, 9 (the second tied death half-weighted)
    s0 = np.array([3 * r + 3, r + 3, (r + 5) / 2, 1.0])
    s1 = np.array([3 * r, r, r / 2, 0.0])
    haz = 1 / s0
    xbar = s1 / s0
    tfun = lambda z: z - z**2  # noqa: E731
    imat = tfun(r / (r + 1)) + tfun(r / (r + 5)) + tfun(r / (r + 3))
    var = np.cumsum(haz**2) + np.cumsum(-xbar * haz) ** 2 / imat
    time, status, x = _t1()
    bh = baseline_cumhaz(None, time, status, x, [beta], ties="efron", vcov=[[1 / imat]])
    at = [0, 2, 2, 3]  # pseudo-event index reached by times 1, 6, 8, 9
    np.testing.assert_allclose(bh.cumhaz, np.cumsum(haz)[at], rtol=1e-13)
    np.testing.assert_allclose(bh.std_err**2, var[at], rtol=1e-12)


def test_hand_three_subjects_and_center():
    # times 1 (event, x=0), 2 (event, x=1), 3 (censored, x=0)
    b = 0.7
    eb = np.exp(b)
    bh = baseline_cumhaz(None, [2.0, 1.0, 3.0], [1, 1, 0], [[1.0], [0.0], [0.0]], [b])
    h = np.cumsum([1 / (2 + eb), 1 / (1 + eb), 0.0])
    np.testing.assert_allclose(bh.cumhaz, h, rtol=1e-14)
    np.testing.assert_array_equal(bh.n_risk, [3, 2, 1])
    assert bh.std_err is None
    assert bh.strata is None
    centered = baseline_cumhaz(
        None, [2.0, 1.0, 3.0], [1, 1, 0], [[1.0], [0.0], [0.0]], [b], center=[1 / 3]
    )
    np.testing.assert_allclose(centered.cumhaz, h * np.exp(b / 3), rtol=1e-14)


def test_hand_tied_events_efron_vs_breslow():
    # both die at 1 (x=0, x=1); x=0 censored at 2.  S0 = 2 + e^b, dead share 1 + e^b.
    b = -0.4
    eb = np.exp(b)
    args = (None, [1.0, 1.0, 2.0], [1, 1, 0], [[0.0], [1.0], [0.0]], [b])
    efron = baseline_cumhaz(*args, ties="efron")
    breslow = baseline_cumhaz(*args, ties="breslow")
    assert efron.cumhaz[0] == pytest.approx(1 / (2 + eb) + 1 / (2 + eb - (1 + eb) / 2), rel=1e-14)
    assert breslow.cumhaz[0] == pytest.approx(2 / (2 + eb), rel=1e-14)


# --- lifelines and statsmodels ---


@pytest.mark.parametrize(("tied", "ties"), [(False, "efron"), (True, "breslow")])
def test_matches_lifelines_baseline_at_column_means(tied, ties):
    # lifelines' baseline_cumulative_hazard_ is for the column means (its partial
    # hazards are centered) and uses Breslow's d / S0 increments whatever the fit's
    # ties; so: tie-free data for Efron, tied data for ties="breslow", both at
    # lifelines' own (Efron) beta.
    from lifelines import CoxPHFitter

    _, stop, event, X, _ = make_data(41, 90, ties=tied)
    df = pd.DataFrame(X, columns=["a", "b"]).assign(T=stop, E=event)
    cph = CoxPHFitter().fit(df, "T", "E", fit_options={"precision": 1e-12, "step_size": 1.0})
    bh = baseline_cumhaz(
        None, stop, event, X, cph.params_.to_numpy(), ties=ties, center=X.mean(axis=0)
    )
    ref = cph.baseline_cumulative_hazard_
    np.testing.assert_array_equal(bh.time, ref.index.to_numpy())
    np.testing.assert_allclose(bh.cumhaz, ref.to_numpy()[:, 0], rtol=1e-10)


@pytest.mark.parametrize(("tied", "entry"), [(True, False), (True, True), (False, True)])
def test_matches_statsmodels_baseline(tied, entry):
    # statsmodels reports, at its k-th failure time, cumsum(h) - h: the value just
    # *before* that time (our value at the (k-1)-th failure time, 0 first), for x = 0,
    # Breslow increments.  Its entry convention keeps a row entering exactly at an
    # event time in that risk set (entry <= t; R: start < t), hence the nudge.
    import statsmodels.api as sm

    start, stop, event, X, _ = make_data(42, 80, ties=tied, entry=entry)
    res = sm.PHReg(stop, X, status=event, entry=start, ties="breslow").fit(disp=False)
    t_sm, h_sm, _ = res.baseline_cumulative_hazard[0]
    ours = None if start is None else start - 1e-9
    bh = baseline_cumhaz(ours, stop, event, X, res.params, ties="breslow")
    ev = bh.n_event > 0
    np.testing.assert_array_equal(bh.time[ev], t_sm)
    np.testing.assert_allclose(np.r_[0.0, bh.cumhaz[ev][:-1]], h_sm, rtol=1e-10, atol=1e-14)


# --- std_err: survfit.coxph's formula equals the delta method on our own cumhaz ---


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_std_err_is_delta_method(ties):
    start, stop, event, X, s = make_data(43, 40, ties=True, entry=True, strata=True)
    beta = np.array([0.3, -0.5])
    V = np.array([[0.04, 0.01], [0.01, 0.09]])
    c = np.array([0.2, -0.1])
    bh = baseline_cumhaz(start, stop, event, X, beta, strata=s, ties=ties, center=c, vcov=V)
    # d cumhaz / d beta by central differences (the "d(t)" of survfit.coxph)
    grad = np.empty((len(bh.time), 2))
    for j in range(2):
        e = np.zeros(2)
        e[j] = 1e-6
        up = baseline_cumhaz(start, stop, event, X, beta + e, strata=s, ties=ties, center=c)
        dn = baseline_cumhaz(start, stop, event, X, beta - e, strata=s, ties=ties, center=c)
        grad[:, j] = (up.cumhaz - dn.cumhaz) / 2e-6
    # first part: sum over pseudo-events of (weight / S0)^2 / weight, by loops
    first = []
    for k, t in enumerate(bh.time):
        rows = [i for i in range(40) if s[i] == bh.strata[k]]
        tot = 0.0
        for u in sorted({stop[i] for i in rows if event[i] and stop[i] <= t}):
            risk = [i for i in rows if start[i] < u <= stop[i]]
            dead = [i for i in risk if event[i] and stop[i] == u]
            rr = {i: np.exp((X[i] - c) @ beta) for i in risk}
            s0 = sum(rr.values())
            d0 = sum(rr[i] for i in dead)
            d = len(dead)
            if ties == "efron":
                tot += sum(1 / (s0 - m / d * d0) ** 2 for m in range(d))
            else:
                tot += d / s0**2
        first.append(tot)
    want = np.array(first) + np.einsum("ij,jk,ik->i", grad, V, grad)
    np.testing.assert_allclose(bh.std_err**2, want, rtol=1e-6)


# --- strata and invariances ---


def test_strata_are_separate_curves_in_sorted_label_order():
    start, stop, event, X, _ = make_data(44, 50, entry=True)
    s = np.where(np.arange(50) % 3 == 0, "b", "a")
    beta = np.array([0.1, 0.2])
    bh = baseline_cumhaz(start, stop, event, X, beta, strata=s)
    for lab in ["a", "b"]:
        m = s == lab
        one = baseline_cumhaz(start[m], stop[m], event[m], X[m], beta)
        np.testing.assert_allclose(bh.cumhaz[bh.strata == lab], one.cumhaz, rtol=1e-13)
        np.testing.assert_array_equal(bh.n_risk[bh.strata == lab], one.n_risk)
    assert list(dict.fromkeys(bh.strata)) == ["a", "b"]


@given(seed=st.integers(0, 10_000), ties=st.sampled_from(["efron", "breslow"]))
def test_row_order_and_center_invariance(seed, ties):
    start, stop, event, X, s = make_data(seed, 25, ties=True, entry=True, strata=True)
    beta = np.array([0.4, -0.3])
    a = baseline_cumhaz(start, stop, event, X, beta, strata=s, ties=ties)
    perm = np.random.default_rng(np.random.SeedSequence(seed)).permutation(25)
    b = baseline_cumhaz(
        start[perm],
        stop[perm],
        event[perm],
        X[perm],
        beta,
        strata=s[perm],
        ties=ties,
        center=[1.0, 2.0],
    )
    np.testing.assert_array_equal(a.time, b.time)
    np.testing.assert_allclose(b.cumhaz, a.cumhaz * np.exp(beta @ [1.0, 2.0]), rtol=1e-12)
    assert np.all(np.diff(a.cumhaz[a.strata == 0]) >= 0)
