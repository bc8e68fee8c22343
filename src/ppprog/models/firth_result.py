"""Result objects of the Firth-penalized Cox fits (frozen snapshots)."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special  # quantiles (ndtri); tail probabilities: ppprog._core.pvalues

from ppprog._core.fmt import fmt_num, fmt_p, text_table
from ppprog._core.pvalues import chi2_sf, normal_two_sided
from ppprog._core.typing import FloatArray
from ppprog.models.batch_result import BatchFitResult
from ppprog.models.status import FitOutcome, FitStatus

__all__ = ["FirthResult", "FirthBatchResult", "ProfileTable"]


@dataclass(frozen=True)
class ProfileTable:
    """Profile penalized-likelihood bounds with a status per bound.

    Parameters
    ----------
    names : tuple of str
        Covariates.
    bounds : ndarray, shape (p, 2)
        Lower and upper bounds on the log-HR scale (``-inf``/``+inf`` where a
        bound did not close).
    codes : ndarray of int8, shape (p, 2)
        :class:`FitStatus` code of each bound.
    """

    names: tuple[str, ...]
    bounds: FloatArray
    codes: np.ndarray

    @classmethod
    def build(cls, names: Sequence[str], bounds: FloatArray, codes: np.ndarray) -> ProfileTable:
        """Freeze copies of the arrays."""
        b, c = bounds.copy(), codes.copy()
        b.flags.writeable = False
        c.flags.writeable = False
        return cls(tuple(names), b, c)

    def notes(self) -> list[str]:
        """One note per bound that did not close."""
        out = []
        for j, name in enumerate(self.names):
            for k, side in enumerate(("lower", "upper")):
                code = FitStatus(int(self.codes[j, k]))
                if not code.ok:
                    val = "-inf" if k == 0 else "+inf"
                    out.append(
                        f"profile {side} bound of {name!r} not found ({code.name}); reported as {val}"
                    )
        return out


def _series(values: Any, index: Sequence[str], name: str) -> Any:
    import pandas as pd

    return pd.Series(np.asarray(values, dtype=np.float64), index=list(index), name=name)


@dataclass(frozen=True)
class FirthResult:
    """Firth-penalized Cox fit of one data set.

    Parameters
    ----------
    names : tuple of str
        Covariate names.
    beta : ndarray, shape (p,)
        Penalized estimates (log hazard ratios).
    vcov_array : ndarray, shape (p, p)
        ``I(b_hat)^{-1}``, the inverse information of the unpenalized partial
        likelihood at the Firth estimate (coxphf's ``var``).
    loglik, loglik_null : float
        Penalized log partial likelihood at ``b_hat`` and at ``b = 0``.
    status : FitOutcome
        How the fit ended.
    n_iter : int
        Newton-Raphson iterations.
    alpha : float
        1 - confidence level.
    ties : str
        ``"breslow"`` or ``"efron"``.
    n, n_events : int
        Rows and events used (all rows: none is dropped).
    profile : ProfileTable or None
        Profile bounds when computed at fit time.
    notes : tuple of str
    dropped : tuple
        Ids (or row labels) of rows dropped for missing values (``missing="drop"``).
        What was done and anything unusual.
    """

    names: tuple[str, ...]
    beta: FloatArray
    vcov_array: FloatArray
    loglik: float
    loglik_null: float
    status: FitOutcome
    n_iter: int
    alpha: float
    ties: str
    n: int
    n_events: int
    profile: ProfileTable | None
    notes: tuple[str, ...]
    dropped: tuple[Any, ...] = ()
    _profiler: Callable[[float], ProfileTable] | None = field(
        default=None, repr=False, compare=False
    )
    _lr_tester: Callable[[], FloatArray] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def build(
        cls,
        *,
        names: Sequence[str],
        beta: FloatArray,
        vcov: FloatArray,
        profiler: Callable[[float], ProfileTable] | None = None,
        lr_tester: Callable[[], FloatArray] | None = None,
        **kw: Any,
    ) -> FirthResult:
        """Snapshot the arrays (read-only copies)."""
        b, v = (np.array(a, dtype=np.float64) for a in (beta, vcov))
        b.flags.writeable = False
        v.flags.writeable = False
        return cls(tuple(names), b, v, _profiler=profiler, _lr_tester=lr_tester, **kw)

    @functools.cached_property
    def lr_chisq(self) -> FloatArray:
        """Penalized LR statistic of each ``b_j = 0`` (others re-fitted); computed once, on first use."""
        if not self.status.converged or self._lr_tester is None:
            return np.full(len(self.names), np.nan)
        out = np.array(self._lr_tester(), dtype=np.float64)
        out.flags.writeable = False
        return out

    @property
    def n_dropped(self) -> int:
        """Rows dropped for missing values (only with ``missing="drop"``; listed in ``notes``)."""
        return len(self.dropped)

    @property
    def ci_method(self) -> str:
        """``"profile"`` (penalized-likelihood) when profiled at fit time, else ``"wald"``."""
        return "profile" if self.profile is not None else "wald"

    @property
    def params(self) -> Any:
        """Estimates as a Series indexed by covariate."""
        return _series(self.beta, self.names, "coef")

    @property
    def se(self) -> Any:
        """Standard errors ``sqrt(diag(I(b_hat)^{-1}))`` as a Series."""
        return _series(np.sqrt(np.diag(self.vcov_array)), self.names, "se")

    @property
    def vcov(self) -> Any:
        """Covariance matrix ``I(b_hat)^{-1}`` as a DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.vcov_array, index=list(self.names), columns=list(self.names))

    def conf_int(self, method: str = "profile", alpha: float | None = None) -> Any:
        """Confidence intervals on the log-HR scale.

        Parameters
        ----------
        method : {"profile", "wald"}, optional
            Profile penalized likelihood (default) or Wald from ``I(b_hat)^{-1}``.
        alpha : float, optional
            1 - confidence level; the fit's ``alpha`` by default.

        Returns
        -------
        pandas.DataFrame
            Indexed by covariate, columns ``lower, upper``.
        """
        import pandas as pd

        a = self.alpha if alpha is None else alpha
        if method == "wald":
            z = special.ndtri(1.0 - a / 2.0)
            se = np.sqrt(np.diag(self.vcov_array))
            b = np.column_stack([self.beta - z * se, self.beta + z * se])
        elif method == "profile":
            b = self._profile_table(a).bounds
        else:
            raise ValueError(f"method must be 'profile' or 'wald', got {method!r}")
        return pd.DataFrame(b, index=list(self.names), columns=["lower", "upper"])

    def _profile_table(self, alpha: float) -> ProfileTable:
        if self.profile is not None and alpha == self.alpha:
            return self.profile
        p = len(self.names)
        if not self.status.converged or self._profiler is None:
            codes = np.full((p, 2), int(self.status.code), np.int8)
            return ProfileTable.build(self.names, np.full((p, 2), np.nan), codes)
        return self._profiler(alpha)

    @property
    def profile_status(self) -> Any:
        """Status of each profile bound (DataFrame of FitStatus, columns lower, upper)."""
        import pandas as pd

        codes = self._profile_table(self.alpha).codes
        cells = [[FitStatus(int(c)) for c in row] for row in codes]
        return pd.DataFrame(cells, index=list(self.names), columns=["lower", "upper"])

    @property
    def p_method(self) -> str:
        """How ``summary['p']`` is computed."""
        return "penalized likelihood ratio" if self.profile is not None else "Wald"

    @property
    def tests(self) -> Any:
        """Penalized likelihood-ratio tests: each ``b_j = 0`` and ``GLOBAL`` (all b = 0)."""
        import pandas as pd

        p = len(self.names)
        glob = (
            max(0.0, 2.0 * (self.loglik - self.loglik_null)) if self.status.converged else math.nan
        )
        chisq = np.append(self.lr_chisq, glob)
        df = np.append(np.ones(p, dtype=np.int64), p)
        return pd.DataFrame(
            {"chisq": chisq, "df": df, "p": chi2_sf(chisq, df)},
            index=[*self.names, "GLOBAL"],
        )

    @property
    def summary(self) -> Any:
        """Columns ``coef, exp(coef), se, lower, upper, p, exp(lower), exp(upper)``.

        ``lower``/``upper`` are on the log-HR scale, ``exp(lower)``/``exp(upper)``
        on the HR scale (column names as in :class:`~ppprog.models.cox_result.CoxResult`).

        Intervals and p-values follow :attr:`ci_method` and :attr:`p_method`.
        """
        import pandas as pd

        ci = self.conf_int(self.ci_method)
        se = np.sqrt(np.diag(self.vcov_array))
        if self.profile is not None:
            p = chi2_sf(self.lr_chisq, 1)
        else:
            p = normal_two_sided(self.beta / se)
        lo, hi = ci["lower"].to_numpy(), ci["upper"].to_numpy()
        with np.errstate(over="ignore"):  # a huge log-HR is an infinite HR, not an error
            hr, hr_lo, hr_hi = np.exp(self.beta), np.exp(lo), np.exp(hi)
        out = pd.DataFrame(
            {"coef": self.beta, "exp(coef)": hr, "se": se, "lower": lo, "upper": hi, "p": p,
             "exp(lower)": hr_lo, "exp(upper)": hr_hi},
            index=pd.Index(list(self.names), name="covariate"),
        )  # fmt: skip
        return out

    def __str__(self) -> str:
        s = self.summary
        level = f"{100 * (1 - self.alpha):g}%"
        rows = [
            [
                name,
                r["coef"],
                r["exp(coef)"],
                r["se"],
                fmt_num(r["exp(lower)"], 4),
                fmt_num(r["exp(upper)"], 4),
                fmt_p(r["p"]),
            ]
            for name, r in s.iterrows()
        ]
        header = ["covariate", "coef", "exp(coef)", "se", f"lower {level}", f"upper {level}", "p"]
        title = (
            f"Firth-penalized Cox regression ({self.ties} ties), n={self.n}, events={self.n_events}\n"
            f"CI: {self.ci_method} (HR scale); p: {self.p_method}"
        )
        t = self.tests.loc["GLOBAL"]
        lines = [
            text_table(header, rows, title=title),
            f"Penalized loglik {fmt_num(self.loglik, 8)} (null {fmt_num(self.loglik_null, 8)}); "
            f"penalized LR test {fmt_num(t['chisq'])} on {int(t['df'])} df, p={fmt_p(t['p'])}",
            f"status: {self.status}",
        ]
        lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)


@dataclass(frozen=True)
class FirthBatchResult(BatchFitResult):
    """Firth-penalized Cox fits of ``R`` replicates (the batched result protocol).

    Same fields, shapes, summary columns and status form as
    :class:`~ppprog.models.cox_batch.CoxBatchResult` (see
    :class:`~ppprog.models.batch_result.BatchFitResult`); ``loglik`` and
    ``loglik_null`` are penalized, ``se`` is from the unpenalized information
    at the Firth estimate (coxphf's ``var``), and with ``ci_method="profile"``
    the bounds are profile penalized-likelihood bounds.

    Parameters
    ----------
    bound_status : ndarray of int8, shape (R, p, 2)
        Status of each profile bound (zeros for Wald intervals).
    """

    bound_status: np.ndarray | None = None

    penalized = True
