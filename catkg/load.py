"""Load stage: read the ontology, shapes and curated files into one rdflib Dataset.

Each file becomes its own named graph (see `namespaces.graph_iri_for`), and the line where each
term is written is remembered so every later finding can say `path:line`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.term import Node

from catkg.findings import Finding, Severity
from catkg.heap import paused_collector
from catkg.namespaces import PREFIXES, graph_iri_for, merged_prefixes
from catkg.oxi import to_rdflib
from catkg.sourcemap import TermLines, deferred_term_lines

MAX_FILE_BYTES = 50 * 1024 * 1024
SHAPES_FILE = "ontology/shapes.ttl"

# A named graph's triples, given its name (`Project.graph_triples`).
TriplesOf = Callable[[URIRef], Iterable[tuple[Node, Node, Node]]]

# rdflib logs a traceback for every ill-typed literal; the lint check reports them properly.
logging.getLogger("rdflib.term").setLevel(logging.CRITICAL)


@dataclass
class SourceFile:
    """One Turtle file of the project and what the loader learned about it."""

    relpath: str
    graph: URIRef
    sha256: str
    prefixes: dict[str, str] = field(default_factory=dict)
    lines: TermLines = field(default_factory=TermLines)
    triples: int = 0
    parsed: bool = False


@dataclass
class Project:
    """The loaded project: the dataset of every data file, the shapes, and where terms are written."""

    root: Path
    dataset: Dataset
    shapes: Graph
    files: list[SourceFile]
    findings: list[Finding]
    prefixes: dict[str, str] = field(default_factory=lambda: dict(PREFIXES))
    # Each named graph's distinct triples as loaded, in file order (see `graph_triples`).
    statements: dict[URIRef, list[tuple[Node, Node, Node]]] = field(default_factory=dict, repr=False)

    def graph_triples(self, graph: URIRef) -> Sequence[tuple[Node, Node, Node]]:
        """The triples of the named graph `graph`: the loader's list (walking it takes 0.3 s for 1M
        triples, walking rdflib's store 3.7 s) while the graph holds as many triples as the list, else
        read from the store. Nothing in the build edits a loaded graph; a caller that adds or removes
        triples gets the store's."""
        listed = self.statements.get(graph)
        stored = self.dataset.graph(graph)
        if listed is not None and len(listed) == len(stored):
            return listed
        return list(stored)

    def file_for_graph(self, graph: URIRef) -> SourceFile | None:
        """The file loaded into named graph `graph`."""
        owners = self._index().by_graph.get(graph)
        return owners[0] if owners else None

    def locate(self, term: object, prefer_graph: URIRef | None = None) -> tuple[str, int]:
        """`(path, line)` where `term` is best shown to a curator: its subject block, else a use.

        The files of `prefer_graph` come first, then the data files, then the ontology's, each in
        load order; an index built once answers in constant time per term.
        """
        iri = str(term)
        index = self._index()
        owners = index.by_graph.get(prefer_graph, []) if prefer_graph is not None else []
        preferred = sorted(owners, key=lambda f: f.relpath.startswith("ontology/"))
        for source in preferred:
            if iri in source.lines.subjects:
                return source.relpath, source.lines.subjects[iri]
        if (source := index.subjects.get(iri)) is not None:
            return source.relpath, source.lines.subjects[iri]
        for source in preferred:
            if iri in source.lines.uses:
                return source.relpath, source.lines.uses[iri]
        if (source := index.uses.get(iri)) is not None:
            return source.relpath, source.lines.uses[iri]
        if owners:
            return owners[0].relpath, 1
        return "graph/", 1

    def _index(self) -> _FileIndex:
        index = self.__dict__.get("_file_index")
        if index is None or index.files != len(self.files):
            index = self.__dict__["_file_index"] = _FileIndex.of(self.files)
        return index


@dataclass
class _FileIndex:
    """The files of each graph (in load order) and, for each IRI, the first file (data files before the
    ontology's) writing it as a subject or at all."""

    files: int
    by_graph: dict[URIRef, list[SourceFile]]
    subjects: dict[str, SourceFile]
    uses: dict[str, SourceFile]

    @classmethod
    def of(cls, files: list[SourceFile]) -> _FileIndex:
        by_graph: dict[URIRef, list[SourceFile]] = {}
        subjects: dict[str, SourceFile] = {}
        uses: dict[str, SourceFile] = {}
        for source in files:
            by_graph.setdefault(source.graph, []).append(source)
        for source in sorted(files, key=lambda f: f.relpath.startswith("ontology/")):
            for iri in source.lines.subjects:
                subjects.setdefault(iri, source)
            for iri in source.lines.uses:
                uses.setdefault(iri, source)
        return cls(len(files), by_graph, subjects, uses)


def project_files(root: Path) -> list[Path]:
    """Every Turtle file the build reads, in a fixed order: ontology first, then graph/."""
    ontology = sorted((root / "ontology").glob("*.ttl"))
    data = sorted((root / "graph").rglob("*.ttl"))
    return ontology + data


def _to_rdflib(term: object, bnodes: dict[str, BNode], prefix: str) -> Node:
    if isinstance(term, ox.BlankNode):
        # Blank node ids are random per parse; renaming them by order keeps exports stable.
        if term.value not in bnodes:
            bnodes[term.value] = BNode(f"{prefix}b{len(bnodes)}")
        return bnodes[term.value]
    return to_rdflib(term)


class _Terms(dict):
    """rdflib terms by pyoxigraph term, shared by every file of a load.

    A term written many times is converted (and its IRI validated, its literal parsed) once, and the
    dataset then holds one object for it instead of one per occurrence.
    """

    def __missing__(self, term: ox.NamedNode | ox.Literal) -> Node:
        converted = self[term] = to_rdflib(term)
        return converted


def add_triples(graph: Graph, triples: Iterable[tuple[Node, Node, Node]]) -> None:
    """Add `triples` to `graph` (a plain graph or a dataset's named graph) through its store.

    `Store.add` directly, not `Graph.addN`, which re-checks every term and filters every quad. (Filling
    rdflib's Memory indexes by hand was a third faster at load, but would depend on its private layout.)
    """
    add = graph.store.add
    for triple in triples:
        add(triple, graph, False)


def turtle_parser(path: Path, text: str) -> ox.QuadParser:
    """Oxigraph's parser for the text of the project file `path`, relative IRIs resolved against the file."""
    return ox.parse(text, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri())


def read_text(path: Path, relpath: str, findings: list[Finding]) -> str | None:
    """The text of the project file `path`; None, with a finding, if too large, not UTF-8 or binary."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        findings.append(
            Finding(
                relpath,
                1,
                0,
                Severity.ERROR,
                "input",
                f"file is {size / 2**20:.0f} MB, over the {MAX_FILE_BYTES // 2**20} MB limit",
                hint="split it into several files, one per source",
            )
        )
        return None
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        findings.append(
            Finding(
                relpath,
                line,
                column,
                Severity.ERROR,
                "input",
                f"not UTF-8: byte 0x{data[error.start]:02x} cannot be decoded",
                hint="re-save the file as UTF-8",
            )
        )
        return None
    if b"\x00" in data:
        findings.append(
            Finding(
                relpath,
                data[: data.index(b"\x00")].count(b"\n") + 1,
                0,
                Severity.ERROR,
                "input",
                "binary content (NUL byte) in a Turtle file",
                hint="only text Turtle files belong under ontology/ and graph/",
            )
        )
        return None
    return text


def _syntax_finding(relpath: str, error: SyntaxError) -> Finding:
    message = str(error.args[0]) if error.args else str(error)
    message = message.removeprefix("Parser error ")
    return Finding(
        relpath,
        error.lineno or 1,
        error.offset or 0,
        Severity.ERROR,
        "syntax",
        f"Turtle syntax: {message}",
        hint="fix the statement at this position; every statement ends with ' .'",
    )


def parse_file(
    path: Path, relpath: str, findings: list[Finding], terms: dict | None = None
) -> tuple[SourceFile, list[tuple]]:
    """Parse one Turtle file into rdflib triples, appending syntax or input findings.

    `terms`, a `_Terms` cache, may be shared by the files of one load.
    """
    raw = path.read_bytes() if path.stat().st_size <= MAX_FILE_BYTES else b""
    source = SourceFile(relpath=relpath, graph=graph_iri_for(relpath), sha256=hashlib.sha256(raw).hexdigest())
    text = read_text(path, relpath, findings)
    if text is None:
        return source, []
    parser = turtle_parser(path, text)
    bnodes: dict[str, BNode] = {}
    stem = Path(relpath).stem.replace("-", "_") + "_"
    known = _Terms() if terms is None else terms

    def convert(term: object) -> Node:
        return _to_rdflib(term, bnodes, stem) if isinstance(term, ox.BlankNode) else known[term]

    try:
        triples = [(convert(q.subject), known[q.predicate], convert(q.object)) for q in parser]
    except SyntaxError as error:
        findings.append(_syntax_finding(relpath, error))
        return source, []
    source.prefixes = dict(parser.prefixes)
    source.lines = deferred_term_lines(text, source.prefixes)
    source.triples = len(triples)
    source.parsed = True
    if not triples:
        findings.append(
            Finding(
                relpath,
                1,
                0,
                Severity.ERROR,
                "syntax",
                "file states no triples",
                hint="add the file's statements or delete the file",
            )
        )
    return source, triples


def load_project(root: Path) -> Project:
    """Load every project file; unreadable or malformed files become findings, not exceptions."""
    root = root.resolve()
    dataset = Dataset(default_union=True)
    for prefix, namespace in PREFIXES.items():
        dataset.bind(prefix, namespace)
    shapes = Graph()
    files: list[SourceFile] = []
    findings: list[Finding] = []
    terms = _Terms()
    statements: dict[URIRef, list[tuple[Node, Node, Node]]] = {}
    with paused_collector():
        for path in project_files(root):
            relpath = path.relative_to(root).as_posix()
            source, triples = parse_file(path, relpath, findings, terms)
            if relpath == SHAPES_FILE:
                for triple in triples:
                    shapes.add(triple)
            else:
                files.append(source)
                add_triples(dataset.graph(source.graph), triples)
                statements.setdefault(source.graph, []).extend(triples)
        for graph, listed in statements.items():
            # A triple written twice (in one file, or in two files of one graph) is stored once.
            if len(listed) != len(dataset.graph(graph)):
                statements[graph] = list(dict.fromkeys(listed))
    prefixes = merged_prefixes([f.prefixes for f in files])
    for prefix, namespace in prefixes.items():
        dataset.bind(prefix, namespace, override=True, replace=True)
    for prefix, namespace in PREFIXES.items():
        shapes.bind(prefix, namespace)
    return Project(
        root=root,
        dataset=dataset,
        shapes=shapes,
        files=files,
        findings=findings,
        prefixes=prefixes,
        statements=statements,
    )
