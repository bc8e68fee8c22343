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
