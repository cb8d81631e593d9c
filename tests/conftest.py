"""Shared fixtures: project copies to mutate, one real build per test session, a Chromium finder."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
MINI = FIXTURES / "mini"
SEEDS = REPO.parent / "shared" / "seeds"
CHROMIUM = Path("/usr/bin/chromium")
PROJECT_PARTS = ("ontology", "graph", "queries")


def process_exited(pid: int) -> bool:
    """The process has ended (a zombie waiting to be reaped holds no memory any more)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "State:\tZ" in status


def copy_project(source: Path, target: Path) -> Path:
    """Copy a project's curated parts (ontology/, graph/, queries/) into `target`."""
    target.mkdir(parents=True, exist_ok=True)
    for part in PROJECT_PARTS:
        if (source / part).exists():
            shutil.copytree(source / part, target / part)
    return target


def run_catkg(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the `catkg` CLI in a fresh interpreter, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "catkg", *args],
        cwd=cwd or REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def tree_digest(folder: Path) -> dict[str, str]:
    """sha256 of every file under `folder`, by relative path."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def built(project: Path, out: Path) -> Path:
    """Build `project` into `out` and return `out`; the build must pass."""
    from catkg.build import build

    result = build(project, out)
    assert result.exit_code == 0, [f.format() for f in result.findings]
    return out


@pytest.fixture
def mini_project(tmp_path: Path) -> Path:
    """A writable copy of the tiny fixture project."""
    return copy_project(MINI, tmp_path / "project")


@pytest.fixture
def real_project(tmp_path: Path) -> Path:
    """A writable copy of the real curated project."""
    return copy_project(REPO, tmp_path / "project")


@pytest.fixture(scope="session")
def real_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real project built once per test session (per xdist worker) into a temporary dist/."""
    return built(REPO, tmp_path_factory.mktemp("real") / "dist")


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """Debian's Chromium; skipped where absent, except under CI where its absence is a failure."""
    if CHROMIUM.exists():
        return str(CHROMIUM)
    if os.environ.get("CI") == "true":
        pytest.fail("/usr/bin/chromium is missing: .ci/run must install Debian's chromium package")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
