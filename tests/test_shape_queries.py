"""Shapes the build evaluates with Oxigraph report exactly what pySHACL reports for them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
from conftest import FIXTURES, REPO
from rdflib import Graph, Literal
from rdflib.namespace import SH

from catkg.build import build
from catkg.check.shacl import shacl_results
from catkg.check.shape_queries import shape_queries, shape_query, shape_query_results
from catkg.namespaces import SHAPES
from catkg.oxi import graph_quads

SHAPE_FIXTURES = FIXTURES / "invalid" / "shapes"
PREFIXES = """@prefix cat: <https://w3id.org/catkg/ontology#> .
@prefix org: <https://w3id.org/catkg/id/org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix foaf: <http://xmlns.com/foaf/0.1/> .
"""
# Language ranges, untagged and IRI labels, and one label stated in two files (two named graphs).
EDGE_CASES = {
    "en-variants.ttl": 'org:gb-and-plain a cat:Organization ; rdfs:label "A"@en-GB , "B"@en .\n'
    'org:us-only a cat:Organization ; rdfs:label "C"@en-US .\n'
    'org:upper a cat:Organization ; rdfs:label "D"@EN .\n',
    "untagged.ttl": 'org:untagged a cat:Organization ; rdfs:label "E" .\n'
    "org:iri-label a cat:Organization ; rdfs:label org:us-only .\n",
    "first.ttl": 'org:twice a cat:Organization ; rdfs:label "F"@en .\n',
    "second.ttl": 'org:twice rdfs:label "F"@en .\nfoaf:Nobody rdfs:subClassOf foaf:Person .\n'
    "org:deep a foaf:Nobody .\n",
}


def _shapes() -> Graph:
    return Graph().parse(REPO / "ontology" / "shapes.ttl")


def _data_files() -> list[Graph]:
    """The ontology, every shape fixture, the curated graph and the edge cases, one graph per file."""
    paths = [REPO / "ontology" / "catkg.ttl", *sorted(SHAPE_FIXTURES.glob("*.ttl"))]
    paths += sorted((REPO / "graph").rglob("*.ttl"))
    graphs = [Graph(identifier=f"urn:file:{n}").parse(path) for n, path in enumerate(paths)]
    for name, text in EDGE_CASES.items():
        graphs.append(Graph(identifier=f"urn:file:{name}").parse(data=PREFIXES + text, format="turtle"))
    return graphs


def test_oxigraph_and_pyshacl_report_the_same_violations_of_every_translated_shape() -> None:
    shapes = _shapes()
    queries = shape_queries(shapes)
    assert SHAPES.EnglishLabelShape in queries
    files = _data_files()
    store = ox.Store()
    union = Graph()
    for graph in files:
        store.extend(graph_quads(graph))
        for triple in graph:
            union.add(triple)

    def rows(results: list) -> list[tuple[str, str, str, str]]:
        return sorted((str(f), str(s), str(m), str(sev)) for f, s, m, _v, sev in results if s in queries)

    ours = rows(shape_query_results(shapes, queries, store))
    theirs = rows(shacl_results(union, shapes))
    assert ours == theirs
    focus = {row[0].rsplit("/", 1)[-1] for row in ours}
    # The known-bad fixtures and the edge cases that must fail do; those that must pass do not.
    assert {"gb-and-plain", "untagged", "iri-label", "deep", "two-english-labels"} <= focus, focus
    assert not {"us-only", "upper", "twice"} & focus, focus


def test_pyshacl_is_not_handed_the_shapes_oxigraph_evaluates(tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(REPO / "ontology", project / "ontology")
    (project / "graph" / "reference").mkdir(parents=True)
    fixture = SHAPE_FIXTURES / "EnglishLabelShape-two-english-labels.ttl"
    shutil.copy(fixture, project / "graph" / "reference" / fixture.name)
    result = build(project, write=False, reasoner=False)
    fired = [f for f in result.findings if f.check == "shacl:EnglishLabelShape"]
    # Evaluated twice, the one violation would be reported twice.
    assert len(fired) == 1, [f.format() for f in fired]
    assert fired[0].line > 1 and "exactly one rdfs:label" in fired[0].message


def test_a_shape_of_another_form_is_left_to_pyshacl() -> None:
    shapes = _shapes()
    label = SHAPES.EnglishLabelShape
    assert shape_query(shapes, label) is not None
    helper = shapes.value(label, SH.qualifiedValueShape)
    for node, parameter, value in (
        (label, SH.qualifiedValueShapesDisjoint, True),
        (label, SH.deactivated, True),
        (helper, SH.minLength, 1),
    ):
        changed = _shapes()
        changed.add((node, parameter, Literal(value)))
        assert shape_query(changed, label) is None, parameter
