"""The linear-time paths of load, locate, the line scanner and reasoning give what the simple ones give.

Behaviour only (never timings): each fast path is compared with a plain re-statement of what it must
compute, on a synthetic corpus and on small hand-written cases that exercise the corners.
"""

from __future__ import annotations

import random
import re
from bisect import bisect_right
from collections import defaultdict
from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from catkg.load import load_project, project_files
from catkg.namespaces import INFERRED_GRAPH
from catkg.reason import materialise
from catkg.sourcemap import _TOKEN, TermLines, _expand, scan_term_lines
from catkg.synthetic import generate

EX = Namespace("https://example.org/")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scaling") / "project"
    generate(root, 4000, seed=3)
    return root


def _plain_scan(text: str, prefixes: dict[str, str]) -> TermLines:
    """The scanner's rules, with a line looked up for every token."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    result = TermLines()
    at_start, in_directive, depth = True, 0, 0
    for match in _TOKEN.finditer(text):
        kind, token = match.lastgroup, match.group()
        if kind == "comment":
            continue
        if kind == "directive":
            in_directive = 2 if token.lower() in ("@prefix", "prefix") else 1
            continue
        if in_directive:
            in_directive -= 1
            at_start = at_start or in_directive == 0
            continue
        if kind == "punct":
            depth += token in "[("
            depth = max(0, depth - (token in "])"))
            if token == "." and depth == 0:
                at_start = True
            elif token not in ".;,":
                at_start = False
            continue
        if kind in ("iri", "pname") and (iri := _expand(token, kind, prefixes)) is not None:
            line = bisect_right(starts, match.start())
            result.uses.setdefault(iri, line)
            if at_start and depth == 0:
                result.subjects.setdefault(iri, line)
        at_start = False
    return result


TRICKY = """@prefix ex: <https://example.org/> .
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
# ex:commented is not a use
ex:a a ex:Thing ;
    rdfs:label "ex:inString <https://example.org/notIri>"@en ;
    rdfs:comment \"\"\"two
lines ex:notATerm\"\"\" ;
    ex:p [ ex:q ex:inBrackets ; ex:r ( ex:x ex:y ) ] , ex:b .
ex:esc\\.aped ex:p 1.5e3, -2, .5 .
<https://example.org/full> ex:p ex:a .
[ ex:p ex:anon ] .
ex:b ex:p ex:a . ex:c ex:p ex:b .
"""


def test_line_scanner_matches_the_plain_rules(corpus: Path) -> None:
    prefixes = {"ex": str(EX), "rdfs": str(RDFS)}
    texts = [(TRICKY, prefixes)]
    texts += [(p.read_text(encoding="utf-8"), None) for p in project_files(corpus)]
    for text, given in texts:
        found = given or dict(re.findall(r"@prefix (\w*): <([^>]*)>", text))
        fast, plain = scan_term_lines(text, found), _plain_scan(text, found)
        assert fast.subjects == plain.subjects
        assert fast.uses == plain.uses
    tricky = scan_term_lines(TRICKY, prefixes)
    assert tricky.subjects[str(EX.a)] == 4
    assert tricky.subjects[str(EX["esc.aped"])] == 9
    assert str(EX.inBrackets) not in tricky.subjects and tricky.uses[str(EX.inBrackets)] == 8
    assert str(EX.commented) not in tricky.uses and str(EX.notATerm) not in tricky.uses
    assert tricky.subjects[str(EX.c)] == 12


def test_loaded_dataset_is_what_rdflib_parses_file_by_file(corpus: Path) -> None:
    project = load_project(corpus)
    for source in project.files:
        expected = Graph().parse(corpus / source.relpath, format="turtle")
        loaded = project.dataset.graph(source.graph)
        if any(isinstance(t, BNode) for triple in expected for t in triple):
            assert len(loaded) == len(expected), source.relpath
        else:
            assert set(loaded) == set(expected), source.relpath


def _plain_locate(project, term: object, prefer_graph: URIRef | None = None) -> tuple[str, int]:
    iri = str(term)
    ordered = sorted(
        project.files, key=lambda f: (f.graph != prefer_graph, f.relpath.startswith("ontology/"))
    )
    for source in ordered:
        if iri in source.lines.subjects:
            return source.relpath, source.lines.subjects[iri]
    for source in ordered:
        if iri in source.lines.uses:
            return source.relpath, source.lines.uses[iri]
    owner = next((f for f in project.files if f.graph == prefer_graph), None)
    if prefer_graph is not None and owner:
        return owner.relpath, 1
    return "graph/", 1


def test_locate_answers_as_a_scan_of_every_file_would(corpus: Path) -> None:
    project = load_project(corpus)
    rng = random.Random(5)
    terms = [*sorted({iri for f in project.files for iri in f.lines.uses}), "https://example.org/nowhere"]
    graphs = [None, URIRef("https://example.org/no-graph"), *(f.graph for f in project.files)]
    for term in rng.sample(terms, 300) + terms[-1:]:
        for graph in [*rng.sample(graphs, 4), None]:
            assert project.locate(term, prefer_graph=graph) == _plain_locate(project, term, graph)
    for source in project.files:
        assert project.file_for_graph(source.graph) is source


def _naive_inferences(dataset: Dataset) -> set[tuple]:
    """Every rule re-applied to every triple until nothing changes (the reasoner's specification)."""
    union = Graph()
    for context in dataset.graphs():
        if context.identifier != INFERRED_GRAPH:
            union += context

    def ancestors(sub: URIRef, equivalent: URIRef) -> dict:
        parents = defaultdict(set)
        for a, b in union.subject_objects(sub):
            if isinstance(a, URIRef) and isinstance(b, URIRef) and a != b:
                parents[a].add(b)
        for a, b in union.subject_objects(equivalent):
            if isinstance(a, URIRef) and isinstance(b, URIRef) and a != b:
                parents[a].add(b)
                parents[b].add(a)
        closure = {}
        for node in list(parents):
            seen, stack = set(), list(parents[node])
            while stack:
                if (parent := stack.pop()) not in seen:
                    seen.add(parent)
                    stack.extend(parents.get(parent, ()))
            closure[node] = seen - {node}
        return closure

    class_up = ancestors(RDFS.subClassOf, OWL.equivalentClass)
    property_up = ancestors(RDFS.subPropertyOf, OWL.equivalentProperty)
    inverses = defaultdict(set)
    for p, q in union.subject_objects(OWL.inverseOf):
        inverses[p].add(q)
        inverses[q].add(p)
    symmetric = set(union.subjects(RDF.type, OWL.SymmetricProperty))
    transitive = set(union.subjects(RDF.type, OWL.TransitiveProperty))
    facts = {(s, p, o) for s, p, o in union if p != RDF.type}
    while True:
        new = set()
        objects = defaultdict(set)
        for s, p, o in facts:
            objects[s, p].add(o)
        for s, p, o in facts:
            new |= {(s, parent, o) for parent in property_up.get(p, ())}
            if not isinstance(o, Literal):
                new |= {(o, inverse, s) for inverse in inverses.get(p, ())}
                if p in symmetric:
                    new.add((o, p, s))
            if p in transitive:
                new |= {(s, p, o2) for o2 in objects.get((o, p), ())}
        if new <= facts:
            break
        facts |= new
    result = {t for t in facts if t not in union}
    for s, c in union.subject_objects(RDF.type):
        result |= {
            (s, RDF.type, parent) for parent in class_up.get(c, ()) if (s, RDF.type, parent) not in union
        }
    for edges, prop in ((class_up, RDFS.subClassOf), (property_up, RDFS.subPropertyOf)):
        result |= {(c, prop, p) for c, ps in edges.items() for p in ps if (c, prop, p) not in union}
    return result


def _rules_dataset() -> Dataset:
    dataset = Dataset(default_union=True)
    schema = dataset.graph(URIRef("https://example.org/graph/schema"))
    data = dataset.graph(URIRef("https://example.org/graph/data"))
    other = dataset.graph(URIRef("https://example.org/graph/other"))
    for triple in [
        (EX.City, RDFS.subClassOf, EX.Place),
        (EX.Place, RDFS.subClassOf, EX.Thing),
        (EX.Town, OWL.equivalentClass, EX.City),
        (EX.locatedIn, RDF.type, OWL.TransitiveProperty),
        (EX.locatedIn, RDFS.subPropertyOf, EX.relatedTo),
        (EX.relatedTo, RDFS.subPropertyOf, EX.linkedTo),
        (EX.contains, OWL.inverseOf, EX.locatedIn),
        (EX.partner, RDF.type, OWL.SymmetricProperty),
        (EX.partner, OWL.equivalentProperty, EX.ally),
        (EX.cooperatesWith, RDFS.subPropertyOf, EX.partner),
        (EX.name, RDFS.subPropertyOf, RDFS.label),
    ]:
        schema.add(triple)
    rng = random.Random(11)
    places = [EX[f"place{i}"] for i in range(30)]
    for i, place in enumerate(places):
        data.add((place, RDF.type, rng.choice([EX.City, EX.Town, EX.Place])))
        if i:
            data.add((place, EX.locatedIn, places[rng.randrange(i)]))
        (other if i % 3 else data).add((place, EX.name, Literal(f"Place {i}", lang="en")))
    for _ in range(40):
        a, b = rng.sample(places, 2)
        rng.choice([data, other]).add((a, rng.choice([EX.partner, EX.cooperatesWith, EX.ally]), b))
    # Asserted triples that a rule would also derive must not be repeated in the inferred graph.
    other.add((places[5], RDF.type, EX.Thing))
    other.add((places[3], EX.contains, places[7]))
    data.add((places[2], EX.locatedIn, places[2]))
    data.add((EX.City, RDFS.subClassOf, EX.Thing))
    return dataset


def test_materialise_gives_the_naive_fixpoint_on_the_rules_and_on_a_corpus(corpus: Path) -> None:
    for dataset in (_rules_dataset(), load_project(corpus).dataset):
        expected = _naive_inferences(dataset)
        inferred = materialise(dataset)
        assert set(inferred) == expected
        assert len(inferred) == len(expected)


def test_materialising_again_gives_the_same_inferred_graph(corpus: Path) -> None:
    dataset = load_project(corpus).dataset
    first = set(materialise(dataset))
    asserted = {q for q in dataset.quads((None, None, None, None)) if q[3] != INFERRED_GRAPH}
    assert set(materialise(dataset)) == first
    assert {q for q in dataset.quads((None, None, None, None)) if q[3] != INFERRED_GRAPH} == asserted


def test_dataset_quads_are_the_datasets_quads_converted_one_by_one(corpus: Path) -> None:
    from collections import Counter

    import pyoxigraph as ox

    from catkg.oxi import dataset_quads, to_ox

    dataset = load_project(corpus).dataset
    materialise(dataset)
    dataset.add((EX.inDefault, EX.p, Literal("x", lang="EN")))
    dataset.graph(EX.g).add((BNode("b1"), EX.p, Literal("1", datatype=EX.number)))
    expected = Counter(
        ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.NamedNode(str(g)))
        for s, p, o, g in dataset.quads((None, None, None, None))
    )
    assert Counter(dataset_quads(dataset)) == expected
