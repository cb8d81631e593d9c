"""Keep the graphs out of the cyclic garbage collector's sight while they are built and worked on."""

from __future__ import annotations

import ctypes
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Freeze every object alive now out of the collector's view for the duration, then unfreeze.

    A loaded dataset is millions of long-lived objects that every full collection would walk again
    (a quarter of pySHACL's time at 300k triples). Objects made inside are still collected. Nested
    uses are free: only the outermost one unfreezes, so an inner stage does not thaw its caller's heap.
    """
    outermost = gc.get_freeze_count() == 0
    gc.freeze()
    try:
        yield
    finally:
        if outermost:
            gc.unfreeze()


@contextmanager
def paused_collector() -> Iterator[None]:
    """No cyclic collection for the duration (restored as it was after); also a decorator.

    Filling a store or building an index allocates millions of small containers and frees none: the
    collector would only rescan them, more often the bigger the structure (half the time of the entity
    graph, the per-source contributions and lint at 1M triples). Only for work that makes no garbage
    cycles: they would wait for the next collection after it.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    return getattr(ctypes.CDLL(None), "malloc_trim", None)


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's `malloc_trim`; nothing on other C libraries).

    glibc keeps freed memory for the process's next allocations: after the SPARQL checks' thread, 0.5 GB
    of their Oxigraph store at 1M triples, and in HermiT's child the triples it has written for the JVM,
    which needs the memory instead.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
