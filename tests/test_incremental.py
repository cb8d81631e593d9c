"""The check cache: an incremental build re-checks only what a change touches and equals a clean build."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import FIXTURES, MINI, REPO, copy_project
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from catkg.build import build, quick_up_to_date
from catkg.cache import CACHE_DIR_NAME, CheckCache, Reach, shacl_findings, shape_reach, start_consistency
from catkg.check.consistency import project_consistent
from catkg.check.shacl import data_graph, validate_shapes
from catkg.forked import ForkedCall
from catkg.load import load_project
from catkg.namespaces import CAT, ID
from catkg.synthetic import generate

SHAPES = REPO / "ontology" / "shapes.ttl"


def _dist_files(dist: Path) -> dict[str, bytes]:
    """Every output file except the store (a database) with report.json's timings dropped."""
    files = {}
    for path in sorted(dist.rglob("*")):
        relpath = path.relative_to(dist).as_posix()
        if path.is_file() and not relpath.startswith("store/"):
            data = path.read_bytes()
            if relpath == "report.json":
                report = json.loads(data)
                report.pop("timings_s", None)
                data = json.dumps(report, sort_keys=True).encode()
            files[relpath] = data
    return files


def _store_quads(dist: Path) -> list[str]:
    store = ox.Store.read_only(str(dist / "store"))
    return sorted(str(q) for q in store.quads_for_pattern(None, None, None, None))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(autouse=True)
def frozen_code(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin the code digest: in a tree being edited, the package source may change between two builds."""
    monkeypatch.setattr("catkg.fingerprint.code_digest", lambda: "code-under-test")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A small synthetic project under the real ontology and shapes."""
    root = tmp_path / "project"
    generate(root, 1500, seed=3)
    return root


def test_incremental_build_gives_the_same_dist_as_a_clean_build(corpus: Path, tmp_path: Path) -> None:
    warm = build(corpus, corpus / "dist", reasoner=False, force=True)
    assert warm.exit_code == 0 and warm.cache["shacl files re-validated"] > 3
    edited = corpus / "graph/facts/synthetic-000002.ttl"
    _edit(edited, '"Synthetic Person 3"@en', '"Synthetic Person Three"@en')

    incremental = build(corpus, corpus / "dist", reasoner=False)
    clean_root = copy_project(corpus, tmp_path / "clean")
    clean = build(clean_root, clean_root / "dist", reasoner=False, cache=False)

    assert incremental.exit_code == clean.exit_code == 0
    assert 1 <= incremental.cache["shacl files re-validated"] < warm.cache["shacl files re-validated"]
    assert incremental.cache["shacl hits"] >= 1
    assert not (clean_root / CACHE_DIR_NAME).exists()
    assert _dist_files(corpus / "dist") == _dist_files(clean_root / "dist")
    assert _store_quads(corpus / "dist") == _store_quads(clean_root / "dist")


def test_a_change_in_one_file_revalidates_the_files_that_can_see_it(corpus: Path, tmp_path: Path) -> None:
    assert build(corpus, corpus / "dist", reasoner=False, force=True).exit_code == 0
    # org-1 becomes a city: every event of another file that it hosts or organises now breaks a shape.
    facts = corpus / "graph/facts/synthetic-000001.ttl"
    text = facts.read_text(encoding="utf-8")
    facts.write_text(re.sub(r"(org:org-1 a )cat:\w+", r"\1cat:City", text), encoding="utf-8")

    incremental = build(corpus, corpus / "dist", reasoner=False)
    clean_root = copy_project(corpus, tmp_path / "clean")
    clean = build(clean_root, clean_root / "dist", reasoner=False, cache=False)

    assert incremental.exit_code == clean.exit_code == 1
    assert [f.format() for f in incremental.findings] == [f.format() for f in clean.findings]
    elsewhere = [
        f
        for f in incremental.findings
        if f.check.startswith("shacl:") and f.path != "graph/facts/synthetic-000001.ttl"
    ]
    assert elsewhere, "the edit should break a shape in another file"


@pytest.mark.parametrize("changed", ["ontology/catkg.ttl", "ontology/shapes.ttl"])
def test_an_ontology_or_shapes_change_invalidates_every_cached_result(corpus: Path, changed: str) -> None:
    first = build(corpus, corpus / "dist", reasoner=False, force=True)
    with (corpus / changed).open("a", encoding="utf-8") as handle:
        handle.write("\n# a curator's comment changes the file, and so the cache key\n")
    again = build(corpus, corpus / "dist", reasoner=False)
    assert again.cache.get("shacl hits", 0) == 0
    assert again.cache["shacl files re-validated"] == first.cache["shacl files re-validated"]


def test_focused_revalidation_finds_what_a_full_validation_finds(tmp_path: Path) -> None:
    root = tmp_path / "project"
    generate(root, 1500, seed=5)
    cache = CheckCache(tmp_path / "cache", "test")
    project = load_project(root)
    assert shacl_findings(project, data_graph(project), cache) == []
    # Every known-bad shape example joins the project: only their subjects are re-validated.
    for example in sorted((FIXTURES / "invalid" / "shapes").glob("*.ttl")):
        shutil.copy(example, root / "graph" / "reference" / f"bad-{example.name}")
    project = load_project(root)
    cache = CheckCache(tmp_path / "cache", "test")
    merged = data_graph(project)
    focused = shacl_findings(project, merged, cache)
    assert cache.stats["shacl focused runs"] == 1 and cache.stats["shacl hits"] > 0
    full = validate_shapes(project, merged)
    assert len(full) >= len(list((FIXTURES / "invalid" / "shapes").glob("*.ttl")))
    assert [f.format() for f in focused] == [f.format() for f in full]


def test_real_shapes_have_a_bounded_reach() -> None:
    reach = shape_reach(Graph().parse(SHAPES))
    assert reach == Reach(2, frozenset({CAT.holdsPost}))


def test_alternative_predicates_read_what_each_predicate_reads() -> None:
    shapes = Graph().parse(
        data=f"""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix cat: <{CAT}> .
        <urn:s> a sh:PropertyShape ; sh:targetClass cat:Participation ; sh:minCount 1 ;
            sh:path [ sh:alternativePath ( cat:participant cat:forCountry ) ] ; sh:class cat:Agent .""",
        format="turtle",
    )
    assert shape_reach(shapes) == Reach(2, frozenset())


@pytest.mark.parametrize(
    "constraint",
    [
        'sh:sparql [ sh:select "SELECT $this WHERE { }" ]',
        "sh:targetObjectsOf cat:host",
        "sh:property [ sh:path [ sh:zeroOrMorePath cat:partOfEvent ] ; sh:minCount 1 ]",
        "sh:property [ sh:path [ sh:alternativePath ( cat:host [ sh:inversePath cat:venue ] ) ] ]",
        "sh:property [ sh:path ( cat:host cat:locatedIn ) ; sh:minCount 1 ]",
    ],
)
def test_shapes_the_cache_cannot_follow_turn_it_off(constraint: str) -> None:
    shapes = Graph().parse(
        data=f"""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix cat: <{CAT}> .
        <urn:s> a sh:NodeShape ; sh:targetClass cat:Event ; {constraint} .""",
        format="turtle",
    )
    assert shape_reach(shapes) is None


def test_consistent_graph_is_not_sent_to_hermit_twice(tmp_path: Path) -> None:
    if shutil.which("java") is None:
        pytest.skip("no Java: HermiT cannot run")
    root = copy_project(MINI, tmp_path / "mini")
    project = load_project(root)
    merged = data_graph(project)

    def verdict(cache: CheckCache) -> bool:
        return start_consistency(merged, ForkedCall(project_consistent, root), project.shapes, cache).result()

    assert verdict(CheckCache(tmp_path / "cache", "test")) is True
    again = CheckCache(tmp_path / "cache", "test")
    assert verdict(again) is True
    assert again.stats["owl hits"] == 1
    # The view reads the dataset in place: a statement added to one file's graph changes what it holds.
    facts = project.dataset.graph(project.files[-1].graph)
    facts.add((URIRef(f"{ID}org/most"), RDFS.comment, Literal("a new statement")))
    changed = CheckCache(tmp_path / "cache", "test")
    assert verdict(changed) is True
    assert changed.stats["owl misses"] == 1


def test_build_py_answers_an_unchanged_project_without_the_cli(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(corpus)
    assert quick_up_to_date([]) is None  # never built
    assert build(corpus, corpus / "dist", force=True).exit_code == 0
    assert quick_up_to_date([]) == (corpus / "dist").resolve()
    assert quick_up_to_date(["--out", "dist"]) == (corpus / "dist").resolve()
    assert quick_up_to_date(["--strict"]) is None  # other options: the full CLI decides
    _edit(
        corpus / "graph/facts/synthetic-000001.ttl", "Synthetic Organisation 1", "Synthetic Organisation One"
    )
    assert quick_up_to_date([]) is None
