"""Column names, dtypes, time unit and cause codes of every survival table.

One schema for real and synthetic data: ``resolution_table``, ``onset_table``
and ``counting_process`` on case records, and the subject and counting tables
of a simulated cohort (``CohortBatch.to_frame``, ``ppprog simulate``), have the
same columns, dtypes and unit. Every table has an ``id`` column (the case id)
so that lifelines' ``CoxTimeVaryingFitter(id_col="id")`` and clustered
variances work directly, and a ``replicate`` column (0 for a real case series;
the replicate of a simulated cohort). String covariates are plain ``object``
columns holding vocabulary tokens (or None when unknown); one-hot encode them
before fitting.

Time unit
---------
Times are in **days** (:data:`TIME_UNIT`), as the case records are. The
generator works in months; its times are converted at the boundary, where a
cohort becomes histories and tables, with :data:`DAYS_PER_MONTH` = 365.25 / 12
= 30.4375 days per month. Every frame records its unit in
``frame.attrs["time_unit"]`` and every :class:`~ppprog.tables.data.SurvivalData`
in ``time_unit``.

Outcome columns
---------------
``time`` (or ``start``/``stop``), ``event`` (int64, 1 for the endpoint of
interest, else 0) and ``cause`` (int64, :data:`CAUSES`):

====  =====================  =====================================================
code  name                   meaning
====  =====================  =====================================================
0     censored               follow-up ended without an event
1     endpoint               the endpoint of interest (``event == (cause == 1)``)
2     death                  death, a competing event
3     lost_to_follow_up      lost to follow-up (the generator's informative loss)
4     other                  another competing event
====  =====================  =====================================================

Case records do not record deaths or losses as events, so real tables have
causes 0 and 1 only; a simulated cohort has 2 and 3 where its competing death
or loss ended follow-up. ``time_low`` / ``time_high`` bound the recorded time
(the event or the censoring time) from the bounds of the days it is computed
from (equal to ``time`` when exact, ``inf`` when a day has no upper bound); for
a censored row the event time itself lies beyond ``time_low``.
``time_approximate`` is set when either day was approximate.

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

``counting_process(..., endpoint="onset")`` (and the counting table of a
simulated onset cohort) runs from the index date and ends with
:data:`ONSET_BASELINE_COLUMNS` instead of :data:`BASELINE_COLUMNS`.
"""

from __future__ import annotations

__all__ = [
    "ID",
    "TIME_UNIT",
    "DAYS_PER_MONTH",
    "CAUSES",
    "CAUSE_CENSORED",
    "CAUSE_ENDPOINT",
    "CAUSE_DEATH",
    "CAUSE_LOST",
    "CAUSE_OTHER",
    "OUTCOME_COLUMNS",
    "PATIENT_COLUMNS",
    "ONSET_BASELINE_COLUMNS",
    "BASELINE_COLUMNS",
    "RESOLUTION_COLUMNS",
    "ONSET_COLUMNS",
    "COUNTING_COLUMNS",
    "TIME_VARYING_COLUMNS",
    "TIME_VARYING",
]

ID = "id"

#: The time unit of every table.
TIME_UNIT = "days"
#: Days per month of the generator's time scale (365.25 / 12).
DAYS_PER_MONTH = 30.4375

CAUSE_CENSORED = 0
CAUSE_ENDPOINT = 1
CAUSE_DEATH = 2
CAUSE_LOST = 3
CAUSE_OTHER = 4
#: Cause codes of the ``cause`` column and of ``SurvivalData.event``.
CAUSES: dict[int, str] = {
    CAUSE_CENSORED: "censored",
    CAUSE_ENDPOINT: "endpoint",
    CAUSE_DEATH: "death",
    CAUSE_LOST: "lost_to_follow_up",
    CAUSE_OTHER: "other",
}

#: Patient and treatment columns at the end of the onset table and of the baseline columns.
PATIENT_COLUMNS: dict[str, str] = {
    "age": "float64",
    "sex": "object",
    "disease": "object",
    "de_novo": "boolean",
    "agent": "object",
}

#: Outcome columns opening the one-row-per-subject tables.
OUTCOME_COLUMNS: dict[str, str] = {
    "id": "object",
    "time": "float64",
    "event": "int64",
    "cause": "int64",
    "time_low": "float64",
    "time_high": "float64",
    "time_approximate": "bool",
    "replicate": "int64",
}

#: Baseline covariates shared by the resolution and counting-process tables.
BASELINE_COLUMNS: dict[str, str] = {
    "onset_day": "float64",
    "ana_log2_onset": "float64",
    "ana_category_onset": "object",
    "pustular_extent": "object",
    **PATIENT_COLUMNS,
}

#: ``resolution_table``: one row per case, time from onset to the endpoint.
RESOLUTION_COLUMNS: dict[str, str] = {**OUTCOME_COLUMNS, **BASELINE_COLUMNS}

#: ``onset_table``: one row per treated patient, time from index to onset.
ONSET_COLUMNS: dict[str, str] = {
    **OUTCOME_COLUMNS,
    "ana_log2_index": "float64",
    "ana_category_index": "object",
    **PATIENT_COLUMNS,
}

#: Baseline covariates of the onset scale (index date to onset).
ONSET_BASELINE_COLUMNS: dict[str, str] = {
    k: v for k, v in ONSET_COLUMNS.items() if k not in OUTCOME_COLUMNS
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
    "cause": "int64",
    "replicate": "int64",
    **{k: v for cols in TIME_VARYING_COLUMNS.values() for k, v in cols.items()},
    **BASELINE_COLUMNS,
}
