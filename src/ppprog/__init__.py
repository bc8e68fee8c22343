"""ppprog: survival and prognosis modelling of paradoxical psoriasis.

The public API, in the order data flows through it:

- records: :func:`read_cases`, :func:`write_cases`, :func:`parse_titer`,
  :func:`parse_duration`, :func:`validate`, :class:`Case` and its parts;
- tables: :func:`resolution_table`, :func:`onset_table`, :func:`counting_process`,
  :func:`check_counting_process`;
- models: :func:`kaplan_meier`, :func:`logrank_test`, :func:`cox_ph`, :func:`cox_ph_batch`,
  :func:`cox_firth`, :func:`cox_firth_batch`;
- simulate: :class:`CohortSpec`, :func:`generate`;
- studies: :class:`Study`, :func:`run_study`, :func:`check`.

Heavy optional dependencies (lifelines, statsmodels, dask, matplotlib) are imported
only by the functions that need them.
"""

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
from ppprog._version import __version__
from ppprog.models.cox import cox_ph
from ppprog.models.cox_batch import CoxBatchResult, cox_ph_batch
from ppprog.models.cox_result import CoxResult
from ppprog.models.firth import cox_firth, cox_firth_batch
from ppprog.models.km import KMResult, kaplan_meier
from ppprog.models.logrank import LogRankResult, logrank_test
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
from ppprog.simulate import CohortBatch, CohortSpec, OnsetSpec, ResolutionSpec, generate
from ppprog.studies import (
    Estimand,
    Method,
    Study,
    StudyResult,
    load_study,
    run_study,
    run_study_file,
)
from ppprog.studies.builtin import ClaimsResult, run_claims_study
from ppprog.studies.dgm_check import CheckReport, check
from ppprog.tables import check_counting_process, counting_process, onset_table, resolution_table

__all__ = [
    "datasets",
    "__version__",
    # errors
    "PpprogError",
    "ParseError",
    "ValidationError",
    "SpecError",
    "PpprogWarning",
    "FitWarning",
    "Problem",
    "ProblemReport",
    # records
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
    # tables
    "resolution_table",
    "onset_table",
    "counting_process",
    "check_counting_process",
    # models
    "kaplan_meier",
    "KMResult",
    "logrank_test",
    "LogRankResult",
    "FitStatus",
    "FitOutcome",
    "cox_ph",
    "CoxResult",
    "cox_ph_batch",
    "CoxBatchResult",
    "cox_firth",
    "cox_firth_batch",
    # simulate
    "CohortSpec",
    "OnsetSpec",
    "ResolutionSpec",
    "CohortBatch",
    "generate",
    # studies
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
]
