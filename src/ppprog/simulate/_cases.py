"""Case records from a CohortBatch: the same ``Case`` objects as real data.

Times become days (:data:`ppprog.tables.schema.DAYS_PER_MONTH` = 365.25 / 12) from the index date, the
first dose of the inducing anti-TNF agent (day 0), as in
:mod:`ppprog.records.case`.

* Onset cohort: one case per subject; ``onset`` when the endpoint occurred;
  ANA measured at day 0 and at every titer change before the exit, so a
  last-observation-carried-forward encoding reproduces the simulated step
  function exactly; ``last_follow_up`` is the exit.
* Resolution cohort: day 0 precedes onset by a latency drawn (for the record
  only; it plays no part in the analysis) from the Brown-calibrated onset
  Weibull (shape 0.572, scale 8.72 months, figures 8.2); the onset carries the
  pustular extent; ANA is measured at onset; each management change becomes a
  stopped episode and, for a switch, a new episode starting the same day;
  complete resolution is an :class:`~ppprog.records.case.Outcome`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ppprog.records.case import (
    AnaMeasurement,
    Case,
    Onset,
    Outcome,
    Patient,
    TreatmentEpisode,
)
from ppprog.records.quantities import LADDERS, Source, TimeValue, Titer
from ppprog.records.vocab import (
    Agent,
    Disease,
    Endpoint,
    PustularExtent,
    Sex,
    Smoking,
    StopReason,
    parse_enum,
)
from ppprog.simulate.hazards import Weibull
from ppprog.simulate.spec import ANTI_TNF, STRATEGIES
from ppprog.tables.schema import DAYS_PER_MONTH

if TYPE_CHECKING:
    from ppprog.simulate.cohort import CohortBatch

__all__ = ["to_cases", "case_ids", "onset_days", "DAYS_PER_MONTH", "CLASS_AGENTS", "FOLLOW_UP_TEXT"]

#: Non-TNF biologics used for repeated class switches (the spec's agent comes first).
CLASS_AGENTS = ("ustekinumab", "secukinumab", "guselkumab", "risankizumab")
_LATENCY = Weibull(0.572, 8.72)
#: ``follow_up_status`` of a simulated case by status code (2 and 3 are read back as causes).
FOLLOW_UP_TEXT = {0: "censored", 1: "event", 2: "died", 3: "lost to follow-up"}
_STATUS_TEXT = FOLLOW_UP_TEXT


def onset_days(batch: CohortBatch) -> np.ndarray:
    """Day of onset from the index date of each subject of a resolution cohort, shape (R, n).

    A latency drawn for the record only (it plays no part in the analysis),
    at least one day, so that onset is strictly after the index date.
    """
    latency = _LATENCY.inverse(-np.log1p(-batch.extra["latency_u"]))
    return np.maximum(latency, 1.0 / DAYS_PER_MONTH) * DAYS_PER_MONTH


def _titer(x: float) -> Titer:
    return Titer.negative(40.0) if x <= 0 else Titer.positive(float(x))


def _patient(batch: CohortBatch, r: int, i: int) -> Patient:
    cov = batch.covariates
    lv = batch.levels
    return Patient(
        sex=Sex.FEMALE if cov["female"][r, i] else Sex.MALE,
        age=float(cov["age"][r, i]),
        disease=Disease(lv["disease"][int(cov["disease"][r, i])]),
        smoking=Smoking.CURRENT if cov["smoker"][r, i] else Smoking.NEVER,
    )


def _source(batch: CohortBatch, r: int) -> Source:
    seed = batch.seed if isinstance(batch.seed, (int, np.integer)) else None
    return Source(
        kind="synthetic",
        citation=f"ppprog.simulate {batch.spec.name or batch.spec.endpoint} scenario {batch.scenario}",
        seed=None if seed is None else int(seed),
        replicate=int(batch.replicates[r]),
    )


def to_cases(batch: CohortBatch, replicate: int = 0) -> list[Case]:
    """Case records of one replicate; see :meth:`CohortBatch.to_cases`."""
    r = int(replicate)
    if not 0 <= r < batch.time.shape[0]:
        raise IndexError(f"replicate {r} not in this batch of {batch.time.shape[0]}")
    if batch.spec.endpoint == "onset":
        return [_onset_case(batch, r, i) for i in range(batch.n)]
    onset = onset_days(batch)[r]
    return [_resolution_case(batch, r, i, float(onset[i])) for i in range(batch.n)]


def _case_id(batch: CohortBatch, r: int, i: int) -> str:
    return f"sim-s{batch.scenario}-r{int(batch.replicates[r])}-{i:05d}"


def case_ids(batch: CohortBatch, r: int) -> tuple[str, ...]:
    """Case ids of replicate ``r`` (position in the batch), as in :func:`to_cases`."""
    return tuple(_case_id(batch, r, i) for i in range(batch.n))


def _ladder_name(ladder: tuple[int, ...]) -> str | None:
    """The records' name of the spec's ladder, if it is one of the known lab ladders."""
    for name, values in LADDERS.items():
        if all(float(x) in values for x in ladder):
            return name
    return None


def _onset_case(batch: CohortBatch, r: int, i: int) -> Case:
    d = DAYS_PER_MONTH
    exit_m = float(batch.time[r, i])
    agent = batch.levels["agent"][int(batch.covariates["agent"][r, i])]
    ladder = _ladder_name(batch.spec.model.ana.ladder)  # type: ignore[union-attr]
    titer0 = _titer(float(batch.extra["ana_titer0"][r, i]))
    ana = [AnaMeasurement(TimeValue(0.0), titer0, "baseline", ladder)]
    for key, label in (("ana_t_convert", "seroconversion"), ("ana_t_revert", "reversion")):
        t = float(batch.extra[key][r, i])
        if t < exit_m:
            value = batch.extra["ana_titer_convert" if key == "ana_t_convert" else "ana_titer0"][
                r, i
            ]
            ana.append(AnaMeasurement(TimeValue(t * d), _titer(float(value)), label, ladder))
    status = int(batch.status[r, i])
    return Case(
        _case_id(batch, r, i),
        patient=_patient(batch, r, i),
        inducing_agent=Agent(agent),
        onset=Onset(TimeValue(exit_m * d)) if status == 1 else None,
        ana=tuple(ana),
        treatments=(TreatmentEpisode(Agent(agent), TimeValue(0.0)),),
        last_follow_up=TimeValue(exit_m * d),
        follow_up_status="onset" if status == 1 else _STATUS_TEXT[status],
        source=_source(batch, r),
    )


def _next_agent(kind: str, current: str, u: float, class_agent: str) -> str:
    pool = (
        list(ANTI_TNF)
        if kind == "switch_tnf"
        else [class_agent] + [a for a in CLASS_AGENTS if a != class_agent]
    )
    choices = [a for a in pool if a != current]
    return choices[min(int(u * len(choices)), len(choices) - 1)]


def _treatments(
    batch: CohortBatch, r: int, i: int, onset_day: float, agent: str
) -> list[TreatmentEpisode]:
    d = DAYS_PER_MONTH
    exit_m = float(batch.time[r, i])
    strategy = batch.segments["strategy"][r, i]
    breaks = batch.breaks[r, i]
    mgmt = batch.spec.model.management  # type: ignore[union-attr]
    class_agent = parse_enum(Agent, mgmt.switch_class_agent).value
    episodes: list[TreatmentEpisode] = []
    current: str | None = agent
    start = 0.0
    for k, t in enumerate(breaks):
        if not t < exit_m:
            break
        day = onset_day + float(t) * d
        kind = STRATEGIES[int(strategy[k + 1])]
        if kind == "stop" and current is None:
            continue
        if current is not None:
            episodes.append(
                TreatmentEpisode(Agent(current), TimeValue(start), TimeValue(day),
                                 stop_reason=StopReason.PARADOXICAL_REACTION)
            )  # fmt: skip
        if kind == "stop":
            current = None
        else:
            u = float(batch.extra["new_agent_u"][r, i, k])
            current = _next_agent(kind, current or agent, u, class_agent)
        start = day
    if current is not None:
        episodes.append(TreatmentEpisode(Agent(current), TimeValue(start)))
    return episodes


def _resolution_case(batch: CohortBatch, r: int, i: int, onset_day: float) -> Case:
    d = DAYS_PER_MONTH
    agent = batch.levels["agent"][int(batch.covariates["agent"][r, i])]
    extent = batch.levels["extent"][int(batch.covariates["extent"][r, i])]
    exit_day = onset_day + float(batch.time[r, i]) * d
    status = int(batch.status[r, i])
    resolved = Outcome(Endpoint.COMPLETE_RESOLUTION, TimeValue(exit_day))
    outcomes = (resolved,) if status == 1 else ()
    titer = _titer(float(batch.covariates["ana_titer"][r, i]))
    ana = AnaMeasurement(TimeValue(onset_day), titer, "onset")
    return Case(
        _case_id(batch, r, i),
        patient=_patient(batch, r, i),
        inducing_agent=Agent(agent),
        onset=Onset(TimeValue(onset_day), pustular_extent=PustularExtent(extent)),
        ana=(ana,),
        treatments=tuple(_treatments(batch, r, i, onset_day, agent)),
        outcomes=outcomes,
        last_follow_up=TimeValue(exit_day),
        follow_up_status="resolved" if status == 1 else _STATUS_TEXT[status],
        source=_source(batch, r),
    )
