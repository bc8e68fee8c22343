"""Turnbull's nonparametric MLE of the survival curve from imprecise times.

Front end over :mod:`ppprog.models._kernels.turnbull`. The convention is that
of R ``npsurv::npsurv`` (and of ``Surv(left, right, type = "interval2")``, see
:mod:`ppprog.models.bounds`): an observation is the set ``(left, right]``, or
the point ``{t}`` when ``left == right == t``. With exact and right-censored
times only, the NPMLE is the Kaplan-Meier curve (a censored time ``c`` is the
set ``(c, inf]``, so a subject censored at ``c`` is still at risk at ``c``).

R's ``survfit(Surv(left, right, type = "interval2") ~ 1)`` computes the same
estimator by an EM that it stops once the survival changes by less than
5e-5 and reports at the midpoints of the support intervals; it therefore agrees
with this (and with ``npsurv``) only to about 1e-4. ppprog follows ``npsurv``
and converges to about 1e-12 in the masses.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ppprog._core.errors import ModelError
from ppprog._core.fmt import text_table
from ppprog._core.typing import FloatArray
from ppprog.models._kernels.turnbull import STATUS_CONVERGED, npmle, support_intervals
from ppprog.models.bounds import as_bounds
from ppprog.models.status import FitOutcome, FitStatus
from ppprog.models.survival_input import as_labels

__all__ = ["TurnbullResult", "turnbull"]

TABLE_COLUMNS = ["left", "right", "closed", "mass", "surv_left", "surv_right"]
WITHIN = ("nan", "upper", "lower")


@dataclass(frozen=True)
class TurnbullResult:
    """Nonparametric MLE of survival from interval-censored times.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per support interval with positive mass (per group), columns
        ``[group,] left, right, closed, mass, surv_left, surv_right``: the
        interval ``(left, right]`` (``[t, t]`` when ``closed``), its
        probability, and the survival just before it (at ``left``) and at
        its right end. Inside a support interval the NPMLE does not say how
        the mass is spread, so ``S`` is known only at these ends.
    n : pandas.Series
        Subjects per group (index ``"all"`` when ungrouped).
    groups : tuple or None
        Group levels (sorted), None when ungrouped.
    loglik : pandas.Series
        Maximized log-likelihood per group.
    max_gradient : pandas.Series
        Kuhn-Tucker gap ``max_j d_j / n - 1`` at the solution (0 at the NPMLE).
    status : FitOutcome
        Converged unless some group hit the iteration limit (named in the
        message).
    """

    table: pd.DataFrame
    n: pd.Series
    groups: tuple[Hashable, ...] | None
    loglik: pd.Series
    max_gradient: pd.Series
    status: FitOutcome

    def survival_at(
        self, t: ArrayLike, *, group: Hashable | None = None, within: str = "nan"
    ) -> FloatArray:
        """Evaluate the NPMLE survival function.

        Parameters
        ----------
        t : array_like of float
            Times.
        group : hashable, optional
            The curve to read (required when grouped).
        within : {"nan", "upper", "lower"}, optional
            What to return for ``t`` strictly inside a support interval, where
            the NPMLE is not unique: NaN (default), the upper bound (mass at the
            interval's right end) or the lower bound (mass at its left end).

        Returns
        -------
        numpy.ndarray of float
        """
        if within not in WITHIN:
            raise ModelError(f"within must be one of {WITHIN}, got {within!r}")
        tab = self._curve_table(group)
        tt = np.atleast_1d(np.asarray(t, dtype=np.float64))
        lo, hi, mass = (tab[c].to_numpy() for c in ("left", "right", "mass"))
        closed = tab["closed"].to_numpy()
        upper = 1.0 - (mass[None, :] * (hi[None, :] <= tt[:, None])).sum(axis=1)
        started = (lo[None, :] < tt[:, None]) | (closed[None, :] & (lo[None, :] <= tt[:, None]))
        lower = 1.0 - (mass[None, :] * started).sum(axis=1)
        if within == "upper":
            return np.asarray(upper)
        if within == "lower":
            return np.asarray(lower)
        return np.where(np.isclose(upper, lower, rtol=0, atol=1e-14), upper, np.nan)

    def _curve_table(self, group: Hashable | None) -> pd.DataFrame:
        if self.groups is None:
            if group is not None:
                raise ModelError("this result is not grouped")
            return self.table
        if group not in self.groups:
            raise ModelError(f"group must be one of {self.groups}, got {group!r}")
        return self.table[self.table["group"] == group]

    @property
    def summary(self) -> pd.DataFrame:
        """One row per curve: ``n, support (intervals), loglik, max_gradient``."""
        keys = list(self.groups) if self.groups is not None else ["all"]
        support = (
            self.table.groupby("group", sort=False).size().reindex(keys).to_numpy()
            if self.groups is not None
            else np.array([len(self.table)])
        )
        return pd.DataFrame(
            {
                "n": self.n.reindex(keys).to_numpy(),
                "support": support,
                "loglik": self.loglik.reindex(keys).to_numpy(),
                "max_gradient": self.max_gradient.reindex(keys).to_numpy(),
            },
            index=pd.Index(keys, name="group"),
        )

    def __str__(self) -> str:
        rows = [
            [str(g), int(r["n"]), int(r["support"]), r["loglik"]]
            for g, r in self.summary.iterrows()
        ]
        return (
            text_table(["", "n", "support", "loglik"], rows)
            + f"\nTurnbull NPMLE ((left, right] intervals); status: {self.status}"
        )


def _fit_one(
    left: FloatArray, right: FloatArray, method: str, tol: float, max_iter: int
) -> tuple[pd.DataFrame, float, float, int, int]:
    sup = support_intervals(left, right)
    out = npmle(sup.A, method=method, tol=tol, max_iter=max_iter)
    keep = out.mass > 0
    mass = out.mass[keep]
    cum = np.cumsum(mass)
    surv_right = np.clip(1.0 - cum, 0.0, 1.0)
    surv_right[-1] = 0.0
    frame = pd.DataFrame(
        {
            "left": sup.left[keep], "right": sup.right[keep], "closed": sup.closed[keep],
            "mass": mass, "surv_left": np.concatenate([[1.0], surv_right[:-1]]),
            "surv_right": surv_right,
        }
    )  # fmt: skip
    return frame, out.loglik, out.max_gradient, out.n_iter, out.status


def turnbull(
    left: ArrayLike,
    right: ArrayLike,
    *,
    group: ArrayLike | None = None,
    method: str = "cnm",
    tol: float = 1e-13,
    max_iter: int = 1000,
) -> TurnbullResult:
    """Turnbull's nonparametric MLE of survival from imprecise (interval-censored) times.

    Parameters
    ----------
    left, right : array_like of float
        Bounds of each time with R's ``interval2`` convention
        (:mod:`ppprog.models.bounds`): ``left == right`` exact,
        ``(left, right]`` otherwise, NaN/inf ``right`` right-censored,
        NaN/0 ``left`` left-censored.
    group : array_like, optional
        Labels; one curve per sorted level.
    method : {"cnm", "em"}, optional
        Constrained Newton (as R ``npsurv``, default) or plain EM
        (self-consistency; slow, give a large ``max_iter``).
    tol : float, optional
        Convergence tolerance on the Kuhn-Tucker gap.
    max_iter : int, optional
        Iteration limit per curve.

    Returns
    -------
    TurnbullResult

    References
    ----------
    Turnbull, B. W. (1976). The empirical distribution function with
    arbitrarily grouped, censored and truncated data. JRSS B 38, 290-295.
    Wang, Y. (2008). Dimension-reduced nonparametric maximum likelihood
    computation for interval-censored data. CSDA 52, 2388-2402.

    Examples
    --------
    >>> import numpy as np
    >>> fit = turnbull([1, 2, 0, 4], [3, 2, 4, np.inf])
    >>> fit.table[["left", "right", "mass"]].round(3).values.tolist()
    [[2.0, 2.0, 0.75], [4.0, inf, 0.25]]
    """
    if method not in ("cnm", "em"):
        raise ModelError(f"method must be 'cnm' or 'em', got {method!r}")
    lo, hi = as_bounds(left, right)
    levels: tuple[Hashable, ...] = ("all",)
    if group is None:
        codes = np.zeros(lo.size, np.intp)
    else:
        codes, levels = as_labels(group, lo.size, "group")
    frames: list[pd.DataFrame] = []
    ll: dict[Hashable, float] = {}
    gaps: dict[Hashable, float] = {}
    bad: list[str] = []
    for k, g in enumerate(levels):
        sel = codes == k
        frame, ll[g], gaps[g], _, code = _fit_one(lo[sel], hi[sel], method, tol, max_iter)
        if code != STATUS_CONVERGED:
            bad.append(str(g))
        frames.append(frame.assign(group=g) if group is not None else frame)
    table = pd.concat(frames, ignore_index=True)
    if group is not None:
        table = table[["group", *TABLE_COLUMNS]]
    status = (
        FitOutcome(FitStatus.CONVERGED)
        if not bad
        else FitOutcome(FitStatus.MAX_ITER, message=f"iteration limit reached for {', '.join(bad)}")
    )
    n = pd.Series({g: int((codes == k).sum()) for k, g in enumerate(levels)})
    return TurnbullResult(
        table=table,
        n=n,
        groups=None if group is None else tuple(levels),
        loglik=pd.Series(ll),
        max_gradient=pd.Series(gaps),
        status=status,
    )
