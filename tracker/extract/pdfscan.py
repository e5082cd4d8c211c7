"""The quick pass over every page with pypdfium2: where the codes are, what repeats, which
pages can hold a heading.

pypdfium2 reads a page's text in about a millisecond, against ~100 ms for pdfplumber's
layout, so it decides which pages pdfplumber must lay out (see ``tracker.extract.pdf``).
"""

from __future__ import annotations

import ctypes
import math
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pypdfium2
import pypdfium2.raw as pdfium_c

from tracker.errors import ExtractError
from tracker.extract.codes import mentions
from tracker.extract.normalize import clean, key
from tracker.extract.pdflayout import BAND, NUMBERED_HEADING
from tracker.extract.pdfwords import BOLD_FONT

_EDGE = 300
"""Characters at each page edge searched together, for a range split across a page break."""
_EDGE_LINES = 3
"""Lines kept from each end of a page's body text: whether a paragraph runs on across the break."""
_TEXT, _PATH, _FORM = pdfium_c.FPDF_PAGEOBJ_TEXT, pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_FORM


@dataclass(frozen=True)
class Fonts:
    """What a page's drawing objects say about its layout."""

    largest: float
    """Largest font size on the page (text objects, transformation applied)."""
    bold: bool
    """Some text is set in a bold face."""
    paths: int
    """Number of path objects (table rulings, boxes)."""
    numbered: bool = False
    """Some line reads like a heading told by its numbering alone ("II. PROCEDURE CODES")."""
    upright: int = 0
    """The /Rotate (0, 90, 180, 270) under which most of the page's text reads upright: its text's angle
    on the page, whatever the page's own /Rotate says (a landscape table drawn sideways, a page
    rotated for display whose text was not)."""
    head: tuple[str, ...] = ()
    """The first lines of the page's text between its top and bottom bands."""
    tail: tuple[str, ...] = ()
    """The last lines of the page's text between its top and bottom bands."""


@dataclass(frozen=True)
class Scan:
    """The quick pass: hit pages (1-based), running header/footer keys, per-page fonts."""

    pages: int
    hits: tuple[int, ...]
    chrome: frozenset[str]
    fonts: tuple[Fonts, ...]


_PDFIUM = threading.Lock()
"""PDFium is not thread-safe: one document at a time, whichever thread extracts."""
PDFIUM_LOCK = _PDFIUM
"""The same lock, for the other readers of PDFium (the fingerprint)."""


def scan(body: bytes, codes: Sequence[str]) -> Scan:
    """Read every page with pypdfium2; raise ExtractError when the PDF cannot be read."""
    with _PDFIUM:
        try:
            doc = pypdfium2.PdfDocument(body)
        except pypdfium2.PdfiumError as exc:
            raise ExtractError(f"PDF could not be opened: {exc}") from exc
        try:
            return _scan_pages(doc, codes)
        except pypdfium2.PdfiumError as exc:
            raise ExtractError(f"PDF could not be read: {exc}") from exc
        finally:
            doc.close()


def _scan_pages(doc: Any, codes: Sequence[str]) -> Scan:
    bands: Counter[str] = Counter()
    hits: set[int] = set()
    fonts: list[Fonts] = []
    previous, chars = "", 0
    for index in range(len(doc)):
        page = doc[index]
        try:
            page_fonts = _fonts(page)
            text, band_keys, numbered, body = _page_text(page, page_fonts.upright)
            lines = tuple(clean(line) for line in body.splitlines() if line.strip())
            fonts.append(replace(page_fonts, numbered=numbered, head=lines[:_EDGE_LINES], tail=lines[-_EDGE_LINES:]))
        finally:
            page.close()
        chars += len(text)
        bands.update(band_keys)
        if any(mentions(text, code) for code in codes):
            hits.add(index + 1)
        elif previous and any(_across(previous[-_EDGE:], text[:_EDGE], c) for c in codes):
            hits.update({index, index + 1})
        previous = text
    if len(doc) and chars == 0:
        raise ExtractError("PDF has no text layer (a scanned image?); it cannot be read without OCR")
    need = max(2, math.ceil(0.5 * len(doc)))
    chrome = frozenset(k for k, n in bands.items() if n >= need)
    return Scan(pages=len(doc), hits=tuple(sorted(hits)), chrome=chrome, fonts=tuple(fonts))


def _across(tail: str, head: str, code: str) -> bool:
    """A mention that exists only when the end of one page is read with the start of the next."""
    return not mentions(tail, code) and mentions(tail + " " + head, code)


def _page_text(page: Any, upright: int) -> tuple[str, set[str], bool, str]:
    """The page's text, the keys of the lines in its top and bottom bands (as the text reads: the
    left and right edges of the page when its text runs sideways), whether a line reads like a
    heading told by its numbering alone, and the text between the bands."""
    textpage = page.get_textpage()
    try:
        width, height = page.get_size()
        text = textpage.get_text_range()
        if upright in (90, 270):
            edge = width * BAND + 4
            top = textpage.get_text_bounded(0, 0, edge, height)
            bottom = textpage.get_text_bounded(width - edge, 0, width, height)
            body = textpage.get_text_bounded(edge, 0, width - edge, height)
        else:
            edge = height * BAND + 4
            top = textpage.get_text_bounded(0, height - edge, width, height)
            bottom = textpage.get_text_bounded(0, 0, width, edge)
            body = textpage.get_text_bounded(0, edge, width, height - edge)
    finally:
        textpage.close()
    keys = {key(line) for line in (top + "\n" + bottom).splitlines() if line.strip()}
    numbered = any(NUMBERED_HEADING.match(line.strip()) for line in text.splitlines())
    return clean(text), keys, numbered, body


def _angle(b: float, a: float) -> int:
    """The text matrix's direction, to the nearest quarter turn (degrees counter-clockwise)."""
    if b == 0.0 and a != 0.0:
        return 0 if a > 0 else 180  # upright or upside down: no trigonometry needed
    return round(math.degrees(math.atan2(b, a)) / 90) % 4 * 90


_DEPTH = 15
"""Form XObjects nested deeper than this are not looked into (pypdfium2's ``get_objects`` default)."""


def _objects(page: Any) -> Iterator[tuple[int, Any]]:
    """The type and raw handle of every object on ``page``, Form XObjects' contents included, in
    the order of pypdfium2's ``get_objects`` (its wrappers cost more than the objects' reading)."""
    stack: list[tuple[Any, bool, int, int]] = [(page.raw, False, 0, pdfium_c.FPDFPage_CountObjects(page.raw))]
    while stack:
        parent, form, index, count = stack.pop()
        if index >= count:
            continue
        obj = (pdfium_c.FPDFFormObj_GetObject if form else pdfium_c.FPDFPage_GetObject)(parent, index)
        stack.append((parent, form, index + 1, count))
        if not obj:
            raise pypdfium2.PdfiumError("Failed to get pageobject.")
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        yield kind, obj
        if kind == _FORM and len(stack) < _DEPTH:
            stack.append((obj, True, 0, pdfium_c.FPDFFormObj_CountObjects(obj)))


def _fonts(page: Any) -> Fonts:
    largest, bold, paths = 0.0, False, 0
    angles: Counter[int] = Counter()
    size = ctypes.c_float()
    matrix = pdfium_c.FS_MATRIX()
    name = ctypes.create_string_buffer(128)
    for kind, obj in _objects(page):
        if kind == _PATH:
            paths += 1
            continue
        if kind != _TEXT or not pdfium_c.FPDFTextObj_GetFontSize(obj, ctypes.byref(size)):
            continue
        if not pdfium_c.FPDFPageObj_GetMatrix(obj, matrix):
            raise pypdfium2.PdfiumError("Failed to get matrix of pageobject.")
        angles[_angle(matrix.b, matrix.a)] += 1
        largest = max(largest, size.value * math.sqrt(abs(matrix.a * matrix.d - matrix.b * matrix.c)))
        if not bold:
            bold = _bold(pdfium_c.FPDFTextObj_GetFont(obj), name)
    upright = angles.most_common(1)[0][0] if angles else page.get_rotation()
    return Fonts(largest=round(largest, 1), bold=bold, paths=paths, upright=upright)


def _bold(font: Any, name: Any) -> bool:
    """Whether a text object's font is a bold face (by its name or its weight)."""
    if not font:
        return False
    length = pdfium_c.FPDFFont_GetBaseFontName(font, name, len(name))
    face = name.value[: max(0, length - 1)].decode("latin-1")
    return bool(BOLD_FONT.search(face)) or pdfium_c.FPDFFont_GetWeight(font) >= 600
