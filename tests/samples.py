"""Fixture documents that reproduce each payer's real layout (see ../shared/sources-catalog.md).

No copy of a real payer document is stored here; each function writes a document with the
same structure, headings, tables, chrome and traps as the real one, so the extractor meets
the layouts it will meet in production:

* ``aetna_cpb_html``: an Aetna Clinical Policy Bulletin page (CPB 0374): site chrome, a
  numbered Policy section, Policy History dates, one code table whose group rows read
  "CPT codes covered if selection criteria are met:" / "... not covered ...", Background.
* ``cigna_policy_pdf``: a Cigna coverage policy PDF (0525): header block with dotted
  leaders, table of contents, running header, "Page x of y" and policy-number footer,
  ruled code tables under "Considered Medically Necessary ..." / "Considered
  Experimental/Investigational/Unproven:", Revision Details.
* ``uhc_policy_pdf``: a UnitedHealthcare commercial medical policy PDF: Coverage Rationale,
  an "Applicable Codes" table drawn without rulings with a footnoted 64600 row, Policy
  History/Revision Information, copyright footer.
* ``anthem_guideline_html``: an Anthem/Elevance clinical guideline (CG-SURG-89) with the
  qualified 64600 row under "Radiofrequency Neurolysis" / "When services may be
  Medically Necessary when criteria are met:".
* ``horizon_range_html``: a Horizon BCBSNJ Lotus Notes page (Policy 142) where 64600 is
  only inside the range "64600-64681" (version 2: "64605-64681").
* ``bcbs_trap_html``: a BCBS Alabama (MP-314) print page naming 64605/64610 and numbers that
  merely contain 64600 (PMID 2064600, a claim number 64600123), never 64600 itself.
* ``challenge_html`` / ``truncated_pdf``: what a failed fetch looks like (Akamai denial page,
  a PDF cut in half).
* ``long_policy_pdf``: a long Cigna-style policy for the benchmark and the fast-path test.

PDFs are drawn with reportlab in invariant mode, so each call returns the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any

from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

D64600 = (
    "Destruction by neurolytic agent, trigeminal nerve; supraorbital, infraorbital, mental, or inferior alveolar branch"
)
D64605 = "Destruction by neurolytic agent, trigeminal nerve; second and third division branches at foramen ovale"
D64610 = (
    "Destruction by neurolytic agent, trigeminal nerve; second and third division branches at foramen ovale "
    "under radiologic monitoring"
)
D64640 = "Destruction by neurolytic agent; other peripheral nerve or branch"
D64999 = "Unlisted procedure, nervous system"
D61790 = (
    "Creation of lesion by stereotactic method, percutaneous, by neurolytic agent (eg, alcohol, thermal, "
    "electrical, radiofrequency); gasserian ganglion"
)
D61791 = D61790.replace("gasserian ganglion", "trigeminal medullary tract")
D64405 = "Injection(s), anesthetic agent(s) and/or steroid; greater occipital nerve"

FILLER = (
    "Trigeminal neuralgia is characterized by paroxysmal, lancinating facial pain in the distribution of one "
    "or more branches of the fifth cranial nerve. Treatment begins with anticonvulsant medication; procedures "
    "are reserved for individuals whose pain is refractory to, or who cannot tolerate, pharmacotherapy. "
    "Published series report initial pain relief in most patients, with recurrence rates that rise over "
    "several years of follow-up and vary with the technique and the population studied."
)


# --------------------------------------------------------------------------- HTML helpers


def _page(title: str, chrome_top: str, body: str, chrome_bottom: str) -> bytes:
    html = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title>\n"
        "<script>window.dataLayer = window.dataLayer || []; dataLayer.push({'codes': '64600'});</script>\n"
        "<style>td { vertical-align: top } .hidden { display: none }</style></head>\n"
        f"<body>\n{chrome_top}\n{body}\n{chrome_bottom}\n</body></html>\n"
    )
    return html.encode("utf-8")


def _rows(rows: Sequence[tuple[str, str]]) -> str:
    return "".join(f"<tr><td>{code}</td><td>{text}</td></tr>\n" for code, text in rows)


# --------------------------------------------------------------------------- Aetna


def aetna_cpb_html(version: int = 1) -> bytes:
    """Aetna CPB 0374 page; version 2 moves 64600 from the covered to the not-covered table."""
    if version == 1:
        dates = ("06/17/2025", "03/09/2000", "04/08/2026")
        covered = [
            (
                "61450",
                "Craniectomy, subtemporal, for section, compression, or decompression of sensory "
                "root of gasserian ganglion",
            ),
            ("61790", D61790),
            ("64600", D64600),
            ("64605", D64605),
            ("64610", D64610),
        ]
        not_covered = [("64999", D64999 + " [pulsed radiofrequency]")]
    else:
        dates = ("04/14/2026", "03/09/2000", "04/14/2027")
        covered = [
            (
                "61450",
                "Craniectomy, subtemporal, for section, compression, or decompression of sensory "
                "root of gasserian ganglion",
            ),
            ("61790", D61790),
            ("64605", D64605),
            ("64610", D64610),
        ]
        not_covered = [("64600", D64600), ("64999", D64999 + " [pulsed radiofrequency]")]
    chrome_top = (
        '<header class="site-header"><a href="#" onclick="window.close()">Close Window</a>'
        '<nav><ul><li><a href="/">Aetna Home</a></li><li><a href="/providers">Health care professionals'
        '</a></li><li><a href="/cpb">Clinical Policy Bulletins (64600 search)</a></li></ul></nav></header>\n'
        '<nav aria-label="breadcrumb">Home &gt; Health Care Professionals &gt; Clinical Policy Bulletins'
        " &gt; Medical</nav>"
    )
    body = f"""<main id="main"><div class="cpb-content">
<h1>Trigeminal Neuralgia: Treatments</h1>
<p>Number: <strong>0374</strong></p>
<div class="toc"><p>Table Of Contents</p><ul><li><a href="#policy">Policy</a></li>
<li><a href="#codes">Applicable CPT / HCPCS / ICD-10 Codes</a></li><li><a href="#bg">Background</a></li>
<li><a href="#refs">References</a></li></ul></div>
<h2>Policy History</h2>
<p>Last Review<br>\n    {dates[0]}</p>
<p>Effective: {dates[1]}</p>
<p>Next Review: {dates[2]}</p>
<p><a href="#">Review History</a></p><p><a href="#">Definitions</a></p>
<p>Additional Information</p>
<h2 id="policy">Policy</h2>
<h3>Scope of Policy</h3>
<p>This Clinical Policy Bulletin addresses treatments for trigeminal neuralgia.</p>
<h3>I. Medical Necessity</h3>
<p>Aetna considers the following procedures medically necessary for members with trigeminal neuralgia
   that is refractory to medical therapy:</p>
<ol type="A"><li>Percutaneous glycerol rhizotomy; <em>or</em></li>
<li>Percutaneous radiofrequency rhizolysis (thermo&shy;coagulation); <em>or</em></li>
<li>Percutaneous balloon microcompression; <em>or</em></li>
<li>Peripheral neurectomy or peripheral branch neurolysis (alcohol or glycerol) of the supraorbital,
    infraorbital or mental nerve; <em>or</em></li>
<li>Microvascular decompression.</li></ol>
<h3>II. Experimental and Investigational</h3>
<p>Aetna considers the following interventions experimental and investigational for the treatment of
   trigeminal neuralgia because the effectiveness of these approaches has not been established:</p>
<ul><li>Pulsed radiofrequency of the gasserian ganglion</li><li>Peripheral nerve stimulation</li>
<li>Botulinum toxin injection</li></ul>
<h3>III. Related Policies</h3>
<ul><li><a href="#">CPB 0735 - Pulsed Radiofrequency</a></li></ul>
<h2 id="codes">CPT Codes / HCPCS Codes / ICD-10 Codes</h2>
<table class="codes">
<tr><th>Code</th><th>Code Description</th></tr>
<tr><td colspan="2"><strong>CPT codes covered if selection criteria are met:</strong></td></tr>
{_rows(covered)}<tr><td colspan="2"><strong>CPT codes not covered for indications listed in the CPB:</strong></td></tr>
{_rows(not_covered)}<tr><td colspan="2"><strong>ICD-10 codes covered if selection criteria are met:</strong></td></tr>
{_rows([("G50.0", "Trigeminal neuralgia"), ("G50.1", "Atypical facial pain")])}</table>
<h2 id="bg">Background</h2>
<p>{FILLER}</p>
<p>Peripheral branch neurolysis (CPT 64600) with alcohol or glycerol is a minor procedure that can be
   repeated; the e&#xFB00;ect typically lasts 6 to 12 months, and its signi&#xFB01;cance lies in elderly
   members who are poor candidates for open surgery.</p>
<h2 id="refs">References</h2>
<ol><li>Zakrzewska JM, Linskey ME. Trigeminal neuralgia. BMJ. 2014;348:g474.</li>
<li>Bendtsen L, et al. European Academy of Neurology guideline on trigeminal neuralgia.
    Eur J Neurol. 2019;26(6):831-849. PMID 30860637.</li></ol>
</div></main>"""
    chrome_bottom = (
        '<footer><p>Copyright 2026 Aetna Inc.</p><nav><a href="#">Privacy</a> | <a href="#">Legal</a></nav></footer>'
    )
    return _page(
        "Trigeminal Neuralgia: Treatments - Medical Clinical Policy Bulletins | Aetna", chrome_top, body, chrome_bottom
    )


# --------------------------------------------------------------------------- Anthem


def anthem_guideline_html(version: int = 1) -> bytes:
    """Anthem/Elevance CG-SURG-89 guideline with the qualified 64600 row."""
    dates = ("06/28/2024", "05/09/2024") if version == 1 else ("07/01/2025", "05/08/2025")
    qualifier = "[when specified as radiofrequency neurolysis]"
    chrome_top = (
        '<header><div class="brand">Anthem Blue Cross and Blue Shield</div><nav><a href="/">Home</a>'
        ' <a href="/providers">Providers</a> <a href="/medpolicies">Medical Policies</a></nav></header>'
    )
    body = f"""<div id="guideline">
<h1>Radiofrequency Neurolysis and Pulsed Radiofrequency Therapy for Trigeminal Neuralgia</h1>
<table class="guideline-header">
<tr><td>Guideline #: CG-SURG-89</td><td>Publish Date: {dates[0]}</td></tr>
<tr><td>Status: Revised</td><td>Last Review Date: {dates[1]}</td></tr>
<tr><td colspan="2">Current Effective Date: {dates[0]}</td></tr></table>
<h2>Description</h2>
<p>This document addresses radiofrequency (RF) neurolysis and pulsed radiofrequency (PRF) therapy of
   the trigeminal nerve for the treatment of trigeminal neuralgia.</p>
<h2>Clinical Indications</h2>
<p><b>Medically Necessary:</b></p>
<p>Radiofrequency neurolysis of the trigeminal nerve or its branches is considered medically necessary
   for individuals with trigeminal neuralgia when all of the following criteria are met:</p>
<ol><li>The pain is refractory to, or the individual cannot tolerate, anticonvulsant therapy; and</li>
<li>A diagnostic nerve block produced at least 50% relief.</li></ol>
<p><b>Not Medically Necessary:</b></p>
<p>Radiofrequency neurolysis is considered not medically necessary when the criteria above are not met.</p>
<p>Pulsed radiofrequency therapy for the treatment of trigeminal neuralgia is considered not medically
   necessary.</p>
<h2>Coding</h2>
<p>The following codes for treatments and procedures applicable to this document are included below for
   informational purposes. Inclusion or exclusion of a procedure, diagnosis or device code(s) does not
   constitute or imply member coverage or provider reimbursement policy.</p>
<p><b>Radiofrequency Neurolysis</b></p>
<p><b>When services may be Medically Necessary when criteria are met:</b></p>
<table class="codes"><tr><th>CPT</th><th></th></tr>
{_rows([("61790", D61790), ("61791", D61791), ("64600", D64600 + " " + qualifier)])}</table>
<table class="codes"><tr><th>ICD-10 Diagnosis</th><th></th></tr>
{_rows([("G50.0", "Trigeminal neuralgia"), ("G50.1", "Atypical facial pain")])}</table>
<p><b>When services are Not Medically Necessary:</b></p>
<p>For the procedure codes listed above for all other diagnoses not listed, or when the code describes a
   procedure indicated in the Clinical Indications section as not medically necessary.</p>
<p><b>Pulsed Radiofrequency Therapy</b></p>
<p><b>When services are also Not Medically Necessary:</b></p>
<table class="codes"><tr><th>CPT</th><th></th></tr>
{_rows([("64999", D64999 + " [when specified as pulsed radiofrequency therapy of the trigeminal nerve]")])}
</table>
<h2>Discussion/General Information</h2>
<p>{FILLER}</p>
<h2>References</h2>
<ol><li>Kanpolat Y, et al. Percutaneous controlled radiofrequency trigeminal rhizotomy for the treatment
    of idiopathic trigeminal neuralgia: 25-year experience with 1,600 patients. Neurosurgery.
    2001;48(3):524-532.</li></ol>
<h2>History</h2>
<table class="history"><tr><th>Status</th><th>Date</th><th>Action</th></tr>
<tr><td>Revised</td><td>{dates[1]}</td><td>Medical Policy &amp; Technology Assessment Committee (MPTAC)
    review. Revised Coding section.</td></tr>
<tr><td>New</td><td>05/11/2023</td><td>MPTAC review. Initial document development.</td></tr></table>
</div>"""
    chrome_bottom = "<footer>&copy; 2024 Elevance Health. All rights reserved.</footer>"
    return _page(
        "CG-SURG-89 Radiofrequency Neurolysis and Pulsed Radiofrequency Therapy for Trigeminal Neuralgia",
        chrome_top,
        body,
        chrome_bottom,
    )


# --------------------------------------------------------------------------- Horizon


def horizon_range_html(version: int = 1) -> bytes:
    """Horizon BCBSNJ Policy 142 page; 64600 only inside "64600-64681" (version 2: "64605-64681")."""
    codes = "61790, 61791, 64600-64681" if version == 1 else "61790, 61791, 64605-64681"
    chrome_top = (
        '<table width="100%" class="banner"><tr><td><img src="/logo.gif" alt="Horizon BCBSNJ">'
        '</td><td><font size="2">Medical Policy Manual</font></td></tr></table>'
    )
    body = f"""<form name="_MedicalPolicy" action="">
<table border="0" width="100%"><tr><td>
<p><b><font size="4">Percutaneous Neurolysis for Trigeminal Neuralgia</font></b></p>
<table border="0">
<tr><td><b>Policy Number:</b></td><td>142</td></tr>
<tr><td><b>Effective Date:</b></td><td>10/22/2018</td></tr>
<tr><td><b>Original Effective Date:</b></td><td>05/22/2012</td></tr>
<tr><td><b>Last Review Date:</b></td><td>01/14/2020</td></tr>
<tr><td><b>Next Review Date:</b></td><td>01/14/2021</td></tr></table>
</td></tr><tr><td>
<p><b>Description:</b></p>
<p>Percutaneous neurolysis destroys a portion of the trigeminal nerve or its branches with heat
   (radiofrequency), a chemical (glycerol) or mechanical compression (balloon).</p>
<p><b>I. POLICY</b></p>
<p>Percutaneous neurolysis of the trigeminal nerve or its branches (i.e., radiofrequency rhizotomy,
   glycerol rhizotomy, balloon compression) is considered medically necessary for the treatment of
   trigeminal neuralgia refractory to medical therapy.</p>
<p>Pulsed radiofrequency of the trigeminal nerve is considered investigational.</p>
<p><b>Cross Reference:</b> Facet joint denervation (CPT 64633&#8211;64636) is addressed in Policy 037.</p>
<p><b>II. PRODUCT VARIATIONS</b></p>
<p>This policy is applicable to the following Horizon Blue Cross Blue Shield of New Jersey products:
   Horizon PPO, Horizon EPO, Horizon POS, Horizon HMO.</p>
<p><b>III. PROCEDURE CODES</b></p>
<p>The following codes are considered medically necessary when the criteria in section I are met.
   Precertification is required.</p>
<table border="1"><tr><th>Code Type</th><th>Codes</th></tr>
<tr><td>CPT</td><td>{codes}</td></tr>
<tr><td>HCPCS</td><td>None</td></tr></table>
<p><b>IV. REFERENCES</b></p>
<p>Cheng JS, et al. A review of percutaneous treatments for trigeminal neuralgia. Neurosurgery.
   2014;10(1):25-33.</p>
</td></tr></table></form>"""
    chrome_bottom = (
        '<p class="footer"><font size="1">&copy; 2020 Horizon Blue Cross Blue Shield of New Jersey</font></p>'
    )
    return _page("Percutaneous Neurolysis for Trigeminal Neuralgia", chrome_top, body, chrome_bottom)


# --------------------------------------------------------------------------- BCBS trap


def bcbs_trap_html() -> bytes:
    """BCBS Alabama MP-314 print page: 64605/64610 and numbers containing 64600, never 64600."""
    chrome_top = (
        '<nav class="portlet-topper"><a href="/c/portal/login">Sign in</a> <a href="/web/guest/home">Home</a></nav>'
    )
    body = (
        """<div class="portlet-body"><article>
<h1>Occipital Neuralgia and Headache Treatment</h1>
<p>Policy #: MP-314</p>
<p>Effective Date: 10/15/2024</p>
<p>Last Review Date: October 8, 2024</p>
<h2>Description of Procedure or Service</h2>
<p>Occipital neuralgia is a type of headache that involves pain in the distribution of the greater,
   lesser or third occipital nerves.</p>
<h2>Policy</h2>
<p>Blue Cross and Blue Shield of Alabama considers destruction by neurolytic agent of the trigeminal
   nerve at the foramen ovale (CPT 64605, 64610) investigational for the treatment of chronic
   headache.</p>
<p>Surgical decompression of the occipital nerve is considered not medically necessary.</p>
<h2>Key Points</h2>
<p>A randomized trial (PMID 2064600) reported short-term benefit only. Trial registration NCT02064600.</p>
<p>Claims under reference 64600123 were reprocessed in 2023.</p>
<h2>Coding</h2>
<table><tr><th>Codes</th><th>Number</th><th>Description</th></tr>
<tr><td>CPT</td><td>64605</td><td>"""
        + D64605
        + """</td></tr>
<tr><td>CPT</td><td>64610</td><td>"""
        + D64610
        + """</td></tr>
<tr><td>CPT</td><td>64615 &#8211; 64681</td><td>Chemodenervation and other destruction codes</td></tr>
</table>
</article></div>"""
    )
    return _page(
        "Occipital Neuralgia and Headache Treatment - BCBS Alabama",
        chrome_top,
        body,
        "<footer>Printed 11/02/2024</footer>",
    )


# --------------------------------------------------------------------------- failures


def challenge_html() -> bytes:
    """An Akamai "Access Denied" page, served with HTTP 200 by bot protection."""
    return (
        b"<HTML><HEAD>\n<TITLE>Access Denied</TITLE>\n</HEAD><BODY>\n<H1>Access Denied</H1>\n \n"
        b"You don't have permission to access \"http&#58;&#47;&#47;www&#46;aetna&#46;com&#47;cpb&#47;medical"
        b'&#47;data&#47;300&#95;399&#47;0374&#46;html" on this server.<P>\n'
        b"Reference&#32;&#35;18&#46;5f3b2e17&#46;1745312345&#46;1a2b3c4d\n"
        b"<P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;18&#46;5f3b2e17&#46;1745312345&#46;1a2b3c4d</P>\n"
        b"</BODY>\n</HTML>\n"
    )


def truncated_pdf() -> bytes:
    """The Cigna policy PDF cut in half, as an interrupted download leaves it."""
    body = cigna_policy_pdf()
    return body[: len(body) // 2]


# --------------------------------------------------------------------------- PDF helpers

BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=10, leading=12.5, spaceAfter=6)
BOLD = ParagraphStyle("bold", parent=BODY, fontName="Helvetica-Bold")
H1 = ParagraphStyle("h1", fontName="Helvetica-Bold", fontSize=13, leading=16, spaceBefore=8, spaceAfter=6)
TITLE = ParagraphStyle("title", fontName="Helvetica-Bold", fontSize=17, leading=21, spaceAfter=8)
BULLET = ParagraphStyle("bullet", parent=BODY, leftIndent=18, bulletIndent=6, spaceAfter=3)
CELL = ParagraphStyle("cell", fontName="Helvetica", fontSize=9, leading=11)
CELL_BOLD = ParagraphStyle("cellb", parent=CELL, fontName="Helvetica-Bold")
FOOTNOTE = ParagraphStyle("foot", fontName="Helvetica", fontSize=8, leading=10, spaceAfter=6)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Leader(Flowable):
    """One line "label ........ value": table of contents entries and Cigna's header block."""

    def __init__(self, label: str, value: str, width: float = 300, bold: bool = False) -> None:
        super().__init__()
        self.label, self.value, self.line_width, self.bold = label, value, width, bold

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return self.line_width, 13

    def line(self) -> str:
        """The line's text, dots included (also what the HTML twins print)."""
        font = "Helvetica-Bold" if self.bold else "Helvetica"
        used = stringWidth(f"{self.label}  {self.value}", font, 10)
        dots = "." * max(4, int((self.line_width - used) / stringWidth(".", font, 10)))
        return f"{self.label} {dots} {self.value}"

    def draw(self) -> None:
        self.canv.setFont("Helvetica-Bold" if self.bold else "Helvetica", 10)
        self.canv.drawString(0, 2, self.line())


class Heading(Paragraph):
    """A section heading; the document records its page for the table of contents."""


def _heading(text: str) -> Heading:
    return Heading(_esc(text), H1)


def _p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    return Paragraph(_esc(text), style)


def _bullets(items: Sequence[str]) -> list[Flowable]:
    return [Paragraph(_esc(item), BULLET, bulletText="\u2022") for item in items]


def _grid(rows: Sequence[Sequence[str]], widths: Sequence[float], ruled: bool = True) -> Table:
    cells = [[Paragraph(_esc(c), CELL_BOLD if i == 0 else CELL) for c in row] for i, row in enumerate(rows)]
    style = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 4)]
    if ruled:
        style.append(("GRID", (0, 0), (-1, -1), 0.6, (0, 0, 0)))
    table = Table(cells, colWidths=list(widths), hAlign="LEFT")
    table.setStyle(TableStyle(style))
    return table


Decorate = Callable[[Canvas, int, int], None]


class _Doc(BaseDocTemplate):
    def __init__(self, buf: io.BytesIO, decorate: Decorate, total: int, after: bool, **kw: Any) -> None:
        super().__init__(
            buf, pagesize=letter, leftMargin=54, rightMargin=54, topMargin=64, bottomMargin=72, invariant=1, **kw
        )
        self.heading_pages: dict[str, int] = {}
        frame = Frame(54, 72, letter[0] - 108, letter[1] - 136, id="body")

        def draw(canvas: Canvas, doc: BaseDocTemplate) -> None:
            decorate(canvas, doc.page, total)

        hooks = {"onPageEnd": draw} if after else {"onPage": draw}
        self.addPageTemplates([PageTemplate(id="page", frames=[frame], **hooks)])

    def afterFlowable(self, flowable: Flowable) -> None:
        if isinstance(flowable, Heading):
            self.heading_pages.setdefault(flowable.getPlainText(), self.page)


def _render(
    story: Callable[[dict[str, int]], list[Flowable]], decorate: Decorate, *, rerender: bool, meta: dict[str, str]
) -> bytes:
    """Lay out twice: the first pass learns the page count and the heading pages for the TOC."""
    pages: dict[str, int] = {}
    total = 0
    for _ in range(2):
        buf = io.BytesIO()
        kw: dict[str, Any] = dict(meta)
        if rerender:
            kw.update(
                producer="Acrobat Distiller 23.0 (Windows)", creator="Word", author="Policy Unit", pageCompression=0
            )
        else:
            kw.update(pageCompression=1)
        doc = _Doc(buf, decorate, total, after=rerender, **kw)
        doc.build(story(pages))
        pages, total = doc.heading_pages, doc.page
    return buf.getvalue()


def _footer(lines: Sequence[str]) -> Decorate:
    def decorate(canvas: Canvas, page: int, total: int) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        y = 48.0
        for line in lines:
            canvas.drawString(54, y, line.format(page=page, total=total))
            y -= 10
        canvas.restoreState()

    return decorate


# --------------------------------------------------------------------------- Cigna


def _cigna_decorate(page: int, total: int, canvas: Canvas) -> None:
    canvas.saveState()
    if page > 1:
        canvas.setFont("Helvetica", 8)
        canvas.drawString(54, letter[1] - 40, "Peripheral Nerve Destruction for Pain Conditions")
    canvas.setFont("Helvetica", 8)
    canvas.drawString(54, 50, f"Page {page} of {total}")
    canvas.drawString(54, 40, "Medical Coverage Policy: 0525")
    canvas.restoreState()


CIGNA_SECTIONS = (
    "Overview",
    "Coverage Policy",
    "General Background",
    "Medicare Coverage Determinations",
    "Coding Information",
    "References",
    "Revision Details",
)


def _cigna_story(version: int, background: int) -> Callable[[dict[str, int]], list[Flowable]]:
    effective, review = ("04/15/2025", "04/15/2026") if version == 1 else ("04/21/2026", "04/21/2027")
    necessary = [("64600", D64600), ("64605", D64605), ("64610", D64610)]
    unproven = [("64640", D64640 + " (when specified as cryoablation)"), ("64999", D64999)]
    if version == 2:
        necessary, unproven = necessary[1:], [necessary[0], *unproven]
    head = [("CPT\u00ae* Codes", "Description")]

    def story(pages: dict[str, int]) -> list[Flowable]:
        flow: list[Flowable] = [
            _p("Medical Coverage Policy", BOLD),
            Leader("Effective Date", effective),
            Leader("Next Review Date", review),
            Leader("Coverage Policy Number", "0525"),
            Spacer(1, 8),
            Paragraph("Peripheral Nerve Destruction for Pain Conditions", TITLE),
            _p("Table of Contents", BOLD),
            *[Leader(name, str(pages.get(name, 1)), width=260) for name in CIGNA_SECTIONS],
            Spacer(1, 6),
            _p("Related Coverage Resources", BOLD),
            _p("Radiofrequency Joint Denervation/Ablation"),
            _p("INSTRUCTIONS FOR USE", BOLD),
            _p(
                "The following Coverage Policy applies to health benefit plans administered by Cigna Companies. "
                "Coverage Policies are intended to provide guidance in interpreting certain standard benefit "
                "plans administered by Cigna Companies. In the event of a conflict, a customer's benefit plan "
                "document always supersedes the information in the Coverage Policies."
            ),
            _heading("Overview"),
            _p(
                "This Coverage Policy addresses peripheral nerve destruction, including chemical neurolysis, "
                "cryoablation and radiofrequency ablation, for the treatment of pain conditions."
            ),
            _heading("Coverage Policy"),
            _p(
                "Destruction by neurolytic agent of the supraorbital, infraorbital, mental or inferior "
                "alveolar branch of the trigeminal nerve is considered medically necessary for the treatment "
                "of trigeminal neuralgia when ALL of the following criteria are met:"
            ),
            *_bullets(
                [
                    "pain is refractory to at least two anticonvulsant medications",
                    "a diagnostic nerve block of the same branch provided at least 50% relief",
                ]
            ),
            _p(
                "Peripheral nerve destruction for any other indication, including cryoablation of any "
                "peripheral nerve, is considered experimental, investigational or unproven."
            ),
            _heading("General Background"),
            *_background(background),
            _heading("Medicare Coverage Determinations"),
            _grid(
                [
                    ("Contractor", "Determination Name/Number", "Revision Effective Date"),
                    ("NCD", "Induced Lesions of Nerve Tracts (160.1)", "3/1/2006"),
                    ("LCD", "No Local Coverage Determination found", ""),
                ],
                (90, 250, 110),
            ),
            _p("Note: Please review the current Medicare Policy for the most up-to-date information."),
            _heading("Coding Information"),
            _p("Notes:"),
            _p(
                "1. This list of codes may not be all-inclusive since the American Medical Association (AMA) "
                "and Centers for Medicare & Medicaid Services (CMS) code updates may occur more frequently "
                "than policy updates."
            ),
            _p(
                "Considered Medically Necessary when criteria in the applicable policy statements listed "
                "above are met:",
                BOLD,
            ),
            _grid(head + necessary, (80, 370)),
            Spacer(1, 8),
            _p("Considered Experimental/Investigational/Unproven:", BOLD),
            _grid(head + unproven, (80, 370)),
            _p(
                "*Current Procedural Terminology (CPT\u00ae) \u00a92025 American Medical Association: Chicago, IL.",
                FOOTNOTE,
            ),
            _heading("References"),
            _p("1. Zakrzewska JM, Linskey ME. Trigeminal neuralgia. BMJ. 2014;348:g474."),
            _p(
                "2. Sweet WH, Wepsic JG. Controlled thermocoagulation of trigeminal ganglion and rootlets for "
                "differential destruction of pain fibers. J Neurosurg. 1974;40(2):143-156."
            ),
            _heading("Revision Details"),
            _grid([("Type of Revision", "Summary of Changes", "Date"), *_cigna_revisions(version)], (100, 270, 80)),
        ]
        return flow

    return story


SUBHEADS = ("Clinical Studies", "Professional Societies", "Comparative Effectiveness", "Adverse Events")
MENTION = (
    "Peripheral branch neurolysis (CPT 64600) with alcohol or glycerol can be repeated when pain "
    "recurs; most series report relief lasting 6 to 12 months."
)


def _background(paragraphs: int) -> list[Flowable]:
    """General Background text; long documents get bold subheadings and one 64600 mention."""
    if paragraphs < 40:
        return [_p(FILLER) for _ in range(paragraphs)]
    flow: list[Flowable] = []
    for i in range(paragraphs):
        if i % 40 == 0:
            flow.append(_p(SUBHEADS[(i // 40) % len(SUBHEADS)], BOLD))
        flow.append(_p(MENTION if i == paragraphs * 3 // 5 else FILLER))
    return flow


def _cigna_revisions(version: int) -> list[tuple[str, str, str]]:
    rows = [("Annual Review", "No clinical policy statement changes.", "04/15/2025")]
    if version == 2:
        rows.insert(
            0,
            (
                "Focused Review",
                "Moved CPT code 64600 from medically necessary to experimental, investigational, unproven.",
                "04/21/2026",
            ),
        )
    return rows


def cigna_policy_pdf(version: int = 1, *, rerender: bool = False) -> bytes:
    """Cigna 0525 PDF; version 2 moves 64600 to Experimental/Investigational/Unproven (eff. 04/21/2026).

    ``rerender=True`` gives other bytes (producer, compression, drawing order) for the same text.
    """
    return _cigna_pdf(version, rerender=rerender, background=16)


def _cigna_pdf(version: int, *, rerender: bool, background: int) -> bytes:
    def decorate(canvas: Canvas, page: int, total: int) -> None:
        _cigna_decorate(page, total, canvas)

    meta = {"title": "Peripheral Nerve Destruction for Pain Conditions", "subject": "Coverage Policy 0525"}
    return _render(_cigna_story(version, background), decorate, rerender=rerender, meta=meta)


def long_policy_pdf(pages: int = 120) -> bytes:
    """A Cigna-style policy of about ``pages`` pages (at least 8): 64600 on two pages.

    Once in a General Background paragraph about 60% of the way in (under a bold subheading),
    once in the Coding Information table near the end.
    """
    # About 9.4 background paragraphs (with a subheading every 40) fill a page.
    return _cigna_pdf(1, rerender=False, background=max(40, round((pages - 3) * 9.4)))


# --------------------------------------------------------------------------- UHC


UHC_TITLE = "Occipital Nerve Injections and Ablation (Including Occipital Neuralgia and Headache)"


def uhc_policy_pdf(version: int = 1) -> bytes:
    """UHC commercial policy 2025T0080G; version 2 turns the 64600 statement from unproven to proven."""
    return _render(_uhc_story(version), _uhc_decorate(version), rerender=False, meta={"title": UHC_TITLE})


def _uhc_effective(version: int) -> tuple[str, str]:
    return ("January 1, 2026", "01/01/2026") if version == 1 else ("July 1, 2026", "07/01/2026")


def _uhc_decorate(version: int) -> Decorate:
    return _footer(
        [
            f"{UHC_TITLE}    Page {{page}} of {{total}}",
            f"UnitedHealthcare Commercial Medical Policy    Effective {_uhc_effective(version)[1]}",
            "Proprietary Information of UnitedHealthcare. Copyright 2026 United HealthCare Services, Inc.",
        ]
    )


def _uhc_story(version: int) -> Callable[[dict[str, int]], list[Flowable]]:
    effective = _uhc_effective(version)
    title = UHC_TITLE
    stance = (
        "is unproven and not medically necessary for the treatment of headache due to insufficient evidence of efficacy"
        if version == 1
        else "is proven and medically necessary for the treatment of supraorbital neuralgia when a "
        "diagnostic block provided at least 50% relief"
    )

    def story(pages: dict[str, int]) -> list[Flowable]:
        toc = (
            "Coverage Rationale",
            "Applicable Codes",
            "Description of Services",
            "Clinical Evidence",
            "References",
            "Policy History/Revision Information",
            "Instructions for Use",
        )
        return [
            _p("UnitedHealthcare\u00ae Commercial", BOLD),
            _p("Medical Policy", BOLD),
            Paragraph(_esc(title), TITLE),
            _p("Policy Number: 2025T0080G"),
            _p(f"Effective Date: {effective[0]}"),
            _p("Table of Contents", BOLD),
            *[Leader(name, str(pages.get(name, 1)), width=260) for name in toc],
            _heading("Coverage Rationale"),
            _p(
                "Occipital nerve block is proven and medically necessary for the treatment of occipital "
                "neuralgia and cervicogenic headache."
            ),
            _p(f"Destruction of the supraorbital nerve by neurolytic agent (CPT code 64600) {stance}."),
            _heading("Applicable Codes"),
            _p(
                "The following list(s) of procedure and/or diagnosis codes is provided for reference purposes "
                "only and may not be all inclusive. Listing of a code in this policy does not imply that the "
                "service described by the code is a covered or non-covered health service."
            ),
            _grid(
                [("CPT Code", "Description"), ("64405", D64405), ("64600*", D64600), ("64640", D64640)],
                (80, 370),
                ruled=False,
            ),
            _p("CPT\u00ae is a registered trademark of the American Medical Association", FOOTNOTE),
            _p("*Prior authorization is not required for this code.", FOOTNOTE),
            _heading("Description of Services"),
            *[_p(FILLER) for _ in range(3)],
            _heading("Clinical Evidence"),
            *[_p(FILLER) for _ in range(5)],
            _heading("References"),
            _p("Ducic I, et al. Neurolysis of the greater occipital nerve. Plast Reconstr Surg. 2009."),
            _heading("Policy History/Revision Information"),
            _grid(
                [
                    ("Date", "Summary of Changes"),
                    (effective[1], "Applicable Codes: added CPT code 64600 to the list of applicable codes."),
                ],
                (90, 360),
            ),
            _heading("Instructions for Use"),
            _p(
                "This Medical Policy provides assistance in interpreting UnitedHealthcare standard benefit "
                "plans. When deciding coverage, the federal, state or contractual requirements for benefit "
                "plan coverage must be referenced as the terms of the federal, state or contractual "
                "requirements for benefit plan coverage may differ from the standard benefit plan."
            ),
        ]

    return story


# --------------------------------------------------------------------------- HTML twins of the PDFs


def cigna_policy_html(version: int = 1) -> bytes:
    """The Cigna 0525 PDF (``cigna_policy_pdf``) written as HTML: the invariance suite's second producer."""
    meta = {"title": "Peripheral Nerve Destruction for Pain Conditions", "subject": "Coverage Policy 0525"}

    def decorate(canvas: Canvas, page: int, total: int) -> None:
        _cigna_decorate(page, total, canvas)

    return _story_html(meta["title"], _cigna_story(version, 16), decorate, meta)


def uhc_policy_html(version: int = 1) -> bytes:
    """The UHC 2025T0080G PDF (``uhc_policy_pdf``) written as HTML: the invariance suite's second producer."""
    return _story_html(UHC_TITLE, _uhc_story(version), _uhc_decorate(version), {"title": UHC_TITLE})


def _story_html(
    title: str, story: Callable[[dict[str, int]], list[Flowable]], decorate: Decorate, meta: dict[str, str]
) -> bytes:
    """A reportlab story as HTML: the TITLE style as <h1>, headings as <h2>, BOLD paragraphs as <p><b>,
    bullets as <ul>, leader lines as text, tables as <table> (border="1" where the PDF draws a grid).

    The running header and footer are left out (Chromium prints its own). The table of contents
    shows the pages the PDF shows: those of ``_render``'s first pass, laid out again here.
    """
    doc = _Doc(io.BytesIO(), decorate, 0, after=False, **meta)
    doc.build(story({}))
    body = "\n".join(filter(None, map(_flowable_html, story(doc.heading_pages))))
    return _page(_esc(title), "", body.replace("</ul>\n<ul>", ""), "")


def _flowable_html(flowable: Flowable) -> str:
    """One flowable of the Cigna/UHC stories as HTML ("" for a Spacer); bullets each as a <ul>, joined after."""
    if isinstance(flowable, Heading):
        return f"<h2>{flowable.text}</h2>"
    if isinstance(flowable, Paragraph):
        wrap = {id(TITLE): "<h1>{}</h1>", id(BOLD): "<p><b>{}</b></p>", id(BULLET): "<ul><li>{}</li></ul>"}
        return wrap.get(id(flowable.style), "<p>{}</p>").format(flowable.text)
    if isinstance(flowable, Leader):
        return f"<p>{_esc(flowable.line())}</p>"
    if isinstance(flowable, Table):
        return _table_html(flowable)
    if isinstance(flowable, Spacer):
        return ""
    raise TypeError(f"no HTML for {type(flowable).__name__}")


def _table_html(table: Table) -> str:
    ruled = any(command[0] == "GRID" for command in table._linecmds)
    border = ' border="1" style="border-collapse:collapse"' if ruled else ""
    rows = []
    for i, row in enumerate(table._cellvalues):
        tag = "th" if i == 0 else "td"
        rows.append("<tr>" + "".join(f"<{tag}>{cell.text}</{tag}>" for cell in row) + "</tr>")
    return f"<table{border}>" + "".join(rows) + "</table>"
