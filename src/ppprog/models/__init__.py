"""ppprog.models."""

from ppprog.models.cure import cure_model
from ppprog.models.cure_batch import cure_model_batch
from ppprog.models.cure_result import CureBatchResult, CureResult, FollowUp

__all__ = ["cure_model", "cure_model_batch", "CureResult", "CureBatchResult", "FollowUp"]
