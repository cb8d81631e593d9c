"""Closed-world lint: terms defined, IRIs declared, labels present, literals well typed."""

from __future__ import annotations

from collections import defaultdict

import networkx as nx
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from catkg.check.vocabulary import Vocabulary, is_standard
from catkg.findings import Finding, Severity
from catkg.heap import paused_collector
from catkg.load import Project
from catkg.namespaces import CAT, IS_TYPE, ONTOLOGY_GRAPH, SOURCE, SOURCES_GRAPH, is_project_iri

_CAT = str(CAT)
_LANG_STRING = RDF.langString  # rdflib's namespace attributes are Python-level look-ups: read once
# Datatypes a literal may have when the ontology's range says the first one.
_COMPATIBLE = {
    XSD.decimal: {XSD.decimal, XSD.integer, XSD.nonNegativeInteger, XSD.positiveInteger},
    XSD.integer: {XSD.integer, XSD.nonNegativeInteger, XSD.positiveInteger},
    XSD.nonNegativeInteger: {XSD.nonNegativeInteger, XSD.positiveInteger},
    XSD.string: {XSD.string, None},
    RDF.langString: {RDF.langString},
}


def _finding(
    project: Project,
    term: object,
    graph: URIRef | None,
    severity: Severity,
    check: str,
    message: str,
    hint: str,
) -> Finding:
    path, line = project.locate(term, prefer_graph=graph)
    return Finding(path, line, 0, severity, check, message, term=str(term), hint=hint)


def _short(project: Project, term: object) -> str:
    return project.dataset.namespace_manager.normalizeUri(term) if isinstance(term, URIRef) else repr(term)


@paused_collector()
def lint(project: Project, vocabulary: Vocabulary) -> list[Finding]:
    """Run the closed-world checks over every data graph of the project."""
    findings: list[Finding] = []
    dataset = project.dataset
    rdf_type = RDF.type
    declared_types = {s for s, _ in dataset.subject_objects(rdf_type)}
    labelled: set = set()
    english: set = set()
    labels = list(dataset.subject_objects(RDFS.label))
    for s, o in labels:
        if isinstance(o, Literal):
            labelled.add(s)
            if o.language in (None, "en"):
                english.add(s)
    reported: set[tuple[str, str]] = set()

    def report(key: str, term: object, graph: URIRef, severity: Severity, message: str, hint: str) -> None:
        if (key, str(term)) not in reported:
            reported.add((key, str(term)))
            findings.append(_finding(project, term, graph, severity, key, message, hint))

    # The same terms recur in every file: what each check needs to know of a predicate or an object
    # is worked out once (a term that fails is still reported from every file's pass, as before).
    known_property: dict = {}
    undeclared: dict = {}
    for source in project.files:
        if source.graph == ONTOLOGY_GRAPH:
            continue
        # Collected in the one pass over the file: a per-file `graph.subjects(RDF.type)` makes rdflib's
        # memory store scan every rdf:type triple of the dataset, quadratic in the number of files.
        typed: set = set()
        for s, p, o in project.graph_triples(source.graph):
            is_type = p in IS_TYPE
            if is_type:
                typed.add(s)
            known = known_property.get(p)
            if known is None:
                known = known_property[p] = vocabulary.knows_property(p)
            if not known:
                guess = vocabulary.nearest(p, want_class=False)
                report(
                    "unknown-term",
                    p,
                    source.graph,
                    Severity.ERROR,
                    f"property {_short(project, p)} is not defined in the ontology",
                    f"did you mean {guess}?" if guess else "define it in ontology/catkg.ttl",
                )
            if is_type and isinstance(o, URIRef) and not vocabulary.knows_class(o):
                guess = vocabulary.nearest(o, want_class=True)
                report(
                    "unknown-term",
                    o,
                    source.graph,
                    Severity.ERROR,
                    f"class {_short(project, o)} is not defined in the ontology",
                    f"did you mean {guess}?" if guess else "define it in ontology/catkg.ttl",
                )
            if isinstance(o, Literal):
                _check_literal(report, project, vocabulary, source.graph, s, p, o)
                continue
            missing = undeclared.get(o)
            if missing is None:
                missing = undeclared[o] = (
                    " and ".join(
                        w for w, ok in (("a type", o in declared_types), ("a label", o in labelled)) if not ok
                    )
                    if is_project_iri(o)
                    else ""
                )
            if missing:
                report(
                    "undeclared-iri",
                    o,
                    source.graph,
                    Severity.ERROR,
                    f"{_short(project, o)} is used as an object but never declared (no {missing})",
                    "declare it with rdf:type and rdfs:label, or fix a typo in the IRI",
                )
        for s in typed:
            if s not in english and is_project_iri(s):
                report(
                    "missing-label",
                    s,
                    source.graph,
                    Severity.ERROR,
                    f"{_short(project, s)} has no English rdfs:label",
                    'add rdfs:label "..."@en to the entity',
                )
    findings += _source_records(project)
    findings += _duplicate_labels(project, labels)
    findings += _cycles(project, vocabulary)
    return findings


def _check_literal(report, project: Project, vocabulary: Vocabulary, graph: URIRef, s, p, o: Literal) -> None:
    if o.ill_typed:
        report(
            "datatype",
            s,
            graph,
            Severity.ERROR,
            f'{_short(project, p)} of {_short(project, s)}: "{o}" is not a valid '
            f"{_short(project, o.datatype)}",
            "write a valid value, e.g. dates as YYYY-MM-DD with a real month and day",
        )
        return
    expected = vocabulary.datatype_ranges.get(p)
    if expected is None or (is_standard(p) and not p.startswith(_CAT)):
        return
    actual = _LANG_STRING if o.language else o.datatype
    allowed = _COMPATIBLE.get(expected, {expected})
    if actual not in allowed:
        report(
            "datatype",
            s,
            graph,
            Severity.ERROR,
            f'{_short(project, p)} of {_short(project, s)}: "{o}" has datatype '
            f"{_short(project, actual) if actual else 'xsd:string'}, "
            f"the ontology says {_short(project, expected)}",
            f'write "{o}"^^{_short(project, expected)}',
        )


def _source_records(project: Project) -> list[Finding]:
    findings = []
    sources = project.dataset.graph(SOURCES_GRAPH)
    for source in project.files:
        if (
            source.graph.startswith(str(SOURCE))
            and source.parsed
            and (source.graph, RDF.type, CAT.Source) not in sources
        ):
            findings.append(
                Finding(
                    source.relpath,
                    1,
                    0,
                    Severity.ERROR,
                    "source-record",
                    f"facts file has no source record: <{source.graph}> is not a cat:Source "
                    "in graph/sources.ttl",
                    term=str(source.graph),
                    hint="describe the source (publisher, date, title) in graph/sources.ttl",
                )
            )
    return findings


def _duplicate_labels(project: Project, labels: list[tuple] | None = None) -> list[Finding]:
    """WARN for each project IRI whose English label another has (`labels`: the dataset's, if read)."""
    by_label: dict[str, set[URIRef]] = defaultdict(set)
    for s, o in project.dataset.subject_objects(RDFS.label) if labels is None else labels:
        if is_project_iri(s) and isinstance(o, Literal) and o.language in (None, "en"):
            by_label[str(o).strip().casefold()].add(s)
    findings = []
    for label, subjects in sorted(by_label.items()):
        if len(subjects) > 1:
            ordered = sorted(subjects)
            for subject in ordered:
                others = ", ".join(_short(project, x) for x in ordered if x != subject)
                path, line = project.locate(subject)
                findings.append(
                    Finding(
                        path,
                        line,
                        0,
                        Severity.WARN,
                        "duplicate-label",
                        f'{_short(project, subject)} shares the label "{label}" with {others}',
                        term=str(subject),
                        hint="merge them into one IRI or make the labels distinct",
                    )
                )
    return findings


def _cycles(project: Project, vocabulary: Vocabulary) -> list[Finding]:
    findings = []
    for prop in sorted(vocabulary.transitive):
        edges = list(project.dataset.subject_objects(prop))
        graph = nx.DiGraph(edges)
        for cycle in nx.simple_cycles(graph):
            first = min(cycle)
            path, line = project.locate(first)
            chain = " -> ".join(_short(project, x) for x in [*cycle, cycle[0]])
            findings.append(
                Finding(
                    path,
                    line,
                    0,
                    Severity.ERROR,
                    "cycle",
                    f"{_short(project, prop)} forms a cycle: {chain}",
                    term=str(first),
                    hint=f"a thing cannot be {_short(project, prop)} itself; remove one link",
                )
            )
    return findings
