"""Issue 22 item 7: a capture opened from the report is readable and inert — in headless Chromium, from file://.

A payer page with scripts, event handlers, a javascript: link, a refresh, an iframe and an SVG script
is fetched by a real run from the loopback server; the report serves it. Opened from disk, the served
copy runs nothing (the same page unfiltered does: the test can see a script run), shows a banner and
keeps the policy's text.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests import samples
from tests.helpers import RUN_1, PolicyServer, ticking
from tests.test_report import chromium
from tracker.report.captures import Provenance, inert_html
from tracker.report.write import write_report
from tracker.run.job import run_once
from tracker.store.database import open_store

HOSTILE = b"""
<meta http-equiv="refresh" content="0;url=https://example.invalid/">
<script>document.title = "PWNED-script";</script>
<img src="x.png" onerror="document.body.setAttribute('data-pwned', 'onerror')">
<svg><script>document.body.setAttribute('data-pwned', 'svg')</script></svg>
<iframe srcdoc="<script>parent.document.body.setAttribute('data-pwned', 'iframe')</script>"></iframe>
<a id="js" href="javascript:document.body.setAttribute('data-pwned', 'link')">click</a>
<div onmouseover="document.body.setAttribute('data-pwned', 'hover')">hover</div>
<object data="data:text/html,<script>parent.document.title = 1</script>"></object>
"""


def hostile_page() -> bytes:
    page = samples.aetna_cpb_html(1)
    body = page.replace(b"<body>", b"<body onload=\"document.body.setAttribute('data-pwned', 'onload')\">", 1)
    return body.replace(b"</body>", HOSTILE + b"</body>", 1)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("inert")
    with PolicyServer() as server:
        server.set("/cpb/0374.html", hostile_page())
        (root / "sources.toml").write_text(
            'codes = ["64600"]\n[[source]]\nid = "aetna-0374"\npayer = "aetna"\ntitle = "Trigeminal"\n'
            f'url = "{server.url("/cpb/0374.html")}"\n[fetch]\ndelay = 0\nretries = 0\n',
            encoding="utf-8",
        )
        run_once(root / "sources.toml", root / "data", clock=ticking(RUN_1), env={}, notify=False)
    store = open_store(root / "data")
    index = write_report(store, root / "out", clock=ticking(RUN_1 + timedelta(hours=1)))
    store.close()
    return index


def _capture(index: Path) -> Path:
    dom = BeautifulSoup(index.read_text(encoding="utf-8"), "lxml")
    [href] = {a["href"] for a in dom.select('a[href^="captures/"]') if a["href"].endswith(".html")}
    return index.parent / href


@pytest.mark.browser
def test_the_unfiltered_page_would_run_its_scripts(tmp_path: Path) -> None:
    raw = tmp_path / "raw.html"
    raw.write_bytes(
        hostile_page().replace(b'<meta http-equiv="refresh" content="0;url=https://example.invalid/">', b"")
    )
    dom = BeautifulSoup(chromium("--dump-dom", raw.as_uri()), "lxml")
    assert dom.title is not None and dom.title.get_text() == "PWNED-script"  # the check below can see a script run


@pytest.mark.browser
def test_a_capture_opened_from_the_report_runs_no_script(report: Path) -> None:
    capture = _capture(report)
    dom = BeautifulSoup(chromium("--dump-dom", "--virtual-time-budget=2000", capture.as_uri()), "lxml")
    assert dom.body is not None and not dom.body.has_attr("data-pwned")
    assert "PWNED" not in (dom.title.get_text() if dom.title else "")
    assert "A capture kept by tracker" in dom.get_text() and "aetna-0374 v1" in dom.get_text()
    assert "64600" in dom.get_text()  # the policy itself is there to read
    assert not dom.find(["script", "iframe", "object", "embed"])
    assert dom.select_one("a#js") is not None and not dom.select_one("a#js").has_attr("href")


def test_the_served_copy_carries_no_active_content(report: Path) -> None:
    text = _capture(report).read_text(encoding="utf-8")
    assert "<script" not in text and "onerror" not in text and "onload" not in text and "javascript:" not in text
    assert 'http-equiv="refresh"' not in text and "srcdoc" not in text
    assert re.search(r'<meta content="default-src \'none\';[^"]*" http-equiv="Content-Security-Policy"/?>', text)
    assert text.index("Content-Security-Policy") < text.index("<body")


def test_a_page_without_head_or_body_still_gets_its_banner_and_policy() -> None:
    made = inert_html(
        b"<p onclick='x()'>64600 is covered</p>", Provenance("s", 2, "2026-02-01", "javascript:x", "ab" * 32)
    )
    dom = BeautifulSoup(made, "lxml")
    assert dom.head is not None and dom.head.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    assert "64600 is covered" in dom.get_text() and "s v2" in dom.get_text()
    assert not dom.find("p").has_attr("onclick") and not dom.select("div.tracker-capture a")  # no link to javascript:
