"""GraphML of the entity graph: XML-safe strings, nothing lost, and the bytes networkx's writer makes."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from conftest import REPO

from catkg.entity_graph import build_entity_graph
from catkg.graphml import EDGE_ATTRIBUTES, NODE_ATTRIBUTES, edge_records, node_records, write_graphml
from catkg.load import load_project

# Characters XML 1.0 cannot carry, in a node's id and an edge's key as well as in labels.
BAD, SAFE = "urn:x:a\x01b", "urn:x:a\ufffdb"
# Characters XML escapes, in text and in attribute values (whitespace in attributes included).
ESCAPED = "urn:x:&<>\"' \t\n\r é😀 ]]>"


def _entities() -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for node, label in ((BAD, "Label\x02"), ("urn:x:c", "C"), (ESCAPED, ESCAPED), ("urn:x:empty", "")):
        types = ["Organization", "Agent"]
        graph.add_node(node, label=label, type="Organization", types=types, sources=["s1"])
    bad_key = "urn:p:q\x03"
    graph.add_edge(BAD, "urn:x:c", key=bad_key, property=bad_key, label="knows", sources=["s1", "s2"])
    graph.add_edge("urn:x:c", BAD, key="urn:p:r", property="urn:p:r", label="knows back", sources=[])
    graph.add_edge(ESCAPED, ESCAPED, key=ESCAPED, property=ESCAPED, label=ESCAPED, sources=[ESCAPED])
    return graph


def _written_by_networkx(graph: nx.MultiDiGraph, path: Path) -> bytes:
    flat = nx.MultiDiGraph()
    for node, values in node_records(graph):
        flat.add_node(node, **dict(zip(NODE_ATTRIBUTES, values, strict=True)))
    for s, o, key, values in edge_records(graph):
        flat.add_edge(s, o, key=key, **dict(zip(EDGE_ATTRIBUTES, values, strict=True)))
    nx.write_graphml_lxml(flat, path)
    return path.read_bytes()


def test_entity_graph_round_trips_through_graphml(tmp_path: Path) -> None:
    path = tmp_path / "graph.graphml"
    write_graphml(_entities(), path)
    read = nx.read_graphml(path, force_multigraph=True)
    assert set(read.nodes) == {SAFE, "urn:x:c", ESCAPED, "urn:x:empty"}
    assert read.nodes[SAFE] == {
        "iri": SAFE,
        "label": "Label\ufffd",
        "type": "Organization",
        "types": "Organization; Agent",
        "sources": "s1",
    }
    # An XML parser reads a carriage return in text as a line feed unless it is escaped.
    assert read.nodes[ESCAPED]["label"] == ESCAPED
    edges = {(s, o, data["property"], data["label"], data["sources"]) for s, o, data in read.edges(data=True)}
    assert edges == {
        (SAFE, "urn:x:c", "urn:p:q\ufffd", "knows", "s1; s2"),
        ("urn:x:c", SAFE, "urn:p:r", "knows back", ""),
        (ESCAPED, ESCAPED, ESCAPED, ESCAPED, ESCAPED),
    }
    assert {key for _, _, key in read.edges(keys=True)} == {"urn:p:q\ufffd", "urn:p:r", ESCAPED}


def _curated() -> nx.MultiDiGraph:
    project = load_project(REPO)
    return build_entity_graph(project.dataset, project.graph_triples)


def _without_edges() -> nx.MultiDiGraph:
    graph = _entities()
    graph.remove_edges_from(list(graph.edges(keys=True)))
    return graph


@pytest.mark.parametrize(
    "graph",
    [_entities, _curated, _without_edges, nx.MultiDiGraph],
    ids=["escapes", "curated", "no edges", "empty"],
)
def test_graphml_is_byte_for_byte_what_networkx_writes(graph, tmp_path: Path) -> None:
    entities = graph()
    write_graphml(entities, tmp_path / "ours.graphml")
    assert (tmp_path / "ours.graphml").read_bytes() == _written_by_networkx(entities, tmp_path / "nx.graphml")


def test_graphml_written_in_many_batches_is_the_same(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    entities = _curated()
    write_graphml(entities, tmp_path / "whole.graphml")
    monkeypatch.setattr("catkg.graphml._BATCH", 7)
    write_graphml(entities, tmp_path / "batched.graphml")
    batched = (tmp_path / "batched.graphml").read_bytes()
    assert batched == (tmp_path / "whole.graphml").read_bytes()
    assert batched == _written_by_networkx(entities, tmp_path / "nx.graphml")
