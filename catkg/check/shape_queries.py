"""Shapes the build evaluates with Oxigraph instead of pySHACL: targeted property shapes of plain form.

pySHACL walks every focus node and value node of a shape in Python; at 1M triples its ~50 shapes took
half a minute of the build's own thread. A targeted property shape whose parts all have an exact
SPARQL reading is evaluated here instead, with at most two queries in Oxigraph, in the SPARQL checks'
thread (Oxigraph releases the GIL while it evaluates). The shapes stay in `ontology/shapes.ttl`, plain
SHACL for other tools. Only a shape made of the parts below is translated; one with anything else (a
datatype, a pattern, sh:or, sh:deactivated, a sequence path, an unknown parameter) is left to pySHACL
whole, so editing a shape never silently drops or changes its rule. A test holds the two evaluations
equal, result for result, on every shape fixture, the curated graph and edge cases.

- targets: sh:targetClass (SHACL instances: rdf:type/rdfs:subClassOf* in the data), sh:targetSubjectsOf,
  sh:targetObjectsOf;
- path: an IRI, its sh:inversePath, or an sh:alternativePath of IRIs;
- sh:minCount, sh:maxCount: one result per focus node, without a value;
- sh:class, sh:nodeKind: one result per value node that fails, with the value;
- sh:qualifiedValueShape of `sh:languageIn` alone with qualified counts (the English-label count);
- one sh:message, and optionally sh:severity.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from catkg.check.shacl import ShaclResult
from catkg.namespaces import SH
from catkg.oxi import to_rdflib

_TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf)
# The sh: parameters a translated property shape may have; any other makes it pySHACL's.
_SUPPORTED = {
    *_TARGETS,
    SH.minCount,
    SH.maxCount,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
    SH.path,
    SH["class"],
    SH.nodeKind,
    SH.qualifiedValueShape,
    SH.message,
    SH.severity,
}
# ... and a qualified value shape only lists languages.
_LANGUAGE_SHAPE = {SH.languageIn, SH.message}
_NODE_KINDS = {
    SH.IRI: "isIRI(?value)",
    SH.BlankNode: "isBlank(?value)",
    SH.Literal: "isLiteral(?value)",
    SH.BlankNodeOrIRI: "(isBlank(?value) || isIRI(?value))",
    SH.BlankNodeOrLiteral: "(isBlank(?value) || isLiteral(?value))",
    SH.IRIOrLiteral: "(isIRI(?value) || isLiteral(?value))",
}
_INSTANCE_OF = f"<{RDF.type}>/<{RDFS.subClassOf}>*"


# The subclasses of some classes (themselves included), in SPARQL syntax; None if one is a blank node,
# which VALUES cannot list.
Subclasses = Callable[[tuple[str, ...]], tuple[str, ...] | None]


def _instance_of(
    node: str, classes: tuple[str, ...], subclasses: Subclasses, var: str, *, by_class: bool
) -> str:
    """A pattern matching `node` if it is a SHACL instance of one of `classes` (rdf:type/rdfs:subClassOf*).

    Oxigraph walks the subclass path again for every node; with the subclasses listed once, each node
    costs one look-up (a third of the time at 1M triples): `by_class` finds the nodes of each class (for
    focus nodes), else `node`'s types are read and tested (for a value, bound already).
    """
    listed = subclasses(classes)
    if listed is None:
        return f"VALUES {var} {{ {' '.join(classes)} }} {node} {_INSTANCE_OF} {var}"
    if by_class:
        return f"VALUES {var} {{ {' '.join(listed)} }} {node} <{RDF.type}> {var}"
    return f"{node} <{RDF.type}> {var} FILTER({var} IN ({', '.join(listed)}))"


@dataclass(frozen=True)
class ShapeQuery:
    """A translated shape, turned into a query counting each focus node's values (for `bounds`, (least,
    None) or (None, most) per count constraint) and one testing each value (for `classes`, the classes of
    sh:class, and `node_kind`, a SPARQL test of sh:nodeKind).

    `target_classes` and `target_patterns` (binding `?focus`) select the focus nodes; `path` binds
    `?value` to each of a focus node's values.
    """

    target_classes: tuple[str, ...]
    target_patterns: tuple[str, ...]
    path: str
    bounds: tuple[tuple[int | None, int | None], ...]
    classes: tuple[str, ...]
    node_kind: str | None

    def _focus(self, subclasses: Subclasses) -> str:
        parts = list(self.target_patterns)
        if self.target_classes:
            parts.insert(
                0, _instance_of("?focus", self.target_classes, subclasses, "?focusClass", by_class=True)
            )
        union = " UNION ".join(f"{{ {part} }}" for part in parts)
        return f"{{ SELECT DISTINCT ?focus WHERE {{ {union} }} }}"

    def count_query(self, subclasses: Subclasses) -> str | None:
        """Rows (`?focus`, `?n`) for the focus nodes whose number of values breaks a bound."""
        if not self.bounds:
            return None
        n = "COUNT(DISTINCT ?value)"
        failing = " || ".join(
            f"{n} < {low}" if low is not None else f"{n} > {high}" for low, high in self.bounds
        )
        return (
            f"SELECT ?focus ({n} AS ?n) WHERE {{\n  {self._focus(subclasses)}\n  OPTIONAL {{ {self.path} }}\n"
            f"}} GROUP BY ?focus HAVING ({failing})"
        )

    @property
    def value_tests(self) -> int:
        """How many value constraints the value query tests (one `?failN` each)."""
        return len(self.classes) + (self.node_kind is not None)

    def value_query(self, subclasses: Subclasses) -> str | None:
        """Rows (`?focus`, `?value`, `?fail0`, `?fail1` ...) for the values failing a value constraint,
        one boolean per constraint."""
        tests = [
            f"NOT EXISTS {{ {_instance_of('?value', (c,), subclasses, '?valueClass', by_class=False)} }}"
            for c in self.classes
        ]
        if self.node_kind is not None:
            tests.append(f"!{self.node_kind}")
        if not tests:
            return None
        flags = [f"?fail{i}" for i in range(len(tests))]
        binds = " ".join(f"BIND({test} AS {flag})" for test, flag in zip(tests, flags, strict=True))
        return (
            f"SELECT DISTINCT ?focus ?value {' '.join(flags)} WHERE {{\n"
            f"  {self._focus(subclasses)}\n  {self.path}\n  {binds}\n  FILTER({' || '.join(flags)})\n}}"
        )


def _sh_predicates(shapes: Graph, node: Node) -> set[Node]:
    return {p for p in shapes.predicates(node) if str(p).startswith(str(SH))}


def _one(shapes: Graph, node: Node, parameter: URIRef) -> Node | None:
    """The single value of `parameter` (None if it has none); a second value raises ValueError."""
    values = list(shapes.objects(node, parameter))
    if len(values) > 1:
        raise ValueError(parameter)
    return values[0] if values else None


def _count(shapes: Graph, shape: Node, parameter: URIRef) -> int | None:
    value = _one(shapes, shape, parameter)
    if value is None:
        return None
    if isinstance(value, Literal) and str(value).isdigit():
        return int(value)
    raise ValueError(parameter)


def _sparql_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _iri(node: Node) -> str:
    if not isinstance(node, URIRef):
        raise ValueError(node)
    return str(ox.NamedNode(str(node)))


def _languages(shapes: Graph, shape: Node) -> list[str]:
    if _sh_predicates(shapes, shape) != _LANGUAGE_SHAPE:
        raise ValueError(shape)
    languages = list(Collection(shapes, shapes.value(shape, SH.languageIn)))
    if not languages or not all(isinstance(tag, Literal) and str(tag) for tag in languages):
        raise ValueError(shape)
    return [str(tag) for tag in languages]


def _path_pattern(shapes: Graph, path: Node) -> str:
    """The graph pattern binding `?value` to the values of `path` from `?focus`."""
    if isinstance(path, URIRef):
        return f"?focus {_iri(path)} ?value"
    # A path node saying anything else (a second kind of path, a type) is left to pySHACL.
    said = set(shapes.predicates(path))
    if said == {SH.inversePath}:
        return f"?value {_iri(_one(shapes, path, SH.inversePath))} ?focus"
    if said == {SH.alternativePath}:
        members = list(Collection(shapes, _one(shapes, path, SH.alternativePath)))
        if not members:
            raise ValueError(path)
        return " UNION ".join(f"{{ ?focus {_iri(member)} ?value }}" for member in members)
    raise ValueError(path)


def _targets(shapes: Graph, shape: URIRef) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """`shape`'s target classes, and a pattern binding `?focus` for each of its other targets."""
    classes = tuple(_iri(c) for c in sorted(shapes.objects(shape, SH.targetClass), key=str))
    patterns = [
        f"?focus {_iri(p)} ?target" for p in sorted(shapes.objects(shape, SH.targetSubjectsOf), key=str)
    ]
    patterns += [
        f"?target {_iri(p)} ?focus" for p in sorted(shapes.objects(shape, SH.targetObjectsOf), key=str)
    ]
    if not classes and not patterns:
        raise ValueError(shape)
    return classes, tuple(patterns)


def _translate(shapes: Graph, shape: URIRef) -> ShapeQuery:
    """`shape` as queries; ValueError if any part of it has no exact translation here."""
    types = set(shapes.objects(shape, RDF.type))
    # Another type (rdfs:Class, a node shape) would add targets or constraints of its own; a shape used
    # inside another one (sh:node, sh:or ...) must stay with pySHACL for that use.
    if types != {SH.PropertyShape} or next(shapes.subjects(None, shape), None) is not None:
        raise ValueError(shape)
    if not _sh_predicates(shapes, shape) <= _SUPPORTED:
        raise ValueError(shape)
    _one(shapes, shape, SH.severity)
    path = _one(shapes, shape, SH.path)
    if path is None or _one(shapes, shape, SH.message) is None:
        raise ValueError(shape)
    target_classes, target_patterns = _targets(shapes, shape)
    values = _path_pattern(shapes, path)

    least, most = _count(shapes, shape, SH.minCount), _count(shapes, shape, SH.maxCount)
    qualified = _one(shapes, shape, SH.qualifiedValueShape)
    qualified_least = _count(shapes, shape, SH.qualifiedMinCount)
    qualified_most = _count(shapes, shape, SH.qualifiedMaxCount)
    if qualified is not None:
        # Counted are the values the qualified shape accepts, against its own bounds only.
        if least is not None or most is not None or (qualified_least is None and qualified_most is None):
            raise ValueError(shape)
        matches = " || ".join(
            f"langMatches(lang(?value), {_sparql_string(tag)})" for tag in _languages(shapes, qualified)
        )
        values = f"{values} FILTER(isLiteral(?value) && ({matches}))"
        least, most = qualified_least, qualified_most
    elif qualified_least is not None or qualified_most is not None:
        raise ValueError(shape)
    # pySHACL reports each bound that is broken as a result of its own.
    bounds = tuple(bound for bound in ((least, None), (None, most)) if bound != (None, None))

    classes = tuple(_iri(c) for c in sorted(shapes.objects(shape, SH["class"]), key=str))
    kind = _one(shapes, shape, SH.nodeKind)
    if kind is not None and kind not in _NODE_KINDS:
        raise ValueError(kind)
    if not bounds and not classes and kind is None:
        raise ValueError(shape)
    node_kind = _NODE_KINDS[kind] if kind is not None else None
    return ShapeQuery(target_classes, target_patterns, values, bounds, classes, node_kind)


def shape_query(shapes: Graph, shape: URIRef) -> ShapeQuery | None:
    """The queries whose rows are `shape`'s violations, if every part of it has an exact SPARQL reading
    (see the module's note); else None, and pySHACL evaluates it."""
    try:
        return _translate(shapes, shape)
    except ValueError:
        return None


def shape_queries(shapes: Graph) -> dict[URIRef, ShapeQuery]:
    """Each shape of `shapes` that Oxigraph evaluates in the build, with its queries."""
    queries = {}
    targeted = {s for target in _TARGETS for s in shapes.subjects(target, None)}
    for shape in sorted(targeted, key=str):
        if isinstance(shape, URIRef) and (query := shape_query(shapes, shape)) is not None:
            queries[shape] = query
    return queries


def _subclasses_in(store: ox.Store) -> Subclasses:
    """Subclasses (rdfs:subClassOf*, in the union of `store`'s graphs) of some classes, looked up once."""

    @functools.cache
    def subclasses(classes: tuple[str, ...]) -> tuple[str, ...] | None:
        found = set(classes)
        for cls in classes:
            query = f"SELECT DISTINCT ?sub WHERE {{ ?sub <{RDFS.subClassOf}>* {cls} }}"
            for row in store.query(query, use_default_graph_as_union=True):
                if not isinstance(row["sub"], ox.NamedNode):
                    return None
                found.add(str(row["sub"]))
        return tuple(sorted(found))

    return subclasses


def shape_query_results(
    shapes: Graph, queries: dict[URIRef, ShapeQuery], store: ox.Store
) -> list[ShaclResult]:
    """What pySHACL would report for the shapes of `queries`, evaluated on `store` (its default graph the
    union of the data and the ontology): (focus node, shape, message, value, severity) per violation,
    one per constraint broken, as pySHACL reports them."""
    subclasses = _subclasses_in(store)
    results: list[ShaclResult] = []
    for shape, query in queries.items():
        message = shapes.value(shape, SH.message)
        severity = shapes.value(shape, SH.severity) or SH.Violation
        if (counts := query.count_query(subclasses)) is not None:
            for row in store.query(counts, use_default_graph_as_union=True):
                n = int(row["n"].value)
                focus = to_rdflib(row["focus"])
                for low, high in query.bounds:
                    if (low is not None and n < low) or (high is not None and n > high):
                        results.append((focus, shape, message, None, severity))
        if (values := query.value_query(subclasses)) is not None:
            for row in store.query(values, use_default_graph_as_union=True):
                focus, value = to_rdflib(row["focus"]), to_rdflib(row["value"])
                for i in range(query.value_tests):
                    if row[f"fail{i}"].value == "true":
                        results.append((focus, shape, message, value, severity))
    return results
