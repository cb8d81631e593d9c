"""The notebooks run end to end under nbclient, and their own assertions hold on the real graph."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from catkg.build import build
from tests.conftest import REPO

NOTEBOOKS = REPO / "notebooks"


def execute(name: str, monkeypatch: pytest.MonkeyPatch, **env: str) -> nbformat.NotebookNode:
    """Run notebooks/<name> in a fresh kernel (from the notebooks folder) with `env` set; return it run."""
    for key, value in env.items():
        monkeypatch.setenv(key, value)  # the kernel inherits the test's environment
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    client.execute()
    return notebook


def outputs(notebook: nbformat.NotebookNode) -> list[dict]:
    """Every output of every code cell, in order."""
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]


def stdout(notebook: nbformat.NotebookNode) -> str:
    """Everything the notebook printed."""
    return "".join(o.get("text", "") for o in outputs(notebook) if o.get("name") == "stdout")


@pytest.mark.parametrize("name", ["explore.ipynb", "curation.ipynb"])
def test_notebooks_are_committed_without_outputs(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code
    assert [c for c in code if c.outputs or c.execution_count is not None] == []


@pytest.mark.slow
def test_explore_notebook_runs_on_the_real_build_and_its_checks_hold(
    real_dist: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notebook = execute("explore.ipynb", monkeypatch, CATKG_DIST=str(real_dist), CATKG_ROOT=str(REPO))
    printed = stdout(notebook)
    assert "all checks passed" in printed
    assert "Forum on China-ASEAN Technology Transfer and Collaborative Innovation" in printed
    # Three figures (timeline, heat map, membership) and the network page inline.
    pictures = [o for o in outputs(notebook) if "image/png" in o.get("data", {})]
    assert len(pictures) == 3
    pages = [
        o["data"]["text/html"]
        for o in outputs(notebook)
        if "<iframe srcdoc=" in o.get("data", {}).get("text/html", "")
    ]
    assert len(pages) == 1 and "vis-network" in pages[0]


@pytest.mark.slow
def test_explore_notebook_checks_fail_on_a_graph_that_tells_another_story(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from catkg.synthetic import generate

    project = tmp_path / "synthetic"
    generate(project, 1500, seed=3)
    assert build(project, project / "dist", reasoner=False).exit_code == 0
    with pytest.raises(CellExecutionError) as failure:
        execute("explore.ipynb", monkeypatch, CATKG_DIST=str(project / "dist"), CATKG_ROOT=str(project))
    # Every cell before the checks ran; the checks cell stopped it, on the forum's ordinals.
    assert failure.value.ename == "AssertionError"
    assert 'forum_editions["ordinal"].tolist() == [8, 9, 10]' in str(failure.value)


def _tree_digest(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): hash(p.read_bytes()) for p in folder.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_curation_notebook_drafts_accepts_builds_and_diffs_a_source_on_a_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _tree_digest(REPO / "graph")
    notebook = execute("curation.ipynb", monkeypatch, CATKG_ROOT=str(REPO), CATKG_WORK=str(tmp_path / "work"))
    printed = stdout(notebook)
    for command in (
        "$ catkg draft article.txt",
        "$ catkg build",
        "$ catkg diff graph/facts/",
        "$ catkg query",
    ):
        assert command in printed
    assert "11th Forum on China-ASEAN Technology Transfer and Collaborative Innovation,2023-09-14" in printed
    assert "\x1b[" not in printed  # plain text, no terminal colour codes
    assert _tree_digest(REPO / "graph") == before  # the curated graph itself is never touched
    assert not (tmp_path / "work").exists()  # and the copy is cleaned up


def test_curation_notebook_checks_fail_when_the_draft_links_nothing_it_expects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The mini fixture knows none of the article's countries: the notebook must stop, not carry on.
    with pytest.raises(CellExecutionError) as failure:
        execute(
            "curation.ipynb",
            monkeypatch,
            CATKG_ROOT=str(REPO / "tests" / "fixtures" / "mini"),
            CATKG_WORK=str(tmp_path / "work"),
        )
    assert failure.value.ename == "AssertionError"
