"""HermiT is given every triple but annotation assertions about IRIs, and its verdict does not change."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from conftest import FIXTURES, REPO, copy_project
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from catkg.check.consistency import annotation_properties, hermit_consistent, reasoner_input
from catkg.load import load_project
from catkg.namespaces import CAT
from catkg.oxi import dataset_quads, graph_quads

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

    annotations = annotation_properties(graph)
    assert {DCTERMS.title, RDFS.label, OWL.versionInfo} <= annotations
    assert not {both, data_and_annotation, SKOS.altLabel} & annotations
    given = set(reasoner_input(graph_quads(graph), annotations))
    left_out = _triples(graph) - given
    assert {(str(t.subject), str(t.predicate)) for t in left_out} == {
        (f"<{thing}>", f"<{RDFS.label}>"),
        (f"<{thing}>", f"<{DCTERMS.title}>"),
        (f"<{axiom}>", f"<{OWL.versionInfo}>"),
    }
    # The annotation of a blank node (an annotated axiom) stays with the axiom.
    assert any(t.predicate.value == str(RDFS.comment) for t in given)


def test_hermit_gives_the_same_verdicts_without_annotations(tmp_path: Path) -> None:
    consistent = load_project(REPO)
    broken_root = copy_project(REPO, tmp_path / "broken")
    fixture = FIXTURES / "invalid" / "disjoint-inferred-types.ttl"
    (broken_root / "graph" / "reference" / fixture.name).write_bytes(fixture.read_bytes())
    broken = load_project(broken_root)
    assert not broken.findings, [f.format() for f in broken.findings]
    for project, verdict in ((consistent, True), (broken, False)):
        quads = list(dataset_quads(project.dataset, project.graph_triples))
        given = list(reasoner_input(quads, annotation_properties(project.dataset)))
        # A fifth or more of the curated graph is labels, titles and other annotations.
        assert len(given) < 0.85 * len(quads)
        assert hermit_consistent(given) is verdict
        assert hermit_consistent(quad.triple for quad in quads) is verdict
