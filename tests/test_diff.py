"""`catkg diff` and the build report's "what each source adds": new, confirmed and conflicting facts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, copy_project
from typer.testing import CliRunner

from catkg.build import build
from catkg.cli import app
from catkg.diff import diff_file

PROJECT = FIXTURES / "draft" / "project"
ID = "https://w3id.org/catkg/id/"
CAT = "https://w3id.org/catkg/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"

# A new source about the fixture's 10th forum: one fact others state, one new entity, conflicts on a
# date, a venue and a figure, and a venue that is no conflict because Beihai lies in Guangxi.
REPORT = """\
@prefix cat: <https://w3id.org/catkg/ontology#> .
@prefix event: <https://w3id.org/catkg/id/event/> .
@prefix measure: <https://w3id.org/catkg/id/measure/> .
@prefix org: <https://w3id.org/catkg/id/org/> .
@prefix place: <https://w3id.org/catkg/id/place/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix stat: <https://w3id.org/catkg/id/stat/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

event:ocean-forum-2022 cat:host org:mnr ;
    cat:startDate "2022-10-18"^^xsd:date ;
    cat:venue place:guangxi , place:hanoi .

org:reef-lab a cat:ResearchCentre ; rdfs:label "Reef Lab"@en ; cat:locatedIn place:beihai .

stat:ocean-network-members-2022-again a cat:Statistic ;
    rdfs:label "Ocean network members, October 2022"@en ;
    cat:statisticSubject org:ocean-network ;
    cat:measure measure:network-members ;
    cat:value 2900 ;
    cat:asOfDate "2022-10-20"^^xsd:date .
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(PROJECT, tmp_path / "project")


def test_a_new_file_is_split_into_new_confirmed_and_conflicting_facts(project: Path, tmp_path: Path) -> None:
    report = tmp_path / "report-2022.ttl"
    report.write_text(REPORT, encoding="utf-8")
    result = diff_file(project, report)
    assert [e[0] for e in result.new_entities] == [
        ID + "org/reef-lab",
        ID + "stat/ocean-network-members-2022-again",
    ]
    confirmed = {(str(s), str(p), str(o)): sources for (s, p, o), sources, _ in result.confirmed}
    assert confirmed[(ID + "event/ocean-forum-2022", CAT + "host", ID + "org/mnr")] == ["bulletin-2022"]
    conflicts = {
        (c.prop.rsplit("#", 1)[1], c.value, c.other_value, tuple(c.other_sources)) for c in result.conflicts
    }
    assert conflicts == {
        ("startDate", "2022-10-18", "2022-10-19", ("bulletin-2022",)),
        ("venue", "place/hanoi", "place/beihai", ("bulletin-2022",)),
        ("value", "2900", "2800", ("bulletin-2022",)),
    }
    new = {(str(s), str(p)) for (s, p, _), _ in result.new_facts}
    assert (ID + "org/reef-lab", CAT + "locatedIn") in new


def test_a_project_file_is_compared_with_the_graph_without_it(project: Path) -> None:
    result = diff_file(project, project / "graph/facts/bulletin-2022.ttl")
    confirmed = {
        (str(s).removeprefix(ID), str(p).rsplit("#", 1)[-1]): src for (s, p, _), src, _ in result.confirmed
    }
    assert confirmed[("event/ocean-forum-2021", "venue")] == ["wire-2021"]
    assert confirmed[("event/ocean-forum-2021", "startDate")] == ["wire-2021"]
    assert ID + "event/ocean-forum-2022" in [e[0] for e in result.new_entities]
    assert result.conflicts == []
    assert result.facts == len(result.new_facts) + len(result.confirmed)


def test_diff_cli_prints_each_list_and_refuses_unreadable_files(project: Path, tmp_path: Path) -> None:
    report = tmp_path / "report-2022.ttl"
    report.write_text(REPORT, encoding="utf-8")
    ok = CliRunner().invoke(app, ["diff", str(report), "--root", str(project)])
    assert ok.exit_code == 0, ok.output
    text = " ".join(ok.output.split())
    assert "conflicts (3)" in text and "2022-10-18 here, 2022-10-19 in bulletin-2022" in text
    assert "also in bulletin-2022" in text
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix cat: <https://w3id.org/catkg/ontology#> .\ncat:a cat:b\n", encoding="utf-8")
    bad = CliRunner().invoke(app, ["diff", str(broken), "--root", str(project)])
    assert bad.exit_code == 2 and "broken.ttl:" in bad.output and "Traceback" not in bad.output
    missing = CliRunner().invoke(app, ["diff", str(tmp_path / "none.ttl"), "--root", str(project)])
    assert missing.exit_code == 2 and "none.ttl: no such file" in missing.output


def test_the_build_report_says_what_each_source_adds(project: Path, tmp_path: Path) -> None:
    (project / "graph/facts/report-2022.ttl").write_text(REPORT, encoding="utf-8")
    sources = project / "graph/sources.ttl"
    sources.write_text(
        sources.read_text(encoding="utf-8")
        + '\nsrc:report-2022 a cat:Source ; rdfs:label "Report 2022"@en ;'
        + ' dct:issued "2022-10-21"^^xsd:date .\n',
        encoding="utf-8",
    )
    result = build(project, tmp_path / "dist", reasoner=False)
    assert result.exit_code == 0, [f.format() for f in result.findings]
    report = json.loads((tmp_path / "dist/report.json").read_text(encoding="utf-8"))["sources"]
    assert set(report) == {"bulletin-2022", "report-2022", "wire-2021"}
    for row in report.values():
        assert row["facts"] == row["unique"] + row["confirmed"]
    assert report["wire-2021"]["confirmed"] > 0 and report["wire-2021"]["unique"] > 0
    assert {c["other_value"] for c in report["report-2022"]["conflicts"]} == {
        "2022-10-19",
        "place/beihai",
        "2800",
    }
    assert {c["value"] for c in report["bulletin-2022"]["conflicts"]} >= {"2022-10-19", "2800"}
    markdown = (tmp_path / "dist/report.md").read_text(encoding="utf-8")
    assert "## What each source adds" in markdown and "| report-2022 |" in markdown


def test_a_source_stating_a_fact_twice_in_equal_values_is_named_once(project: Path, tmp_path: Path) -> None:
    # 300 and 300.0 are one value: the source that states both confirms the fact once.
    prefixes = f"@prefix cat: <{CAT}> .\n@prefix event: <{ID}event/> .\n@prefix xsd: <{XSD}> .\n"
    twice = project / "graph" / "facts" / "twice-2022.ttl"
    twice.write_text(prefixes + 'event:ocean-forum-2022 cat:participants 300, "300.0"^^xsd:decimal .\n')
    report = tmp_path / "report-2022.ttl"
    report.write_text(prefixes + "event:ocean-forum-2022 cat:participants 300 .\n", encoding="utf-8")
    result = diff_file(project, report)
    assert [sources for _, sources, _ in result.confirmed] == [["twice-2022"]]
