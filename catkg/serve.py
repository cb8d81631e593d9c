"""`catkg serve`: a read-only SPARQL 1.1 Protocol endpoint and query page over an in-memory copy of the build.

Queries never run in the server process: a small pool of worker processes, forked after the store is
loaded (so they share it copy-on-write), evaluate and serialise them. pyoxigraph cannot cancel a
query, so a query past its deadline is stopped by killing its worker, which is replaced at once
while the other workers keep answering.
"""

from __future__ import annotations

import asyncio
import io
import json
import multiprocessing
import multiprocessing.connection
import os
import re
import signal
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

import anyio.to_thread
import pyoxigraph as ox
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from catkg.query import QueryError, QuerySyntaxError, QueryTimeout, display_prefixes, library, open_store

PACKAGE = Path(__file__).parent
PAGE = PACKAGE / "templates" / "sparql.html"
STATIC = PACKAGE / "static"
LOOPBACK = ("127.0.0.1", "::1", "localhost")
RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/xml": ox.QueryResultsFormat.XML,
}
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_SERVICE = re.compile(r"service", re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    """What one request may cost."""

    timeout: float = 30.0
    max_results: int = 100_000
    max_body: int = 1 << 20
    workers: int = 2


@dataclass(frozen=True)
class Ask:
    """A query as the workers receive it: the text, the negotiated types and the protocol's dataset."""

    sparql: str
    result_type: str | None
    graph_type: str | None
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reply:
    """A worker's answer: an HTTP status, a media type and the body bytes."""

    status: int
    media_type: str
    body: bytes


class Refused(Exception):
    """A request the endpoint answers with a JSON error of the given status."""

    def __init__(self, status: int, code: str, message: str, **details: object):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def error_body(status: int, code: str, message: str, **details: object) -> bytes:
    """The JSON error document every failure is reported with (never a stack trace)."""
    document = {"error": code, "status": status, "message": message, **details}
    return json.dumps(document, ensure_ascii=False).encode()


def error_response(status: int, code: str, message: str, **details: object) -> Response:
    """A JSON error response."""
    return Response(error_body(status, code, message, **details), status, media_type="application/json")


# ---------------------------------------------------------------- worker side (runs in the pool processes)


class _RowCap(io.RawIOBase):
    """A TSV sink that stops the serialiser past `limit` rows (TSV escapes newlines: one line, one row)."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit, self.lines, self.chunks = limit, 0, []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        chunk = bytes(data)
        self.lines += chunk.count(b"\n")
        if self.lines > self.limit + 1:  # + the header line
            raise Refused(*_too_many(self.limit))
        self.chunks.append(chunk)
        return len(chunk)


def _too_many(limit: int) -> tuple[int, str, str]:
    return 413, "result-too-large", f"the result has more than {limit} rows; add a LIMIT or narrow the query"


def uses_service(sparql: str) -> bool:
    """True if the query has a SERVICE clause (which would make the server fetch other URLs)."""
    if not _SERVICE.search(sparql):
        return False
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        tree = parseQuery(sparql)
    except Exception:  # rdflib cannot parse it: refuse rather than risk an outgoing request
        return True
    return "ServiceGraphPattern" in repr(tree)


def answer(store: ox.Store, ask: Ask, max_results: int, prefixes: dict[str, str] | None = None) -> Reply:
    """Evaluate and serialise one query; every failure becomes a JSON error reply."""
    try:
        return _answer(store, ask, max_results, prefixes or {})
    except Refused as refused:
        return Reply(
            refused.status, "application/json", error_body(refused.status, refused.code, refused.message)
        )
    except QuerySyntaxError as error:
        body = error_body(
            400, "syntax-error", f"SPARQL syntax error: {error.message}", line=error.line, column=error.column
        )
        return Reply(400, "application/json", body)
    except (OSError, RuntimeError, ValueError, TypeError) as error:
        return Reply(400, "application/json", error_body(400, "query-failed", f"query failed: {error}"))


def _answer(store: ox.Store, ask: Ask, max_results: int, prefixes: dict[str, str]) -> Reply:
    if uses_service(ask.sparql):
        raise Refused(403, "service-disabled", "SERVICE (federated query) is disabled on this endpoint")
    options: dict[str, object] = {"use_default_graph_as_union": not ask.default_graphs}
    if ask.default_graphs:
        options["default_graph"] = [ox.NamedNode(iri) for iri in ask.default_graphs]
    if ask.named_graphs:
        options["named_graphs"] = [ox.NamedNode(iri) for iri in ask.named_graphs]
    try:
        result = store.query(ask.sparql, **options)
    except SyntaxError as error:
        raise QuerySyntaxError.from_oxigraph(ask.sparql, error) from None
    if isinstance(result, ox.QueryTriples):
        if ask.graph_type is None:
            raise Refused(406, "not-acceptable", f"a graph result is served as {', '.join(GRAPH_TYPES)}")
        triples = []
        for triple in result:
            triples.append(triple)
            if len(triples) > max_results:
                raise Refused(*_too_many(max_results))
        graph_format = GRAPH_TYPES[ask.graph_type]
        if graph_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML):
            body = ox.serialize(triples, format=graph_format, prefixes=prefixes)
        else:
            body = ox.serialize(triples, format=graph_format)
        return Reply(200, ask.graph_type, body)
    if ask.result_type is None:
        raise Refused(406, "not-acceptable", f"query results are served as {', '.join(RESULT_TYPES)}")
    wanted = RESULT_TYPES[ask.result_type]
    if isinstance(result, ox.QueryBoolean):
        return Reply(200, ask.result_type, result.serialize(format=wanted))
    # Rows are counted on TSV (one line per row), then converted: the cap holds whatever the format.
    sink = _RowCap(max_results)
    result.serialize(sink, format=ox.QueryResultsFormat.TSV)
    tsv = b"".join(sink.chunks)
    if wanted == ox.QueryResultsFormat.TSV:
        return Reply(200, ask.result_type, tsv)
    return Reply(
        200, ask.result_type, ox.parse_query_results(tsv, ox.QueryResultsFormat.TSV).serialize(format=wanted)
    )


def _serve_forever(
    store: ox.Store, conn: multiprocessing.connection.Connection, max_results: int, prefixes: dict[str, str]
) -> None:
    """A worker's loop: answer requests from the pipe until it closes."""
    # Forked from the server: drop its signal plumbing; Ctrl-C is the parent's to handle.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    with suppress(ValueError):
        signal.set_wakeup_fd(-1)
    while True:
        try:
            ask = conn.recv()
        except (EOFError, OSError):
            return
        if ask is None:
            return
        conn.send(answer(store, ask, max_results, prefixes))


# ---------------------------------------------------------------- server side


class Worker:
    """One worker process and the pipe to it."""

    def __init__(self, store: ox.Store, max_results: int, prefixes: dict[str, str]):
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        arguments = (store, child, max_results, prefixes)
        self.process = context.Process(target=_serve_forever, args=arguments, daemon=True, name="catkg-query")
        self.process.start()
        child.close()

    def ask(self, ask: Ask, timeout: float) -> Reply:
        """Send a query and wait for the reply (blocking); QueryTimeout past the deadline."""
        self.conn.send(ask)
        if not self.conn.poll(timeout):
            raise QueryTimeout(timeout)
        return self.conn.recv()

    def stop(self, kill: bool = False) -> None:
        """End the process: politely, or at once when it may be busy."""
        if kill:
            self.process.kill()
        else:
            with suppress(OSError):
                self.conn.send(None)
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()


class WorkerPool:
    """Worker processes sharing the store; a query past its deadline costs its worker, which is replaced."""

    def __init__(self, store: ox.Store, limits: Limits, prefixes: dict[str, str] | None = None):
        self.store, self.limits, self.prefixes = store, limits, prefixes or {}
        self.idle: asyncio.Queue[Worker] = asyncio.Queue()
        self.workers: set[Worker] = set()

    def _spawn(self) -> Worker:
        worker = Worker(self.store, self.limits.max_results, self.prefixes)
        self.workers.add(worker)
        return worker

    def _retire(self, worker: Worker) -> Worker:
        self.workers.discard(worker)
        worker.stop(kill=True)
        return self._spawn()

    def start(self) -> None:
        """Fork the workers (before any request thread exists)."""
        for _ in range(self.limits.workers):
            self.idle.put_nowait(self._spawn())

    async def ask(self, ask: Ask) -> Reply:
        """The reply of an idle worker; Refused on timeout or a crashed worker."""
        worker = await self.idle.get()
        try:
            if not worker.process.is_alive():  # died while idle (killed from outside): replace it first
                worker = await anyio.to_thread.run_sync(self._retire, worker)
            return await anyio.to_thread.run_sync(worker.ask, ask, self.limits.timeout)
        except QueryTimeout as timeout:
            worker = await anyio.to_thread.run_sync(self._retire, worker)
            raise Refused(
                503, "timeout", str(timeout).replace("--timeout", "the server's --timeout")
            ) from None
        except (EOFError, OSError):
            worker = await anyio.to_thread.run_sync(self._retire, worker)
            raise Refused(
                500, "worker-lost", "the query process ended unexpectedly (out of memory?)"
            ) from None
        finally:
            self.idle.put_nowait(worker)

    def stop(self) -> None:
        """Stop every worker."""
        for worker in list(self.workers):
            worker.stop(kill=True)
        self.workers.clear()


def negotiate(accept: str | None) -> tuple[str | None, str | None]:
    """The best result-set type and the best graph type the Accept header allows (None: none acceptable)."""
    parsed = parse_accept_header(accept or "*/*", MIMEAccept)
    return parsed.best_match(list(RESULT_TYPES)), parsed.best_match(list(GRAPH_TYPES))


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 past `limit` bytes (checked on the header and while reading)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise Refused(413, "body-too-large", f"the request body is over {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Refused(413, "body-too-large", f"the request body is over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "bad-encoding", "the request body is not UTF-8") from None


async def protocol_parameters(request: Request, limit: int) -> dict[str, list[str]]:
    """The SPARQL Protocol parameters of a GET or POST request; updates are refused."""
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    if request.method == "POST":
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await read_body(request, limit)
        if media == "application/sparql-update":
            raise Refused(403, "read-only", "this endpoint is read-only: SPARQL updates are refused")
        if media == "application/x-www-form-urlencoded":
            for key, values in parse_qs(_text(body), keep_blank_values=True).items():
                params.setdefault(key, []).extend(values)
        elif media == "application/sparql-query":
            params.setdefault("query", []).append(_text(body))
        else:
            raise Refused(
                415,
                "unsupported-media-type",
                "POST a query as application/sparql-query or application/x-www-form-urlencoded",
            )
    if "update" in params:
        raise Refused(403, "read-only", "this endpoint is read-only: SPARQL updates are refused")
    queries = params.get("query", [])
    if len(queries) != 1 or not queries[0].strip():
        raise Refused(400, "no-query", "give exactly one non-empty `query` parameter")
    return params


def create_app(dist: Path, root: Path | None = None, limits: Limits | None = None) -> Starlette:
    """The endpoint over the build in `dist` (loaded into memory now), with the library of `root`."""
    limits = limits or Limits()
    dist = Path(dist).resolve()
    store = open_store(dist)
    prefixes = display_prefixes(dist)
    queries = [
        {"name": q.name, "question": q.question, "sparql": q.sparql} for q in (library(root) if root else [])
    ]
    pool = WorkerPool(store, limits, prefixes)

    async def sparql(request: Request) -> Response:
        params = await protocol_parameters(request, limits.max_body)
        result_type, graph_type = negotiate(request.headers.get("accept"))
        ask = Ask(
            params["query"][0],
            result_type,
            graph_type,
            tuple(params.get("default-graph-uri", [])),
            tuple(params.get("named-graph-uri", [])),
        )
        reply = await pool.ask(ask)
        return Response(reply.body, reply.status, media_type=reply.media_type, headers={"Vary": "Accept"})

    async def page(request: Request) -> Response:
        return FileResponse(PAGE, media_type="text/html", headers={"Content-Security-Policy": PAGE_POLICY})

    async def library_json(request: Request) -> Response:
        network = (dist / "network.html").is_file()
        return JSONResponse({"queries": queries, "prefixes": prefixes, "network": network})

    async def network(request: Request) -> Response:
        path = dist / "network.html"
        if not path.is_file():
            raise Refused(404, "not-found", "no network view in this build (dist/network.html)")
        return FileResponse(path, media_type="text/html")

    @asynccontextmanager
    async def lifespan(app: Starlette):  # type: ignore[no-untyped-def]
        pool.start()
        try:
            yield
        finally:
            pool.stop()

    async def refused(request: Request, error: Exception) -> Response:
        assert isinstance(error, Refused)
        return error_response(error.status, error.code, error.message, **error.details)

    async def http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        return error_response(error.status_code, "http-error", error.detail)

    async def crashed(request: Request, error: Exception) -> Response:
        return error_response(500, "internal-error", "internal error; the server log has the details")

    app = Starlette(
        routes=[
            Route("/", page),
            Route("/sparql", sparql, methods=["GET", "POST"]),
            Route("/library.json", library_json),
            Route("/network.html", network),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        exception_handlers={Refused: refused, HTTPException: http_error, Exception: crashed},
        lifespan=lifespan,
    )
    app.state.pool = pool
    return ContainPaths(app)  # type: ignore[return-value]


class ContainPaths:
    """Refuse any path with a `..` segment (before routing) and add defensive headers to every response."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            segments = scope["path"].replace("\\", "/").split("/")
            raw = scope.get("raw_path", b"").lower()
            if ".." in segments or b"/../" in raw + b"/" or b"%2e%2e" in raw:
                await error_response(400, "bad-path", "paths may not contain `..`")(scope, receive, send)
                return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, secured)


def serve(
    dist: Path,
    root: Path | None,
    host: str = "127.0.0.1",
    port: int = 7878,
    limits: Limits | None = None,
    announce: bool = True,
) -> None:
    """Run the endpoint with uvicorn until interrupted."""
    import uvicorn

    app = create_app(dist, root, limits)
    if announce:
        where = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
        print(f"CATKG SPARQL endpoint: {where}/sparql   query page: {where}/", flush=True)
        if host not in LOOPBACK:
            print(
                f"warning: listening on {host}, not loopback: anyone who can reach it can query it",
                flush=True,
            )
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, lifespan="on")


@dataclass
class LoadReport:
    """Latencies (seconds) of the answered requests and a line per failed one."""

    latencies: list[float]
    errors: list[str]
    wall: float

    def percentile(self, share: float) -> float:
        """The latency below which `share` (0-1) of the requests fell (nearest rank)."""
        ordered = sorted(self.latencies)
        return (
            ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]
            if ordered
            else float("nan")
        )


async def _load(
    endpoint: str, queries: list[str], clients: int, per_client: int, timeout: float
) -> LoadReport:
    import time

    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    accept = "application/sparql-results+json, text/turtle;q=0.9"

    async def client(number: int, http: httpx.AsyncClient) -> None:
        for step in range(per_client):
            sparql = queries[(number + step) % len(queries)]
            began = time.perf_counter()
            try:
                response = await http.post(endpoint, data={"query": sparql}, headers={"Accept": accept})
            except httpx.HTTPError as error:
                errors.append(f"client {number} query {step}: {type(error).__name__}: {error}")
                continue
            latencies.append(time.perf_counter() - began)
            if response.status_code != 200:
                errors.append(
                    f"client {number} query {step}: HTTP {response.status_code} {response.text[:200]}"
                )

    began = time.perf_counter()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=timeout, limits=limits) as http:
        await asyncio.gather(*(client(number, http) for number in range(clients)))
    return LoadReport(latencies, errors, time.perf_counter() - began)


def load(
    endpoint: str, queries: list[str], clients: int = 50, per_client: int = 20, timeout: float = 60.0
) -> LoadReport:
    """`clients` concurrent HTTP clients each POSTing `per_client` of `queries` (in turn) to `endpoint`."""
    return asyncio.run(_load(endpoint, queries, clients, per_client, timeout))


def default_workers() -> int:
    """Two worker processes, or one per core beyond that (at most eight)."""
    return max(2, min(8, os.cpu_count() or 2))


__all__ = ["Limits", "LoadReport", "QueryError", "create_app", "load", "negotiate", "serve", "uses_service"]
