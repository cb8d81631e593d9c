"""Bulk-load quads into an on-disk Oxigraph store, in this process or in a fresh one.

RocksDB, under Oxigraph's on-disk store, cannot open a database in a forked child of a process that
has opened one before: its background threads do not survive the fork and the child waits for them
forever. A forked child that must write a store (the build's exports at scale) therefore has a fresh
interpreter load it from the TriG file it has just written: `python -m catkg.store_load TRIG STORE PID`.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import signal
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

# Oxigraph's bulk loader holds what it is given in memory (1.5 GB for 1.8M quads): in slices its memory
# stays bounded (+0.45 GB instead of +1.5 GB at 1M triples) for half again the time.
# (`Store.bulk_load` of the TriG file would take half the time, but it renames every blank node: the
# store's labels would then differ from graph.trig's and from one build to the next.)
STORE_SLICE = 500_000


def load_store(quads: Iterable[ox.Quad], directory: Path) -> None:
    """Create the store at `directory` holding `quads`, bulk-loaded slice by slice."""
    store = ox.Store(str(directory))
    quads = iter(quads)
    while chunk := list(itertools.islice(quads, STORE_SLICE)):
        store.bulk_extend(chunk)
    store.flush()


def load_store_in_fresh_process(trig: Path, directory: Path) -> None:
    """`load_store` of the quads of the TriG file `trig`, run by a new interpreter (see the module's note)."""
    command = [sys.executable, "-m", "catkg.store_load", str(trig), str(directory), str(os.getpid())]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"loading {trig} into {directory} failed: {done.stderr.strip()[-2000:]}")


def _die_with(parent: int) -> bool:
    """Have Linux kill this process when `parent` dies; False if it has died already.

    A build killed while its exports' child waits for this loader would otherwise leave it running,
    writing into a staging folder that is being removed.
    """
    set_parent_death_signal = 1  # PR_SET_PDEATHSIG, from <linux/prctl.h>
    ctypes.CDLL(None, use_errno=True).prctl(set_parent_death_signal, signal.SIGKILL)
    return os.getppid() == parent


def main(argv: list[str]) -> int:
    """`python -m catkg.store_load TRIG STORE PARENT_PID`: exit 0 loaded, 1 parent gone, 2 bad usage."""
    if len(argv) != 3 or not argv[2].isdigit():
        print("usage: python -m catkg.store_load TRIG STORE PARENT_PID", file=sys.stderr)
        return 2
    if not _die_with(int(argv[2])):
        return 1
    trig, directory = Path(argv[0]), Path(argv[1])
    load_store(ox.parse(path=str(trig), format=ox.RdfFormat.TRIG), directory)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
