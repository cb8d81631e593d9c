"""Write the build's Oxigraph exports (see `catkg.publish.write_exports`) in a fresh interpreter.

At scale the build hands these exports to another process so that they are written on the other core
while it draws GraphML and the network page. A fresh interpreter rather than a forked child, for two
reasons. A forked child keeps, copy-on-write, every page of the build's heap that the build touches
after the fork (refcounts alone touch most of them): 1.5 GB at 1M triples, where a fresh interpreter
holds only what it reads. And RocksDB, under Oxigraph's on-disk store, cannot open a database in a
forked child of a process that has opened one before: its background threads do not survive the fork
and the child waits for them forever.

The process starts at once, waits for a word on its standard input, then works:
`python -m catkg.export_process PARENT_PID OUT WORK PREFIXES_JSON SOURCE...`. It prints the seconds of
each step as JSON.
"""

from __future__ import annotations

import ctypes
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

GO = "go\n"
USAGE = "usage: python -m catkg.export_process PARENT_PID OUT WORK PREFIXES_JSON SOURCE..."


class ExportsFailed(RuntimeError):
    """The exports' process ended without writing them (its error output is the message)."""


class ExportsProcess:
    """The Oxigraph exports of the N-Quads files `sources` into `out`, written by a fresh interpreter
    started now; it begins once `go()` is called and `result()` waits for it.

    Started before it may go, so that it imports what it needs meanwhile. Linux kills it should the
    thread that started it end (see `_die_with`): start it from a thread that outlives the work.
    """

    def __init__(self, sources: Sequence[Path], out: Path, work: Path, prefixes: dict[str, str]) -> None:
        command = [
            sys.executable,
            "-m",
            "catkg.export_process",
            str(os.getpid()),
            str(out),
            str(work),
            json.dumps(prefixes, sort_keys=True),
            *map(str, sources),
        ]
        self._going = False
        self._process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )

    def go(self) -> None:
        """Let the process begin (once; nothing if it was closed)."""
        if self._going or self._process.returncode is not None:
            return
        self._going = True
        try:
            self._process.stdin.write(GO)
            self._process.stdin.flush()
        except OSError:  # it has died already: `result` says so
            pass

    def result(self) -> dict[str, float]:
        """Each step's seconds, once the process is done (it is let go first if it was not yet);
        ExportsFailed if it failed or died."""
        self.go()
        stdout, stderr = self._process.communicate()
        if self._process.returncode != 0:
            code, error = self._process.returncode, stderr.strip()[-2000:]
            raise ExportsFailed(f"the exports' process ended with exit code {code}: {error}")
        return json.loads(stdout)

    def close(self) -> None:
        """Stop the process if it still runs (its exports are no longer wanted)."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.communicate()


def _die_with(parent: int) -> bool:
    """Have Linux kill this process when `parent` dies; False if it has died already.

    A build killed while this process writes would otherwise leave it running, writing into a staging
    folder that is being removed.
    """
    set_parent_death_signal = 1  # PR_SET_PDEATHSIG, from <linux/prctl.h>
    ctypes.CDLL(None, use_errno=True).prctl(set_parent_death_signal, signal.SIGKILL)
    return os.getppid() == parent


def main(argv: list[str]) -> int:
    """Exit 0 written, 1 parent gone or never let go, 2 bad usage; other errors raise."""
    if len(argv) < 5 or not argv[0].isdigit():
        print(USAGE, file=sys.stderr)
        return 2
    if not _die_with(int(argv[0])):
        return 1
    # Imported while it waits to be let go.
    from catkg.publish import write_exports

    if sys.stdin.readline() != GO:
        return 1
    timings: dict[str, float] = {}

    @contextmanager
    def timed(step: str) -> Iterator[None]:
        began = time.perf_counter()
        yield
        timings[step] = time.perf_counter() - began

    out, work, prefixes = Path(argv[1]), Path(argv[2]), json.loads(argv[3])
    timings.update(write_exports([Path(source) for source in argv[4:]], out, work, timed, prefixes))
    print(json.dumps(timings))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
