"""The build: exports round-trip, output is deterministic and atomic, reasoning is materialised."""

from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import REPO, run_catkg, tree_digest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from catkg.build import OUTPUTS, build
from catkg.load import load_project
from catkg.namespaces import INFERRED_GRAPH
from catkg.reason import materialise

CAT = "https://w3id.org/catkg/ontology#"
ID = "https://w3id.org/catkg/id/"


def built_dataset(dist: Path) -> Dataset:
    """The dataset the build publishes, recomputed in memory: the reference every export must match.

    Not dist/store: Oxigraph normalises derived datatypes (xsd:positiveInteger reads back as xsd:integer).
    """
    project = load_project(dist.parent)
    materialise(project.dataset)
    return project.dataset


def graphs_of(dataset: Dataset) -> dict[str, Graph]:
    return {
        str(g.identifier): g for g in dataset.graphs() if len(g) and "urn:x-rdflib" not in str(g.identifier)
    }


@pytest.fixture
def mini_dist(mini_project: Path) -> Path:
    result = build(mini_project, mini_project / "dist")
    assert result.exit_code == 0, [f.format() for f in result.findings]
    return mini_project / "dist"


def test_build_writes_every_output(mini_dist: Path) -> None:
    for name in OUTPUTS:
        assert (mini_dist / name).exists(), name
    report = json.loads((mini_dist / "report.json").read_text())
    assert report["statistics"]["facts_per_source"] == {"wire-2020": 8}
    assert {row["check"]: row["status"] for row in report["checks"]} == {
        "input": "passed",
        "syntax": "passed",
        "lint": "passed",
        "sparql-checks": "passed",
        "shacl": "passed",
        "owl-consistency": "passed",
    }
    assert "| Place | 3 |" in (mini_dist / "report.md").read_text()


def test_trig_and_jsonld_round_trip_to_the_built_dataset(mini_dist: Path) -> None:
    reference = graphs_of(built_dataset(mini_dist))
    for name, fmt in (("graph.trig", "trig"), ("graph.jsonld", "json-ld")):
        parsed = Dataset()
        parsed.parse(mini_dist / name, format=fmt)
        exported = graphs_of(parsed)
        assert exported.keys() == reference.keys(), name
        for graph_name, graph in reference.items():
            assert isomorphic(exported[graph_name], graph), f"{name}: graph {graph_name} differs"


def test_turtle_ntriples_and_owl_round_trip(mini_dist: Path) -> None:
    union = Graph()
    for graph in graphs_of(built_dataset(mini_dist)).values():
        union += graph
    for name, fmt in (("graph.ttl", "turtle"), ("graph.nt", "nt")):
        assert isomorphic(Graph().parse(mini_dist / name, format=fmt), union), name
    ontology = graphs_of(built_dataset(mini_dist))["https://w3id.org/catkg/graph/ontology"]
    assert isomorphic(Graph().parse(mini_dist / "ontology.owl", format="xml"), ontology)


def test_graphml_has_labels_and_types(mini_dist: Path) -> None:
    import networkx as nx

    graph = nx.read_graphml(mini_dist / "graph.graphml")
    node = graph.nodes[ID + "event/forum-2020"]
    assert node["label"] == "8th Forum" and node["type"] == "Edition"
    edges = {(s, o, d["label"]) for s, o, d in graph.edges(data=True)}
    assert (ID + "event/forum-2020", ID + "org/most", "hosted by") in edges


def test_rebuild_is_byte_identical(mini_project: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    assert build(mini_project, first).exit_code == 0
    assert build(mini_project, second).exit_code == 0
    a, b = tree_digest(first), tree_digest(second)
    exports = [n for n in a if not n.startswith("store/") and n != "report.json"]
    assert exports and all(a[n] == b[n] for n in exports)


def test_the_at_scale_path_writes_what_the_small_graph_path_writes(
    mini_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Above FORK_EXPORTS_UP_TO the Oxigraph exports are written by a fresh process after reasoning, and
    # the entity exports by the build itself; a mini project forced onto that path publishes the same bytes.
    small, large = tmp_path / "small", tmp_path / "large"
    assert build(mini_project, small).exit_code == 0
    monkeypatch.setattr("catkg.build.FORK_EXPORTS_UP_TO", 0)

    def hung(*_: object) -> None:
        raise TimeoutError("the at-scale build hung (a forked child opening an on-disk store?)")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(120)
    try:
        result = build(mini_project, large)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert result.exit_code == 0
    assert "entity graph" in result.timings and "export graph.graphml" in result.timings
    assert "export graph.graphml, network.html (wait)" not in result.timings  # drawn once, here
    assert "export graph.trig, store" in result.timings  # reported by the Oxigraph exports' process
    a, b = tree_digest(small), tree_digest(large)
    assert sorted(a) == sorted(b)
    assert [n for n in a if not n.startswith("store/") and n != "report.json" and a[n] != b[n]] == []

    def stored(dist: Path) -> list[str]:
        return sorted(str(quad) for quad in ox.Store.read_only(str(dist / "store")))

    # This process has opened an on-disk store before forking (the first build): the child must not
    # open one itself (RocksDB would wait forever for threads the fork did not copy).
    assert stored(small) == stored(large)


@pytest.mark.parametrize("at_scale", [False, True], ids=["small graph", "at scale"])
def test_no_cyclic_collection_interrupts_the_build(
    mini_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, at_scale: bool
) -> None:
    if at_scale:
        monkeypatch.setattr("catkg.build.FORK_EXPORTS_UP_TO", 0)
    stages: list[str] = []
    collected_in: list[str] = []

    def count(phase: str, _info: dict) -> None:
        if phase == "start" and stages:
            collected_in.append(stages[-1])

    gc.enable()
    gc.callbacks.append(count)
    try:
        result = build(mini_project, tmp_path / "dist", on_stage=stages.append, cache=False)
    finally:
        gc.callbacks.remove(count)
    assert result.exit_code == 0 and stages[0] == "load"
    # The collector resumes as the build ends, during its last stage.
    assert [stage for stage in collected_in if stage != stages[-1]] == []
    assert gc.isenabled()


def test_an_exports_process_that_dies_at_scale_is_redone_by_the_build(
    mini_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from catkg import export_process

    reference = tmp_path / "reference"
    assert build(mini_project, reference).exit_code == 0
    monkeypatch.setattr("catkg.build.FORK_EXPORTS_UP_TO", 0)
    # As if killed for memory once it has begun, its store half-written (one RocksDB cannot open).
    dying = "; ".join(
        (
            "import os, sys, pathlib",
            "sys.stdin.readline()",
            "store = pathlib.Path(sys.argv[2]) / 'store'",
            "store.mkdir()",
            "(store / 'CURRENT').write_text('MANIFEST-half-written')",
            "os._exit(9)",
        )
    )
    real_popen = export_process.subprocess.Popen

    def popen(command: list[str], **options: object) -> subprocess.Popen:
        return real_popen([sys.executable, "-c", dying, *command[3:]], **options)

    monkeypatch.setattr(export_process.subprocess, "Popen", popen)
    result = build(mini_project, tmp_path / "large")
    assert result.exit_code == 0
    a, b = tree_digest(reference), tree_digest(tmp_path / "large")
    assert sorted(a) == sorted(b)
    assert [n for n in a if not n.startswith("store/") and n != "report.json" and a[n] != b[n]] == []
    assert not list(tmp_path.glob(".large.*"))


def test_the_exports_at_scale_begin_once_hermit_has_answered(
    mini_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # HermiT's JVM, the build and the exports would otherwise peak in memory together at 1M triples.
    from catkg import cache, export_process

    events: list[str] = []
    real_start, real_go = cache.start_consistency, export_process.ExportsProcess.go

    def slow_hermit(*args: object) -> Future[bool]:
        verdict = real_start(*args)
        answered: Future[bool] = Future()

        def answer_late(_: Future[bool]) -> None:
            time.sleep(2)  # well after the exports could begin
            events.append("hermit answered")
            answered.set_result(verdict.result())

        verdict.add_done_callback(lambda done: threading.Thread(target=answer_late, args=(done,)).start())
        return answered

    def go(self: export_process.ExportsProcess) -> None:
        events.append("exports let go")
        real_go(self)

    monkeypatch.setattr("catkg.build.FORK_EXPORTS_UP_TO", 0)
    monkeypatch.setattr(cache, "start_consistency", slow_hermit)
    monkeypatch.setattr(export_process.ExportsProcess, "go", go)
    assert build(mini_project, tmp_path / "dist", cache=False).exit_code == 0
    assert events[:2] == ["hermit answered", "exports let go"]


def test_a_shacl_failure_at_scale_leaves_dist_and_no_staging(
    mini_dist: Path, mini_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = tree_digest(mini_dist)
    monkeypatch.setattr("catkg.build.FORK_EXPORTS_UP_TO", 0)
    facts = mini_project / "graph/facts/wire-2020.ttl"
    facts.write_text(facts.read_text().replace('    cat:ordinal "8"^^xsd:positiveInteger ;\n', ""))
    assert build(mini_project, mini_dist).exit_code == 1
    assert tree_digest(mini_dist) == before
    assert not list(mini_dist.parent.glob(".dist.*"))


def test_reasoning_is_materialised_in_its_own_graph(mini_dist: Path) -> None:
    store = ox.Store.read_only(str(mini_dist / "store"))
    inferred = ox.NamedNode(str(INFERRED_GRAPH))

    def in_graph(s: str, p: str, o: str, graph: ox.NamedNode | None) -> bool:
        return any(store.quads_for_pattern(ox.NamedNode(s), ox.NamedNode(p), ox.NamedNode(o), graph))

    # inverse, transitive and subclass closure, each only in the inferred graph
    hosts = (ID + "org/most", CAT + "hosts", ID + "event/forum-2020")
    located = (ID + "place/nanning", CAT + "locatedIn", ID + "place/china")
    typed = (ID + "event/forum-2020", str(RDF.type), CAT + "Event")
    for triple in (hosts, located, typed):
        assert in_graph(*triple, inferred), triple
        assert not in_graph(*triple, ox.NamedNode("https://w3id.org/catkg/source/wire-2020"))


def test_failing_build_leaves_previous_dist_byte_for_byte(mini_dist: Path, mini_project: Path) -> None:
    before = tree_digest(mini_dist)
    (mini_project / "graph/reference/bad.ttl").write_text("<https://w3id.org/catkg/id/x> a <oops .\n")
    result = run_catkg("build", "--root", str(mini_project), "--out", str(mini_dist))
    assert result.returncode == 1
    assert tree_digest(mini_dist) == before
    assert not list(mini_dist.parent.glob(".dist.*"))


def test_a_shacl_failure_discards_the_exports_already_under_way(mini_dist: Path, mini_project: Path) -> None:
    # The entity exports start in a forked child before SHACL has answered; a violation must still
    # leave the previous dist/ as it was and no staging folder behind.
    before = tree_digest(mini_dist)
    facts = mini_project / "graph/facts/wire-2020.ttl"
    facts.write_text(facts.read_text().replace('    cat:ordinal "8"^^xsd:positiveInteger ;\n', ""))
    result = run_catkg("build", "--root", str(mini_project), "--out", str(mini_dist))
    assert result.returncode == 1
    assert "an edition needs exactly one xsd:positiveInteger ordinal" in result.stdout + result.stderr
    assert tree_digest(mini_dist) == before
    assert not list(mini_dist.parent.glob(".dist.*"))


def test_unchanged_project_is_not_rebuilt(mini_dist: Path, mini_project: Path) -> None:
    result = run_catkg("build", "--root", str(mini_project), "--out", str(mini_dist))
    assert result.returncode == 0 and "up to date" in result.stdout
    (mini_project / "graph/reference/places.ttl").write_text(
        (mini_project / "graph/reference/places.ttl").read_text().replace('"Nanning"@en', '"Nanning City"@en')
    )
    rebuilt = run_catkg("build", "--root", str(mini_project), "--out", str(mini_dist))
    assert rebuilt.returncode == 0 and "up to date" not in rebuilt.stdout
    assert "Nanning City" in (mini_dist / "graph.ttl").read_text()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_interrupted_build_leaves_previous_dist_usable(mini_dist: Path, mini_project: Path, sig: int) -> None:
    before = tree_digest(mini_dist)
    places = mini_project / "graph/reference/places.ttl"
    places.write_text(places.read_text().replace('"China"@en', '"People\'s Republic of China"@en'))
    for delay in (0.3, 0.8, 1.5):
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "catkg",
                "build",
                "--root",
                str(mini_project),
                "--out",
                str(mini_dist),
                "--force",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        process.send_signal(sig)
        process.wait(timeout=60)
        after = tree_digest(mini_dist)
        assert after == before or ("graph.ttl" in after and "report.json" in after), after.keys()
        store = ox.Store.read_only(str(mini_dist / "store"))
        assert store.query("ASK { ?s ?p ?o }", use_default_graph_as_union=True)
        del store
        # `catkg query` answers after the interruption (rebuilding the stale output first).
        answered = run_catkg(
            "query",
            "--root",
            str(mini_project),
            "--out",
            str(mini_dist),
            "--format",
            "csv",
            "SELECT ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }",
        )
        assert answered.returncode == 0, answered.stderr
        assert "People's Republic of China" in answered.stdout
        before = tree_digest(mini_dist)
    assert build(mini_project, mini_dist).exit_code == 0
    assert not list(mini_dist.parent.glob(".dist.*"))


def test_validate_writes_nothing_and_stats_counts(mini_project: Path) -> None:
    result = run_catkg("validate", "--root", str(mini_project), "--no-reasoner")
    assert result.returncode == 0 and "valid" in result.stdout
    assert not (mini_project / "dist").exists()
    stats = run_catkg("stats", "--root", str(mini_project))
    assert stats.returncode == 0
    assert "Place" in stats.stdout and "wire-2020" in stats.stdout


def test_not_a_project_is_bad_usage(tmp_path: Path) -> None:
    result = run_catkg("build", "--root", str(tmp_path))
    assert result.returncode == 2 and "not a CATKG project" in result.stderr


def test_real_project_builds_clean(real_dist: Path) -> None:
    report = json.loads((real_dist / "report.json").read_text())
    assert all(row["status"] == "passed" for row in report["checks"]), report["checks"]
    assert len(report["statistics"]["facts_per_source"]) >= 5
    # Several sources state some of the same facts: the union counts each triple once.
    union = Graph().parse(real_dist / "graph.nt", format="nt")
    assert report["statistics"]["distinct_triples"] == len(union) < report["statistics"]["triples"]


@pytest.mark.slow
def test_fresh_clone_builds_in_a_new_virtual_environment(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    venv = tmp_path / "venv"
    # System site packages stand in for the dependencies; the package itself is built from the clone
    # in pip's isolated build environment, as on a fresh machine.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "-e", str(clone)],
        check=True,
        env={**os.environ, "PIP_NO_INPUT": "1"},
    )
    built = subprocess.run([str(python), "build.py"], cwd=clone, capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr
    assert (clone / "dist" / "graph.ttl").exists()
    assert URIRef  # rdflib is importable in the new environment too
