"""`catkg push` against a real Oxigraph server (`oxigraph serve` from PyPI, on a free loopback port)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from conftest import built
from rdflib import Graph
from rdflib.compare import isomorphic
from typer.testing import CliRunner

from catkg.cli import app
from catkg.push import PushError, graph_payloads, push
from catkg.query import library, open_store, run

REPO = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "fixtures" / "sparql"
NTRIPLES = "application/n-triples"
EVERYTHING = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Oxigraph:
    """A running `oxigraph serve` with the default graph as the union (as `catkg query` has it)."""

    def __init__(self, location: Path):
        executable = shutil.which("oxigraph")
        if executable is None:
            pytest.fail("the `oxigraph` server (PyPI package oxigraph, a test dependency) is not installed")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [executable, "serve", "--location", str(location), "--bind", f"127.0.0.1:{self.port}"]
        self.process = subprocess.Popen(
            [*command, "--union-default-graph"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.process.stderr.read().decode()  # type: ignore[union-attr]
            try:
                httpx.get(self.base + "/query", params={"query": "ASK {}"}, timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise AssertionError("oxigraph serve did not start")

    def query(self, sparql: str, accept: str) -> bytes:
        response = httpx.post(
            self.base + "/query",
            content=sparql.encode(),
            headers={"Content-Type": "application/sparql-query", "Accept": accept},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        return response.content

    def quad_count(self) -> int:
        data = self.query(COUNT, "application/sparql-results+json")
        return int(next(iter(ox.parse_query_results(data, ox.QueryResultsFormat.JSON)))["n"].value)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[Oxigraph]:
    server = Oxigraph(tmp_path / "oxigraph")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built(FIXTURE, tmp_path_factory.mktemp("push") / "dist")


def _term(term: object) -> str:
    return "_:b" if isinstance(term, ox.BlankNode) else str(term)


def local_answer(store: ox.Store, sparql: str) -> object:
    """A comparable answer from `catkg query`'s path: sorted rows, a boolean or an rdflib graph."""
    result = run(store, sparql)
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        return sorted(tuple(_term(row[name]) for name in names) for row in result)
    return Graph().parse(data=ox.serialize(result, format=ox.RdfFormat.N_TRIPLES), format="nt")


def server_answer(server: Oxigraph, sparql: str, like: object) -> object:
    """The same query answered by the Oxigraph server, in the same comparable form."""
    if isinstance(like, Graph):
        return Graph().parse(data=server.query(sparql, "application/n-triples"), format="nt")
    data = server.query(sparql, "application/sparql-results+json")
    result = ox.parse_query_results(data, ox.QueryResultsFormat.JSON)
    if isinstance(result, ox.QueryBoolean):
        return bool(result)
    names = [v.value for v in result.variables]
    return sorted(tuple(_term(row[name]) for name in names) for row in result)


def assert_round_trip(server: Oxigraph, dist: Path, root: Path) -> None:
    report = push(dist, server.base + "/store")
    store = open_store(dist)
    assert server.quad_count() == len(store) == report.triples
    assert sorted(report.graphs) == sorted(g.value for g in store.named_graphs())
    queries = library(root)
    assert queries, f"{root}/queries has no library query"
    for query in queries:
        local = local_answer(store, query.sparql)
        served = server_answer(server, query.sparql, local)
        if isinstance(local, Graph):
            assert isomorphic(local, served), query.name
        else:
            assert served == local, query.name


def test_push_puts_every_named_graph_and_library_queries_answer_the_same(
    oxigraph: Oxigraph, dist: Path
) -> None:
    assert_round_trip(oxigraph, dist, FIXTURE)


def test_pushing_twice_leaves_the_same_data(oxigraph: Oxigraph, dist: Path) -> None:
    push(dist, oxigraph.base + "/store")
    first = Graph().parse(data=oxigraph.query(EVERYTHING, NTRIPLES), format="nt")
    push(dist, oxigraph.base + "/store")
    again = Graph().parse(data=oxigraph.query(EVERYTHING, NTRIPLES), format="nt")
    assert oxigraph.quad_count() == len(open_store(dist))
    assert isomorphic(first, again)


def test_push_replaces_a_graph_that_changed_on_the_server(oxigraph: Oxigraph, dist: Path) -> None:
    source = "https://w3id.org/catkg/source/wire-2020"
    stale = b"<urn:stale> <urn:p> <urn:o> .\n"
    httpx.put(
        oxigraph.base + "/store",
        params={"graph": source},
        content=stale,
        headers={"Content-Type": "application/n-triples"},
    ).raise_for_status()
    push(dist, oxigraph.base + "/store")
    answer = oxigraph.query("ASK { <urn:stale> ?p ?o }", "application/sparql-results+json")
    assert bool(ox.parse_query_results(answer, ox.QueryResultsFormat.JSON)) is False
    assert oxigraph.quad_count() == len(open_store(dist))


def test_payloads_are_n_triples_per_graph_sorted(dist: Path) -> None:
    payloads = graph_payloads(dist)
    assert [iri for iri, _, _ in payloads] == sorted(iri for iri, _, _ in payloads)
    for _, body, count in payloads:
        lines = body.decode().splitlines()
        assert len(lines) == count and lines == sorted(lines)


def test_unreachable_server_is_exit_2_with_the_url(dist: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/store"
    with pytest.raises(PushError, match="cannot reach the server") as caught:
        push(dist, url)
    assert caught.value.exit_code == 2 and url in str(caught.value)
    result = CliRunner().invoke(app, ["push", "--store", url, "--root", str(FIXTURE), "--out", str(dist)])
    assert result.exit_code == 2 and url in result.stderr and "Traceback" not in result.stderr


def test_refusing_server_is_exit_1_with_status_and_url(oxigraph: Oxigraph, dist: Path) -> None:
    url = oxigraph.base + "/no-such-endpoint"
    with pytest.raises(PushError, match="HTTP 404") as caught:
        push(dist, url)
    assert caught.value.exit_code == 1 and url in str(caught.value)
    result = CliRunner().invoke(app, ["push", "--store", url, "--root", str(FIXTURE), "--out", str(dist)])
    assert result.exit_code == 1 and "HTTP 404" in result.stderr


def test_cli_push_reports_graphs_and_triples(oxigraph: Oxigraph, dist: Path) -> None:
    url = oxigraph.base + "/store"
    result = CliRunner().invoke(app, ["push", "--store", url, "--root", str(FIXTURE), "--out", str(dist)])
    assert result.exit_code == 0, result.stderr
    graphs = len(list(open_store(dist).named_graphs()))
    assert f"pushed {graphs} graph(s), {len(open_store(dist))} triple(s)" in result.stdout
    assert oxigraph.quad_count() == len(open_store(dist))


def test_cli_push_refuses_a_non_http_url(dist: Path) -> None:
    result = CliRunner().invoke(
        app, ["push", "--store", "ftp://x/store", "--root", str(FIXTURE), "--out", str(dist)]
    )
    assert result.exit_code == 2 and "http(s) URL" in result.stderr


@pytest.mark.skipif(
    not list((REPO / "queries").glob("*.rq")), reason="the real query library has not landed yet"
)
def test_real_build_round_trips_through_oxigraph(oxigraph: Oxigraph, real_dist: Path) -> None:
    assert_round_trip(oxigraph, real_dist, REPO)
