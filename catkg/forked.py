"""Run a call in a forked child that is killed at a deadline.

pyoxigraph cannot cancel a running query and rdflib cannot be interrupted either, so a query that
must be stopped runs in a child process: the child shares the parent's in-memory store or dataset
copy-on-write, sends back a picklable answer, and is killed if the deadline passes first.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
# How often a child checks that the process that forked it is still there.
PARENT_POLL_S = 0.5


class DeadlinePassed(Exception):
    """The call did not finish within its time limit; the child was killed."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"stopped after {seconds:g} s")
        self.seconds = seconds


class ChildDied(Exception):
    """The child process ended without answering (killed by a signal or out of memory)."""


def _exit_with(parent: int) -> None:
    """End this child once `parent` is gone (polled: a killed build's children would otherwise finish
    their work, up to a minute at 1M triples, writing into a staging folder nobody will swap in)."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_S)
    os._exit(1)


def _answer(target: Callable[..., T], args: tuple[object, ...], conn: object, parent: int) -> None:
    threading.Thread(target=_exit_with, args=(parent,), name="exit-with-parent", daemon=True).start()
    # The child's garbage collections would otherwise walk, and so copy, every inherited object.
    gc.freeze()
    try:
        result: tuple[str, object] = ("ok", target(*args))
    except Exception as error:  # re-raised in the parent, where it can be reported cleanly
        result = ("error", error)
    try:
        conn.send(result)
    except Exception as error:  # an answer or exception that cannot be pickled
        conn.send(("error", RuntimeError(f"{type(error).__name__}: {error}")))


class ForkedCall(Generic[T]):
    """`target(*args)` started now in a forked child; `result()` collects its answer later.

    The child shares the parent's memory copy-on-write, so a CPU-bound Python call can run on the
    other core beside the parent without pickling its input.
    """

    def __init__(self, target: Callable[..., T], *args: object) -> None:
        context = multiprocessing.get_context("fork")
        self._receiver, sender = context.Pipe(duplex=False)
        self._process = context.Process(target=_answer, args=(target, args, sender, os.getpid()), daemon=True)
        self._process.start()
        sender.close()
        self._answer: tuple[str, object] | None = None
        # The answer is read as soon as it is sent: a child whose answer outgrows the pipe's buffer
        # would otherwise stay alive, holding its copy-on-write pages (1.4 GB at 1M triples), until
        # the parent asked for it.
        self._reader = threading.Thread(target=self._read, name="forked-answer", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            self._answer = self._receiver.recv()
        except (EOFError, OSError):
            self._answer = None

    def result(self, timeout: float | None = None) -> T:
        """The call's value (or its exception, re-raised); DeadlinePassed after `timeout` seconds."""
        try:
            self._reader.join(timeout)
            if self._reader.is_alive():
                raise DeadlinePassed(timeout or 0.0)
            if self._answer is None:
                # The pipe can close before the child is reaped; wait for it so its exit code is known.
                self._process.join(timeout=10)
                raise ChildDied(f"the child process died (exit code {self._process.exitcode})")
            kind, payload = self._answer
        finally:
            self.close()
        if kind == "error":
            raise payload
        return payload

    def close(self) -> None:
        """Stop the child if it still runs (its answer is no longer wanted) and release the pipe."""
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._reader.join()  # the pipe is at its end once the child is gone
        self._receiver.close()


def call_in_fork(target: Callable[..., T], *args: object, timeout: float) -> T:
    """`target(*args)` computed in a forked child; raises DeadlinePassed after `timeout` seconds."""
    return ForkedCall(target, *args).result(timeout)
