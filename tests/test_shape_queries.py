"""Shapes the build evaluates with Oxigraph report exactly what pySHACL reports for them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
from conftest import FIXTURES, REPO
from rdflib import BNode, Graph, Literal, Namespace
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SH, XSD

from catkg.build import build
from catkg.check.shacl import shacl_results
from catkg.check.shape_queries import shape_queries, shape_query, shape_query_results
from catkg.namespaces import SHAPES
from catkg.oxi import graph_quads

SHAPE_FIXTURES = FIXTURES / "invalid" / "shapes"
ORG = Namespace("https://w3id.org/catkg/id/org/")
EX = Namespace("https://example.org/")
PREFIXES = """@prefix cat: <https://w3id.org/catkg/ontology#> .
@prefix org: <https://w3id.org/catkg/id/org/> . @prefix ev: <https://w3id.org/catkg/id/event/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> . @prefix foaf: <http://xmlns.com/foaf/0.1/> .
"""
# Language ranges, untagged and IRI labels, and one label stated in two files (two named graphs). Then
# values of every translated part: a literal, a blank node or an untyped IRI where a class is required
# (a blank node of the right class passes), a value whose class is a subclass declared in the data, one
# value stated in two files (counted once), a value reached by two alternative paths, an inverse path
# with no value and with a value of the wrong class, a value failing a class and a node kind at once, a
# value of a class known only as a blank node.
EDGE_CASES = {
    "en-variants.ttl": 'org:gb-and-plain a cat:Organization ; rdfs:label "A"@en-GB , "B"@en .\n'
    'org:us-only a cat:Organization ; rdfs:label "C"@en-US .\n'
    'org:upper a cat:Organization ; rdfs:label "D"@EN .\n',
    "untagged.ttl": 'org:untagged a cat:Organization ; rdfs:label "E" .\n'
    "org:iri-label a cat:Organization ; rdfs:label org:us-only .\n",
    "first.ttl": 'org:twice a cat:Organization ; rdfs:label "F"@en .\n',
    "second.ttl": 'org:twice rdfs:label "F"@en .\nfoaf:Nobody rdfs:subClassOf foaf:Person .\n'
    "org:deep a foaf:Nobody .\n",
    "values.ttl": 'ev:literal-venue a cat:Conference ; cat:venue "Nanning" , [ a cat:City ] ,\n'
    "  [ a cat:Person ] .\n"
    "ev:untyped-host a cat:Forum ; cat:host org:nowhere , org:deep ; cat:organizer org:plaza .\n"
    "org:plaza a cat:Hall . cat:Hall rdfs:subClassOf cat:Organization .\n"
    "ev:part-a a cat:Participation ; cat:participationIn ev:untyped-host ; cat:participant org:deep ;\n"
    '  cat:forCountry org:deep ; cat:statedIn ev:untyped-host , "p3" .\n'
    "ev:part-b a cat:Participation ; cat:participationIn ev:untyped-host , ev:literal-venue .\n"
    "ev:post-a a cat:Post . ev:post-b a cat:Post . org:plaza cat:holdsPost ev:post-b .\n"
    "ev:x cat:locatedIn ev:y .\n"
    "ev:anonymous-class a cat:Forum ; cat:venue ev:hall . ev:hall a [ rdfs:subClassOf cat:City ] .\n",
    "values-again.ttl": "ev:part-a cat:participationIn ev:untyped-host .\nev:x cat:locatedIn ev:y .\n",
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

    def rows(results: list) -> list[tuple[str, ...]]:
        # Blank nodes are named apart by each tool: compared as blank nodes, not by their labels.
        def term(node: object) -> str:
            return "_:" if isinstance(node, BNode) else str(node)

        return sorted(tuple(map(term, result)) for result in results if result[1] in queries)

    ours = rows(shape_query_results(shapes, queries, store))
    theirs = rows(shacl_results(union, shapes))
    assert ours == theirs
    focus = {row[0].rsplit("/", 1)[-1] for row in ours}
    # The known-bad fixtures and the edge cases that must fail do; those that must pass do not.
    assert {"gb-and-plain", "untagged", "iri-label", "deep", "two-english-labels"} <= focus, focus
    assert not {"us-only", "upper", "twice"} & focus, focus
    assert {"literal-venue", "untyped-host", "part-a", "part-b", "post-a", "post-b", "x"} <= focus, focus
    # Every shape of the fixtures but one without a count or value constraint of these kinds is translated.
    assert len(queries) >= 35, sorted(queries)
    fired = {(row[0].rsplit("/", 1)[-1], row[1].rsplit("#", 1)[-1], row[3]) for row in ours}
    assert ("literal-venue", "EventLinksShape-venue", "Nanning") in fired
    assert (
        "untyped-host",
        "EventLinksShape-organizer",
        str(ORG.plaza),
    ) not in fired  # a subclass in the data
    assert ("part-a", "ParticipationShape-event", "None") not in fired  # one value, stated in two files
    assert not any(row[0] == "anonymous-class" and "venue" in row[1] for row in fired)  # a blank-node class
    assert ("part-b", "ParticipationShape-event", "None") in fired
    statedin = [row for row in ours if row[1].endswith("StatedInShape-paragraph") and row[3] == "p3"]
    assert len(statedin) == 2, statedin  # not a paragraph and not an IRI: two results, as pySHACL gives


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
    label, venue = SHAPES.EnglishLabelShape, SHAPES["EventLinksShape-venue"]
    assert shape_query(shapes, label) is not None and shape_query(shapes, venue) is not None
    # Datatypes, patterns and sh:or stay with pySHACL (rdflib's reading of ill-typed literals and
    # Python's regular expressions are not SPARQL's).
    for kept in ("StatisticShape-asOf", "CountryShape-alpha2", "StatisticShape-value", "SourceShape"):
        assert shape_query(shapes, SHAPES[kept]) is None, kept
    helper = shapes.value(label, SH.qualifiedValueShape)
    sequence = BNode()
    for node, parameter, value in (
        (label, SH.qualifiedValueShapesDisjoint, Literal(True)),
        (label, SH.deactivated, Literal(True)),
        (helper, SH.minLength, Literal(1)),
        (venue, SH.datatype, XSD.string),
        (venue, SH.message, Literal("a second message")),
        (venue, SH.maxCount, Literal("many")),
        (venue, SH.nodeKind, SH.IRI + "Typo"),
        (venue, RDF.type, RDFS.Class),  # an implicit class target of its own
        (venue, SH.targetNode, EX.anything),
        (SHAPES["SourceShape"], SH.node, venue),  # used inside another shape
    ):
        changed = _shapes()
        changed.add((node, parameter, value))
        assert shape_query(changed, node if node != SHAPES["SourceShape"] else venue) is None, parameter
    changed = _shapes()
    changed.set((venue, SH.path, sequence))
    Collection(changed, sequence, [EX.first, EX.second])
    assert shape_query(changed, venue) is None
