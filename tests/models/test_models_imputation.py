"""Multiple imputation of times within bounds: bounds, reproducibility, zero width, draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _interval_reference import load_input
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from ppprog._core.errors import ModelError
from ppprog.models.aft_interval import aft_interval
from ppprog.models.cox import cox_ph
from ppprog.models.imputation import impute_times, multiple_imputation


def _cox(df: pd.DataFrame):  # noqa: ANN202
    return cox_ph(df, duration="time", event="event", covariates=["x1", "x2"])


bounds_rows = st.lists(
    st.tuples(
        st.floats(0, 50, allow_nan=False),
        st.floats(0, 30, allow_nan=False),
        st.sampled_from(["exact", "interval", "right", "left"]),
    ),
    min_size=2,
    max_size=30,
)


def _bounds(rows: list) -> tuple[np.ndarray, np.ndarray]:
    left, right = [], []
    for a, w, kind in rows:
        a = a + 0.01
        if kind == "exact":
            left.append(a), right.append(a)
        elif kind == "interval":
            left.append(a), right.append(a + w + 1e-3)
        elif kind == "right":
            left.append(a), right.append(np.nan)
        else:
            left.append(np.nan), right.append(a)
    return np.array(left), np.array(right)


@settings(max_examples=40)
@given(bounds_rows, st.sampled_from(["uniform", "turnbull"]), st.integers(0, 2**32))
def test_imputed_times_lie_in_their_bounds(rows: list, method: str, seed: int) -> None:
    left, right = _bounds(rows)
    imp = impute_times(left, right, m=3, method=method, seed=seed)
    lo = np.nan_to_num(left, nan=0.0)
    finite = ~np.isnan(right)
    exact = lo == np.nan_to_num(right, nan=-1.0)
    inside = (imp.times > lo) & (imp.times <= np.where(finite, right, np.inf))
    assert (inside | exact)[:, finite].all()
    np.testing.assert_array_equal(imp.times[:, exact], np.broadcast_to(lo[exact], (3, exact.sum())))
    np.testing.assert_array_equal(imp.times[:, ~finite], np.broadcast_to(lo[~finite], (3, (~finite).sum())))  # fmt: skip
    np.testing.assert_array_equal(imp.event, finite)


@settings(max_examples=15)
@given(st.integers(0, 2**32), st.sampled_from(["weibull", "lognormal"]))
def test_aft_draws_lie_in_their_bounds(seed: int, dist: str) -> None:
    d = load_input("mixed")
    imp = impute_times(d["left"], d["right"], m=2, method="aft", seed=seed,
                       X=d[["x1", "x2"]], dist=dist)  # fmt: skip
    lo, hi = imp.left, imp.right
    ok = ((imp.times > lo) & (imp.times <= hi)) | (lo == hi) | np.isinf(hi)
    assert ok.all()


@pytest.mark.parametrize("method", ["uniform", "turnbull", "aft"])
def test_reproducible_and_independent_of_m(method: str) -> None:
    d = load_input("mixed")
    kw = {"method": method, "seed": 11, "X": d[["x1", "x2"]] if method == "aft" else None}
    a = impute_times(d["left"], d["right"], m=5, **kw)
    b = impute_times(d["left"], d["right"], m=3, **kw)
    np.testing.assert_array_equal(a.times[:3], b.times)
    c = impute_times(d["left"], d["right"], m=3, **{**kw, "seed": 12})
    assert not np.array_equal(b.times, c.times)


def test_width_zero_changes_nothing() -> None:
    """All times exact (left == right): every imputation is the data; pooled = single fit."""
    d = load_input("mixed")
    t = np.where(np.isnan(d["right"]), d["left"], d["right"])
    e = (~np.isnan(d["right"])).astype(int)
    exact = d.assign(lo=t, hi=np.where(e == 1, t, np.nan))[["lo", "hi", "x1", "x2"]]
    single = cox_ph(exact.assign(time=t, event=e), duration="time", event="event", covariates=["x1", "x2"])  # fmt: skip
    for method in ("uniform", "turnbull"):
        res = multiple_imputation(exact, _cox, left="lo", right="hi", m=4, method=method, seed=5)
        np.testing.assert_allclose(res.params, single.params, rtol=1e-12)
        np.testing.assert_array_equal(res.between, 0.0)
        np.testing.assert_allclose(res.total, np.diag(single.vcov), rtol=1e-12)
        np.testing.assert_array_equal(res.fmi, 0.0)
        np.testing.assert_array_equal(res.lambda_, 0.0)


def test_imprecision_shows_as_missing_information() -> None:
    d = load_input("mixed")
    res = multiple_imputation(d, _cox, left="left", right="right", m=10, method="uniform", seed=2)
    assert (res.between > 0).all()
    assert ((res.fmi > 0) & (res.fmi < 1)).all()
    assert res.n_not_converged == 0
    assert res.imputations.times.shape == (10, len(d))
    assert "uniform imputation of" in str(res)
    # the whole analysis is a function of the seed
    again = multiple_imputation(d, _cox, left="left", right="right", m=10, method="uniform", seed=2)
    pd.testing.assert_frame_equal(res.summary, again.summary)


def test_uniform_draws_are_uniform() -> None:
    left, right = np.full(4000, 2.0), np.full(4000, 6.0)
    imp = impute_times(left, right, m=1, seed=3)
    assert stats.kstest(imp.times[0], stats.uniform(2, 4).cdf).pvalue > 0.01


def test_turnbull_draws_follow_the_npmle() -> None:
    # (0,2] and (1,3]: the NPMLE puts all mass on (1,2], so draws fall there
    imp = impute_times([0, 1], [2, 3], m=20, method="turnbull", seed=4, proper=False)
    assert ((imp.times > 1) & (imp.times <= 2)).all()


def test_aft_draws_follow_the_truncated_model() -> None:
    """Probability-integral transform of the draws under the fitted truncated law is uniform."""
    n = 3000
    exact = np.exp(np.random.default_rng(np.random.SeedSequence(8)).normal(2.3, 0.5, 400))
    lo = np.concatenate([np.full(n, 5.0), exact])
    hi = np.concatenate([np.full(n, 15.0), exact])
    imp = impute_times(lo, hi, m=1, method="aft", dist="lognormal", seed=6, proper=False)
    fit = aft_interval(pd.DataFrame({"lo": lo, "hi": hi}), left="lo", right="hi", dist="lognormal")
    law = stats.lognorm(s=fit.scale, scale=np.exp(fit.params.iloc[0]))
    a, b = law.cdf(5.0), law.cdf(15.0)
    pit = (law.cdf(imp.times[0, :n]) - a) / (b - a)
    assert stats.kstest(pit, "uniform").pvalue > 0.01


def test_fit_returning_a_pair_and_errors() -> None:
    d = load_input("small")

    def mean_fit(df: pd.DataFrame) -> tuple[pd.Series, list]:
        return pd.Series({"mean": df["time"].mean()}), [[df["time"].var() / len(df)]]

    res = multiple_imputation(d, mean_fit, left="left", right="right", m=3, seed=1)
    assert list(res.params.index) == ["mean"]
    with pytest.raises(ModelError, match="already in data"):
        multiple_imputation(d.assign(time=1.0), mean_fit, left="left", right="right", m=3)
    with pytest.raises(ModelError, match=r"\.params and \.vcov"):
        multiple_imputation(d, lambda df: 3.0, left="left", right="right", m=3)
    with pytest.raises(ModelError, match="method must be one of"):
        impute_times(d["left"], d["right"], method="hot-deck")
    with pytest.raises(ModelError, match="m must be a positive integer"):
        impute_times(d["left"], d["right"], m=0)
