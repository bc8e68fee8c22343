"""Competing events: hand cases, independent oracles and invariants.

R agreement is in test_models_competing_r.py; here the Aalen-Johansen
estimate is checked against 1 - KM without competing events, against a
loop-based weighted oracle (its infinitesimal-jackknife SE by finite
differences in the case weights), and by Hypothesis (incidences plus the
all-cause KM sum to one); the Fine-Gray fits reduce to Cox without competing
events, and their kernels' derivatives are checked by finite differences.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _oracles_wcox import wcox_score_resid_loop, wcox_terms_loop
from hypothesis import given
from hypothesis import strategies as st

from ppprog._core.errors import FitWarning, ModelError
from ppprog.models._kernels.finegray import censor_km_left, crr_terms, finegray_rows
from ppprog.models._kernels.wcox import wcox_score_resid, wcox_terms
from ppprog.models.competing import aalen_johansen, gray_test
from ppprog.models.cox import cox_ph
from ppprog.models.fine_gray import fine_gray
from ppprog.models.km import kaplan_meier
from ppprog.tables.data import SurvivalData


def _sim(
    seed: int, n: int = 60, k: int = 2, entry: bool = False, censor: bool = True
) -> pd.DataFrame:
    rng = np.random.default_rng(np.random.SeedSequence([20261204, seed]))
    x = rng.normal(size=n)
    lat = rng.exponential(1.0, size=(n, k)) / np.exp(0.5 * x)[:, None] * np.arange(1, k + 1)
    c = rng.uniform(0, 3, size=n) if censor else np.full(n, np.inf)
    t = np.minimum(lat.min(axis=1), c)
    code = np.where(t == c, 0, lat.argmin(axis=1) + 1)
    t = np.ceil(t * 8) / 8  # ties
    e0 = np.round(rng.uniform(0, 0.5, n), 2) if entry else np.zeros(n)
    e0 = np.where(e0 >= t, 0.0, e0)
    return pd.DataFrame({"time": t, "code": code, "x": x, "entry": e0, "g": rng.integers(0, 2, n)})


def _aj_oracle(t: np.ndarray, code: np.ndarray, w: np.ndarray, entry: np.ndarray) -> np.ndarray:
    """Weighted Aalen-Johansen by direct loops; rows (time, [S, F1..FK])."""
    K = int(code.max())
    s, f, out = 1.0, np.zeros(K), []
    for u in np.unique(t):
        risk = (entry < u) & (t >= u)
        n = w[risk].sum()
        d = np.array([w[risk & (t == u) & (code == k)].sum() for k in range(1, K + 1)])
        f = f + s * d / n
        s = s * (1 - d.sum() / n)
        out.append(np.concatenate(([s], f)))
    return np.array(out)


def test_hand_case() -> None:
    fit = aalen_johansen([1, 2, 3], [1, 2, 0])
    np.testing.assert_allclose(fit.cif[1], [1 / 3, 1 / 3, 1 / 3])
    np.testing.assert_allclose(fit.cif[2], [0, 1 / 3, 1 / 3])
    np.testing.assert_allclose(fit.survival["survival"], [2 / 3, 1 / 3, 1 / 3])
    np.testing.assert_array_equal(fit.n_risk, [3, 2, 1])


@pytest.mark.parametrize("entry", [False, True])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_competing_events_is_one_minus_km(seed: int, entry: bool) -> None:
    d = _sim(seed, k=1, entry=entry)
    en = d["entry"] if entry else None
    aj = aalen_johansen(d["time"], d["code"], entry=en)
    km = kaplan_meier(d["time"], d["code"], entry=en)
    np.testing.assert_allclose(
        aj.cif[1].to_numpy(), 1 - km.table["survival"].to_numpy(), atol=1e-12
    )
    np.testing.assert_allclose(aj.n_risk.to_numpy(), km.table["n_risk"].to_numpy())


@pytest.mark.parametrize("entry", [False, True])
def test_against_weighted_oracle_and_jackknife(entry: bool) -> None:
    d = _sim(7, n=30, k=3, entry=entry)
    t, c, en = (
        d["time"].to_numpy(),
        d["code"].to_numpy(),
        d["entry"].to_numpy() if entry else np.full(30, -1.0),
    )
    fit = aalen_johansen(t, c, entry=en if entry else None)
    base = _aj_oracle(t, c, np.ones(30), en)
    got = np.column_stack([fit.survival["survival"], fit.cif.to_numpy()])
    np.testing.assert_allclose(got, base, atol=1e-12)
    h = 1e-6
    grads = []
    for i in range(30):
        w = np.ones(30)
        w[i] += h
        up = _aj_oracle(t, c, w, en)
        w[i] -= 2 * h
        grads.append((up - _aj_oracle(t, c, w, en)) / (2 * h))
    se = np.sqrt(np.sum(np.array(grads) ** 2, axis=0))
    got_se = np.column_stack([fit.survival["std_err"], fit.std_err.to_numpy()])
    np.testing.assert_allclose(got_se, se, atol=1e-7)


@given(seed=st.integers(0, 2**31 - 1), k=st.integers(1, 4), entry=st.booleans())
def test_cifs_and_km_sum_to_one(seed: int, k: int, entry: bool) -> None:
    d = _sim(seed, n=25, k=k, entry=entry)
    en = d["entry"] if entry else None
    aj = aalen_johansen(d["time"], d["code"], entry=en)
    km = kaplan_meier(d["time"], d["code"] > 0, entry=en)
    total = aj.cif.sum(axis=1).to_numpy() + km.table["survival"].to_numpy()
    np.testing.assert_allclose(total, 1.0, atol=1e-12)
    assert np.all(np.diff(aj.cif.to_numpy(), axis=0) >= -1e-15)


def test_grouped_equals_separate_fits_and_cif_at() -> None:
    d = _sim(11)
    fit = aalen_johansen(d["time"], d["code"], group=d["g"])
    for g in (0, 1):
        sub = d[d["g"] == g]
        alone = aalen_johansen(sub["time"], sub["code"])
        pd.testing.assert_frame_equal(fit.curve(g).cif, alone.cif)
        pd.testing.assert_frame_equal(fit.curve(g).std_err, alone.std_err)
    one = aalen_johansen(d["time"], d["code"])
    at = one.cif_at([-1.0, d["time"].iloc[0], 99.0])
    assert at.iloc[0].sum() == 0
    np.testing.assert_allclose(at.iloc[2], one.cif.iloc[-1])
    assert "Aalen-Johansen" in str(fit)
    assert fit.summary.shape[0] == 4


def test_gray_invariant_to_row_order_and_labels() -> None:
    d = _sim(5, n=80)
    a = gray_test(d["time"], d["code"], d["g"])
    perm = np.random.default_rng(np.random.SeedSequence(3)).permutation(len(d))
    b = gray_test(
        d["time"].to_numpy()[perm], d["code"].to_numpy()[perm], 1 - d["g"].to_numpy()[perm]
    )
    assert a.statistic == pytest.approx(b.statistic, rel=1e-12)
    assert a.df == 1
    assert 0 <= a.p <= 1
    assert "Gray" in str(a)


@pytest.mark.parametrize("ties", [False, True])
def test_fine_gray_without_competing_events_is_cox(ties: bool) -> None:
    d = _sim(13, n=70, k=1)
    if not ties:
        d["time"] = d["time"] + np.arange(len(d)) * 1e-4
    fg = fine_gray(d, duration="time", event="code", covariates="x")
    cx = cox_ph(d, duration="time", event="code", covariates="x", ties="breslow")
    assert fg.params["x"] == pytest.approx(cx.params["x"], abs=1e-6)
    fg2 = fine_gray(d, duration="time", event="code", covariates="x", method="finegray")
    cx2 = cox_ph(d, duration="time", event="code", covariates="x")
    assert fg2.params["x"] == pytest.approx(cx2.params["x"], abs=1e-7)
    assert np.sqrt(fg2.naive_vcov.loc["x", "x"]) == pytest.approx(cx2.se["x"], rel=1e-6)
    robust = cox_ph(d, duration="time", event="code", covariates="x", robust=True)
    assert fg2.se["x"] == pytest.approx(robust.robust_se["x"], rel=1e-6)


def _num_grad(f, b: np.ndarray, h: float = 1e-6) -> np.ndarray:  # noqa: ANN001
    return np.array([(f(b + h * e) - f(b - h * e)) / (2 * h) for e in np.eye(b.size)])


def test_crr_terms_derivatives() -> None:
    d = _sim(17, n=50).sort_values("time", kind="stable")
    X = np.column_stack([d["x"], d["g"]]).astype(float)
    t = d["time"].to_numpy()
    s = np.where(d["code"] == 0, 0, np.where(d["code"] == 1, 1, 2))
    g = censor_km_left(t, s)
    b = np.array([0.3, -0.2])
    tm = crr_terms(b, X, t, s, g)
    np.testing.assert_allclose(
        _num_grad(lambda x: crr_terms(x, X, t, s, g).neg_loglik, b), tm.score, atol=1e-6
    )
    hess = np.array(
        [_num_grad(lambda x, j=j: crr_terms(x, X, t, s, g).score[j], b) for j in range(2)]
    )
    np.testing.assert_allclose(hess, tm.info, atol=1e-6)


def test_wcox_terms_derivatives() -> None:
    d = _sim(19, n=40)
    s = np.where(d["code"] == 0, 0, np.where(d["code"] == 1, 1, 2))
    row, a, z, e, w = finegray_rows(d["time"].to_numpy(), s)
    X = np.column_stack([d["x"], d["g"]]).astype(float)[row]
    b = np.array([0.2, 0.4])
    ll, U, info = wcox_terms(b, X, a, z, e, w)
    np.testing.assert_allclose(
        _num_grad(lambda x: wcox_terms(x, X, a, z, e, w)[0], b), U, atol=1e-6
    )
    hess = np.array(
        [_num_grad(lambda x, j=j: wcox_terms(x, X, a, z, e, w)[1][j], b) for j in range(2)]
    )
    np.testing.assert_allclose(-hess, info, atol=1e-6)


def test_fine_gray_accepts_survival_data_and_reports_status() -> None:
    d = _sim(23, n=60)
    sd = SurvivalData.from_arrays(
        d["time"].to_numpy(), d["code"].to_numpy(), d[["x"]].to_numpy(), names=("x",)
    )
    a = fine_gray(sd)
    b = fine_gray(d, duration="time", event="code", covariates=["x"])
    pd.testing.assert_series_equal(a.params, b.params)
    assert a.status.converged
    assert list(a.summary.columns)[:3] == ["coef", "exp(coef)", "se(coef)"]
    assert "Fine-Gray" in str(a)
    with pytest.warns(FitWarning):
        c = fine_gray(d, duration="time", event="code", covariates=["x"], max_iter=0)
    assert not c.status.converged
    assert c.status.code.name == "MAX_ITER"


def test_errors_name_the_problem() -> None:
    with pytest.raises(ModelError, match="row 1"):
        aalen_johansen([1, 2], [0, -1])
    with pytest.raises(ModelError, match="entry must be < time"):
        aalen_johansen([1, 2], [1, 0], entry=[0, 2])
    with pytest.raises(ModelError, match="all rows censored"):
        aalen_johansen([1, 2], [0, 0])
    with pytest.raises(ModelError, match="two levels"):
        gray_test([1, 2], [1, 2], ["a", "a"])
    d = _sim(1)
    with pytest.raises(ModelError, match="method"):
        fine_gray(d, duration="time", event="code", covariates="x", method="cox")
    with pytest.raises(ModelError, match="not in data"):
        fine_gray(d, duration="time", event="code", covariates="nope")


@pytest.mark.parametrize("seed", [29, 31])
def test_wcox_kernel_against_loop_oracle(seed: int) -> None:
    d = _sim(seed, n=45)
    s = np.where(d["code"] == 0, 0, np.where(d["code"] == 1, 1, 2))
    row, a, z, e, w = finegray_rows(d["time"].to_numpy(), s)
    X = np.column_stack([d["x"], d["g"]]).astype(float)[row]
    b = np.array([0.3, -0.5])
    for got, want in zip(wcox_terms(b, X, a, z, e, w), wcox_terms_loop(b, X, a, z, e, w)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        wcox_score_resid(b, X, a, z, e, w), wcox_score_resid_loop(b, X, a, z, e, w), atol=1e-12
    )
    # the weighted residuals add up to the score
    np.testing.assert_allclose((w[:, None] * wcox_score_resid(b, X, a, z, e, w)).sum(axis=0),
                               wcox_terms(b, X, a, z, e, w)[1], atol=1e-10)  # fmt: skip
