"""`catkg draft`: links known entities, proposes new ones and statements, and refuses bad input.

Runs on tests/fixtures/draft: a small invented project and three invented articles.
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import FIXTURES, copy_project, tree_digest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, XSD
from typer.testing import CliRunner

from catkg.build import build
from catkg.cli import app
from catkg.draft import DraftOptions, DraftResult, draft
from catkg.draft_turtle import uncomment_all

DRAFT = FIXTURES / "draft"
ARTICLES = DRAFT / "articles"
ID = "https://w3id.org/catkg/id/"
CAT = "https://w3id.org/catkg/ontology#"
SRC = "https://w3id.org/catkg/source/"


@functools.cache
def drafted(name: str, date: str | None = None) -> DraftResult:
    """A draft of one fixture article against the untouched fixture project, computed once per session."""
    return draft(DRAFT / "project", ARTICLES / f"{name}.txt", DraftOptions(name, date=date), write=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A writable copy of the draft fixture project."""
    return copy_project(DRAFT / "project", tmp_path / "project")


def run(project: Path, article: Path, source_id: str, *extra: str):
    """The CLI, in process."""
    return CliRunner().invoke(
        app, ["draft", str(article), "--source-id", source_id, "--root", str(project), *extra]
    )


def candidate_graph(text: str) -> Graph:
    """The draft with every candidate accepted."""
    return Graph().parse(data=uncomment_all(text), format="turtle")


def test_draft_writes_the_facts_file_and_the_source_record(project: Path) -> None:
    result = run(
        project,
        ARTICLES / "forum-2023.txt",
        "forum-2023",
        "--date",
        "2023-10-12",
        "--publisher",
        "Coast Wire",
    )
    assert result.exit_code == 0, result.output
    facts = project / "graph/facts/forum-2023.ttl"
    graph = Graph().parse(facts)
    paragraph = URIRef(f"{SRC}forum-2023#p4")
    assert (paragraph, DCTERMS.references, URIRef(ID + "org/ocean-network")) in graph
    sources = Graph().parse(project / "graph/sources.ttl")
    source = URIRef(SRC + "forum-2023")
    assert (source, RDF.type, URIRef(CAT + "Source")) in sources
    assert sources.value(source, DCTERMS.issued) == Literal("2023-10-12", datatype=XSD.date)
    assert sources.value(source, DCTERMS.identifier) == Literal("forum-2023")
    assert sources.value(source, DCTERMS.publisher) == URIRef(ID + "org/coast-wire")  # known publisher
    assert {
        sources.value(URIRef(f"{SRC}forum-2023#p{n}"), URIRef(CAT + "paragraphNumber")).toPython()
        for n in range(1, 5)
    } == {1, 2, 3, 4}
    for heading in ("linked:", "new:", "candidate statements:", "needs a decision"):
        assert heading in result.output


def test_the_draft_builds_as_written(project: Path, tmp_path: Path) -> None:
    draft(project, ARTICLES / "bulletin-2023.txt", DraftOptions("bulletin-2023", date="2023-11-03"))
    result = build(project, tmp_path / "dist", reasoner=False)
    assert result.exit_code == 0, [f.format() for f in result.findings]


def test_known_entities_are_linked_whatever_the_case_punctuation_plural_or_spelling(project: Path) -> None:
    result = drafted("bulletin-2023")
    linked = result.linked_iris
    for local in (
        "org/camdc",  # "China–ASEAN Marine Data Centre": en dash and British spelling
        "org/guangxi-marine",  # "Guangxi Marine Affairs Departments": plural of an alternative label
        "series/ocean-forum",  # "China–ASEAN Ocean Forum"
        "country/vn",  # "Viet Nam"
        "qualifier/more-than",  # "over" is its alternative label
        "person/chen-hailan",  # after the title "Director"
        "role/director",
    ):
        assert ID + local in linked, local
    assert ID + "org/mnr" in linked  # "Ministry of Natual Resources", a near miss ...
    assert any("near miss" in d and "Natual" in d for d in result.decisions)  # ... that asks for a decision


def test_new_entities_get_a_class_and_a_fresh_iri(project: Path) -> None:
    result = drafted("forum-2023")
    new = {e.iri.removeprefix(ID): e for e in result.new_entities}
    edition = new["event/ocean-forum-2023"]  # the 9th edition is event/ocean-forum-2021: same pattern
    assert (local(edition.cls), edition.ordinal, edition.series) == ("Edition", 11, ID + "series/ocean-forum")
    assert (
        local(new["person/zhou-lanfang"].cls) == "Person" and new["person/zhou-lanfang"].title == "Minister"
    )
    assert local(new["org/mekong-tidal-data-platform"].cls) == "Platform"
    assert local(new["org/beibu-gulf-university"].cls) == "University"
    known = Graph().parse(DRAFT / "project/graph/facts/wire-2021.ttl")
    assert not {URIRef(e.iri) for e in result.new_entities} & set(known.subjects())


def test_dates_and_numbers_are_found_with_what_they_count(project: Path) -> None:
    forum = drafted("forum-2023")
    dates = {(d.literal, d.role) for d in forum.dates}
    assert {("2023-10-12", "start"), ("2023-10-14", "end")} <= dates
    numbers = {(n.value, n.noun, n.qualifier) for n in forum.numbers}
    assert (Decimal(3100), "members", "more than") in numbers
    assert (Decimal(40), "research vessels", "nearly") in numbers
    bulletin = drafted("bulletin-2023")
    assert {("2023-10-12", "start"), ("2023-10-14", "end"), ("2023-11-03", "")} <= {
        (d.literal, d.role) for d in bulletin.dates
    }
    assert (Decimal(9), "ASEAN countries") in {(n.value, n.noun) for n in bulletin.numbers}  # "nine"
    exhibition = drafted("exhibition-2024")
    assert Decimal(1_200_000) in {n.value for n in exhibition.numbers}  # "1.2 million"
    assert exhibition.analysis.reference_date.isoformat() == "2024-03-05"  # from the dateline


def test_a_count_of_a_whole_group_names_each_member(project: Path) -> None:
    forum = drafted("forum-2023")
    asean = {ID + f"country/{c}" for c in ("bn", "kh", "id", "la", "my", "mm", "ph", "sg", "th", "vn")}
    assert asean <= forum.linked_iris  # "all 10 ASEAN countries"
    bulletin = drafted("bulletin-2023")
    assert not asean <= bulletin.linked_iris  # "nine ASEAN countries" names only the three it lists


def test_candidate_statements_use_the_ontology_and_cite_their_paragraph(project: Path) -> None:
    result = drafted("forum-2023", "2023-10-12")
    graph = candidate_graph(result.facts_text)
    edition = URIRef(ID + "event/ocean-forum-2023")

    def cat(name: str) -> URIRef:
        return URIRef(CAT + name)

    assert (edition, cat("host"), URIRef(ID + "org/mnr")) in graph
    assert {o for o in graph.objects(edition, cat("organizer"))} == {
        URIRef(ID + "org/guangxi-marine"),
        URIRef(ID + "org/camdc"),
    }
    assert (edition, cat("venue"), URIRef(ID + "place/beihai")) in graph
    assert graph.value(edition, cat("startDate")) == Literal("2023-10-12", datatype=XSD.date)
    assert graph.value(edition, cat("endDate")) == Literal("2023-10-14", datatype=XSD.date)
    launch = graph.value(None, cat("launchedThing"), URIRef(ID + "org/mekong-tidal-data-platform"))
    assert graph.value(launch, cat("launchEvent")) == edition
    assert graph.value(launch, cat("launchKind")) == URIRef(ID + "launch-kind/launched")
    assert graph.value(launch, cat("statedIn")) == URIRef(f"{SRC}forum-2023#p3")
    agreement = graph.value(None, cat("party"), URIRef(ID + "org/beibu-gulf-university"))
    assert URIRef(ID + "org/camdc") in set(graph.objects(agreement, cat("party")))
    speeches = {
        graph.value(p, cat("participant")): (
            graph.value(p, cat("participationRole")),
            graph.value(p, cat("mode")),
        )
        for p in graph.subjects(RDF.type, cat("Participation"))
    }
    assert speeches[URIRef(ID + "person/zhou-lanfang")] == (
        URIRef(ID + "role/keynote-speaker"),
        URIRef(ID + "mode/on-site"),
    )
    assert speeches[URIRef(ID + "person/arun-sukhon")][1] == URIRef(ID + "mode/video")
    members = graph.value(None, cat("value"), Literal(3100, datatype=XSD.integer))
    assert graph.value(members, cat("statisticSubject")) == URIRef(ID + "org/ocean-network")
    assert graph.value(members, cat("measure")) == URIRef(ID + "measure/network-members")
    assert graph.value(members, cat("qualifier")) == URIRef(ID + "qualifier/more-than")
    assert graph.value(members, cat("asOfDate")) == Literal("2023-10-12", datatype=XSD.date)
    assert graph.value(members, cat("statedIn")) == URIRef(f"{SRC}forum-2023#p4")
    # Every candidate is commented out in the file as written, under a note naming its paragraph.
    live = Graph().parse(data=result.facts_text, format="turtle")
    assert not set(live.predicates()) - {DCTERMS.references}
    assert re.search(r"^## ¶3 launched at: Mekong Tidal Data Platform", result.facts_text, re.M)


def test_accepting_every_candidate_uses_only_terms_the_ontology_defines(project: Path) -> None:
    ontology = Graph().parse(project / "ontology/catkg.ttl")
    defined = set(ontology.subjects(RDF.type, None)) - {URIRef("https://w3id.org/catkg/ontology")}
    for article in sorted(ARTICLES.glob("*.txt")):
        result = drafted(article.stem)
        graph = candidate_graph(result.facts_text)
        used = {p for p in graph.predicates() if str(p).startswith(CAT)}
        used |= {o for o in graph.objects(None, RDF.type) if str(o).startswith(CAT)}
        assert used <= defined, (article.name, used - defined)


def test_the_draft_follows_the_ontology_it_is_given(project: Path) -> None:
    ontology = project / "ontology/catkg.ttl"
    text = ontology.read_text(encoding="utf-8")
    text = text.replace(
        'cat:host a owl:ObjectProperty ; rdfs:label "host"@en .',
        'cat:hostedBy a owl:ObjectProperty ; rdfs:label "hosted by"@en .',
    )
    text = text.replace('cat:venue a owl:ObjectProperty ; rdfs:label "venue"@en .\n', "")
    ontology.write_text(text, encoding="utf-8")
    (project / "graph/facts/wire-2021.ttl").write_text(
        (project / "graph/facts/wire-2021.ttl")
        .read_text()
        .replace("cat:host ", "cat:hostedBy ")
        .replace("cat:venue place:beihai ;", ""),
        encoding="utf-8",
    )
    (project / "graph/facts/bulletin-2022.ttl").write_text(
        (project / "graph/facts/bulletin-2022.ttl")
        .read_text()
        .replace("cat:host ", "cat:hostedBy ")
        .replace("cat:venue place:beihai ;", ""),
        encoding="utf-8",
    )
    result = draft(project, ARTICLES / "forum-2023.txt", DraftOptions("forum-2023"), write=False)
    graph = candidate_graph(result.facts_text)
    assert (URIRef(ID + "event/ocean-forum-2023"), URIRef(CAT + "hostedBy"), URIRef(ID + "org/mnr")) in graph
    assert any("no property for 'venue'" in d for d in result.decisions)
    assert OWL.Thing not in set(graph.objects(None, RDF.type))


BAD_INPUTS = {
    "empty file": (lambda d: _write(d / "a.txt", b"  \n\n"), [], "a.txt: the file is empty"),
    "binary file": (lambda d: _write(d / "a.bin", b"PK\x03\x04\x00\x00binary"), [], "a.bin: binary content"),
    "not UTF-8": (
        lambda d: _write(d / "a.txt", "Forum in Hanoi, région".encode("latin-1")),
        [],
        "a.txt:1: not UTF-8",
    ),
    "bad date": (lambda d: _write(d / "a.txt", b"A forum."), ["--date", "2023-13-40"], "--date '2023-13-40'"),
    "bad source id": (
        lambda d: _write(d / "a.txt", b"A forum."),
        ["--source-id", "Wire 2023"],
        "--source-id",
    ),
    "missing file": (lambda d: d / "nowhere.txt", [], "nowhere.txt: no such file"),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_exits_2_names_the_culprit_and_writes_nothing(
    project: Path, tmp_path: Path, case: str
) -> None:
    make, extra, message = BAD_INPUTS[case]
    article = make(tmp_path)
    before = tree_digest(project)
    source_id = [] if "--source-id" in extra else ["--source-id", "new-2023"]
    result = CliRunner().invoke(app, ["draft", str(article), *source_id, "--root", str(project), *extra])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert tree_digest(project) == before


@pytest.mark.parametrize("source_id", ["wire-2021", "bulletin-2022"])
def test_an_id_another_source_uses_is_refused_unless_forced(project: Path, source_id: str) -> None:
    before = tree_digest(project)
    result = run(project, ARTICLES / "forum-2023.txt", source_id)
    assert result.exit_code == 2
    assert source_id in result.output and (
        "already exists" in result.output or "already used" in result.output
    )
    assert tree_digest(project) == before


def test_force_replaces_a_draft_and_keeps_one_source_record(project: Path) -> None:
    assert run(project, ARTICLES / "forum-2023.txt", "forum-2023").exit_code == 0
    assert run(project, ARTICLES / "forum-2023.txt", "forum-2023").exit_code == 2
    assert run(project, ARTICLES / "forum-2023.txt", "forum-2023", "--force").exit_code == 0
    sources = (project / "graph/sources.ttl").read_text(encoding="utf-8")
    assert sources.count("src:forum-2023 a cat:Source") == 1


def test_the_same_article_gives_the_same_draft(project: Path) -> None:
    first = draft(project, ARTICLES / "forum-2023.txt", DraftOptions("forum-2023"), write=False)
    second = draft(project, ARTICLES / "forum-2023.txt", DraftOptions("forum-2023"), write=False)
    assert (first.facts_text, first.sources_block) == (second.facts_text, second.sources_block)
    list(ox.parse(first.facts_text, format=ox.RdfFormat.TURTLE))


def local(iri: object) -> str:
    return str(iri).rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def test_drafting_an_article_a_source_already_records_asks_whether_it_is_the_same(project: Path) -> None:
    article = project.parent / "wire-2021.txt"  # dct:identifier of src:wire-2021 is its file name
    article.write_text((ARTICLES / "forum-2023.txt").read_text(encoding="utf-8"), encoding="utf-8")
    result = draft(project, article, DraftOptions("wire-2021-again"), write=False)
    assert any("already has a source for wire-2021.txt" in d for d in result.decisions)
    assert not any("already has a source" in d for d in drafted("forum-2023").decisions)
