"""dist/ontology.html: every class and property with its label, comment, domain, range and alignments."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, RDFS

from catkg import ontology_docs
from catkg.namespaces import CAT
from catkg.ontology_docs import (
    documented_terms,
    missing_documentation,
    plain_html,
    render_html,
    write_ontology_html,
)
from tests.conftest import REPO

ONTOLOGY = REPO / "ontology" / "catkg.ttl"

UNION_ONTOLOGY = """
@prefix cat: <https://w3id.org/catkg/ontology#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
<https://w3id.org/catkg/ontology> a owl:Ontology ; dct:title "Union test"@en .
schema:Event a owl:Class .
cat:Event a owl:Class ; rdfs:label "event"@en ; rdfs:comment "A happening."@en ;
    rdfs:subClassOf schema:Event .
cat:Launch a owl:Class ; rdfs:label "launch"@en ; rdfs:comment "A launch act."@en .
cat:Participation a owl:Class ; rdfs:label "participation"@en ; rdfs:comment "A taking part."@en .
cat:Zone a owl:Class ; rdfs:label "zone"@en ; rdfs:comment "An area."@en .
cat:mode a owl:ObjectProperty ; rdfs:label "mode"@en ; rdfs:comment "How it took place."@en ;
    rdfs:domain [ a owl:Class ; owl:unionOf ( cat:Participation cat:Launch cat:Zone cat:Event ) ] ;
    rdfs:range cat:Event .
"""


def _ontology() -> Graph:
    return Graph().parse(ONTOLOGY)


def test_build_writes_ontology_html_documenting_every_term_of_the_real_ontology(real_dist: Path) -> None:
    page = (real_dist / "ontology.html").read_text(encoding="utf-8")
    graph = _ontology()
    assert len(documented_terms(graph)) > 20
    assert missing_documentation(graph, page) == []
    # pyLODE wrote it (the plain fallback is for when pyLODE fails), and it loads nothing from the web.
    assert "pylode" in page.lower()
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"https?://", page)


def test_every_term_has_a_label_and_a_comment_to_show() -> None:
    unlabelled = [t.iri for t in documented_terms(_ontology()) if not t.label or not t.comment]
    assert unlabelled == []


def test_a_page_missing_a_term_is_reported() -> None:
    graph = Graph().parse(data=UNION_ONTOLOGY, format="turtle")
    page = render_html(graph)
    assert missing_documentation(graph, page) == []
    without_zone = re.sub(
        r'<div class="property entity" id="[^"]*">(?:(?!</div>).)*?#Zone</code>.*?</div>',
        "",
        page,
        flags=re.DOTALL,
    )
    assert without_zone != page
    gaps = missing_documentation(graph, without_zone)
    assert "https://w3id.org/catkg/ontology#Zone: no entry for this class" in gaps


def test_a_page_missing_a_comment_domain_or_alignment_is_reported() -> None:
    graph = Graph().parse(data=UNION_ONTOLOGY, format="turtle")
    page = render_html(graph)
    page = page.replace("How it took place.", "Something else.").replace(
        'href="https://schema.org/Event"', ""
    )
    gaps = missing_documentation(graph, page)
    assert "https://w3id.org/catkg/ontology#mode: comment 'How it took place.' not shown" in gaps
    assert "https://w3id.org/catkg/ontology#Event: alignment https://schema.org/Event not shown" in gaps


def test_plain_page_replaces_pylode_when_pylode_fails() -> None:
    graph = Graph().parse(data=UNION_ONTOLOGY, format="turtle")
    graph.remove((None, DCTERMS.title, None))  # pyLODE refuses an ontology without a title
    page = render_html(graph)
    assert "pylode" not in page.lower()
    assert missing_documentation(graph, page) == []
    assert page == plain_html(graph)


def test_page_is_identical_across_processes_and_hash_seeds(tmp_path: Path) -> None:
    source = tmp_path / "union.ttl"
    source.write_text(UNION_ONTOLOGY, encoding="utf-8")
    script = (
        "import sys; from rdflib import Graph; from catkg.ontology_docs import render_html; "
        "sys.stdout.write(render_html(Graph().parse(sys.argv[1])))"
    )
    pages = {
        subprocess.run(
            [sys.executable, "-c", script, str(source)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(pages) == 1
    assert "pylode" in pages.pop().lower()


def test_unchanged_ontology_reuses_the_previous_page_and_a_changed_one_is_redone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    graph = Graph().parse(data=UNION_ONTOLOGY, format="turtle")
    first = write_ontology_html(graph, tmp_path / "first.html")
    assert missing_documentation(graph, first.read_text(encoding="utf-8")) == []

    def no_pylode(_graph: Graph, _triples: object = None) -> str:
        raise AssertionError("the page was rendered again")

    monkeypatch.setattr(ontology_docs, "render_html", no_pylode)
    again = write_ontology_html(graph, tmp_path / "again.html", previous=first)
    assert again.read_bytes() == first.read_bytes()

    graph.add((CAT.Zone, RDFS.comment, Literal("A second comment.", lang="en")))
    with pytest.raises(AssertionError, match="rendered again"):
        write_ontology_html(graph, tmp_path / "changed.html", previous=first)


def test_pylode_waits_for_its_turn_to_load(tmp_path: Path) -> None:
    # pyLODE's first run pickles its background ontologies into its own folder, not atomically: a process
    # starting meanwhile would read half a pickle. While another process holds the turn, none starts.
    import fcntl

    graph = Graph().parse(data=UNION_ONTOLOGY, format="turtle")
    done = tmp_path / "done"
    with ontology_docs.PYLODE_LOCK.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        child = os.fork()
        if child == 0:
            try:
                done.write_text(ontology_docs.pylode_html(graph), encoding="utf-8")
            finally:
                os._exit(0)
        try:
            time.sleep(4)  # a pyLODE page of this ontology takes about a second
            assert not done.exists(), "pyLODE started while another process held the turn"
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
            os.waitpid(child, 0)
    assert "pylode" in done.read_text(encoding="utf-8").lower()
