"""The fused Cox pass, its sort and transcendental helpers, and the threaded Newton loop."""

from __future__ import annotations

import itertools
import threading

import numpy as np
import pytest
from tests.models._oracles_cox import oracle_cox
from tests.models.test_kernels_cox import batch, make

from ppprog.models._kernels.cox_pass import loglik_at
from ppprog.models._kernels.design import CoxDesign, sort_orders
from ppprog.models._kernels.newton import default_parallel, newton_fit
from ppprog.models._kernels.vecmath import exp_into, log_into

OPTIONS = list(itertools.product(["efron", "breslow"], [False, True], [False, True], [False, True]))


@pytest.mark.parametrize(("ties", "tied", "entry", "strata"), OPTIONS)
def test_pass_matches_oracle(ties, tied, entry, strata):
    X, start, stop, event, s = make(31, p=3, ties=tied, entry=entry, strata=strata)
    beta = np.array([0.3, -0.7, 0.4])
    d = CoxDesign.from_arrays(X[None], stop[None], event[None], start=batch(start),
                              strata=batch(s))  # fmt: skip
    ll, u, info = loglik_at(d.X, d.stop, d.start, d.event, d.strata, d.mask, d.has_start,
                            d.has_strata, ties == "efron", beta[None])  # fmt: skip
    oll, ou, oinfo = oracle_cox(X, stop, event, beta, start=start, strata=s, ties=ties)
    np.testing.assert_allclose(ll[0], oll, rtol=1e-13)
    np.testing.assert_allclose(u[0], ou, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(info[0], oinfo, rtol=1e-11, atol=1e-12)


def test_exp_and_log_within_two_ulp():
    rng = np.random.default_rng(np.random.SeedSequence(41))
    x = np.concatenate([-rng.exponential(5.0, 5000), rng.uniform(-708, 700, 5000), [0.0, -708.0]])
    out, ib = np.empty_like(x), np.empty(x.size, np.int64)
    exp_into(x, 0.0, out, ib, x.size)
    ref = np.exp(x)
    assert np.all(np.abs(out - ref) <= 2 * np.spacing(ref))
    exp_into(np.array([-709.0, -800.0]), 0.0, out, ib, 2)
    assert out[:2].tolist() == [0.0, 0.0]
    y = np.concatenate([np.exp(rng.uniform(-700, 700, 5000)), [1.0, 2.0, np.sqrt(2.0), 0.75]])
    ly = np.empty_like(y)
    log_into(y, ly, ib, y.size)
    ref = np.log(y)
    assert np.all(np.abs(ly - ref) <= 2 * np.spacing(np.maximum(1.0, np.abs(ref))))
    bad = np.array([0.0, -1.0, np.inf, np.nan])
    log_into(bad, ly, ib, 4)
    assert np.isnan(ly[:4]).all()


def test_sort_orders_are_stable_by_stratum_then_time():
    rng = np.random.default_rng(np.random.SeedSequence(42))
    stop = np.round(rng.normal(size=(6, 300)), 1)  # ties, negative times, -0.0 and 0.0
    stop[0, :5] = [-0.0, 0.0, -0.0, 1e-310, -1e-310]
    stop[1] = 1e9 + rng.integers(0, 40, 300) * 1e-6  # float32 keys collapse: exact fallback
    stop[2, :100] = 3e38 * np.sign(stop[2, :100])  # beyond float32 after the shift
    strata = rng.integers(0, 3, size=stop.shape)
    mask = rng.random(stop.shape) < 0.9
    for has_strata in (False, True):
        orders, counts = sort_orders(stop, strata, mask, has_strata)
        for r in range(6):
            rows = np.flatnonzero(mask[r])
            key = (strata[r, rows], stop[r, rows]) if has_strata else (stop[r, rows],)
            expected = rows[np.lexsort(key[::-1])]
            assert counts[r] == rows.size
            assert np.array_equal(orders[r, : rows.size], expected)
            assert (orders[r, rows.size :] == -1).all()


def test_threads_and_chunks_are_bitwise_serial():
    data = [make(50 + r, n=45, p=3, ties=r % 2 == 0, entry=True, strata=r % 3 == 0)
            for r in range(23)]  # fmt: skip
    X, stop, ev = (np.stack([d[k] for d in data]) for k in (0, 2, 3))
    start = np.stack([d[1] for d in data])
    s = np.stack([d[4] if d[4] is not None else np.zeros(45, np.int64) for d in data])
    design = CoxDesign.from_arrays(X, stop, ev, start=start, strata=s)
    base = newton_fit(design, parallel=False, chunk=None)
    assert (base.status == 0).sum() >= 20
    for parallel, chunk in [(False, 1), (False, 7), (True, 1), (True, 5), (True, None)]:
        other = newton_fit(design, parallel=parallel, chunk=chunk)
        for name in ("beta", "vcov", "info", "loglik", "loglik_null", "n_iter", "status",
                     "score_null", "flagged", "direction"):  # fmt: skip
            assert np.array_equal(getattr(base, name), getattr(other, name), equal_nan=True), name


def test_default_parallel_only_in_the_main_thread_of_the_main_process():
    import numba

    many = 10 * numba.get_num_threads()
    assert default_parallel(1, 10**7) is False
    assert default_parallel(many, 1000) is False  # too little work to wake the threads
    assert default_parallel(many, 10**7) is (numba.get_num_threads() > 1)
    seen = []
    t = threading.Thread(target=lambda: seen.append(default_parallel(many, 10**7)))
    t.start()
    t.join()
    assert seen == [False]


def test_newton_fit_rejects_bad_options():
    d = CoxDesign.from_arrays(np.zeros((1, 3, 1)), np.ones((1, 3)), np.ones((1, 3)))
    with pytest.raises(ValueError, match="eps"):
        newton_fit(d, eps=0.0)
    with pytest.raises(ValueError, match="chunk"):
        newton_fit(d, chunk=0)


def test_generated_passes_are_up_to_date():
    from pathlib import Path

    from ppprog.models._kernels import cox_pass_gen

    for p in cox_pass_gen.SIZES:
        path = Path(cox_pass_gen.__file__).with_name(cox_pass_gen.module_name(p))
        assert path.read_text() == cox_pass_gen.render(p)


@pytest.mark.parametrize("p", [1, 2, 3])
@pytest.mark.parametrize(("ties", "tied", "strata"),
                         list(itertools.product(["efron", "breslow"], [False, True], [False, True])))  # fmt: skip
def test_specialized_passes_equal_the_general_pass(p, ties, tied, strata):
    # the same operations in the same order; fused multiply-adds may round differently
    from ppprog.models._kernels.cox_pass import efron_pass
    from ppprog.models._kernels.cox_pass_p1 import pass_p1
    from ppprog.models._kernels.cox_pass_p2 import pass_p2
    from ppprog.models._kernels.cox_pass_p3 import pass_p3
    from ppprog.models._kernels.design import gather_replicate, sort_order_into

    special = {1: pass_p1, 2: pass_p2, 3: pass_p3}[p]
    X, _, stop, event, s = make(60 + p, n=70, p=p, ties=tied, entry=False, strata=strata)
    s = np.zeros(70, np.int64) if s is None else s
    n, q = 70, p + p * (p + 1) // 2
    order = np.empty(n, np.int64)
    m = sort_order_into(stop, s, np.ones(n, bool), strata, order)
    Z, ev, blocks = np.empty((n, q)), np.empty(n, bool), np.empty((n, 5), np.int64)
    times, start_s, sidx, summ = np.empty(n), np.empty(n), np.empty(n, np.int64), np.empty((3, p))
    nb, _ = gather_replicate(X, stop, np.zeros(n), event != 0, s, order, m, False, strata, Z, ev,
                             blocks, times, start_s, sidx, summ)  # fmt: skip
    assert (nb == m) is (not tied)  # untied data take the passes' row path, tied the block path
    beta = np.linspace(0.4, -0.3, p)
    out = []
    for general in (True, False):
        U, info, w = np.empty(p), np.empty((p, p)), np.empty(n)
        fw, ib = np.empty((3, n)), np.empty(n, np.int64)
        if general:
            ll = efron_pass(Z, m, nb, ev, blocks, times, start_s, sidx, summ[0], False,
                            ties == "efron", beta, U, info, w, np.empty(n, bool),
                            np.empty((5, q)), np.empty(p), fw, ib)  # fmt: skip
        else:
            ll = special(Z, m, nb, ev, blocks, summ[0], ties == "efron", beta, U, info, w, fw, ib)
        out.append((ll, U, info))
    assert out[0][0] == pytest.approx(out[1][0], rel=1e-14)
    np.testing.assert_allclose(out[0][1], out[1][1], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(out[0][2], out[1][2], rtol=1e-13, atol=1e-14)
