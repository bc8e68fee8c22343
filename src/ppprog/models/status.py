"""How a fit ended: integer codes in kernels, an enum and an outcome on results.

Kernels (single or batched) return one ``int8`` code per replicate from
:class:`FitStatus`; they never warn. Front ends turn codes into a
:class:`FitOutcome` stored on every result as ``.status``; only single-fit
front ends may additionally emit one :class:`~ppprog._core.errors.FitWarning`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

__all__ = ["FitStatus", "FitOutcome"]


class FitStatus(IntEnum):
    """Integer status codes shared by every fitting kernel."""

    CONVERGED = 0
    """Newton-Raphson met the tolerance; estimates are finite MLEs."""
    MONOTONE_LIKELIHOOD = 1
    """The likelihood keeps rising as some coefficients diverge (separation)."""
    MAX_ITER = 2
    """The iteration limit was reached before the tolerance."""
    STEP_HALVING_FAILED = 3
    """No step along the Newton direction improved the objective."""
    SINGULAR_INFORMATION = 4
    """The information matrix is singular (constant or collinear columns)."""
    NO_EVENTS = 5
    """The data hold no events; nothing can be estimated."""
    NOT_FINITE = 6
    """The objective or its derivatives became non-finite."""
    PROFILE_NOT_CLOSED = 7
    """A profile-likelihood bound was not reached within the search range."""
    NOT_IDENTIFIED = 8
    """The data cannot identify the model (mixture cure: follow-up shows no plateau)."""

    @property
    def ok(self) -> bool:
        """True only for :attr:`CONVERGED`."""
        return self is FitStatus.CONVERGED


@dataclass(frozen=True)
class FitOutcome:
    """Status of one fit, with the covariates involved and a message.

    Parameters
    ----------
    code : FitStatus
        How the fit ended.
    n_iter : int
        Newton iterations used.
    message : str
        Human-readable explanation; for monotone likelihood it names the
        covariates and points to the Firth-penalized fit.
    covariates : tuple of str
        Covariates implicated (diverging, constant or collinear).
    directions : tuple of int
        For diverging covariates, +1 (to +inf) or -1 (to -inf).
    """

    code: FitStatus
    n_iter: int = 0
    message: str = ""
    covariates: tuple[str, ...] = ()
    directions: tuple[int, ...] = ()

    @property
    def converged(self) -> bool:
        """True when the fit converged to finite estimates."""
        return self.code is FitStatus.CONVERGED

    def __str__(self) -> str:
        text = self.code.name.lower()
        return f"{text}: {self.message}" if self.message else text
