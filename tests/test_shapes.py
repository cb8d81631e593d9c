"""Every SHACL shape of the real project fails on its known-bad fixture, and only targeted shapes lack one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from catkg.build import build
from catkg.namespaces import SH, SHAPES

SHAPE_FIXTURES = FIXTURES / "invalid" / "shapes"
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


def _shapes() -> Graph:
    return Graph().parse(REPO / "ontology" / "shapes.ttl")


def _owned_names(shapes: Graph, shape: URIRef) -> set[str]:
    """The shape's own name and the names of its property shapes (the sourceShape of a result)."""
    owned = {shape} | set(shapes.objects(shape, SH.property))
    return {str(s).removeprefix(str(SHAPES)) for s in owned}


def test_every_targeted_shape_has_a_known_bad_fixture() -> None:
    shapes = _shapes()
    targeted = {s for t in TARGETS for s in shapes.subjects(t, None) if (s, RDF.type, SH.NodeShape) in shapes}
    names = {str(s).removeprefix(str(SHAPES)) for s in targeted}
    fixtures = {p.stem for p in SHAPE_FIXTURES.glob("*.ttl")}
    assert names and names <= fixtures, sorted(names - fixtures)


@pytest.mark.parametrize("fixture", sorted(SHAPE_FIXTURES.glob("*.ttl")), ids=lambda p: p.stem)
def test_shape_fails_on_its_fixture(fixture: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    shutil.copytree(REPO / "ontology", project / "ontology")
    (project / "graph" / "reference").mkdir(parents=True)
    shutil.copy(fixture, project / "graph" / "reference" / fixture.name)
    result = build(project, write=False, reasoner=False)
    shape = SHAPES[fixture.stem]
    owned = _owned_names(_shapes(), shape)
    fired = [f for f in result.findings if f.check.startswith("shacl:") and f.check[6:] in owned]
    assert fired, f"{fixture.name} does not fail {shape}; findings: {[f.format() for f in result.findings]}"
    assert all(f.path == f"graph/reference/{fixture.name}" for f in fired), [f.format() for f in fired]
    assert result.exit_code == 1
