"""Publish stage: write the dataset's exports, GraphML and the Oxigraph store into a directory.

Outputs are deterministic: triples are sorted and prefixes bound explicitly, so a rebuild of
unchanged data gives byte-identical files and a changed fact gives a small diff.
"""

from __future__ import annotations

import shutil
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Dataset

from catkg.entity_graph import build_entity_graph
from catkg.graphml import write_graphml
from catkg.jsonld import write_jsonld
from catkg.namespaces import ONTOLOGY_GRAPH, PREFIXES
from catkg.oxi import read_quads

if TYPE_CHECKING:
    from catkg.load import TriplesOf

# Oxigraph's bulk loader holds what it is given in memory (1.5 GB for 1.8M quads): in slices its memory
# stays bounded (+0.45 GB instead of +1.5 GB at 1M triples) for half again the time.
# (`Store.bulk_load` of a file would take half the time, but it renames every blank node: the store's
# labels would then differ from graph.trig's and from one build to the next.)
STORE_SLICE = 500_000


@dataclass(frozen=True)
class SortedQuads:
    """N-Quads files of the same quads in the exports' orders (see `sort_quads`)."""

    by_triple: Path
    by_graph: Path
    ontology: Path


def sort_quads(sources: Iterable[Path], work: Path) -> SortedQuads:
    """The quads of the N-Quads files `sources` (as `write_quads` writes them, every quad in a named
    graph), written into `work` sorted three ways: all of them by subject, predicate, object and graph;
    graph by graph (in the order of the graphs' names), each graph's quads in that order; and the ontology
    graph's alone.

    Sorted as the bytes of their lines, which order as the texts of their terms one after another: UTF-8
    keeps code-point order, and a term's text is a prefix of another's only where the longer goes on with
    a character above the space between terms (`_:b1`, `_:b10`; `"x"`, `"x"@en`). Only the lines are held
    (a third of the memory of the quads themselves), and each export reads a sorted file back.
    """
    lines: list[bytes] = []
    for source in sources:
        with source.open("rb") as quads:
            lines.extend(quads)
    lines.sort()
    ordered = SortedQuads(work / "by-triple.nq", work / "by-graph.nq", work / "ontology.nq")
    with ordered.by_triple.open("wb") as out:
        out.writelines(lines)
    # A line ends with its graph's name, then " .\n"; each graph's lines stay in the order above.
    graphs: dict[bytes, list[bytes]] = defaultdict(list)
    for line in lines:
        graphs[line[line.rindex(b" ", 0, -3) + 1 : -3]].append(line)
    del lines
    with ordered.by_graph.open("wb") as out:
        for name in sorted(graphs):
            out.writelines(graphs[name])
    ordered.ontology.write_bytes(b"".join(graphs.get(f"<{ONTOLOGY_GRAPH}>".encode(), ())))
    return ordered


def distinct_triples(by_triple: Iterable[ox.Quad]) -> Iterator[ox.Triple]:
    """The distinct triples (the default graph a SPARQL user sees) of quads sorted triple-first."""
    last = None
    for quad in by_triple:
        triple = quad.triple
        if triple != last:
            yield triple
            last = triple


def _write_triples(by_triple: Path, out: Path, prefixes: dict[str, str]) -> None:
    """graph.ttl and graph.nt, the distinct triples of the sorted quads in `by_triple`, read once: the
    Turtle writer pulls them and each is written as an N-Triples line on the way."""
    with (out / "graph.nt").open("w", encoding="utf-8", newline="") as lines:

        def written(triples: Iterable[ox.Triple]) -> Iterator[ox.Triple]:
            for triple in triples:
                lines.write(f"{triple} .\n")
                yield triple

        triples = written(distinct_triples(read_quads(by_triple)))
        ox.serialize(triples, out / "graph.ttl", ox.RdfFormat.TURTLE, prefixes=prefixes)


def _write_dataset(by_graph: Path, out: Path, prefixes: dict[str, str]) -> None:
    """graph.trig and the store, from the sorted quads in `by_graph`, read once: the TriG writer pulls
    them and they go into the store slice by slice on the way. Like every file, the store is written
    anew: one left half-written by a process that died is removed first."""
    shutil.rmtree(out / "store", ignore_errors=True)
    store = ox.Store(str(out / "store"))
    slice_: list[ox.Quad] = []

    def stored(quads: Iterable[ox.Quad]) -> Iterator[ox.Quad]:
        for quad in quads:
            slice_.append(quad)
            if len(slice_) == STORE_SLICE:
                store.bulk_extend(slice_)
                slice_.clear()
            yield quad
        store.bulk_extend(slice_)

    ox.serialize(stored(read_quads(by_graph)), out / "graph.trig", ox.RdfFormat.TRIG, prefixes=prefixes)
    store.flush()


def _write_files(ordered: SortedQuads, out: Path, prefixes: dict[str, str]) -> dict[str, float]:
    """graph.ttl, graph.nt, graph.jsonld and ontology.owl from the sorted quads; each step's seconds."""
    timings: dict[str, float] = {}
    began = time.perf_counter()
    _write_triples(ordered.by_triple, out, prefixes)
    timings["export graph.ttl, graph.nt"], began = time.perf_counter() - began, time.perf_counter()
    write_jsonld(read_quads(ordered.by_graph), out / "graph.jsonld", prefixes)
    timings["export graph.jsonld"], began = time.perf_counter() - began, time.perf_counter()
    ontology = (quad.triple for quad in read_quads(ordered.ontology))
    ox.serialize(ontology, out / "ontology.owl", ox.RdfFormat.RDF_XML, prefixes=prefixes)
    timings["export ontology.owl"] = time.perf_counter() - began
    return timings


def write_exports(
    sources: Sequence[Path],
    out: Path,
    work: Path,
    timed: Callable[[str], AbstractContextManager[object]],
    prefixes: dict[str, str] | None = None,
) -> dict[str, float]:
    """Write the RDF serialisations and the store of the quads in the N-Quads files `sources` into `out`,
    sorting them in `work`; `timed(name)` wraps each step here, and the seconds of the steps a forked
    child took are returned."""
    from catkg.forked import ChildDied, ForkedCall

    prefixes = prefixes or PREFIXES
    with timed("sort"):
        ordered = sort_quads(sources, work)
    # The files and the store take about as long (20 s each at 1M triples): a forked child writes the
    # files meanwhile. It is forked before this process opens the store, which RocksDB would not survive.
    files = ForkedCall(_write_files, ordered, out, prefixes)
    with timed("export graph.trig, store"):
        _write_dataset(ordered.by_graph, out, prefixes)
    with timed("export graph.ttl, .nt, .jsonld, ontology.owl (wait)"):
        try:
            return files.result()
        except ChildDied:  # killed, for memory say: written here instead
            return _write_files(ordered, out, prefixes)


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
