"""Table cells in PDFs whose producer draws no rulings and leaves almost no room between cells.

A browser printing a page writes a space glyph between the words of a sentence and none
between two table cells, even where the cells are 3 pt apart (less than a space). The reader
tells cells from words by that, so a borderless code table reads row by row, and a sentence
that merely opens with a code stays a sentence. Printed here by headless Chromium.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chromium_pdf import print_all
from tracker.extract import extract

D00 = (
    "Destruction by neurolytic agent, trigeminal nerve; supraorbital, infraorbital, mental, or inferior alveolar branch"
)


def _html(body: str, style: str = "") -> bytes:
    head = f'<meta charset="utf-8"><title>Trigeminal Nerve Procedures</title><style>{style}</style>'
    page = f"<!DOCTYPE html><html><head>{head}</head><body><h1>Trigeminal Nerve Procedures</h1>{body}</body></html>"
    return page.encode()


@pytest.fixture(scope="module")
def cache(request: pytest.FixtureRequest) -> Path:
    path: Path = request.config.cache.mkdir("chromium-pdf")  # type: ignore[union-attr]
    return path


def _sections(cache: Path, html: bytes) -> list[dict[str, object]]:
    (pdf,) = print_all([html], cache)
    return [s.to_dict() for s in extract(pdf, "pdf", ["64600"]).sections]


def test_a_sentence_opening_with_a_code_is_not_a_table_row(cache: Path) -> None:
    body = "<h2>Policy</h2><p>64600 destruction of a peripheral branch is considered investigational for headache.</p>"
    (section,) = _sections(cache, _html(body))
    assert section["status"] == "experimental"
    assert section["basis"]["from"] != "row"  # type: ignore[index]
    assert section["text"].startswith("64600 destruction of a peripheral branch")  # type: ignore[union-attr]


def test_a_borderless_table_reads_row_by_row_with_its_header(cache: Path) -> None:
    body = (
        "<h2>Coding</h2><p><b>CPT codes considered experimental/investigational:</b></p>"
        f"<table><tr><th>CPT Code</th><th>Description</th></tr><tr><td>64600</td><td>{D00}</td></tr>"
        "<tr><td>64605</td><td>Destruction by neurolytic agent, trigeminal nerve; second and third division</td></tr>"
        "</table>"
    )
    (section,) = _sections(cache, _html(body))
    assert section["status"] == "experimental"
    assert section["basis"]["from"] in ("caption", "label")  # type: ignore[index]
    assert f"CPT Code: 64600 | Description: {D00}" in section["text"]  # type: ignore[operator]
    assert "64605" not in section["text"]  # type: ignore[operator]


def test_a_code_centred_against_its_wrapped_description_keeps_its_own_row(cache: Path) -> None:
    narrow = "td, th { vertical-align: middle } td + td { width: 180px }"
    body = (
        "<h2>Coding</h2><p><b>Not medically necessary:</b></p>"
        f"<table><tr><th>Code</th><th>Description</th></tr><tr><td>64600</td><td>{D00}</td></tr>"
        "<tr><td>64605</td><td>Destruction by neurolytic agent, trigeminal nerve; second and third division</td></tr>"
        "</table>"
    )
    (section,) = _sections(cache, _html(body, narrow))
    assert section["status"] == "not_covered"
    assert f"64600 | Description: {D00}" in section["text"]  # type: ignore[operator]
    assert "second and third division" not in section["text"]  # type: ignore[operator]


def test_list_bullets_drawn_as_shapes_make_list_items_under_their_label(cache: Path) -> None:
    body = (
        "<h2>Coverage Rationale</h2><p>The following are unproven and not medically necessary:</p>"
        "<ul><li>Peripheral trigeminal branch neurolysis (CPT 64600)</li></ul>"
        "<p>Occipital nerve block is proven for occipital neuralgia.</p>"
    )
    (section,) = _sections(cache, _html(body))
    assert section["status"] in ("not_covered", "experimental")
    assert "Occipital" not in section["text"]  # type: ignore[operator]


def test_a_borderless_table_across_pages_keeps_its_label_and_repeated_header(cache: Path) -> None:
    filler = "".join(
        f"<tr><td>6{4400 + k:04d}</td><td>Injection, anesthetic agent; nerve branch {k}</td></tr>" for k in range(70)
    )
    body = (
        "<h2>Coding</h2><p><b>CPT codes considered experimental/investigational:</b></p>"
        f"<table><thead><tr><th>CPT Code</th><th>Description</th></tr></thead><tbody>{filler}"
        f"<tr><td>64600</td><td>{D00}</td></tr></tbody></table>"
        "<h2>References</h2><p>Doe J. Neurolysis outcomes (64600). 2021.</p>"
    )
    (pdf,) = print_all([_html(body)], cache)
    sections = [s for s in extract(pdf, "pdf", ["64600"]).sections]
    assert [s.status for s in sections] == ["experimental", "mentioned"]
    assert sections[0].page is not None and sections[0].page >= 2
    assert f"CPT Code: 64600 | Description: {D00}" in sections[0].text


def test_a_page_in_two_text_columns_reads_column_by_column(cache: Path) -> None:
    evidence = "Case series describe relief after the procedure in most patients, with recurrence over time. " * 3
    body = (
        '<div style="column-count: 2; column-gap: 24px">'
        "<h2>Coverage Rationale</h2><p>Neurolytic destruction of peripheral trigeminal branches (CPT code 64600) is "
        "proven and medically necessary for trigeminal neuralgia.</p>"
        + f"<p>{evidence}</p>" * 3
        + "<h2>Unproven Services</h2><p>Pulsed radiofrequency at the foramen ovale (CPT 64605) is investigational.</p>"
        + f"<p>{evidence}</p>" * 3
        + "</div>"
    )
    (pdf,) = print_all([_html(body)], cache)
    found = {s.code: s for s in extract(pdf, "pdf", ["64600", "64605"]).sections}
    assert (found["64600"].status, found["64600"].heading) == ("covered", "Coverage Rationale")
    assert (found["64605"].status, found["64605"].heading) == ("experimental", "Unproven Services")
    assert found["64600"].text.startswith("Neurolytic destruction of peripheral trigeminal branches (CPT code 64600)")
    assert "foramen ovale" not in found["64600"].text


def test_a_wide_table_with_its_codes_in_a_middle_column_reads_as_one_row_per_row(cache: Path) -> None:
    row = (
        "<tr><td>{0} Trigeminal Nerve Destruction</td><td>All products</td><td>{1}</td>"
        "<td>Prior authorization is {2}; in effect.</td></tr>"
    )
    body = (
        '<h2>Code List</h2><table style="width: 320px"><tr><th>Policy Number and Title</th><th>Products</th>'
        "<th>Procedure codes</th><th>Status</th></tr>"
        + row.format("998", "64600, 64605", "required")
        + row.format("999", "64610", "not required")
        + "</table>"
    )
    (pdf,) = print_all([_html(body)], cache)
    (section,) = extract(pdf, "pdf", ["64600"]).sections
    assert section.prior_auth is True
    assert section.text.startswith(
        "Policy Number and Title: 998 Trigeminal Nerve Destruction | Products: All products | "
        "Procedure codes: 64600, 64605 | Status: Prior authorization is required; in effect."
    )
    assert "64610" not in section.text


def test_a_one_row_wide_table_whose_first_line_is_one_word_reads(cache: Path) -> None:
    body = (
        '<h2>Code List</h2><table><tr><td style="width: 60px">Trigeminal nerve destruction</td>'
        "<td>All</td><td>64600, 64605</td><td>Review</td></tr></table>"
    )
    (pdf,) = print_all([_html(body)], cache)
    (section,) = extract(pdf, "pdf", ["64600"]).sections  # no header, one row: never an IndexError
    assert section.text == "Trigeminal nerve destruction | All | 64600, 64605 | Review"
