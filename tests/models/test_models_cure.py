"""cure_model and cure_model_batch: direct maximization, batch = single, identification, inputs."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats
from tests.models._oracles_cure import oracle_fit, oracle_loglik, simulate_cure

from ppprog._core.errors import FitWarning, ModelError
from ppprog.models.cure import cure_model
from ppprog.models.cure_batch import cure_model_batch
from ppprog.models.status import FitStatus
from ppprog.tables.data import SurvivalData

COMBOS = list(itertools.product(["logit", "cloglog"], ["weibull", "lognormal"]))
COMBOS_LINK_MODEL = list(itertools.product(["logit", "cloglog"], ["weibull", "cox"]))


def _frame(seed: int, n: int, family: str = "weibull", link: str = "logit") -> pd.DataFrame:
    shape = 1.4 if family == "weibull" else 0.7
    c = [-1.0, 0.6, -0.3] if family == "weibull" else [0.3, -0.5, 0.2]
    Xi, Xl, t, ev = simulate_cure(seed, n, b=[0.5, -0.9, 0.4], c=c, shape=shape, family=family,
                                  link=link)  # fmt: skip
    return pd.DataFrame({"time": t, "event": ev, "x1": Xi[:, 1], "x2": Xi[:, 2], "z2": Xl[:, 2]})


@pytest.mark.parametrize(("link", "family"), COMBOS)
def test_parametric_matches_direct_maximization(link, family):
    df = _frame(21, 400, family, link)
    fit = cure_model(df, incidence=["x1", "x2"], latency=["x1", "z2"], latency_model=family,
                     link=link, profile=False)  # fmt: skip
    assert fit.status.code is FitStatus.CONVERGED
    n = len(df)
    Xi = np.column_stack([np.ones(n), df.x1, df.x2])
    Xl = np.column_stack([np.ones(n), df.x1, df.z2])
    t, ev = df.time.to_numpy(), df.event.to_numpy()
    theta0 = np.zeros(7)
    theta0[0] = 0.5
    theta0[3] = -1.0 if family == "weibull" else 0.0
    ref, ref_se = oracle_fit(theta0, Xi, Xl, t, ev, link, family)
    np.testing.assert_allclose(fit.params, ref, atol=1e-6)
    se = np.r_[fit.incidence["se"], fit.latency["se"]]
    np.testing.assert_allclose(se, ref_se, atol=1e-5)
    assert fit.loglik == pytest.approx(oracle_loglik(ref, Xi, Xl, t, ev, link, family), abs=1e-8)


def test_profile_bounds_solve_the_deviance_equation():
    """At each profile bound the constrained maximum (scipy, independent) is 3.84 below the MLE."""
    df = _frame(22, 300)
    fit = cure_model(df, incidence=["x1"], latency=["x1"])
    n = len(df)
    Xi = np.column_stack([np.ones(n), df.x1])
    Xl = np.column_stack([np.ones(n), df.x1])
    t, ev = df.time.to_numpy(), df.event.to_numpy()
    crit = stats.chi2.ppf(0.95, 1)
    for j, term in enumerate(["(intercept)", "x1"]):
        for bound in fit.incidence.loc[term, ["lower", "upper"]]:

            def negll(rest, j=j, bound=bound):
                th = np.insert(rest, j, bound)
                return -oracle_loglik(th, Xi, Xl, t, ev, "logit", "weibull")

            res = optimize.minimize(negll, np.delete(fit.params, j), method="BFGS",
                                    jac="3-point", options={"gtol": 1e-9})  # fmt: skip
            assert 2 * (fit.loglik + res.fun) == pytest.approx(crit, abs=1e-5)
        lo, hi = fit.incidence.loc[term, ["lower", "upper"]]
        assert lo < fit.incidence.loc[term, "coef"] < hi


def test_batch_equals_single_fits():
    frames = [_frame(30 + r, 150 + 40 * r) for r in range(4)]
    m = max(len(f) for f in frames)
    R = len(frames)
    Xi, Xl = np.zeros((R, m, 2)), np.zeros((R, m, 1))
    t, ev, mk = np.ones((R, m)), np.zeros((R, m), bool), np.zeros((R, m), bool)
    for r, f in enumerate(frames):
        k = len(f)
        Xi[r, :k] = f[["x1", "x2"]].to_numpy()
        Xl[r, :k, 0] = f["x1"].to_numpy()
        t[r, :k], ev[r, :k], mk[r, :k] = f.time, f.event, True
    batch = cure_model_batch(Xi, Xl, t, ev, mk, incidence_names=["x1", "x2"],
                             latency_names=["x1"])  # fmt: skip
    for r, f in enumerate(frames):
        single = cure_model(f, incidence=["x1", "x2"], latency=["x1"], profile=False)
        assert batch.status[r] == single.status.code
        np.testing.assert_allclose(batch.params[r], single.params, rtol=0, atol=1e-12)
        se = np.r_[single.incidence["se"], single.latency["se"]]
        np.testing.assert_allclose(batch.se[r], se, rtol=1e-10)
        assert batch.loglik[r] == pytest.approx(single.loglik, abs=1e-10)
    assert batch.names[1] == "incidence:x1"
    assert batch.column("latency:log(shape)") == 5


def _no_plateau(seed: int, n: int = 400) -> pd.DataFrame:
    """Weibull times, nobody cured, censored while the curve still falls."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    x = rng.binomial(1, 0.5, n)
    lat = rng.weibull(1.2, n) * 3.0 * np.exp(-0.3 * x)
    cens = rng.uniform(0.5, 2.0, n)
    return pd.DataFrame({"time": np.minimum(lat, cens), "event": lat <= cens, "x": x})


@pytest.mark.parametrize("model", ["weibull", "lognormal", "cox"])
def test_no_plateau_is_not_identified(model):
    df = _no_plateau(40)
    with pytest.warns(FitWarning, match="not_identified: follow-up shows no plateau"):
        fit = cure_model(df, incidence=["x"], latency=["x"], latency_model=model, n_boot=20)
    assert fit.status.code is FitStatus.NOT_IDENTIFIED
    assert fit.followup.p_value > 0.05
    assert fit.followup.tail_mass > 0.05
    assert not fit.followup.identified
    assert fit.incidence["se"].isna().all()
    assert fit.incidence[["lower", "upper", "p"]].isna().all().all()
    batch = cure_model_batch(df[["x"]].to_numpy()[None], df[["x"]].to_numpy()[None],
                             df.time.to_numpy(), df.event.to_numpy())  # fmt: skip
    if model == "weibull":
        assert batch.status[0] == FitStatus.NOT_IDENTIFIED
        assert np.isnan(batch.se).all()


def test_plateau_criteria_are_what_the_docstring_says():
    df = _frame(41, 400)
    fit = cure_model(df, incidence=["x1"], latency=["x1"], profile=False)
    fu = fit.followup
    t, ev = df.time.to_numpy(), df.event.to_numpy()
    t_star, t_n = t[ev].max(), t.max()
    n_late = int(np.sum(ev & (t > 2 * t_star - t_n) & (t <= t_star)))
    assert (fu.n_late, fu.plateau) == (n_late, pytest.approx(t_n - t_star))
    assert fu.p_value == pytest.approx((1 - n_late / len(t)) ** len(t))
    s_tail = fit.susceptible_survival(df, [t_n])[:, 0].mean()
    assert fu.tail_mass == pytest.approx(s_tail, rel=1e-12)
    with pytest.warns(FitWarning, match="no plateau"):
        strict = cure_model(df, incidence=["x1"], latency=["x1"], profile=False,
                            plateau_tol=s_tail / 2, followup_alpha=0.0)  # fmt: skip
    assert strict.status.code is FitStatus.NOT_IDENTIFIED


def test_survival_predictions_limits():
    df = _frame(42, 300)
    fit = cure_model(df, incidence=["x1", "x2"], latency=["x1"], profile=False)
    new = pd.DataFrame({"x1": [0.0, 1.0], "x2": [0.5, -1.0]})
    s = fit.survival(new, [0.0, 1.0, 1e6])
    np.testing.assert_allclose(s[:, 0], 1.0)
    np.testing.assert_allclose(s[:, 2], fit.cure_fraction(new), rtol=1e-12)
    b = fit.incidence["coef"].to_numpy()
    eta = b[0] + b[1] * new.x1 + b[2] * new.x2
    np.testing.assert_allclose(fit.cure_fraction(new), 1 / (1 + np.exp(eta)), rtol=1e-12)
    assert np.all(np.diff(s, axis=1) <= 0)


def test_survival_data_input_equals_frame():
    df = _frame(43, 200)
    sd = SurvivalData.from_arrays(df.time, df.event, df[["x1", "x2"]].to_numpy(),
                                  names=["x1", "x2"])  # fmt: skip
    a = cure_model(df, incidence=["x1"], latency=["x2"], profile=False)
    b = cure_model(sd, incidence=["x1"], latency=["x2"], profile=False)
    np.testing.assert_array_equal(a.params, b.params)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    entry = SurvivalData.from_arrays(df.time, df.event, start=np.zeros(len(df)))
    with pytest.raises(ModelError, match="time-varying"):
        cure_model(entry)


def test_bad_input_names_row_and_field():
    df = _frame(44, 50)
    df.loc[7, "x1"] = np.nan
    with pytest.raises(ModelError, match=r"row 7, field 'x1'"):
        cure_model(df, incidence=["x1"])
    with pytest.raises(ModelError, match="not in data"):
        cure_model(df, incidence=["nope"])
    with pytest.raises(ModelError, match="latency_model"):
        cure_model(df, latency_model="gompertz")
    bad = df.assign(event=2)
    with pytest.raises(ModelError, match="event must be 0/1"):
        cure_model(bad)


def test_cox_latency_bootstrap_reproducible_and_str():
    df = _frame(45, 250)
    a = cure_model(df, incidence=["x1"], latency=["x1"], latency_model="cox", n_boot=30, seed=5)
    b = cure_model(df, incidence=["x1"], latency=["x1"], latency_model="cox", n_boot=30, seed=5)
    c = cure_model(df, incidence=["x1"], latency=["x1"], latency_model="cox", n_boot=30, seed=6)
    assert a.status.converged
    np.testing.assert_array_equal(a.boot, b.boot)
    assert not np.array_equal(a.boot, c.boot)
    assert list(a.latency.index) == ["x1"]
    assert "cox latency" in str(a)
    s = a.survival(pd.DataFrame({"x1": [0.0, 1.0]}), [0.0, 1e6])
    np.testing.assert_allclose(s[:, 1], a.cure_fraction(pd.DataFrame({"x1": [0.0, 1.0]})))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.floats(0.05, 20.0))
def test_row_order_invariance_and_time_scale_equivariance(seed, scale):
    """Permuting rows changes nothing; t -> c t shifts only the Weibull log scale by -alpha log c."""
    df = _frame(50, 200)
    perm = np.random.default_rng(np.random.SeedSequence(seed)).permutation(len(df))
    base = cure_model(df, incidence=["x1"], latency=["z2"], profile=False)
    shuffled = cure_model(df.iloc[perm], incidence=["x1"], latency=["z2"], profile=False)
    np.testing.assert_allclose(shuffled.params, base.params, atol=1e-8)
    scaled = cure_model(df.assign(time=df.time * scale), incidence=["x1"], latency=["z2"],
                        profile=False)  # fmt: skip
    expected = base.params.copy()
    expected[2] -= np.exp(base.params[-1]) * np.log(scale)
    np.testing.assert_allclose(scaled.params, expected, atol=1e-7)
    assert scaled.status.code is base.status.code


def test_no_covariates_matches_lifelines_mixture_cure_weibull():
    """lifelines' MixtureCureFitter (no covariates): cure fraction, Weibull lambda and rho."""
    lifelines = pytest.importorskip("lifelines")
    rng = np.random.default_rng(np.random.SeedSequence(4))
    n = 400
    sus = rng.random(n) < 0.7
    lat = np.where(sus, rng.weibull(1.3, n) * 2.0, np.inf)
    cens = rng.uniform(5.0, 12.0, n)
    t, ev = np.minimum(lat, cens), lat <= cens
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines' own convergence chatter
        ref = lifelines.MixtureCureFitter(base_fitter=lifelines.WeibullFitter()).fit(t, ev)
    fit = cure_model(pd.DataFrame({"time": t, "event": ev}))
    rho = np.exp(fit.params[-1])  # S_u = exp(-exp(c0) t^rho) = exp(-(t / lambda)^rho)
    lam = np.exp(-fit.params[1] / rho)
    cure = fit.cure_fraction({})[0]
    np.testing.assert_allclose([cure, lam, rho], ref.params_.to_numpy(), rtol=1e-4)
    assert fit.loglik >= ref.log_likelihood_ - 1e-9
    assert fit.loglik == pytest.approx(ref.log_likelihood_, abs=1e-5)


@pytest.mark.parametrize(("link", "model"), COMBOS_LINK_MODEL)
def test_complete_plateau_incidence_is_binary_regression_of_the_event(link, model):
    """Everyone censored long after the last event: incidence = GLM of the event indicator."""
    import statsmodels.api as sm

    rng = np.random.default_rng(np.random.SeedSequence(60))
    n = 400
    x = rng.normal(size=n)
    sus = rng.random(n) < 1 / (1 + np.exp(-(0.4 + 0.8 * x)))
    lat = rng.exponential(size=n) * 0.3 * np.exp(0.3 * x)
    t = np.where(sus, lat, 50.0 + rng.random(n))
    df = pd.DataFrame({"time": t, "event": sus, "x": x})
    fit = cure_model(df, incidence=["x"], latency=["x"], latency_model=model, link=link,
                     profile=False, n_boot=20)  # fmt: skip
    family = sm.families.Binomial(
        link=sm.families.links.Logit() if link == "logit" else sm.families.links.CLogLog()
    )
    glm = sm.GLM(sus.astype(float), sm.add_constant(x), family=family).fit(tol=1e-12)
    np.testing.assert_allclose(fit.incidence["coef"], glm.params, atol=1e-7)


@pytest.mark.parametrize("model", ["weibull", "cox"])
def test_edge_cases_no_events_and_no_censoring(model):
    rng = np.random.default_rng(np.random.SeedSequence(70))
    df = pd.DataFrame({"time": rng.exponential(size=50) + 0.1, "x": rng.normal(size=50)})
    with pytest.warns(FitWarning, match="no events"):
        fit = cure_model(df.assign(event=False), incidence=["x"], latency_model=model)
    assert fit.status.code is FitStatus.NO_EVENTS
    with pytest.warns(FitWarning, match="nobody is followed beyond the last event"):
        fit = cure_model(df.assign(event=True), incidence=["x"], latency_model=model)
    assert fit.status.code is FitStatus.NOT_IDENTIFIED
    assert fit.followup.plateau == 0.0
    assert fit.incidence["se"].isna().all()


def test_cox_bootstrap_independent_of_chunking_and_executor():
    from concurrent.futures import ThreadPoolExecutor

    from ppprog.models.cure_cox import bootstrap_em

    df = _frame(46, 200)
    Xi = np.column_stack([np.ones(len(df)), df.x1])
    Z = df[["x1"]].to_numpy()
    t, ev = df.time.to_numpy(), df.event.to_numpy()
    kw = {"link": "logit", "n_boot": 23, "seed": 8}
    a, sa = bootstrap_em(Xi, Z, t, ev, chunk_size=50, **kw)
    b, sb = bootstrap_em(Xi, Z, t, ev, chunk_size=4, **kw)
    with ThreadPoolExecutor(max_workers=2) as pool:
        c, sc = bootstrap_em(Xi, Z, t, ev, chunk_size=5, executor=pool, **kw)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(sa, sc)
    assert np.isfinite(a).all()
