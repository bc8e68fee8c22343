"""Cox proportional hazards regression: the pandas-facing single-fit front end.

``cox_ph`` validates a DataFrame once, hands arrays to the Newton kernel
(:mod:`ppprog.models._kernels.newton`, the same compiled code the batched
engine runs) and wraps the outcome in a :class:`~ppprog.models.cox_result.CoxResult`.
It never drops a row: missing or invalid values raise a
:class:`~ppprog._core.errors.ModelError` naming the column and rows.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ppprog._core.errors import FitWarning, ModelError
from ppprog.models._kernels.cox_lik import cox_loglik
from ppprog.models._kernels.design import CoxDesign
from ppprog.models._kernels.newton import newton_fit
from ppprog.models._kernels.robust import robust_vcov, score_residuals
from ppprog.models.cox_result import CoxData, CoxResult, cox_outcome

__all__ = ["cox_ph"]


def _as_list(cols: str | Sequence[str] | None) -> list[str]:
    if cols is None:
        return []
    return [cols] if isinstance(cols, str) else list(cols)


def _rows(mask: np.ndarray) -> str:
    idx = np.flatnonzero(mask)
    shown = ", ".join(str(i) for i in idx[:5])
    return f"{len(idx)} row(s) (positions {shown}{', ...' if len(idx) > 5 else ''})"


def _numeric(data: pd.DataFrame, col: str) -> np.ndarray:
    s = data[col]
    if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
        raise ModelError(f"column {col!r} is not numeric (dtype {s.dtype}); encode it first")
    a = s.to_numpy(dtype=float, na_value=np.nan)
    if not np.all(np.isfinite(a)):
        raise ModelError(
            f"column {col!r} has missing or infinite values in {_rows(~np.isfinite(a))}"
        )
    return a


def _check_columns(data: Any, needed: list[str]) -> None:
    if not isinstance(data, pd.DataFrame):
        raise ModelError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise ModelError(f"columns not in data: {', '.join(map(repr, missing))}")
    if len(data) == 0:
        raise ModelError("data has no rows")


def _check_ties(ties: str) -> bool:
    """Raise unless ``ties`` is ``"efron"`` or ``"breslow"``; True for Efron."""
    if ties not in ("efron", "breslow"):
        raise ModelError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    return ties == "efron"


def _check_model_columns(
    data: Any,
    duration: str,
    event: str,
    covs: list[str],
    start: str | None,
    strata: list[str],
    cluster: list[str],
) -> None:
    """At least one covariate, and every model column present in a non-empty frame."""
    if not covs:
        raise ModelError("covariates: at least one column is needed")
    _check_columns(data, [duration, event, *covs, *([start] if start else []), *strata, *cluster])


def _labels(data: pd.DataFrame, cols: list[str], what: str) -> tuple[np.ndarray, tuple]:
    frame = data[cols]
    bad = frame.isna().any(axis=1).to_numpy()
    if bad.any():
        raise ModelError(f"{what} column(s) {cols} have missing values in {_rows(bad)}")
    codes, levels = pd.MultiIndex.from_frame(frame).factorize(sort=True)
    labels = tuple(lv[0] if len(cols) == 1 else lv for lv in levels)
    return np.asarray(codes, dtype=np.int64), labels


def _frame_to_data(data, duration, event, covariates, start, strata, cluster) -> CoxData:  # noqa: ANN001
    stop = _numeric(data, duration)
    ev = _numeric(data, event)
    if not np.all((ev == 0) | (ev == 1)):
        raise ModelError(
            f"column {event!r} must be 0/1 or bool; other values in {_rows((ev != 0) & (ev != 1))}"
        )
    X = np.column_stack([_numeric(data, c) for c in covariates])
    st = None
    if start is not None:
        st = _numeric(data, start)
        if np.any(stop <= st):
            raise ModelError(f"{duration!r} must exceed {start!r}; not so in {_rows(stop <= st)}")
    s_codes, s_levels = (None, ())
    if strata:
        s_codes, s_levels = _labels(data, strata, "strata")
    cl = _labels(data, cluster, "cluster")[0] if cluster else None
    return CoxData(np.ascontiguousarray(X), st, stop, ev.astype(bool), s_codes, s_levels,
                   tuple(strata), cl)  # fmt: skip


def _notes(d: CoxData, ties: str, robust: bool, cluster: list[str], n_used: int) -> tuple[str, ...]:
    notes = [f"ties: {ties}", f"{n_used} rows used, none dropped"]
    if d.start is not None:
        notes.append(
            f"counting-process (start, stop] data; {int(np.sum(d.start > d.start.min()))} rows start after the earliest entry"
        )
    if d.strata is not None:
        ev_by = np.bincount(d.strata, weights=d.event, minlength=len(d.strata_levels))
        notes.append(
            f"stratified by {', '.join(d.strata_names)} ({len(d.strata_levels)} strata, {int(np.sum(ev_by == 0))} without events)"
        )
    if cluster:
        notes.append(f"robust (sandwich) SE clustered by {', '.join(cluster)}")
    elif robust:
        notes.append("robust (sandwich) SE, each row its own cluster")
    return tuple(notes)


def cox_ph(
    data: pd.DataFrame,
    *,
    duration: str,
    event: str,
    covariates: str | Sequence[str],
    start: str | None = None,
    ties: str = "efron",
    strata: str | Sequence[str] | None = None,
    cluster: str | Sequence[str] | None = None,
    robust: bool = False,
    penalty: str | None = None,
    alpha: float = 0.05,
    max_iter: int = 30,
    tol: float = 1e-9,
) -> CoxResult | Any:
    """Fit a Cox proportional hazards model by maximum partial likelihood.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per subject, or per (start, stop] interval.
    duration : str
        Column of event/censoring times (interval ends).
    event : str
        Column of event indicators (0/1 or bool).
    covariates : str or sequence of str
        Numeric covariate columns.
    start : str, optional
        Column of entry times; a row is at risk at ``t`` iff ``start < t <= stop``
        (R's ``Surv(start, stop, event)``).
    ties : {"efron", "breslow"}, optional
        Tie handling; R's default is Efron.
    strata : str or sequence of str, optional
        Columns defining strata (separate baseline hazards).
    cluster : str or sequence of str, optional
        Columns defining clusters for the sandwich variance (implies ``robust``).
    robust : bool, optional
        Sandwich variance with each row its own cluster (R's ``robust = TRUE``).
    penalty : {None, "firth"}, optional
        ``"firth"`` fits Firth's penalized likelihood with
        :func:`ppprog.models.firth.cox_firth` and returns its result.
    alpha : float, optional
        1 - confidence level of the intervals.
    max_iter : int, optional
        Newton-Raphson iteration limit.
    tol : float, optional
        Convergence tolerance on the relative change of the coefficients; the
        log-likelihood tolerance is ``tol * 1e-3``.

    Returns
    -------
    CoxResult
        Estimates, variance, tests, status and post-fit methods (a
        ``FirthResult`` when ``penalty="firth"``).

    Raises
    ------
    ModelError
        On missing columns, missing or infinite values, non-0/1 events or
        ``stop <= start``.

    Warns
    -----
    FitWarning
        Once, when the fit did not converge to finite estimates (see ``.status``).

    References
    ----------
    Cox DR. Regression models and life-tables. JRSS B 1972; 34: 187-220.
    Efron B. The efficiency of Cox's likelihood function for censored data.
    JASA 1977; 72: 557-565. Therneau TM, Grambsch PM. Modeling Survival Data:
    Extending the Cox Model. Springer, 2000.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6], "e": [1, 1, 0, 1, 1, 0],
    ...                    "x": [0.5, 1.5, 0.0, 1.0, -1.0, 0.2]})
    >>> fit = cox_ph(df, duration="t", event="e", covariates="x")
    >>> fit.status.converged
    True
    """
    covs, strata_l, cluster_l = _as_list(covariates), _as_list(strata), _as_list(cluster)
    # Default ties: Efron, as R's coxph (SAS PHREG and Stata stcox default to Breslow).
    _check_ties(ties)
    _check_model_columns(data, duration, event, covs, start, strata_l, cluster_l)
    if penalty is not None:
        return _firth(
            data, duration, event, covs, start, ties, strata, alpha, penalty, robust or cluster_l
        )
    d = _frame_to_data(data, duration, event, covs, start, strata_l, cluster_l)
    design = CoxDesign.from_arrays(
        d.X[None], d.stop[None], d.event[None],
        start=None if d.start is None else d.start[None],
        strata=None if d.strata is None else d.strata[None],
    )  # fmt: skip
    out = newton_fit(design, ties=ties, max_iter=max_iter, tol_ll=tol * 1e-3, tol_beta=tol)
    status = cox_outcome(out.status[0], out.n_iter[0], covs, out.flagged[0], out.direction[0])
    if not status.converged:
        warnings.warn(f"cox_ph: {status}", FitWarning, stacklevel=2)
    call = f"cox_ph(duration={duration!r}, event={event!r}, covariates={covs}" + (
        f", start={start!r}" if start else "") + (f", strata={strata_l}" if strata_l else "") + (
        f", cluster={cluster_l}" if cluster_l else "") + (", robust=True" if robust else "") + f", ties={ties!r})"  # fmt: skip
    return _result(d, out, status, covs, ties, alpha, robust or bool(cluster_l), cluster_l, call)


def _result(d, out, status, covs, ties, alpha, robust, cluster, call) -> CoxResult:  # noqa: ANN001
    beta, vcov = out.beta[0], out.vcov[0]
    idx = pd.Index(covs, name="covariate")
    _, u0, i0 = cox_loglik(d.X[None], d.stop[None], d.event[None], np.zeros((1, len(covs))),
                           start=None if d.start is None else d.start[None],
                           strata=None if d.strata is None else d.strata[None], ties=ties)  # fmt: skip
    try:
        score = float(u0[0] @ np.linalg.solve(i0[0], u0[0]))
    except np.linalg.LinAlgError:
        score = np.nan
    rob = rob_se = None
    notes = _notes(d, ties, robust, cluster, int(out.n_used[0]))
    if robust and not np.all(np.isfinite(vcov)):
        notes += ("robust SE not computed: no finite model-based variance",)
    elif robust:
        resid = score_residuals(d.start, d.stop, d.event, d.X, beta, strata=d.strata, ties=ties)
        rv = robust_vcov(resid, vcov, d.cluster)
        rob = pd.DataFrame(rv, index=idx, columns=idx)
        rob_se = pd.Series(np.sqrt(np.diag(rv)), index=idx, name="robust se")
    return CoxResult(
        params=pd.Series(beta, index=idx, name="coef"),
        se=pd.Series(np.sqrt(np.diag(vcov)), index=idx, name="se(coef)"),
        vcov=pd.DataFrame(vcov, index=idx, columns=idx),
        robust_se=rob_se,
        robust_vcov=rob,
        loglik=float(out.loglik[0]),
        loglik_null=float(out.loglik_null[0]),
        score_stat=score,
        n=int(out.n_used[0]),
        n_events=int(out.n_events[0]),
        n_iter=int(out.n_iter[0]),
        status=status,
        notes=notes,
        ties=ties,
        alpha=alpha,
        call=call,
        data=d,
    )


def _firth(data, duration, event, covs, start, ties, strata, alpha, penalty, robust) -> Any:  # noqa: ANN001
    if penalty != "firth":
        raise ModelError(f"penalty must be None or 'firth', got {penalty!r}")
    if robust:
        raise ModelError("penalty='firth' does not support robust or cluster variance")
    from ppprog.models.firth import cox_firth

    return cox_firth(data, duration=duration, event=event, covariates=covs, start=start,
                     ties=ties, strata=strata, alpha=alpha)  # fmt: skip
