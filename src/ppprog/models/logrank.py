"""Log-rank and Fleming-Harrington G-rho tests with R ``survdiff`` conventions."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ppprog._core.errors import ModelError
from ppprog._core.fmt import fmt_num, fmt_p, text_table
from ppprog._core.pvalues import chi2_sf
from ppprog.models._kernels.logrank import logrank_chisq_batch, logrank_sums
from ppprog.models.status import FitStatus
from ppprog.models.survival_input import as_labels, check_survival, survival_input

__all__ = ["LogRankResult", "logrank_test"]


@dataclass(frozen=True)
class LogRankResult:
    """Result of a k-sample (weighted, optionally stratified) log-rank test.

    Attributes
    ----------
    groups : tuple
        Group levels (sorted).
    n : pandas.Series
        Subjects per group.
    observed, expected : pandas.Series
        Events per group summed over strata; with ``rho != 0`` both are
        weighted by ``S(t-)**rho``, as R's ``survdiff`` reports them.
    variance : pandas.DataFrame
        k x k variance of ``observed - expected``.
    chisq : float
        Test statistic.
    df : int
        Degrees of freedom (groups with positive expected count, minus one).
    p : float
        Upper-tail chi-square p-value (NaN when ``df == 0``).
    rho : float
        Fleming-Harrington exponent.
    strata : tuple or None
        Stratum levels, None when unstratified.
    observed_by_stratum, expected_by_stratum : pandas.DataFrame
        Per-stratum sums (rows: strata, columns: groups).
    left_truncated : bool
        Whether ``entry`` times were used.
    status : FitStatus
        ``CONVERGED`` when the test was computed; ``NO_EVENTS`` when there
        are no events (then ``chisq = 0``, ``df = 0`` and ``p`` is NaN: there
        is nothing to test, which the status says rather than the numbers);
        ``SINGULAR_INFORMATION`` when fewer than two groups have a positive
        expected count (``df = 0``).
    """

    groups: tuple[Hashable, ...]
    n: pd.Series
    observed: pd.Series
    expected: pd.Series
    variance: pd.DataFrame
    chisq: float
    df: int
    p: float
    rho: float
    strata: tuple[Hashable, ...] | None
    observed_by_stratum: pd.DataFrame
    expected_by_stratum: pd.DataFrame
    left_truncated: bool
    status: FitStatus = FitStatus.CONVERGED

    @property
    def summary(self) -> pd.DataFrame:
        """Per-group table as R prints it: ``N, observed, expected, (O-E)^2/E, (O-E)^2/V``."""
        o, e = self.observed, self.expected
        with np.errstate(divide="ignore", invalid="ignore"):
            oe_e = (o - e) ** 2 / e
            oe_v = (o - e) ** 2 / pd.Series(np.diag(self.variance.to_numpy()), index=o.index)
        return pd.DataFrame(
            {"n": self.n, "observed": o, "expected": e, "(O-E)^2/E": oe_e, "(O-E)^2/V": oe_v}
        ).rename_axis("group")

    def __str__(self) -> str:
        header = ["", "N", "Observed", "Expected", "(O-E)^2/E", "(O-E)^2/V"]
        rows = [[str(g), int(r.iloc[0]), *r.iloc[1:].tolist()] for g, r in self.summary.iterrows()]
        name = (
            "Log-rank test"
            if self.rho == 0
            else f"Fleming-Harrington G-rho test (rho={fmt_num(self.rho)})"
        )
        if self.strata is not None:
            name += f", stratified ({len(self.strata)} strata)"
        tail = f"Chisq= {fmt_num(self.chisq)} on {self.df} degrees of freedom, p= {fmt_p(self.p)}"
        if self.status is not FitStatus.CONVERGED:
            tail += f"\nStatus: {self.status.name.lower()} (nothing to test)"
        return text_table(header, rows, title=name) + "\n" + tail


def logrank_test(
    time: ArrayLike | pd.DataFrame | Any,
    event: ArrayLike | str | None = None,
    group: ArrayLike | str | None = None,
    *,
    strata: ArrayLike | str | None = None,
    rho: float = 0.0,
    entry: ArrayLike | str | None = None,
    timefix: bool = True,
    duration: str | None = None,
    cause: int | None = None,
) -> LogRankResult:
    """Compare survival across k groups with the (weighted, stratified) log-rank test.

    Parameters
    ----------
    time : array_like of float, shape (n,), pandas.DataFrame or SurvivalData
        Exit times, >= 0; or a whole table: a DataFrame (``duration`` and
        ``event`` name its columns; ``group``, ``strata`` and ``entry`` may
        too) or a SurvivalData of one replicate (``group``/``strata`` name a
        covariate or its strata column, or are arrays).
    event : array_like of {0, 1}, shape (n,), or str
        1 for an event, 0 for a censoring.
    group : array_like, shape (n,), or str
        Group labels (at least two levels).
    strata : array_like, shape (n,), optional
        Stratum labels; observed, expected and variance are summed over
        strata as in R's ``survdiff(... + strata(s))``.
    rho : float, optional
        Fleming-Harrington weight exponent: each event time is weighted by
        ``S(t-)**rho`` with ``S`` the pooled Kaplan-Meier within the stratum.
        0 (default) is the log-rank test, 1 the Peto-Peto-Prentice variant.
    entry : array_like of float, shape (n,), optional
        Left-truncation times (at risk iff ``entry < t <= time``). An
        extension: R's ``survdiff`` takes right-censored data only.
    timefix : bool, optional
        As R's default, treat times within ``sqrt(machine eps)`` as tied.
    duration : str, optional
        Exit-time column of a DataFrame ``time``.
    cause : int, optional
        Event code of interest of a table with competing events (other
        causes count as censoring).

    Returns
    -------
    LogRankResult

    References
    ----------
    Mantel N (1966). Cancer Chemother Rep 50:163-170. Harrington DP,
    Fleming TR (1982). A class of rank test procedures for censored survival
    data. Biometrika 69:553-566. Therneau TM, R package ``survival``
    (``survdiff``).

    Examples
    --------
    >>> from ppprog.models.logrank import logrank_test
    >>> res = logrank_test([1, 2, 3, 4], [1, 1, 1, 1], ["a", "b", "a", "b"])
    >>> res.observed.tolist(), res.df
    ([2.0, 2.0], 1)
    """
    time, event, entry, lab = survival_input(time, event, entry, duration=duration, cause=cause,
                                             labels={"group": group, "strata": strata},
                                             what="logrank_test")  # fmt: skip
    group, strata = lab["group"], lab["strata"]
    if group is None:
        raise ModelError("logrank_test: group is required")
    t, e, en = check_survival(time, event, entry, timefix)
    g, levels = as_labels(group, t.size, "group")
    if len(levels) < 2:
        raise ModelError(f"group must have at least two levels, got {list(levels)}")
    rho_f = float(rho)
    if not np.isfinite(rho_f) or rho_f < 0:
        raise ModelError(f"rho must be a finite number >= 0, got {rho!r}")
    if strata is None:
        s, s_levels = np.zeros(t.size, dtype=np.intp), None
    else:
        s, s_levels = as_labels(strata, t.size, "strata")
    n_strata = 1 if s_levels is None else len(s_levels)
    sums = logrank_sums(t, e, g, len(levels), s, n_strata, rho_f, en)
    obs, exp = sums.observed.sum(axis=0), sums.expected.sum(axis=0)
    chi, dfs, singular = logrank_chisq_batch(obs[None], exp[None], sums.variance[None])
    if singular[0]:
        raise ModelError("the log-rank variance matrix is singular")
    chisq, df = float(chi[0]), int(dfs[0])
    p = float(chi2_sf(chisq, df)) if df > 0 else float("nan")
    status = FitStatus.CONVERGED if df > 0 else FitStatus.SINGULAR_INFORMATION
    if not e.any():
        status = FitStatus.NO_EVENTS
    idx = pd.Index(levels, name="group")
    s_idx = pd.Index(s_levels if s_levels is not None else ["all"], name="stratum")
    return LogRankResult(
        groups=levels,
        n=pd.Series(np.bincount(g, minlength=len(levels)), index=idx),
        observed=pd.Series(obs, index=idx),
        expected=pd.Series(exp, index=idx),
        variance=pd.DataFrame(sums.variance, index=idx, columns=idx),
        chisq=chisq,
        df=df,
        p=p,
        rho=rho_f,
        strata=s_levels,
        observed_by_stratum=pd.DataFrame(sums.observed, index=s_idx, columns=idx),
        expected_by_stratum=pd.DataFrame(sums.expected, index=s_idx, columns=idx),
        left_truncated=en is not None,
        status=status,
    )
