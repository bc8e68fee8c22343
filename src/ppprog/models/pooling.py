"""Rubin's rules: pool estimates from fits to multiply imputed data sets.

Given ``m`` completed-data estimates ``Q_j`` (vectors) with covariances
``U_j``, the pooled estimate is ``Qbar = mean(Q_j)``, the within-imputation
variance ``Ubar = mean(U_j)``, the between-imputation variance
``B = cov(Q_j)`` (divisor ``m - 1``) and the total ``T = Ubar + (1 + 1/m) B``.
Per parameter (diagonals):

* relative increase in variance ``riv = (1 + 1/m) B / Ubar``;
* proportion of the variance due to missingness ``lambda = (1 + 1/m) B / T``;
* degrees of freedom: Rubin (1987) ``nu_old = (m - 1) / lambda^2``, or, given
  the complete-data degrees of freedom ``dfcom``, Barnard and Rubin (1999)
  ``nu = 1 / (1 / nu_old + 1 / nu_obs)`` with
  ``nu_obs = (dfcom + 1) / (dfcom + 3) * dfcom * (1 - lambda)``;
* fraction of missing information ``fmi = (riv + 2 / (nu + 3)) / (1 + riv)``.

With ``B = 0`` (nothing was missing) ``riv = lambda = 0``, ``nu_old = inf``
and, with Rubin's degrees of freedom, ``fmi = 0``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ppprog._core.errors import ModelError
from ppprog._core.fmt import text_table
from ppprog._core.typing import FloatArray

__all__ = ["PooledResult", "rubin_pool"]


@dataclass(frozen=True)
class PooledResult:
    """Estimates pooled over imputations by Rubin's rules.

    Attributes
    ----------
    params : pandas.Series
        Pooled estimates ``Qbar``.
    vcov : pandas.DataFrame
        Total covariance ``T = Ubar + (1 + 1/m) B``.
    within, between, total : pandas.Series
        Diagonals of ``Ubar``, ``B`` and ``T``.
    df : pandas.Series
        Degrees of freedom of each parameter's t reference distribution.
    riv, lambda_, fmi : pandas.Series
        Relative increase in variance, proportion of variance due to
        missingness, and fraction of missing information.
    estimates : pandas.DataFrame
        The ``m`` completed-data estimates (one row per imputation).
    m : int
        Number of imputations.
    df_method : str
        ``"rubin"`` or ``"barnard-rubin"``.
    statuses : tuple
        The ``status`` of each completed-data fit (None when it has none).
    notes : tuple of str
        What was done (imputation method, fits that did not converge, ...).
    alpha : float
        One minus the confidence level of :attr:`summary`.
    imputations : object, optional
        The imputed data, when the pooling followed an imputation.
    """

    params: pd.Series
    vcov: pd.DataFrame
    within: pd.Series
    between: pd.Series
    total: pd.Series
    df: pd.Series
    riv: pd.Series
    lambda_: pd.Series
    fmi: pd.Series
    estimates: pd.DataFrame
    m: int
    df_method: str
    statuses: tuple[Any, ...] = ()
    notes: tuple[str, ...] = ()
    alpha: float = 0.05
    imputations: Any = None

    @property
    def se(self) -> pd.Series:
        """Pooled standard errors ``sqrt(diag(T))``."""
        return np.sqrt(self.total)

    @property
    def n_not_converged(self) -> int:
        """Completed-data fits whose status says they did not converge."""
        return sum(1 for s in self.statuses if s is not None and not getattr(s, "converged", True))

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Per parameter: ``estimate, se, within, between, total, df, riv, lambda, fmi, t, p, lower, upper``.

        The confidence limits and p-value use Student's t with ``df`` degrees
        of freedom (the normal when ``df`` is infinite).
        """
        se = self.se
        tstat = self.params / se
        q = stats.t.isf(self.alpha / 2, self.df.to_numpy())
        out = pd.DataFrame(
            {
                "estimate": self.params, "se": se, "within": self.within,
                "between": self.between, "total": self.total, "df": self.df,
                "riv": self.riv, "lambda": self.lambda_, "fmi": self.fmi, "t": tstat,
                "p": 2 * stats.t.sf(np.abs(tstat), self.df.to_numpy()),
                "lower": self.params - q * se, "upper": self.params + q * se,
            }
        )  # fmt: skip
        out.index.name = "term"
        return out

    def __str__(self) -> str:
        cols = ["estimate", "se", "df", "fmi", "p"]
        rows = [[k, *r.tolist()] for k, r in self.summary[cols].iterrows()]
        extra = "; ".join(self.notes)
        return (
            text_table(["", *cols], rows)
            + f"\nRubin's rules over m = {self.m} imputations, df: {self.df_method}"
            + (f"; {extra}" if extra else "")
        )


def _df(lam: FloatArray, m: int, dfcom: float | None) -> FloatArray:
    with np.errstate(divide="ignore"):
        nu_old = np.where(lam > 0, (m - 1) / lam**2, np.inf)
    if dfcom is None:
        return np.asarray(nu_old)
    nu_obs = (dfcom + 1.0) / (dfcom + 3.0) * dfcom * (1.0 - lam)
    return np.asarray(1.0 / (1.0 / nu_old + 1.0 / nu_obs))


def rubin_pool(
    estimates: Any,
    variances: Any,
    *,
    names: Sequence[str] | None = None,
    dfcom: float | None = None,
    alpha: float = 0.05,
    statuses: Sequence[Any] = (),
    notes: Sequence[str] = (),
    imputations: Any = None,
) -> PooledResult:
    """Pool completed-data estimates by Rubin's rules.

    Parameters
    ----------
    estimates : array_like, shape (m, p)
        One row of estimates per imputation.
    variances : array_like, shape (m, p, p) or (m, p)
        Their covariance matrices (or variances only).
    names : sequence of str, optional
        Parameter names (default from a DataFrame's columns, else ``x0, x1, ...``).
    dfcom : float, optional
        Complete-data degrees of freedom; when given, Barnard-Rubin small-sample
        degrees of freedom are used, otherwise Rubin's (1987).
    alpha : float, optional
        One minus the confidence level.
    statuses, notes : sequence, optional
        Stored on the result.
    imputations : object, optional
        Stored on the result.

    Returns
    -------
    PooledResult

    References
    ----------
    Rubin, D. B. (1987). Multiple Imputation for Nonresponse in Surveys. Wiley.
    Barnard, J. and Rubin, D. B. (1999). Small-sample degrees of freedom with
    multiple imputation. Biometrika 86, 948-955.

    Examples
    --------
    >>> res = rubin_pool([[1.0], [1.2], [0.8]], [[0.04], [0.05], [0.03]], names=["b"])
    >>> round(float(res.between["b"]), 3), round(float(res.total["b"]), 4)
    (0.04, 0.0933)
    """
    if names is None and isinstance(estimates, pd.DataFrame):
        names = [str(c) for c in estimates.columns]
    Q = np.asarray(estimates, dtype=np.float64)
    if Q.ndim != 2:
        raise ModelError(f"estimates must have shape (m, p), got {Q.shape}")
    m, p = Q.shape
    if m < 2:
        raise ModelError("Rubin's rules need at least m = 2 imputations")
    U = np.asarray(variances, dtype=np.float64)
    if U.shape == (m, p):
        U = np.einsum("ij,jk->ijk", U, np.eye(p))
    if U.shape != (m, p, p):
        raise ModelError(f"variances must have shape ({m}, {p}, {p}) or ({m}, {p}), got {U.shape}")
    nm = list(names) if names is not None else [f"x{j}" for j in range(p)]
    if len(nm) != p:
        raise ModelError(f"names has {len(nm)} entries for {p} parameters")
    qbar = Q.mean(axis=0)
    ubar = U.mean(axis=0)
    dev = Q - qbar
    B = dev.T @ dev / (m - 1)
    T = ubar + (1.0 + 1.0 / m) * B
    w, b, t = np.diag(ubar), np.diag(B), np.diag(T)
    with np.errstate(divide="ignore", invalid="ignore"):
        riv = (1.0 + 1.0 / m) * b / w
        lam = (1.0 + 1.0 / m) * b / t
    df = _df(lam, m, dfcom)
    fmi = (riv + 2.0 / (df + 3.0)) / (1.0 + riv)
    s = lambda v: pd.Series(v, index=nm)  # noqa: E731
    return PooledResult(
        params=s(qbar), vcov=pd.DataFrame(T, index=nm, columns=nm), within=s(w), between=s(b),
        total=s(t), df=s(df), riv=s(riv), lambda_=s(lam), fmi=s(fmi),
        estimates=pd.DataFrame(Q, columns=nm), m=m,
        df_method="rubin" if dfcom is None else "barnard-rubin", statuses=tuple(statuses),
        notes=tuple(notes), alpha=alpha, imputations=imputations,
    )  # fmt: skip
