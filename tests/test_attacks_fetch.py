"""Attacks on fetching, each over a loopback server with an adversarial handler (issue 13, items 1-4 and 10).

Flip tests: a good version, then the fault, then the good version again: the fault is a
failure of that source (never ``removed`` or ``changed``), and the third run is ``unchanged``.
"""

from __future__ import annotations

import gzip
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests import samples
from tests.helpers import PolicyServer, RawHandler, RawHTTPServer, Workdir, raw_answer

PATH = "/cpb/0374.html"
HORIZON = "/MedPol2/HNBE-8TVP74"
HTML = "text/html; charset=utf-8"


@pytest.fixture
def raw() -> Iterator[RawHTTPServer]:
    with RawHTTPServer() as srv:
        yield srv


def whole(body: bytes, **headers: str) -> RawHandler:
    """A well-formed answer: the body with its Content-Length."""

    def handler(server: RawHTTPServer, conn: socket.socket) -> None:
        conn.sendall(raw_answer(body, headers={"Content-Type": HTML, "Content-Length": str(len(body)), **headers}))

    return handler


def drip(body: bytes, every: float) -> RawHandler:
    """Headers at once, then the body one byte every ``every`` seconds."""

    def handler(server: RawHTTPServer, conn: socket.socket) -> None:
        conn.sendall(raw_answer(b"", headers={"Content-Type": HTML, "Content-Length": str(len(body))}))
        for i in range(len(body)):
            if server.stopping.wait(every):
                return
            conn.sendall(body[i : i + 1])

    return handler


def sources(raw: RawHTTPServer, server: PolicyServer, fetch: str = "") -> str:
    return f"""
        codes = ["64600"]

        [[source]]
        id = "aetna-0374"
        payer = "aetna"
        title = "Trigeminal Neuralgia: Treatments"
        url = "{raw.url(PATH)}"

        [[source]]
        id = "horizon-142"
        payer = "bcbs"
        plan = "horizon-nj"
        title = "Percutaneous Neurolysis"
        url = "{server.url(HORIZON)}"
        {fetch}
    """


def outcome(work: Workdir, source: str = "aetna-0374") -> dict[str, Any]:
    """The source's outcome in the latest run."""
    latest = work.json("runs", "--limit", "1")[0]
    return next(s for s in latest["sources"] if s["source"] == source)


def flip(work: Workdir, raw: RawHTTPServer, fault: RawHandler, good: bytes | None = None) -> dict[str, Any]:
    """Good, fault, good: return the fault run's outcome; check that nothing but the baseline was ever reported."""
    good = good or samples.aetna_cpb_html(1)
    raw.routes[PATH] = whole(good)
    assert work.cli("run").exit_code == 0
    raw.routes[PATH] = fault
    faulty = work.cli("run")
    assert faulty.exit_code == 1 and "Traceback" not in faulty.output, faulty.output
    failed = outcome(work)
    raw.routes[PATH] = whole(good)
    again = work.cli("run")
    assert again.exit_code == 0 and outcome(work)["outcome"] == "unchanged", again.output
    assert {c["kind"] for c in work.json("changes", "--source", "aetna-0374")} == {"new"}
    return failed


@pytest.fixture
def site(raw: RawHTTPServer, server: PolicyServer, work: Workdir) -> RawHTTPServer:
    server.set(HORIZON, samples.horizon_range_html(1))
    work.write_sources(sources(raw, server))
    return raw


# ----------------------------------------------------------------------------- item 2: a deadline per document


def test_a_slow_drip_is_cut_at_the_deadline_and_the_run_goes_on(site: RawHTTPServer, work: Workdir) -> None:
    server_sources = work.sources.read_text()
    work.sources.write_text(server_sources.replace("[fetch]", "[fetch]\ndeadline = 2"), encoding="utf-8")
    body = samples.aetna_cpb_html(1)
    started = time.monotonic()
    failed = flip(work, site, drip(body, every=0.2))
    assert failed["error_class"] == "timeout" and "deadline" in failed["error"]
    assert failed["duration_ms"] < 2000 + 3000  # the deadline, plus slack for a busy machine
    assert time.monotonic() - started < 30  # three runs; the drip alone would take 1000 s
    assert outcome(work, "horizon-142")["outcome"] == "unchanged"


# ----------------------------------------------------------------------------- item 3: a page cut short


def _cut_no_length(server: RawHTTPServer, conn: socket.socket) -> None:
    body = samples.aetna_cpb_html(1)
    conn.sendall(raw_answer(body[: len(body) * 6 // 10], headers={"Content-Type": HTML}))


def _cut_under_length(server: RawHTTPServer, conn: socket.socket) -> None:
    body = samples.aetna_cpb_html(1)
    answer = raw_answer(body[: len(body) * 6 // 10], headers={"Content-Type": HTML, "Content-Length": str(len(body))})
    conn.sendall(answer)


def _gzip_without_trailer(server: RawHTTPServer, conn: socket.socket) -> None:
    packed = gzip.compress(samples.aetna_cpb_html(1))[:-8]
    headers = {"Content-Type": HTML, "Content-Encoding": "gzip", "Content-Length": str(len(packed))}
    conn.sendall(raw_answer(packed, headers=headers))


def _chunked_unterminated(server: RawHTTPServer, conn: socket.socket) -> None:
    part = samples.aetna_cpb_html(1)[:3000]
    headers = {"Content-Type": HTML, "Transfer-Encoding": "chunked"}
    conn.sendall(raw_answer(f"{len(part):x}\r\n".encode() + part + b"\r\n", headers=headers))


def _without_closing_tags() -> bytes:
    return samples.aetna_cpb_html(1).replace(b"</body></html>", b"")


def _far_shorter_without_the_code() -> bytes:
    body = samples.aetna_cpb_html(1)
    cut = body[: body.index(b'<h2 id="policy">')] + b"</div></main></body></html>\n"
    assert len(cut) < len(body) / 2 and b"</html>" in cut  # the premise: closed, short, and the table gone
    return cut


FAULTS: dict[str, RawHandler | Callable[[], bytes]] = {
    "closed early without Content-Length": _cut_no_length,
    "closed before its Content-Length": _cut_under_length,
    "gzip without its trailer": _gzip_without_trailer,
    "chunked without its last chunk": _chunked_unterminated,
    "HTML without the closing tags the last version had": _without_closing_tags,
    "far shorter and the code gone": _far_shorter_without_the_code,
}


@pytest.mark.parametrize("name", FAULTS)
def test_a_page_cut_short_is_unreadable_never_a_change(site: RawHTTPServer, work: Workdir, name: str) -> None:
    fault = FAULTS[name]
    handler = whole(fault()) if name.startswith(("HTML", "far")) else fault  # type: ignore[call-arg, arg-type]
    failed = flip(work, site, handler)  # type: ignore[arg-type]
    assert failed["error_class"] == "unreadable" and "incomplete" in failed["error"], failed


def test_a_whole_gzip_body_is_read(site: RawHTTPServer, work: Workdir) -> None:
    body = samples.aetna_cpb_html(1)
    packed = gzip.compress(body)
    site.routes[PATH] = whole(packed, **{"Content-Encoding": "gzip"})
    assert work.cli("run").exit_code == 0
    site.routes[PATH] = whole(body)
    work.cli("run")
    assert outcome(work)["outcome"] == "unchanged"


# ----------------------------------------------------------------------------- item 4: another policy at the address


def _other_policy() -> bytes:
    page = samples.aetna_cpb_html(2).decode()  # 64600 moved to the not-covered table
    page = page.replace("Trigeminal Neuralgia: Treatments", "Pulsed Radiofrequency").replace("0374", "0735")
    return page.encode()


def test_another_policy_at_the_same_address_is_a_failure(site: RawHTTPServer, work: Workdir) -> None:
    failed = flip(work, site, whole(_other_policy()))
    assert failed["error_class"] == "unreadable"
    assert "not the same policy; if it moved, update url" in failed["error"]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (("CS154TX.A", "Trigeminal Neuralgia: Treatments"), ("CS154TX.B", "Trigeminal Neuralgia: Treatments")),
        (("CS154TX.A", "Trigeminal Neuralgia: Treatments"), ("CS154TX.B", "Trigeminal Neuralgia and Facial Pain")),
        (("0374", "Trigeminal Neuralgia: Treatments"), ("0374", "Treatments for Trigeminal Neuralgia")),
    ],
)
def test_a_renumbered_revision_or_a_new_title_is_the_same_policy(
    site: RawHTTPServer, work: Workdir, old: tuple[str, str], new: tuple[str, str]
) -> None:
    def page(number: str, title: str) -> bytes:
        text = samples.aetna_cpb_html(1).decode()
        return text.replace("0374", number).replace("Trigeminal Neuralgia: Treatments", title).encode()

    site.routes[PATH] = whole(page(*old))
    assert work.cli("run").exit_code == 0
    site.routes[PATH] = whole(page(*new))
    result = work.cli("run")
    assert result.exit_code == 0, result.output
    kinds = {c["kind"] for c in work.json("changes", "--source", "aetna-0374")}
    assert kinds <= {"new", "metadata"}


# ----------------------------------------------------------------------------- item 1: a page that recurses


def test_400_unclosed_tags_are_that_sources_failure_and_the_run_ends(site: RawHTTPServer, work: Workdir) -> None:
    body = samples.aetna_cpb_html(1)
    deep = body.replace(b"<h1>", b"<font><span>" * 400 + b"<h1>", 1)
    site.routes[PATH] = whole(deep)
    result = work.cli("run")
    assert "Traceback" not in result.output and "Run 1: " in result.output, result.output
    assert outcome(work, "horizon-142")["outcome"] == "new"
    latest = work.json("runs", "--limit", "1")[0]
    assert latest["status"] != "running" and latest["finished_at"]
    aetna = outcome(work)
    # Today the document walk recurses (RecursionError, caught as this source's `internal` failure);
    # once extraction walks without recursion (another developer's work) the page is simply read.
    assert aetna["outcome"] == "new" or aetna["error_class"] == "internal", aetna


def test_a_url_edited_in_sources_toml_may_point_at_another_policy(site: RawHTTPServer, work: Workdir) -> None:
    site.routes[PATH] = whole(samples.aetna_cpb_html(1))
    assert work.cli("run").exit_code == 0
    site.routes["/cpb/0735.html"] = whole(_other_policy())
    work.sources.write_text(work.sources.read_text().replace(PATH, "/cpb/0735.html"), encoding="utf-8")
    result = work.cli("run")
    assert result.exit_code == 0, result.output  # the operator's choice: read, not refused
    assert outcome(work)["outcome"] == "changed"
