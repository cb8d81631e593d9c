"""The ontology's classes and properties found by name, for tools that read the ontology loosely.

`catkg draft` and `catkg diff` look terms up by local name or label ("organized by", "organiser")
so that they keep working when the ontology is renamed or extended.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from catkg.namespaces import CAT


def term_key(name: str) -> str:
    """A spelling-insensitive key for a term name: "organisedBy", "organized by" -> "organizedby"."""
    key = re.sub(r"[^a-z]", "", name.casefold())
    return key.replace("organis", "organiz").replace("centre", "center").replace("programme", "program")


def local_name(iri: str) -> str:
    """The part of an IRI after its last # or /."""
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


@dataclass
class OntologyTerms:
    """The ontology's own classes and properties, found by name; plus the facts about them drafts need."""

    classes: dict[URIRef, str] = field(default_factory=dict)
    properties: dict[URIRef, str] = field(default_factory=dict)
    functional: set[URIRef] = field(default_factory=set)
    ranges: dict[URIRef, URIRef] = field(default_factory=dict)
    parents: dict[URIRef, set[URIRef]] = field(default_factory=lambda: defaultdict(set))
    _lookup: dict[int, tuple[dict[str, URIRef], dict[str, URIRef]]] = field(default_factory=dict)
    _ancestors: dict[URIRef, frozenset[URIRef]] = field(default_factory=dict)
    _is_a: dict[tuple[URIRef | None, tuple[str, ...]], bool] = field(default_factory=dict)

    @classmethod
    def from_graph(cls, ontology: Graph) -> OntologyTerms:
        """Read classes, properties, labels, ranges and the class hierarchy of the ontology graph."""
        terms = cls()
        kinds = (OWL.ObjectProperty, OWL.DatatypeProperty, RDF.Property)
        for s in ontology.subjects(RDF.type, OWL.Class):
            if isinstance(s, URIRef) and str(s).startswith(str(CAT)):
                terms.classes[s] = str(ontology.value(s, RDFS.label) or local_name(str(s)))
        for kind in kinds:
            for s in ontology.subjects(RDF.type, kind):
                if isinstance(s, URIRef) and str(s).startswith(str(CAT)):
                    terms.properties[s] = str(ontology.value(s, RDFS.label) or local_name(str(s)))
        for s in ontology.subjects(RDF.type, OWL.FunctionalProperty):
            if isinstance(s, URIRef):
                terms.functional.add(s)
        for s, o in ontology.subject_objects(RDFS.range):
            if isinstance(s, URIRef) and isinstance(o, URIRef):
                terms.ranges[s] = o
        for s, o in ontology.subject_objects(RDFS.subClassOf):
            if isinstance(s, URIRef) and isinstance(o, URIRef):
                terms.parents[s].add(o)
        return terms

    def _find(self, pool: dict[URIRef, str], names: tuple[str, ...]) -> URIRef | None:
        key_of = id(pool)
        if key_of not in self._lookup:
            by_local: dict[str, URIRef] = {}
            by_label: dict[str, URIRef] = {}
            for term in sorted(pool):
                by_local.setdefault(term_key(local_name(str(term))), term)
                by_label.setdefault(term_key(pool[term]), term)
            self._lookup[key_of] = (by_local, by_label)
        by_local, by_label = self._lookup[key_of]
        for name in names:
            key = term_key(name)
            if key in by_local:
                return by_local[key]
            if key in by_label:
                return by_label[key]
        return None

    def prop(self, *names: str) -> URIRef | None:
        """The first ontology property whose local name or label matches one of `names`."""
        return self._find(self.properties, names)

    def cls(self, *names: str) -> URIRef | None:
        """The first ontology class whose local name or label matches one of `names`."""
        return self._find(self.classes, names)

    def ancestors(self, cls: URIRef) -> frozenset[URIRef]:
        """`cls` and every class above it."""
        if cls not in self._ancestors:
            seen = {cls}
            todo = [cls]
            while todo:
                for parent in self.parents.get(todo.pop(), ()):
                    if parent not in seen:
                        seen.add(parent)
                        todo.append(parent)
            self._ancestors[cls] = frozenset(seen)
        return self._ancestors[cls]

    def is_a(self, cls: URIRef | None, *names: str) -> bool:
        """True if `cls` is, or specialises, a class named by one of `names`."""
        if cls is None:
            return False
        key = (cls, names)
        if key not in self._is_a:
            wanted = {c for c in (self.cls(n) for n in names) if c is not None}
            self._is_a[key] = bool(wanted & self.ancestors(cls))
        return self._is_a[key]
