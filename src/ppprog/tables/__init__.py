"""Survival tables and the one survival-data type, for case records and simulated cohorts.

Data path: histories (:class:`SubjectHistories`, from case records or from
the generator) -> encoders (:func:`encode_baseline`, :func:`encode_counting`,
:func:`encode_landmark`) -> :class:`SurvivalData` -> models, or -> frames
(:func:`resolution_table`, :func:`onset_table`, :func:`counting_process`).
"""

from ppprog.tables.counting import (
    CountingCheck,
    check_counting_process,
    counting_columns,
    counting_process,
)
from ppprog.tables.covariates import AnaScale
from ppprog.tables.data import SurvivalData
from ppprog.tables.encode import encode_baseline, encode_counting, encode_landmark
from ppprog.tables.histories import SubjectHistories
from ppprog.tables.onset import onset_table
from ppprog.tables.resolution import resolution_table
from ppprog.tables.view import survival_frame

__all__ = [
    "AnaScale",
    "CountingCheck",
    "SubjectHistories",
    "SurvivalData",
    "check_counting_process",
    "counting_columns",
    "counting_process",
    "encode_baseline",
    "encode_counting",
    "encode_landmark",
    "onset_table",
    "resolution_table",
    "survival_frame",
]
