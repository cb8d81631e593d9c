"""`catkg draft`: turn a new article into a draft facts file a curator finishes by uncommenting.

What it writes, and why there:
- graph/sources.ttl gets the source record and one cat:Paragraph per non-blank line of the article
  (appended at the end, in a marked block), because the build requires every facts file's source to
  be a cat:Source in that file and facts cite paragraphs declared there;
- graph/facts/<ID>.ttl gets, live, one `dct:references` link per paragraph and known entity it names
  (so the file states triples and builds as written), and, commented out, the declarations of new
  entities and the candidate statements, each with its paragraph.

Nothing is written when any input is bad; every error names the file or option at fault.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from catkg.draft_extract import Analysis, Entity, Extractor
from catkg.draft_numbers import FoundDate, FoundNumber
from catkg.draft_statements import Statement, StatementBuilder
from catkg.draft_text import ArticleError, Paragraph, label_keys, paragraphs, read_article
from catkg.draft_turtle import Prefixes, block, commented, note
from catkg.draft_vocab import KnownIndex, slugify
from catkg.namespaces import CAT, ID, ONTOLOGY_GRAPH, SOURCE, SOURCES_GRAPH, graph_iri_for
from catkg.ontology_terms import OntologyTerms, local_name

SOURCES_FILE = "graph/sources.ttl"
_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,80}$")
MENTION_PROPERTY = DCTERMS.references


class DraftError(Exception):
    """Bad input for a draft (article, option or ID clash): the message says which and how to fix it."""


@dataclass
class DraftOptions:
    """What the curator tells `catkg draft` about the article."""

    source_id: str
    publisher: str | None = None
    date: str | None = None
    url: str | None = None
    title: str | None = None
    force: bool = False


@dataclass
class Link:
    """A known entity the draft links, with where and how it was found."""

    iri: str
    label: str
    cls: str
    paragraphs: list[int]
    how: str
    surfaces: list[str]


@dataclass
class DraftResult:
    """What a draft found and wrote."""

    facts_path: Path
    sources_path: Path
    facts_text: str
    sources_block: str
    sources_written: bool
    analysis: Analysis
    statements: list[Statement]
    links: list[Link]
    new_entities: list[Entity]
    decisions: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def linked_iris(self) -> set[str]:
        """The IRIs of every known entity the draft links."""
        return {link.iri for link in self.links}

    @property
    def dates(self) -> list[FoundDate]:
        """The dates found in the article."""
        return self.analysis.dates

    @property
    def numbers(self) -> list[FoundNumber]:
        """The numbers found in the article."""
        return self.analysis.numbers


def check_options(options: DraftOptions) -> dt.date | None:
    """Validate the source ID and date: DraftError naming the bad option."""
    if not _ID_PATTERN.match(options.source_id):
        raise DraftError(
            f"--source-id {options.source_id!r}: use lowercase letters, digits and hyphens, "
            "e.g. wire-2023-09-14"
        )
    if options.date is None:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", options.date):
            raise ValueError
        return dt.date.fromisoformat(options.date)
    except ValueError:
        raise DraftError(f"--date {options.date!r}: not a date; write YYYY-MM-DD, e.g. 2023-09-14") from None


def draft(root: Path, article: Path, options: DraftOptions, *, write: bool = True) -> DraftResult:
    """Draft the facts of `article` for the project at `root`; write them unless `write` is False."""
    from catkg.load import load_project

    date = check_options(options)
    try:
        text = read_article(article)
    except ArticleError as error:
        raise DraftError(str(error)) from None
    facts_rel = f"graph/facts/{options.source_id}.ttl"
    facts_path = root / facts_rel
    sources_path = root / SOURCES_FILE
    source_iri = SOURCE[options.source_id]
    if facts_path.exists() and not options.force:
        raise DraftError(
            f"{facts_rel}: already exists; pick another --source-id or pass --force to replace it"
        )
    project = load_project(root)
    broken = [f for f in project.findings if f.path != facts_rel]
    if broken:
        raise DraftError(f"the project does not load, fix it first: {broken[0].format()}")
    dataset = project.dataset
    own_graph = graph_iri_for(facts_rel)
    if (source_iri, RDF.type, CAT.Source) in dataset.graph(SOURCES_GRAPH) and not options.force:
        raise DraftError(
            f"{SOURCES_FILE}: source ID {options.source_id!r} is already used by another source; "
            "pick another --source-id (or --force to draft into it)"
        )
    dataset.remove_graph(dataset.graph(own_graph))
    terms = OntologyTerms.from_graph(dataset.graph(ONTOLOGY_GRAPH))
    index = KnownIndex.from_dataset(dataset, terms)
    extractor = Extractor(index, date)
    parts = paragraphs(text)
    analysis = extractor.analyse(parts)
    builder = StatementBuilder(index, analysis, options.source_id)
    statements = _dedupe(builder.build())
    links = _links(analysis, statements, index)
    new_entities = [e for e in analysis.entities.values() if not e.known]
    decisions = _decisions(analysis, statements, options, date)
    for other in sorted(dataset.graph(SOURCES_GRAPH).subjects(DCTERMS.identifier, Literal(article.stem))):
        if other != source_iri:
            decisions.insert(
                0, f"{SOURCES_FILE} already has a source for {article.name}: <{other}>; same article?"
            )
    prefixes = Prefixes([f.prefixes for f in project.files])
    existing_record = (source_iri, RDF.type, CAT.Source) in dataset.graph(SOURCES_GRAPH)
    record = _source_record(
        project, index, article, options, analysis, parts, prefixes_of(project), existing_record
    )
    facts_text = render(
        article, text, options.source_id, analysis, statements, links, new_entities, decisions, prefixes
    )
    _must_parse(facts_text, facts_rel)
    if record:
        _must_parse(_sources_text(sources_path) + record, SOURCES_FILE)
    result = DraftResult(
        facts_path,
        sources_path,
        facts_text,
        record,
        bool(record),
        analysis,
        statements,
        links,
        new_entities,
        decisions,
    )
    if write:
        _write_atomic(facts_path, facts_text)
        if record:
            with sources_path.open("a", encoding="utf-8") as handle:
                handle.write(record)
        result.written = True
    return result


def prefixes_of(project) -> dict[str, str]:
    """The prefixes graph/sources.ttl declares (the appended block may use only these)."""
    for source in project.files:
        if source.relpath == SOURCES_FILE:
            return dict(source.prefixes)
    return {}


def _sources_text(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _must_parse(text: str, relpath: str) -> None:
    try:
        list(ox.parse(text, format=ox.RdfFormat.TURTLE))
    except SyntaxError as error:  # a defect of the drafter, never of the user's input
        raise RuntimeError(f"draft for {relpath} is not valid Turtle: {error}") from error


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _dedupe(statements: list[Statement]) -> list[Statement]:
    seen: set[frozenset] = set()
    kept = []
    for statement in statements:
        key = frozenset((s, p, o) for s, p, o in statement.triples if p != RDFS.label)
        if key in seen:
            continue
        seen.add(key)
        kept.append(statement)
    return kept


def _links(analysis: Analysis, statements: list[Statement], index: KnownIndex) -> list[Link]:
    """Known entities named in the text, and known concepts (measures, roles, kinds) the statements use."""
    links: dict[str, Link] = {}
    for entity in analysis.entities.values():
        if not entity.known:
            continue
        hows = sorted({m.how for m in entity.mentions})
        links[entity.iri] = Link(
            entity.iri,
            entity.label,
            local_name(str(entity.cls)) if entity.cls else "?",
            entity.paragraphs,
            ", ".join(hows),
            sorted({m.surface for m in entity.mentions}),
        )
    for statement in statements:
        for _, p, o in statement.triples:
            if p == RDF.type or not isinstance(o, URIRef) or str(o) in links:
                continue
            known = index.entities.get(o)
            if known is None:
                continue
            existing = links.get(str(o))
            if existing is None:
                links[str(o)] = Link(
                    str(o),
                    known.label,
                    local_name(str(known.cls)) if known.cls else "?",
                    [statement.paragraph],
                    "used by a candidate statement",
                    [],
                )
    return sorted(links.values(), key=lambda link: (link.paragraphs[:1], link.iri))


def _decisions(
    analysis: Analysis, statements: list[Statement], options: DraftOptions, date: dt.date | None
) -> list[str]:
    decisions = []
    if date is None:
        if analysis.reference_date:
            decisions.append(
                f"issue date {analysis.reference_date} read from the text: confirm it or pass --date"
            )
        else:
            decisions.append("no issue date given or found: add dct:issued to the source record (--date)")
    if not options.title:
        decisions.append("title taken from the article's first line: check dct:title (or pass --title)")
    if not options.publisher:
        decisions.append(
            "no --publisher: the record says cat:publisherUnknown true; name the publisher if known"
        )
    for entity in analysis.entities.values():
        if entity.known and entity.near_miss is not None:
            surfaces = sorted({m.surface for m in entity.mentions if m.how.startswith("near miss")})
            decisions.append(
                f'"{surfaces[0] if surfaces else entity.label}" linked to {local_name(entity.iri)} '
                f'("{entity.label}") by a near miss ({entity.near_miss:.0f}%): confirm, '
                "and add it as skos:altLabel"
            )
        if entity.ambiguous:
            others = ", ".join(local_name(i) for i in entity.ambiguous)
            decisions.append(
                f'"{entity.label}" could also be {others}: linked to {local_name(entity.iri)}, check'
            )
    for name, numbers in analysis.unclassified.items():
        where = ",".join(map(str, numbers))
        decisions.append(f'¶{where} "{name}": a name with no class evidence; declare it if it is an entity')
    undated = [d for d in analysis.dates if d.precision == "day" and d.value is None]
    for found in undated:
        decisions.append(
            f'¶{found.paragraph} date "{found.text}" has no year and no issue date to take it from'
        )
    for statement in statements:
        for decision in statement.decisions:
            decisions.append(f"¶{statement.paragraph} {statement.what} ({statement.evidence}): {decision}")
    return decisions


def _publisher(index: KnownIndex, name: str) -> URIRef | None:
    keys = label_keys(name)
    iris = sorted(index.by_keys.get(keys, ()))
    if iris:
        return URIRef(iris[0])
    best = index.near_miss(keys, 90.0)
    return URIRef(sorted(index.by_keys[best[0]])[0]) if best else None


def _source_record(
    project,
    index: KnownIndex,
    article: Path,
    options: DraftOptions,
    analysis: Analysis,
    parts: list[Paragraph],
    sources_prefixes: dict[str, str],
    existing: bool,
) -> str:
    """The Turtle appended to graph/sources.ttl: the source record and its paragraphs ("" if it exists)."""
    if existing:
        return ""
    terms = index.terms
    source = SOURCE[options.source_id]
    date = options.date or (analysis.reference_date.isoformat() if analysis.reference_date else None)
    title = options.title or _first_line_title(parts)
    triples: list = []
    extra: list = []
    publisher_label = None
    if options.publisher:
        publisher = _publisher(index, options.publisher)
        if publisher is None:
            news = terms.cls("NewsOrganization", "Organization") or terms.cls("Organization")
            publisher = URIRef(str(ID) + f"{index.kind_for(news)}/{slugify(options.publisher)}")
            extra += [
                (publisher, RDF.type, news or CAT.Organization),
                (publisher, RDFS.label, Literal(options.publisher, lang="en")),
            ]
        publisher_label = (
            index.entities[publisher].label if publisher in index.entities else options.publisher
        )
    when = dt.date.fromisoformat(date).strftime("%-d %B %Y") if date else "undated"
    prefix = f"{publisher_label or options.source_id}, {when}"
    labels = {str(o) for o in project.dataset.graph(SOURCES_GRAPH).objects(None, RDFS.label)}
    if any(label.startswith(prefix) for label in labels):
        prefix += f" ({options.source_id})"  # same publisher, same day: labels must stay distinct
    triples += [
        (source, RDF.type, CAT.Source),
        (source, RDFS.label, Literal(f"{prefix}: {title}", lang="en")),
        (source, DCTERMS.title, Literal(title, lang="en")),
    ]
    if options.publisher:
        triples.append((source, DCTERMS.publisher, publisher))
    elif (flag := terms.prop("publisherUnknown", "publisher unknown")) is not None:
        triples.append((source, flag, Literal(True)))
    if date:
        triples.append((source, DCTERMS.issued, Literal(date, datatype=XSD.date)))
    triples += [
        (source, DCTERMS.language, Literal("en")),
        (source, DCTERMS.identifier, Literal(article.stem)),
    ]
    if options.url:
        triples.append((source, URIRef("https://schema.org/url"), URIRef(options.url)))
    paragraph_cls = terms.cls("Paragraph")
    number_prop = terms.prop("paragraphNumber", "paragraph number")
    line_prop = terms.prop("lineNumber", "line number")
    paragraph_triples = []
    if paragraph_cls is not None and number_prop is not None:
        for part in parts:
            node = URIRef(f"{source}#p{part.number}")
            paragraph_triples += [
                (node, RDF.type, paragraph_cls),
                (node, RDFS.label, Literal(f"{prefix}, paragraph {part.number}", lang="en")),
                (node, DCTERMS.isPartOf, source),
                (node, number_prop, Literal(part.number, datatype=XSD.positiveInteger)),
            ]
            if line_prop is not None:
                paragraph_triples.append((node, line_prop, Literal(part.line, datatype=XSD.positiveInteger)))
    prefixes = _SourcesPrefixes(sources_prefixes)
    lines = [
        "",
        "#################################################################",
        f"# Drafted by `catkg draft` from {article.name}: source {options.source_id} and its paragraphs",
        "#################################################################",
        "",
    ]
    for chunk in (extra, triples):
        if chunk:
            lines += [*block(chunk, prefixes), ""]
    for n in range(0, len(paragraph_triples), 5 if line_prop is not None else 4):
        group = paragraph_triples[n : n + (5 if line_prop is not None else 4)]
        lines += [*block(group, prefixes), ""]
    return "\n".join(lines)


class _SourcesPrefixes(Prefixes):
    """Only the prefixes sources.ttl already declares: the appended block adds no @prefix lines."""

    def __init__(self, bindings: dict[str, str]) -> None:
        self.by_namespace = {ns: p for p, ns in sorted(bindings.items())}
        self.taken = dict(bindings)
        self.used = set()

    def namespace_for(self, iri: str) -> str | None:
        bound = [ns for ns in self.by_namespace if iri.startswith(ns)]
        return max(bound, key=len) if bound else None


def _first_line_title(parts: list[Paragraph]) -> str:
    """A stand-in title: a short first line (a headline), else the first sentence after any dateline."""
    for part in parts:
        words = part.text.split()
        if len(words) < 3:
            continue
        if len(words) <= 16:
            return part.text
        text = part.text
        for dash in (" -- ", " — ", " – "):
            head, found, rest = text.partition(dash)
            if found and len(head.split()) <= 12:
                text = rest
                break
        sentence = text.split(". ")[0].split()
        return " ".join(sentence[:16]) + ("…" if len(sentence) > 16 else "")
    return parts[0].text if parts else "untitled"


def render(
    article: Path,
    text: str,
    source_id: str,
    analysis: Analysis,
    statements: list[Statement],
    links: list[Link],
    new_entities: list[Entity],
    decisions: list[str],
    prefixes: Prefixes,
) -> str:
    """The draft facts file."""
    source = SOURCE[source_id]
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    body: list[str] = []
    # Live triples: paragraph -> known entity it names (safe as they are; the build accepts them).
    body += [
        note(
            "Known entities this article names, linked per paragraph (live triples: keep them or prune them)."
        ),
        note("Each: IRI  label  [class]  how it was found  — the words in the article."),
    ]
    mention_triples = []
    for link in links:
        surfaces = "; ".join(link.surfaces[:3])
        body.append(
            note(
                f'  {prefixes.term(URIRef(link.iri))}  "{link.label}"  [{link.cls}]  {link.how}'
                + (f"  — {surfaces}" if surfaces else "")
                + f"  ¶{','.join(map(str, link.paragraphs))}"
            )
        )
        for number in link.paragraphs:
            mention_triples.append((URIRef(f"{source}#p{number}"), MENTION_PROPERTY, URIRef(link.iri)))
    mention_triples.sort(key=lambda t: (int(str(t[0]).rsplit("#p", 1)[1]), str(t[2])))
    body.append("")
    body += block(mention_triples, prefixes) if mention_triples else []
    body.append("")
    body.append(
        note("New entities: uncomment a block (delete '# ') to accept it; fix class, label and IRI first.")
    )
    body.append("")
    declarations = [s for s in statements if s.what == "new entity"]
    for statement in declarations:
        body.append(note(f"¶{statement.paragraph} new: {statement.evidence}" + _why(statement, analysis)))
        body += commented(block(statement.triples, prefixes))
        body.append("")
    body.append(note("Candidate statements, by paragraph: uncomment the ones the article supports."))
    body.append(note("A statement using a new entity needs that entity's block above uncommented too."))
    body.append("")
    for statement in sorted((s for s in statements if s.what != "new entity"), key=lambda s: s.paragraph):
        header = f"¶{statement.paragraph} {statement.what}: {statement.evidence}"
        if statement.needs:
            header += "  (uses new: " + ", ".join(prefixes.term(URIRef(n)) for n in statement.needs) + ")"
        body.append(note(header))
        for decision in statement.decisions:
            body.append(note(f"  decide: {decision}"))
        body += commented(block(statement.triples, prefixes))
        body.append("")
    body.append(note("Dates and numbers the article states (value, what it counts, where):"))
    for found in analysis.dates:
        role = f" ({found.role})" if found.role else ""
        body.append(note(f'  ¶{found.paragraph} date {found.literal}{role}  — "{found.text}"'))
    for found in analysis.numbers:
        qualifier = f"{found.qualifier} " if found.qualifier else ""
        body.append(
            note(f"  ¶{found.paragraph} {found.kind} {qualifier}{found.value}  {found.noun}".rstrip())
        )
    body.append("")
    if decisions:
        body.append(note("Needs a decision:"))
        body += [note(f"  - {d}") for d in decisions]
        body.append("")
    header = [
        note(
            f"Draft facts of source {source_id} from {article.name} (sha256 {digest}), "
            "written by `catkg draft`."
        ),
        note("Its source record and paragraphs are in graph/sources.ttl. Lines starting '# ' are candidate"),
        note(
            "Turtle: delete the '# ' to accept one. Lines starting '## ' are notes. Then run `catkg build`."
        ),
        note(
            f"Found: {len(links)} known entities linked, {len(new_entities)} new, "
            f"{len(statements) - len(declarations)} candidate statements, {len(analysis.dates)} dates, "
            f"{len(analysis.numbers)} numbers, {len(decisions)} decisions."
        ),
        "",
    ]
    return "\n".join(header + prefixes.header() + [""] + body).rstrip() + "\n"


def _why(statement: Statement, analysis: Analysis) -> str:
    subject = str(statement.triples[0][0])
    entity = analysis.entities.get(subject)
    return f"  [{entity.reason}]" if entity and entity.reason else ""


def print_summary(result: DraftResult, console) -> None:
    """What was linked, what is new, which statements are proposed and what needs a decision (rich)."""
    from rich.markup import escape
    from rich.table import Table

    linked = Table(title=f"linked: {len(result.links)} known entities", title_justify="left")
    for column in ("entity", "label", "class", "¶", "how"):
        linked.add_column(column)
    for link in result.links:
        linked.add_row(
            escape(local_name(link.iri)),
            escape(link.label),
            link.cls,
            ",".join(map(str, link.paragraphs)),
            link.how,
        )
    console.print(linked)
    new = Table(title=f"new: {len(result.new_entities)} candidate entities", title_justify="left")
    for column in ("IRI", "label", "suggested class", "¶", "why"):
        new.add_column(column)
    for entity in result.new_entities:
        new.add_row(
            escape(str(entity.iri).removeprefix(str(ID))),
            escape(entity.label),
            local_name(str(entity.cls)) if entity.cls else "?",
            ",".join(map(str, entity.paragraphs)),
            escape(entity.reason),
        )
    console.print(new)
    kinds: dict[str, int] = {}
    for statement in result.statements:
        if statement.what != "new entity":
            kinds[statement.what] = kinds.get(statement.what, 0) + 1
    console.print(
        "candidate statements: " + (", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "none")
    )
    console.print(
        f"dates: {', '.join(sorted({d.literal for d in result.dates})) or 'none'}; "
        f"numbers: {len(result.numbers)}"
    )
    if result.decisions:
        console.print(f"[yellow]needs a decision ({len(result.decisions)}):[/yellow]")
        for decision in result.decisions:
            console.print(f"  - {escape(decision)}", soft_wrap=True)
    where = "wrote" if result.written else "would write"
    console.print(f"[green]{where}[/green] {result.facts_path}")
    if result.sources_written:
        console.print(
            f"[green]{where}[/green] the source record and paragraphs at the end of {result.sources_path}"
        )
