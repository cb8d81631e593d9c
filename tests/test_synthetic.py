"""The synthetic corpus generator writes a valid, deterministic project of about the asked size."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset

from catkg.build import build
from catkg.synthetic import generate


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A ~5k-triple synthetic project, generated once for this module."""
    root = tmp_path_factory.mktemp("synthetic") / "project"
    return root, generate(root, 5000, seed=7)


def test_synthetic_corpus_passes_every_check_strictly(corpus: tuple[Path, int]) -> None:
    root, _ = corpus
    result = build(root, root / "dist", strict=True, force=True)
    assert result.exit_code == 0, "\n".join(f.format() for f in result.findings)
    assert result.findings == []
    assert (root / "dist" / "report.json").is_file()


def test_synthetic_corpus_has_about_the_asked_size_and_the_real_layout(corpus: tuple[Path, int]) -> None:
    root, count = corpus
    assert 5000 <= count < 5000 + 400
    parsed = sum(
        len(Dataset().parse(path, format="turtle")) for path in sorted((root / "graph").rglob("*.ttl"))
    )
    assert parsed == count
    facts = sorted((root / "graph" / "facts").glob("*.ttl"))
    assert len(facts) > 10
    assert (root / "graph" / "sources.ttl").is_file()
    assert sorted(p.name for p in (root / "graph" / "reference").glob("*.ttl")) == [
        "places.ttl",
        "vocabularies.ttl",
    ]
    assert (root / "ontology" / "catkg.ttl").read_bytes() == (
        Path(__file__).resolve().parents[1] / "ontology" / "catkg.ttl"
    ).read_bytes()


def test_synthetic_corpus_models_every_kind_of_fact(corpus: tuple[Path, int]) -> None:
    root, _ = corpus
    text = "\n".join(p.read_text(encoding="utf-8") for p in (root / "graph").rglob("*.ttl"))
    for cls in (
        "EventSeries",
        "Edition",
        "SideEvent",
        "Person",
        "Post",
        "Participation",
        "Launch",
        "Statistic",
        "Agreement",
        "Country",
        "Paragraph",
    ):
        assert f"a cat:{cls}" in text, cls


def test_same_seed_gives_identical_files_and_another_seed_differs(tmp_path: Path) -> None:
    def files(root: Path) -> dict[str, bytes]:
        return {
            p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "graph").rglob("*.ttl"))
        }

    generate(tmp_path / "a", 1500, seed=1)
    generate(tmp_path / "b", 1500, seed=1)
    generate(tmp_path / "c", 1500, seed=2)
    assert files(tmp_path / "a") == files(tmp_path / "b")
    assert files(tmp_path / "a") != files(tmp_path / "c")
