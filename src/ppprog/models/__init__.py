"""ppprog.models.

Competing events: :func:`aalen_johansen`, :func:`gray_test`, :func:`fine_gray`.
Interval-censored (imprecise) times: :func:`turnbull`, :func:`aft_interval`,
:func:`impute_times`, :func:`multiple_imputation` and :func:`rubin_pool`.
Mixture cure models (protracted vs refractory): :func:`cure_model`, :func:`cure_model_batch`.
"""

from ppprog.models.aft_interval import AftIntervalResult, aft_interval
from ppprog.models.bounds import as_bounds, bounds_of
from ppprog.models.competing import AJResult, GrayResult, aalen_johansen, gray_test
from ppprog.models.cure import cure_model
from ppprog.models.cure_batch import cure_model_batch
from ppprog.models.cure_result import CureBatchResult, CureResult, FollowUp
from ppprog.models.fine_gray import FineGrayResult, fine_gray
from ppprog.models.imputation import Imputations, impute_times, multiple_imputation
from ppprog.models.interval import TurnbullResult, turnbull
from ppprog.models.pooling import PooledResult, rubin_pool

__all__ = [
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
