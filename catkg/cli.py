"""The `catkg` command line: wires the pipeline stages together, prints with rich."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from catkg.build import BuildResult, ProjectLayoutError, build, find_root

app = typer.Typer(
    help="Build, check, query and explore the China-ASEAN STI knowledge graph.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(highlight=False, soft_wrap=True)
errors = Console(stderr=True, highlight=False, soft_wrap=True)

RootOption = Annotated[Path, typer.Option("--root", help="Project folder (default: here or above).")]
OutOption = Annotated[Path | None, typer.Option("--out", help="Output folder (default: ROOT/dist).")]


def project_root(root: Path) -> Path:
    """The project folder, or exit 2 with a message naming the folder."""
    try:
        return find_root(root)
    except ProjectLayoutError as error:
        errors.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None


def _print_findings(result: BuildResult) -> None:
    for finding in result.findings:
        colour = "red" if finding.severity.value == "ERROR" else "yellow"
        errors.print(f"[{colour}]{escape(finding.format())}[/{colour}]", soft_wrap=True)


def _run(
    root: Path, out: Path | None, write: bool, no_reasoner: bool, strict: bool, force: bool
) -> BuildResult:
    with console.status("building…") as status:
        return build(
            project_root(root),
            out,
            reasoner=not no_reasoner,
            strict=strict,
            write=write,
            force=force,
            on_stage=lambda stage: status.update(f"[bold]{stage}[/bold]…"),
        )


def _summary(result: BuildResult, title: str) -> None:
    stats = result.statistics
    table = Table(title=title, show_header=False)
    table.add_row("triples", str(stats.get("triples", "?")))
    for source, count in stats.get("facts_per_source", {}).items():
        table.add_row(f"source {source}", str(count))
    table.add_row("classes with entities", str(len(stats.get("entities_per_class", {}))))
    warns = sum(1 for f in result.findings if f.severity.value == "WARN")
    table.add_row("errors / warnings", f"{len(result.errors)} / {warns}")
    if result.timings:
        table.add_row("time", f"{sum(result.timings.values()):.2f} s")
    console.print(table)


@app.command("build")
def build_command(
    root: RootOption = Path("."),
    out: OutOption = None,
    no_reasoner: Annotated[
        bool, typer.Option("--no-reasoner", help="Skip the HermiT consistency check.")
    ] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Rebuild even if nothing changed.")] = False,
) -> None:
    """Check the curated graph and publish it to dist/ (exit 0 built, 1 data error, 2 bad input)."""
    result = _run(root, out, True, no_reasoner, strict, force)
    _print_findings(result)
    if result.up_to_date:
        console.print(f"[green]up to date[/green]: {result.out} already holds this build")
    elif result.exit_code == 0:
        _summary(result, f"built {result.out}")
    else:
        errors.print(
            f"[red]build failed[/red] ({len(result.errors)} error(s)); the previous output is untouched"
        )
    raise typer.Exit(result.exit_code)


@app.command("validate")
def validate_command(
    root: RootOption = Path("."),
    no_reasoner: Annotated[
        bool, typer.Option("--no-reasoner", help="Skip the HermiT consistency check.")
    ] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
) -> None:
    """Run every check and write nothing."""
    result = _run(root, None, False, no_reasoner, strict, True)
    _print_findings(result)
    if result.exit_code == 0:
        console.print(f"[green]valid[/green]: {len(result.findings)} warning(s)")
    raise typer.Exit(result.exit_code)


@app.command("stats")
def stats_command(
    root: RootOption = Path("."),
    out: OutOption = None,
    central: Annotated[
        int, typer.Option("--central", min=0, help="Also rank the N most central entities.")
    ] = 0,
) -> None:
    """Counts per class and per source, from the last build (building first if needed)."""
    result = _run(root, out, True, False, False, False)
    if result.exit_code != 0:
        _print_findings(result)
        raise typer.Exit(result.exit_code)
    stats = result.statistics
    for title, key in (
        ("entities per class", "entities_per_class"),
        ("facts per source", "facts_per_source"),
    ):
        table = Table(title=title)
        table.add_column(title.split(" per ")[1])
        table.add_column("count", justify="right")
        for name, count in stats[key].items():
            table.add_row(name, str(count))
        console.print(table)
    if central:
        from catkg.analytics import built_entity_graph, centrality_table

        console.print(centrality_table(built_entity_graph(result.out)[0], central))


@app.command("query")
def query_command(
    query: Annotated[
        str | None, typer.Argument(help="A library query NAME (or its number), a .rq FILE, or SPARQL text.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv, tsv, json, xml or md.")] = "table",
    timeout: Annotated[
        float | None, typer.Option("--timeout", help="Stop the query after S seconds (exit 3).")
    ] = None,
    list_only: Annotated[bool, typer.Option("--list", help="List the library and its questions.")] = False,
    root: RootOption = Path("."),
    out: OutOption = None,
) -> None:
    """Run SPARQL on the build (built first if stale); exit 1 query failed, 2 bad query, 3 timed out.

    The default graph is the union of all named graphs; GRAPH ?g reaches each source's own graph.
    CONSTRUCT and DESCRIBE print Turtle; ASK prints true or false.
    """
    from catkg.query import main

    raise typer.Exit(main(query, fmt, timeout, list_only, project_root(root), out, console, errors))


@app.command("serve")
def serve_command(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 7878,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Stop a query after S seconds (HTTP 503).")
    ] = 30.0,
    max_results: Annotated[
        int, typer.Option("--max-results", help="Refuse results over N rows or triples (HTTP 413).")
    ] = 100_000,
    max_body: Annotated[int, typer.Option("--max-body", help="Refuse bodies over N bytes (413).")] = 1048576,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Query processes (default: cores).")
    ] = None,
    root: RootOption = Path("."),
    out: OutOption = None,
) -> None:
    """Read-only SPARQL 1.1 Protocol endpoint at /sparql and a query page at / (built first if stale)."""
    from catkg.query import BuildFailed, ensure_built
    from catkg.serve import Limits, default_workers, serve

    project = project_root(root)
    try:
        dist = ensure_built(project, out, errors)
    except BuildFailed as failure:
        raise typer.Exit(failure.exit_code) from None
    limits = Limits(timeout, max_results, max_body, workers or default_workers())
    serve(dist, project, host, port, limits)


@app.command("push")
def push_command(
    store: Annotated[
        str, typer.Option("--store", help="Graph Store Protocol URL, e.g. http://localhost:7878/store.")
    ],
    user: Annotated[str | None, typer.Option("--user", help="User name for HTTP basic auth.")] = None,
    password: Annotated[str | None, typer.Option("--password", help="Password for HTTP basic auth.")] = None,
    root: RootOption = Path("."),
    out: OutOption = None,
) -> None:
    """PUT every named graph of the build to a triple store (exit 1 refused, 2 unreachable)."""
    from catkg.push import main
    from catkg.query import BuildFailed, ensure_built

    try:
        dist = ensure_built(project_root(root), out, errors)
    except BuildFailed as failure:
        raise typer.Exit(failure.exit_code) from None
    raise typer.Exit(main(dist, store, user, password, console, errors))


@app.command("bench")
def bench_command(
    size: Annotated[int, typer.Option("--size", help="Synthetic corpus size in triples.")] = 10000,
    runs: Annotated[int, typer.Option("--runs", help="Runs per query (medians are reported).")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    curated: Annotated[
        bool, typer.Option("--curated", help="Time `python build.py` on this project (full, no-change).")
    ] = False,
    queries_only: Annotated[
        bool, typer.Option("--queries-only", help="Skip checks and exports: load, reason, store, queries.")
    ] = False,
    seed: Annotated[int, typer.Option("--seed", help="Generator seed.")] = 0,
    no_reasoner: Annotated[bool, typer.Option("--no-reasoner", help="Skip HermiT in the build.")] = False,
    no_rdflib: Annotated[bool, typer.Option("--no-rdflib", help="Skip the rdflib baseline.")] = False,
    cap: Annotated[float, typer.Option("--cap", help="Seconds before an rdflib query is abandoned.")] = 60.0,
    root: RootOption = Path("."),
) -> None:
    """Time the build stages and the queries (CATKG vs raw pyoxigraph vs rdflib) on a synthetic corpus."""
    from catkg.bench import main

    code = main(
        size,
        runs,
        as_json,
        curated=project_root(root) if curated else None,
        queries_only=queries_only,
        seed=seed,
        reasoner=not no_reasoner,
        rdflib=not no_rdflib,
        cap=cap,
        console=console,
        errors=errors,
    )
    raise typer.Exit(code)


@app.command("draft")
def draft_command(
    article: Annotated[Path, typer.Argument(help="The article as a UTF-8 text file.")],
    source_id: Annotated[
        str, typer.Option("--source-id", help="ID of the new source, e.g. wire-2023-09-14.")
    ],
    publisher: Annotated[str | None, typer.Option("--publisher", help="Who published it.")] = None,
    date: Annotated[str | None, typer.Option("--date", help="Issue date, YYYY-MM-DD.")] = None,
    url: Annotated[str | None, typer.Option("--url", help="Where it was published.")] = None,
    title: Annotated[str | None, typer.Option("--title", help="Its title.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing draft of this ID.")] = False,
    root: RootOption = Path("."),
) -> None:
    """Draft graph/facts/ID.ttl from an article: known entities, new ones, candidate statements."""
    from catkg.draft import DraftError, DraftOptions, draft, print_summary

    options = DraftOptions(source_id, publisher, date, url, title, force)
    try:
        result = draft(project_root(root), article, options)
    except DraftError as error:
        errors.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(2) from None
    print_summary(result, console)


def _built_dist(root: Path, out: Path | None) -> Path:
    from catkg.query import BuildFailed, ensure_built

    try:
        return ensure_built(project_root(root), out, errors)
    except BuildFailed as failure:
        raise typer.Exit(failure.exit_code) from None


@app.command("viz")
def viz_command(
    focus: Annotated[
        str | None, typer.Option("--focus", help="Centre on this entity (label, alt label or IRI).")
    ] = None,
    depth: Annotated[int, typer.Option("--depth", min=0, help="Links out from --focus.")] = 1,
    classes: Annotated[
        str | None, typer.Option("--classes", help="Only these classes, comma-separated (e.g. Edition,City).")
    ] = None,
    schema: Annotated[
        bool, typer.Option("--schema", help="Draw the ontology's classes and properties.")
    ] = False,
    page: Annotated[Path | None, typer.Option("--out", help="The .html file to write.")] = None,
    root: RootOption = Path("."),
    dist: Annotated[Path | None, typer.Option("--dist", help="Build folder (default: ROOT/dist).")] = None,
) -> None:
    """Write a network page: ego network, class view or the ontology (exit 2 for an unknown name)."""
    from catkg.analytics import EntityLookupError
    from catkg.network import viz

    if page is not None and page.suffix != ".html":
        errors.print(f"[red]error:[/red] --out {escape(str(page))}: the page must end in .html")
        raise typer.Exit(2)
    wanted = [c.strip() for c in classes.split(",") if c.strip()] if classes else None
    try:
        path, view = viz(
            _built_dist(root, dist), focus=focus, depth=depth, classes=wanted, schema=schema, out=page
        )
    except EntityLookupError as error:
        errors.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(2) from None
    console.print(
        f"wrote {escape(str(path))}: {view.number_of_nodes()} nodes, {view.number_of_edges()} links"
    )


@app.command("path")
def path_command(
    source: Annotated[str, typer.Argument(help="From this entity (label, alt label or IRI).")],
    target: Annotated[str, typer.Argument(help="To this entity.")],
    root: RootOption = Path("."),
    dist: Annotated[Path | None, typer.Option("--dist", help="Build folder (default: ROOT/dist).")] = None,
) -> None:
    """The shortest chain of links between two entities, hop by hop (exit 1 none, 2 unknown name)."""
    from catkg.analytics import EntityLookupError, built_entity_graph, format_hop, resolve, shortest_path

    graph, _ = built_entity_graph(_built_dist(root, dist))
    try:
        a, b = resolve(graph, source), resolve(graph, target)
    except EntityLookupError as error:
        errors.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(2) from None
    hops = shortest_path(graph, a, b)
    names = f"{graph.nodes[a]['label']} and {graph.nodes[b]['label']}"
    if hops is None:
        errors.print(f"no connection between {escape(names)} ({a}, {b})", soft_wrap=True)
        raise typer.Exit(1)
    console.print(f"{len(hops)} link(s) between {escape(names)}:", soft_wrap=True)
    for i, hop in enumerate(hops, 1):
        console.print(f"  {i}. {escape(format_hop(graph, hop))}", soft_wrap=True)


@app.command("diff")
def diff_command(
    file: Annotated[Path, typer.Argument(help="A facts file, in graph/facts/ or not yet in the project.")],
    limit: Annotated[int, typer.Option("--limit", help="Show at most N lines per list.")] = 40,
    root: RootOption = Path("."),
) -> None:
    """What FILE adds to the graph without it: new entities and facts, confirmations, conflicts."""
    from catkg.diff import DiffError, diff_file, print_diff

    try:
        result = diff_file(project_root(root), file)
    except DiffError as error:
        errors.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
        raise typer.Exit(2) from None
    print_diff(result, console, limit)
