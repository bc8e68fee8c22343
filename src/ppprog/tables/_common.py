"""Shared steps of the table builders: input checks, exclusions, baseline covariates."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ppprog._core.errors import ProblemReport
from ppprog.records.case import Case
from ppprog.records.quantities import TimeValue
from ppprog.records.validate import validate
from ppprog.records.vocab import Endpoint, parse_enum
from ppprog.tables.covariates import AnaScale, ana_values

__all__ = ["prepare", "baseline_row", "patient_row", "time_bounds", "resolution_endpoint", "end_of"]

_ON_MISSING = ("raise", "exclude")
_RESOLUTION_ENDPOINTS = (Endpoint.COMPLETE_RESOLUTION, Endpoint.PUSTULE_CLEARANCE)


def resolution_endpoint(endpoint: Endpoint | str) -> Endpoint:
    """Parse and check an endpoint of the resolution tables."""
    ep = parse_enum(Endpoint, endpoint)
    if ep not in _RESOLUTION_ENDPOINTS:
        raise ValueError(
            f"endpoint must be 'complete_resolution' or 'pustule_clearance', got {endpoint!r}"
        )
    return ep


def prepare(
    cases: Iterable[Case], *, check: bool, need_onset: bool, on_missing: str
) -> tuple[list[Case], list[str]]:
    """Validate cases and split off those without onset when a table needs one.

    Returns the cases to tabulate and the ids excluded (only with
    ``on_missing="exclude"``); raises ValidationError listing every case
    without onset when ``on_missing="raise"``.
    """
    if on_missing not in _ON_MISSING:
        raise ValueError(f"on_missing must be 'raise' or 'exclude', got {on_missing!r}")
    cases = list(cases)
    if check:
        validate(cases).raise_if_any()
    if not need_onset:
        return cases, []
    missing = [c for c in cases if c.onset is None]
    if missing and on_missing == "raise":
        report = ProblemReport()
        for c in missing:
            report.add(
                "onset",
                "no onset: the case cannot enter a table timed from onset "
                "(pass on_missing='exclude' to leave it out explicitly)",
                case_id=c.case_id,
            )
        report.raise_if_any()
    return [c for c in cases if c.onset is not None], [c.case_id for c in missing]


def end_of(case: Case, endpoint: Endpoint) -> tuple[TimeValue, int]:
    """The first ``endpoint`` event (event 1) or the last follow-up (event 0)."""
    ev = case.first_event(endpoint)
    if ev is not None:
        return ev.day, 1
    return case.last_follow_up, 0  # type: ignore[return-value]


def baseline_row(case: Case, *, window: float | None, scale: AnaScale) -> dict[str, Any]:
    """Baseline covariates of a case with onset (see ``schema.BASELINE_COLUMNS``)."""
    onset = case.onset.day.day  # type: ignore[union-attr]
    log2, cat, _ = ana_values(case, onset, window=window, scale=scale)
    extent = case.onset.pustular_extent  # type: ignore[union-attr]
    return {
        "onset_day": onset,
        "ana_log2_onset": log2,
        "ana_category_onset": cat,
        "pustular_extent": None if extent is None else extent.value,
        **patient_row(case),
    }


def patient_row(case: Case) -> dict[str, Any]:
    """Patient covariates at the index date."""
    p = case.patient
    return {
        "age": math.nan if p.age is None else float(p.age),
        "sex": None if p.sex is None else p.sex.value,
        "disease": None if p.disease is None else p.disease.value,
        "de_novo": p.de_novo,
        "agent": None if case.inducing_agent is None else case.inducing_agent.value,
    }


def time_bounds(start: TimeValue, end: TimeValue) -> dict[str, Any]:
    """Point, bounds and flag of ``end - start`` from both times' bounds."""
    low = max(0.0, end.low - start.high)  # type: ignore[operator]
    high = end.high - start.low  # type: ignore[operator]
    return {
        "time": end.day - start.day,
        "time_low": min(low, end.day - start.day),
        "time_high": max(high, end.day - start.day),
        "time_approximate": bool(start.approximate or end.approximate),
    }
