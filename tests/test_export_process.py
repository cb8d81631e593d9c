"""The fresh interpreter that writes the Oxigraph exports at scale."""

from __future__ import annotations

import os
import signal
import time
from contextlib import nullcontext
from pathlib import Path

import psutil
import pyoxigraph as ox
import pytest

from catkg.export_process import ExportsFailed, ExportsProcess, main
from catkg.oxi import write_quads
from catkg.publish import write_exports

PREFIXES = {"ex": "urn:ex:"}


def quads_file(tmp_path: Path) -> Path:
    quads = [
        ox.Quad(
            ox.NamedNode(f"urn:s{i}"),
            ox.NamedNode("urn:p"),
            ox.Literal(str(i)),
            ox.NamedNode(f"urn:g{i % 3}"),
        )
        for i in range(50)
    ]
    return write_quads(quads, tmp_path / "quads.nq")


def folders(tmp_path: Path, name: str) -> tuple[Path, Path]:
    out, work = tmp_path / name, tmp_path / f"{name}-work"
    out.mkdir()
    work.mkdir()
    return out, work


def test_the_process_writes_what_the_build_writes_itself(tmp_path: Path) -> None:
    source = quads_file(tmp_path)
    fresh, fresh_work = folders(tmp_path, "fresh")
    here, here_work = folders(tmp_path, "here")
    timings = ExportsProcess([source], fresh, fresh_work, PREFIXES).result()
    write_exports([source], here, here_work, lambda _: nullcontext(), PREFIXES)
    assert {"sort", "export graph.trig, store", "export graph.jsonld"} <= timings.keys()
    for name in ("graph.ttl", "graph.trig", "graph.jsonld", "graph.nt", "ontology.owl"):
        assert (fresh / name).read_bytes() == (here / name).read_bytes(), name
    stored = [sorted(map(str, ox.Store.read_only(str(out / "store")))) for out in (fresh, here)]
    assert stored[0] == stored[1] and len(stored[0]) == 50


def test_it_waits_to_be_let_go(tmp_path: Path) -> None:
    out, work = folders(tmp_path, "out")
    exports = ExportsProcess([quads_file(tmp_path)], out, work, PREFIXES)
    try:
        time.sleep(1.5)  # long enough to have imported everything and written the exports, if it did not wait
        assert list(out.iterdir()) == []
        exports.go()
        exports.go()  # once is enough; a second word is not an error
        exports.result()
        assert (out / "graph.trig").is_file()
    finally:
        exports.close()


def test_a_failure_says_what_went_wrong(tmp_path: Path) -> None:
    (tmp_path / "broken.nq").write_text("<urn:a> <urn:b> .\n")
    out, work = folders(tmp_path, "out")
    with pytest.raises(ExportsFailed, match=r"(?s)exit code 1: .*SyntaxError: Parser error"):
        ExportsProcess([tmp_path / "broken.nq"], out, work, PREFIXES).result()


def test_the_process_refuses_bad_usage() -> None:
    assert main([]) == 2
    assert main(["not-a-pid", "out", "work", "{}", "a.nq"]) == 2


def test_the_process_does_not_outlive_the_process_that_started_it(tmp_path: Path) -> None:
    # A build killed while its exports are written must leave no process behind. It reads a FIFO nobody
    # writes to, so it is certainly still at work when its starter is killed.
    os.mkfifo(tmp_path / "never.nq")
    out, work = folders(tmp_path, "out")
    starter = os.fork()
    if starter == 0:
        try:
            ExportsProcess([tmp_path / "never.nq"], out, work, PREFIXES).result()
        finally:
            os._exit(0)
    exporter = None
    for _ in range(200):
        children = psutil.Process(starter).children()
        if children:
            exporter = children[0]
            break
        time.sleep(0.05)
    assert exporter is not None, "the exports' process never started"
    time.sleep(1.5)  # past its start-up (where a parent already gone is caught), into the blocking read
    os.kill(starter, signal.SIGKILL)
    os.waitpid(starter, 0)
    gone, alive = psutil.wait_procs([exporter], timeout=10)
    for process in alive:
        process.kill()
    assert gone, "the exports' process outlived the process that started it"


def test_closing_stops_a_process_never_let_go(tmp_path: Path) -> None:
    out, work = folders(tmp_path, "out")
    before = {child.pid for child in psutil.Process().children()}
    exports = ExportsProcess([quads_file(tmp_path)], out, work, PREFIXES)
    (started,) = [child for child in psutil.Process().children() if child.pid not in before]
    exports.close()
    exports.go()  # too late: nothing happens
    assert not started.is_running()
    time.sleep(0.5)
    assert list(out.iterdir()) == []
