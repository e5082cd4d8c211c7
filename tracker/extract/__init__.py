"""Extraction: document bytes → Extraction (metadata + one section per code hit).

Pure functions: no network, no database, no clock. HTML is read with BeautifulSoup (lxml),
PDF with pdfplumber after a pypdfium2 scan picks the pages worth reading (see ``pdf``),
Medicare articles from the canonical JSON document ``fetch.cms`` writes (see ``mcd``).
May import: tracker.errors, tracker.models, tracker.judge.classify (each section's status).
"""

from __future__ import annotations

from collections.abc import Sequence

from tracker.errors import ExtractError
from tracker.extract import mcd, pdf
from tracker.extract.document import text_lines
from tracker.extract.metadata import metadata_from_text
from tracker.extract.readable import refuse_format, refuse_textless_html
from tracker.extract.sections import Reader, dedupe, finish_blocks
from tracker.models import Extraction

KINDS = ("html", "pdf", "mcd-article")
"""Document kinds extraction reads ("json" is read as "mcd-article", the only JSON the tracker keeps)."""


def extract(
    body: bytes, kind: str, codes: Sequence[str], *, selector: str | None = None, encoding: str | None = None
) -> Extraction:
    """Extract metadata and the sections of ``codes`` from a document.

    ``kind`` is "html", "pdf" or "mcd-article"; ``encoding`` is the charset the server
    declared for an HTML page (it comes before the page's own <meta>, as browsers do).
    Raises ExtractError when the document cannot be read.
    """
    codes = [c.strip().upper() for c in codes if c.strip()]
    refuse_format(body)
    if kind == "html":
        return extract_html(body, codes, selector=selector, encoding=encoding)
    if kind == "pdf":
        return pdf.read_pdf(body, codes)
    if kind in ("mcd-article", "json"):  # "json" is what sniff_kind calls a saved capture (tracker extract)
        return mcd.read_article(body, codes)
    raise ExtractError(f"unknown document kind {kind!r}; expected one of: html, pdf, mcd-article")


def extract_html(
    body: bytes, codes: Sequence[str], *, selector: str | None = None, encoding: str | None = None
) -> Extraction:
    """Metadata and sections of an HTML page (``selector`` limits the sections to part of it)."""
    from tracker.extract import html  # BeautifulSoup and lxml: not on the PDF path (issue 23)

    if not body.strip():
        raise ExtractError("HTML document is empty")
    soup = html.parse(body, encoding)
    page = html.blocks_of(soup)
    refuse_textless_html(body, page)
    blocks = html.blocks_of(soup, selector) if selector else page
    reader = Reader(codes)
    reader.read(finish_blocks(blocks))
    meta = metadata_from_text("\n".join(text_lines(page)), html.title_of(soup, page))
    return Extraction(metadata=meta, sections=dedupe(reader.sections))
