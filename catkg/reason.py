"""Reason stage: materialise what queries need into the named graph `graph/inferred`.

Rules (to a fixpoint): rdfs:subClassOf and rdfs:subPropertyOf closure (types and property
values), owl:equivalentClass/equivalentProperty, owl:inverseOf, owl:SymmetricProperty and
owl:TransitiveProperty. Domain and range are not used to type things: a wrong range should
surface as an error, not as a silently added type.
"""

from __future__ import annotations

from collections import defaultdict

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

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


def _schema_edges(union: Graph, sub: URIRef, equivalent: URIRef) -> Edges:
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


def materialise(dataset: Dataset) -> Graph:
    """Compute the inferred triples of `dataset` (asserted ones excluded) and add them as a graph."""
    union = Graph()
    for context in dataset.graphs():
        if context.identifier != INFERRED_GRAPH:
            union += context
    class_up = _ancestors(_schema_edges(union, RDFS.subClassOf, OWL.equivalentClass))
    property_up = _ancestors(_schema_edges(union, RDFS.subPropertyOf, OWL.equivalentProperty))
    inverses: Edges = defaultdict(set)
    for p, q in union.subject_objects(OWL.inverseOf):
        inverses[p].add(q)
        inverses[q].add(p)
    symmetric = set(union.subjects(RDF.type, OWL.SymmetricProperty))
    transitive = set(union.subjects(RDF.type, OWL.TransitiveProperty))

    values: dict[Node, set[tuple[Node, Node]]] = defaultdict(set)
    for s, p, o in union:
        if p != RDF.type:
            values[p].add((s, o))
    changed = True
    while changed:
        changed = False
        derived: dict[Node, set[tuple[Node, Node]]] = defaultdict(set)
        for p, pairs in list(values.items()):
            for parent in property_up.get(p, ()):
                derived[parent] |= pairs
            for inverse in inverses.get(p, ()):
                derived[inverse] |= {(o, s) for s, o in pairs if not isinstance(o, Literal)}
            if p in symmetric:
                derived[p] |= {(o, s) for s, o in pairs if not isinstance(o, Literal)}
            if p in transitive:
                derived[p] |= _transitive_closure(pairs)
        for p, pairs in derived.items():
            new = pairs - values[p]
            if new:
                values[p] |= new
                changed = True

    inferred = dataset.graph(INFERRED_GRAPH)
    inferred.remove((None, None, None))
    for p, pairs in values.items():
        inferred.addN((s, p, o, inferred) for s, o in pairs if (s, p, o) not in union)
    for s, c in union.subject_objects(RDF.type):
        inferred.addN(
            (s, RDF.type, parent, inferred)
            for parent in class_up.get(c, ())
            if (s, RDF.type, parent) not in union
        )
    for edges, prop in ((class_up, RDFS.subClassOf), (property_up, RDFS.subPropertyOf)):
        for child, parents in edges.items():
            inferred.addN(
                (child, prop, parent, inferred) for parent in parents if (child, prop, parent) not in union
            )
    return inferred
