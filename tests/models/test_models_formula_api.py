"""Formulas, categories and missing values through every Cox front end (issue: the API people expect)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter
from lifelines.datasets import load_rossi

import ppprog
from ppprog._core.errors import ModelError


@pytest.fixture(scope="module")
def rossi() -> pd.DataFrame:
    data = load_rossi()
    data["race_s"] = np.where(data["race"] == 1, "black", "other")
    data["id"] = [f"p{i:03d}" for i in range(len(data))]
    return data


def test_formula_equals_explicit_columns_bit_for_bit(rossi: pd.DataFrame) -> None:
    by_formula = ppprog.cox_ph(rossi, duration="week", event="arrest", formula="fin + age + prio")
    by_columns = ppprog.cox_ph(rossi, duration="week", event="arrest",
                               covariates=["fin", "age", "prio"])  # fmt: skip
    np.testing.assert_array_equal(by_formula.params.to_numpy(), by_columns.params.to_numpy())
    np.testing.assert_array_equal(by_formula.vcov.to_numpy(), by_columns.vcov.to_numpy())
    assert by_formula.names == ("fin", "age", "prio")


def test_string_column_matches_lifelines_formula_fit(rossi: pd.DataFrame) -> None:
    fit = ppprog.cox_ph(rossi, duration="week", event="arrest", formula="fin + age + race_s")
    cph = CoxPHFitter().fit(rossi[["week", "arrest", "fin", "age", "race_s"]], "week", "arrest",
                            formula="fin + age + race_s")  # fmt: skip
    assert list(fit.params.index) == ["fin", "age", "race_s[T.other]"]
    np.testing.assert_allclose(fit.params.to_numpy(), cph.params_.to_numpy(), rtol=0, atol=1e-8)
    np.testing.assert_allclose(fit.se.to_numpy(), cph.standard_errors_.to_numpy(), rtol=0, atol=1e-8)
    assert "race_s: reference level 'black'" in fit.notes
    assert "race_s[T.other]" in str(fit)
    assert "Note: race_s: reference level 'black'" in str(fit)


def test_string_column_named_in_covariates_is_encoded_the_same_way(rossi: pd.DataFrame) -> None:
    a = ppprog.cox_ph(rossi, duration="week", event="arrest", covariates=["fin", "race_s"])
    b = ppprog.cox_ph(rossi, duration="week", event="arrest", formula="fin + race_s")
    np.testing.assert_array_equal(a.params.to_numpy(), b.params.to_numpy())
    assert a.names == b.names


def test_named_reference_level_and_categorical(rossi: pd.DataFrame) -> None:
    cat = rossi.assign(race_c=pd.Categorical(rossi["race_s"], categories=["other", "black"]))
    fit = ppprog.cox_ph(cat, duration="week", event="arrest", formula="fin + race_c")
    assert "race_c: reference level 'other'" in fit.notes
    chosen = ppprog.cox_ph(rossi, duration="week", event="arrest",
                           formula="fin + C(race_s, contr.treatment('other'))")  # fmt: skip
    np.testing.assert_allclose(chosen.params.to_numpy(), fit.params.to_numpy(), rtol=1e-12)


def test_interactions_and_transforms(rossi: pd.DataFrame) -> None:
    data = rossi.assign(log_age=np.log(rossi["age"]), fin_prio=rossi["fin"] * rossi["prio"])
    fit = ppprog.cox_ph(rossi, duration="week", event="arrest", formula="np.log(age) + fin:prio")
    ref = ppprog.cox_ph(data, duration="week", event="arrest", covariates=["log_age", "fin_prio"])
    np.testing.assert_allclose(fit.params.to_numpy(), ref.params.to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("fitter", ["cox_ph", "cox_firth"])
def test_missing_raise_names_rows_and_drop_lists_them(rossi: pd.DataFrame, fitter: str) -> None:
    holes = rossi.copy()
    holes.loc[[3, 10], "age"] = np.nan
    fit_fn = getattr(ppprog, fitter)
    kw = {"profile": False} if fitter == "cox_firth" else {}
    with pytest.raises(ModelError, match=r"'age'.*missing='drop'"):
        fit_fn(holes, duration="week", event="arrest", covariates=["fin", "age"], **kw)
    fit = fit_fn(holes, duration="week", event="arrest", covariates=["fin", "age"],
                 missing="drop", id="id", **kw)  # fmt: skip
    assert fit.n_dropped == 2
    assert fit.dropped == ("p003", "p010")
    assert any("2 row(s) with missing values dropped" in n and "p003" in n for n in fit.notes)
    complete = fit_fn(holes.dropna(subset=["age"]), duration="week", event="arrest",
                      covariates=["fin", "age"], **kw)  # fmt: skip
    np.testing.assert_array_equal(fit.params.to_numpy(), complete.params.to_numpy())


def test_missing_drop_through_a_formula_with_factors(rossi: pd.DataFrame) -> None:
    holes = rossi.astype({"race_s": object})
    holes.loc[5, "race_s"] = None
    with pytest.raises(ModelError, match="race_s"):
        ppprog.cox_ph(holes, duration="week", event="arrest", formula="fin + race_s")
    fit = ppprog.cox_ph(holes, duration="week", event="arrest", formula="fin + race_s",
                        missing="drop")  # fmt: skip
    assert fit.n_dropped == 1
    assert fit.n == len(rossi) - 1


def test_formula_errors_are_named(rossi: pd.DataFrame) -> None:
    with pytest.raises(ModelError, match="not both"):
        ppprog.cox_ph(rossi, duration="week", event="arrest", covariates=["fin"], formula="age")
    with pytest.raises(ModelError, match="nope"):
        ppprog.cox_ph(rossi, duration="week", event="arrest", formula="fin + nope")
    with pytest.raises(ModelError, match="missing must be one of"):
        ppprog.cox_ph(rossi, duration="week", event="arrest", formula="fin", missing="ignore")


def test_firth_via_cox_ph_and_cox_firth_agree_with_formula(rossi: pd.DataFrame) -> None:
    a = ppprog.cox_ph(rossi, duration="week", event="arrest", formula="fin + race_s",
                      penalty="firth")  # fmt: skip
    b = ppprog.cox_firth(rossi, duration="week", event="arrest", formula="fin + race_s")
    np.testing.assert_array_equal(a.params.to_numpy(), b.params.to_numpy())
