"""Reason stage: materialise what queries need into the named graph `graph/inferred`.

Rules (to a fixpoint): rdfs:subClassOf and rdfs:subPropertyOf closure (types and property
values), owl:equivalentClass/equivalentProperty, owl:inverseOf, owl:SymmetricProperty and
owl:TransitiveProperty. Domain and range are not used to type things: a wrong range should
surface as an error, not as a silently added type.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from catkg.heap import paused_collector
from catkg.load import add_triples
from catkg.namespaces import INFERRED_GRAPH

Edges = dict[Node, set[Node]]


def _ancestors(parents: Edges) -> Edges:
    """Every node's strict ancestors; schema graphs are small, so a search per node is cheap."""
    closure: Edges = {}
    for node in parents:
        stack, seen = list(parents[node]), set()
        while stack:
            parent = stack.pop()
            if parent not in seen:
                seen.add(parent)
                stack.extend(parents.get(parent, ()))
        seen.discard(node)
        closure[node] = seen
    return closure


def _schema_edges(union: Graph | Dataset, sub: URIRef, equivalent: URIRef) -> Edges:
    parents: Edges = defaultdict(set)
    for a, b in union.subject_objects(sub):
        if isinstance(a, URIRef) and isinstance(b, URIRef) and a != b:
            parents[a].add(b)
    for a, b in union.subject_objects(equivalent):
        if isinstance(a, URIRef) and isinstance(b, URIRef) and a != b:
            parents[a].add(b)
            parents[b].add(a)
    return parents


def _transitive_closure(pairs: set[tuple[Node, Node]]) -> set[tuple[Node, Node]]:
    successors: Edges = defaultdict(set)
    for s, o in pairs:
        successors[s].add(o)
    closed: set[tuple[Node, Node]] = set()
    for start in list(successors):
        stack, seen = list(successors[start]), set()
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            stack.extend(successors.get(node, ()))
        closed.update((start, node) for node in seen)
    return closed


Pairs = set[tuple[Node, Node]]


def _property_closure(
    asserted: dict[Node, Pairs],
    property_up: Edges,
    inverses: Edges,
    symmetric: set[Node],
    transitive: set[Node],
) -> dict[Node, Pairs]:
    """The property values the rules derive from `asserted`, asserted ones excluded, to a fixpoint.

    Semi-naive: each round applies the rules only to the pairs the previous round added (all asserted
    ones in the first), except transitivity, which closes a property's whole relation whenever it grew.
    The result is the same least fixpoint as re-applying every rule to everything until nothing changes.
    """
    derived: dict[Node, Pairs] = defaultdict(set)
    delta = {p: pairs for p, pairs in asserted.items() if pairs}
    empty: Pairs = set()
    while delta:
        found: dict[Node, Pairs] = defaultdict(set)
        for p, new in delta.items():
            for parent in property_up.get(p, ()):
                found[parent] |= new
            if p in symmetric or p in inverses:
                reversed_ = {(o, s) for s, o in new if not isinstance(o, Literal)}
                for inverse in inverses.get(p, ()):
                    found[inverse] |= reversed_
                if p in symmetric:
                    found[p] |= reversed_
            if p in transitive:
                found[p] |= _transitive_closure(asserted.get(p, empty) | derived[p])
        delta = {}
        for p, pairs in found.items():
            new = pairs - asserted.get(p, empty) - derived[p]
            if new:
                derived[p] |= new
                delta[p] = new
    return derived


def _rule_properties(property_up: Edges, inverses: Edges, symmetric: set[Node], transitive: set[Node]) -> set:
    """The properties a rule reads or writes: the values of any other property neither add nor block."""
    sources = set(property_up) | set(inverses) | symmetric | transitive
    targets = {q for p in property_up for q in property_up[p]} | {q for p in inverses for q in inverses[p]}
    return sources | targets


def inferred_triples(dataset: Dataset) -> list[tuple[Node, Node, Node]]:
    """The triples the rules derive from `dataset`, asserted ones excluded, each once.

    The dataset's union must be exactly the asserted triples (no inferred graph in its store). It is read
    through its predicate index: the schema, the types and the values of the properties some rule
    concerns, nothing else.
    """
    if len(Graph(store=dataset.store, identifier=INFERRED_GRAPH)):
        raise ValueError("inferred_triples: the dataset already holds inferred triples")
    class_up = _ancestors(_schema_edges(dataset, RDFS.subClassOf, OWL.equivalentClass))
    property_up = _ancestors(_schema_edges(dataset, RDFS.subPropertyOf, OWL.equivalentProperty))
    inverses: Edges = defaultdict(set)
    for p, q in dataset.subject_objects(OWL.inverseOf):
        inverses[p].add(q)
        inverses[q].add(p)
    symmetric = set(dataset.subjects(RDF.type, OWL.SymmetricProperty))
    transitive = set(dataset.subjects(RDF.type, OWL.TransitiveProperty))
    concerned = _rule_properties(property_up, inverses, symmetric, transitive)

    # rdf:type is read for class membership only; a type a property rule derives is checked against these.
    types: dict[Node, set[Node]] = defaultdict(set)
    for s, o in dataset.subject_objects(RDF.type):
        types[s].add(o)
    asserted: dict[Node, Pairs] = {p: set(dataset.subject_objects(p)) for p in concerned if p != RDF.type}
    schema = [
        (child, prop, parent)
        for edges, prop in ((class_up, RDFS.subClassOf), (property_up, RDFS.subPropertyOf))
        for child, parents in edges.items()
        for parent in parents
        if (child, prop, parent) not in dataset
    ]
    derived = _property_closure(asserted, property_up, inverses, symmetric, transitive)
    del asserted

    def triples() -> Iterator[tuple[Node, Node, Node]]:
        for p, pairs in derived.items():
            if p == RDF.type:
                pairs = {(s, o) for s, o in pairs if o not in types.get(s, ())}
            for s, o in pairs:
                yield s, p, o
        rdf_type = RDF.type  # a Python-level look-up on rdflib's namespace: once, not per triple
        for s, classes in types.items():
            for parent in {parent for c in classes for parent in class_up.get(c, ())} - classes:
                yield s, rdf_type, parent
        yield from schema

    with paused_collector():
        # A type or schema triple a property rule derives too (a subproperty of rdf:type, say) is kept once.
        return list(dict.fromkeys(triples()))


def materialise(dataset: Dataset, statements: dict[Node, list] | None = None) -> Graph:
    """Compute the inferred triples of `dataset` (asserted ones excluded) and add them as a graph.

    The inferred graph is emptied first, so the rules read exactly the asserted triples. `statements`,
    a Project's triples by graph, gets the inferred graph's list as well (see `Project.graph_triples`).
    """
    inferred = dataset.graph(INFERRED_GRAPH)
    inferred.remove((None, None, None))
    added = inferred_triples(dataset)
    with paused_collector():
        add_triples(inferred, added)
    if statements is not None:
        statements[INFERRED_GRAPH] = added
    return inferred
