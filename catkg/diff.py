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
from typing import TYPE_CHECKING

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from catkg.heap import paused_collector
from catkg.namespaces import CAT, GRAPH, ID, INFERRED_GRAPH, ONTOLOGY_GRAPH, SOURCE, SOURCES_GRAPH
from catkg.ontology_terms import OntologyTerms, local_name

if TYPE_CHECKING:
    from catkg.load import TriplesOf

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


_NUMERIC_IRIS = {str(t) for t in _NUMERIC}
_DATE_IRIS = {str(t) for t in _DATES}
_ID = str(ID)
_TYPE = str(RDF.type)


def fact_key(o: object) -> tuple:
    """A value's identity as plain strings (cheap to hash, unlike rdflib terms): numbers and dates by
    value ("8"^^xsd:positiveInteger = 8), other literals by text, language and datatype, IRIs by IRI."""
    if type(o) is Literal:  # rdflib's terms are ABCs: `isinstance` costs a Python call each time
        datatype = str(o.datatype) if o.datatype is not None else ""
        if datatype in _NUMERIC_IRIS:
            try:
                return ("number", format(Decimal(str(o)).normalize(), "f"))
            except InvalidOperation:
                pass
        if datatype in _DATE_IRIS:
            return ("date", str(o))
        return ("literal", str(o), o.language or "", datatype)
    return ("node", str(o))


class _Local:
    """One graph's triples read once, with plain-string keys: iterating a graph of a large rdflib
    Dataset is slow, and so is hashing rdflib terms.

    `shared` maps a subject or property to its text and a node to its `fact_key`, for every `_Local`
    given the same dict: each is then held once, not once per triple (a quarter of a gigabyte at 1M).
    """

    def __init__(self, graph: Iterable[tuple], shared: dict[object, object] | None = None) -> None:
        shared = {} if shared is None else shared
        self.rows: list[tuple] = []
        # Each value's `fact_key`, worked out once for the index and the comparison alike.
        self.keys: list[tuple] = []
        self.by_sp: dict[tuple[str, str], list[object]] = defaultdict(list)
        for s, p, o in graph:
            ss = shared.get(s)
            if ss is None:
                ss = shared[s] = str(s)
            ps = shared.get(p)
            if ps is None:
                ps = shared[p] = str(p)
            # Literals are keyed apart: a literal and a node may be equal as text, never as keys.
            key = fact_key(o) if type(o) is Literal else shared.get((o,))
            if key is None:
                key = shared[(o,)] = fact_key(o)
            self.rows.append((s, p, o, ss, ps))
            self.keys.append(key)
            self.by_sp[(ss, ps)].append(o)

    def objects(self, s: object, p: object) -> list[object]:
        return self.by_sp.get((str(s), str(p)), [])

    def value(self, s: object, p: object) -> object | None:
        found = self.objects(s, p)
        return min(found, key=str) if found else None

    def subjects_of_type(self, cls: object | None) -> list[object]:
        wanted = None if cls is None else str(cls)
        return [r[0] for r in self.rows if r[4] == _TYPE and (wanted is None or str(r[2]) == wanted)]


def _not_facts(terms: OntologyTerms, ontology: Graph) -> set[str]:
    skipped = {str(p) for p in (terms.prop("statedIn", "stated in"),) if p is not None}
    # Curator notes and other annotation properties of the ontology are commentary, not facts.
    skipped |= {
        str(s) for s in ontology.subjects(RDF.type, OWL.AnnotationProperty) if str(s).startswith(str(CAT))
    }
    return skipped | {str(p) for p in _NOT_FACTS}


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
    """Every fact of a set of graphs, by (subject, property, value) and by (subject, property)."""

    def __init__(self, graphs: Iterable[tuple[str, _Local]], not_facts: set[str]) -> None:
        # A fact's graphs as a list: most facts are stated once, and a list of one is a third of a set's size.
        self.by_slot: dict[tuple[str, str], dict[tuple, tuple[object, list[str]]]] = defaultdict(dict)
        self.typed: dict[str, set[str]] = defaultdict(set)
        for name, graph in graphs:
            for (_, _, o, ss, ps), key in zip(graph.rows, graph.keys, strict=True):
                if ps == _TYPE:
                    self.typed[ss].add(name)
                if not ss.startswith(_ID) or ps in not_facts or type(o) is BNode:
                    continue
                slot = self.by_slot[(ss, ps)]
                found = slot.get(key)
                if found is None:
                    slot[key] = (o, [name])
                elif found[1][-1] != name:  # a graph's rows come together: it was added last, or never
                    found[1].append(name)

    def sources_of(self, fact: tuple, exclude: str | None = None) -> list[str]:
        """The graphs that state a fact (subject, property, value key), `exclude` left out."""
        found = self.by_slot.get(fact[:2], {}).get(fact[2])
        if not found:
            return []
        names = found[1]
        # Most facts are stated once: then there is nothing to take away or sort.
        if len(names) == 1:
            return [] if exclude in names else list(names)
        return sorted(n for n in names if n != exclude)

    def values_of(
        self, slot: tuple[str, str], exclude: str | None = None
    ) -> list[tuple[tuple, object, list[str]]]:
        """(key, value, graphs) of every value a subject has for a property, `exclude` left out."""
        found = []
        for key, (value, names) in self.by_slot.get(slot, {}).items():
            if len(names) == 1 and exclude in names:
                continue
            found.append((key, value, sorted(n for n in names if n != exclude)))
        return sorted(found, key=lambda item: str(item[0])) if len(found) > 1 else found

    def declared(self, subject: str, exclude: str | None = None) -> bool:
        """True if a graph other than `exclude` types `subject`."""
        return bool(self.typed.get(subject, set()) - {exclude})


class Comparer:
    """Compares one graph's facts with a FactIndex of the others, knowing which slots hold one value."""

    def __init__(self, dataset: Dataset) -> None:
        ontology = dataset.graph(ONTOLOGY_GRAPH)
        self.terms = OntologyTerms.from_graph(ontology)
        self.not_facts = _not_facts(self.terms, ontology)
        self.single = {str(p) for p in self.terms.functional}
        self.date_or_number = {str(p) for p, r in self.terms.ranges.items() if r in _NUMERIC or r in _DATES}
        self.places = {str(p) for p in (self.terms.prop("venue", "heldIn", "held in", "location"),) if p}
        located = self.terms.prop("locatedIn", "located in")
        self.within: dict[str, set[str]] = defaultdict(set)
        if located is not None:
            for s, o in dataset.subject_objects(located):
                self.within[str(s)].add(str(o))
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

    def _inside(self, place: str, other: str) -> bool:
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

    def one_value(self, p: str, key: tuple) -> bool:
        """True if a subject can have only one right value for `p` (so another value conflicts)."""
        return p in self.single or p in self.date_or_number or key[0] in ("number", "date")

    def compare(
        self,
        name: str,
        graph: Iterable[tuple] | _Local,
        others: FactIndex,
        lines: dict[str, int],
        exclude: str | None = None,
        ordered: bool = True,
    ) -> SourceDiff:
        """What `graph` (the source `name`) adds to, confirms in, and contradicts in `others`
        (leaving out graph `exclude` of `others`: the source itself when the index holds every graph)."""
        local = graph if isinstance(graph, _Local) else _Local(graph)
        result = SourceDiff(name, "")
        seen_conflicts: set[tuple] = set()
        for s in sorted({s for s in local.subjects_of_type(None) if isinstance(s, URIRef)}):
            if str(s).startswith(_ID) and not others.declared(str(s), exclude):
                label = local.value(s, RDFS.label) or local_name(str(s))
                cls = local.value(s, RDF.type)
                result.new_entities.append((str(s), str(label), local_name(str(cls)), lines.get(str(s), 0)))
        rows = zip(local.rows, local.keys, strict=True)
        if ordered:
            rows = sorted(rows, key=lambda r: (r[0][3], r[0][4], str(r[0][2])))
        for (s, p, o, ss, ps), key in rows:
            if not ss.startswith(_ID) or ps in self.not_facts or type(s) is BNode:
                result.provenance += 1
                continue
            line = lines.get(ss, 0)
            sources = others.sources_of((ss, ps, key), exclude)
            if sources:
                result.confirmed.append(((s, p, o), sources, line))
                continue
            result.new_facts.append(((s, p, o), line))
            is_place = ps in self.places
            if type(o) is BNode or not (is_place or self.one_value(ps, key)):
                continue
            other_values = others.values_of((ss, ps), exclude)
            own = {fact_key(v) for v in local.objects(s, p)} if other_values else set()
            for other_key, value, names in other_values:
                if other_key in own:
                    continue
                if is_place and (self._inside(str(o), str(value)) or self._inside(str(value), str(o))):
                    continue
                marker = (ss, ps, key, other_key)
                if marker not in seen_conflicts:
                    seen_conflicts.add(marker)
                    result.conflicts.append(Conflict(ss, ps, _show(o), _show(value), names, line))
        result.conflicts += self._statistic_conflicts(local, others, lines, exclude)
        return result

    def _statistic_conflicts(
        self, local: _Local, others: FactIndex, lines: dict[str, int], exclude: str | None
    ) -> list[Conflict]:
        """Two statistics of the same subject, measure and as-of date with different values."""
        props = self.stat_props
        if self.statistic is None or not all(props.values()):
            return []
        if self._statistics is None or self._statistics[0] is not others:
            self._statistics = (others, self._statistic_slots(others))
        known = self._statistics[1]
        conflicts = []
        for s in sorted(local.subjects_of_type(self.statistic)):
            key = _slots(s, local.objects, props)
            value = local.value(s, props["value"])
            if key is None or value is None:
                continue
            for other_value, names, other in known.get(key, []):
                rest = sorted(set(names) - {exclude})
                if other != str(s) and rest and fact_key(other_value) != fact_key(value):
                    line = lines.get(str(s), 0)
                    conflicts.append(
                        Conflict(str(s), str(props["value"]), _show(value), _show(other_value), rest, line)
                    )
        return conflicts

    def _statistic_slots(self, others: FactIndex) -> dict[tuple, list[tuple[object, list[str], str]]]:
        """Every statistic of the index by (subject, measure, as-of date)."""
        props = self.stat_props

        def objects(s: object, p: object) -> list[object]:
            return [v for _, (v, _) in others.by_slot.get((str(s), str(p)), {}).items()]

        value_prop = str(props["value"])
        known: dict[tuple, list[tuple[object, list[str], str]]] = defaultdict(list)
        for (s, p), values in others.by_slot.items():
            if p == value_prop:
                key = _slots(s, objects, props)
                if key:
                    for _, (value, names) in values.items():
                        known[key].append((value, names, s))
        return known


def _slots(s: object, objects, props: dict[str, URIRef | None]) -> tuple | None:
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
    dataset = project.dataset
    comparer = Comparer(dataset)
    shared: dict[object, object] = {}
    names = [
        (graph_name(g), _Local(project.graph_triples(g), shared)) for g in _fact_graphs(dataset) if g != own
    ]
    others = FactIndex(names, comparer.not_facts)
    result = comparer.compare(graph_name(own), _Local(triples, shared), others, source.lines.subjects)
    result.path = relpath or str(path)
    return result


@paused_collector()
def source_contributions(
    dataset: Dataset, triples_of: TriplesOf | None = None
) -> dict[str, dict[str, object]]:
    """For the build report: per source, facts stated, how many only it states, how many another
    source confirms, and its conflicts with other sources. `triples_of`, given a graph's name, gives its
    triples faster than the store (`Project.graph_triples`)."""
    comparer = Comparer(dataset)
    # Each graph is read once: iterating a graph of a large rdflib Dataset is the costly part.
    read = triples_of or dataset.graph
    shared: dict[object, object] = {}
    graphs = [(graph_name(g), _Local(read(g), shared)) for g in _fact_graphs(dataset)]
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
            "conflicts": sorted(
                (c.to_json() for c in result.conflicts),
                key=lambda c: (c["subject"], c["property"], c["value"], c["other_value"]),
            ),
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
