"""cox_ph against lifelines and statsmodels; validation, status and printing."""

from __future__ import annotations

import itertools

import lifelines
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from tests.models._oracles_cox import oracle_newton

from ppprog._core.errors import FitWarning, ModelError
from ppprog.models import firth
from ppprog.models.cox import cox_ph
from ppprog.models.status import FitStatus

ROSSI_COVS = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
TIGHT = {"precision": 1e-13, "r_precision": 1e-15}


@pytest.fixture(scope="module")
def rossi() -> pd.DataFrame:
    from lifelines.datasets import load_rossi

    return load_rossi()


def make_frame(seed: int, n: int = 120, *, ties: bool = False, entry: bool = False,
               strata: bool = False) -> pd.DataFrame:  # fmt: skip
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.integers(0, 2, size=n).astype(float),
                       "c": rng.uniform(-1, 1, size=n)})  # fmt: skip
    t = rng.exponential(size=n) * np.exp(-(0.6 * df.a - 0.5 * df.b + 0.3 * df.c))
    cens = rng.exponential(scale=2.5, size=n)
    stop = np.minimum(t, cens)
    df["stop"] = np.ceil(stop * 5) / 5 if ties else stop
    df["event"] = (t <= cens).astype(int)
    if entry:
        df["start"] = df["stop"] * rng.uniform(0.0, 0.9, size=n) * (rng.random(n) < 0.5)
    if strata:
        df["g"] = rng.integers(0, 3, size=n)
    return df


def test_rossi_matches_lifelines(rossi):
    fit = cox_ph(rossi, duration="week", event="arrest", covariates=ROSSI_COVS)
    ref = lifelines.CoxPHFitter().fit(rossi, "week", "arrest", fit_options=TIGHT)
    assert fit.status.converged
    np.testing.assert_allclose(fit.params, ref.params_[ROSSI_COVS], atol=1e-7)
    np.testing.assert_allclose(fit.se, ref.standard_errors_[ROSSI_COVS], rtol=1e-6)
    assert fit.loglik == pytest.approx(ref.log_likelihood_, rel=1e-10)
    assert fit.tests.loc["likelihood_ratio", "statistic"] == pytest.approx(
        ref.log_likelihood_ratio_test().test_statistic, rel=1e-8)  # fmt: skip


def test_rossi_matches_published_r_output(rossi):
    # summary(coxph(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, data=Rossi))
    # as printed in Fox J, Weisberg S (2018), "Cox Proportional-Hazards Regression for
    # Survival Data in R", appendix to An R Companion to Applied Regression, 3rd ed.:
    # fin coef -0.37942 se 0.19138; Concordance= 0.64 (se = 0.027); Likelihood ratio
    # test= 33.27 on 7 df; Wald test = 32.11 on 7 df; Score (logrank) test = 33.53 on 7 df.
    fit = cox_ph(rossi, duration="week", event="arrest", covariates=ROSSI_COVS)
    text = str(fit)
    assert "Likelihood ratio test=33.27  on 7 df" in text
    assert "n= 432, number of events= 114" in text
    assert round(fit.summary.loc["fin", "coef"], 5) == -0.37942
    assert round(fit.summary.loc["fin", "se(coef)"], 5) == 0.19138
    assert fit.tests["statistic"].round(2).tolist() == [33.27, 32.11, 33.53]
    assert round(fit.concordance.c_index, 2) == 0.64
    assert round(fit.concordance.std_err, 3) == 0.027


@pytest.mark.parametrize("robust", ["robust", "cluster"])
def test_robust_matches_lifelines_without_ties(robust):
    # lifelines' score residuals approximate tied event times (rossi's weeks), so
    # compare on untied data; R's Efron convention with ties is the robust kernel's test.
    df = make_frame(3, n=150).assign(cl=lambda d: d.index // 3)
    covs = ["a", "b", "c"]
    kw = {"cluster": "cl"} if robust == "cluster" else {"robust": True}
    fit = cox_ph(df, duration="stop", event="event", covariates=covs, **kw)
    ref = lifelines.CoxPHFitter().fit(df[[*covs, "cl", "stop", "event"]], "stop", "event",
                                      robust=True, fit_options=TIGHT, formula=" + ".join(covs),
                                      cluster_col="cl" if robust == "cluster" else None)  # fmt: skip
    np.testing.assert_allclose(fit.robust_se, ref.standard_errors_[covs], rtol=1e-6)
    assert "robust se" in fit.summary.columns


def test_rossi_strata_matches_lifelines(rossi):
    covs = ["fin", "age", "prio", "paro"]
    fit = cox_ph(rossi, duration="week", event="arrest", covariates=covs, strata=["race", "wexp"])
    ref = lifelines.CoxPHFitter(strata=["race", "wexp"]).fit(
        rossi[covs + ["race", "wexp", "week", "arrest"]], "week", "arrest", fit_options=TIGHT)  # fmt: skip
    np.testing.assert_allclose(fit.params, ref.params_[covs], atol=1e-7)
    np.testing.assert_allclose(fit.se, ref.standard_errors_[covs], rtol=1e-6)
    assert "stratified by race, wexp (4 strata, 0 without events)" in fit.notes


def test_counting_process_matches_lifelines_time_varying():
    from lifelines.datasets import load_stanford_heart_transplants

    df = load_stanford_heart_transplants()
    covs = ["age", "year", "surgery", "transplant"]
    fit = cox_ph(df, duration="stop", event="event", covariates=covs, start="start")
    ref = lifelines.CoxTimeVaryingFitter().fit(df, id_col="id", event_col="event", start_col="start",
                                               stop_col="stop", fit_options=TIGHT)  # fmt: skip
    np.testing.assert_allclose(fit.params, ref.params_[covs], atol=1e-7)
    np.testing.assert_allclose(fit.se, ref.standard_errors_[covs], rtol=1e-6)
    assert fit.loglik == pytest.approx(ref.log_likelihood_, rel=1e-10)


OPTIONS = list(itertools.product(["efron", "breslow"], [False, True], [False, True]))


@pytest.mark.parametrize(("ties", "strata", "entry"), OPTIONS)
def test_option_product_matches_statsmodels(ties, strata, entry):
    df = make_frame(7, ties=True, entry=entry, strata=strata)
    covs = ["a", "b", "c"]
    fit = cox_ph(df, duration="stop", event="event", covariates=covs, ties=ties,
                 start="start" if entry else None, strata="g" if strata else None)  # fmt: skip
    ref = sm.PHReg(df["stop"].to_numpy(), df[covs].to_numpy(), status=df["event"].to_numpy(),
                   entry=df["start"].to_numpy() if entry else None,
                   strata=df["g"].to_numpy() if strata else None, ties=ties).fit()  # fmt: skip
    np.testing.assert_allclose(fit.params, ref.params, atol=1e-7)
    np.testing.assert_allclose(fit.se, ref.bse, rtol=1e-6)
    assert fit.loglik == pytest.approx(ref.llf, rel=1e-10)
    beta, _ = oracle_newton(df[covs].to_numpy(), df["stop"].to_numpy(), df["event"].to_numpy(),
                            start=df["start"].to_numpy() if entry else None,
                            strata=df["g"].to_numpy() if strata else None, ties=ties)  # fmt: skip
    np.testing.assert_allclose(fit.params, beta, atol=1e-9)


@pytest.mark.parametrize(("ties", "strata", "entry"), OPTIONS)
def test_option_product_with_robust_runs_all_post_fit(ties, strata, entry):
    df = make_frame(8, ties=True, entry=entry, strata=strata).assign(cl=lambda d: d.index // 2)
    fit = cox_ph(df, duration="stop", event="event", covariates=["a", "b", "c"], ties=ties,
                 start="start" if entry else None, strata="g" if strata else None,
                 cluster="cl")  # fmt: skip
    assert fit.robust_se is not None
    assert np.all(np.isfinite(fit.robust_se))
    z = fit.zph()
    assert list(z.index) == ["a", "b", "c", "GLOBAL"]
    assert 0.5 < fit.concordance.c_index < 1
    base = fit.baseline_hazard()
    steps = base.groupby("strata")["cumhaz"].diff() if strata else base["cumhaz"].diff()
    assert np.all(steps.dropna() >= 0)
    assert base["n_event"].sum() == df["event"].sum()
    new = df.iloc[:3]
    surv = fit.predict_survival(new, [0.1, 0.5, 1.0])
    assert surv.shape == (3, 3)
    assert np.all((surv.to_numpy() > 0) & (surv.to_numpy() <= 1))
    assert np.all(np.diff(surv.to_numpy(), axis=0) <= 0)


def test_predict_survival_matches_lifelines():
    # Without ties: lifelines' baseline uses Breslow increments even after an Efron
    # fit, R's survfit.coxph (and ppprog) the Efron ones; they differ only at ties.
    df = make_frame(4, n=150)
    covs = ["a", "b", "c"]
    fit = cox_ph(df, duration="stop", event="event", covariates=covs)
    ref = lifelines.CoxPHFitter().fit(df[[*covs, "stop", "event"]], "stop", "event",
                                      fit_options=TIGHT)  # fmt: skip
    # lifelines interpolates between event times; R and ppprog use the step function.
    times = np.sort(df.loc[df.event == 1, "stop"].to_numpy())[[0, 10, 40, 70]]
    got = fit.predict_survival(df.iloc[:4], times)
    exp = ref.predict_survival_function(df.iloc[:4][covs], times=times)
    np.testing.assert_allclose(got.to_numpy(), exp.to_numpy(), rtol=1e-6)


def test_separated_data_gives_status_and_one_warning():
    df = pd.DataFrame({"t": [1.0, 2, 3, 4, 5, 6], "e": [1, 1, 1, 0, 1, 0],
                       "grp": [1.0, 1, 1, 0, 0, 0], "z": [0.3, -0.2, 0.5, 0.1, -0.4, 0.9]})  # fmt: skip
    with pytest.warns(FitWarning) as rec:
        fit = cox_ph(df, duration="t", event="e", covariates=["grp", "z"])
    assert len(rec) == 1
    assert fit.status.code is FitStatus.MONOTONE_LIKELIHOOD
    assert fit.status.covariates == ("grp",)
    assert fit.status.directions == (1,)
    assert fit.params["grp"] == np.inf
    assert 'penalty="firth"' in fit.status.message
    assert "grp" in fit.status.message
    assert np.isnan(fit.se).all()


def test_two_subjects_x_1_0_monotone():
    df = pd.DataFrame({"t": [1.0, 2.0], "e": [1, 1], "x": [1.0, 0.0]})
    with pytest.warns(FitWarning, match="monotone"):
        fit = cox_ph(df, duration="t", event="e", covariates="x")
    assert fit.params["x"] == np.inf


def test_constant_column_is_singular():
    df = make_frame(9).assign(k=2.0)
    with pytest.warns(FitWarning, match="singular"):
        fit = cox_ph(df, duration="stop", event="event", covariates=["a", "k"])
    assert fit.status.code is FitStatus.SINGULAR_INFORMATION
    assert fit.status.covariates == ("k",)


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda d: d.assign(a=np.where(d.index == 3, np.nan, d.a)), "'a' has missing"),
        (lambda d: d.assign(event=d.event * 2), "'event' must be 0/1"),
        (lambda d: d.assign(start=d.stop + 1), "must exceed 'start'"),
        (lambda d: d.drop(columns="b"), "columns not in data: 'b'"),
        (lambda d: d.assign(b=d.b.astype(str)), "'b' is not numeric"),
    ],
)
def test_validation_names_the_column(mutate, match):
    df = mutate(make_frame(10).assign(start=0.0))
    with pytest.raises(ModelError, match=match):
        cox_ph(df, duration="stop", event="event", covariates=["a", "b"], start="start")


def test_firth_delegation_passes_arguments(monkeypatch):
    seen = {}

    def fake(data, **kw):
        seen.update(kw, n=len(data))
        return "firth-result"

    monkeypatch.setattr(firth, "cox_firth", fake)
    df = make_frame(11).assign(s0=0.0, g=1)
    out = cox_ph(df, duration="stop", event="event", covariates=["a", "b"], start="s0",
                 ties="breslow", strata="g", alpha=0.1, penalty="firth")  # fmt: skip
    assert out == "firth-result"
    assert seen == {"duration": "stop", "event": "event", "covariates": ["a", "b"], "start": "s0",
                    "ties": "breslow", "strata": "g", "alpha": 0.1, "n": len(df)}  # fmt: skip
    with pytest.raises(ModelError, match="robust"):
        cox_ph(df, duration="stop", event="event", covariates="a", penalty="firth", robust=True)
    with pytest.raises(ModelError, match="penalty"):
        cox_ph(df, duration="stop", event="event", covariates="a", penalty="ridge")


@pytest.mark.slow
def test_firth_delegation_two_subjects_log3():
    df = pd.DataFrame({"t": [1.0, 2.0], "e": [1, 1], "x": [1.0, 0.0]})
    fit = cox_ph(df, duration="t", event="e", covariates="x", penalty="firth", ties="breslow")
    assert isinstance(fit, firth.FirthResult)
    assert float(np.asarray(fit.params)[0]) == pytest.approx(np.log(3), abs=1e-6)


def test_result_is_frozen_and_notes(rossi):
    fit = cox_ph(rossi, duration="week", event="arrest", covariates=["fin", "prio"])
    with pytest.raises(AttributeError):
        fit.loglik = 0.0  # type: ignore[misc]
    assert fit.notes[0] == "ties: efron"
    assert list(fit.tests.columns) == ["statistic", "df", "p"]


def test_no_events_gives_status_and_no_tests() -> None:
    import pandas as pd

    from ppprog._core.errors import FitWarning
    from ppprog.models.status import FitStatus

    df = pd.DataFrame({"t": [1.0, 2.0, 3.0], "e": [0, 0, 0], "x": [0.0, 1.0, 0.5]})
    with pytest.warns(FitWarning, match="no_events"):
        fit = cox_ph(df, duration="t", event="e", covariates=["x"])
    assert fit.status.code is FitStatus.NO_EVENTS
    assert fit.tests["statistic"].isna().all()
    assert fit.tests["p"].isna().all()
    assert "test=NA" in str(fit)
