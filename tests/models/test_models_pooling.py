"""Rubin's rules: hand-computed pooling, degrees of freedom, edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ppprog._core.errors import ModelError
from ppprog.models.pooling import rubin_pool


def test_hand_computed_two_parameters() -> None:
    Q = np.array([[1.0, -0.5], [1.4, -0.3], [0.9, -0.7], [1.1, -0.5]])
    U = np.array([np.diag([0.04, 0.01]) + 0.002 for _ in range(4)])
    res = rubin_pool(pd.DataFrame(Q, columns=["a", "b"]), U)
    m = 4
    for j, name in enumerate(["a", "b"]):
        q = Q[:, j]
        qbar = sum(q) / m
        b = sum((v - qbar) ** 2 for v in q) / (m - 1)
        u = U[0, j, j]
        t = u + (1 + 1 / m) * b
        r = (1 + 1 / m) * b / u
        nu = (m - 1) * (1 + 1 / r) ** 2
        gamma = (r + 2 / (nu + 3)) / (r + 1)
        assert res.params[name] == pytest.approx(qbar, rel=1e-14)
        assert res.between[name] == pytest.approx(b, rel=1e-13)
        assert res.total[name] == pytest.approx(t, rel=1e-13)
        assert res.df[name] == pytest.approx(nu, rel=1e-12)
        assert res.riv[name] == pytest.approx(r, rel=1e-12)
        assert res.fmi[name] == pytest.approx(gamma, rel=1e-12)
        assert res.lambda_[name] == pytest.approx((1 + 1 / m) * b / t, rel=1e-12)
    cov_b = np.cov(Q.T)
    np.testing.assert_allclose(res.vcov.to_numpy(), U[0] + (1 + 1 / m) * cov_b, rtol=1e-13)
    s = res.summary
    assert s.loc["a", "lower"] < res.params["a"] < s.loc["a", "upper"]
    assert res.df_method == "rubin"


def test_barnard_rubin_df() -> None:
    Q = np.array([[1.0], [1.3], [0.8]])
    V = np.array([[0.05], [0.06], [0.04]])
    res = rubin_pool(Q, V, names=["x"], dfcom=20)
    m, b, u = 3, np.var(Q, ddof=1), 0.05
    t = u + (1 + 1 / m) * b
    lam = (1 + 1 / m) * b / t
    nu_old = (m - 1) / lam**2
    nu_obs = (20 + 1) / (20 + 3) * 20 * (1 - lam)
    assert res.df["x"] == pytest.approx(nu_old * nu_obs / (nu_old + nu_obs), rel=1e-12)
    assert res.df["x"] < 20
    assert res.df_method == "barnard-rubin"


def test_no_between_variance() -> None:
    Q = np.tile([0.3, 2.0], (5, 1))
    V = np.tile(np.diag([0.1, 0.2]), (5, 1, 1))
    res = rubin_pool(Q, V)
    np.testing.assert_array_equal(res.between, 0.0)
    np.testing.assert_array_equal(res.fmi, 0.0)
    assert np.isinf(res.df).all()
    np.testing.assert_allclose(res.total, [0.1, 0.2], rtol=1e-15)
    # infinite df: the t limits are the normal ones
    z = 1.959963984540054
    np.testing.assert_allclose(res.summary["upper"], [0.3 + z * 0.1**0.5, 2.0 + z * 0.2**0.5])


@pytest.mark.parametrize(
    ("Q", "V", "match"),
    [
        ([[1.0]], [[0.1]], "at least m = 2"),
        ([1.0, 2.0], [0.1, 0.2], "shape \\(m, p\\)"),
        ([[1.0], [2.0]], [[0.1, 0.2]], "variances must have shape"),
    ],
)
def test_bad_shapes(Q: list, V: list, match: str) -> None:
    with pytest.raises(ModelError, match=match):
        rubin_pool(Q, V)
