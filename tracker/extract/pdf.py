"""PDF extraction: a pypdfium2 pass picks the pages, pdfplumber lays them out.

pdfplumber (the tool of record) lays out only:

* the first two pages with text (pages 1 and 2 unless a blank page opens the file): title,
  metadata and the document's font sizes;
* each page where the pypdfium2 pass found a tracked code (literally or in a range);
* the pages back to the last top-level heading before the hit, skipping pages that hold
  nothing but plain text (no heading-sized or bold text, no rulings), since those cannot
  change the heading path or a table's caption; the page just before the hit is always
  read (a paragraph or table may run on from it);
* the page after a hit when the page ends with the passage that names the code.

The sections equal those of a full analysis of every page (``full=True``, used by the
tests and the benchmark). Pages are closed as soon as they are read, so memory stays flat.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pdfplumber
from pdfplumber.page import Page

from tracker.errors import ExtractError
from tracker.extract.codes import mentions
from tracker.extract.document import Block, text_lines
from tracker.extract.metadata import metadata_from_text
from tracker.extract.normalize import key
from tracker.extract.pdfbudget import check_budget
from tracker.extract.pdflayout import (
    NUMBERED_TOP,
    PAGE_NUMBER,
    Style,
    continues,
    is_furniture,
    joined,
    measure_style,
    read_page,
)
from tracker.extract.pdfobjects import parse_chars_quickly
from tracker.extract.pdfscan import Scan, scan
from tracker.extract.sections import LEVEL_BOLD, LEVEL_LABEL, Reader, dedupe, finish_blocks, heading_level
from tracker.models import Extraction

_SLACK = 0.25
"""Tolerance between pypdfium2's and pdfplumber's idea of a font size."""


def check_bytes(body: bytes) -> None:
    """Reject what is plainly not a whole PDF before any parser sees it."""
    if b"%PDF-" not in body[:1024]:
        raise ExtractError("not a PDF: the %PDF- header is missing (an HTML error page?)")
    if b"%%EOF" not in body[-2048:]:
        raise ExtractError("PDF is truncated: no %%EOF marker at its end (interrupted download?)")
    check_budget(body)  # a decompression bomb is refused before a parser inflates it (issue 23)


@contextmanager
def _opened(body: bytes) -> Iterator[Any]:
    """pdfplumber's document; pdfminer's warnings and errors stay inside this module."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pdfminer warns about benign oddities of real PDFs
        try:
            with pdfplumber.open(io.BytesIO(body)) as pdf:
                yield pdf
        except ExtractError:
            raise
        except Exception as exc:  # pdfminer raises many unrelated types on a damaged file
            raise ExtractError(f"PDF could not be parsed: {type(exc).__name__}: {exc}") from exc


class Pages:
    """Lays out pages with pdfplumber on demand, once each, closing each page straight away."""

    def __init__(self, pdf: Any, found: Scan) -> None:
        self.pdf, self.found = pdf, found
        self.cache: dict[int, list[Block]] = {}
        self.turned: dict[int, Any] = {}
        self.sample = first_text_pages(found)
        self.style: Style = measure_style([self._words(n) for n in self.sample], *self.sample[:1])

    def _words(self, number: int) -> list[dict[str, Any]]:
        words: list[dict[str, Any]] = self.page(number).extract_words(extra_attrs=["size"])
        return words  # the page stays open: ``blocks`` reuses its parsed objects

    def page(self, number: int) -> Any:
        """pdfplumber's page ``number``, turned so that its text reads upright (see ``upright_page``)."""
        if number not in self.turned:
            page = upright_page(self.pdf, number, self.found.fonts[number - 1].upright)
            self.turned[number] = without_phantom_spaces(parse_chars_quickly(page))
        return self.turned[number]

    def blocks(self, number: int) -> list[Block]:
        """The blocks of page ``number`` (1-based)."""
        if number not in self.cache:
            page = self.page(number)
            try:
                self.cache[number] = read_page(page, number, self.style, self.found.chrome)
            finally:
                page.close()  # drops pdfplumber's per-page caches
                page.root_page.close()
        return self.cache[number]

    def lowest_possible_level(self, number: int) -> int:
        """The most important heading level page ``number`` could hold (pypdfium2's view):
        1 with text as large as a top-level heading, 2 with any larger-than-body text, the level
        of a roman-numbered heading with a line that reads like a numbered heading, LEVEL_BOLD
        with bold text, and a level below every heading for plain text."""
        fonts, style = self.found.fonts[number - 1], self.style
        if fonts.largest >= style.top - _SLACK:
            return 1
        if fonts.largest >= style.body + 1.5 - _SLACK:
            return 2
        if fonts.numbered:
            return NUMBERED_TOP
        return LEVEL_BOLD if fonts.bold else LEVEL_LABEL + 1


def first_text_pages(found: Scan) -> list[int]:
    """The first two pages with text (pages 1 and 2 unless the producer opened with a blank page):
    they give the title, the metadata and the document's font sizes."""
    texts = [n for n in range(1, found.pages + 1) if found.fonts[n - 1].largest > 0][:2]
    return texts or [n for n in (1, 2) if n <= found.pages]


def upright_page(pdf: Any, number: int, upright: int) -> Any:
    """Page ``number`` displayed under the /Rotate that sets its text upright.

    pdfminer lays text out as the page is displayed (its /Rotate applied); a page whose text is
    drawn sideways (a landscape table printed on a portrait sheet, a /Rotate 90 page whose
    producer drew the text unrotated) would read one letter per line. Such a page is read as
    if its /Rotate were the text's own angle, which is how a reader turns it to read it.
    """
    page = pdf.pages[number - 1]
    if page.rotation == upright:
        return page
    page_obj = page.page_obj
    page_obj.attrs = {**page_obj.attrs, "Rotate": upright}
    page_obj.rotate = upright
    return Page(pdf, page_obj, page_number=number, initial_doctop=page.initial_doctop)


def without_phantom_spaces(page: Any) -> Any:
    """The page without the spaces that take no room: the next letter starts where the space does.

    Chromium prints a soft hyphen as such a space (inside "medi\u00adcally" on one line, and
    before the hyphen it draws where it breaks the line there); pdfplumber would cut the word
    at it ("medi cally", "investi \u2010"), so no wording rule could match the phrase.
    """
    chars = page.chars
    phantom = {
        id(char)
        for char, after in zip(chars, chars[1:], strict=False)
        if char["text"].isspace()
        and abs(after["top"] - char["top"]) < 1
        and after["x0"] < (char["x0"] + char["x1"]) / 2
    }
    return page.filter(lambda obj: id(obj) not in phantom) if phantom else page


def _mentioned(block: Block, codes: Sequence[str]) -> bool:
    text = " ".join([block.text, block.caption, *(" ".join(r) for r in block.rows)])
    return any(mentions(text, code) for code in codes)


def _levels(blocks: Sequence[Block], codes: Sequence[str] | None = None) -> list[int]:
    """Heading levels in ``blocks`` (only those before the first mention of ``codes``, if given)."""
    levels = []
    for block in blocks:
        if codes is not None and _mentioned(block, codes):
            break
        level = 0 if block.kind == "title" else heading_level(block)
        if level is not None:
            levels.append(level)
    return levels


def _opens_with_table(blocks: Sequence[Block]) -> bool:
    return bool(blocks) and blocks[0].kind == "table"


def context_pages(pages: Pages, hit: int, codes: Sequence[str]) -> set[int]:
    """The pages needed to read the hits on page ``hit`` exactly as a full analysis would.

    Walking back from the hit, a page matters if it may hold a heading more important than
    every heading met so far (a less important one is closed by the nearer heading), or if
    a table runs on from it into the pages already taken; the walk ends at a top-level
    heading.
    """
    blocks = pages.blocks(hit)
    needed = {hit}
    if blocks and _mentioned(blocks[-1], codes) and hit < pages.found.pages:
        if may_run_on(blocks[-1], pages.found.fonts[hit].head, pages.found.chrome):
            needed.add(hit + 1)  # the passage may run on, or its footnotes sit on the next page
    lowest = min(_levels(blocks, codes), default=LEVEL_LABEL + 1)
    number = hit
    while number > 1 and lowest > 1:
        number -= 1
        after = pages.blocks(number + 1) if number + 1 in needed else []
        runs_on = bool(after) and (
            _opens_with_table(after)
            or (number == hit - 1 and may_run_into(after[0], pages.found.fonts[number - 1].tail, pages.found.chrome))
        )
        if runs_on or pages.lowest_possible_level(number) < lowest:
            needed.add(number)
            lowest = min([lowest, *_levels(pages.blocks(number))])
    return needed


def _body_line(lines: Sequence[str], chrome: frozenset[str]) -> str | None:
    """The first of ``lines`` that is text, not page furniture (None when there is none)."""
    return next(
        (ln for ln in lines if key(ln) not in chrome and not is_furniture(ln) and not PAGE_NUMBER.match(ln)),
        None,
    )


def may_run_on(last: Block, next_head: Sequence[str], chrome: frozenset[str]) -> bool:
    """Whether the page after the one ending with ``last`` may continue it (``join_pages``): a
    table may go on (its footnotes too); a paragraph as ``continues`` says, the next page's
    first block stood in for by its first line of text (pypdfium2's)."""
    if last.kind == "table":
        return True
    first = _body_line(next_head, chrome)
    if first is None:
        return last.kind in ("paragraph", "item") and not last.label
    return continues(last, Block("paragraph", text=first))


def may_run_into(first: Block, previous_tail: Sequence[str], chrome: frozenset[str]) -> bool:
    """Whether ``first`` (a page's first block) may continue the page before: a table may; a
    paragraph as ``continues`` says, the page before's last block stood in for by its last line
    of text (pypdfium2's)."""
    if first.kind == "table":
        return True
    last = _body_line(list(reversed(previous_tail)), chrome)
    if last is None:
        return first.kind == "paragraph" and not first.label
    return continues(Block("paragraph", text=last), first)


def pages_to_read(pages: Pages, codes: Sequence[str], full: bool) -> list[int]:
    """Page numbers to lay out, in order (every page when ``full``)."""
    if full:
        return list(range(1, pages.found.pages + 1))
    wanted = set(pages.sample)
    for hit in pages.found.hits:
        wanted |= context_pages(pages, hit, codes)
    return sorted(wanted)


def join_pages(per_page: Iterable[tuple[int, Sequence[Block]]]) -> list[Block]:
    """Blocks of the pages in order. Across a page break (consecutive pages only), a cut
    paragraph is rejoined and a continued table is marked ``continued`` (its rows keep their
    own page; caption and header come from the part before)."""
    out: list[Block] = []
    previous = 0
    for number, blocks in per_page:
        out = joined(out, blocks) if number == previous + 1 else [*out, *blocks]
        previous = number
    return out


def read_pdf(body: bytes, codes: Sequence[str], *, full: bool = False) -> Extraction:
    """Metadata and sections of ``codes`` in a PDF (``full`` lays out every page)."""
    check_bytes(body)
    found = scan(body, codes)
    with _opened(body) as pdf:
        pages = Pages(pdf, found)
        first = pages.blocks(pages.style.first) if found.pages else []
        reader = Reader(codes)
        numbers = pages_to_read(pages, codes, full)
        reader.read(finish_blocks(join_pages((n, pages.blocks(n)) for n in numbers)))
    title = next((b.text for b in first if b.kind == "title"), None)
    meta = metadata_from_text("\n".join(text_lines(first)), title)
    return Extraction(metadata=meta, sections=dedupe(reader.sections))


def read_blocks(body: bytes) -> list[Block]:
    """Every page of a PDF as finished blocks (headings, paragraphs, tables): for inspection."""
    check_bytes(body)
    found = scan(body, [])
    with _opened(body) as pdf:
        pages = Pages(pdf, found)
        return finish_blocks(join_pages((n, pages.blocks(n)) for n in range(1, found.pages + 1)))
