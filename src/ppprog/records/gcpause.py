"""Pause the garbage collector while a reader builds many small objects.

Reading 100,000 cases creates millions of small objects that all stay alive;
every generational collection triggered meanwhile walks them all again and
costs more than the reading itself. Nothing read contains reference cycles,
so pausing the collector loses nothing.

On leaving the block, the objects made meanwhile are moved to the oldest
generation (:func:`promote`): they are long-lived, and left in the youngest
the first collections after the read would walk them all again on their way
there.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_gc", "promote"]


def promote() -> None:
    """Move every object the collector tracks to its oldest generation, without a collection.

    ``gc.freeze()`` moves them all to the permanent generation and
    ``gc.unfreeze()`` back into the oldest one: nothing is collected, lost
    or kept forever (the oldest generation is collected as usual). Skipped
    when the program has frozen objects itself, which it expects to stay frozen.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the garbage collector inside the block (restored on exit, even on error)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            promote()
            gc.enable()
