"""Fine-Gray proportional subdistribution hazards regression.

``fine_gray`` fits the model two ways, both checked against R:

* ``method="crr"`` (default): the estimating equations of ``cmprsk::crr``
  (censoring weights from the Kaplan-Meier of the censoring times, Breslow
  ties, the same Newton iterations and stopping rule), with crr's sandwich
  variance that accounts for the estimated censoring distribution;
* ``method="finegray"``: R's ``survival::finegray`` expansion into weighted
  counting-process rows, fitted by weighted Cox partial likelihood with Efron
  ties; its variance is the robust one clustered by subject
  (``coxph(..., cluster = id)``), the model-based one is kept as well.

Coefficients are log subdistribution hazard ratios: they describe the
cumulative incidence of the endpoint, not the cause-specific hazard (for that,
fit :func:`ppprog.models.cox.cox_ph` with the other causes recoded to 0).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.stats import norm

from ppprog._core.errors import FitWarning, ModelError
from ppprog._core.fmt import fmt_num, fmt_p, text_table
from ppprog.models._kernels.finegray import (
    censor_km_left,
    crr_fit,
    crr_sandwich,
    crr_terms,
    finegray_rows,
)
from ppprog.models._kernels.wcox import wcox_fit, wcox_robust_vcov, wcox_score_resid, wcox_terms
from ppprog.models.competing import as_codes
from ppprog.models.design_input import annotate, with_design
from ppprog.models.status import FitOutcome, FitStatus

__all__ = ["FineGrayResult", "fine_gray"]

_MESSAGES = {
    FitStatus.CONVERGED: "converged",
    FitStatus.MAX_ITER: "iteration limit reached before the tolerance",
    FitStatus.STEP_HALVING_FAILED: "no step improved the objective after 20 halvings",
    FitStatus.SINGULAR_INFORMATION: "information singular: constant or collinear covariates",
    FitStatus.NO_EVENTS: "no events of the cause: nothing to estimate",
}


@dataclass(frozen=True)
class FineGrayResult:
    """A Fine-Gray fit.

    Attributes
    ----------
    params, se : pandas.Series
        Log subdistribution hazard ratios and their standard errors.
    vcov : pandas.DataFrame
        Robust variance: crr's sandwich (``method="crr"``, accounting for the
        estimated censoring distribution), or the sandwich clustered by
        subject of ``coxph(..., weights = fgwt, cluster = id)``
        (``method="finegray"``).
    naive_vcov : pandas.DataFrame
        Inverse information (crr's ``invinf``; coxph's ``naive.var``).
    loglik, loglik_null : float
        Log pseudo-likelihood at the estimate and at zero.
    status : FitOutcome
    baseline : pandas.DataFrame
        Index ``time`` (distinct times of the cause), columns ``hazard``
        (jumps of the baseline cumulative subdistribution hazard, as crr's
        ``bfitj``) and ``cumhaz``.
    cause : int
    method : str
    n, n_events, n_competing : int
    alpha : float
    notes : tuple of str
    """

    params: pd.Series
    se: pd.Series
    vcov: pd.DataFrame
    naive_vcov: pd.DataFrame
    loglik: float
    loglik_null: float
    status: FitOutcome
    baseline: pd.DataFrame
    cause: int
    method: str
    n: int
    n_events: int
    n_competing: int
    alpha: float
    notes: tuple[str, ...]
    dropped: tuple[Any, ...] = ()

    @property
    def n_dropped(self) -> int:
        """Rows dropped for missing values (``missing="drop"``; listed in ``notes``)."""
        return len(self.dropped)

    @property
    def summary(self) -> pd.DataFrame:
        """Columns ``coef, exp(coef), se(coef), z, p, lower, upper`` (limits of exp(coef))."""
        z = self.params / self.se
        q = float(norm.ppf(1.0 - self.alpha / 2.0))
        return pd.DataFrame({
            "coef": self.params, "exp(coef)": np.exp(self.params), "se(coef)": self.se,
            "z": z, "p": 2.0 * norm.sf(np.abs(z)),
            "lower": np.exp(self.params - q * self.se), "upper": np.exp(self.params + q * self.se),
        })  # fmt: skip

    def predict_cif(self, new_data: pd.DataFrame, times: ArrayLike | None = None) -> pd.DataFrame:
        """Predicted cumulative incidence of the cause, as ``predict.crr``.

        ``1 - exp(-exp(x'b) * Lambda0(t))`` with ``Lambda0`` the Breslow-type
        baseline cumulative subdistribution hazard.

        Parameters
        ----------
        new_data : pandas.DataFrame
            One row per covariate profile, with every covariate column.
        times : array_like of float, optional
            Evaluation times (step function); default the event times.

        Returns
        -------
        pandas.DataFrame
            Index ``time``, one column per row of ``new_data`` (its index).
        """
        names = list(self.params.index)
        missing = [c for c in names if c not in new_data.columns]
        if missing:
            raise ModelError(f"new_data lacks covariate columns {missing}")
        lp = new_data[names].to_numpy(dtype=float) @ self.params.to_numpy()
        cum = self.baseline["cumhaz"].to_numpy()
        base_t = self.baseline.index.to_numpy()
        if times is None:
            tt, h = base_t, cum
        else:
            tt = np.atleast_1d(np.asarray(times, dtype=float))
            idx = np.searchsorted(base_t, tt, side="right") - 1
            h = np.where(idx >= 0, cum[np.maximum(idx, 0)], 0.0)
        cif = 1.0 - np.exp(-np.outer(h, np.exp(lp)))
        return pd.DataFrame(cif, index=pd.Index(tt, name="time"), columns=new_data.index)

    def __str__(self) -> str:
        s = self.summary
        header = ["", "coef", "exp(coef)", "se(coef)", "z", "p"]
        rows = [
            [k, r["coef"], r["exp(coef)"], r["se(coef)"], r["z"], fmt_p(r["p"])]
            for k, r in s.iterrows()
        ]
        head = (f"Fine-Gray ({self.method}), cause {self.cause}: n={self.n}, events={self.n_events}, "
                f"competing={self.n_competing}, loglik={fmt_num(self.loglik)}; {self.status}")  # fmt: skip
        return head + "\n" + text_table(header, rows) + "\n" + "; ".join(self.notes)


def _from_frame(
    data: pd.DataFrame, duration: str | None, event: str | None, covariates: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if duration is None or event is None:
        raise ModelError("duration and event columns are needed with a DataFrame")
    missing = [c for c in [duration, event, *covariates] if c not in data.columns]
    if missing:
        raise ModelError(f"columns not in data: {missing}")
    cols = {}
    for c in [duration, *covariates]:
        a = pd.to_numeric(data[c], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(a)
        if bad.any():
            raise ModelError(
                f"column {c!r} has missing/non-numeric values at rows {np.flatnonzero(bad)[:5].tolist()}"
            )
        cols[c] = a
    ev = as_codes(data[event].to_numpy(), len(data), f"column {event!r}")
    X = np.column_stack([cols[c] for c in covariates]) if covariates else np.zeros((len(data), 0))
    return cols[duration], ev, X


def _from_survival_data(
    data: Any, covariates: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if data.n_replicates != 1:
        raise ModelError(
            f"SurvivalData has {data.n_replicates} replicates; fit one with .replicate(r)"
        )
    if data.has_entry or len(np.unique(data.subject[0][data.mask[0]])) != int(data.mask[0].sum()):
        raise ModelError("fine_gray needs one row per subject without delayed entry")
    sel = [list(data.names).index(c) for c in covariates]
    keep = data.mask[0]
    return data.stop[0][keep], data.event[0][keep].astype(np.int64), data.X[0][keep][:, sel]


def _outcome(code: int, n_iter: int) -> FitOutcome:
    st = FitStatus(int(code))
    msg = _MESSAGES.get(st, st.name.lower())
    if st is FitStatus.CONVERGED:
        msg = f"converged in {n_iter} Newton-Raphson iterations"
    return FitOutcome(st, n_iter, msg)


def fine_gray(
    data: Any,
    *,
    duration: str | None = None,
    event: str | None = None,
    covariates: str | Sequence[str] | None = None,
    cause: int = 1,
    method: str = "crr",
    alpha: float = 0.05,
    gtol: float = 1e-6,
    max_iter: int = 10,
    formula: str | None = None,
    missing: str = "raise",
    id: str | None = None,
) -> FineGrayResult:
    """Fine-Gray proportional subdistribution hazards regression for ``cause``.

    Parameters
    ----------
    data : pandas.DataFrame or SurvivalData
        One row per subject. A :class:`~ppprog.tables.data.SurvivalData`
        (one replicate, no delayed entry) supplies times, codes and covariates.
    duration, event : str
        Columns of exit times and event codes (0 censored, k >= 1 a cause);
        needed with a DataFrame.
    covariates : str or sequence of str
        Numeric covariates (all of a SurvivalData's when omitted).
    cause : int, optional
        The endpoint; every other nonzero code is a competing event.
    method : {"crr", "finegray"}, optional
        ``"crr"`` reproduces ``cmprsk::crr`` (sandwich variance);
        ``"finegray"`` reproduces ``coxph(Surv(fgstart, fgstop, fgstatus) ~ .,
        weights = fgwt, cluster = id, data = finegray(...))``. R's ``coxph``
        without ``cluster`` would report a robust variance with each expanded
        row its own cluster, which ppprog does not offer.
    alpha : float, optional
        One minus the confidence level of the summary limits.
    gtol, max_iter : optional
        crr's convergence tolerance and iteration limit (its defaults).
    formula, missing, id : optional
        As in :func:`~ppprog.models.cox.cox_ph`: a formula instead of
        ``covariates`` (factors treatment-coded), and what to do with rows
        that miss a value (``"raise"`` or ``"drop"``, listed on the result).

    Returns
    -------
    FineGrayResult

    Warns
    -----
    FitWarning
        Once, when the fit did not converge (see ``.status``).

    References
    ----------
    Fine JP, Gray RJ (1999). A proportional hazards model for the
    subdistribution of a competing risk. JASA 94:496-509. Geskus RB (2011).
    Cause-specific cumulative incidence estimation and the Fine and Gray model
    under both left truncation and right censoring. Biometrics 67:39-49.
    """
    if method not in ("crr", "finegray"):
        raise ModelError(f"method must be 'crr' or 'finegray', got {method!r}")
    is_frame = isinstance(data, pd.DataFrame)
    dropped: tuple[Any, ...] = ()
    design_notes: tuple[str, ...] = ()
    if is_frame and (formula is not None or covariates is not None):
        data, covariates, dropped, design_notes = with_design(
            data, covariates, formula=formula, missing=missing, others=[duration, event], id=id
        )
    if covariates is None:
        if is_frame or not hasattr(data, "names"):
            raise ModelError("covariates: name at least one column")
        covariates = list(data.names)
    covs = [covariates] if isinstance(covariates, str) else list(covariates)
    if not covs:
        raise ModelError("covariates: at least one is needed")
    if is_frame:
        time, ev, X = _from_frame(data, duration, event, covs)
    elif all(hasattr(data, a) for a in ("stop", "event", "X", "names", "mask")):
        time, ev, X = _from_survival_data(data, covs)
    else:
        raise ModelError(f"data must be a DataFrame or SurvivalData, got {type(data).__name__}")
    if (time < 0).any():
        raise ModelError("duration must be >= 0")
    order = np.argsort(time, kind="stable")
    time, ev, X = time[order], ev[order], np.ascontiguousarray(X[order])
    status = np.where(ev == 0, 0, np.where(ev == cause, 1, 2)).astype(np.int64)
    fit = _fit_crr(X, time, status, gtol, max_iter) if method == "crr" else _fit_fg(X, time, status)
    status_out = _outcome(fit.code, fit.n_iter)
    if not status_out.converged:
        warnings.warn(f"fine_gray: {status_out}", FitWarning, stacklevel=2)
    idx = pd.Index(covs, name="covariate")
    base = pd.DataFrame(
        {"hazard": fit.hazard, "cumhaz": np.cumsum(fit.hazard)},
        index=pd.Index(fit.haz_time, name="time"),
    )
    result = FineGrayResult(
        params=pd.Series(fit.beta, index=idx, name="coef"),
        se=pd.Series(np.sqrt(np.diag(fit.vcov)), index=idx, name="se(coef)"),
        vcov=pd.DataFrame(fit.vcov, index=idx, columns=idx),
        naive_vcov=pd.DataFrame(fit.naive, index=idx, columns=idx),
        loglik=fit.loglik, loglik_null=fit.loglik_null, status=status_out, baseline=base,
        cause=int(cause), method=method, n=int(time.size), n_events=int(np.sum(status == 1)),
        n_competing=int(np.sum(status == 2)), alpha=float(alpha),
        notes=(f"{time.size} rows used, none dropped", *fit.notes),
    )  # fmt: skip
    return annotate(result, dropped, design_notes)


@dataclass(frozen=True)
class _Fit:
    beta: np.ndarray
    vcov: np.ndarray
    naive: np.ndarray
    loglik: float
    loglik_null: float
    code: int
    n_iter: int
    haz_time: np.ndarray
    hazard: np.ndarray
    notes: tuple[str, ...]


def _fit_crr(
    X: np.ndarray, time: np.ndarray, status: np.ndarray, gtol: float, max_iter: int
) -> _Fit:
    g = censor_km_left(time, status)
    fit = crr_fit(X, time, status, g, gtol=gtol, max_iter=max_iter)
    p = X.shape[1]
    vcov = naive = np.full((p, p), np.nan)
    if fit.status in (0, 2):
        vcov, info, _ = crr_sandwich(fit.beta, X, time, status, g)
        naive = np.linalg.inv(info)
    ll0 = -crr_terms(np.zeros(p), X, time, status, g).neg_loglik
    tm = fit.terms
    note = "crr: censoring weights from the Kaplan-Meier of the censoring times; Breslow ties"
    return _Fit(fit.beta, vcov, naive, -tm.neg_loglik, ll0, fit.status, fit.n_iter,
                tm.utime, tm.n_event / tm.s0, (note, "sandwich variance (crr's var)"))  # fmt: skip


def _fit_fg(X: np.ndarray, time: np.ndarray, status: np.ndarray) -> _Fit:
    row, start, stop, ev, w = finegray_rows(time, status)
    Xr = np.ascontiguousarray(X[row])
    beta, ll, info, n_iter, code = wcox_fit(Xr, start, stop, ev, w)
    p = X.shape[1]
    naive = vcov = np.full((p, p), np.nan)
    if code in (0, 2):
        try:
            naive = np.asarray(np.linalg.inv(info), dtype=np.float64)
        except np.linalg.LinAlgError:
            code = 4
        else:
            resid = wcox_score_resid(beta, Xr, start, stop, ev, w)
            vcov = wcox_robust_vcov(resid, w, row, naive)
    ll0 = float(wcox_terms(np.zeros(p), Xr, start, stop, ev, w)[0])
    # Breslow-type baseline on the weighted rows
    r = w * np.exp(Xr @ beta)
    ut, d = np.unique(stop[ev == 1], return_counts=True)
    s0 = np.array([r[(start < t) & (t <= stop)].sum() for t in ut])
    notes = (
        f"finegray: {row.size} weighted counting-process rows; Efron ties",
        "robust variance clustered by subject (coxph(..., cluster = id))",
    )
    return _Fit(beta, vcov, naive, float(ll), ll0, code, n_iter, ut, d / s0, notes)
