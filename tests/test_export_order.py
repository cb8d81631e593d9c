"""The exports list triples, and each graph's quads, in the order of their terms' texts."""

from __future__ import annotations

import itertools

import pyoxigraph as ox

from catkg.publish import distinct_triples, export_order

EX = "http://example.org/"
# Terms whose texts are prefixes of one another, or differ only after a space or a quote.
SUBJECTS = [ox.NamedNode(EX + "b"), ox.NamedNode(EX + "b2"), ox.BlankNode("b1"), ox.BlankNode("b10")]
PREDICATES = [ox.NamedNode(EX + "p"), ox.NamedNode(EX + "p-q")]
OBJECTS = [
    ox.Literal("x"),
    ox.Literal("x y"),
    ox.Literal("x", language="en"),
    ox.Literal("x", datatype=ox.NamedNode(EX + "t")),
    ox.Literal('x"'),
    ox.Literal("x\\"),
    ox.Literal("x\u0001"),
    ox.NamedNode(EX + "o"),
]
GRAPHS = [ox.NamedNode(EX + "g"), ox.NamedNode(EX + "g1"), ox.DefaultGraph()]


def test_triples_and_quads_come_out_in_the_order_of_their_terms_texts() -> None:
    quads = [
        ox.Quad(s, p, o, g)
        for n, (s, p, o, g) in enumerate(itertools.product(SUBJECTS, PREDICATES, OBJECTS, GRAPHS))
        if (n // len(GRAPHS)) % 2 or g != GRAPHS[0]  # not every triple is in every graph
    ]
    by_graph, by_triple = export_order(reversed(quads))

    def terms(triple: ox.Triple | ox.Quad) -> tuple[str, str, str]:
        return str(triple.subject), str(triple.predicate), str(triple.object)

    assert [terms(t) for t in distinct_triples(by_triple)] == sorted({terms(q) for q in quads})
    graph_names = [str(name) for name, _ in itertools.groupby(by_graph, key=lambda q: q.graph_name)]
    assert graph_names == sorted(set(graph_names)) and len(graph_names) == len(GRAPHS)
    for name, group in itertools.groupby(by_graph, key=lambda q: q.graph_name):
        in_graph = [terms(q) for q in group]
        assert in_graph == sorted(terms(q) for q in quads if q.graph_name == name)
