"""Issue #19, beyond the layout YAMLs: what an analyst checks that a single expected status cannot say.

* a code pairs with its own row's descriptor, never the row above (CPT parent/child tables);
* a code whose own chain is neutral takes the statement that names its procedure, and says so
  (``basis.from == "linked"``, the statement's words as ``basis.phrase``); a weak link asks for review;
* "no longer considered investigational" under an "Investigational" heading is never experimental
  (covered or mentioned: the sentence does not say which);
* a page browsers show with text outside a broken table keeps that text out of the table's rows;
* what cannot be read is a fault (exit 5) in ``extract``, never "No section mentions 64600", and in
  ``run`` never a version that makes the code absent.

The fixtures are the ones in tests/layouts.py, or small documents built here (ours).
"""

from __future__ import annotations

import io
import re
import zipfile
from html import escape
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen.canvas import Canvas

from tests import layouts, samples
from tests.helpers import PolicyServer, Workdir
from tracker.errors import ExtractError
from tracker.extract import extract
from tracker.judge.classify import needs_review, summarize
from tracker.models import Section

CODES = list(layouts.CODES)


def _read(name: str) -> dict[str, tuple[Section, ...]]:
    made = layouts.BY_NAME[name]
    result = extract(made.make(), made.kind, CODES)
    return {code: result.for_code(code) for code in CODES}


def _lines(sections: tuple[Section, ...], code: str) -> list[str]:
    return [" ".join(line.split()) for s in sections for line in s.text.split("\n") if code in line]


# --------------------------------------------------------------------------- a code and its own row


@pytest.mark.parametrize(
    "name,previous",
    [
        ("wellmark_nbsp_child_rows", "inferior alveolar branch"),
        ("bsca_parent_child_rows", "inferior alveolar branch"),
    ],
)
def test_a_child_row_code_pairs_with_its_own_descriptor(name: str, previous: str) -> None:
    sections = _read(name)["64605"]
    lines = _lines(sections, "64605")
    assert lines, "64605 has no line"
    assert all(layouts.C05 in line for line in lines), lines
    assert not any(previous in line for line in lines), f"64605 paired with the row above: {lines}"


# --------------------------------------------------------------------------- linking by procedure


LINKED = [
    (
        "bsca_linked_statement",
        {
            "64600": "Destruction by neurolytic agent of the supraorbital, infraorbital, mental, or inferior alveolar "
            "branch of the trigeminal nerve may be considered medically necessary for trigeminal neuralgia "
            "refractory to drug therapy.",
            "64605": "Destruction by neurolytic agent of the second and third division branches of the trigeminal "
            "nerve at the foramen ovale is considered investigational.",
        },
    ),
    (
        "bcbsmi_pdf_linked_statement",
        {
            "64600": "Neurolytic destruction of the supraorbital, infraorbital, mental or inferior alveolar branch of "
            "the trigeminal nerve is medically necessary when conservative therapy has failed.",
            "64605": "Neurolytic destruction of the second and third division branches at the foramen ovale is "
            "experimental.",
        },
    ),
    (
        "ibx_group_rows",
        {
            "64600": "Peripheral branch neurolysis is considered medically necessary for trigeminal neuralgia that "
            "has not responded to drug therapy.",
            "64605": "Gasserian ganglion neurolysis at the foramen ovale is considered experimental/investigational.",
        },
    ),
    (
        "bcbsmi_pdf_group_rows",
        {
            "64600": "Peripheral branch neurolysis is medically necessary for trigeminal neuralgia refractory to "
            "drug therapy.",
            "64605": "Neurolysis at the foramen ovale is experimental.",
        },
    ),
]
"""Each fixture's code and the whole statement its procedure links to (the fixture's own words)."""


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


@pytest.mark.parametrize("name,statements", LINKED, ids=[n for n, _ in LINKED])
def test_a_neutral_code_row_takes_the_statement_naming_its_procedure(name: str, statements: dict[str, str]) -> None:
    made = layouts.BY_NAME[name]
    read = _read(name)
    for code, statement in statements.items():
        sections = read[code]
        assert summarize(sections)[0] == made.expect[code].status, code
        linked = [s for s in sections if s.basis and s.basis.get("from") == "linked"]
        assert linked, f"{code}: no section linked to its statement ({[s.basis for s in sections]})"
        for s in linked:
            assert s.basis and s.basis["phrase"] and _norm(s.basis["phrase"]) in _norm(statement), (code, s.basis)
        assert not needs_review(sections), code  # a strong link: many shared words


def test_a_weak_link_asks_for_review() -> None:
    page = f"""<!DOCTYPE html><html><body><main><h1>Facial Pain Procedures</h1>
<h2>Policy</h2><p>Treatment of facial pain by a nerve procedure is medically necessary after drug therapy fails.</p>
<h2>Coding</h2><p>Inclusion of a code does not imply coverage.</p>
<table><tr><th>Code</th><th>Description</th></tr><tr><td>64600</td><td>{escape(layouts.D00)}</td></tr></table>
</main></body></html>""".encode()
    sections = extract(page, "html", ["64600"]).for_code("64600")
    status = summarize(sections)[0]
    assert status in ("covered", "mentioned")
    if status == "covered":
        assert needs_review(sections), "a link on two shared words must ask for review"


# --------------------------------------------------------------------------- "no longer" under its heading


def _no_longer_pdf() -> bytes:
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=letter, invariant=1)
    canvas.setFont("Helvetica-Bold", 18)
    canvas.drawString(72, 730, "Trigeminal Nerve Procedures")
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(72, 700, "Investigational")
    canvas.setFont("Helvetica", 10)
    canvas.drawString(72, 680, "Neurolysis of peripheral trigeminal branches (CPT 64600) is no longer considered")
    canvas.drawString(72, 666, "investigational.")
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


@pytest.mark.parametrize(
    "body,kind",
    [
        (
            b"<html><body><h1>Trigeminal Nerve Procedures</h1><h2>Investigational</h2><p>Neurolysis of peripheral "
            b"trigeminal branches (CPT 64600) is no longer considered investigational.</p></body></html>",
            "html",
        ),
        (
            b"<html><body><h1>Trigeminal Nerve Procedures</h1><h2>Experimental / Investigational</h2><ul><li>CPT "
            b"64600 no longer meets the definition of investigational as of 01/01/2026</li></ul></body></html>",
            "html",
        ),
        (_no_longer_pdf(), "pdf"),
    ],
    ids=["html-paragraph", "html-list-item", "pdf-paragraph"],
)
def test_no_longer_investigational_under_an_investigational_heading_is_not_experimental(body: bytes, kind: str) -> None:
    sections = extract(body, kind, ["64600"]).for_code("64600")
    assert sections
    assert {s.status for s in sections} <= {"covered", "mentioned"}, [(s.status, s.basis) for s in sections]


# --------------------------------------------------------------------------- content misplaced in a table


def test_text_misplaced_inside_a_table_is_foster_parented_not_glued_to_a_row() -> None:
    page = f"""<!DOCTYPE html><html><body><h1>Trigeminal Nerve Procedures</h1><h2>Coding</h2>
<table><tr><th>Code</th><th>Description</th></tr>
<tr><td>64600</td><td>{escape(layouts.D00)}</td></tr>
<p>Neurolysis at the foramen ovale (CPT 64605) is considered investigational.</p>
<tr><td>64610</td><td>{escape(layouts.D10)}</td></tr></table></body></html>""".encode()
    result = extract(page, "html", CODES)
    row = [line for line in _lines(result.for_code("64600"), "64600")]
    assert row and not any("investigational" in line for line in row), row
    assert summarize(result.for_code("64600"))[0] == "mentioned"
    assert summarize(result.for_code("64605"))[0] == "experimental"


# --------------------------------------------------------------------------- what cannot be read is a fault

JS_SHELL = (
    b'<!DOCTYPE html><html><head><title>Medical Policy</title><script src="/static/app.3f9a.js" defer></script>'
    b'</head><body><noscript>You need to enable JavaScript to run this app.</noscript><div id="root"></div>'
    b'<script type="application/json" id="__DATA__">{"policy":{"title":"Trigeminal Nerve Procedures",'
    b'"body":"Neurolysis (CPT 64600) is medically necessary when criteria are met."}}</script></body></html>'
)


def _image_only_pdf() -> bytes:
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=letter, invariant=1)
    for y in range(100, 700, 20):
        canvas.rect(72, y, 400, 8, fill=1)  # lines of "text" that are only drawings: a scan
    canvas.showPage()
    canvas.save()
    return buf.getvalue()


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>',
        )
        z.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
            'main"><w:body><w:p><w:r><w:t>CPT 64600 is medically necessary.</w:t></w:r></w:p></w:body></w:document>',
        )
    return buf.getvalue()


def test_a_javascript_shell_is_no_readable_text() -> None:
    with pytest.raises(ExtractError, match="(?i)no readable text.*javascript"):
        extract(JS_SHELL, "html", ["64600"])


UNREADABLE = [
    pytest.param("shell.html", JS_SHELL, "(?i)no readable text.*javascript", id="javascript-shell"),
    pytest.param("scan.pdf", _image_only_pdf(), "(?i)no text layer", id="image-only-pdf"),
    pytest.param("policy.docx", _docx(), "(?i)word document", id="docx"),
    pytest.param(
        "policy.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + b"CPT 64600", "(?i)word document", id="doc"
    ),
]


@pytest.mark.parametrize("name,body,message", UNREADABLE)
def test_extract_of_what_cannot_be_read_exits_5(
    name: str, body: bytes, message: str, tmp_path: Path, work: Workdir
) -> None:
    doc = tmp_path / name
    doc.write_bytes(body)
    result = work.cli("extract", str(doc), "--code", "64600")
    assert result.exit_code == 5, result.output
    assert "No section mentions" not in result.output and "Traceback" not in result.output
    assert re.search(message, result.output), result.output


def test_run_calls_a_javascript_shell_a_fault_and_keeps_the_last_good_version(
    server: PolicyServer, work: Workdir
) -> None:
    path = "/policies/trigeminal.html"
    work.write_sources(
        f"""
        codes = ["64600"]

        [[source]]
        id = "shell"
        payer = "aetna"
        title = "Trigeminal Neuralgia: Treatments"
        url = "{server.url(path)}"
        """
    )
    server.set(path, samples.aetna_cpb_html(1))
    assert work.cli("run", "--no-notify").exit_code == 0
    server.set(path, JS_SHELL)
    result = work.cli("run", "--no-notify")
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert [c["kind"] for c in work.json("changes", "--source", "shell")] == ["new"]
    assert work.json("status")[0]["status"] == "covered"


def test_a_page_whose_markup_hides_its_text_says_so() -> None:
    """An unclosed <script> swallows the page, as a browser shows it: a fault that names the cause."""
    words = " ".join(["Neurolysis of the supraorbital branch (CPT 64600) is medically necessary."] * 12)
    page = f"<html><head><script>var x = 1;</scri+t></head><body><p>{words}</p></body></html>".encode()
    with pytest.raises(ExtractError, match="markup hides its text"):
        extract(page, "html", ["64600"])
