"""Kaplan-Meier estimator with R ``survfit`` conventions.

Front end over :mod:`ppprog.models._kernels.km`: validates the input once,
splits by group, and returns a frozen :class:`KMResult`.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from ppprog._core.errors import ModelError
from ppprog._core.fmt import fmt_num, text_table
from ppprog.models._kernels.km import conf_band, find_quantile, product_limit, risk_counts
from ppprog.models.survival_input import as_float, as_labels, check_survival, survival_input

__all__ = ["KMResult", "kaplan_meier"]

CONF_TYPES = ("log", "log-log", "plain")
TABLE_COLUMNS = [
    "time", "n_risk", "n_event", "n_censor", "survival", "std_err",
    "lower", "upper", "cumhaz", "cumhaz_se",
]  # fmt: skip


def _curve_frame(
    time: NDArray[np.float64],
    event: NDArray[np.bool_],
    entry: NDArray[np.float64] | None,
    conf_type: str,
    alpha: float,
) -> pd.DataFrame:
    counts = risk_counts(time, event, entry)
    curve = product_limit(counts.n_risk, counts.n_event)
    lower, upper = conf_band(curve.survival, curve.std_err, conf_type, alpha)
    return pd.DataFrame(
        {
            "time": counts.time, "n_risk": counts.n_risk, "n_event": counts.n_event,
            "n_censor": counts.n_censor, "survival": curve.survival, "std_err": curve.std_err,
            "lower": lower, "upper": upper, "cumhaz": curve.cumhaz, "cumhaz_se": curve.cumhaz_se,
        }
    )  # fmt: skip


@dataclass(frozen=True)
class KMResult:
    """Kaplan-Meier fit (one curve or one per group).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per distinct time (per group), censor-only times included,
        with columns ``time, n_risk, n_event, n_censor, survival, std_err,
        lower, upper, cumhaz, cumhaz_se`` and a leading ``group`` column when
        grouped. ``std_err`` is R's ``std.err``: the Greenwood standard error
        of the cumulative hazard ``-log S`` (multiply by ``survival`` for the
        SE of ``S``). ``cumhaz`` is Nelson-Aalen with SE ``cumhaz_se``.
    n : pandas.Series
        Number of subjects per group (index ``"all"`` when ungrouped).
    groups : tuple or None
        Group levels in sorted order, None when ungrouped.
    conf_type : str
        Confidence-interval transform.
    alpha : float
        One minus the confidence level.
    left_truncated : bool
        Whether ``entry`` times were given.
    """

    table: pd.DataFrame
    n: pd.Series
    groups: tuple[Hashable, ...] | None
    conf_type: str
    alpha: float
    left_truncated: bool

    def curve(self, group: Hashable) -> KMResult:
        """The ungrouped result for one group level.

        Parameters
        ----------
        group : hashable
            One of :attr:`groups`.

        Returns
        -------
        KMResult
            Identical to fitting that group alone (with ``timefix``, near
            ties are merged over the pooled times first, as R does).
        """
        if self.groups is None:
            raise ModelError("this result is not grouped")
        if group not in self.groups:
            raise ModelError(f"group {group!r} not among {self.groups}")
        sub = self.table.loc[self.table["group"] == group, TABLE_COLUMNS].reset_index(drop=True)
        n = pd.Series({"all": int(self.n[group])})
        return KMResult(sub, n, None, self.conf_type, self.alpha, self.left_truncated)

    def _single(self, what: str) -> None:
        if self.groups is not None:
            raise ModelError(
                f"{what} needs a single curve; use .summary, .quantile() or .curve(group)"
            )

    def _quantile_row(self, tab: pd.DataFrame, p: float) -> tuple[float, float, float]:
        t = tab["time"].to_numpy()
        # as R: the lower limit of the quantile comes from the lower survival band
        return (
            find_quantile(t, tab["survival"].to_numpy(), p),
            find_quantile(t, tab["lower"].to_numpy(), p),
            find_quantile(t, tab["upper"].to_numpy(), p),
        )

    def quantile(self, p: float | Sequence[float] = 0.5) -> pd.DataFrame:
        """Survival-time quantiles with confidence limits, as R's ``quantile.survfit``.

        The ``p`` quantile is the first time at which ``S(t) <= 1 - p``, with
        the midpoint rule on a flat stretch at exactly ``1 - p``; its limits
        are the same read-off on the lower and upper confidence curves.
        One deliberate choice: when the curve stays at exactly ``1 - p`` to
        its last time, ``quantile.survfit`` (followed here) returns the
        midpoint with that last time, whereas ``print.survfit`` prints the
        start of the stretch.

        Parameters
        ----------
        p : float or sequence of float, optional
            Probabilities of failure in [0, 1] (0.5 = median).

        Returns
        -------
        pandas.DataFrame
            Columns ``[group,] p, time, lower, upper, reached``; ``time`` is
            NaN and ``reached`` False when the curve never gets to ``1 - p``.
        """
        probs = np.atleast_1d(np.asarray(p, dtype=np.float64))
        if ((probs < 0) | (probs > 1) | np.isnan(probs)).any():
            raise ModelError(f"p must lie in [0, 1], got {probs.tolist()}")
        rows = []
        for g in self.groups if self.groups is not None else (None,):
            tab = self.table if g is None else self.table[self.table["group"] == g]
            for q in probs:
                est, lo, hi = self._quantile_row(tab, float(q))
                row = {
                    "p": float(q),
                    "time": est,
                    "lower": lo,
                    "upper": hi,
                    "reached": not np.isnan(est),
                }
                rows.append(row if g is None else {"group": g, **row})
        return pd.DataFrame(rows)

    @property
    def median(self) -> float:
        """Median survival time (NaN when not reached; see :attr:`median_reached`)."""
        self._single("median")
        return float(self.quantile(0.5)["time"].iloc[0])

    @property
    def median_reached(self) -> bool:
        """True when the survival curve reaches 0.5."""
        return not np.isnan(self.median)

    @property
    def median_ci(self) -> tuple[float, float]:
        """Confidence limits of the median (NaN where a band never reaches 0.5)."""
        self._single("median_ci")
        q = self.quantile(0.5).iloc[0]
        return float(q["lower"]), float(q["upper"])

    def survival_at(self, t: ArrayLike) -> NDArray[np.float64]:
        """Evaluate the right-continuous step function ``S(t)``.

        Parameters
        ----------
        t : array_like of float
            Times at which to evaluate.

        Returns
        -------
        numpy.ndarray of float
            ``S`` at the last table time ``<= t``; 1 before the first time.
        """
        self._single("survival_at")
        tt = as_float(np.atleast_1d(np.asarray(t, dtype=np.float64)), "t")
        idx = np.searchsorted(self.table["time"].to_numpy(), tt, side="right") - 1
        surv = self.table["survival"].to_numpy()
        return np.where(idx >= 0, surv[np.maximum(idx, 0)], 1.0)

    @property
    def summary(self) -> pd.DataFrame:
        """One row per curve (index ``group``, ``"all"`` when ungrouped).

        Columns ``n, events, median, lower, upper, median_reached``; the median
        and its limits follow :meth:`quantile` and are NaN when not reached.
        """
        q = self.quantile(0.5)
        tab = self.table
        keys = list(self.groups) if self.groups is not None else ["all"]
        events = (
            tab.groupby("group", sort=False)["n_event"].sum().reindex(keys)
            if self.groups is not None
            else pd.Series({"all": tab["n_event"].sum()})
        )
        out = pd.DataFrame(
            {
                "n": self.n.reindex(keys).to_numpy(),
                "events": events.to_numpy(),
                "median": q["time"].to_numpy(),
                "lower": q["lower"].to_numpy(),
                "upper": q["upper"].to_numpy(),
                "median_reached": q["reached"].to_numpy(),
            },
            index=pd.Index(keys, name="group"),
        )
        return out

    def __str__(self) -> str:
        level = fmt_num(1.0 - self.alpha, 3)
        header = ["", "n", "events", "median", f"{level}LCL", f"{level}UCL"]
        rows = [
            [str(g), int(r["n"]), int(r["events"]), r["median"], r["lower"], r["upper"]]
            for g, r in self.summary.iterrows()
        ]
        notes = [f"Kaplan-Meier, conf_type={self.conf_type!r}; NA = not reached"]
        if self.left_truncated:
            notes.append("left-truncated (entry < t <= time)")
        return text_table(header, rows) + "\n" + "; ".join(notes)


def kaplan_meier(
    time: ArrayLike | pd.DataFrame | Any,
    event: ArrayLike | str | None = None,
    *,
    entry: ArrayLike | str | None = None,
    group: ArrayLike | str | None = None,
    conf_type: str = "log",
    alpha: float = 0.05,
    timefix: bool = True,
    duration: str | None = None,
    cause: int | None = None,
) -> KMResult:
    """Kaplan-Meier survival curve(s) with R ``survfit`` conventions.

    Parameters
    ----------
    time : array_like of float, shape (n,), pandas.DataFrame or SurvivalData
        Follow-up (exit) times, >= 0; or a whole table: a DataFrame (then
        ``duration`` and ``event`` name its columns, and ``entry`` and
        ``group`` may too) or a SurvivalData of one replicate (its entry times
        are used; ``group`` may name a covariate or its strata column).
    event : array_like of {0, 1}, shape (n,), or str
        1 for an event, 0 for a censoring (a column name for a DataFrame).
    entry : array_like of float, shape (n,), or str, optional
        Left-truncation (delayed entry) times; a subject is at risk at ``t``
        iff ``entry < t <= time``. Each must be below its ``time``.
    group : array_like, shape (n,), or str, optional
        Labels; one curve per sorted level.
    conf_type : {"log", "log-log", "plain"}, optional
        Transform for the pointwise intervals. The default ``"log"`` is R's
        ``survfit`` default (``conf.type = "log"``); lifelines and Stata use
        ``"log-log"``.
    alpha : float, optional
        One minus the confidence level.
    timefix : bool, optional
        As R's default, treat times within ``sqrt(machine eps)`` (absolute or
        relative) as tied; False compares times exactly.
    duration : str, optional
        Exit-time column of a DataFrame ``time``.
    cause : int, optional
        For a table with competing events: the event code of interest; other
        causes count as censoring (the cause-specific "1 - KM", which is not
        the cumulative incidence).

    Returns
    -------
    KMResult

    References
    ----------
    Kaplan EL, Meier P (1958). Nonparametric estimation from incomplete
    observations. JASA 53:457-481. Therneau TM, R package ``survival``
    (``survfitKM``, ``quantile.survfit``).

    Examples
    --------
    >>> from ppprog.models.km import kaplan_meier
    >>> fit = kaplan_meier([1, 2, 2, 3, 4], [1, 1, 0, 1, 0])
    >>> fit.table["survival"].round(4).tolist()
    [0.8, 0.6, 0.3, 0.3]
    >>> fit.median
    3.0
    """
    if conf_type not in CONF_TYPES:
        raise ModelError(f"conf_type must be one of {CONF_TYPES}, got {conf_type!r}")
    if not 0.0 < float(alpha) < 1.0:
        raise ModelError(f"alpha must lie in (0, 1), got {alpha!r}")
    time, event, entry, lab = survival_input(time, event, entry, duration=duration, cause=cause,
                                             labels={"group": group}, what="kaplan_meier")  # fmt: skip
    group = lab["group"]
    t, e, en = check_survival(time, event, entry, timefix)
    if group is None:
        table = _curve_frame(t, e, en, conf_type, alpha)
        n = pd.Series({"all": int(t.size)})
        return KMResult(table, n, None, conf_type, float(alpha), en is not None)
    codes, levels = as_labels(group, t.size, "group")
    frames, sizes = [], {}
    for j, level in enumerate(levels):
        sel = codes == j
        f = _curve_frame(t[sel], e[sel], None if en is None else en[sel], conf_type, alpha)
        f.insert(0, "group", [level] * len(f))
        frames.append(f)
        sizes[level] = int(sel.sum())
    table = pd.concat(frames, ignore_index=True)
    return KMResult(table, pd.Series(sizes), levels, conf_type, float(alpha), en is not None)
