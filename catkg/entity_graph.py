"""The entity graph: CATKG individuals as networkx nodes and their links as labelled edges.

Shared by the GraphML export, the network page, `catkg path` and the centrality ranking.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

import networkx as nx
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from catkg.heap import paused_collector
from catkg.namespaces import CAT, ID, INFERRED_GRAPH, IS_TYPE, ONTOLOGY_GRAPH, SOURCE

if TYPE_CHECKING:
    from catkg.load import TriplesOf

# SKOS scheme bookkeeping: every concept links to its scheme, which would make each scheme the
# biggest "hub" of the network and the top of every centrality ranking without saying anything.
_SCHEME_LINKS = frozenset({SKOS.inScheme, SKOS.hasTopConcept, SKOS.topConceptOf})
_LABEL, _COMMENT = frozenset({RDFS.label}), frozenset({RDFS.comment})
_LABELS = frozenset({RDFS.label, SKOS.altLabel})


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _preferred(labels: Iterable[Literal], term: URIRef) -> str:
    for label in sorted(labels, key=lambda lit: (lit.language not in ("en", None), str(lit))):
        return str(label)
    return _local(str(term))


def english_label(dataset: Dataset, term: URIRef) -> str:
    """The entity's English label, else any label, else its local name."""
    return _preferred([o for o in dataset.objects(term, RDFS.label) if isinstance(o, Literal)], term)


def _asserted(dataset: Dataset):
    for context in dataset.graphs():
        if context.identifier not in (INFERRED_GRAPH, ONTOLOGY_GRAPH):
            yield context


def most_specific_class(dataset: Dataset, types: set[URIRef]) -> URIRef | None:
    """Among `types`, the CATKG class that no other of them specialises (alphabetically first on ties)."""
    own = sorted(t for t in types if str(t).startswith(str(CAT)))
    if not own:
        return None
    # Through the class hierarchy itself, so the answer is the same before reasoning as after it.
    ancestors = {other: set(dataset.transitive_objects(other, RDFS.subClassOf)) for other in own}
    for candidate in own:
        if not any(other != candidate and candidate in ancestors[other] for other in own):
            return candidate
    return own[0]


@paused_collector()
def build_entity_graph(dataset: Dataset, triples_of: TriplesOf | None = None) -> nx.MultiDiGraph:
    """Nodes: every typed IRI in the `id/` namespace; edges: object properties between them.

    Read from the asserted graphs and the ontology only, so it is the same graph before and after
    reasoning (the build draws it while the checks run). `triples_of`, given a graph's name, gives its
    triples faster than the store (`Project.graph_triples`).
    """
    types: dict[URIRef, set[URIRef]] = defaultdict(set)
    labels: dict[URIRef, set[Literal]] = defaultdict(set)
    alt_labels: dict[URIRef, set[Literal]] = defaultdict(set)
    sources: dict[URIRef, set[str]] = defaultdict(set)
    literals: dict[URIRef, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    links: dict[tuple[URIRef, URIRef, URIRef], set[str]] = defaultdict(set)
    property_labels: dict[URIRef, str] = {}

    def property_label(prop: URIRef) -> str:
        if prop not in property_labels:
            property_labels[prop] = _property_label(dataset, prop)
        return property_labels[prop]

    # rdflib's namespace attributes (RDF.type ...) are Python-level look-ups: a quarter of this loop's
    # time at 1M triples when read per triple, so the loop reads them from frozensets made once. For the
    # same reason it calls str's startswith: rdflib's own is a Python method (2 s of 11 at 1M triples).
    id_, source_ns, starts = str(ID), str(SOURCE), str.startswith
    for context in _asserted(dataset):
        graph_id = str(context.identifier)
        source_id = graph_id.removeprefix(source_ns) if graph_id.startswith(source_ns) else None
        for s, p, o in context if triples_of is None else triples_of(context.identifier):
            if not (isinstance(s, URIRef) and starts(s, id_)):
                continue
            if source_id:
                sources[s].add(source_id)
            if p in IS_TYPE and isinstance(o, URIRef):
                types[s].add(o)
            elif p in _SCHEME_LINKS:
                continue
            elif isinstance(o, Literal) and p in _LABELS:
                (labels if p in _LABEL else alt_labels)[s].add(o)
            elif isinstance(o, Literal) and p not in _COMMENT:
                literals[s][property_label(p)].append(str(o))
            elif isinstance(o, URIRef) and starts(o, id_):
                links[(s, p, o)].add(source_id or "reference")
    # Tens of thousands of entities share a few dozen type sets: each set's class is worked out once.
    classes: dict[frozenset[URIRef], tuple[str, str]] = {}
    graph = nx.MultiDiGraph()
    # Sorted as plain strings: rdflib's own term comparisons are Python calls (a third of this function).
    drawn = (n for n, node_types in types.items() if SKOS.ConceptScheme not in node_types)
    for node in sorted(drawn, key=str):
        key = frozenset(types[node])
        if key not in classes:
            cls = most_specific_class(dataset, types[node])
            classes[key] = (_local(str(cls)), english_label(dataset, cls)) if cls else ("Thing", "Thing")
        graph.add_node(
            str(node),
            label=_preferred(labels.get(node, ()), node),
            type=classes[key][0],
            type_label=classes[key][1],
            types=sorted(_local(str(t)) for t in types[node]),
            sources=sorted(sources[node]),
            values={k: sorted(set(v)) for k, v in sorted(literals[node].items())},
            alt_labels=sorted({str(a) for a in alt_labels.get(node, ())}),
        )
    for (s, p, o), found_in in sorted(links.items(), key=lambda link: tuple(map(str, link[0]))):
        if str(s) in graph and str(o) in graph:
            graph.add_edge(
                str(s),
                str(o),
                key=str(p),
                property=str(p),
                label=property_label(p),
                sources=sorted(found_in),
            )
    return graph


def _property_label(dataset: Dataset, prop: URIRef) -> str:
    label = dataset.value(prop, RDFS.label)
    return str(label) if label is not None else _local(str(prop))
