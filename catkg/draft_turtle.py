"""Write a draft as Turtle: live paragraph records, then commented-out candidates a curator accepts.

Conventions of the file, so that accepting is mechanical and the file always parses:
- lines starting "# " (hash, space) are Turtle: delete the "# " to accept them;
- lines starting "## " are explanations and stay comments;
- every block ends with " ." so any subset of blocks can be uncommented.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from catkg.namespaces import ID, PREFIXES

_PN_LOCAL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_\-.]*[A-Za-z0-9_\-])?$")
_PN_PREFIX = re.compile(r"^[A-Za-z]([A-Za-z0-9_\-.]*[A-Za-z0-9_\-])?$")


class Prefixes:
    """The prefixes of one draft: the project's own bindings first, then one per new IRI kind."""

    def __init__(self, project_prefixes: Iterable[dict[str, str]]) -> None:
        self.by_namespace: dict[str, str] = {}
        taken: dict[str, str] = {}
        for prefix, namespace in PREFIXES.items():
            if not namespace.startswith(str(ID)):
                self.by_namespace[namespace] = prefix
                taken[prefix] = namespace
        for bindings in project_prefixes:
            for prefix, namespace in sorted(bindings.items()):
                fresh = namespace not in self.by_namespace and prefix not in taken
                if namespace.startswith(str(ID)) and fresh and _PN_PREFIX.match(prefix):
                    self.by_namespace[namespace] = prefix
                    taken[prefix] = namespace
        self.taken = taken
        self.used: set[str] = set()

    def namespace_for(self, iri: str) -> str | None:
        """The namespace `iri` is written under: the longest bound one, else its id/<kind>/ namespace."""
        bound = [ns for ns in self.by_namespace if iri.startswith(ns)]
        if bound:
            return max(bound, key=len)
        if iri.startswith(str(ID)):
            rest = iri.removeprefix(str(ID))
            if "/" in rest:
                kind = rest.split("/", 1)[0]
                namespace = f"{ID}{kind}/"
                prefix = kind if kind not in self.taken and _PN_PREFIX.match(kind) else f"{kind}-id"
                if _PN_PREFIX.match(prefix) and prefix not in self.taken:
                    self.by_namespace[namespace] = prefix
                    self.taken[prefix] = namespace
                    return namespace
        return None

    def term(self, term: URIRef | Literal) -> str:
        """`term` in Turtle: a prefixed name where possible, else <IRI>; literals with compact datatypes."""
        if isinstance(term, Literal):
            text = term.n3()
            if term.datatype is not None:
                text = text.replace(f"^^<{term.datatype}>", "^^" + self.term(URIRef(term.datatype)))
            return text
        if term == RDF.type:
            return "a"
        iri = str(term)
        namespace = self.namespace_for(iri)
        if namespace is not None:
            local = iri[len(namespace) :]
            if _PN_LOCAL.match(local):
                prefix = self.by_namespace[namespace]
                self.used.add(prefix)
                return f"{prefix}:{local}"
        return f"<{iri}>"

    def header(self) -> list[str]:
        """@prefix lines for every prefix the body used, sorted."""
        lines = []
        for namespace, prefix in sorted(self.by_namespace.items(), key=lambda kv: kv[1]):
            if prefix in self.used:
                lines.append(f"@prefix {prefix}: <{namespace}> .")
        return lines


def block(triples: list[tuple[URIRef, URIRef, URIRef | Literal]], prefixes: Prefixes) -> list[str]:
    """Triples as Turtle statements, one per subject, predicates in the given order."""
    by_subject: dict[URIRef, list[tuple[URIRef, URIRef | Literal]]] = {}
    for s, p, o in triples:
        pairs = by_subject.setdefault(s, [])
        if (p, o) not in pairs:
            pairs.append((p, o))
    lines: list[str] = []
    for subject, pairs in by_subject.items():
        head = prefixes.term(subject)
        for n, (p, o) in enumerate(pairs):
            end = " ." if n == len(pairs) - 1 else " ;"
            text = f"{prefixes.term(p)} {prefixes.term(o)}{end}"
            lines.append(f"{head} {text}" if n == 0 else f"    {text}")
    return lines


def commented(lines: list[str]) -> list[str]:
    """Turtle lines commented out the accept-by-uncommenting way ("# ")."""
    return [f"# {line}" for line in lines]


def note(text: str) -> str:
    """An explanation line ("## "), never meant to be uncommented."""
    return f"## {text}".rstrip()


def uncomment_all(text: str) -> str:
    """The file with every candidate accepted: what a curator who agrees with everything would get."""
    return "\n".join(line[2:] if line.startswith("# ") else line for line in text.splitlines()) + "\n"
