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
