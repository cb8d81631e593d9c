"""The store loader that a forked child runs in a fresh interpreter."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from catkg.store_load import load_store, load_store_in_fresh_process, main


def test_a_fresh_process_loads_every_quad_of_a_trig_file(tmp_path: Path) -> None:
    quads = [
        ox.Quad(
            ox.NamedNode(f"urn:s{i}"),
            ox.NamedNode("urn:p"),
            ox.Literal(str(i)),
            ox.NamedNode(f"urn:g{i % 3}"),
        )
        for i in range(50)
    ]
    ox.serialize(quads, tmp_path / "graph.trig", ox.RdfFormat.TRIG)
    load_store_in_fresh_process(tmp_path / "graph.trig", tmp_path / "fresh")
    load_store(quads, tmp_path / "here")
    fresh, here = (sorted(map(str, ox.Store.read_only(str(tmp_path / d)))) for d in ("fresh", "here"))
    assert fresh == here and len(fresh) == 50


def test_a_failed_load_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken.trig").write_text("<urn:a> <urn:b> .\n")
    with pytest.raises(RuntimeError, match=r"broken\.trig"):
        load_store_in_fresh_process(tmp_path / "broken.trig", tmp_path / "store")


def test_the_loader_refuses_bad_usage() -> None:
    assert main([]) == 2
