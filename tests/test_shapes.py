"""Every SHACL shape family of the real project fails on its known-bad fixtures, and only on them.

A family is the shapes `<Name>Shape` and `<Name>Shape-<aspect>` (property shapes carry their own targets,
see ontology/shapes.ttl); its known-bad examples are tests/fixtures/invalid/shapes/<Name>Shape[-<case>].ttl.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, MINI, REPO, copy_project
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from catkg.build import build
from catkg.check.shacl import UnionView, data_graph, shacl_results
from catkg.load import load_project
from catkg.namespaces import INFERRED_GRAPH, SH, SHAPES
from catkg.reason import materialise

SHAPE_FIXTURES = FIXTURES / "invalid" / "shapes"
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def _shapes() -> Graph:
    return Graph().parse(REPO / "ontology" / "shapes.ttl")


def _family(name: str) -> str:
    """`DateShape` for the shape `DateShape-startDate` and for the fixture `DateShape-free-text`."""
    return name.removeprefix(str(SHAPES)).split("-", 1)[0]


def _owned_names(shapes: Graph, family: str) -> set[str]:
    """The local names of every shape of `family` (the sourceShape of a result)."""
    named = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    return {str(s).removeprefix(str(SHAPES)) for s in named if _family(str(s)) == family}


def test_every_targeted_shape_has_a_known_bad_fixture() -> None:
    shapes = _shapes()
    targeted = {s for t in TARGETS for s in shapes.subjects(t, None)}
    assert all(isinstance(s, URIRef) and str(s).startswith(str(SHAPES)) for s in targeted), targeted
    families = {_family(str(s)) for s in targeted}
    fixtures = {_family(p.stem) for p in SHAPE_FIXTURES.glob("*.ttl")}
    assert families and families <= fixtures, sorted(families - fixtures)
    assert fixtures <= families, sorted(fixtures - families)


@pytest.mark.parametrize("fixture", sorted(SHAPE_FIXTURES.glob("*.ttl")), ids=lambda p: p.stem)
def test_shape_fails_on_its_fixture(fixture: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(REPO / "ontology", project / "ontology")
    (project / "graph" / "reference").mkdir(parents=True)
    shutil.copy(fixture, project / "graph" / "reference" / fixture.name)
    result = build(project, write=False, reasoner=False)
    owned = _owned_names(_shapes(), _family(fixture.stem))
    shacl = [f for f in result.findings if f.check.startswith("shacl:")]
    fired = [f for f in shacl if f.check[6:] in owned]
    assert fired, (
        f"{fixture.name} does not fail {sorted(owned)}; findings: {[f.format() for f in result.findings]}"
    )
    assert all(f.path == f"graph/reference/{fixture.name}" for f in fired), [f.format() for f in fired]
    # Each fixture says it violates its family "only" (with inference "none").
    assert shacl == fired, [f.format() for f in shacl]
    assert result.exit_code == 1


def test_label_shape_targets_cover_every_class_of_the_ontology() -> None:
    """EnglishLabelShape targets root classes; a new root class in catkg.ttl must join its targets."""
    ontology = Graph().parse(REPO / "ontology" / "catkg.ttl")
    targets = set(_shapes().objects(SHAPES.EnglishLabelShape, SH.targetClass))
    classes = {c for kind in (OWL.Class, RDFS.Class) for c in ontology.subjects(RDF.type, kind)}
    uncovered = [
        c
        for c in classes
        if isinstance(c, URIRef) and not targets & set(ontology.transitive_objects(c, RDFS.subClassOf))
    ]
    assert not uncovered, f"add the root classes of {sorted(uncovered)} to EnglishLabelShape's sh:targetClass"


def test_ontology_terms_are_not_label_targets() -> None:
    """The ontology's own classes and properties are checked by lint, not by EnglishLabelShape."""
    ontology = Graph().parse(REPO / "ontology" / "catkg.ttl")
    results = shacl_results(ontology, _shapes())
    assert results == [], results


VALID_PARTICIPANTS = {
    "named": "cat:participant <https://w3id.org/catkg/id/person/someone>",
    "country": "cat:forCountry <https://w3id.org/catkg/id/country/xx>",
    "described": 'cat:participantDescription "scientists from member states"',
}


@pytest.mark.parametrize("participant", sorted(VALID_PARTICIPANTS))
def test_a_participant_may_be_named_a_country_or_a_description(participant: str) -> None:
    data = Graph().parse(REPO / "ontology" / "catkg.ttl")
    data.parse(
        data=f"""@prefix cat: <https://w3id.org/catkg/ontology#> . @prefix id: <https://w3id.org/catkg/id/> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        id:p a cat:Participation ; rdfs:label "P"@en ; {VALID_PARTICIPANTS[participant]} .
        """,
        format="turtle",
    )
    shapes = [str(shape) for _, shape, *_ in shacl_results(data, _shapes())]
    assert str(SHAPES.ParticipationShape) not in shapes, shapes


def test_pyshacl_view_of_the_shapes_gives_the_same_results(tmp_path: Path) -> None:
    """shacl_results hands pySHACL the shapes without documentation; the full graph finds the same."""
    from pyshacl import validate

    data = Graph().parse(REPO / "ontology" / "catkg.ttl")
    for fixture in sorted(SHAPE_FIXTURES.glob("*.ttl")):
        data.parse(fixture)
    ours = {(str(f), str(s), str(m)) for f, s, m, _v, _sev in shacl_results(data, _shapes())}
    _conforms, report, _text = validate(data, shacl_graph=_shapes(), inference="none", advanced=False)
    theirs = {
        (
            str(report.value(r, SH.focusNode)),
            str(report.value(r, SH.sourceShape)),
            str(report.value(r, SH.resultMessage)),
        )
        for r in report.subjects(RDF.type, SH.ValidationResult)
    }
    assert ours == theirs and len(ours) >= len(list(SHAPE_FIXTURES.glob("*.ttl")))


def test_shacl_sees_each_asserted_triple_once_and_no_inferred_triple(tmp_path: Path) -> None:
    project = load_project(copy_project(MINI, tmp_path / "mini"))
    view = data_graph(project)
    union = {triple for graph in project.dataset.graphs() for triple in graph}
    assert sorted(view) == sorted(union) and len(view) == len(union)
    with pytest.raises(TypeError, match="read-only"):
        view.add((URIRef("urn:x"), RDFS.label, Literal("x")))
    assert len(project.dataset) == len(union)  # the refused add left no graph of its own behind
    materialise(project.dataset)
    assert len(Graph(store=project.dataset.store, identifier=INFERRED_GRAPH)) > 0
    with pytest.raises(ValueError, match="before reasoning"):
        data_graph(project)
    assert isinstance(view, UnionView)
