"""A call in a forked child returns its answer, re-raises its error, or is killed at the deadline."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from conftest import process_exited

from catkg.forked import ChildDied, DeadlinePassed, ForkedCall, call_in_fork


def _square(x: int) -> int:
    return x * x


def _fail() -> None:
    raise ValueError("bad value 7")


def _sleep_and_record(path: str) -> None:
    with open(path, "w") as handle:
        handle.write(str(os.getpid()))
    time.sleep(60)


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_answer_comes_back() -> None:
    assert call_in_fork(_square, 12, timeout=30) == 144


def test_error_is_reraised_in_the_parent() -> None:
    with pytest.raises(ValueError, match="bad value 7"):
        call_in_fork(_fail, timeout=30)


def test_deadline_kills_the_child(tmp_path) -> None:
    marker = tmp_path / "pid"
    with pytest.raises(DeadlinePassed, match=r"stopped after 0\.5 s"):
        call_in_fork(_sleep_and_record, str(marker), timeout=0.5)
    pid = int(marker.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_child_killed_by_a_signal_is_reported() -> None:
    with pytest.raises(ChildDied, match="exit code -9"):
        call_in_fork(_die, timeout=30)


def test_a_started_call_runs_beside_the_parent_and_answers_later(tmp_path) -> None:
    marker = tmp_path / "pid"
    job = ForkedCall(_sleep_and_record, str(marker))
    try:
        deadline = time.monotonic() + 30
        # The file exists as soon as the child opens it, before the child has written its pid.
        while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
            time.sleep(0.01)
        pid = int(marker.read_text())
        assert pid != os.getpid()
        os.kill(pid, 0)  # still running while the parent went on
    finally:
        job.close()  # a failed check must not leave the child to the next test
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert ForkedCall(_square, 7).result() == 49


def _large_answer(marker: Path) -> str:
    marker.write_text(str(os.getpid()))
    return "x" * 2_000_000  # far beyond a pipe's 64 KiB buffer


def test_a_child_with_a_large_answer_exits_before_the_answer_is_asked_for(tmp_path: Path) -> None:
    # Otherwise it would stay alive, holding its copy-on-write pages, until the parent read the pipe.
    marker = tmp_path / "pid"
    job = ForkedCall(_large_answer, marker)
    deadline = time.monotonic() + 20
    while not (marker.exists() and marker.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    pid = int(marker.read_text())
    while not process_exited(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process_exited(pid)
    assert job.result() == "x" * 2_000_000


def test_a_child_does_not_outlive_a_killed_parent() -> None:
    # A build killed with SIGKILL cannot stop its children; they must notice and end by themselves.
    script = (
        "import time\n"
        "from catkg.forked import ForkedCall\n"
        "job = ForkedCall(time.sleep, 60)\n"
        "print(job._process.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        child = psutil.Process(int(parent.stdout.readline()))
    finally:
        parent.kill()
        parent.wait()
    try:
        child.wait(timeout=10)
    except psutil.TimeoutExpired:
        child.kill()
        pytest.fail("the forked child outlived the process that forked it")
