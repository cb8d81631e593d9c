"""The store loader that a forked child runs in a fresh interpreter."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psutil
import pyoxigraph as ox
import pytest

from catkg.store_load import load_store, load_store_in_fresh_process, main


def test_a_fresh_process_loads_every_quad_of_a_trig_file(tmp_path: Path) -> None:
    quads = [
        ox.Quad(
            ox.NamedNode(f"urn:s{i}"),
            ox.NamedNode("urn:p"),
            ox.Literal(str(i)),
            ox.NamedNode(f"urn:g{i % 3}"),
        )
        for i in range(50)
    ]
    ox.serialize(quads, tmp_path / "graph.trig", ox.RdfFormat.TRIG)
    load_store_in_fresh_process(tmp_path / "graph.trig", tmp_path / "fresh")
    load_store(quads, tmp_path / "here")
    fresh, here = (sorted(map(str, ox.Store.read_only(str(tmp_path / d)))) for d in ("fresh", "here"))
    assert fresh == here and len(fresh) == 50


def test_a_failed_load_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken.trig").write_text("<urn:a> <urn:b> .\n")
    with pytest.raises(RuntimeError, match=r"broken\.trig"):
        load_store_in_fresh_process(tmp_path / "broken.trig", tmp_path / "store")


def test_the_loader_refuses_bad_usage() -> None:
    assert main([]) == 2
    assert main(["a.trig", "store", "not-a-pid"]) == 2


def test_the_loader_does_not_outlive_the_process_that_started_it(tmp_path: Path) -> None:
    # A build killed while its exports' child waits for the loader must leave no loader behind. The
    # loader reads a FIFO nobody writes to, so it is certainly still loading when its starter is killed.
    os.mkfifo(tmp_path / "never.trig")
    starter = os.fork()
    if starter == 0:
        try:
            load_store_in_fresh_process(tmp_path / "never.trig", tmp_path / "store")
        finally:
            os._exit(0)
    loader = None
    for _ in range(200):
        children = psutil.Process(starter).children()
        if children:
            loader = children[0]
            break
        time.sleep(0.05)
    assert loader is not None, "the loader never started"
    time.sleep(1)  # past its start-up (where a parent already gone is caught), into the blocking read
    os.kill(starter, signal.SIGKILL)
    os.waitpid(starter, 0)
    gone, alive = psutil.wait_procs([loader], timeout=10)
    for process in alive:
        process.kill()
    assert gone, "the loader outlived the process that started it"
