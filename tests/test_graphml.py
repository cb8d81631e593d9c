"""GraphML is written from the entity graph flattened in place: XML-safe strings, nothing lost."""

from __future__ import annotations

from pathlib import Path

import networkx as nx

from catkg.entity_graph import flatten_for_graphml

# Characters XML 1.0 cannot carry, in a node's id and an edge's key as well as in labels.
BAD, SAFE = "urn:x:a\x01b", "urn:x:a\ufffdb"


def _entities() -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    for node, label in ((BAD, "Label\x02"), ("urn:x:c", "C")):
        types = ["Organization", "Agent"]
        graph.add_node(node, label=label, type="Organization", types=types, sources=["s1"])
    bad_key = "urn:p:q\x03"
    graph.add_edge(BAD, "urn:x:c", key=bad_key, property=bad_key, label="knows", sources=["s1", "s2"])
    graph.add_edge("urn:x:c", BAD, key="urn:p:r", property="urn:p:r", label="knows back", sources=[])
    return graph


def test_flattened_entity_graph_round_trips_through_graphml(tmp_path: Path) -> None:
    path = tmp_path / "graph.graphml"
    nx.write_graphml_lxml(flatten_for_graphml(_entities()), path)
    read = nx.read_graphml(path, force_multigraph=True)
    assert set(read.nodes) == {SAFE, "urn:x:c"}
    assert read.nodes[SAFE] == {
        "iri": SAFE,
        "label": "Label\ufffd",
        "type": "Organization",
        "types": "Organization; Agent",
        "sources": "s1",
    }
    edges = {(s, o, data["property"], data["label"], data["sources"]) for s, o, data in read.edges(data=True)}
    assert edges == {
        (SAFE, "urn:x:c", "urn:p:q\ufffd", "knows", "s1; s2"),
        ("urn:x:c", SAFE, "urn:p:r", "knows back", ""),
    }
