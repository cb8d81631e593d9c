"""Competency questions: every queries/*.rq runs on the built graph and returns its expected answer.

The graph is built once per test session with `catkg.build.build` (reusing the session's `real_dist`
fixture when the pipeline's conftest provides one). Without the build pipeline, the files are
loaded straight into pyoxigraph, one named graph per file as the build names them; the queries are
written with property paths, so they answer the same with or without the reasoner's inferences.

A new .rq file without an entry in EXPECTED (or KEY_FACTS) fails `test_every_query_has_an_answer`.
"""

# ruff: noqa: E501

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

REPO = Path(__file__).resolve().parents[1]
QUERIES = REPO / "queries"
BASE = "https://w3id.org/catkg/"
Row = tuple[str | None, ...]


def graph_iri_for(relative_path: str) -> str:
    """The named graph of a project file, as the build assigns it (see DESIGN.md, Naming)."""
    parts = relative_path.removesuffix(".ttl").split("/")
    if parts[:2] == ["graph", "facts"] and len(parts) == 3:
        return BASE + "source/" + parts[2]
    if relative_path == "ontology/catkg.ttl":
        return BASE + "graph/ontology"
    if parts[0] == "graph":
        parts = parts[1:]
    return BASE + "graph/" + "/".join(parts)


def load_store(out: Path | None) -> ox.Store | None:
    """The published store `<out>/store`, opened read-only, or None when there is none."""
    if out is None or not (out / "store").is_dir():
        return None
    return ox.Store.read_only(str(out / "store"))


def load_files(root: Path = REPO) -> ox.Store:
    """An in-memory store of the ontology and every graph/ file, each in its own named graph."""
    store = ox.Store()
    files = [root / "ontology" / "catkg.ttl", *sorted((root / "graph").rglob("*.ttl"))]
    for path in files:
        graph = ox.NamedNode(graph_iri_for(path.relative_to(root).as_posix()))
        store.load(path=str(path), format=ox.RdfFormat.TURTLE, to_graph=graph)
    return store


def run(store: ox.Store, query: Path) -> list[Row]:
    """The rows of a SELECT query over the union of all named graphs, as plain strings."""
    result = store.query(query.read_text(encoding="utf-8"), use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    return [tuple(None if row[n] is None else row[n].value for n in names) for row in result]


@pytest.fixture(scope="session")
def cq_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    out: Path | None = None
    try:
        out = request.getfixturevalue("real_dist")
    except pytest.FixtureLookupError:
        try:
            from catkg.build import build
        except ImportError:
            build = None
        if build is not None:
            out = tmp_path_factory.mktemp("competency") / "dist"
            result = build(REPO, out)
            assert result.exit_code == 0, "\n".join(f.format() for f in result.findings)
    return load_store(out) or load_files(REPO)


def query_files() -> list[Path]:
    return sorted(QUERIES.glob("*.rq"))


EXPECTED: dict[str, list[Row]] = {
    "01-forum-editions": [
        (
            "8",
            "8th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
            "2020-11-26",
            "2020-11-30",
            "Nanning",
            "Empower the Future with Opening-up and Innovation",
        ),
        (
            "9",
            "9th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
            "2021-09-09",
            "2021-09-13",
            "Nanning",
            None,
        ),
        (
            "10",
            "10th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
            "2022-09-15",
            None,
            "Nanning",
            "Explore Science and Technology Cooperation and Build a Prosperous Home",
        ),
    ],
    "02-edition-hosts-organisers": [
        ("8", "host", "Ministry of Science and Technology of the People's Republic of China"),
        ("8", "host", "People's Government of Guangxi Zhuang Autonomous Region"),
        ("8", "organiser", "China-ASEAN Technology Transfer Center"),
        ("8", "organiser", "Department of Science and Technology of Guangxi Zhuang Autonomous Region"),
        ("10", "host", "Ministry of Science and Technology of the People's Republic of China"),
        ("10", "host", "People's Government of Guangxi Zhuang Autonomous Region"),
        ("10", "organiser", "China-ASEAN Technology Transfer Center"),
        ("10", "organiser", "Department of Science and Technology of Guangxi Zhuang Autonomous Region"),
    ],
    "03-side-events": [
        (
            "8",
            "17th China-ASEAN Expo Advanced Technology Exhibition",
            "China-ASEAN Expo Advanced Technology Exhibition",
            "17",
        ),
        ("8", "2nd ASEAN Plus Three Young Scientist Innovation Forum", "10+3 Young Scientists Forum", "2"),
        (
            "8",
            "China-ASEAN International Forum on Sustainable Development and Innovation Cooperation",
            None,
            None,
        ),
        ("8", "China-ASEAN Technology Transfer Matchmakings at the 8th Forum", None, None),
        (
            "8",
            "Main forum of the 8th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
            None,
            None,
        ),
        (
            "8",
            "Opening ceremony of the 8th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
            None,
            None,
        ),
        (
            "10",
            "19th China-ASEAN Advanced Technology Exhibition",
            "China-ASEAN Expo Advanced Technology Exhibition",
            "19",
        ),
        ("10", "4th 10+3 Young Scientists Forum", "10+3 Young Scientists Forum", "4"),
        ("10", "Belt and Road Technology Transfer Collaboration Conference", None, None),
        ("10", "China-ASEAN Digital Technology Promotion and Matchmaking Meeting", None, None),
        (
            "10",
            "Main forum of the 10th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
            None,
            None,
        ),
        (
            "10",
            "Opening ceremony of the 10th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
            None,
            None,
        ),
    ],
    "04-side-event-series": [
        ("10+3 Young Scientists Forum", "2", "2nd ASEAN Plus Three Young Scientist Innovation Forum", "8"),
        ("10+3 Young Scientists Forum", "4", "4th 10+3 Young Scientists Forum", "10"),
        (
            "China-ASEAN Expo Advanced Technology Exhibition",
            "17",
            "17th China-ASEAN Expo Advanced Technology Exhibition",
            "8",
        ),
        (
            "China-ASEAN Expo Advanced Technology Exhibition",
            "19",
            "19th China-ASEAN Advanced Technology Exhibition",
            "10",
        ),
    ],
    "05-countries-speaking": [
        (
            "8",
            "Cambodia",
            "speaker",
            "by video",
            "Opening ceremony of the 8th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
        ),
        (
            "8",
            "Indonesia",
            "speaker",
            "by video",
            "Opening ceremony of the 8th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
        ),
        (
            "8",
            "Japan",
            "presenter",
            "online or on site",
            "2nd ASEAN Plus Three Young Scientist Innovation Forum",
        ),
        (
            "8",
            "Malaysia",
            "speaker",
            "by video",
            "Opening ceremony of the 8th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
        ),
        (
            "8",
            "Myanmar",
            "speaker",
            "by video",
            "Opening ceremony of the 8th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
        ),
        (
            "8",
            "Philippines",
            "speaker",
            "by video",
            "Opening ceremony of the 8th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
        ),
        (
            "8",
            "South Korea",
            "presenter",
            "online or on site",
            "2nd ASEAN Plus Three Young Scientist Innovation Forum",
        ),
        (
            "8",
            "Thailand",
            "speaker",
            "by video",
            "Opening ceremony of the 8th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
        ),
        (
            "10",
            "Cambodia",
            "keynote speaker",
            "by video",
            "10th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
        ),
        (
            "10",
            "China",
            "keynote speaker",
            "by video",
            "10th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
        ),
        (
            "10",
            "China",
            "speaker",
            "on site",
            "Opening ceremony of the 10th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
        ),
        (
            "10",
            "Indonesia",
            "keynote speaker",
            "by video",
            "10th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
        ),
        (
            "10",
            "Laos",
            "keynote speaker",
            "by video",
            "10th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
        ),
        (
            "10",
            "Malaysia",
            "keynote speaker",
            "by video",
            "10th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
        ),
        (
            "10",
            "Myanmar",
            "keynote speaker",
            "by video",
            "10th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
        ),
        (
            "10",
            "Philippines",
            "keynote speaker",
            "by video",
            "10th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
        ),
        (
            "10",
            "Thailand",
            "keynote speaker",
            "by video",
            "10th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
        ),
        (
            "10",
            "Vietnam",
            "keynote speaker",
            "by video",
            "10th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
        ),
    ],
    "06-persons-posts": [
        ("Guo Huadong", "Academician (Guo Huadong)", "academician", None, None),
        (
            "Lim Jock Hoi",
            "Secretary-General of ASEAN",
            "secretary-general",
            "Association of Southeast Asian Nations",
            None,
        ),
        (
            "Wang Zhigang",
            "Minister of Science and Technology of the People's Republic of China",
            "minister",
            "Ministry of Science and Technology of the People's Republic of China",
            None,
        ),
        ("Xi Jinping", "President of the People's Republic of China", "president", None, "China"),
        (
            "Xu Xianhui",
            "Vice Chairman of Guangxi Zhuang Autonomous Region (post held by Xu Xianhui)",
            "vice chairman",
            "People's Government of Guangxi Zhuang Autonomous Region",
            None,
        ),
    ],
    "07-launches-by-edition": [
        ("8", "launched", "China-ASEAN Regional Innovation Center for Big Earth Data", None),
        (
            "8",
            "signed",
            "Strategic cooperation agreement between the People's Government of Guangxi Zhuang Autonomous Region and Chang'an University",
            None,
        ),
        ("8", "unveiled", "China-ASEAN Technology Transfer Center Bangkok Innovation Center", "online"),
        ("8", "unveiled", "China-Thailand-ASEAN Innovation Port", "online"),
        ("9", "launched", "China-ASEAN Technology Trading Platform", None),
        ("9", "launched", "Innovation Space for China-ASEAN Science and Technology Talents", None),
        ("10", "announced", "China-ASEAN Science, Technology and Innovation Enhancing Program", None),
        ("10", "established", "China-ASEAN Technology Transfer Alliance", None),
        ("10", "launched", "China-ASEAN Innovation and Entrepreneurship Camp", None),
        ("10", "launched", "China-ASEAN Innovation and Entrepreneurship Competition", None),
        ("10", "launched", "Special China-ASEAN technology transfer initiative", None),
    ],
    "08-agreements": [
        (
            "Cooperation agreement between Guangxi and China University of Mining and Technology",
            "China University of Mining and Technology",
            None,
        ),
        (
            "Cooperation agreement between Guangxi and China University of Mining and Technology",
            "Guangxi Zhuang Autonomous Region",
            None,
        ),
        (
            "Cooperation agreement between Guangxi and Tsinghua University",
            "Guangxi Zhuang Autonomous Region",
            None,
        ),
        ("Cooperation agreement between Guangxi and Tsinghua University", "Tsinghua University", None),
        (
            "Cooperation agreement between Guangxi and Wuhan University",
            "Guangxi Zhuang Autonomous Region",
            None,
        ),
        ("Cooperation agreement between Guangxi and Wuhan University", "Wuhan University", None),
        (
            "Cooperation agreement between Guangxi and the Chinese Academy of Sciences",
            "Chinese Academy of Sciences",
            None,
        ),
        (
            "Cooperation agreement between Guangxi and the Chinese Academy of Sciences",
            "Guangxi Zhuang Autonomous Region",
            None,
        ),
        (
            "Strategic cooperation agreement between the People's Government of Guangxi Zhuang Autonomous Region and Chang'an University",
            "Chang'an University",
            "2020-11-26",
        ),
        (
            "Strategic cooperation agreement between the People's Government of Guangxi Zhuang Autonomous Region and Chang'an University",
            "People's Government of Guangxi Zhuang Autonomous Region",
            "2020-11-26",
        ),
    ],
    "09-covid-collaboration-partners": [
        ("chinadaily-2020-11-27", "China Daily", "Chinese Academy of Sciences", "China"),
        ("chinadaily-2020-11-27", "China Daily", "Guangxi University of Chinese Medicine", "China"),
        ("chinadaily-2020-11-27", "China Daily", "Mahidol University", "Thailand"),
        ("chinadaily-2020-11-27", "China Daily", "National University of Singapore", "Singapore"),
        ("chinadaily-2020-11-27", "China Daily", "Shanghai University of Science and Technology", "China"),
        ("prnewswire-2021-09-27", "PR Newswire", "Chinese Academy of Sciences", "China"),
        ("prnewswire-2021-09-27", "PR Newswire", "Guangxi University of Chinese Medicine", "China"),
        ("prnewswire-2021-09-27", "PR Newswire", "Mahidol University", "Thailand"),
    ],
    "10-network-membership": [
        ("2020-11-27", "2400", None, "China Daily", "chinadaily-2020-11-27", "5"),
        ("2021-09-27", "2600", "more than", "Bernama", "bernama-2021-09-27", "10"),
        ("2021-09-27", "2600", "more than", "PR Newswire", "prnewswire-2021-09-27", "3"),
    ],
    "11-matchmaking-statistics": [
        ("cooperation agreements signed", "560", "more than", "2013", "2020-11-27"),
        ("matchmaking sessions", "80", "more than", "2013", "2020-11-27"),
        ("participating enterprises", "7400", None, "2013", "2020-11-27"),
        ("participating projects", "4500", "more than", "2013", "2020-11-27"),
    ],
    "12-technology-fields": [
        (
            "Internet of Things",
            "China-ASEAN Information Harbor cooperation with telecommunication enterprises in the Philippines",
            "collaboration",
        ),
        ("big Earth data", "China-ASEAN Regional Innovation Center for Big Earth Data", "innovation centre"),
        (
            "big data",
            "China-ASEAN Information Harbor cooperation with telecommunication enterprises in the Philippines",
            "collaboration",
        ),
        ("biomedicine", "Recruitment of researchers from ASEAN countries to Guangxi", "programme"),
        (
            "chemical engineering",
            "Department of Science and Technology of Guangxi Zhuang Autonomous Region",
            "government department",
        ),
        ("chemical engineering", "Technology matchmaking sessions for ASEAN countries", "event series"),
        ("clean energy", "Clean Energy Innovation Cooperation Network", "network"),
        (
            "cloud computing",
            "China-ASEAN Information Harbor cooperation with telecommunication enterprises in the Philippines",
            "collaboration",
        ),
        (
            "crop variety breeding",
            "Agricultural research collaboration of Guangxi with ASEAN countries",
            "research collaboration",
        ),
        (
            "digital technology",
            "10th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
            "forum",
        ),
        (
            "digital technology",
            "China-ASEAN Digital Technology Promotion and Matchmaking Meeting",
            "matchmaking session",
        ),
        (
            "drug research and development",
            "Research on Anti-Novel Coronavirus Drugs Based on Chinese and Thai Natural Medicinal Materials",
            "research collaboration",
        ),
        (
            "electronic information",
            "Department of Science and Technology of Guangxi Zhuang Autonomous Region",
            "government department",
        ),
        ("electronic information", "Recruitment of researchers from ASEAN countries to Guangxi", "programme"),
        ("electronic information", "Technology matchmaking sessions for ASEAN countries", "event series"),
        (
            "environmental protection",
            "Recruitment of researchers from ASEAN countries to Guangxi",
            "programme",
        ),
        (
            "food processing",
            "Department of Science and Technology of Guangxi Zhuang Autonomous Region",
            "government department",
        ),
        ("food processing", "Technology matchmaking sessions for ASEAN countries", "event series"),
        ("forestry", "Recruitment of researchers from ASEAN countries to Guangxi", "programme"),
        ("health", "10th Forum on China-ASEAN Technology Transfer and Collaborative Innovation", "forum"),
        ("karst research", "Global karst research collaboration of Guangxi", "research collaboration"),
        ("karst research", "International Research Centre on Karst", "research centre"),
        ("mariculture", "Joint Research Center on Mariculture", "research centre"),
        ("medical equipment", "Recruitment of researchers from ASEAN countries to Guangxi", "programme"),
        (
            "modern agriculture",
            "Department of Science and Technology of Guangxi Zhuang Autonomous Region",
            "government department",
        ),
        ("modern agriculture", "Recruitment of researchers from ASEAN countries to Guangxi", "programme"),
        ("modern agriculture", "Technology matchmaking sessions for ASEAN countries", "event series"),
        (
            "new energy",
            "Department of Science and Technology of Guangxi Zhuang Autonomous Region",
            "government department",
        ),
        ("new energy", "Technology matchmaking sessions for ASEAN countries", "event series"),
        ("oceanography", "Recruitment of researchers from ASEAN countries to Guangxi", "programme"),
        (
            "public health",
            "China-ASEAN Public Health Science and Technology Cooperation Center",
            "research centre",
        ),
        (
            "rice planting and processing technology",
            "Agricultural research collaboration of Guangxi with ASEAN countries",
            "research collaboration",
        ),
        ("satellite navigation", "China-Malaysia Joint Beidou Application Laboratory", "joint laboratory"),
        (
            "smart city",
            "China-ASEAN Information Harbor cooperation with telecommunication enterprises in the Philippines",
            "collaboration",
        ),
        ("space science", "Recruitment of researchers from ASEAN countries to Guangxi", "programme"),
        ("traditional medicine", "China-Thailand Traditional Medicine Research Center", "research centre"),
        (
            "traditional medicine",
            "Department of Science and Technology of Guangxi Zhuang Autonomous Region",
            "government department",
        ),
        (
            "traditional medicine",
            "Research on Anti-Novel Coronavirus Drugs Based on Chinese and Thai Natural Medicinal Materials",
            "research collaboration",
        ),
        ("traditional medicine", "Technology matchmaking sessions for ASEAN countries", "event series"),
        (
            "vaccine research and development",
            "Cooperative Alliance on Vaccine Research and Development",
            "alliance",
        ),
    ],
    "15-asean-members": [
        ("Indonesia", "ID", "IDN", "360", "1967-08-08"),
        ("Malaysia", "MY", "MYS", "458", "1967-08-08"),
        ("Philippines", "PH", "PHL", "608", "1967-08-08"),
        ("Singapore", "SG", "SGP", "702", "1967-08-08"),
        ("Thailand", "TH", "THA", "764", "1967-08-08"),
        ("Brunei Darussalam", "BN", "BRN", "096", "1984-01-07"),
        ("Vietnam", "VN", "VNM", "704", "1995-07-28"),
        ("Laos", "LA", "LAO", "418", "1997-07-23"),
        ("Myanmar", "MM", "MMR", "104", "1997-07-23"),
        ("Cambodia", "KH", "KHM", "116", "1999-04-30"),
    ],
    "16-located-in-guangxi": [
        ("Guilin", None),
        ("Nanning", None),
        ("International Research Centre on Karst", "Guilin"),
        ("China-ASEAN Technology Transfer Center", "Nanning"),
        ("Department of Science and Technology of Guangxi Zhuang Autonomous Region", "Nanning"),
        ("Guangxi University of Chinese Medicine", "Nanning"),
        ("People's Government of Guangxi Zhuang Autonomous Region", "Nanning"),
    ],
    "17-conflicting-figures": [
        (
            "China-ASEAN technology transfer cooperation network",
            "network members",
            "2020-11-27",
            "2400",
            None,
            "chinadaily-2020-11-27",
        ),
        (
            "China-ASEAN technology transfer cooperation network",
            "network members",
            "2021-09-27",
            "2600",
            "more than",
            "bernama-2021-09-27",
        ),
        (
            "China-ASEAN technology transfer cooperation network",
            "network members",
            "2021-09-27",
            "2600",
            "more than",
            "prnewswire-2021-09-27",
        ),
        (
            "Inter-governmental bilateral technology transfer mechanisms",
            "countries",
            "2020-11-27",
            "9",
            None,
            "chinadaily-2020-11-27",
        ),
        (
            "Inter-governmental bilateral technology transfer mechanisms",
            "countries",
            "2021-09-27",
            "9",
            None,
            "bernama-2021-09-27",
        ),
        (
            "Inter-governmental bilateral technology transfer mechanisms",
            "countries",
            "2021-09-27",
            "9",
            None,
            "prnewswire-2021-09-27",
        ),
        (
            "Joint technology transfer working groups",
            "countries",
            "2020-11-27",
            "7",
            None,
            "chinadaily-2020-11-27",
        ),
        (
            "Joint technology transfer working groups",
            "countries",
            "2021-09-27",
            "7",
            None,
            "bernama-2021-09-27",
        ),
        (
            "Joint technology transfer working groups",
            "countries",
            "2021-09-27",
            "7",
            None,
            "prnewswire-2021-09-27",
        ),
    ],
    "18-enhancing-program": [
        (
            "1",
            "Deepening people-to-people exchanges and boosting friendship",
            "has component",
            "China-ASEAN Innovation and Entrepreneurship Camp",
        ),
        (
            "1",
            "Deepening people-to-people exchanges and boosting friendship",
            "has component",
            "Innovative talent exchange program",
        ),
        (
            "1",
            "Deepening people-to-people exchanges and boosting friendship",
            "has component",
            "Talented Young Scientist Program",
        ),
        (
            "1",
            "Deepening people-to-people exchanges and boosting friendship",
            "has component",
            "Technical training course for developing countries",
        ),
        (
            "2",
            "Enhancing cooperation on technology transfer and jointly building a prosperous home",
            "makes use of",
            "China-ASEAN Technology Transfer Center",
        ),
        (
            "3",
            "Expanding joint research and development and building innovation capacity",
            "makes use of",
            "China-ASEAN Public Health Science and Technology Cooperation Center",
        ),
        (
            "3",
            "Expanding joint research and development and building innovation capacity",
            "makes use of",
            "Clean Energy Innovation Cooperation Network",
        ),
        (
            "3",
            "Expanding joint research and development and building innovation capacity",
            "makes use of",
            "Cooperative Alliance on Vaccine Research and Development",
        ),
        (
            "3",
            "Expanding joint research and development and building innovation capacity",
            "makes use of",
            "Joint Research Center on Mariculture",
        ),
    ],
    "20-guangxi-std-work": [
        ("established", "China-ASEAN Regional Innovation Center for Big Earth Data", "prnewswire-2021-09-27"),
        (
            "established",
            "China-ASEAN Technology Transfer Center Bangkok Innovation Center",
            "bernama-2021-09-27",
        ),
        (
            "established",
            "China-ASEAN Technology Transfer Center Bangkok Innovation Center",
            "prnewswire-2021-09-27",
        ),
        ("established", "China-ASEAN technology transfer cooperation network", "bernama-2021-09-27"),
        ("established", "China-ASEAN technology transfer cooperation network", "prnewswire-2021-09-27"),
        (
            "established",
            "Guangxi Nanyang Scientific and Technological Innovation Center",
            "prnewswire-2021-09-27",
        ),
        ("established", "Joint technology transfer working groups", "bernama-2021-09-27"),
        ("established", "Joint technology transfer working groups", "prnewswire-2021-09-27"),
        (
            "implements",
            "Belt and Road Science, Technology and Innovation Cooperation Action Plan",
            "bernama-2021-09-27",
        ),
        (
            "implements",
            "Belt and Road Science, Technology and Innovation Cooperation Action Plan",
            "prnewswire-2021-09-27",
        ),
        (
            "is guided by",
            "Ministry of Science and Technology of the People's Republic of China",
            "bernama-2021-09-27",
        ),
        (
            "is guided by",
            "Ministry of Science and Technology of the People's Republic of China",
            "prnewswire-2021-09-27",
        ),
        (
            "supports",
            "China-ASEAN Information Harbor cooperation with telecommunication enterprises in the Philippines",
            "prnewswire-2021-09-27",
        ),
        ("supports", "China-ASEAN Technology Transfer Center", "bernama-2021-09-27"),
        ("supports", "China-ASEAN Technology Transfer Center", "prnewswire-2021-09-27"),
        ("supports", "China-Malaysia Joint Beidou Application Laboratory", "prnewswire-2021-09-27"),
        ("supports", "China-Thailand Traditional Medicine Research Center", "prnewswire-2021-09-27"),
        ("supports", "Inter-governmental bilateral technology transfer mechanisms", "bernama-2021-09-27"),
        ("supports", "Inter-governmental bilateral technology transfer mechanisms", "prnewswire-2021-09-27"),
        (
            "supports",
            "Joint research, development and promotion of key generic technologies by Guangxi and ASEAN countries",
            "bernama-2021-09-27",
        ),
        (
            "supports",
            "Joint research, development and promotion of key generic technologies by Guangxi and ASEAN countries",
            "prnewswire-2021-09-27",
        ),
        (
            "supports",
            "Research on Anti-Novel Coronavirus Drugs Based on Chinese and Thai Natural Medicinal Materials",
            "chinadaily-2020-11-27",
        ),
        (
            "supports",
            "Research on Anti-Novel Coronavirus Drugs Based on Chinese and Thai Natural Medicinal Materials",
            "prnewswire-2021-09-27",
        ),
    ],
    "21-organisations-by-kind": [
        ("university", "8"),
        ("news organisation", "4"),
        ("research centre", "4"),
        ("innovation centre", "3"),
        ("international organisation", "3"),
        ("alliance", "2"),
        ("network", "2"),
        ("platform", "2"),
        ("company", "1"),
        ("government", "1"),
        ("government department", "1"),
        ("joint laboratory", "1"),
        ("ministry", "1"),
        ("research institute", "1"),
        ("science park", "1"),
        ("technology transfer centre", "1"),
    ],
    "22-broadcasts": [
        ("2nd ASEAN Plus Three Young Scientist Innovation Forum", "China.com Facebook page"),
        (
            "2nd ASEAN Plus Three Young Scientist Innovation Forum",
            "Website of the Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
        ),
        ("China-ASEAN Technology Transfer Matchmakings at the 8th Forum", "China.com Facebook page"),
        (
            "China-ASEAN Technology Transfer Matchmakings at the 8th Forum",
            "Website of the Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
        ),
        (
            "Main forum of the 8th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
            "China.com Facebook page",
        ),
        (
            "Main forum of the 8th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
            "Website of the Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
        ),
        (
            "Opening ceremony of the 8th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
            "China.com Facebook page",
        ),
        (
            "Opening ceremony of the 8th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
            "Website of the Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
        ),
    ],
    "23-centres-in-asean": [
        ("China-ASEAN Technology Transfer Center Bangkok Innovation Center", "Thailand", "located in"),
        ("China-Malaysia Joint Beidou Application Laboratory", "Malaysia", "involves"),
        ("China-Thailand Traditional Medicine Research Center", "Thailand", "involves"),
        ("China-Thailand-ASEAN Innovation Port", "Thailand", "located in"),
    ],
    "24-statement-provenance": [
        (
            "Announcement of the China-ASEAN Science, Technology and Innovation Enhancing Program at the 10th Forum",
            "announcement-2022-09-15",
            "6",
            "10",
        ),
        (
            "Establishment of the China-ASEAN Technology Transfer Alliance at the 10th Forum",
            "announcement-2022-09-15",
            "7",
            "12",
        ),
        (
            "Launch of the China-ASEAN Big Earth Data Innovation Center project at the 8th Forum",
            "prnewswire-2020-11-26",
            "2",
            "3",
        ),
        (
            "Launch of the China-ASEAN Innovation and Entrepreneurship Camp at the 10th Forum",
            "announcement-2022-09-15",
            "7",
            "12",
        ),
        (
            "Launch of the China-ASEAN Innovation and Entrepreneurship Competition at the 10th Forum",
            "announcement-2022-09-15",
            "7",
            "12",
        ),
        (
            "Launch of the China-ASEAN Technology Trading Platform at the 9th Forum",
            "bernama-2021-09-27",
            "6",
            "18",
        ),
        (
            "Launch of the China-ASEAN Technology Trading Platform at the 9th Forum",
            "prnewswire-2021-09-27",
            "1",
            "1",
        ),
        (
            "Launch of the Innovation Space for China-ASEAN Science and Technology Talents at the 9th Forum",
            "bernama-2021-09-27",
            "6",
            "18",
        ),
        (
            "Launch of the Innovation Space for China-ASEAN Science and Technology Talents at the 9th Forum",
            "prnewswire-2021-09-27",
            "1",
            "1",
        ),
        (
            "Launch of the special China-ASEAN technology transfer initiative at the 10th Forum",
            "announcement-2022-09-15",
            "7",
            "12",
        ),
        (
            "Online unveiling of the CATTC Bangkok Innovation Center at the 8th Forum",
            "chinadaily-2020-11-27",
            "10",
            "17",
        ),
        (
            "Online unveiling of the CATTC Bangkok Innovation Center at the 8th Forum",
            "prnewswire-2020-11-26",
            "2",
            "3",
        ),
        (
            "Online unveiling of the China-Thailand-ASEAN Innovation Port at the 8th Forum",
            "chinadaily-2020-11-27",
            "10",
            "17",
        ),
        (
            "Online unveiling of the China-Thailand-ASEAN Innovation Port at the 8th Forum",
            "prnewswire-2020-11-26",
            "2",
            "3",
        ),
        (
            "Signing of the Guangxi-Chang'an University strategic cooperation agreement at the 8th Forum opening",
            "prnewswire-2020-11-26",
            "2",
            "3",
        ),
    ],
}


def _rows_13(rows: list[Row]) -> None:
    counts = dict(rows)
    assert all(int(n) >= 2 for n in counts.values())
    assert [int(n) for _, n in rows] == sorted((int(n) for _, n in rows), reverse=True)
    assert counts["Forum on China-ASEAN Technology Transfer and Collaborative Innovation"] == "5"
    assert counts["Department of Science and Technology of Guangxi Zhuang Autonomous Region"] == "5"
    assert counts["China-ASEAN Technology Transfer Center"] == "4"
    assert counts["Ministry of Science and Technology of the People's Republic of China"] == "4"
    assert counts["China-ASEAN technology transfer cooperation network"] == "3"
    assert counts["8th Forum on China-ASEAN Technology Transfer and Collaborative Innovation"] == "2"
    assert counts["9th Forum on China-ASEAN Technology Transfer and Collaborative Innovation"] == "2"
    assert (
        counts[
            "Research on Anti-Novel Coronavirus Drugs Based on Chinese and Thai Natural Medicinal Materials"
        ]
        == "2"
    )
    assert (
        counts[
            "Members of the China-ASEAN technology transfer cooperation network, as of 27 September 2021: more than 2,600"
        ]
        == "2"
    )
    # Stated by one source only, so absent.
    assert "10th Forum on China-ASEAN Technology Transfer and Collaborative Innovation" not in counts
    assert len(rows) == 38


def _rows_14(rows: list[Row]) -> None:
    graphs = {graph for graph, *_ in rows}
    assert graphs == {
        "announcement-2022-09-15",
        "bernama-2021-09-27",
        "prnewswire-2020-11-26",
        "prnewswire-2021-09-27",
        "reference/institutions",
    }
    for fact in [
        (
            "prnewswire-2020-11-26",
            "in",
            "organizer",
            "8th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
        ),
        (
            "announcement-2022-09-15",
            "in",
            "organizer",
            "10th Forum on China-ASEAN Technology Transfer and Collaborative Innovation",
        ),
        (
            "bernama-2021-09-27",
            "out",
            "supportedBy",
            "Department of Science and Technology of Guangxi Zhuang Autonomous Region",
        ),
        (
            "prnewswire-2021-09-27",
            "in",
            "establishedBy",
            "Inter-governmental bilateral technology transfer mechanisms",
        ),
        (
            "prnewswire-2020-11-26",
            "in",
            "subOrganizationOf",
            "China-ASEAN Technology Transfer Center Bangkok Innovation Center",
        ),
        (
            "announcement-2022-09-15",
            "in",
            "supports",
            "Ministry of Science and Technology of the People's Republic of China",
        ),
        (
            "announcement-2022-09-15",
            "in",
            "makesUseOf",
            "Enhancing cooperation on technology transfer and jointly building a prosperous home",
        ),
        ("reference/institutions", "out", "locatedIn", "Nanning"),
        ("reference/institutions", "out", "label", "中国—东盟技术转移中心"),
        ("prnewswire-2021-09-27", "out", "altLabel", "CATTC"),
    ]:
        assert fact in rows, fact


def _rows_19(rows: list[Row]) -> None:
    facts = {
        path.stem: len(Graph().parse(path, format="turtle"))
        for path in (REPO / "graph" / "facts").glob("*.ttl")
    }
    assert [row[0] for row in rows] == [
        "prnewswire-2020-11-26",
        "chinadaily-2020-11-27",
        "bernama-2021-09-27",
        "prnewswire-2021-09-27",
        "announcement-2022-09-15",
    ]
    by_source = {row[0]: row for row in rows}
    assert by_source["prnewswire-2020-11-26"][1:3] == ("2020-11-26", "PR Newswire")
    assert by_source["chinadaily-2020-11-27"][1:3] == ("2020-11-27", "China Daily")
    assert by_source["bernama-2021-09-27"][1:3] == ("2021-09-27", "Bernama")
    assert by_source["prnewswire-2021-09-27"][1:3] == ("2021-09-27", "PR Newswire")
    assert by_source["announcement-2022-09-15"][1:3] == (
        "2022-09-15",
        "unknown (site section: Announcement Board)",
    )
    assert by_source["bernama-2021-09-27"][4] == "001_a1e80d2799c41dd8"
    for source, row in by_source.items():
        assert int(row[6]) == facts[source], (
            f"{source}: triples in its named graph differ from its facts file"
        )
        assert int(row[5]) >= 1


KEY_FACTS: dict[str, Callable[[list[Row]], None]] = {
    "13-multi-source-facts": _rows_13,
    "14-cattc-profile": _rows_14,
    "19-sources": _rows_19,
}


def test_every_query_has_an_answer() -> None:
    names = {path.stem for path in query_files()}
    missing = sorted(names - set(EXPECTED) - set(KEY_FACTS))
    assert not missing, f"queries without an expected answer in {Path(__file__).name}: {missing}"
    stale = sorted((set(EXPECTED) | set(KEY_FACTS)) - names)
    assert not stale, f"expected answers for queries that no longer exist: {stale}"
    assert not set(EXPECTED) & set(KEY_FACTS)
    assert len(names) >= 20


@pytest.mark.parametrize("query", query_files(), ids=lambda path: path.stem)
def test_query_header_states_question_and_expected_answer(query: Path) -> None:
    text = query.read_text(encoding="utf-8")
    assert re.match(r"# Question: \S", text), f"{query.name} must start with '# Question: ...'"
    assert re.search(r"^# Expected: \S", text, re.MULTILINE), f"{query.name} needs an '# Expected: ...' line"
    assert "ORDER BY" in text, f"{query.name} needs ORDER BY so its rows are deterministic"


@pytest.mark.parametrize("query", query_files(), ids=lambda path: path.stem)
def test_competency_question_answer(cq_store: ox.Store, query: Path) -> None:
    rows = run(cq_store, query)
    if query.stem in KEY_FACTS:
        KEY_FACTS[query.stem](rows)
    elif query.stem in EXPECTED:
        assert rows == EXPECTED[query.stem]
    else:
        pytest.fail(
            f"{query.name} has no expected answer: add it to EXPECTED or KEY_FACTS in {Path(__file__).name}"
        )


def test_answers_do_not_depend_on_the_reasoner(cq_store: ox.Store) -> None:
    """The raw files, without inferred triples, give the same answers as the built graph."""
    raw = load_files(REPO)
    for query in query_files():
        assert run(raw, query) == run(cq_store, query), query.name
