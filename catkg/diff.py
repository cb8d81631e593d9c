"""What one source adds to the graph: new entities, new facts, facts other sources confirm, conflicts.

A *fact* is a triple of a facts file about a CATKG individual, except provenance and prose
(cat:statedIn, comments, curator notes, descriptions). Two facts are the same when subject,
property and value are, numbers and dates compared by value ("8"^^xsd:positiveInteger = 8).
A *conflict* is a different value for the same subject and property where only one value can be
right: a functional property, a date or number, or a place (unless one place lies in the other);
and, for statistics, a different value for the same subject, measure and as-of date.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from catkg.draft_vocab import OntologyTerms, local_name
from catkg.namespaces import CAT, GRAPH, ID, INFERRED_GRAPH, ONTOLOGY_GRAPH, SOURCE, SOURCES_GRAPH

_NOT_FACTS = {RDFS.comment, DCTERMS.description, SKOS.definition, SKOS.scopeNote}
_NUMERIC = {
    XSD.integer,
    XSD.decimal,
    XSD.positiveInteger,
    XSD.nonNegativeInteger,
    XSD.int,
    XSD.long,
    XSD.double,
    XSD.float,
}
_DATES = {XSD.date, XSD.dateTime, XSD.gYear, XSD.gYearMonth}

Triple = tuple[URIRef, URIRef, object]


class DiffError(Exception):
    """The file cannot be compared (missing, unreadable, not Turtle): message names path and line."""


@dataclass
class Conflict:
    """Two sources disagree on a value only one of them can be right about."""

    subject: str
    prop: str
    value: str
    other_value: str
    other_sources: list[str]
    line: int = 0

    def to_json(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "subject": self.subject,
            "property": self.prop,
            "value": self.value,
            "other_value": self.other_value,
            "other_sources": self.other_sources,
        }


@dataclass
class SourceDiff:
    """What one source file adds to the graph without it."""

    source: str
    path: str
    new_entities: list[tuple[str, str, str, int]] = field(default_factory=list)
    new_facts: list[tuple[Triple, int]] = field(default_factory=list)
    confirmed: list[tuple[Triple, list[str], int]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    provenance: int = 0

    @property
    def facts(self) -> int:
        """How many facts the file states."""
        return len(self.new_facts) + len(self.confirmed)


def fact_key(o: object) -> object:
    """A value's identity for comparison: numbers and dates by value, everything else as the term."""
    if isinstance(o, Literal) and o.datatype in _NUMERIC:
        try:
            return ("number", Decimal(str(o)))
        except InvalidOperation:
            return o
    if isinstance(o, Literal) and o.datatype in _DATES:
        return ("date", str(o))
    return o


def is_fact(s: object, p: object, terms_not_facts: set[URIRef]) -> bool:
    """True for a triple about a CATKG individual that is neither provenance nor prose."""
    return (
        isinstance(s, URIRef)
        and str(s).startswith(str(ID))
        and p not in _NOT_FACTS
        and p not in terms_not_facts
    )


def _not_facts(terms: OntologyTerms, ontology: Graph) -> set[URIRef]:
    skipped = {p for p in (terms.prop("statedIn", "stated in"),) if p is not None}
    # Curator notes and other annotation properties of the ontology are commentary, not facts.
    skipped |= {s for s in ontology.subjects(RDF.type, OWL.AnnotationProperty) if str(s).startswith(str(CAT))}
    return skipped


def graph_name(graph: object) -> str:
    """A short name for a named graph: the source ID, or the file-like path of other graphs."""
    iri = str(graph)
    if iri.startswith(str(SOURCE)):
        return iri.removeprefix(str(SOURCE))
    return "graph/" + iri.removeprefix(str(GRAPH))


def _fact_graphs(dataset: Dataset) -> list[URIRef]:
    excluded = {ONTOLOGY_GRAPH, INFERRED_GRAPH, SOURCES_GRAPH}
    return sorted(
        g.identifier
        for g in dataset.graphs()
        if isinstance(g.identifier, URIRef)
        and g.identifier not in excluded
        and not str(g.identifier).startswith("urn:x-rdflib")
        and not str(g.identifier).startswith(str(GRAPH) + "ontology/")
    )


class FactIndex:
    """Every fact of a set of graphs, by (subject, property, value key) and by (subject, property)."""

    def __init__(self, graphs: Iterable[tuple[str, Graph]], not_facts: set[URIRef]) -> None:
        self.by_fact: dict[tuple, set[str]] = defaultdict(set)
        self.by_slot: dict[tuple[URIRef, URIRef], dict[object, tuple[object, set[str]]]] = defaultdict(dict)
        self.typed: dict[URIRef, set[str]] = defaultdict(set)
        for name, graph in graphs:
            for s, p, o in graph:
                if p == RDF.type and isinstance(s, URIRef):
                    self.typed[s].add(name)
                if not is_fact(s, p, not_facts) or isinstance(o, BNode):
                    continue
                key = fact_key(o)
                self.by_fact[(s, p, key)].add(name)
                value, names = self.by_slot[(s, p)].get(key, (o, set()))
                names.add(name)
                self.by_slot[(s, p)][key] = (value, names)

    def sources_of(self, fact: tuple, exclude: str | None = None) -> list[str]:
        """The graphs that state a fact, `exclude` left out."""
        return sorted(self.by_fact.get(fact, set()) - {exclude})

    def values_of(self, slot: tuple, exclude: str | None = None) -> list[tuple[object, object, list[str]]]:
        """(key, value, graphs) of every value a subject has for a property, `exclude` left out."""
        found = []
        for key, (value, names) in self.by_slot.get(slot, {}).items():
            rest = sorted(names - {exclude})
            if rest:
                found.append((key, value, rest))
        return sorted(found, key=lambda item: str(item[0]))

    def declared(self, subject: object, exclude: str | None = None) -> bool:
        """True if a graph other than `exclude` types `subject`."""
        return bool(self.typed.get(subject, set()) - {exclude})


class Comparer:
    """Compares one graph's facts with a FactIndex of the others, knowing which slots hold one value."""

    def __init__(self, dataset: Dataset) -> None:
        ontology = dataset.graph(ONTOLOGY_GRAPH)
        self.terms = OntologyTerms.from_graph(ontology)
        self.not_facts = _not_facts(self.terms, ontology)
        self.single = set(self.terms.functional)
        self.date_or_number = {p for p, r in self.terms.ranges.items() if r in _NUMERIC or r in _DATES}
        self.places = {p for p in (self.terms.prop("venue", "heldIn", "held in", "location"),) if p}
        located = self.terms.prop("locatedIn", "located in")
        self.within: dict[URIRef, set[URIRef]] = defaultdict(set)
        if located is not None:
            for s, o in dataset.subject_objects(located):
                self.within[s].add(o)
        self.statistic = self.terms.cls("Statistic")
        self._statistics: tuple[FactIndex, dict] | None = None
        self.stat_props = {
            name: self.terms.prop(*names)
            for name, names in (
                ("subject", ("statisticSubject", "statistic subject")),
                ("measure", ("measure",)),
                ("as_of", ("asOfDate", "as-of date")),
                ("value", ("value",)),
            )
        }

    def _inside(self, place: object, other: object) -> bool:
        seen, todo = set(), [place]
        while todo:
            current = todo.pop()
            if current == other:
                return True
            for parent in self.within.get(current, ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return False

    def one_value(self, p: URIRef, o: object) -> bool:
        """True if a subject can have only one right value for `p` (so another value conflicts)."""
        if p in self.single or p in self.date_or_number:
            return True
        return isinstance(o, Literal) and (o.datatype in _NUMERIC or o.datatype in _DATES) and p != RDFS.label

    def compare(
        self,
        name: str,
        graph: Iterable[tuple],
        others: FactIndex,
        lines: dict[str, int],
        exclude: str | None = None,
        ordered: bool = True,
    ) -> SourceDiff:
        """What `graph` (the source `name`) adds to, confirms in, and contradicts in `others`
        (leaving out graph `exclude` of `others`: the source itself when the index holds every graph)."""
        graph = graph if isinstance(graph, _Local) else _Local(graph)
        result = SourceDiff(name, "")
        seen_conflicts: set[tuple] = set()
        for s in sorted({s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef)}):
            if str(s).startswith(str(ID)) and not others.declared(s, exclude):
                label = graph.value(s, RDFS.label) or local_name(str(s))
                cls = graph.value(s, RDF.type)
                result.new_entities.append((str(s), str(label), local_name(str(cls)), lines.get(str(s), 0)))
        triples = sorted(graph, key=lambda t: (str(t[0]), str(t[1]), str(t[2]))) if ordered else graph
        for s, p, o in triples:
            if not is_fact(s, p, self.not_facts):
                result.provenance += 1
                continue
            line = lines.get(str(s), 0)
            sources = others.sources_of((s, p, fact_key(o)), exclude)
            if sources:
                result.confirmed.append(((s, p, o), sources, line))
                continue
            result.new_facts.append(((s, p, o), line))
            if isinstance(o, BNode) or (not self.one_value(p, o) and p not in self.places):
                continue
            own = {fact_key(v) for v in graph.objects(s, p)}
            for key, value, names in others.values_of((s, p), exclude):
                if key in own:
                    continue
                if p in self.places and (self._inside(o, value) or self._inside(value, o)):
                    continue
                marker = (s, p, fact_key(o), key)
                if marker not in seen_conflicts:
                    seen_conflicts.add(marker)
                    result.conflicts.append(
                        Conflict(str(s), str(p), _show(o), _show(value), sorted(names), line)
                    )
        result.conflicts += self._statistic_conflicts(graph, others, lines, exclude)
        return result

    def _statistic_conflicts(
        self, graph: Graph, others: FactIndex, lines: dict[str, int], exclude: str | None
    ) -> list[Conflict]:
        """Two statistics of the same subject, measure and as-of date with different values."""
        props = self.stat_props
        if self.statistic is None or not all(props.values()):
            return []
        if self._statistics is None or self._statistics[0] is not others:
            self._statistics = (others, self._statistic_slots(others))
        known = self._statistics[1]
        conflicts = []
        for s in sorted(graph.subjects(RDF.type, self.statistic)):
            key = _slots(s, graph.objects, props)
            value = graph.value(s, props["value"])
            if key is None or value is None:
                continue
            for other_value, names, other in known.get(key, []):
                rest = sorted(set(names) - {exclude})
                if other != s and rest and fact_key(other_value) != fact_key(value):
                    line = lines.get(str(s), 0)
                    conflicts.append(
                        Conflict(str(s), str(props["value"]), _show(value), _show(other_value), rest, line)
                    )
        return conflicts

    def _statistic_slots(self, others: FactIndex) -> dict[tuple, list[tuple[object, set[str], URIRef]]]:
        """Every statistic of the index by (subject, measure, as-of date)."""
        props = self.stat_props

        def objects(s: URIRef, p: URIRef) -> list[object]:
            return [v for _, (v, _) in others.by_slot.get((s, p), {}).items()]

        known: dict[tuple, list[tuple[object, set[str], URIRef]]] = defaultdict(list)
        for (s, p), values in others.by_slot.items():
            if p == props["value"]:
                key = _slots(s, objects, props)
                if key:
                    for _, (value, names) in values.items():
                        known[key].append((value, names, s))
        return known


class _Local:
    """One graph's triples with the few lookups a comparison needs, read once: on a graph of a large
    Dataset, rdflib scans the triples of every graph for each pattern lookup."""

    def __init__(self, graph: Iterable[tuple]) -> None:
        self.triples = list(graph)
        self.by_sp: dict[tuple, list[object]] = defaultdict(list)
        for s, p, o in self.triples:
            self.by_sp[(s, p)].append(o)

    def __iter__(self):
        return iter(self.triples)

    def objects(self, s: object, p: object) -> list[object]:
        return self.by_sp.get((s, p), [])

    def value(self, s: object, p: object) -> object | None:
        found = self.by_sp.get((s, p))
        return min(found, key=str) if found else None

    def subjects(self, p: object, o: object | None) -> list[object]:
        return [t[0] for t in self.triples if t[1] == p and (o is None or t[2] == o)]


def _slots(s: URIRef, objects, props: dict[str, URIRef | None]) -> tuple | None:
    subject = sorted(str(x) for x in objects(s, props["subject"]))
    measure = sorted(str(x) for x in objects(s, props["measure"]))
    as_of = sorted(str(x) for x in objects(s, props["as_of"]))
    return (tuple(subject), tuple(measure), tuple(as_of)) if subject and measure else None


def _show(term: object) -> str:
    if isinstance(term, Literal):
        return str(term)
    return str(term).removeprefix(str(ID))


def diff_file(root: Path, path: Path) -> SourceDiff:
    """Compare the facts file at `path` (in the project or not) with the project graph built without it."""
    from catkg.findings import Finding
    from catkg.load import load_project, parse_file
    from catkg.namespaces import graph_iri_for

    if not path.is_file():
        raise DiffError(f"{path}: no such file")
    resolved = path.resolve()
    try:
        relpath = resolved.relative_to(root.resolve()).as_posix()
    except ValueError:
        relpath = None
    findings: list[Finding] = []
    source, triples = parse_file(resolved, relpath or str(path), findings)
    if findings:
        raise DiffError(findings[0].format())
    project = load_project(root)
    broken = [f for f in project.findings if f.path != relpath]
    if broken:
        raise DiffError(f"the project does not load, fix it first: {broken[0].format()}")
    own = graph_iri_for(relpath) if relpath else SOURCE[path.stem]
    graph = Graph()
    for triple in triples:
        graph.add(triple)
    dataset = project.dataset
    comparer = Comparer(dataset)
    names = [(graph_name(g), dataset.graph(g)) for g in _fact_graphs(dataset) if g != own]
    others = FactIndex(names, comparer.not_facts)
    result = comparer.compare(graph_name(own), graph, others, source.lines.subjects)
    result.path = relpath or str(path)
    return result


def source_contributions(dataset: Dataset) -> dict[str, dict[str, object]]:
    """For the build report: per source, facts stated, how many only it states, how many another
    source confirms, and its conflicts with other sources."""
    comparer = Comparer(dataset)
    # Each graph is read once: iterating a graph of a large rdflib Dataset is the costly part.
    graphs = [(graph_name(g), _Local(dataset.graph(g))) for g in _fact_graphs(dataset)]
    everything = FactIndex(graphs, comparer.not_facts)
    report: dict[str, dict[str, object]] = {}
    for name, graph in graphs:
        if not name or name.startswith("graph/"):
            continue
        result = comparer.compare(name, graph, everything, {}, exclude=name, ordered=False)
        report[name] = {
            "facts": result.facts,
            "unique": len(result.new_facts),
            "confirmed": len(result.confirmed),
            "new_entities": len(result.new_entities),
            "conflicts": [c.to_json() for c in result.conflicts],
        }
    return report


def print_diff(result: SourceDiff, console, limit: int = 40) -> None:
    """The diff as rich text: counts, then each list (cut at `limit` lines, saying how many more)."""
    from rich.markup import escape

    def short(term: object) -> str:
        if isinstance(term, Literal):
            return f'"{term}"'
        text = str(term)
        for prefix, namespace in (("", str(ID)), ("cat:", str(CAT))):
            if text.startswith(namespace):
                return prefix + text.removeprefix(namespace)
        return local_name(text) if "#" in text or text.startswith("http") else text

    def show(title: str, rows: list[str]) -> None:
        console.print(f"[bold]{title}[/bold] ({len(rows)})")
        for row in rows[:limit]:
            console.print(f"  {escape(row)}", soft_wrap=True)
        if len(rows) > limit:
            console.print(f"  … and {len(rows) - limit} more")

    console.print(
        f"[bold]{escape(result.path)}[/bold] (source {escape(result.source)}): {result.facts} facts, "
        f"{len(result.new_facts)} new, {len(result.confirmed)} confirmed by other sources, "
        f"{len(result.conflicts)} conflicts, {len(result.new_entities)} new entities"
    )
    show(
        "new entities",
        [
            f'{result.path}:{line}: {iri.removeprefix(str(ID))} "{label}" ({cls})'
            for iri, label, cls, line in result.new_entities
        ],
    )
    show(
        "new facts",
        [f"{result.path}:{line}: {short(s)} {short(p)} {short(o)}" for (s, p, o), line in result.new_facts],
    )
    show(
        "confirms",
        [
            f"{result.path}:{line}: {short(s)} {short(p)} {short(o)}  — also in {', '.join(sources)}"
            for (s, p, o), sources, line in result.confirmed
        ],
    )
    show(
        "conflicts",
        [
            f"{result.path}:{c.line}: {short(URIRef(c.subject))} {short(URIRef(c.prop))}: "
            f"{c.value} here, {c.other_value} in {', '.join(c.other_sources)}"
            for c in result.conflicts
        ],
    )
