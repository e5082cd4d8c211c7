"""Attacks through redirects (issue 13, item 10), and a stop asked for while a server drips (item 2).

A URL written in sources.toml is fetched as written (these tests' servers are on loopback);
a redirect from it to a private, loopback or link-local address, or to another scheme, is refused.
Names are never resolved for real: the addresses are IP literals, or an injected resolver answers.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Sequence

import pytest

from tests import samples
from tests.helpers import PolicyServer, RawHTTPServer, Workdir, aetna_only, raw_answer
from tracker.config.sources import load_config
from tracker.fetch.guard import is_internal
from tracker.fetch.http import make_session
from tracker.run.check import run_check
from tracker.store import open_store

AETNA = "/cpb/0374.html"


def _sources(server: PolicyServer, path: str = "/moved") -> str:
    return aetna_only(server.url(path))


def _outcome(work: Workdir) -> dict[str, object]:
    return dict(work.json("runs", "--limit", "1")[0]["sources"][0])


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.2:{port}/cpb/0374.html",
        "http://[::1]:{port}/cpb/0374.html",
        "http://[::ffff:127.0.0.1]:{port}/cpb/0374.html",
        "http://10.0.0.7/cpb/0374.html",
        "http://172.16.3.4/cpb/0374.html",
        "http://192.168.1.1/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/x",
        "http://[fc00::1]/x",
        "http://0.0.0.0:{port}/x",
        "file:///etc/passwd",
        "ftp://127.0.0.1/policy.pdf",
        "gopher://127.0.0.1:70/_",
    ],
)
def test_a_redirect_inside_or_to_another_scheme_is_refused(server: PolicyServer, work: Workdir, target: str) -> None:
    location = target.format(port=server.port)
    server.set(AETNA, samples.aetna_cpb_html(1))
    server.set("/moved", b"", status=302, headers={"Location": location})
    work.write_sources(_sources(server))
    result = work.cli("run")
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    failed = _outcome(work)
    assert failed["error_class"] == "http-status" and "refused" in str(failed["error"]), failed
    assert [r.path for r in server.log] == ["/moved"]  # nothing was requested from the target
    assert work.json("changes") == []


def test_the_written_host_may_redirect_within_itself(server: PolicyServer, work: Workdir) -> None:
    server.set(AETNA, samples.aetna_cpb_html(1))
    server.set("/moved", b"", status=301, headers={"Location": server.url(AETNA)})
    server.set("/relative", b"", status=302, headers={"Location": AETNA})
    for path in ("/moved", "/relative"):
        work.write_sources(_sources(server, path))
        assert work.cli("run").exit_code == 0
        assert _outcome(work)["outcome"] in ("new", "unchanged")


def test_a_name_is_refused_when_any_of_its_addresses_is_inside(server: PolicyServer, work: Workdir) -> None:
    asked: list[str] = []

    def resolve(host: str, port: int) -> Sequence[str]:
        asked.append(host)
        return {"policies.example": ("203.0.113.9", "169.254.169.254")}.get(host, ())

    server.set("/moved", b"", status=302, headers={"Location": "https://policies.example/cpb/0374.html"})
    work.write_sources(_sources(server))
    config = load_config(work.sources, {})
    store = open_store(work.data)
    try:
        result = run_check(config, store, clock=_clock, session_factory=lambda: make_session(config.fetch, resolve))
    finally:
        store.close()
    [checked] = result.results
    assert checked.error_class == "http-status" and checked.error and "169.254.169.254" in checked.error
    assert asked == ["policies.example"]


def _clock():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)


@pytest.mark.parametrize(
    ("address", "inside"),
    [("127.0.0.1", True), ("10.1.2.3", True), ("172.31.0.1", True), ("172.32.0.1", False), ("192.168.0.1", True)]
    + [("169.254.1.1", True), ("::1", True), ("fd12::1", True), ("fe80::1%eth0", True), ("8.8.8.8", False)]
    + [("2001:4860:4860::8888", False), ("::ffff:10.0.0.1", True), ("not-an-address", True)],
)
def test_internal_addresses(address: str, inside: bool) -> None:
    assert is_internal(address) is inside


def test_schedule_stops_on_sigterm_while_a_server_drips(server: PolicyServer, work: Workdir) -> None:
    body = samples.aetna_cpb_html(1)

    def drip(raw: RawHTTPServer, conn: object) -> None:
        conn.sendall(raw_answer(b"", headers={"Content-Length": str(len(body))}))  # type: ignore[attr-defined]
        for i in range(len(body)):
            if raw.stopping.wait(0.2):
                return
            conn.sendall(body[i : i + 1])  # type: ignore[attr-defined]

    with RawHTTPServer() as raw:
        raw.routes[AETNA] = drip
        work.write_sources(
            _sources(server).replace(server.url("/moved"), raw.url(AETNA)) + '\n[schedule]\ntime = "00:00"\n',
            fetch="\n[fetch]\ndelay = 0\nretries = 0\nread_timeout = 30\ndeadline = 4\n",
        )
        proc = subprocess.Popen(
            [sys.executable, "-m", "tracker", "--sources", str(work.sources), "--data", str(work.data)]
            + ["--log-level", "INFO", "schedule", "--run-now"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            waited = time.monotonic()
            while not raw.log and time.monotonic() - waited < 30:
                time.sleep(0.05)
            assert raw.log, "the run never asked for the page"
            asked = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            _, stderr = proc.communicate(timeout=30)
            stopped = time.monotonic() - asked
        finally:
            proc.kill()
    assert proc.returncode == 0, stderr
    assert stopped < 4 + 10, stopped  # the deadline, plus slack for a busy machine; the drip takes 1000 s
    assert "Traceback" not in stderr and "deadline" in stderr
