"""The text fingerprint before extraction (issue 15): a body whose bytes differ but whose visible text and
structure do not is recorded unchanged without the full extraction — and a one-word change still is found."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from tests import samples
from tests.helpers import PolicyServer, Workdir
from tracker.config.sources import load_config
from tracker.extract import extract
from tracker.extract.fingerprint import fingerprint
from tracker.extract.identity import Extractor, current_identity
from tracker.models import Extraction, Kind
from tracker.run.check import RunResult, run_check
from tracker.store import open_store

PAGE = """<!DOCTYPE html><html><head><title>Nerve Destruction (Policy 77)</title>
<script nonce="{token}">window.csrf = "{token}";</script></head>
<body><form><input type="hidden" name="csrf" value="{token}"></form>
<h1>Nerve Destruction (Policy 77)</h1><p>Policy Number: 77</p><p>Effective Date: 01/01/2026</p>
<h2>Policy</h2><p>Destruction of the supraorbital nerve (CPT 64600) is {stance} for supraorbital neuralgia.</p>
{visible}</body></html>"""


class Counting:
    """The installed extractor, counting the documents it reads."""

    def __init__(self) -> None:
        self.reads = 0

    def __call__(
        self, body: bytes, kind: Kind, codes: Sequence[str], *, selector: str | None = None, encoding: str | None = None
    ) -> Extraction:
        self.reads += 1
        return extract(body, kind, codes, selector=selector, encoding=encoding)


def _page(token: int, stance: str = "medically necessary", visible: str = "") -> bytes:
    return PAGE.format(token=f"t{token:06d}", stance=stance, visible=visible).encode()


class _Site:
    def __init__(self, server: PolicyServer, work: Workdir) -> None:
        self.server, self.work, self.day = server, work, 0
        self.counting = Counting()
        work.write_sources(
            f"""
            codes = ["64600"]

            [[source]]
            id = "policy-77"
            payer = "bcbs"
            title = "Nerve Destruction"
            url = "{server.url("/77.html")}"

            [[source]]
            id = "cigna-0525"
            payer = "cigna"
            title = "Peripheral Nerve Destruction"
            url = "{server.url("/0525.pdf")}"
            """
        )

    def run(self, page: bytes, pdf: bytes) -> RunResult:
        self.server.set("/77.html", page)
        self.server.set("/0525.pdf", pdf, content_type="application/pdf")
        self.day += 1
        when = datetime(2026, 4, 20, 6, tzinfo=UTC) + timedelta(days=self.day)
        store = open_store(self.work.data)
        try:
            reader = Extractor(current_identity(), self.counting)
            return run_check(load_config(self.work.sources), store, clock=lambda: when, extractor=reader)
        finally:
            store.close()


def test_token_pages_and_re_served_pdfs_skip_the_extraction(server: PolicyServer, work: Workdir) -> None:
    site = _Site(server, work)
    pdf = samples.cigna_policy_pdf(1)
    first = site.run(_page(1), pdf)
    assert {r.outcome for r in first.results} == {"new"} and site.counting.reads == 2
    for day in (2, 3):
        served = pdf + f"\n% served on day {day}, request {day * 7919}\n".encode()  # other bytes, the same pages
        again = site.run(_page(day), served)
        assert {r.source.id: r.outcome for r in again.results} == {"policy-77": "unchanged", "cigna-0525": "unchanged"}
        assert site.counting.reads == 2, "an unchanged token page or PDF was extracted again"
    # A re-render that draws the running header after the body changes the order of the text:
    # the fingerprint cannot vouch for it, so the full extraction runs (and finds no change).
    rerendered = site.run(_page(4), samples.cigna_policy_pdf(1, rerender=True))
    assert {r.outcome for r in rerendered.results} == {"unchanged"} and site.counting.reads == 3


def test_a_one_word_status_change_on_a_token_page_is_found(server: PolicyServer, work: Workdir) -> None:
    site = _Site(server, work)
    pdf = samples.cigna_policy_pdf(1)
    site.run(_page(1), pdf)
    changed = site.run(_page(2, stance="investigational"), pdf)
    [change] = changed.changes
    assert (change.code, change.kind, change.old_status, change.new_status) == (
        "64600",
        "changed",
        "covered",
        "experimental",
    )
    assert site.counting.reads == 3


def test_a_visible_stamp_is_no_reason_to_extract(server: PolicyServer, work: Workdir) -> None:
    """Issue 23: a per-request stamp in the visible text is left out of the fingerprint, as the reader
    leaves it out of every section; the stamped page that changes its wording is still read."""
    site = _Site(server, work)
    pdf = samples.cigna_policy_pdf(1)
    site.run(_page(1, visible="<p>Page generated 2026-04-21 06:00:01</p>"), pdf)
    again = site.run(_page(2, visible="<p>Page generated 2026-04-22 06:00:07</p>"), pdf)
    assert site.counting.reads == 2  # the same words but for the stamp: no extraction
    assert {r.outcome for r in again.results} == {"unchanged"}
    changed = site.run(_page(3, "investigational", visible="<p>Page generated 2026-04-23 06:00:03</p>"), pdf)
    assert [(c.code, c.new_status) for c in changed.changes] == [("64600", "experimental")]
    assert site.counting.reads == 3


def test_the_fingerprint_sees_words_and_structure_not_tokens() -> None:
    base = fingerprint(_page(1), "html")
    assert base is not None and base == fingerprint(_page(99), "html")
    assert base != fingerprint(_page(1, stance="medically  necessary!"), "html")
    bold = _page(1).replace(b"<p>Policy Number: 77</p>", b'<p style="font-weight:bold">Policy Number: 77</p>')
    assert base != fingerprint(bold, "html")  # a style can make a heading: structure counts
    assert base != fingerprint(_page(1), "html", encoding="windows-1252")
    assert base != fingerprint(_page(1), "html", selector="#main")
    assert fingerprint(b"%PDF-1.4 not really", "pdf") is None  # cannot be taken: the extraction runs
