"""ppprog.models."""

from ppprog.models.competing import AJResult, GrayResult, aalen_johansen, gray_test
from ppprog.models.fine_gray import FineGrayResult, fine_gray

__all__ = [
    "aalen_johansen",
    "AJResult",
    "gray_test",
    "GrayResult",
    "fine_gray",
    "FineGrayResult",
]
