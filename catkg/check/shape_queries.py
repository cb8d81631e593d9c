"""Shapes the build evaluates with Oxigraph instead of pySHACL: language-qualified value counts.

"Every individual has exactly one English label" is a targeted property shape whose
`sh:qualifiedValueShape` only asks for a language tag. pySHACL re-enters the nested shape once for every
label of every individual, half of its time on the 1M-triple corpus; one SPARQL query answers the same
question in Oxigraph. The shape stays in `ontology/shapes.ttl`, complete for other SHACL tools: a shape
of exactly this form is translated here, anything else is left to pySHACL, so editing the shape never
silently drops or changes its rule. A test holds the two evaluations equal on every shape fixture.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from catkg.check.shacl import ShaclResult
from catkg.namespaces import SH
from catkg.oxi import to_rdflib

# A property shape of the supported form says these of itself and nothing else of SHACL's.
_COUNT_SHAPE = {
    SH.targetClass,
    SH.path,
    SH.qualifiedValueShape,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
    SH.message,
    SH.severity,
}
# ... and its qualified value shape only lists languages.
_LANGUAGE_SHAPE = {SH.languageIn, SH.message}


def _sh_predicates(shapes: Graph, node: Node) -> set[Node]:
    return {p for p in shapes.predicates(node) if str(p).startswith(str(SH))}


def _languages(shapes: Graph, shape: Node) -> list[str] | None:
    if _sh_predicates(shapes, shape) != _LANGUAGE_SHAPE:
        return None
    languages = list(Collection(shapes, shapes.value(shape, SH.languageIn)))
    if not languages or not all(isinstance(tag, Literal) and str(tag) for tag in languages):
        return None
    return [str(tag) for tag in languages]


def _count(shapes: Graph, shape: Node, parameter: URIRef) -> int | None:
    value = shapes.value(shape, parameter)
    return int(value) if isinstance(value, Literal) and str(value).isdigit() else None


def _sparql_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def shape_query(shapes: Graph, shape: URIRef) -> str | None:
    """The SPARQL query whose rows (`?focus`) are `shape`'s violations, if the shape is a language-qualified
    count (targets, an IRI path, a qualified value shape of `sh:languageIn` alone, qualified counts);
    else None."""
    if not _sh_predicates(shapes, shape) <= _COUNT_SHAPE:
        return None
    targets = sorted(shapes.objects(shape, SH.targetClass), key=str)
    path, qualified = shapes.value(shape, SH.path), shapes.value(shape, SH.qualifiedValueShape)
    least, most = _count(shapes, shape, SH.qualifiedMinCount), _count(shapes, shape, SH.qualifiedMaxCount)
    languages = _languages(shapes, qualified) if qualified is not None else None
    if (
        not targets
        or not all(isinstance(t, URIRef) for t in targets)
        or not isinstance(path, URIRef)
        or languages is None
        or (least is None and most is None)
    ):
        return None
    matches = " || ".join(f"langMatches(lang(?value), {_sparql_string(tag)})" for tag in languages)
    failing = []
    if least is not None:
        failing.append(f"COUNT(DISTINCT ?value) < {least}")
    if most is not None:
        failing.append(f"COUNT(DISTINCT ?value) > {most}")
    values = " ".join(f"<{t}>" for t in targets)
    # SHACL's instances of a class: typed with it or with one of its subclasses in the data graph.
    return (
        "SELECT ?focus WHERE {\n"
        f"  {{ SELECT DISTINCT ?focus WHERE {{ VALUES ?target {{ {values} }} "
        f"?focus <{RDF.type}>/<{RDFS.subClassOf}>* ?target }} }}\n"
        f"  OPTIONAL {{ ?focus <{path}> ?value FILTER(isLiteral(?value) && ({matches})) }}\n"
        f"}} GROUP BY ?focus HAVING ({' || '.join(failing)})"
    )


def shape_queries(shapes: Graph) -> dict[URIRef, str]:
    """Each shape of `shapes` that Oxigraph evaluates in the build, with its query."""
    queries = {}
    for shape in sorted(set(shapes.subjects(SH.qualifiedValueShape, None)), key=str):
        if isinstance(shape, URIRef) and (query := shape_query(shapes, shape)) is not None:
            queries[shape] = query
    return queries


def shape_query_results(shapes: Graph, queries: dict[URIRef, str], store: ox.Store) -> list[ShaclResult]:
    """What pySHACL would report for the shapes of `queries`, evaluated on `store` (its default graph the
    union of the data and the ontology): (focus node, shape, message, value, severity) per violation."""
    results: list[ShaclResult] = []
    for shape, query in queries.items():
        message = shapes.value(shape, SH.message)
        severity = shapes.value(shape, SH.severity) or SH.Violation
        rows: Iterable = store.query(query, use_default_graph_as_union=True)
        results += [(to_rdflib(row["focus"]), shape, message, None, severity) for row in rows]
    return results
