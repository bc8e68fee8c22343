"""Column names, dtypes and meanings of the survival tables.

All three tables have an ``id`` column (the case id) so that lifelines'
``CoxTimeVaryingFitter(id_col="id")`` and clustered variances work directly.
Times are in days. String covariates are plain ``object`` columns holding
vocabulary tokens (or None when unknown); one-hot encode them before fitting.

Baseline covariates (``resolution_table`` and ``counting_process``)
--------------------------------------------------------------------
==================  ========  =====================================================
column              dtype     meaning
==================  ========  =====================================================
onset_day           float64   day of onset from the index date
ana_log2_onset      float64   ANA at onset (LOCF), ``log2(reciprocal / 40)``,
                              -1 when negative, NaN when none in effect
ana_category_onset  object    negative / low / moderate / high, None when none
pustular_extent     object    none / localized / generalized, None if unknown
age                 float64   years at the index date (NaN if unknown)
sex                 object    female / male / other
disease             object    underlying disease token
de_novo             boolean   True de novo, False exacerbation, <NA> unknown
agent               object    inducing anti-TNF agent
==================  ========  =====================================================

Time-varying covariates (``counting_process``)
----------------------------------------------
``ana``: ``ana_log2``, ``ana_category``, ``ana_day`` (day of the measurement
in effect, from the index date). ``treatment``: ``treatment`` (primary agent:
the latest-started running biologic, else systemic, else any; ``"none"``),
``treatment_class``, ``on_anti_tnf`` (bool), ``agents`` (all running agents,
``+``-joined, ``""`` if none). ``switches``: ``n_switches`` (int64,
derived drug switches on or before the interval start).
"""

from __future__ import annotations

__all__ = [
    "ID",
    "BASELINE_COLUMNS",
    "RESOLUTION_COLUMNS",
    "ONSET_COLUMNS",
    "COUNTING_COLUMNS",
    "TIME_VARYING_COLUMNS",
    "TIME_VARYING",
]

ID = "id"

# Patient and treatment columns at the end of the onset table and of the baseline columns.
_PATIENT_COLUMNS: dict[str, str] = {
    "age": "float64",
    "sex": "object",
    "disease": "object",
    "de_novo": "boolean",
    "agent": "object",
}

# Outcome columns opening the one-row-per-subject tables.
_OUTCOME_COLUMNS: dict[str, str] = {
    "id": "object",
    "time": "float64",
    "event": "int64",
    "time_low": "float64",
    "time_high": "float64",
    "time_approximate": "bool",
}

#: Baseline covariates shared by the resolution and counting-process tables.
BASELINE_COLUMNS: dict[str, str] = {
    "onset_day": "float64",
    "ana_log2_onset": "float64",
    "ana_category_onset": "object",
    "pustular_extent": "object",
    **_PATIENT_COLUMNS,
}

#: ``resolution_table``: one row per case, time from onset to the endpoint.
RESOLUTION_COLUMNS: dict[str, str] = {**_OUTCOME_COLUMNS, **BASELINE_COLUMNS}

#: ``onset_table``: one row per treated patient, time from index to onset.
ONSET_COLUMNS: dict[str, str] = {
    **_OUTCOME_COLUMNS,
    "ana_log2_index": "float64",
    "ana_category_index": "object",
    **_PATIENT_COLUMNS,
}

#: Time-varying columns by option name of ``counting_process(time_varying=...)``.
TIME_VARYING_COLUMNS: dict[str, dict[str, str]] = {
    "ana": {"ana_log2": "float64", "ana_category": "object", "ana_day": "float64"},
    "treatment": {
        "treatment": "object",
        "treatment_class": "object",
        "on_anti_tnf": "bool",
        "agents": "object",
    },
    "switches": {"n_switches": "int64"},
}
TIME_VARYING = tuple(TIME_VARYING_COLUMNS)

#: ``counting_process``: (start, stop] rows on the time-since-onset scale.
COUNTING_COLUMNS: dict[str, str] = {
    "id": "object",
    "start": "float64",
    "stop": "float64",
    "event": "int64",
    **{k: v for cols in TIME_VARYING_COLUMNS.values() for k, v in cols.items()},
    **BASELINE_COLUMNS,
}
