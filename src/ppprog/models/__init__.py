"""ppprog.models: estimators on SurvivalData (or a DataFrame converted through it).

Every front end takes a :class:`~ppprog.tables.data.SurvivalData` or a
DataFrame converted by :func:`ppprog.tables.frame.as_survival_data`; the Cox
fits (ordinary and Firth, single and batched) share one design and one
likelihood sweep, and the batched fits one result protocol
(:class:`~ppprog.models.batch_result.BatchFitResult`).

Competing events: :func:`aalen_johansen`, :func:`gray_test`, :func:`fine_gray`.
Interval-censored (imprecise) times: :func:`turnbull`, :func:`aft_interval`,
:func:`impute_times`, :func:`multiple_imputation` and :func:`rubin_pool`.
Mixture cure models (protracted vs refractory): :func:`cure_model`, :func:`cure_model_batch`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Public names and the module that defines each (also the model names of the top-level
# package), imported on first use (PEP 562):
# `import ppprog.models.status` (as every study does) loads no estimator it does not use.
EXPORTS: dict[str, str] = {
    "AftIntervalResult": "ppprog.models.aft_interval",
    "aft_interval": "ppprog.models.aft_interval",
    "BatchFitResult": "ppprog.models.batch_result",
    "as_bounds": "ppprog.models.bounds",
    "bounds_of": "ppprog.models.bounds",
    "AJResult": "ppprog.models.competing",
    "GrayResult": "ppprog.models.competing",
    "aalen_johansen": "ppprog.models.competing",
    "gray_test": "ppprog.models.competing",
    "cox_ph": "ppprog.models.cox",
    "CoxBatchResult": "ppprog.models.cox_batch",
    "cox_ph_batch": "ppprog.models.cox_batch",
    "CoxResult": "ppprog.models.cox_result",
    "cure_model": "ppprog.models.cure",
    "cure_model_batch": "ppprog.models.cure_batch",
    "CureBatchResult": "ppprog.models.cure_result",
    "CureResult": "ppprog.models.cure_result",
    "FollowUp": "ppprog.models.cure_result",
    "FineGrayResult": "ppprog.models.fine_gray",
    "fine_gray": "ppprog.models.fine_gray",
    "cox_firth": "ppprog.models.firth",
    "cox_firth_batch": "ppprog.models.firth_batch",
    "FirthBatchResult": "ppprog.models.firth_result",
    "FirthResult": "ppprog.models.firth_result",
    "Imputations": "ppprog.models.imputation",
    "impute_times": "ppprog.models.imputation",
    "multiple_imputation": "ppprog.models.imputation",
    "TurnbullResult": "ppprog.models.interval",
    "turnbull": "ppprog.models.interval",
    "KMResult": "ppprog.models.km",
    "kaplan_meier": "ppprog.models.km",
    "LogRankResult": "ppprog.models.logrank",
    "logrank_test": "ppprog.models.logrank",
    "LogRankBatchResult": "ppprog.models.logrank_batch",
    "logrank_test_batch": "ppprog.models.logrank_batch",
    "PooledResult": "ppprog.models.pooling",
    "rubin_pool": "ppprog.models.pooling",
    "FitOutcome": "ppprog.models.status",
    "FitStatus": "ppprog.models.status",
}

__all__ = [
    "BatchFitResult",
    "CoxBatchResult",
    "CoxResult",
    "FirthBatchResult",
    "FirthResult",
    "FitOutcome",
    "FitStatus",
    "KMResult",
    "LogRankBatchResult",
    "LogRankResult",
    "cox_firth",
    "cox_firth_batch",
    "cox_ph",
    "cox_ph_batch",
    "kaplan_meier",
    "logrank_test",
    "logrank_test_batch",
    "aalen_johansen",
    "AJResult",
    "gray_test",
    "GrayResult",
    "fine_gray",
    "FineGrayResult",
    "AftIntervalResult",
    "Imputations",
    "PooledResult",
    "TurnbullResult",
    "aft_interval",
    "as_bounds",
    "bounds_of",
    "impute_times",
    "multiple_imputation",
    "rubin_pool",
    "turnbull",
    "cure_model",
    "cure_model_batch",
    "CureResult",
    "CureBatchResult",
    "FollowUp",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use and cache the name here."""
    if name not in EXPORTS:
        raise AttributeError(f"module 'ppprog.models' has no attribute {name!r}")
    value = getattr(importlib.import_module(EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from ppprog.models.aft_interval import AftIntervalResult, aft_interval
    from ppprog.models.batch_result import BatchFitResult
    from ppprog.models.bounds import as_bounds, bounds_of
    from ppprog.models.competing import AJResult, GrayResult, aalen_johansen, gray_test
    from ppprog.models.cox import cox_ph
    from ppprog.models.cox_batch import CoxBatchResult, cox_ph_batch
    from ppprog.models.cox_result import CoxResult
    from ppprog.models.cure import cure_model
    from ppprog.models.cure_batch import cure_model_batch
    from ppprog.models.cure_result import CureBatchResult, CureResult, FollowUp
    from ppprog.models.fine_gray import FineGrayResult, fine_gray
    from ppprog.models.firth import cox_firth
    from ppprog.models.firth_batch import cox_firth_batch
    from ppprog.models.firth_result import FirthBatchResult, FirthResult
    from ppprog.models.imputation import Imputations, impute_times, multiple_imputation
    from ppprog.models.interval import TurnbullResult, turnbull
    from ppprog.models.km import KMResult, kaplan_meier
    from ppprog.models.logrank import LogRankResult, logrank_test
    from ppprog.models.logrank_batch import LogRankBatchResult, logrank_test_batch
    from ppprog.models.pooling import PooledResult, rubin_pool
    from ppprog.models.status import FitOutcome, FitStatus
