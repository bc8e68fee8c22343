"""How a fit ended: integer codes in kernels, an enum and an outcome on results.

Kernels (single or batched) return one ``int8`` code per replicate from
:class:`FitStatus`; they never warn. Front ends turn codes into a
:class:`FitOutcome` stored on every result as ``.status``; only single-fit
front ends may additionally emit one :class:`~ppprog._core.errors.FitWarning`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

__all__ = ["FitStatus", "FitOutcome", "fit_outcome", "status_labels", "FIRTH_HINT"]


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


FIRTH_HINT = 'a Firth-penalized fit gives finite estimates: cox_ph(..., penalty="firth")'


def _message(status: FitStatus, n_iter: int, covs: tuple[str, ...], dirs: tuple[int, ...],
             penalized: bool) -> str:  # fmt: skip
    if status is FitStatus.CONVERGED:
        what = "Firth-penalized fit converged" if penalized else "converged"
        return f"{what} in {n_iter} Newton-Raphson iterations"
    if status is FitStatus.MONOTONE_LIKELIHOOD:
        where = ", ".join(f"{c} -> {'+' if d > 0 else '-'}inf" for c, d in zip(covs, dirs))
        return (
            f"monotone likelihood (separation): no finite maximum; diverging: {where}; {FIRTH_HINT}"
        )
    if status is FitStatus.SINGULAR_INFORMATION:
        return f"information singular: constant or collinear covariates: {', '.join(covs)}"
    if status is FitStatus.NO_EVENTS:
        return "no events: nothing to estimate"
    if status is FitStatus.MAX_ITER:
        return f"not converged after {n_iter} iterations (max_iter)"
    if status is FitStatus.STEP_HALVING_FAILED:
        return f"step halving failed to increase the log-likelihood at iteration {n_iter + 1}"
    if status is FitStatus.PROFILE_NOT_CLOSED:
        return "a profile-likelihood bound was not reached"
    return "log-likelihood or derivatives not finite"


def fit_outcome(
    code: int,
    n_iter: int,
    names: Sequence[str],
    flagged: Sequence[bool] | np.ndarray,
    direction: Sequence[int] | np.ndarray,
    *,
    penalized: bool = False,
) -> FitOutcome:
    """Turn a kernel status code into a :class:`FitOutcome` with a message.

    The one mapping for every Cox fit, ordinary or Firth-penalized, single or
    batched.

    Parameters
    ----------
    code : int
        Kernel status (a :class:`FitStatus` value).
    n_iter : int
        Newton iterations used.
    names : sequence of str
        Covariate names.
    flagged : array_like of bool, shape (p,)
        Covariates implicated (diverging, constant or collinear).
    direction : array_like of int, shape (p,)
        +1/-1 for diverging covariates.
    penalized : bool, optional
        Whether the fit was Firth-penalized (only changes the wording).

    Returns
    -------
    FitOutcome
    """
    status = FitStatus(int(code))
    covs = tuple(n for n, f in zip(names, flagged) if f)
    dirs = tuple(int(d) for d, f in zip(direction, flagged) if f)
    if status is FitStatus.SINGULAR_INFORMATION and not covs:
        covs = tuple(names)
    return FitOutcome(status, int(n_iter), _message(status, int(n_iter), covs, dirs, penalized),
                      covs, dirs)  # fmt: skip


def status_labels() -> np.ndarray:
    """Lower-case :class:`FitStatus` names indexed by code (for summaries)."""
    return np.array([s.name.lower() for s in FitStatus])
