"""Extraction: one fixture per payer layout against its expected YAML, plus PDF properties."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

from tests import layouts, samples
from tracker.errors import ExtractError
from tracker.extract import extract
from tracker.extract.document import Block
from tracker.extract.metadata import iso_date, metadata_from_text, policy_number
from tracker.extract.normalize import clean, join_lines
from tracker.extract.pdf import join_pages, read_blocks, read_pdf
from tracker.judge.classify import summarize
from tracker.models import Extraction

EXPECTED = sorted((Path(__file__).parent / "expected").glob("*.yaml"))


@cache
def fixture(name: str, version: int | None = None) -> bytes:
    """Fixture bytes, built once per test session."""
    make = getattr(samples, name)
    return bytes(make(version) if version is not None else make())


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("path", EXPECTED, ids=[p.stem for p in EXPECTED])
def test_fixture_matches_expected(path: Path) -> None:
    case = _load(path)
    body = fixture(case["fixture"], case["args"].get("version"))
    result = extract(body, case["kind"], case["codes"])
    assert result.metadata.to_dict() == case["metadata"]
    got = [s.to_dict() for s in result.sections]
    assert len(got) == len(case["sections"]), got
    for actual, expected in zip(got, case["sections"], strict=True):
        if "text_contains" in expected:
            assert expected.pop("text_contains") in actual.pop("text")
        assert actual == expected
    assert summarize(result.sections) == (case["summary"]["status"], case["summary"]["prior_auth"])


def test_expected_files_cover_every_payer_layout() -> None:
    fixtures = {_load(p)["fixture"] for p in EXPECTED}
    assert fixtures == {
        "aetna_cpb_html",
        "cigna_policy_pdf",
        "uhc_policy_pdf",
        "anthem_guideline_html",
        "horizon_range_html",
        "bcbs_trap_html",
    }


# --------------------------------------------------------------------------- PDF properties


@pytest.mark.parametrize("version", [1, 2])
def test_two_renders_of_one_pdf_give_identical_sections(version: int) -> None:
    first = samples.cigna_policy_pdf(version)
    second = samples.cigna_policy_pdf(version, rerender=True)
    assert first != second
    assert extract(first, "pdf", ["64600"]) == extract(second, "pdf", ["64600"])


@pytest.mark.parametrize("name,version", [("cigna_policy_pdf", 2), ("uhc_policy_pdf", 1)])
def test_fast_path_equals_full_analysis_on_fixtures(name: str, version: int) -> None:
    body = fixture(name, version)
    assert read_pdf(body, ["64600"]) == read_pdf(body, ["64600"], full=True)


def test_fast_path_equals_full_analysis_on_a_long_policy() -> None:
    body = samples.long_policy_pdf(20)
    fast = read_pdf(body, ["64600", "64605"])
    assert fast == read_pdf(body, ["64600", "64605"], full=True)
    headings = [s.heading for s in fast.for_code("64600")]
    assert headings[0].startswith("General Background › ")  # the bold subheading pages back
    assert headings[1].startswith("Coding Information › Considered Medically Necessary")


def test_fast_path_reads_few_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    from tracker.extract import pdf

    read: list[int] = []
    original = pdf.read_page
    monkeypatch.setattr(pdf, "read_page", lambda page, number, *a: read.append(number) or original(page, number, *a))
    read_pdf(samples.long_policy_pdf(20), ["64600"])
    assert len(read) <= 8 and len(set(read)) == len(read)


def test_page_breaks_rejoin_paragraphs_and_tables_only() -> None:
    page1 = [
        Block("paragraph", "Peripheral nerve destruction is", page=1),
        Block("paragraph", "Clinical Studies", page=1, label=True),
        Block("table", page=1, header=("Code", "Description"), rows=(("64600", "Destruction"),)),
    ]
    page2 = [Block("table", page=2, rows=(("64605", "Destruction"),))]
    page3 = [Block("paragraph", "considered medically necessary.", page=3)]
    page5 = [Block("paragraph", "not joined across a skipped page", page=5)]
    joined = join_pages([(1, page1), (2, page2), (3, page3), (5, page5)])
    assert [(b.kind, b.page, b.continued) for b in joined] == [
        ("paragraph", 1, False),
        ("paragraph", 1, False),
        ("table", 1, False),
        ("table", 2, True),
        ("paragraph", 3, False),
        ("paragraph", 5, False),
    ]
    bold_end = join_pages([(1, page1[:2]), (2, page3)])  # a bold subheading never runs on into text
    assert [b.text for b in bold_end] == [
        "Peripheral nerve destruction is",
        "Clinical Studies",
        "considered medically necessary.",
    ]
    cut = join_pages([(1, page1[:1]), (2, page3)])
    assert [b.text for b in cut] == ["Peripheral nerve destruction is considered medically necessary."]


def test_truncated_pdf_raises_extract_error() -> None:
    with pytest.raises(ExtractError, match="truncated"):
        extract(samples.truncated_pdf(), "pdf", ["64600"])


def test_corrupt_pdf_raises_extract_error() -> None:
    body = fixture("cigna_policy_pdf", 1)
    middle = len(body) // 3
    with pytest.raises(ExtractError):
        extract(body[:middle] + b"\x00garbage" * 200 + body[-600:], "pdf", ["64600"])


@pytest.mark.parametrize("body", [b"", samples.challenge_html(), b"%PDF-1.4\n%%EOF"], ids=["empty", "html", "shell"])
def test_not_a_pdf_raises_extract_error(body: bytes) -> None:
    with pytest.raises(ExtractError):
        extract(body, "pdf", ["64600"])


def test_pdf_without_text_layer_raises_extract_error() -> None:
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=letter, invariant=1)
    canvas.rect(100, 100, 200, 200, fill=1)  # a "scan": drawing, no text
    canvas.showPage()
    canvas.save()
    with pytest.raises(ExtractError, match="no text layer"):
        extract(buf.getvalue(), "pdf", ["64600"])


def _one_page_pdf(lines: list[str]) -> bytes:
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=letter, invariant=1)
    canvas.setFont("Helvetica-Bold", 18)
    canvas.drawString(72, 730, "Nerve Destruction")
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(72, 700, "Procedure Codes")
    canvas.setFont("Helvetica", 10)
    for i, line in enumerate(lines):
        canvas.drawString(72, 670 - 14 * i, line)
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


def test_pdf_range_is_found_by_the_page_scan() -> None:
    body = _one_page_pdf(["CPT codes 64590 to 64610 are considered medically necessary."])
    (section,) = extract(body, "pdf", ["64600"]).sections
    assert (section.heading, section.status, section.page) == ("Procedure Codes", "covered", 1)


def test_pdf_running_headers_footers_and_toc_are_not_content() -> None:
    blocks = read_blocks(fixture("cigna_policy_pdf", 1))
    texts = [b.text for b in blocks if b.kind in ("paragraph", "heading", "item")]
    assert not any("Page " in t and " of " in t for t in texts)
    assert "Medical Coverage Policy: 0525" not in texts
    assert texts.count("Peripheral Nerve Destruction for Pain Conditions") == 0  # header; title is its own kind
    toc = [b.text for b in blocks if b.kind == "toc"]
    assert "Coding Information" in " ".join(toc) and len(toc) >= 7
    headings = [b.text for b in blocks if b.kind == "heading" and b.level == 1]
    assert headings == list(samples.CIGNA_SECTIONS)


def test_pdf_paragraphs_cut_by_page_breaks_are_rejoined() -> None:
    blocks = read_blocks(fixture("cigna_policy_pdf", 1))
    background = [b.text for b in blocks if b.kind == "paragraph" and b.text.startswith("Trigeminal neuralgia")]
    assert background and all(text == samples.FILLER for text in background)
    assert len(background) == 16


# --------------------------------------------------------------------------- HTML properties


def test_html_selector_limits_sections() -> None:
    body = fixture("aetna_cpb_html", 1)
    whole = extract(body, "html", ["64600"])
    assert extract(body, "html", ["64600"], selector="div.cpb-content") == whole
    table_only = extract(body, "html", ["64600"], selector="table.codes")
    assert [s.text for s in table_only.sections] == [whole.sections[0].text]
    assert table_only.sections[0].heading == "CPT codes covered if selection criteria are met"
    assert table_only.metadata == whole.metadata  # metadata always reads the whole page


def test_html_selector_matching_nothing_is_an_error() -> None:
    with pytest.raises(ExtractError, match="matched nothing"):
        extract(fixture("aetna_cpb_html", 1), "html", ["64600"], selector="#no-such-part")


def test_html_chrome_and_scripts_are_ignored() -> None:
    # The fixture's <script>, <nav> and <header> all mention 64600; only the body counts.
    result = extract(fixture("aetna_cpb_html", 1), "html", ["64600"])
    assert all("dataLayer" not in s.text and "search" not in s.text for s in result.sections)


def test_several_codes_in_document_order() -> None:
    result = extract(fixture("aetna_cpb_html", 2), "html", ["64605", "64600"])
    assert [s.code for s in result.sections] == ["64605", "64600", "64600"]


def test_hcpcs_and_category_iii_codes() -> None:
    page = (
        b"<html><body><h2>Coding</h2><p><b>Experimental and investigational codes:</b></p>"
        b"<table><tr><th>Code</th><th>Description</th></tr><tr><td>0213T&#8211;0218T</td><td>Facet injection"
        b"</td></tr><tr><td>C9727</td><td>Insertion of implants</td></tr></table></body></html>"
    )
    result = extract(page, "html", ["0214T", "C9727", "C9728"])
    assert [(s.code, s.status) for s in result.sections] == [("0214T", "experimental"), ("C9727", "experimental")]


def test_challenge_page_has_no_sections() -> None:
    result = extract(samples.challenge_html(), "html", ["64600"])
    assert result == Extraction(metadata=result.metadata) and result.metadata.title == "Access Denied"


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_unsupported_kinds_raise_extract_error(kind: str) -> None:
    with pytest.raises(ExtractError, match=kind):
        extract(b"{}", kind, ["64600"])


def test_empty_html_raises_extract_error() -> None:
    with pytest.raises(ExtractError, match="empty"):
        extract(b"  \n", "html", ["64600"])


def test_identical_passages_are_reported_once() -> None:
    page = b"<html><body><h2>Coding</h2><p>CPT 64600 is covered.</p><p>CPT 64600 is covered.</p></body></html>"
    assert len(extract(page, "html", ["64600"]).sections) == 1


def test_bold_sentences_and_code_headings_still_yield_sections() -> None:
    page = (
        b"<html><body><h2>Policy</h2><p><b>Aetna considers CPT 64600 experimental.</b></p>"
        b"<h3>CPT 64600 billing guidance</h3><p>Bill one unit per branch.</p></body></html>"
    )
    sections = extract(page, "html", ["64600"]).sections
    assert [(s.heading, s.text, s.status) for s in sections] == [
        ("Policy", "Aetna considers CPT 64600 experimental.", "experimental"),
        ("Policy", "CPT 64600 billing guidance", "mentioned"),
    ]


def test_list_item_carries_its_lead_in() -> None:
    page = (
        b"<html><body><h2>Policy</h2><p>Aetna considers the following experimental and investigational:</p>"
        b"<ul><li>Pulsed radiofrequency (CPT 64600)</li></ul></body></html>"
    )
    (section,) = extract(page, "html", ["64600"]).sections
    assert section.text == (
        "Aetna considers the following experimental and investigational:\nPulsed radiofrequency (CPT 64600)"
    )
    assert (section.heading, section.status) == ("Policy", "experimental")


# --------------------------------------------------------------------------- normalization


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("64600\u00a0\u2013\u00a064650", "64600 - 64650"),
        ("signi\ufb01cant \ufb02ow e\ufb00ect", "significant flow effect"),
        ("\u201cquoted\u201d \u2018single\u2019", "\"quoted\" 'single'"),
        ("thermo\u00adcoagulation", "thermocoagulation"),
        ("  many \t spaces\n\nand lines ", "many spaces and lines"),
        ("(cid:127) bullet", "bullet"),
    ],
)
def test_clean(raw: str, expected: str) -> None:
    assert clean(raw) == expected


def test_join_lines_undoes_hyphenation_but_keeps_ranges() -> None:
    assert join_lines(["destruction by neuro-", "lytic agent, codes 64600-", "64681 and X-", "Ray"]) == (
        "destruction by neurolytic agent, codes 64600-64681 and X-Ray"
    )


# --------------------------------------------------------------------------- metadata


@pytest.mark.parametrize(
    "raw,iso",
    [
        ("04/21/2026", "2026-04-21"),
        ("4/21/2026", "2026-04-21"),
        ("April 21, 2026", "2026-04-21"),
        ("Apr. 21 2026", "2026-04-21"),
        ("2026-04-21", "2026-04-21"),
        ("13/45/2026", None),
        ("soon", None),
    ],
)
def test_iso_date(raw: str, iso: str | None) -> None:
    assert iso_date(raw) == iso


@pytest.mark.parametrize(
    "text,number",
    [
        ("Number: 0374", "0374"),
        ("Coverage Policy Number ............ 0525", "0525"),
        ("Policy Number: 2025T0080G", "2025T0080G"),
        ("Guideline #: CG-SURG-89 Publish Date: 06/28/2024", "CG-SURG-89"),
        ("Policy #: MP-314", "MP-314"),
        ("Policy Number: 142", "142"),
        ("UnitedHealthcare Commercial Medical Policy 2021T0080FF", "2021T0080FF"),
        ("No number here", None),
    ],
)
def test_policy_number(text: str, number: str | None) -> None:
    assert policy_number(text) == number


def test_metadata_labels() -> None:
    text = (
        "Original Effective Date: 05/22/2012\nEffective Date: 10/22/2018\nLast Reviewed: January 14, 2020\n"
        "Next Review Date ........ 2021-01-14"
    )
    meta = metadata_from_text(text, "Percutaneous Neurolysis")
    assert (meta.effective_date, meta.last_review_date, meta.next_review_date) == (
        "2018-10-22",
        "2020-01-14",
        "2021-01-14",
    )


# --------------------------------------------------------------------------- layouts of real plans

LAYOUT_EXPECTED = sorted((Path(__file__).parent / "expected" / "layouts").glob("*.yaml"))
KNOWN_GAPS: set[str] = set()
"""Layout fixtures the extractor does not read right yet (issue #12): strict xfail, so fixing one shows."""


def _layout_case(path: Path) -> Any:
    return pytest.param(path, id=path.stem, marks=[pytest.mark.xfail(strict=True)] if path.stem in KNOWN_GAPS else [])


@pytest.mark.parametrize("path", [_layout_case(p) for p in LAYOUT_EXPECTED])
def test_layout_fixture_reads_as_an_analyst_reads_it(path: Path) -> None:
    case = _load(path)
    made = layouts.BY_NAME[case["fixture"]]
    result = extract(made.make(), case["kind"], case["codes"])
    got = {code: layouts.observe(result, code, want["descriptor"]) for code, want in case["expect"].items()}
    assert got == case["expect"]


def test_layout_expectations_match_their_fixture_definitions() -> None:
    assert {p.stem for p in LAYOUT_EXPECTED} == set(layouts.BY_NAME)
    for path in LAYOUT_EXPECTED:
        case = _load(path)
        made = layouts.BY_NAME[case["fixture"]]
        assert case["convention"] == made.convention and case["kind"] == made.kind
        for code, want in case["expect"].items():
            spec = made.expect.get(code)
            assert want["status"] == (spec.status if spec else "absent"), (path.stem, code)


def test_layouts_cover_three_variants_of_every_plan() -> None:
    per_plan: dict[str, int] = {}
    for made in layouts.LAYOUTS:
        per_plan[made.plan or made.payer] = per_plan.get(made.plan or made.payer, 0) + 1
    assert len(per_plan) >= 15 and min(per_plan.values()) >= 3, per_plan
    new_bcbs = {"premera", "highmark", "regence", "carefirst", "bcbs-ma", "excellus"}
    assert new_bcbs <= set(per_plan)


# --------------------------------------------------------------------------- malformed and hard markup


@pytest.mark.parametrize(
    "html",
    [
        "<html><body>" + "<div>" * 10_000 + "<p>CPT 64600 is medically necessary.</p>" + "</div>" * 10_000,
        "<html><body><p>" + "<b><i><span>" * 3_000 + "CPT 64600 is medically necessary.",
        "<table><tr><td>64600<td>" + samples.D64600 + "<tr><td>64605<td>" + samples.D64605,
    ],
    ids=["10000-levels", "9000-unclosed-inline", "table-never-closed"],
)
def test_deep_or_malformed_markup_reads_as_a_browser_shows_it(html: str) -> None:
    result = extract(html.encode(), "html", ["64600"])
    assert result.for_code("64600"), result


def test_utf8_declared_windows_1252_is_read_as_utf8() -> None:
    page = '<html><head><meta charset="windows-1252"></head><body><p>CPT 64600 \u2013 caf\u00e9 is covered.</p>'
    result = extract(page.encode("utf-8"), "html", ["64600"], encoding="windows-1252")
    assert "café" in result.sections[0].text and "Ã" not in result.sections[0].text


def test_a_table_of_20000_columns_reads_in_seconds() -> None:
    import time

    cells = "".join(f"<td>c{i}</td>" for i in range(20_000))
    page = f"<table><tr><th>Code</th>{cells}</tr><tr><td>64600</td>{cells}</tr></table>".encode()
    start = time.perf_counter()
    result = extract(page, "html", ["64600"])
    assert result.for_code("64600") and time.perf_counter() - start < 10


def test_every_section_has_a_basis() -> None:
    for made in layouts.LAYOUTS:
        for section in extract(made.make(), made.kind, list(layouts.CODES)).sections:
            assert section.basis is not None and {"rule", "phrase", "from"} <= set(section.basis) <= {
                "rule",
                "phrase",
                "from",
                "review",
            }, made.name
