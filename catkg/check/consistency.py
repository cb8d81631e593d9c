"""OWL 2 consistency with HermiT (through owlready2), and an explanation when it fails.

HermiT only says "inconsistent"; the explanation looks, in the materialised graph, for the usual
culprits: an individual typed with two disjoint classes, a functional property with two values,
an individual of owl:Nothing.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from catkg.findings import Finding, Severity
from catkg.forked import ChildDied
from catkg.heap import release_free_memory
from catkg.load import SHAPES_FILE, Project, project_files, read_text, turtle_parser

JAVA_HINT = "install Java 17 or newer (Debian: apt-get install openjdk-17-jre-headless) or pass --no-reasoner"
HERMIT_HINT = "the message above is HermiT's own; pass --no-reasoner to build without the OWL check meanwhile"


class JavaMissingError(RuntimeError):
    """No `java` on the PATH: HermiT cannot run."""


# C1-only JIT and the serial collector: HermiT's run is short, so the JVM's start-up dominates; these
# halve its CPU on the curated graph (measured: 1.8 s -> 1.05 s).
# The heap cap is owlready2's own default for HermiT.
JVM_OPTIONS = ("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx2000M")
_SATISFIABLE = "owl#Thing is satisfiable"


def hermit_command(path: Path) -> list[str]:
    """The java command asking owlready2's bundled HermiT whether the ontology at `path` is consistent.

    Only HermiT's consistency action (`-k`, is owl:Thing satisfiable) is run: owlready2's
    `sync_reasoner` also classifies every class and property and realises every individual, which the
    build does not need and which costs most of the reasoner's time. The jar is found without importing
    owlready2 (a tenth of a second the build does not otherwise spend).
    """
    spec = importlib.util.find_spec("owlready2")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("owlready2 is not installed: reinstall CATKG (pip install -e .)")
    hermit = Path(next(iter(spec.submodule_search_locations))) / "hermit"
    classpath = os.pathsep.join((str(hermit), str(hermit / "HermiT.jar")))
    return [
        "java",
        *JVM_OPTIONS,
        "-cp",
        classpath,
        "org.semanticweb.HermiT.cli.CommandLine",
        "-k",
        "--ignoreUnsupportedDatatypes",
        path.as_uri(),
    ]


def command_dying_with_caller(command: list[str]) -> list[str]:
    """`command`, run so that Linux kills it once the thread that started it is gone (util-linux's
    `setpriv --pdeathsig`); unchanged where setpriv is missing.

    HermiT runs from a daemon thread: a build that is killed, or ended by an exception, while it runs
    would otherwise leave its JVM running for up to a minute at 1M triples. (`preexec_fn` could set
    the same signal, but is unsafe in a process with threads.)
    """
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", "--", *command] if setpriv else command


# Annotation properties built into RDFS and OWL 2: OWL 2 DL cannot use them as object or data properties.
_BUILT_IN_ANNOTATIONS = (
    RDFS.label,
    RDFS.comment,
    RDFS.seeAlso,
    RDFS.isDefinedBy,
    OWL.versionInfo,
    OWL.deprecated,
    OWL.priorVersion,
    OWL.backwardCompatibleWith,
    OWL.incompatibleWith,
)
# Declaring a property one of these makes it an object or data property, whatever else it is declared.
_LOGICAL_PROPERTY_TYPES = (
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.FunctionalProperty,
    OWL.InverseFunctionalProperty,
    OWL.TransitiveProperty,
    OWL.SymmetricProperty,
    OWL.AsymmetricProperty,
    OWL.ReflexiveProperty,
    OWL.IrreflexiveProperty,
)


def annotation_properties(triples: Iterable[ox.Triple]) -> frozenset[str]:
    """The IRIs of the properties whose assertions among `triples` can only be annotations: declared
    owl:AnnotationProperty and nothing that would make them an object or data property, or built into
    RDFS and OWL as such."""
    rdf_type, annotation = str(RDF.type), str(OWL.AnnotationProperty)
    logical = {str(kind) for kind in _LOGICAL_PROPERTY_TYPES}
    declared: set[str] = set()
    excluded: set[str] = set()
    for triple in triples:
        if triple.predicate.value == rdf_type and isinstance(triple.subject, ox.NamedNode):
            kind = triple.object.value
            if kind == annotation:
                declared.add(triple.subject.value)
            elif kind in logical:
                excluded.add(triple.subject.value)
    return frozenset((declared - excluded) | {str(p) for p in _BUILT_IN_ANNOTATIONS})


def reasoner_input(triples: Iterable[ox.Triple], annotations: frozenset[str]) -> Iterator[ox.Triple]:
    """The `triples` HermiT is given: all but annotation assertions about IRIs.

    In OWL 2 an annotation has no logical meaning, so leaving them out cannot change the verdict; they are a
    fifth of the triples at 1M (labels, titles, dates of publication), which HermiT would parse, hold
    and index for nothing. Annotations of blank nodes (an annotated axiom's) are kept with the rest of
    the axiom.
    """
    left_out = {ox.NamedNode(p) for p in annotations}
    named = ox.NamedNode
    for triple in triples:
        if triple.predicate not in left_out or type(triple.subject) is not named:
            yield triple


def project_triples(root: Path) -> list[ox.Triple]:
    """Every statement of the project's ontology and data files (not its shapes), read as the loader
    reads them but kept as Oxigraph triples. ValueError, naming the file, if one cannot be read (the
    loader reports why)."""
    triples: list[ox.Triple] = []
    for path in project_files(root):
        relpath = path.relative_to(root).as_posix()
        if relpath == SHAPES_FILE:
            continue
        text = read_text(path, relpath, [])
        if text is None:
            raise ValueError(f"{relpath}: cannot be read as Turtle text")
        triples.extend(turtle_parser(path, text))
    return triples


def project_consistent(root: Path) -> bool:
    """HermiT's verdict on the project at `root` as its files are on disk.

    Read from the files rather than the loaded dataset, so that the build can start it (in a forked
    child) before it loads: HermiT, the longest stage at scale, reads its input while the build loads.
    """
    return hermit_consistent(_reasoner_input_of(root))


def _reasoner_input_of(root: Path) -> Iterator[ox.Triple]:
    triples = project_triples(root)
    yield from reasoner_input(triples, annotation_properties(triples))
    # Written to HermiT's input file by now: the triples need not stay beside the JVM while it runs
    # (0.44 GB at 1M triples).
    del triples
    release_free_memory()


def hermit_consistent(triples: Iterable[ox.Triple]) -> bool:
    """True if HermiT finds the ontology and data (`triples`) consistent.

    Raises JavaMissingError without Java, RuntimeError (with HermiT's message) if HermiT fails otherwise.
    """
    if shutil.which("java") is None:
        raise JavaMissingError("java is not installed: the OWL consistency check needs it")
    with tempfile.TemporaryDirectory(prefix="catkg-hermit-") as tmp:
        path = Path(tmp) / "merged.nt"
        # Oxigraph writes N-Triples about seven times faster than rdflib.
        ox.serialize(triples, path, ox.RdfFormat.N_TRIPLES)
        run = subprocess.run(
            command_dying_with_caller(hermit_command(path)), capture_output=True, text=True, check=False
        )
    output = run.stdout + run.stderr
    if run.returncode == 1 and "Inconsistent ontology" in output:
        return False
    # HermiT exits 0 even when it cannot read its input, so success is its answer, not the exit code.
    if run.returncode == 0 and _SATISFIABLE in output:
        return True
    raise RuntimeError(f"HermiT failed (exit {run.returncode}): {output.strip()[-2000:]}")


def _disjoint_pairs(graph: Graph) -> set[tuple[URIRef, URIRef]]:
    pairs: set[tuple[URIRef, URIRef]] = set()
    for a, b in graph.subject_objects(OWL.disjointWith):
        pairs.add((a, b))
    for axiom in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        members = graph.value(axiom, OWL.members)
        if members is not None:
            pairs.update(itertools.combinations(list(Collection(graph, members)), 2))
    return {(a, b) for a, b in pairs if isinstance(a, URIRef) and isinstance(b, URIRef)}


def _culprit(project: Project, term: object, message: str, hint: str) -> Finding:
    """An owl-consistency error about `term`, located where the term is written."""
    path, line = project.locate(term)
    return Finding(path, line, 0, Severity.ERROR, "owl-consistency", message, term=str(term), hint=hint)


def explain_inconsistency(project: Project, materialised: Dataset) -> list[Finding]:
    """Findings naming the individuals and classes that make the graph inconsistent."""
    nm = project.dataset.namespace_manager
    findings = []
    for a, b in sorted(_disjoint_pairs(materialised)):
        for individual in sorted(
            set(materialised.subjects(RDF.type, a)) & set(materialised.subjects(RDF.type, b))
        ):
            message = (
                f"{nm.normalizeUri(individual)} is both a {nm.normalizeUri(a)} and a "
                f"{nm.normalizeUri(b)}, which the ontology declares disjoint"
            )
            findings.append(
                _culprit(project, individual, message, "remove one of the two types or use two IRIs")
            )
    for prop in sorted(set(materialised.subjects(RDF.type, OWL.FunctionalProperty))):
        values: dict[object, set[object]] = {}
        for s, o in materialised.subject_objects(prop):
            values.setdefault(s, set()).add(o)
        for subject, objects in sorted(values.items(), key=lambda kv: str(kv[0])):
            if len(objects) > 1 and all(not isinstance(o, URIRef) for o in objects):
                shown = ", ".join(sorted(str(o) for o in objects))
                message = (
                    f"{nm.normalizeUri(subject)} has several values for the functional "
                    f"property {nm.normalizeUri(prop)}: {shown}"
                )
                hint = "keep one value; a value that changes over time is a cat:Statistic"
                findings.append(_culprit(project, subject, message, hint))
    for individual in sorted(set(materialised.subjects(RDF.type, OWL.Nothing))):
        message = f"{nm.normalizeUri(individual)} is an instance of owl:Nothing"
        hint = "one of its types or property values contradicts the ontology"
        findings.append(_culprit(project, individual, message, hint))
    return findings


def consistency_findings(
    project: Project, outcome: Future[bool], materialised: Callable[[], Dataset]
) -> list[Finding]:
    """Wait for HermiT; on inconsistency return located findings (never an unexplained failure), read in
    the dataset `materialised()` gives, its inferences included (asked for only then)."""
    try:
        consistent = outcome.result()
    except (RuntimeError, ChildDied) as error:
        hint = JAVA_HINT if isinstance(error, JavaMissingError) else HERMIT_HINT
        return [Finding("ontology/catkg.ttl", 1, 0, Severity.ERROR, "reasoner-setup", str(error), hint=hint)]
    if consistent:
        return []
    explained = explain_inconsistency(project, materialised())
    return explained or [
        Finding(
            "ontology/catkg.ttl",
            1,
            0,
            Severity.ERROR,
            "owl-consistency",
            "HermiT finds the ontology and data inconsistent, and no disjoint types or functional "
            "property clash explains it",
            hint="look for contradicting restrictions; bisect recent edits",
        )
    ]
