"""The loader's per-graph triple lists: the store's triples, once each, and never stale."""

from __future__ import annotations

from pathlib import Path

from conftest import MINI, copy_project
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS

from catkg.load import load_project
from catkg.namespaces import CAT, GRAPH

NANNING = URIRef("https://w3id.org/catkg/id/place/nanning")


def test_graph_triples_are_the_stores_triples_once_each_in_file_order(tmp_path: Path) -> None:
    root = copy_project(MINI, tmp_path / "mini")
    places = root / "graph" / "reference" / "places.ttl"
    # One triple written twice in a file, and a second file loaded into the same graph as the ontology's
    # file of the same name, restating one of its triples and adding one.
    places.write_text(places.read_text() + 'place:nanning rdfs:label "Nanning"@en .\n', encoding="utf-8")
    (root / "ontology" / "extra.ttl").write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<urn:x:a> rdfs:label "a" .\n<urn:x:b> rdfs:label "b" .\n',
        encoding="utf-8",
    )
    (root / "graph" / "ontology").mkdir()
    (root / "graph" / "ontology" / "extra.ttl").write_text(
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<urn:x:b> rdfs:label "b" .\n<urn:x:c> rdfs:label "c" .\n',
        encoding="utf-8",
    )
    project = load_project(root)
    assert not project.findings
    for source in project.files:
        listed = project.graph_triples(source.graph)
        stored = list(project.dataset.graph(source.graph))
        assert sorted(listed) == sorted(stored) and len(listed) == len(stored)
        # The loader's own list, not a read of the store: that is what makes the later passes fast.
        assert listed is project.statements[source.graph]
    first = [triple[:2] for triple in project.graph_triples(GRAPH["reference/places"])[:3]]
    assert first == [(NANNING, RDF.type), (NANNING, RDFS.label), (NANNING, CAT.locatedIn)]
    extra = [str(s) for s, _, _ in project.graph_triples(GRAPH["ontology/extra"])]
    assert extra == ["urn:x:a", "urn:x:b", "urn:x:c"]


def test_graph_triples_follow_a_graph_changed_after_load(tmp_path: Path) -> None:
    project = load_project(copy_project(MINI, tmp_path / "mini"))
    graph = GRAPH["reference/places"]
    added = (NANNING, RDFS.comment, Literal("capital of Guangxi"))
    project.dataset.graph(graph).add(added)
    assert added in project.graph_triples(graph)
    project.dataset.graph(graph).remove((NANNING, None, None))
    assert all(s != NANNING for s, _, _ in project.graph_triples(graph))
