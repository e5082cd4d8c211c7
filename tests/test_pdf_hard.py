"""Hard PDF layouts (issue #12, item 8): rotated pages, hyphenation at line ends, headings told by
their numbering alone. Real PDFs, made by reportlab (tests/hardpdfs.py) and by headless Chromium."""

from __future__ import annotations

from typing import Any

import pytest

from tests import layouts
from tests.chromium_pdf import print_all
from tests.hardpdfs import D00, D05, Part, render, render_pages, unicode_fonts
from tracker.extract import extract, pdf
from tracker.extract.normalize import clean, join_lines

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


# --------------------------------------------------------------------------- hyphenation at line ends

HYPHENS = {"hyphen-minus": "-", "soft-hyphen": "\u00ad", "u2010": "\u2010"}
"""How producers print a word cut at a line end: '-' (reportlab, most), U+00AD kept in the text
(word processors), U+2010 (Chromium at a soft-hyphen break)."""

HYPHEN_CODES = ["64600", "64605", "64608", "64610", "64620"]


@pytest.mark.parametrize(
    "lines,joined",
    [
        (["considered investiga\u00ad", "tional"], "considered investigational"),  # soft hyphen kept in the text
        (["neuro\u2010", "lytic"], "neurolytic"),
        (["codes 64600\u2010", "64610"], "codes 64600-64610"),  # a range keeps its hyphen
        (["codes 64600-", "64610"], "codes 64600-64610"),
        (["X-", "Ray view"], "X-Ray view"),  # an upper-case continuation keeps its hyphen
    ],
)
def test_join_lines_rejoins_every_kind_of_cut(lines: list[str], joined: str) -> None:
    assert join_lines(lines) == joined
    assert join_lines(clean(line) for line in lines) == joined  # pdflayout cleans each line first


@pytest.mark.parametrize(
    "raw,cleaned",
    [
        ("Experimental/investiga\u00ad\ntional", "Experimental/investigational"),  # a table cell's two lines
        ("supra\u00adorbital", "supraorbital"),
        ("experimental/investiga\ufffetional", "experimental/investigational"),  # PDFium's line-end hyphen
    ],
)
def test_clean_reads_soft_breaks(raw: str, cleaned: str) -> None:
    assert clean(raw) == cleaned


def _hyphenated(cut: str, *, cells: bool) -> list[Part]:
    parts = [
        Part("title", "Trigeminal Nerve Destruction"),
        Part("heading", "Coverage Policy"),
        Part("p", f"Radiofrequency destruction of the nerve (CPT 64605) is considered investiga{cut}\ntional."),
        Part(
            "p",
            f"Chemical neuro{cut}\nlytic destruction (CPT 64600) is medi{cut}\ncally necessary when criteria are met.",
        ),
        Part("p", "Codes 64600-\n64610 are reviewed together."),
    ]
    if cells:
        rows = (
            ("Code", "Description", "Status"),
            ("64610", "Destruction, foramen ovale", f"Experimental/investiga{cut}\ntional"),
            ("64620", "Destruction, intercostal", f"Not medi{cut}\ncally necessary"),
        )
        parts += [Part("heading", "Coding Information"), Part("table", rows=rows)]
    return parts


def _statuses(body: bytes) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for section in extract(body, "pdf", HYPHEN_CODES).sections:
        out.setdefault(section.code, []).append((section.status, section.text))
    return out


@pytest.mark.parametrize("cut", HYPHENS.values(), ids=HYPHENS.keys())
def test_a_word_cut_at_a_line_end_reads_whole_in_a_paragraph(cut: str) -> None:
    got = _statuses(render(_hyphenated(cut, cells=False), font=unicode_fonts()[0]))
    assert got["64605"][0] == (
        "experimental",
        "Radiofrequency destruction of the nerve (CPT 64605) is considered investigational.",
    )
    assert got["64600"][0] == (
        "covered",
        "Chemical neurolytic destruction (CPT 64600) is medically necessary when criteria are met.",
    )
    # The range cut after its hyphen stays a range: 64608 is inside it, no "6460064610" is made.
    assert got["64608"] == [("mentioned", "Codes 64600-64610 are reviewed together.")]


def test_a_soft_hyphen_cut_in_a_table_cell_reads_whole() -> None:
    got = {
        code: [s for s in found if s[1].startswith("Code:")]
        for code, found in _statuses(render(_hyphenated("\u00ad", cells=True), font=unicode_fonts()[0])).items()
    }
    assert got["64610"][0] == (
        "experimental",
        "Code: 64610 | Description: Destruction, foramen ovale | Status: Experimental/investigational",
    )
    assert got["64620"][0][0] == "not_covered" and got["64620"][0][1].endswith("Status: Not medically necessary")


def test_a_paragraph_cut_across_a_page_break_mid_word_rejoins() -> None:
    first = [Part("title", "Trigeminal Nerve Destruction"), Part("heading", "Coverage Policy")]
    first.append(Part("p", "Filler. " * 40 + "\n" + "Destruction of the nerve (CPT 64605) is considered investiga-"))
    body = render_pages([(first, "upright"), ([Part("p", "tional for every indication.")], "upright")])
    (section,) = [s for s in extract(body, "pdf", ["64605"]).sections]
    assert section.status == "experimental" and "considered investigational for every indication." in section.text


CHROMIUM_SOFT_HYPHENS = (
    "<html><head><title>Trigeminal Nerve Destruction</title></head><body>"
    "<h1>Trigeminal Nerve Destruction</h1><h2>Coverage Policy</h2>"
    "<p style='width:11em;font-size:14px'>Radiofrequency destruction (CPT 64605) is considered experi&shy;mental/"
    "investi&shy;gational.</p>"
    "<p style='width:11em;font-size:14px'>Chemical neuro&shy;lytic destruction (CPT 64600) is medi&shy;cally "
    "neces&shy;sary when criteria are met.</p></body></html>"
)


@pytest.mark.browser
def test_chromium_soft_hyphens_do_not_cut_words(tmp_path_factory: pytest.TempPathFactory) -> None:
    # Chromium prints a soft hyphen as a space of no advance (and a U+2010 where it breaks the line there).
    (body,) = print_all([CHROMIUM_SOFT_HYPHENS.encode()], tmp_path_factory.mktemp("chromium-pdf"))
    got = _statuses(body)
    assert got["64605"][0][0] == "experimental" and "experimental/investigational" in got["64605"][0][1]
    assert got["64600"][0][0] == "covered" and "neurolytic" in got["64600"][0][1]
    assert "medically necessary" in got["64600"][0][1]


# --------------------------------------------------------------------------- pending on pdflayout.py patches


@pytest.mark.parametrize("cut", ["-", "\u2010"], ids=["hyphen-minus", "u2010"])
def test_a_hyphen_cut_in_a_table_cell_reads_whole(cut: str) -> None:
    found = _statuses(render(_hyphenated(cut, cells=True), font=unicode_fonts()[0]))
    got = {code: [s for s in sections if s[1].startswith("Code:")] for code, sections in found.items()}
    assert got["64610"][0] == (
        "experimental",
        "Code: 64610 | Description: Destruction, foramen ovale | Status: Experimental/investigational",
    )
    assert got["64620"][0][0] == "not_covered" and got["64620"][0][1].endswith("Status: Not medically necessary")


NUMBERED = (
    Part("title", "Trigeminal Nerve Destruction"),
    Part("p", "Effective Date: 04/15/2025"),
    Part("p", "I. POLICY"),
    Part("p", "Neurolytic destruction of a peripheral trigeminal branch may be covered when criteria are met."),
    Part("p", "1. Pain is refractory to two anticonvulsant medications."),
    Part("p", "II. PROCEDURE CODES"),
    Part("p", "A. Medically Necessary"),
    Part("table", rows=(("CPT Codes", "Description"), ("64600", D00))),
    Part("p", "B. Experimental/Investigational"),
    Part("table", rows=(("CPT Codes", "Description"), ("64605", D05))),
    Part("p", "2. Coverage Policy"),
    Part("p", "The codes above are reviewed each year."),
)


def test_body_size_headings_told_by_their_numbering_alone() -> None:
    sections = {s.code: s for s in extract(render(NUMBERED), "pdf", CODES).sections}
    assert sections["64600"].heading == "II. PROCEDURE CODES › A. Medically Necessary"
    assert sections["64605"].heading == "II. PROCEDURE CODES › B. Experimental/Investigational"
    assert (sections["64600"].status, sections["64605"].status) == ("covered", "experimental")


def test_a_numbered_criterion_stays_a_list_item() -> None:
    kinds = {b.text: b.kind for b in pdf.read_blocks(render(NUMBERED))}
    assert kinds["1. Pain is refractory to two anticonvulsant medications."] == "item"
    assert kinds["2. Coverage Policy"] == "heading"


def test_a_numbered_heading_on_a_plain_page_is_found_on_the_fast_path() -> None:
    filler = (Part("p", "Background. " + "Trigeminal neuralgia is treated first with medication. " * 14),)
    pages: list[tuple[Any, Any]] = [((POLICY[0], Part("p", "I. POLICY"), *filler), "upright"), (filler, "upright")]
    pages += [((Part("p", "II. PROCEDURE CODES"), *filler), "upright"), (filler, "upright")]
    pages.append(
        (
            (Part("p", "A. Medically Necessary"), Part("table", rows=(("CPT Codes", "Description"), ("64600", D00)))),
            "upright",
        )
    )
    body = render_pages(pages)
    assert pdf.read_pdf(body, CODES) == pdf.read_pdf(body, CODES, full=True)
    assert pdf.read_pdf(body, CODES).sections[0].heading == "II. PROCEDURE CODES › A. Medically Necessary"
