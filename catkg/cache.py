"""Content-hash cache of the expensive checks, so an edit to one facts file re-checks only what it touches.

What is cached, and why it is sound:
- SHACL, per file. A SHACL result about a focus node depends only on the triples a shape can reach
  from it. `shape_reach` reads the shapes and works out how far that is (for ontology/shapes.ttl:
  two hops out, e.g. fact -> cat:statedIn paragraph -> its rdf:type for `sh:class`, and one hop in
  along `sh:inversePath cat:holdsPost`). A file's key hashes every triple within that reach of the
  file's subjects, in the whole merged graph, so an edit elsewhere that changes what a file's subjects
  can see also changes that file's key. Stale files are re-validated by pySHACL on the part of the
  merged graph within that reach of their subjects (plus the class hierarchy), and only the results
  about their own subjects are kept; unchanged files' results are reused.
  Shapes whose reach cannot be bounded (SPARQL constraints, node or object targets, paths other than a
  predicate, a simple inverse or alternatives of predicates, recursion) turn the per-file cache off:
  every build validates everything.
- OWL consistency (HermiT), for the whole graph: a graph is consistent or not as a whole, so the key
  is the digest of every asserted triple; only a positive answer is kept (an inconsistency is
  explained afresh each time).
- Every key starts with the global digest: the code (`fingerprint.code_digest`), the ontology and
  shapes files, and the pySHACL and rdflib versions. Any change to those invalidates everything.
Lint, the SPARQL checks and reasoning are global and cheap; they always run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Collection, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node
from rdflib.util import from_n3

from catkg.findings import Finding
from catkg.load import Project
from catkg.namespaces import SH

if TYPE_CHECKING:
    from catkg.forked import ForkedCall

CACHE_DIR_NAME = ".catkg-cache"
# Beyond this share of stale focus nodes one unfiltered pySHACL run is cheaper than a filtered one.
FULL_RUN_SHARE = 0.5

# Constraint parameters that look only at the node itself or at the values of its own path.
_LOCAL = {
    SH[name]
    for name in [
        "datatype",
        "nodeKind",
        "pattern",
        "flags",
        "minCount",
        "maxCount",
        "minLength",
        "maxLength",
        "minInclusive",
        "maxInclusive",
        "minExclusive",
        "maxExclusive",
        "languageIn",
        "uniqueLang",
        "in",
        "hasValue",
        "equals",
        "disjoint",
        "lessThan",
        "lessThanOrEquals",
        "closed",
        "ignoredProperties",
        "qualifiedMinCount",
        "qualifiedMaxCount",
        "qualifiedValueShapesDisjoint",
        "message",
        "severity",
        "name",
        "description",
        "deactivated",
        "order",
        "group",
        "defaultValue",
        "path",
        "targetClass",
        "targetSubjectsOf",
    ]
}
_SAME_NODE_LISTS = (SH["and"], SH["or"], SH.xone)
_UNSUPPORTED_TARGETS = (SH.targetObjectsOf, SH.targetNode, SH.target)


class Unbounded(Exception):
    """The shapes reach further than the per-file cache can follow."""


@dataclass(frozen=True)
class Reach:
    """How far the shapes look from a focus node: hops of out-going triples, and predicates read inwards."""

    hops: int
    inverse: frozenset[URIRef] = frozenset()


def _members(shapes: Graph, head: Node) -> list[Node]:
    from rdflib.collection import Collection

    return list(Collection(shapes, head))


def _node_need(shapes: Graph, shape: Node, stack: tuple[Node, ...], inverse: set[URIRef]) -> int:
    """Hops of triples needed from the node `shape` applies to (1: the node's own triples)."""
    if shapes.value(shape, SH.path) is not None:
        return _property_need(shapes, shape, stack, inverse)
    if shape in stack:
        raise Unbounded(f"recursive shape {shape}")
    stack = (*stack, shape)
    need = 1
    for p, o in shapes.predicate_objects(shape):
        if not str(p).startswith(str(SH)) or p in _LOCAL or p == SH["class"]:
            continue
        if p in _UNSUPPORTED_TARGETS:
            raise Unbounded(f"{p} on {shape}")
        if p in (SH.node, SH["not"]):
            need = max(need, _node_need(shapes, o, stack, inverse))
        elif p in _SAME_NODE_LISTS:
            for member in _members(shapes, o):
                need = max(need, _node_need(shapes, member, stack, inverse))
        elif p == SH.property:
            need = max(need, _property_need(shapes, o, stack, inverse))
        else:
            raise Unbounded(f"{p} on {shape}")
    return need


def _value_need(shapes: Graph, shape: Node, stack: tuple[Node, ...], inverse: set[URIRef]) -> int:
    """Hops needed from each value node of property shape `shape` (0: the value itself suffices)."""
    need = 1 if shapes.value(shape, SH["class"]) is not None else 0
    for p, o in shapes.predicate_objects(shape):
        if p in (SH.node, SH["not"], SH.qualifiedValueShape):
            need = max(need, _node_need(shapes, o, stack, inverse))
        elif p in _SAME_NODE_LISTS:
            for member in _members(shapes, o):
                need = max(need, _node_need(shapes, member, stack, inverse))
        elif p == SH.property:
            raise Unbounded(f"nested sh:property on property shape {shape}")
        elif str(p).startswith(str(SH)) and p not in _LOCAL and p != SH["class"]:
            raise Unbounded(f"{p} on {shape}")
    return need


def _predicate_alternatives(shapes: Graph, path: Node | None) -> bool:
    """True for `[ sh:alternativePath ( p1 p2 ... ) ]` of plain predicates: it reads what p1, p2, ... read."""
    if not isinstance(path, BNode):
        return False
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is None or len(set(shapes.predicates(path))) != 1:
        return False
    members = _members(shapes, alternatives)
    return bool(members) and all(isinstance(member, URIRef) for member in members)


def _property_need(shapes: Graph, shape: Node, stack: tuple[Node, ...], inverse: set[URIRef]) -> int:
    if shape in stack:
        raise Unbounded(f"recursive shape {shape}")
    stack = (*stack, shape)
    path = shapes.value(shape, SH.path)
    values = _value_need(shapes, shape, stack, inverse)
    if isinstance(path, URIRef) or _predicate_alternatives(shapes, path):
        return 1 + values
    inverted = shapes.value(path, SH.inversePath) if path is not None else None
    if isinstance(inverted, URIRef) and values <= 1:
        # The in-coming triple and the value's own triples (its type for sh:class) are kept.
        inverse.add(inverted)
        return 1
    raise Unbounded(f"path of {shape} is not a predicate, predicate alternatives or a simple inverse path")


def shape_reach(shapes: Graph) -> Reach | None:
    """How far `shapes` look from a focus node, or None when the per-file cache cannot be sound."""
    inverse: set[URIRef] = set()
    roots = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape))
    hops = 1
    try:
        if any(True for _ in shapes.subject_objects(SH.sparql)):
            raise Unbounded("sh:sparql")
        for shape in sorted(roots, key=str):
            if shapes.value(shape, SH.path) is not None and (None, SH.property, shape) in shapes:
                continue  # reached through its node shape
            hops = max(hops, _node_need(shapes, shape, (), inverse))
    except Unbounded:
        return None
    return Reach(hops, frozenset(inverse))


@dataclass
class NodeIndex:
    """Every subject's out-going triples in the merged graph, hashed once so file keys are cheap."""

    out: dict[Node, list[tuple[Node, Node]]] = field(default_factory=lambda: defaultdict(list))
    incoming: dict[Node, list[tuple[Node, Node]]] = field(default_factory=lambda: defaultdict(list))
    _digests: dict[Node, str] = field(default_factory=dict)

    @classmethod
    def of(cls, merged: Graph, inverse: Iterable[URIRef] = ()) -> NodeIndex:
        """Index `merged` (data plus ontology); in-coming triples only for the `inverse` predicates."""
        index = cls()
        inverse = set(inverse)
        for s, p, o in merged:
            index.out[s].append((p, o))
            if p in inverse:
                index.incoming[o].append((s, p))
        return index

    def digest(self, node: Node) -> str:
        """sha256 of the node's out-going triples, in a canonical order."""
        found = self._digests.get(node)
        if found is None:
            lines = sorted(f"{p.n3()} {o.n3()}" for p, o in self.out.get(node, ()))
            found = hashlib.sha256("\n".join(lines).encode()).hexdigest()
            self._digests[node] = found
        return found

    def _within(
        self, subjects: Iterable[Node], reach: Reach
    ) -> tuple[set[Node], list[tuple[Node, Node, Node]]]:
        """The nodes whose triples the shapes can read from `subjects`, and the in-coming triples."""
        seen: set[Node] = set()
        frontier = set(subjects)
        incoming = [(s, p, node) for node in frontier for s, p in self.incoming.get(node, ())]
        # An in-coming triple's subject is a value node too: its own triples (its type) are read.
        frontier |= {s for s, _, _ in incoming}
        for _ in range(reach.hops):
            nxt: set[Node] = set()
            for node in frontier - seen:
                seen.add(node)
                nxt.update(o for _, o in self.out.get(node, ()) if isinstance(o, URIRef | BNode))
            frontier = nxt
        return seen, incoming

    def reach_key(self, subjects: Iterable[Node], reach: Reach) -> str:
        """Digest of everything the shapes can see from `subjects`."""
        nodes, incoming = self._within(subjects, reach)
        parts = [f"{node.n3()} {self.digest(node)}" for node in nodes]
        parts += [f"<- {s.n3()} {p.n3()} {o.n3()}" for s, p, o in incoming]
        return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()

    def closure(self, subjects: Iterable[Node], reach: Reach, schema: Iterable[tuple]) -> Graph:
        """The triples the shapes can see from `subjects`, plus `schema` (the class hierarchy)."""
        nodes, incoming = self._within(subjects, reach)
        graph = Graph()
        for node in nodes:
            for p, o in self.out.get(node, ()):
                graph.add((node, p, o))
        for triple in (*incoming, *schema):
            graph.add(triple)
        return graph

    def graph_key(self) -> str:
        """Digest of the whole indexed graph."""
        parts = sorted(f"{node.n3()} {self.digest(node)}" for node in self.out)
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def global_digest(root: Path) -> str:
    """The code, the ontology and shapes files, and the validators' versions."""
    from importlib.metadata import version

    from catkg.fingerprint import code_digest, file_digest

    digest = hashlib.sha256(code_digest().encode())
    for name in ("pyshacl", "rdflib", "owlready2"):
        digest.update(f"{name}={version(name)}".encode())
    for path in sorted((root / "ontology").glob("*.ttl")):
        digest.update(path.name.encode() + file_digest(path).encode())
    return digest.hexdigest()


@dataclass
class CheckCache:
    """A directory of JSON entries, one per key, written atomically; unused entries are pruned."""

    directory: Path
    global_key: str
    used: set[Path] = field(default_factory=set)
    stats: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    index: NodeIndex | None = None

    def node_index(self, merged: Graph, shapes: Graph) -> NodeIndex:
        """The index of `merged` (built once per build, shared by the SHACL and HermiT keys)."""
        if self.index is None:
            reach = shape_reach(shapes)
            self.index = NodeIndex.of(merged, reach.inverse if reach else ())
        return self.index

    def drop_index(self) -> None:
        """Release the node index once no more keys will be computed (it holds every triple)."""
        self.index = None

    @classmethod
    def open(cls, root: Path) -> CheckCache:
        """The project's cache (`ROOT/.catkg-cache`, git-ignored), keyed to this code and ontology."""
        return cls(Path(root) / CACHE_DIR_NAME, global_digest(root))

    def _path(self, kind: str, key: str) -> Path:
        full = hashlib.sha256(f"{self.global_key}:{key}".encode()).hexdigest()
        return self.directory / kind / f"{full}.json"

    def get(self, kind: str, key: str) -> object | None:
        """The stored value, or None."""
        path = self._path(kind, key)
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.stats[f"{kind} misses"] += 1
            return None
        self.used.add(path)
        self.stats[f"{kind} hits"] += 1
        return value

    def put(self, kind: str, key: str, value: object) -> None:
        """Store `value` (JSON) under `key`; a failure to write only costs a later re-check."""
        path = self._path(kind, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(value, sort_keys=True), encoding="utf-8")
            temporary.replace(path)
            self.used.add(path)
        except OSError:
            return

    def prune(self, kind: str) -> None:
        """Drop the entries of `kind` this build did not use, so the cache does not grow without end."""
        for path in (self.directory / kind).glob("*.json"):
            if path not in self.used:
                with contextlib.suppress(OSError):
                    path.unlink()


def encode_term(term: Node | None) -> str | None:
    """A term as N-Triples text (blank nodes keep their deterministic load-time ids)."""
    return None if term is None else term.n3()


def decode_term(text: str | None) -> Node | None:
    """The term written by `encode_term`."""
    return None if text is None else from_n3(text)


def _encode(result: tuple) -> list[str | None]:
    return [encode_term(term) for term in result]


def shacl_findings(
    project: Project, merged: Graph, cache: CheckCache | None, skip: Collection[Node] = ()
) -> list[Finding]:
    """SHACL findings, re-validating only the files whose reach changed since their cached results; the
    shapes in `skip` are left out (the build evaluates them with Oxigraph)."""
    from catkg.check.shacl import findings_from_results, shacl_results

    reach = shape_reach(project.shapes) if cache is not None else None
    if cache is None or reach is None:
        return findings_from_results(project, shacl_results(merged, project.shapes, skip))
    index = cache.node_index(merged, project.shapes)
    keys, subjects = {}, {}
    for source in project.files:
        subjects[source.relpath] = {s for s, _, _ in project.dataset.graph(source.graph)}
        keys[source.relpath] = f"{source.relpath}:{index.reach_key(subjects[source.relpath], reach)}"
    cached = {relpath: cache.get("shacl", key) for relpath, key in keys.items()}
    stale = [relpath for relpath, entry in cached.items() if entry is None]
    if stale:
        focus = set().union(*(subjects[r] for r in stale))
        total = sum(len(s) for s in subjects.values())
        if any(isinstance(node, BNode) for node in focus) or len(focus) > FULL_RUN_SHARE * total:
            results = shacl_results(merged, project.shapes, skip)
            cache.stats["shacl full runs"] += 1
        else:
            # pySHACL's own `focus_nodes` option also filters the value nodes of nested shapes
            # (sh:not, sh:node), which turns `sh:not` into false violations; so the stale files are
            # validated on the part of the graph the shapes can see from them, results kept for them.
            schema = list(merged.triples((None, RDFS.subClassOf, None)))
            part = index.closure(focus, reach, schema)
            results = [r for r in shacl_results(part, project.shapes, skip) if r[0] in focus]
            cache.stats["shacl focused runs"] += 1
        cache.stats["shacl files re-validated"] += len(stale)
        by_focus: dict[Node, list[list[str | None]]] = defaultdict(list)
        for result in results:
            by_focus[result[0]].append(_encode(result))
        for relpath in stale:
            rows = [row for node in subjects[relpath] for row in by_focus.get(node, ())]
            entry = sorted(rows, key=lambda row: [term or "" for term in row])  # a result may have no value
            cache.put("shacl", keys[relpath], entry)
            cached[relpath] = entry
    cache.prune("shacl")
    # A subject written in two files is validated with both; take its results once (pySHACL may report
    # one violation twice, through two constraint components, and a clean build shows both).
    per_focus: dict[str, list[list[str | None]]] = {}
    for relpath in sorted(cached):
        grouped: dict[str, list[list[str | None]]] = defaultdict(list)
        for row in cached[relpath]:
            grouped[row[0]].append(row)
        for focus_term, rows in grouped.items():
            per_focus.setdefault(focus_term, rows)
    results = [tuple(decode_term(t) for t in row) for rows in per_focus.values() for row in rows]
    return findings_from_results(project, results)


def start_consistency(
    merged: Graph, job: ForkedCall[bool], shapes: Graph, cache: CheckCache | None
) -> Future[bool]:
    """HermiT's verdict on the project, as `job` (a forked `project_consistent`) finds it, as a future: at
    once when this exact asserted graph (`merged`) was found consistent before, `job` then stopped."""
    from catkg.threaded import start_thread

    if cache is None:
        return start_thread(job.result, "hermit")
    key = cache.node_index(merged, shapes).graph_key()
    if cache.get("owl", key) is not None:
        job.close()
        cache.prune("owl")
        known: Future[bool] = Future()
        known.set_result(True)
        return known

    def check_and_remember() -> bool:
        consistent = job.result()
        # Only a positive verdict is kept: an inconsistency is explained afresh on every build.
        if consistent:
            cache.put("owl", key, {"consistent": True})
            cache.prune("owl")
        return consistent

    return start_thread(check_and_remember, "hermit")
