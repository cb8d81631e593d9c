"""What `catkg draft` knows before reading an article: the ontology's terms and the graph's entities.

Nothing here names a term of the real ontology as a constant: properties and classes are looked up
by local name or label at run time from a list of synonyms, so a renamed term is still found and a
missing one is reported instead of written.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.matcher import PhraseMatcher

from catkg.draft_text import NormText, label_keys, nlp
from catkg.namespaces import ID, INFERRED_GRAPH, ONTOLOGY_GRAPH
from catkg.ontology_terms import OntologyTerms, local_name

_CONNECTORS = {"of", "and", "for", "on", "in", "at", "to", "a", "an"}


def slugify(text: str, limit: int = 60) -> str:
    """A lowercase-with-hyphens slug of `text` (ASCII, at most `limit` characters, cut at a hyphen)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.casefold().replace("'s ", "s ")).strip("-")
    if len(slug) > limit:
        slug = slug[:limit].rsplit("-", 1)[0]
    return slug or "thing"


@dataclass
class KnownEntity:
    """An individual the graph already declares, with what matching and drafting need to know."""

    iri: URIRef
    label: str
    cls: URIRef | None
    types: set[URIRef]
    names: list[str]
    ordinal: int | None = None
    links: dict[URIRef, set[URIRef]] = field(default_factory=lambda: defaultdict(set))

    @property
    def kind(self) -> str:
        """The `<kind>` segment of the IRI (id/<kind>/<slug>)."""
        rest = str(self.iri).removeprefix(str(ID))
        return rest.split("/", 1)[0] if "/" in rest else ""


def _english(literal: object) -> bool:
    return isinstance(literal, Literal) and literal.language in (None, "en")


@dataclass
class KnownIndex:
    """Every known entity by IRI and by the matching keys of its labels, with a PhraseMatcher over them."""

    terms: OntologyTerms
    entities: dict[URIRef, KnownEntity] = field(default_factory=dict)
    by_keys: dict[tuple[str, ...], set[URIRef]] = field(default_factory=lambda: defaultdict(set))
    matcher: PhraseMatcher | None = None
    acronyms: dict[str, set[URIRef]] = field(default_factory=lambda: defaultdict(set))
    commas: dict[tuple[str, ...], int] = field(default_factory=dict)
    _fuzzy_pool: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    _long: list[tuple[tuple[str, ...], frozenset[str]]] = field(default_factory=list)

    @classmethod
    def from_dataset(cls, dataset: Dataset, terms: OntologyTerms) -> KnownIndex:
        """Index the individuals of every asserted graph (the ontology and inferences left out)."""
        index = cls(terms)
        types: dict[URIRef, set[URIRef]] = defaultdict(set)
        names: dict[URIRef, list[tuple[int, str]]] = defaultdict(list)
        links: dict[URIRef, dict[URIRef, set[URIRef]]] = defaultdict(lambda: defaultdict(set))
        ordinals: dict[URIRef, int] = {}
        ordinal_prop = terms.prop("ordinal")
        for context in dataset.graphs():
            if context.identifier in (ONTOLOGY_GRAPH, INFERRED_GRAPH):
                continue
            for s, p, o in context:
                if not (isinstance(s, URIRef) and str(s).startswith(str(ID))):
                    continue
                if p == RDF.type and isinstance(o, URIRef):
                    types[s].add(o)
                elif p in (RDFS.label, SKOS.prefLabel) and _english(o):
                    names[s].append((0, str(o)))
                elif p == SKOS.altLabel and _english(o):
                    names[s].append((1, str(o)))
                elif p == ordinal_prop and isinstance(o, Literal):
                    with contextlib.suppress(TypeError, ValueError):
                        ordinals[s] = int(o)
                elif isinstance(o, URIRef) and str(o).startswith(str(ID)):
                    links[s][p].add(o)
        for iri in sorted(types):
            ordered = list(dict.fromkeys(n for _, n in sorted(set(names[iri]), key=lambda x: x[0])))
            if not ordered:
                continue
            entity = KnownEntity(
                iri=iri,
                label=ordered[0],
                cls=index._most_specific(types[iri]),
                types=types[iri],
                names=ordered,
                ordinal=ordinals.get(iri),
                links=links[iri],
            )
            index.entities[iri] = entity
            if terms.is_a(entity.cls, "Measure"):
                continue  # what a figure counts: linked next to its figure, never by the bare word
            for name in ordered:
                keys = label_keys(name)
                if len(keys) == 1 and name.isupper() and keys[0] in STOP_WORDS:
                    index.acronyms[name].add(iri)  # "MOST" the ministry, not "most" the word
                elif keys:
                    index.by_keys[keys].add(iri)
                    index.commas[keys] = max(index.commas.get(keys, 0), name.count(","))
                acronym = _acronym(name)
                if acronym:
                    index.acronyms[acronym].add(iri)
        index._build_matcher()
        index._add_variants()
        index._build_matcher()
        for acronym, iris in index.acronyms.items():
            if (acronym.casefold(),) not in index.by_keys:
                index.by_keys[(f"ACR:{acronym}",)] |= iris
        index._build_matcher()
        return index

    def _add_variants(self) -> None:
        """Names built from other names get their variants: "10+3 Young Scientists Forum" is also
        "ASEAN Plus Three Young Scientists Forum" when "10+3" is another name of ASEAN Plus Three."""
        places = {iri for iri, e in self.entities.items() if self.terms.is_a(e.cls, "Place")}
        names_of: dict[URIRef, list[tuple[str, ...]]] = defaultdict(list)
        for keys, iris in self.by_keys.items():
            for iri in iris:
                names_of[iri].append(keys)
        added: dict[tuple[str, ...], set[URIRef]] = defaultdict(set)
        for keys, iris in sorted(self.by_keys.items()):
            if len(keys) < 2:
                continue
            variants: set[tuple[str, ...]] = set()
            for start, end, part in self.matches(NormText(list(keys), list(range(len(keys))))):
                if end - start >= len(keys):
                    continue
                for other in sorted(self.by_keys.get(part, ())):
                    if other in places or other in iris:
                        continue
                    for alternative in sorted(names_of[other]):
                        if alternative != part:
                            variants.add(keys[:start] + alternative + keys[end:])
            for variant in sorted(variants)[:6]:
                if variant not in self.by_keys:
                    added[variant] |= iris
        for variant, iris in added.items():
            self.by_keys[variant] |= iris

    def _most_specific(self, types: set[URIRef]) -> URIRef | None:
        own = sorted(t for t in types if t in self.terms.classes)
        for candidate in own:
            if not any(o != candidate and candidate in self.terms.ancestors(o) for o in own):
                return candidate
        return own[0] if own else None

    def _build_matcher(self) -> None:
        self.matcher = PhraseMatcher(nlp().vocab, attr="ORTH")
        self._fuzzy_pool = []
        self._long = []
        for number, keys in enumerate(sorted(self.by_keys)):
            self.matcher.add(f"K{number}", [NormText(list(keys), list(range(len(keys)))).as_doc()])
            self._fuzzy_pool.append((" ".join(content_keys(keys)), keys))
            content = frozenset(content_keys(keys))
            if len(content) >= 4:
                self._long.append((keys, content))

    def coverage_matches(self, norm: NormText) -> list[tuple[int, int, tuple[str, ...]]]:
        """Long labels whose words all occur close together, in any order and with a few words between:
        "joint working groups on technology transfer" for "Joint technology transfer working groups"."""
        positions = [i for i, k in enumerate(norm.keys) if k not in _CONNECTORS]
        present = {norm.keys[i] for i in positions}
        found = []
        for keys, content in self._long:
            need = len(content) if len(content) < 10 else len(content) - 1
            if len(content & present) < need:
                continue
            limit = len(content) + max(2, len(content) // 2)
            hits = [(n, norm.keys[i]) for n, i in enumerate(positions) if norm.keys[i] in content]
            best: tuple[int, int] | None = None
            for a in range(len(hits)):
                seen: set[str] = set()
                for b in range(a, len(hits)):
                    if hits[b][0] - hits[a][0] >= limit:
                        break
                    seen.add(hits[b][1])
                    if len(seen) >= need:
                        span = (positions[hits[a][0]], positions[hits[b][0]] + 1)
                        if best is None or span[1] - span[0] < best[1] - best[0]:
                            best = span
                        break
            if best is not None:
                found.append((best[0], best[1], keys))
        return found

    def matches(self, norm: NormText) -> list[tuple[int, int, tuple[str, ...]]]:
        """Every (start, end, keys) of a known label in the normalised text, overlapping ones included."""
        if not norm.keys or self.matcher is None:
            return []
        found = []
        for _, start, end in self.matcher(norm.as_doc()):
            found.append((start, end, tuple(norm.keys[start:end])))
        return sorted(set(found))

    def near_miss(self, keys: tuple[str, ...], cutoff: float) -> tuple[tuple[str, ...], float] | None:
        """The known label closest to `keys` (word order and small spelling differences ignored)."""
        from rapidfuzz import fuzz, process

        query = " ".join(content_keys(keys))
        if len(query) < 6:
            return None
        choices = [c for c, _ in self._fuzzy_pool]
        numbers = {k for k in keys if any(ch.isdigit() for ch in k)}
        for _, score, position in process.extract(
            query, choices, scorer=fuzz.token_sort_ratio, score_cutoff=cutoff, limit=8
        ):
            found = self._fuzzy_pool[position][1]
            # "10th Forum" is never a near miss of "8th Forum": numbers must agree exactly.
            if {k for k in found if any(ch.isdigit() for ch in k)} == numbers:
                return found, float(score)
        return None

    def of_class(self, *names: str) -> list[KnownEntity]:
        """Known entities whose class is, or specialises, one named by `names`."""
        return [e for e in self.entities.values() if self.terms.is_a(e.cls, *names)]

    def head_class_votes(self) -> dict[str, Counter[URIRef]]:
        """For the head noun of each known multi-word name, how often each class carries it."""
        votes: dict[str, Counter[URIRef]] = defaultdict(Counter)
        for entity in self.entities.values():
            if entity.cls is None:
                continue
            for name in entity.names:
                keys = label_keys(name)
                if 2 <= len(keys) <= 10 and head_key(keys).isalpha():
                    votes[head_key(keys)][entity.cls] += 1
        return votes

    def kind_for(self, cls: URIRef | None) -> str:
        """The IRI kind segment the graph uses for `cls` (its own entities, else its parent's)."""
        if cls is None:
            return "thing"
        for scope in (
            cls,
            *sorted(self.terms.ancestors(cls) - {cls}, key=lambda c: -len(self.terms.ancestors(c))),
        ):
            counts = Counter(
                e.kind
                for e in self.entities.values()
                if e.cls and e.kind and scope in self.terms.ancestors(e.cls)
            )
            if counts:
                return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        return slugify(local_name(str(cls)))


def head_key(keys: tuple[str, ...] | list[str]) -> str:
    """The head noun of a name: the word before its first "of"/"on"/"for" ("Ministry of Science"),
    else its last word."""
    for n, key in enumerate(keys):
        if key in ("of", "on", "for") and n > 0:
            return keys[n - 1]
    return keys[-1] if keys else ""


def content_keys(keys: tuple[str, ...] | list[str]) -> list[str]:
    """The keys without connector words, for fuzzy comparison."""
    return [k for k in keys if k not in _CONNECTORS]


def _acronym(name: str) -> str | None:
    """The initials of a name's capitalised words, "UNESCO" for "United Nations Educational, Scientific
    and Cultural Organization"; None for names too short to have one."""
    words = re.findall(r"[A-Za-z][A-Za-z']*", name)
    capitals = [w for w in words if w[0].isupper()]
    if len(capitals) < 3 or len(words) - len(capitals) > 3:
        return None
    if any(w.isupper() and len(w) > 1 for w in capitals):
        return None  # names already holding an acronym ("ASEAN ...") are not abbreviated again
    return "".join(w[0] for w in capitals)
