"""The shorter roads of the PDF reader (issue 23) give what the longer ones gave, on every kind of PDF
the suite makes: a page's glyphs as pdfplumber's own dicts (``pdfobjects``), and the pypdfium2 pass's
font facts read through raw handles as through pypdfium2's object wrappers (``pdfscan._fonts``)."""

from __future__ import annotations

import ctypes
import io
import math
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pdfplumber
import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest

from tests import hardpdfs, layouts, samples
from tests.test_pdf_hard import POLICY
from tracker.extract.pdfobjects import parse_chars_quickly
from tracker.extract.pdfscan import Fonts, _fonts
from tracker.extract.pdfwords import BOLD_FONT

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from realpdf import real_layout_pdf  # noqa: E402


def _documents() -> Iterator[tuple[str, bytes]]:
    yield "cigna", samples.cigna_policy_pdf(2)
    yield "cigna-rerendered", samples.cigna_policy_pdf(1, rerender=True)
    yield "uhc", samples.uhc_policy_pdf(1)
    yield "long", samples.long_policy_pdf(12)
    yield "real-layout", real_layout_pdf(8)
    yield (
        "rotated",
        hardpdfs.render_pages(
            [
                (POLICY, "upright"),
                (POLICY, "rotate90"),
                (POLICY, "rotate90-counter-drawn"),
                (POLICY, "landscape-sideways"),
            ]
        ),
    )
    for made in layouts.LAYOUTS:
        if made.kind == "pdf" and made.other is not None:
            yield made.name, made.make()
            yield f"{made.name}-fpdf2", made.other()


DOCUMENTS = dict(_documents())


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_glyphs_are_pdfplumbers_own(name: str) -> None:
    with pdfplumber.open(io.BytesIO(DOCUMENTS[name])) as pdf:
        for page in pdf.pages:
            expected = page.parse_objects()  # pdfplumber's road, over the same pdfminer layout
            got = parse_chars_quickly(page).objects
            assert list(got) == list(expected)
            for kind, objects in expected.items():
                assert got[kind] == objects
                assert [list(o) for o in got[kind]] == [list(o) for o in objects]  # the keys' order too


def _fonts_by_wrappers(page: Any) -> Fonts:
    """``_fonts`` as it was written over pypdfium2's ``get_objects`` and ``get_matrix``."""
    largest, bold, paths = 0.0, False, 0
    angles: Counter[int] = Counter()
    size = ctypes.c_float()
    name = ctypes.create_string_buffer(128)
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT, pdfium_c.FPDF_PAGEOBJ_PATH]):
        if obj.type == pdfium_c.FPDF_PAGEOBJ_PATH:
            paths += 1
            continue
        if not pdfium_c.FPDFTextObj_GetFontSize(obj.raw, ctypes.byref(size)):
            continue
        m = obj.get_matrix()
        angles[round(math.degrees(math.atan2(m.b, m.a)) / 90) % 4 * 90] += 1
        largest = max(largest, size.value * math.sqrt(abs(m.a * m.d - m.b * m.c)))
        font = pdfium_c.FPDFTextObj_GetFont(obj.raw)
        if font and not bold:
            length = pdfium_c.FPDFFont_GetBaseFontName(font, name, len(name))
            face = name.value[: max(0, length - 1)].decode("latin-1")
            bold = bool(BOLD_FONT.search(face)) or pdfium_c.FPDFFont_GetWeight(font) >= 600
    upright = angles.most_common(1)[0][0] if angles else page.get_rotation()
    return Fonts(largest=round(largest, 1), bold=bold, paths=paths, upright=upright)


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_font_facts_are_read_as_through_the_wrappers(name: str) -> None:
    doc = pypdfium2.PdfDocument(DOCUMENTS[name])
    try:
        for index in range(len(doc)):
            page = doc[index]
            assert _fonts(page) == _fonts_by_wrappers(page)
            page.close()
    finally:
        doc.close()
