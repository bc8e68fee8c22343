"""Result of a Cox proportional hazards fit: an immutable snapshot.

:class:`CoxResult` holds the estimates, their (robust) variance, the three
global tests and the arrays needed for post-fit quantities (concordance,
``cox.zph``, baseline hazard, predicted survival), which are computed on
demand by the kernels in :mod:`ppprog.models._kernels`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy import special  # quantiles (ndtri); tail probabilities: ppprog._core.pvalues

from ppprog._core.errors import ModelError
from ppprog._core.fmt import fmt_num, fmt_p, text_table
from ppprog._core.pvalues import chi2_sf, normal_two_sided
from ppprog._core.typing import BoolArray, FloatArray, IntArray
from ppprog.models._kernels.baseline import baseline_cumhaz
from ppprog.models._kernels.concordance import ConcordanceCounts, concordance
from ppprog.models._kernels.zph import cox_zph
from ppprog.models.frontend import is_stratified
from ppprog.models.status import FitOutcome, FitStatus
from ppprog.tables.data import SurvivalData

__all__ = ["CoxResult"]


@dataclass(frozen=True)
class CoxResult:
    """Fitted Cox proportional hazards model.

    Parameters
    ----------
    params, se : pandas.Series
        Coefficients (log hazard ratios) and model-based standard errors.
    vcov : pandas.DataFrame
        Model-based covariance (inverse observed information).
    robust_se : pandas.Series or None
        Sandwich standard errors (R's ``robust se``) when robust or clustered.
    robust_vcov : pandas.DataFrame or None
        Sandwich covariance.
    loglik, loglik_null : float
        Log partial likelihood at the estimate and at zero.
    score_stat : float
        Score (log-rank) statistic at zero.
    n, n_events, n_iter : int
        Rows used, events, Newton iterations.
    status : FitOutcome
        How the fit ended.
    notes : tuple of str
        What was done (ties, strata, entry, robust variance, ...).
    ties : str
    alpha : float
    call : str
    data : SurvivalData
        The one replicate the fit was computed from (rows as given).
    event : ndarray of bool, shape (n,)
        Events of the fit (for ``cause=k``: code k; other causes censored).
    """

    params: pd.Series
    se: pd.Series
    vcov: pd.DataFrame
    robust_se: pd.Series | None
    robust_vcov: pd.DataFrame | None
    loglik: float
    loglik_null: float
    score_stat: float
    n: int
    n_events: int
    n_iter: int
    status: FitOutcome
    notes: tuple[str, ...]
    ties: str
    alpha: float
    call: str
    data: SurvivalData = field(repr=False)
    event: BoolArray = field(repr=False)

    @property
    def n_dropped(self) -> int:
        """Rows dropped for missing values (only with ``missing="drop"``; listed in ``notes``)."""
        return self.data.n_dropped

    @property
    def dropped(self) -> tuple[Any, ...]:
        """Ids (or row labels) of the rows dropped for missing values."""
        return self.data.dropped

    @property
    def names(self) -> tuple[str, ...]:
        """Covariate names."""
        return tuple(self.params.index)

    @property
    def df(self) -> int:
        """Number of coefficients."""
        return len(self.params)

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Coefficient table as R's ``summary.coxph``.

        Columns ``coef, exp(coef), se(coef), [robust se], z, p, lower, upper,
        exp(lower), exp(upper)``; z, p and the CI use the robust SE when present.
        """
        se = self.robust_se if self.robust_se is not None else self.se
        q = -special.ndtri(self.alpha / 2)
        z = self.params / se
        out = pd.DataFrame({"coef": self.params, "exp(coef)": np.exp(self.params),
                            "se(coef)": self.se})  # fmt: skip
        if self.robust_se is not None:
            out["robust se"] = self.robust_se
        out["z"] = z
        out["p"] = normal_two_sided(z)
        out["lower"] = self.params - q * se
        out["upper"] = self.params + q * se
        out["exp(lower)"] = np.exp(out["lower"])
        out["exp(upper)"] = np.exp(out["upper"])
        out.index.name = "covariate"
        return out

    @cached_property
    def tests(self) -> pd.DataFrame:
        """Likelihood-ratio, Wald and score (log-rank) tests of all coefficients.

        The Wald test uses the robust covariance when present, as R does.
        """
        beta = self.params.to_numpy()
        v = (self.robust_vcov if self.robust_vcov is not None else self.vcov).to_numpy()
        try:
            wald = float(beta @ np.linalg.solve(v, beta))
        except np.linalg.LinAlgError:
            wald = math.nan
        stat = np.array([2 * (self.loglik - self.loglik_null), wald, self.score_stat])
        if self.status.code in (FitStatus.NO_EVENTS, FitStatus.SINGULAR_INFORMATION):
            stat = np.full(3, math.nan)  # nothing was estimated: no test either
        k = self.df
        return pd.DataFrame(
            {"statistic": stat, "df": [k] * 3, "p": chi2_sf(stat, k)},
            index=pd.Index(["likelihood_ratio", "wald", "score"], name="test"),
        )

    @property
    def strata_codes(self) -> IntArray | None:
        """Stratum code of each row (None when unstratified)."""
        d = self.data
        return d.strata[0] if is_stratified(d) else None

    @property
    def entry(self) -> FloatArray | None:
        """Entry time of each row (None without entry times)."""
        return self.data.start[0] if self.data.has_entry else None

    @cached_property
    def concordance(self) -> ConcordanceCounts:
        """Harrell's concordance of the linear predictor, counted as R's ``concordance``.

        ``float(fit.concordance)`` is the c-index; the object also holds the
        pair counts and the standard error.
        """
        d = self.data
        lp = d.X[0] @ self.params.to_numpy()
        return concordance(d.stop[0], self.event, lp, strata=self.strata_codes, start=self.entry)

    def zph(self, transform: str = "km") -> pd.DataFrame:
        """Proportional-hazards test of R survival >= 3.0's ``cox.zph``.

        Parameters
        ----------
        transform : {"km", "identity", "rank", "log"}, optional
            Transform of time.

        Returns
        -------
        pandas.DataFrame
            Indexed by covariate and ``GLOBAL``, columns ``chisq, df, p``.
        """
        self._require_finite("zph")
        d = self.data
        z = cox_zph(self.entry, d.stop[0], self.event, d.X[0], self.params.to_numpy(),
                    self.vcov.to_numpy(), strata=self.strata_codes, ties=self.ties,
                    transform=transform)  # fmt: skip
        chisq = np.append(z.chisq, z.global_chisq)
        df = np.append(np.asarray(z.df, dtype=float), float(z.global_df))
        return pd.DataFrame(
            {"chisq": chisq, "df": df, "p": chi2_sf(chisq, df)},
            index=pd.Index([*self.names, "GLOBAL"], name="covariate"),
        )

    def baseline_hazard(self, *, centered: bool = False) -> pd.DataFrame:
        """Baseline cumulative hazard (R's ``basehaz``), with its standard error.

        Parameters
        ----------
        centered : bool, optional
            False (default) gives the hazard at covariates all zero, R's
            ``basehaz(fit, centered = FALSE)``; True at the covariate means.

        Returns
        -------
        pandas.DataFrame
            Columns ``time, cumhaz, std_err, n_risk, n_event`` (and ``strata``).
        """
        self._require_finite("baseline_hazard")
        d = self.data
        center = d.X[0].mean(axis=0) if centered else None
        b = baseline_cumhaz(self.entry, d.stop[0], self.event, d.X[0], self.params.to_numpy(),
                            strata=self.strata_codes, ties=self.ties, center=center,
                            vcov=self.vcov.to_numpy())  # fmt: skip
        out = pd.DataFrame({"time": b.time, "cumhaz": b.cumhaz, "std_err": b.std_err,
                            "n_risk": b.n_risk, "n_event": b.n_event})  # fmt: skip
        if b.strata is not None:
            levels = d.strata_levels or tuple(range(int(d.strata.max()) + 1))
            out.insert(0, "strata", [levels[int(s)] for s in b.strata])
        return out

    def predict_survival(
        self, X_new: pd.DataFrame | np.ndarray, times: Sequence[float]
    ) -> pd.DataFrame:
        """Predicted survival ``S(t | x) = exp(-H0(t) exp(x'b))``.

        Parameters
        ----------
        X_new : pandas.DataFrame or ndarray
            Covariate columns by name (and the strata columns of a stratified
            fit), or an array with one column per covariate in the fit's order
            (unstratified fits only; a 1-D array is one row).
        times : sequence of float
            Times to predict at; ``H0`` is the step function of :meth:`baseline_hazard`.

        Returns
        -------
        pandas.DataFrame
            Index ``times``, one column per row of ``X_new``.

        Raises
        ------
        ModelError
            When a covariate or stratum column is missing, an array has the
            wrong number of columns, values are not finite, or a stratum was
            not in the fit.
        """
        frame = self._new_rows(X_new)
        base = self.baseline_hazard()
        risk = np.exp(frame[list(self.names)].to_numpy(dtype=float) @ self.params.to_numpy())
        t = np.asarray(times, dtype=float).ravel()
        if not np.all(np.isfinite(t)):
            raise ModelError("times must be finite numbers")
        keys: list[Any] = [None] * len(frame)
        if self.strata_codes is not None:
            cols = list(self.data.strata_names)
            keys = [
                k[0] if len(cols) == 1 else k
                for k in frame[cols].itertuples(index=False, name=None)
            ]
        out = np.empty((len(t), len(frame)))
        for i, key in enumerate(keys):
            curve = base if key is None else base[base["strata"] == key]
            if key is not None and curve.empty:
                raise ModelError(f"stratum {key!r} of X_new row {i} was not in the fit")
            pos = np.searchsorted(curve["time"].to_numpy(), t, side="right") - 1
            h = np.where(pos >= 0, curve["cumhaz"].to_numpy()[np.maximum(pos, 0)], 0.0)
            out[:, i] = np.exp(-h * risk[i])
        return pd.DataFrame(out, index=pd.Index(t, name="time"), columns=frame.index)

    def _new_rows(self, X_new: Any) -> pd.DataFrame:
        """Validate ``X_new`` of :meth:`predict_survival` as a DataFrame."""
        names = list(self.names)
        if isinstance(X_new, pd.DataFrame):
            need = names + list(self.data.strata_names)
            missing = [c for c in need if c not in X_new.columns]
            if missing:
                raise ModelError(f"X_new lacks column(s) {missing} (the fit uses {need})")
            frame = X_new
        else:
            arr = np.asarray(X_new, dtype=float)
            arr = arr[None, :] if arr.ndim == 1 else arr
            if arr.ndim != 2 or arr.shape[1] != len(names):
                raise ModelError(
                    f"X_new has shape {np.shape(X_new)}; expected (k, {len(names)}) with columns {names}"
                )
            if self.strata_codes is not None:
                raise ModelError(
                    "a stratified fit needs X_new as a DataFrame with the strata columns"
                )
            frame = pd.DataFrame(arr, columns=names)
        values = frame[names].to_numpy(dtype=float)
        if not np.all(np.isfinite(values)):
            raise ModelError("X_new has missing or infinite covariate values")
        return frame

    def _require_finite(self, what: str) -> None:
        if not np.all(np.isfinite(self.params.to_numpy())):
            raise ModelError(f"{what} needs finite estimates; fit status: {self.status}")

    def __str__(self) -> str:
        s = self.summary
        cols = ["coef", "exp(coef)", "se(coef)"] + (["robust se"] if "robust se" in s else [])
        rows = [
            [name, *(fmt_num(r[c]) for c in cols), fmt_num(r["z"], 3), fmt_p(r["p"])]
            for name, r in s.iterrows()
        ]
        lines = [f"Call: {self.call}", ""]
        lines.append(text_table(["", *cols, "z", "p"], rows))
        lr = self.tests.loc["likelihood_ratio"]
        lines += [
            "",
            f"Likelihood ratio test={fmt_num(lr['statistic'])}  on {self.df} df, "
            f"p={fmt_p(lr['p'])}",
            f"n= {self.n}, number of events= {self.n_events}",
        ]
        design = self.data.design_notes
        if design:
            lines += ["", *(f"Note: {n}" for n in design)]
        if not self.status.converged:
            lines.append(f"Status: {self.status}")
        return "\n".join(lines)
