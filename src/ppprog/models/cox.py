"""Cox proportional hazards regression: the single-fit front end.

``cox_ph`` takes a :class:`~ppprog.tables.data.SurvivalData` or a DataFrame
(validated once and converted by :func:`ppprog.tables.frame.as_survival_data`),
builds the one Cox design (:func:`ppprog.models.frontend.cox_design`), runs
the Newton kernel (:mod:`ppprog.models._kernels.newton`, the same compiled
code the batched engine runs) and wraps the outcome in a
:class:`~ppprog.models.cox_result.CoxResult`. It never drops a row: missing
or invalid values raise a :class:`~ppprog._core.errors.ModelError` naming the
column and rows.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ppprog._core.errors import FitWarning, ModelError
from ppprog.models import firth as firth_module
from ppprog.models._kernels.newton import NewtonOutcome, newton_fit
from ppprog.models._kernels.robust import robust_vcov, score_residuals
from ppprog.models.cox_result import CoxResult
from ppprog.models.frontend import (
    check_ties,
    cox_design,
    event_of_interest,
    is_stratified,
    model_data,
    one_replicate,
)
from ppprog.models.status import FitOutcome, fit_outcome
from ppprog.tables.data import SurvivalData
from ppprog.tables.frame import column_list

__all__ = ["cox_ph"]


def _notes(d: SurvivalData, event: np.ndarray, ties: str, robust: bool, cause: int | None,
           n_used: int) -> tuple[str, ...]:  # fmt: skip
    dropped = f"{d.n_dropped} dropped" if d.n_dropped else "none dropped"
    notes = [f"ties: {ties}", f"{n_used} rows used, {dropped}", *d.design_notes]
    if cause is not None:
        notes.append(f"cause-specific hazard of {d.causes.get(1, cause)}: other causes censored")
    if d.has_entry:
        start = d.start[0]
        late = int(np.sum(start > start.min()))
        notes.append(
            f"counting-process (start, stop] data; {late} rows start after the earliest entry"
        )
    if is_stratified(d):
        k = max(len(d.strata_levels), int(d.strata.max()) + 1)
        ev_by = np.bincount(d.strata[0], weights=event, minlength=k)
        names = ", ".join(d.strata_names) or "strata"
        notes.append(
            f"stratified by {names} ({k} strata, {int(np.sum(ev_by == 0))} without events)"
        )
    if d.cluster_name is not None:
        notes.append(f"robust (sandwich) SE clustered by {d.cluster_name}")
    elif robust:
        notes.append("robust (sandwich) SE, each row its own cluster")
    return tuple(notes)


def _call(duration: Any, event: Any, covs: list[str], start: Any, strata: list[str],
          cluster: list[str], robust: bool, ties: str, cause: int | None) -> str:  # fmt: skip
    parts = [f"duration={duration!r}", f"event={event!r}", f"covariates={covs}"]
    parts += [f"start={start!r}"] if start else []
    parts += [f"strata={strata}"] if strata else []
    parts += [f"cluster={cluster}"] if cluster else []
    parts += ["robust=True"] if robust else []
    parts += [f"cause={cause}"] if cause is not None else []
    return f"cox_ph({', '.join(parts)}, ties={ties!r})"


def _robust(d: SurvivalData, event: np.ndarray, beta: np.ndarray, vcov: np.ndarray, ties: str,
            idx: pd.Index) -> tuple[pd.DataFrame, pd.Series]:  # fmt: skip
    start = d.start[0] if d.has_entry else None
    strata = d.strata[0] if is_stratified(d) else None
    resid = score_residuals(start, d.stop[0], event, d.X[0], beta, strata=strata, ties=ties)
    cluster = d.cluster[0] if d.cluster_name is not None else None
    rv = robust_vcov(resid, vcov, cluster)
    return pd.DataFrame(rv, index=idx, columns=idx), pd.Series(np.sqrt(np.diag(rv)), index=idx,
                                                               name="robust se")  # fmt: skip


def _result(d: SurvivalData, event: np.ndarray, out: NewtonOutcome, status: FitOutcome, ties: str,
            alpha: float, robust: bool, cause: int | None, call: str) -> CoxResult:  # fmt: skip
    beta, vcov = out.beta[0], out.vcov[0]
    idx = pd.Index(list(d.names), name="covariate")
    rob = rob_se = None
    notes = _notes(d, event, ties, robust, cause, int(out.n_used[0]))
    if robust and not np.all(np.isfinite(vcov)):
        notes += ("robust SE not computed: no finite model-based variance",)
    elif robust:
        rob, rob_se = _robust(d, event, beta, vcov, ties, idx)
    return CoxResult(
        params=pd.Series(beta, index=idx, name="coef"),
        se=pd.Series(np.sqrt(np.diag(vcov)), index=idx, name="se(coef)"),
        vcov=pd.DataFrame(vcov, index=idx, columns=idx), robust_se=rob_se, robust_vcov=rob,
        loglik=float(out.loglik[0]), loglik_null=float(out.loglik_null[0]),
        score_stat=float(out.score_null[0]), n=int(out.n_used[0]),
        n_events=int(out.n_events[0]), n_iter=int(out.n_iter[0]), status=status, notes=notes,
        ties=ties, alpha=alpha, call=call, data=d, event=event,
    )  # fmt: skip


def cox_ph(
    data: pd.DataFrame | SurvivalData,
    *,
    duration: str | None = None,
    event: str | None = None,
    covariates: str | Sequence[str] | None = None,
    start: str | None = None,
    ties: str = "efron",
    strata: str | Sequence[str] | None = None,
    cluster: str | Sequence[str] | None = None,
    robust: bool = False,
    penalty: str | None = None,
    cause: int | None = None,
    alpha: float = 0.05,
    max_iter: int = 20,
    tol: float = 1e-9,
    formula: str | None = None,
    missing: str = "raise",
    id: str | None = None,
) -> CoxResult | Any:
    """Fit a Cox proportional hazards model by maximum partial likelihood.

    Parameters
    ----------
    data : pandas.DataFrame or SurvivalData
        One row per subject, or per (start, stop] interval. A SurvivalData
        (one replicate) carries its own times, events, strata and clusters;
        the column arguments then do not apply.
    duration : str
        Column of event/censoring times (interval ends); DataFrame only.
    event : str
        Column of event indicators (0/1 or bool; integer cause codes with
        ``cause``); DataFrame only.
    covariates : str or sequence of str
        Numeric covariate columns (for a SurvivalData: a selection of its
        covariates, default all).
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
    cause : int, optional
        Cause-specific hazard of the event with this code: rows with other
        (competing) event codes are treated as censored at their time, as
        R's ``coxph(Surv(time, status == k) ~ ...)``. Without ``cause`` the
        events must be 0/1: a competing code raises an error instead of being
        silently censored.
    alpha : float, optional
        1 - confidence level of the intervals.
    max_iter : int, optional
        Newton-Raphson iteration limit (R's ``iter.max``).
    tol : float, optional
        Convergence tolerance on the relative change of the log-likelihood,
        R's ``coxph.control(eps)``: the iterations, their count and the
        estimates are R's (:mod:`ppprog.models._kernels.newton`).
    formula : str, optional
        Right-hand side of a model formula instead of ``covariates`` (formulaic
        syntax, e.g. ``"age + C(pustular_extent, contr.treatment('none'))"``);
        string and categorical columns are treatment-coded, the reference level
        named in ``notes``. DataFrame only.
    missing : {"raise", "drop"}, optional
        Rows with a missing value in a column the model uses: an error naming
        them (default), or dropped, counted in ``n_dropped`` and listed in ``notes``.
    id : str, optional
        Column naming the rows in messages and in the dropped-rows note.

    Returns
    -------
    CoxResult
        Estimates, variance, tests, status and post-fit methods (a
        ``FirthResult`` when ``penalty="firth"``).

    Raises
    ------
    ModelError
        On missing or duplicated columns, missing or infinite values, event
        codes other than 0/1 (without ``cause``) or ``stop <= start``.

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
    check_ties(ties)
    if penalty is not None:
        return _firth(data, duration, event, covariates, start, ties, strata, alpha, penalty,
                      robust or bool(column_list(cluster)), cause,
                      _non_default(formula=formula, missing=missing, id=id))  # fmt: skip
    d = model_data(data, duration=duration, event=event, covariates=covariates, start=start,
                   strata=strata, cluster=cluster, cause=cause, formula=formula,
                   missing=missing, id=id)  # fmt: skip
    one_replicate(d, "cox_ph")
    if not d.mask.all():
        d = d.replicate(0)
    ev = event_of_interest(d, cause, event or "event")
    out = newton_fit(cox_design(d, ev), ties=ties, max_iter=max_iter, eps=tol, parallel=False)
    status = fit_outcome(out.status[0], out.n_iter[0], d.names, out.flagged[0], out.direction[0])
    if not status.converged:
        warnings.warn(f"cox_ph: {status}", FitWarning, stacklevel=2)
    strata_l, cluster_l = column_list(strata), column_list(cluster)
    rob = robust or d.cluster_name is not None
    call = _call(duration, event, list(d.names), start, strata_l, cluster_l, robust, ties, cause)
    return _result(d, ev[0], out, status, ties, alpha, rob, cause, call)


def _non_default(*, formula: str | None, missing: str, id: str | None) -> dict[str, Any]:
    """The design options that differ from their defaults (passed on to cox_firth)."""
    given = {"formula": formula, "id": id, "missing": None if missing == "raise" else missing}
    return {k: v for k, v in given.items() if v is not None}


def _firth(data: Any, duration: Any, event: Any, covariates: Any, start: Any, ties: str,
           strata: Any, alpha: float, penalty: str, robust: bool, cause: int | None,
           design: dict[str, Any]) -> Any:  # fmt: skip
    if penalty != "firth":
        raise ModelError(f"penalty must be None or 'firth', got {penalty!r}")
    if robust:
        raise ModelError("penalty='firth' does not support robust or cluster variance")
    kw: dict[str, Any] = {"cause": cause} if cause is not None else {}
    covs = None if covariates is None else column_list(covariates)
    return firth_module.cox_firth(
        data, duration=duration, event=event, covariates=covs, start=start, ties=ties,
        strata=strata, alpha=alpha, **kw, **design,
    )  # fmt: skip
