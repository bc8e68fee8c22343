"""Monotone likelihood with a single exposed subject whose event comes first.

The partial likelihood then increases without bound in the coefficient of the
exposure (the exposed subject is in every risk set only until its own event,
which is the earliest one), so no finite estimate exists. An earlier kernel
stopped after one Newton step at beta = 113.6 with SE 5e9 and reported
"converged"; the study runner averaged that estimate into a headline. R's
``coxph`` warns "coefficient may be infinite" on these data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ppprog.models.cox import cox_ph
from ppprog.models.cox_batch import cox_ph_batch
from ppprog.models.status import FitStatus


def _cohort(seed: int, first: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = 128
    t = rng.exponential(8.0, n).clip(max=24.0)
    e = (t < 24.0) & (rng.random(n) < 0.8)
    x = np.zeros(n)
    x[np.argsort(np.where(e, t, np.inf))[0 if first else 1]] = 1.0
    return t, e, x


@pytest.mark.parametrize("seed", range(12))
def test_single_exposed_first_event_is_monotone(seed: int) -> None:
    t, e, x = _cohort(seed, first=True)
    fit = cox_ph_batch(x[None, :, None], t[None], e[None], ties="efron")
    assert fit.status[0] == FitStatus.MONOTONE_LIKELIHOOD
    assert fit.params[0, 0] == np.inf
    assert np.isnan(fit.se[0, 0])
    frame = pd.DataFrame({"t": t, "e": e.astype(int), "x": x})
    with pytest.warns(Warning, match="monotone"):
        single = cox_ph(frame, duration="t", event="e", covariates=["x"])
    assert single.params["x"] == np.inf


@pytest.mark.parametrize("seed", range(12))
def test_single_exposed_second_event_has_a_finite_maximum(seed: int) -> None:
    # The exposed subject survives the first event (a negative score term), so
    # the maximum is finite: converged, finite SE, score zero at the estimate.
    t, e, x = _cohort(seed, first=False)
    fit = cox_ph_batch(x[None, :, None], t[None], e[None], ties="efron")
    assert fit.status[0] == FitStatus.CONVERGED
    assert np.isfinite(fit.params[0, 0])
    assert 0.1 < fit.se[0, 0] < 10.0
