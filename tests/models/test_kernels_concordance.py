"""Concordance: R's counts from survival's own tests, brute force, lifelines, properties."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from _oracles_cox_post import concordance_pairs, make_data
from hypothesis import given
from hypothesis import strategies as st

from ppprog.models._kernels.concordance import concordance

# aml, "Maintained" arm, with the x column typed in tests/concordance.R of
# therneau/survival (tests/concordance.Rout.save: fit$count[1:4] == c(24, 14, 2, 0)
# for concordance(Surv(time, status) ~ x), i.e. R's default orientation in which a
# larger x should mean a longer time).
AML_TIME = np.array([9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161], dtype=float)
AML_STATUS = np.array([1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0])
AML_X = np.array([1, 6, 2, 7, 3, 7, 3, 8, 4, 4, 5], dtype=float)


def _brute(stop, event, risk, start=None, strata=None):
    counts, infl = concordance_pairs(stop, event, risk, start=start, strata=strata)
    npair = counts[:3].sum()
    somers = (counts[0] - counts[1]) / npair
    dfb = ((infl[:, 0] - infl[:, 1]) - somers * infl.sum(1)) / npair
    return counts, (somers + 1) / 2, np.sqrt(np.sum(dfb**2) / 4)


def test_r_aml_counts():
    # our orientation is coxph's (higher risk, shorter time): risk = -x
    c = concordance(AML_TIME, AML_STATUS, -AML_X)
    assert (c.concordant, c.discordant, c.tied_risk, c.tied_time) == (24, 14, 2, 0)
    # the same rows as (0, time] counting-process data (R: fit7 equals fit)
    c7 = concordance(AML_TIME, AML_STATUS, -AML_X, start=np.zeros(11))
    assert c7 == c


def test_r_aml_split_rows_give_same_risk_sets():
    # tdata2 of tests/concordance.R: the aml rows split into several (start, stop]
    # intervals with the same risk sets; R checks fit8$count == fit5$count (weighted
    # there); unweighted, the counts must equal the unsplit data's.
    time1 = np.array([0, 3, 5, 6, 7, 0, 4, 17, 7, 0, 16, 2, 0, 0, 9, 5], dtype=float)
    time2 = np.array([3, 9, 13, 7, 13, 18, 17, 23, 28, 16, 31, 34, 45, 9, 48, 60], dtype=float)
    status = np.array([0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0])
    x = np.array([1, 1, 6, 2, 2, 7, 3, 3, 7, 3, 3, 8, 4, 4, 4, 5], dtype=float)
    split = concordance(time2, status, x, start=time1)
    # the unsplit equivalent: last interval of each subject, entry 0
    last = [1, 2, 4, 5, 7, 8, 10, 11, 12, 14, 15]
    whole = concordance(time2[last], status[last], x[last])
    assert split.concordant == whole.concordant
    assert split.discordant == whole.discordant
    assert split.tied_risk == whole.tied_risk
    counts, c, se = _brute(time2, status, x, start=time1)
    assert (split.concordant, split.discordant, split.tied_risk) == tuple(counts[:3])
    assert split.c_index == pytest.approx(c, abs=1e-14)
    assert split.std_err == pytest.approx(se, abs=1e-14)


def test_r_lung_ecog_counts():
    # tests/concordance.Rout.save: concordance(Surv(time, status) ~ ph.ecog, lung,
    # reverse=TRUE)$count[1:5] == c(8392, 4258, 7137, 21, 7); reverse=TRUE is our
    # orientation.  lung is shipped with lifelines (status recoded 0/1; the row with
    # missing ph.ecog dropped, as R's na.action does).
    from lifelines.datasets import load_lung

    d = load_lung().dropna(subset=["ph.ecog"])
    c = concordance(d["time"].to_numpy(float), d["status"].to_numpy(), d["ph.ecog"].to_numpy(float))
    got = (c.concordant, c.discordant, c.tied_risk, c.tied_time, c.tied_both)
    assert got == (8392, 4258, 7137, 21, 7)
    counts, cidx, se = _brute(
        d["time"].to_numpy(float), d["status"].to_numpy(), d["ph.ecog"].to_numpy(float)
    )
    assert c.c_index == pytest.approx(cidx, abs=1e-14)
    assert c.std_err == pytest.approx(se, abs=1e-14)


def test_r_lots_of_ties_by_hand():
    # tests/concordance.R "Lots of ties": tempy, tempx; R checks the counts against
    # its allpair() brute force.  Our orientation: risk = -x.  Counted by hand:
    # events at 1 (x=5), 2 (x=4, x=4), 3 (x=3), 4 (x=7, x=6).
    time = np.array([1, 2, 2, 2, 3, 4, 4, 4, 5, 2], dtype=float)
    status = np.array([1, 0, 1, 0, 1, 0, 1, 1, 0, 1])
    x = np.array([5, 5, 4, 4, 3, 3, 7, 6, 5, 4], dtype=float)
    c = concordance(time, status, -x)
    # t=1, x=5 vs the 9 later rows (x 5,4,4,3,3,7,6,5,4): longer time with larger x
    #   is concordant in R's orientation: 7,6 -> 2; smaller: 4,4,3,3,4 -> 5; tied 5,5 -> 2
    # t=2 (two events, x=4 each) vs rows outliving them (censored at 2 with x 5, 4;
    #   times 3..5 with x 3,3,7,6,5): per event larger 5,7,6,5 -> 4; smaller 3,3 -> 2;
    #   tied 4 -> 1; the two events tie on time and x (tied_both = 1)
    # t=3, x=3 vs times 4, 5 (x 3,7,6,5): larger 3, tied 1
    # t=4: x=7 and x=6 vs the row censored at 4 (x=3, still at risk: R's convention)
    #   and the row at 5 (x=5): all smaller -> 4; the two events tie on time -> 1
    assert (c.concordant, c.discordant, c.tied_risk) == (2 + 8 + 3, 5 + 4 + 4, 2 + 2 + 1)
    assert (c.tied_time, c.tied_both) == (1, 1)
    counts, cidx, se = _brute(time, status, -x)
    assert c.c_index == pytest.approx(cidx, abs=1e-14)
    assert c.std_err == pytest.approx(se, abs=1e-14)
    assert c.c_index == pytest.approx((13 + 5 / 2) / (13 + 13 + 5), abs=1e-14)


@pytest.mark.parametrize(
    ("ties", "entry", "strata"), list(itertools.product([False, True], repeat=3))
)
def test_matches_brute_force(ties, entry, strata):
    start, stop, event, X, s = make_data(21, 60, ties=ties, entry=entry, strata=strata)
    risk = np.round(X[:, 0], 1) if ties else X[:, 0]
    c = concordance(stop, event, risk, strata=s, start=start)
    counts, cidx, se = _brute(stop, event, risk, start=start, strata=s)
    got = (c.concordant, c.discordant, c.tied_risk, c.tied_time, c.tied_both)
    assert got == tuple(counts)
    assert c.c_index == pytest.approx(cidx, abs=1e-13)
    assert c.std_err == pytest.approx(se, abs=1e-13)


def test_cluster_sums_influence_before_squaring():
    start, stop, event, X, _ = make_data(23, 40, ties=True, entry=True)
    risk = np.round(X[:, 0], 1)
    cluster = np.arange(40) // 4
    c = concordance(stop, event, risk, start=start, cluster=cluster)
    counts, infl = concordance_pairs(stop, event, risk, start=start)
    npair = counts[:3].sum()
    somers = (counts[0] - counts[1]) / npair
    dfb = ((infl[:, 0] - infl[:, 1]) - somers * infl.sum(1)) / npair
    by_cluster = np.array([dfb[cluster == g].sum() for g in range(10)])
    assert c.std_err == pytest.approx(np.sqrt(np.sum(by_cluster**2) / 4), abs=1e-14)
    own = concordance(stop, event, risk, start=start, cluster=np.arange(40)[::-1])
    assert own.std_err == pytest.approx(concordance(stop, event, risk, start=start).std_err)
    assert own.c_index == c.c_index


def test_matches_lifelines_on_tie_free_data():
    # lifelines counts a tie in risk as 1/2 too, but treats time ties differently,
    # so compare where there are none.  Its predictions are "higher = longer".
    from lifelines.utils import concordance_index

    _, stop, event, X, _ = make_data(22, 300)
    risk = X @ np.array([0.6, -0.4])
    c = concordance(stop, event, risk)
    assert c.c_index == pytest.approx(concordance_index(stop, -risk, event), abs=1e-12)


def test_no_comparable_pair():
    c = concordance(np.array([1.0, 2.0]), np.array([0, 0]), np.array([0.1, 0.2]))
    assert np.isnan(c.c_index)
    assert np.isnan(c.std_err)
    assert c.concordant == c.discordant == 0


@given(seed=st.integers(0, 10_000), entry=st.booleans())
def test_properties(seed, entry):
    start, stop, event, X, s = make_data(seed, 30, ties=True, entry=entry, strata=True)
    risk = np.round(X[:, 0], 0)
    c = concordance(stop, event, risk, strata=s, start=start)
    if np.isnan(c.c_index):
        return
    assert 0.0 <= c.c_index <= 1.0
    flipped = concordance(stop, event, -risk, strata=s, start=start)
    assert flipped.c_index == pytest.approx(1.0 - c.c_index, abs=1e-14)
    assert flipped.std_err == pytest.approx(c.std_err, abs=1e-14)
    perm = np.random.default_rng(np.random.SeedSequence(seed)).permutation(30)
    permuted = concordance(
        stop[perm],
        event[perm],
        risk[perm],
        strata=s[perm],
        start=None if start is None else start[perm],
    )
    assert permuted.c_index == pytest.approx(c.c_index, abs=1e-14)
    assert permuted.std_err == pytest.approx(c.std_err, abs=1e-14)
