"""A running footer set close under a table that runs on to the next page is furniture, not body.

Cigna's coverage policies print "Medical Coverage Policy: NNNN" at the foot of every page, a line's
height under the last row when a code table fills the page. Read as body, it cut the table in two
and the part on the next page lost its label ("Considered Experimental/Investigational/Unproven:").
"""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

from tests.layouts import D00
from tracker.extract import extract

LABEL = "Considered Experimental/Investigational/Unproven:"


def _policy() -> bytes:
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=letter, invariant=1)
    rows = [(f"6{4400 + k:04d}", f"Injection, anesthetic agent; nerve branch {k}") for k in range(52)]
    rows.append(("64600", D00))
    y, page = 700.0, 1
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(72, 740, "Peripheral Nerve Destruction")
    canvas.setFont("Helvetica-Bold", 10)
    canvas.drawString(72, 720, "Coding Information")
    canvas.setFont("Helvetica", 10)
    canvas.drawString(72, y, LABEL)
    y -= 18
    for code, text in rows:
        if y < 40:  # the page is full: the footer goes a line under the last row, the table runs on
            canvas.drawString(72, y, "Medical Coverage Policy: 0999")
            canvas.drawString(500, y, f"Page {page}")
            canvas.showPage()
            canvas.setFont("Helvetica", 10)
            page += 1
            y = 740.0
        canvas.drawString(72, y, code)
        canvas.drawString(130, y, text[:80])
        y -= 12.5
    canvas.drawString(72, 30, "Medical Coverage Policy: 0999")
    canvas.drawString(500, 30, f"Page {page}")
    canvas.save()
    return buf.getvalue()


def test_a_footer_close_under_a_table_does_not_cut_it() -> None:
    sections = extract(_policy(), "pdf", ["64600"]).for_code("64600")
    assert sections and all(s.page == 2 for s in sections)
    assert {s.status for s in sections} == {"experimental"}, [(s.heading, s.text) for s in sections]
    assert any(LABEL.rstrip(":") in s.heading or LABEL in s.text for s in sections)
