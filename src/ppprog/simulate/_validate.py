"""Validation of a CohortSpec: every problem collected, each named by its dotted path."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ppprog._core.errors import ProblemReport
from ppprog.records.vocab import AGENT_CLASS, Agent, DrugClass, parse_enum
from ppprog.simulate.hazards import BaselineHazard
from ppprog.simulate.spec_parts import (
    ANTI_TNF,
    DISEASES,
    EXTENTS,
    STRATEGIES,
    AnaSpec,
    CensoringSpec,
    Logistic,
    ManagementSpec,
    OnsetSpec,
    Population,
    ResolutionSpec,
    spec_columns,
)

if TYPE_CHECKING:  # CohortSpec validates itself with this module
    from ppprog.simulate.spec import CohortSpec

__all__ = ["check_spec"]

_TOL = 1e-9
_OTHER_BIOLOGICS = {DrugClass.IL17, DrugClass.IL12_23, DrugClass.IL23, DrugClass.INTEGRIN}


def check_spec(spec: CohortSpec) -> ProblemReport:
    """Return every problem of ``spec`` (empty report when valid).

    Parameters
    ----------
    spec : CohortSpec
        Spec to check.

    Returns
    -------
    ProblemReport
    """
    rep = ProblemReport()
    if spec.endpoint not in ("onset", "resolution"):
        rep.add("endpoint", f"must be 'onset' or 'resolution', got {spec.endpoint!r}")
        return rep
    model = spec.onset if spec.endpoint == "onset" else spec.resolution
    other = "resolution" if spec.endpoint == "onset" else "onset"
    want = OnsetSpec if spec.endpoint == "onset" else ResolutionSpec
    if not isinstance(model, want):
        rep.add(spec.endpoint, f"endpoint {spec.endpoint!r} needs a {want.__name__}")
        return rep
    if getattr(spec, other) is not None:
        rep.add(other, f"must be empty for endpoint {spec.endpoint!r}")
    base, tv = spec_columns(spec.endpoint, model.population)
    p = spec.endpoint
    _population(rep, f"{p}.population", model.population)
    _hazard(rep, f"{p}.baseline", model.baseline)
    _effects(rep, f"{p}.log_hr", model.log_hr, base + tv)
    if isinstance(model, OnsetSpec):
        _logistic(rep, f"{p}.susceptible", model.susceptible, [*base, "ana_prone"])
        _ana(rep, f"{p}.ana", model.ana)
        for name in ("convert", "convert_median", "titer_log2_mean"):
            d = getattr(model.ana, name)
            gap = [a for a in model.population.agent if a not in d]
            if gap:
                rep.add(
                    f"{p}.ana.{name}", f"needs a value for every agent in population.agent {gap}"
                )
    else:
        _logistic(rep, f"{p}.cure", model.cure, base)
        _distribution(rep, f"{p}.extent", model.extent, EXTENTS, exact=True)
        _titers(rep, f"{p}.ana_titer", model.ana_titer)
        if not (is_finite(model.ana_threshold) and model.ana_threshold > 0):
            rep.add(f"{p}.ana_threshold", "must be a finite number > 0")
        _management(rep, f"{p}.management", model.management)
    _censoring(rep, "censoring", spec.censoring, base)
    return rep


def _distribution(
    rep: ProblemReport, path: str, d: Mapping[str, float], allowed: tuple[str, ...], exact: bool
) -> None:
    if not isinstance(d, Mapping) or not d:
        rep.add(path, "must be a non-empty mapping of category to probability")
        return
    unknown = [k for k in d if k not in allowed]
    if unknown:
        rep.add(path, f"unknown categories {unknown}; allowed: {list(allowed)}")
    if exact and set(d) != set(allowed):
        rep.add(path, f"needs exactly the categories {list(allowed)}")
    bad = [k for k, v in d.items() if not is_probability(v)]
    if bad:
        rep.add(path, f"probabilities must be numbers in [0, 1] (check {bad})")
    elif abs(sum(d.values()) - 1.0) > _TOL:
        rep.add(path, f"probabilities must sum to 1, got {sum(d.values())!r}")


def _titers(rep: ProblemReport, path: str, d: Mapping[float, float]) -> None:
    if not isinstance(d, Mapping) or not d:
        rep.add(path, "must be a non-empty mapping of titer to probability")
        return
    if any(not is_finite(k) or k < 0 for k in d):
        rep.add(path, f"titers must be finite numbers >= 0 (0 = negative), got {list(d)}")
    if any(not is_probability(v) for v in d.values()):
        rep.add(path, "probabilities must be numbers in [0, 1]")
    elif abs(sum(d.values()) - 1.0) > _TOL:
        rep.add(path, f"probabilities must sum to 1, got {sum(d.values())!r}")


def _population(rep: ProblemReport, path: str, pop: Population) -> None:
    for name in ("female", "smoker"):
        if not is_probability(getattr(pop, name)):
            rep.add(f"{path}.{name}", "must be a probability in [0, 1]")
    for name in ("age_mean", "age_min", "age_max", "age_center"):
        if not is_finite(getattr(pop, name)):
            rep.add(f"{path}.{name}", "must be a finite number")
    if not (is_finite(pop.age_sd) and pop.age_sd > 0):
        rep.add(f"{path}.age_sd", "must be a finite number > 0")
    if is_finite(pop.age_min) and is_finite(pop.age_max) and pop.age_min >= pop.age_max:
        rep.add(f"{path}.age_max", "must exceed age_min")
    _distribution(rep, f"{path}.disease", pop.disease, DISEASES, exact=False)
    _distribution(rep, f"{path}.agent", pop.agent, ANTI_TNF, exact=False)


def _hazard(rep: ProblemReport, path: str, h: object) -> None:
    if not isinstance(h, BaselineHazard):
        rep.add(path, f"must be a baseline hazard, got {type(h).__name__}")
        return
    collect(rep, path, h.problems())


def _effects(rep: ProblemReport, path: str, d: Mapping[str, float], allowed: list[str]) -> None:
    if not isinstance(d, Mapping):
        rep.add(path, "must be a mapping of design column to coefficient")
        return
    unknown = [k for k in d if k not in allowed]
    if unknown:
        rep.add(path, f"unknown design columns {unknown}; allowed: {allowed}")
    bad = [k for k, v in d.items() if not is_finite(v)]
    if bad:
        rep.add(path, f"coefficients must be finite numbers (check {bad})")


def _logistic(rep: ProblemReport, path: str, lg: Logistic, allowed: list[str]) -> None:
    if not is_finite(lg.intercept):
        rep.add(f"{path}.intercept", "must be a finite number")
    _effects(rep, f"{path}.log_or", lg.log_or, allowed)


def _ana(rep: ProblemReport, path: str, ana: AnaSpec) -> None:
    lad = list(ana.ladder)
    if len(lad) < 2 or any(not is_finite(x) or x <= 0 for x in lad):
        rep.add(f"{path}.ladder", "needs at least two positive dilutions")
    elif any(b != 2 * a for a, b in zip(lad, lad[1:])):
        rep.add(f"{path}.ladder", f"must be a doubling ladder, got {lad}")
    _titers(rep, f"{path}.baseline", ana.baseline)
    off = [k for k in ana.baseline if k != 0 and k not in lad]
    if off:
        rep.add(f"{path}.baseline", f"titers {off} are not on the ladder {lad} (0 = negative)")
    for name in ("convert", "convert_median", "titer_log2_mean"):
        d = getattr(ana, name)
        _effects(rep, f"{path}.{name}", d, list(ANTI_TNF))
    if any(not is_probability(v) for v in ana.convert.values()):
        rep.add(f"{path}.convert", "must be probabilities in [0, 1]")
    if any(is_finite(v) and v <= 0 for v in ana.convert_median.values()):
        rep.add(f"{path}.convert_median", "medians must be > 0 months")
    for name in ("convert_sigma", "titer_log2_sd", "revert_median", "threshold"):
        v = getattr(ana, name)
        if not (is_finite(v) and v > 0):
            rep.add(f"{path}.{name}", "must be a finite number > 0")
    if not is_probability(ana.revert):
        rep.add(f"{path}.revert", "must be a probability in [0, 1]")


def _management(rep: ProblemReport, path: str, m: ManagementSpec) -> None:
    if not (is_finite(m.rate) and m.rate >= 0):
        rep.add(f"{path}.rate", "must be a finite number >= 0")
    if not (isinstance(m.max_changes, int) and 0 <= m.max_changes <= 20):
        rep.add(f"{path}.max_changes", "must be an integer in [0, 20]")
    if not isinstance(m.transitions, Mapping):
        rep.add(f"{path}.transitions", "must map each strategy to probabilities")
        return
    missing = [s for s in STRATEGIES if s not in m.transitions]
    if missing:
        rep.add(f"{path}.transitions", f"missing rows for {missing}")
    for frm, row in m.transitions.items():
        if frm not in STRATEGIES:
            rep.add(f"{path}.transitions", f"unknown strategy {frm!r}")
            continue
        _distribution(rep, f"{path}.transitions.{frm}", row, STRATEGIES[1:], exact=False)
    try:
        agent = parse_enum(Agent, m.switch_class_agent)
        ok = AGENT_CLASS[agent] in _OTHER_BIOLOGICS
    except ValueError:
        ok = False
    if not ok:
        rep.add(f"{path}.switch_class_agent", "must name a non-TNF biologic (e.g. 'ustekinumab')")


def _censoring(rep: ProblemReport, path: str, c: CensoringSpec, allowed: list[str]) -> None:
    if c.administrative is not None and not (is_finite(c.administrative) and c.administrative > 0):
        rep.add(f"{path}.administrative", "must be a finite number > 0 (months) or absent")
    if not (is_finite(c.accrual) and c.accrual >= 0):
        rep.add(f"{path}.accrual", "must be a finite number >= 0")
    elif c.accrual > 0 and (c.administrative is None or c.accrual >= c.administrative):
        rep.add(f"{path}.accrual", "needs administrative > accrual")
    if c.uniform is not None:
        u = tuple(c.uniform)
        if len(u) != 2 or not all(is_finite(x) for x in u) or not 0 <= u[0] < u[1]:
            rep.add(f"{path}.uniform", f"must be (low, high) with 0 <= low < high, got {u!r}")
    for name in ("loss_rate", "death_rate"):
        v = getattr(c, name)
        if not (is_finite(v) and v >= 0):
            rep.add(f"{path}.{name}", "must be a finite rate >= 0 per month")
    _effects(rep, f"{path}.loss_log_hr", c.loss_log_hr, allowed)
    _effects(rep, f"{path}.death_log_hr", c.death_log_hr, allowed)
    if c.loss_log_hr and not c.loss_rate > 0:
        rep.add(f"{path}.loss_log_hr", "has no effect unless loss_rate > 0")
    if c.death_log_hr and not c.death_rate > 0:
        rep.add(f"{path}.death_log_hr", "has no effect unless death_rate > 0")


def is_probability(x: object) -> bool:
    """True for a finite number in [0, 1]."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and 0.0 <= x <= 1.0


def is_finite(x: object) -> bool:
    """True for a finite real number (not bool)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def collect(report: ProblemReport, path: str, items: list[tuple[str, str]]) -> None:
    """Add ``(field, message)`` pairs under ``path`` to ``report``."""
    for f, msg in items:
        report.add(f"{path}.{f}" if path else f, msg)
