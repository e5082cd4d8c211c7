"""The fast PDF path (only the pages a hit needs are laid out) reads exactly what a full analysis
of every page reads, on every PDF the suite has: each layout fixture as reportlab, Chromium
(one and two text columns) and fpdf2 make it, the payer samples, and long policies whose
mentions end a page with a sentence, or run on to the next page mid-sentence."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import letter
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

from tests import layouts, samples
from tests.chromium_pdf import print_all
from tests.test_invariance import HTML, in_two_columns, panels_opened
from tracker.extract.pdf import read_pdf

CODES = ["64600", "64605"]


def _same(body: bytes) -> None:
    assert read_pdf(body, CODES) == read_pdf(body, CODES, full=True)


@pytest.mark.parametrize("made", [m for m in layouts.LAYOUTS if m.kind == "pdf"], ids=lambda m: m.name)
def test_every_pdf_layout_fixture_and_its_fpdf2_twin(made: layouts.Layout) -> None:
    _same(made.make())
    assert made.other is not None
    _same(made.other())


def test_every_page_printed_by_chromium(request: pytest.FixtureRequest) -> None:
    cache: Path = request.config.cache.mkdir("chromium-pdf")  # type: ignore[union-attr]
    pages = [panels_opened(f.body()) for f in HTML]
    for body in print_all([*pages, *(in_two_columns(p) for p in pages)], cache):
        _same(body)


@pytest.mark.parametrize("version", [1, 2])
def test_the_payer_samples(version: int) -> None:
    _same(samples.cigna_policy_pdf(version))
    _same(samples.uhc_policy_pdf(version))


def _long(ends: str) -> bytes:
    """Twelve pages; 64600 is named at the end of every other page, in a sentence that ``ends``
    there ("." on the page) or runs on over the page break ("" — the sentence goes on overleaf)."""
    flow = [Paragraph("Peripheral Nerve Destruction", samples.TITLE), Paragraph("General Background", samples.H1)]
    for number in range(1, 13):
        flow += [Paragraph(samples.FILLER, samples.BODY) for _ in range(5)]
        if number % 2 == 0:
            flow.append(Paragraph(f"Neurolysis of a trigeminal branch (CPT 64600) is covered{ends}", samples.BODY))
            if not ends:
                flow += [PageBreak(), Paragraph("when the criteria in the policy are met.", samples.BODY)]
        flow.append(PageBreak())
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=letter, invariant=1).build(flow)
    return buf.getvalue()


@pytest.mark.parametrize("ends", [".", ""], ids=["sentence-ends", "runs-on"])
def test_long_policies_whose_mentions_end_a_page(ends: str) -> None:
    body = _long(ends)
    _same(body)
    texts = [s.text for s in read_pdf(body, CODES).sections]
    assert all(t.endswith("covered." if ends else "when the criteria in the policy are met.") for t in texts)
