"""Formulas, factor columns and missing values for the front ends that take covariate columns.

:func:`with_design` is the one step every such front end (``fine_gray``,
``aft_interval``, ``cure_model``; ``cox_ph`` and ``cox_firth`` go through
:func:`~ppprog.tables.frame.as_survival_data`, which uses the same
:func:`~ppprog.tables.frame.design_frame`) runs on a DataFrame before fitting;
:func:`annotate` records on the result which rows were dropped and how factors
were coded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, TypeVar

import pandas as pd

from ppprog._core.errors import ModelError
from ppprog.tables.frame import column_list, design_frame

__all__ = ["with_design", "annotate"]

R = TypeVar("R")


def with_design(
    data: Any,
    covariates: str | Sequence[str] | None,
    *,
    formula: str | None,
    missing: str,
    others: Sequence[str | None],
    id: str | None = None,
) -> tuple[Any, list[str], tuple[Any, ...], tuple[str, ...]]:
    """Encode the covariates of a DataFrame (formula, factors) and apply ``missing``.

    Parameters
    ----------
    data : pandas.DataFrame or SurvivalData
        Anything else than a DataFrame passes through unchanged.
    covariates : str or sequence of str or None
    formula : str or None
        Right-hand side of a formula instead of ``covariates``.
    missing : {"raise", "drop"}
    others : sequence of str or None
        Other columns the model reads (times, events, bounds): their missing
        values count too.
    id : str, optional
        Column naming the rows in messages and in ``dropped``.

    Returns
    -------
    data, covariates, dropped, notes
        The frame to fit (kept rows, design columns added), the covariate
        names to fit, the labels of the dropped rows and the design notes.
    """
    if not isinstance(data, pd.DataFrame):
        if formula is not None:
            raise ModelError("formula= needs a DataFrame")
        return data, column_list(covariates), (), ()
    others_l = [o for o in others if o is not None]
    frame, names, dropped, notes = design_frame(
        data, column_list(covariates), formula, others_l, id, missing
    )
    return frame, names, dropped, notes


def annotate(result: R, dropped: tuple[Any, ...], notes: tuple[str, ...]) -> R:
    """A copy of a frozen result with ``dropped`` set and the design notes appended."""
    if not dropped and not notes:
        return result
    old = tuple(getattr(result, "notes", ()))
    if dropped:
        old = tuple(n.replace("none dropped", f"{len(dropped)} dropped") for n in old)
    return replace(result, notes=old + notes, dropped=dropped)  # type: ignore[type-var]
