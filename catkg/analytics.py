"""Graph analytics on the entity graph: finding entities, ego and class views, paths, centrality, communities.

Every function takes the networkx graph `catkg.entity_graph.build_entity_graph` returns (or one with the
same node and edge attributes) and is deterministic: ties are broken by label, then IRI.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
from rapidfuzz import fuzz, process
from rdflib import BNode, Dataset, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, XSD

from catkg.entity_graph import build_entity_graph, english_label
from catkg.namespaces import CAT, ONTOLOGY_GRAPH

# Betweenness is exact up to this many nodes, then estimated from a seeded sample of pivots.
EXACT_BETWEENNESS_LIMIT = 2000
SEED = 42


class EntityLookupError(Exception):
    """A name given by the user matches no entity, or more than one; the message says which and why."""

    def __init__(self, message: str, suggestions: list[str] | None = None) -> None:
        super().__init__(message)
        self.suggestions = suggestions or []


@dataclass(frozen=True)
class Hop:
    """One step of a path; `forward` when the link points from `source` to `target`."""

    source: str
    target: str
    property: str
    property_label: str
    forward: bool


def load_built(dist: Path) -> Dataset:
    """The dataset of a finished build, read from its `graph.trig` with Oxigraph's parser."""
    import pyoxigraph as ox

    from catkg.oxi import to_rdflib

    dataset = Dataset(default_union=True)
    for quad in ox.parse(path=str(Path(dist) / "graph.trig"), format=ox.RdfFormat.TRIG):
        graph = URIRef(quad.graph_name.value) if isinstance(quad.graph_name, ox.NamedNode) else None
        if graph is not None:
            dataset.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object), graph))
    return dataset


def built_entity_graph(dist: Path) -> tuple[nx.MultiDiGraph, Dataset]:
    """The entity graph of a finished build and the dataset it was drawn from."""
    dataset = load_built(dist)
    return build_entity_graph(dataset), dataset


def _names(graph: nx.MultiDiGraph, node: str) -> list[str]:
    data = graph.nodes[node]
    return [data.get("label", node), *data.get("alt_labels", [])]


def close_matches(graph: nx.MultiDiGraph, text: str, limit: int = 5) -> list[str]:
    """Up to `limit` labels (and alternative labels) of the graph closest to `text`, best first."""
    choices = sorted({name for node in graph for name in _names(graph, node)})
    found = process.extract(text, choices, scorer=fuzz.WRatio, limit=limit, score_cutoff=60)
    return [name for name, _score, _index in sorted(found, key=lambda m: (-m[1], m[0]))]


def resolve(graph: nx.MultiDiGraph, text: str) -> str:
    """The node named by `text`: its IRI, an IRI tail such as `event/forum-2020`, a label or an alt label.

    Raises EntityLookupError naming the close matches when nothing matches, or the candidates when
    several entities share the name.
    """
    if text in graph:
        return text
    tail = [node for node in graph if node.endswith("/" + text.strip("/"))]
    if len(tail) == 1:
        return tail[0]
    wanted = text.casefold().strip()
    for kind in ("label", "alt label"):
        hits = sorted(
            node
            for node in graph
            if any(
                name.casefold().strip() == wanted
                for name in (
                    [graph.nodes[node].get("label", "")]
                    if kind == "label"
                    else graph.nodes[node].get("alt_labels", [])
                )
            )
        )
        if len(hits) == 1:
            return hits[0]
        if hits:
            listed = ", ".join(hits)
            raise EntityLookupError(f"{text!r} names {len(hits)} entities ({listed}); give an IRI instead")
    suggestions = close_matches(graph, text)
    hint = f"; did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
    raise EntityLookupError(f"no entity is labelled {text!r}{hint}", suggestions)


def _hop(graph: nx.MultiDiGraph, u: str, v: str) -> Hop:
    candidates = [(d["label"], d["property"], True) for d in graph.get_edge_data(u, v, default={}).values()]
    candidates += [(d["label"], d["property"], False) for d in graph.get_edge_data(v, u, default={}).values()]
    label, prop, forward = min(candidates, key=lambda c: (not c[2], c[0], c[1]))
    return Hop(u, v, prop, label, forward)


def shortest_path(graph: nx.MultiDiGraph, source: str, target: str) -> list[Hop] | None:
    """The shortest chain of links between two nodes, following links either way; None if there is none."""
    undirected = graph.to_undirected(as_view=True)
    try:
        nodes = nx.shortest_path(undirected, source, target)
    except nx.NetworkXNoPath:
        return None
    return [_hop(graph, u, v) for u, v in itertools.pairwise(nodes)]


def format_hop(graph: nx.MultiDiGraph, hop: Hop) -> str:
    """`A --hosted by--> B` for a forward hop, `A <--located in-- B` for one followed backwards."""
    a, b = graph.nodes[hop.source]["label"], graph.nodes[hop.target]["label"]
    if hop.forward:
        return f"{a} --{hop.property_label}--> {b}"
    return f"{a} <--{hop.property_label}-- {b}"


def simple_undirected(graph: nx.MultiDiGraph) -> nx.Graph:
    """The graph with directions and parallel links collapsed, nodes in sorted order."""
    simple = nx.Graph()
    simple.add_nodes_from(sorted(graph.nodes))
    simple.add_edges_from(sorted((u, v) if u <= v else (v, u) for u, v in graph.edges() if u != v))
    return simple


@dataclass(frozen=True)
class Centrality:
    """An entity's degree (links in and out) and betweenness (normalised), with its ranks on each."""

    node: str
    label: str
    type: str
    degree: int
    betweenness: float
    degree_rank: int
    betweenness_rank: int


def centrality(graph: nx.MultiDiGraph) -> list[Centrality]:
    """Every entity's degree and betweenness, ranked (1 = most central; ties share the order label, IRI)."""
    simple = simple_undirected(graph)
    k = None if len(simple) <= EXACT_BETWEENNESS_LIMIT else EXACT_BETWEENNESS_LIMIT // 4
    between = nx.betweenness_centrality(simple, k=k, seed=SEED if k else None, normalized=True)
    degree = dict(graph.degree())

    def tie(node: str) -> tuple[str, str]:
        return (graph.nodes[node]["label"].casefold(), node)

    by_degree = sorted(graph.nodes, key=lambda n: (-degree[n], -between[n], *tie(n)))
    by_between = sorted(graph.nodes, key=lambda n: (-between[n], -degree[n], *tie(n)))
    degree_rank = {n: i + 1 for i, n in enumerate(by_degree)}
    between_rank = {n: i + 1 for i, n in enumerate(by_between)}
    return [
        Centrality(
            n,
            graph.nodes[n]["label"],
            graph.nodes[n].get("type_label", graph.nodes[n].get("type", "")),
            degree[n],
            round(between[n], 6),
            degree_rank[n],
            between_rank[n],
        )
        for n in by_degree
    ]


def centrality_table(graph: nx.MultiDiGraph, n: int) -> object:
    """Two rich tables: the `n` entities with most links (degree) and the `n` best bridges (betweenness)."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    ranked = centrality(graph)
    tables = []
    for title, rank in (
        ("most connected (degree)", lambda c: c.degree_rank),
        ("best bridges (betweenness)", lambda c: c.betweenness_rank),
    ):
        table = Table(title=f"{title}, top {min(n, len(ranked))}", title_justify="left")
        for column, justify in (("#", "right"), ("entity", "left"), ("class", "left")):
            table.add_column(column, justify=justify)
        table.add_column("degree", justify="right")
        table.add_column("betweenness", justify="right")
        for c in sorted(ranked, key=rank)[:n]:
            # Text cells: a curated label is shown as written, never read as rich markup.
            table.add_row(str(rank(c)), Text(c.label), Text(c.type), str(c.degree), f"{c.betweenness:.4f}")
        tables.append(table)
    return Group(*tables)


def communities(graph: nx.MultiDiGraph, seed: int = SEED) -> list[list[str]]:
    """Louvain communities of the undirected entity graph, seeded: largest first, each sorted by IRI."""
    found = nx.community.louvain_communities(simple_undirected(graph), seed=seed)
    return sorted((sorted(c) for c in found), key=lambda c: (-len(c), c[0]))


def ego(graph: nx.MultiDiGraph, centre: str, depth: int = 1) -> nx.MultiDiGraph:
    """The entities within `depth` links of `centre` (either direction) and the links among them."""
    return nx.ego_graph(graph, centre, radius=depth, undirected=True).copy()


def class_names(graph: nx.MultiDiGraph) -> list[str]:
    """The classes the graph's entities belong to (local names), sorted."""
    return sorted({t for _, data in graph.nodes(data=True) for t in [data["type"], *data.get("types", [])]})


def by_classes(graph: nx.MultiDiGraph, classes: list[str]) -> nx.MultiDiGraph:
    """The entities of the given classes (local name or label, any case) and the links among them.

    Raises EntityLookupError for a class no entity has, naming the close matches.
    """
    known = {}
    for _, data in graph.nodes(data=True):
        for name in (data["type"], data.get("type_label", ""), *data.get("types", [])):
            known[name.casefold()] = name
    wanted = set()
    for name in classes:
        if name.casefold() not in known:
            found = process.extract(name, sorted(set(known.values())), scorer=fuzz.WRatio, limit=3)
            hint = ", ".join(repr(m[0]) for m in found if m[1] >= 60)
            raise EntityLookupError(
                f"no entity has class {name!r}" + (f"; did you mean {hint}?" if hint else ""),
                [m[0] for m in found],
            )
        wanted.add(name.casefold())
    keep = [
        node
        for node, data in graph.nodes(data=True)
        if {n.casefold() for n in (data["type"], data.get("type_label", ""), *data.get("types", []))} & wanted
    ]
    return graph.subgraph(keep).copy()


def _class_members(dataset: Dataset, term) -> list[URIRef]:
    """A class expression as named classes: itself, or the members of an owl:unionOf."""
    if isinstance(term, URIRef):
        return [term]
    if isinstance(term, BNode):
        union = dataset.value(term, OWL.unionOf)
        if union is not None:
            return [m for m in Collection(dataset, union) if isinstance(m, URIRef)]
    return []


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _prefixed(iri: str) -> str:
    """`schema:Organization` for a term of a known vocabulary, else its local name."""
    from catkg.namespaces import PREFIXES

    for prefix, namespace in sorted(PREFIXES.items()):
        if iri.startswith(namespace) and prefix not in ("id", "cat"):
            return f"{prefix}:{iri.removeprefix(namespace)}"
    return _local(iri)


def schema_graph(dataset: Dataset) -> nx.MultiDiGraph:
    """The ontology as a graph: classes as nodes, subClassOf links and object properties domain -> range."""
    onto = dataset.graph(ONTOLOGY_GRAPH)
    own = sorted(
        {
            c
            for c in onto.subjects(RDF.type, OWL.Class)
            if isinstance(c, URIRef) and str(c).startswith(str(CAT))
        }
    )
    data_properties: dict[URIRef, list[str]] = {c: [] for c in own}
    for prop in sorted(p for p in onto.subjects(RDF.type, OWL.DatatypeProperty) if isinstance(p, URIRef)):
        for domain in onto.objects(prop, RDFS.domain):
            for cls in _class_members(onto, domain):
                data_properties.setdefault(cls, []).append(english_label(onto, prop))
    graph = nx.MultiDiGraph()

    def add_class(cls: URIRef) -> None:
        if str(cls) in graph:
            return
        inside = str(cls).startswith(str(CAT))
        comment = onto.value(cls, RDFS.comment)
        values = {"comment": [str(comment)]} if comment is not None else {}
        if data_properties.get(cls):
            values["data properties"] = sorted(set(data_properties[cls]))
        graph.add_node(
            str(cls),
            label=english_label(onto, cls) if inside else _prefixed(str(cls)),
            type="Class" if inside else "ExternalClass",
            type_label="CATKG class" if inside else "aligned external class",
            types=["Class"],
            sources=[],
            values=values,
            alt_labels=[str(cls)],
        )

    for cls in own:
        add_class(cls)
    links: list[tuple[URIRef, URIRef, URIRef, str]] = []
    for cls in own:
        for parent in sorted(p for p in onto.objects(cls, RDFS.subClassOf) if isinstance(p, URIRef)):
            if parent != OWL.Thing:
                links.append((cls, parent, RDFS.subClassOf, "subclass of"))
    for prop in sorted(p for p in onto.subjects(RDF.type, OWL.ObjectProperty) if isinstance(p, URIRef)):
        domains = [c for d in onto.objects(prop, RDFS.domain) for c in _class_members(onto, d)]
        ranges = [c for r in onto.objects(prop, RDFS.range) for c in _class_members(onto, r)]
        for domain in sorted(domains):
            for range_ in sorted(ranges):
                if not str(range_).startswith(str(XSD)):
                    links.append((domain, range_, prop, english_label(onto, prop)))
    for source, target, prop, label in links:
        add_class(source)
        add_class(target)
        graph.add_edge(str(source), str(target), key=str(prop), property=str(prop), label=label, sources=[])
    return graph
