"""Exact inversion of piecewise-modulated cumulative hazards vs scipy quadrature + root finding."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq

from ppprog.simulate._invert import cumhaz_piecewise, invert_monotone, invert_piecewise
from ppprog.simulate.hazards import (
    Exponential,
    Gompertz,
    PiecewiseConstant,
    UserHazard,
    Weibull,
)

HAZARDS = [
    Exponential(0.3),
    Weibull(0.572, 8.72),
    Weibull(1.8, 5.0),
    Gompertz(0.05, 0.02),
    PiecewiseConstant((2.0, 5.0, 9.0), (0.1, 0.4, 0.0, 0.2)),
]


def _oracle_H(h, breaks, log_mult, t):
    """Integrate the modulated hazard with scipy quad, segment by segment."""
    edges = np.concatenate([[0.0], breaks, [np.inf]])
    total = 0.0
    for k in range(len(edges) - 1):
        a, b = edges[k], min(edges[k + 1], t)
        if b <= a:
            break
        pts = [p for p in getattr(h, "breaks", ()) if a < p < b] or None
        val, _ = quad(
            lambda s: float(h.hazard(np.array([s]))[0]),
            a,
            b,
            points=pts,
            limit=200,
            epsabs=1e-13,
            epsrel=1e-12,
        )
        total += np.exp(log_mult[k]) * val
    return total


def _oracle_gap(t, h, breaks, log_mult, target):
    return _oracle_H(h, breaks, log_mult, t) - target


def _oracle_gap(t, h, breaks, log_mult, target):
    return _oracle_H(h, breaks, log_mult, t) - target


@pytest.mark.parametrize("h", HAZARDS, ids=lambda h: h.kind + str(h.to_dict()))
def test_inversion_matches_quadrature_root(h):
    rng = np.random.default_rng(np.random.SeedSequence(41))
    for _ in range(6):
        breaks = np.sort(rng.uniform(0.2, 12.0, size=3))
        breaks[2] = np.inf if rng.random() < 0.5 else breaks[2]
        log_mult = rng.normal(0.0, 0.7, size=4)
        target = -np.log1p(-rng.random())
        t = invert_piecewise(np.array([target]), breaks[None], log_mult[None], h.cumhaz, h.inverse)[
            0
        ]
        # H computed by the kernel equals the target
        Hk = cumhaz_piecewise(np.array([t]), breaks[None], log_mult[None], h.cumhaz)[0, 0]
        assert Hk == pytest.approx(target, rel=1e-10)
        # independent oracle: quadrature of the hazard and a root finder
        root = brentq(_oracle_gap, 1e-12, 1e4, args=(h, breaks, log_mult, target), xtol=1e-12)
        assert t == pytest.approx(root, rel=1e-7, abs=1e-9)


def test_piecewise_zero_final_rate_gives_never():
    h = PiecewiseConstant((1.0,), (0.5, 0.0))  # total cumulative hazard 0.5
    t = invert_piecewise(
        np.array([0.25, 0.6]), np.full((2, 1), np.inf), np.zeros((2, 2)), h.cumhaz, h.inverse
    )
    assert t[0] == pytest.approx(0.5, rel=1e-14)
    assert t[1] == np.inf


def test_gompertz_negative_shape_has_cure_limit():
    h = Gompertz(-0.1, 0.05)  # H(inf) = 0.5
    t = h.inverse(np.array([0.1, 0.49, 0.6]))
    assert np.isfinite(t[:2]).all()
    assert t[2] == np.inf
    np.testing.assert_allclose(h.cumhaz(t[:2]), [0.1, 0.49], rtol=1e-12)


def test_user_hazard_bisection_matches_closed_form():
    w = Weibull(1.3, 4.0)
    u = UserHazard(lambda t: (t / 4.0) ** 1.3)
    y = np.array([0.0, 0.01, 1.0, 7.5])
    np.testing.assert_allclose(u.inverse(y), w.inverse(y), rtol=1e-11)
    np.testing.assert_allclose(invert_monotone(w.cumhaz, y), w.inverse(y), rtol=1e-11)


def test_zero_multiplier_segment_is_skipped():
    h = Exponential(1.0)
    # no hazard on [1, 3): a target of 1.5 is reached at 3.5
    t = invert_piecewise(
        np.array([1.5]),
        np.array([[1.0, 3.0]]),
        np.array([[0.0, -np.inf, 0.0]]),
        h.cumhaz,
        h.inverse,
    )
    assert t[0] == pytest.approx(3.5, rel=1e-14)


def test_batch_shape_and_infinite_target():
    h = Weibull(0.8, 2.0)
    rng = np.random.default_rng(np.random.SeedSequence(5))
    tgt = -np.log1p(-rng.random((3, 7)))
    tgt[0, 0] = np.inf
    br = np.sort(rng.uniform(0, 5, (3, 7, 2)), axis=-1)
    lm = rng.normal(size=(3, 7, 3))
    t = invert_piecewise(tgt, br, lm, h.cumhaz, h.inverse)
    assert t.shape == (3, 7)
    assert t[0, 0] == np.inf
    # each element equals the 1-subject computation (no coupling across the batch)
    for i in range(3):
        for j in range(7):
            one = invert_piecewise(
                tgt[i, j][None], br[i, j][None], lm[i, j][None], h.cumhaz, h.inverse
            )
            assert one[0] == t[i, j]


def _array_inversion(target, breaks, log_mult, cumhaz, inverse):
    """The inversion as whole-array numpy expressions (the pre-compiled formulation)."""
    cap = 1e250
    shape = breaks.shape[:-1] + (1,)
    h_inf = min(float(cumhaz(np.array([np.inf]))[0]), cap)
    h_edges = np.concatenate(
        [np.zeros(shape), np.minimum(cumhaz(breaks), cap), np.full(shape, h_inf)], axis=-1
    )
    mult = np.exp(log_mult)
    after = np.cumsum(mult * np.diff(h_edges, axis=-1), axis=-1)
    before = np.concatenate([np.zeros(shape), after[..., :-1]], axis=-1)
    nseg = after.shape[-1]
    k = np.sum(after < target[..., None], axis=-1)
    never = (k >= nseg) | ~(target < cap)
    kk = np.minimum(k, nseg - 1)[..., None]

    def pick(a):
        return np.take_along_axis(a, kk, axis=-1)[..., 0]

    mk = np.where(never, 1.0, pick(mult))
    with np.errstate(all="ignore"):
        arg = np.where(never, 0.0, pick(h_edges[..., :-1]) + (np.where(never, 0.0, target)
                                                               - pick(before)) / mk)
    t = inverse(arg)
    nb = breaks.shape[-1]
    if nb:
        lo = np.where(kk[..., 0] > 0, np.take_along_axis(breaks, np.maximum(kk - 1, 0), -1)[..., 0], 0.0)
        hi = np.where(kk[..., 0] < nb, np.take_along_axis(breaks, np.minimum(kk, nb - 1), -1)[..., 0],
                      np.inf)
        t = np.minimum(np.maximum(t, lo), hi)
    return np.where(never, np.inf, t)


@pytest.mark.parametrize("nb", [0, 1, 2, 4])
@pytest.mark.parametrize("h", HAZARDS + [Gompertz(-0.5, 0.4)], ids=lambda h: h.kind + str(h.to_dict()))
def test_compiled_inversion_equals_the_array_formulation_bit_for_bit(h, nb):
    """Infinite and zero targets, inf-padded breaks and zero multipliers included."""
    rng = np.random.default_rng(nb)
    R, n = 3, 200
    target = -np.log1p(-rng.random((R, n)))
    target[:, :4], target[:, 4:6], target[:, 6:8] = np.inf, 0.0, 1e300
    breaks = np.sort(rng.exponential(4.0, (R, n, nb)), axis=-1)
    if nb:
        breaks[:, ::3, -1] = np.inf
    log_mult = rng.normal(0.0, 1.0, (R, n, nb + 1))
    log_mult[:, ::7, -1] = -np.inf
    log_mult[:, ::11, 0] = -np.inf
    want = _array_inversion(target, breaks, log_mult, h.cumhaz, h.inverse)
    got = invert_piecewise(target, breaks, log_mult, h.cumhaz, h.inverse)
    np.testing.assert_array_equal(got.view(np.int64), want.view(np.int64))
