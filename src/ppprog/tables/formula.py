"""Design matrices from formulas and columns, with explicit handling of missing values.

Formulas are parsed and materialized by `formulaic <https://matthewwardrop.github.io/formulaic/>`_
(the library lifelines uses), so everything formulaic allows works:
transforms (``np.log(age)``), interactions (``a:b``, ``a*b``), categorical
encoding with a chosen reference (``C(pustular_extent, contr.treatment('none'))``).
String, boolean and pandas ``Categorical`` columns are treatment-coded; the
reference level of each (the first level unless chosen) is recorded on the
design and shown in every result's notes.

Survival models have no intercept: the matrix is built *with* an intercept so
that factors are coded against their reference level (as R's ``coxph`` does
through ``model.matrix``), and the intercept column is then removed.

Missing values are never dropped silently: ``missing="raise"`` (the default)
raises naming every incomplete row and column; ``missing="drop"`` drops the
incomplete rows and records how many and which (ids, or row labels).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ppprog._core.errors import ModelError, SpecError
from ppprog._core.typing import BoolArray, FloatArray

__all__ = [
    "DesignMatrix",
    "design_frame",
    "design_matrix",
    "columns_formula",
    "dropped_note",
    "formula_variables",
    "incomplete_rows",
    "MISSING",
]

#: Accepted values of ``missing``.
MISSING = ("raise", "drop")
_SHOWN = 10  # rows named in a message before "... and N more"


@dataclass(frozen=True)
class DesignMatrix:
    """A numeric design built from a data frame.

    Parameters
    ----------
    X : ndarray of float64, shape (n_kept, p)
    names : tuple of str
        Column names of ``X`` (formulaic's, e.g. ``"race[T.other]"``).
    kept : ndarray of bool, shape (n,)
        Rows of the input used (all True unless ``missing="drop"`` dropped some).
    dropped : tuple
        Ids (or row labels) of the dropped rows.
    reference_levels : mapping of str to str
        Factor -> its reference level.
    formula : str
        The formula the matrix was built from.
    """

    X: FloatArray
    names: tuple[str, ...]
    kept: BoolArray
    dropped: tuple[Any, ...] = ()
    reference_levels: Mapping[str, str] = field(default_factory=dict)
    formula: str = ""

    @property
    def n_dropped(self) -> int:
        """Number of rows dropped for missing values."""
        return len(self.dropped)

    def notes(self) -> list[str]:
        """Sentences for a result's summary: reference levels and dropped rows."""
        out = [f"{f}: reference level {lvl!r}" for f, lvl in self.reference_levels.items()]
        if self.dropped:
            out.append(dropped_note(self.dropped))
        return out


def dropped_note(labels: Sequence[Any]) -> str:
    """The note a result carries about rows dropped for missing values."""
    return f"{len(labels)} row(s) with missing values dropped (missing='drop'): {_listing(labels)}"


def _listing(labels: Sequence[Any]) -> str:
    shown = ", ".join(str(x) for x in list(labels)[:_SHOWN])
    more = len(labels) - _SHOWN
    return shown + (f" ... and {more} more" if more > 0 else "")


def _labels(data: pd.DataFrame, rows: BoolArray, id: str | None) -> tuple[Any, ...]:
    source = data[id] if id is not None and id in data.columns else data.index.to_series()
    return tuple(source[rows].tolist())


def incomplete_rows(data: pd.DataFrame, columns: Sequence[str]) -> BoolArray:
    """Rows with a missing value (NaN, None, NA) in any of ``columns``.

    Parameters
    ----------
    data : pandas.DataFrame
    columns : sequence of str

    Returns
    -------
    ndarray of bool, shape (n,)
    """
    if not columns:
        return np.zeros(len(data), dtype=bool)
    return np.asarray(data[list(columns)].isna().any(axis=1), dtype=bool)


def _check_missing(
    data: pd.DataFrame, columns: Sequence[str], missing: str, id: str | None
) -> BoolArray:
    if missing not in MISSING:
        raise SpecError(f"missing must be one of {MISSING}, got {missing!r}")
    absent = [c for c in columns if c not in data.columns]
    if absent:
        raise SpecError(f"columns not in data: {absent}; columns are {list(data.columns)}")
    bad = incomplete_rows(data, columns)
    if bad.any() and missing == "raise":
        per_column = [
            f"{c} ({int(n)} rows)" for c, n in data[list(columns)].isna().sum().items() if n
        ]
        raise SpecError(
            f"missing values in {', '.join(per_column)}; rows "
            f"{_listing(_labels(data, bad, id))}. Pass missing='drop' to drop incomplete rows "
            "(they are then listed on the result)"
        )
    return ~bad


def columns_formula(columns: Sequence[str]) -> str:
    """A formula that uses each column as it is (names quoted with backticks)."""
    return " + ".join(f"`{c}`" for c in columns) if columns else "0"


def _references(spec: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for factor, state in spec.factor_contrasts.items():
        base = getattr(state.contrasts, "base", None)
        levels = list(state.levels)
        if not levels:
            continue
        unset = base is None or getattr(base, "name", None) == "UNSET"  # formulaic's sentinel
        out[str(factor)] = str(levels[0] if unset else base)
    return out


def design_matrix(
    data: pd.DataFrame,
    formula: str,
    *,
    missing: str = "raise",
    also: Sequence[str] = (),
    id: str | None = None,
) -> DesignMatrix:
    """Build the numeric design of ``formula`` on ``data`` (no intercept column).

    Parameters
    ----------
    data : pandas.DataFrame
    formula : str
        Right-hand side only, e.g. ``"ana_log2 + C(pustular_extent, contr.treatment('none'))"``.
    missing : {"raise", "drop"}, optional
        What to do with rows that miss a value in a variable of the formula or
        in ``also``.
    also : sequence of str, optional
        Other columns the model uses (duration, event, start, strata, cluster):
        checked for missing values with the formula's variables.
    id : str, optional
        Column naming the rows in messages and in ``dropped``.

    Returns
    -------
    DesignMatrix

    Raises
    ------
    SpecError
        Unparsable formula, unknown variable, missing values with ``missing="raise"``.
    """
    from formulaic import Formula, model_matrix
    from formulaic.errors import FormulaicError

    if not isinstance(data, pd.DataFrame):
        raise SpecError(f"a formula needs a pandas DataFrame, got {type(data).__name__}")
    if "~" in formula:
        raise SpecError(
            f"formula {formula!r}: give the right-hand side only; the outcome is set by "
            "duration= and event="
        )
    try:
        needed = sorted(Formula(formula).required_variables)
    except (FormulaicError, SyntaxError, ValueError) as exc:
        raise SpecError(f"formula {formula!r} cannot be parsed: {exc}") from None
    variables = [v for v in needed if v in data.columns]
    unknown = [v for v in needed if v not in data.columns and not _is_builtin(v)]
    if unknown:
        raise SpecError(f"formula {formula!r} uses {unknown}, not columns of the data")
    kept = _check_missing(data, [*variables, *also], missing, id)
    frame = data.loc[kept] if not kept.all() else data
    try:
        mm = model_matrix(f"1 + {formula}", frame, na_action="raise")
    except (FormulaicError, ValueError, TypeError, KeyError, NameError) as exc:
        raise SpecError(f"formula {formula!r} cannot be evaluated on the data: {exc}") from None
    cols = [c for c in mm.columns if c != "Intercept"]
    X = np.ascontiguousarray(np.asarray(mm[cols], dtype=np.float64))
    return DesignMatrix(
        X=X,
        names=tuple(str(c) for c in cols),
        kept=kept,
        dropped=_labels(data, ~kept, id),
        reference_levels=_references(mm.model_spec),
        formula=formula,
    )


def formula_variables(formula: str, data: pd.DataFrame) -> list[str]:
    """Columns of ``data`` that ``formula`` reads (sorted).

    Parameters
    ----------
    formula : str
        Right-hand side of a formula.
    data : pandas.DataFrame

    Returns
    -------
    list of str
    """
    from formulaic import Formula
    from formulaic.errors import FormulaicError

    try:
        needed = Formula(formula).required_variables
    except (FormulaicError, SyntaxError, ValueError) as exc:
        raise SpecError(f"formula {formula!r} cannot be parsed: {exc}") from None
    return sorted(v for v in needed if v in data.columns)


def _is_builtin(name: str) -> bool:
    """Names a formula may use that are not data columns (``np``, ``C``, ``contr`` ...)."""
    return name in {"np", "C", "contr", "center", "scale", "poly", "bs", "log", "exp", "I", "Q"}


def _is_numeric(s: pd.Series) -> bool:
    return bool(pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s))


def design_frame(
    data: pd.DataFrame,
    covs: list[str],
    formula: str | None,
    others: list[str],
    id: str | None,
    missing: str,
) -> tuple[pd.DataFrame, list[str], tuple[Any, ...], tuple[str, ...]]:
    """Covariates through a formula (or factor columns), rows dropped only when asked.

    Shared by every front end that takes covariate columns from a DataFrame.

    Parameters
    ----------
    data : pandas.DataFrame
    covs : list of str
        Covariate columns (numeric ones are used as they are; string or
        categorical ones are treatment-coded).
    formula : str or None
        Right-hand side of a formula, instead of ``covs``.
    others : list of str
        Other columns the model uses (times, events, strata...), checked for
        missing values with the covariates.
    id : str or None
        Column naming the rows in messages and in the dropped list.
    missing : {"raise", "drop"}

    Returns
    -------
    frame : pandas.DataFrame
        The rows to use, with the design columns added.
    names : list of str
        The covariate columns of ``frame`` to fit.
    dropped : tuple
        Labels of the dropped rows.
    notes : tuple of str
        Reference levels and dropped rows, for the result's notes.
    """
    if formula is not None and covs:
        raise ModelError("give covariates= or formula=, not both")
    if missing not in MISSING:
        raise ModelError(f"missing must be one of {MISSING}, got {missing!r}")
    present = [c for c in covs if c in data.columns]
    factors = [c for c in present if not _is_numeric(data[c])]
    for c in factors:
        values = data[c].dropna()
        if values.nunique() < 2:
            raise ModelError(
                f"column {c!r} is not numeric and has fewer than two levels "
                f"({sorted(map(str, values.unique()))}): as a factor it has nothing to estimate"
            )
        if pd.to_numeric(values, errors="coerce").notna().all():
            raise ModelError(
                f"column {c!r} is not numeric: it holds numbers stored as text; convert it "
                f"(pandas.to_numeric) or, to use it as a factor, write C({c}) in formula="
            )
    if formula is None and not factors:
        if missing == "raise":
            return data, covs, (), ()
        kept = ~incomplete_rows(data, [c for c in [*covs, *others] if c in data.columns])
        dropped = tuple(data[id][~kept]) if id in data.columns else tuple(data.index[~kept])
        return data.loc[kept], covs, dropped, (dropped_note(dropped),) if dropped else ()
    try:
        dm = design_matrix(data, formula or columns_formula(covs), missing=missing,
                           also=[c for c in others if c in data.columns], id=id)  # fmt: skip
    except SpecError as exc:
        raise ModelError(str(exc)) from None
    frame = data.loc[dm.kept].copy()
    for j, name in enumerate(dm.names):
        frame[name] = dm.X[:, j]
    return frame, list(dm.names), dm.dropped, tuple(dm.notes())
