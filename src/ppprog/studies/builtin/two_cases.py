"""What two ANA-positive cases can tell about ANA as a risk factor.

The report's argument is: both of our two cases had a moderate-to-high ANA
titer, so such a titer seems to be a risk factor. Under the null (ANA has no
effect on onset) a case is ANA-positive with the same probability ``p`` as any
treated patient at the same time on therapy, so the chance that both of two
cases are positive is the binomial probability ``p**2``.

Under the alternative "ANA multiplies the onset odds (or, for a rare event,
the hazard) by ``h``", a case is positive with probability

    q(h) = h p / (h p + 1 - p),

and ``k`` positive cases out of ``n`` give the likelihood ratio (Bayes factor
of the simple hypothesis ``h`` against ``h = 1``)

    LR(h) = [q / p]**k [(1 - q) / (1 - p)]**(n - k),

which for two positive cases is ``(q / p)**2``. It is bounded by ``p**-n`` as
``h`` grows, so with ``p`` near one half two cases can never carry much
evidence.

References
----------
Vermeire S, et al. Autoimmunity associated with anti-TNF alpha treatment in
Crohn's disease: a prospective cohort study. Gastroenterology 2003;125:32-39.
Kass RE, Raftery AE. Bayes factors. J Am Stat Assoc 1995;90:773-795.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ppprog._core.errors import SpecError
from ppprog._core.typing import BoolArray, FloatArray

__all__ = [
    "case_positive_probability",
    "all_positive_probability",
    "likelihood_ratio",
    "two_case_table",
    "pair_draws",
    "PairEstimate",
    "estimate_pairs",
]


def _check_p(p: float) -> None:
    if not 0.0 < p < 1.0:
        raise SpecError(f"p (population ANA-positive share) must be in (0, 1), got {p!r}")


def case_positive_probability(p: float, hr: float | FloatArray) -> FloatArray:
    """Probability that a case is ANA-positive when ANA multiplies the odds by ``hr``.

    Parameters
    ----------
    p : float
        Share of treated patients who are ANA-positive (at the titer threshold)
        at the time the cases arise.
    hr : float or array_like
        Odds ratio of onset for ANA-positive vs negative patients (equal to the
        hazard ratio for a rare event); 1 is the null.

    Returns
    -------
    numpy.ndarray
        ``hr p / (hr p + 1 - p)``.
    """
    _check_p(p)
    h = np.asarray(hr, dtype=float)
    if np.any(h <= 0):
        raise SpecError(f"hazard ratios must be positive, got {hr!r}")
    return np.asarray(h * p / (h * p + 1.0 - p), dtype=float)


def all_positive_probability(
    p: float, hr: float | FloatArray = 1.0, n_cases: int = 2
) -> FloatArray:
    """Probability that all ``n_cases`` independent cases are ANA-positive.

    Parameters
    ----------
    p : float
        Population ANA-positive share.
    hr : float or array_like, optional
        Effect of ANA (1 = null).
    n_cases : int, optional
        Number of reported cases.

    Returns
    -------
    numpy.ndarray
        The binomial probability ``q(hr)**n_cases``.
    """
    q = case_positive_probability(p, hr)
    return np.asarray(stats.binom.pmf(n_cases, n_cases, q), dtype=float)


def likelihood_ratio(
    p: float, hr: float | FloatArray, *, n_positive: int = 2, n_cases: int = 2
) -> FloatArray:
    """Likelihood ratio of "ANA effect ``hr``" over "no effect" given the cases.

    Parameters
    ----------
    p : float
        Population ANA-positive share.
    hr : float or array_like
        Alternative effect size(s).
    n_positive : int, optional
        Number of ANA-positive cases among ``n_cases``.
    n_cases : int, optional
        Number of cases.

    Returns
    -------
    numpy.ndarray
        ``Binom(n_positive; n_cases, q(hr)) / Binom(n_positive; n_cases, p)``.

    References
    ----------
    Kass RE, Raftery AE. Bayes factors. J Am Stat Assoc 1995;90:773-795.
    """
    if not 0 <= n_positive <= n_cases:
        raise SpecError(f"n_positive must be in 0..n_cases, got {n_positive} of {n_cases}")
    q = case_positive_probability(p, hr)
    num = stats.binom.pmf(n_positive, n_cases, q)
    den = stats.binom.pmf(n_positive, n_cases, p)
    return np.asarray(num / den, dtype=float)


def two_case_table(
    p: float, hrs: Sequence[float], *, n_positive: int = 2, n_cases: int = 2
) -> pd.DataFrame:
    """Tabulate what ``n_positive`` of ``n_cases`` positive cases say, per effect size.

    Parameters
    ----------
    p : float
        Population ANA-positive share under the null.
    hrs : sequence of float
        Effect sizes to tabulate (include 1 for the null row).
    n_positive, n_cases : int, optional
        The observed count.

    Returns
    -------
    pandas.DataFrame
        Columns ``hr``, ``p_case_positive`` (q), ``p_all_positive`` (probability
        of the observation), ``likelihood_ratio`` (vs ``hr = 1``) and
        ``posterior_even_prior`` (posterior probability of ``hr`` against the
        null from prior odds 1), plus a final row ``hr = inf`` with the bound.
    """
    h = np.asarray(list(hrs), dtype=float)
    q = case_positive_probability(p, h)
    lr = likelihood_ratio(p, h, n_positive=n_positive, n_cases=n_cases)
    frame = pd.DataFrame(
        {
            "hr": h,
            "p_case_positive": q,
            "p_all_positive": stats.binom.pmf(n_positive, n_cases, q),
            "likelihood_ratio": lr,
        }
    )
    if n_positive == n_cases:
        bound = pd.DataFrame(
            {
                "hr": [np.inf],
                "p_case_positive": [1.0],
                "p_all_positive": [1.0],
                "likelihood_ratio": [p ** (-n_cases)],
            }
        )
        frame = pd.concat([frame, bound], ignore_index=True)
    frame["posterior_even_prior"] = frame["likelihood_ratio"] / (1.0 + frame["likelihood_ratio"])
    return frame


def pair_draws(case_positive: BoolArray, rng: np.random.Generator, n_cases: int = 2) -> bool:
    """Draw ``n_cases`` distinct cases at random and say whether all are positive.

    Parameters
    ----------
    case_positive : numpy.ndarray of bool
        ANA status (at the threshold) of every case in one simulated cohort.
    rng : numpy.random.Generator
        The replicate's stream.
    n_cases : int, optional
        Size of the "report".

    Returns
    -------
    bool
        True when all drawn cases are positive. A cohort with fewer cases than
        ``n_cases`` cannot make a report; the caller must not pass one.
    """
    idx = rng.choice(case_positive.shape[0], size=n_cases, replace=False)
    return bool(np.all(case_positive[idx]))


@dataclass(frozen=True)
class PairEstimate:
    """Monte-Carlo estimate of a probability with its MC SE.

    Parameters
    ----------
    estimate : float
        Mean of the replicate indicators.
    mcse : float
        ``sqrt(estimate (1 - estimate) / n)``.
    n : int
        Replicates used.
    """

    estimate: float
    mcse: float
    n: int

    def z_against(self, value: float) -> float:
        """Return ``(estimate - value) / se`` with the SE taken at ``value``."""
        se = float(np.sqrt(value * (1.0 - value) / self.n))
        return (self.estimate - value) / se


def estimate_pairs(indicators: BoolArray | FloatArray) -> PairEstimate:
    """Summarize replicate indicators ("both cases positive") as a probability.

    Parameters
    ----------
    indicators : array_like of bool or {0, 1}
        One indicator per replicate.

    Returns
    -------
    PairEstimate
    """
    x = np.asarray(indicators, dtype=float)
    if x.size == 0:
        raise SpecError("no replicates to summarize")
    m = float(x.mean())
    return PairEstimate(estimate=m, mcse=float(np.sqrt(m * (1.0 - m) / x.size)), n=int(x.size))
