"""Hypothesis strategies shared by the test suite: cases(), titers(), episodes(), times().

Every generated case is valid (``validate`` finds no problem): day 0 is the
first dose of an anti-TNF agent, every date lies within follow-up, outcome
events follow onset in a consistent order and episodes of one agent do not
overlap.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

from hypothesis import strategies as st

from ppprog.records.case import (
    AnaMeasurement,
    Case,
    LabValue,
    Onset,
    Outcome,
    Patient,
    TreatmentEpisode,
)
from ppprog.records.quantities import LADDERS, Quote, Source, TimeValue, Titer
from ppprog.records.vocab import (
    ANTI_TNF_AGENTS,
    Agent,
    Disease,
    Morphology,
    PustularExtent,
    Sex,
    Smoking,
    StopReason,
)

__all__ = ["texts", "quotes", "times", "titers", "episodes", "cases", "case_lists"]

# Letters, digits, punctuation that YAML and CSV must quote, and non-ASCII as in reports.
_ALPHABET = "abcXYZ019 -:,.'\"#<>/[]{}&*!|%@`?αé–"


def texts(max_size: int = 12) -> st.SearchStrategy[str]:
    """Non-empty printable text with at least one non-space character."""
    return st.builds(
        lambda a, b: a + b, st.sampled_from("abXY019-:#'\"α"), st.text(_ALPHABET, max_size=max_size)
    )


def quotes() -> st.SearchStrategy[Quote | None]:
    """An optional quote, with or without a location."""
    return st.none() | st.builds(Quote, texts(), st.none() | texts(10))


@st.composite
def times(draw: st.DrawFn, lo: float = 0.0, hi: float = 3000.0) -> TimeValue:
    """A time in ``[lo, hi]`` with optional bounds, flag and quote."""
    day = draw(st.floats(lo, hi, allow_nan=False))
    if draw(st.booleans()):
        return TimeValue(day)
    low = day - draw(st.floats(0, 100, allow_nan=False))
    high = draw(st.just(math.inf) | st.floats(0, 100, allow_nan=False).map(lambda x: day + x))
    return TimeValue(day, low, high, draw(st.booleans()), draw(quotes()))


@st.composite
def titers(draw: st.DrawFn, ladder: str | None = None) -> Titer:
    """A positive, negative or missing titer (on ``ladder`` when given)."""
    kind = draw(st.sampled_from(["positive", "positive", "negative", "missing"]))
    rungs = LADDERS[ladder] if ladder else None
    if kind == "missing":
        return Titer.missing(draw(st.sampled_from([None, "-", "–"])))
    if kind == "negative":
        limit = rungs[0] if rungs else draw(st.none() | st.sampled_from([40.0, 80.0, 100.0]))
        return Titer("negative", None, "<", limit, draw(st.none() | st.just("Negative")))
    if rungs:
        n = draw(st.sampled_from(rungs))
    else:
        n = draw(
            st.sampled_from([40.0, 80.0, 160.0, 320.0, 640.0, 1000.0, 2560.0]) | st.floats(1, 1e5)
        )  # noqa: E501
    q = draw(st.sampled_from(["=", "=", ">"]))
    text = draw(st.none() | st.just(f"{'>' if q == '>' else ''}1:{n:g}"))
    return Titer("positive", n, q, None, text)


@st.composite
def episodes(
    draw: st.DrawFn, lo: float = 0.0, hi: float = 3000.0, agents: list[Agent] | None = None
) -> TreatmentEpisode:
    """A treatment episode starting in ``[lo, hi]`` and stopping by ``hi`` (or running)."""
    start = draw(times(lo, hi))
    stop = draw(st.none() | times(start.day, hi))
    return TreatmentEpisode(
        agent=draw(st.sampled_from(agents or list(Agent))),
        start=start,
        stop=stop,
        stop_reason=None if stop is None else draw(st.none() | st.sampled_from(list(StopReason))),
        agent_detail=draw(st.none() | texts()),
        dose=draw(st.none() | texts()),
        schedule=draw(st.none() | texts()),
        route=draw(st.none() | st.sampled_from(["oral", "sc", "iv"])),
        quote=draw(quotes()),
        notes=draw(st.none() | texts()),
    )


def _overlap(a: TreatmentEpisode, b: TreatmentEpisode) -> bool:
    sa, sb = a.start.day, b.start.day
    ta = math.inf if a.stop is None else a.stop.day
    tb = math.inf if b.stop is None else b.stop.day
    return a.agent == b.agent and sa < tb and sb < ta


def _patient() -> st.SearchStrategy[Patient]:
    return st.builds(
        Patient,
        sex=st.none() | st.sampled_from(list(Sex)),
        age=st.none() | st.floats(0, 100),
        disease=st.none() | st.sampled_from(list(Disease)),
        disease_detail=st.none() | texts(),
        prior_psoriasis=st.none() | st.booleans(),
        family_history_psoriasis=st.none() | st.booleans(),
        smoking=st.none() | st.sampled_from(list(Smoking)),
        prior_therapies=st.lists(texts(), max_size=1).map(tuple),
        notes=st.none() | texts(),
    )


@st.composite
def _source(draw: st.DrawFn) -> Source:
    kind = draw(st.sampled_from(["report", "registry", "synthetic"]))
    seed = (
        draw(st.integers(0, 2**63 - 1))
        if kind == "synthetic"
        else draw(st.none() | st.integers(0, 99))
    )  # noqa: E501
    return Source(kind, draw(st.none() | texts()), draw(st.none() | texts()), None, None, seed,
                  draw(st.none() | st.integers(0, 1000)))  # fmt: skip


@st.composite
def _outcomes(draw: st.DrawFn, onset: float, last: float) -> tuple[Outcome, ...]:
    out = []
    clr = draw(st.none() | st.floats(onset, last))
    res = draw(st.none() | st.floats(onset if clr is None else clr, last))
    if clr is not None:
        out.append(Outcome("pustule_clearance", draw(times(clr, clr)), draw(quotes())))
    if res is not None:
        out.append(Outcome("complete_resolution", res))
    first = min(x for x in (clr, res, math.inf) if x is not None)
    if first < last and draw(st.booleans()):
        rec = draw(st.floats(first, last, exclude_min=True))
        out.append(Outcome("recurrence", rec, None, draw(st.none() | texts())))
    return tuple(draw(st.permutations(out)))


@st.composite
def _lean_episodes(draw: st.DrawFn, last: float) -> list[TreatmentEpisode]:
    """Up to three extra episodes drawn as fractions of follow-up (few draws: fast)."""
    rows = draw(
        st.lists(
            st.tuples(st.sampled_from(_LEAN_AGENTS), st.floats(0, 1), st.none() | st.floats(0, 1)),
            max_size=3,
        )
    )
    out = []
    for agent, a, b in rows:
        start = a * last
        out.append(
            TreatmentEpisode(agent, start, None if b is None else start + b * (last - start))
        )
    return out


_LEAN_AGENTS = [Agent.INFLIXIMAB, Agent.SECUKINUMAB, Agent.USTEKINUMAB, Agent.CYCLOSPORINE,
                Agent.ACITRETIN, Agent.COLCHICINE, Agent.TOPICAL_CORTICOSTEROID]  # fmt: skip


@st.composite
def cases(
    draw: st.DrawFn, case_id: str | None = None, onset: bool | None = None, rich: bool = False
) -> Case:
    """A valid case; ``onset`` True/False forces a case/non-case, None draws it.

    ``rich=False`` (default) draws only what survival tables use, with few
    draws so property tests stay fast; ``rich=True`` also draws every text,
    quote, bound and optional field (for file round trips).
    """
    last = draw(st.floats(1.0, 3000.0))
    has_onset = draw(st.booleans()) if onset is None else onset
    onset_day = draw(st.floats(0.0, last)) if has_onset else None
    agent = draw(st.sampled_from(sorted(ANTI_TNF_AGENTS, key=lambda a: a.value)))
    stop = draw(st.none() | st.floats(0.0, last))
    eps = [TreatmentEpisode(agent, 0.0, stop, draw(st.none() | st.just(StopReason.INEFFECTIVE)))]
    extra = draw(st.lists(episodes(0.0, last), max_size=2)) if rich else draw(_lean_episodes(last))
    for e in extra:
        if not any(_overlap(e, f) for f in eps):
            eps.append(e)
    ladder = draw(st.none() | st.sampled_from(sorted(LADDERS)))
    if rich:
        ana = draw(
            st.lists(
                st.builds(
                    AnaMeasurement,
                    times(0.0, last),
                    titers(ladder),
                    st.none() | texts(),
                    st.just(ladder),
                    quotes(),
                ),
                max_size=2,
            )
        )
        labs = draw(
            st.lists(
                st.builds(
                    LabValue,
                    st.sampled_from(["nlr", "crp", "esr"]),
                    times(0.0, last),
                    st.none() | st.floats(0, 500),
                    st.sampled_from(["=", "<"]),
                    st.none() | st.just("mg/L"),
                    st.none() | texts(),
                ),
                max_size=2,
            )
        )
    else:
        pairs = draw(st.lists(st.tuples(st.floats(0, 1), titers(ladder)), max_size=3))
        ana = [AnaMeasurement(f * last, t, None, ladder) for f, t in pairs]
        labs = []
    return Case(
        case_id=case_id or draw(texts(12)),
        patient=draw(_patient()) if rich else _lean_patient(draw),
        inducing_agent=agent,
        onset=None if onset_day is None else _onset(draw, onset_day, rich),
        ana=tuple(ana),
        labs=tuple(labs),
        treatments=tuple(draw(st.permutations(eps))),
        outcomes=draw(_outcomes(onset_day, last)) if onset_day is not None else (),
        last_follow_up=TimeValue(last, draw(st.none() | st.floats(0, last)) if rich else None),
        follow_up_status=draw(st.none() | texts()) if rich else None,
        source=draw(_source()) if rich else Source("synthetic", seed=0),
        index_date=draw(st.none() | st.dates(dt.date(1990, 1, 1), dt.date(2030, 1, 1)))
        if rich
        else None,  # noqa: E501
        notes=draw(st.none() | texts(30)) if rich else None,
    )


def _lean_patient(draw: st.DrawFn) -> Patient:
    sex, age, disease, prior = draw(
        st.tuples(
            st.sampled_from([Sex.FEMALE, Sex.MALE]),
            st.floats(18, 80),
            st.sampled_from([Disease.CROHNS, Disease.PSORIASIS, Disease.RHEUMATOID_ARTHRITIS]),
            st.none() | st.booleans(),
        )
    )
    return Patient(sex=sex, age=age, disease=disease, prior_psoriasis=prior)


def _onset(draw: st.DrawFn, day: float, rich: bool) -> Onset:
    extent = draw(st.sampled_from(list(PustularExtent)))
    if not rich:
        return Onset(day, (Morphology.PUSTULAR,), extent)
    return Onset(
        draw(times(day, day)),
        tuple(draw(st.lists(st.sampled_from(list(Morphology)), max_size=2))),
        draw(st.none() | st.just(extent)),
        tuple(draw(st.lists(texts(), max_size=2))),
        draw(quotes()),
    )


def case_lists(
    min_size: int = 0, max_size: int = 5, onset: bool | None = None, rich: bool = False
) -> st.SearchStrategy[list[Case]]:
    """Lists of valid cases with unique ids ``c0, c1, ...``."""
    return st.lists(cases("c", onset, rich), min_size=min_size, max_size=max_size).map(
        lambda cs: [dataclasses.replace(c, case_id=f"c{i}") for i, c in enumerate(cs)]
    )
