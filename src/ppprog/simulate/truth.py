"""The truth of a cohort spec: coefficients, cure fraction, prevalences, marginal S(t).

The conditional model among the non-cured is proportional hazards,
``h(t | x, z(t)) = h0(t) * exp(beta' x + gamma' z(t))``, with ``z(t)`` the
step time-varying columns (``ana_high`` for onset, ``strategy[...]`` for
resolution); ``Truth.log_hr`` gives ``beta`` and ``gamma`` for every design
column (0 where the spec sets none). Fitting Cox with the time-varying columns
among the non-cured recovers them; on the whole cohort a cure fraction makes
hazards non-proportional unless it is 0.

The marginal survival of the latent endpoint time is
``S(t) = E[c(x) + (1 - c(x)) * exp(-H(t | x, z))]``:

* without time-varying effects it is an exact sum over the discrete
  covariates and Gauss-Legendre quadrature over the truncated-normal age
  (``method = "quadrature"``; closed form up to quadrature error below 1e-10);
* otherwise the expectation over covariates and covariate paths is a
  Rao-Blackwellised Monte Carlo average: exact conditional survival
  ``exp(-H)`` (piecewise inversion kernel, no time grid) over a reference
  sample of 200,000 subjects from a fixed stream (``method = "monte carlo"``;
  ``survival_se`` gives its Monte Carlo SE, typically below 1e-3).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import expit

from ppprog._core.fmt import text_table
from ppprog._core.typing import FloatArray
from ppprog.simulate._invert import mean_survival
from ppprog.simulate.spec import EXTENTS, CohortSpec, OnsetSpec, Population, design_columns

if TYPE_CHECKING:
    import pandas as pd

    from ppprog.simulate.cohort import CohortBatch

__all__ = ["Truth", "truth", "covariate_grid", "subject_hazards", "TRUTH_SEED", "N_REFERENCE"]

#: Root seed of the reference sample used for Monte Carlo truths.
TRUTH_SEED = 20261124
#: Size of that reference sample.
N_REFERENCE = 200_000
_AGE_NODES = 48


@dataclass(frozen=True)
class Truth:
    """True quantities of a :class:`~ppprog.simulate.spec.CohortSpec`.

    Attributes
    ----------
    endpoint : str
        ``"onset"`` or ``"resolution"``.
    log_hr : dict of str to float
        Conditional log hazard ratios (among the non-cured) for every design column.
    time_varying : tuple of str
        The time-varying columns among them.
    cure_fraction : float
        Marginal probability of never having the endpoint (not susceptible /
        never resolving).
    prevalence : dict of str to float
        Expected value of each baseline design column (``age`` is centred).
    method : str
        How ``survival`` is computed: ``"quadrature"`` or ``"monte carlo"``.
    """

    endpoint: str
    log_hr: dict[str, float]
    time_varying: tuple[str, ...]
    cure_fraction: float
    prevalence: dict[str, float]
    method: str
    _survival: Callable[[FloatArray], tuple[FloatArray, FloatArray]] = field(repr=False)

    def survival(self, t: Any) -> FloatArray:
        """True marginal survival ``S(t)`` of the latent endpoint time.

        Parameters
        ----------
        t : array_like
            Times (months).

        Returns
        -------
        ndarray
        """
        return self._survival(np.atleast_1d(np.asarray(t, dtype=np.float64)))[0]

    def survival_se(self, t: Any) -> FloatArray:
        """Monte Carlo SE of :meth:`survival` (zeros for ``"quadrature"``).

        Parameters
        ----------
        t : array_like
            Times (months).

        Returns
        -------
        ndarray
        """
        return self._survival(np.atleast_1d(np.asarray(t, dtype=np.float64)))[1]

    @property
    def summary(self) -> pd.DataFrame:
        """One row per quantity: ``parameter``, ``value``, ``kind``."""
        import pandas as pd

        rows = [
            (k, v, "log_hr (time-varying)" if k in self.time_varying else "log_hr")
            for k, v in self.log_hr.items()
        ]
        rows.append(("cure_fraction", self.cure_fraction, "probability"))
        rows += [(f"mean[{k}]", v, "prevalence") for k, v in self.prevalence.items()]
        return pd.DataFrame(rows, columns=["parameter", "value", "kind"])

    def __str__(self) -> str:
        s = self.summary
        title = f"Truth ({self.endpoint}; S(t) by {self.method})"
        return text_table(list(s.columns), s.itertuples(index=False, name=None), title)


def _age_nodes(pop: Population) -> tuple[FloatArray, FloatArray]:
    x, w = np.polynomial.legendre.leggauss(_AGE_NODES)
    a, b = pop.age_min, pop.age_max
    age = 0.5 * (b - a) * x + 0.5 * (a + b)
    z = (age - pop.age_mean) / pop.age_sd
    dens = np.exp(-0.5 * z * z)
    weight = w * dens
    return age, weight / weight.sum()


def covariate_grid(spec: CohortSpec, needed: set[str]) -> tuple[dict[str, FloatArray], FloatArray]:
    """Exact discrete grid (with age quadrature) of the baseline design columns.

    Only factors touching ``needed`` are expanded, so the grid stays small.

    Parameters
    ----------
    spec : CohortSpec
        Spec.
    needed : set of str
        Design columns whose joint distribution is required.

    Returns
    -------
    design : dict of str to ndarray (G,)
        Values of the needed columns at every grid point.
    weight : ndarray (G,)
        Probabilities (sum to 1).
    """
    model = spec.model
    pop = model.population
    factors: list[tuple[list[dict[str, float]], list[float]]] = []

    def binary(name: str, p: float) -> None:
        if name in needed:
            factors.append(([{name: 0.0}, {name: 1.0}], [1 - p, p]))

    def category(var: str, probs: Mapping[str, float], levels: list[str]) -> None:
        cols = [f"{var}[{lv}]" for lv in levels[1:]]
        if any(c in needed for c in cols):
            vals = [{c: float(c == f"{var}[{lv}]") for c in cols} for lv in levels]
            factors.append((vals, [probs[lv] for lv in levels]))

    binary("female", pop.female)
    binary("smoker", pop.smoker)
    category("disease", pop.disease, list(pop.disease))
    category("agent", pop.agent, list(pop.agent))
    if not isinstance(model, OnsetSpec):
        category("extent", model.extent, list(EXTENTS))
        p_high = sum(p for k, p in model.ana_titer.items() if k >= model.ana_threshold)
        binary("ana_high", p_high)
    if "age" in needed:
        age, w = _age_nodes(pop)
        factors.append(([{"age": a - pop.age_center} for a in age], list(w)))
    design: dict[str, list[float]] = {c: [] for c in needed}
    weights: list[float] = []
    for combo in itertools.product(*[list(zip(v, p)) for v, p in factors]):
        row: dict[str, float] = {}
        weight = 1.0
        for vals, p in combo:
            row.update(vals)
            weight *= p
        for c in needed:
            design[c].append(row.get(c, 0.0))
        weights.append(weight)
    return {c: np.asarray(v) for c, v in design.items()}, np.asarray(weights)


def _cure_model(spec: CohortSpec) -> tuple[float, dict[str, float], bool]:
    """(intercept, log_or, flip): P(cured) = expit(.) or 1 - expit(.) when flip."""
    model = spec.model
    if isinstance(model, OnsetSpec):
        return model.susceptible.intercept, dict(model.susceptible.log_or), True
    return model.cure.intercept, dict(model.cure.log_or), False


def _lin(coef: Mapping[str, float], design: Mapping[str, FloatArray], g: int) -> FloatArray:
    eta = np.zeros(g)
    for k, b in coef.items():
        if b != 0.0 and k in design:
            eta = eta + b * design[k]
    return eta


def _prevalence(spec: CohortSpec) -> dict[str, float]:
    base, _ = design_columns(spec)
    out = {}
    for c in base:
        d, w = covariate_grid(spec, {c})
        out[c] = float(np.sum(w * d[c]))
    return out


_CACHE: dict[str, Truth] = {}


def truth(spec: CohortSpec) -> Truth:
    """Compute the :class:`Truth` of ``spec`` (cached per spec within the process).

    Parameters
    ----------
    spec : CohortSpec
        Spec.

    Returns
    -------
    Truth
    """
    try:
        key = spec.to_json()
    except TypeError:  # a UserHazard cannot be serialized: no caching
        return _truth(spec)
    if key not in _CACHE:
        if len(_CACHE) >= 32:
            _CACHE.clear()
        _CACHE[key] = _truth(spec)
    return _CACHE[key]


def _truth(spec: CohortSpec) -> Truth:
    base, tv = design_columns(spec)
    model = spec.model
    log_hr = {c: float(model.log_hr.get(c, 0.0)) for c in base + tv}
    intercept, log_or, flip = _cure_model(spec)
    hz_cols = {c for c in base if log_hr[c] != 0.0}
    cure_cols = {c for c, b in log_or.items() if b != 0.0}
    design, w = covariate_grid(spec, hz_cols | cure_cols)
    p = expit(intercept + _lin(log_or, design, len(w)))
    cure = 1.0 - p if flip else p
    cure_fraction = float(np.sum(w * cure))
    tv_active = any(log_hr[c] != 0.0 for c in tv)
    if not isinstance(model, OnsetSpec) and model.management.rate == 0.0:
        tv_active = False
    if tv_active:
        surv = _monte_carlo(spec, log_hr, flip)
        method = "monte carlo"
    else:
        eta = _lin(log_hr, design, len(w))
        h0 = model.baseline.cumhaz

        def surv(t: FloatArray) -> tuple[FloatArray, FloatArray]:
            s_lat = np.exp(-np.exp(eta)[:, None] * h0(t)[None, :])
            s = np.sum(w[:, None] * (cure[:, None] + (1.0 - cure[:, None]) * s_lat), axis=0)
            return s, np.zeros_like(s)

        method = "quadrature"
    return Truth(
        endpoint=spec.endpoint,
        log_hr=log_hr,
        time_varying=tuple(tv),
        cure_fraction=cure_fraction,
        prevalence=_prevalence(spec),
        method=method,
        _survival=surv,
    )


def subject_hazards(batch: CohortBatch) -> tuple[FloatArray, FloatArray]:
    """Per-subject cure probability and segment log multipliers of a batch.

    Parameters
    ----------
    batch : CohortBatch
        Generated cohorts.

    Returns
    -------
    cure : ndarray, shape (R, n)
        ``P(cured | x)`` (not the realized latent indicator).
    log_mult : ndarray, shape (R, n, K + 1)
        ``beta' x + gamma' z`` on each segment of ``batch.breaks``.
    """
    spec = batch.spec
    base, tv = design_columns(spec)
    log_hr = {c: float(spec.model.log_hr.get(c, 0.0)) for c in base + tv}
    intercept, log_or, flip = _cure_model(spec)
    shape = batch.time.shape
    eta_c = np.full(shape, intercept)
    for c, b in log_or.items():
        if b != 0.0:
            eta_c = eta_c + b * batch.design[c]
    p = expit(eta_c)
    cure = (1.0 - p) if flip else p
    eta = np.zeros(shape)
    for c in base:
        if log_hr[c] != 0.0:
            eta = eta + log_hr[c] * batch.design[c]
    log_mult = np.repeat(eta[..., None], batch.breaks.shape[-1] + 1, axis=-1)
    for c in tv:
        if log_hr[c] != 0.0:
            log_mult = log_mult + log_hr[c] * batch.segments[c]
    return cure, log_mult


def _monte_carlo(
    spec: CohortSpec, log_hr: Mapping[str, float], flip: bool
) -> Callable[[FloatArray], tuple[FloatArray, FloatArray]]:
    from ppprog.simulate.cohort import generate

    ref = generate(spec, N_REFERENCE, 1, seed=TRUTH_SEED)
    cure_all, log_mult_all = subject_hazards(ref)
    cure, log_mult, breaks = cure_all[0], log_mult_all[0], ref.breaks[0]
    h0 = spec.model.baseline.cumhaz

    last: dict[bytes, tuple[FloatArray, FloatArray]] = {}

    def surv(t: FloatArray) -> tuple[FloatArray, FloatArray]:
        key = t.tobytes()
        if key not in last:  # survival() and survival_se() on one grid share the work
            last.clear()
            last[key] = mean_survival(t, breaks, log_mult, h0, cure)
        return last[key]

    return surv
