"""Formula power for a two-group comparison of survival, and replicates needed.

Schoenfeld (1983) and Freedman (1982) relate the number of events ``d`` to the
power of a two-sided level-``alpha`` test of a hazard ratio ``hr`` between two
groups, a proportion ``allocation`` of subjects being in the group whose
hazard is ``hr`` times the other's. Schoenfeld's is the score (log-rank) test
on the log hazard ratio scale; Freedman's uses the expected proportions of
events under proportional hazards.

For a planned simulation study, :func:`replicates_needed` gives the number of
replicates for a target Monte-Carlo SE of a performance measure (Morris et al.
2019, Section 5.3).

References
----------
Schoenfeld D (1983). Sample-size formula for the proportional-hazards
regression model. Biometrics 39:499-503.
Freedman LS (1982). Tables of the number of patients required in clinical
trials using the logrank test. Statistics in Medicine 1:121-129.
Rosner B (2006). Fundamentals of Biostatistics, 6th ed., Section 14.12
(Freedman's formula with allocation ratio ``k = n_E / n_C``).
Morris TP, White IR, Crowther MJ (2019). Using simulation studies to evaluate
statistical methods. Statistics in Medicine 38:2074-2102.
"""

from __future__ import annotations

import math

from scipy import special

from ppprog._core.errors import SpecError

__all__ = [
    "schoenfeld_events",
    "schoenfeld_power",
    "freedman_events",
    "freedman_power",
    "replicates_needed",
]


def _check(hr: float, alpha: float, allocation: float, power: float | None = None) -> None:
    if not hr > 0 or (power is not None and hr == 1):
        raise SpecError(f"hr must be positive (and not 1 for events), got {hr!r}")
    if not 0 < alpha < 1:
        raise SpecError(f"alpha must lie in (0, 1), got {alpha!r}")
    if not 0 < allocation < 1:
        raise SpecError(f"allocation must lie in (0, 1), got {allocation!r}")
    if power is not None and not alpha / 2 < power < 1:
        raise SpecError(f"power must lie in (alpha/2, 1), got {power!r}")


def _z(q: float) -> float:
    return float(special.ndtri(q))


def _two_sided(shift: float, alpha: float) -> float:
    # Both rejection regions count, so hr = 1 gives exactly alpha; the usual
    # textbook form drops the far tail, which differs by < 1e-5 at 80% power.
    z = _z(1 - alpha / 2)
    return float(special.ndtr(shift - z) + special.ndtr(-shift - z))


def schoenfeld_events(
    hr: float, *, power: float = 0.8, alpha: float = 0.05, allocation: float = 0.5
) -> float:
    """Events needed for a two-sided test of ``hr`` (Schoenfeld 1983).

    Parameters
    ----------
    hr : float
        Hazard ratio to detect (positive, not 1).
    power : float, optional
        Target power.
    alpha : float, optional
        Two-sided significance level.
    allocation : float, optional
        Proportion of subjects in the group with hazard ratio ``hr``.

    Returns
    -------
    float
        ``(z_{1-alpha/2} + z_{power})^2 / (a (1 - a) log(hr)^2)`` (not rounded).

    References
    ----------
    Schoenfeld D (1983). Biometrics 39:499-503.
    """
    _check(hr, alpha, allocation, power)
    za, zb = _z(1 - alpha / 2), _z(power)
    return (za + zb) ** 2 / (allocation * (1 - allocation) * math.log(hr) ** 2)


def schoenfeld_power(
    hr: float, events: float, *, alpha: float = 0.05, allocation: float = 0.5
) -> float:
    """Power of a two-sided test of ``hr`` with ``events`` events (Schoenfeld 1983).

    Parameters
    ----------
    hr : float
        True hazard ratio (positive; 1 gives ``alpha``).
    events : float
        Expected number of events.
    alpha : float, optional
        Two-sided significance level.
    allocation : float, optional
        Proportion of subjects in the group with hazard ratio ``hr``.

    Returns
    -------
    float
        ``Phi(D - z) + Phi(-D - z)`` with ``D = sqrt(d a (1 - a)) |log hr|`` and
        ``z = z_{1-alpha/2}``.

    References
    ----------
    Schoenfeld D (1983). Biometrics 39:499-503.
    """
    _check(hr, alpha, allocation)
    shift = math.sqrt(events * allocation * (1 - allocation)) * abs(math.log(hr))
    return _two_sided(shift, alpha)


def freedman_events(
    hr: float, *, power: float = 0.8, alpha: float = 0.05, allocation: float = 0.5
) -> float:
    """Events needed for a two-sided log-rank test of ``hr`` (Freedman 1982).

    Parameters
    ----------
    hr : float
        Hazard ratio to detect (positive, not 1).
    power : float, optional
        Target power.
    alpha : float, optional
        Two-sided significance level.
    allocation : float, optional
        Proportion ``a`` of subjects in the group with hazard ratio ``hr``;
        with ``k = a / (1 - a)`` the formula is
        ``(z_{1-alpha/2} + z_{power})^2 (1 + k hr)^2 / (k (1 - hr)^2)``.

    Returns
    -------
    float
        Events (not rounded).

    References
    ----------
    Freedman LS (1982). Statistics in Medicine 1:121-129.
    """
    _check(hr, alpha, allocation, power)
    k = allocation / (1 - allocation)
    za, zb = _z(1 - alpha / 2), _z(power)
    return (za + zb) ** 2 * (1 + k * hr) ** 2 / (k * (1 - hr) ** 2)


def freedman_power(
    hr: float, events: float, *, alpha: float = 0.05, allocation: float = 0.5
) -> float:
    """Power of a two-sided log-rank test of ``hr`` with ``events`` events (Freedman 1982).

    Parameters
    ----------
    hr : float
        True hazard ratio (positive; 1 gives ``alpha``).
    events : float
        Expected number of events.
    alpha : float, optional
        Two-sided significance level.
    allocation : float, optional
        Proportion of subjects in the group with hazard ratio ``hr``.

    Returns
    -------
    float
        ``Phi(D - z) + Phi(-D - z)`` with ``D = sqrt(d k) |1 - hr| / (1 + k hr)``,
        ``k = a / (1 - a)`` and ``z = z_{1-alpha/2}``.

    References
    ----------
    Freedman LS (1982). Statistics in Medicine 1:121-129.
    """
    _check(hr, alpha, allocation)
    k = allocation / (1 - allocation)
    shift = math.sqrt(events * k) * abs(1 - hr) / (1 + k * hr)
    return _two_sided(shift, alpha)


def replicates_needed(
    target_mcse: float,
    *,
    measure: str = "power",
    expected: float | None = None,
    empse: float | None = None,
) -> int:
    """Replicates needed for a target Monte-Carlo SE (Morris et al. 2019, Section 5.3).

    Parameters
    ----------
    target_mcse : float
        Wanted Monte-Carlo SE of the measure.
    measure : {"power", "coverage", "bias", "empse"}, optional
        Performance measure.
    expected : float, optional
        For ``"power"``/``"coverage"``: the expected proportion (default 0.5,
        the worst case; for coverage of a 95% interval use 0.95).
    empse : float, optional
        For ``"bias"``/``"empse"``: the (guessed) empirical SE of the estimator.

    Returns
    -------
    int
        ``ceil(p (1 - p) / mcse^2)`` for proportions, ``ceil(empse^2 / mcse^2)``
        for bias, ``ceil(1 + empse^2 / (2 mcse^2))`` for the empirical SE.

    References
    ----------
    Morris TP, White IR, Crowther MJ (2019). Statistics in Medicine 38:2074-2102.
    """

    def up(x: float) -> int:  # ceil, robust to 1900.0000000000002
        return max(2, math.ceil(round(x, 9)))

    if not target_mcse > 0:
        raise SpecError(f"target_mcse must be positive, got {target_mcse!r}")
    if measure in ("power", "coverage"):
        p = 0.5 if expected is None else float(expected)
        if not 0 <= p <= 1:
            raise SpecError(f"expected must be a proportion, got {expected!r}")
        return up(p * (1 - p) / target_mcse**2)
    if measure in ("bias", "empse"):
        if empse is None or not empse > 0:
            raise SpecError(f"measure {measure!r} needs a positive empse guess")
        if measure == "bias":
            return up(empse**2 / target_mcse**2)
        return up(1 + empse**2 / (2 * target_mcse**2))
    raise SpecError(f"measure must be 'power', 'coverage', 'bias' or 'empse', got {measure!r}")
