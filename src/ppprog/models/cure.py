"""Mixture cure regression: ``cure_model(data, *, duration, event, incidence, latency, ...)``.

A mixture cure model splits a survival curve into *whether* the event ever
happens (incidence: a logistic or cloglog model for the probability of being
susceptible) and *when* it happens among the susceptible (latency: Weibull or
log-normal, fitted by maximum likelihood, or a Cox PH model, fitted by EM as
R's smcure). Covariates are fixed at time 0: time-varying covariates in the
latency part are out of scope.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from ppprog._core.errors import FitWarning, ModelError
from ppprog._core.pvalues import normal_two_sided
from ppprog._core.rng import SeedLike
from ppprog._core.typing import BoolArray, FloatArray
from ppprog.models._kernels.cure import LATENCY_FAMILIES, fit_parametric
from ppprog.models._kernels.profile import profile_interval
from ppprog.models.cure_batch import SHAPE_NAME, ParametricFit, check_options, fit_parametric_arrays
from ppprog.models.cure_cox import baseline_steps, fit_semiparametric
from ppprog.models.cure_result import CureResult, FollowUp, part_frames
from ppprog.models.design_input import annotate, with_design
from ppprog.models.status import FitOutcome, FitStatus
from ppprog.tables.formula import formula_variables

__all__ = ["cure_model"]

_MESSAGES = {
    FitStatus.CONVERGED: "converged",
    FitStatus.NOT_IDENTIFIED: (
        "follow-up shows no plateau ({why}); the cure fraction would be an extrapolation, "
        "so no standard errors are given"
    ),
    FitStatus.NO_EVENTS: "no events: nothing to estimate",
    FitStatus.MAX_ITER: "not converged within max_iter",
    FitStatus.STEP_HALVING_FAILED: "step halving failed to increase the log-likelihood",
    FitStatus.SINGULAR_INFORMATION: "observed information singular (collinear covariates?)",
    FitStatus.NOT_FINITE: "log-likelihood or derivatives not finite",
}


def _column(frame: pd.DataFrame, name: str, what: str) -> FloatArray:
    if name not in frame.columns:
        raise ModelError(f"{what} column {name!r} not in data; columns: {list(frame.columns)}")
    values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        row = frame.index[int(np.flatnonzero(bad)[0])]
        raise ModelError(
            f"row {row!r}, field {name!r}: {what} value {frame[name].iloc[int(np.flatnonzero(bad)[0])]!r} is missing or not a finite number"
        )  # noqa: E501
    return values


def _from_frame(frame: pd.DataFrame, duration: str, event: str, names: Sequence[str]
                ) -> tuple[FloatArray, BoolArray, FloatArray]:  # fmt: skip
    time = _column(frame, duration, "duration")
    ev = _column(frame, event, "event")
    if not np.isin(ev, (0.0, 1.0)).all():
        row = frame.index[int(np.flatnonzero(~np.isin(ev, (0.0, 1.0)))[0])]
        raise ModelError(f"row {row!r}, field {event!r}: event must be 0/1 or boolean")
    X = np.stack([_column(frame, c, "covariate") for c in names], axis=1) if names else None
    return time, ev > 0, np.zeros((len(time), 0)) if X is None else X


def _from_survival_data(
    data: Any, names: Sequence[str]
) -> tuple[FloatArray, BoolArray, FloatArray]:
    if data.stop.shape[0] != 1:
        raise ModelError(f"SurvivalData has {data.stop.shape[0]} replicates; use cure_model_batch")
    if data.has_entry:
        raise ModelError("cure_model takes one row per subject from time 0: no entry times or "
                         "counting-process rows (time-varying covariates are out of scope)")  # fmt: skip
    keep = data.mask[0]
    subj = data.subject[0][keep]
    if len(np.unique(subj)) != len(subj):
        raise ModelError("SurvivalData has several rows per subject; cure_model needs one")
    missing = [c for c in names if c not in data.names]
    if missing:
        raise ModelError(f"covariates not in data: {missing}; available: {list(data.names)}")
    X = data.X[0][keep][:, [data.names.index(c) for c in names]]
    return data.stop[0][keep], data.event[0][keep] == 1, X


def _inputs(data: Any, duration: str, event: str, names: Sequence[str]
            ) -> tuple[FloatArray, BoolArray, FloatArray]:  # fmt: skip
    if isinstance(data, pd.DataFrame):
        return _from_frame(data, duration, event, names)
    if all(hasattr(data, a) for a in ("stop", "event", "X", "names", "mask")):
        return _from_survival_data(data, names)
    raise ModelError(f"data must be a pandas DataFrame or SurvivalData, not {type(data).__name__}")


def _outcome(code: int, n_iter: int, fu: FollowUp, followup_alpha: float, plateau_tol: float
             ) -> FitOutcome:  # fmt: skip
    status = FitStatus(int(code))
    why = (
        "nobody is followed beyond the last event"
        if not fu.plateau > 0
        else f"Maller-Zhou p = {fu.p_value:.3g} > {followup_alpha} and fitted susceptible "
        f"survival at the last time {fu.tail_mass:.3g} > {plateau_tol}"
    )
    msg = _MESSAGES.get(status, status.name.lower()).format(why=why)
    if status is FitStatus.CONVERGED:
        msg = f"converged in {n_iter} iterations"
    return FitOutcome(status, int(n_iter), msg)


def _profile(fit: ParametricFit, args: tuple[Any, ...], q: int, X_sd: FloatArray, alpha: float,
             link: str, family: str) -> tuple[FloatArray, FloatArray, FloatArray, list[str]]:  # fmt: skip
    """Profile-likelihood bounds and likelihood-ratio p-values of the incidence coefficients."""
    theta, l_hat = fit.newton.theta[0], float(fit.newton.loglik[0])
    crit = float(stats.chi2.ppf(1.0 - alpha, 1))
    lower, upper, p = np.full(q, np.nan), np.full(q, np.nan), np.full(q, np.nan)
    notes: list[str] = []
    for j in range(q):
        free = np.ones(len(theta), bool)
        free[j] = False

        def constrained(v: float, start: FloatArray, free: BoolArray = free, j: int = j
                        ) -> tuple[float, FloatArray, int]:  # fmt: skip
            th = start.copy()
            th[j] = v
            f = fit_parametric(th[None], *args, link=link, family=family, free=free)
            return float(f.loglik[0]), f.theta[0], int(f.status[0])

        lo, hi = profile_interval(constrained, j, theta, l_hat, se=float(fit.se[0, j]),
                                  sd=float(X_sd[j]), crit=crit)  # fmt: skip
        lower[j], upper[j] = lo.value, hi.value
        if not (lo.status.ok and hi.status.ok):
            notes.append(f"incidence term {j}: profile bound not closed")
        l0, _, code0 = constrained(0.0, theta)
        if code0 == FitStatus.CONVERGED:
            p[j] = float(stats.chi2.sf(max(0.0, 2.0 * (l_hat - l0)), 1))
    return lower, upper, p, notes


def _wald(
    est: FloatArray, se: FloatArray, alpha: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    z = special.ndtri(1.0 - alpha / 2.0)
    with np.errstate(all="ignore"):
        return est - z * se, est + z * se, normal_two_sided(est / se)


def _parametric(time: FloatArray, ev: BoolArray, Xi: FloatArray, Xl: FloatArray, opts: dict[str, Any]
                ) -> tuple[dict[str, Any], list[str]]:  # fmt: skip
    family, link, alpha = opts["latency_model"], opts["link"], opts["alpha"]
    if np.any(~(time > 0)):
        raise ModelError(f"row {int(np.flatnonzero(~(time > 0))[0])}: duration must be positive "
                         "for a parametric latency")  # fmt: skip
    args = (Xi[None], Xl[None], time[None], ev[None], np.ones((1, len(time)), bool))
    fit = fit_parametric_arrays(*args, link=link, family=family,
                                followup_alpha=opts["followup_alpha"],
                                plateau_tol=opts["plateau_tol"], max_iter=opts["max_iter"],
                                tol=opts["tol"])  # fmt: skip
    est, se = fit.newton.theta[0], fit.se[0]
    lower, upper, p = _wald(est, se, alpha)
    q, notes = Xi.shape[1], list[str]()
    method = "Wald (observed information)"
    if opts["profile"] and fit.status[0] == FitStatus.CONVERGED:
        lo, hi, pp, notes = _profile(fit, args, q, np.r_[1.0, Xi[:, 1:].std(axis=0)], alpha,
                                     link, family)  # fmt: skip
        lower[:q], upper[:q], p[:q] = lo, hi, pp
        method = "incidence: profile likelihood (LR p-values); latency: Wald"
    fu = FollowUp(float(fit.followup_p[0]), int(fit.n_late[0]), float(fit.plateau[0]),
                  float(fit.tail_mass[0]), bool(fit.status[0] != FitStatus.NOT_IDENTIFIED))  # fmt: skip
    out = {"est": est, "se": se, "lower": lower, "upper": upper, "p": p, "fu": fu,
           "code": int(fit.status[0]), "n_iter": int(fit.newton.n_iter[0]),
           "loglik": float(fit.newton.loglik[0]), "cov": fit.cov[0], "method": method}  # fmt: skip
    return out, notes


def _semiparametric(time: FloatArray, ev: BoolArray, Xi: FloatArray, Z: FloatArray,
                    opts: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:  # fmt: skip
    aux = fit_parametric_arrays(
        Xi[None], np.column_stack([np.ones(len(time)), Z])[None], time[None], ev[None],
        np.ones((1, len(time)), bool), link=opts["link"], family="weibull",
        followup_alpha=opts["followup_alpha"], plateau_tol=opts["plateau_tol"],
        max_iter=opts["max_iter"], tol=opts["tol"],
    )  # fmt: skip
    identified = bool(aux.status[0] != FitStatus.NOT_IDENTIFIED)
    sp = fit_semiparametric(Xi, Z, time, ev, link=opts["link"], n_boot=opts["n_boot"],
                            seed=opts["seed"], bootstrap=identified,
                            executor=opts["executor"])  # fmt: skip
    em = sp.em
    code = int(em.status[0])
    if not identified and code != FitStatus.NO_EVENTS:
        code = int(FitStatus.NOT_IDENTIFIED)
    est = np.concatenate([em.b[0], em.beta[0]])
    se = np.full(len(est), np.nan)
    notes: list[str] = []
    if sp.boot is not None and code == FitStatus.CONVERGED:
        good = np.isfinite(sp.boot).all(axis=1)
        se = sp.boot[good].std(axis=0, ddof=1)
        if (~good).any():
            notes.append(f"{int((~good).sum())} of {good.size} bootstrap fits did not converge "
                         "and were left out")  # fmt: skip
    lower, upper, p = _wald(est, se, opts["alpha"])
    fu = FollowUp(float(aux.followup_p[0]), int(aux.n_late[0]), float(aux.plateau[0]),
                  float(aux.tail_mass[0]), identified)  # fmt: skip
    with np.errstate(all="ignore"):
        cov = None if sp.boot is None else np.cov(sp.boot[np.isfinite(sp.boot).all(1)].T, ddof=1)
    out = {"est": est, "se": se, "lower": lower, "upper": upper, "p": p, "fu": fu, "code": code,
           "n_iter": int(em.n_iter[0]), "loglik": float(em.loglik[0]), "cov": cov,
           "method": f"Wald with bootstrap SEs (B={opts['n_boot']}, seed={opts['seed']})",
           "baseline": baseline_steps(em), "boot": sp.boot}  # fmt: skip
    return out, notes


def cure_model(
    data: Any, *, duration: str = "time", event: str = "event",
    incidence: Sequence[str] = (), latency: Sequence[str] = (),
    latency_model: str = "weibull", link: str = "logit", alpha: float = 0.05,
    profile: bool = True, followup_alpha: float = 0.05, plateau_tol: float = 0.05,
    n_boot: int = 200, seed: SeedLike = 0, executor: Executor | None = None,
    max_iter: int = 100, tol: float = 1e-9,
    incidence_formula: str | None = None, latency_formula: str | None = None,
    missing: str = "raise", id: str | None = None,
) -> CureResult:  # fmt: skip
    """Fit a mixture cure model with covariates in both parts.

    Population survival is ``S(t | x, z) = 1 - pi(x) + pi(x) S_u(t | z)``:
    ``pi(x) = g^-1(b0 + x' b)`` is the probability of being susceptible (of
    ever having the event; the cure fraction is ``1 - pi``) and ``S_u`` is the
    latency survival of the susceptible.

    Parameters
    ----------
    data : pandas.DataFrame or SurvivalData
        One row per subject (a SurvivalData with one replicate and no entry
        times; its covariate names are used).
    duration, event : str, optional
        Column names (DataFrame only); ``event`` is 0/1 or boolean.
    incidence, latency : sequence of str, optional
        Covariates of each part (may overlap or be empty).
    latency_model : {"weibull", "lognormal", "cox"}, optional
        Weibull PH (``S_u = exp(-exp(c0 + z' c) t^alpha)``, coefficients are
        log hazard ratios), log-normal AFT (``log T ~ N(c0 + z' c, sigma^2)``,
        coefficients are log time ratios), or Cox PH (EM as smcure).
    link : {"logit", "cloglog"}, optional
        Link of the incidence model.
    alpha : float, optional
        1 - confidence level.
    profile : bool, optional
        Parametric latency: profile-likelihood intervals and likelihood-ratio
        p-values for the incidence coefficients (Wald otherwise).
    followup_alpha, plateau_tol : float, optional
        Identification thresholds (see Notes).
    n_boot : int, optional
        Cox latency: bootstrap replicates for the SEs.
    seed : int or numpy.random.SeedSequence, optional
        Cox latency: bootstrap seed (replicate ``b`` draws from ``(seed, b)``).
    executor : concurrent.futures.Executor, optional
        Cox latency: fits chunks of bootstrap replicates in parallel (e.g. a
        ``ProcessPoolExecutor``); the SEs equal the serial ones bit for bit.
    max_iter : int, optional
        Newton iteration limit (parametric).
    tol : float, optional
        Newton tolerance on the largest step (parametric).
    incidence_formula, latency_formula : str, optional
        Right-hand sides of formulas instead of ``incidence`` / ``latency``
        (formulaic syntax; factors treatment-coded, reference levels in
        ``notes``). The design columns keep formulaic's names, so
        ``cure_fraction``/``survival`` need those columns in ``new_data``.
    missing : {"raise", "drop"}, optional
        Rows missing a value of either part, the time or the event: an error
        naming them (default), or dropped and listed on the result.
    id : str, optional
        Column naming the rows in messages and in ``dropped``.

    Returns
    -------
    CureResult
        ``.incidence`` and ``.latency`` summaries, ``.cure_fraction``,
        ``.survival``, ``.loglik``, ``.status``, ``.followup``.

    Notes
    -----
    Identification. A cure fraction is only estimable when follow-up is long
    enough for the susceptible to have had their event, which shows as a
    plateau of the Kaplan-Meier curve. With ``t_n`` the largest time and
    ``t*`` the largest event time, the fit is identified when someone is
    followed beyond the last event (``t_n > t*``) and at least one of

    * the Maller-Zhou test of sufficient follow-up rejects: with ``N_n`` the
      events in ``(2 t* - t_n, t*]``, ``(1 - N_n / n)^n <= followup_alpha``;
    * the fitted latency has run its course by the end of follow-up: the mean
      over subjects of ``S_u(t_n | z_i)`` is at most ``plateau_tol`` (for the
      Cox latency, whose baseline stops at ``t*``, from a Weibull mixture
      fitted to the same data as a smooth stand-in).

    The second criterion is needed because the Maller-Zhou test alone is
    brittle: one late event makes ``t_n - t*`` short and the test fail even
    when the latency distribution is essentially exhausted (it flags about
    one replicate in ten of a 3- to 5-year registry with exponential
    latency). Otherwise the status is ``not_identified`` and no SEs are given.
    The Cox latency uses smcure's zero-tail constraint (``S_u = 0`` after
    ``t*``). SEs come from the observed information (parametric) or a
    bootstrap (Cox).

    References
    ----------
    Farewell VT (1982). Biometrics 38:1041-1046. Peng Y, Dear KBG (2000).
    Biometrics 56:237-243. Sy JP, Taylor JMG (2000). Biometrics 56:227-236.
    Maller RA, Zhou X (1996). Survival Analysis with Long-Term Survivors. Wiley.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> x = rng.binomial(1, 0.5, 600)
    >>> cured = rng.random(600) < 0.3
    >>> t = np.where(cured, np.inf, rng.weibull(1.5, 600) / np.exp(0.4 * x))
    >>> c = 6.0 + 4.0 * rng.random(600)
    >>> df = pd.DataFrame({"time": np.minimum(t, c), "event": t <= c, "x": x})
    >>> fit = cure_model(df, incidence=["x"], latency=["x"])
    >>> fit.status.code.name
    'CONVERGED'
    """
    check_options(latency_model, link, (*LATENCY_FAMILIES, "cox"))
    data, inc, lat, dropped, design_notes = _design_parts(
        data, incidence, latency, incidence_formula, latency_formula, missing, id,
        [duration, event],
    )  # fmt: skip
    names = list(dict.fromkeys(inc + lat))
    time, ev, X = _inputs(data, duration, event, names)
    n = len(time)
    Xi = np.column_stack([np.ones(n), X[:, [names.index(c) for c in inc]]])
    Xl = X[:, [names.index(c) for c in lat]]
    opts = {"latency_model": latency_model, "link": link, "alpha": alpha, "profile": profile,
            "followup_alpha": followup_alpha, "plateau_tol": plateau_tol, "n_boot": n_boot,
            "seed": seed, "executor": executor, "max_iter": max_iter, "tol": tol}  # fmt: skip
    inc_rows = ["(intercept)", *inc]
    if latency_model == "cox":
        out, notes = _semiparametric(time, ev, Xi, Xl, opts)
        lat_rows = lat
    else:
        out, notes = _parametric(time, ev, Xi, np.column_stack([np.ones(n), Xl]), opts)
        lat_rows = ["(intercept)", *lat, SHAPE_NAME[latency_model]]
    status = _outcome(out["code"], out["n_iter"], out["fu"], followup_alpha, plateau_tol)
    inc_frame, lat_frame = part_frames(inc_rows, lat_rows, out["est"], out["se"], out["lower"],
                                       out["upper"], out["p"])  # fmt: skip
    if not status.converged:
        warnings.warn(f"cure_model: {status}", FitWarning, stacklevel=2)
    result = CureResult(
        latency_model=latency_model, link=link, incidence_names=tuple(inc),
        latency_names=tuple(lat), incidence=inc_frame, latency=lat_frame,
        loglik=out["loglik"], status=status, followup=out["fu"], n=n, n_events=int(ev.sum()),
        ci_method=out["method"], params=out["est"], cov=out["cov"],
        baseline=out.get("baseline"), boot=out.get("boot"), notes=tuple(notes),
    )  # fmt: skip
    return annotate(result, dropped, design_notes)


def _design_parts(
    data: Any, incidence: Sequence[str], latency: Sequence[str], inc_formula: str | None,
    lat_formula: str | None, missing: str, id: str | None, outcome: list[str],
) -> tuple[Any, list[str], list[str], tuple[Any, ...], tuple[str, ...]]:  # fmt: skip
    """Encode both parts of a DataFrame's design on the same rows (see ``with_design``)."""
    if not isinstance(data, pd.DataFrame):
        if inc_formula is not None or lat_formula is not None:
            raise ModelError("incidence_formula/latency_formula need a DataFrame")
        return data, list(incidence), list(latency), (), ()
    lat_vars = formula_variables(lat_formula, data) if lat_formula else list(latency)
    frame, inc, dropped, notes = with_design(
        data, list(incidence), formula=inc_formula, missing=missing,
        others=[*outcome, *lat_vars], id=id,
    )  # fmt: skip
    frame, lat, _, lat_notes = with_design(
        frame, list(latency), formula=lat_formula, missing="raise", others=outcome, id=id
    )
    return frame, inc, lat, dropped, notes + tuple(n for n in lat_notes if n not in notes)
