"""The network page: the entity graph as one self-contained, offline HTML file written with pyvis.

vis-network's JS and CSS are read from the installed pyvis package and inlined, so the page loads
nothing over the network. Curated strings travel only as JSON inside a script (Jinja's `tojson`
escapes `<`, `>`, `&` and `'`) and reach the page as canvas text or through `textContent`, never as
HTML, so a label such as `<script>...` is shown, not run.
"""

from __future__ import annotations

import html
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import networkx as nx
from pyvis.network import Network
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS
from rdflib.term import Node

from catkg.entity_graph import build_entity_graph, english_label
from catkg.namespaces import SOURCE

TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATE = "network.html"

# Colour-blind-safe hues (Okabe-Ito, then Tableau) and label-below shapes, so every class keeps
# a readable label; colour and shape cycle with coprime periods, giving distinct pairs for 84 classes.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#7F7F7F",
    "#B8A200",
    "#6A3D9A",
    "#1B9E77",
    "#E7298A",
    "#8C564B",
)
SHAPES = ("dot", "diamond", "square", "triangle", "star", "triangleDown", "hexagon")

# The layout is computed here, seeded, so the page starts laid out and is the same on every build; the
# browser then polishes it with at most this many physics iterations and switches physics off. Above
# PHYSICS_LIMIT nodes vis-network's physics costs too much (~0.1 s per iteration at 1,000 nodes measured
# here; 150 iterations at 500 nodes took 3.8 s), so the page shows the precomputed layout with physics off
# from the start; above SPRING_LIMIT networkx's O(n^2) spring layout gives way to pivot MDS.
MAX_STABILISATION_ITERATIONS = 150
PHYSICS_LIMIT = 300
SPRING_LIMIT = 300
PIVOTS = 40
SEED = 7
MAX_LABEL = 48
# A page of more entities than the 5,000 the browser benchmark measures is slow to open and unreadable
# (at 1M triples the build spent 26 minutes laying one out): above it the page draws the most connected.
PAGE_LIMIT = 5000
_DATE = re.compile(r"^(\d{4})-\d{2}(-\d{2})?")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class SourceInfo:
    """What the page says about a source: its title, publisher and date."""

    title: str
    publisher: str
    date: str


def source_metadata(dataset: Dataset) -> dict[str, SourceInfo]:
    """Each source id's title, publisher (its label when it is an entity) and issue date, from sources.ttl.

    Where a source has several values for one of these, the first in code-point order is shown.
    """
    # One pass over each of these predicates' triples, keeping those about sources: a look-up per source
    # and predicate is a store query each (2.6 s for 36,000 sources at 1M triples).
    source_ns = str(SOURCE)
    described = (DCTERMS.title, RDFS.label, DCTERMS.publisher, DCTERMS.issued, DCTERMS.date)
    values: dict[URIRef, dict[URIRef, list[Node]]] = defaultdict(lambda: defaultdict(list))
    for predicate in described:
        for s, o in dataset.subject_objects(predicate):
            if isinstance(s, URIRef) and str.startswith(s, source_ns):
                values[s][predicate].append(o)
    publishers: dict[URIRef, str] = {}
    found: dict[str, SourceInfo] = {}
    for source in sorted(values):
        first = {p: min(objects, key=str) for p, objects in values[source].items()}
        title = first.get(DCTERMS.title) or first.get(RDFS.label)
        publisher = first.get(DCTERMS.publisher)
        if isinstance(publisher, URIRef):
            if publisher not in publishers:
                publishers[publisher] = english_label(dataset, publisher)
            publisher = publishers[publisher]
        issued = first.get(DCTERMS.issued) or first.get(DCTERMS.date)
        found[str(source).removeprefix(source_ns)] = SourceInfo(
            str(title) if title is not None else "",
            str(publisher) if publisher is not None else "",
            str(issued) if isinstance(issued, Literal) else "",
        )
    return found


def class_styles(classes: list[str]) -> dict[str, dict[str, object]]:
    """A deterministic colour and shape per class name (sorted, so the same classes always look the same)."""
    styles = {}
    for i, cls in enumerate(sorted(set(classes))):
        colour = PALETTE[i % len(PALETTE)]
        styles[cls] = {
            "shape": SHAPES[i % len(SHAPES)],
            "color": {
                "background": colour,
                "border": colour,
                "highlight": {"background": colour, "border": "#222222"},
                "hover": {"background": colour, "border": "#222222"},
            },
        }
    return styles


def node_years(values: dict[str, list[str]]) -> list[int]:
    """The years an entity's dates fall in (`YYYY-MM[-DD]` values, or `YYYY` for a property named *year*)."""
    years = set()
    for prop, items in values.items():
        for item in items:
            match = _DATE.match(item) or (_YEAR.match(item) if "year" in prop.casefold() else None)
            if match:
                years.add(int(match.group(1)))
    return sorted(years)


def _periods(graph: nx.MultiDiGraph, years: dict[str, list[int]], edition_classes: tuple[str, ...]) -> list:
    options: list[dict[str, str]] = [
        {"value": f"year:{y}", "label": str(y)} for y in sorted({y for ys in years.values() for y in ys})
    ]
    editions = [
        n for n, d in graph.nodes(data=True) if {d["type"], *d.get("types", [])} & set(edition_classes)
    ]
    for node in sorted(editions, key=lambda n: (years[n][:1] or [9999], graph.nodes[n]["label"], n)):
        when = f" ({years[node][0]})" if years[node] else ""
        options.append({"value": f"node:{node}", "label": f"{graph.nodes[node]['label']}{when}"})
    return options


def _pivot_mds(simple: nx.Graph, seed: int) -> dict[str, tuple[float, float]]:
    """Pivot MDS (Brandes & Pich): hop distances to a few seeded pivots, double-centred, top two axes."""
    import numpy as np
    from scipy.sparse.csgraph import shortest_path

    nodes = list(simple)
    adjacency = nx.to_scipy_sparse_array(simple, nodelist=nodes, format="csr")
    rng = np.random.default_rng(seed)
    pivots = rng.choice(len(nodes), size=min(PIVOTS, len(nodes)), replace=False)
    hops = shortest_path(adjacency, directed=False, unweighted=True, indices=pivots).T
    finite = np.isfinite(hops)
    # Separate components sit one hop beyond the farthest reachable node.
    hops[~finite] = (hops[finite].max() if finite.any() else 0) + 1
    squared = hops**2
    centred = squared - squared.mean(axis=0) - squared.mean(axis=1, keepdims=True) + squared.mean()
    left, singular, _ = np.linalg.svd(-0.5 * centred, full_matrices=False)
    coords = left[:, :2] * np.sqrt(singular[:2])
    if coords.shape[1] < 2:
        coords = np.hstack([coords, np.zeros((len(nodes), 2 - coords.shape[1]))])
    # Entities with the same hop distances to every pivot (siblings of one hub) land on one point:
    # a seeded jitter of a fraction of a hop spreads them so each stays visible and clickable.
    coords = coords + rng.normal(scale=0.35, size=coords.shape)
    return {n: (float(x), float(y)) for n, (x, y) in zip(nodes, coords, strict=True)}


def layout_positions(graph: nx.MultiDiGraph, seed: int = SEED) -> dict[str, tuple[float, float]]:
    """Seeded starting positions in page pixels: a spring layout, or pivot MDS for large graphs."""
    from catkg.analytics import simple_undirected

    simple = simple_undirected(graph)
    if len(simple) == 0:
        return {}
    raw = (
        nx.spring_layout(simple, seed=seed, iterations=100)
        if len(simple) <= SPRING_LIMIT
        else _pivot_mds(simple, seed)
    )
    # Scale so the layout's root-mean-square radius gives each entity about 60 px x 60 px of room.
    radius = (sum(x * x + y * y for x, y in raw.values()) / len(raw)) ** 0.5 or 1.0
    scale = 35.0 * len(raw) ** 0.5 / radius
    return {n: (round(float(x) * scale, 1), round(float(y) * scale, 1)) for n, (x, y) in raw.items()}


def short_label(label: str, limit: int = MAX_LABEL) -> str:
    """The label drawn on the canvas, cut at a word before `limit` characters; tooltips show it whole."""
    if len(label) <= limit:
        return label
    cut = label[:limit].rsplit(" ", 1)[0] if " " in label[:limit] else label[:limit]
    return cut.rstrip(" ,;:-") + "\u2026"


def vis_options(count: int, seed: int = SEED) -> dict[str, object]:
    """vis-network options: capped stabilisation then freeze, straight edges, readable fonts."""
    physics = count <= PHYSICS_LIMIT
    return {
        "autoResize": True,
        "layout": {"randomSeed": seed, "improvedLayout": False},
        "nodes": {
            # Large graphs draw labels only once zoomed in: thousands of stroked labels are what makes a
            # first frame slow, and at full view they would be unreadable anyway.
            "scaling": {
                "min": 10,
                "max": 26,
                "label": {"enabled": True, "min": 12, "max": 30, "drawThreshold": 6 if physics else 9},
            },
            "font": {"size": 14, "face": "system-ui, sans-serif", "strokeWidth": 4, "strokeColor": "#ffffff"},
            # Wrapping measures a label word by word: worth it only where labels are drawn at once.
            "widthConstraint": {"maximum": 220} if physics else False,
            "borderWidth": 1,
            "borderWidthSelected": 3,
        },
        "edges": {
            "arrows": {"to": {"enabled": True, "scaleFactor": 0.5}},
            "color": {"color": "#9aa3ad", "highlight": "#56606b", "hover": "#56606b", "inherit": False},
            "font": {
                "size": 10,
                "color": "#5b6470",
                "face": "system-ui, sans-serif",
                "strokeWidth": 3,
                "strokeColor": "#ffffff",
                "align": "middle",
            },
            "scaling": {"label": {"drawThreshold": 8 if physics else 12}},
            "smooth": False,
            "width": 1,
            "selectionWidth": 1,
        },
        "physics": {
            "enabled": physics,
            "solver": "forceAtlas2Based",
            "forceAtlas2Based": {
                "gravitationalConstant": -110,
                "centralGravity": 0.01,
                "springLength": 150,
                "springConstant": 0.06,
                "avoidOverlap": 0.8,
            },
            "stabilization": {
                "enabled": physics,
                "iterations": MAX_STABILISATION_ITERATIONS,
                "updateInterval": 25,
                "fit": True,
            },
            "minVelocity": 1.5,
        },
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "hideEdgesOnDrag": not physics,
            "hideEdgesOnZoom": not physics,
            "navigationButtons": False,
            "keyboard": {"enabled": True, "bindToWindow": False},
        },
    }


def _edge_smoothing(graph: nx.MultiDiGraph) -> dict[tuple[str, str, str], object]:
    """Straight lines, except that parallel links between one pair curve apart so each label shows."""
    seen: Counter[frozenset[str]] = Counter()
    smooth: dict[tuple[str, str, str], object] = {}
    for s, o, key in sorted(graph.edges(keys=True)):
        pair = frozenset((s, o))
        i = seen[pair]
        seen[pair] += 1
        smooth[(s, o, key)] = {"type": "curvedCW", "roundness": 0.25 * i} if i else False
    return smooth


def most_connected(graph: nx.MultiDiGraph, limit: int) -> nx.MultiDiGraph:
    """`graph` itself if it has at most `limit` entities, else its `limit` most linked ones (ties by IRI)."""
    if graph.number_of_nodes() <= limit:
        return graph
    degree = graph.degree()
    return graph.subgraph(sorted(graph.nodes, key=lambda n: (-degree[n], n))[:limit]).copy()


def make_network(
    whole: nx.MultiDiGraph,
    sources: dict[str, SourceInfo] | None = None,
    *,
    title: str = "CATKG network",
    edition_classes: tuple[str, ...] = ("Edition",),
    nouns: tuple[str, str] = ("entities", "links"),
    limit: int = PAGE_LIMIT,
) -> Network:
    """A pyvis Network for `whole` (its `limit` most linked entities) with the CATKG template and data."""
    sources = sources or {}
    graph = most_connected(whole, limit)
    net = Network(height="100%", width="100%", directed=True, cdn_resources="in_line", heading="")
    net.set_template_dir(str(TEMPLATE_DIR), TEMPLATE)
    classes = {n: d.get("type", "Thing") for n, d in graph.nodes(data=True)}
    styles = class_styles(list(classes.values()))
    years = {n: node_years(d.get("values", {})) for n, d in graph.nodes(data=True)}
    degree = dict(graph.degree())
    positions = layout_positions(graph)
    for node in sorted(graph.nodes):
        data = graph.nodes[node]
        info = {
            "iri": node,
            "label": data.get("label") or node,
            "type": data.get("type_label", classes[node]),
            "values": [[k, list(v)] for k, v in sorted(data.get("values", {}).items())],
            "alt": list(data.get("alt_labels", [])),
            "sources": [
                [sid, s.title, s.publisher, s.date] if (s := sources.get(sid)) else [sid, "", "", ""]
                for sid in data.get("sources", [])
            ],
        }
        net.add_node(
            node,
            label=short_label(data.get("label") or node),
            shape=styles[classes[node]]["shape"],
            group=classes[node],
            value=degree[node],
            x=positions[node][0],
            y=positions[node][1],
            cls=classes[node],
            years=years[node],
            names=[data.get("label") or node, *data.get("alt_labels", [])],
            info=info,
        )
    smooth = _edge_smoothing(graph)
    for i, (s, o, key, data) in enumerate(sorted(graph.edges(keys=True, data=True), key=lambda e: e[:3])):
        net.add_edge(
            s,
            o,
            id=f"e{i}",
            label=data.get("label", ""),
            smooth=smooth[(s, o, key)],
            info={"property": data.get("property", key), "sources": list(data.get("sources", []))},
        )
    options = vis_options(graph.number_of_nodes())
    options["groups"] = styles
    net.options = options
    legend = Counter(classes.values())
    labels = {
        d.get("type", "Thing"): d.get("type_label", d.get("type", "Thing")) for _, d in graph.nodes(data=True)
    }
    net.templateEnv.globals.update(
        vis_js=vis_asset("vis-network.min.js"),
        vis_css=vis_asset("vis-network.css"),
        title_html=html.escape(title).encode("ascii", "xmlcharrefreplace").decode("ascii"),
        page={
            "title": title,
            "legend": [
                {"cls": c, "label": labels[c], "count": legend[c], **styles[c]} for c in sorted(legend)
            ],
            "periods": _periods(graph, years, edition_classes),
            "counts": {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges()},
            "whole": {"nodes": whole.number_of_nodes(), "edges": whole.number_of_edges()},
            "nouns": list(nouns),
            # Fading the rest of a large graph means re-styling thousands of items (seconds); there
            # a click selects the neighbourhood instead, which vis-network draws without an update.
            "fade": graph.number_of_nodes() <= PHYSICS_LIMIT,
        },
    )
    return net


def vis_asset(name: str) -> str:
    """A vis-network file (`vis-network.min.js` or `.css`) from the installed pyvis, newest bundled."""
    lib = resources.files("pyvis") / "templates" / "lib"
    versions = [d for d in lib.iterdir() if d.name.startswith("vis-") and (d / name).is_file()]
    if not versions:
        raise FileNotFoundError(f"pyvis ships no {name}; reinstall pyvis>=0.3.2")

    def version(d) -> tuple[int, ...]:
        return tuple(int(p) for p in re.findall(r"\d+", d.name))

    text = (max(versions, key=version) / name).read_text(encoding="utf-8")
    # The file is inlined into a <script>/<style> element; a closing tag inside would end it early.
    if re.search(r"</(script|style)", text, re.IGNORECASE):
        raise ValueError(f"{name} contains a closing tag and cannot be inlined")
    # A source-map comment points DevTools at a file that is not shipped.
    text = re.sub(r"\n?/[/*]# sourceMappingURL=[^\n]*", "", text)
    if name.endswith(".js"):
        # Its few non-ASCII characters sit in string literals, where a \uXXXX escape means the same:
        # an ASCII page is written identically whatever the locale's encoding.
        text = re.sub(r"[^\x00-\x7f]", lambda m: f"\\u{ord(m.group()):04x}", text)
    if not text.isascii():
        raise ValueError(f"{name} is not ASCII and cannot be inlined unchanged")
    return text


def write_network(
    graph: nx.MultiDiGraph,
    path: Path,
    sources: dict[str, SourceInfo] | None = None,
    *,
    title: str = "CATKG network",
    nouns: tuple[str, str] = ("entities", "links"),
    limit: int = PAGE_LIMIT,
) -> Path:
    """Write `graph` (at most its `limit` most linked entities) as a self-contained offline HTML page."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    net = make_network(graph, sources, title=title, nouns=nouns, limit=limit)
    net.write_html(str(path))
    return path


def write_dataset_network(dataset: Dataset, out_dir: Path, name: str = "network.html") -> Path:
    """The build's publish step: the entity graph of `dataset` as `out_dir/network.html`."""
    return write_network(build_entity_graph(dataset), Path(out_dir) / name, source_metadata(dataset))


def synthetic_graph(nodes: int = 5000, seed: int = 1) -> tuple[nx.MultiDiGraph, dict[str, SourceInfo]]:
    """A seeded random entity graph shaped like CATKG's (classes, dates, sources, ~1.5 links per node)."""
    import random

    rng = random.Random(seed)
    classes = ["Edition", "Organization", "Country", "Person", "Programme", "Platform", "Agreement", "Place"]
    props = ["hosted by", "held in", "participant", "part of", "located in", "launched at", "signed by"]
    graph = nx.MultiDiGraph()
    sources = {
        f"src-{i}": SourceInfo(f"Article {i}", f"Publisher {i % 7}", f"20{20 + i % 3}-0{1 + i % 9}-1{i % 9}")
        for i in range(40)
    }
    for i in range(nodes):
        cls = classes[i % len(classes)]
        values = (
            {"start date": [f"{2015 + i % 8}-0{1 + i % 9}-1{i % 9}"]}
            if cls in ("Edition", "Agreement")
            else {}
        )
        graph.add_node(
            f"https://w3id.org/catkg/id/synthetic/n{i}",
            label=f"{cls} {i}",
            type=cls,
            type_label=cls,
            types=[cls],
            sources=[f"src-{i % 40}"],
            values=values,
            alt_labels=[f"{cls[:3].upper()}-{i}"],
        )
    ids = list(graph.nodes)
    for i, node in enumerate(ids):
        for _ in range(1 + (i % 2)):
            target = ids[rng.randrange(max(1, i))] if i else ids[rng.randrange(len(ids))]
            if target != node:
                prop = props[rng.randrange(len(props))]
                graph.add_edge(
                    node, target, key=f"p:{prop}", property=f"p:{prop}", label=prop, sources=["src-0"]
                )
    return graph, sources


CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


@contextmanager
def chromium_browser(executable: str = "/usr/bin/chromium") -> Iterator[object]:
    """A headless Playwright Chromium browser on the system's Chromium (never a downloaded one)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()


def bench_page(
    nodes: int = 5000,
    *,
    runs: int = 3,
    graph: nx.MultiDiGraph | None = None,
    sources: dict[str, SourceInfo] | None = None,
    out_dir: Path | None = None,
    chromium: str = "/usr/bin/chromium",
    timeout_s: float = 120.0,
) -> dict[str, object]:
    """Time a page in headless Chromium (open -> stabilised, responsive) and measure its size.

    The page shows `graph` (with `sources`) when given, else a seeded synthetic graph of `nodes` entities.

    Each run opens the page in a fresh tab; medians over `runs` are reported, with the load average,
    since on a shared machine the other processes move these figures more than the page does.
    """
    import os
    import statistics
    import tempfile

    if graph is None:
        graph, sources = synthetic_graph(nodes)
    probe = graph.nodes[sorted(graph)[len(graph) // 2]]["label"]
    samples: dict[str, list[float]] = {}

    def note(key: str, value: float) -> None:
        samples.setdefault(key, []).append(value)

    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        page_path = write_network(graph, Path(out_dir or tmp) / f"network-bench-{len(graph)}.html", sources)
        write_s = time.perf_counter() - began
        load_before = os.getloadavg()[0]
        with chromium_browser(chromium) as browser:
            for _ in range(runs):
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                page.route("http*://**", lambda route: route.abort())
                opened = time.perf_counter()
                page.goto(page_path.as_uri())
                page.wait_for_selector("body[data-ready=true]", state="attached", timeout=timeout_s * 1000)
                note("open_to_stabilised_s", time.perf_counter() - opened)
                # Responsive: the next two frames come and a search (find, select, highlight, focus) returns.
                frame_ms = page.evaluate(
                    "() => new Promise(r => { const t = performance.now();"
                    " requestAnimationFrame(() => requestAnimationFrame(() => r(performance.now() - t))); })"
                )
                searched = time.perf_counter()
                page.evaluate(f"window.catkg.search({probe!r}, {{animate: false}})")
                note("search_round_trip_ms", 1000 * (time.perf_counter() - searched))
                note("open_to_responsive_s", time.perf_counter() - opened)
                note("two_frames_ms", frame_ms)
                for key, value in page.evaluate("window.catkg.timings").items():
                    note(f"in_page_{key}_ms", value)
                if page.evaluate("window.catkg.network.physics.physicsEnabled"):
                    raise RuntimeError("physics still running after the page reported ready")
                page.close()
        size = page_path.stat().st_size
    return {
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "html_bytes": size,
        "write_s": round(write_s, 3),
        "runs": runs,
        "load_average_1min": round(load_before, 2),
        **{key: round(statistics.median(values), 3) for key, values in samples.items()},
    }


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:60] or "view"


def viz(
    dist: Path,
    *,
    focus: str | None = None,
    depth: int = 1,
    classes: list[str] | None = None,
    schema: bool = False,
    out: Path | None = None,
) -> tuple[Path, nx.MultiDiGraph]:
    """Write a view of a build as a page: the ontology (`schema`), an ego network, a class filter, or all.

    Raises catkg.analytics.EntityLookupError when `focus` or a class names nothing.
    """
    from catkg.analytics import built_entity_graph, by_classes, ego, load_built, resolve, schema_graph

    if schema:
        dataset = load_built(dist)
        view, title, name = schema_graph(dataset), "CATKG ontology: classes and properties", "schema"
        sources: dict[str, SourceInfo] = {}
        nouns = ("classes", "links")
    else:
        graph, dataset = built_entity_graph(dist)
        sources = source_metadata(dataset)
        view, title, parts = graph, "CATKG network", []
        nouns = ("entities", "links")
        centre = resolve(graph, focus) if focus else None
        if classes:
            kept = by_classes(graph, classes)
            view = graph.subgraph([*kept.nodes, *([centre] if centre else [])]).copy()
            title += f", classes {', '.join(classes)}"
            parts.append("classes-" + "-".join(_slug(c) for c in classes))
        if centre:
            view = ego(view, centre, depth)
            label = graph.nodes[centre]["label"]
            title += f", {depth} link(s) around {label}"
            parts.insert(0, f"{_slug(label)}-depth-{depth}")
        name = "-".join(parts) or "all"
    path = Path(out) if out else Path(dist) / f"network-{name}.html"
    return write_network(view, path, sources, title=title, nouns=nouns), view
