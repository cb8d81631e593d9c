"""The exports list triples, and each graph's quads, in the order of their terms' texts."""

from __future__ import annotations

import itertools
import os
from contextlib import nullcontext
from pathlib import Path

import pyoxigraph as ox
import pytest

from catkg.namespaces import ONTOLOGY_GRAPH
from catkg.oxi import read_quads, write_quads
from catkg.publish import distinct_triples, sort_quads, write_exports

EX = "http://example.org/"
# Terms whose texts are prefixes of one another, or differ only after a space or a quote, and literals
# whose characters N-Quads must escape or may write as they are.
SUBJECTS = [ox.NamedNode(EX + "b"), ox.NamedNode(EX + "b2"), ox.BlankNode("b1"), ox.BlankNode("b10")]
PREDICATES = [ox.NamedNode(EX + "p"), ox.NamedNode(EX + "p-q")]
OBJECTS = [
    ox.Literal("x"),
    ox.Literal("x y"),
    ox.Literal("x", language="en"),
    ox.Literal("x", datatype=ox.NamedNode(EX + "t")),
    ox.Literal('x"'),
    ox.Literal("x\\"),
    ox.Literal("x\u0001\n\t"),
    ox.Literal("能源 é"),
    ox.NamedNode(EX + "o"),
]
ONTOLOGY = ox.NamedNode(str(ONTOLOGY_GRAPH))
# Named graphs only: the build names the default graph (see `dataset_quads`). A blank node's text would
# sort after every IRI's.
GRAPHS = [ox.NamedNode(EX + "g"), ox.NamedNode(EX + "g1"), ONTOLOGY, ox.BlankNode("g2")]


def terms(triple: ox.Triple | ox.Quad) -> tuple[str, str, str]:
    return str(triple.subject), str(triple.predicate), str(triple.object)


def tricky_quads() -> list[ox.Quad]:
    return [
        ox.Quad(s, p, o, g)
        for n, (s, p, o, g) in enumerate(itertools.product(SUBJECTS, PREDICATES, OBJECTS, GRAPHS))
        if (n // len(GRAPHS)) % 2 or g != GRAPHS[0]  # not every triple is in every graph
    ]


def sources(tmp_path: Path, quads: list[ox.Quad]) -> list[Path]:
    """The quads in two files, backwards, as the build writes the asserted and the inferred ones."""
    half = len(quads) // 2
    return [
        write_quads(reversed(quads[:half]), tmp_path / "a.nq"),
        write_quads(reversed(quads[half:]), tmp_path / "b.nq"),
    ]


def test_triples_and_quads_come_out_in_the_order_of_their_terms_texts(tmp_path: Path) -> None:
    quads = tricky_quads()
    ordered = sort_quads(sources(tmp_path, quads), tmp_path)
    by_triple, by_graph = list(read_quads(ordered.by_triple)), list(read_quads(ordered.by_graph))
    assert sorted(map(str, by_triple)) == sorted(map(str, by_graph)) == sorted(map(str, quads))
    assert [terms(t) for t in distinct_triples(by_triple)] == sorted({terms(q) for q in quads})
    graph_names = [str(name) for name, _ in itertools.groupby(by_graph, key=lambda q: q.graph_name)]
    assert graph_names == sorted(set(graph_names)) and len(graph_names) == len(GRAPHS)
    for name, group in itertools.groupby(by_graph, key=lambda q: q.graph_name):
        in_graph = [terms(q) for q in group]
        assert in_graph == sorted(terms(q) for q in quads if q.graph_name == name)
    ontology = list(read_quads(ordered.ontology))
    assert ontology == [q for q in by_graph if q.graph_name == ONTOLOGY] and ontology


def test_the_exports_are_what_oxigraph_writes_for_the_sorted_quads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # graph.nt is written line by line beside graph.ttl, and the store slice by slice beside graph.trig.
    quads = tricky_quads()
    monkeypatch.setattr("catkg.publish.STORE_SLICE", 7)  # several slices and a partial last one
    out, work = tmp_path / "out", tmp_path / "work"
    out.mkdir()
    work.mkdir()
    write_exports(sources(tmp_path, quads), out, work, lambda _: nullcontext(), {"ex": EX})
    triples = sorted({ox.Triple(q.subject, q.predicate, q.object) for q in quads}, key=terms)
    by_graph = sorted(quads, key=lambda q: (str(q.graph_name), str(q)))
    assert (out / "graph.nt").read_bytes() == ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    expected_turtle = ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes={"ex": EX})
    assert (out / "graph.ttl").read_bytes() == expected_turtle
    expected_trig = ox.serialize(by_graph, format=ox.RdfFormat.TRIG, prefixes={"ex": EX})
    assert (out / "graph.trig").read_bytes() == expected_trig
    assert sorted(map(str, ox.Store.read_only(str(out / "store")))) == sorted(map(str, quads))
    ontology = [q.triple for q in by_graph if q.graph_name == ONTOLOGY]
    owl = ox.serialize(ontology, format=ox.RdfFormat.RDF_XML, prefixes={"ex": EX})
    assert (out / "ontology.owl").read_bytes() == owl


def test_files_whose_child_dies_are_written_by_the_exporting_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from catkg import publish

    exporting, real = os.getpid(), publish._write_files

    def dies_in_the_child(*args: object) -> dict[str, float]:
        if os.getpid() != exporting:
            os._exit(9)  # as if killed for memory
        return real(*args)

    quads = tricky_quads()
    expected, out, work = tmp_path / "expected", tmp_path / "out", tmp_path / "work"
    for folder in (expected, out, work):
        folder.mkdir()
    write_exports(sources(tmp_path, quads), expected, work, lambda _: nullcontext(), {"ex": EX})
    monkeypatch.setattr(publish, "_write_files", dies_in_the_child)
    timings = write_exports(sources(tmp_path, quads), out, work, lambda _: nullcontext(), {"ex": EX})
    assert "export graph.jsonld" in timings
    for name in ("graph.ttl", "graph.nt", "graph.jsonld", "ontology.owl", "graph.trig"):
        assert (out / name).read_bytes() == (expected / name).read_bytes(), name
