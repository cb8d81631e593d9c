"""What the ontology defines: classes, properties and their declared ranges."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from catkg.namespaces import CAT, STANDARD_NAMESPACES

_CLASS_TYPES = (OWL.Class, RDFS.Class)
_PROPERTY_TYPES = (
    OWL.ObjectProperty,
    OWL.DatatypeProperty,
    OWL.AnnotationProperty,
    RDF.Property,
    OWL.TransitiveProperty,
    OWL.FunctionalProperty,
    OWL.SymmetricProperty,
    OWL.InverseFunctionalProperty,
)


@dataclass
class Vocabulary:
    """The terms the ontology graph defines, for closed-world checks."""

    classes: set[URIRef] = field(default_factory=set)
    properties: set[URIRef] = field(default_factory=set)
    datatype_ranges: dict[URIRef, URIRef] = field(default_factory=dict)
    transitive: set[URIRef] = field(default_factory=set)

    @classmethod
    def from_ontology(cls, ontology: Graph) -> Vocabulary:
        """Read the declared classes and properties of an ontology graph."""
        vocabulary = cls()
        for kind in _CLASS_TYPES:
            vocabulary.classes.update(s for s in ontology.subjects(RDF.type, kind) if isinstance(s, URIRef))
        for kind in _PROPERTY_TYPES:
            vocabulary.properties.update(
                s for s in ontology.subjects(RDF.type, kind) if isinstance(s, URIRef)
            )
        vocabulary.transitive.update(
            s for s in ontology.subjects(RDF.type, OWL.TransitiveProperty) if isinstance(s, URIRef)
        )
        for prop in ontology.subjects(RDF.type, OWL.DatatypeProperty):
            target = ontology.value(prop, RDFS.range)
            if isinstance(prop, URIRef) and isinstance(target, URIRef):
                vocabulary.datatype_ranges[prop] = target
        return vocabulary

    def knows_class(self, term: URIRef) -> bool:
        """True if `term` is a defined class or belongs to a standard vocabulary."""
        return term in self.classes or is_standard(term)

    def knows_property(self, term: URIRef) -> bool:
        """True if `term` is a defined property or belongs to a standard vocabulary."""
        return term in self.properties or is_standard(term)

    def nearest(self, term: URIRef, want_class: bool) -> str | None:
        """The defined term most like `term` (a likely typo), as `cat:local`."""
        from rapidfuzz import process

        pool = self.classes if want_class else self.properties
        names = {str(t).removeprefix(str(CAT)): t for t in pool if str(t).startswith(str(CAT))}
        local = str(term).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        match = process.extractOne(local, list(names), processor=str.lower, score_cutoff=70)
        return f"cat:{match[0]}" if match else None


def is_standard(term: URIRef) -> bool:
    """True for terms of the standard vocabularies CATKG accepts without definition."""
    return str(term).startswith(STANDARD_NAMESPACES)
