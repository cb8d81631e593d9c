"""The project's namespaces, named-graph IRIs and the standard vocabularies it accepts."""

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, XSD

BASE = "https://w3id.org/catkg/"
CAT = Namespace(BASE + "ontology#")
ONTOLOGY_IRI = URIRef(BASE + "ontology")
ID = Namespace(BASE + "id/")
SHAPES = Namespace(BASE + "shapes#")
SOURCE = Namespace(BASE + "source/")
GRAPH = Namespace(BASE + "graph/")
SCHEMA = Namespace("https://schema.org/")
SCHEMA_HTTP = Namespace("http://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
VANN = Namespace("http://purl.org/vocab/vann/")
DC = Namespace("http://purl.org/dc/elements/1.1/")
SH = Namespace("http://www.w3.org/ns/shacl#")

ONTOLOGY_GRAPH = GRAPH["ontology"]
SOURCES_GRAPH = GRAPH["sources"]
INFERRED_GRAPH = GRAPH["inferred"]

# For `p in IS_TYPE` in loops over every triple: reading `RDF.type` is a Python-level look-up on
# rdflib's namespace, and `p == RDF.type` a Python-level comparison; a set compares by hash first.
IS_TYPE = frozenset({RDF.type})

PREFIXES: dict[str, str] = {
    "cat": str(CAT),
    "id": str(ID),
    "src": str(SOURCE),
    "catg": str(GRAPH),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dct": str(DCTERMS),
    "prov": str(PROV),
    "schema": str(SCHEMA),
    "org": str(ORG),
    "foaf": str(FOAF),
    "vann": str(VANN),
}

# Vocabularies whose terms may be used without being defined in the CATKG ontology.
STANDARD_NAMESPACES: tuple[str, ...] = (
    str(RDF),
    str(RDFS),
    str(OWL),
    str(XSD),
    str(SKOS),
    str(DCTERMS),
    str(DC),
    str(PROV),
    str(SCHEMA),
    str(SCHEMA_HTTP),
    str(ORG),
    str(FOAF),
    str(VANN),
    str(SH),
)


def is_project_iri(term: object) -> bool:
    """True for IRIs that name CATKG individuals or sources (they must be declared)."""
    return isinstance(term, URIRef) and (str(term).startswith(str(ID)) or str(term).startswith(str(SOURCE)))


def graph_iri_for(relative_path: str) -> URIRef:
    """The named graph a project file is loaded into, from its path relative to the project root.

    `graph/facts/<id>.ttl` becomes the source `source/<id>` itself, so a query can join a fact's
    graph with the source's metadata; every other file becomes `graph/<path without suffix>`.
    """
    parts = relative_path.removesuffix(".ttl").split("/")
    if parts[:2] == ["graph", "facts"] and len(parts) == 3:
        return SOURCE[parts[2]]
    if parts[0] == "ontology" and len(parts) == 2:
        return GRAPH["ontology"] if parts[1] == "catkg" else GRAPH[f"ontology/{parts[1]}"]
    if parts[0] == "graph":
        parts = parts[1:]
    return GRAPH["/".join(parts)]


def merged_prefixes(file_prefixes: list[dict[str, str]]) -> dict[str, str]:
    """The standard prefixes plus those the curated files declare (first declaration wins).

    The catch-all `id:` is dropped when files declare per-kind prefixes (`event:`, `org:`...), since
    Turtle cannot write `id:event/x` without escaping the slash.
    """
    prefixes = dict(PREFIXES)
    namespaces = set(prefixes.values())
    for declared in file_prefixes:
        for prefix, namespace in sorted(declared.items()):
            if prefix and prefix not in prefixes and namespace not in namespaces:
                prefixes[prefix] = namespace
                namespaces.add(namespace)
    if any(ns.startswith(PREFIXES["id"]) and ns != PREFIXES["id"] for ns in namespaces):
        del prefixes["id"]
    return prefixes
