"""cox.zph (survival >= 3.0 score test): R's closed forms, a likelihood oracle, properties.

lifelines' ``proportional_hazard_test`` implements the pre-3.0 approximation
(scaled Schoenfeld residuals with the model variance), so it is not a reference.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from _oracles_cox_post import make_data, zph_oracle
from hypothesis import given
from hypothesis import strategies as st

from ppprog.models._kernels.zph import cox_zph

# test1 of therneau/survival tests/zph.R (the row with status NA removed, as R's
# na.action does).  tests/zph.Rout.save checks cox.zph's table against the score
# test written in closed form from the MLE r = exp(beta); the same forms are here.
T1_TIME = np.array([9, 1, 1, 6, 6, 8], dtype=float)
T1_STATUS = np.array([1, 1, 0, 1, 1, 0])
T1_X = np.array([[0], [1], [1], [1], [0], [0]], dtype=float)
DEATH_G = np.array([1.0, 6.0, 6.0, 9.0])  # event times, one per event


def _closed_form_test(g, U, imat):
    u2 = np.array([U.sum(), (g * U).sum()])
    i2 = np.array([[imat.sum(), (g * imat).sum()], [(g * imat).sum(), (g * g * imat).sum()]])
    return u2 @ np.linalg.solve(i2, u2)


def _breslow_r():
    r = (3 + np.sqrt(33)) / 2
    U = np.array([1 / (r + 1), 3 / (r + 3), -r / (r + 3), 0.0])
    imat = np.array([r / (r + 1) ** 2, 3 * r / (r + 3) ** 2, 3 * r / (r + 3) ** 2, 0.0])
    return r, U, imat


def _efron_r():
    phi = np.arccos((45 / 23) * np.sqrt(3 / 23))
    r = 2 * np.sqrt(23 / 3) * np.cos(phi / 3)
    U = np.array([1 / (r + 1), 3 / (r + 3), -r / (r + 5), 0.0])
    imat = np.array([r / (r + 1) ** 2, 3 * r / (r + 3) ** 2, 5 * r / (r + 5) ** 2, 0.0])
    return r, U, imat


@pytest.mark.parametrize("start", [None, np.zeros(6)])
def test_r_closed_form_breslow_identity_and_log(start):
    r, U, imat = _breslow_r()
    for transform, g in [("identity", DEATH_G), ("log", np.log(DEATH_G))]:
        want = _closed_form_test(g - g.mean(), U, imat)
        z = cox_zph(
            start, T1_TIME, T1_STATUS, T1_X, [np.log(r)], ties="breslow", transform=transform
        )
        assert z.chisq[0] == pytest.approx(want, rel=1e-12)
        assert z.global_chisq == pytest.approx(want, rel=1e-12)
        assert (z.df[0], z.global_df) == (1, 1)


@pytest.mark.parametrize("start", [None, np.zeros(6)])
def test_r_closed_form_efron_log(start):
    r, U, imat = _efron_r()
    g = np.log(DEATH_G)
    want = _closed_form_test(g - g.mean(), U, imat)
    z = cox_zph(start, T1_TIME, T1_STATUS, T1_X, [np.log(r)], ties="efron", transform="log")
    assert z.chisq[0] == pytest.approx(want, rel=1e-12)


def test_r_artificial_strata_double_the_test():
    # tests/zph.R: test2 <- rbind(test1, test1) with strata(group): sctest doubles
    r, U, imat = _efron_r()
    g = np.log(DEATH_G)
    want = 2 * _closed_form_test(g - g.mean(), U, imat)
    z = cox_zph(
        np.zeros(12),
        np.r_[T1_TIME, T1_TIME],
        np.r_[T1_STATUS, T1_STATUS],
        np.r_[T1_X, T1_X],
        [np.log(r)],
        strata=np.repeat(["a", "b"], 6),
        transform="log",
    )
    assert z.chisq[0] == pytest.approx(want, rel=1e-12)


CASES = (
    [
        (ties, entry, strata, tr)
        for (ties, entry, strata), tr in zip(
            itertools.product(["efron", "breslow"], [False, True], [False, True]),
            itertools.cycle(["km", "identity", "rank", "log"]),
            strict=False,
        )
    ]
    + [("efron", True, True, tr) for tr in ["identity", "rank", "log"]]
    + [("breslow", False, False, "km")]
)


@pytest.mark.parametrize(("ties", "entry", "strata", "transform"), CASES)
def test_matches_score_test_of_time_varying_term(ties, entry, strata, transform):
    start, stop, event, X, s = make_data(31, 30, ties=True, entry=entry, strata=strata)
    beta = np.array([0.5, -0.3])
    z = cox_zph(start, stop, event, X, beta, strata=s, ties=ties, transform=transform)
    chisq, glob = zph_oracle(start, stop, event, X, beta, s, ties, transform)
    np.testing.assert_allclose(z.chisq, chisq, rtol=1e-6)
    assert z.global_chisq == pytest.approx(glob, rel=1e-6)
    assert z.global_df == 2
    np.testing.assert_array_equal(z.df, [1, 1])


def test_unknown_transform():
    with pytest.raises(ValueError, match="transform"):
        cox_zph(None, T1_TIME, T1_STATUS, T1_X, [0.1], transform="sqrt")


def test_constant_covariate_gives_nan_not_error():
    X = np.c_[T1_X, np.ones(6)]
    z = cox_zph(None, T1_TIME, T1_STATUS, X, [0.2, 0.0], transform="identity")
    assert np.isnan(z.global_chisq)


@given(seed=st.integers(0, 10_000), transform=st.sampled_from(["km", "identity", "rank", "log"]))
def test_row_order_and_shift_invariance(seed, transform):
    start, stop, event, X, s = make_data(seed, 25, ties=True, entry=True, strata=True)
    if event.sum() < 3:
        return
    beta = np.array([0.4, 0.1])
    a = cox_zph(start, stop, event, X, beta, strata=s, transform=transform)
    perm = np.random.default_rng(np.random.SeedSequence(seed)).permutation(25)
    b = cox_zph(
        start[perm],
        stop[perm],
        event[perm],
        X[perm] + 3.0,
        beta,
        strata=s[perm],
        transform=transform,
    )
    np.testing.assert_allclose(a.chisq, b.chisq, rtol=1e-9, atol=1e-12)
    assert a.global_chisq == pytest.approx(b.global_chisq, rel=1e-9, abs=1e-12)
