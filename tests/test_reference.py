"""The reference data: countries.ttl is exactly what catkg.reference generates, and complete."""

from __future__ import annotations

from pathlib import Path

import pycountry
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, XSD

from catkg import reference

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "graph" / "reference"
CAT = Namespace("https://w3id.org/catkg/ontology#")
COUNTRY = Namespace("https://w3id.org/catkg/id/country/")
PLACE = Namespace("https://w3id.org/catkg/id/place/")
ASEAN = URIRef("https://w3id.org/catkg/id/org/asean")
APT = URIRef("https://w3id.org/catkg/id/org/asean-plus-three")
ASEAN_MEMBERS = {"BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN"}


@pytest.fixture(scope="module")
def countries() -> Graph:
    return Graph().parse(REFERENCE / "countries.ttl", format="turtle")


def test_countries_file_is_what_the_generator_writes_now() -> None:
    committed = (REFERENCE / "countries.ttl").read_text(encoding="utf-8")
    assert committed == reference.generate_countries(), (
        "graph/reference/countries.ttl was edited by hand or pycountry changed: "
        "run `python -m catkg.reference` and commit the result"
    )


def test_generation_is_deterministic() -> None:
    assert reference.generate_countries() == reference.generate_countries()


def test_check_mode_reports_a_hand_edit(tmp_path: Path) -> None:
    target = tmp_path / reference.COUNTRIES_PATH
    assert reference.main(["--root", str(tmp_path)]) == 0
    assert reference.main(["--root", str(tmp_path), "--check"]) == 0
    target.write_text(target.read_text(encoding="utf-8").replace('"THA"', '"THX"'), encoding="utf-8")
    assert reference.main(["--root", str(tmp_path), "--check"]) == 1


def test_all_ten_asean_members_are_present_with_accession_dates(countries: Graph) -> None:
    members = {str(countries.value(c, CAT.iso3166Alpha2)) for c in countries.subjects(CAT.memberOf, ASEAN)}
    assert members == ASEAN_MEMBERS
    dated = {
        str(countries.value(countries.value(m, CAT.member), CAT.iso3166Alpha2))
        for m in countries.subjects(CAT.memberOrganization, ASEAN)
        if countries.value(m, CAT.startDate) is not None
    }
    assert dated == ASEAN_MEMBERS
    founders = {
        str(countries.value(countries.value(m, CAT.member), CAT.iso3166Alpha2))
        for m in countries.subjects(CAT.startDate, Literal("1967-08-08", datatype=XSD.date))
    }
    assert founders == {"ID", "MY", "PH", "SG", "TH"}


def test_asean_plus_three_is_asean_with_china_japan_and_korea(countries: Graph) -> None:
    members = {str(countries.value(c, CAT.iso3166Alpha2)) for c in countries.subjects(CAT.memberOf, APT)}
    assert members == ASEAN_MEMBERS | {"CN", "JP", "KR"}


def test_countries_named_in_the_sources_are_present(countries: Graph) -> None:
    codes = {str(o) for o in countries.objects(None, CAT.iso3166Alpha2)}
    assert codes >= ASEAN_MEMBERS | {"CN", "JP", "KR", "FR", "DE"}


@pytest.mark.parametrize("alpha_2", sorted(ASEAN_MEMBERS | {"CN", "JP", "KR", "FR", "DE"}))
def test_codes_match_pycountry(countries: Graph, alpha_2: str) -> None:
    record = pycountry.countries.get(alpha_2=alpha_2)
    node = COUNTRY[alpha_2.lower()]
    assert (node, RDF.type, CAT.Country) in countries
    assert str(countries.value(node, CAT.iso3166Alpha3)) == record.alpha_3
    assert str(countries.value(node, CAT.iso3166Numeric)) == record.numeric
    english = [o for o in countries.objects(node, RDFS.label) if o.language == "en"]
    assert len(english) == 1


def test_reference_files_describe_their_own_provenance() -> None:
    for path in sorted(REFERENCE.glob("*.ttl")):
        graph = Graph().parse(path, format="turtle")
        iri = URIRef(f"https://w3id.org/catkg/graph/reference/{path.stem}")
        assert graph.value(iri, DCTERMS.description) is not None, f"{path.name} does not describe <{iri}>"


def test_places_have_located_in_chains_to_a_country() -> None:
    places = Graph().parse(REFERENCE / "places.ttl", format="turtle")
    assert (PLACE.nanning, CAT.locatedIn, PLACE.guangxi) in places
    assert (PLACE.guilin, CAT.locatedIn, PLACE.guangxi) in places
    assert (PLACE.guangxi, CAT.locatedIn, COUNTRY.cn) in places
    assert (PLACE.bangkok, CAT.locatedIn, COUNTRY.th) in places
    chinese = {str(o) for o in places.objects(PLACE.guangxi, RDFS.label) if o.language == "zh"}
    assert chinese == {"广西壮族自治区"}
