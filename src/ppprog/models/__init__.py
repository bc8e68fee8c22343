"""ppprog.models: estimators on SurvivalData (or a DataFrame converted through it).

Every front end takes a :class:`~ppprog.tables.data.SurvivalData` or a
DataFrame converted by :func:`ppprog.tables.frame.as_survival_data`; the Cox
fits (ordinary and Firth, single and batched) share one design and one
likelihood sweep, and the batched fits one result protocol
(:class:`~ppprog.models.batch_result.BatchFitResult`).
"""

from ppprog.models.batch_result import BatchFitResult
from ppprog.models.cox import cox_ph
from ppprog.models.cox_batch import CoxBatchResult, cox_ph_batch
from ppprog.models.cox_result import CoxResult
from ppprog.models.firth import cox_firth
from ppprog.models.firth_batch import cox_firth_batch
from ppprog.models.firth_result import FirthBatchResult, FirthResult
from ppprog.models.km import KMResult, kaplan_meier
from ppprog.models.logrank import LogRankResult, logrank_test
from ppprog.models.logrank_batch import LogRankBatchResult, logrank_test_batch
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
]
