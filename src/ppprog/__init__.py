"""ppprog: survival and prognosis modelling of paradoxical psoriasis.

The public API, in the order data flows through it:

- records: :func:`read_cases`, :func:`write_cases`, :func:`parse_titer`,
  :func:`parse_duration`, :func:`validate`, :class:`Case` and its parts;
- tables: :func:`resolution_table`, :func:`onset_table`, :func:`counting_process`,
  :func:`check_counting_process`;
- models: :func:`kaplan_meier`, :func:`logrank_test`, :func:`cox_ph`, :func:`cox_ph_batch`,
  :func:`cox_firth`, :func:`cox_firth_batch`; competing events: :func:`aalen_johansen`,
  :func:`gray_test`, :func:`fine_gray`; imprecise times: :func:`turnbull`,
  :func:`aft_interval`, :func:`impute_times`, :func:`multiple_imputation`, :func:`rubin_pool`;
  mixture cure models: :func:`cure_model`, :func:`cure_model_batch`;
- simulate: :class:`CohortSpec`, :func:`generate`, :func:`visit_bounds`, :func:`rounded_bounds`;
- studies: :class:`Study`, :func:`run_study`, :func:`check`.

Heavy optional dependencies (lifelines, statsmodels, dask, matplotlib) are imported
only by the functions that need them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ppprog._version import __version__
from ppprog.models import EXPORTS as MODEL_EXPORTS  # a light module: names only

# Public names and the module that defines each: imported on first use (PEP 562), so
# `import ppprog` and `ppprog --help` load no numerics; tests/test_import_light.py checks it.
_EXPORTS: dict[str, str] = {
    "FitWarning": "ppprog._core.errors",
    "ParseError": "ppprog._core.errors",
    "PpprogError": "ppprog._core.errors",
    "PpprogWarning": "ppprog._core.errors",
    "Problem": "ppprog._core.errors",
    "ProblemReport": "ppprog._core.errors",
    "SpecError": "ppprog._core.errors",
    "ValidationError": "ppprog._core.errors",
    **MODEL_EXPORTS,
    "AnaMeasurement": "ppprog.records",
    "Case": "ppprog.records",
    "LabValue": "ppprog.records",
    "Onset": "ppprog.records",
    "Outcome": "ppprog.records",
    "Patient": "ppprog.records",
    "Source": "ppprog.records",
    "TimeValue": "ppprog.records",
    "Titer": "ppprog.records",
    "TreatmentEpisode": "ppprog.records",
    "read_cases": "ppprog.records.io",
    "write_cases": "ppprog.records.io",
    "parse_duration": "ppprog.records.parse",
    "parse_titer": "ppprog.records.parse",
    "validate": "ppprog.records.validate",
    "CohortBatch": "ppprog.simulate",
    "CohortSpec": "ppprog.simulate",
    "OnsetSpec": "ppprog.simulate",
    "ReportedTimes": "ppprog.simulate",
    "ResolutionSpec": "ppprog.simulate",
    "generate": "ppprog.simulate",
    "rounded_bounds": "ppprog.simulate",
    "visit_bounds": "ppprog.simulate",
    "Estimand": "ppprog.studies",
    "Method": "ppprog.studies",
    "Study": "ppprog.studies",
    "StudyResult": "ppprog.studies",
    "load_study": "ppprog.studies",
    "run_study": "ppprog.studies",
    "run_study_file": "ppprog.studies",
    "ClaimsResult": "ppprog.report.claims_result",
    "run_claims_study": "ppprog.report.claims_result",
    "Suite": "ppprog.studies.suite",
    "load_suite": "ppprog.studies.suite",
    "run_suite": "ppprog.studies.suite",
    "CheckReport": "ppprog.studies.dgm_check",
    "check": "ppprog.studies.dgm_check",
    "check_counting_process": "ppprog.tables",
    "counting_process": "ppprog.tables",
    "onset_table": "ppprog.tables",
    "resolution_table": "ppprog.tables",
}
_SUBMODULES = ('datasets',)

__all__ = [
    "datasets",
    "__version__",
    "PpprogError",
    "ParseError",
    "ValidationError",
    "SpecError",
    "PpprogWarning",
    "FitWarning",
    "Problem",
    "ProblemReport",
    "Case",
    "Patient",
    "Onset",
    "AnaMeasurement",
    "LabValue",
    "TreatmentEpisode",
    "Outcome",
    "Source",
    "Titer",
    "TimeValue",
    "read_cases",
    "write_cases",
    "parse_titer",
    "parse_duration",
    "validate",
    "resolution_table",
    "onset_table",
    "counting_process",
    "check_counting_process",
    "kaplan_meier",
    "KMResult",
    "logrank_test",
    "LogRankResult",
    "logrank_test_batch",
    "LogRankBatchResult",
    "FitStatus",
    "FitOutcome",
    "cox_ph",
    "CoxResult",
    "cox_ph_batch",
    "CoxBatchResult",
    "cox_firth",
    "cox_firth_batch",
    "aalen_johansen",
    "AJResult",
    "gray_test",
    "GrayResult",
    "fine_gray",
    "FineGrayResult",
    "turnbull",
    "TurnbullResult",
    "aft_interval",
    "AftIntervalResult",
    "impute_times",
    "Imputations",
    "multiple_imputation",
    "rubin_pool",
    "PooledResult",
    "cure_model",
    "CureResult",
    "cure_model_batch",
    "CureBatchResult",
    "CohortSpec",
    "OnsetSpec",
    "ResolutionSpec",
    "CohortBatch",
    "generate",
    "visit_bounds",
    "rounded_bounds",
    "ReportedTimes",
    "Study",
    "Estimand",
    "Method",
    "StudyResult",
    "run_study",
    "load_study",
    "run_study_file",
    "check",
    "CheckReport",
    "run_claims_study",
    "ClaimsResult",
    "Suite",
    "load_suite",
    "run_suite",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use and cache the name here."""
    if name in _SUBMODULES:
        value: Any = importlib.import_module(f"ppprog.{name}")
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    else:
        raise AttributeError(f"module 'ppprog' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from ppprog import datasets
    from ppprog._core.errors import (
        FitWarning,
        ParseError,
        PpprogError,
        PpprogWarning,
        Problem,
        ProblemReport,
        SpecError,
        ValidationError,
    )
    from ppprog.models.aft_interval import AftIntervalResult, aft_interval
    from ppprog.models.competing import AJResult, GrayResult, aalen_johansen, gray_test
    from ppprog.models.cox import cox_ph
    from ppprog.models.cox_batch import CoxBatchResult, cox_ph_batch
    from ppprog.models.cox_result import CoxResult
    from ppprog.models.cure import cure_model
    from ppprog.models.cure_batch import cure_model_batch
    from ppprog.models.cure_result import CureBatchResult, CureResult
    from ppprog.models.fine_gray import FineGrayResult, fine_gray
    from ppprog.models.firth import cox_firth, cox_firth_batch
    from ppprog.models.imputation import Imputations, impute_times, multiple_imputation
    from ppprog.models.interval import TurnbullResult, turnbull
    from ppprog.models.km import KMResult, kaplan_meier
    from ppprog.models.logrank import LogRankResult, logrank_test
    from ppprog.models.logrank_batch import LogRankBatchResult, logrank_test_batch
    from ppprog.models.pooling import PooledResult, rubin_pool
    from ppprog.models.status import FitOutcome, FitStatus
    from ppprog.records import (
        AnaMeasurement,
        Case,
        LabValue,
        Onset,
        Outcome,
        Patient,
        Source,
        TimeValue,
        Titer,
        TreatmentEpisode,
    )
    from ppprog.records.io import read_cases, write_cases
    from ppprog.records.parse import parse_duration, parse_titer
    from ppprog.records.validate import validate
    from ppprog.report.claims_result import ClaimsResult, run_claims_study
    from ppprog.simulate import (
        CohortBatch,
        CohortSpec,
        OnsetSpec,
        ReportedTimes,
        ResolutionSpec,
        generate,
        rounded_bounds,
        visit_bounds,
    )
    from ppprog.studies import (
        Estimand,
        Method,
        Study,
        StudyResult,
        load_study,
        run_study,
        run_study_file,
    )
    from ppprog.studies.dgm_check import CheckReport, check
    from ppprog.studies.suite import Suite, load_suite, run_suite
    from ppprog.tables import (
        check_counting_process,
        counting_process,
        onset_table,
        resolution_table,
    )
