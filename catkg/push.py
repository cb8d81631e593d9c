"""`catkg push`: publish every named graph of the build to a SPARQL 1.1 Graph Store HTTP Protocol endpoint.

One PUT per graph (`URL?graph=<iri>`, N-Triples body): PUT replaces the graph, so pushing twice
leaves the same data. Graphs the server holds that the build no longer has are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pyoxigraph as ox
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

NTRIPLES = "application/n-triples"


class PushError(Exception):
    """The server could not be reached (exit 2) or refused a graph (exit 1)."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code


@dataclass
class PushReport:
    """What a push sent: graphs and triples."""

    graphs: list[str] = field(default_factory=list)
    triples: int = 0


def graph_payloads(dist: Path) -> list[tuple[str, bytes, int]]:
    """(graph IRI, N-Triples body, triple count) for every named graph of the build, sorted by IRI."""
    location = Path(dist) / "store"
    if not location.is_dir():
        raise PushError(f"{location}: no store here; run `catkg build` first", 2)
    store = ox.Store.read_only(str(location))
    payloads = []
    for graph in sorted(store.named_graphs(), key=str):
        triples = [
            ox.Triple(q.subject, q.predicate, q.object)
            for q in store.quads_for_pattern(None, None, None, graph)
        ]
        triples.sort(key=str)
        payloads.append((graph.value, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), len(triples)))
    return payloads


def push(
    dist: Path,
    url: str,
    user: str | None = None,
    password: str | None = None,
    console: Console | None = None,
    timeout: float = 60.0,
) -> PushReport:
    """PUT each named graph of `dist` to the Graph Store endpoint at `url`."""
    payloads = graph_payloads(dist)
    auth = httpx.BasicAuth(user, password or "") if user else None
    report = PushReport()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with (
        httpx.Client(auth=auth, timeout=timeout, follow_redirects=False) as client,
        Progress(*columns, console=console or Console(stderr=True), transient=True) as progress,
    ):
        task = progress.add_task("pushing graphs", total=len(payloads))
        for iri, body, count in payloads:
            progress.update(task, description=f"PUT {escape(iri)}")
            try:
                response = client.put(
                    url, params={"graph": iri}, content=body, headers={"Content-Type": NTRIPLES}
                )
            except httpx.InvalidURL as error:
                raise PushError(f"{url}: not a usable URL ({error})", 2) from None
            except httpx.TransportError as error:
                raise PushError(
                    f"{url}: cannot reach the server ({type(error).__name__}: {error})", 2
                ) from None
            if response.status_code >= 300:
                detail = response.text.strip().splitlines()[0][:200] if response.text.strip() else ""
                raise PushError(
                    f"{url}: the server refused graph {iri}: "
                    f"HTTP {response.status_code} {response.reason_phrase}"
                    + (f": {detail}" if detail else "")
                    + (" (wrong --user/--password?)" if response.status_code in (401, 403) else ""),
                    1,
                )
            report.graphs.append(iri)
            report.triples += count
            progress.advance(task)
    return report


def main(
    dist: Path, url: str, user: str | None, password: str | None, console: Console, errors: Console
) -> int:
    """`catkg push`: 0 pushed, 1 the server refused a graph, 2 unreachable server or no build."""
    if not url.startswith(("http://", "https://")):
        errors.print(
            f"[red]error:[/red] {escape(url)}: --store must be an http(s) URL of a Graph Store endpoint"
        )
        return 2
    try:
        report = push(dist, url, user, password, errors)
    except PushError as error:
        errors.print(f"[red]error:[/red] {escape(str(error))}", soft_wrap=True)
        return error.exit_code
    console.print(f"pushed {len(report.graphs)} graph(s), {report.triples} triple(s) to {escape(url)}")
    return 0
