"""The network page as a file: self-contained, nothing external, curated strings escaped, deterministic."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import networkx as nx
import pytest

from catkg.entity_graph import build_entity_graph
from catkg.load import load_project
from catkg.network import class_styles, node_years, source_metadata, write_dataset_network, write_network

REPO = Path(__file__).resolve().parents[1]
NETWORK = REPO / "tests" / "fixtures" / "network"
HOSTILE = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "</script><script>window.catkgPwned=1</script>",
    '"><svg onload=alert(4)>',
    "<b onmouseover=alert(3)>",
)
URL_ATTRIBUTES = {
    "src",
    "href",
    "action",
    "formaction",
    "poster",
    "data",
    "srcset",
    "xlink:href",
    "background",
}


class _Resources(HTMLParser):
    """Every URL-valued attribute in a page, and the text of its <style> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        self.urls += [value or "" for name, value in attrs if name in URL_ATTRIBUTES]
        if tag == "meta" and ("http-equiv", "refresh") in attrs:
            self.urls += [value or "" for name, value in attrs if name == "content"]

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def external_urls(html: str) -> list[str]:
    """URLs in src/href-like attributes or CSS url()/@import that leave the file: anything not data: or #."""
    parser = _Resources()
    parser.feed(html)
    css = "\n".join(parser.styles)
    found = (
        parser.urls
        + re.findall(r"url\(\s*['\"]?([^'\")]+)", css)
        + re.findall(r"@import\s+['\"]([^'\"]+)", css)
    )
    return [u for u in found if not u.strip().lower().startswith(("data:", "#")) and u.strip()]


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, nx.MultiDiGraph]:
    dataset = load_project(NETWORK).dataset
    return write_dataset_network(dataset, tmp_path_factory.mktemp("page")), build_entity_graph(dataset)


def test_external_url_check_catches_every_kind_of_external_resource() -> None:
    bad = (
        '<script src="https://cdn.example/vis.js"></script><link rel="stylesheet" href="http://x/b.css">'
        '<img src="//cdn.example/x.png"><style>@import "https://x/y.css"; a{background:url(http://x/i.png)}</style>'
    )
    assert len(external_urls(bad)) == 5
    assert (
        external_urls(
            '<link rel="icon" href="data:,"><style>a{background:url("data:image/png;base64,AA")}</style>'
        )
        == []
    )


def test_page_loads_nothing_external(page) -> None:
    path, _ = page
    html = path.read_text(encoding="utf-8")
    assert external_urls(html) == []
    assert "<script src" not in html and 'rel="stylesheet"' not in html
    assert "vis.Network" in html and "vis-network" in html  # vis-network is inlined, not linked


def test_page_writes_no_lib_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # pyvis's "local" mode copies lib/ into the working directory; the page must not need it.
    monkeypatch.chdir(tmp_path)
    g = nx.MultiDiGraph()
    g.add_node("n", label="N", type="T", type_label="T", types=["T"], sources=[], values={}, alt_labels=[])
    write_network(g, tmp_path / "out" / "page.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_curated_strings_never_appear_as_markup(page) -> None:
    html = page[0].read_text(encoding="utf-8")
    for hostile in HOSTILE:
        assert hostile not in html
    # Only the two script elements of the template (vis-network and the page's own) are in the file.
    assert len(re.findall(r"^<script\b", html, re.IGNORECASE | re.MULTILINE)) == 2
    assert "sourceMappingURL" not in html
    assert html.isascii()


def test_same_graph_gives_the_same_bytes(tmp_path: Path) -> None:
    dataset = load_project(NETWORK).dataset
    first = write_dataset_network(dataset, tmp_path / "a").read_bytes()
    second = write_dataset_network(load_project(NETWORK).dataset, tmp_path / "b").read_bytes()
    assert first == second


def page_data(html: str, name: str) -> object:
    """The JSON a page assigns to `var NAME = ...;` (tojson writes one line)."""
    return json.loads(re.search(rf"^  var {name} = (.*);$", html, re.MULTILINE).group(1))


def test_page_carries_every_entity_and_link(page) -> None:
    path, graph = page
    html = path.read_text(encoding="utf-8")
    nodes, edges = page_data(html, "RAW_NODES"), page_data(html, "RAW_EDGES")
    assert sorted(n["id"] for n in nodes) == sorted(graph.nodes)
    assert sorted((e["from"], e["to"], e["label"]) for e in edges) == sorted(
        (s, o, d["label"]) for s, o, d in graph.edges(data=True)
    )
    # The hostile labels survive as data, unchanged.
    assert {n["label"] for n in nodes} >= {HOSTILE[0], HOSTILE[1]}
    legend = {c["cls"]: c["count"] for c in page_data(html, "PAGE")["legend"]}
    assert legend == {"Edition": 2, "Organization": 4, "Place": 4}


def test_a_graph_above_the_limit_draws_its_most_connected_entities(tmp_path: Path) -> None:
    from catkg.network import synthetic_graph

    graph, sources = synthetic_graph(60)
    html = write_network(graph, tmp_path / "page.html", sources, limit=40).read_text(encoding="utf-8")
    drawn = {n["id"] for n in page_data(html, "RAW_NODES")}
    degree = graph.degree()
    assert len(drawn) == 40
    assert min(degree[n] for n in drawn) >= max(degree[n] for n in set(graph) - drawn)
    edges = page_data(html, "RAW_EDGES")
    assert len(edges) == graph.subgraph(drawn).number_of_edges()
    assert all(e["from"] in drawn and e["to"] in drawn for e in edges)
    page = page_data(html, "PAGE")
    assert page["counts"]["nodes"] == 40
    assert page["whole"] == {"nodes": 60, "edges": graph.number_of_edges()}
    assert sum(c["count"] for c in page["legend"]) == 40


@pytest.mark.parametrize("root", [NETWORK, REPO], ids=["network-fixture", "curated"])
def test_entity_graph_is_the_same_before_and_after_reasoning(root: Path) -> None:
    # The build draws the network in a child forked before reasoning: nothing it shows may depend on it.
    from catkg.reason import materialise

    dataset = load_project(root).dataset
    before = build_entity_graph(dataset)
    materialise(dataset)
    after = build_entity_graph(dataset)
    assert list(before.nodes(data=True)) == list(after.nodes(data=True))
    assert list(before.edges(keys=True, data=True)) == list(after.edges(keys=True, data=True))


def test_most_specific_class_follows_the_hierarchy_beyond_one_step() -> None:
    from rdflib import Dataset, URIRef
    from rdflib.namespace import RDFS

    from catkg.entity_graph import most_specific_class
    from catkg.namespaces import CAT, ONTOLOGY_GRAPH

    dataset = Dataset(default_union=True)
    ontology = dataset.graph(ONTOLOGY_GRAPH)
    zone, middle, area = URIRef(CAT + "Zone"), URIRef(CAT + "Middle"), URIRef(CAT + "Area")
    ontology.add((zone, RDFS.subClassOf, middle))
    ontology.add((middle, RDFS.subClassOf, area))
    # Typed with a class and its grandparent (no inferred graph yet): the class, not the grandparent.
    assert most_specific_class(dataset, {zone, area}) == zone


def test_class_styles_are_deterministic_and_distinct() -> None:
    classes = [f"C{i}" for i in range(30)]
    styles = class_styles(list(reversed(classes)))
    assert styles == class_styles(classes)
    pairs = {(s["shape"], s["color"]["background"]) for s in styles.values()}
    assert len(pairs) == 30


def test_years_come_from_dates_and_year_properties_only() -> None:
    values = {
        "start date": ["2021-09-10"],
        "value": ["2400"],
        "founding year": ["1997"],
        "as of": ["2020-11"],
    }
    assert node_years(values) == [1997, 2020, 2021]


def test_source_metadata_reads_title_publisher_and_date() -> None:
    sources = source_metadata(load_project(NETWORK).dataset)
    assert sources["wire-2020"].title == "Forum opens in Nanning"
    assert sources["wire-2020"].publisher == "Example Wire"
    assert sources["wire-2020"].date == "2020-11-26"


def test_source_metadata_shows_one_value_the_same_whatever_the_order_of_the_files() -> None:
    from rdflib import Dataset

    turtle = """
        @prefix dct: <http://purl.org/dc/terms/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix src: <https://w3id.org/catkg/source/> .
        src:a dct:title "Zeta", "Alpha" ; dct:date "2021-01-02" .
        src:b rdfs:label "Only a label" ; dct:issued "2020-05-06", "2020-05-05" ; dct:date "1999-01-01" .
        src:c dct:title "" ; rdfs:label "Empty title" .
    """
    sources = source_metadata(Dataset(default_union=True).parse(data=turtle, format="turtle"))
    assert sources["a"].title == "Alpha" and sources["a"].date == "2021-01-02"
    assert sources["b"].title == "Only a label" and sources["b"].date == "2020-05-05"
    assert sources["c"].title == "Empty title"


def test_build_publishes_network_html(tmp_path: Path) -> None:
    from catkg.build import build

    result = build(NETWORK, tmp_path / "dist", reasoner=False)
    assert result.exit_code == 0
    html = (tmp_path / "dist" / "network.html").read_text(encoding="utf-8")
    assert external_urls(html) == [] and "9th Forum" in html


def test_real_build_page_is_self_contained(real_dist: Path) -> None:
    html = (real_dist / "network.html").read_text(encoding="utf-8")
    assert external_urls(html) == []
    assert "China-ASEAN Technology Transfer Center" in html
