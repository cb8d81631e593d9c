"""Memory the build's threads free is handed back to the system, not kept to the end of the build; the
stages that build big structures are not slowed by the cyclic collector."""

from __future__ import annotations

import gc
import os
import threading
from collections.abc import Callable
from functools import partial

import pytest
from conftest import REPO

from catkg.check.lint import lint
from catkg.check.vocabulary import Vocabulary
from catkg.diff import source_contributions
from catkg.entity_graph import build_entity_graph
from catkg.heap import _malloc_trim, paused_collector, release_free_memory
from catkg.load import Project, load_project
from catkg.namespaces import ONTOLOGY_GRAPH

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

    before = _resident_mb()
    worker = threading.Thread(target=churn)
    worker.start()
    worker.join()
    release_free_memory()
    # Measured against the start: glibc sometimes trims a little of the arena itself as it is freed.
    assert _resident_mb() < before + 50, "the thread's freed arena is still resident"


def _collections_during(work: Callable[[], object]) -> int:
    """How many cyclic collections start while `work` runs, with the collector on as in a build."""
    started = []

    def count(phase: str, _info: dict) -> None:
        if phase == "start":
            started.append(phase)

    was_enabled = gc.isenabled()
    gc.enable()
    gc.collect()  # so that no allocation made before `work` is left to start a collection in it
    gc.callbacks.append(count)
    try:
        work()
    finally:
        gc.callbacks.remove(count)
        if not was_enabled:
            gc.disable()
    return len(started)


@pytest.fixture(scope="module")
def real_project_loaded() -> Project:
    return load_project(REPO)


@pytest.mark.parametrize("stage", ["entity graph", "source contributions", "lint"])
def test_stages_that_build_big_structures_are_not_interrupted_by_cyclic_collections(
    real_project_loaded: Project, stage: str
) -> None:
    project = real_project_loaded
    ontology = project.dataset.graph(ONTOLOGY_GRAPH)
    work = {
        "entity graph": partial(build_entity_graph, project.dataset, project.graph_triples),
        "source contributions": partial(source_contributions, project.dataset, project.graph_triples),
        "lint": partial(lint, project, Vocabulary.from_ontology(ontology)),
    }[stage]
    # The fixture itself allocates enough to start collections: the control shows the count can fail.
    assert _collections_during(lambda: [[n] for n in range(100_000)]) > 0
    # One collection, of what the stage made, may start as it ends and the collector is back on.
    assert _collections_during(work) <= 1


def test_paused_collector_restores_the_collector_as_it_was() -> None:
    @paused_collector()
    def inside() -> bool:
        return gc.isenabled()

    was_enabled = gc.isenabled()
    try:
        gc.enable()
        assert inside() is False and gc.isenabled()
        gc.disable()
        assert inside() is False and not gc.isenabled()
    finally:
        (gc.enable if was_enabled else gc.disable)()
