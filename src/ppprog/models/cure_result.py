"""Results of mixture cure fits: frozen snapshots with summaries and predictions.

:class:`CureResult` (one fit) holds both parts of the model. The incidence
part is the probability of being *susceptible* (of ever having the event; for
the resolution endpoint, of ever resolving), as R's smcure parameterizes it;
the cure fraction is its complement. :class:`CureBatchResult` holds the
per-replicate estimates of :func:`~ppprog.models.cure.cure_model_batch`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from ppprog._core.errors import ModelError
from ppprog._core.fmt import fmt_num, fmt_p, text_table
from ppprog._core.typing import FloatArray, IntArray
from ppprog.models._kernels.cure import inverse_link, latency_survival
from ppprog.models.status import FitOutcome

__all__ = ["FollowUp", "CureResult", "CureBatchResult", "SUMMARY_COLUMNS", "part_frames"]

SUMMARY_COLUMNS = ("coef", "exp_coef", "se", "z", "p", "lower", "upper")
"""Columns of the ``incidence`` and ``latency`` summaries."""


@dataclass(frozen=True)
class FollowUp:
    """Evidence of sufficient follow-up (see :func:`~ppprog.models.cure.cure_model`).

    Parameters
    ----------
    p_value : float
        Maller-Zhou p-value ``(1 - N_n / n)^n``; small means sufficient follow-up.
    n_late : int
        ``N_n``: events in ``(2 t* - t_n, t*]``.
    plateau : float
        ``t_n - t*``: length of follow-up after the last event.
    tail_mass : float
        Mean over subjects of the fitted susceptible survival at the largest
        observed time (Cox latency: from an auxiliary Weibull mixture fit).
    identified : bool
        Whether the identification rule of ``cure_model`` was met.
    """

    p_value: float
    n_late: int
    plateau: float
    tail_mass: float
    identified: bool


def _part_frame(names: Sequence[str], coef: FloatArray, se: FloatArray, lower: FloatArray,
                upper: FloatArray, p: FloatArray) -> pd.DataFrame:  # fmt: skip
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = coef / se
        ex = np.exp(coef)
    cols = (coef, ex, se, z, p, lower, upper)
    frame = pd.DataFrame(dict(zip(SUMMARY_COLUMNS, cols)), index=pd.Index(list(names)))
    frame.index.name = "term"
    return frame


def _design(new_data: Any, names: Sequence[str], intercept: bool) -> FloatArray:
    """Design matrix of ``new_data`` (DataFrame or mapping) for the given covariates."""
    n = len(new_data) if names else 1
    if isinstance(new_data, Mapping) and names:
        n = len(np.atleast_1d(new_data[names[0]]))
    cols = [np.ones(n)] if intercept else []
    for name in names:
        try:
            cols.append(np.asarray(new_data[name], dtype=np.float64).reshape(n))
        except KeyError as exc:
            raise ModelError(f"new_data lacks covariate column {name!r}") from exc
    return np.stack(cols, axis=1) if cols else np.zeros((n, 0))


@dataclass(frozen=True)
class CureResult:
    """Fitted mixture cure model (one data set).

    Attributes
    ----------
    latency_model : {"weibull", "lognormal", "cox"}
    link : {"logit", "cloglog"}
    incidence_names, latency_names : tuple of str
        Covariates of each part (without intercepts).
    incidence, latency : pandas.DataFrame
        Summaries (index ``term``; columns :data:`SUMMARY_COLUMNS`). The
        incidence rows start with ``(intercept)``; parametric latency rows start
        with ``(intercept)`` and end with ``log(shape)`` (Weibull) or
        ``log(sigma)`` (log-normal). Latency coefficients are log hazard ratios
        (Weibull, Cox) or log time ratios (log-normal).
    loglik : float
        Maximized log-likelihood (Cox latency: with the Breslow baseline as
        point masses).
    status : FitOutcome
    followup : FollowUp
    n, n_events : int
    ci_method : str
        How the intervals were obtained.
    params : ndarray
        All estimates: incidence (with intercept), latency, then the shape.
    cov : ndarray or None
        Covariance of ``params`` (observed information or bootstrap).
    baseline : tuple of ndarray or None
        Cox latency: event times and the baseline cumulative hazard there.
    boot : ndarray or None
        Cox latency: bootstrap estimates, shape (B, P), NaN rows for failed fits.
    notes : tuple of str
    """

    latency_model: str
    link: str
    incidence_names: tuple[str, ...]
    latency_names: tuple[str, ...]
    incidence: pd.DataFrame
    latency: pd.DataFrame
    loglik: float
    status: FitOutcome
    followup: FollowUp
    n: int
    n_events: int
    ci_method: str
    params: FloatArray
    cov: FloatArray | None = None
    baseline: tuple[FloatArray, FloatArray] | None = None
    boot: FloatArray | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    dropped: tuple[Any, ...] = ()

    @property
    def n_dropped(self) -> int:
        """Rows dropped for missing values (``missing="drop"``; listed in ``notes``)."""
        return len(self.dropped)

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Both parts stacked, with a ``part`` column first."""
        inc = self.incidence.reset_index().assign(part="incidence")
        lat = self.latency.reset_index().assign(part="latency")
        return pd.concat([inc, lat], ignore_index=True)[["part", "term", *SUMMARY_COLUMNS]]

    def _parts(self) -> tuple[FloatArray, FloatArray, float]:
        q = len(self.incidence_names) + 1
        if self.latency_model == "cox":
            return self.params[:q], self.params[q:], np.nan
        return self.params[:q], self.params[q:-1], float(self.params[-1])

    def cure_fraction(self, new_data: Any) -> FloatArray:
        """Probability of never having the event, ``1 - pi(x)``, per row of ``new_data``.

        Parameters
        ----------
        new_data : pandas.DataFrame or mapping
            Columns named by ``incidence_names`` (ignored when there are none:
            one value is returned).

        Returns
        -------
        ndarray, shape (n_new,)
        """
        b, _, _ = self._parts()
        X = _design(new_data, self.incidence_names, True)
        return inverse_link(X @ b, self.link)[1]

    def susceptible_survival(self, new_data: Any, times: Any) -> FloatArray:
        """Latency survival ``S_u(t | z)`` of the susceptible.

        Parameters
        ----------
        new_data : pandas.DataFrame or mapping
            Columns named by ``latency_names``.
        times : array_like
            Times (positive).

        Returns
        -------
        ndarray, shape (n_new, n_times)
        """
        _, c, v = self._parts()
        t = np.atleast_1d(np.asarray(times, dtype=np.float64))
        Z = _design(new_data, self.latency_names, self.latency_model != "cox")
        lp = (Z @ c)[:, None]
        if self.latency_model == "cox":
            assert self.baseline is not None
            bt, bh = self.baseline
            i = np.searchsorted(bt, t, side="right") - 1
            H0 = np.where(i >= 0, bh[np.maximum(i, 0)], 0.0)[None, :]
            return np.exp(-H0 * np.exp(lp))
        tt = np.where(t > 0, t, 1.0)[None, :]
        s = latency_survival(lp, np.full_like(lp, v), tt, self.latency_model)
        return np.where(t[None, :] > 0, s, 1.0)

    def survival(self, new_data: Any, times: Any) -> FloatArray:
        """Population survival ``1 - pi + pi S_u(t)`` (levels off at the cure fraction).

        Parameters
        ----------
        new_data : pandas.DataFrame or mapping
            Columns named by both parts.
        times : array_like
            Times.

        Returns
        -------
        ndarray, shape (n_new, n_times)
        """
        cure = self.cure_fraction(new_data)[:, None]
        su = self.susceptible_survival(new_data, times)
        return cure + (1.0 - cure) * su

    def __str__(self) -> str:
        rows = [
            [part, term, fmt_num(r.coef), fmt_num(r.se), fmt_p(r.p), fmt_num(r.lower),
             fmt_num(r.upper)]
            for part, frame in (("incidence", self.incidence), ("latency", self.latency))
            for term, r in frame.iterrows()
        ]  # fmt: skip
        title = (
            f"Mixture cure model: {self.link} incidence (P(susceptible)), "
            f"{self.latency_model} latency; n={self.n}, events={self.n_events}, "
            f"loglik={fmt_num(self.loglik)}; intervals: {self.ci_method}; status: {self.status}"
        )
        head = ["part", "term", "coef", "se", "p", "lower", "upper"]
        return text_table(head, rows, title=title)


@dataclass(frozen=True)
class CureBatchResult:
    """Per-replicate estimates of the parametric mixture cure model.

    Attributes
    ----------
    names : tuple of str
        Parameter labels, ``incidence:<term>``, ``latency:<term>`` and
        ``latency:log(shape)`` / ``latency:log(sigma)``.
    params, se : ndarray, shape (R, P)
        Estimates and observed-information SEs (NaN when not identified or failed).
    loglik : ndarray, shape (R,)
    status : ndarray of int8, shape (R,)
        :class:`~ppprog.models.status.FitStatus` codes.
    n_iter : ndarray of int64, shape (R,)
    n_events : ndarray of int64, shape (R,)
    followup_p : ndarray, shape (R,)
        Maller-Zhou p-values.
    tail_mass : ndarray, shape (R,)
        Mean fitted susceptible survival at the largest observed time.
    latency_model, link : str
    """

    names: tuple[str, ...]
    params: FloatArray
    se: FloatArray
    loglik: FloatArray
    status: np.ndarray
    n_iter: IntArray
    n_events: IntArray
    followup_p: FloatArray
    tail_mass: FloatArray
    latency_model: str
    link: str

    def column(self, name: str) -> int:
        """Index of parameter ``name`` in ``names``."""
        try:
            return self.names.index(name)
        except ValueError as exc:
            raise ModelError(f"no parameter {name!r}; have {list(self.names)}") from exc


def part_frames(
    inc_names: Sequence[str], lat_names: Sequence[str], est: FloatArray, se: FloatArray,
    lower: FloatArray, upper: FloatArray, p: FloatArray,
) -> tuple[pd.DataFrame, pd.DataFrame]:  # fmt: skip
    """Split parameter arrays into the incidence and latency summaries.

    Parameters
    ----------
    inc_names, lat_names : sequence of str
        Row labels of each part (with intercept and shape labels).
    est, se, lower, upper, p : ndarray, shape (P,)
        Values in parameter order (incidence first).

    Returns
    -------
    incidence, latency : pandas.DataFrame
    """
    q = len(inc_names)
    cut = [(slice(0, q), inc_names), (slice(q, q + len(lat_names)), lat_names)]
    frames = [_part_frame(nm, est[s], se[s], lower[s], upper[s], p[s]) for s, nm in cut]
    return frames[0], frames[1]
