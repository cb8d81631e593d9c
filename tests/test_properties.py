"""Property-based: any label survives build and exports; any malformed Turtle yields clean findings."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import networkx as nx
import pyoxigraph as ox
import pytest
from conftest import MINI, copy_project
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDFS

from catkg.build import build
from catkg.graphml import xml_text

ENTITY = "https://w3id.org/catkg/id/org/generated"
LABELS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=300).filter(
    lambda s: s.strip()
)
FINDING = re.compile(r"^[^\s:]+\.ttl:\d+(:\d+)?: (ERROR|WARN) \[[\w:-]+\] .+")


def _write_entity(project: Path, label: str) -> None:
    triples = [
        ox.Triple(
            ox.NamedNode(ENTITY),
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode("https://w3id.org/catkg/ontology#Organization"),
        ),
        ox.Triple(ox.NamedNode(ENTITY), ox.NamedNode(str(RDFS.label)), ox.Literal(label, language="en")),
    ]
    ox.serialize(triples, project / "graph/reference/generated.ttl", ox.RdfFormat.TURTLE)


def _labels_in(graph: Graph) -> set[Literal]:
    return set(graph.objects(URIRef(ENTITY), RDFS.label))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(label=LABELS)
@example(label="tab\tnew line\ncarriage\rcontrol \x01 \x0b end")
def test_any_label_survives_build_and_every_export(
    label: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = copy_project(MINI, tmp_path_factory.mktemp("prop") / "project")
    _write_entity(project, label)
    result = build(project, project / "dist", reasoner=False)
    assert result.exit_code == 0, [f.format() for f in result.findings]
    expected = {Literal(label, lang="en")}
    dist = project / "dist"
    for name, fmt in (("graph.ttl", "turtle"), ("graph.nt", "nt")):
        assert _labels_in(Graph().parse(dist / name, format=fmt)) == expected, name
    for name, fmt in (("graph.trig", "trig"), ("graph.jsonld", "json-ld")):
        dataset = Dataset(default_union=True)
        dataset.parse(dist / name, format=fmt)
        assert _labels_in(dataset) == expected, name
    store = ox.Store.read_only(str(dist / "store"))
    stored = {
        q.object.value
        for q in store.quads_for_pattern(ox.NamedNode(ENTITY), ox.NamedNode(str(RDFS.label)), None)
    }
    assert stored == {label}
    # GraphML is XML 1.0: characters it cannot carry at all arrive as U+FFFD, the rest unchanged.
    graphml = nx.read_graphml(dist / "graph.graphml")
    assert graphml.nodes[ENTITY]["label"] == xml_text(label)
    shutil.rmtree(project)


VALID = (MINI / "graph/facts/wire-2020.ttl").read_text(encoding="utf-8")


@st.composite
def mutated_turtle(draw: st.DrawFn) -> str:
    """The valid facts file with a few random deletions, insertions or swaps."""
    text = VALID
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["delete", "insert", "truncate"]))
        if action == "delete":
            text = text[:position] + text[position + draw(st.integers(1, 12)) :]
        elif action == "insert":
            text = (
                text[:position]
                + draw(st.text(alphabet="<>\"'.;,:@#_[]()\\ \nabc^0-", max_size=6))
                + text[position:]
            )
        else:
            text = text[:position]
    return text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=mutated_turtle())
def test_malformed_turtle_only_yields_clean_findings(
    text: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    project = copy_project(MINI, tmp_path_factory.mktemp("fuzz") / "project")
    (project / "graph/facts/wire-2020.ttl").write_text(text, encoding="utf-8")
    result = build(project, write=False, reasoner=False)
    assert result.exit_code in (0, 1, 2)
    for finding in result.findings:
        assert FINDING.match(finding.format()), finding.format()
        assert finding.line >= 1
    if result.exit_code:
        assert result.errors
    json.dumps([f.to_json() for f in result.findings])
    shutil.rmtree(project)
