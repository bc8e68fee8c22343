"""Closed forms from the appendix of Therneau & Grambsch (2000), as R survival tests them.

Sources (R package survival, repository therneau/survival): ``tests/book1.R``
(data set 1, Breslow), ``tests/book2.R`` (data set 1, Efron), ``tests/book3.R``
(data set 2, counting process, Breslow) and ``tests/book4.R`` (data set 2,
Efron, and the three-strata reprise). The log-likelihood, score and
information below are the hand-derived formulas of those files, re-typed; the
MLE is the root of the score, found here with ``scipy.optimize.brentq`` (or the
closed form where the file gives one).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq

from ppprog.models.cox import cox_ph

# Data set 1 without its row of missing status (R drops it with na.exclude).
TEST1 = pd.DataFrame(
    {"time": [9, 1, 1, 6, 6, 8], "status": [1, 1, 0, 1, 1, 0], "x": [0, 1, 1, 1, 0, 0]}
)
TEST2 = pd.DataFrame({
    "start": [1, 2, 5, 2, 1, 7, 3, 4, 8, 8], "stop": [2, 3, 6, 7, 8, 9, 9, 9, 14, 17],
    "event": [1, 1, 1, 1, 1, 1, 1, 0, 0, 0], "x": [1, 0, 0, 1, 0, 1, 1, 1, 0, 0],
})  # fmt: skip


def book1(b):
    r = math.exp(b)
    return (2 * b - (math.log(3 * r + 3) + 2 * math.log(r + 3)),
            (6 + 3 * r - r**2) / ((r + 1) * (r + 3)), r / (r + 1) ** 2 + 6 * r / (r + 3) ** 2)  # fmt: skip


def book2(b):
    r = math.exp(b)

    def t(v):
        return v - v * v

    return (2 * b - (math.log(3 * r + 3) + math.log((r + 5) / 2) + math.log(r + 3)),
            (30 + 23 * r - r**3) / ((r + 1) * (r + 3) * (r + 5)),
            t(r / (r + 1)) + t(r / (r + 5)) + t(r / (r + 3)))  # fmt: skip


def book3(b):
    r = math.exp(b)
    ll = (
        4 * b
        - math.log(r + 1)
        - math.log(r + 2)
        - 3 * math.log(3 * r + 2)
        - 2 * math.log(3 * r + 1)
    )
    u = (
        1 / (r + 1)
        + 1 / (3 * r + 1)
        + 4 / (3 * r + 2)
        - (r / (r + 2) + 3 * r / (3 * r + 2) + 3 * r / (3 * r + 1))
    )
    i = (r / (r + 1) ** 2 + 2 * r / (r + 2) ** 2 + 6 * r / (3 * r + 2) ** 2 + 3 * r / (3 * r + 1) ** 2
         + 3 * r / (3 * r + 1) ** 2 + 12 * r / (3 * r + 2) ** 2)  # fmt: skip
    return ll, u, i


def book4(b):
    r = math.exp(b)
    ll = 4 * b - (math.log(r + 1) + math.log(r + 2) + 2 * math.log(3 * r + 2)
                  + 2 * math.log(3 * r + 1) + math.log(2 * r + 2))  # fmt: skip
    u = (1 / (r + 1) + 1 / (3 * r + 1) + 2 * (1 / (3 * r + 2) + 1 / (2 * r + 2))
         - (r / (r + 2) + 3 * r / (3 * r + 2) + 3 * r / (3 * r + 1)))  # fmt: skip
    i = r * (1 / (r + 1) ** 2 + 2 / (r + 2) ** 2 + 6 / (3 * r + 2) ** 2 + 6 / (3 * r + 1) ** 2
             + 6 / (3 * r + 2) ** 2 + 4 / (2 * r + 2) ** 2)  # fmt: skip
    return ll, u, i


CASES = {
    "book1": (TEST1, None, "breslow", book1),
    "book2": (TEST1, None, "efron", book2),
    "book3": (TEST2, "start", "breslow", book3),
    "book4": (TEST2, "start", "efron", book4),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_appendix_closed_forms(case):
    data, start, ties, truth = CASES[case]
    fit = cox_ph(data, duration=data.columns[1] if start else "time", event=data.columns[2] if start else "status",
                 covariates="x", start=start, ties=ties)  # fmt: skip
    beta = brentq(lambda b: truth(b)[1], -5, 5, xtol=1e-15)
    ll, _, info = truth(beta)
    assert fit.status.converged
    assert fit.params["x"] == pytest.approx(beta, abs=1e-9)
    assert fit.se["x"] == pytest.approx(1 / math.sqrt(info), rel=1e-8)
    assert fit.loglik == pytest.approx(ll, rel=1e-12)
    assert fit.loglik_null == pytest.approx(truth(0.0)[0], rel=1e-12)
    assert fit.tests.loc["score", "statistic"] == pytest.approx(
        truth(0.0)[1] ** 2 / truth(0.0)[2], rel=1e-10
    )


def test_book1_breslow_root_in_closed_form():
    # score numerator 6 + 3r - r^2 = 0
    fit = cox_ph(TEST1, duration="time", event="status", covariates="x", ties="breslow")
    assert fit.params["x"] == pytest.approx(math.log((3 + math.sqrt(33)) / 2), abs=1e-10)


def test_book2_efron_closed_form_and_r_print():
    fit = cox_ph(TEST1, duration="time", event="status", covariates="x")
    true = math.log(math.cos(math.acos((45 / 23) * math.sqrt(3 / 23)) / 3) * 2 * math.sqrt(23 / 3))
    assert fit.params["x"] == pytest.approx(true, abs=1e-10)
    assert round(fit.params["x"], 6) == 1.676857  # R: aeq(round(fit$coefficients,6), 1.676857)


@pytest.mark.parametrize(("ties", "truth"), [("breslow", book3), ("efron", book4)])
def test_book4_three_strata_reprise(ties, truth):
    # Copies shifted in time per stratum: wrong risk sets if strata leaked into each other.
    parts = []
    for g in (1, 2, 3):
        part = TEST2.copy()
        part["start"] += g
        part["stop"] += g
        part["group"] = g
        parts.append(part)
    data = pd.concat(parts, ignore_index=True)
    fit = cox_ph(data, duration="stop", event="event", covariates="x", start="start",
                 strata="group", ties=ties)  # fmt: skip
    beta = brentq(lambda b: truth(b)[1], -5, 5, xtol=1e-15)
    ll, _, info = truth(beta)
    assert fit.params["x"] == pytest.approx(beta, abs=1e-9)
    assert fit.loglik == pytest.approx(3 * ll, rel=1e-12)
    assert fit.vcov.iloc[0, 0] == pytest.approx(1 / (3 * info), rel=1e-8)
    assert np.isclose(fit.loglik_null, 3 * truth(0.0)[0], rtol=1e-12)
