"""Synthetic corpus generator: a valid `graph/`-shaped project of a chosen size, for `catkg bench`.

The corpus follows the real ontology and shapes: forum series with numbered editions (dates, venues,
hosts, organisers, themes), side events, organisations, persons holding posts, participations,
launches, agreements and statistics. Each source is one facts file whose subjects cite a paragraph
of that source (`cat:statedIn`); the paragraphs are declared with the source records in
`graph/sources.ttl`, as in the curated graph. Reference data (countries with ISO codes,
regions, cities, publishers, SKOS vocabularies) goes to `graph/reference/`. Output is deterministic
for a seed; files are written with pyoxigraph's Turtle serialiser.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from catkg.namespaces import CAT, ID, SOURCE

# ASEAN members and China: the countries participations are made for.
COUNTRY_CODES = ("CN", "BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN")
ORG_CLASSES = (
    "Ministry",
    "University",
    "ResearchInstitute",
    "Company",
    "TechnologyTransferCentre",
    "InnovationCentre",
    "Network",
    "Platform",
    "SciencePark",
    "Alliance",
)
SIDE_EVENT_CLASSES = ("YoungScientistsForum", "TechnologyExhibition", "MatchmakingSession", "Conference")
FRAMEWORK_CLASSES = ("Programme", "Initiative", "CooperationMechanism")
VOCABULARIES = {
    "Role": ("minister", "vice minister", "director general", "keynote speaker", "panellist", "moderator"),
    "ParticipationMode": ("by video", "on site", "online", "hybrid"),
    "Measure": ("network members", "matchmaking sessions", "signed projects", "exhibitors", "participants"),
    "Qualifier": ("more than", "nearly"),
    "LaunchKind": ("launched", "unveiled", "established", "signed", "published", "announced"),
    "TechnologyField": ("agriculture", "biomedicine", "digital economy", "new energy", "marine science"),
}
PARAGRAPHS = 6
PREFIXES = {
    "cat": str(CAT),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "dct": str(DCTERMS),
    "skos": str(SKOS),
    "src": str(SOURCE),
    "series": f"{ID}series/",
    "event": f"{ID}event/",
    "org": f"{ID}org/",
    "person": f"{ID}person/",
    "post": f"{ID}post/",
    "place": f"{ID}place/",
    "participation": f"{ID}participation/",
    "launch": f"{ID}launch/",
    "statistic": f"{ID}statistic/",
    "framework": f"{ID}framework/",
    "agreement": f"{ID}agreement/",
    "concept": f"{ID}concept/",
}

Triple = ox.Triple


def _iri(kind: str, slug: str) -> ox.NamedNode:
    return ox.NamedNode(f"{ID}{kind}/{slug}")


def _cat(local: str) -> ox.NamedNode:
    return ox.NamedNode(f"{CAT}{local}")


def _en(text: str) -> ox.Literal:
    return ox.Literal(text, language="en")


def _typed(value: object, datatype: str) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(f"{XSD}{datatype}"))


def _slug(text: str) -> str:
    return "-".join(text.lower().replace(",", "").split())


A = ox.NamedNode(str(RDF.type))
LABEL = ox.NamedNode(str(RDFS.label))
ALT = ox.NamedNode(str(SKOS.altLabel))
STATED_IN = _cat("statedIn")


@dataclass
class _Pools:
    """What earlier files declared, so later files can refer to it (and only to declared things)."""

    cities: list[ox.NamedNode] = field(default_factory=list)
    countries: list[ox.NamedNode] = field(default_factory=list)
    publishers: list[ox.NamedNode] = field(default_factory=list)
    concepts: dict[str, list[ox.NamedNode]] = field(default_factory=dict)
    orgs: list[ox.NamedNode] = field(default_factory=list)
    persons: list[ox.NamedNode] = field(default_factory=list)
    series_count: int = 1


class _File:
    """The triples of one file, with helpers that keep a subject's statements together."""

    def __init__(self) -> None:
        self.triples: list[Triple] = []

    def add(self, subject: ox.NamedNode, *pairs: tuple[ox.NamedNode, object]) -> None:
        for predicate, obj in pairs:
            self.triples.append(Triple(subject, predicate, obj))

    def entity(
        self, subject: ox.NamedNode, cls: str, label: str, *pairs: tuple[ox.NamedNode, object]
    ) -> None:
        self.add(subject, (A, _cat(cls)), (LABEL, _en(label)), *pairs)

    def write(self, path: Path) -> int:
        path.parent.mkdir(parents=True, exist_ok=True)
        ox.serialize(self.triples, str(path), ox.RdfFormat.TURTLE, prefixes=PREFIXES)
        return len(self.triples)


def _reference(root: Path, pools: _Pools, n_cities: int) -> int:
    """Countries (ISO codes from pycountry), regions, cities, publishers and SKOS vocabularies."""
    import pycountry

    places, vocab = _File(), _File()
    for code in COUNTRY_CODES:
        country = pycountry.countries.get(alpha_2=code)
        iri = _iri("place", _slug(country.name))
        places.entity(
            iri,
            "Country",
            country.name,
            (_cat("iso3166Alpha2"), ox.Literal(country.alpha_2)),
            (_cat("iso3166Alpha3"), ox.Literal(country.alpha_3)),
            (_cat("iso3166Numeric"), ox.Literal(country.numeric)),
        )
        pools.countries.append(iri)
    regions = []
    for index, country in enumerate(pools.countries):
        region = _iri("place", f"region-{index + 1}")
        places.entity(region, "Province", f"Synthetic Province {index + 1}", (_cat("locatedIn"), country))
        regions.append(region)
    for index in range(n_cities):
        city = _iri("place", f"city-{index + 1}")
        places.entity(
            city, "City", f"Synthetic City {index + 1}", (_cat("locatedIn"), regions[index % len(regions)])
        )
        pools.cities.append(city)
    for index in range(4):
        publisher = _iri("org", f"publisher-{index + 1}")
        places.entity(publisher, "NewsOrganization", f"Synthetic News Agency {index + 1}")
        pools.publishers.append(publisher)
    scheme = _iri("concept", "technology-fields")
    vocab.add(
        scheme,
        (A, ox.NamedNode(f"{SKOS}ConceptScheme")),
        (LABEL, _en("Synthetic technology fields")),
    )
    for cls, labels in VOCABULARIES.items():
        members = []
        for label in labels:
            concept = _iri("concept", f"{_slug(cls)}-{_slug(label)}")
            extra = [(ox.NamedNode(f"{SKOS}inScheme"), scheme)] if cls == "TechnologyField" else []
            vocab.entity(concept, cls, f"{label} ({cls.lower()})", *extra)
            members.append(concept)
        pools.concepts[cls] = members
    return places.write(root / "graph/reference/places.ttl") + vocab.write(
        root / "graph/reference/vocabularies.ttl"
    )


def _source_record(records: _File, source: ox.NamedNode, k: int, issued: dt.date, pools: _Pools) -> None:
    records.entity(
        source,
        "Source",
        f"Synthetic article {k + 1}",
        (ox.NamedNode(f"{DCTERMS}title"), _en(f"Forum news item number {k + 1}")),
        (ox.NamedNode(f"{DCTERMS}issued"), _typed(issued.isoformat(), "date")),
        (ox.NamedNode(f"{DCTERMS}identifier"), ox.Literal(f"synthetic-{k + 1:06d}")),
        (ox.NamedNode(f"{DCTERMS}language"), ox.Literal("en")),
        (ox.NamedNode(f"{DCTERMS}publisher"), pools.publishers[k % len(pools.publishers)]),
    )


def _facts(k: int, rng: random.Random, pools: _Pools, records: _File) -> tuple[_File, dt.date]:
    """One source's facts: an edition of a series, its side events, people, launches and figures.

    The source's numbered paragraphs go to `records` (graph/sources.ttl), as in the curated graph.
    """
    facts = _File()
    source_id = f"synthetic-{k + 1:06d}"
    source = ox.NamedNode(f"{SOURCE}{source_id}")
    para = [ox.NamedNode(f"{SOURCE}{source_id}#p{n}") for n in range(1, PARAGRAPHS + 1)]
    for n, paragraph in enumerate(para, start=1):
        records.entity(
            paragraph,
            "Paragraph",
            f"Paragraph {n} of synthetic article {k + 1}",
            (ox.NamedNode(f"{DCTERMS}isPartOf"), source),
            (_cat("paragraphNumber"), _typed(n, "positiveInteger")),
        )

    def cited(n: int) -> tuple[ox.NamedNode, ox.NamedNode]:
        return (STATED_IN, para[n - 1])

    def concept(cls: str) -> ox.NamedNode:
        return rng.choice(pools.concepts[cls])

    # Organisations and persons this source introduces; later sources refer back to them.
    for j in range(2):
        number = 2 * k + j + 1
        org = _iri("org", f"org-{number}")
        facts.entity(
            org,
            rng.choice(ORG_CLASSES),
            f"Synthetic Organisation {number}",
            (ALT, _en(f"SO{number}")),
            (_cat("locatedIn"), rng.choice(pools.cities)),
            (_cat("field"), concept("TechnologyField")),
            cited(5),
        )
        pools.orgs.append(org)
    for j in range(2):
        number = 2 * k + j + 1
        person, post = _iri("person", f"person-{number}"), _iri("post", f"post-{number}")
        facts.entity(person, "Person", f"Synthetic Person {number}", (_cat("holdsPost"), post), cited(4))
        facts.entity(
            post,
            "Post",
            f"Post {number}",
            (_cat("postRole"), concept("Role")),
            (_cat("postIn"), rng.choice(pools.orgs)),
            cited(4),
        )
        pools.persons.append(person)

    series_number = k % pools.series_count + 1
    ordinal = k // pools.series_count + 1
    series = _iri("series", f"forum-{series_number}")
    facts.entity(
        series,
        "EventSeries",
        f"Synthetic Forum Series {series_number}",
        (_cat("sinceYear"), _typed(2000 + series_number % 20, "gYear")),
        cited(1),
    )
    start = dt.date(2000, 1, 1) + dt.timedelta(days=(k * 37 + rng.randrange(30)) % 9000)
    end = start + dt.timedelta(days=rng.randrange(4))
    edition = _iri("event", f"forum-{series_number}-edition-{ordinal}")
    facts.entity(
        edition,
        "Edition",
        f"Edition {ordinal} of Synthetic Forum Series {series_number}",
        (A, _cat("Forum")),
        (_cat("editionOf"), series),
        (_cat("ordinal"), _typed(ordinal, "positiveInteger")),
        (_cat("startDate"), _typed(start.isoformat(), "date")),
        (_cat("endDate"), _typed(end.isoformat(), "date")),
        (_cat("venue"), rng.choice(pools.cities)),
        (_cat("host"), rng.choice(pools.orgs)),
        (_cat("organizer"), rng.choice(pools.orgs)),
        (_cat("theme"), _en(f"Innovation theme {rng.randrange(1000)}")),
        cited(1),
    )
    events = [edition]
    for j, cls in enumerate(rng.sample(SIDE_EVENT_CLASSES, 3), start=1):
        side = _iri("event", f"forum-{series_number}-edition-{ordinal}-side-{j}")
        facts.entity(
            side,
            "SideEvent",
            f"Side event {j} of edition {ordinal} of series {series_number}",
            (A, _cat(cls)),
            (_cat("partOfEvent"), edition),
            (_cat("startDate"), _typed(start.isoformat(), "date")),
            (_cat("venue"), rng.choice(pools.cities)),
            (_cat("organizer"), rng.choice(pools.orgs)),
            (_cat("field"), concept("TechnologyField")),
            cited(2),
        )
        events.append(side)

    for j in range(6):
        node = _iri("participation", f"{source_id}-{j + 1}")
        who = (
            (_cat("participant"), rng.choice(pools.persons))
            if j % 3 != 2
            else (_cat("forCountry"), rng.choice(pools.countries))
        )
        facts.entity(
            node,
            "Participation",
            f"Participation {j + 1} in synthetic article {k + 1}",
            (_cat("participationIn"), rng.choice(events)),
            who,
            (_cat("mode"), concept("ParticipationMode")),
            (_cat("participationRole"), concept("Role")),
            cited(3),
        )

    for j in range(2):
        thing = _iri("framework", f"{source_id}-{j + 1}")
        agent = rng.choice(pools.orgs)
        facts.entity(
            thing,
            rng.choice(FRAMEWORK_CLASSES),
            f"Synthetic programme {k + 1}-{j + 1}",
            (_cat("launchedBy"), agent),
            (_cat("field"), concept("TechnologyField")),
            cited(5),
        )
        facts.entity(
            _iri("launch", f"{source_id}-{j + 1}"),
            "Launch",
            f"Launch of synthetic programme {k + 1}-{j + 1}",
            (_cat("launchEvent"), edition),
            (_cat("launchedThing"), thing),
            (_cat("launchKind"), concept("LaunchKind")),
            (_cat("launchAgent"), agent),
            cited(5),
        )

    parties = rng.sample(pools.orgs, 2) if len(pools.orgs) >= 2 else pools.orgs * 2
    facts.entity(
        _iri("agreement", source_id),
        "Agreement",
        f"Synthetic agreement {k + 1}",
        (_cat("party"), parties[0]),
        (_cat("party"), parties[1]),
        (_cat("signingDate"), _typed(start.isoformat(), "date")),
        (_cat("signedAt"), edition),
        cited(6),
    )
    for j in range(2):
        pairs = [
            (_cat("value"), _typed(rng.randrange(10, 5000), "integer")),
            (_cat("measure"), concept("Measure")),
            (_cat("asOfDate"), _typed(end.isoformat(), "date")),
            (_cat("statisticSubject"), series if j == 0 else rng.choice(pools.orgs)),
            cited(6),
        ]
        if rng.random() < 0.5:
            pairs.append((_cat("qualifier"), concept("Qualifier")))
        facts.entity(
            _iri("statistic", f"{source_id}-{j + 1}"),
            "Statistic",
            f"Statistic {j + 1} of synthetic article {k + 1}",
            *pairs,
        )
    return facts, end


def copy_template(template: Path, root: Path) -> None:
    """Copy the real project's ontology/ and queries/ (the vocabulary, shapes and checks) into `root`."""
    for part in ("ontology", "queries"):
        if (template / part).is_dir():
            shutil.copytree(template / part, root / part, dirs_exist_ok=True)


def default_template() -> Path:
    """The CATKG project this package belongs to (its ontology, shapes and queries)."""
    return Path(__file__).resolve().parents[1]


def generate(root: Path, triples: int, seed: int = 0, template: Path | None = None) -> int:
    """Write a valid synthetic project of about `triples` triples under `root`; return the triple count.

    The count covers graph/ only (the ontology adds its own); it reaches `triples` to within one source.
    """
    root = Path(root)
    copy_template(template or default_template(), root)
    rng = random.Random(seed)
    per_source = 220  # triples of one facts file plus its source record, near enough to plan sizes
    n_sources = max(1, triples // per_source)
    pools = _Pools(series_count=max(1, n_sources // 10))
    total = _reference(root, pools, n_cities=max(10, n_sources // 20))
    records = _File()
    k = 0
    while total + len(records.triples) < triples or k == 0:
        source = ox.NamedNode(f"{SOURCE}synthetic-{k + 1:06d}")
        facts, issued = _facts(k, rng, pools, records)
        total += facts.write(root / f"graph/facts/synthetic-{k + 1:06d}.ttl")
        _source_record(records, source, k, issued, pools)
        k += 1
    return total + records.write(root / "graph/sources.ttl")
