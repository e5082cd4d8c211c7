"""PDF fixtures for the hard layouts of issue #12, item 8: rotated pages, words hyphenated at a
line end, headings told by their numbering alone.

Each fixture is one short policy of ours (no payer's prose), drawn with reportlab straight onto
a canvas so the same content can be laid out upright, on a page with /Rotate 90, or sideways on
a landscape sheet. Line breaks are given explicitly ("\\n" in a part's text) so a word can be
cut where a real renderer cuts it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Literal

from reportlab.lib.pagesizes import landscape, letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, Paragraph, Table, TableStyle

from tests.samples import BODY, BOLD, CELL, CELL_BOLD, H1, TITLE

D00 = (
    "Destruction by neurolytic agent, trigeminal nerve; supraorbital, infraorbital, mental, or inferior alveolar branch"
)
D05 = "Destruction by neurolytic agent, trigeminal nerve; second and third division branches at foramen ovale"

_DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
_DEJAVU_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


@dataclass(frozen=True)
class Part:
    """title, heading (13 pt bold), b (bold body), p (body), table (rows; first row is the header)."""

    kind: Literal["title", "heading", "b", "p", "table"]
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()


def unicode_fonts() -> tuple[str, str]:
    """DejaVu Sans (regular, bold) embedded with a ToUnicode map: U+00AD and U+2010 survive extraction."""
    if "DejaVuSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVuSans", _DEJAVU))
        pdfmetrics.registerFont(TTFont("DejaVuSans-Bold", _DEJAVU_BOLD))
    return "DejaVuSans", "DejaVuSans-Bold"


def _styles(font: str | None) -> dict[str, ParagraphStyle]:
    styles = {"title": TITLE, "heading": H1, "b": BOLD, "p": BODY, "cell": CELL, "cellb": CELL_BOLD}
    if font is None:
        return styles
    regular, bold = font, f"{font}-Bold"
    return {
        name: ParagraphStyle(f"{name}-{font}", parent=style, fontName=bold if "Bold" in style.fontName else regular)
        for name, style in styles.items()
    }


class Lines(Flowable):
    """Lines drawn as given with ``drawString`` (reportlab's Paragraph drops a soft hyphen; a
    producer that prints one at a line end, as word processors do, keeps U+00AD in the text)."""

    def __init__(self, text: str, style: ParagraphStyle) -> None:
        super().__init__()
        self.lines, self.style = text.split("\n"), style

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, self.style.leading * len(self.lines) + self.style.spaceAfter

    def draw(self) -> None:
        self.canv.setFont(self.style.fontName, self.style.fontSize)
        for i, line in enumerate(self.lines):
            self.canv.drawString(0, self.style.spaceAfter + self.style.leading * (len(self.lines) - 1 - i) + 2, line)


def _text(text: str, style: ParagraphStyle) -> Flowable:
    return Lines(text, style) if "\u00ad" in text else Paragraph(_markup(text), style)


def _markup(text: str) -> str:
    return escape(text, quote=False).replace("\n", "<br/>")


def story(parts: Sequence[Part], font: str | None = None) -> list[Flowable]:
    """The flowables of ``parts`` ("\\n" in a text is a forced line break)."""
    styles = _styles(font)
    out: list[Flowable] = []
    for part in parts:
        if part.kind == "table":
            out.append(_table(part.rows, styles))
        else:
            out.append(_text(part.text, styles[part.kind]))
    return out


def _table(rows: Sequence[Sequence[str]], styles: dict[str, ParagraphStyle]) -> Flowable:
    """A ruled table as tests.samples draws one (header row bold), in the fixture's fonts."""
    cells = [[_text(c, styles["cellb" if i == 0 else "cell"]) for c in row] for i, row in enumerate(rows)]
    table = Table(cells, colWidths=[80, 420][: len(rows[0])] if len(rows[0]) <= 2 else None, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 4),
                ("GRID", (0, 0), (-1, -1), 0.6, (0, 0, 0)),
            ]
        )
    )
    return table


Orientation = Literal["upright", "rotate90", "rotate90-counter-drawn", "landscape-sideways"]


def render(parts: Sequence[Part], orientation: Orientation = "upright", font: str | None = None) -> bytes:
    """One page of ``parts`` (see ``render_pages``)."""
    return render_pages([(parts, orientation)], font=font)


def render_pages(pages: Sequence[tuple[Sequence[Part], Orientation]], font: str | None = None) -> bytes:
    """A PDF of one page per entry, each laid out as its orientation says, with a running footer.

    upright: portrait letter. rotate90: the same page with /Rotate 90, text drawn unrotated (a
    viewer shows it sideways). rotate90-counter-drawn: /Rotate 90 with the content drawn turned
    back, so it displays as an upright landscape page (how Word saves a landscape section).
    landscape-sideways: a landscape sheet whose text runs bottom to top (a portrait page printed
    sideways), no /Rotate.
    """
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=letter, invariant=1)
    for number, (parts, orientation) in enumerate(pages, 1):
        canvas.saveState()
        frame, footer = _orient(canvas, orientation)
        frame.addFromList(story(parts, font), canvas)
        canvas.setFont("Helvetica", 8)
        canvas.drawString(54, footer, f"Trigeminal Nerve Destruction    Page {number} of {len(pages)}")
        canvas.restoreState()
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


def _orient(canvas: Canvas, orientation: Orientation) -> tuple[Frame, float]:
    """Set the page size, /Rotate and transform for ``orientation``; the frame and footer y to draw in."""
    width, height = letter
    canvas.setPageSize(landscape(letter) if orientation == "landscape-sideways" else letter)
    canvas.setPageRotation(90 if orientation.startswith("rotate90") else 0)
    if orientation == "rotate90-counter-drawn":
        canvas.translate(width, 0)
        canvas.rotate(90)
        return Frame(54, 54, height - 108, width - 108), 36
    if orientation == "landscape-sideways":
        canvas.translate(height, 0)
        canvas.rotate(90)
    return Frame(54, 72, width - 108, height - 136), 44
