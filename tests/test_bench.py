"""`catkg bench --json` keeps its contract: one JSON object with stages, memory and a three-way query race."""

from __future__ import annotations

import json

from conftest import REPO, run_catkg

from catkg.query import library


def test_bench_json_reports_stages_memory_and_every_library_query() -> None:
    result = run_catkg("bench", "--size", "1500", "--queries-only", "--runs", "1", "--cap", "2", "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["size"] == 1500 and 1000 < report["triples"] < 3000
    assert {"load", "reason", "store"} <= report["stages"].keys()
    assert all(isinstance(v, float) and v >= 0 for v in report["stages"].values())
    assert report["peak_rss_mb"] > 0 and report["build_s"] >= 0
    timings = {q["name"]: q for q in report["queries"]}
    assert {q.name for q in library(REPO)} <= timings.keys()
    for name, row in timings.items():
        assert row["catkg_s"] > 0 and row["pyoxigraph_s"] > 0, name
        assert row["rdflib_s"] is None or row["rdflib_s"] > 0, name  # None: past the --cap


def test_race_forks_for_rdflib_only_after_a_querys_oxigraph_runs(tmp_path, monkeypatch) -> None:
    """Per query: an untimed warm-up, the timed Oxigraph runs with no fork between them, then rdflib."""
    import catkg.bench as bench
    import catkg.query as query

    triples, stages = bench.write_query_corpus(tmp_path / "project", tmp_path / "dist", 1500)
    assert 1000 < triples < 3000 and set(stages) == {"load", "reason", "store"}
    assert (tmp_path / "dist" / "store").is_dir() and (tmp_path / "dist" / "graph.trig").is_file()
    events: list[str] = []
    real_run = query.run

    def recorded_run(store, sparql, timeout=None):
        events.append("oxigraph")
        return real_run(store, sparql, timeout)

    def recorded_rdflib(dataset, sparql, cap):
        events.append("rdflib")
        return 0.001, 0

    monkeypatch.setattr(query, "run", recorded_run)
    monkeypatch.setattr(bench, "rdflib_run", recorded_rdflib)
    queries = dict(list(bench.library_queries(tmp_path / "project").items())[:3])
    timings, _ = bench.race_queries(tmp_path / "dist", queries, runs=2)
    assert [t.name for t in timings] == list(queries)
    assert events == (["oxigraph"] * 3 + ["rdflib"] * 2) * 3  # warm-up + 2 runs, then 2 rdflib runs
    assert all(t.catkg_s > 0 and t.pyoxigraph_s > 0 and t.rdflib_s == 0.001 for t in timings)


def test_curated_timing_reports_each_kind_and_the_bytecode_setting(monkeypatch) -> None:
    from catkg.bench import time_curated

    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    figures = time_curated(REPO, runs=1)
    assert figures["bytecode_cache"] is False
    assert {kind: len(runs) for kind, runs in figures["all_wall_s"].items()} == {
        "clean": 1,
        "warm": 1,
        "no-change": 1,
    }
    # The no-change rebuild is answered from the fingerprint, well before a clean build gets going.
    assert 0 < figures["no_change_s"] < figures["full_build_s"]
    assert "check: shacl" in figures["stages_last"]["clean"]
