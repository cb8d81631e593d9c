"""The network page in a real Chromium: offline, counts, search, legend, filters, highlight, inert labels."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import pytest

from catkg.entity_graph import build_entity_graph
from catkg.load import load_project
from catkg.network import chromium_browser, write_dataset_network

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
NETWORK = REPO / "tests" / "fixtures" / "network"
ID = "https://w3id.org/catkg/id/"
SCRIPT_LABEL = "<script>alert(1)</script>"
IMG_LABEL = "<img src=x onerror=alert(2)>"


@dataclass
class Log:
    """What a page did besides drawing: requests that would leave the file, errors, dialogs."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def chromium(chromium_path: str) -> Iterator[object]:
    with chromium_browser(chromium_path) as browser:
        yield browser


@pytest.fixture(scope="module")
def fixture_page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, nx.MultiDiGraph]:
    dataset = load_project(NETWORK).dataset
    return write_dataset_network(dataset, tmp_path_factory.mktemp("browser")), build_entity_graph(dataset)


def open_page(chromium, path: Path):
    """Open `path` with every non-file request blocked and recorded; wait until the page has frozen."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    log = Log()

    def block(route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            log.requests.append(url)
            route.abort()

    context.route("**/*", block)
    page = context.new_page()
    page.on("request", lambda r: None if r.url.startswith(("file:", "data:")) else log.requests.append(r.url))
    page.on("console", lambda m: log.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log.errors.append(str(e)))
    page.on("dialog", lambda d: (log.dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    # The page sets data-ready once stabilised and frozen (a selector wait: the page's CSP forbids eval).
    page.wait_for_selector("body[data-ready=true]", state="attached", timeout=60_000)
    return page, log


@pytest.fixture
def loaded(chromium, fixture_page):
    page, log = open_page(chromium, fixture_page[0])
    yield page, log, fixture_page[1]
    page.context.close()


CENTRED = """(() => {
  const net = catkg.network, box = document.getElementById('catkg-network').getBoundingClientRect();
  const p = net.canvasToDOM(net.getPosition(net.getSelectedNodes()[0]));
  return Math.abs(p.x - box.width / 2) < 5 && Math.abs(p.y - box.height / 2) < 5;
})()"""


def poll(page, expression: str, expected: object, attempts: int = 40) -> bool:
    """Evaluate until it returns `expected` (the page's CSP rules out wait_for_function's eval)."""
    for _ in range(attempts):
        if page.evaluate(expression) == expected:
            return True
        page.wait_for_timeout(100)
    return False


def visible_ids(page) -> list[str]:
    return sorted(page.evaluate("catkg.nodes.getIds({filter: n => !n.hidden})"))


def hover(page, node: str) -> str:
    """Move the mouse onto `node` and return the tooltip element's text."""
    point = page.evaluate(f"catkg.network.canvasToDOM(catkg.network.getPosition({node!r}))")
    box = page.locator("#catkg-network").bounding_box()
    page.mouse.move(box["x"] + point["x"], box["y"] + point["y"])
    tip = page.locator("div.vis-tooltip")
    tip.wait_for(state="visible", timeout=5000)
    return tip.inner_text()


def test_page_loads_offline_with_no_errors_and_freezes(loaded) -> None:
    page, log, _ = loaded
    assert log.requests == []
    assert log.errors == []
    assert page.evaluate("catkg.network.physics.physicsEnabled") is False


def test_rendered_counts_equal_the_entity_graph(loaded) -> None:
    page, _, graph = loaded
    assert page.evaluate("[catkg.nodes.length, catkg.edges.length]") == [
        graph.number_of_nodes(),
        graph.number_of_edges(),
    ]
    assert sorted(page.evaluate("catkg.nodes.getIds()")) == sorted(graph.nodes)
    assert page.evaluate("catkg.edges.get().every(e => e.arrows === 'to' && e.label)") is True


def test_search_box_focuses_the_entity_by_label_or_alt_label(loaded) -> None:
    page, _, _ = loaded
    for text, expected in (
        ("MOST", "org/most"),
        ("catf 2021", "event/forum-2021"),
        ("Guangx", "place/guangxi"),
    ):
        page.fill("#catkg-search", text)
        page.press("#catkg-search", "Enter")
        assert page.evaluate("catkg.network.getSelectedNodes()") == [ID + expected]
        # Focused: once the 400 ms animation ends the node sits in the middle of the canvas.
        assert poll(page, CENTRED, True)
    page.fill("#catkg-search", "Atlantis")
    page.press("#catkg-search", "Enter")
    assert page.inner_text("#catkg-status") == "No entity matches \u201cAtlantis\u201d."


def test_legend_lists_classes_with_counts_and_toggles_them(loaded) -> None:
    page, _, graph = loaded
    assert page.locator("#catkg-legend button").all_inner_texts() == [
        "Edition\n2",
        "Organization\n4",
        "Place\n4",
    ]
    places = sorted(n for n, d in graph.nodes(data=True) if d["type"] == "Place")
    page.click('#catkg-legend button[data-cls="Place"]')
    assert sorted(set(graph.nodes) - set(visible_ids(page))) == places
    assert page.get_attribute('#catkg-legend button[data-cls="Place"]', "aria-pressed") == "false"
    page.click('#catkg-legend button[data-cls="Place"]')
    assert visible_ids(page) == sorted(graph.nodes)


def test_year_and_edition_filters(loaded) -> None:
    page, _, _ = loaded
    page.select_option("#catkg-period", "year:2020")
    # The 2020 edition and the undated entities linked to it.
    assert visible_ids(page) == [ID + "event/forum-2020", ID + "org/most", ID + "place/nanning"]
    page.select_option("#catkg-period", label="9th Forum (2021)")
    assert ID + "org/evil-img" in visible_ids(page) and ID + "event/forum-2020" not in visible_ids(page)
    page.select_option("#catkg-period", "")
    assert len(visible_ids(page)) == 10


def test_clicking_a_node_highlights_its_neighbourhood(loaded) -> None:
    page, _, _ = loaded
    node = ID + "place/nanning"
    point = page.evaluate(f"catkg.network.canvasToDOM(catkg.network.getPosition({node!r}))")
    box = page.locator("#catkg-network").bounding_box()
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    assert page.evaluate("catkg.highlighted") == node
    faded = sorted(page.evaluate("catkg.nodes.getIds({filter: n => n.opacity < 1})"))
    assert faded == sorted(
        ID + s
        for s in ("org/most", "org/gxst", "org/evil-script", "org/evil-img", "place/china", "place/vientiane")
    )


def test_hover_shows_type_dates_values_and_sources(loaded) -> None:
    page, _, _ = loaded
    text = hover(page, ID + "event/forum-2020")
    for expected in (
        "8th Forum",
        "Edition",
        "start date",
        "2020-11-26",
        "CATF 2020",
        "Forum opens in Nanning",
    ):
        assert expected in text
    assert "Example Wire, 2020-11-26" in text


def test_script_and_onerror_labels_stay_inert_text(loaded) -> None:
    page, log, _ = loaded
    assert page.evaluate("window.catkgPwned") is None
    # The hostile labels are shown as text: in the tooltip, the search status and the name list.
    tip = hover(page, ID + "org/evil-script")
    assert SCRIPT_LABEL in tip
    assert page.locator("div.vis-tooltip script, div.vis-tooltip img").count() == 0
    assert IMG_LABEL in hover(page, ID + "org/evil-img")
    assert "<b onmouseover=alert(3)>Ninth forum</b>" in hover(page, ID + "event/forum-2021")
    assert page.locator("div.vis-tooltip b").count() == 0
    page.fill("#catkg-search", IMG_LABEL)
    page.press("#catkg-search", "Enter")
    assert page.inner_text("#catkg-status") == f"Found: {IMG_LABEL} (Organization)"
    assert page.evaluate(
        f"[...document.querySelectorAll('#catkg-names option')].some(o => o.value === {SCRIPT_LABEL!r})"
    )
    # Nothing was injected: no image, no extra script, no dialog, no request.
    assert page.locator("img").count() == 0
    assert page.evaluate("document.scripts.length") == 2
    assert page.locator("svg[onload], [onerror], [onmouseover]").count() == 0
    assert log.dialogs == [] and log.requests == [] and log.errors == []


def test_real_page_loads_offline_and_matches_the_real_graph(chromium, real_dist: Path) -> None:
    from catkg.analytics import built_entity_graph

    graph, _ = built_entity_graph(real_dist)
    page, log = open_page(chromium, real_dist / "network.html")
    try:
        assert page.evaluate("[catkg.nodes.length, catkg.edges.length]") == [
            graph.number_of_nodes(),
            graph.number_of_edges(),
        ]
        assert log.requests == [] and log.errors == [] and log.dialogs == []
        page.fill("#catkg-search", "CATTC")
        page.press("#catkg-search", "Enter")
        assert page.evaluate("catkg.network.getSelectedNodes()") == [ID + "org/cattc"]
    finally:
        page.context.close()


def test_large_page_starts_frozen_fitted_and_selects_neighbourhoods(chromium, tmp_path: Path) -> None:
    from catkg.network import PHYSICS_LIMIT, synthetic_graph, write_network

    graph, sources = synthetic_graph(PHYSICS_LIMIT + 100)
    page, log = open_page(chromium, write_network(graph, tmp_path / "large.html", sources))
    try:
        assert page.evaluate("[catkg.nodes.length, catkg.edges.length]") == [
            len(graph),
            graph.number_of_edges(),
        ]
        assert page.evaluate("catkg.network.physics.physicsEnabled") is False
        assert page.evaluate("catkg.network.getScale()") < 1  # fitted to the whole layout
        node = sorted(graph)[7]
        page.evaluate(f"catkg.highlight({node!r})")
        neighbourhood = {node, *graph.to_undirected(as_view=True)[node]}
        assert set(page.evaluate("catkg.network.getSelectedNodes()")) == neighbourhood
        assert log.requests == [] and log.errors == []
    finally:
        page.context.close()


def test_capped_page_says_what_it_leaves_out(chromium, tmp_path: Path) -> None:
    from catkg.network import synthetic_graph, write_network

    graph, sources = synthetic_graph(80)
    page, log = open_page(chromium, write_network(graph, tmp_path / "capped.html", sources, limit=50))
    try:
        assert page.evaluate("catkg.nodes.length") == 50
        counts = page.inner_text("#catkg-counts")
        assert counts.startswith("50 entities, ")
        assert f"the most connected of 80 entities and {graph.number_of_edges()} links" in counts
        assert log.requests == [] and log.errors == []
    finally:
        page.context.close()
