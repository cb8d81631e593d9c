"""HermiT reads the project's files as the build loads them, and is given every triple but annotation
assertions about IRIs: its verdict does not change."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import FIXTURES, REPO, copy_project
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from catkg.check.consistency import (
    annotation_properties,
    hermit_consistent,
    project_consistent,
    project_triples,
    reasoner_input,
)
from catkg.load import load_project
from catkg.namespaces import CAT
from catkg.oxi import dataset_quads, graph_quads, to_rdflib

EX = "https://example.org/"


def _triples(graph: Graph) -> set[ox.Triple]:
    return {quad.triple for quad in graph_quads(graph)}


def test_only_annotation_assertions_about_iris_are_left_out() -> None:
    graph = Graph(identifier=URIRef(EX + "graph"))
    thing, axiom = URIRef(EX + "thing"), URIRef(EX + "axiom")
    both, data_and_annotation = URIRef(EX + "both"), URIRef(EX + "data-and-annotation")
    graph.add((DCTERMS.title, RDF.type, OWL.AnnotationProperty))
    graph.add((both, RDF.type, OWL.AnnotationProperty))
    graph.add((both, RDF.type, OWL.ObjectProperty))
    graph.add((data_and_annotation, RDF.type, OWL.AnnotationProperty))
    graph.add((data_and_annotation, RDF.type, OWL.FunctionalProperty))
    graph.add((thing, RDF.type, CAT.Organization))
    graph.add((thing, RDFS.label, Literal("Thing", lang="en")))
    graph.add((thing, DCTERMS.title, Literal("A title")))
    graph.add((thing, SKOS.altLabel, Literal("Undeclared here, so kept")))
    graph.add((thing, both, URIRef(EX + "other")))
    graph.add((thing, data_and_annotation, Literal(3)))
    graph.add((thing, CAT.locatedIn, URIRef(EX + "place")))
    graph.parse(data=f"[] a <{OWL.Axiom}> ; <{RDFS.comment}> 'about an axiom' .", format="turtle")
    graph.add((axiom, OWL.versionInfo, Literal("1")))

    triples = _triples(graph)
    annotations = annotation_properties(triples)
    assert {str(DCTERMS.title), str(RDFS.label), str(OWL.versionInfo)} <= annotations
    assert not {str(both), str(data_and_annotation), str(SKOS.altLabel)} & annotations
    given = set(reasoner_input(triples, annotations))
    left_out = triples - given
    assert {(str(t.subject), str(t.predicate)) for t in left_out} == {
        (f"<{thing}>", f"<{RDFS.label}>"),
        (f"<{thing}>", f"<{DCTERMS.title}>"),
        (f"<{axiom}>", f"<{OWL.versionInfo}>"),
    }
    # The annotation of a blank node (an annotated axiom) stays with the axiom.
    assert any(t.predicate.value == str(RDFS.comment) for t in given)


def _broken_project(tmp_path: Path) -> Path:
    """The real project with an edition that is also an organisation, two classes declared disjoint."""
    root = copy_project(REPO, tmp_path / "broken")
    fixture = FIXTURES / "invalid" / "disjoint-inferred-types.ttl"
    (root / "graph" / "reference" / fixture.name).write_bytes(fixture.read_bytes())
    return root


def test_hermit_reads_from_the_files_what_the_build_loads(tmp_path: Path) -> None:
    for root in (REPO, _broken_project(tmp_path)):
        project = load_project(root)
        assert not project.findings, [f.format() for f in project.findings]
        loaded = Graph()
        for quad in dataset_quads(project.dataset, project.graph_triples):
            loaded.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
        read = Graph()
        for triple in project_triples(root):
            read.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
        assert len(read) == len(loaded) and isomorphic(read, loaded)


def test_hermit_gives_the_same_verdicts_without_annotations(tmp_path: Path) -> None:
    for root, verdict in ((REPO, True), (_broken_project(tmp_path), False)):
        triples = project_triples(root)
        given = list(reasoner_input(triples, annotation_properties(triples)))
        # A fifth or more of the curated graph is labels, titles and other annotations.
        assert len(given) < 0.85 * len(triples)
        assert hermit_consistent(given) is verdict
        assert hermit_consistent(triples) is verdict
        assert project_consistent(root) is verdict


def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    root = copy_project(REPO, tmp_path / "latin1")
    (root / "graph" / "reference" / "latin1.ttl").write_bytes('<urn:a> <urn:b> "caf\xe9" .'.encode("latin-1"))
    with pytest.raises(ValueError, match=r"graph/reference/latin1\.ttl"):
        project_triples(root)
