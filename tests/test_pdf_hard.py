"""Hard PDF layouts (issue #12, item 8): rotated pages, hyphenation at line ends, headings told by
their numbering alone. Real PDFs, made by reportlab (tests/hardpdfs.py) and by headless Chromium."""

from __future__ import annotations

from typing import Any

import pytest

from tests import layouts
from tests.hardpdfs import D00, D05, Part, render, render_pages
from tracker.extract import extract, pdf

CODES = ["64600", "64605"]

POLICY = (
    Part("title", "Trigeminal Nerve Destruction"),
    Part("p", "Effective Date: 04/15/2025"),
    Part("heading", "Coverage Policy"),
    Part("p", "Neurolytic destruction of a peripheral trigeminal branch is medically necessary for refractory pain."),
    Part("heading", "Coding Information"),
    Part("b", "Considered Medically Necessary when criteria are met:"),
    Part("table", rows=(("CPT Codes", "Description"), ("64600", D00))),
    Part("b", "Considered Experimental/Investigational/Unproven:"),
    Part("table", rows=(("CPT Codes", "Description"), ("64605", D05))),
)


def read(body: bytes) -> dict[str, Any]:
    """What the tracker reports per code, with each section's code, status, heading path and rows."""
    result = extract(body, "pdf", CODES)
    descriptors = {"64600": D00, "64605": D05}
    return {
        "metadata": (result.metadata.title, result.metadata.effective_date),
        "sections": sorted((s.code, s.status, s.heading, s.text) for s in result.sections),
        "observed": {code: layouts.observe(result, code, descriptors[code]) for code in CODES},
    }


# --------------------------------------------------------------------------- rotated pages


def test_the_upright_policy_reads_as_an_analyst_reads_it() -> None:
    got = read(render(POLICY))
    assert got["metadata"] == ("Trigeminal Nerve Destruction", "2025-04-15")
    assert got["observed"]["64600"]["status"] == "covered" and got["observed"]["64600"]["descriptor"] == D00
    assert got["observed"]["64605"]["status"] == "experimental" and got["observed"]["64605"]["descriptor"] == D05
    headings = {s[0]: s[2] for s in got["sections"]}
    assert headings["64605"] == "Coding Information › Considered Experimental/Investigational/Unproven"


@pytest.mark.parametrize("orientation", ["rotate90", "rotate90-counter-drawn", "landscape-sideways"])
def test_a_rotated_page_reads_as_the_upright_original(orientation: Any) -> None:
    # rotate90: /Rotate 90 over text drawn unrotated (pdfminer used to read it one letter per line);
    # landscape-sideways: text running bottom to top on a landscape sheet (it read reversed: "00646").
    assert read(render(POLICY, orientation)) == read(render(POLICY))


def test_a_sideways_page_inside_a_document_reads_the_same_on_the_fast_path() -> None:
    # Page 3 of 4 holds the codes sideways; pages 2 and 4 are plain text. The pypdfium2 pass must still
    # find the hit, the running footer must still be dropped, and the fast path equal a full analysis.
    filler = (Part("p", "Background. " + "Trigeminal neuralgia is treated first with medication. " * 12),)
    head, codes = POLICY[:4], POLICY[4:]
    pages: list[tuple[Any, Any]] = [(head, "upright"), (filler, "upright"), (codes, "landscape-sideways")]
    pages.append((filler, "upright"))
    body = render_pages(pages)
    upright = render_pages([(p, "upright") for p, _ in pages])
    assert read(body) == read(upright)
    assert pdf.read_pdf(body, CODES, full=True) == pdf.read_pdf(body, CODES)
    assert not any("Page 3 of 4" in s.text for s in pdf.read_pdf(body, CODES).sections)
