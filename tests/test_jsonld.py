"""The JSON-LD writer: compact where safe, every kind of term survives a parse back by rdflib."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset
from rdflib.compare import isomorphic

from catkg.jsonld import Compactor, write_jsonld

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
PREFIXES = {"ex": EX, "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "opaque": "urn:x-opaque"}

TRICKY = """
@prefix ex: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:g1 {
  ex:a a ex:Thing, ex:Other ; rdfs:label "A \\"quoted\\"\\nlabel", "Énergie 能源"@zh ;
       ex:count "8"^^xsd:positiveInteger ; ex:when "2020-11-26"^^xsd:date ; ex:knows ex:b, _:n .
  _:n a _:klass ; ex:value "1.5"^^xsd:decimal .
  <http://example.org///double-slash> ex:p <http://example.org/> .
  ex:b ex:p <urn:x-opaque:thing> .
}
ex:g2 { ex:a rdfs:label "A \\"quoted\\"\\nlabel" . }
"""


def _quads() -> list[ox.Quad]:
    """The quads graph by graph, each graph's sorted, as the build hands them to the writer."""
    return sorted(
        ox.parse(TRICKY.encode(), format=ox.RdfFormat.TRIG), key=lambda q: (str(q.graph_name), str(q))
    )


def test_every_term_kind_round_trips_per_named_graph(tmp_path: Path) -> None:
    path = tmp_path / "graph.jsonld"
    write_jsonld(_quads(), path, PREFIXES)
    parsed, reference = Dataset(), Dataset()
    parsed.parse(path, format="json-ld")
    reference.parse(data=TRICKY, format="trig")
    names = {g.identifier for g in reference.graphs() if len(g)}
    assert {g.identifier for g in parsed.graphs() if len(g)} == names
    for name in names:
        assert isomorphic(parsed.graph(name), reference.graph(name)), name


def test_context_is_explicit_and_iris_are_compacted_only_where_safe(tmp_path: Path) -> None:
    path = tmp_path / "graph.jsonld"
    write_jsonld(_quads(), path, PREFIXES)
    document = json.loads(path.read_text(encoding="utf-8"))
    # A namespace not ending in a gen-delim cannot be a JSON-LD prefix: it is left out of the context.
    assert document["@context"] == {"ex": EX, "rdfs": PREFIXES["rdfs"]}
    graphs = {graph["@id"]: graph["@graph"] for graph in document["@graph"]}
    assert list(graphs) == ["ex:g1", "ex:g2"]
    nodes = {node["@id"]: node for node in graphs["ex:g1"]}
    assert nodes["ex:a"]["@type"] == ["ex:Other", "ex:Thing"]
    assert nodes["ex:a"]["ex:count"] == {"@value": "8", "@type": XSD + "positiveInteger"}
    assert nodes["ex:a"]["rdfs:label"] == ['A "quoted"\nlabel', {"@value": "Énergie 能源", "@language": "zh"}]
    assert "http://example.org///double-slash" in nodes
    assert nodes["http://example.org///double-slash"]["ex:p"] == {"@id": EX}
    assert nodes["ex:b"]["ex:p"] == {"@id": "urn:x-opaque:thing"}


def test_compactor_prefers_the_longest_namespace() -> None:
    compact = Compactor({"ex": EX, "exid": EX + "id/"})
    assert compact.iri(EX + "id/42") == "exid:42"
    assert compact.iri(EX + "other") == "ex:other"
    assert compact.iri(EX) == EX
