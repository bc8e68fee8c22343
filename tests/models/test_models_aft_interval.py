"""Interval-censored AFT: R survreg(interval2), an independent scipy fit, closed forms, kernel derivatives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _interval_reference import load_input, survreg_reference, vcov_block
from scipy import optimize, stats

from ppprog._core.errors import FitWarning, ModelError
from ppprog.models._kernels.aft_interval import aft_loglik
from ppprog.models.aft_interval import aft_interval
from ppprog.models.bounds import as_bounds
from ppprog.models.status import FitStatus

REF = survreg_reference()
COVARIATES = {"bcos": ["groupRT"], "mixed": ["x1", "x2"], "small": []}
CASES = [(d, dist) for d in COVARIATES for dist in ("weibull", "lognormal")]


def _bcos_for_survreg() -> pd.DataFrame:
    d = load_input("bcos")
    return d.assign(left=d["left"].where(d["left"] > 0))  # R: a 0 left end is NA


def _data(name: str) -> pd.DataFrame:
    return _bcos_for_survreg() if name == "bcos" else load_input(name)


@pytest.mark.parametrize(("name", "dist"), CASES)
def test_matches_r_survreg_interval2(name: str, dist: str) -> None:
    fit = aft_interval(
        _data(name), left="left", right="right", covariates=COVARIATES[name], dist=dist
    )
    ref = REF[(REF["data"] == name) & (REF["dist"] == dist)]
    assert fit.status.converged
    est = np.append(fit.params.to_numpy(), fit.log_scale)
    np.testing.assert_allclose(est, ref["estimate"], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(fit.vcov.to_numpy(), vcov_block(ref), rtol=1e-6, atol=1e-10)
    assert fit.loglik == pytest.approx(ref["loglik"].iloc[0], rel=1e-9)
    assert fit.loglik_null == pytest.approx(ref["loglik_null"].iloc[0], rel=1e-9)
    assert list(fit.vcov.index) == ["(Intercept)", *COVARIATES[name], "Log(scale)"]


def test_bcos_left_end_zero_is_left_censoring() -> None:
    d = load_input("bcos")
    a = aft_interval(d, left="left", right="right", covariates="groupRT")
    b = aft_interval(_bcos_for_survreg(), left="left", right="right", covariates="groupRT")
    np.testing.assert_array_equal(a.params, b.params)
    assert a.counts["left"] == 5
    assert a.counts.sum() == 94


def _independent_loglik(
    theta: np.ndarray, X: np.ndarray, lo: np.ndarray, hi: np.ndarray, dist: str
) -> float:
    """Written on the time scale with scipy.stats distributions (cdf differences)."""
    beta, sigma = theta[:-1], np.exp(theta[-1])
    mu = X @ beta
    law = (
        stats.weibull_min(c=1 / sigma, scale=np.exp(mu))
        if dist == "weibull"
        else stats.lognorm(s=sigma, scale=np.exp(mu))
    )
    exact = lo == hi
    dens = law.logpdf(lo)[exact].sum()
    with np.errstate(divide="ignore"):
        prob = np.log(law.cdf(hi) - law.cdf(lo))[~exact].sum()
    return float(dens + prob)


@pytest.mark.parametrize("dist", ["weibull", "lognormal"])
def test_independent_scipy_fit_and_hessian(dist: str) -> None:
    d = load_input("mixed")
    lo, hi = as_bounds(d["left"], d["right"])
    X = np.column_stack([np.ones(len(d)), d["x1"], d["x2"]])
    fit = aft_interval(d, left="left", right="right", covariates=["x1", "x2"], dist=dist)

    def nll(th: np.ndarray) -> float:
        return -_independent_loglik(th, X, lo, hi, dist)

    res = optimize.minimize(nll, np.array([2.5, 0.0, 0.0, -0.3]), method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000, "maxfev": 40000})  # fmt: skip
    theta = np.append(fit.params.to_numpy(), fit.log_scale)
    np.testing.assert_allclose(res.x, theta, atol=1e-5)
    assert -res.fun == pytest.approx(fit.loglik, abs=1e-9)
    # observed information by central differences of the independent log-likelihood
    h, k = 1e-4, theta.size
    H = np.zeros((k, k))
    for a in range(k):
        for b in range(k):
            ea, eb = np.eye(k)[a] * h, np.eye(k)[b] * h
            H[a, b] = (nll(theta + ea + eb) - nll(theta + ea - eb) - nll(theta - ea + eb) + nll(theta - ea - eb)) / (4 * h * h)  # fmt: skip
    np.testing.assert_allclose(np.linalg.inv(H), fit.vcov.to_numpy(), rtol=1e-4, atol=1e-8)


def test_lognormal_with_exact_times_is_least_squares() -> None:
    """Closed form: all times exact, lognormal -> OLS on log t, sigma^2 = RSS / n."""
    rng = np.random.default_rng(np.random.SeedSequence(41))
    n = 40
    x = rng.normal(size=n)
    t = np.exp(1.0 + 0.5 * x + 0.7 * rng.normal(size=n))
    fit = aft_interval(
        pd.DataFrame({"t": t, "x": x}), left="t", right="t", covariates="x", dist="lognormal"
    )
    X = np.column_stack([np.ones(n), x])
    beta, rss, *_ = np.linalg.lstsq(X, np.log(t), rcond=None)
    np.testing.assert_allclose(fit.params, beta, atol=1e-10)
    assert fit.scale == pytest.approx(np.sqrt(rss[0] / n), rel=1e-10)
    # the log-likelihood on the time scale carries the -sum(log t) Jacobian
    expected = stats.norm.logpdf(np.log(t), X @ beta, fit.scale).sum() - np.log(t).sum()
    assert fit.loglik == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("dist", ["weibull", "lognormal"])
def test_kernel_derivatives_match_finite_differences(dist: str) -> None:
    from ppprog.models._kernels.aft_interval import aft_fit

    d = load_input("mixed")
    lo, hi = as_bounds(d["left"], d["right"])
    X = np.column_stack([np.ones(len(d)), d["x1"], d["x2"]])
    out = aft_fit(X, lo, hi, dist)
    theta = out.theta
    h = 1e-5
    grad = np.array([(aft_loglik(theta + h * e, X, lo, hi, dist) - aft_loglik(theta - h * e, X, lo, hi, dist)) / (2 * h) for e in np.eye(theta.size)])  # fmt: skip
    np.testing.assert_allclose(grad, 0.0, atol=1e-6)  # at the optimum
    assert out.n_iter < 20


def test_all_right_censored_has_status_and_warns() -> None:
    d = pd.DataFrame({"lo": [1.0, 2.0, 3.0], "hi": [np.nan, np.inf, np.nan]})
    with pytest.warns(FitWarning, match="right-censored"):
        fit = aft_interval(d, left="lo", right="hi")
    assert fit.status.code is FitStatus.NO_EVENTS
    assert np.isnan(fit.params).all()


def test_collinear_covariates_singular() -> None:
    d = load_input("mixed").assign(x3=lambda f: 2 * f["x1"])
    with pytest.warns(FitWarning):
        fit = aft_interval(d, left="left", right="right", covariates=["x1", "x3"])
    assert fit.status.code is FitStatus.SINGULAR_INFORMATION


def test_summary_quantile_and_survival() -> None:
    fit = aft_interval(load_input("mixed"), left="left", right="right", covariates=["x1", "x2"])
    s = fit.summary
    assert list(s.columns) == ["value", "std_err", "z", "p", "lower", "upper"]
    assert s.loc["Log(scale)", "value"] == fit.log_scale
    q = fit.quantile(np.array([0.25, 0.5]), np.array([1.0, 0.0]))
    np.testing.assert_allclose(fit.survival(q, np.array([1.0, 0.0])), [0.75, 0.5], atol=1e-12)
    assert "weibull AFT" in str(fit)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"dist": "gamma"}, "dist must be one of"),
        ({"covariates": ["nope"]}, "covariate column 'nope'"),
        ({"left": "nope"}, "column 'nope' not in data"),
    ],
)
def test_bad_input(kwargs: dict, match: str) -> None:
    args = {"left": "left", "right": "right", **kwargs}
    with pytest.raises(ModelError, match=match):
        aft_interval(load_input("small"), **args)


def test_uninformative_row_changes_nothing() -> None:
    """A row (0, inf) has likelihood 1: adding it leaves the fit unchanged."""
    d = load_input("mixed")
    extra = pd.DataFrame({"left": [0.0], "right": [np.nan], "x1": [1.0], "x2": [0.5]})
    a = aft_interval(d, left="left", right="right", covariates=["x1", "x2"])
    b = aft_interval(pd.concat([d, extra]), left="left", right="right", covariates=["x1", "x2"])
    np.testing.assert_allclose(b.params, a.params, atol=1e-10)
    assert b.loglik == pytest.approx(a.loglik, abs=1e-10)


@pytest.mark.parametrize("replicate", [22, 26])
def test_visit_bounded_replicates_converge_quietly(replicate: int) -> None:
    """Cohorts (tutorial 8) whose first Newton step overflowed: steps are capped, never warn."""
    from ppprog.simulate import CohortSpec, generate
    from ppprog.simulate.reporting import MONTHS_PER_WEEK, visit_bounds

    spec = CohortSpec.default("resolution").replace(
        {
            "resolution.extent": {"none": 0.4, "localized": 0.3, "generalized": 0.3},
            "resolution.log_hr.extent[generalized]": -1.0,
            "resolution.cure.intercept": -20.0,
        }
    )
    b = generate(spec, n=120, replicates=1, seed=21, first_replicate=replicate)
    t, e = b.time[0], b.event[0]
    seen = visit_bounds(t, e, every=8 * MONTHS_PER_WEEK, miss=0.3, seed=1000 + replicate)
    d = pd.DataFrame(
        {
            "lo": seen.left,
            "hi": np.where(e, seen.right, np.nan),
            "x": b.design["extent[generalized]"][0],
        }
    )
    for dist in ("weibull", "lognormal"):
        assert aft_interval(d, left="lo", right="hi", covariates="x", dist=dist).status.converged
