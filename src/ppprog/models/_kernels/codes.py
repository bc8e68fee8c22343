"""Integer status codes returned by the compiled fitting kernels.

They mirror :class:`ppprog.models.status.FitStatus` (kernels import nothing
above ``_core``; a test checks that the two agree). Every Cox kernel (Newton,
Firth) returns these codes, one per replicate; the front ends map them to a
:class:`~ppprog.models.status.FitOutcome` with one mapping
(:func:`ppprog.models.status.fit_outcome`).
"""

from __future__ import annotations

__all__ = [
    "CONVERGED",
    "MONOTONE",
    "MAX_ITER",
    "HALVING_FAILED",
    "SINGULAR",
    "NO_EVENTS",
    "NOT_FINITE",
    "STATUS_CODES",
]

CONVERGED, MONOTONE, MAX_ITER, HALVING_FAILED, SINGULAR, NO_EVENTS, NOT_FINITE = range(7)
STATUS_CODES = {
    "CONVERGED": CONVERGED,
    "MONOTONE_LIKELIHOOD": MONOTONE,
    "MAX_ITER": MAX_ITER,
    "STEP_HALVING_FAILED": HALVING_FAILED,
    "SINGULAR_INFORMATION": SINGULAR,
    "NO_EVENTS": NO_EVENTS,
    "NOT_FINITE": NOT_FINITE,
}
