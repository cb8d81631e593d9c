"""Candidate statements of a draft: who hosted and organised what, where and when it was held, what was
launched or unveiled at it, who signed with whom, who spoke, and the figures the article gives.

Every statement is a small set of triples built from the ontology's own terms (looked up by name);
a statement whose term the ontology lacks is kept, flagged for a decision, with a placeholder term.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD
from spacy.matcher import PhraseMatcher
from spacy.tokens import Span

from catkg.draft_extract import Analysis, Entity, Mention, ParagraphAnalysis, main_event
from catkg.draft_numbers import FoundDate, FoundNumber
from catkg.draft_text import label_keys, nlp, norm_word
from catkg.draft_vocab import KnownIndex, content_keys, slugify
from catkg.namespaces import CAT, ID, SOURCE
from catkg.ontology_terms import local_name

Term = URIRef | Literal
Triple = tuple[URIRef, URIRef, Term]

_TRIGGERS: dict[str, tuple[str, ...]] = {
    "host": ("hosted by", "co-hosted by", "jointly hosted by", "co-sponsored by", "sponsored by"),
    "organizer": ("organized by", "organised by", "co-organized by", "co-organised by", "undertaken by"),
    "venue": (
        "held",
        "opened",
        "opens",
        "open",
        "unveiled",
        "inaugurated",
        "took place",
        "takes place",
        "take place",
        "kicked off",
        "kicks off",
        "scheduled",
        "convened",
        "staged",
        "hosted",
        "closed",
    ),
    "launch": (
        "launched",
        "launch",
        "launches",
        "unveiled",
        "established",
        "set up",
        "released",
        "published",
        "announced",
        "inaugurated",
    ),
    "sign": ("signed", "signs", "sign"),
    "speech": (
        "spoke",
        "speech",
        "speeches",
        "addressed",
        "remarks",
        "keynote",
        "presented",
    ),
    "list": ("including", "such as", "consisted of", "consists of", "featured", "features", "comprised"),
    "theme": ("theme", "themed"),
}
# The launch kind a launch verb names (matched against the labels of the ontology's launch-kind concepts).
_LAUNCH_KIND_WORD = {
    "launched": "launched",
    "launch": "launched",
    "launches": "launched",
    "inaugurated": "launched",
    "unveiled": "unveiled",
    "established": "established",
    "set up": "established",
    "released": "published",
    "published": "published",
    "announced": "announced",
}
_PASSIVE = {"was", "were", "been", "be", "is", "are", "being"}
_ADVERBS = {"officially", "also", "jointly", "formally", "successfully", "recently", "newly", "all", "first"}
_EVENT_WORDS = {"forum", "conference", "event", "expo", "summit", "exhibition", "fair", "meeting", "ceremony"}


@dataclass
class Statement:
    """A candidate statement: triples a curator accepts by uncommenting them, with where it comes from."""

    what: str
    paragraph: int
    triples: list[Triple]
    evidence: str = ""
    needs: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)


class StatementBuilder:
    """Builds candidate statements sentence by sentence from an Analysis."""

    def __init__(self, index: KnownIndex, analysis: Analysis, source_id: str) -> None:
        self.index = index
        self.terms = index.terms
        self.analysis = analysis
        self.entities = analysis.entities
        self.source = SOURCE[source_id]
        self.source_id = source_id
        self.minted: set[str] = set()
        self.main = self._main_event()
        self.matcher = PhraseMatcher(nlp().vocab, attr="LOWER")
        for kind, phrases in _TRIGGERS.items():
            self.matcher.add(kind, [nlp().make_doc(p) for p in phrases])

    # -- term lookup --------------------------------------------------------------------------

    def prop(self, canonical: str, *names: str) -> tuple[URIRef, list[str]]:
        """The ontology property for a relation, or a placeholder cat:<canonical> with a decision."""
        found = self.terms.prop(canonical, *names)
        if found is not None:
            return found, []
        return CAT[canonical], [f"the ontology has no property for '{canonical}': add one or drop this"]

    def add_link(
        self,
        triples: list[Triple],
        decisions: list[str],
        node: URIRef,
        target: Term,
        canonical: str,
        *names: str,
    ) -> None:
        """Append `node --canonical--> target`, noting a decision when the ontology lacks the property."""
        p, more = self.prop(canonical, *names)
        triples.append((node, p, target))
        decisions += more

    def cls(self, *names: str) -> URIRef | None:
        """The ontology class named by one of `names`."""
        return self.terms.cls(*names)

    def paragraph_iri(self, number: int) -> URIRef:
        """The IRI of paragraph `number` of this source (source IRI + #pN)."""
        return URIRef(f"{self.source}#p{number}")

    def stated_in(self, number: int) -> list[tuple[URIRef, URIRef]]:
        """(statedIn, paragraph) when the ontology has a locator property, else nothing."""
        prop = self.terms.prop("statedIn", "stated in")
        return [(prop, self.paragraph_iri(number))] if prop else []

    def mint(self, cls: URIRef | None, slug: str) -> URIRef:
        """A fresh IRI for an n-ary node, unique in the graph and in this draft."""
        kind = self.index.kind_for(cls)
        base = str(ID) + f"{kind}/{slug}"
        iri, n = base, 2
        while URIRef(iri) in self.index.entities or iri in self.minted or iri in self.entities:
            iri, n = f"{base}-{n}", n + 1
        self.minted.add(iri)
        return URIRef(iri)

    def entity(self, iri: str | None) -> Entity | None:
        """The article entity with this IRI."""
        return self.entities.get(iri) if iri else None

    def is_a(self, entity: Entity | None, *names: str) -> bool:
        """True if the entity's class is, or specialises, one named by `names`."""
        return entity is not None and self.terms.is_a(entity.cls, *names)

    def concept(self, class_names: tuple[str, ...], words: str, cutoff: float = 85.0) -> Entity | None:
        """The known concept of a class (mode, role, kind, qualifier) whose labels best fit `words`."""
        keys = " ".join(content_keys(label_keys(words)))
        if not keys:
            return None
        best: tuple[float, int, str] | None = None
        for known in self.index.of_class(*class_names):
            for name in known.names:
                name_keys = " ".join(content_keys(label_keys(name)))
                if not name_keys:
                    continue
                score = 101.0 if name_keys == keys else fuzz.token_sort_ratio(keys, name_keys)
                if score >= cutoff:
                    candidate = (-score, len(name_keys), str(known.iri))
                    best = min(best, candidate) if best else candidate
        if best is None:
            return None
        known = self.index.entities[URIRef(best[2])]
        return Entity(str(known.iri), known.label, known.cls, True, "concept")

    def _usual_subject(self, measure: Entity) -> Entity | None:
        """The one thing the graph's figures of this measure are about, if there is exactly one."""
        measure_prop = self.terms.prop("measure")
        subject_prop = self.terms.prop("statisticSubject", "statistic subject")
        if measure_prop is None or subject_prop is None:
            return None
        subjects = {
            o
            for known in self.index.entities.values()
            if URIRef(measure.iri) in known.links.get(measure_prop, ())
            for o in known.links.get(subject_prop, ())
        }
        if len(subjects) != 1:
            return None
        known = self.index.entities.get(next(iter(subjects)))
        return Entity(str(known.iri), known.label, known.cls, True, "usual subject") if known else None

    def measure_for(self, noun: str, sentence: set[str]) -> Entity | None:
        """The known measure for a counted noun: one that contains the noun's head word and shares the
        most words with the noun and its sentence ("1,000 technologies ... published" -> technologies
        published); else the closest label by fuzzy matching."""
        noun_keys = [k for k in content_keys(label_keys(noun)) if k.isalpha()]
        if not noun_keys:
            return None
        head = noun_keys[-1]
        context = set(noun_keys) | sentence
        best: tuple[float, int, str] | None = None
        for known in self.index.of_class("Measure"):
            for name in known.names:
                keys = set(content_keys(label_keys(name)))
                # Words of the noun itself count fully, words around it half.
                weight = len(keys & set(noun_keys)) + 0.5 * len((keys & context) - set(noun_keys))
                if head in keys:
                    score = weight * weight / len(keys)
                elif len(keys & set(noun_keys)) >= 2:
                    score = 0.5 * weight * weight / len(keys)  # "ministerial-level officials"
                else:
                    continue
                candidate = (-score, len(keys), str(known.iri))
                best = min(best, candidate) if best else candidate
        if best is not None:
            known = self.index.entities[URIRef(best[2])]
            return Entity(str(known.iri), known.label, known.cls, True, "concept")
        return self.concept(("Measure",), noun, cutoff=80.0)

    # -- the article's main event ---------------------------------------------------------------

    def _main_event(self) -> Entity | None:
        return main_event(self.analysis, self.terms)

    # -- building -----------------------------------------------------------------------------

    def build(self) -> list[Statement]:
        """Every candidate statement of the article, in paragraph order."""
        statements: list[Statement] = []
        for entity in self.entities.values():
            if not entity.known:
                statements += self._declare(entity)
        for part in self.analysis.paragraphs:
            for sent in part.doc.sents:
                statements += self._sentence(part, sent)
        return statements

    def _declare(self, entity: Entity) -> list[Statement]:
        """The declaration of a new entity: type, label, alternative labels, and edition or post facts."""
        first = min(entity.paragraphs) if entity.paragraphs else 1
        iri = URIRef(entity.iri)
        triples: list[Triple] = [(iri, RDF.type, entity.cls or CAT["Thing"])]
        triples.append((iri, RDFS.label, Literal(entity.label, lang="en")))
        from rdflib.namespace import SKOS

        for alt in sorted(entity.alt_labels - {entity.label}):
            triples.append((iri, SKOS.altLabel, Literal(alt, lang="en")))
        decisions = []
        if entity.cls is None:
            decisions.append("no class suggested: choose one from the ontology")
        needs = []
        if entity.ordinal is not None:
            ordinal = Literal(entity.ordinal, datatype=XSD.positiveInteger)
            self.add_link(triples, decisions, iri, ordinal, "ordinal")
        if entity.series:
            self.add_link(triples, decisions, iri, URIRef(entity.series), "editionOf", "edition of")
            needs += self._new([entity.series])
        triples += [(iri, p, o) for p, o in self.stated_in(first)]
        statements = [Statement("new entity", first, triples, entity.label, needs, decisions)]
        if entity.title:
            statements.append(self._post(entity, first))
        return statements

    def _post(self, person: Entity, paragraph: int) -> Statement:
        post_cls = self.cls("Post")
        role = self.concept(("Role",), person.title or "", cutoff=90.0)
        affiliation = self.entity(person.affiliation)
        label = (
            f"{person.title} of {affiliation.label}" if affiliation else f"{person.title} ({person.label})"
        )
        node = self.mint(
            post_cls, slugify(f"{person.title} {affiliation.label if affiliation else person.label}")
        )
        triples: list[Triple] = [
            (node, RDF.type, post_cls or CAT["Post"]),
            (node, RDFS.label, Literal(label, lang="en")),
        ]
        holds, decisions = self.prop("holdsPost", "holds post")
        triples.append((URIRef(person.iri), holds, node))
        needs = [person.iri]
        if affiliation:
            self.add_link(triples, decisions, node, URIRef(affiliation.iri), "postIn", "post in")
            needs += self._new([affiliation.iri])
        if role:
            self.add_link(triples, decisions, node, URIRef(role.iri), "postRole", "post role", "role")
        else:
            decisions.append(f'no role concept for "{person.title}": add one to the vocabulary or pick one')
        return Statement("post", paragraph, triples, f"{person.title} {person.label}", needs, decisions)

    def _new(self, iris: Iterable[str | None]) -> list[str]:
        return [i for i in iris if i and (e := self.entity(i)) is not None and not e.known]

    def _sentence(self, part: ParagraphAnalysis, sent: Span) -> list[Statement]:
        mentions = [m for m in part.mentions if sent.start <= m.start < sent.end]
        dates = [d for d in part.dates if sent.start <= d.start < sent.end]
        numbers = [n for n in part.numbers if sent.start <= n.start < sent.end]
        triggers: dict[str, list[tuple[int, int, str]]] = {}
        for match_id, start, end in self.matcher(part.doc[sent.start : sent.end]):
            kind = nlp().vocab.strings[match_id]
            span = part.doc[start:end]  # the matcher gives Doc positions even when run on a Span
            triggers.setdefault(kind, []).append((span.start, span.end, span.text.casefold()))
        number = part.paragraph.number
        statements: list[Statement] = []
        event = self._sentence_event(part, sent, mentions)
        for kind in ("host", "organizer"):
            for start, end, _ in triggers.get(kind, []):
                statements += self._agents(kind, part, mentions, event, start, end, number)
        if event and (triggers.get("venue") or any(d.role for d in dates)):
            statements += self._venue_and_dates(part, sent, mentions, dates, event, triggers.get("venue", []))
        for start, end, word in triggers.get("launch", []):
            statements += self._launch(part, sent, mentions, start, end, word, number)
        for start, end, _ in triggers.get("sign", []):
            statements += self._signing(part, sent, mentions, dates, start, end, number)
        previous = sent.start
        for trigger in _merge_close(triggers.get("speech", [])):
            statements += self._speech(part, sent, mentions, trigger, number, previous)
            previous = trigger[1]
        if triggers.get("list") and event is not None:
            statements += self._parts(mentions, event, number)
        if triggers.get("theme") and event is not None:
            statements += self._theme(part, sent, event, triggers["theme"][0], number)
        for found in numbers:
            statement = self._statistic(part, mentions, dates, found, number, (sent.start, sent.end))
            if statement:
                statements.append(statement)
        return statements

    def _sentence_event(self, part: ParagraphAnalysis, sent: Span, mentions: list[Mention]) -> Entity | None:
        """The event a sentence is about: an edition or event it names, else the main event by a word
        such as "the forum" or "it"."""
        for mention in mentions:
            entity = self.entity(mention.iri)
            if self.is_a(entity, "Edition"):
                return entity
        for mention in mentions:
            entity = self.entity(mention.iri)
            if self.is_a(entity, "Event") and entity is self.main:
                return entity
        words = {t.lower_ for t in sent}
        if self.main is not None and (words & _EVENT_WORDS or sent[0].lower_ in ("it", "this")):
            return self.main
        return None

    def _list_after(
        self, part: ParagraphAnalysis, mentions: list[Mention], end: int, lead: int = 0
    ) -> list[Mention]:
        """The mentions coordinated right after token `end`: "A, B and the C", stopping at any other word;
        up to `lead` words ("a new") may come before the first."""
        found: list[Mention] = []
        position = end
        allowed = lead
        for mention in sorted(mentions, key=lambda m: (m.start, -m.end)):
            if mention.start < position:
                continue  # inside the name just taken
            gap = [
                t for t in part.doc[position : mention.start] if (norm_word(t.text) or "") not in ("and", "")
            ]
            gap = [t for t in gap if t.lower_ not in ("the", "co", "jointly") and not t.is_punct]
            if gap and not (not found and len(gap) <= allowed and all(t.is_lower for t in gap)):
                break
            found.append(mention)
            position = mention.end
        return found

    def _agents(
        self,
        kind: str,
        part: ParagraphAnalysis,
        mentions: list[Mention],
        event: Entity | None,
        start: int,
        end: int,
        number: int,
    ) -> list[Statement]:
        before = [m for m in mentions if m.end <= start and self.is_a(self.entity(m.iri), "Event")]
        subject = self.entity(before[-1].iri) if before else event
        if subject is None:
            return []
        prop, decisions = (
            self.prop("host", "hostedBy", "hosted by")
            if kind == "host"
            else self.prop("organizer", "organizedBy")
        )
        statements = []
        for mention in self._list_after(part, mentions, end):
            agent = self.entity(mention.iri)
            if agent is None or self.is_a(agent, "Place") or self.is_a(agent, "Event"):
                continue
            statements.append(
                Statement(
                    "hosted by" if kind == "host" else "organised by",
                    number,
                    [(URIRef(subject.iri), prop, URIRef(agent.iri))],
                    f"{subject.label} — {part.doc[start:end].text} — {agent.label}",
                    self._new([subject.iri, agent.iri]),
                    list(decisions),
                )
            )
        return statements

    def _venue_and_dates(
        self,
        part: ParagraphAnalysis,
        sent: Span,
        mentions: list[Mention],
        dates: list[FoundDate],
        event: Entity,
        verbs: list[tuple[int, int, str]],
    ) -> list[Statement]:
        number = part.paragraph.number
        statements = []
        subject = URIRef(event.iri)
        for mention in mentions:
            place = self.entity(mention.iri)
            if not self.is_a(place, "Place") or mention.start == sent.start:
                continue
            if part.doc[mention.start - 1].lower_ not in ("in", "at"):
                continue
            if not verbs:
                break
            prop, decisions = self.prop("venue", "heldIn", "held in", "location")
            statements.append(
                Statement(
                    "held in",
                    number,
                    [(subject, prop, URIRef(place.iri))],
                    f"{event.label} — in — {place.label}",
                    self._new([event.iri, place.iri]),
                    decisions,
                )
            )
            break
        day_dates = [d for d in dates if d.precision == "day" and d.value]
        single = [d for d in day_dates if not d.role]
        # Of several lone dates ("NANNING, Sept. 20 -- ... opened on September 19"), the event's is the
        # first after its verb.
        after_verb = [d for d in single if verbs and d.start >= verbs[0][0]]
        opening = after_verb[0] if after_verb else (single[0] if len(single) == 1 else None)
        for found in day_dates:
            if found.role == "end":
                prop, decisions = self.prop("endDate", "end date")
            elif found.role == "start" or (verbs and found is opening and not any(d.role for d in day_dates)):
                prop, decisions = self.prop("startDate", "start date")
            else:
                continue
            statements.append(
                Statement(
                    "end date" if found.role == "end" else "start date",
                    number,
                    [(subject, prop, Literal(found.value.isoformat(), datatype=XSD.date))],
                    f"{event.label} — {found.text}",
                    self._new([event.iri]),
                    decisions,
                )
            )
        month_dates = [d for d in dates if d.precision == "month"]
        if month_dates and not day_dates and verbs:
            prop = self.terms.prop("heldInMonth", "held in month")
            if prop:
                found = month_dates[0]
                statements.append(
                    Statement(
                        "held in month",
                        number,
                        [(subject, prop, Literal(found.literal, datatype=XSD.gYearMonth))],
                        f"{event.label} — {found.text}",
                        self._new([event.iri]),
                    )
                )
        return statements

    def _launch(
        self,
        part: ParagraphAnalysis,
        sent: Span,
        mentions: list[Mention],
        start: int,
        end: int,
        word: str,
        number: int,
    ) -> list[Statement]:
        doc = part.doc
        passive = any(doc[i].lower_ in _PASSIVE for i in range(max(sent.start, start - 3), start))
        things_side = [m for m in mentions if (m.end <= start if passive else m.start >= end)]
        if passive:
            # "A and B were launched": the coordinated names right before the verb.
            things_side = self._list_before(part, mentions, start)
        else:
            things_side = self._list_after(part, mentions, end, lead=3)
        things = [
            self.entity(m.iri)
            for m in things_side
            if not self.is_a(self.entity(m.iri), "Place")
            and not self.is_a(self.entity(m.iri), "Person")
            and self.entity(m.iri) is not self.main
            and not self._is_concept(self.entity(m.iri))
        ]
        things = [t for t in things if t is not None]
        if not things:
            return []
        agent = None
        if not passive:
            before = [m for m in mentions if m.end <= start]
            if before:
                candidate = self.entity(before[-1].iri)
                if self.is_a(candidate, "Agent"):
                    agent = candidate
        event = self._event_at(part, sent, mentions) or self.main
        kind = self.concept(("LaunchKind",), _LAUNCH_KIND_WORD.get(word, word), cutoff=95.0)
        mode = self._mode(sent)
        launch_cls = self.cls("Launch")
        statements = []
        for thing in things:
            decisions: list[str] = []
            if event is None:
                decisions.append("no event found for this launch: add the event")
            if launch_cls is not None:
                node = self.mint(launch_cls, slugify(f"{self.source_id} {word} {thing.label}", 70))
                triples: list[Triple] = [
                    (node, RDF.type, launch_cls),
                    (node, RDFS.label, Literal(f"{word.capitalize()}: {thing.label}", lang="en")),
                ]
                self.add_link(triples, decisions, node, URIRef(thing.iri), "launchedThing", "launched thing")
                if event is not None:
                    self.add_link(triples, decisions, node, URIRef(event.iri), "launchEvent", "launch event")
                if kind is not None:
                    self.add_link(triples, decisions, node, URIRef(kind.iri), "launchKind", "launch kind")
                else:
                    decisions.append(f'no launch-kind concept for "{word}"')
                if agent is not None:
                    self.add_link(triples, decisions, node, URIRef(agent.iri), "launchAgent", "launch agent")
                if mode is not None:
                    self.add_link(triples, decisions, node, URIRef(mode.iri), "mode")
                triples += [(node, p, o) for p, o in self.stated_in(number)]
            else:
                p, decisions = self.prop("launchedAt", "launched at")
                triples = [(URIRef(thing.iri), p, URIRef(event.iri))] if event else []
            if triples:
                statements.append(
                    Statement(
                        f"{word} at",
                        number,
                        triples,
                        f"{thing.label} — {word}" + (f" — {event.label}" if event else ""),
                        self._new([thing.iri, event.iri if event else None, agent.iri if agent else None]),
                        decisions,
                    )
                )
        return statements

    def _is_concept(self, entity: Entity | None) -> bool:
        return self.is_a(entity, "ParticipationMode", "Role", "LaunchKind", "Measure", "Qualifier")

    def _list_before(self, part: ParagraphAnalysis, mentions: list[Mention], start: int) -> list[Mention]:
        found: list[Mention] = []
        position = start
        for mention in sorted((m for m in mentions if m.end <= start), key=lambda m: (-m.end, m.start)):
            if mention.end > position:
                continue  # inside the name just taken
            gap = [
                t
                for t in part.doc[mention.end : position]
                if not t.is_punct and t.lower_ not in {"and", "the"} | _PASSIVE | _ADVERBS
            ]
            if gap and found:
                break
            if gap and len(gap) > 2:
                break
            found.insert(0, mention)
            position = mention.start
        return found

    def _event_at(self, part: ParagraphAnalysis, sent: Span, mentions: list[Mention]) -> Entity | None:
        for mention in mentions:
            entity = self.entity(mention.iri)
            if (
                mention.start > 0
                and part.doc[mention.start - 1].lower_ in ("at", "during")
                and self.is_a(entity, "Event")
            ):
                return entity
        return None

    def _mode(self, sent: Span) -> Entity | None:
        keys = set(label_keys(sent.text))
        for known in sorted(self.index.of_class("ParticipationMode"), key=lambda k: str(k.iri)):
            for name in known.names:
                wanted = set(content_keys(label_keys(name))) - {"by"}
                if wanted and wanted <= keys and len(wanted) == len(content_keys(label_keys(name))):
                    return Entity(str(known.iri), known.label, known.cls, True, "concept")
        return None

    def _signing(
        self,
        part: ParagraphAnalysis,
        sent: Span,
        mentions: list[Mention],
        dates: list[FoundDate],
        start: int,
        end: int,
        number: int,
    ) -> list[Statement]:
        doc = part.doc
        with_at = next((t.i for t in doc[end : sent.end] if t.lower_ == "with"), None)
        agents = [self.entity(m.iri) for m in self._list_before(part, mentions, start)]
        if with_at is not None:
            agents_after = [self.entity(m.iri) for m in self._list_after(part, mentions, with_at + 1)]
            noun_end = with_at
        else:
            agents_after = []
            noun_end = min(sent.end, end + 5)
        words = [t.text for t in doc[end:noun_end] if t.lower_ not in ("a", "an", "the") and t.is_alpha]
        noun = " ".join(words) or "agreement"
        parties_before = [a for a in agents if a is not None and not self.is_a(a, "Event")]
        parties_after = [a for a in agents_after if a is not None and not self.is_a(a, "Event")]
        if not parties_before and not parties_after:
            return []
        groups = (
            [[b, *parties_after] for b in parties_before]
            if noun.endswith("s") and parties_after and len(parties_before) > 1
            else [parties_before + parties_after]
        )
        agreement_cls = self.cls("Agreement")
        party, decisions = self.prop("party")
        statements = []
        for group in groups:
            names = " and ".join(p.label for p in group)
            label = f"{noun[:1].upper()}{noun[1:]} between {names}"
            node = self.mint(agreement_cls, slugify(f"{noun} {' '.join(p.label for p in group)}", 70))
            triples: list[Triple] = [
                (node, RDF.type, agreement_cls or CAT["Agreement"]),
                (node, RDFS.label, Literal(label, lang="en")),
            ]
            triples += [(node, party, URIRef(p.iri)) for p in group]
            more = list(decisions)
            if len(group) < 2:
                more.append("only one party found: add the other")
            event = self._event_at(part, sent, mentions) or (
                self.main if {t.lower_ for t in sent} & (_EVENT_WORDS | {"ceremony"}) else None
            )
            if event is not None:
                signed_at, extra = self.prop("signedAt", "signed at")
                triples.append((node, signed_at, URIRef(event.iri)))
                more += extra
            day = [d for d in dates if d.precision == "day" and d.value]
            if day:
                signing_date, extra = self.prop("signingDate", "signing date")
                triples.append((node, signing_date, Literal(day[0].value.isoformat(), datatype=XSD.date)))
                more += extra
            triples += [(node, p, o) for p, o in self.stated_in(number)]
            statements.append(
                Statement("signed with", number, triples, label, self._new([p.iri for p in group]), more)
            )
        return statements

    def _speech(
        self,
        part: ParagraphAnalysis,
        sent: Span,
        mentions: list[Mention],
        trigger: tuple[int, int, str],
        number: int,
        since: int,
    ) -> list[Statement]:
        start = trigger[0]
        # The speakers of this speech are named between the previous speech word and this one.
        before = [self.entity(m.iri) for m in mentions if since <= m.start and m.end <= start]
        people = [e for e in before if self.is_a(e, "Person")]
        countries = [e for e in before if self.is_a(e, "Country")]
        organisations = [e for e in before if self.is_a(e, "Organization")]
        speakers = people or countries or organisations[-1:]
        if not speakers:
            return []
        event = self._event_at(part, sent, mentions) or self.main
        participation_cls = self.cls("Participation")
        words = {t.lower_ for t in sent}
        role = self.concept(("Role",), "keynote speaker" if "keynote" in words else "speaker", cutoff=95.0)
        modes = [m for m in mentions if self.is_a(self.entity(m.iri), "ParticipationMode")]
        statements = []
        seen: set[str] = set()
        for speaker in speakers:
            if speaker is None or speaker.iri in seen:
                continue
            seen.add(speaker.iri)
            mode = self._mode_for(speaker, mentions, modes)
            decisions: list[str] = []
            if event is None:
                decisions.append("no event found for this speech: add the event")
            if participation_cls is not None:
                node = self.mint(participation_cls, slugify(f"{self.source_id} {speaker.label}", 70))
                triples: list[Triple] = [
                    (node, RDF.type, participation_cls),
                    (
                        node,
                        RDFS.label,
                        Literal(
                            f"{speaker.label} speaks" + (f" at {event.label}" if event else ""), lang="en"
                        ),
                    ),
                ]
                if event is not None:
                    self.add_link(
                        triples, decisions, node, URIRef(event.iri), "participationIn", "participation in"
                    )
                relation = (
                    ("forCountry", "for country") if self.is_a(speaker, "Country") else ("participant",)
                )
                self.add_link(triples, decisions, node, URIRef(speaker.iri), *relation)
                if role is not None:
                    self.add_link(
                        triples,
                        decisions,
                        node,
                        URIRef(role.iri),
                        "participationRole",
                        "participation role",
                        "role",
                    )
                if mode is not None:
                    self.add_link(triples, decisions, node, URIRef(mode.iri), "mode")
                triples += [(node, p, o) for p, o in self.stated_in(number)]
            else:
                p, decisions = self.prop("spokeAt", "spoke at", "speakerAt")
                triples = [(URIRef(speaker.iri), p, URIRef(event.iri))] if event else []
            if triples:
                statements.append(
                    Statement(
                        "spoke at",
                        number,
                        triples,
                        f"{speaker.label} — speech" + (f" — {event.label}" if event else ""),
                        self._new([speaker.iri, event.iri if event else None]),
                        decisions,
                    )
                )
        return statements

    def _mode_for(self, speaker: Entity, mentions: list[Mention], modes: list[Mention]) -> Entity | None:
        """The mode said right after this speaker ("X by video, and Y on site"), else the sentence's first."""
        if not modes:
            return None
        own = [m.end for m in mentions if m.iri == speaker.iri]
        people = [self.is_a(self.entity(m.iri), "Person") for m in mentions]
        others = sorted(m.start for m, p in zip(mentions, people, strict=True) if p and m.iri != speaker.iri)
        for after in own:
            limit = next((o for o in others if o > after), 10**9)
            near = [m for m in modes if after <= m.start < limit]
            if near:
                return self.entity(near[0].iri)
        return self.entity(modes[0].iri)

    def _parts(self, mentions: list[Mention], event: Entity, number: int) -> list[Statement]:
        statements = []
        for mention in mentions:
            sub = self.entity(mention.iri)
            if sub is None or sub is event or not self.is_a(sub, "Event") or self.is_a(sub, "EventSeries"):
                continue
            if self.is_a(event, "Edition") and self.is_a(sub, "Edition") and sub.series == event.series:
                continue
            prop, decisions = self.prop("partOfEvent", "part of event", "subEventOf", "superEvent")
            statements.append(
                Statement(
                    "part of",
                    number,
                    [(URIRef(sub.iri), prop, URIRef(event.iri))],
                    f"{sub.label} — part of — {event.label}",
                    self._new([sub.iri, event.iri]),
                    decisions,
                )
            )
        return statements

    def _theme(
        self, part: ParagraphAnalysis, sent: Span, event: Entity, trigger: tuple[int, int, str], number: int
    ) -> list[Statement]:
        doc = part.doc
        quotes = {'"', "“", "”", "'"}
        i = trigger[1]
        while i < sent.end and doc[i].lower_ in ("of", ":", "is", "was", "as"):
            i += 1
        if i < sent.end and doc[i].text in quotes:
            close = next((j for j in range(i + 1, sent.end) if doc[j].text in quotes), None)
            text = doc[i + 1 : close].text if close else ""
        else:
            close = next((j for j in range(i, sent.end) if doc[j].text in (",", ";", ".")), sent.end)
            text = doc[i:close].text
        text = text.strip(" ,.\"'“”")
        if not text or len(text.split()) > 15:
            return []
        prop, decisions = self.prop("theme")
        return [
            Statement(
                "theme",
                number,
                [(URIRef(event.iri), prop, Literal(text, lang="en"))],
                f"{event.label} — theme",
                self._new([event.iri]),
                decisions,
            )
        ]

    def _statistic(
        self,
        part: ParagraphAnalysis,
        mentions: list[Mention],
        dates: list[FoundDate],
        found: FoundNumber,
        number: int,
        bounds: tuple[int, int],
    ) -> Statement | None:
        if found.kind != "cardinal" or not found.noun:
            return None
        sent_start, sent_end = bounds
        statistic_cls = self.cls("Statistic")
        before = [self.entity(m.iri) for m in mentions if m.end <= found.start]
        before = [e for e in before if e is not None and not self._is_concept(e)]
        wanted = (
            ("Organization",)
            if "member" in found.noun.casefold()
            else ("Organization", "CooperationFramework", "Event", "EventSeries", "Collaboration")
        )
        subject = next((e for e in reversed(before) if self.is_a(e, *wanted)), None)
        decisions: list[str] = []
        # Words near the figure say what it counts ("sent over 300 scholars"); the sentence says too much.
        near = part.doc[
            max(sent_start, found.start - 8) : min(sent_end, found.end + len(found.noun.split()) + 8)
        ]
        measure = self.measure_for(found.noun, set(label_keys(near.text)))
        if subject is None and measure is not None:
            subject = self._usual_subject(measure)
            if subject is not None:
                decisions.append(
                    f'subject "{subject.label}" is what earlier figures of this measure were about'
                )
        if subject is None:
            decisions.append("no subject found: say what this figure is about (cat:statisticSubject)")
        qualifier = self.concept(("Qualifier",), found.qualifier, cutoff=100.0) if found.qualifier else None
        if found.qualifier and qualifier is None:
            decisions.append(f'no qualifier concept for "{found.qualifier}"')
        if statistic_cls is None:
            prop, decisions = self.prop("memberCount", "member count")
            if subject is None or "member" not in found.noun.casefold():
                return None
            return Statement(
                "member count",
                number,
                [(URIRef(subject.iri), prop, Literal(found.value, datatype=XSD.decimal))],
                f"{subject.label} — {found.text} {found.noun}",
                self._new([subject.iri]),
                decisions,
            )
        node = self.mint(statistic_cls, slugify(f"{self.source_id} {found.noun} {found.value}", 70))
        about = subject.label if subject else "?"
        triples: list[Triple] = [
            (node, RDF.type, statistic_cls),
            (
                node,
                RDFS.label,
                Literal(
                    f"{about}: {found.qualifier + ' ' if found.qualifier else ''}{found.text} {found.noun}",
                    lang="en",
                ),
            ),
        ]
        value = int(found.value) if found.value == found.value.to_integral() else found.value
        number_type = XSD.integer if isinstance(value, int) else XSD.decimal
        self.add_link(triples, decisions, node, Literal(value, datatype=number_type), "value")
        if subject is not None:
            self.add_link(
                triples, decisions, node, URIRef(subject.iri), "statisticSubject", "statistic subject"
            )
        if measure is not None:
            self.add_link(triples, decisions, node, URIRef(measure.iri), "measure")
        else:
            decisions.append(f'no measure concept for "{found.noun}": add one to the vocabulary')
        if qualifier is not None:
            self.add_link(triples, decisions, node, URIRef(qualifier.iri), "qualifier")
        as_of = self.analysis.reference_date
        if as_of is not None:
            self.add_link(
                triples,
                decisions,
                node,
                Literal(as_of.isoformat(), datatype=XSD.date),
                "asOfDate",
                "as-of date",
                "asOf",
            )
        since = [d for d in dates if d.precision == "year" and d.start < found.start]
        counted_since = self.terms.prop("countedSince", "counted since")
        if since and counted_since:
            triples.append((node, counted_since, Literal(since[-1].literal, datatype=XSD.gYear)))
        triples += [(node, p, o) for p, o in self.stated_in(number)]
        return Statement(
            "statistic",
            number,
            triples,
            f"{about} — {found.qualifier + ' ' if found.qualifier else ''}{found.text} {found.noun}",
            self._new([subject.iri if subject else None]),
            decisions,
        )


def local(iri: str) -> str:
    """Shorthand used by the summary."""
    return local_name(iri)


def _merge_close(triggers: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """One trigger for words of one phrase ("keynote speech"): those at most two tokens apart merge."""
    merged: list[tuple[int, int, str]] = []
    for start, end, word in sorted(triggers):
        if merged and start - merged[-1][1] <= 2:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]), merged[-1][2] + " " + word)
        else:
            merged.append((start, end, word))
    return merged
