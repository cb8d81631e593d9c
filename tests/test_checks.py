"""Every check fails on its known-bad fixture with the right message, line and exit code."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from conftest import FIXTURES, MINI, REPO, copy_project, process_exited, run_catkg

from catkg.check.sparql_checks import check_files, check_findings, sparql_check_rows
from catkg.load import load_project
from catkg.oxi import dataset_quads, memory_store

INVALID = FIXTURES / "invalid"
# One folder per SPARQL check of the real project, named as the check: a graph/ tree to put beside the
# real ontology, in which one file has the `# expect:` header.
CHECK_FIXTURES = INVALID / "checks"
EXPECT = re.compile(r"^# expect: (.*)$", re.MULTILINE)
PAIR = re.compile(r"(\w+)=(.*?)(?= \w+=|$)")


def expectations(path: Path) -> dict[str, str]:
    """The `# expect: key=value ...` header of a fixture (values run up to the next ` key=`)."""
    found = EXPECT.search(path.read_text(encoding="utf-8"))
    assert found, f"{path} has no '# expect:' header: every invalid fixture must say how it fails"
    return dict(PAIR.findall(found.group(1)))


def _build(project: Path, *extra: str) -> tuple[int, str]:
    result = run_catkg("build", "--root", str(project), "--out", str(project / "dist"), *extra)
    return result.returncode, result.stdout + result.stderr


@pytest.mark.parametrize("fixture", sorted(INVALID.glob("*.ttl")), ids=lambda p: p.stem)
def test_invalid_fixture_fails_with_expected_finding(fixture: Path, mini_project: Path) -> None:
    expected = expectations(fixture)
    relpath = f"graph/reference/{fixture.name}"
    (mini_project / relpath).write_bytes(fixture.read_bytes())
    reasoner = () if expected.get("reasoner") == "yes" else ("--no-reasoner",)
    code, output = _build(mini_project, *reasoner)
    assert code == int(expected["exit"]), output
    lines = [ln for ln in output.splitlines() if f"[{expected['check']}]" in ln]
    assert lines, f"no [{expected['check']}] finding in:\n{output}"
    located = [ln for ln in lines if ln.startswith(f"{relpath}:{expected['line']}:")]
    assert located, f"no finding at {relpath}:{expected['line']} among:\n" + "\n".join(lines)
    assert any(expected["message"] in ln for ln in located), located
    if "hint" in expected:
        assert any(expected["hint"] in ln for ln in located), located
    if "strict_exit" in expected:
        assert _build(mini_project, "--strict", *reasoner)[0] == int(expected["strict_exit"])
    assert not (mini_project / "dist").exists() or code == 0
    assert "Traceback" not in output


def test_non_utf8_file_is_refused_with_line_and_exit_2(mini_project: Path) -> None:
    bad = mini_project / "graph/reference/latin1.ttl"
    bad.write_bytes(
        b"@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n<https://w3id.org/catkg/id/x>"
        b' rdfs:label "S\xe3o Paulo"@en .\n'
    )
    code, output = _build(mini_project, "--no-reasoner")
    assert code == 2
    assert "graph/reference/latin1.ttl:2:" in output and "not UTF-8: byte 0xe3" in output
    assert "re-save the file as UTF-8" in output


def test_binary_file_is_refused(mini_project: Path) -> None:
    (mini_project / "graph/reference/blob.ttl").write_bytes(b"\x00\x01\x02binary")
    code, output = _build(mini_project, "--no-reasoner")
    assert code == 2 and "graph/reference/blob.ttl:1:" in output and "binary content" in output


def test_file_over_50_mb_is_refused_without_reading_it(mini_project: Path) -> None:
    huge = mini_project / "graph/reference/huge.ttl"
    with huge.open("wb") as handle:
        handle.truncate(51 * 1024 * 1024)
    code, output = _build(mini_project, "--no-reasoner")
    assert code == 2 and "graph/reference/huge.ttl:1:" in output and "over the 50 MB limit" in output


def test_facts_file_without_source_record_fails(mini_project: Path) -> None:
    facts = mini_project / "graph/facts/unknown-2021.ttl"
    facts.write_text((mini_project / "graph/facts/wire-2020.ttl").read_text())
    code, output = _build(mini_project, "--no-reasoner")
    assert code == 1
    assert "graph/facts/unknown-2021.ttl:1:" in output and "[source-record]" in output
    assert "source/unknown-2021" in output and "graph/sources.ttl" in output


def test_source_without_date_fails_its_shape(mini_project: Path) -> None:
    sources = mini_project / "graph/sources.ttl"
    sources.write_text(sources.read_text().replace(' ; dct:issued "2020-11-26"^^xsd:date', ""))
    code, output = _build(mini_project, "--no-reasoner")
    assert code == 1
    assert "graph/sources.ttl:7:" in output and "[shacl:SourceDate]" in output and "dct:issued" in output


def test_shape_without_iri_or_message_is_reported(mini_project: Path) -> None:
    shapes = mini_project / "ontology/shapes.ttl"
    text = shapes.read_text().replace(
        '; sh:message "an edition needs exactly one xsd:positiveInteger ordinal" .', " ."
    )
    shapes.write_text(
        text + "\nshp:Anonymous a sh:NodeShape ; sh:targetClass cat:Place ; sh:property [ sh:path"
        ' cat:locatedIn ; sh:message "x" ] .\n'
    )
    code, output = _build(mini_project, "--no-reasoner")
    assert code == 1
    assert "shape <https://w3id.org/catkg/shapes#EditionOrdinal> has no sh:message" in output
    assert "a shape has no IRI (property shape on https://w3id.org/catkg/ontology#locatedIn)" in output


def test_missing_java_says_what_to_install_and_no_reasoner_skips(mini_project: Path, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python = Path(os.sys.executable)
    (bin_dir / "python").symlink_to(python)
    env = {**os.environ, "PATH": str(bin_dir)}
    result = run_catkg("build", "--root", str(mini_project), "--out", str(tmp_path / "dist"), env=env)
    assert result.returncode == 2
    assert "java is not installed" in result.stderr and "openjdk-17-jre-headless" in result.stderr
    assert "--no-reasoner" in result.stderr
    skipped = run_catkg(
        "build", "--root", str(mini_project), "--out", str(tmp_path / "dist"), "--no-reasoner", env=env
    )
    assert skipped.returncode == 0, skipped.stderr


def test_hermit_without_an_answer_is_an_error_not_a_pass(mini_project: Path, tmp_path: Path) -> None:
    # HermiT exits 0 when it cannot read its input; only its answer may count as a verdict.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(Path(os.sys.executable))
    java = bin_dir / "java"
    java.write_text("#!/bin/sh\necho 'It all went pear-shaped: unreadable ontology'\nexit 0\n")
    java.chmod(0o755)
    env = {**os.environ, "PATH": str(bin_dir)}
    result = run_catkg("build", "--root", str(mini_project), "--out", str(tmp_path / "dist"), env=env)
    assert result.returncode == 2
    assert "HermiT failed (exit 0): It all went pear-shaped: unreadable ontology" in result.stderr
    assert "--no-reasoner" in result.stderr
    assert not (tmp_path / "dist").exists()


def test_hermit_ends_with_a_killed_build(mini_project: Path, tmp_path: Path) -> None:
    # A stand-in for HermiT's JVM that would outlive the build by a minute.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(Path(os.sys.executable))
    setpriv = shutil.which("setpriv")
    assert setpriv, "util-linux's setpriv is missing (Debian: apt-get install util-linux)"
    (bin_dir / "setpriv").symlink_to(setpriv)
    pid_file = tmp_path / "java.pid"
    java = bin_dir / "java"
    java.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec {shutil.which('sleep')} 60\n")
    java.chmod(0o755)
    env = {**os.environ, "PATH": str(bin_dir)}
    arguments = ("build", "--root", str(mini_project), "--out", str(tmp_path / "d"))
    command = [os.sys.executable, "-m", "catkg", *arguments]
    build = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not (pid_file.exists() and pid_file.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.1)
        jvm = int(pid_file.read_text())
        assert not process_exited(jvm)
    finally:
        build.kill()
        build.wait()
    deadline = time.monotonic() + 10
    while not process_exited(jvm) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert process_exited(jvm)


def test_every_lint_check_has_an_invalid_fixture() -> None:
    covered = {expectations(p)["check"] for p in INVALID.glob("*.ttl")}
    lint_checks = {
        "syntax",
        "unknown-term",
        "undeclared-iri",
        "missing-label",
        "datatype",
        "duplicate-label",
        "cycle",
        "owl-consistency",
    }
    sparql_checks = {
        p.name.removesuffix("-violation.rq") for p in (FIXTURES / "mini/queries/checks").glob("*.rq")
    }
    assert lint_checks | sparql_checks <= covered, sorted((lint_checks | sparql_checks) - covered)


def test_every_sparql_check_of_the_project_has_a_known_bad_fixture() -> None:
    checks = {p.name.removesuffix("-violation.rq") for p in check_files(REPO)}
    assert checks == {p.name for p in CHECK_FIXTURES.iterdir()}


@pytest.mark.parametrize("fixture", sorted(CHECK_FIXTURES.iterdir()), ids=lambda p: p.name)
def test_sparql_check_of_the_project_fails_on_its_fixture(fixture: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    for part in ("ontology", "queries"):
        shutil.copytree(REPO / part, project / part)
    shutil.copytree(fixture / "graph", project / "graph")
    marked = [p for p in sorted(fixture.rglob("*.ttl")) if EXPECT.search(p.read_text(encoding="utf-8"))]
    assert len(marked) == 1, f"{fixture}: exactly one file must carry the '# expect:' header"
    expected, relpath = expectations(marked[0]), marked[0].relative_to(fixture).as_posix()
    loaded = load_project(project)
    assert not loaded.findings, [f.format() for f in loaded.findings]
    store = memory_store(dataset_quads(loaded.dataset, loaded.graph_triples))
    rows = sparql_check_rows(loaded.root, store)
    findings = [f for f in check_findings(loaded, rows) if f.check == fixture.name]
    assert any(
        f.path == relpath and f.line == int(expected["line"]) and expected["message"] in f.message
        for f in findings
    ), [f.format() for f in findings]


def test_part_of_cycle_in_the_real_ontology_is_an_error(real_project: Path) -> None:
    cycle = real_project / "graph/reference/zz-cycle.ttl"
    cycle.write_text(
        "@prefix cat: <https://w3id.org/catkg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix event: <https://w3id.org/catkg/id/event/> .\n\n"
        'event:loop-a a cat:SideEvent ; rdfs:label "Loop A"@en ; cat:partOfEvent event:loop-b .\n'
        'event:loop-b a cat:SideEvent ; rdfs:label "Loop B"@en ; cat:partOfEvent event:loop-a .\n',
        encoding="utf-8",
    )
    code, output = _build(real_project, "--no-reasoner")
    assert code == 1
    line = next(ln for ln in output.splitlines() if "[cycle]" in ln)
    assert line.startswith("graph/reference/zz-cycle.ttl:5:"), line
    assert "cat:partOfEvent forms a cycle" in line and "loop-a" in line and "loop-b" in line


def test_an_inconsistency_names_functional_clashes_and_nothing_instances(tmp_path: Path) -> None:
    from rdflib import Literal, URIRef
    from rdflib.namespace import OWL, RDF, XSD

    from catkg.check.consistency import explain_inconsistency
    from catkg.load import load_project

    project = load_project(copy_project(MINI, tmp_path / "mini"))
    facts = project.dataset.graph(project.files[-1].graph)
    cat, edition = "https://w3id.org/catkg/ontology#", URIRef("https://w3id.org/catkg/id/event/forum-2020")
    ghost = URIRef("urn:catkg:ghost")
    facts.add((edition, URIRef(cat + "ordinal"), Literal("9", datatype=XSD.positiveInteger)))
    facts.add((ghost, RDF.type, OWL.Nothing))
    messages = [f.format() for f in explain_inconsistency(project, project.dataset)]
    clash = next(m for m in messages if "functional property cat:ordinal" in m)
    assert clash.startswith("graph/facts/wire-2020.ttl:") and ": 8, 9" in clash and "cat:Statistic" in clash
    assert any("<urn:catkg:ghost> is an instance of owl:Nothing" in m for m in messages)
