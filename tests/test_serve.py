"""`catkg serve` with real clients: SPARQLWrapper, httpx per Accept header, raw HTTP, headless Chromium.

One server (a `catkg serve` subprocess on a free loopback port) answers every test of the module; it is
started with small limits so the caps and the timeout can be exercised on the tiny fixture.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pyoxigraph as ox
import pytest
from conftest import built
from rdflib import Graph
from rdflib.compare import isomorphic
from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

from catkg.query import library, open_store, run
from catkg.serve import load, negotiate, uses_service

FIXTURE = Path(__file__).parent / "fixtures" / "sparql"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
EDITIONS = "PREFIX cat: <https://w3id.org/catkg/ontology#> SELECT ?e WHERE { ?e a cat:Edition } ORDER BY ?e"
LOCATED = library(FIXTURE)[3].sparql  # a CONSTRUCT
MAX_RESULTS, MAX_BODY, WORKERS = 50, 4000, 2


@dataclass
class Server:
    base: str
    process: subprocess.Popen[str]
    dist: Path

    @property
    def sparql(self) -> str:
        return self.base + "/sparql"

    def workers(self) -> set[int]:
        return {child.pid for child in psutil.Process(self.process.pid).children()}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base: str, process: subprocess.Popen[str], limit: float = 90.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"catkg serve exited with {process.returncode}: {process.stderr.read()}")
        try:
            if httpx.get(base + "/library.json", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("catkg serve did not answer within the limit")


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = built(FIXTURE, tmp_path_factory.mktemp("serve") / "dist")
    (out / "network.html").write_text(
        "<!doctype html><title>network</title><p>network view</p>", encoding="utf-8"
    )
    return out


@pytest.fixture(scope="module")
def server(dist: Path) -> Iterator[Server]:
    port = free_port()
    command = [
        sys.executable, "-m", "catkg", "serve", "--root", str(FIXTURE), "--out", str(dist),
        "--port", str(port), "--timeout", "1", "--max-results", str(MAX_RESULTS), "--max-body", str(MAX_BODY),
        "--workers", str(WORKERS),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, process)
        yield Server(base, process, dist)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def post(server: Server, sparql: str, accept: str = "application/sparql-results+json") -> httpx.Response:
    return httpx.post(server.sparql, data={"query": sparql}, headers={"Accept": accept}, timeout=30)


def bindings(response: httpx.Response) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in row.items()} for row in response.json()["results"]["bindings"]]


def quad_count(server: Server) -> int:
    return int(bindings(post(server, COUNT))[0]["n"])


def assert_json_error(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    document = response.json()
    assert document["error"] == code and document["status"] == status and document["message"]
    assert "Traceback" not in response.text and 'File "' not in response.text
    return document


# ------------------------------------------------------------------ protocol and content negotiation


def test_sparqlwrapper_select_ask_and_construct(server: Server) -> None:
    client = SPARQLWrapper(server.sparql)
    client.setReturnFormat(JSON)
    client.setQuery(EDITIONS)
    rows = client.query().convert()["results"]["bindings"]
    assert [row["e"]["value"] for row in rows] == [
        "https://w3id.org/catkg/id/event/forum-2020",
        "https://w3id.org/catkg/id/event/forum-2021",
    ]
    client.setQuery("ASK { ?s ?p ?o }")
    assert client.query().convert()["boolean"] is True
    client.setMethod(POST)
    client.setReturnFormat(TURTLE)
    client.setQuery(LOCATED)
    graph = Graph().parse(data=client.query().convert(), format="turtle")
    assert len(graph) == 6


def test_get_form_post_and_direct_post_give_the_same_rows(server: Server) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    by_get = httpx.get(server.sparql, params={"query": EDITIONS}, headers=accept)
    by_form = post(server, EDITIONS)
    direct = httpx.post(
        server.sparql, content=EDITIONS, headers={**accept, "Content-Type": "application/sparql-query"}
    )
    assert by_get.status_code == by_form.status_code == direct.status_code == 200
    assert bindings(by_get) == bindings(by_form) == bindings(direct) and len(bindings(by_get)) == 2


@pytest.mark.parametrize(
    ("accept", "media_type", "results_format"),
    [
        ("application/sparql-results+json", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/tab-separated-values", "text/tab-separated-values", ox.QueryResultsFormat.TSV),
        ("*/*", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("text/html, application/sparql-results+xml;q=0.5", "application/sparql-results+xml", None),
    ],
)
def test_select_results_in_each_accepted_format(
    server: Server, accept: str, media_type: str, results_format: ox.QueryResultsFormat | None
) -> None:
    response = post(server, EDITIONS, accept)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    parsed = ox.parse_query_results(response.content, results_format or ox.QueryResultsFormat.XML)
    assert [s["e"].value for s in parsed] == [
        "https://w3id.org/catkg/id/event/forum-2020",
        "https://w3id.org/catkg/id/event/forum-2021",
    ]


def test_select_as_csv(server: Server) -> None:
    response = post(server, EDITIONS, "text/csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert response.text.split() == [
        "e",
        "https://w3id.org/catkg/id/event/forum-2020",
        "https://w3id.org/catkg/id/event/forum-2021",
    ]


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/ld+json", "json-ld"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_construct_in_each_graph_format_matches_catkg_query(
    server: Server, accept: str, rdflib_format: str
) -> None:
    response = post(server, LOCATED, accept)
    assert response.status_code == 200 and response.headers["content-type"].startswith(accept)
    served = Graph().parse(data=response.content, format=rdflib_format)
    local = Graph().parse(
        data=ox.serialize(run(open_store(server.dist), LOCATED), format=ox.RdfFormat.N_TRIPLES), format="nt"
    )
    assert len(served) == 6 and isomorphic(served, local)


def test_unacceptable_type_is_406_json(server: Server) -> None:
    assert_json_error(post(server, EDITIONS, "text/turtle"), 406, "not-acceptable")
    assert_json_error(post(server, LOCATED, "text/csv"), 406, "not-acceptable")


def test_negotiate_prefers_the_clients_quality_values() -> None:
    assert negotiate("text/csv;q=0.2, application/sparql-results+xml") == (
        "application/sparql-results+xml",
        None,
    )
    assert negotiate(None) == ("application/sparql-results+json", "text/turtle")
    assert negotiate("image/png") == (None, None)


def test_protocol_dataset_parameters_select_the_default_graph(server: Server) -> None:
    response = httpx.get(
        server.sparql,
        params={"query": EDITIONS, "default-graph-uri": "https://w3id.org/catkg/source/wire-2020"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert [row["e"] for row in bindings(response)] == ["https://w3id.org/catkg/id/event/forum-2020"]


# ------------------------------------------------------------------ read-only, caps, errors


def test_updates_are_refused_and_change_nothing(server: Server) -> None:
    before = quad_count(server)
    insert = "INSERT DATA { GRAPH <urn:g> { <urn:a> <urn:b> <urn:c> } }"
    assert_json_error(httpx.post(server.sparql, data={"update": insert}), 403, "read-only")
    assert_json_error(httpx.post(server.sparql, data={"update": "DROP ALL"}), 403, "read-only")
    assert_json_error(httpx.get(server.sparql, params={"update": "CLEAR ALL"}), 403, "read-only")
    sparql_update = {"Content-Type": "application/sparql-update"}
    assert_json_error(httpx.post(server.sparql, content="DROP ALL", headers=sparql_update), 403, "read-only")
    assert_json_error(post(server, insert), 400, "syntax-error")  # an update is no query
    client = SPARQLWrapper(server.sparql)
    client.setMethod(POST)
    client.setQuery("DELETE WHERE { ?s ?p ?o }")
    with pytest.raises((SPARQLWrapperException, urllib.error.HTTPError)):
        client.query()
    assert quad_count(server) == before == len(open_store(server.dist))


def test_service_clauses_are_refused(server: Server) -> None:
    federated = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    assert_json_error(post(server, federated), 403, "service-disabled")
    assert uses_service(federated)
    assert not uses_service('SELECT * WHERE { ?s ?p "service" }')


def test_runaway_query_is_stopped_and_the_server_keeps_answering(server: Server) -> None:
    before = server.workers()
    assert len(before) == WORKERS
    outcome: dict[str, httpx.Response] = {}
    runaway = threading.Thread(target=lambda: outcome.setdefault("runaway", post(server, RUNAWAY)))
    runaway.start()
    meanwhile = post(server, EDITIONS)  # answered by the other worker
    runaway.join(timeout=60)
    assert meanwhile.status_code == 200 and len(bindings(meanwhile)) == 2
    document = assert_json_error(outcome["runaway"], 503, "timeout")
    assert "stopped after 1 s" in str(document["message"])
    after = server.workers()
    assert len(after) == WORKERS and len(before - after) == 1  # the busy worker was killed and replaced
    assert post(server, EDITIONS).status_code == 200


def test_a_worker_killed_from_outside_is_replaced_without_failing_a_request(server: Server) -> None:
    victim = psutil.Process(min(server.workers()))
    victim.kill()
    deadline = time.monotonic() + 10
    while victim.status() != psutil.STATUS_ZOMBIE and time.monotonic() < deadline:  # dead, not yet reaped
        time.sleep(0.05)
    for _ in range(WORKERS + 1):  # every worker is used at least once
        assert post(server, EDITIONS).status_code == 200
    assert len(server.workers()) == WORKERS and victim.pid not in server.workers()


def test_result_size_cap(server: Server) -> None:
    everything = "SELECT * WHERE { ?s ?p ?o }"
    assert len(list(run(open_store(server.dist), everything))) > MAX_RESULTS
    document = assert_json_error(post(server, everything), 413, "result-too-large")
    assert "LIMIT" in str(document["message"])
    assert len(bindings(post(server, everything + f" LIMIT {MAX_RESULTS}"))) == MAX_RESULTS
    assert_json_error(post(server, "CONSTRUCT WHERE { ?s ?p ?o }", "text/turtle"), 413, "result-too-large")


def test_request_body_cap(server: Server) -> None:
    padded = EDITIONS + " #" + "x" * MAX_BODY
    assert_json_error(httpx.post(server.sparql, data={"query": padded}), 413, "body-too-large")
    chunked = httpx.post(
        server.sparql,
        content=iter([padded.encode()[:2000], padded.encode()[2000:]]),  # no Content-Length: streamed
        headers={"Content-Type": "application/sparql-query"},
    )
    assert_json_error(chunked, 413, "body-too-large")
    assert post(server, EDITIONS + " #" + "x" * (MAX_BODY // 2)).status_code == 200


def test_errors_are_json_without_stack_traces(server: Server) -> None:
    document = assert_json_error(post(server, "SELECT * WHERE { ?s ?p }"), 400, "syntax-error")
    assert document["line"] == 1 and isinstance(document["column"], int)
    assert_json_error(httpx.get(server.sparql), 400, "no-query")
    assert_json_error(httpx.get(server.base + "/nothing/here"), 404, "http-error")
    assert_json_error(httpx.put(server.sparql, content="x"), 405, "http-error")
    text = {"Content-Type": "text/plain"}
    assert_json_error(
        httpx.post(server.sparql, content="ASK {}", headers=text), 415, "unsupported-media-type"
    )
    bad_utf8 = {"Content-Type": "application/sparql-query"}
    assert_json_error(httpx.post(server.sparql, content=b"ASK {\xff}", headers=bad_utf8), 400, "bad-encoding")


@pytest.mark.parametrize(
    "path",
    [
        "/static/../../pyproject.toml",
        "/static/..%2f..%2fserve.py",
        "/static/%2e%2e/serve.py",
        "/../etc/passwd",
    ],
)
def test_paths_cannot_escape_the_static_folder(server: Server, path: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", int(server.base.rsplit(":", 1)[1]), timeout=10)
    connection.request("GET", path)  # http.client sends the path as it is, dots and all
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert response.status in (400, 404)
    assert json.loads(body)["status"] == response.status
    assert b"[build-system]" not in body and b"def " not in body and b"root:" not in body


def test_static_assets_and_network_view_are_served(server: Server) -> None:
    script = httpx.get(server.base + "/static/sparql.js")
    assert script.status_code == 200 and "textContent" in script.text
    page = httpx.get(server.base + "/")
    assert page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
    network = httpx.get(server.base + "/network.html")
    assert network.status_code == 200 and "network view" in network.text
    library_json = httpx.get(server.base + "/library.json").json()
    assert [q["name"] for q in library_json["queries"]] == [q.name for q in library(FIXTURE)]
    assert library_json["network"] is True


def test_listens_on_loopback_only_by_default(server: Server) -> None:
    listening = [
        c.laddr.ip
        for c in psutil.Process(server.process.pid).net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN
    ]
    assert listening == ["127.0.0.1"]


# ------------------------------------------------------------------ load and browser


@pytest.mark.slow
def test_load_50_clients_times_20_library_queries_without_errors(server: Server) -> None:
    queries = [q.sparql for q in library(FIXTURE)]
    report = load(server.sparql, queries, clients=50, per_client=20, timeout=60)
    assert report.errors == []
    assert len(report.latencies) == 1000
    print(f"load: p50 {report.percentile(0.5) * 1000:.1f} ms, p95 {report.percentile(0.95) * 1000:.1f} ms")


@pytest.mark.browser
def test_query_page_runs_a_library_query_in_chromium(server: Server, chromium_path: str) -> None:
    from catkg.network import chromium_browser

    requested: list[str] = []
    with chromium_browser(chromium_path) as browser:
        page = browser.new_page()
        page.on("request", lambda request: requested.append(request.url))
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(server.base + "/")
        page.wait_for_selector("body[data-ready=true]", timeout=20_000)
        assert page.locator("#library option").count() == len(library(FIXTURE))
        page.select_option("#library", "02-hosts")
        assert "COUNT(DISTINCT ?edition)" in page.input_value("#editor")
        page.click("#run")
        page.wait_for_selector("#results table tbody tr", timeout=20_000)
        rows = page.locator("#results table tbody tr").all_inner_texts()
        assert len(rows) == 2 and "Ministry of Science and Technology" in rows[0]
        assert "2 row(s)" in page.inner_text("#status")
        page.fill("#editor", "SELECT * WHERE { ?s ?p }")
        page.click("#run")
        page.wait_for_selector("#status.error", timeout=20_000)
        assert "syntax error" in page.inner_text("#status")
        assert page.is_visible("#network-link")
        assert errors == []
    assert requested and all(url.startswith(server.base) for url in requested)


def test_server_process_stops_with_its_workers(dist: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "catkg", "serve", "--root", str(FIXTURE), "--out", str(dist)]
    process = subprocess.Popen(
        [*command, "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}", process)
        workers = [psutil.Process(pid) for pid in (c.pid for c in psutil.Process(process.pid).children())]
        assert workers
    finally:
        process.terminate()
        process.wait(timeout=15)
    gone, alive = psutil.wait_procs(workers, timeout=10)
    assert alive == [] and len(gone) == len(workers)
