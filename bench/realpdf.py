"""A long policy PDF laid out as the payers lay theirs out, naming a code on every other page.

Running header and "Page x of y" / policy-number footer on every page, a header block on page 1,
numbered and bold sub-headings, ruled code tables that run on across page breaks, an unruled
"Applicable Codes" list, two-column background chapters, and paragraphs cut by page breaks.
A code mention is drawn by page parity (``Parity``): 64600 on even pages, 64640 (the same width
in Helvetica) on odd ones, so exactly the even pages name 64600 wherever the text falls.
Used by ``bench/extract.py`` (the 60-of-120 real-layout measurement). Deterministic bytes.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=12.5, spaceAfter=6)
BOLD = ParagraphStyle("bold", parent=BODY, fontName="Helvetica-Bold")
H1 = ParagraphStyle("h1", fontName="Helvetica-Bold", fontSize=13, leading=16, spaceBefore=8, spaceAfter=6)
TITLE = ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=17, leading=21, spaceAfter=8)
CELL = ParagraphStyle("cell", fontName="Helvetica", fontSize=9, leading=11)
CELL_BOLD = ParagraphStyle("cellb", parent=CELL, fontName="Helvetica-Bold")
NOTE = ParagraphStyle("note", fontName="Helvetica", fontSize=8, leading=10, spaceAfter=6)

TITLE_TEXT = "Peripheral Nerve Destruction for Pain Conditions"
HIT, MISS = "64600", "64640"
DESCRIPTORS = {
    "64600": "Destruction by neurolytic agent, trigeminal nerve; supraorbital, infraorbital, mental, or inferior "
    "alveolar branch",
    "64605": "Destruction by neurolytic agent, trigeminal nerve; second and third division branches at foramen ovale",
    "64620": "Destruction by neurolytic agent, intercostal nerve",
    "64640": "Destruction by neurolytic agent; other peripheral nerve or branch",
    "64999": "Unlisted procedure, nervous system",
}
FILLERS = (
    "Trigeminal neuralgia is characterized by paroxysmal, lancinating facial pain in the distribution of one or "
    "more branches of the fifth cranial nerve. Treatment begins with anticonvulsant medication; procedures are "
    "reserved for individuals whose pain is refractory to, or who cannot tolerate, pharmacotherapy.",
    "Published series report initial pain relief in most patients, with recurrence rates that rise over several "
    "years of follow-up and vary with the technique, the operator and the population studied, so that "
    "comparisons between series are uncertain",
    "Outcomes were measured on a visual analogue scale at one, three, six and twelve months; a reduction of at "
    "least 50% from baseline was counted as a response, and repeat procedures were recorded separately.",
)
MENTION = (
    "Peripheral branch neurolysis (CPT {code}) with alcohol or glycerol can be repeated when pain recurs; most "
    "series report relief lasting 6 to 12 months, and the evidence for repeat treatment is limited to small "
    "case series without controls."
)
CHAPTERS = ("Clinical Studies", "Professional Societies", "Comparative Effectiveness", "Adverse Events")


class Parity(Flowable):
    """Two flowables of the same size: the first drawn on even pages, the second on odd ones."""

    def __init__(self, even: Flowable, odd: Flowable) -> None:
        super().__init__()
        self.even, self.odd = even, odd

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.odd.wrap(aw, ah)
        width, height = self.even.wrap(aw, ah)
        self.width, self.height = width, height
        return width, height

    def split(self, aw: float, ah: float) -> list[Flowable]:
        evens, odds = self.even.split(aw, ah), self.odd.split(aw, ah)
        if len(evens) != len(odds):
            return []
        return [Parity(e, o) for e, o in zip(evens, odds, strict=True)]

    def getSpaceBefore(self) -> float:  # noqa: N802 - reportlab's name
        return float(self.even.getSpaceBefore())

    def getSpaceAfter(self) -> float:  # noqa: N802 - reportlab's name
        return float(self.even.getSpaceAfter())

    def draw(self) -> None:
        chosen = self.even if self.canv.getPageNumber() % 2 == 0 else self.odd
        chosen.drawOn(self.canv, 0, 0)


def _mention(text: str, style: ParagraphStyle = BODY) -> Parity:
    return Parity(Paragraph(text.format(code=HIT), style), Paragraph(text.format(code=MISS), style))


def _code_row(code: str) -> list[Flowable]:
    if code == HIT:
        return [_mention("{code}", CELL), Paragraph(DESCRIPTORS[HIT], CELL)]
    return [Paragraph(code, CELL), Paragraph(DESCRIPTORS[code], CELL)]


def _table(rows: list[list[Flowable]], widths: tuple[float, ...], *, ruled: bool) -> Table:
    style: list[tuple[Any, ...]] = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 4)]
    if ruled:
        style.append(("GRID", (0, 0), (-1, -1), 0.6, (0, 0, 0)))
    table = Table(rows, colWidths=list(widths), hAlign="LEFT", repeatRows=1 if ruled else 0)
    table.setStyle(TableStyle(style))
    return table


def _code_table(index: int, *, ruled: bool) -> Table:
    head = [Paragraph("CPT\u00ae Codes", CELL_BOLD), Paragraph("Description", CELL_BOLD)]
    codes = ["64605", HIT, "64620", "64999"] * (1 + index % 3)
    return _table([head, *[_code_row(c) for c in codes]], (80, 420), ruled=ruled)


def _chapter(index: int) -> list[Flowable]:
    """One chapter: a heading, text with mentions, a code table every other chapter."""
    flow: list[Flowable] = [Paragraph(f"{index + 1}. {CHAPTERS[index % len(CHAPTERS)]}", H1)]
    for n in range(9):
        if n % 3 == 1:
            flow.append(_mention(MENTION))
        else:
            flow.append(Paragraph(FILLERS[(index + n) % len(FILLERS)], BODY))
        if n == 4:
            flow.append(Paragraph(f"Findings in Cohort {index + 1}", BOLD))
    if index % 2 == 0:
        flow += [
            Paragraph("Considered medically necessary when criteria in the policy statement above are met:", BOLD),
            _code_table(index, ruled=index % 4 == 0),
            Paragraph("*Prior authorization is required for the codes above in every setting.", NOTE),
        ]
    return flow


def _decorate(canvas: Canvas, doc: Any) -> None:
    canvas.saveState()
    canvas.setFont("Helvetica", 8)
    if doc.page > 1:
        canvas.drawString(54, letter[1] - 40, TITLE_TEXT)
        canvas.drawRightString(letter[0] - 54, letter[1] - 40, "Coverage Policy Number: 0525")
    canvas.drawString(54, 50, f"Page {doc.page} of {{total}}".replace("{total}", str(doc.total)))
    canvas.drawString(54, 40, "Medical Coverage Policy: 0525")
    canvas.restoreState()


class _Doc(BaseDocTemplate):
    def __init__(self, buf: io.BytesIO, total: int) -> None:
        super().__init__(
            buf, pagesize=letter, leftMargin=54, rightMargin=54, topMargin=64, bottomMargin=72, invariant=1
        )
        self.total = total
        width, height = letter[0] - 108, letter[1] - 136
        half = (width - 18) / 2
        one = PageTemplate(id="one", frames=[Frame(54, 72, width, height, id="body")], onPage=_decorate)
        two = PageTemplate(
            id="two",
            frames=[Frame(54 + i * (half + 18), 72, half, height, id=f"col{i}") for i in range(2)],
            onPage=_decorate,
        )
        self.addPageTemplates([one, two])


def _story(chapters: int) -> list[Flowable]:
    flow: list[Flowable] = [
        Paragraph("Medical Coverage Policy", BOLD),
        Paragraph("Effective Date ........................ 04/15/2025", BODY),
        Paragraph("Next Review Date .................... 04/15/2026", BODY),
        Paragraph("Coverage Policy Number ............. 0525", BODY),
        Spacer(1, 8),
        Paragraph(TITLE_TEXT, TITLE),
        Paragraph("Coverage Policy", H1),
        Paragraph(
            "Destruction by neurolytic agent of a peripheral branch of the trigeminal nerve is considered medically "
            "necessary for trigeminal neuralgia when the criteria below are met.",
            BODY,
        ),
        Paragraph("General Background", H1),
    ]
    for index in range(chapters):
        if index % 5 == 2:  # background chapters set in two columns, as some payers print them
            flow.append(NextPageTemplate("two"))
        elif index % 5 == 4:
            flow.append(NextPageTemplate("one"))
        flow += _chapter(index)
    return flow


def real_layout_pdf(pages: int = 120) -> bytes:
    """A policy of ``pages`` pages (at least 4) naming 64600 on its even pages (see the module docstring)."""
    chapters = max(1, round(pages * 1.34))
    for _ in range(40):
        body, got = _build(chapters, pages)
        if got == pages:
            return body
        chapters += 1 if got < pages else -1
    raise RuntimeError(f"could not lay out exactly {pages} pages")


def _build(chapters: int, total: int) -> tuple[bytes, int]:
    buf = io.BytesIO()
    doc = _Doc(buf, total)
    doc.build(_story(chapters))
    return buf.getvalue(), doc.page
