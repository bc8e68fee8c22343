"""Cumulative incidence with competing events: Aalen-Johansen curves and Gray's test.

Front ends over :mod:`ppprog.models._kernels.competing`. Event codes are
integers: ``0`` censored, ``1`` the endpoint, ``k >= 2`` a competing event
(ppprog's tables use 2 death, 3 lost, 4 other). Treating competing events as
censoring (``1 - KM``) overstates the incidence of the endpoint; the
Aalen-Johansen estimate does not.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.stats import chi2

from ppprog._core.errors import ModelError
from ppprog._core.fmt import fmt_num, fmt_p, text_table
from ppprog.models._kernels.competing import aalen_johansen_curve, gray_scores, pstate_limits
from ppprog.models.survival_input import as_float, as_labels, check_length, check_times

__all__ = ["AJResult", "aalen_johansen", "GrayResult", "gray_test", "as_codes"]

CONF_TYPES = ("log", "log-log", "plain")


def as_codes(x: ArrayLike, n: int, name: str = "event") -> NDArray[np.int64]:
    """Coerce event codes: non-negative integers (0 censored, k >= 1 a cause).

    Parameters
    ----------
    x : array_like
        Codes (booleans are read as 0/1).
    n : int
        Expected length.
    name : str, optional
        Parameter name used in error messages.

    Returns
    -------
    numpy.ndarray of int64
    """
    arr = as_float(np.asarray(x, dtype=np.float64) if np.asarray(x).dtype == bool else x, name)
    check_length(arr, n, name)
    bad = (arr < 0) | (arr != np.round(arr))
    if bad.any():
        i = int(np.argmax(bad))
        raise ModelError(
            f"{name} must hold integer codes >= 0 (0 censored, 1 endpoint, 2+ competing); "
            f"row {i} has {arr[i]!r}"
        )
    return arr.astype(np.int64)


@dataclass(frozen=True)
class AJResult:
    """Aalen-Johansen cumulative incidence of every cause (one curve or one per group).

    Attributes
    ----------
    cif : pandas.DataFrame
        Index ``time`` (``(group, time)`` when grouped), one column per cause
        code: R ``survfit``'s ``pstate`` for that state.
    std_err : pandas.DataFrame
        Same shape: R's ``std.err``, the infinitesimal-jackknife standard
        error of the cumulative incidence itself.
    lower, upper : pandas.DataFrame
        Pointwise confidence limits, computed as R does for ``pstate``.
    survival : pandas.DataFrame
        Columns ``survival, std_err, lower, upper``: the all-cause
        Kaplan-Meier (R's ``(s0)`` state), with the same conventions.
    n_risk, n_censor : pandas.Series
        Subjects at risk and censored at each time.
    n_event : pandas.DataFrame
        Events of each cause at each time.
    causes : tuple of int
        Cause codes (columns of :attr:`cif`).
    groups : tuple or None
        Group levels, None when ungrouped.
    n : pandas.Series
        Subjects per group (``"all"`` when ungrouped).
    conf_type : str
    conf_int : float
    left_truncated : bool
    """

    cif: pd.DataFrame
    std_err: pd.DataFrame
    lower: pd.DataFrame
    upper: pd.DataFrame
    survival: pd.DataFrame
    n_risk: pd.Series
    n_event: pd.DataFrame
    n_censor: pd.Series
    causes: tuple[int, ...]
    groups: tuple[Hashable, ...] | None
    n: pd.Series
    conf_type: str
    conf_int: float
    left_truncated: bool

    def curve(self, group: Hashable) -> AJResult:
        """The ungrouped result of one group level."""
        if self.groups is None:
            raise ModelError("this result is not grouped")
        if group not in self.groups:
            raise ModelError(f"group {group!r} not among {self.groups}")

        def sub(obj: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
            return obj.xs(group, level="group")

        return AJResult(
            sub(self.cif), sub(self.std_err), sub(self.lower), sub(self.upper),  # type: ignore[arg-type]
            sub(self.survival), sub(self.n_risk), sub(self.n_event), sub(self.n_censor),  # type: ignore[arg-type]
            self.causes, None, pd.Series({"all": int(self.n[group])}),
            self.conf_type, self.conf_int, self.left_truncated,
        )  # fmt: skip

    def cif_at(self, t: ArrayLike) -> pd.DataFrame:
        """Cumulative incidence at arbitrary times (right-continuous steps).

        Parameters
        ----------
        t : array_like of float
            Times; before the first time every incidence is 0.

        Returns
        -------
        pandas.DataFrame
            Index ``t``, one column per cause.
        """
        if self.groups is not None:
            raise ModelError("cif_at needs a single curve; use .curve(group)")
        tt = np.atleast_1d(np.asarray(t, dtype=np.float64))
        idx = np.searchsorted(self.cif.index.to_numpy(), tt, side="right") - 1
        vals = self.cif.to_numpy()[np.maximum(idx, 0)]
        vals[idx < 0] = 0.0
        return pd.DataFrame(vals, index=pd.Index(tt, name="time"), columns=self.cif.columns)

    @property
    def summary(self) -> pd.DataFrame:
        """Per group and cause: subjects, events and the final incidence with limits."""
        rows = []
        for g in self.groups if self.groups is not None else (None,):
            one = self if g is None else self.curve(g)
            for c in self.causes:
                rows.append({
                    "group": "all" if g is None else g, "cause": c, "n": int(one.n.iloc[0]),
                    "events": int(one.n_event[c].sum()), "cif": float(one.cif[c].iloc[-1]),
                    "lower": float(one.lower[c].iloc[-1]), "upper": float(one.upper[c].iloc[-1]),
                    "last_time": float(one.cif.index[-1]),
                })  # fmt: skip
        return pd.DataFrame(rows).set_index(["group", "cause"])

    def __str__(self) -> str:
        level = fmt_num(self.conf_int, 3)
        header = ["group", "cause", "n", "events", "CIF(last)", f"{level}LCL", f"{level}UCL"]
        rows = [[str(g), c, int(r["n"]), int(r["events"]), r["cif"], r["lower"], r["upper"]]
                for (g, c), r in self.summary.iterrows()]  # fmt: skip
        note = f"Aalen-Johansen, conf_type={self.conf_type!r}"
        return (
            text_table(header, rows)
            + "\n"
            + note
            + (", left-truncated" if self.left_truncated else "")
        )


def _frames(
    t: NDArray[np.float64], e: NDArray[np.int64], en: NDArray[np.float64] | None,
    causes: tuple[int, ...], conf_type: str, conf_int: float,
) -> dict[str, pd.DataFrame | pd.Series]:  # fmt: skip
    recode = np.zeros(int(e.max()) + 1, dtype=np.int64)
    recode[list(causes)] = np.arange(1, len(causes) + 1)
    cur = aalen_johansen_curve(t, recode[e], len(causes), en)
    lo, hi = pstate_limits(cur.pstate, cur.std_err, conf_type, conf_int)
    idx = pd.Index(cur.time, name="time")
    cols = pd.Index(causes, name="cause")

    def frame(a: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(a[:, 1:], index=idx, columns=cols)

    surv = pd.DataFrame({"survival": cur.pstate[:, 0], "std_err": cur.std_err[:, 0],
                         "lower": lo[:, 0], "upper": hi[:, 0]}, index=idx)  # fmt: skip
    return {
        "cif": frame(cur.pstate), "std_err": frame(cur.std_err), "lower": frame(lo),
        "upper": frame(hi), "survival": surv, "n_risk": pd.Series(cur.n_risk, index=idx, name="n_risk"),
        "n_event": pd.DataFrame(cur.n_event, index=idx, columns=cols),
        "n_censor": pd.Series(cur.n_censor, index=idx, name="n_censor"),
    }  # fmt: skip


def aalen_johansen(
    time: ArrayLike,
    event: ArrayLike,
    *,
    group: ArrayLike | None = None,
    entry: ArrayLike | None = None,
    conf_type: str = "log",
    conf_int: float = 0.95,
    timefix: bool = True,
) -> AJResult:
    """Aalen-Johansen cumulative incidence of each cause, as R ``survfit``.

    Matches ``survfit(Surv(time, factor(event)) ~ group)`` (or
    ``Surv(entry, time, factor(event))`` with ``id``) of R survival >= 3:
    ``pstate``, ``std.err``, ``n.risk``, ``lower`` and ``upper``.

    Parameters
    ----------
    time : array_like of float, shape (n,)
        Exit times, >= 0.
    event : array_like of int, shape (n,)
        0 censored, k >= 1 the cause of the exit (ppprog: 1 the endpoint,
        2 death, 3 lost, 4 other).
    group : array_like, shape (n,), optional
        Labels; one set of curves per sorted level.
    entry : array_like of float, shape (n,), optional
        Delayed-entry times: a subject is at risk at ``t`` iff
        ``entry < t <= time``.
    conf_type : {"log", "log-log", "plain"}, optional
        Transform of the pointwise limits (R's default ``"log"``).
    conf_int : float, optional
        Confidence level.
    timefix : bool, optional
        Merge times closer than ``sqrt(eps)`` as R's ``timefix = TRUE``.

    Returns
    -------
    AJResult

    References
    ----------
    Aalen OO, Johansen S (1978). An empirical transition matrix for
    non-homogeneous Markov chains based on censored observations. Scand J
    Statist 5:141-150. Therneau TM, R package ``survival`` (``survfitAJ``).

    Examples
    --------
    >>> fit = aalen_johansen([1, 2, 2, 3, 4], [1, 2, 0, 1, 0])
    >>> fit.cif.round(3).to_dict("list")
    {1: [0.2, 0.2, 0.5, 0.5], 2: [0.0, 0.2, 0.2, 0.2]}
    """
    if conf_type not in CONF_TYPES:
        raise ModelError(f"conf_type must be one of {CONF_TYPES}, got {conf_type!r}")
    if not 0.0 < float(conf_int) < 1.0:
        raise ModelError(f"conf_int must lie in (0, 1), got {conf_int!r}")
    t, e, en = check_times(time, event, entry, timefix, as_codes)
    causes = tuple(int(c) for c in np.unique(e[e > 0]))
    if not causes:
        raise ModelError("event has no causes (all rows censored)")
    if group is None:
        parts = _frames(t, e, en, causes, conf_type, conf_int)
        n = pd.Series({"all": int(t.size)})
        return AJResult(**parts, causes=causes, groups=None, n=n, conf_type=conf_type,  # type: ignore[arg-type]
                        conf_int=float(conf_int), left_truncated=en is not None)  # fmt: skip
    codes, levels = as_labels(group, t.size, "group")
    pieces = []
    for j in range(len(levels)):
        sel = codes == j
        pieces.append(
            _frames(t[sel], e[sel], None if en is None else en[sel], causes, conf_type, conf_int)
        )
    parts = {
        k: pd.concat([p[k] for p in pieces], keys=list(levels), names=["group"]) for k in pieces[0]
    }
    n = pd.Series({lv: int(np.sum(codes == j)) for j, lv in enumerate(levels)})
    return AJResult(**parts, causes=causes, groups=levels, n=n, conf_type=conf_type,  # type: ignore[arg-type]
                    conf_int=float(conf_int), left_truncated=en is not None)  # fmt: skip


@dataclass(frozen=True)
class GrayResult:
    """Gray's k-sample test of equal cumulative incidence of one cause.

    Attributes
    ----------
    statistic : float
        ``s' V^-1 s`` (NaN when ``V`` is singular; cmprsk reports -1).
    df : int
        Number of groups minus one.
    p : float
        Chi-square p-value.
    cause : int
        The cause compared.
    groups : tuple
        Group levels (sorted); the score covers all but the last.
    score : numpy.ndarray
    variance : numpy.ndarray
    rho : float
    strata : tuple or None
    """

    statistic: float
    df: int
    p: float
    cause: int
    groups: tuple[Hashable, ...]
    score: NDArray[np.float64]
    variance: NDArray[np.float64]
    rho: float
    strata: tuple[Hashable, ...] | None

    def __str__(self) -> str:
        strat = f", stratified by {len(self.strata)} strata" if self.strata else ""
        return (
            f"Gray's test, cause {self.cause}, groups {list(self.groups)}{strat}, rho={self.rho}: "
            f"chisq = {fmt_num(self.statistic)} on {self.df} df, p = {fmt_p(self.p)}"
        )


def gray_test(
    time: ArrayLike,
    event: ArrayLike,
    group: ArrayLike,
    *,
    cause: int = 1,
    strata: ArrayLike | None = None,
    rho: float = 0.0,
) -> GrayResult:
    """Gray's test comparing the cumulative incidence of ``cause`` among groups.

    Computes the statistic of ``cmprsk::cuminc(time, event, group, strata,
    rho)`` (its ``Tests`` row for ``cause``).

    Parameters
    ----------
    time : array_like of float, shape (n,)
        Exit times.
    event : array_like of int, shape (n,)
        0 censored, k >= 1 a cause.
    group : array_like, shape (n,)
        Group labels (at least two levels).
    cause : int, optional
        The cause tested; every other nonzero code is a competing event.
    strata : array_like, shape (n,), optional
        Stratum labels; scores and variances are summed over strata.
    rho : float, optional
        Weight ``(1 - F(t-))^rho``; 0 (cmprsk's default) weights times equally.

    Returns
    -------
    GrayResult

    References
    ----------
    Gray RJ (1988). A class of K-sample tests for comparing the cumulative
    incidence of a competing risk. Ann Statist 16:1141-1154.
    """
    t = as_float(time, "time")
    e = as_codes(event, t.size)
    if not np.any(e == cause):
        raise ModelError(f"no events of cause {cause} in event")
    codes, levels = as_labels(group, t.size, "group")
    if len(levels) < 2:
        raise ModelError(f"group needs at least two levels, got {list(levels)}")
    s_codes, s_levels = (np.zeros(t.size, np.intp), None)
    if strata is not None:
        s_codes, s_levels = as_labels(strata, t.size, "strata")
    mark = np.where(e == 0, 0, np.where(e == cause, 1, 2))
    score, var = gray_scores(t, mark, codes, s_codes, len(levels), float(rho))
    df = len(levels) - 1
    try:
        stat = float(score @ np.linalg.solve(var, score))
    except np.linalg.LinAlgError:
        stat = float("nan")
    p = float(chi2.sf(stat, df)) if np.isfinite(stat) else float("nan")
    return GrayResult(stat, df, p, int(cause), levels, score, var, float(rho), s_levels)
