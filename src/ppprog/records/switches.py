"""Drug switches derived from treatment episodes (never stored in a case)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ppprog.records.vocab import Agent, DrugClass

if TYPE_CHECKING:
    from ppprog.records.case import TreatmentEpisode

__all__ = ["DrugSwitch", "drug_switches", "SWITCH_GAP_DAYS", "SWITCH_TAPER_DAYS", "SWITCH_CLASSES"]

#: A new agent started at most this many days after another agent stopped replaces it.
SWITCH_GAP_DAYS = 30.0
#: ... or at most this many days before the other agent stopped (tapering overlap).
SWITCH_TAPER_DAYS = 90.0
#: Drug classes that take part in switches (topical and other treatments do not).
SWITCH_CLASSES: frozenset[DrugClass] = frozenset(DrugClass) - {DrugClass.TOPICAL, DrugClass.OTHER}


@dataclass(frozen=True)
class DrugSwitch:
    """A switch derived from treatment episodes (see :func:`drug_switches`).

    Parameters
    ----------
    day : float
        Start of the new agent.
    to_agent : Agent
    from_agents : tuple of Agent
        Agents it replaced.
    episode : int
        Index of the new episode in ``case.treatments``.
    """

    day: float
    to_agent: Agent
    from_agents: tuple[Agent, ...]
    episode: int


def drug_switches(
    treatments: Sequence[TreatmentEpisode],
    *,
    gap: float = SWITCH_GAP_DAYS,
    taper: float = SWITCH_TAPER_DAYS,
    classes: frozenset[DrugClass] = SWITCH_CLASSES,
) -> tuple[DrugSwitch, ...]:
    """Derive drug switches from treatment episodes.

    An episode of agent B starting on day ``t`` is a switch when it is not a
    continuation of B (no earlier B episode running or stopped within
    ``gap`` days before ``t``) and it replaces at least one earlier episode of
    another agent that stopped in ``[t - gap, t + taper]`` (stopped shortly
    before, or was tapered after B started). Each stopped episode is replaced
    at most once. A new agent added while the others continue is an add-on,
    not a switch; a dose change of the same agent is not a switch. Only
    episodes whose drug class is in ``classes`` take part (by default every
    class but topical and other, e.g. not an antiviral given for a
    misdiagnosis).

    Parameters
    ----------
    treatments : sequence of TreatmentEpisode
    gap : float, optional
        Days allowed between the old agent's stop and the new agent's start.
    taper : float, optional
        Days the old agent may continue after the new agent starts.
    classes : frozenset of DrugClass, optional
        Drug classes considered.

    Returns
    -------
    tuple of DrugSwitch
        In order of day.
    """
    courses = _courses(treatments, gap, classes)
    used: set[int] = set()
    out: list[DrugSwitch] = []
    for k, (agent, t, _stop, j) in enumerate(courses):
        replaced = [
            m
            for m, (other, s0, s1, _) in enumerate(courses[:k])
            if m not in used and other != agent and s0 < t and t - gap <= s1 <= t + taper
        ]
        if replaced:
            used.update(replaced)
            agents = tuple(dict.fromkeys(courses[m][0] for m in replaced))
            out.append(DrugSwitch(t, agent, agents, j))
    return tuple(out)


def _courses(
    treatments: Sequence[TreatmentEpisode],
    gap: float,
    classes: frozenset[DrugClass],
) -> list[tuple[Agent, float, float, int]]:
    """Merge episodes of one agent separated by at most ``gap`` days into courses.

    Returns (agent, start, stop, index of first episode) sorted by start; stop is
    ``inf`` for a course still running.
    """
    keep = [i for i, e in enumerate(treatments) if e.drug_class in classes]
    order = sorted(keep, key=lambda i: (treatments[i].start.day, i))
    courses: list[list[Any]] = []
    for i in order:
        e = treatments[i]
        stop = math.inf if e.stop is None else e.stop.day
        last = next((c for c in reversed(courses) if c[0] == e.agent), None)
        if last is not None and e.start.day <= last[2] + gap:
            last[2] = max(last[2], stop)
        else:
            courses.append([e.agent, e.start.day, stop, i])
    return [tuple(c) for c in courses]  # type: ignore[misc]
