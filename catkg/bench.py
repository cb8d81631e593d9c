"""`catkg bench`: build a synthetic corpus, time every stage, and race the queries across three engines.

Baselines (same data, same queries, same process, runs alternated, medians reported):
- CATKG: `catkg.query.run` on `catkg.query.open_store(dist)` (the build's store, copied into memory);
- raw pyoxigraph: an in-memory `pyoxigraph.Store()` bulk-loaded from dist/graph.trig, queried directly;
- rdflib: rdflib's default in-memory store (`Dataset`, union default graph as in CATKG) and its own
  SPARQL engine. rdflib cannot cancel a query, so each rdflib run happens in a forked child that is
  killed at the cap; a capped query is reported as `null` (JSON) or `>cap` (table).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from catkg.forked import DeadlinePassed, call_in_fork

HEAVY_QUERIES: dict[str, str] = {
    "heavy-predicate-histogram": """
SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY DESC(?n) ?p
""",
    "heavy-participations-per-series-country": """
PREFIX cat: <https://w3id.org/catkg/ontology#>
SELECT ?series ?country (COUNT(DISTINCT ?participation) AS ?n) WHERE {
  ?participation cat:participationIn ?event ; cat:forCountry ?country .
  { ?event cat:editionOf ?series } UNION { ?event cat:partOfEvent ?edition . ?edition cat:editionOf ?series }
} GROUP BY ?series ?country ORDER BY DESC(?n) ?series ?country
""",
    "heavy-participant-post-org-country": """
PREFIX cat: <https://w3id.org/catkg/ontology#>
SELECT ?country (COUNT(DISTINCT ?participation) AS ?n) WHERE {
  ?participation cat:participant ?person . ?person cat:holdsPost ?post . ?post cat:postIn ?org .
  ?org cat:locatedIn ?country . ?country a cat:Country
} GROUP BY ?country ORDER BY DESC(?n) ?country
""",
    "heavy-host-country-join": """
PREFIX cat: <https://w3id.org/catkg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?country ?label (COUNT(DISTINCT ?edition) AS ?editions) (COUNT(DISTINCT ?launch) AS ?launches) WHERE {
  ?edition a cat:Edition ; cat:host ?org .
  ?org cat:locatedIn ?country . ?country a cat:Country ; rdfs:label ?label .
  OPTIONAL { ?launch cat:launchEvent ?edition }
} GROUP BY ?country ?label ORDER BY DESC(?editions) ?country
""",
}
RDFLIB_CAP_S = 60.0


@dataclass
class QueryTiming:
    """Median seconds of one query on each engine (None: over the rdflib cap) and its row count."""

    name: str
    catkg_s: float
    pyoxigraph_s: float
    rdflib_s: float | None
    rows: int
    rdflib_rows: int | None = None


@dataclass
class BenchResult:
    """Everything `catkg bench --size N` measured."""

    size: int
    triples: int
    stages: dict[str, float]
    build_s: float
    peak_rss_mb: float
    queries: list[QueryTiming] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        """The one JSON object `catkg bench --json` prints."""
        return {
            "size": self.size,
            "triples": self.triples,
            "stages": {k: round(v, 4) for k, v in self.stages.items()},
            "build_s": round(self.build_s, 4),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "queries": [
                {
                    "name": q.name,
                    "catkg_s": round(q.catkg_s, 5),
                    "pyoxigraph_s": round(q.pyoxigraph_s, 5),
                    "rdflib_s": None if q.rdflib_s is None else round(q.rdflib_s, 5),
                    "rows": q.rows,
                }
                for q in self.queries
            ],
            "extra": {k: round(v, 4) for k, v in self.extra.items()},
            "notes": self.notes,
        }


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _consume(result: object) -> int:
    """Drain a lazy result so the engine really does the work; the number of rows or triples."""
    try:
        return sum(1 for _ in result)
    except TypeError:
        return 1


def _timed(call: Callable[[], object]) -> tuple[float, int]:
    began = time.perf_counter()
    rows = _consume(call())
    return time.perf_counter() - began, rows


def _rdflib_timed(dataset: object, sparql: str) -> tuple[float, int]:
    return _timed(lambda: dataset.query(sparql))


def rdflib_run(dataset: object, sparql: str, cap: float) -> tuple[float, int] | None:
    """Time one rdflib query in a forked child (copy-on-write dataset); None if it passes `cap` seconds."""
    try:
        return call_in_fork(_rdflib_timed, dataset, sparql, timeout=cap)
    except DeadlinePassed:
        return None
    except Exception as error:  # any engine error, including a child that died
        raise RuntimeError(f"rdflib failed: {type(error).__name__}: {error}") from None


def race_queries(
    dist: Path,
    queries: dict[str, str],
    runs: int,
    cap: float = RDFLIB_CAP_S,
    rdflib: bool = True,
    log: Callable[[str], None] = lambda _: None,
) -> tuple[list[QueryTiming], dict[str, float]]:
    """Median time of each query through CATKG, raw pyoxigraph and rdflib.

    Query by query: one untimed run of each Oxigraph path, then `runs` timed runs of both (order
    alternated), then `runs` rdflib runs (each in a forked child, see `rdflib_run`; none after one
    passes the cap).
    """
    import pyoxigraph as ox
    from rdflib import Dataset

    from catkg.query import open_store, run

    extra: dict[str, float] = {}
    began = time.perf_counter()
    store = open_store(dist)
    extra["load catkg store (from dist/store)"] = time.perf_counter() - began
    began = time.perf_counter()
    raw = ox.Store()
    raw.bulk_load(path=str(dist / "graph.trig"), format=ox.RdfFormat.TRIG)
    extra["load pyoxigraph (bulk_load graph.trig)"] = time.perf_counter() - began
    dataset = None
    if rdflib:
        log("loading rdflib Dataset")
        began = time.perf_counter()
        dataset = Dataset(default_union=True)
        dataset.parse(dist / "graph.trig", format="trig")
        extra["load rdflib (parse graph.trig)"] = time.perf_counter() - began
    samples: dict[str, dict[str, list[float]]] = {name: {"c": [], "p": [], "r": []} for name in queries}
    rows: dict[str, dict[str, int]] = {name: {} for name in queries}
    capped: set[str] = set()
    for name, sparql in queries.items():
        engines = [
            ("c", lambda s=sparql: run(store, s)),
            ("p", lambda s=sparql: raw.query(s, use_default_graph_as_union=True)),
        ]
        # One untimed run of each Oxigraph path first: after the previous query's rdflib forks, every page
        # the parent writes faults once (copy-on-write), which cost whichever path ran first 0.5-1 ms and
        # made sub-millisecond queries look 1.5x apart on identical engines.
        for _, call in engines:
            _timed(call)
        for attempt in range(runs):
            log(f"run {attempt + 1}/{runs}: {name}")
            # The order flips every run, so neither Oxigraph path always runs on warm caches.
            for key, call in engines[:: 1 if attempt % 2 == 0 else -1]:
                seconds, rows[name][key] = _timed(call)
                samples[name][key].append(seconds)
        # rdflib right after, so each query's three engines are timed under the same machine load;
        # no fork happens between the Oxigraph runs.
        for attempt in range(runs if dataset is not None else 0):
            log(f"run {attempt + 1}/{runs}: {name} (rdflib)")
            answer = rdflib_run(dataset, sparql, cap)
            if answer is None:
                capped.add(name)
                break
            samples[name]["r"].append(answer[0])
            rows[name]["r"] = answer[1]
    timings = []
    for name in queries:
        r = samples[name]["r"]
        timings.append(
            QueryTiming(
                name,
                statistics.median(samples[name]["c"]),
                statistics.median(samples[name]["p"]),
                statistics.median(r) if r and name not in capped else None,
                rows[name]["c"],
                rows[name].get("r"),
            )
        )
    return timings, extra


def library_queries(root: Path) -> dict[str, str]:
    """The project's library queries (queries/*.rq) followed by the heavy joins and group-bys."""
    from catkg.query import library

    named = {q.name: q.sparql for q in library(root)}
    return {**named, **HEAVY_QUERIES}


def run_bench(
    size: int,
    runs: int = 3,
    *,
    seed: int = 0,
    reasoner: bool = True,
    rdflib: bool = True,
    cap: float = RDFLIB_CAP_S,
    workdir: Path | None = None,
    log: Callable[[str], None] = lambda _: None,
) -> BenchResult:
    """Generate a corpus of about `size` triples, build it once with stage timings, then race the queries."""
    from catkg.build import build
    from catkg.synthetic import generate

    tmp = Path(tempfile.mkdtemp(prefix="catkg-bench-", dir=workdir))
    try:
        root = tmp / "project"
        log(f"generating {size} triples")
        triples = generate(root, size, seed=seed)
        began, began_cpu = time.perf_counter(), cpu_seconds() + cpu_seconds(resource.RUSAGE_CHILDREN)
        load_before = os.getloadavg()[0]
        result = build(root, tmp / "dist", reasoner=reasoner, force=True, on_stage=lambda s: log(s))
        build_s = time.perf_counter() - began
        build_cpu = cpu_seconds() + cpu_seconds(resource.RUSAGE_CHILDREN) - began_cpu
        if result.exit_code != 0:
            shown = "\n".join(f.format() for f in result.errors[:20])
            raise RuntimeError(f"the synthetic corpus failed its checks:\n{shown}")
        bench = BenchResult(size, triples, dict(result.timings), build_s, peak_rss_mb())
        bench.extra["build CPU s (process + JVM)"] = build_cpu
        bench.extra["load average before build"] = load_before
        bench.extra["load average after build"] = os.getloadavg()[0]
        if not reasoner:
            bench.notes.append("HermiT skipped (--no-reasoner)")
        bench.stages.update(_network_page(tmp / "dist", log))
        bench.queries, loads = race_queries(
            tmp / "dist", library_queries(root), runs, cap=cap, rdflib=rdflib, log=log
        )
        bench.extra.update(loads)
        bench.extra["peak rss after queries (MB)"] = peak_rss_mb()
        bench.notes += row_mismatches(bench.queries)
        return bench
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_query_corpus(
    root: Path, dist: Path, size: int, seed: int = 0, log: Callable[[str], None] = lambda _: None
) -> tuple[int, dict[str, float]]:
    """Generate a corpus in `root`, then load, reason and write `dist`/store and `dist`/graph.trig.

    No checks, no exports: the store holds the same quads (asserted and inferred) that a full build
    would publish. Returns the triple count and the seconds of each stage.
    """
    import pyoxigraph as ox

    from catkg.load import load_project
    from catkg.oxi import dataset_quads
    from catkg.reason import materialise
    from catkg.synthetic import generate

    log(f"generating {size} triples")
    triples = generate(root, size, seed=seed)
    stages: dict[str, float] = {}
    for stage in ("load", "reason", "store"):
        log(stage)
        began = time.perf_counter()
        if stage == "load":
            project = load_project(root)
        elif stage == "reason":
            materialise(project.dataset)
        else:
            # Graph by graph, in a fixed order, as the build writes them.
            quads = sorted(dataset_quads(project.dataset), key=lambda q: (str(q.graph_name), str(q)))
            del project  # the rdflib copy is not needed any more; the baselines load their own
            dist.mkdir()
            store = ox.Store(str(dist / "store"))
            store.bulk_extend(quads)
            store.flush()
            del store
            ox.serialize(quads, str(dist / "graph.trig"), ox.RdfFormat.TRIG)
            del quads
        stages[stage] = time.perf_counter() - began
    return triples, stages


def run_query_bench(
    size: int,
    runs: int = 3,
    *,
    seed: int = 0,
    rdflib: bool = True,
    cap: float = RDFLIB_CAP_S,
    log: Callable[[str], None] = lambda _: None,
) -> BenchResult:
    """The query race alone: load, reason, write dist/store and dist/graph.trig; no checks, no exports.

    For sizes where the full build takes longer than the time at hand; the store holds the same quads
    (asserted and inferred) that a full build would publish.
    """
    tmp = Path(tempfile.mkdtemp(prefix="catkg-bench-"))
    try:
        root, dist = tmp / "project", tmp / "dist"
        triples, stages = write_query_corpus(root, dist, size, seed, log)
        bench = BenchResult(size, triples, stages, sum(stages.values()), peak_rss_mb())
        bench.notes.append("queries only: checks and exports skipped; build_s is load + reason + store")
        bench.queries, bench.extra = race_queries(
            dist, library_queries(root), runs, cap=cap, rdflib=rdflib, log=log
        )
        bench.extra["peak rss after queries (MB)"] = peak_rss_mb()
        bench.notes += row_mismatches(bench.queries)
        return bench
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def row_mismatches(timings: list[QueryTiming]) -> list[str]:
    """A note for each query where rdflib and Oxigraph returned different numbers of rows."""
    return [
        f"{q.name}: rdflib gave {q.rdflib_rows} rows, Oxigraph {q.rows}"
        for q in timings
        if q.rdflib_rows is not None and q.rdflib_rows != q.rows
    ]


def _network_page(dist: Path, log: Callable[[str], None]) -> dict[str, float]:
    """Time the network page the publish stage writes (dist/network.html), when the build does not."""
    try:
        from catkg.network import write_dataset_network
    except ImportError:
        return {}
    if (dist / "network.html").exists():
        return {}
    from rdflib import Dataset

    log("network page")
    dataset = Dataset(default_union=True)
    dataset.parse(dist / "graph.trig", format="trig")
    began = time.perf_counter()
    write_dataset_network(dataset, dist)
    return {"network page": time.perf_counter() - began}


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    """User plus system CPU time so far (RUSAGE_CHILDREN: of waited-for child processes, JVMs included)."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def time_curated(root: Path, runs: int = 5, log: Callable[[str], None] = lambda _: None) -> dict[str, object]:
    """Median wall and CPU time of `python build.py` on a copy of the curated project.

    Three kinds, alternated: a clean build (no check cache: SHACL and HermiT run, JVM start included),
    a forced rebuild with the cache warm (`--force`), and a no-change rebuild. CPU time (of the build
    process and its JVM) is given too: on a shared machine wall time mostly measures the queue for a core.
    """
    from catkg.cache import CACHE_DIR_NAME

    kinds = {"clean": ["--force"], "warm": ["--force"], "no-change": []}
    wall: dict[str, list[float]] = {kind: [] for kind in kinds}
    cpu: dict[str, list[float]] = {kind: [] for kind in kinds}
    stages: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="catkg-bench-curated-") as tmp:
        project = Path(tmp) / "project"
        for part in ("ontology", "graph", "queries"):
            shutil.copytree(root / part, project / part)
        shutil.copy(root / "build.py", project / "build.py")
        out = project / "dist"
        for attempt in range(runs):
            for kind, extra in kinds.items():
                log(f"run {attempt + 1}/{runs}: {kind}")
                if kind == "clean":
                    shutil.rmtree(project / CACHE_DIR_NAME, ignore_errors=True)
                began, began_cpu = time.perf_counter(), cpu_seconds(resource.RUSAGE_CHILDREN)
                done = subprocess.run(
                    [sys.executable, "build.py", *extra],
                    cwd=project,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                wall[kind].append(time.perf_counter() - began)
                cpu[kind].append(cpu_seconds(resource.RUSAGE_CHILDREN) - began_cpu)
                if done.returncode != 0:
                    raise RuntimeError(f"python build.py failed ({done.returncode}):\n{done.stderr[-2000:]}")
                if kind != "no-change":
                    stages[kind] = json.loads((out / "report.json").read_text(encoding="utf-8"))["timings_s"]
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return {
        "runs": runs,
        "triples": report["statistics"]["triples"],
        "full_build_s": statistics.median(wall["clean"]),
        "full_build_cpu_s": statistics.median(cpu["clean"]),
        "warm_rebuild_s": statistics.median(wall["warm"]),
        "warm_rebuild_cpu_s": statistics.median(cpu["warm"]),
        "no_change_s": statistics.median(wall["no-change"]),
        "no_change_cpu_s": statistics.median(cpu["no-change"]),
        "all_wall_s": {kind: [round(x, 3) for x in values] for kind, values in wall.items()},
        "load_average": os.getloadavg()[0],
        # With PYTHONDONTWRITEBYTECODE set, every run compiles CATKG's modules again (0.5 s of CPU here).
        "bytecode_cache": not os.environ.get("PYTHONDONTWRITEBYTECODE"),
        "stages_last": stages,
    }


def machine() -> dict[str, object]:
    """The machine a benchmark ran on: cores, memory, CPU model, Python and package versions."""
    from importlib.metadata import PackageNotFoundError, version

    cpu = ""
    with open("/proc/cpuinfo", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    packages = {}
    for name in ("rdflib", "pyoxigraph", "pyshacl", "owlready2", "networkx"):
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = "missing"
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(memory_gb, 1),
        "cpu": cpu,
        "python": sys.version.split()[0],
        "packages": packages,
    }


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or b is None or b == 0 else f"{a / b:.1f}x"


def render(bench: BenchResult, console: object, cap: float = RDFLIB_CAP_S) -> None:
    """Print the stage and query tables (rich) with the ratios the targets are stated in."""
    from rich.table import Table

    stages = Table(title=f"build of {bench.triples} synthetic triples (size {bench.size})")
    stages.add_column("stage")
    stages.add_column("seconds", justify="right")
    for name, seconds in bench.stages.items():
        stages.add_row(name, f"{seconds:.3f}")
    stages.add_row("[bold]whole build[/bold]", f"[bold]{bench.build_s:.3f}[/bold]")
    stages.add_row("peak RSS (MB)", f"{bench.peak_rss_mb:.0f}")
    console.print(stages)
    queries = Table(title="queries: median seconds (runs alternated)")
    for column in ("query", "rows", "CATKG", "pyoxigraph", "rdflib", "CATKG/pyoxigraph", "rdflib/CATKG"):
        # Query names fold rather than being cut: they are what a reader looks up in queries/.
        queries.add_column(column, justify="left" if column == "query" else "right", overflow="fold")
    for q in bench.queries:
        queries.add_row(
            q.name,
            str(q.rows),
            f"{q.catkg_s:.4f}",
            f"{q.pyoxigraph_s:.4f}",
            f">{cap:g}" if q.rdflib_s is None else f"{q.rdflib_s:.4f}",
            _ratio(q.catkg_s, q.pyoxigraph_s),
            f">{cap / q.catkg_s:.0f}x" if q.rdflib_s is None else _ratio(q.rdflib_s, q.catkg_s),
        )
    console.print(queries)
    for name, value in bench.extra.items():
        console.print(f"{name}: {value:.2f}")
    for note in bench.notes:
        console.print(f"[yellow]note:[/yellow] {note}")


def render_curated(figures: dict[str, object], console: object) -> None:
    """Print the curated-graph build medians."""
    console.print(
        f"curated graph ({figures['triples']} triples), median of {figures['runs']} runs of "
        f"`python build.py`: clean build {figures['full_build_s']:.2f} s (target < 3 s), "
        f"forced rebuild with the check cache warm {figures['warm_rebuild_s']:.2f} s, "
        f"no-change rebuild {figures['no_change_s']:.2f} s (target < 0.5 s); CPU time: "
        f"{figures['full_build_cpu_s']:.2f} s and {figures['no_change_cpu_s']:.2f} s; "
        f"load average {figures['load_average']:.1f}; Python bytecode cache "
        f"{'on' if figures['bytecode_cache'] else 'off (PYTHONDONTWRITEBYTECODE is set)'}"
    )


def main(
    size: int,
    runs: int,
    as_json: bool,
    *,
    curated: Path | None = None,
    queries_only: bool = False,
    seed: int = 0,
    reasoner: bool = True,
    rdflib: bool = True,
    cap: float = RDFLIB_CAP_S,
    console: object,
    errors: object,
) -> int:
    """What `catkg bench` does; progress goes to stderr so `--json` prints exactly one object on stdout."""

    started = time.perf_counter()

    def log(message: str) -> None:
        errors.print(f"[dim]bench {time.perf_counter() - started:8.1f}s: {message}[/dim]")

    try:
        if curated is not None:
            figures = time_curated(curated, runs, log)
            if as_json:
                console.print_json(json.dumps({"curated": figures, "machine": machine()}))
            else:
                render_curated(figures, console)
            return 0
        if queries_only:
            bench = run_query_bench(size, runs, seed=seed, rdflib=rdflib, cap=cap, log=log)
        else:
            bench = run_bench(size, runs, seed=seed, reasoner=reasoner, rdflib=rdflib, cap=cap, log=log)
    except RuntimeError as error:
        errors.print(f"[red]error:[/red] {error}")
        return 1
    if as_json:
        print(json.dumps({**bench.to_json(), "machine": machine()}))
    else:
        render(bench, console, cap)
    return 0
