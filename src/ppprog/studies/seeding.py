"""Which random stream each replicate uses, and how replicates are cut into chunks.

Replicate ``r`` of scenario ``s`` in a study with root seed ``seed`` always
draws from ``ppprog._core.rng.stream(seed, s, r)``. A chunk is only a range of
replicate indices ``[first, first + count)`` of one scenario; the generator is
called with ``first_replicate=first`` and draws each replicate from its own
stream, so neither the chunk size, nor the order in which chunks run, nor the
worker that runs them can change a single draw.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ppprog._core.rng import stream

__all__ = ["ChunkKey", "replicate_stream", "plan_chunks", "missing_ranges"]


def replicate_stream(seed: int, scenario: int, replicate: int) -> np.random.Generator:
    """Return the generator of one replicate of one scenario.

    Parameters
    ----------
    seed : int
        The study's root seed.
    scenario : int
        Scenario index (position in the study's scenario list).
    replicate : int
        Replicate index within the scenario, from 0.

    Returns
    -------
    numpy.random.Generator
        ``stream(seed, scenario, replicate)``; the same whatever the chunking.
    """
    return stream(seed, scenario, replicate)


@dataclass(frozen=True, order=True)
class ChunkKey:
    """A range of replicates of one scenario: ``[first, first + count)``.

    Parameters
    ----------
    scenario : int
        Scenario index.
    first : int
        First replicate index.
    count : int
        Number of replicates.
    """

    scenario: int
    first: int
    count: int

    @property
    def stop(self) -> int:
        """One past the last replicate index."""
        return self.first + self.count

    @property
    def name(self) -> str:
        """File stem used by the checkpoint store."""
        return f"s{self.scenario:05d}_r{self.first:09d}_n{self.count:07d}"


def missing_ranges(total: int, done: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Return the ``(first, stop)`` ranges of ``range(total)`` not covered by ``done``.

    Parameters
    ----------
    total : int
        Number of replicates wanted.
    done : iterable of (int, int)
        ``(first, stop)`` ranges already finished; they must not overlap.

    Returns
    -------
    list of (int, int)
        Gaps in increasing order.
    """
    gaps: list[tuple[int, int]] = []
    pos = 0
    for first, stop in sorted(done):
        if first < pos:
            raise ValueError(f"finished ranges overlap at replicate {first}")
        if first > pos:
            gaps.append((pos, min(first, total)))
        pos = max(pos, stop)
        if pos >= total:
            break
    if pos < total:
        gaps.append((pos, total))
    return [(a, b) for a, b in gaps if b > a]


def plan_chunks(
    n_scenarios: int,
    replicates: int,
    chunk_size: int,
    done: Iterable[ChunkKey] = (),
) -> list[ChunkKey]:
    """Cut the replicates not yet done into chunks of at most ``chunk_size``.

    Parameters
    ----------
    n_scenarios : int
        Number of scenarios.
    replicates : int
        Replicates wanted per scenario.
    chunk_size : int
        Largest chunk.
    done : iterable of ChunkKey, optional
        Chunks already finished (from a checkpoint); their replicates are
        skipped, so none is run twice.

    Returns
    -------
    list of ChunkKey
        Ordered by scenario, then first replicate.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    by_scenario: dict[int, list[tuple[int, int]]] = {}
    for key in done:
        by_scenario.setdefault(key.scenario, []).append((key.first, key.stop))
    plan: list[ChunkKey] = []
    for s in range(n_scenarios):
        for first, stop in missing_ranges(replicates, by_scenario.get(s, [])):
            for a in range(first, stop, chunk_size):
                plan.append(ChunkKey(s, a, min(chunk_size, stop - a)))
    return plan
