"""Publish stage: write the dataset's exports, GraphML and the Oxigraph store into a directory.

Outputs are deterministic: triples are sorted and prefixes bound explicitly, so a rebuild of
unchanged data gives byte-identical files and a changed fact gives a small diff.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Dataset

from catkg.entity_graph import build_entity_graph
from catkg.graphml import write_graphml
from catkg.heap import release_free_memory
from catkg.jsonld import write_jsonld
from catkg.namespaces import ONTOLOGY_GRAPH, PREFIXES
from catkg.store_load import load_store, load_store_in_fresh_process

if TYPE_CHECKING:
    from catkg.load import TriplesOf


def export_order(quads: Iterable[ox.Quad]) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """The quads sorted by graph, subject, predicate and object, and the same quads sorted by subject,
    predicate, object and graph (see `distinct_triples`).

    One sort serves both: sorted triple-first, a triple's copies in several graphs are neighbours, and
    each graph's quads come out already in order, so the graphs only need concatenating.
    """
    # A quad's N-Quads text sorts as its terms' texts would one after another: a term's text is a prefix
    # of another's only where the longer goes on with a character above the space between terms (`_:b1`,
    # `_:b10`; `"x"`, `"x"@en`). Only the triples' order shapes the outputs: the quads of one triple in
    # several graphs go to different graphs. One string per quad compares in C, a third of the time of a
    # tuple of four (1.8M quads: 5.5 s against 17 s).
    by_triple = sorted(quads, key=str)
    by_graph: dict[ox.NamedNode, list[ox.Quad]] = defaultdict(list)
    for quad in by_triple:
        by_graph[quad.graph_name].append(quad)
    ordered = [quad for name in sorted(by_graph, key=str) for quad in by_graph[name]]
    return ordered, by_triple


def distinct_triples(by_triple: Iterable[ox.Quad]) -> Iterator[ox.Triple]:
    """The distinct triples (the default graph a SPARQL user sees) of quads sorted triple-first.

    Made as they are written, each time: kept in a list they would hold a copy of every term (0.4 GB
    at 1M triples) beside the quads.
    """
    last = None
    for quad in by_triple:
        triple = quad.triple
        if triple != last:
            yield triple
            last = triple


def write_exports(
    quads: Iterable[ox.Quad],
    out: Path,
    timed: Callable[[str], object],
    prefixes: dict[str, str] | None = None,
    store_in_fresh_process: bool = False,
) -> None:
    """Write the RDF serialisations of `quads` and the store into `out`; `timed(name)` wraps each step.

    `store_in_fresh_process` for a forked child: the store is then loaded from graph.trig by a new
    interpreter (see `catkg.store_load`).
    """
    prefixes = prefixes or PREFIXES
    with timed("sort"):
        quads, by_triple = export_order(quads)
    with timed("export graph.ttl"):
        ox.serialize(distinct_triples(by_triple), out / "graph.ttl", ox.RdfFormat.TURTLE, prefixes=prefixes)
    with timed("export graph.trig"):
        ox.serialize(quads, out / "graph.trig", ox.RdfFormat.TRIG, prefixes=prefixes)
    with timed("export graph.jsonld"):
        write_jsonld(quads, out / "graph.jsonld", prefixes)
    with timed("export graph.nt"):
        ox.serialize(distinct_triples(by_triple), out / "graph.nt", ox.RdfFormat.N_TRIPLES)
    with timed("export ontology.owl"):
        ontology_graph = ox.NamedNode(str(ONTOLOGY_GRAPH))
        ontology = [q.triple for q in quads if q.graph_name == ontology_graph]
        ox.serialize(ontology, out / "ontology.owl", ox.RdfFormat.RDF_XML, prefixes=prefixes)
    del by_triple, ontology
    with timed("store"):
        if store_in_fresh_process:
            # The fresh interpreter reads graph.trig: the quads need not stay alive beside it.
            quads.clear()
            release_free_memory()
            load_store_in_fresh_process(out / "graph.trig", out / "store")
        else:
            load_store(quads, out / "store")


def write_exports_in_child(
    quads: Iterable[ox.Quad], out: Path, prefixes: dict[str, str] | None = None
) -> dict[str, float]:
    """`write_exports` for a forked child: each step's seconds are returned (it cannot report as it goes),
    and the store is loaded by a fresh interpreter."""
    timings: dict[str, float] = {}

    @contextmanager
    def timed(step: str) -> Iterator[None]:
        began = time.perf_counter()
        yield
        timings[step] = time.perf_counter() - began

    # Handed on as an iterator over a copy, the caller's list emptied: once sorted, the quads are held by
    # the sorted list alone, which is emptied before the store is loaded (a gigabyte less at 1M triples).
    taken = iter(list(quads))
    if isinstance(quads, list):
        quads.clear()
    write_exports(taken, out, timed, prefixes, store_in_fresh_process=True)
    return timings


def write_entity_exports(
    dataset: Dataset, out: Path, triples_of: TriplesOf | None = None
) -> dict[str, float]:
    """Write graph.graphml and network.html into `out`; returns the seconds of each step.

    These go through rdflib and networkx (the RDF serialisations above go through Oxigraph), so the
    build can run them in a forked child beside the rest; they report their own timings for that reason.
    """
    from catkg.network import source_metadata, write_network

    timings: dict[str, float] = {}
    began = time.perf_counter()
    entities = build_entity_graph(dataset, triples_of)
    timings["entity graph"], began = time.perf_counter() - began, time.perf_counter()
    write_network(entities, out / "network.html", source_metadata(dataset))
    timings["export network.html"], began = time.perf_counter() - began, time.perf_counter()
    write_graphml(entities, out / "graph.graphml")
    # networkx's cached views refer back to the graph, so only the cyclic collector, paused in the build,
    # would free it: emptied, its nodes and edges go now (half a gigabyte at 1M triples).
    entities.clear()
    timings["export graph.graphml"] = time.perf_counter() - began
    return timings
