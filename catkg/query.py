"""SPARQL over the build: the store in memory, queries with a real timeout, the query library, output formats.

pyoxigraph's Python API cannot cancel a running query (the Rust engine has a cancellation token, the
binding does not expose it: oxigraph issue #1926). A query with a timeout therefore runs in a forked
child process that shares the in-memory store copy-on-write and is killed at the deadline.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pyoxigraph as ox
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from catkg.forked import ChildDied, DeadlinePassed, call_in_fork
from catkg.namespaces import PREFIXES

QueryResult = ox.QuerySolutions | ox.QueryBoolean | Iterator[ox.Triple]
FORMATS = ("table", "csv", "tsv", "json", "xml", "md")
RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
EXIT_TIMEOUT = 3
_POSITION = re.compile(r"error at (\d+):(\d+): ?(.*)", re.DOTALL)
_QUESTION = re.compile(r"^#\s*Question:\s*(.+?)\s*$", re.MULTILINE | re.IGNORECASE)
_FIRST_COMMENT = re.compile(r"^#\s*(.+?)\s*$", re.MULTILINE)
# A readable local name for display (slashes allowed: `id:org/most` reads better than the full IRI).
_LOCAL = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_./-]*[A-Za-z0-9_-])?")


class QueryError(Exception):
    """A query could not be answered; the message is meant for the user."""


class QuerySyntaxError(QueryError):
    """The SPARQL text does not parse; knows the line and column oxigraph reported."""

    def __init__(self, sparql: str, message: str, line: int | None = None, column: int | None = None):
        super().__init__(sparql, message, line, column)
        self.sparql, self.message, self.line, self.column = sparql, message, line, column

    @classmethod
    def from_oxigraph(cls, sparql: str, error: SyntaxError) -> QuerySyntaxError:
        """Wrap pyoxigraph's `error at L:C: message`."""
        match = _POSITION.match(str(error))
        if not match:
            return cls(sparql, str(error))
        return cls(sparql, match.group(3) or "syntax error", int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return self.format()

    def format(self, source: str = "query") -> str:
        """`source:line:column: SPARQL syntax error: ...` then the offending line and a caret."""
        if self.line is None:
            return f"{source}: SPARQL syntax error: {self.message}"
        lines = self.sparql.splitlines() or [""]
        text = lines[min(self.line, len(lines)) - 1]
        # oxigraph may point one past the end of the line; keep the caret just after the text.
        caret = min(max(self.column or 1, 1), len(text) + 1)
        return (
            f"{source}:{self.line}:{self.column}: SPARQL syntax error: {self.message}\n"
            f"  {text}\n  {' ' * (caret - 1)}^"
        )


class QueryTimeout(QueryError):
    """The query ran past its deadline and was stopped."""

    def __init__(self, seconds: float):
        super().__init__(seconds)
        self.seconds = seconds

    def __str__(self) -> str:
        return f"query stopped after {self.seconds:g} s (timeout); narrow it down or raise --timeout"


@dataclass(frozen=True)
class LibraryQuery:
    """One competency question of the library: queries/<name>.rq."""

    name: str
    path: Path
    question: str
    sparql: str


def open_store(dist: Path, in_memory: bool = True) -> ox.Store:
    """The build's store (dist/store): copied into memory (about 3x faster to query) or opened read-only."""
    location = Path(dist) / "store"
    if not location.is_dir():
        raise QueryError(f"{location}: no store here; run `catkg build` first")
    disk = ox.Store.read_only(str(location))
    if not in_memory:
        return disk
    store = ox.Store()
    store.bulk_extend(disk.quads_for_pattern(None, None, None, None))
    return store


def _query(store: ox.Store, sparql: str) -> QueryResult:
    try:
        return store.query(sparql, use_default_graph_as_union=True)
    except SyntaxError as error:
        raise QuerySyntaxError.from_oxigraph(sparql, error) from None


def run(store: ox.Store, sparql: str, timeout: float | None = None) -> QueryResult:
    """Answer `sparql` with the default graph as the union of all graphs; stop it after `timeout` s.

    Without a timeout this is pyoxigraph's own `Store.query`, lazily evaluated. With one, the query
    runs to completion in a forked child and the parent re-reads its serialised answer.
    """
    if timeout is None:
        return _query(store, sparql)
    return _run_in_child(store, sparql, timeout)


def _serialised_answer(store: ox.Store, sparql: str) -> tuple[str, object]:
    """The query's answer in a picklable form (run in the child of `call_in_fork`)."""
    result = _query(store, sparql)
    if isinstance(result, ox.QueryBoolean):
        return "boolean", bool(result)
    if isinstance(result, ox.QuerySolutions):
        return "solutions", result.serialize(format=ox.QueryResultsFormat.JSON)
    return "triples", ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)


def _run_in_child(store: ox.Store, sparql: str, timeout: float) -> QueryResult:
    try:
        kind, payload = call_in_fork(_serialised_answer, store, sparql, timeout=timeout)
    except DeadlinePassed:
        raise QueryTimeout(timeout) from None
    except ChildDied as error:
        raise QueryError(str(error).replace("child process", "query process")) from None
    except QueryError:
        raise
    except Exception as error:  # anything else the engine raised, as a clean message
        raise QueryError(f"{type(error).__name__}: {error}") from None
    if kind == "boolean":
        return ox.parse_query_results(
            b'{"head":{},"boolean":%s}' % (b"true" if payload else b"false"), ox.QueryResultsFormat.JSON
        )
    if kind == "solutions":
        return ox.parse_query_results(payload, ox.QueryResultsFormat.JSON)
    return (ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(payload, ox.RdfFormat.N_TRIPLES))


def library(root: Path) -> list[LibraryQuery]:
    """The library queries in ROOT/queries/*.rq (not the checks), sorted by name."""
    queries = []
    for path in sorted((Path(root) / "queries").glob("*.rq")):
        sparql = path.read_text(encoding="utf-8")
        found = _QUESTION.search(sparql) or _FIRST_COMMENT.search(sparql)
        queries.append(LibraryQuery(path.stem, path, found.group(1) if found else "", sparql))
    return queries


def find_library_query(queries: list[LibraryQuery], name: str) -> LibraryQuery | None:
    """The query called `name`, or the only one whose numeric prefix (`1`, `01`) or slug is `name`."""
    exact = [q for q in queries if q.name == name]
    if exact:
        return exact[0]

    def matches(query: LibraryQuery) -> bool:
        number, _, slug = query.name.partition("-")
        if name.isdigit() and number.isdigit():
            return int(number) == int(name)
        return number.isdigit() and slug == name

    candidates = [q for q in queries if matches(q)]
    return candidates[0] if len(candidates) == 1 else None


def resolve(spec: str, queries: list[LibraryQuery]) -> tuple[str, str]:
    """(label, SPARQL text) for a library NAME, a FILE path or inline SPARQL."""
    path = Path(spec)
    if "\n" not in spec and len(spec) < 4096 and path.suffix in (".rq", ".sparql") and path.is_file():
        return str(path), path.read_text(encoding="utf-8")
    found = find_library_query(queries, spec)
    if found:
        return str(found.path), found.sparql
    if re.search(r"[\s{]", spec):
        return "query", spec
    if path.is_file():
        return str(path), path.read_text(encoding="utf-8")
    names = ", ".join(q.name for q in queries) or "none"
    raise QueryError(f"{spec}: no such query file or library query (library: {names})")


def display_prefixes(dist: Path) -> dict[str, str]:
    """The prefixes declared at the top of the build's graph.ttl, else the standard ones."""
    header: list[str] = []
    try:
        with (Path(dist) / "graph.ttl").open(encoding="utf-8") as handle:
            for line in handle:
                if not line.startswith("@prefix"):
                    break
                header.append(line)
    except OSError:
        return dict(PREFIXES)
    parser = ox.parse("".join(header), ox.RdfFormat.TURTLE)
    list(parser)
    prefixes = dict(parser.prefixes)
    for prefix, namespace in PREFIXES.items():  # e.g. `id:`, which the Turtle export drops
        if prefix not in prefixes and namespace not in prefixes.values():
            prefixes[prefix] = namespace
    return prefixes


def compact(
    term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None, prefixes: dict[str, str]
) -> str:
    """A short human form: prefixed IRIs where the local part is plain, literal values without quotes."""
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        return term.value
    if not isinstance(term, ox.NamedNode):
        return str(term)
    iri = term.value
    candidates = [
        (prefix, namespace)
        for prefix, namespace in prefixes.items()
        if iri.startswith(namespace) and _LOCAL.fullmatch(iri[len(namespace) :])
    ]
    if not candidates:
        return f"<{iri}>"
    prefix, namespace = max(candidates, key=lambda item: len(item[1]))
    return f"{prefix}:{iri[len(namespace) :]}"


def rows(result: ox.QuerySolutions, prefixes: dict[str, str]) -> tuple[list[str], list[list[str]]]:
    """Variable names and compacted rows of a SELECT result."""
    variables = [v.value for v in result.variables]
    return variables, [[compact(solution[v], prefixes) for v in variables] for solution in result]


def write_result(
    result: QueryResult, fmt: str, out: IO[bytes], prefixes: dict[str, str], console: Console | None = None
) -> int:
    """Write `result` in `fmt` to `out` (a table goes to the rich `console`); return the number of rows."""
    if isinstance(result, ox.QueryBoolean):
        if fmt in RESULT_FORMATS:
            out.write(result.serialize(format=RESULT_FORMATS[fmt]) + b"\n")
        else:
            out.write(b"true\n" if result else b"false\n")
        return 1
    if not isinstance(result, ox.QuerySolutions):
        triples = list(result)
        out.write(ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=prefixes))
        return len(triples)
    if fmt in RESULT_FORMATS:
        data = result.serialize(format=RESULT_FORMATS[fmt])
        out.write(data if data.endswith(b"\n") else data + b"\n")
        return -1
    variables, table = rows(result, prefixes)
    if fmt == "md":
        out.write(markdown_table(variables, table).encode())
    else:
        view = Table(*variables, caption=f"{len(table)} row(s)")
        for row in table:
            view.add_row(*(escape(cell) for cell in row))
        (console or Console()).print(view)
    return len(table)


def markdown_table(variables: list[str], table: Iterable[list[str]]) -> str:
    """A GitHub-flavoured Markdown table; pipes and newlines in cells are escaped."""

    def cell(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", "<br>")

    lines = ["| " + " | ".join(variables) + " |", "|" + "---|" * len(variables)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in table]
    return "\n".join(lines) + "\n"


def stdout_bytes() -> IO[bytes]:
    """The binary standard output (results are bytes from pyoxigraph's serialisers)."""
    return sys.stdout.buffer


class BuildFailed(Exception):
    """The project does not build and there is no previous build to answer from."""

    def __init__(self, exit_code: int):
        super().__init__(exit_code)
        self.exit_code = exit_code


def ensure_built(root: Path, out: Path | None, errors: Console) -> Path:
    """The output folder of an up-to-date build: built now if missing or stale (an unchanged project is not).

    A failed build falls back to the previous output when there is one, with a warning.
    """
    from catkg.build import build

    with errors.status("checking the build…") as status:
        result = build(root, out, on_stage=lambda stage: status.update(f"building: {stage}…"))
    dist = (out or root / "dist").resolve()
    if result.exit_code == 0:
        return dist
    if (dist / "store").is_dir():
        errors.print(
            f"[yellow]warning:[/yellow] the build failed ({len(result.errors)} error(s); `catkg build` shows "
            f"them); answering from the previous build in {escape(str(dist))}"
        )
        return dist
    for finding in result.findings:
        errors.print(escape(finding.format()), soft_wrap=True)
    raise BuildFailed(result.exit_code)


def print_library(queries: list[LibraryQuery], console: Console) -> None:
    """The library as a table: name and question."""
    view = Table("name", "question", title=f"{len(queries)} library queries", title_justify="left")
    for query in queries:
        view.add_row(query.name, query.question)
    console.print(view)


def main(
    spec: str | None,
    fmt: str,
    timeout: float | None,
    list_only: bool,
    root: Path,
    out: Path | None,
    console: Console,
    errors: Console,
) -> int:
    """`catkg query`: 0 answered, 1 evaluation failed, 2 bad query or usage, 3 stopped by --timeout."""
    queries = library(root)
    if list_only:
        print_library(queries, console)
        return 0
    if fmt not in FORMATS:
        errors.print(f"[red]error:[/red] unknown format {escape(fmt)!r}; choose one of {', '.join(FORMATS)}")
        return 2
    if timeout is not None and timeout <= 0:
        errors.print("[red]error:[/red] --timeout must be a positive number of seconds")
        return 2
    if not spec:
        errors.print(
            "[red]error:[/red] give a library query NAME, a FILE or SPARQL text (`--list` shows the library)"
        )
        return 2
    try:
        label, sparql = resolve(spec, queries)
    except QueryError as error:
        errors.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
        return 2
    try:
        dist = ensure_built(root, out, errors)
    except BuildFailed as failure:
        return failure.exit_code
    store = open_store(dist)
    try:
        result = run(store, sparql, timeout)
        write_result(result, fmt, stdout_bytes(), display_prefixes(dist), console)
    except QuerySyntaxError as error:
        errors.print(f"[red]{escape(error.format(label))}[/red]", soft_wrap=True)
        return 2
    except QueryTimeout as error:
        errors.print(f"[red]error:[/red] {escape(label)}: {escape(str(error))}", soft_wrap=True)
        return EXIT_TIMEOUT
    except (QueryError, OSError, RuntimeError, ValueError) as error:
        errors.print(f"[red]error:[/red] {escape(label)}: query failed: {escape(str(error))}", soft_wrap=True)
        return 1
    sys.stdout.flush()
    return 0
