"""Value of a case's covariates at a day, and the days on which they change.

Conventions (one place for all tables):

* ANA is carried forward (LOCF) from the last *measured* value on or before
  the day; "missing" entries (``–``) are skipped, never treated as negative.
  With ``window=w`` a measurement taken on day ``d`` is in effect on days in
  ``[d, d + w)`` only, so the covariate becomes unknown (NaN) at ``d + w``.
* A treatment episode runs on ``[start, stop)``: on its stop day it no longer runs.
* ``n_switches`` counts the derived drug switches
  (:attr:`ppprog.records.case.Case.drug_switches`) on or before the day.
* In the counting process, the covariate of interval ``(a, b]`` is its value
  on day ``a`` (known at the start of the interval).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ppprog.records.case import AnaMeasurement, Case, TreatmentEpisode
from ppprog.records.quantities import DEFAULT_TITER_THRESHOLDS
from ppprog.records.vocab import ANTI_TNF_AGENTS, DrugClass

__all__ = [
    "AnaScale",
    "DEFAULT_SCALE",
    "ana_at",
    "ana_values",
    "treatment_at",
    "treatment_values",
    "switches_at",
    "change_days",
]

_BIOLOGIC = {
    DrugClass.ANTI_TNF,
    DrugClass.IL17,
    DrugClass.IL12_23,
    DrugClass.IL23,
    DrugClass.INTEGRIN,
}  # noqa: E501


@dataclass(frozen=True)
class AnaScale:
    """How titers become covariates (see :class:`ppprog.records.quantities.Titer`).

    Parameters
    ----------
    reference : float, optional
        Reciprocal mapped to 0 on the log2 scale.
    negative : float, optional
        log2-scale value of a negative titer.
    thresholds : tuple of float, optional
        Category thresholds ``(low|moderate, moderate|high)``.
    """

    reference: float = 40.0
    negative: float = -1.0
    thresholds: tuple[float, float] = DEFAULT_TITER_THRESHOLDS


#: The default scale: log2(reciprocal / 40), negative -1, thresholds (160, 640).
DEFAULT_SCALE = AnaScale()


def ana_at(case: Case, day: float, *, window: float | None = None) -> AnaMeasurement | None:
    """Return the ANA measurement in effect on ``day`` (LOCF), or None.

    Parameters
    ----------
    case : Case
    day : float
        Day from the index date.
    window : float, optional
        A measurement is in effect for ``window`` days after it was taken.

    Returns
    -------
    AnaMeasurement or None
    """
    best: AnaMeasurement | None = None
    for a in case.ana:
        if a.titer.is_missing or a.day.day > day:
            continue
        if best is None or a.day.day >= best.day.day:
            best = a
    if best is not None and window is not None and day >= best.day.day + window:
        return None  # same arithmetic as the expiry day in change_days()
    return best


def ana_values(
    case: Case, day: float, *, window: float | None = None, scale: AnaScale = DEFAULT_SCALE
) -> tuple[float, str | None, float]:
    """Return ``(log2, category, measurement day)`` of the ANA in effect on ``day``.

    Parameters
    ----------
    case : Case
    day : float
    window : float, optional
    scale : AnaScale, optional

    Returns
    -------
    tuple
        ``(nan, None, nan)`` when no measurement is in effect.
    """
    a = ana_at(case, day, window=window)
    if a is None:
        return math.nan, None, math.nan
    t = a.titer
    log2 = t.log2_scale(reference=scale.reference, negative=scale.negative)
    return log2, t.category(scale.thresholds), a.day.day


def treatment_at(case: Case, day: float) -> tuple[TreatmentEpisode, ...]:
    """Return the episodes running on ``day`` (``start <= day < stop``)."""
    return tuple(e for e in case.treatments if e.active_at(day))


def _rank(e: TreatmentEpisode) -> tuple[int, float]:
    cls = e.drug_class
    tier = 2 if cls in _BIOLOGIC else 1 if cls == DrugClass.SYSTEMIC_NONBIOLOGIC else 0
    return tier, e.start.day


def treatment_values(case: Case, day: float) -> tuple[str, str, bool, str]:
    """Return ``(treatment, treatment_class, on_anti_tnf, agents)`` on ``day``.

    The primary treatment is the latest-started running biologic, else the
    latest-started systemic non-biologic, else the latest-started other
    episode; ``("none", "none", False, "")`` when nothing runs.

    Parameters
    ----------
    case : Case
    day : float

    Returns
    -------
    tuple
    """
    running = treatment_at(case, day)
    if not running:
        return "none", "none", False, ""
    primary = max(running, key=_rank)
    agents = "+".join(sorted({e.agent.value for e in running}))
    on_tnf = any(e.agent in ANTI_TNF_AGENTS for e in running)
    return primary.agent.value, primary.drug_class.value, on_tnf, agents  # type: ignore[union-attr]


def switches_at(case: Case, day: float) -> int:
    """Return the number of derived drug switches on or before ``day``."""
    return sum(1 for s in case.drug_switches if s.day <= day)


def change_days(case: Case, kinds: tuple[str, ...], *, window: float | None = None) -> set[float]:
    """Days (from the index date) on which any of the covariates ``kinds`` may change.

    Parameters
    ----------
    case : Case
    kinds : tuple of str
        Subset of ``("ana", "treatment", "switches")``.
    window : float, optional
        ANA window; adds the expiry days ``d + window``.

    Returns
    -------
    set of float
    """
    days: set[float] = set()
    if "ana" in kinds:
        for a in case.ana:
            if not a.titer.is_missing:
                days.add(a.day.day)
                if window is not None:
                    days.add(a.day.day + window)
    if "treatment" in kinds:
        for e in case.treatments:
            days.add(e.start.day)
            if e.stop is not None:
                days.add(e.stop.day)
    if "switches" in kinds:
        days.update(s.day for s in case.drug_switches)
    return days
