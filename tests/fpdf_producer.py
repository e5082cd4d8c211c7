"""A third PDF producer for the invariance suite: fpdf2 writes the PDF layout fixtures' parts.

reportlab (the fixtures) and Chromium (printing their HTML twins) set type, break lines and
draw tables each their own way; fpdf2 is a third: its own text runs, its own table cells
(``FPDF.table``), its own soft-hyphen and line-breaking rules, and a TrueType font embedded
as a subset (Bitstream Vera, which reportlab ships, so no system font is needed).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import reportlab
from fpdf import FPDF
from fpdf.enums import TableBordersLayout

if TYPE_CHECKING:
    from tests.layouts import Part

_FONTS = Path(reportlab.__file__).parent / "fonts"
_SIZES = {"title": 17.0, "heading": 13.0, "caps": 10.0, "b": 10.0, "p": 10.0, "li": 10.0, "note": 8.0}
_MISSING = str.maketrans({"\u2010": "-"})  # a glyph Vera lacks; the hyphen reads the same


class _Document(FPDF):
    def __init__(self, footer: str) -> None:
        super().__init__(format="letter", unit="pt")
        self.footer_text = footer
        self.set_margins(54, 64, 54)
        self.set_auto_page_break(True, margin=72)
        self.add_font("Vera", "", str(_FONTS / "Vera.ttf"))
        self.add_font("Vera", "B", str(_FONTS / "VeraBd.ttf"))

    def footer(self) -> None:
        self.set_y(-48)
        self.set_font("Vera", "", 8)
        self.cell(0, 10, f"{self.footer_text}    Page {self.page_no()}")


def fpdf_pdf(parts: Sequence[Part], footer: str) -> bytes:
    """The parts as a PDF made by fpdf2 (one column; fpdf2's text columns hold no tables)."""
    pdf = _Document(footer)
    pdf.add_page()
    for part in parts:
        if part.kind == "page":
            pdf.add_page()
        elif part.kind == "table":
            _table(pdf, part)
        else:
            _text(pdf, part)
    return bytes(pdf.output())


def _text(pdf: FPDF, part: Part) -> None:
    size = _SIZES.get(part.kind, 10.0)
    bold = part.kind in ("title", "heading", "caps", "b")
    pdf.set_font("Vera", "B" if bold else "", size)
    text = part.text.translate(_MISSING)
    if part.kind == "li":
        pdf.set_x(pdf.l_margin + 6)
        pdf.cell(12, size * 1.25, "\u2022")
        pdf.multi_cell(0, size * 1.25, text, new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.multi_cell(0, size * 1.25, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(size * 0.6)


def _table(pdf: FPDF, part: Part) -> None:
    pdf.set_font("Vera", "", 9)
    width = max(len(r) for r in part.rows)
    layout = TableBordersLayout.ALL if part.ruled else TableBordersLayout.NONE
    heads = not any(_code_like(cell) for cell in part.rows[0])
    options: dict[str, Any] = {"col_widths": part.widths[:width], "width": sum(part.widths[:width])}
    with pdf.table(borders_layout=layout, first_row_as_headings=heads, line_height=11, align="LEFT", **options) as t:
        for row in part.rows:
            cells = t.row()
            if len(row) == 1:
                cells.cell(row[0].translate(_MISSING), colspan=width)
            else:
                for cell in row:
                    cells.cell(cell.translate(_MISSING))
    pdf.ln(6)


def _code_like(cell: str) -> bool:
    token = cell.split()[0] if cell.split() else ""
    return len(token.rstrip("*")) == 5 and sum(c.isdigit() for c in token) >= 4
