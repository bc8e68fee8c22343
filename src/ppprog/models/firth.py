"""Firth-penalized Cox regression: front ends, profile intervals, LR tests.

:func:`cox_firth` fits one data set (a SurvivalData or a DataFrame) and
returns a :class:`~ppprog.models.firth_result.FirthResult`;
:func:`~ppprog.models.firth_batch.cox_firth_batch` fits ``R`` replicate data
sets and returns a :class:`~ppprog.models.firth_result.FirthBatchResult`. Both
run the same compiled kernel (:mod:`ppprog.models._kernels.firth`) on the same
Cox design as the ordinary fit; a single fit is a batch of one, so batched and
single estimates are identical.

Conventions (as R's coxphf unless stated): the penalty is
``1/2 log|I(b)|``; standard errors are ``sqrt(diag(I(b_hat)^{-1}))`` with
``I`` the information of the *unpenalized* partial likelihood at the Firth
estimate (coxphf's ``var``); ``loglik`` and ``loglik_null`` are penalized (at
``b_hat`` and at ``b = 0``); the global test is the penalized likelihood ratio
``2 (loglik - loglik_null)`` on ``p`` df; the per-coefficient p-values are
penalized likelihood-ratio tests of ``b_j = 0`` with the other coefficients
re-fitted, and the default intervals are profile penalized-likelihood
intervals. Beyond coxphf (Breslow ties only, no strata): Efron ties (the
default, as in ``cox_ph``), with the exact derivative of the Efron
information in the penalty, and strata. coxphf
standardizes the covariates internally; here the fit runs on the original
scale and only the Newton step cap is expressed in standard deviations.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from ppprog._core.errors import FitWarning
from ppprog._core.typing import FloatArray
from ppprog.models.firth_batch import cox_firth_batch
from ppprog.models.firth_profile import (
    FirthOptions,
    FirthReplicate,
    fit_design,
    lr_tests,
    profile_cis,
)
from ppprog.models.firth_result import FirthResult, ProfileTable
from ppprog.models.frontend import (
    check_alpha,
    check_ties,
    cox_design,
    event_of_interest,
    is_stratified,
    model_data,
    one_replicate,
)
from ppprog.models.status import FitStatus, fit_outcome
from ppprog.tables.data import SurvivalData

__all__ = ["cox_firth", "cox_firth_batch", "FirthResult"]


def cox_firth(
    data: Any,
    *,
    duration: str | None = None,
    event: str | None = None,
    covariates: Sequence[str] | str | None = None,
    start: str | None = None,
    ties: str = "efron",
    strata: str | Sequence[str] | None = None,
    cause: int | None = None,
    alpha: float = 0.05,
    profile: bool = True,
    max_iter: int = 100,
    tol: float = 1e-10,
    formula: str | None = None,
    missing: str = "raise",
    id: str | None = None,
) -> FirthResult:
    """Fit a Cox model by Firth's penalized partial likelihood.

    Maximizes ``l(b) + 1/2 log|I(b)|`` by Newton-Raphson on the modified
    score, with step halving on the penalized log-likelihood and a maximum
    step of 0.5 standard deviations per coefficient. Estimates are finite
    under monotone likelihood (separation), where the ordinary fit diverges.

    Parameters
    ----------
    data : pandas.DataFrame or SurvivalData
        One row per subject, or per (start, stop] interval (a SurvivalData
        of one replicate carries its own times, events and strata).
    duration : str
        Column of event/censoring times (interval ends); DataFrame only.
    event : str
        Column of event indicators (0/1 or bool); DataFrame only.
    covariates : str or sequence of str
        Numeric covariate columns, used on their original scale (for a
        SurvivalData: a selection, default all).
    start : str, optional
        Column of interval starts for counting-process data; a row is at risk
        at ``t`` iff ``start < t <= stop``.
    ties : {"efron", "breslow"}, optional
        Tie handling. The default is Efron, as in :func:`~ppprog.models.cox.cox_ph`
        (so ``cox_firth(...)`` and ``cox_ph(..., penalty="firth")`` agree);
        pass ``"breslow"`` to reproduce coxphf, which supports Breslow only.
        For Efron the penalty uses the exact derivative of the Efron information.
    strata : str or sequence of str, optional
        Columns defining strata (separate baseline hazards).
    cause : int, optional
        Cause-specific hazard of this event code (other causes censored), as
        in :func:`~ppprog.models.cox.cox_ph`.
    alpha : float, optional
        1 - confidence level of the intervals.
    profile : bool, optional
        If True (default, as coxphf's ``pl=TRUE``) the summary shows profile
        penalized-likelihood intervals and penalized LR p-values; otherwise
        Wald intervals and Wald p-values from ``I(b_hat)^{-1}``.
    max_iter : int, optional
        Newton-Raphson iterations allowed.
    tol : float, optional
        Convergence tolerance on the coefficients' Newton steps.
    formula, missing, id : optional
        As in :func:`~ppprog.models.cox.cox_ph`: a formula instead of
        ``covariates``, and what to do with rows that miss a value.

    Returns
    -------
    FirthResult

    Raises
    ------
    ModelError
        When a column is missing, non-numeric, has missing or non-finite
        values, or intervals are empty.

    References
    ----------
    Firth, D. (1993). Bias reduction of maximum likelihood estimates.
    Biometrika 80, 27-38.
    Heinze, G. and Schemper, M. (2001). A solution to the problem of monotone
    likelihood in Cox regression. Biometrics 57, 114-119.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"t": [1.0, 2.0], "d": [1, 1], "x": [1.0, 0.0]})
    >>> fit = cox_firth(df, duration="t", event="d", covariates=["x"], profile=False)
    >>> round(float(fit.params["x"]), 6)  # log(3)
    1.098612
    """
    efron = check_ties(ties)
    check_alpha(alpha)
    d = model_data(data, duration=duration, event=event, covariates=covariates, start=start,
                   strata=strata, cause=cause, formula=formula, missing=missing,
                   id=id)  # fmt: skip
    one_replicate(d, "cox_firth")
    if not d.mask.all():
        d = d.replicate(0)
    ev = event_of_interest(d, cause, event or "event")
    design = cox_design(d, ev)
    options = FirthOptions(max_iter=max_iter, tol=tol)
    beta, lpen, lnull, info, n_iter, status, kvcov = fit_design(design, efron, options)
    rep = FirthReplicate.build(design, 0, efron, options)
    code = FitStatus(int(status[0]))
    names = list(d.names)
    p = len(names)
    outcome = fit_outcome(code, int(n_iter[0]), names, ~(rep.sd > 0), np.zeros(p, np.int8),
                          penalized=True)  # fmt: skip
    b = beta[0]
    vcov = kvcov[0]
    notes = _notes(efron, d, ev[0])
    lr_tester = functools.partial(lr_tests, rep, b, float(lpen[0]), vcov)
    profiler = functools.partial(_profile_table, rep, names, b, float(lpen[0]), vcov)
    prof = None
    if profile and code.ok:
        prof = profiler(alpha)
        notes.extend(prof.notes())
    if not code.ok:
        warnings.warn(f"Firth fit: {outcome}", FitWarning, stacklevel=2)
        notes.append(f"fit did not converge: {outcome}")
    return FirthResult.build(
        names=names, beta=b, vcov=vcov, loglik=float(lpen[0]), loglik_null=float(lnull[0]),
        lr_tester=lr_tester, status=outcome, n_iter=int(n_iter[0]), alpha=alpha, ties=ties,
        n=int(d.n_rows), n_events=int(ev[0].sum()), profile=prof, notes=tuple(notes),
        dropped=d.dropped,
        profiler=profiler,
    )  # fmt: skip


def _profile_table(rep: FirthReplicate, names: Sequence[str], beta: FloatArray, lpen: float,
                   vcov: FloatArray, alpha: float) -> ProfileTable:  # fmt: skip
    return ProfileTable.build(names, *profile_cis(rep, beta, lpen, vcov, alpha))


def _notes(efron: bool, d: SurvivalData, ev: np.ndarray) -> list[str]:
    """What was done, for ``FirthResult.notes``."""
    notes = [
        f"{'Efron' if efron else 'Breslow'} ties; Firth penalty 1/2 log|I(b)|",
        f"{d.n_rows} rows used, " + (f"{d.n_dropped} dropped" if d.n_dropped else "none dropped"),
        *d.design_notes,
    ]
    if d.has_entry:
        notes.append("counting-process (start, stop] data: at risk iff start < t <= stop")
    if is_stratified(d):
        sg = d.strata[0]
        k = int(sg.max()) + 1
        empty = int(np.sum(np.bincount(sg, weights=ev, minlength=k) == 0))
        names = ", ".join(d.strata_names) or "strata"
        notes.append(f"stratified by {names} ({k} strata, {empty} without events)")
    return notes
