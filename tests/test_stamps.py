"""Per-request stamps in what a reader sees (issue 23): "Page last updated: 11/27/2026 06:00:01 AM",
"Date Printed: …". Two versions that differ only by a stamp share a fingerprint (the run skips the
extraction) and read the same; a real change, a policy date's included, does not."""

from __future__ import annotations

import io
import time

import pytest
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

from tracker.extract import extract
from tracker.extract.fingerprint import fingerprint
from tracker.extract.normalize import is_stamp

PAGE = """<!DOCTYPE html><html><head><title>Nerve Destruction (Policy 77)</title></head><body>
<header><p class="updated">Page generated {generated}</p></header>
<main><p class="cpb-page-updated">Page last updated: {stamp}</p>
<h1>Nerve Destruction (Policy 77)</h1><p>Policy Number: 77</p><p>Effective Date: {effective}</p>
<table><tr><td>Print</td><td><font size="1">Date Printed: {printed}</font></td></tr></table>
<h2>Policy</h2><p>Destruction of the supraorbital nerve (CPT 64600) is {stance} for supraorbital neuralgia.</p>
<p>Page last updated: {stamp}</p>
</main></body></html>"""


def _page(n: int, *, stance: str = "medically necessary", effective: str = "01/01/2026") -> bytes:
    return PAGE.format(
        generated=f"Fri, {n:02d} Nov 2026 06:00:{n:02d} GMT",
        stamp=f"11/{n:02d}/2026 06:00:{n:02d} AM",
        printed=f"November {n}, 2026: 06:{n:02d}:01 AM",
        effective=effective,
        stance=stance,
    ).encode()


def _pdf(n: int, *, stance: str = "medically necessary") -> bytes:
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=letter, invariant=1)
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(72, 720, "Nerve Destruction")
    canvas.setFont("Helvetica", 10)
    canvas.drawString(72, 700, f"Printed on 12/{n:02d}/2026 06:{n:02d} PM")
    canvas.drawString(72, 680, "Effective Date: 01/01/2026")
    canvas.drawString(72, 650, f"Destruction of the supraorbital nerve (CPT 64600) is {stance}.")
    canvas.drawString(72, 40, f"Page last updated: 2026-12-{n:02d}T06:00:{n:02d}Z")
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


def test_versions_that_differ_only_by_a_visible_stamp_share_a_fingerprint() -> None:
    assert fingerprint(_page(1), "html") == fingerprint(_page(27), "html")
    assert fingerprint(_pdf(1), "pdf") == fingerprint(_pdf(27), "pdf")


def test_a_real_change_on_a_stamped_page_changes_the_fingerprint() -> None:
    base = fingerprint(_page(1), "html")
    assert base != fingerprint(_page(1, stance="investigational"), "html")
    assert base != fingerprint(_page(1, effective="02/01/2026"), "html")  # a policy date is no stamp
    assert fingerprint(_pdf(1), "pdf") != fingerprint(_pdf(1, stance="investigational"), "pdf")


@pytest.mark.parametrize("kind", ["html", "pdf"])
def test_a_stamp_is_no_part_of_the_reading(kind: str) -> None:
    make = _page if kind == "html" else _pdf
    first, later = (extract(make(n), kind, ["64600"]) for n in (1, 27))
    assert first == later
    assert first.metadata.effective_date == "2026-01-01"
    [section] = first.sections
    assert "64600" in section.text and "updated" not in section.text.lower()


@pytest.mark.parametrize(
    "text",
    [
        "Page last updated: 11/27/2026 06:00:01 AM",
        "Date Printed: November 27, 2026: 06:00:01 AM",
        "Page generated Fri, 27 Nov 2026 06:00:00 GMT",
        "Printed on 12/06/2026",
        "Generated at 2026-04-21T06:00:01Z",
    ],
)
def test_stamps(text: str) -> None:
    assert is_stamp(text)


@pytest.mark.parametrize(
    "text",
    [
        "Effective Date: 01/01/2026",
        "Last Review 06/17/2025",
        "Last Modified: 04/15/2025",
        "Revised: 04/15/2025",
        "Updated 01/01/2026: added 64625",
        "Page updated 64600",
        "Printed 12/06/2026 64600",
        "Last updated 3 minutes ago",
    ],
)
def test_not_stamps(text: str) -> None:
    assert not is_stamp(text)


@pytest.mark.parametrize(
    "line", ["updated" + ":00" * 30 + "m", "Page printed " + "12 " * 28 + "pm", "generated" + " 1" * 45 + "Z"]
)
def test_a_line_that_is_nearly_a_stamp_is_decided_at_once(line: str) -> None:
    """A line of pieces that could be cut many ways ("12:00" as a time, or a day then ":00") is told
    apart without trying every cut: it took 61 s for 98 characters."""
    started = time.perf_counter()
    assert not is_stamp(line)
    assert time.perf_counter() - started < 0.5


def test_a_stamp_inside_a_sentence_is_part_of_the_sentence() -> None:
    """Only a block that is a stamp and nothing else is left out: a date in "Criteria <em>updated
    04/21/2026</em>" is part of what the reader reads, so a new date changes the fingerprint."""
    page = "<html><body><p>CPT 64600 is experimental. Criteria <em>updated {}</em></p></body></html>"
    before, after = (page.format(day).encode() for day in ("04/21/2026", "11/30/2026"))
    assert extract(before, "html", ["64600"]).sections != extract(after, "html", ["64600"]).sections
    assert fingerprint(before, "html") != fingerprint(after, "html")
    alone = "<html><body><p>CPT 64600 is experimental.</p><p><em>Page last updated {}</em></p></body></html>"
    assert fingerprint(alone.format("04/21/2026").encode(), "html") == fingerprint(
        alone.format("11/30/2026").encode(), "html"
    )
