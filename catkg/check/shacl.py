"""SHACL stage: validate the data merged with the ontology against `ontology/shapes.ttl`."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from catkg.findings import Finding, Severity
from catkg.heap import frozen_heap
from catkg.load import SHAPES_FILE, Project
from catkg.namespaces import INFERRED_GRAPH, SH

_SEVERITY = {SH.Violation: Severity.ERROR, SH.Warning: Severity.WARN, SH.Info: Severity.WARN}


def lint_shapes(shapes: Graph) -> list[Finding]:
    """Every shape must have an IRI and an sh:message, so each failure is named and explained."""
    findings = []
    shape_nodes = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(
        shapes.subjects(RDF.type, SH.PropertyShape)
    )
    shape_nodes |= set(shapes.objects(None, SH.property))
    for shape in sorted(shape_nodes, key=str):
        if isinstance(shape, BNode):
            path = shapes.value(shape, SH.path)
            findings.append(
                Finding(
                    SHAPES_FILE,
                    1,
                    0,
                    Severity.ERROR,
                    "shape-definition",
                    f"a shape has no IRI (property shape on {path})",
                    hint="give every shape an IRI in the shapes# namespace",
                )
            )
        elif shapes.value(shape, SH.message) is None:
            findings.append(
                Finding(
                    SHAPES_FILE,
                    1,
                    0,
                    Severity.ERROR,
                    "shape-definition",
                    f"shape <{shape}> has no sh:message",
                    term=str(shape),
                    hint="add an sh:message saying what is wrong and how to fix it",
                )
            )
    return findings


class UnionView(Graph):
    """Every triple of a dataset's graphs, each once, read in place from the dataset's store.

    A read-only stand-in for a merged copy (20 s and a gigabyte at 1M triples): rdflib's `Store.triples`
    with no context matches a triple in any graph, which is the union pySHACL must validate.
    """

    def __init__(self, dataset: Dataset) -> None:
        super().__init__(store=dataset.store, namespace_manager=dataset.namespace_manager)

    def triples(self, triple: tuple) -> Iterator[tuple[Node, Node, Node]]:
        """The triples of any graph matching `triple` (None for a wildcard)."""
        for found, _graphs in self.store.triples(triple, None):
            yield found

    def __len__(self) -> int:
        return len(self.store)

    def add(self, triple: tuple) -> Graph:
        """Refused: the view is read-only (it would write into a graph of its own in the dataset)."""
        raise TypeError("UnionView is read-only: add to one of the dataset's graphs")

    def addN(self, quads: Iterable[tuple]) -> Graph:
        """Refused, as `add`."""
        raise TypeError("UnionView is read-only: add to one of the dataset's graphs")

    def remove(self, triple: tuple) -> Graph:
        """Refused, as `add`."""
        raise TypeError("UnionView is read-only: remove from one of the dataset's graphs")


def data_graph(project: Project) -> Graph:
    """The asserted data with the ontology, as one rdflib Graph; taken before reasoning adds inferences."""
    if len(Graph(store=project.dataset.store, identifier=INFERRED_GRAPH)):
        raise ValueError("data_graph: the dataset already holds inferred triples; validate before reasoning")
    return UnionView(project.dataset)


ShaclResult = tuple[object, object, object, object, object]


def shacl_view(shapes: Graph, skip: Collection[Node] = ()) -> Graph:
    """What pySHACL reads of `shapes`: the sh: triples, RDF lists and types, in a store without contexts,
    leaving out the shapes in `skip` (evaluated elsewhere, see `catkg.check.shape_queries`).

    pySHACL applies a nested shape (sh:not, sh:or, sh:qualifiedValueShape ...) once per value node, and
    each time it reads all the shape's triples and looks every predicate up in a plain list of the ~35
    constraint parameters: a documentation triple (rdfs:label, rdfs:comment) is never found, so it
    costs a full scan each time. rdflib's context-free store answers those reads faster than the
    default one.
    """
    view = Graph(store="SimpleMemory")
    for prefix, namespace in shapes.namespaces():
        view.bind(prefix, namespace)
    for triple in shapes:
        predicate = triple[1]
        if triple[0] in skip:
            continue
        if predicate in (RDF.type, RDF.first, RDF.rest) or str(predicate).startswith(str(SH)):
            view.add(triple)
    return view


def shacl_results(merged: Graph, shapes: Graph, skip: Collection[Node] = ()) -> list[ShaclResult]:
    """pySHACL's results as (focus node, source shape, message, value, severity), the shapes in `skip`
    left out.

    The shapes use core SHACL only, so SHACL-AF ("advanced") stays off: with it on, pySHACL copies the
    whole data graph first (in case SHACL rules add to it), a tenth of the stage. Without inference,
    advanced features or an ont_graph, pySHACL reads `merged` in place and leaves it unchanged.
    """
    from pyshacl import validate

    # The merged graph is millions of long-lived objects the collector need not walk during the run.
    with frozen_heap():
        _conforms, results, _text = validate(
            data_graph=merged,
            shacl_graph=shacl_view(shapes, skip),
            inference="none",
            allow_warnings=True,
            advanced=False,
        )
    return [
        (
            results.value(result, SH.focusNode),
            results.value(result, SH.sourceShape),
            results.value(result, SH.resultMessage),
            results.value(result, SH.value),
            results.value(result, SH.resultSeverity),
        )
        for result in results.subjects(RDF.type, SH.ValidationResult)
    ]


def validate_shapes(project: Project, merged: Graph) -> list[Finding]:
    """Run pySHACL and turn each validation result into a located finding."""
    return findings_from_results(project, shacl_results(merged, project.shapes))


def findings_from_results(project: Project, results: list[ShaclResult]) -> list[Finding]:
    """One located finding per SHACL result (path and line from where the focus node is written)."""
    findings = []
    for focus, shape, message, value, severity_iri in results:
        severity = _SEVERITY.get(severity_iri, Severity.ERROR)
        path, line = project.locate(focus)
        name = str(shape).rsplit("#", 1)[-1] if isinstance(shape, URIRef) else "shape"
        shown_value = f" (value: {value})" if isinstance(value, Literal | URIRef) else ""
        shown_focus = (
            project.dataset.namespace_manager.normalizeUri(focus) if isinstance(focus, URIRef) else focus
        )
        findings.append(
            Finding(
                path,
                line,
                0,
                severity,
                f"shacl:{name}",
                f"{shown_focus}: {message or 'violates ' + name}{shown_value}",
                term=str(focus),
                hint=f"see shape {name} in {SHAPES_FILE}",
            )
        )
    # Findings compare by place only; the full key keeps ties (two shapes, one line) in a fixed order.
    return sorted(findings, key=lambda f: (f.path, f.line, f.column, f.check, f.message, f.term))
