"""Run a call in a daemon thread and hand its outcome over as a future."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")


def start_thread(call: Callable[[], T], name: str) -> Future[T]:
    """`call()` in a new daemon thread; its result or exception arrives in the returned future.

    For work that waits outside the interpreter (a JVM, or Oxigraph, which releases the GIL while it
    evaluates a query), so the Python stages proceed meanwhile. A daemon thread: an interrupted or failed
    build exits at once instead of waiting, at interpreter exit, for an answer nobody will read (a pool's
    worker threads are always joined).
    """
    future: Future[T] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(call())
        except BaseException as error:  # handed to whoever waits on the future
            future.set_exception(error)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future
