"""Atomic replacement of the output directory: readers see the old build or the new one, never half."""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import tempfile
from pathlib import Path

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one system call (Linux renameat2); False where that is unavailable."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def _fresh_beside(out: Path, kind: str) -> Path:
    """An empty directory `.{out's name}.{kind}-{this process}` beside `out`, which `recover` removes
    once this process is gone."""
    out.parent.mkdir(parents=True, exist_ok=True)
    directory = out.parent / f".{out.name}.{kind}-{os.getpid()}"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir()
    return directory


def staging_dir(out: Path) -> Path:
    """A fresh directory beside `out` to build into (same file system, so the swap is a rename)."""
    recover(out)
    return _fresh_beside(out, "building")


def scratch_dir(out: Path | None) -> Path:
    """A fresh directory for a build's working files: beside `out` (so `recover` removes it should the
    build be killed), or a temporary one for a build that writes no output."""
    if out is None:
        return Path(tempfile.mkdtemp(prefix="catkg-build-"))
    return _fresh_beside(out, "scratch")


def recover(out: Path) -> None:
    """Undo what an interrupted build left: restore a moved-away output, drop dead staging dirs."""
    for leftover in out.parent.glob(f".{out.name}.*-*"):
        kind, _, pid = leftover.name.rpartition("-")
        if pid.isdigit() and _alive(int(pid)) and int(pid) != os.getpid():
            continue
        if kind.endswith(".previous") and not out.exists():
            leftover.rename(out)
        else:
            shutil.rmtree(leftover, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def swap_in(staging: Path, out: Path) -> None:
    """Make `staging` the new `out`; the previous output is removed only after the switch."""
    if out.exists() and _exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)
        return
    previous = out.parent / f".{out.name}.previous-{os.getpid()}"
    if out.exists():
        out.rename(previous)
    staging.rename(out)
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(previous)
