"""Term conversion between rdflib and pyoxigraph, and in-memory stores built from a Dataset."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

if TYPE_CHECKING:
    from catkg.load import TriplesOf

_XSD_STRING = str(XSD.string)
# Quads held at once by `memory_store` when it copies them to a file (50 MB).
COPY_SLICE = 100_000


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """The rdflib term for a pyoxigraph term (blank node ids kept as they are)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value, datatype=None if datatype == _XSD_STRING else URIRef(datatype))


def to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """The pyoxigraph term for an rdflib term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot convert {term!r} to a pyoxigraph term")


def graph_quads(graph: Graph, triples: Iterable[tuple[Node, Node, Node]] | None = None) -> Iterator[ox.Quad]:
    """Every triple of one rdflib graph (or `triples`, its triples read elsewhere) as a pyoxigraph quad
    in the graph named by its identifier.

    IRIs, the most common terms, are converted inline.
    """
    named, quad = ox.NamedNode, ox.Quad
    name = named(str(graph.identifier))
    for s, p, o in graph if triples is None else triples:
        yield quad(
            named(s) if type(s) is URIRef else to_ox(s),
            named(p) if type(p) is URIRef else to_ox(p),
            named(o) if type(o) is URIRef else to_ox(o),
            name,
        )


def dataset_quads(dataset: Dataset, triples_of: TriplesOf | None = None) -> Iterator[ox.Quad]:
    """Every quad of the dataset's graphs as pyoxigraph quads (its default graph as `urn:x-rdflib:default`).

    Graph by graph: `Dataset.quads` would look up every triple's graphs again. `triples_of`, given a
    graph's name, gives its triples faster than the store (`Project.graph_triples`).
    """
    for graph in dataset.graphs():
        yield from graph_quads(graph, None if triples_of is None else triples_of(graph.identifier))


def write_quads(quads: Iterable[ox.Quad], path: Path) -> Path:
    """Write `quads` to the N-Quads file `path` (and return it): how the build keeps quads out of memory
    until the checks and the exports read them."""
    ox.serialize(quads, path, ox.RdfFormat.N_QUADS)
    return path


def read_quads(path: Path) -> Iterator[ox.Quad]:
    """The quads of the N-Quads file `path`, as they are read, blank node labels kept."""
    return ox.parse(path=path, format=ox.RdfFormat.N_QUADS)


def memory_store(quads: Iterable[ox.Quad], copy_to: Path | None = None) -> ox.Store:
    """An in-memory Oxigraph store holding `quads`; with `copy_to`, they are also written to that N-Quads
    file on the way, slice by slice, so that they are made once and never all held as Python objects."""
    store = ox.Store()
    if copy_to is None:
        store.extend(quads)
        return store
    quads = iter(quads)
    with copy_to.open("wb") as out:
        while slice_ := list(islice(quads, COPY_SLICE)):
            store.extend(slice_)
            ox.serialize(slice_, out, ox.RdfFormat.N_QUADS)
    return store
