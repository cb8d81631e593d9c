"""The README tells the truth: its two set-up commands come first, and every command it shows runs.

Every ```bash block of the README is parsed into commands. The first two are the set-up commands
(exercised by `.ci/run` and by the fresh-clone build test); every other one is run, in README
order, in a copy of the project, and where a ```text block follows a one-command block, the
command must print exactly that text. A command added to the README is run here automatically;
one this file cannot run (it fails, hangs or needs a step the README does not describe) fails.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO

README = REPO / "README.md"
SETUP = ("pip install -e . && python build.py", "pip install -e '.[test]' && python -m pytest -n 2")
# The set-up commands cannot run inside the test suite (one installs, one runs the suite itself):
# where each is exercised instead.
SETUP_EXERCISED_BY = {
    SETUP[0]: ("tests/test_build.py", "test_fresh_clone_builds_in_a_new_virtual_environment"),
    SETUP[1]: (".ci/run", None),
}
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.DOTALL | re.MULTILINE)
README_PORT = "127.0.0.1:7878"
ARTICLE = (
    "Nanning, 14 September 2023 -- The 11th Forum on China-ASEAN Technology Transfer and Collaborative "
    "Innovation opened in Nanning on Thursday.\n"
    "The forum was hosted by the Ministry of Science and Technology of the People's Republic of China.\n"
    "The China-ASEAN technology transfer cooperation network now has more than 2,800 members.\n"
)


@dataclass
class Command:
    """One command of a ```bash block, and the ```text block shown as its output, if any."""

    text: str
    block: int
    output: str | None = None
    background: bool = False


def split_commands(block: str) -> list[str]:
    """The commands of a bash block: comments and blank lines dropped, quoted newlines kept."""
    commands: list[str] = []
    pending, joiner = "", "\n"
    for line in block.splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        pending = f"{pending}{joiner}{line}" if pending else line
        joiner = "\n"
        if pending.endswith("\\"):  # a backslash continues the command on the next line
            pending, joiner = pending[:-1].rstrip(), " "
            continue
        try:
            shlex.split(pending)
        except ValueError:  # an open quote: the command goes on on the next line
            continue
        commands.append(pending.strip())
        pending = ""
    assert not pending, f"unterminated command in the README: {pending!r}"
    return commands


def readme_commands(text: str) -> list[Command]:
    """Every command of the README's bash blocks, in order, with the output shown after it."""
    blocks = list(FENCE.finditer(text))
    commands: list[Command] = []
    for index, block in enumerate(blocks):
        if block.group(1) != "bash":
            continue
        found = [Command(c, index, background=c.endswith("&")) for c in split_commands(block.group(2))]
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if (
            following is not None
            and following.group(1) == "text"
            and not text[block.end() : following.start()].strip()
        ):
            assert len(found) == 1, f"a text block shows the output of one command, not {len(found)}"
            found[0].output = following.group(2)
        commands.extend(found)
    return commands


def test_readme_starts_with_exactly_the_two_setup_commands() -> None:
    text = README.read_text(encoding="utf-8")
    before_first_section = text.split("\n## ", 1)[0]
    blocks = [b for b in FENCE.finditer(before_first_section)]
    assert [(b.group(1), b.group(2).strip()) for b in blocks] == [("bash", c) for c in SETUP]
    assert [c.text for c in readme_commands(text)[:2]] == list(SETUP)


def test_ci_runs_the_second_setup_command_verbatim() -> None:
    lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert SETUP[1] in [line.strip() for line in lines]


def test_first_setup_command_is_exercised_by_the_fresh_clone_test() -> None:
    path, name = SETUP_EXERCISED_BY[SETUP[0]]
    source = (REPO / path).read_text(encoding="utf-8")
    body = source.split(f"def {name}(", 1)[1].split("\ndef ", 1)[0]
    assert '"install"' in body and '"-e"' in body and '"build.py"' in body


def test_command_parser_keeps_quoted_newlines_and_output_blocks() -> None:
    text = (
        "```bash\npip install x\n```\n\n"
        "```bash\n# a comment\ncatkg query 'SELECT *\nWHERE {}' --format csv\n```\n\n```text\na,b\n```\n"
        "```bash\nserver --bind 127.0.0.1:1 &\nclient \\\n  --flag\n```\n"
    )
    commands = readme_commands(text)
    assert [c.text for c in commands] == [
        "pip install x",
        "catkg query 'SELECT *\nWHERE {}' --format csv",
        "server --bind 127.0.0.1:1 &",
        "client   --flag",
    ]
    assert commands[1].output == "a,b\n" and commands[2].background and commands[3].output is None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, f"the background command exited with {server.returncode}"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on port {port} after {timeout} s")


def _accept_candidates(facts: Path) -> None:
    """The README's edit step: delete the '# ' before the candidate statements the article supports."""
    lines, accepting = [], False
    for line in facts.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            accepting = any(
                key in line for key in ("new: 11th Forum", "held in:", "hosted by:", "statistic:")
            )
        elif not line.strip():
            accepting = False
        elif accepting and line.startswith("# "):
            line = line[2:]
        lines.append(line)
    facts.write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_readme(commands: list[Command], project: Path) -> list[tuple[Command, str]]:
    """Run the commands in `project` as a user would, in order; return each with what it printed."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "CLICOLOR_FORCE")}
    env.update({"NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "100"})
    servers: list[subprocess.Popen] = []
    printed: list[tuple[Command, str]] = []
    try:
        for command in commands:
            line = command.text.replace(README_PORT, f"127.0.0.1:{port}")
            if line.startswith("catkg draft "):
                (project / "article.txt").write_text(ARTICLE, encoding="utf-8")
            if line == "catkg build" and list((project / "graph" / "facts").glob("example-*.ttl")):
                for facts in (project / "graph" / "facts").glob("example-*.ttl"):
                    _accept_candidates(facts)
            if command.background:
                server = subprocess.Popen(
                    ["bash", "-c", line.removesuffix("&").strip()],
                    cwd=project,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    start_new_session=True,
                )
                servers.append(server)
                _wait_for_port(port, server)
                printed.append((command, ""))
                continue
            done = subprocess.run(
                ["bash", "-c", line], cwd=project, env=env, capture_output=True, text=True, timeout=300
            )
            assert done.returncode == 0, f"README command failed ({done.returncode}): {line}\n{done.stderr}"
            printed.append((command, done.stdout))
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
    return printed


def mismatches(printed: list[tuple[Command, str]]) -> list[str]:
    """One message per command whose output differs from the one the README shows after it."""
    return [
        f"`{command.text}` prints this now; update the README:\n{output}"
        for command, output in printed
        if command.output is not None and output.rstrip() != command.output.rstrip()
    ]


@pytest.mark.slow
def test_every_readme_command_runs_in_a_copy_and_prints_what_the_readme_shows(
    tmp_path: Path, chromium_path: str
) -> None:
    assert shutil.which("catkg"), "the catkg command is not installed (pip install -e .)"
    project = tmp_path / "project"
    for part in ("ontology", "graph", "queries", "scripts", "build.py"):
        source = REPO / part
        (shutil.copytree if source.is_dir() else shutil.copy)(source, project / part)
    commands = readme_commands(README.read_text(encoding="utf-8"))
    assert [c.text for c in commands[:2]] == list(SETUP)
    printed = run_readme(commands[2:], project)
    assert len(printed) == len(commands) - 2 >= 8
    assert mismatches(printed) == []
    # What the tour promises exists: the picture, the ego page, the new source, the pushed data.
    assert (project / "docs" / "network.png").stat().st_size > 10_000
    assert (project / "cambodia.html").exists()
    assert (project / "graph" / "facts" / "example-2023-09-14.ttl").exists()
    diff = dict((c.text, out) for c, out in printed)["catkg diff graph/facts/example-2023-09-14.ttl"]
    assert "new entities" in diff and "event/forum-2023" in diff


def test_a_readme_command_that_fails_fails_the_run(tmp_path: Path) -> None:
    broken = readme_commands("```bash\ncatkg query no-such-question\n```\n")
    with pytest.raises(AssertionError, match="README command failed"):
        run_readme(broken, tmp_path)


def test_readme_output_that_differs_from_the_real_output_is_caught() -> None:
    shown = readme_commands("```bash\necho 2400\n```\n\n```text\n2600\n```\n")
    printed = run_readme(shown, REPO)
    assert printed[0][1] == "2400\n"
    assert mismatches(printed) == ["`echo 2400` prints this now; update the README:\n2400\n"]
