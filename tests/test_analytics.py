"""Analytics on the entity graph: name lookup, shortest paths, centrality, communities, views, CLI."""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from catkg.analytics import (
    EntityLookupError,
    by_classes,
    centrality,
    communities,
    ego,
    format_hop,
    resolve,
    schema_graph,
    shortest_path,
)
from catkg.cli import app
from catkg.entity_graph import build_entity_graph
from catkg.load import load_project

REPO = Path(__file__).resolve().parents[1]
NETWORK = REPO / "tests" / "fixtures" / "network"
ID = "https://w3id.org/catkg/id/"


def entity(graph: nx.MultiDiGraph, slug: str, label: str, cls: str = "Thing", alt=()) -> str:
    iri = ID + slug
    graph.add_node(
        iri, label=label, type=cls, type_label=cls, types=[cls], sources=[], values={}, alt_labels=list(alt)
    )
    return iri


def link(graph: nx.MultiDiGraph, s: str, o: str, prop: str) -> None:
    graph.add_edge(s, o, key="p:" + prop, property="p:" + prop, label=prop, sources=[])


@pytest.fixture
def chain() -> nx.MultiDiGraph:
    """a -knows-> b <-employs- c -in-> d, plus e linked to nothing, plus a star around hub."""
    g = nx.MultiDiGraph()
    a, b, c, d = (entity(g, f"x/{n}", n.upper(), "Person") for n in "abcd")
    entity(g, "x/e", "E", "Place", alt=["Island"])
    link(g, a, b, "knows")
    link(g, c, b, "employs")
    link(g, c, d, "in")
    hub = entity(g, "x/hub", "Hub", "Org")
    for n in range(4):
        leaf = entity(g, f"x/leaf{n}", f"Leaf {n}", "Org")
        link(g, hub, leaf, "has")
    link(g, hub, a, "has")
    return g


@pytest.fixture(scope="module")
def network_graph() -> nx.MultiDiGraph:
    return build_entity_graph(load_project(NETWORK).dataset)


def test_path_follows_links_either_way_and_names_each_property(chain: nx.MultiDiGraph) -> None:
    hops = shortest_path(chain, ID + "x/a", ID + "x/d")
    assert [(h.property_label, h.forward) for h in hops] == [
        ("knows", True),
        ("employs", False),
        ("in", True),
    ]
    assert [format_hop(chain, h) for h in hops] == ["A --knows--> B", "B <--employs-- C", "C --in--> D"]


def test_path_to_an_unlinked_entity_is_none(chain: nx.MultiDiGraph) -> None:
    assert shortest_path(chain, ID + "x/a", ID + "x/e") is None


def test_path_between_parallel_links_prefers_the_forward_one() -> None:
    g = nx.MultiDiGraph()
    a, b = entity(g, "x/a", "A"), entity(g, "x/b", "B")
    link(g, b, a, "hosts")
    link(g, a, b, "hosted by")
    assert format_hop(g, shortest_path(g, a, b)[0]) == "A --hosted by--> B"


def test_centrality_ranks_the_hub_by_degree_and_the_bridge_by_betweenness(chain: nx.MultiDiGraph) -> None:
    ranked = {c.label: c for c in centrality(chain)}
    assert ranked["Hub"].degree == 5 and ranked["Hub"].degree_rank == 1
    # Hub joins 4 leaves to everything else: most shortest paths run through it.
    assert ranked["Hub"].betweenness_rank == 1
    assert ranked["Leaf 0"].betweenness == 0.0
    # On the path a - b - c - d, the inner nodes bridge and the ends do not.
    assert ranked["B"].betweenness > 0 and ranked["D"].betweenness == 0.0
    assert ranked["E"].degree == 0 and ranked["E"].degree_rank == len(ranked)


def test_centrality_of_a_path_graph_is_the_known_closed_form() -> None:
    g = nx.MultiDiGraph()
    nodes = [entity(g, f"p/{i}", f"P{i}") for i in range(5)]
    for s, o in itertools.pairwise(nodes):
        link(g, s, o, "next")
    ranked = {c.label: c for c in centrality(g)}
    # Path of 5: the middle node lies on 4 of the 6 pairs it is not part of: 4 / ((5-1)(5-2)/2) = 2/3.
    assert ranked["P2"].betweenness == pytest.approx(2 / 3, abs=1e-6)
    assert ranked["P1"].betweenness == pytest.approx(0.5, abs=1e-6)
    assert ranked["P2"].betweenness_rank == 1 and ranked["P0"].betweenness == 0.0


def test_communities_are_a_seeded_partition(chain: nx.MultiDiGraph) -> None:
    found = communities(chain)
    assert sorted(n for c in found for n in c) == sorted(chain.nodes)
    assert found == communities(chain)
    assert [ID + "x/e"] in found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nanning", "place/nanning"),
        ("nanning ", "place/nanning"),
        ("MOST", "org/most"),
        ("event/forum-2021", "event/forum-2021"),
        (ID + "place/china", "place/china"),
        ("<script>alert(1)</script>", "org/evil-script"),
    ],
)
def test_resolve_finds_labels_alt_labels_and_iris(network_graph, text: str, expected: str) -> None:
    assert resolve(network_graph, text) == ID + expected


def test_resolve_unknown_name_suggests_close_matches(network_graph) -> None:
    with pytest.raises(EntityLookupError) as caught:
        resolve(network_graph, "Nanningg")
    assert "Nanning" in caught.value.suggestions
    assert "did you mean 'Nanning'" in str(caught.value)


def test_resolve_shared_label_lists_the_candidates() -> None:
    g = nx.MultiDiGraph()
    entity(g, "x/one", "Twin")
    entity(g, "x/two", "Twin")
    with pytest.raises(EntityLookupError, match="names 2 entities"):
        resolve(g, "Twin")


def test_ego_and_class_views(network_graph) -> None:
    around = ego(network_graph, ID + "event/forum-2021", 1)
    assert sorted(around) == sorted(
        ID + s for s in ("event/forum-2021", "org/gxst", "place/nanning", "org/evil-script", "org/evil-img")
    )
    # Two links out reaches through Nanning to Guangxi and the other edition, not to China.
    assert set(ego(network_graph, ID + "event/forum-2021", 2)) - set(around) == {
        ID + "place/guangxi",
        ID + "event/forum-2020",
    }
    places = by_classes(network_graph, ["place"])
    assert {network_graph.nodes[n]["type"] for n in places} == {"Place"} and len(places) == 4
    with pytest.raises(EntityLookupError, match="did you mean 'Place'"):
        by_classes(network_graph, ["Plaec"])


def test_schema_graph_has_classes_subclass_links_and_domain_range_edges() -> None:
    schema = schema_graph(load_project(NETWORK).dataset)
    cat = "https://w3id.org/catkg/ontology#"
    edges = {
        (s.split("#")[-1].split("/")[-1], d["label"], o.split("#")[-1].split("/")[-1])
        for s, o, d in schema.edges(data=True)
    }
    assert ("Edition", "subclass of", "Event") in edges
    assert ("Event", "held in", "Place") in edges
    assert ("Event", "subclass of", "Event") in edges  # cat:Event -> schema:Event, the aligned class
    assert schema.nodes[cat + "Event"]["values"]["data properties"] == ["start date"]


# --- the commands, on the network fixture built once -------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from catkg.build import build

    out = tmp_path_factory.mktemp("analytics") / "dist"
    # The options `catkg path/viz/stats` build with, so their up-to-date check finds this build.
    assert build(NETWORK, out).exit_code == 0
    return out


def cli(*args: str, dist: Path):
    return CliRunner().invoke(app, [*args, "--root", str(NETWORK), "--dist", str(dist)])


def test_cli_path_prints_each_hop_with_its_direction(built: Path) -> None:
    result = cli("path", "MOST", "China", dist=built)
    assert result.exit_code == 0, result.output
    assert "4 link(s)" in result.output
    assert "Ministry of Science and Technology <--hosted by-- 8th Forum" in result.output
    assert "Guangxi --located in--> China" in result.output


def test_cli_path_without_connection_exits_1(built: Path) -> None:
    result = cli("path", "MOST", "Vientiane", dist=built)
    assert result.exit_code == 1
    assert "no connection between Ministry of Science and Technology and Vientiane" in result.output


def test_cli_path_unknown_name_exits_2_with_suggestion(built: Path) -> None:
    result = cli("path", "MOTS", "China", dist=built)
    assert result.exit_code == 2
    assert "did you mean 'MOST'" in result.output
    assert "Traceback" not in result.output


def test_cli_stats_central_ranks_degree_and_betweenness(built: Path) -> None:
    result = CliRunner().invoke(app, ["stats", "--central", "2", "--root", str(NETWORK), "--out", str(built)])
    assert result.exit_code == 0, result.output
    degree_table, between_table = result.output.split("best bridges (betweenness)")
    assert "9th Forum" in degree_table.split("most connected (degree)")[1]
    assert between_table.index("Nanning") < between_table.index("9th Forum")


def test_real_graph_editions_connect_through_their_organiser(real_dist: Path) -> None:
    from catkg.analytics import built_entity_graph

    graph, _ = built_entity_graph(real_dist)
    hops = shortest_path(graph, resolve(graph, "event/forum-2020"), resolve(graph, "event/forum-2022"))
    # Two links: both editions were organised by the China-ASEAN Technology Transfer Center and held in
    # Nanning, so the middle entity is one of the things they share.
    assert len(hops) == 2
    undirected = graph.to_undirected(as_view=True)
    shared = set(undirected[ID + "event/forum-2020"]) & set(undirected[ID + "event/forum-2022"])
    assert {ID + "org/cattc", ID + "place/nanning"} <= shared
    assert hops[0].target in shared
    assert all(h.property_label and h.property.startswith("https://w3id.org/catkg/ontology#") for h in hops)
    ranked = [c for c in centrality(graph) if c.type == "edition"]
    assert ranked[0].node == ID + "event/forum-2022"


def test_cli_viz_writes_an_ego_network(built: Path) -> None:
    result = cli("viz", "--focus", "9th forum", "--depth", "1", dist=built)
    assert result.exit_code == 0, result.output
    assert "5 nodes, 4 links" in result.output
    html = (built / "network-9th-forum-depth-1.html").read_text(encoding="utf-8")
    assert "Guangxi Science and Technology Department" in html and "Vientiane" not in html


def test_cli_viz_class_view_and_schema(built: Path, tmp_path: Path) -> None:
    result = cli("viz", "--classes", "Place", "--out", str(tmp_path / "places.html"), dist=built)
    assert result.exit_code == 0 and "4 nodes, 2 links" in result.output
    result = cli("viz", "--schema", "--out", str(tmp_path / "schema.html"), dist=built)
    assert result.exit_code == 0, result.output
    assert "subclass of" in (tmp_path / "schema.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--focus", "Naning"), "did you mean 'Nanning'"),
        (("--classes", "Plaec"), "did you mean 'Place'"),
        (("--out", "view.png"), "must end in .html"),
    ],
)
def test_cli_viz_bad_input_exits_2_with_a_hint(built: Path, args: tuple[str, ...], message: str) -> None:
    result = cli("viz", *args, dist=built)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
