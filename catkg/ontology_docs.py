"""Human-readable ontology documentation: dist/ontology.html, made with pyLODE, checked for completeness.

pyLODE 3.3.4 is the last release that runs on Python 3.11. Should it fail on the ontology, a plain page of
our own is written instead, so that the documentation never stops a build that passed every check.
"""

from __future__ import annotations

import fcntl
import hashlib
import html
import logging
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.compare import to_canonical_graph
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from catkg.namespaces import CAT, ONTOLOGY_IRI, PREFIXES

TERM_KINDS = {
    OWL.Class: "class",
    OWL.ObjectProperty: "object property",
    OWL.DatatypeProperty: "datatype property",
    OWL.AnnotationProperty: "annotation property",
}
ALIGNMENT_PROPERTIES = (RDFS.subClassOf, OWL.equivalentClass, RDFS.subPropertyOf, OWL.equivalentProperty)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TermDoc:
    """What the documentation must say about one term of the ontology."""

    iri: str
    kind: str
    label: str
    comment: str
    domains: list[str] = field(default_factory=list)
    ranges: list[str] = field(default_factory=list)
    alignments: list[str] = field(default_factory=list)


def _english(graph: Graph, term: URIRef, prop: URIRef) -> str:
    values = sorted(graph.objects(term, prop), key=lambda v: (getattr(v, "language", None) != "en", str(v)))
    return str(values[0]) if values else ""


def _named(graph: Graph, node: object) -> list[str]:
    """The named classes of a class expression: itself, or the members of an owl:unionOf."""
    if isinstance(node, URIRef):
        return [str(node)]
    if isinstance(node, BNode):
        members = graph.value(node, OWL.unionOf)
        if members is not None:
            return sorted(str(m) for m in Collection(graph, members) if isinstance(m, URIRef))
    return []


def documented_terms(graph: Graph) -> list[TermDoc]:
    """The ontology's own classes and properties (in the cat: namespace or defined by it), sorted by IRI."""
    terms: list[TermDoc] = []
    for rdf_type, kind in TERM_KINDS.items():
        for term in set(graph.subjects(RDF.type, rdf_type)):
            own = str(term).startswith(str(CAT)) or (term, RDFS.isDefinedBy, ONTOLOGY_IRI) in graph
            if not isinstance(term, URIRef) or not own:
                continue
            terms.append(
                TermDoc(
                    iri=str(term),
                    kind=kind,
                    label=_english(graph, term, RDFS.label),
                    comment=_english(graph, term, RDFS.comment),
                    domains=sorted(
                        d for node in graph.objects(term, RDFS.domain) for d in _named(graph, node)
                    ),
                    ranges=sorted(r for node in graph.objects(term, RDFS.range) for r in _named(graph, node)),
                    alignments=sorted(
                        str(target)
                        for prop in ALIGNMENT_PROPERTIES
                        for target in graph.objects(term, prop)
                        if isinstance(target, URIRef) and not str(target).startswith(str(CAT))
                    ),
                )
            )
    return sorted(terms, key=lambda t: (t.iri, t.kind))


def _import_ontpub() -> type:
    """pyLODE's OntPub, without the DEBUG logging that pyLODE switches on for the whole process at import."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        from pylode import OntPub
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
    return OntPub


# Shared by every process of this machine that renders a page.
PYLODE_LOCK = Path(tempfile.gettempdir()) / "catkg-pylode.lock"


@contextmanager
def pylode_loading_turn() -> Iterator[None]:
    """Hold the machine-wide turn to start pyLODE.

    On first use pyLODE pickles its background ontologies into its own package folder, not atomically,
    and a process starting meanwhile loads half a pickle and fails (seen once in CI on a fresh venv,
    where it gave the plain page); processes therefore take turns while pyLODE loads.
    """
    with PYLODE_LOCK.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# pyLODE renders the members of an owl:unionOf in set order, which changes from run to run.
_MEMBER = r"<span>(?:(?!<span).)*?</span>"
_UNION = re.compile(rf'{_MEMBER}(?:\s*<span class="cardinality">or</span>\s*{_MEMBER})+', re.DOTALL)
_UNION_SEPARATOR = re.compile(r'\s*<span class="cardinality">or</span>\s*')


def _sort_unions(page: str) -> str:
    def ordered(match: re.Match[str]) -> str:
        members = _UNION_SEPARATOR.split(match.group(0))
        separator = '\n                <span class="cardinality">or</span>\n                '
        return separator.join(sorted(m.strip() for m in members))

    return _UNION.sub(ordered, page)


def canonical_triples(graph: Graph) -> list[tuple[Node, Node, Node]]:
    """The triples of `graph` with canonical blank-node ids, sorted."""
    return sorted(to_canonical_graph(graph))


def pylode_html(graph: Graph, triples: list[tuple[Node, Node, Node]] | None = None) -> str:
    """The pyLODE (OntPub profile) page of the ontology, deterministic (`triples`: its canonical form)."""
    OntPub = _import_ontpub()
    # Canonical blank-node ids and sorted insertion make pyLODE's iteration order the same on every run;
    # it also gets a copy, since it adds triples to the graph it is given.
    canonical = Graph(bind_namespaces="none")
    triples = canonical_triples(graph) if triples is None else triples
    iris = {str(term) for triple in triples for term in triple if isinstance(term, URIRef)}
    # pyLODE scans every bound namespace for every term; binding only those in use (58 -> about 15)
    # makes the page no different and saves a third of its time.
    for prefix, namespace in graph.namespace_manager.namespaces():
        if any(iri.startswith(str(namespace)) for iri in iris):
            canonical.bind(prefix, namespace, override=True)
    for triple in triples:
        canonical.add(triple)
    with pylode_loading_turn():
        publisher = OntPub(canonical)
    return _sort_unions(publisher.make_html())


def _link(iri: str, by_iri: dict[str, TermDoc]) -> str:
    if iri in by_iri:
        return f'<a href="#{html.escape(_local(iri))}">{html.escape(by_iri[iri].label or _local(iri))}</a>'
    return f'<a href="{html.escape(iri)}">{html.escape(_qname(iri))}</a>'


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def _qname(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def plain_html(graph: Graph) -> str:
    """A self-contained page listing every term with its label, comment, domain, range and alignments."""
    terms = documented_terms(graph)
    by_iri = {t.iri: t for t in terms}
    title = html.escape(_english(graph, ONTOLOGY_IRI, RDFS.label) or "CATKG ontology")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{title}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto}th{text-align:left;padding-right:1em}"
        "div.entity{border-top:1px solid #ccc;padding:.5em 0}</style>",
        f"</head><body><h1>{title}</h1>",
    ]
    for kind in TERM_KINDS.values():
        of_kind = [t for t in terms if t.kind == kind]
        if not of_kind:
            continue
        parts.append(f"<h2>{html.escape(kind.capitalize())} ({len(of_kind)})</h2>")
        for term in of_kind:
            rows = [
                ("IRI", f"<code>{html.escape(term.iri)}</code>"),
                ("Description", html.escape(term.comment)),
            ]
            for name, values in (
                ("Domain", term.domains),
                ("Range", term.ranges),
                ("Alignments", term.alignments),
            ):
                if values:
                    rows.append((name, " or ".join(_link(v, by_iri) for v in values)))
            table = "".join(f"<tr><th>{name}</th><td>{cell}</td></tr>" for name, cell in rows)
            parts.append(
                f'<div class="property entity" id="{html.escape(_local(term.iri))}">'
                f"<h3>{html.escape(term.label)}</h3><table>{table}</table></div>"
            )
    parts.append("</body></html>\n")
    return "\n".join(parts)


def render_html(graph: Graph, triples: list[tuple[Node, Node, Node]] | None = None) -> str:
    """The documentation page: pyLODE's, or the plain page when pyLODE cannot document the ontology."""
    try:
        return pylode_html(graph, triples)
    except Exception as error:  # pyLODE failing must not fail a build whose data passed every check
        log.warning(
            "pyLODE failed (%s: %s); writing the plain ontology page instead", type(error).__name__, error
        )
        return plain_html(graph)


def ontology_digest(graph: Graph, triples: list[tuple[Node, Node, Node]] | None = None) -> str:
    """A digest of the ontology's triples (blank nodes canonicalised) and of the tools that document it."""
    triples = canonical_triples(graph) if triples is None else triples
    try:
        tools = f"pylode {version('pylode')}"
    except PackageNotFoundError:
        tools = "pylode absent"
    digest = hashlib.sha256(f"{tools}; catkg.ontology_docs 1\n".encode())
    for line in sorted(f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in triples):
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()


def _digest_mark(digest: str) -> str:
    return f"<!-- catkg:ontology-digest {digest} -->\n"


def previous_page(graph: Graph, previous: Path) -> str | None:
    """The last build's page if it documents this very ontology with the same tools, else None."""
    if not previous.is_file():
        return None
    page = previous.read_text(encoding="utf-8")
    return page if page.endswith(_digest_mark(ontology_digest(graph))) else None


def ontology_page(graph: Graph) -> str:
    """The documentation page of `graph`, ending with the digest mark that lets a later build reuse it."""
    # Canonicalising blank nodes is a tenth of the work: done once for the page and its digest.
    triples = canonical_triples(graph)
    page = render_html(graph, triples)
    return (page if page.endswith("\n") else page + "\n") + _digest_mark(ontology_digest(graph, triples))


def write_ontology_html(graph: Graph, path: Path, previous: Path | None = None) -> Path:
    """Write the ontology's documentation page to `path`.

    pyLODE takes a second; when `previous` (the last build's page) documents the same ontology with the
    same tools, it is copied instead, so a build that only changes facts does not pay for it again.
    """
    page = previous_page(graph, previous) if previous is not None else None
    path.write_text(page or ontology_page(graph), encoding="utf-8")
    return path


class _EntityBlocks(HTMLParser):
    """The text and links of each `<div class="... entity">` block of a documentation page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[dict[str, list[str]]] = []
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "div":
            if self._depth:
                self._depth += 1
            elif "entity" in (values.get("class") or "").split():
                self._depth = 1
                self.blocks.append({"text": [], "hrefs": []})
        elif self._depth and tag == "a" and values.get("href"):
            self.blocks[-1]["hrefs"].append(values["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._depth:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.blocks[-1]["text"].append(data)


def _squash(text: str) -> str:
    return " ".join(text.split())


def missing_documentation(graph: Graph, page: str) -> list[str]:
    """What the page fails to say about the ontology's terms, one message per gap (empty when complete)."""
    parser = _EntityBlocks()
    parser.feed(page)
    blocks = [(_squash(" ".join(b["text"])), set(b["hrefs"])) for b in parser.blocks]
    terms = documented_terms(graph)
    by_iri = {t.iri: t for t in terms}
    gaps: list[str] = []
    for term in terms:
        found = [(text, hrefs) for text, hrefs in blocks if term.iri in text.split()]
        if not found:
            gaps.append(f"{term.iri}: no entry for this {term.kind}")
            continue
        text, hrefs = found[0]
        for what, expected in (("label", term.label), ("comment", term.comment)):
            if expected and _squash(expected) not in text:
                gaps.append(f"{term.iri}: {what} {expected!r} not shown")
        for what, targets in (
            ("domain", term.domains),
            ("range", term.ranges),
            ("alignment", term.alignments),
        ):
            for target in targets:
                own = by_iri.get(target)
                shown = (own.label in text) if own else (target in hrefs)
                if not shown:
                    gaps.append(f"{term.iri}: {what} {target} not shown")
    return gaps
