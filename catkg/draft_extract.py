"""Find what an article names: entities the graph knows, candidate new ones, people with titles, editions.

One pass per paragraph over a blank spaCy pipeline:
1. known labels (PhraseMatcher over normalised tokens) and abbreviations the article defines;
2. capitalised name chunks ("China-ASEAN Technology Trading Platform"), split where "and" joins two names;
3. "the Nth <event>" editions, resolved to a known edition of a known series when there is one;
4. people after a title ("Minister Wang Zhigang", "Secretary-General Lim Jock Hoi");
5. chunks no label covers: a near miss of a known label (rapidfuzz) or a new entity with a suggested class.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

import pycountry
from rdflib import URIRef
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from catkg.draft_numbers import MONTHS, FoundDate, FoundNumber, article_date, find_dates, find_numbers
from catkg.draft_text import ORDINAL_WORDS, NormText, Paragraph, label_keys, nlp, norm_word, normalise
from catkg.draft_vocab import KnownEntity, KnownIndex, content_keys, head_key, slugify
from catkg.namespaces import ID
from catkg.ontology_terms import local_name

NEAR_MISS_CUTOFF = 88.0
TITLES = (
    "minister",
    "vice minister",
    "deputy minister",
    "prime minister",
    "deputy prime minister",
    "president",
    "vice president",
    "chairman",
    "vice chairman",
    "chairwoman",
    "vice chairwoman",
    "chairperson",
    "secretary-general",
    "deputy secretary-general",
    "secretary general",
    "director",
    "director-general",
    "director general",
    "deputy director",
    "deputy director-general",
    "governor",
    "vice governor",
    "mayor",
    "vice mayor",
    "ambassador",
    "premier",
    "vice premier",
    "professor",
    "prof.",
    "dr.",
    "academician",
    "party secretary",
    "permanent secretary",
    "undersecretary",
    "commissioner",
    "chief executive",
    "ceo",
    "dean",
    "counsellor",
    "king",
    "queen",
    "prince",
    "princess",
    "mr.",
    "ms.",
    "mrs.",
)
_CONNECT = {"of", "and", "for", "on", "&", "-", "'s", "’s", "de", "la", "du", "von", "van", "der"}
# The head noun of a name says what it names. Each maps to ontology class names, most specific first;
# the first that the ontology defines wins. General English, not the vocabulary of any one article.
HEAD_CLASSES: dict[str, tuple[str, ...]] = {}
for _heads, _classes in (
    ("ministry", ("Ministry", "GovernmentBody", "Organization")),
    ("department", ("GovernmentDepartment", "GovernmentBody", "Organization")),
    ("government", ("Government", "GovernmentBody", "Organization")),
    ("bureau commission administration agency council committee office", ("GovernmentBody", "Organization")),
    ("university college", ("University", "Organization")),
    ("academy institute institution", ("ResearchInstitute", "Organization")),
    ("laboratory lab", ("JointLaboratory", "Laboratory", "Organization")),
    ("company co ltd corporation corp inc enterprise group", ("Company", "Organization")),
    ("alliance consortium", ("Alliance", "Organization")),
    ("network", ("Network", "Organization")),
    ("association society federation union foundation organization", ("Organization",)),
    ("center", ("Centre", "Center", "Organization")),
    ("platform space hub portal port incubator", ("Platform", "Organization")),
    ("park zone", ("SciencePark", "Park", "Place")),
    ("forum", ("Forum", "Event")),
    ("conference congress convention symposium seminar workshop", ("Conference", "Event")),
    ("summit", ("Summit", "Event")),
    ("exhibition expo fair show", ("Exhibition", "Event")),
    ("matchmaking", ("MatchmakingSession", "Event")),
    ("meeting session dialogue festival week roundtable", ("Event",)),
    ("ceremony", ("Ceremony", "Event")),
    ("competition contest challenge award", ("Competition", "Event")),
    ("camp", ("Camp", "Event")),
    ("program", ("Programme", "Program", "CooperationFramework")),
    ("plan", ("ActionPlan", "Plan", "CooperationFramework")),
    ("initiative", ("Initiative", "CooperationFramework")),
    ("partnership", ("Partnership", "CooperationFramework")),
    ("mechanism", ("CooperationMechanism", "CooperationFramework")),
    ("project", ("Project", "Collaboration", "CooperationFramework")),
    ("agreement memorandum mou accord treaty", ("Agreement",)),
    ("region province prefecture county district municipality", ("AdministrativeRegion", "Place")),
    ("city town", ("City", "Place")),
):
    for _head in _heads.split():
        HEAD_CLASSES[_head] = _classes
_EVENT_HEADS = {h for h, c in HEAD_CLASSES.items() if "Event" in c}


@dataclass
class Mention:
    """One place in the article where an entity is named."""

    iri: str
    surface: str
    paragraph: int
    start: int
    end: int
    how: str


@dataclass
class Entity:
    """A thing the article names: a known IRI, or a new candidate with a suggested class and a fresh IRI."""

    iri: str
    label: str
    cls: URIRef | None
    known: bool
    reason: str
    ordinal: int | None = None
    series: str | None = None
    title: str | None = None
    affiliation: str | None = None
    alt_labels: set[str] = field(default_factory=set)
    mentions: list[Mention] = field(default_factory=list)
    near_miss: float | None = None
    ambiguous: list[str] = field(default_factory=list)

    @property
    def paragraphs(self) -> list[int]:
        """The paragraph numbers that name it, in order."""
        return sorted({m.paragraph for m in self.mentions})


@dataclass
class ParagraphAnalysis:
    """One paragraph's tokens and what was found in it."""

    paragraph: Paragraph
    doc: Doc
    mentions: list[Mention] = field(default_factory=list)
    dates: list[FoundDate] = field(default_factory=list)
    numbers: list[FoundNumber] = field(default_factory=list)


@dataclass
class Analysis:
    """Everything found in an article."""

    paragraphs: list[ParagraphAnalysis]
    entities: dict[str, Entity]
    reference_date: dt.date | None
    unclassified: dict[str, list[int]] = field(default_factory=dict)

    @property
    def dates(self) -> list[FoundDate]:
        """Every date found, in article order."""
        return [d for p in self.paragraphs for d in p.dates]

    @property
    def numbers(self) -> list[FoundNumber]:
        """Every number found, in article order."""
        return [n for p in self.paragraphs for n in p.numbers]


@lru_cache(maxsize=1)
def _title_matcher() -> PhraseMatcher:
    matcher = PhraseMatcher(nlp().vocab, attr="LOWER")
    matcher.add("TITLE", [nlp().make_doc(t) for t in TITLES])
    return matcher


def _ordinal_value(text: str) -> int | None:
    low = text.casefold()
    if low in ORDINAL_WORDS:
        return ORDINAL_WORDS[low]
    for suffix in ("st", "nd", "rd", "th"):
        if low.endswith(suffix) and low[: -len(suffix)].isdigit():
            return int(low[: -len(suffix)])
    return None


_QUOTES = {'"', "'", "“", "”", "‘", "’"}
_NAME_PUNCT = {"-", "–", "'", "’", "'s", "’s", *_QUOTES}


def name_chunks(doc: Doc, breakers: set[int]) -> list[tuple[int, int]]:
    """Runs of capitalised words joined by connectors ("of", "and", "-", "'s", quotes, a short
    parenthesis), as (start, end) token spans; lists joined by commas are split back into names."""
    chunks = []
    i = 0
    n = len(doc)
    while i < n:
        if i in breakers or not _starts_name(doc, i):
            i += 1
            continue
        start = end = i
        j = i + 1
        while j < n and j not in breakers:
            text = doc[j].text
            low = text.casefold()
            if _is_part(doc, j):
                end = j
                j += 1
                continue
            if low in _CONNECT or text in _QUOTES or (low == "the" and doc[j - 1].lower_ in ("of", "'", '"')):
                j += 1
                continue
            if (
                text == ","
                and j + 1 < n
                and (_is_part(doc, j + 1) or doc[j + 1].text.rstrip(".").casefold() == "ltd")
            ):
                j += 1
                continue
            if text == "(":
                close = next((k for k in range(j + 1, min(n, j + 5)) if doc[k].text == ")"), None)
                if close and close + 1 < n and _is_part(doc, close + 1) and _is_part(doc, j + 1):
                    j = close + 1
                    continue
            if text == "+" and j + 1 < n and doc[j + 1].like_num:
                j += 1
                continue
            break
        while start <= end and (doc[start].lower_ in STOP_WORDS or doc[start].text in _QUOTES):
            start += 1
        if start <= end:
            chunks += _split_list(doc, start, end + 1)
        i = max(j, i + 1)
    return chunks


def _split_list(doc: Doc, start: int, end: int) -> list[tuple[int, int]]:
    """Keep "Science, Technology and Innovation Action Plan" whole; split "A University, B University"."""
    commas = [i for i in range(start, end) if doc[i].text == ","]
    if not commas:
        return [(start, end)]
    bounds = [start - 1, *commas, end]
    segments = [(bounds[k] + 1, bounds[k + 1]) for k in range(len(bounds) - 1)]
    segments = [(s, e) for s, e in segments if s < e]
    heads = [(norm_word(doc[e - 1].text) or "") in HEAD_CLASSES for s, e in segments]
    ltd = doc[end - 1].text.rstrip(".").casefold() == "ltd"
    if ltd or (heads[-1] and not any(heads[:-1])):
        return [(start, end)]
    return segments


def _starts_name(doc: Doc, i: int) -> bool:
    text = doc[i].text
    if _ordinal_value(text) is not None:
        return i + 1 < len(doc) and _is_part(doc, i + 1)
    return _is_part(doc, i)


def _is_part(doc: Doc, i: int) -> bool:
    token = doc[i]
    text = token.text
    if text.casefold() in MONTHS or token.like_url:
        return False
    if text[:1].isupper() and any(c.isalpha() for c in text):
        return True
    if token.like_num and i > 0 and doc[i - 1].text in ("+",):
        return True
    return bool(token.like_num and i + 1 < len(doc) and doc[i + 1].text == "+")


class Extractor:
    """Finds mentions and candidates in the paragraphs of one article against a KnownIndex."""

    def __init__(self, index: KnownIndex, reference_date: dt.date | None = None) -> None:
        self.index = index
        self.terms = index.terms
        self.reference_date = reference_date
        self.votes = index.head_class_votes()
        self.edition_prop = self.terms.prop("editionOf", "edition of", "series", "isEditionOf")
        self.start_prop = self.terms.prop("startDate", "start date", "date")
        self.unclassified: dict[str, set[int]] = {}

    # -- whole article --------------------------------------------------------------------

    def analyse(self, paragraphs: list[Paragraph]) -> Analysis:
        """Two passes: the first learns the aliases the article defines, the second uses them."""
        docs = [nlp()(p.text) for p in paragraphs]
        reference = self.reference_date or article_date(docs)
        first = self._pass(paragraphs, docs, reference, aliases={}, entities={})
        aliases = self._aliases(first)
        self.unclassified = {}
        analysis = self._pass(paragraphs, docs, reference, aliases=aliases, entities={})
        analysis.unclassified = {k: sorted(v) for k, v in sorted(self.unclassified.items())}
        self._context_links(analysis)
        self._group_members(analysis)
        for entity in analysis.entities.values():
            entity.mentions = [m for p in analysis.paragraphs for m in p.mentions if m.iri == entity.iri]
        return analysis

    def _link(
        self, analysis: Analysis, known: KnownEntity, part: ParagraphAnalysis, start: int, end: int, how: str
    ) -> None:
        entity = analysis.entities.get(str(known.iri)) or self._known_entity(known)
        analysis.entities[entity.iri] = entity
        if not any((m.start, m.end, m.iri) == (start, end, entity.iri) for m in part.mentions):
            part.mentions.append(
                Mention(entity.iri, part.doc[start:end].text, part.paragraph.number, start, end, how)
            )
            part.mentions.sort(key=lambda m: (m.start, m.end, m.iri))

    def _context_links(self, analysis: Analysis) -> None:
        """What the main event's known parts are called inside it: "the opening ceremony" of a known
        edition is its known opening ceremony; a known series named there is its edition at this event."""
        main = main_event(analysis, self.terms)
        if main is None or not main.known:
            return
        part_of = self.terms.prop("partOfEvent", "part of event", "subEventOf")
        parts = [
            e
            for e in self.index.entities.values()
            if part_of and URIRef(main.iri) in e.links.get(part_of, ())
        ]
        matcher = PhraseMatcher(nlp().vocab, attr="ORTH")
        targets: dict[str, KnownEntity] = {}
        for sub in parts:
            for name in sub.names:
                keys = label_keys(name)
                cut = next((n for n, k in enumerate(keys) if k in ("of", "at") and n >= 2), None)
                short = keys[:cut] if cut else ()
                if short:
                    targets[str(sub.iri)] = sub
                    matcher.add(str(sub.iri), [NormText(list(short), list(range(len(short)))).as_doc()])
        for part in analysis.paragraphs:
            norm = normalise(part.doc)
            for match_id, s, e in matcher(norm.as_doc()):
                sub = targets[nlp().vocab.strings[match_id]]
                self._link(
                    analysis, sub, part, norm.origin[s], norm.origin[e - 1] + 1, "a part of the main event"
                )
            for mention in list(part.mentions):
                series = self.index.entities.get(URIRef(mention.iri))
                if series is None or not self.terms.is_a(series.cls, "EventSeries"):
                    continue
                for sub in parts:
                    if self.edition_prop and series.iri in sub.links.get(self.edition_prop, ()):
                        self._link(
                            analysis, sub, part, mention.start, mention.end, "its edition at the main event"
                        )

    def _group_members(self, analysis: Analysis) -> None:
        """ "10 ASEAN countries", when ASEAN has exactly 10 known members, names each of them."""
        member_of = self.terms.prop("memberOf", "member of")
        if member_of is None:
            return
        for part in analysis.paragraphs:
            for found in part.numbers:
                if found.kind != "cardinal" or not found.noun:
                    continue
                end = found.end + len(nlp().make_doc(found.noun))
                for mention in part.mentions:
                    if not (found.end <= mention.start < end):
                        continue
                    group = URIRef(mention.iri)
                    members = sorted(
                        (e for e in self.index.entities.values() if group in e.links.get(member_of, ())),
                        key=lambda e: str(e.iri),
                    )
                    if members and len(members) == found.value:
                        for member in members:
                            self._link(
                                analysis, member, part, found.start, end, f"one of the {found.text} members"
                            )

    def _pass(
        self,
        paragraphs: list[Paragraph],
        docs: list[Doc],
        reference: dt.date | None,
        aliases: dict[tuple[str, ...], Entity],
        entities: dict[str, Entity],
    ) -> Analysis:
        self._entities = entities
        self._aliases_now = aliases
        for entity in aliases.values():
            entities.setdefault(entity.iri, entity)
        result = []
        for paragraph, doc in zip(paragraphs, docs, strict=True):
            analysis = ParagraphAnalysis(paragraph, doc)
            analysis.dates = find_dates(doc, paragraph.number, reference)
            skip = {i for d in analysis.dates for i in range(d.start, d.end)}
            analysis.numbers = find_numbers(doc, paragraph.number, skip)
            analysis.mentions = self._mentions(paragraph, doc, analysis.dates)
            result.append(analysis)
        for entity in entities.values():
            entity.mentions = [m for p in result for m in p.mentions if m.iri == entity.iri]
        kept = {iri: e for iri, e in entities.items() if e.mentions}
        for entity in list(kept.values()):
            if entity.series and entity.series in entities:
                kept.setdefault(entity.series, entities[entity.series])
        return Analysis(result, dict(sorted(kept.items())), reference)

    def _aliases(self, analysis: Analysis) -> dict[tuple[str, ...], Entity]:
        """Short names the article defines: "Name (ABBR)", "Name (hereinafter referred to as "X")", people."""
        aliases: dict[tuple[str, ...], Entity] = {}
        for part in analysis.paragraphs:
            doc = part.doc
            for mention in part.mentions:
                entity = analysis.entities.get(mention.iri)
                if entity is None:
                    continue
                alias = _defined_alias(doc, mention.end)
                if alias:
                    aliases.setdefault(alias, entity)
                    entity.alt_labels.add(" ".join(alias))
                if entity.title and not entity.known:
                    aliases.setdefault(tuple(entity.label.split()), entity)
        return aliases

    # -- one paragraph --------------------------------------------------------------------

    def _mentions(self, paragraph: Paragraph, doc: Doc, dates: list[FoundDate]) -> list[Mention]:
        number = paragraph.number
        self._paragraph = number
        norm = normalise(doc)
        known = []
        self._how: dict[tuple[int, int, tuple[str, ...]], str] = {}
        exact = self.index.matches(norm)
        for s, e, keys in exact:
            known.append((norm.origin[s], norm.origin[e - 1] + 1, keys))
        matched_keys = {k for _, _, k in exact}
        for s, e, keys in self.index.coverage_matches(norm):
            span = (norm.origin[s], norm.origin[e - 1] + 1, keys)
            # The words of one name stay within one clause: no full stop or bracket between them, and no
            # more commas than the label has ("Science, Technology and Innovation" is one name).
            inside = doc[span[0] : span[1]]
            commas = sum(1 for t in inside if t.text == ",")
            broken = commas > self.index.commas.get(keys, 0) or any(
                t.is_punct and t.text not in _NAME_PUNCT and t.text != "," for t in inside
            )
            if keys not in matched_keys and not broken:
                known.append(span)
                self._how[span] = "the words of a known label"
        for token in doc:
            key = (f"ACR:{token.text}",)
            if token.text.isupper() and len(token.text) >= 3 and key in self.index.by_keys:
                span = (token.i, token.i + 1, key)
                known.append(span)
                self._how[span] = "the initials of a known label"
        titles = sorted((s, e) for _, s, e in _title_matcher()(doc))
        title_tokens = {i for s, e in titles for i in range(s, e)}
        date_tokens = {i for d in dates for i in range(d.start, d.end)}
        claimed: list[tuple[int, int]] = []
        mentions: list[Mention] = []

        def claim(start: int, end: int) -> bool:
            if any(start < ce and cs < end for cs, ce in claimed):
                return False
            claimed.append((start, end))
            return True

        def add(entity: Entity, start: int, end: int, how: str) -> None:
            self._entities.setdefault(entity.iri, entity)
            mentions.append(Mention(entity.iri, doc[start:end].text, number, start, end, how))

        # "the Nth <event>" and "<Title> <Name>" first: they decide what their words mean.
        for start, end, entity, how in self._editions(doc, known, norm):
            if claim(start, end):
                add(entity, start, end, how)
        for start, end, entity in self._people(doc, titles, known):
            if claim(start, end):
                add(entity, start, end, "person after a title")
        # Aliases the article defined (case-sensitive: "Forum" is the alias, "forum" is a word).
        for start, end, entity in _alias_spans(doc, self._aliases_now):
            if claim(start, end):
                add(entity, start, end, "alias the article defines")
        # Known labels, longest first.
        inner: list[tuple[int, int, tuple[str, ...]]] = []
        accepted: list[tuple[int, int, tuple[str, ...]]] = []
        # Exact labels before loose ones (words of a label, in any order), each longest first.
        ranked = sorted(known, key=lambda k: (k in self._how, -(k[1] - k[0]), k[0]))
        for start, end, keys in ranked:
            if start in date_tokens:
                continue
            if claim(start, end):
                accepted.append((start, end, keys))
            else:
                inner.append((start, end, keys))
        # Name chunks that no known label covers: near misses or new entities.
        dropped: set[tuple[int, int]] = set()
        for chunk in self._split_coordinated(doc, name_chunks(doc, title_tokens | date_tokens)):
            start, end = chunk
            if any(cs <= start and end <= ce for cs, ce in claimed):
                continue
            inside = [(s, e, k) for s, e, k in accepted if start <= s and e <= end]
            covered = {i for s, e in claimed if start <= s and e <= end for i in range(s, e)}
            words = [norm_word(doc[i].text) for i in range(start, end)]
            left = content_keys(
                [w for i, w in zip(range(start, end), words, strict=True) if w and i not in covered]
            )
            total = content_keys([w for w in words if w])
            if not left or (len(left) == 1 and len(left) * 2 <= len(total)):
                continue  # all known, or a known name plus one stray word ("... Forum Opens")
            if any(not (start <= s and e <= end) and s < end and start < e for s, e in claimed):
                continue  # overlaps a claimed span partly: leave it
            tail = _tail_after_of(doc, start, end)
            entity, how = self._resolve_chunk(doc, start, end, quiet=tail is not None)
            if (entity is None or not entity.known) and tail is not None:
                # "Officials of the Ministry of Natual Resources": the name is what follows "of".
                tail_entity, tail_how = self._resolve_chunk(doc, *tail, quiet=True)
                if tail_entity is not None and (entity is None or tail_entity.known):
                    entity, how = tail_entity, tail_how
                    start, end = tail
                    inside = [(s, e, k) for s, e, k in inside if start <= s and e <= end]
                elif entity is None:
                    self.unclassified.setdefault(doc[start:end].text, set()).add(number)
            if entity is None:
                continue
            for s, e, k in inside:
                inner.append((s, e, k))
                dropped.add((s, e))
            claimed[:] = [(s, e) for s, e in claimed if (s, e) not in dropped]
            claimed.append((start, end))
            add(entity, start, end, how)
        for start, end, keys in accepted:
            if (start, end) in dropped:
                continue
            self._add_known(add, doc, start, end, keys, self._how.get((start, end, keys), "label"))
        new_spans = {(m.start, m.end) for m in mentions if not self._entities[m.iri].known}
        for start, end, keys in inner:
            in_new = any(cs <= start and end <= ce for cs, ce in new_spans)
            if (in_new or len(content_keys(keys)) >= 2) and any(
                cs <= start and end <= ce for cs, ce in claimed
            ):
                self._add_known(add, doc, start, end, keys, "inside a longer name")
            elif (start, end) in titles:
                self._add_known(add, doc, start, end, keys, "a title")
        unique = {(m.start, m.end, m.iri): m for m in mentions}
        return sorted(unique.values(), key=lambda m: (m.start, m.end, m.iri))

    def _add_known(self, add, doc: Doc, start: int, end: int, keys: tuple[str, ...], how: str) -> None:
        iris = sorted(self.index.by_keys.get(keys, ()))
        if not iris:
            return
        entity = self._known_entity(self.index.entities[URIRef(iris[0])])
        if len(iris) > 1:
            entity.ambiguous = iris[1:]
        add(entity, start, end, how)

    def _known_entity(self, known: KnownEntity, how: str = "label") -> Entity:
        iri = str(known.iri)
        if iri in self._entities:
            return self._entities[iri]
        return Entity(iri, known.label, known.cls, True, how, ordinal=known.ordinal)

    # -- editions ---------------------------------------------------------------------------

    def _editions(self, doc: Doc, known: list, norm) -> list[tuple[int, int, Entity, str]]:
        found = []
        chunks = dict(name_chunks(doc, set()))
        for token in doc:
            number = _ordinal_value(token.text)
            if number is None or token.i + 1 >= len(doc):
                continue
            after = token.i + 1
            spans = [(s, e, k) for s, e, k in known if s == after]
            longest = max(spans, key=lambda x: x[1]) if spans else None
            chunk_end = chunks.get(token.i) or chunks.get(after)
            chunk_keys = label_keys(doc[after:chunk_end].text) if chunk_end else ()
            series: KnownEntity | None = None
            if chunk_keys and chunk_keys[-1] in _EVENT_HEADS:
                end = chunk_end
                if longest and longest[1] == chunk_end:
                    series = self.index.entities[URIRef(sorted(self.index.by_keys[longest[2]])[0])]
                else:
                    series = self._near_series(chunk_keys)
            elif longest:
                end = longest[1]
                series = self.index.entities[URIRef(sorted(self.index.by_keys[longest[2]])[0])]
            else:
                continue
            if series is not None and not self._is_series_like(series):
                continue
            name = doc[after:end].text
            if series is not None:
                edition = self._known_edition(series.iri, number)
                if edition is not None:
                    found.append(
                        (token.i, end, self._known_entity(edition), f"edition {number} of a known series")
                    )
                    continue
                series_iri = str(series.iri)
                how = "new edition of a known series"
            else:
                series_entity = self._new_entity(
                    name, self.terms.cls("EventSeries", "Series"), "the series of a numbered edition"
                )
                self._entities.setdefault(series_entity.iri, series_entity)
                series_iri = series_entity.iri
                how = "new edition of a new series"
            entity = self._new_edition(
                f"{_ordinal_text(number)} {name}", number, series_iri, doc[token.i : end].text
            )
            found.append((token.i, end, entity, how))
        return found

    def _is_series_like(self, entity: KnownEntity) -> bool:
        if self.terms.is_a(entity.cls, "EventSeries", "Series"):
            return True
        return self.terms.is_a(entity.cls, "Event") and not self.terms.is_a(entity.cls, "Edition")

    def _known_edition(self, series: URIRef, number: int) -> KnownEntity | None:
        for entity in self.index.entities.values():
            if (
                entity.ordinal == number
                and self.edition_prop
                and series in entity.links.get(self.edition_prop, ())
            ):
                return entity
        return None

    def _near_series(self, keys: tuple[str, ...]) -> KnownEntity | None:
        best = self.index.near_miss(keys, NEAR_MISS_CUTOFF)
        if best is None:
            return None
        iri = sorted(self.index.by_keys[best[0]])[0]
        entity = self.index.entities[URIRef(iri)]
        return entity if self._is_series_like(entity) else None

    def _new_edition(self, label: str, number: int, series: str, surface: str) -> Entity:
        key = ("edition", series, number)
        for entity in self._entities.values():
            if (entity.known is False) and (entity.series, entity.ordinal) == key[1:]:
                return entity
        cls = self.terms.cls("Edition") or self.terms.cls("Event")
        iri = self._mint(cls, self._edition_slug(series, number, label))
        entity = Entity(
            iri, label, cls, False, "an ordinal before an event name", ordinal=number, series=series
        )
        if surface != label:
            entity.alt_labels.add(surface)
        return entity

    def _edition_slug(self, series: str, number: int, label: str) -> str:
        """Follow the slugs of the series' known editions: their ordinal or year replaced by this one's."""
        for sibling in sorted(self.index.entities.values(), key=lambda e: str(e.iri)):
            if not (self.edition_prop and URIRef(series) in sibling.links.get(self.edition_prop, ())):
                continue
            slug = local_name(str(sibling.iri))
            if sibling.ordinal and str(sibling.ordinal) in slug.split("-"):
                return "-".join(str(number) if p == str(sibling.ordinal) else p for p in slug.split("-"))
            years = [p for p in slug.split("-") if p.isdigit() and len(p) == 4]
            if years and sibling.ordinal:
                year = int(years[0]) + (number - sibling.ordinal)
                return slug.replace(years[0], str(year))
        return slugify(label)

    # -- people -----------------------------------------------------------------------------

    def _people(self, doc: Doc, titles: list[tuple[int, int]], known: list) -> list[tuple[int, int, Entity]]:
        found = []
        known_starts = {s: (e, k) for s, e, k in known}
        for t_start, t_end in titles:
            j = t_end
            name: list[int] = []
            while j < len(doc) and len(name) < 4:
                text = doc[j].text
                if not (text[:1].isupper() and text.isalpha()) or text.casefold() in MONTHS:
                    break
                if (norm_word(text) or "") in HEAD_CLASSES or text.casefold() in STOP_WORDS:
                    break
                name.append(j)
                j += 1
            if len(name) < 2:
                continue
            start, end = name[0], name[-1] + 1
            if start in known_starts and known_starts[start][0] >= end:
                iri = sorted(self.index.by_keys[known_starts[start][1]])[0]
                entity = self._known_entity(self.index.entities[URIRef(iri)])
                found.append((t_start, end, entity))
                continue
            title = doc[t_start:t_end].text
            label = doc[start:end].text
            entity = self._entities.get(self._person_iri(label)) or self._new_person(label, title)
            entity.affiliation = entity.affiliation or self._affiliation(doc, t_start, end, known)
            found.append((t_start, end, entity))
        return found

    def _person_iri(self, label: str) -> str:
        cls = self.terms.cls("Person")
        return str(ID) + f"{self.index.kind_for(cls)}/{slugify(label)}"

    def _new_person(self, label: str, title: str) -> Entity:
        cls = self.terms.cls("Person")
        iri = self._mint(cls, slugify(label))
        return Entity(iri, label, cls, False, f'a name after the title "{title}"', title=title)

    def _affiliation(self, doc: Doc, t_start: int, end: int, known: list) -> str | None:
        for s, e, keys in sorted(known, key=lambda k: -(k[1] - k[0])):
            if e == t_start or (s in (end + 1, end + 2) and doc[end].lower_ == "of"):
                iri = sorted(self.index.by_keys[keys])[0]
                return iri
        return None

    # -- chunks -----------------------------------------------------------------------------

    def _split_coordinated(self, doc: Doc, chunks: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """Split "A Department and B Center" into two names where "and" joins two complete names."""
        result = []
        for start, end in chunks:
            pieces = [start]
            for i in range(start + 1, end - 1):
                if doc[i].lower_ != "and":
                    continue
                left = norm_word(doc[i - 1].text) or ""
                right_end = end
                right = norm_word(doc[right_end - 1].text) or ""
                if left in HEAD_CLASSES and right in HEAD_CLASSES:
                    pieces.append(i)
            bounds = [*pieces, end]
            for n in range(len(bounds) - 1):
                s = bounds[n] + (1 if n else 0)
                if s < bounds[n + 1]:
                    result.append((s, bounds[n + 1]))
        return result

    def _resolve_chunk(
        self, doc: Doc, start: int, end: int, quiet: bool = False
    ) -> tuple[Entity | None, str]:
        text = doc[start:end].text
        keys = label_keys(text)
        if not keys:
            return None, ""
        single = len(content_keys(keys)) == 1
        cutoff = 92.0 if single else NEAR_MISS_CUTOFF
        best = self.index.near_miss(keys, cutoff)
        if best is not None:
            iris = sorted(self.index.by_keys[best[0]])
            entity = self._known_entity(self.index.entities[URIRef(iris[0])])
            entity.near_miss = best[1]
            return entity, f"near miss ({best[1]:.0f}%) of a known label"
        words = [t.text for t in doc[start:end] if t.is_alpha]
        if len(words) > 3 and all(w.isupper() for w in words):
            return None, ""  # a headline in capitals, not a name
        cls, reason = self._suggest_class(doc, start, end, keys, single)
        if cls is None:
            if not single and not quiet:
                self.unclassified.setdefault(text, set()).add(self._paragraph)
            return None, ""
        return self._new_entity(text, cls, reason), "new entity"

    def _suggest_class(
        self, doc: Doc, start: int, end: int, keys: tuple[str, ...], single: bool
    ) -> tuple[URIRef | None, str]:
        """A class for a new name: a country name, else what known names with its head noun are,
        else the head noun's usual class; a lone word only as a country or a place after "in"."""
        text = doc[start:end].text
        if len(text) > 3:
            try:
                pycountry.countries.lookup(text)
                cls = self.terms.cls("Country") or self.terms.cls("Place")
                return cls, "an ISO 3166 country name"
            except LookupError:
                pass
        if single:
            if start > 0 and doc[start - 1].lower_ in ("in", "at", "from") and doc[start].is_title:
                cls = self.terms.cls("City", "Place") or self.terms.cls("Place")
                return cls, f'a capitalised name after "{doc[start - 1].text}"'
            return None, ""
        head = head_key(keys)
        lexicon = [c for c in (self.terms.cls(n) for n in HEAD_CLASSES.get(head, ())) if c is not None]
        votes = self.votes.get(head)
        if votes:
            ranked = sorted(votes.items(), key=lambda kv: (-kv[1], str(kv[0])))
            for cls, _ in ranked:
                # Known names vote, within what the head noun can mean ("forum" names an event).
                if self.terms.is_a(cls, "Edition"):
                    continue  # an edition has an ordinal; without one the name is of an event
                if not lexicon or cls in lexicon or lexicon[-1] in self.terms.ancestors(cls):
                    return cls, f'known names with the head noun "{head}" are {local_name(str(cls))}'
        if lexicon:
            return lexicon[0], f'the head noun "{head}"'
        if start > 0 and doc[start - 1].lower_ in ("in", "at", "from") and len(content_keys(keys)) <= 2:
            cls = self.terms.cls("City", "Place") or self.terms.cls("Place")
            return cls, f'a capitalised name after "{doc[start - 1].text}"'
        return None, ""

    def _candidate_iri(self, cls: URIRef | None, label: str) -> str:
        return str(ID) + f"{self.index.kind_for(cls)}/{slugify(label)}"

    def _new_entity(self, label: str, cls: URIRef | None, reason: str) -> Entity:
        keys = label_keys(label)
        for existing in self._entities.values():
            if not existing.known and label_keys(existing.label) == keys:
                return existing  # "Camps" and "Camp": one entity
        return Entity(self._mint(cls, slugify(label)), label, cls, False, reason or "a capitalised name")

    def _mint(self, cls: URIRef | None, slug: str) -> str:
        """A fresh IRI id/<kind>/<slug>, numbered on if the graph or this draft already uses it."""
        base = str(ID) + f"{self.index.kind_for(cls)}/{slug}"
        iri, n = base, 2
        while URIRef(iri) in self.index.entities:
            iri, n = f"{base}-{n}", n + 1
        return iri


def main_event(analysis: Analysis, terms) -> Entity | None:
    """The event an article is about: the first edition it names, else the first event."""
    firsts = []
    for entity in analysis.entities.values():
        if entity.mentions and terms.is_a(entity.cls, "Event"):
            first = min((m.paragraph, m.start) for m in entity.mentions)
            firsts.append((*first, entity.iri, entity))
    editions = sorted(f for f in firsts if terms.is_a(f[3].cls, "Edition"))
    chosen = editions or sorted(firsts)
    return chosen[0][3] if chosen else None


def _ordinal_text(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _tail_after_of(doc: Doc, start: int, end: int) -> tuple[int, int] | None:
    """The span after a leading "<Word> of (the)" in a name chunk, if the rest is still a name."""
    for i in range(start + 1, min(end - 1, start + 3)):
        if doc[i].lower_ == "of":
            begin = i + 2 if doc[i + 1].lower_ == "the" else i + 1
            if begin < end and doc[begin].text[:1].isupper():
                return begin, end
            return None
    return None


def _defined_alias(doc: Doc, end: int) -> tuple[str, ...] | None:
    """The short name defined right after a name: '(CATTC)' or '(hereinafter referred to as "the Forum")'."""
    if end >= len(doc) or doc[end].text != "(":
        return None
    close = next((j for j in range(end + 1, min(len(doc), end + 14)) if doc[j].text == ")"), None)
    if close is None:
        return None
    words = [t.text for t in doc[end + 1 : close]]
    lowered = [w.casefold() for w in words]
    for lead in (["hereinafter", "referred", "to", "as"], ["hereinafter", "called"], ["hereinafter"], ["or"]):
        if lowered[: len(lead)] == lead:
            words = words[len(lead) :]
            break
    words = [w for w in words if w not in ('"', "“", "”", "'", "‘", "’")]
    if words and words[0].casefold() == "the":
        words = words[1:]
    if not words or len(words) > 8 or not words[0][:1].isupper():
        return None
    return tuple(words)


def _alias_spans(doc: Doc, aliases: dict[tuple[str, ...], Entity]) -> list[tuple[int, int, Entity]]:
    if not aliases:
        return []
    found = []
    texts = [t.text for t in doc]
    for words, entity in aliases.items():
        n = len(words)
        for i in range(len(texts) - n + 1):
            if tuple(texts[i : i + n]) == words:
                found.append((i, i + n, entity))
    return sorted(found, key=lambda x: (x[0], -x[1]))


def class_counts(entities: dict[str, Entity]) -> Counter[str]:
    """How many new entities of each suggested class (for the summary)."""
    return Counter(local_name(str(e.cls)) if e.cls else "?" for e in entities.values() if not e.known)
