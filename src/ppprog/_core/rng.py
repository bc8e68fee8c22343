"""Random streams: every draw in ppprog flows from one seed.

A stream is identified by the user's seed and a key of non-negative integers,
e.g. ``(scenario, replicate)``. The stream for a key is the same whatever order
streams are created in, how replicates are chunked, or which worker draws
them, because it is built from ``SeedSequence(entropy=seed, spawn_key=key)``
rather than by spawning sequentially.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["seed_sequence", "stream", "streams"]

SeedLike = int | np.random.SeedSequence


def seed_sequence(seed: SeedLike, *key: int) -> np.random.SeedSequence:
    """Return the ``SeedSequence`` for ``key`` under ``seed``.

    Parameters
    ----------
    seed : int or numpy.random.SeedSequence
        The study's or cohort's root seed. A ``SeedSequence`` contributes its
        entropy and its own spawn key as a prefix.
    *key : int
        Non-negative integers naming the stream (scenario, replicate, ...).

    Returns
    -------
    numpy.random.SeedSequence
        Independent of every other key under the same seed.
    """
    if any((not isinstance(k, (int, np.integer))) or k < 0 for k in key):
        raise ValueError(f"stream keys must be non-negative integers, got {key!r}")
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(
            entropy=seed.entropy, spawn_key=tuple(seed.spawn_key) + tuple(int(k) for k in key)
        )
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return np.random.SeedSequence(entropy=int(seed), spawn_key=tuple(int(k) for k in key))


def stream(seed: SeedLike, *key: int) -> np.random.Generator:
    """Return a PCG64 generator for ``key`` under ``seed``.

    Parameters
    ----------
    seed : int or numpy.random.SeedSequence
        Root seed.
    *key : int
        Stream key.

    Returns
    -------
    numpy.random.Generator
        A fresh generator; calling twice with the same arguments gives the
        same draws.
    """
    return np.random.Generator(np.random.PCG64(seed_sequence(seed, *key)))


def streams(
    seed: SeedLike, prefix: Sequence[int], indices: Sequence[int]
) -> list[np.random.Generator]:
    """Return one generator per index, keyed ``(*prefix, index)``.

    Parameters
    ----------
    seed : int or numpy.random.SeedSequence
        Root seed.
    prefix : sequence of int
        Key prefix shared by all streams (e.g. ``(scenario,)``).
    indices : sequence of int
        Replicate indices; stream ``i`` is the same whichever other indices
        are requested with it.

    Returns
    -------
    list of numpy.random.Generator
    """
    return [stream(seed, *prefix, int(i)) for i in indices]
