"""What `tracker run` does at a terminal: live progress on stderr, and Ctrl-C that stops cleanly.

Progress is shown only when stderr is a terminal (nothing extra in cron mail or a pipe). The
first SIGINT asks the run to stop after the sources in progress (``stop``); a second one
quits at once (the run row left open is closed as ``interrupted`` by the next run).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import TYPE_CHECKING

import click

from tracker.vocab import outcome_word

if TYPE_CHECKING:  # the run itself is imported where a run starts: read commands stay light
    from tracker.config.sources import Source
    from tracker.run.check import SourceResult

EXIT_INTERRUPTED = 130
"""128 + SIGINT, what a shell reports for a command stopped by Ctrl-C."""

STOPPING = "stopping after the sources in progress (Ctrl-C again to quit now)"


class Progress:
    """One line per source on stderr: "[3/12] cigna-0525 fetching … (4 s)" as it starts, its outcome as it ends."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.started = time.monotonic()
        self.lock = threading.Lock()
        self.numbers: dict[str, int] = {}

    def _elapsed(self) -> str:
        return f"{time.monotonic() - self.started:.1f} s"

    def start(self, source: Source) -> None:
        """A source's fetch begins (called from a fetching thread)."""
        with self.lock:
            number = self.numbers.setdefault(source.id, len(self.numbers) + 1)
            click.echo(f"[{number}/{self.total}] {source.id} fetching … ({self._elapsed()})", err=True)

    def end(self, result: SourceResult) -> None:
        """A source's outcome is known."""
        with self.lock:
            number = self.numbers.setdefault(result.source.id, len(self.numbers) + 1)
            word = outcome_word(result.outcome)
            detail = f" ({result.error_class})" if result.error_class else ""
            click.echo(f"[{number}/{self.total}] {result.source.id} {word}{detail} ({self._elapsed()})", err=True)


def progress_for(total: int) -> Progress | None:
    """A Progress when stderr is a terminal, else None."""
    return Progress(total) if sys.stderr.isatty() else None


@contextmanager
def ctrl_c() -> Iterator[threading.Event]:
    """SIGINT handling for a run: the event is set by the first Ctrl-C; the second quits now (exit 130)."""
    stop = threading.Event()

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            sys.stderr.write("\nquitting now\n")
            sys.stderr.flush()
            os._exit(EXIT_INTERRUPTED)
        stop.set()
        sys.stderr.write(f"\n{STOPPING}\n")
        sys.stderr.flush()

    if threading.current_thread() is not threading.main_thread():  # only the main thread may take signals
        yield stop
        return
    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)
