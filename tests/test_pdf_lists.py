"""PDF lists: a bullet or numbered item that wraps onto several lines is one item, and the lead-in
paragraph ending with ':' stays right before its items (so it governs them and their sub-lists).

Real convention: UnitedHealthcare's Coverage Rationale and Cigna's Coverage Policy state a stance
in a lead-in ("... are unproven and not medically necessary:", "... medically necessary when ALL
of the following criteria are met:") above bulleted or numbered items long enough to wrap, some
citing codes in their second line. The same list is made by five producers, each wrapping its
own way: reportlab and fpdf2 (hanging indent: continuation lines under the item's text), fpdf2
with the marker set inline (continuation lines back at the margin), headless Chromium and
WeasyPrint printing HTML lists (markers outside, drawn as shapes or glyphs; and Chromium with
markers inside the text).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pytest
from fpdf import FPDF
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, SimpleDocTemplate

from tests.fpdf_producer import _FONTS
from tests.producers import convert
from tracker.extract import extract
from tracker.extract.document import Block
from tracker.extract.normalize import clean
from tracker.extract.pdf import read_blocks

LEAD = "The following procedures are considered experimental, investigational or unproven:"
ITEMS = (
    "Cryoablation of a peripheral branch of the trigeminal nerve for the treatment of facial pain "
    "of any cause, including trigeminal neuralgia that has not responded to medical therapy",
    "Destruction of the supraorbital, infraorbital, mental or inferior alveolar branch of the "
    "trigeminal nerve by a chemical neurolytic agent or by thermal means (CPT 64600), for any indication",
    "Pulsed radiofrequency treatment of the gasserian ganglion, including when it is performed:",
)
SUBITEMS = (
    "at the foramen ovale under radiologic monitoring of the second and third division branches (CPT 64605), or",
    "as a repeat procedure after an earlier radiofrequency treatment gave relief of less than six months",
)
AFTER = "Occipital nerve block is proven and medically necessary for the treatment of occipital neuralgia."
CRITERIA_LEAD = "Trigeminal nerve destruction is medically necessary when all of the following criteria are met:"
CRITERIA = (
    "The individual has trigeminal neuralgia with paroxysmal facial pain confirmed by a neurologist "
    "and documented in the medical record",
    "The pain has not responded to at least two anticonvulsant medications taken at an adequate dose "
    "for an adequate time, or the medications were not tolerated",
)


@dataclass(frozen=True)
class Listing:
    """The document every producer makes: a bulleted list with a sub-list, then numbered criteria."""

    title: str = "Trigeminal Nerve Procedures"
    heading: str = "Coverage Rationale"


def _rl_pdf() -> bytes:
    """reportlab: markers in the bullet indent, continuation lines hang under the item's text."""
    body = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=12.5, spaceAfter=6)
    item = ParagraphStyle("item", parent=body, leftIndent=18, bulletIndent=6, spaceAfter=3)
    sub = ParagraphStyle("sub", parent=item, leftIndent=36, bulletIndent=24)
    h1 = ParagraphStyle("h1", fontName="Helvetica-Bold", fontSize=13, leading=16, spaceBefore=8, spaceAfter=6)
    title = ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=17, leading=21, spaceAfter=8)
    story = [Paragraph(Listing.title, title), Paragraph(Listing.heading, h1), Paragraph(LEAD, body)]
    story += [Paragraph(escape(text), item, bulletText="\u2022") for text in ITEMS]
    story += [Paragraph(escape(text), sub, bulletText="o") for text in SUBITEMS]
    story += [Paragraph(AFTER, body), Paragraph(CRITERIA_LEAD, body)]
    story += [Paragraph(escape(text), item, bulletText=f"{n}.") for n, text in enumerate(CRITERIA, 1)]
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=letter, leftMargin=54, rightMargin=54, topMargin=64, bottomMargin=72)
    doc.build(story)
    return buf.getvalue()


def _fpdf(inline: bool) -> bytes:
    """fpdf2: the marker in a cell of its own and the text wrapped beside it (a hanging indent),
    or (``inline``) the marker as the text's first word, its lines wrapping back to the margin."""
    pdf = FPDF(format="letter", unit="pt")
    pdf.set_margins(54, 64, 54)
    pdf.add_font("Vera", "", str(_FONTS / "Vera.ttf"))
    pdf.add_font("Vera", "B", str(_FONTS / "VeraBd.ttf"))
    pdf.add_page()

    def para(text: str, size: float = 10, style: str = "") -> None:
        pdf.set_font("Vera", style, size)
        pdf.multi_cell(0, size * 1.25, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(size * 0.6)

    def item(marker: str, text: str, indent: float) -> None:
        pdf.set_font("Vera", "", 10)
        if inline:
            pdf.set_x(pdf.l_margin + indent)
            pdf.multi_cell(0, 12.5, f"{marker} {text}", new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.set_x(pdf.l_margin + indent)
            pdf.cell(14, 12.5, marker)
            pdf.multi_cell(0, 12.5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)

    para(Listing.title, 17, "B")
    para(Listing.heading, 13, "B")
    para(LEAD)
    for text in ITEMS:
        item("\u2022", text, 6)
    for text in SUBITEMS:
        item("o", text, 24)
    para(AFTER)
    para(CRITERIA_LEAD)
    for n, text in enumerate(CRITERIA, 1):
        item(f"{n}.", text, 6)
    return bytes(pdf.output())


def _html(inside: bool = False) -> bytes:
    style = "<style>li { margin-bottom: 4px } ul, ol { list-style-position: inside }</style>" if inside else ""
    subs = "".join(f"<li>{escape(t)}</li>" for t in SUBITEMS)
    items = [f"<li>{escape(t)}</li>" for t in ITEMS[:-1]] + [f"<li>{escape(ITEMS[-1])}<ul>{subs}</ul></li>"]
    criteria = "".join(f"<li>{escape(t)}</li>" for t in CRITERIA)
    body = (
        f"<h1>{Listing.title}</h1><h2>{Listing.heading}</h2><p>{LEAD}</p><ul>{''.join(items)}</ul>"
        f"<p>{AFTER}</p><p>{CRITERIA_LEAD}</p><ol>{criteria}</ol>"
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{Listing.title}</title>{style}'
        f"</head><body>{body}</body></html>"
    ).encode()


@pytest.fixture(scope="module")
def cache(request: pytest.FixtureRequest) -> Path:
    path: Path = request.config.cache.mkdir("producer-pdf")  # type: ignore[union-attr]
    return path


MAKERS: dict[str, Callable[[Path], bytes]] = {
    "reportlab": lambda cache: _rl_pdf(),
    "fpdf2_hanging": lambda cache: _fpdf(inline=False),
    "fpdf2_inline": lambda cache: _fpdf(inline=True),
    "chromium": lambda cache: convert("chromium", [_html()], cache)[0],
    "chromium_inside": lambda cache: convert("chromium", [_html(inside=True)], cache)[0],
    "weasyprint": lambda cache: convert("weasyprint", [_html()], cache)[0],
}


def _after(blocks: list[Block], text: str) -> list[Block]:
    index = next(i for i, b in enumerate(blocks) if clean(b.text) == text)
    return blocks[index:]


def _item_text(block: Block) -> str:
    """An item's text without its marker (a numbered item keeps "1." in front)."""
    text = clean(block.text)
    return text.split(" ", 1)[1] if text[:2] in ("1.", "2.") else text


@pytest.mark.browser
@pytest.mark.parametrize("producer", list(MAKERS))
def test_wrapped_items_are_one_item_each_right_after_their_lead_in(producer: str, cache: Path) -> None:
    blocks = read_blocks(MAKERS[producer](cache))
    bullets = _after(blocks, LEAD)[: 1 + len(ITEMS) + len(SUBITEMS) + 1]
    assert [b.kind for b in bullets] == ["paragraph", *["item"] * (len(ITEMS) + len(SUBITEMS)), "paragraph"]
    assert [clean(b.text) for b in bullets[1:-1]] == [clean(t) for t in (*ITEMS, *SUBITEMS)]
    assert clean(bullets[-1].text) == AFTER
    numbered = _after(blocks, CRITERIA_LEAD)[: 1 + len(CRITERIA)]
    assert [b.kind for b in numbered] == ["paragraph", "item", "item"]
    assert [_item_text(b) for b in numbered[1:]] == [clean(t) for t in CRITERIA]


@pytest.mark.browser
@pytest.mark.parametrize("producer", list(MAKERS))
def test_the_lead_in_governs_codes_cited_in_wrapped_lines_and_sub_items(producer: str, cache: Path) -> None:
    result = extract(MAKERS[producer](cache), "pdf", ["64600", "64605"])
    (first,) = result.for_code("64600")
    assert first.status == "experimental"
    assert clean(ITEMS[1]) in clean(first.text)
    (second,) = result.for_code("64605")
    assert second.status == "experimental"
    assert clean(SUBITEMS[0]) in clean(second.text)
