"""tracker report: a real history DB (two runs against fixture policies on loopback), the report written to
disk, then opened from file:// in headless Chromium (DOM checks and a screenshot under pytest's base temp dir).

Chromium is required, not optional: CI installs Debian's ``chromium``; without it these tests fail. They carry
the ``browser`` mark, to select them (``-m browser``) or leave them out (``-m "not browser"``).
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.helpers import HISTORY_PATHS as PATHS
from tests.helpers import RUN_2, build_history, ticking
from tracker.errors import StoreError
from tracker.judge.diff import DELETE, INSERT, SAME, Segment
from tracker.notify.digest import Item
from tracker.report.changes import words_html
from tracker.report.html import render_report
from tracker.report.parts import ChangeView, ReportData, Side
from tracker.report.write import write_report
from tracker.store.database import open_store

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


@dataclass
class Built:
    """A data dir after two runs, and the report written from it."""

    data: Path
    out: Path
    index: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The history of two runs and the report written from it."""
    root = tmp_path_factory.mktemp("report")
    data = build_history(root)
    store = open_store(data)
    index = write_report(store, root / "out", clock=ticking(RUN_2 + timedelta(hours=1)))
    store.close()
    return Built(data, root / "out", index)


def chromium(*args: str) -> str:
    """Run headless Chromium with a fresh profile; its stdout."""
    binary = shutil.which("chromium") or "/usr/bin/chromium"
    assert Path(binary).exists(), "headless Chromium is required: apt-get install -y chromium (.ci/run does)"
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        proc = subprocess.run(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=120
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.mark.browser
def test_report_dom_in_chromium(built: Built) -> None:
    dom = BeautifulSoup(chromium("--dump-dom", built.index.as_uri()), "lxml")
    assert dom.html is not None and dom.html["lang"] == "en" and dom.find("h1")
    rows = {tr["data-source"]: tr for tr in dom.select("table#matrix-64600 tbody tr")}
    assert set(rows) == set(PATHS)
    assert {s: tr["data-status"] for s, tr in rows.items()} == {
        "aetna-0374": "not_covered",
        "cigna-0525": "experimental",
        "horizon-142": "absent",
        "anthem-cg-surg-89": "covered",
    }
    assert "Experimental" in rows["cigna-0525"].get_text()
    assert "Not covered" in rows["aetna-0374"].get_text()
    assert "stale" in rows["anthem-cg-surg-89"]["class"] and "Stale" in rows["anthem-cg-surg-89"].get_text()
    assert "stale" not in rows["cigna-0525"].get("class", [])
    assert dom.select_one("table#matrix-64600 caption") and dom.select("table#matrix-64600 th[scope=row]")
    assert dom.select_one("table#failing") and "challenge" in dom.select_one("table#failing").get_text()
    cigna = dom.select_one('article.change[data-source="cigna-0525"]')
    assert cigna is not None and cigna.find("del") and any("Experimental" in i.get_text() for i in cigna("ins"))
    assert "covered → experimental" in cigna.find("h3").get_text()
    horizon = dom.select_one('article.change[data-source="horizon-142"]')
    assert horizon is not None and horizon["data-kind"] == "removed" and horizon.find("del")
    timeline = [li["data-kind"] for li in dom.select("#timeline li")]
    assert timeline.count("new") == 4 and sorted(k for k in timeline if k != "new") == ["changed", "changed", "removed"]


@pytest.mark.browser
def test_capture_links_resolve_to_the_stored_bytes(built: Built) -> None:
    dom = BeautifulSoup(chromium("--dump-dom", built.index.as_uri()), "lxml")
    hrefs = {a["href"] for a in dom.select('a[href^="captures/"]')}
    assert len(hrefs) >= 7  # both ends of 3 changes (some shared) and every first capture
    for href in hrefs:
        path = built.out / href
        assert path.is_file(), href
        if path.suffix == ".html":  # served inert (issue 22): it names the stored capture it was made from
            assert f'<meta content="{path.stem}" name="tracker-capture-sha256"' in path.read_text(encoding="utf-8")
        else:
            assert hashlib.sha256(path.read_bytes()).hexdigest() == path.stem  # decompressed, byte for byte
    assert any(h.endswith(".pdf") for h in hrefs) and any(h.endswith(".html") for h in hrefs)
    for article in dom.select("article.change"):
        assert len(article.select('a[href^="captures/"]')) == 2


@pytest.mark.browser
def test_screenshot_is_kept_as_an_artifact(built: Built, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The screenshot goes to the run's base temp dir (per xdist worker), never into the checkout."""
    artifacts = tmp_path_factory.getbasetemp() / "artifacts"
    artifacts.mkdir(exist_ok=True)
    shot = artifacts / "report.png"
    shot.unlink(missing_ok=True)
    print(f"report screenshot: {shot}")
    chromium(f"--screenshot={shot}", "--window-size=1280,2000", built.index.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_report_is_self_contained(built: Built) -> None:
    html = built.index.read_text(encoding="utf-8")
    dom = BeautifulSoup(html, "lxml")
    assert not dom.find("script") and not dom.find("link") and not dom.find(["img", "iframe", "object", "embed"])
    assert not dom.select("[src]") and "@import" not in html and "url(" not in html
    external = [a["href"] for a in dom.select("[href]") if a["href"].startswith(("http:", "https:", "//"))]
    assert external and all(h.startswith("http://127.0.0.1:") for h in external)  # only the policies' own pages
    assert {a.name for a in dom.select("[href]")} == {"a"}


def test_report_only_some_codes_and_an_empty_database(built: Built, tmp_path: Path) -> None:
    store = open_store(built.data)
    other = write_report(store, tmp_path / "none", clock=ticking(datetime(2026, 3, 3, tzinfo=UTC)), codes=["99213"])
    store.close()
    dom = BeautifulSoup(other.read_text(encoding="utf-8"), "lxml")
    assert not dom.select("table.matrix") and not dom.select("article.change")
    assert not (tmp_path / "none" / "captures").exists()
    empty = open_store(tmp_path / "empty-data")
    index = write_report(empty, tmp_path / "empty", clock=ticking(datetime(2026, 3, 3, tzinfo=UTC)))
    empty.close()
    assert "No source has been checked yet." in index.read_text(encoding="utf-8")


def test_report_only_configured_sources(built: Built, tmp_path: Path) -> None:
    store = open_store(built.data)
    index = write_report(store, tmp_path / "cigna", clock=ticking(RUN_2), sources=["cigna-0525"])
    store.close()
    dom = BeautifulSoup(index.read_text(encoding="utf-8"), "lxml")
    assert [tr["data-source"] for tr in dom.select("table.matrix tbody tr")] == ["cigna-0525"]
    assert {a["data-source"] for a in dom.select("article.change")} == {"cigna-0525"}
    assert not dom.select("table#failing")  # Anthem's failure is not in this report


def test_pruned_capture_is_noted_not_linked(built: Built, tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(built.data, data)
    with closing(sqlite3.connect(data / "tracker.db")) as db:
        [(sha,)] = db.execute("select sha256 from documents where source_id = 'cigna-0525' order by id limit 1")
        db.execute("update documents set raw_pruned_at = '2026-09-01T00:00:00+00:00' where sha256 = ?", [sha])
        db.commit()
    store = open_store(data)
    store.raw.path(sha).unlink()
    index = write_report(store, tmp_path / "out", clock=ticking(datetime(2026, 9, 2, tzinfo=UTC)))
    store.close()
    html = index.read_text(encoding="utf-8")
    assert "capture pruned on 2026-09-01" in html and f"captures/{sha}" not in html
    assert not (tmp_path / "out" / "captures" / f"{sha}.pdf").exists()


def test_unwritable_out_dir_is_a_store_error(built: Built, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = open_store(built.data)
    try:
        with pytest.raises(StoreError, match="cannot write the report"):
            write_report(store, blocker / "out", clock=ticking(datetime(2026, 3, 3, tzinfo=UTC)))
    finally:
        store.close()


# --- the renderer alone ----------------------------------------------------------------------------------

HOSTILE = 'Covered <script>alert("x")</script> & "quoted" <b>bold</b>'


def hostile_view() -> ChangeView:
    item = Item(
        change_id=7,
        part="status",
        kind="changed",
        source_id="evil<src>",
        payer="cigna",
        plan="a&b",
        title="Title <i>&amp;</i>",
        policy_number="05<25",
        code="64600",
        url="javascript:alert(1)",
        old_status="covered",
        new_status="experimental",
        effective_date="2026-04-21",
        summary="s",
        detected_at="2026-04-21T06:00:00+00:00",
    )
    old = Side(
        1,
        "2026-03-01T06:00:00+00:00",
        "2025-01-01",
        "covered",
        None,
        HOSTILE,
        "a" * 64,
        "captures/" + "a" * 64 + ".html",
    )
    new = Side(
        2,
        "2026-04-21T06:00:00+00:00",
        "2026-04-21",
        "experimental",
        True,
        HOSTILE + " <now> experimental",
        "b" * 64,
        None,
        "capture pruned on 2026-09-01",
    )
    return ChangeView(item, old, new)


def test_render_escapes_policy_text_and_refuses_odd_links() -> None:
    status = [
        {
            "source": "evil<src>",
            "payer": "cigna",
            "plan": "a&b",
            "title": "<img src=x onerror=alert(1)>",
            "code": "64600",
            "status": "experimental",
            "prior_auth": True,
            "effective_date": "2026-04-21",
            "policy_number": "05<25",
            "checked_at": "2026-04-21T06:00:00+00:00",
            "changed_at": "2026-04-21T06:00:00+00:00",
            "last_error": None,
            "url": "javascript:alert(1)",
        }
    ]
    failing = {
        "evil<src>": {
            "source": "evil<src>",
            "payer": "cigna",
            "plan": None,
            "title": "t",
            "url": "http://x/",
            "failures_in_a_row": 3,
            "last_success": None,
            "error_class": "challenge",
            "error": "<b>denied</b> & gone",
            "failed_at": "2026-04-22T06:00:00+00:00",
        }
    }
    html = render_report(ReportData("2026-04-22T06:00:00+00:00", status, failing, [hostile_view()]))
    dom = BeautifulSoup(html, "lxml")
    assert not dom.find("script") and not dom.find("img") and not dom.find("b") and not dom.find("i")
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quoted&quot;" in html
    assert "&lt;now&gt;" in html and "&lt;b&gt;denied&lt;/b&gt; &amp; gone" in html
    assert "javascript:" not in " ".join(a.get("href", "") for a in dom.find_all("a"))
    assert "capture pruned on 2026-09-01" in html and "Stale" in html
    assert dom.select_one("tr.stale")["data-source"] == "evil<src>"
    assert dom.find("ins").get_text() == "<now> experimental"


def test_words_html_keeps_one_side_and_line_breaks() -> None:
    segments = (
        Segment(SAME, "Considered \ue000 Medically"),
        Segment(DELETE, "Necessary"),
        Segment(INSERT, "Experimental"),
    )
    assert words_html(segments, DELETE) == "Considered<br>Medically <del>Necessary</del>"
    assert words_html(segments, INSERT) == "Considered<br>Medically <ins>Experimental</ins>"
    assert "not in this version" in words_html((Segment(DELETE, "gone"),), INSERT)


def test_render_a_metadata_change_and_local_times() -> None:
    view = hostile_view()
    item = Item(
        **{
            **view.item.__dict__,
            "kind": "metadata",
            "part": "metadata",
            "summary": "effective_date: 2025-01-01 → 2026-04-21",
        }
    )
    html = render_report(ReportData("2026-04-22T08:00:00+02:00", [], {}, [ChangeView(item, view.old, view.new)]))
    dom = BeautifulSoup(html, "lxml")
    article = dom.select_one("article.change")
    assert article is not None and article["data-kind"] == "metadata" and not article.select("table.sbs")
    assert "Only dates or other details changed (effective date: 2025-01-01 → 2026-04-21)" in article.get_text()
    assert "08:00+02:00" in dom.select_one(".lede").get_text()
