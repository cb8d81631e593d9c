"""Memory the build's threads free is handed back to the system, not kept to the end of the build."""

from __future__ import annotations

import os
import threading

import pytest

from catkg.heap import _malloc_trim, release_free_memory

PAGE = os.sysconf("SC_PAGE_SIZE")


def _resident_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * PAGE / 2**20


@pytest.mark.skipif(_malloc_trim() is None, reason="the C library has no malloc_trim (not glibc)")
def test_memory_a_finished_thread_freed_goes_back_to_the_system() -> None:
    def churn() -> None:
        # Objects over 512 bytes come from malloc, in this thread's own arena.
        kept = [bytes(1000) for _ in range(200_000)]
        del kept

    worker = threading.Thread(target=churn)
    worker.start()
    worker.join()
    held = _resident_mb()
    release_free_memory()
    assert _resident_mb() < held - 100, "the thread's freed arena is still resident"
