"""Pool: every source fetched once — hosts in parallel, one request at a time per host, a pause between.

Yields each attempt in the caller's thread, so the caller may write to the database
without sharing it across threads. Whatever one fetch raises becomes that source's
FetchError ("internal" for a surprise); a worker that dies never leaves the caller waiting.
May import: tracker.errors, tracker.models, tracker.config, tracker.fetch.hygiene, tracker.watchdog.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

import requests

from tracker.config.sources import Source
from tracker.errors import FetchError
from tracker.fetch.hygiene import clean_error
from tracker.models import Fetched
from tracker.watchdog import signals_blocked

FetchOne = Callable[[Source, requests.Session], Fetched]


@dataclass(frozen=True)
class Attempt:
    """The outcome of fetching one source: a Fetched or the FetchError, and when and how long."""

    source: Source
    result: Fetched | FetchError
    started_at: datetime
    duration_ms: int


def fetch_all(
    sources: Sequence[Source],
    fetch_one: FetchOne,
    *,
    session_factory: Callable[[], requests.Session],
    parallel: int,
    delay: float,
    clock: Callable[[], datetime],
    sleep: Callable[[float], None] = time.sleep,
    stop: threading.Event | None = None,
) -> Iterator[Attempt]:
    """Fetch every source: hosts in parallel, one request at a time per host, ``delay`` between them.

    Yields each Attempt as it ends, in the caller's thread, so the caller may
    write to the database without sharing it across threads. Once ``stop`` is
    set, sources not yet started are skipped (not yielded).
    """
    by_host: dict[str, list[Source]] = {}
    for source in sources:
        by_host.setdefault(source.host, []).append(source)
    results: queue.Queue[Attempt | None] = queue.Queue()

    def work(host_sources: list[Source]) -> None:
        done = 0
        try:
            with session_factory() as session:
                for i, source in enumerate(host_sources):
                    if stop is not None and stop.is_set():
                        results.put(None)
                    else:
                        if i and delay:
                            sleep(delay)
                        results.put(_attempt(fetch_one, source, session, clock))
                    done += 1
        finally:
            for _ in host_sources[done:]:  # a worker that dies must not leave the caller waiting
                results.put(None)

    with ThreadPoolExecutor(max_workers=max(1, min(parallel, len(by_host)))) as pool:
        with signals_blocked():  # the workers are started here: a Ctrl-C must land on the main thread
            futures = [pool.submit(work, group) for group in by_host.values()]
        for _ in sources:
            attempt = results.get()
            if attempt is not None:
                yield attempt
        for future in futures:
            future.result()  # re-raises what killed a worker, if anything did


def _attempt(fetch_one: FetchOne, source: Source, session: requests.Session, clock: Callable[[], datetime]) -> Attempt:
    started = clock()
    tick = time.monotonic()
    result: Fetched | FetchError
    try:
        result = fetch_one(source, session)
    except FetchError as exc:
        result = clean_error(exc)  # every path (the Coverage API's too): a server's words may be in it
    except Exception as exc:  # noqa: BLE001 - one source's surprise must not stop the run
        result = clean_error(
            FetchError(f"{source.url}: unexpected {exc.__class__.__name__}: {exc}", error_class="internal")
        )
    return Attempt(source, result, started, int((time.monotonic() - tick) * 1000))
