"""``paused_gc()``: no cyclic garbage collection while a stage allocates millions of objects.

Loading, option derivation and model building create many long-lived objects; CPython's cyclic GC
then runs repeated full passes over all of them (measured: 2-3x slower stages at 10^4 link groups,
see benchmarks/README.md). Re-entrant: it re-enables the collector only if it was enabled.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc(freeze: bool = False) -> Iterator[None]:
    """Disable the cyclic garbage collector for the duration of the block.

    ``freeze``: before re-enabling, move every object still alive into the permanent generation
    (``gc.freeze``), so the first collection after the block does not walk millions of objects
    (measured: a ~5 s pass at 10^5 link groups). For one-shot processes only: frozen objects are
    never freed by the cyclic collector (only by reference counting).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if was_enabled:
            gc.enable()
