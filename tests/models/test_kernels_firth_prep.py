"""Per-replicate preparation of the Firth kernels: ordering, centring, products."""

from __future__ import annotations

import numpy as np
import pytest
from _oracles_firth import loglik_info, make_data

from ppprog.models._kernels import firth as K
from ppprog.models._kernels import firth_prep as P


def _keys(seed, n):
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    key = np.round(rng.normal(scale=3.0, size=n), 1)  # many ties, both signs
    key[rng.integers(0, n, 5)] = -np.inf  # entry times "from the origin"
    key[rng.integers(0, n, 3)] = 0.0
    key[rng.integers(0, n, 3)] = 1e300
    key[rng.integers(0, n, 3)] = -1e-300
    return key


@pytest.mark.parametrize("n", [1, 7, 95, 96, 500, 3000])
def test_order_is_the_stable_sort(n):
    # -inf entry times, +-0.0, 1e300 and -1e-300 keys: the shared radix sort's
    # float32 pre-pass collapses or overflows them, and its exact pass must fix it
    key = _keys(n, n)
    rows = P._order(key, np.zeros(n, np.int64), np.ones(n, np.bool_))
    np.testing.assert_array_equal(rows, np.argsort(key, kind="stable"))


@pytest.mark.parametrize("n", [40, 300])
def test_order_groups_strata_and_drops_masked_rows(n):
    rng = np.random.default_rng(np.random.SeedSequence([7, n]))
    stop = np.round(rng.exponential(size=n), 1)
    strata = rng.integers(-2, 3, n).astype(np.int64)  # codes need not start at 0
    mask = rng.random(n) < 0.8
    rows = P._order(stop, strata, mask)
    keep = np.flatnonzero(mask)
    ref = keep[np.lexsort((stop[keep], strata[keep]))]  # by stratum, then stop
    np.testing.assert_array_equal(strata[rows], strata[ref])
    np.testing.assert_array_equal(stop[rows], stop[ref])
    assert sorted(rows) == sorted(ref)


def test_products_centring_and_moment_maps():
    X, stop, event, start, sg = make_data(41, 120, ties=True, entry=True, strata=True)
    prep = K.prepare(X, start, stop, event.astype(bool), sg.astype(np.int64), np.ones(120, bool))
    Xs, Z, sd = prep[0], prep[1], prep[7]
    np.testing.assert_allclose(Xs.mean(axis=0), 0.0, atol=1e-14)
    np.testing.assert_allclose(sd, X.std(axis=0, ddof=1), rtol=1e-13)
    pair, tri, full = P.moment_maps(3)
    q2, q3, q = P.n_columns(3)
    assert (q2, q3, q) == (6, 10, 19) == (6, tri.shape[0], Z.shape[1])
    for j in range(3):
        for k in range(3):
            np.testing.assert_allclose(Z[:, 3 + pair[j, k]], Xs[:, j] * Xs[:, k], rtol=1e-15)
            for el in range(3):
                np.testing.assert_allclose(
                    Z[:, 3 + q2 + full[j, k, el]], Xs[:, j] * Xs[:, k] * Xs[:, el], rtol=1e-14
                )


@pytest.mark.parametrize("p", [1, 2, 3, 4, 6])
def test_pair_column_is_the_pair_map(p):
    """The evaluation's index arithmetic addresses the same columns as the maps."""
    pair = P.moment_maps(p)[0]
    for j in range(p):
        for k in range(j, p):
            assert P.pair_column(j, k, p) == pair[j, k] == pair[k, j]


def test_large_replicate_uses_the_radix_order_and_matches_the_oracle():
    """n = 150 with ties, entry times and strata: l and I as the oracle's."""
    X, stop, event, start, sg = make_data(42, 150, ties=True, entry=True, strata=True)
    prep = K.prepare(X, start, stop, event.astype(bool), sg.astype(np.int64), np.ones(150, bool))
    beta = np.array([0.2, -0.1, 0.4])
    for efron in (False, True):
        code, lpen, _, info = K.penalized_score(tuple(prep[:7]), prep[7], beta, efron, 0.0)
        ll, info_o = loglik_info(beta, X, stop, event, start, sg, efron)
        assert code == 0
        assert lpen == pytest.approx(ll, rel=1e-12)
        np.testing.assert_allclose(info, info_o, rtol=1e-10, atol=1e-12)
