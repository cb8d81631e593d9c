"""The build: load -> check -> reason -> publish, writing into a staging directory swapped in at the end."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from concurrent.futures import wait as wait_for
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from catkg import __version__
from catkg.findings import Finding, Severity
from catkg.fingerprint import is_up_to_date, project_fingerprint
from catkg.heap import paused_collector

OUTPUTS = (
    "graph.ttl",
    "graph.trig",
    "graph.jsonld",
    "graph.nt",
    "ontology.owl",
    "graph.graphml",
    "report.json",
    "report.md",
    "store",
    "ontology.html",
    "network.html",
)
USAGE_CHECKS = ("input", "reasoner-setup")
if TYPE_CHECKING:
    import pyoxigraph as ox
    from rdflib import Dataset, Graph, URIRef
    from rdflib.term import Node

    from catkg.check.shacl import ShaclResult
    from catkg.check.shape_queries import ShapeQuery
    from catkg.check.sparql_checks import CheckRow
    from catkg.forked import ForkedCall

T = TypeVar("T")
# Above this many loaded triples the build draws the entity exports itself after reasoning, and a child
# forked then writes the Oxigraph exports (see `build`).
FORK_EXPORTS_UP_TO = 250_000


@dataclass
class BuildResult:
    """What a build did: exit code, findings, counts and stage timings."""

    exit_code: int
    findings: list[Finding] = field(default_factory=list)
    statistics: dict[str, object] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    out: Path | None = None
    up_to_date: bool = False
    cache: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        """The findings of severity ERROR."""
        return [f for f in self.findings if f.severity == Severity.ERROR]


def exit_code_for(findings: list[Finding], strict: bool) -> int:
    """2 for unreadable input or a missing tool, 1 for an ERROR (or a WARN when strict), else 0."""
    if any(f.check in USAGE_CHECKS for f in findings):
        return 2
    failing = {Severity.ERROR, Severity.WARN} if strict else {Severity.ERROR}
    return 1 if any(f.severity in failing for f in findings) else 0


class ProjectLayoutError(Exception):
    """The folder is not a CATKG project (no ontology/ or graph/)."""


def find_root(start: Path) -> Path:
    """The nearest folder at or above `start` that holds ontology/ and graph/."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / "ontology").is_dir() and (candidate / "graph").is_dir():
            return candidate
    raise ProjectLayoutError(f"{start}: not a CATKG project (no ontology/ and graph/ folders here or above)")


def quick_up_to_date(args: list[str]) -> Path | None:
    """For `python build.py [--out DIR]`: the output folder if it already holds this build, else None.

    Kept free of the CLI's imports (typer, rich), so the edit-build loop's commonest answer is instant;
    anything unusual (other options, no project here) returns None and the full CLI takes over.
    """
    out: str | None = None
    if len(args) == 2 and args[0] == "--out":
        out = args[1]
    elif len(args) == 1 and args[0].startswith("--out="):
        out = args[0].removeprefix("--out=")
    elif args:
        return None
    try:
        root = find_root(Path("."))
        target = (Path(out) if out else root / "dist").resolve()
        fresh = is_up_to_date(root, target, {"reasoner": True, "strict": False}, OUTPUTS)
    except (ProjectLayoutError, OSError):
        return None
    return target if fresh else None


def _answer_of(job: ForkedCall[T] | None, fallback: Callable[[], T]) -> T:
    """A forked job's answer, or `fallback()` computed here if there was no job or its child died."""
    from catkg.forked import ChildDied

    if job is not None:
        try:
            return job.result()
        except ChildDied:
            pass
    return fallback()


def _dataset_with(dataset: Dataset, graph: Graph, triples: list[tuple[Node, Node, Node]]) -> Dataset:
    """`dataset` once `triples` are added to its graph `graph` (the inferred triples, for HermiT's
    explanation of an inconsistency)."""
    from catkg.load import add_triples

    add_triples(graph, triples)
    return dataset


def _timed_oxigraph_checks(
    root: Path, shapes: Graph, shape_queries: dict[URIRef, ShapeQuery], store: ox.Store
) -> tuple[list[CheckRow], list[ShaclResult], float]:
    """For a thread: the rows of the SPARQL checks and the results of the shapes in `shape_queries` on
    `store`, and the seconds they took. Locating them in the files is left to the build's thread, which
    owns the project."""
    from catkg.check.shape_queries import shape_query_results
    from catkg.check.sparql_checks import sparql_check_rows

    began = time.perf_counter()
    rows = sparql_check_rows(root, store)
    results = shape_query_results(shapes, shape_queries, store)
    return rows, results, time.perf_counter() - began


# The collector is paused for the whole build: the stages build indexes, views and graphs it would walk
# again and again (a fifth of the build's CPU at 1M triples), and resuming after loading it would walk
# every loaded object once more before they are frozen (1.2 s). The stages make few garbage cycles; the
# one big one, the entity graph, is emptied once drawn (`write_entity_exports`).
@paused_collector()
def build(
    root: Path,
    out: Path | None = None,
    *,
    reasoner: bool = True,
    strict: bool = False,
    write: bool = True,
    force: bool = False,
    on_stage: Callable[[str], None] | None = None,
    cache: bool = True,
) -> BuildResult:
    """Check the project at `root` and, if it passes and `write`, publish it to `out` atomically.

    A failed or interrupted build leaves a previous `out` exactly as it was. With `cache`, SHACL and
    HermiT results are reused for what did not change (see `catkg.cache`).
    """
    root = find_root(root)
    out = (out or root / "dist").resolve()
    options = {"reasoner": reasoner, "strict": strict}
    if write and not force and is_up_to_date(root, out, options, OUTPUTS):
        from catkg.swap import recover

        # A build killed between the swap and removing the old output leaves it beside `out`.
        recover(out)
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        return BuildResult(0, statistics=report["statistics"], out=out, up_to_date=True)

    timings: dict[str, float] = {}

    @contextmanager
    def timed(stage: str) -> Iterator[None]:
        if on_stage:
            on_stage(stage)
        began = time.perf_counter()
        yield
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - began

    from rdflib import Graph

    from catkg.cache import CheckCache, shacl_findings, start_consistency
    from catkg.check.consistency import consistency_findings, project_consistent
    from catkg.check.lint import lint
    from catkg.check.shacl import data_graph, findings_from_results, lint_shapes
    from catkg.check.shape_queries import shape_queries
    from catkg.check.sparql_checks import check_findings
    from catkg.check.vocabulary import Vocabulary
    from catkg.diff import source_contributions
    from catkg.export_process import ExportsFailed, ExportsProcess
    from catkg.forked import ForkedCall
    from catkg.heap import frozen_heap, release_free_memory
    from catkg.load import load_project
    from catkg.namespaces import INFERRED_GRAPH, ONTOLOGY_GRAPH
    from catkg.ontology_docs import ontology_page, previous_page
    from catkg.oxi import dataset_quads, graph_quads, memory_store, write_quads
    from catkg.publish import write_entity_exports, write_exports
    from catkg.reason import inferred_triples
    from catkg.report import check_results, statistics, write_report
    from catkg.swap import scratch_dir, staging_dir, swap_in
    from catkg.threaded import start_thread

    # HermiT, the longest stage at scale, reads the files itself in a forked child (see
    # `project_consistent`), so it parses its input on the other core while this process loads.
    hermit_job = ForkedCall(project_consistent, root) if reasoner else None
    try:
        with timed("load"):
            project = load_project(root)
    except BaseException:
        if hermit_job is not None:
            hermit_job.close()
        raise
    findings = list(project.findings)
    ran = {"input", "syntax"}
    if findings:
        if hermit_job is not None:
            hermit_job.close()
        findings.sort()
        return BuildResult(exit_code_for(findings, strict), findings, timings=timings)

    ontology = project.dataset.graph(ONTOLOGY_GRAPH)
    # pyLODE needs only the ontology and takes a second of CPU: a forked child renders the page on the
    # other core while the checks run (forked before HermiT's thread starts), unless the last build's
    # page documents the same ontology.
    page = previous_page(ontology, out / "ontology.html") if write else ""
    page_job = ForkedCall(ontology_page, ontology) if page is None else None

    # From here on the loaded dataset lives to the end of the build; the collector need not walk it.
    with frozen_heap():
        staging = work = side_job = exports_job = None
        try:
            staging = staging_dir(out) if write else None
            # The quads wait in N-Quads files here, out of memory, for the checks and the exports.
            work = scratch_dir(out if write else None)
            # GraphML and the network page read only the asserted graphs and the ontology (a test holds
            # that reasoning changes neither): a second child draws them from here, beside the checks,
            # and they are discarded with the staging folder if a check fails. On a dataset so large
            # that the child's copy-on-write pages would double the memory, this process writes them.
            if staging is not None and len(project.dataset) <= FORK_EXPORTS_UP_TO:
                side_job = ForkedCall(write_entity_exports, project.dataset, staging, project.graph_triples)
            consistency = None
            # Timed too: at 1M triples converting the graphs and hashing them for the cache take a while.
            with timed("convert for the checks"):
                # A view of the dataset's union, taken before reasoning adds the inferred graph: what SHACL
                # validates and what keys HermiT's cache entry.
                merged = data_graph(project)
                checks_cache = CheckCache.open(root) if cache else None
                if hermit_job is not None:
                    consistency = start_consistency(merged, hermit_job, project.shapes, checks_cache)
                # Converted to pyoxigraph once (converting is the slow part) into the store of the SPARQL
                # checks, and the shapes Oxigraph evaluates faster than pySHACL, and into a file, which the
                # exports read with the inferred graph added. (Kept as a list, the quads took 0.8 GB at 1M
                # triples until the exports.) Oxigraph releases the GIL while it evaluates a query: the
                # queries run in a thread beside lint and SHACL, which alone holds the store, so it goes
                # once they are done.
                asserted = work / "asserted.nq"
                quads = dataset_quads(project.dataset, project.graph_triples)
                by_oxigraph = shape_queries(project.shapes)
                oxigraph_checks = partial(
                    _timed_oxigraph_checks,
                    project.root,
                    project.shapes,
                    by_oxigraph,
                    memory_store(quads, copy_to=asserted),
                )
                sparql_checks = start_thread(oxigraph_checks, "sparql")
                del oxigraph_checks
            with timed("check: lint"):
                vocabulary = Vocabulary.from_ontology(ontology)
                findings += lint(project, vocabulary)
                ran.add("lint")
            with timed("check: shacl"):
                findings += lint_shapes(project.shapes)
                findings += shacl_findings(project, merged, checks_cache, by_oxigraph)
                ran.add("shacl")
            # The view and the cache's index served SHACL and HermiT's cache key only; the index holds
            # every triple (a gigabyte at 1M), memory the later stages can use instead.
            del merged
            if checks_cache is not None:
                checks_cache.drop_index()
            with timed("check: sparql (wait)"):
                rows, shape_results, timings["check: sparql"] = sparql_checks.result()
                release_free_memory()
                findings += check_findings(project, rows) + findings_from_results(project, shape_results)
                ran.add("sparql-checks")
            # Reasoning adds no findings: whether this build publishes is known from here on.
            publishing = staging is not None and exit_code_for(findings, strict) == 0
            # The inferred triples stay a list, out of rdflib's store (at 1M: 6 s, 0.3-0.6 GiB of the peak):
            # the exports and the report take them from here; HermiT's explanation, if it needs them,
            # has them added then.
            with timed("reason"):
                inferred = inferred_triples(project.dataset)
            inferred_graph = Graph(store=project.dataset.store, identifier=INFERRED_GRAPH)
            if staging is not None and not publishing:
                if side_job is not None:
                    side_job.close()
                shutil.rmtree(staging, ignore_errors=True)
                staging = None
            if staging is not None:
                with timed("convert the inferred graph"):
                    inferred_quads = graph_quads(inferred_graph, inferred)
                    sources = [asserted, write_quads(inferred_quads, work / "inferred.nq")]
                # What the stages before freed goes back to the system, for the JVM and the exports.
                release_free_memory()
                # Below FORK_EXPORTS_UP_TO the exports are written while HermiT still runs; they are
                # discarded if it finds a contradiction.
                if side_job is None:
                    # At scale no child drew the entity exports (it would have copied the dataset's pages):
                    # the Oxigraph exports go to a fresh process, beside the entity exports and the report
                    # here. Both begin once HermiT is done: the JVM holds 1.4 GB at 1M triples, and with
                    # either beside it all processes together would peak over 4 GB. (The process starts
                    # now, to import what it needs meanwhile.) The JVM has a core to itself until then.
                    exports_job = ExportsProcess(sources, staging, work, project.prefixes)
                    if consistency is not None:
                        with timed("check: owl (wait)"):
                            wait_for([consistency])
                    exports_job.go()
                    # Timed as a stage of its own so the progress line names it (20 s at 1M triples).
                    with timed("export graph.graphml, network.html"):
                        timings.update(write_entity_exports(project.dataset, staging, project.graph_triples))
                else:
                    timings.update(write_exports(sources, staging, work, timed, project.prefixes))
            if consistency is not None:
                with timed("check: owl (wait)"):
                    with_inferred = partial(_dataset_with, project.dataset, inferred_graph, inferred)
                    findings += consistency_findings(project, consistency, with_inferred)
                    ran.add("owl-consistency")
            findings.sort()
            code = exit_code_for(findings, strict)
            # What each source adds (facts only it states, facts others confirm, conflicts), for the
            # report, once the build is known to publish. At scale the exports' process runs meanwhile;
            # earlier, its indexes (0.5 GB at 1M triples) would add to HermiT's JVM.
            contributions = {}
            if staging is not None and code == 0:
                with timed("report: sources"):
                    contributions = source_contributions(project.dataset, project.graph_triples)
            with timed("report"):
                # The inferred triples are counted from the list unless HermiT's explanation stored them.
                listed = None if len(inferred_graph) else inferred
                stats = statistics(project.dataset, project.graph_triples, listed)
            if staging is not None and code == 0:
                if side_job is not None:
                    with timed("export graph.graphml, network.html (wait)"):
                        entity_exports = partial(
                            write_entity_exports, project.dataset, staging, project.graph_triples
                        )
                        timings.update(_answer_of(side_job, entity_exports))
                if exports_job is not None:
                    with timed("export graph.ttl, .trig, .jsonld, .nt, ontology.owl, store (wait)"):
                        try:
                            timings.update(exports_job.result())
                        except ExportsFailed:
                            # Killed, for memory say: written here instead, from the same files.
                            timings.update(write_exports(sources, staging, work, timed, project.prefixes))
                with timed("export ontology.html"):
                    if page_job is not None:
                        page = _answer_of(page_job, partial(ontology_page, ontology))
                    (staging / "ontology.html").write_text(page or "", encoding="utf-8")
            result = BuildResult(code, findings, stats, timings, out if staging and code == 0 else None)
            result.cache = dict(checks_cache.stats) if checks_cache else {}
            if staging is not None and code == 0:
                write_report(
                    staging,
                    {
                        "catkg_version": __version__,
                        "fingerprint": project_fingerprint(root, options),
                        "statistics": stats,
                        "checks": check_results(findings, ran),
                        "findings": [f.to_json() for f in findings],
                        "timings_s": {k: round(v, 4) for k, v in timings.items()},
                        "sources": contributions,
                    },
                )
                swap_in(staging, out)
                staging = None
        finally:
            for job in (hermit_job, page_job, side_job, exports_job):
                if job is not None:
                    job.close()
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
            if work is not None:
                shutil.rmtree(work, ignore_errors=True)
    return result
