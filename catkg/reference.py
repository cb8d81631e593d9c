"""Generate graph/reference/countries.ttl, the country reference data, from pycountry.

`python -m catkg.reference` rewrites the file; `python -m catkg.reference --check` exits 1 when
the committed file differs from what would be generated (a hand edit, or a new pycountry).

ISO 3166 codes and names come from pycountry, never typed by hand. What pycountry does not hold
is kept below as small curated tables: which countries belong to ASEAN and ASEAN Plus Three,
the ASEAN accession dates published by the ASEAN Secretariat, common Chinese names, surface
forms met in the sources, and the capitals the sources mention. The output is plain Turtle
written line by line in a fixed order (no serializer), so a regeneration diffs cleanly.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
from dataclasses import dataclass
from pathlib import Path

import pycountry

BASE = "https://w3id.org/catkg/"
GRAPH_IRI = BASE + "graph/reference/countries"
COUNTRIES_PATH = Path("graph/reference/countries.ttl")
PROJECT_ROOT = Path(__file__).resolve().parents[1]

ASEAN = "asean"
APT = "asean-plus-three"

# The ten ASEAN member states of the sources' period (2020-2022), with their accession dates
# as the ASEAN Secretariat gives them (the five founders signed the Bangkok Declaration).
ASEAN_ACCESSION: dict[str, str] = {
    "BN": "1984-01-07",
    "ID": "1967-08-08",
    "KH": "1999-04-30",
    "LA": "1997-07-23",
    "MM": "1997-07-23",
    "MY": "1967-08-08",
    "PH": "1967-08-08",
    "SG": "1967-08-08",
    "TH": "1967-08-08",
    "VN": "1995-07-28",
}
# ASEAN Plus Three: the ASEAN members with China, Japan and the Republic of Korea.
PLUS_THREE: tuple[str, ...] = ("CN", "JP", "KR")
# Other countries the sources name.
OTHERS: tuple[str, ...] = ("DE", "FR")

# Well-established Chinese short names (pycountry's zh_CN catalogue uses rarer variants for some).
CHINESE_NAMES: dict[str, str] = {
    "BN": "文莱",
    "CN": "中国",
    "DE": "德国",
    "FR": "法国",
    "ID": "印度尼西亚",
    "JP": "日本",
    "KH": "柬埔寨",
    "KR": "韩国",
    "LA": "老挝",
    "MM": "缅甸",
    "MY": "马来西亚",
    "PH": "菲律宾",
    "SG": "新加坡",
    "TH": "泰国",
    "VN": "越南",
}
# English labels where neither pycountry's common name nor its short name is the usual one.
ENGLISH_LABELS: dict[str, str] = {"BN": "Brunei Darussalam"}
# Further English surface forms (from the sources or in common use) kept as skos:altLabel.
EXTRA_ALT_LABELS: dict[str, tuple[str, ...]] = {
    "BN": ("Brunei",),
    "KR": ("Republic of Korea",),
    "LA": ("Lao PDR",),
}
# Capitals that the sources mention (declared in graph/reference/places.ttl).
CAPITALS: dict[str, str] = {"MY": "kuala-lumpur", "TH": "bangkok"}

ORGANISATIONS: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    # slug: (English label, Chinese label, English alternative labels, comment)
    ASEAN: (
        "Association of Southeast Asian Nations",
        "东南亚国家联盟",
        ("ASEAN",),
        "The regional intergovernmental organisation of ten Southeast Asian states.",
    ),
    APT: (
        "ASEAN Plus Three",
        "东盟与中日韩",
        ("10+3", "10 plus 3", "APT"),
        "The cooperation process of the ASEAN member states with China, Japan and the Republic of Korea.",
    ),
}

PREFIXES: tuple[tuple[str, str], ...] = (
    ("cat", BASE + "ontology#"),
    ("country", BASE + "id/country/"),
    ("dct", "http://purl.org/dc/terms/"),
    ("membership", BASE + "id/membership/"),
    ("organization", BASE + "id/org/"),
    ("place", BASE + "id/place/"),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
)


@dataclass(frozen=True)
class Country:
    """What the reference file says about one country."""

    alpha_2: str
    alpha_3: str
    numeric: str
    iso_name: str
    official_name: str | None
    label: str
    alt_labels: tuple[str, ...]
    chinese: str | None
    member_of: tuple[str, ...]
    capital: str | None

    @property
    def slug(self) -> str:
        """The IRI slug: the lower-case alpha-2 code."""
        return self.alpha_2.lower()


def _literal(text: str, lang: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def country(alpha_2: str) -> Country:
    """The reference record of one country, from pycountry and the curated tables above."""
    record = pycountry.countries.get(alpha_2=alpha_2)
    if record is None:
        raise KeyError(f"pycountry does not know the country code {alpha_2!r}")
    official = getattr(record, "official_name", None)
    common = getattr(record, "common_name", None)
    label = ENGLISH_LABELS.get(alpha_2) or common or record.name
    names = [record.name, official, common, *EXTRA_ALT_LABELS.get(alpha_2, ())]
    alt = tuple(sorted({n for n in names if n and n != label}))
    member_of = tuple(
        org
        for org, member in (
            (ASEAN, alpha_2 in ASEAN_ACCESSION),
            (APT, alpha_2 in ASEAN_ACCESSION or alpha_2 in PLUS_THREE),
        )
        if member
    )
    return Country(
        alpha_2=record.alpha_2,
        alpha_3=record.alpha_3,
        numeric=record.numeric,
        iso_name=record.name,
        official_name=official,
        label=label,
        alt_labels=alt,
        chinese=CHINESE_NAMES.get(alpha_2),
        member_of=member_of,
        capital=CAPITALS.get(alpha_2),
    )


def countries() -> list[Country]:
    """Every country of the reference file, sorted by alpha-2 code."""
    codes = sorted({*ASEAN_ACCESSION, *PLUS_THREE, *OTHERS})
    return [country(code) for code in codes]


def _country_block(c: Country) -> list[str]:
    lines = [f"country:{c.slug} a cat:Country ;", f"    rdfs:label {_literal(c.label, 'en')} ;"]
    if c.chinese:
        lines.append(f"    rdfs:label {_literal(c.chinese, 'zh')} ;")
    for alt in c.alt_labels:
        lines.append(f"    skos:altLabel {_literal(alt, 'en')} ;")
    lines += [
        f"    cat:iso3166Alpha2 {_literal(c.alpha_2)} ;",
        f"    cat:iso3166Alpha3 {_literal(c.alpha_3)} ;",
        f"    cat:iso3166Numeric {_literal(c.numeric)} ;",
        f"    cat:iso3166Name {_literal(c.iso_name, 'en')} ;",
    ]
    if c.official_name:
        lines.append(f"    cat:officialName {_literal(c.official_name, 'en')} ;")
    for org in c.member_of:
        lines.append(f"    cat:memberOf organization:{org} ;")
    if c.capital:
        lines.append(f"    cat:capital place:{c.capital} ;")
    lines[-1] = lines[-1][:-2] + " ."
    return lines


def _membership_block(c: Country, org: str) -> list[str]:
    org_label = ORGANISATIONS[org][0]
    lines = [
        f"membership:{org}-{c.slug} a cat:Membership ;",
        f"    rdfs:label {_literal(f'Membership of {c.label} in {org_label}', 'en')} ;",
        f"    cat:member country:{c.slug} ;",
        f"    cat:memberOrganization organization:{org} ;",
    ]
    if org == ASEAN:
        lines.append(f'    cat:startDate "{ASEAN_ACCESSION[c.alpha_2]}"^^xsd:date ;')
    lines[-1] = lines[-1][:-2] + " ."
    return lines


def generate_countries() -> str:
    """The full text of graph/reference/countries.ttl, deterministic for a given pycountry."""
    version = importlib.metadata.version("pycountry")
    all_countries = countries()
    out = [
        "# GENERATED by `python -m catkg.reference` from pycountry: do not edit by hand.",
        "# Change catkg/reference.py and regenerate; tests/test_reference.py catches hand edits.",
        "",
    ]
    out += [f"@prefix {name}: <{iri}> ." for name, iri in PREFIXES]
    out += [
        "",
        f"<{GRAPH_IRI}> a prov:Entity ;",
        '    rdfs:label "CATKG reference data: countries"@en ;',
        "    dct:description "
        + _literal(
            "Background knowledge, not stated by the curated sources: the ten ASEAN member states, "
            "the ASEAN Plus Three partners and the other countries the sources name, with ISO 3166-1 "
            "codes and English names taken from pycountry, Chinese short names and ASEAN accession dates "
            "curated in catkg/reference.py (dates as published by the ASEAN Secretariat), and membership "
            "of ASEAN and ASEAN Plus Three.",
            "en",
        )
        + " ;",
        "    dct:source <https://www.iso.org/iso-3166-country-codes.html> , <https://asean.org/> ;",
        f"    prov:wasDerivedFrom <https://pypi.org/project/pycountry/{version}/> .",
        "",
    ]
    for slug, (label, chinese, alts, comment) in sorted(ORGANISATIONS.items()):
        out.append(f"organization:{slug} a cat:InternationalOrganization ;")
        out.append(f"    rdfs:label {_literal(label, 'en')} ;")
        out.append(f"    rdfs:label {_literal(chinese, 'zh')} ;")
        out += [f"    skos:altLabel {_literal(alt, 'en')} ;" for alt in sorted(alts)]
        out.append(f"    rdfs:comment {_literal(comment, 'en')} .")
        out.append("")
    for c in all_countries:
        out += _country_block(c)
        out.append("")
    for org in (ASEAN, APT):
        for c in all_countries:
            if org in c.member_of:
                out += _membership_block(c, org)
                out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write (or with --check, compare) graph/reference/countries.ttl under the project root."""
    parser = argparse.ArgumentParser(prog="python -m catkg.reference", description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=PROJECT_ROOT, help="project root (default: this repo)")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file differs from a regeneration")
    args = parser.parse_args(argv)
    path = args.root / COUNTRIES_PATH
    text = generate_countries()
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            print(f"{path}: differs from `python -m catkg.reference`; regenerate it", file=sys.stderr)
            return 1
        print(f"{path}: up to date")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path} ({len(countries())} countries)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
