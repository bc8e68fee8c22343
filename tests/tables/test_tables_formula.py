"""Design matrices from formulas: encoding, reference levels, missing values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ppprog._core.errors import SpecError
from ppprog.tables.formula import columns_formula, design_matrix, incomplete_rows


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["c1", "c2", "c3", "c4", "c5", "c6"],
            "age": [31.5, 40.0, 52.25, 29.0, 61.0, 45.5],
            "extent": ["none", "generalized", "localized", "none", "generalized", "localized"],
            "ana": pd.Categorical(["low", "high", "low", "moderate", "high", "low"],
                                  categories=["low", "moderate", "high"]),  # fmt: skip
            "time": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0],
        }
    )


def test_numeric_columns_pass_through_bit_for_bit(frame: pd.DataFrame) -> None:
    d = design_matrix(frame, columns_formula(["age", "time"]))
    assert d.names == ("age", "time")
    np.testing.assert_array_equal(d.X, frame[["age", "time"]].to_numpy())
    assert d.n_dropped == 0
    assert d.kept.all()


def test_strings_are_treatment_coded_against_the_first_level(frame: pd.DataFrame) -> None:
    d = design_matrix(frame, "extent")
    assert d.names == ("extent[T.localized]", "extent[T.none]")
    assert d.reference_levels == {"extent": "generalized"}
    expected = np.column_stack([frame["extent"] == "localized", frame["extent"] == "none"])
    np.testing.assert_array_equal(d.X, expected.astype(float))
    assert "extent: reference level 'generalized'" in d.notes()


def test_chosen_reference_and_categorical_order(frame: pd.DataFrame) -> None:
    d = design_matrix(frame, "C(extent, contr.treatment('none')) + ana")
    assert d.reference_levels["C(extent, contr.treatment('none'))"] == "none"
    assert d.reference_levels["ana"] == "low"  # the Categorical's first category
    assert "ana[T.high]" in d.names
    assert "ana[T.moderate]" in d.names
    col = d.names.index("C(extent, contr.treatment('none'))[T.generalized]")
    np.testing.assert_array_equal(d.X[:, col], (frame["extent"] == "generalized").to_numpy(float))


def test_transforms_and_interactions(frame: pd.DataFrame) -> None:
    d = design_matrix(frame, "np.log(age) + age:time")
    np.testing.assert_allclose(d.X[:, 0], np.log(frame["age"]), rtol=0, atol=0)
    np.testing.assert_allclose(d.X[:, 1], frame["age"] * frame["time"], rtol=0, atol=0)


def test_missing_raise_names_rows_and_columns(frame: pd.DataFrame) -> None:
    frame.loc[[1, 4], "age"] = np.nan
    with pytest.raises(SpecError, match=r"age \(2 rows\); rows c2, c5\. Pass missing='drop'"):
        design_matrix(frame, "age + extent", id="id")


def test_missing_in_outcome_columns_counts_too(frame: pd.DataFrame) -> None:
    frame.loc[2, "time"] = np.nan
    with pytest.raises(SpecError, match="time"):
        design_matrix(frame, "age", also=["time"])
    d = design_matrix(frame, "age", also=["time"], missing="drop", id="id")
    assert d.dropped == ("c3",)


def test_missing_drop_records_which_rows(frame: pd.DataFrame) -> None:
    frame.loc[0, "extent"] = None
    d = design_matrix(frame, "age + extent", missing="drop", id="id")
    assert d.n_dropped == 1
    assert d.dropped == ("c1",)
    assert d.kept.tolist() == [False, True, True, True, True, True]
    assert d.X.shape[0] == 5
    assert any("1 row(s) with missing values dropped" in n and "c1" in n for n in d.notes())


@pytest.mark.parametrize(
    ("formula", "message"),
    [("age + nope", "nope"), ("time ~ age", "right-hand side"), ("age +", "cannot be parsed")],
)
def test_bad_formulas_are_named(frame: pd.DataFrame, formula: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        design_matrix(frame, formula)


def test_bad_missing_option(frame: pd.DataFrame) -> None:
    with pytest.raises(SpecError, match="missing must be one of"):
        design_matrix(frame, "age", missing="ignore")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.floats(-5, 5, allow_nan=False)),
            st.one_of(st.none(), st.sampled_from(["a", "b", "c"])),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_drop_keeps_exactly_the_complete_rows(rows: list[tuple[float | None, str | None]]) -> None:
    data = pd.DataFrame(rows, columns=["x", "g"]).astype({"x": float})
    bad = incomplete_rows(data, ["x", "g"])
    complete = data[~bad]
    if complete["g"].nunique() < 1:
        return
    d = design_matrix(data, "x + g", missing="drop")
    assert d.n_dropped + int(d.kept.sum()) == len(data)
    np.testing.assert_array_equal(d.kept, ~bad)
    np.testing.assert_array_equal(d.X[:, 0], complete["x"].to_numpy())
