"""fetch: what counts as a usable body, and the HTTP behaviour against a loopback server."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from tests.helpers import PolicyServer
from tracker.config.sources import FetchSettings, Source
from tracker.errors import FetchError
from tracker.fetch.http import Validators, fetch, make_session
from tracker.fetch.pool import fetch_all
from tracker.fetch.verdict import check_body, sniff_kind

FAST = FetchSettings(delay=0, retries=2, backoff=0.01, timeout=2, read_timeout=0.5)
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def source(url: str, kind: str | None = None) -> Source:
    return Source(id="s", payer="cigna", title="t", url=url, codes=("64600",), kind=kind)


def error_class(body: bytes, url: str = "http://h/p", kind: str | None = None, ctype: str = "text/html") -> str:
    with pytest.raises(FetchError) as info:
        check_body(source(url, kind), body, ctype)
    return info.value.error_class


@pytest.mark.parametrize(
    "body",
    [
        b"<html><h1>Access Denied</h1>You don't have permission. Reference #18.4f2a1702.1732700000.9b3c</html>",
        b"<html><title>Just a moment...</title><script src='/cdn-cgi/challenge-platform/x.js'></script></html>",
        b"<html><div class='g-recaptcha' data-sitekey='x'></div></html>",
        b"<html>Request unsuccessful. Incapsula incident ID: 123</html>",
    ],
    ids=["akamai", "cloudflare", "recaptcha", "incapsula"],
)
def test_challenge_pages_served_with_200_are_failures(body: bytes) -> None:
    assert error_class(body) == "challenge"


def test_policy_that_mentions_access_denied_in_a_long_page_is_not_a_challenge() -> None:
    body = b"<html><p>Access denied claims, see Reference #1.</p>" + b"<p>policy text</p>" * 30000 + b"</html>"
    assert check_body(source("http://h/p"), body, "text/html") == "html"


def test_empty_wrong_type_and_truncated() -> None:
    assert error_class(b"  \n") == "empty"
    assert error_class(b"<html>policy</html>", url="http://h/policy.pdf") == "wrong-type"
    assert error_class(b"<html>policy</html>", kind="pdf") == "wrong-type"
    assert error_class(PDF, kind="html", ctype="application/pdf") == "wrong-type"
    assert error_class(PDF[: len(PDF) // 2], kind="pdf") == "unreadable"
    assert check_body(source("http://h/x.pdf"), PDF, "application/pdf") == "pdf"


def test_sniff_kind() -> None:
    assert sniff_kind(PDF, "text/html") == "pdf"
    assert sniff_kind(b'{"meta": {}}', None) == "json"
    assert sniff_kind(b"<html></html>", "text/html") == "html"


def test_user_agent_and_conditional_get(server: PolicyServer) -> None:
    server.set("/p.html", b"<html>policy</html>", etag=True)
    src = source(server.url("/p.html"))
    first = fetch(src, make_session(FAST), FAST)
    assert first.etag and not first.not_modified and first.body == b"<html>policy</html>"
    second = fetch(src, make_session(FAST), FAST, Validators(first.etag, None))
    assert second.not_modified and second.http_status == 304
    headers, _ = server.hits("/p.html")[0]
    assert headers["User-Agent"].startswith("payer-policy-tracker/")


def test_retries_503_then_succeeds_honouring_retry_after(server: PolicyServer) -> None:
    server.set("/busy.html", b"<html>policy</html>", fail_first=2, retry_after="0")
    fetched = fetch(source(server.url("/busy.html")), make_session(FAST), FAST)
    assert fetched.body == b"<html>policy</html>"
    assert [status for _, status in server.hits("/busy.html")] == [503, 503, 200]


def test_status_failure_after_retries(server: PolicyServer) -> None:
    server.set("/down.html", b"x", fail_first=99)
    with pytest.raises(FetchError) as info:
        fetch(source(server.url("/down.html")), make_session(FAST), FAST)
    assert (info.value.error_class, info.value.http_status) == ("http-status", 503)
    assert len(server.hits("/down.html")) == 3
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch(source(server.url("/missing")), make_session(FAST), FAST)


def test_timeout_and_network_errors(server: PolicyServer) -> None:
    server.set("/slow.html", b"<html>x</html>", delay=1.5)
    settings = FetchSettings(retries=0, read_timeout=0.3, timeout=1)
    with pytest.raises(FetchError) as info:
        fetch(source(server.url("/slow.html")), make_session(settings), settings)
    assert info.value.error_class == "timeout"
    with pytest.raises(FetchError) as info:
        fetch(source("http://127.0.0.1:9/closed"), make_session(settings), settings)
    assert info.value.error_class == "network"


def test_size_cap(server: PolicyServer) -> None:
    server.set("/big.html", b"<html>" + b"x" * 5000 + b"</html>")
    settings = FetchSettings(max_bytes=1000)
    with pytest.raises(FetchError, match="1,000-byte cap") as info:
        fetch(source(server.url("/big.html")), make_session(settings), settings)
    assert info.value.error_class == "too-large"


def test_fetch_all_paces_one_host_and_isolates_failures(server: PolicyServer) -> None:
    server.set("/a", b"<html>a</html>")
    server.set("/b", b"<html>b</html>")
    sleeps: list[float] = []
    sources = [
        Source(id=i, payer="aetna", title=i, url=server.url(p), codes=("64600",))
        for i, p in (("a", "/a"), ("b", "/b"), ("c", "/nope"))
    ]
    attempts = list(
        fetch_all(
            sources,
            lambda s, session: fetch(s, session, FAST),
            session_factory=lambda: make_session(FAST),
            parallel=4,
            delay=1.5,
            clock=lambda: datetime.now(UTC),
            sleep=sleeps.append,
        )
    )
    assert sleeps == [1.5, 1.5]  # one host: three requests, a pause between each
    outcomes = {a.source.id: type(a.result).__name__ for a in attempts}
    assert outcomes == {"a": "Fetched", "b": "Fetched", "c": "FetchError"}


def test_a_long_retry_after_ends_the_attempt_instead_of_holding_the_run(server: PolicyServer) -> None:
    server.set("/later.html", b"<html>policy</html>", fail_first=99, retry_after="3600")
    started = time.monotonic()
    with pytest.raises(FetchError, match="retry after 3600 s, longer than the 120 s") as info:
        fetch(source(server.url("/later.html")), make_session(FAST), FAST)
    assert time.monotonic() - started < 5
    assert (info.value.error_class, info.value.http_status) == ("http-status", 503)
    assert len(server.hits("/later.html")) == 1


def test_a_worker_that_dies_never_leaves_the_run_waiting(server: PolicyServer) -> None:
    server.set("/a", b"<html>a</html>")
    sources = [Source(id=i, payer="aetna", title=i, url=server.url("/a"), codes=("64600",)) for i in ("a", "b")]

    def broken_clock() -> datetime:
        raise RuntimeError("clock broke")

    with pytest.raises(RuntimeError, match="clock broke"):
        list(
            fetch_all(
                sources,
                lambda s, session: fetch(s, session, FAST),
                session_factory=lambda: make_session(FAST),
                parallel=2,
                delay=0,
                clock=broken_clock,
            )
        )
