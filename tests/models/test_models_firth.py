"""Front-end tests of the Firth-penalized Cox fit against closed forms,
firthmodels 0.8.2, a loop-based oracle maximized by scipy, and a simulation."""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from _oracles_firth import make_data, penalized_loglik
from scipy import optimize, stats

from ppprog._core.errors import FitWarning, ModelError
from ppprog.models._kernels import firth as K
from ppprog.models.firth import cox_firth, cox_firth_batch
from ppprog.models.status import FitStatus

COLS = ["a", "b", "c"]


def _frame(X, stop, event, start=None, strata=None):
    df = pd.DataFrame(X, columns=COLS)
    df["t"] = stop
    df["d"] = event.astype(int)
    if start is not None:
        df["t0"] = start
    if strata is not None:
        df["site"] = np.where(strata == 1, "north", "south")
    return df


# ------------------------------------------------------------------ closed form
def _two_subject_lstar(b):
    """l*(b) = 3/2 b - 2 log(1 + e^b) (derived in test_kernels_firth)."""
    return 1.5 * b - 2.0 * math.log1p(math.exp(b))


def test_two_subjects_closed_form():
    df = pd.DataFrame({"t": [1.0, 2.0], "d": [1, 1], "x": [1.0, 0.0]})
    fit = cox_firth(df, duration="t", event="d", covariates="x")
    assert fit.status.converged
    assert fit.params["x"] == pytest.approx(math.log(3), abs=1e-12)
    assert fit.se["x"] == pytest.approx(4 / math.sqrt(3), rel=1e-10)  # I = 3/16
    lhat = _two_subject_lstar(math.log(3))
    assert fit.loglik == pytest.approx(lhat, abs=1e-13)
    assert fit.loglik_null == pytest.approx(-2 * math.log(2), abs=1e-13)
    crit = stats.chi2.ppf(0.95, 1)

    def g(v):
        return 2 * (lhat - _two_subject_lstar(v)) - crit

    lower = optimize.brentq(g, -20, math.log(3), xtol=1e-14)
    upper = optimize.brentq(g, math.log(3), 40, xtol=1e-14)
    ci = fit.conf_int()
    assert ci.loc["x", "lower"] == pytest.approx(lower, abs=1e-8)
    assert ci.loc["x", "upper"] == pytest.approx(upper, abs=1e-8)
    chisq = 2 * (lhat - _two_subject_lstar(0.0))
    assert fit.summary.loc["x", "p"] == pytest.approx(stats.chi2.sf(chisq, 1), rel=1e-10)
    assert fit.tests.loc["GLOBAL", "chisq"] == pytest.approx(chisq, rel=1e-10)


# ------------------------------------------------------------- firthmodels 0.8.2
FM_CASES = [
    (1, 15, False, True),
    (2, 25, True, False),
    (3, 40, True, True),
    (4, 60, False, False),
    (5, 20, True, True),
]


@pytest.mark.parametrize(("seed", "n", "separate", "ties"), FM_CASES)
def test_agrees_with_firthmodels(seed, n, separate, ties):
    from firthmodels import FirthCoxPH

    X, stop, event, _, _ = make_data(seed, n, ties=ties, separate=separate)
    fit = cox_firth(
        _frame(X, stop, event), duration="t", event="d", covariates=COLS, ties="breslow"
    )  # firthmodels, like coxphf, has Breslow ties only
    assert fit.status.converged
    ref = FirthCoxPH(max_iter=500, gtol=1e-8, xtol=1e-9, max_halfstep=50).fit(
        X, (event.astype(bool), stop)
    )
    assert ref.converged_
    np.testing.assert_allclose(fit.params.to_numpy(), ref.coef_, atol=1e-8)
    np.testing.assert_allclose(fit.se.to_numpy(), ref.bse_, rtol=1e-7)
    assert fit.loglik == pytest.approx(ref.loglik_, abs=1e-10)
    pl = ref.conf_int(method="pl", tol=1e-9, max_iter=200)
    np.testing.assert_allclose(fit.conf_int("profile").to_numpy(), pl, atol=1e-7)
    np.testing.assert_allclose(
        fit.conf_int("wald").to_numpy(), ref.conf_int(method="wald"), atol=1e-7
    )
    with warnings.catch_warnings():  # firthmodels' own constrained fits may oscillate and give NaN
        warnings.simplefilter("ignore")
        ref.lrt()
    ok = np.isfinite(ref.lrt_pvalues_)
    assert ok.sum() >= 2
    np.testing.assert_allclose(
        fit.summary["p"].to_numpy()[ok], ref.lrt_pvalues_[ok], rtol=1e-6, atol=1e-12
    )


def test_lr_statistic_matches_constrained_oracle_maximum():
    """Penalized LR of b_a = 0 on separated data (where firthmodels' own refit fails)."""
    X, stop, event, _, _ = make_data(1, 15, ties=True)
    fit = cox_firth(
        _frame(X, stop, event), duration="t", event="d", covariates=COLS, profile=False,
        ties="breslow",
    )  # the oracle below is Breslow

    def neg(free):
        return -penalized_loglik(np.r_[0.0, free], X, stop, event)

    ref = optimize.minimize(neg, np.zeros(2), method="BFGS", options={"gtol": 1e-9})
    assert fit.tests.loc["a", "chisq"] == pytest.approx(2 * (fit.loglik + ref.fun), abs=1e-8)


# ----------------------------------------------------- options firthmodels lacks
@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_counting_process_strata_efron_vs_scipy(ties):
    X, stop, event, start, sg = make_data(21, 30, ties=True, entry=True, strata=True, separate=True)
    df = _frame(X, stop, event, start, sg)
    fit = cox_firth(
        df, duration="t", event="d", covariates=COLS, start="t0", strata="site", ties=ties
    )
    assert fit.status.converged
    codes = pd.factorize(df["site"], sort=True)[0]
    efron = ties == "efron"

    def neg(b):
        return -penalized_loglik(b, X, stop, event, start, codes, efron)

    ref = optimize.minimize(neg, np.zeros(3), method="BFGS", options={"gtol": 1e-9})
    assert fit.loglik == pytest.approx(-ref.fun, abs=1e-9)
    assert fit.loglik >= -ref.fun - 1e-12
    np.testing.assert_allclose(fit.params.to_numpy(), ref.x, atol=2e-5)
    assert fit.loglik_null == pytest.approx(-neg(np.zeros(3)), rel=1e-12)
    assert any("counting-process" in n for n in fit.notes)
    assert any("stratified by site (2 strata, 0 without events)" in n for n in fit.notes)


# ------------------------------------------------------------------ result API
def test_result_api_and_text():
    X, stop, event, _, _ = make_data(2, 25, separate=True)
    fit = cox_firth(_frame(X, stop, event), duration="t", event="d", covariates=COLS, alpha=0.1)
    cols = ["coef", "exp(coef)", "se", "lower", "upper", "p", "exp(lower)", "exp(upper)"]
    assert list(fit.summary.columns) == cols
    assert list(fit.conf_int().columns) == ["lower", "upper"]
    assert fit.ci_method == "profile"
    assert fit.p_method == "penalized likelihood ratio"
    assert (fit.profile_status == FitStatus.CONVERGED).all().all()
    assert list(fit.tests.index) == [*COLS, "GLOBAL"]
    assert fit.tests.loc["GLOBAL", "df"] == 3
    np.testing.assert_allclose(fit.vcov.to_numpy(), fit.vcov.to_numpy().T)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.vcov)), fit.se)
    ci90, ci95 = fit.conf_int(), fit.conf_int(alpha=0.05)  # 95% computed on demand
    assert (ci95["lower"] < ci90["lower"]).all()
    assert (ci95["upper"] > ci90["upper"]).all()
    text = str(fit)
    assert "Firth-penalized Cox regression" in text
    assert "90%" in text
    assert "profile" in text
    wald = cox_firth(
        _frame(X, stop, event), duration="t", event="d", covariates=COLS, profile=False
    )
    assert wald.ci_method == "wald"
    z = wald.params / wald.se
    np.testing.assert_allclose(wald.summary["p"], 2 * stats.norm.sf(np.abs(z)))
    np.testing.assert_allclose(wald.conf_int("profile"), fit.conf_int(alpha=0.05), atol=1e-10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.n = 3


def test_nonconvergence_is_a_status_and_one_warning():
    X, stop, event, _, _ = make_data(2, 25, separate=True)
    with pytest.warns(FitWarning, match="max_iter"):
        fit = cox_firth(
            _frame(X, stop, event), duration="t", event="d", covariates=COLS, max_iter=2
        )
    assert fit.status.code is FitStatus.MAX_ITER
    assert fit.n_iter == 2
    assert fit.se.isna().all()
    assert fit.conf_int().isna().all().all()


def test_constant_covariate_is_named():
    X, stop, event, _, _ = make_data(3, 20)
    X[:, 1] = 4.0
    with pytest.warns(FitWarning):
        fit = cox_firth(_frame(X, stop, event), duration="t", event="d", covariates=COLS)
    assert fit.status.code is FitStatus.SINGULAR_INFORMATION
    assert fit.status.covariates == ("b",)


@pytest.mark.parametrize(
    ("mutate", "kwargs", "match"),
    [
        (lambda d: d.drop(columns="b"), {}, "not in data"),
        (
            lambda d: d.assign(b=np.where(d.index == 3, np.nan, d.b)),
            {},
            r"'b' has missing or infinite values in 1 row\(s\) \(positions 3\)",
        ),
        (lambda d: d.assign(d=2), {}, "0/1"),
        (lambda d: d.assign(c="x"), {}, "'c' is not numeric"),
        (lambda d: d.assign(t0=d.t + 1), {"start": "t0"}, "'t' must exceed 't0'"),
        (lambda d: d, {"ties": "exact"}, "ties"),
        (lambda d: d.assign(t=np.inf), {}, "'t' has missing or infinite"),
        (lambda d: d, {"covariates": []}, "at least one"),
    ],
)
def test_input_validation_names_the_problem(mutate, kwargs, match):
    X, stop, event, _, _ = make_data(4, 12)
    df = mutate(_frame(X, stop, event))
    with pytest.raises(ModelError, match=match):
        cox_firth(df, **{"duration": "t", "event": "d", "covariates": COLS, **kwargs})


# -------------------------------------------------------------------- batched
def test_batched_equals_single_with_padding_mask():
    sets = [
        make_data(30 + r, n, ties=True, entry=True, strata=True, separate=r % 2 == 0)
        for r, n in enumerate([18, 25, 30])
    ]
    n_max = 30
    R = len(sets)
    X = np.zeros((R, n_max, 3))
    t = np.ones((R, n_max))
    t0 = np.zeros((R, n_max))
    d = np.zeros((R, n_max))
    s = np.zeros((R, n_max), np.int64)
    m = np.zeros((R, n_max), bool)
    for r, (Xr, stop, event, start, sg) in enumerate(sets):
        k = stop.size
        X[r, :k], t[r, :k], t0[r, :k], d[r, :k], s[r, :k], m[r, :k] = (
            Xr,
            stop,
            start,
            event,
            sg,
            True,
        )
    batch = cox_firth_batch(
        X, t, d, start=t0, mask=m, strata=s, ties="efron", profile=True, names=COLS
    )
    assert (batch.status == FitStatus.CONVERGED).all()
    for r, (Xr, stop, event, start, sg) in enumerate(sets):
        df = _frame(Xr, stop, event, start, sg)
        one = cox_firth(
            df, duration="t", event="d", covariates=COLS, start="t0", strata="site", ties="efron"
        )
        np.testing.assert_allclose(batch.params[r], one.params, rtol=1e-8, atol=1e-10)
        np.testing.assert_allclose(batch.se[r], one.se, rtol=1e-8)
        assert batch.loglik[r] == pytest.approx(one.loglik, rel=1e-10)
        ci = one.conf_int()
        np.testing.assert_allclose(batch.lower[r], ci["lower"], rtol=1e-8, atol=1e-9)
        np.testing.assert_allclose(batch.upper[r], ci["upper"], rtol=1e-8, atol=1e-9)
    # one result protocol: the same summary columns as CoxBatchResult (issue 11)
    assert batch.summary.shape == (R * 3, 9)
    assert batch.summary["covariate"].tolist() == COLS * R
    assert "3 replicates" in str(batch)


def test_batch_status_per_replicate_and_no_warnings():
    X, stop, event, _, _ = make_data(5, 20)
    Xb = np.repeat(X[None], 2, axis=0)
    Xb[1, :, 2] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = cox_firth_batch(Xb, stop, event)
    assert res.status.tolist() == [FitStatus.CONVERGED, FitStatus.SINGULAR_INFORMATION]
    assert res.converged.tolist() == [True, False]
    z = stats.norm.ppf(0.975)
    np.testing.assert_allclose(res.lower[0], res.params[0] - z * res.se[0])
    with pytest.raises(ModelError, match="time has shape"):
        cox_firth_batch(Xb, stop[:5], event)
    with pytest.raises(ModelError, match="names has 2 labels for 3"):
        cox_firth_batch(Xb, stop, event, names=["a", "b"])
    assert "x0" in str(res)


# ------------------------------------------------------------------ simulation
def test_simulation_firth_reduces_bias_under_separation():
    """n = 20, binary x with log-HR 2 and ~40% censoring, 200 replicates.

    About 6% of replicates are separated; there the ordinary fit (penalty 0)
    diverges. Firth's estimate is finite everywhere; its bias for x is
    smaller than the ordinary fit's bias even among the replicates where the
    ordinary fit converged (a comparison that favours the ordinary fit).
    """
    rng = np.random.default_rng(np.random.SeedSequence(2026))
    R, n, beta = 200, 20, np.array([2.0, 0.5])
    X = np.stack([(rng.random((R, n)) < 0.5).astype(float), rng.normal(size=(R, n))], axis=2)
    t_ev = rng.exponential(size=(R, n)) * np.exp(-(X @ beta))
    cens = rng.exponential(scale=0.7, size=(R, n))
    time, event = np.minimum(t_ev, cens), t_ev <= cens
    firth = cox_firth_batch(X, time, event, profile=True)
    assert firth.converged.all()
    assert np.isfinite(firth.params).all()
    ml = K.fit_batch(
        X, np.full((R, n), -np.inf), time, event, np.zeros((R, n), np.int64), np.ones((R, n), bool),
        False, 0.0, 100, 1e-10, 1e-6, 0.5, 20,
    )  # fmt: skip
    ok = ml[5] == FitStatus.CONVERGED
    assert 5 <= (~ok).sum() <= 25  # separation occurs
    err_f, err_ml = firth.params[:, 0] - beta[0], ml[0][ok, 0] - beta[0]
    bias_f, mcse_f = err_f.mean(), err_f.std(ddof=1) / math.sqrt(R)
    bias_ml = err_ml.mean()
    diff = ml[0][ok, 0] - firth.params[ok, 0]  # paired over the same replicates
    assert abs(bias_f) < abs(bias_ml)
    assert diff.mean() > 5 * diff.std(ddof=1) / math.sqrt(ok.sum())
    assert abs(bias_f) < 3 * mcse_f  # Firth: no detectable bias (0.07, MC SE 0.06)
    cover = (firth.lower[:, 0] <= beta[0]) & (beta[0] <= firth.upper[:, 0])
    assert abs(cover.mean() - 0.95) < 3 * math.sqrt(0.95 * 0.05 / R)


def _oracle_profile_deviance(v, j, lhat, X, stop, event, start=None, strata=None, efron=False):
    """2 (l*_hat - max over the others of l*(b_j = v)), by scipy on the oracle."""
    others = [k for k in range(X.shape[1]) if k != j]

    def neg(free):
        b = np.empty(X.shape[1])
        b[j], b[others] = v, free
        return -penalized_loglik(b, X, stop, event, start, strata, efron)

    ref = optimize.minimize(neg, np.zeros(len(others)), method="BFGS", options={"gtol": 1e-10})
    return 2 * (lhat + ref.fun)


def test_profile_bounds_efron_entry_strata_solve_the_oracle_profile():
    X, stop, event, start, sg = make_data(22, 24, ties=True, entry=True, strata=True, separate=True)
    df = _frame(X, stop, event, start, sg)
    fit = cox_firth(
        df, duration="t", event="d", covariates=COLS, start="t0", strata="site", ties="efron"
    )
    codes = pd.factorize(df["site"], sort=True)[0]
    crit = stats.chi2.ppf(0.95, 1)
    ci = fit.conf_int()
    for bound in ("lower", "upper"):
        dev = _oracle_profile_deviance(
            ci.loc["c", bound], 2, fit.loglik, X, stop, event, start, codes, True
        )
        assert dev == pytest.approx(crit, abs=1e-6)


def test_profile_on_a_large_scale_covariate_closes():
    """All events in one group plus age in days (sd ~3000) and Efron ties."""
    rng = np.random.default_rng(np.random.SeedSequence(3))
    n = 12
    g = np.r_[np.ones(6), np.zeros(6)]
    X = np.c_[g, rng.normal(20000.0, 3000.0, n)]
    stop = rng.integers(1, 6, n).astype(float)
    df = pd.DataFrame({"g": g, "age": X[:, 1], "t": stop, "d": g.astype(int)})
    fit = cox_firth(df, duration="t", event="d", covariates=["g", "age"], ties="efron")
    assert fit.status.converged
    assert (fit.profile_status == FitStatus.CONVERGED).all().all()
    crit = stats.chi2.ppf(0.95, 1)
    up = fit.conf_int().loc["g", "upper"]
    Xs = X / [1.0, 1000.0]  # the oracle's BFGS needs a sane scale: b_age * 1000, |I| / 1000^2
    lhat = penalized_loglik(fit.params.to_numpy() * [1.0, 1000.0], Xs, stop, g, efron=True)
    assert lhat == pytest.approx(fit.loglik - math.log(1000.0), abs=1e-10)
    dev = _oracle_profile_deviance(up, 0, lhat, Xs, stop, g, efron=True)
    assert dev == pytest.approx(crit, abs=1e-6)


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_penalty_off_equals_ordinary_cox_ph_on_counting_process_strata(ties):
    """Penalty weight 0 in the Firth kernel = ppprog's ordinary cox_ph (separate code)."""
    from ppprog.models.cox import cox_ph

    X, stop, event, start, sg = make_data(40, 60, ties=True, entry=True, strata=True)
    df = _frame(X, stop, event, start, sg)
    ref = cox_ph(df, duration="t", event="d", covariates=COLS, start="t0", strata="site", ties=ties)
    codes = pd.factorize(df["site"], sort=True)[0].astype(np.int64)
    prep = K.prepare(X, start, stop, event.astype(bool), codes, np.ones(60, bool))
    beta, ll, info, _, code = K.newton(
        prep[:7],
        prep[7],
        np.zeros(3),
        np.ones(3, bool),
        ties == "efron",
        0.0,
        100,
        1e-12,
        1e-9,
        0.5,
        20,
    )
    assert code == FitStatus.CONVERGED
    np.testing.assert_allclose(beta, ref.params, rtol=1e-9, atol=1e-11)
    assert ll == pytest.approx(ref.loglik, rel=1e-12)
    np.testing.assert_allclose(np.sqrt(np.diag(np.linalg.inv(info))), ref.se, rtol=1e-9)
