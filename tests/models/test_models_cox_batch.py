"""cox_ph_batch: equal to cox_ph per replicate, statuses, frames, invariances."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ppprog._core.errors import ModelError
from ppprog.models.cox import cox_ph
from ppprog.models.cox_batch import cox_ph_batch, cox_ph_batch_frame
from ppprog.models.status import FitStatus


def replicates(seed: int, R: int = 6, n: int = 60, p: int = 3, *, ties: bool = False,
               entry: bool = False):  # fmt: skip
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    X = rng.normal(size=(R, n, p))
    t = rng.exponential(size=(R, n)) * np.exp(-X @ np.linspace(0.5, -0.4, p))
    c = rng.exponential(scale=2.0, size=(R, n))
    stop = np.minimum(t, c)
    if ties:
        stop = np.ceil(stop * 4) / 4
    ev = (t <= c).astype(float)
    start = stop * rng.uniform(0, 0.9, size=(R, n)) * (rng.random((R, n)) < 0.5) if entry else None
    return X, stop, ev, start


def frame(X, stop, ev, start=None, strata=None) -> pd.DataFrame:
    df = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])]).assign(t=stop, e=ev)
    if start is not None:
        df["s"] = start
    if strata is not None:
        df["g"] = strata
    return df


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("entry", [False, True])
@pytest.mark.parametrize("strata", [False, True])
def test_batch_equals_single_bitwise(ties, entry, strata):
    X, stop, ev, start = replicates(1, ties=True, entry=entry)
    g = (
        np.random.default_rng(np.random.SeedSequence(2)).integers(0, 2, size=stop.shape)
        if strata
        else None
    )
    out = cox_ph_batch(X, stop, ev, start=start, strata=g, ties=ties)
    assert out.converged.all()
    for r in range(X.shape[0]):
        one = cox_ph(frame(X[r], stop[r], ev[r], None if start is None else start[r],
                           None if g is None else g[r]),
                     duration="t", event="e", covariates=["x0", "x1", "x2"], ties=ties,
                     start="s" if entry else None, strata="g" if strata else None)  # fmt: skip
        assert np.array_equal(one.params.to_numpy(), out.params[r])
        assert np.array_equal(one.se.to_numpy(), out.se[r])
        assert one.loglik == out.loglik[r]
        assert one.loglik_null == out.loglik_null[r]
        assert one.n_iter == out.n_iter[r]


def test_mixed_statuses_never_warn():
    X, stop, ev, _ = replicates(3, R=4, n=30, p=2)
    X[1, :, 1] = 1.5  # constant column
    ev[2] = 0  # no events
    X[3, :, 0] = 0.0
    order = np.argsort(stop[3])
    X[3, order[:5], 0] = 1.0  # the five earliest rows, all with x0=1, die; nobody else does
    ev[3, order[:5]] = 1
    ev[3, order[5:]] = 0
    out = cox_ph_batch(X, stop, ev, names=["a", "b"])
    assert out.status.tolist() == [FitStatus.CONVERGED, FitStatus.SINGULAR_INFORMATION,
                                   FitStatus.NO_EVENTS, FitStatus.MONOTONE_LIKELIHOOD]  # fmt: skip
    assert out.outcome(1).covariates == ("b",)
    assert out.outcome(3).covariates == ("a",)
    assert out.outcome(3).directions == (1,)
    assert out.params[3, 0] == np.inf
    s = out.summary
    assert len(s) == 8
    assert list(s.columns) == [
        "replicate",
        "covariate",
        "coef",
        "se",
        "z",
        "p",
        "lower",
        "upper",
        "status",
    ]
    assert s["status"].tolist()[6:] == ["monotone_likelihood"] * 2


def test_frame_front_end_pads_unequal_replicates():
    X, stop, ev, start = replicates(4, R=3, n=40, entry=True)
    sizes = [40, 25, 33]
    parts = [frame(X[r, :k], stop[r, :k], ev[r, :k], start[r, :k]).assign(rep=f"r{r}")
             for r, k in enumerate(sizes)]  # fmt: skip
    long = pd.concat(parts[::-1], ignore_index=True)
    out = cox_ph_batch_frame(long, replicate="rep", duration="t", event="e",
                             covariates=["x0", "x1", "x2"], start="s")  # fmt: skip
    assert out.n.tolist() == sizes
    for r, k in enumerate(sizes):
        one = cox_ph_batch(
            X[r : r + 1, :k], stop[r : r + 1, :k], ev[r : r + 1, :k], start=start[r : r + 1, :k]
        )
        assert np.array_equal(one.params[0], out.params[r])


def test_batch_validation():
    X, stop, ev, _ = replicates(5, R=2, n=10)
    with pytest.raises(ModelError, match="shape"):
        cox_ph_batch(X, stop[:, :5], ev)
    bad = stop.copy()
    bad[0, 3] = np.nan
    with pytest.raises(ModelError, match="time has missing"):
        cox_ph_batch(X, bad, ev)
    mask = np.ones_like(ev, bool)
    mask[0, 3] = False
    assert cox_ph_batch(X, bad, ev, mask=mask).n.tolist() == [9, 10]


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(8, 40), tied=st.booleans(),
       entry=st.booleans(), shift=st.floats(-50, 50), scale=st.floats(0.01, 100))  # fmt: skip
def test_invariances(seed, n, tied, entry, shift, scale):
    X, stop, ev, start = replicates(seed, R=1, n=n, p=2, ties=tied, entry=entry)
    ev[0, 0] = 1.0
    base = cox_ph_batch(X, stop, ev, start=start)
    if not base.converged[0]:
        return
    perm = np.random.default_rng(np.random.SeedSequence(seed)).permutation(n)
    permuted = cox_ph_batch(X[:, perm], stop[:, perm], ev[:, perm],
                            start=None if start is None else start[:, perm])  # fmt: skip
    shifted = cox_ph_batch(X + np.array([shift, 0.0]), stop, ev, start=start)
    scaled = cox_ph_batch(X, stop * scale, ev, start=None if start is None else start * scale)
    for other in (permuted, shifted, scaled):
        assert other.status[0] == FitStatus.CONVERGED
        np.testing.assert_allclose(other.params, base.params, rtol=1e-7, atol=1e-8)
        np.testing.assert_allclose(other.se, base.se, rtol=1e-6)


def test_parallel_is_bitwise_serial():
    X, stop, ev, start = replicates(6, R=16, n=40, ties=True, entry=True)
    a = cox_ph_batch(X, stop, ev, start=start)
    b = cox_ph_batch(X, stop, ev, start=start, parallel=True)
    for name in ("params", "se", "loglik", "loglik_null", "n_iter", "status"):
        assert np.array_equal(getattr(a, name), getattr(b, name))
