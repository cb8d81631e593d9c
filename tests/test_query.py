"""`catkg query` and catkg.query: library, NAME/FILE/inline forms, formats, GRAPH, syntax errors, timeouts."""

from __future__ import annotations

import csv
import io
import json
import multiprocessing
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import built
from rdflib import Graph
from typer.testing import CliRunner

from catkg.cli import app
from catkg.query import (
    QueryError,
    QuerySyntaxError,
    QueryTimeout,
    compact,
    find_library_query,
    library,
    open_store,
    resolve,
    run,
)

FIXTURE = Path(__file__).parent / "fixtures" / "sparql"
# Five-way cross product of every triple: about 10^9 solutions on the fixture, never finishes in time.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o }"
EDITIONS = "PREFIX cat: <https://w3id.org/catkg/ontology#> SELECT ?e WHERE { ?e a cat:Edition } ORDER BY ?e"


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SPARQL fixture project built once for this module."""
    return built(FIXTURE, tmp_path_factory.mktemp("sparql") / "dist")


@pytest.fixture(scope="module")
def store(dist: Path) -> ox.Store:
    return open_store(dist)


def cli(dist: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["query", *args, "--root", str(FIXTURE), "--out", str(dist)])
    return result.exit_code, result.stdout, result.stderr


def values(result: ox.QuerySolutions, variable: str) -> list[str]:
    return [solution[variable].value for solution in result]


def test_library_reads_names_and_question_headers() -> None:
    queries = library(FIXTURE)
    assert [q.name for q in queries] == ["01-editions", "02-hosts", "03-sources", "04-located"]
    assert queries[0].question == "Which forum editions took place, and when did each start?"
    assert queries[0].sparql.startswith("# Question:")


def test_library_query_found_by_name_number_or_slug_only_when_unambiguous() -> None:
    queries = library(FIXTURE)
    assert find_library_query(queries, "02-hosts").name == "02-hosts"
    assert find_library_query(queries, "2").name == "02-hosts"
    assert find_library_query(queries, "02").name == "02-hosts"
    assert find_library_query(queries, "hosts").name == "02-hosts"
    assert find_library_query(queries, "9") is None
    twins = [*queries, queries[1].__class__("02-other", queries[1].path, "", "")]
    assert find_library_query(twins, "2") is None


def test_resolve_accepts_file_library_name_and_inline_text_and_refuses_unknown_words(tmp_path: Path) -> None:
    queries = library(FIXTURE)
    path = tmp_path / "mine.rq"
    path.write_text("ASK { ?s ?p ?o }", encoding="utf-8")
    assert resolve(str(path), queries) == (str(path), "ASK { ?s ?p ?o }")
    assert resolve("1", queries)[1] == queries[0].sparql
    assert resolve("ASK { ?s ?p ?o }", queries) == ("query", "ASK { ?s ?p ?o }")
    with pytest.raises(QueryError, match="no such query file or library query"):
        resolve("nonsense", queries)


def test_open_store_on_disk_and_in_memory_hold_the_same_quads(dist: Path) -> None:
    memory, disk = open_store(dist), open_store(dist, in_memory=False)
    assert len(memory) == len(disk) > 0
    assert set(memory.quads_for_pattern(None, None, None, None)) == set(disk)


def test_open_store_without_a_build_says_to_build(tmp_path: Path) -> None:
    with pytest.raises(QueryError, match="catkg build"):
        open_store(tmp_path)


def test_default_graph_is_the_union_and_graph_reaches_each_source(store: ox.Store) -> None:
    assert values(run(store, EDITIONS), "e") == [
        "https://w3id.org/catkg/id/event/forum-2020",
        "https://w3id.org/catkg/id/event/forum-2021",
    ]
    per_source = run(
        store,
        "PREFIX cat: <https://w3id.org/catkg/ontology#> SELECT DISTINCT ?g WHERE "
        "{ GRAPH ?g { ?e cat:hostedBy ?o } } ORDER BY ?g",
    )
    assert values(per_source, "g") == [
        "https://w3id.org/catkg/source/wire-2020",
        "https://w3id.org/catkg/source/wire-2021",
    ]


def test_run_with_timeout_gives_the_same_answers_as_without(store: ox.Store) -> None:
    for sparql in (EDITIONS, library(FIXTURE)[2].sparql):
        direct = run(store, sparql).serialize(format=ox.QueryResultsFormat.JSON)
        assert run(store, sparql, timeout=30).serialize(format=ox.QueryResultsFormat.JSON) == direct
    assert bool(run(store, "ASK { ?s ?p ?o }", timeout=30)) is True
    assert bool(run(store, "ASK { ?s <urn:none> ?o }", timeout=30)) is False
    construct = library(FIXTURE)[3].sparql
    assert set(run(store, construct, timeout=30)) == set(run(store, construct))


def test_timeout_stops_a_runaway_query_and_leaves_no_process(store: ox.Store) -> None:
    with pytest.raises(QueryTimeout, match=r"stopped after 0\.5 s"):
        run(store, RUNAWAY, timeout=0.5)
    assert multiprocessing.active_children() == []


def test_syntax_error_reports_line_column_and_a_caret() -> None:
    sparql = "SELECT ?s\nWHERE {\n  ?s ?p ?o .\n  FILTER(?s = ) }"
    with pytest.raises(QuerySyntaxError) as caught:
        run(ox.Store(), sparql)
    error = caught.value
    assert error.line == 4 and error.column is not None
    lines = error.format("q.rq").splitlines()
    assert lines[0].startswith(f"q.rq:4:{error.column}: SPARQL syntax error: expected")
    assert lines[1] == "    FILTER(?s = ) }"
    assert lines[2].strip() == "^"


def test_syntax_error_in_the_child_process_is_the_same_error() -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        run(ox.Store(), "SELECT * WHERE { ?s ?p }", timeout=10)
    assert caught.value.line == 1


def test_compact_prefers_the_longest_namespace_and_keeps_odd_iris_whole() -> None:
    prefixes = {"id": "https://w3id.org/catkg/id/", "event": "https://w3id.org/catkg/id/event/"}
    assert compact(ox.NamedNode("https://w3id.org/catkg/id/event/forum-2020"), prefixes) == "event:forum-2020"
    assert compact(ox.NamedNode("https://w3id.org/catkg/id/org/most"), prefixes) == "id:org/most"
    assert compact(ox.NamedNode("https://example.org/a?b=1"), prefixes) == "<https://example.org/a?b=1>"
    assert (
        compact(ox.NamedNode("https://w3id.org/catkg/id/event/x?y"), prefixes)
        == "<https://w3id.org/catkg/id/event/x?y>"
    )
    assert compact(ox.Literal("8th Forum", language="en"), prefixes) == "8th Forum"
    assert compact(None, prefixes) == ""


def test_cli_table_shows_compact_rows_from_a_library_name(dist: Path) -> None:
    code, out, _ = cli(dist, "1")
    assert code == 0
    assert "event:forum-2020" in out and "9th Forum" in out and "2 row(s)" in out


def test_cli_json_is_sparql_results_json(dist: Path) -> None:
    code, out, _ = cli(dist, "02-hosts", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["head"]["vars"] == ["organisation", "name", "editions"]
    first = document["results"]["bindings"][0]
    ministry = "Ministry of Science and Technology"
    assert first["name"] == {"type": "literal", "value": ministry, "xml:lang": "en"}
    assert first["editions"]["value"] == "2"


def test_cli_csv_tsv_xml_and_markdown(dist: Path) -> None:
    code, out, _ = cli(dist, "03-sources", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert code == 0 and rows[0] == ["source", "issued", "edition", "organisation"] and len(rows) == 5
    code, out, _ = cli(dist, "03-sources", "--format", "tsv")
    assert code == 0 and out.splitlines()[0] == "?source\t?issued\t?edition\t?organisation"
    code, out, _ = cli(dist, "03-sources", "--format", "xml")
    parsed = ox.parse_query_results(out.encode(), ox.QueryResultsFormat.XML)
    assert code == 0 and len(list(parsed)) == 4
    code, out, _ = cli(dist, "2", "--format", "md")
    assert code == 0
    assert out.splitlines()[:3] == [
        "| organisation | name | editions |",
        "|---|---|---|",
        "| id:org/most | Ministry of Science and Technology | 2 |",
    ]


def test_cli_construct_prints_turtle_and_ask_prints_true_or_false(dist: Path, store: ox.Store) -> None:
    code, out, _ = cli(dist, "04-located")
    assert code == 0
    graph = Graph().parse(data=out, format="turtle")
    assert len(graph) == 6
    assert cli(dist, "ASK { ?s ?p ?o }")[1].strip() == "true"
    assert cli(dist, "ASK { ?s <urn:nothing> ?o }")[1].strip() == "false"


def test_cli_runs_a_query_file(dist: Path, tmp_path: Path) -> None:
    path = tmp_path / "editions.rq"
    path.write_text(EDITIONS, encoding="utf-8")
    code, out, _ = cli(dist, str(path), "--format", "csv")
    assert code == 0 and out.split() == [
        "e",
        "https://w3id.org/catkg/id/event/forum-2020",
        "https://w3id.org/catkg/id/event/forum-2021",
    ]


def test_cli_list_shows_every_library_question(dist: Path) -> None:
    code, out, _ = cli(dist, "--list")
    assert code == 0
    for query in library(FIXTURE):
        assert query.name in out
    assert "Which forum editions took place" in out


def test_cli_syntax_error_exits_2_with_position_and_caret(dist: Path) -> None:
    code, _, err = cli(dist, "SELECT * WHERE { ?s ?p }")
    assert code == 2
    assert "query:1:" in err and "SPARQL syntax error" in err
    assert "SELECT * WHERE { ?s ?p }" in err and "^" in err
    assert "Traceback" not in err


def test_cli_timeout_exits_3_with_a_clear_message(dist: Path) -> None:
    code, _, err = cli(dist, RUNAWAY, "--timeout", "0.5")
    assert code == 3
    assert "stopped after 0.5 s" in err and "Traceback" not in err


def test_cli_unknown_name_and_format_exit_2(dist: Path) -> None:
    code, _, err = cli(dist, "nonsense")
    assert code == 2 and "01-editions" in err
    code, _, err = cli(dist, "1", "--format", "yaml")
    assert code == 2 and "unknown format" in err


def test_cli_builds_first_when_the_store_is_missing(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    code, stdout, _ = cli(out, "ASK { ?s ?p ?o }")
    assert code == 0 and stdout.strip() == "true"
    assert (out / "store").is_dir()
