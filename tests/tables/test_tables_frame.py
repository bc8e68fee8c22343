"""as_survival_data: DataFrame validation and conversion to SurvivalData."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ppprog._core.errors import ModelError
from ppprog.tables.data import SurvivalData
from ppprog.tables.frame import as_survival_data


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "t": [2.0, 3.0, 5.0, 7.0],
            "t0": [0.0, 1.0, 0.5, 2.0],
            "e": [1, 0, 2, 1],
            "x": [0.5, 1.0, 0.0, -1.0],
            "flag": [True, False, True, False],
            "site": ["b", "a", "b", "c"],
            "pid": ["p2", "p1", "p2", "p3"],
        }
    )


def test_columns_become_arrays_with_codes_and_levels():
    df = _frame()
    sd = as_survival_data(df, duration="t", event="e", covariates=["x", "flag"], start="t0",
                          strata="site", cluster="pid", id="pid")  # fmt: skip
    assert isinstance(sd, SurvivalData)
    assert sd.n_replicates == 1
    assert sd.n_rows == 4
    np.testing.assert_array_equal(sd.stop[0], df["t"])
    np.testing.assert_array_equal(sd.start[0], df["t0"])
    assert sd.has_entry
    np.testing.assert_array_equal(sd.X[0], np.c_[df["x"], df["flag"].astype(float)])
    assert sd.names == ("x", "flag")
    assert sd.event[0].tolist() == [1, 0, 2, 1]
    assert sd.strata_levels == ("a", "b", "c")
    assert sd.strata[0].tolist() == [1, 0, 1, 2]
    assert sd.strata_names == ("site",)
    assert sd.cluster_levels == ("p1", "p2", "p3")
    assert sd.cluster[0].tolist() == [1, 0, 1, 2]
    assert sd.ids == ("p2", "p1", "p3")
    assert sd.subject[0].tolist() == [0, 1, 0, 2]
    assert sd.causes == {1: "e", 2: "e=2"}


def test_cause_moves_to_code_one_and_swaps():
    sd = as_survival_data(_frame(), duration="t", event="e", covariates="x", cause=2)
    assert sd.event[0].tolist() == [2, 0, 1, 2]
    assert sd.event_indicator(1)[0].tolist() == [False, False, True, False]
    again = as_survival_data(sd, cause=2)  # a SurvivalData swaps back
    assert again.event[0].tolist() == [1, 0, 2, 1]


def test_survival_data_passes_through_with_selection():
    sd = as_survival_data(_frame(), duration="t", event="e", covariates=["x", "flag"])
    assert as_survival_data(sd) is sd
    sel = as_survival_data(sd, covariates=["flag"])
    assert sel.names == ("flag",)
    np.testing.assert_array_equal(sel.X[0, :, 0], sd.X[0, :, 1])


def test_categorical_strata_keep_their_order():
    df = _frame().assign(site=pd.Categorical(["b", "a", "b", "c"], categories=["c", "b", "a", "z"]))
    sd = as_survival_data(df, duration="t", event="e", covariates="x", strata="site")
    assert sd.strata_levels == ("c", "b", "a")
    assert sd.strata[0].tolist() == [1, 2, 1, 0]


@pytest.mark.parametrize(
    ("mutate", "kwargs", "match"),
    [
        (lambda d: d, {"covariates": ["x", "zz"]}, r"columns not in data: 'zz'"),
        (lambda d: d, {"covariates": ["x", "x"]}, r"named more than once.*'x'"),
        (lambda d: d, {"covariates": ["x", "t"]}, r"named more than once.*'t'"),
        (
            lambda d: pd.concat([d, d[["x"]]], axis=1),
            {"covariates": ["x"]},
            r"duplicated column name\(s\) \['x'\]",
        ),
        # a factor column is treatment-coded (tests/models/test_models_formula_api.py); numbers
        # stored as text are not silently made a factor
        (lambda d: d.assign(site=d.x.astype(str)), {"covariates": ["site"]},
         r"column 'site' is not numeric: it holds numbers stored as text"),
        (
            lambda d: d.assign(x=[0.5, np.nan, 1.0, np.inf]),
            {"covariates": ["x"]},
            r"column 'x' has missing or infinite values in 2 row\(s\) \(positions 1, 3\)",
        ),
        (
            lambda d: d.assign(e=[1, 0.5, 0, -1]),
            {"covariates": ["x"]},
            r"column 'e' must be 0/1 .* in 2 row\(s\) \(positions 1, 3\)",
        ),
        (
            lambda d: d.assign(t0=[0.0, 3.0, 0.0, 0.0]),
            {"covariates": ["x"], "start": "t0"},
            r"'t' must exceed 't0'; not so in 1 row\(s\) \(positions 1\)",
        ),
        (
            lambda d: d.assign(site=[None, "a", "b", "c"]),
            {"covariates": ["x"], "strata": "site"},
            r"strata column\(s\) \['site'\] have missing values in 1 row\(s\) \(positions 0\)",
        ),
        (lambda d: d.iloc[:0], {"covariates": ["x"]}, "no rows"),
    ],
)
def test_bad_input_names_column_and_rows(mutate, kwargs, match):
    with pytest.raises(ModelError, match=match):
        as_survival_data(mutate(_frame()), duration="t", event="e", **kwargs)


def test_duration_and_event_are_required_for_a_frame():
    with pytest.raises(ModelError, match="duration and event"):
        as_survival_data(_frame(), covariates="x")
    with pytest.raises(ModelError, match="DataFrame or SurvivalData"):
        as_survival_data({"t": [1.0]}, duration="t", event="e")
