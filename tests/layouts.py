"""Layout fixtures: each reproduces one convention seen in a real plan's stored policy pages.

docs/payer-conventions.md records where each convention was seen. Every fixture here is ours:
only short formulaic phrases ("CPT codes covered if selection criteria are met:", "is
considered investigational") come from the real pages, never their prose. Each fixture has
``tests/expected/layouts/<name>.yaml`` with what an analyst reads in it, per tracked code:
status, prior authorization, needs_review, the code's descriptor and its qualifier.

HTML fixtures are raw markup (each plan's template has its own markup habits); PDF fixtures
are written as a small list of parts (``Part``) that renders both with reportlab (the
fixture), as HTML (which headless Chromium prints: the second PDF producer of the
invariance suite) and with fpdf2 (the third).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, Literal

from reportlab.lib.pagesizes import letter
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageBreak, PageTemplate, Paragraph

from tests.fpdf_producer import fpdf_pdf
from tests.samples import BODY, BOLD, FOOTNOTE, H1, TITLE, _grid, _page

CODES = ("64600", "64605")

D00 = (
    "Destruction by neurolytic agent, trigeminal nerve; supraorbital, infraorbital, mental, or inferior alveolar branch"
)
D05 = "Destruction by neurolytic agent, trigeminal nerve; second and third division branches at foramen ovale"
D10 = D05 + " under radiologic monitoring"
D40 = "Destruction by neurolytic agent; other peripheral nerve or branch"
D90 = "Unlisted procedure, nervous system"
EVIDENCE = (
    "Case series describe pain relief after the procedure in most patients, with recurrence over time; "
    "comparative trials are few and small."
)


@dataclass(frozen=True)
class Expect:
    """What an analyst reads for one code."""

    status: str
    prior_auth: bool | None = None
    needs_review: bool = False
    descriptor: str | None = None
    qualifier: str | None = None


@dataclass(frozen=True)
class Layout:
    """One fixture: a document laid out the way a plan lays out its policies."""

    name: str
    payer: str
    plan: str | None
    kind: Literal["html", "pdf"]
    convention: str
    """Which real convention it reproduces (one line; the plan and the stored page are in docs/)."""
    make: Callable[[], bytes]
    expect: dict[str, Expect]
    html: Callable[[], bytes] | None = None
    """PDF fixtures: the same document as HTML, for the second producer (Chromium)."""
    other: Callable[[], bytes] | None = None
    """PDF fixtures: the same document made by a third producer (fpdf2)."""


LAYOUTS: list[Layout] = []


def layout(
    name: str, payer: str, plan: str | None, convention: str, expect: dict[str, Expect]
) -> Callable[[Callable[[], bytes]], Callable[[], bytes]]:
    def register(make: Callable[[], bytes]) -> Callable[[], bytes]:
        LAYOUTS.append(Layout(name, payer, plan, "html", convention, make, expect))
        return make

    return register


def _doc(title: str, body: str, top: str = "", bottom: str = "") -> bytes:
    return _page(
        escape(title), top or '<nav><a href="/">Home</a> <a href="/providers">Providers</a></nav>', body, bottom
    )


def _tr(*cells: str, tag: str = "td", wrap: str = "{}") -> str:
    return "<tr>" + "".join(f"<{tag}>{wrap.format(c)}</{tag}>" for c in cells) + "</tr>\n"


def _group(text: str, span: int = 2, tag: str = "td") -> str:
    return f'<tr><{tag} colspan="{span}"><strong>{text}</strong></{tag}></tr>\n'


# =========================================================================== Aetna


@layout(
    "aetna_cpb_p_cells",
    "aetna",
    None,
    "Aetna CPB (2023+ template): code-table cells wrap text in <p>; group captions are <th colspan> rows",
    {
        "64600": Expect("covered", descriptor=D00),
        "64605": Expect("not_covered", descriptor=D05, qualifier="pulsed radiofrequency"),
    },
)
def aetna_cpb_p_cells() -> bytes:
    p = "<p>{}</p>"
    body = f"""<main><h1>Trigeminal Neuralgia: Treatments</h1>
<p>Number: 0374</p><p>Last Review 06/17/2025</p><p>Effective: 03/09/2000</p><p>Next Review: 04/08/2026</p>
<h2>Policy</h2><h3>I. Medical Necessity</h3>
<p>Aetna considers peripheral branch neurolysis medically necessary for trigeminal neuralgia refractory to
medical therapy.</p>
<h3>II. Experimental, Investigational, or Unproven</h3>
<p>Aetna considers pulsed radiofrequency of the gasserian ganglion experimental, investigational, or
unproven.</p>
<h2>CPT Codes / HCPCS Codes / ICD-10 Codes</h2>
<table class="table">
{_tr("Code", "Code Description", tag="th", wrap=p)}<tr><th colspan="2"><p><strong>CPT codes covered if selection
criteria are met:</strong></p></th></tr>
{_tr("64600", D00, wrap=p)}{_tr("64610", D10, wrap=p)}<tr><th colspan="2"><p><strong>CPT codes not covered for
indications listed in the CPB:</strong></p></th></tr>
{_tr("64605", D05 + " [pulsed radiofrequency]", wrap=p)}</table>
<h2>Background</h2><p>{EVIDENCE}</p></main>"""
    return _doc("Trigeminal Neuralgia: Treatments - Medical Clinical Policy Bulletins | Aetna", body)


@layout(
    "aetna_cpb_label_tables",
    "aetna",
    None,
    "Aetna CPB print: each code group its own table under a bold label ending ':'; "
    "'Other CPT codes related to the CPB:'; references cite a code next to 'experimental'",
    {"64600": Expect("covered", descriptor=D00), "64605": Expect("mentioned", descriptor=D05)},
)
def aetna_cpb_label_tables() -> bytes:
    body = f"""<div id="cpb"><h1>Trigeminal Neuralgia: Treatments</h1>
<p>Number: 0374</p>
<h2>Policy</h2>
<p>Aetna considers peripheral branch neurolysis medically necessary for trigeminal neuralgia.</p>
<h2>Code Table</h2>
<p><b>CPT codes covered if selection criteria are met:</b></p>
<table><tr><th>Code</th><th>Code Description</th></tr>{_tr("64600", D00)}</table>
<p><b>Other CPT codes related to the CPB:</b></p>
<table><tr><th>Code</th><th>Code Description</th></tr>{_tr("64605", D05)}</table>
<h2>References</h2>
<ol><li>Smith A, et al. Experimental pulsed radiofrequency at the foramen ovale (CPT 64605): a pilot series.
Pain Med. 2019;20:100-108.</li></ol></div>"""
    return _doc("Trigeminal Neuralgia: Treatments | Aetna", body)


@layout(
    "aetna_cpb_tbody_precert",
    "aetna",
    None,
    "Aetna CPB: one <tbody> per code group, optional end tags omitted; 'Note: Requires Precertification:' "
    "label above a precertification statement naming the codes",
    {
        "64600": Expect("covered", True, descriptor=D00),
        "64605": Expect("not_covered", True, descriptor=D05),
    },
)
def aetna_cpb_tbody_precert() -> bytes:
    body = f"""<div class="cpb"><h1>Trigeminal Neuralgia: Treatments</h1>
<p>Number: 0374
<h2>Policy</h2>
<p><strong>Note: Requires Precertification:</strong>
<p>Precertification of trigeminal nerve destruction (CPT 64600, 64605) is required of all participating
providers and members in applicable plan designs.
<h3>I. Medical Necessity</h3>
<p>Aetna considers peripheral branch neurolysis medically necessary for refractory trigeminal neuralgia.
<h2>CPT Codes / HCPCS Codes / ICD-10 Codes</h2>
<table>
<thead><tr><th>Code<th>Code Description</thead>
<tbody><tr><td colspan=2><strong>CPT codes covered if selection criteria are met:</strong>
<tr><td>64600<td>{D00}
<tbody><tr><td colspan=2><strong>CPT codes not covered for indications listed in the CPB:</strong>
<tr><td>64605<td>{D05}
</table></div>"""
    return _doc("Trigeminal Neuralgia: Treatments | Aetna", body)


# =========================================================================== PDF parts


@dataclass(frozen=True)
class Part:
    """One piece of a PDF fixture: title, heading, caps (bold body-size heading), p, b (bold
    paragraph), li, note (footnote), table (rows; a 1-tuple row spans the table), page (break)."""

    kind: str
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()
    ruled: bool = True
    widths: tuple[float, ...] = (80, 420)


def _pdf(parts: Sequence[Part], footer: str, *, columns: int = 1) -> bytes:  # noqa: C901 - one branch per part kind
    buf = io.BytesIO()
    doc = BaseDocTemplate(buf, pagesize=letter, leftMargin=54, rightMargin=54, topMargin=64, bottomMargin=72)
    doc._invariant = 1  # reportlab: same bytes every time
    width = letter[0] - 108
    if columns == 1:
        frames = [Frame(54, 72, width, letter[1] - 136, id="body")]
    else:
        half = (width - 18) / 2
        frames = [Frame(54 + i * (half + 18), 72, half, letter[1] - 136, id=f"col{i}") for i in range(2)]

    def decorate(canvas: Any, d: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.drawString(54, 44, f"{footer}    Page {d.page}")
        canvas.restoreState()

    doc.addPageTemplates([PageTemplate(id="p", frames=frames, onPage=decorate)])
    story: list[Flowable] = []
    for part in parts:
        text = escape(part.text, quote=False)
        if part.kind == "title":
            story.append(Paragraph(text, TITLE))
        elif part.kind == "heading":
            story.append(Paragraph(text, H1))
        elif part.kind in ("caps", "b"):
            story.append(Paragraph(text, BOLD))
        elif part.kind == "p":
            story.append(Paragraph(text, BODY))
        elif part.kind == "li":
            story.append(Paragraph(text, BODY, bulletText="\u2022"))
        elif part.kind == "note":
            story.append(Paragraph(text, FOOTNOTE))
        elif part.kind == "page":
            story.append(PageBreak())
        elif part.kind == "table":
            widths = part.widths if columns == 1 else tuple(w * 0.45 for w in part.widths)
            rows = [r if len(r) > 1 else (r[0], *[""] * (len(widths) - 1)) for r in part.rows]
            story.append(_grid(rows, widths, ruled=part.ruled))
    doc.build(story)
    return buf.getvalue()


def _html_of(title: str, parts: Sequence[Part]) -> bytes:
    out: list[str] = []
    for part in parts:
        text = escape(part.text)
        if part.kind == "title":
            out.append(f"<h1>{text}</h1>")
        elif part.kind == "heading":
            out.append(f"<h2>{text}</h2>")
        elif part.kind in ("caps", "b"):
            out.append(f"<p><b>{text}</b></p>")
        elif part.kind in ("p", "note"):
            out.append(f"<p>{text}</p>")
        elif part.kind == "li":
            out.append(f"<ul><li>{text}</li></ul>")
        elif part.kind == "table":
            width = max(len(r) for r in part.rows)
            border = ' border="1" style="border-collapse:collapse"' if part.ruled else ""
            rows = [
                f'<tr><td colspan="{width}"><b>{escape(r[0])}</b></td></tr>'
                if len(r) == 1
                else "<tr>"
                + "".join(f"<{'th' if i == 0 else 'td'}>{escape(c)}</{'th' if i == 0 else 'td'}>" for c in r)
                + "</tr>"
                for i, r in enumerate(part.rows)
            ]
            out.append(f"<table{border}>{''.join(rows)}</table>")
    return _page(escape(title), "", "\n".join(out), "")


def pdf_layout(
    name: str,
    payer: str,
    plan: str | None,
    convention: str,
    expect: dict[str, Expect],
    title: str,
    parts: Sequence[Part],
    *,
    columns: int = 1,
) -> None:
    LAYOUTS.append(
        Layout(
            name,
            payer,
            plan,
            "pdf",
            convention,
            lambda: _pdf(parts, title, columns=columns),
            expect,
            html=lambda: _html_of(title, parts),
            other=lambda: fpdf_pdf(parts, title),
        )
    )


def P(text: str) -> Part:
    return Part("p", text)


def B(text: str) -> Part:
    return Part("b", text)


def H(text: str) -> Part:
    return Part("heading", text)


def T(*rows: tuple[str, ...], ruled: bool = True, widths: tuple[float, ...] = (80, 420)) -> Part:
    return Part("table", rows=rows, ruled=ruled, widths=widths)


# =========================================================================== Cigna (PDF)

_CIGNA_MN = "Considered Medically Necessary when criteria in the applicable policy statement listed above are met:"
_CIGNA_EIU = "Considered Experimental/Investigational/Unproven:"

pdf_layout(
    "cigna_pdf_coding_tables",
    "cigna",
    None,
    "Cigna coverage policy PDF: Coding Information with ruled tables captioned 'Considered Medically "
    "Necessary when criteria ... are met:' and 'Considered Experimental/Investigational/Unproven:'",
    {"64600": Expect("covered", descriptor=D00), "64605": Expect("experimental", descriptor=D05)},
    "Peripheral Nerve Destruction for Pain Conditions",
    [
        Part("title", "Peripheral Nerve Destruction for Pain Conditions"),
        P("Effective Date: 04/15/2025"),
        P("Coverage Policy Number: 0525"),
        H("Coverage Policy"),
        P("Peripheral trigeminal branch neurolysis is medically necessary for refractory trigeminal neuralgia."),
        H("Coding Information"),
        B(_CIGNA_MN),
        T(("CPT®* Codes", "Description"), ("64600", D00), ("64610", D10)),
        B(_CIGNA_EIU),
        T(("CPT®* Codes", "Description"), ("64605", D05)),
        Part("note", "*Current Procedural Terminology (CPT®) ©2024 American Medical Association: Chicago, IL."),
    ],
)

pdf_layout(
    "cigna_pdf_label_subheading_medicare",
    "cigna",
    None,
    "Cigna PDF: label separated from its rulingless table by a sub-heading; 'Medicare Coverage "
    "Determinations' cites an LCD; 'Revision Details' row names a code",
    {"64600": Expect("covered", descriptor=D00), "64605": Expect("mentioned")},
    "Headache and Trigeminal Neuralgia Treatment",
    [
        Part("title", "Headache and Trigeminal Neuralgia Treatment"),
        P("Coverage Policy Number: 0063"),
        H("Medicare Coverage Determinations"),
        T(
            ("Contractor", "Determination Name/Number", "Revision Effective Date"),
            ("Noridian", "Nerve destruction (LCD L12345): 64605 is not reasonable and necessary", "10/01/2023"),
            widths=(100, 250, 150),
        ),
        H("Coding Information"),
        B(_CIGNA_MN),
        Part("caps", "Trigeminal Nerve"),
        T(("CPT®* Codes", "Description"), ("64600", D00), ruled=False),
        H("Revision Details"),
        T(
            ("Type of Revision", "Summary of Changes", "Date"),
            (
                "Focused review",
                "Removed CPT code 64605 from the experimental/investigational/unproven list.",
                "06/15/2024",
            ),
            widths=(100, 300, 100),
        ),
    ],
)

_FILLER_ROWS = tuple((f"6{4400 + i:04d}"[:5], D40 + f" (site {i})") for i in range(44))

pdf_layout(
    "cigna_pdf_table_across_pages",
    "cigna",
    None,
    "Cigna PDF: a long code table broken across pages, header repeated, its caption a page back",
    {"64600": Expect("experimental", descriptor=D00), "64605": Expect("absent")},
    "Peripheral Nerve Destruction for Pain Conditions",
    [
        Part("title", "Peripheral Nerve Destruction for Pain Conditions"),
        P("Coverage Policy Number: 0525"),
        H("Coding Information"),
        B(_CIGNA_EIU),
        T(("CPT®* Codes", "Description"), *_FILLER_ROWS, ("64600", D00)),
    ],
)

# =========================================================================== UHC commercial (PDF)

_UHC_DISCLAIMER = (
    "The following list(s) of procedure and/or diagnosis codes is provided for reference purposes only and may "
    "not be all inclusive. Listing of a code in this policy does not imply that the service described by the "
    "code is a covered or non-covered health service."
)

pdf_layout(
    "uhc_pdf_caps_headings",
    "uhc",
    None,
    "UHC commercial PDF: all-caps bold body-size headings (COVERAGE RATIONALE, APPLICABLE CODES, "
    "REFERENCES); the rationale names the code; coding disclaimer above an unlabelled code table",
    {"64600": Expect("covered", descriptor=D00), "64605": Expect("experimental", descriptor=D05)},
    "Trigeminal Nerve Procedures",
    [
        Part("title", "Trigeminal Nerve Procedures"),
        P("Policy Number: 2026T0123A"),
        P("Effective Date: January 1, 2026"),
        Part("caps", "COVERAGE RATIONALE"),
        P(
            "Neurolytic destruction of peripheral trigeminal branches (CPT code 64600) is proven and medically "
            "necessary for trigeminal neuralgia when conservative treatment has failed."
        ),
        P("Destruction at the foramen ovale (CPT code 64605) is unproven and not medically necessary for headache."),
        Part("caps", "APPLICABLE CODES"),
        P(_UHC_DISCLAIMER),
        T(("CPT Code", "Description"), ("64600", D00), ("64605", D05), ruled=False),
        Part("caps", "REFERENCES"),
        P("Lee K, et al. Proven relief after neurolysis (64605) in 12 patients. J Pain. 2020;1:1-9."),
    ],
)

pdf_layout(
    "uhc_pdf_two_columns",
    "uhc",
    None,
    "UHC/Oxford two-column PDF page: the two columns must be read one after the other, never merged into one sentence",
    {"64600": Expect("covered"), "64605": Expect("experimental")},
    "Occipital and Trigeminal Procedures",
    [
        Part("title", "Occipital and Trigeminal"),
        P("Policy Number: PAIN 018.22 T2"),
        H("Coverage Rationale"),
        P(
            "Neurolysis of a peripheral trigeminal branch (CPT 64600) is proven and medically necessary for "
            "trigeminal neuralgia refractory to medication."
        ),
        *[P(EVIDENCE) for _ in range(6)],
        H("Unproven Services"),
        P("Pulsed radiofrequency at the foramen ovale (CPT 64605) is unproven and not medically necessary."),
        *[P(EVIDENCE) for _ in range(6)],
    ],
    columns=2,
)

pdf_layout(
    "uhc_pdf_history_row",
    "uhc",
    None,
    "UHC PDF: 'Policy History/Revision Information' row names a code with coverage words (history, not "
    "policy); the code is otherwise only in Applicable Codes",
    {"64600": Expect("mentioned", descriptor=D00), "64605": Expect("covered", descriptor=D05)},
    "Trigeminal Nerve Procedures",
    [
        Part("title", "Trigeminal Nerve Procedures"),
        P("Policy Number: 2026T0124B"),
        H("Coverage Rationale"),
        P(
            "Destruction at the foramen ovale (CPT code 64605) is proven and medically necessary for trigeminal "
            "neuralgia."
        ),
        H("Applicable Codes"),
        P(_UHC_DISCLAIMER),
        T(("CPT Code", "Description"), ("64600", D00), ("64605", D05), ruled=False),
        H("Policy History/Revision Information"),
        T(
            ("Date", "Summary of Changes"),
            (
                "01/01/2026",
                "Coverage Rationale: removed language indicating CPT code 64600 is unproven and not "
                "medically necessary.",
            ),
            widths=(90, 410),
        ),
    ],
)

# =========================================================================== UHC Community Plan (PDF)

pdf_layout(
    "uhccp_pdf_related_policies",
    "uhc",
    "community-plan",
    "UHC Community Plan PDF: 'Related Community Plan Policies' list at the top, an 'Application' state "
    "paragraph, a list of unproven procedures naming the code",
    {"64600": Expect("experimental"), "64605": Expect("mentioned")},
    "Trigeminal Nerve Procedures (for Louisiana Only)",
    [
        B("UnitedHealthcare® Community Plan"),
        Part("title", "Trigeminal Nerve Procedures"),
        P("Policy Number: CS999LA.A"),
        B("Related Community Plan Policies"),
        Part("li", "Trigeminal Nerve Destruction at the Foramen Ovale (CPT 64605)"),
        Part("caps", "APPLICATION"),
        P("This Medical Policy only applies to the state of Louisiana."),
        Part("caps", "COVERAGE RATIONALE"),
        P("The following procedures are unproven and not medically necessary due to insufficient evidence:"),
        Part("li", "Peripheral trigeminal branch neurolysis (CPT 64600)"),
        Part("caps", "REFERENCES"),
        P("Doe J. Outcomes of neurolysis. 2021."),
    ],
)

pdf_layout(
    "uhccp_pdf_prior_auth_range",
    "uhc",
    "community-plan",
    "UHC Community Plan PDF: a prior-authorization statement for a code range in a section of its own; "
    "proven statement labels the code table",
    {"64600": Expect("covered", True, descriptor=D00), "64605": Expect("covered", True, descriptor=D05)},
    "Trigeminal Nerve Procedures",
    [
        B("UnitedHealthcare® Community Plan"),
        Part("title", "Trigeminal Nerve Procedures"),
        P("Policy Number: CS998PA.B"),
        Part("caps", "COVERAGE RATIONALE"),
        B("The following procedures are proven and medically necessary when criteria are met:"),
        T(("CPT Code", "Description"), ("64600", D00), ("64605", D05)),
        Part("caps", "PRIOR AUTHORIZATION REQUIREMENTS"),
        P("Prior authorization is required for CPT codes 64600–64610 in all settings."),
    ],
)

pdf_layout(
    "uhccp_pdf_ligatures_hyphens",
    "uhc",
    "community-plan",
    "UHC Community Plan PDF: ligature code points and soft hyphens inside table cells; a caption ending ':' "
    "directly above the table",
    {"64600": Expect("experimental", descriptor=D00)},
    "Trigeminal Nerve Procedures",
    [
        Part("title", "Trigeminal Nerve Procedures"),
        P("Policy Number: CS997NJ.C"),
        Part("caps", "APPLICABLE CODES"),
        B("Unproven and not medically necessary:"),
        T(
            ("CPT Code", "Description"),
            ("64600", D00.replace("supraorbital", "supra\u00adorbital")),
            ("64640", "Destruction by neurolytic agent; other peripheral nerve or branch, \ufb01rst site"),
        ),
    ],
)


# =========================================================================== Anthem / Elevance


@layout(
    "anthem_position_labels",
    "bcbs",
    "anthem",
    "Anthem guideline (SURG template): Position Statement with bold labels 'Medically Necessary:' / "
    "'Investigational and Not Medically Necessary:'; Coding tables under 'When services ...:' labels",
    {
        "64600": Expect("covered", descriptor=D00, qualifier="when specified as radiofrequency neurolysis"),
        "64605": Expect("experimental", descriptor=D05),
    },
)
def anthem_position_labels() -> bytes:
    body = f"""<div class="guideline"><h1>Treatments for Trigeminal Neuralgia</h1>
<table><tr><td>Subject: Treatments for Trigeminal Neuralgia</td><td>Document #: SURG.00090</td></tr>
<tr><td>Status: Revised</td><td>Last Review Date: 08/28/2008</td></tr></table>
<h2>Position Statement</h2>
<p><b>Medically Necessary:</b></p>
<p>Radiofrequency neurolysis of a peripheral trigeminal branch is considered medically necessary when criteria
are met.</p>
<p><b>Investigational and Not Medically Necessary:</b></p>
<p>Pulsed radiofrequency is considered investigational and not medically necessary.</p>
<h2>Coding</h2>
<p>The following codes for treatments and procedures applicable to this document are included below for
informational purposes. Inclusion or exclusion of a procedure, diagnosis or device code(s) does not constitute
or imply member coverage or provider reimbursement policy.</p>
<p><b>When services may be Medically Necessary when criteria are met:</b></p>
<table><tr><th>CPT</th><th></th></tr>{_tr("64600", D00 + " [when specified as radiofrequency neurolysis]")}</table>
<p><b>When services are Investigational and Not Medically Necessary:</b></p>
<table><tr><th>CPT</th><th></th></tr>{_tr("64605", D05)}</table>
<h2>References</h2><ol><li>Note: see also SURG.00066 (64600 is addressed there).</li></ol></div>"""
    return _doc("SURG.00090 Treatments for Trigeminal Neuralgia", body)


@layout(
    "anthem_brand_accordion",
    "bcbs",
    "anthem",
    "Elevance brand site (Healthy Blue/Amerigroup): sections in collapsed accordion panels whose titles are "
    "<button>s inside headings; the Coding panel is display:none until opened",
    {"64600": Expect("covered", descriptor=D00), "64605": Expect("not_covered", descriptor=D05)},
)
def anthem_brand_accordion() -> bytes:
    body = f"""<div class="guideline"><h1>Radiofrequency Neurolysis for Trigeminal Neuralgia</h1>
<p>Guideline #: CG-SURG-89</p><p>Publish Date: 06/28/2024</p>
<div class="accordion">
<h2><button aria-expanded="false" aria-controls="p1">Clinical Indications</button></h2>
<div id="p1" class="panel" style="display:none"><p>Radiofrequency neurolysis is considered medically necessary
when criteria are met.</p></div>
<h2><button aria-expanded="false" aria-controls="p2">Coding</button></h2>
<div id="p2" class="panel" style="display:none" hidden>
<p><b>When services may be Medically Necessary when criteria are met:</b></p>
<table><tr><th>CPT</th><th></th></tr>{_tr("64600", D00)}</table>
<p><b>When services are Not Medically Necessary:</b></p>
<table><tr><th>CPT</th><th></th></tr>{_tr("64605", D05)}</table></div>
</div></div>"""
    return _doc("CG-SURG-89 | Healthy Blue", body)


@layout(
    "anthem_statement_governs_subtables",
    "bcbs",
    "anthem",
    "Anthem/Elevance coding section: one 'Considered investigational and not medically necessary for the "
    "following procedure codes' statement above sub-headed CPT and HCPCS tables governs them all",
    {"64600": Expect("experimental", descriptor=D00), "64605": Expect("experimental", descriptor=D05)},
)
def anthem_statement_governs_subtables() -> bytes:
    body = f"""<div><h1>Pulsed Radiofrequency for Trigeminal Neuralgia</h1>
<p>Guideline #: CG-SURG-90</p>
<h2>Coding</h2>
<p>Considered investigational and not medically necessary for the following procedure codes, or when the code
describes a procedure indicated in the Position Statement section as investigational and not medically
necessary.</p>
<h3>CPT</h3>
<table>{_tr("64600", D00)}{_tr("64605", D05)}</table>
<h3>HCPCS</h3>
<table>{_tr("C9399", "Unclassified drugs or biologicals")}</table>
<h2>Discussion</h2><p>{EVIDENCE}</p></div>"""
    return _doc("CG-SURG-90", body)


# =========================================================================== Horizon BCBSNJ


@layout(
    "horizon_layout_table_p_cells",
    "bcbs",
    "horizon-nj",
    "Horizon Lotus Notes page: the whole policy in a layout table; headings as <b><font size>; the code "
    "table's cells wrap text in <p>; 'Precertification is required.' in the statement above it",
    {"64600": Expect("covered", True), "64605": Expect("covered", True)},
)
def horizon_layout_table_p_cells() -> bytes:
    body = """<form><table width="100%" border="0"><tr><td>
<p><b><font size="4">Percutaneous Neurolysis for Trigeminal Neuralgia</font></b></p>
<table border="0"><tr><td><b>Policy Number:</b></td><td>142</td></tr>
<tr><td><b>Effective Date:</b></td><td>10/22/2018</td></tr></table>
</td></tr><tr><td>
<p><b><font size="3">I. POLICY</font></b></p>
<p>Percutaneous neurolysis of the trigeminal nerve is considered medically necessary for refractory neuralgia.</p>
<p><b><font size="3">III. PROCEDURE CODES</font></b></p>
<p>The following codes are considered medically necessary when the criteria in section I are met.
Precertification is required.</p>
<table border="1"><tr><th><p>Code Type</p></th><th><p>Codes</p></th></tr>
<tr><td><p>CPT</p></td><td><p>64600, 64605</p></td></tr></table>
</td></tr></table></form>"""
    return _doc("Percutaneous Neurolysis for Trigeminal Neuralgia", body)


@layout(
    "horizon_important_note",
    "bcbs",
    "horizon-nj",
    "Horizon policy page: an 'IMPORTANT NOTE:' disclaimer at the top names 'medically necessary' and 'not "
    "covered' in general; 'Subject:'/'Description:' labels; statements name the codes",
    {"64600": Expect("experimental"), "64605": Expect("covered")},
)
def horizon_important_note() -> bytes:
    body = """<div><p><b>Subject:</b> Trigeminal Nerve Procedures</p>
<p><b>Description:</b></p>
<p>IMPORTANT NOTE: The purpose of this policy is to provide general information. Although a service may be
medically necessary, it may be subject to limitations under a member's benefit plan. If a service is not
covered and the member proceeds to obtain it, the member may be responsible for the cost.</p>
<p><b>I. POLICY</b></p>
<p>Pulsed radiofrequency of a peripheral trigeminal branch (CPT 64600) is considered investigational.</p>
<p>Percutaneous neurolysis at the foramen ovale (CPT 64605) is considered medically necessary for refractory
trigeminal neuralgia.</p></div>"""
    return _doc("Trigeminal Nerve Procedures", body)


@layout(
    "horizon_range_cross_reference",
    "bcbs",
    "horizon-nj",
    "Horizon policy: codes as a 'through' range in the statement; a 'Cross Reference:' paragraph names an "
    "en-dash range of another policy with other coverage words",
    {"64600": Expect("experimental"), "64605": Expect("experimental")},
)
def horizon_range_cross_reference() -> bytes:
    body = """<div><p><b><font size="4">Pulsed Radiofrequency of Cranial Nerves</font></b></p>
<p><b>Policy Number:</b> 143</p>
<p><b>I. POLICY</b></p>
<p>Pulsed radiofrequency of the trigeminal nerve (CPT 64600 through 64610) is considered investigational.</p>
<p><b>Cross Reference:</b> Chemical neurolysis (CPT 64600&#8211;64605), medically necessary when criteria are
met, is addressed in Policy 142.</p></div>"""
    return _doc("Pulsed Radiofrequency of Cranial Nerves", body)


# =========================================================================== Premera


@layout(
    "premera_coding_list_top_statement",
    "bcbs",
    "premera",
    "Premera medical policy: caps TOC of section names; one 'is considered investigational' Policy statement; "
    "codes listed under Policy Guidelines › Coding › CPT with no label of their own",
    {"64600": Expect("experimental", descriptor=D00), "64605": Expect("experimental", descriptor=D05)},
)
def premera_coding_list_top_statement() -> bytes:
    body = f"""<div class="policy"><p>MEDICAL POLICY</p>
<ul class="toc"><li>POLICY</li><li>RELATED POLICIES</li><li>POLICY GUIDELINES</li><li>CODING</li><li>HISTORY</li></ul>
<h1>Pulsed Radiofrequency for Trigeminal Pain</h1>
<p>Number 7.01.999</p><p>Effective Date June 17, 2025</p><p>Revision Date(s) 06/09/25; 06/09/24</p>
<h2>Policy</h2>
<p>Pulsed radiofrequency treatment of the trigeminal nerve or its branches is considered investigational.</p>
<h2>Related Policies</h2><p>7.01.563 Ablative Treatments for Occipital Neuralgia</p>
<h2>Policy Guidelines</h2><h3>Coding</h3><h4>CPT</h4>
<table><tr><td>64600</td><td>{D00}</td></tr><tr><td>64605</td><td>{D05}</td></tr></table>
<h2>History</h2><table><tr><td>06/09/25</td><td>Annual review. Policy statement unchanged.</td></tr></table></div>"""
    return _doc("Pulsed Radiofrequency for Trigeminal Pain", body)


@layout(
    "premera_may_be_considered",
    "bcbs",
    "premera",
    "Premera: 'may be considered medically necessary when criteria are met' and 'is considered "
    "investigational' statements naming codes; a Related Policies list names a code",
    {"64600": Expect("covered"), "64605": Expect("experimental")},
)
def premera_may_be_considered() -> bytes:
    body = """<div class="policy"><h1>Ablative Treatments for Trigeminal Pain</h1>
<p>Number 7.01.998</p><p>Effective Date January 2, 2026</p>
<h2>Policy</h2>
<p>Chemical neurolysis of a peripheral trigeminal branch (CPT 64600) may be considered medically necessary when
criteria are met.</p>
<p>Radiofrequency ablation at the foramen ovale (CPT 64605) is considered investigational.</p>
<h2>Related Policies</h2>
<table><tr><td>7.01.563</td><td>Ablative Treatments for Occipital Neuralgia (includes 64600; medically necessary
when criteria are met)</td></tr></table></div>"""
    return _doc("Ablative Treatments for Trigeminal Pain", body)


@layout(
    "premera_history_only",
    "bcbs",
    "premera",
    "Premera: 'Number' / 'Effective Date' / 'Revision Date(s)' label lines; the HISTORY table names a code "
    "with 'investigational' (history, not policy)",
    {"64600": Expect("covered"), "64605": Expect("mentioned")},
)
def premera_history_only() -> bytes:
    body = """<div class="policy"><h1>Neurolysis for Trigeminal Neuralgia</h1>
<p>Number 7.01.997</p><p>Effective Date March 4, 2026</p><p>Revision Date(s) 02/10/26; 02/11/25</p>
<h2>Policy</h2>
<p>Chemical neurolysis of a peripheral trigeminal branch (CPT 64600) may be considered medically necessary when
criteria are met.</p>
<h2>History</h2>
<table><tr><th>Date</th><th>Comments</th></tr>
<tr><td>02/10/26</td><td>Annual review. Removed CPT 64605; it was considered investigational.</td></tr></table></div>"""
    return _doc("Neurolysis for Trigeminal Neuralgia", body)


# =========================================================================== BCBS Alabama


_AL_DISCLAIMER = (
    "Disclaimer: Benefits are payable under Blue Cross and Blue Shield of Alabama health plans only in cases of "
    "medical necessity and only if services or supplies are not investigational."
)


@layout(
    "bcbsal_disclaimer_criteria",
    "bcbs",
    "bcbs-al",
    "BCBS Alabama print page: the 'only in cases of medical necessity and only if ... not investigational' "
    "disclaimer; 'meets ... medical criteria for coverage' / 'does not meet ... considered investigational'",
    {"64600": Expect("covered", descriptor=D00), "64605": Expect("experimental", descriptor=D05)},
)
def bcbsal_disclaimer_criteria() -> bytes:
    body = f"""<article><h1>Trigeminal Nerve Destruction</h1><p>Policy #: MP-999</p>
<p>{_AL_DISCLAIMER}</p>
<h2>Policy</h2>
<p>Peripheral branch neurolysis (CPT 64600) meets Blue Cross and Blue Shield of Alabama's medical criteria for
coverage for refractory trigeminal neuralgia.</p>
<p>Destruction at the foramen ovale (CPT 64605) does not meet Blue Cross and Blue Shield of Alabama's medical
criteria for coverage and is considered investigational.</p>
<h2>Coding</h2>
<table><tr><th>Codes</th><th>Number</th><th>Description</th></tr>
<tr><td>CPT</td><td>64600</td><td>{D00}</td></tr><tr><td>CPT</td><td>64605</td><td>{D05}</td></tr></table></article>"""
    return _doc("Trigeminal Nerve Destruction - BCBS Alabama", body)


@layout(
    "bcbsal_key_points_trap",
    "bcbs",
    "bcbs-al",
    "BCBS Alabama: 'Key Points' evidence discussion names a code next to 'investigational'; only the Policy "
    "statement decides",
    {"64600": Expect("covered"), "64605": Expect("mentioned")},
)
def bcbsal_key_points_trap() -> bytes:
    body = f"""<article><h1>Trigeminal Neuralgia Procedures</h1><p>Policy #: MP-998</p>
<h2>Policy</h2>
<p>Peripheral branch neurolysis (CPT 64600) meets Blue Cross and Blue Shield of Alabama's medical criteria for
coverage.</p>
<h2>Key Points</h2>
<p>{EVIDENCE} Trials of foramen ovale destruction (64605) were judged investigational by the authors.</p>
</article>"""
    return _doc("Trigeminal Neuralgia Procedures - BCBS Alabama", body)


@layout(
    "bcbsal_statement_colon_table",
    "bcbs",
    "bcbs-al",
    "BCBS Alabama: a policy sentence ending ':' introduces the coding table, range row '64600 - 64610'",
    {"64600": Expect("experimental"), "64605": Expect("experimental")},
)
def bcbsal_statement_colon_table() -> bytes:
    body = """<article><h1>Pulsed Radiofrequency Neuromodulation</h1><p>Policy #: MP-997</p>
<h2>Policy</h2>
<p>Blue Cross and Blue Shield of Alabama considers pulsed radiofrequency of the trigeminal nerve investigational
for the following codes:</p>
<table><tr><th>Codes</th><th>Number</th><th>Description</th></tr>
<tr><td>CPT</td><td>64600 - 64610</td><td>Destruction by neurolytic agent, trigeminal nerve</td></tr></table>
</article>"""
    return _doc("Pulsed Radiofrequency Neuromodulation - BCBS Alabama", body)


# =========================================================================== Florida Blue


@layout(
    "floridablue_tabs_definition",
    "bcbs",
    "florida-blue",
    "Florida Blue MCG: 'Original Effective Date:' / 'Reviewed:' / 'Subject:' labels; tab strip titles as "
    "section headings (role=tab buttons); 'meets the definition of medical necessity'",
    {"64600": Expect("covered"), "64605": Expect("experimental")},
)
def floridablue_tabs_definition() -> bytes:
    body = """<div class="mcg"><p>02-61000-99</p><p>Original Effective Date: 11/15/00</p><p>Reviewed: 03/22/25</p>
<p>Revised: 04/15/25</p><p>Subject: Trigeminal Nerve Destruction</p>
<div role="tablist"><button role="tab" aria-controls="t1">Position Statement</button>
<button role="tab" aria-controls="t2">Billing/Coding</button>
<button role="tab" aria-controls="t3">Updates</button></div>
<div role="tabpanel" id="t1"><div role="heading" aria-level="2">Position Statement</div>
<p>Peripheral trigeminal branch neurolysis (64600) meets the definition of medical necessity when criteria are met.</p>
<p>Pulsed radiofrequency at the foramen ovale (64605) is considered experimental or investigational.</p></div>
<div role="tabpanel" id="t2" hidden><div role="heading" aria-level="2">Billing/Coding</div>
<p>This policy may apply to the following codes: 64600, 64605.</p></div></div>"""
    return _doc("Trigeminal Nerve Destruction | Florida Blue", body)


@layout(
    "floridablue_caps_disclaimer",
    "bcbs",
    "florida-blue",
    "Florida Blue MCG: an all-caps disclaimer block ('... NOT AN AUTHORIZATION ... PROGRAM EXCEPTIONS "
    "SECTION'); a Billing/Coding statement 'The following codes are considered experimental or investigational:'",
    {"64600": Expect("experimental", descriptor=D00), "64605": Expect("experimental", descriptor=D05)},
)
def floridablue_caps_disclaimer() -> bytes:
    body = f"""<div class="mcg"><p>Subject: Pulsed Radiofrequency</p>
<p>THIS MEDICAL COVERAGE GUIDELINE IS NOT AN AUTHORIZATION, CERTIFICATION, EXPLANATION OF BENEFITS, OR A GUARANTEE
OF PAYMENT. THIS MEDICAL COVERAGE GUIDELINE APPLIES TO ALL LINES OF BUSINESS UNLESS OTHERWISE NOTED IN THE
PROGRAM EXCEPTIONS SECTION.</p>
<h2>Billing/Coding/Physician Documentation Information</h2>
<p>The following codes are considered experimental or investigational:</p>
<table><tr><td>64600</td><td>{D00}</td></tr><tr><td>64605</td><td>{D05}</td></tr></table>
<h2>Program Exceptions</h2><p>Federal Employee Program (FEP) members: follow FEP guidelines.</p></div>"""
    return _doc("Pulsed Radiofrequency | Florida Blue", body)


@layout(
    "floridablue_updates_table",
    "bcbs",
    "florida-blue",
    "Florida Blue MCG: the 'Updates' table (guideline history) names a code with 'experimental'; the "
    "position statement names the other",
    {"64600": Expect("covered"), "64605": Expect("mentioned")},
)
def floridablue_updates_table() -> bytes:
    body = """<div class="mcg"><p>Subject: Trigeminal Neurolysis</p>
<h2>Position Statement</h2>
<p>Peripheral trigeminal branch neurolysis (64600) meets the definition of medical necessity when criteria are met.</p>
<h2>Updates</h2>
<table><tr><th>Date</th><th>Action</th></tr>
<tr><td>04/15/25</td><td>Revision; removed 64605, previously considered experimental or investigational.</td></tr>
</table></div>"""
    return _doc("Trigeminal Neurolysis | Florida Blue", body)


# =========================================================================== Highmark


@layout(
    "highmark_policy_position_subtables",
    "bcbs",
    "highmark",
    "Highmark printer-friendly policy: label grid; 'Policy Position'; one statement 'Procedure codes "
    "identified within this policy are considered experimental/investigational and, therefore, non-covered' "
    "above body-system sub-headed 'Procedure Code | Description' tables",
    {"64600": Expect("experimental", descriptor=D00), "64605": Expect("experimental", descriptor=D05)},
)
def highmark_policy_position_subtables() -> bytes:
    body = f"""<div><p>HIGHMARK COMMERCIAL MEDICAL POLICY - PENNSYLVANIA</p>
<table><tr><td>Medical Policy:</td><td>Z-67-999</td></tr>
<tr><td>Topic:</td><td>Experimental/Investigational Services</td></tr>
<tr><td>Effective Date:</td><td>February 19, 2025</td></tr></table>
<h2>Policy Position</h2>
<p>Procedure codes identified within this policy are considered experimental/investigational and, therefore,
non-covered.</p>
<h3>Nervous System</h3>
<table><tr><th>Procedure Code</th><th>Description</th></tr>{_tr("64600", D00)}{_tr("64605", D05)}</table>
<h3>Musculoskeletal System</h3>
<table><tr><th>Procedure Code</th><th>Description</th></tr>
{_tr("20999", "Unlisted procedure, musculoskeletal system")}</table></div>"""
    return _doc("Z-67-999 Experimental/Investigational Services", body)


@layout(
    "highmark_statements_place_of_service",
    "bcbs",
    "highmark",
    "Highmark medical policy: statements naming codes ('medically necessary' / 'not medically necessary'); "
    "a 'Place of Service: Outpatient' label line",
    {"64600": Expect("covered"), "64605": Expect("not_covered")},
)
def highmark_statements_place_of_service() -> bytes:
    body = """<div><p>Medical Policy: S-999</p><p>Topic: Trigeminal Nerve Destruction</p>
<h2>Policy Position</h2>
<p>Neurolysis of a peripheral trigeminal branch (64600) is considered medically necessary for refractory
trigeminal neuralgia.</p>
<p>Destruction at the foramen ovale (64605) is considered not medically necessary for headache.</p>
<p>Place of Service: Outpatient</p></div>"""
    return _doc("S-999 Trigeminal Nerve Destruction", body)


@layout(
    "highmark_two_indications",
    "bcbs",
    "highmark",
    "Highmark: the same code in a medically necessary table (one indication) and in an experimental/"
    "investigational table (other indications): both stay, needs_review",
    {"64600": Expect("covered", needs_review=True, descriptor=D00)},
)
def highmark_two_indications() -> bytes:
    body = f"""<div><p>Medical Policy: S-998</p>
<h2>Policy Position</h2>
<p>The following procedure codes are considered medically necessary for trigeminal neuralgia:</p>
<table><tr><th>Procedure Code</th><th>Description</th></tr>{_tr("64600", D00)}</table>
<p>The following procedure codes are considered experimental/investigational for all other indications:</p>
<table><tr><th>Procedure Code</th><th>Description</th></tr>{_tr("64600", D00)}</table></div>"""
    return _doc("S-998", body)


# =========================================================================== Regence


@layout(
    "regence_preauth_table",
    "bcbs",
    "regence",
    "Regence policy: a prior-authorization table keyed to each code ('Required' / 'Not required') apart from "
    "the criteria",
    {"64600": Expect("covered", True), "64605": Expect("experimental", False)},
)
def regence_preauth_table() -> bytes:
    body = """<div><h1>Trigeminal Nerve Procedures</h1><p>Surgery, Policy No. 299</p>
<h2>Medical Policy Criteria</h2>
<p>I. Chemical neurolysis of a peripheral trigeminal branch (64600) may be considered medically necessary when
criteria are met.</p>
<p>II. Pulsed radiofrequency at the foramen ovale (64605) is considered investigational.</p>
<h2>Prior Authorization</h2>
<table><tr><th>Code</th><th>Prior authorization</th></tr>
<tr><td>64600</td><td>Required</td></tr><tr><td>64605</td><td>Not required</td></tr></table></div>"""
    return _doc("Trigeminal Nerve Procedures | Regence", body)


@layout(
    "regence_document_history",
    "bcbs",
    "regence",
    "Regence policy: numbered criteria naming the code; 'Document History' rows say 'with investigational "
    "denial' (history, not policy)",
    {"64600": Expect("covered"), "64605": Expect("mentioned")},
)
def regence_document_history() -> bytes:
    body = """<div><h1>Trigeminal Neurolysis</h1><p>Surgery, Policy No. 298</p>
<h2>Medical Policy Criteria</h2>
<p>I. Chemical neurolysis of a peripheral trigeminal branch (64600) may be considered medically necessary.</p>
<h2>Document History</h2>
<table><tr><th>Date</th><th>Change</th></tr>
<tr><td>01/2024</td><td>Adding CPT code 64605 to this policy with investigational denial.</td></tr>
<tr><td>01/2025</td><td>Removing CPT code 64605 from this policy.</td></tr></table></div>"""
    return _doc("Trigeminal Neurolysis | Regence", body)


@layout(
    "regence_definition_list",
    "bcbs",
    "regence",
    "Regence policy rendered as a definition list: section titles are <dt> terms, their content <dd>",
    {"64600": Expect("experimental", descriptor=D00), "64605": Expect("experimental", descriptor=D05)},
)
def regence_definition_list() -> bytes:
    body = f"""<dl><dt>Medical Policy Criteria</dt>
<dd><p>Pulsed radiofrequency of the trigeminal nerve and its branches is considered investigational for the
following codes:</p>
<table><tr><th>Code</th><th>Description</th></tr>{_tr("64600", D00)}{_tr("64605", D05)}</table></dd>
<dt>References</dt><dd><p>Roe R. Pulsed radiofrequency. 2018.</p></dd></dl>"""
    return _doc("Pulsed Radiofrequency | Regence", f"<h1>Pulsed Radiofrequency</h1>{body}")


# =========================================================================== CareFirst


@layout(
    "carefirst_statement_cross_reference",
    "bcbs",
    "carefirst",
    "CareFirst policy: 'Policy Statement' / 'Cross References' / 'Coding' / 'Policy Update History'; "
    "'is considered experimental/investigational'; a code named only in Cross References",
    {"64600": Expect("experimental", descriptor=D00), "64605": Expect("mentioned")},
)
def carefirst_statement_cross_reference() -> bytes:
    body = f"""<div><h1>Pulsed Radiofrequency Treatment</h1><p>Policy # 7.01.099</p>
<h2>Policy Statement</h2>
<p>Pulsed radiofrequency of a peripheral trigeminal branch is considered experimental/investigational.</p>
<h2>Cross References</h2><ul><li>Trigeminal neurolysis at the foramen ovale (64605), policy 7.01.098</li></ul>
<h2>Coding</h2><p>The following codes may be applicable:</p>
<table><tr><th>CPT</th><th>Description</th></tr>{_tr("64600", D00)}</table>
<h2>Policy Update History</h2><p>10/01/2025 Annual review.</p></div>"""
    return _doc("Pulsed Radiofrequency Treatment | CareFirst", body)


@layout(
    "carefirst_criteria_history",
    "bcbs",
    "carefirst",
    "CareFirst policy: 'is considered medically necessary when the following criteria are met' naming the "
    "codes; the 'Policy Update History' says 'experimental/investigational'",
    {"64600": Expect("covered"), "64605": Expect("covered")},
)
def carefirst_criteria_history() -> bytes:
    body = """<div><h1>Trigeminal Neurolysis</h1><p>Policy # 7.01.098</p>
<h2>Policy Statement</h2>
<p>Neurolysis of the trigeminal nerve (CPT 64600, 64605) is considered medically necessary when the following
criteria are met:</p><ul><li>Refractory trigeminal neuralgia.</li></ul>
<h2>Policy Update History</h2>
<table><tr><td>04/01/2024</td><td>Changed 64600 and 64605 from experimental/investigational to medically
necessary.</td></tr></table></div>"""
    return _doc("Trigeminal Neurolysis | CareFirst", body)


@layout(
    "carefirst_pa_column",
    "bcbs",
    "carefirst",
    "CareFirst: a code table with a 'Prior Authorization Required' column under a label ending ':'; the "
    "billing-codes disclaimer above",
    {
        "64600": Expect("covered", True, descriptor=D00),
        "64605": Expect("covered", False, descriptor=D05),
    },
)
def carefirst_pa_column() -> bytes:
    body = f"""<div><h1>Trigeminal Nerve Destruction</h1>
<p>For specific billing codes and instructions, refer to the appropriate coding manual.</p>
<h2>Coding</h2>
<p>The following services are considered medically necessary when criteria are met:</p>
<table><tr><th>Code</th><th>Description</th><th>Prior Authorization Required</th></tr>
<tr><td>64600</td><td>{D00}</td><td>Yes</td></tr><tr><td>64605</td><td>{D05}</td><td>No</td></tr></table></div>"""
    return _doc("Trigeminal Nerve Destruction | CareFirst", body)


# =========================================================================== BCBS Massachusetts


@layout(
    "bcbsma_numbered_caption",
    "bcbs",
    "bcbs-ma",
    "BCBS Massachusetts policy 400: a numbered <caption> 'Table 1: Non-Covered CPT Codes and Code Descriptions'",
    {"64600": Expect("not_covered", descriptor=D00)},
)
def bcbsma_numbered_caption() -> bytes:
    body = f"""<div><h1>Medical Technology Assessment Non-Covered Services List</h1><p>Policy Number: 400</p>
<table><caption>Table 1: Non-Covered CPT Codes and Code Descriptions</caption>
<tr><th>CPT Code</th><th>Description</th></tr>{_tr("64600", D00)}</table></div>"""
    return _doc("400 Non-Covered Services List | BCBSMA", body)


@layout(
    "bcbsma_pa_code_list",
    "bcbs",
    "bcbs-ma",
    "BCBS Massachusetts policy 072 prior-authorization code list: rows 'Policy | Products | Procedure codes | "
    "Prior authorization is required; in effect.'",
    {"64600": Expect("mentioned", True), "64605": Expect("mentioned", True)},
)
def bcbsma_pa_code_list() -> bytes:
    body = """<div><h1>Outpatient Prior Authorization Code List</h1><p>Policy Number: 072</p>
<table><tr><th>Policy Number and Title</th><th>Products</th><th>Procedure codes</th><th>Status</th></tr>
<tr><td>999 Trigeminal Nerve Destruction</td><td>All products</td><td>64600, 64605</td>
<td>Prior authorization is required; in effect.</td></tr></table></div>"""
    return _doc("072 Outpatient Prior Authorization Code List | BCBSMA", body)


@layout(
    "bcbsma_code_groups",
    "bcbs",
    "bcbs-ma",
    "BCBS Massachusetts policy: 'CPT Codes / HCPCS Codes / ICD Codes' section with statements ending ':' above "
    "each table ('covered when medically necessary' / 'considered investigational')",
    {"64600": Expect("covered", descriptor=D00), "64605": Expect("experimental", descriptor=D05)},
)
def bcbsma_code_groups() -> bytes:
    body = f"""<div><h1>Trigeminal Nerve Procedures</h1><p>Policy Number: 999</p>
<h2>CPT Codes / HCPCS Codes / ICD Codes</h2>
<p>The following CPT codes are covered when medically necessary:</p>
<table><tr><th>CPT Codes</th><th>CPT Descriptions</th></tr>{_tr("64600", D00)}</table>
<p>The following CPT codes are considered investigational:</p>
<table><tr><th>CPT Codes</th><th>CPT Descriptions</th></tr>{_tr("64605", D05)}</table></div>"""
    return _doc("Trigeminal Nerve Procedures | BCBSMA", body)


# =========================================================================== Excellus


@layout(
    "excellus_preauth_service_table",
    "bcbs",
    "excellus",
    "Excellus preauthorization page: 'Service | Commercial & Medicare Products | Safety Net Products' table "
    "with Required / Not Required cells, the code in the service cell",
    {"64600": Expect("mentioned", True), "64605": Expect("mentioned", True)},
)
def excellus_preauth_service_table() -> bytes:
    body = """<div><h1>Preauthorization</h1>
<p>The services below require prior review by the Plan to determine clinical medical necessity.</p>
<table><tr><th>Service</th><th>Commercial &amp; Medicare Products</th><th>Safety Net Products</th></tr>
<tr><td>Trigeminal nerve destruction (64600)</td><td>Required</td><td>Required</td></tr>
<tr><td>Foramen ovale destruction (64605)</td><td>Not Required</td><td>Required</td></tr></table></div>"""
    return _doc("Preauthorization | Excellus BCBS", body)


@layout(
    "excellus_policy_statement_labels",
    "bcbs",
    "excellus",
    "Excellus corporate medical policy: 'Policy Statement:' label paragraphs, 'is medically appropriate', "
    "'Code Reference:' and 'Key Words:' labels",
    {"64600": Expect("covered"), "64605": Expect("experimental")},
)
def excellus_policy_statement_labels() -> bytes:
    body = """<div><h1>Trigeminal Nerve Procedures</h1>
<p><b>Policy Statement:</b></p>
<p>I. Chemical neurolysis of a peripheral trigeminal branch (64600) is medically appropriate for refractory
trigeminal neuralgia.</p>
<p>II. Pulsed radiofrequency at the foramen ovale (64605) is considered investigational.</p>
<p><b>Code Reference:</b> This list of codes may not be all inclusive: 64600, 64605.</p>
<p><b>Key Words:</b> neurolysis, trigeminal</p></div>"""
    return _doc("Trigeminal Nerve Procedures | Excellus", body)


@layout(
    "excellus_revision_history",
    "bcbs",
    "excellus",
    "Excellus: 'not medically necessary' statement naming a code; the Policy History names the other with "
    "'investigational'",
    {"64600": Expect("not_covered"), "64605": Expect("mentioned")},
)
def excellus_revision_history() -> bytes:
    body = """<div><h1>Trigeminal Nerve Procedures</h1>
<h2>Policy Statement</h2>
<p>Neurolysis of a peripheral trigeminal branch (64600) for headache is not medically necessary.</p>
<h2>Policy History</h2>
<ul><li>03/2025: 64605 deleted from the policy; previously considered investigational.</li></ul></div>"""
    return _doc("Trigeminal Nerve Procedures | Excellus", body)


# =========================================================================== Medicare articles (HTML)


@layout(
    "medicare_article_groups",
    "medicare",
    None,
    "CMS billing-and-coding article page: 'Group 1 Paragraph:' above the 'Group 1 Codes' table; Group 2 "
    "paragraph 'not reasonable and necessary'",
    {"64600": Expect("covered", descriptor=D00), "64605": Expect("not_covered", descriptor=D05)},
)
def medicare_article_groups() -> bytes:
    body = f"""<div id="article"><h1>Billing and Coding: Trigeminal Nerve Destruction</h1><p>Article ID A99999</p>
<h2>CPT/HCPCS Codes</h2>
<h3>Group 1</h3>
<p><b>Group 1 Paragraph:</b></p><p>The following codes are reasonable and necessary when billed for this LCD.</p>
<p><b>Group 1 Codes:</b></p>
<table><tr><th>Code</th><th>Description</th></tr>{_tr("64600", D00)}</table>
<h3>Group 2</h3>
<p><b>Group 2 Paragraph:</b></p><p>The following codes are not reasonable and necessary.</p>
<p><b>Group 2 Codes:</b></p>
<table><tr><th>Code</th><th>Description</th></tr>{_tr("64605", D05)}</table></div>"""
    return _doc("Billing and Coding: Trigeminal Nerve Destruction | CMS", body)


@layout(
    "medicare_expand_collapse",
    "medicare",
    None,
    "CMS MCD page 'Expand All | Collapse All': the article sections are collapsed panels (display:none), "
    "long AMA copyright block before the codes",
    {"64600": Expect("covered", descriptor=D00)},
)
def medicare_expand_collapse() -> bytes:
    body = f"""<div id="article"><h1>Billing and Coding: Nerve Destruction</h1>
<p><a href="#">Expand All</a> | <a href="#">Collapse All</a></p>
<div class="collapse-panel"><h2><button aria-controls="c1">Article Information</button></h2>
<div id="c1" class="collapse" style="display: none">
<p>CPT codes, descriptions, and other data only are copyright 2024 American Medical Association. All Rights
Reserved.</p></div></div>
<div class="collapse-panel"><h2><button aria-controls="c2">Coding Information</button></h2>
<div id="c2" class="collapse" style="display: none">
<p><b>Group 1 Paragraph:</b></p><p>The following codes are covered.</p>
<table><tr><th>Code</th><th>Description</th></tr>{_tr("64600", D00)}</table></div></div></div>"""
    return _doc("Billing and Coding: Nerve Destruction | CMS", body)


@layout(
    "medicare_lcd_noncovered",
    "medicare",
    None,
    "LCD 'Noncovered Services' print: a code list under a 'noncovered' heading, 'Printed on ... Page 1 of 27' "
    "running lines",
    {"64600": Expect("not_covered", descriptor=D00), "64605": Expect("absent")},
)
def medicare_lcd_noncovered() -> bytes:
    body = f"""<div><h1>Local Coverage Determination (LCD): Noncovered Services (L99999)</h1>
<p>Printed on 8/23/2025. Page 1 of 27</p>
<h2>Noncovered Services</h2>
<p>The following services are noncovered:</p>
<table>{_tr("64600", D00)}</table><p>Printed on 8/23/2025. Page 2 of 27</p></div>"""
    return _doc("LCD L99999 Noncovered Services", body)


# =========================================================================== issue #19: classes of misreading
# Written before the code that reads them (tests first): each fixture reproduces one class of
# misreading the issue lists, in the layout of a plan outside the reading benchmark. Where the
# plan's template was not confirmed in a stored page, docs/payer-conventions.md says "assumed".

C00 = "supraorbital, infraorbital, mental, or inferior alveolar branch"
C05 = "second and third division branches at foramen ovale"
C10 = C05 + " under radiologic monitoring"
PARENT = "Destruction by neurolytic agent, trigeminal nerve;"
NBSP = "&nbsp;" * 4

# ---------------------------------------------------------------- Wellmark (HTML, .aspx policy pages)

_WELLMARK_HEAD = """<p>Medical Policy: 07.01.97</p><p>Original Effective Date: March 2019</p>
<p>Reviewed: June 2025</p><p>Revised: June 2025</p>
<h2>Notice:</h2><p>This policy contains clinical information; it is not medical advice.</p>"""


@layout(
    "wellmark_nbsp_child_rows",
    "bcbs",
    "wellmark",
    "Wellmark procedure-code table in CPT's own parent/child form: the caption row's cell wraps an <h3>, child "
    "descriptors are indented with &nbsp; runs, end tags omitted; each code pairs with its own row's descriptor",
    {
        "64600": Expect("covered", descriptor=D00),
        "64605": Expect("covered", descriptor=C05),
    },
)
def wellmark_nbsp_child_rows() -> bytes:
    body = f"""<div id="policy"><h1>Neurolytic Destruction of the Trigeminal Nerve</h1>{_WELLMARK_HEAD}
<h2>Description:</h2><p>Neurolysis interrupts pain signals along a nerve by chemical destruction.</p>
<h2>Procedure Codes</h2>
<table class="codes">
<tr><th>Code<th>Description
<tr><td colspan=2><h3 class="codeHeading"><strong>Codes considered medically necessary when the policy criteria
are met</strong>:</h3>
<tr><td class="cptCode" valign="top" width="20%">64600
		<td valign="top" width="80%">{D00}
<tr><td class="cptCode" valign="top" width="20%">64605
		<td valign="top" width="80%">{NBSP}{C05}
<tr><td class="cptCode" valign="top" width="20%">64610
		<td valign="top" width="80%">{NBSP}{C10}
</table></div>"""
    return _doc("Neurolytic Destruction of the Trigeminal Nerve | Wellmark", body)


@layout(
    "wellmark_preservice_column",
    "bcbs",
    "wellmark",
    "Wellmark authorization-table style: a 'Coverage' status column ('Covered' / 'Not covered – investigational') "
    "and a 'Pre-Service Review Required' Yes/No column whose cell spans two rows (rowspan)",
    {
        "64600": Expect("covered", True, descriptor=D00),
        "64605": Expect("experimental", True, descriptor=D05),
    },
)
def wellmark_preservice_column() -> bytes:
    body = f"""<div id="policy"><h1>Trigeminal Nerve Procedures</h1>{_WELLMARK_HEAD}
<h2>Policy:</h2><p>The status of each procedure is shown in the table below.</p>
<h2>Procedure Codes</h2>
<table border="1">
<tr><th>Code - CPT/HCPCS</th><th>Title (Service/Description)</th><th>Coverage</th>
<th>Pre-Service Review Required</th></tr>
<tr><td>64600</td><td>{D00}</td><td>Covered</td><td rowspan="2">Yes</td></tr>
<tr><td>64605</td><td>{D05}</td><td>Not covered &ndash; investigational</td></tr>
<tr><td>64610</td><td>{D10}</td><td>Not covered &ndash; investigational</td><td>No</td></tr>
</table></div>"""
    return _doc("Trigeminal Nerve Procedures | Wellmark", body)


@layout(
    "wellmark_reference_manual_heading",
    "bcbs",
    "wellmark",
    "A policy filed under a heading that merely contains 'Reference' ('Medical Policy Reference Manual') is "
    "policy; only the heading that is 'References' holds citations",
    {"64600": Expect("covered"), "64605": Expect("mentioned")},
)
def wellmark_reference_manual_heading() -> bytes:
    body = """<div id="policy"><h1>Trigeminal Nerve Procedures</h1>
<h2>Medical Policy Reference Manual</h2>
<h3>Policy:</h3>
<p>Neurolytic destruction of peripheral trigeminal branches (CPT 64600) is considered medically necessary for
trigeminal neuralgia when drug therapy has failed.</p>
<h3>Rationale:</h3><p>Small series report relief lasting months after peripheral neurolysis.</p>
<h2>References</h2>
<ol><li>Doe J, Roe R. Experimental foramen ovale neurolysis (CPT 64605) in 12 patients. J Facial Pain.
2018;4:22-29.</li></ol></div>"""
    return _doc("Trigeminal Nerve Procedures | Wellmark", body)


@layout(
    "wellmark_precert_descriptor",
    "bcbs",
    "wellmark",
    "A precertification note that names the procedure by its descriptor, never by its code; the other code's "
    "procedure is not named",
    {
        "64600": Expect("covered", descriptor=D00),
        "64605": Expect("covered", True, descriptor=D05),
    },
)
def wellmark_precert_descriptor() -> bytes:
    body = f"""<div id="policy"><h1>Trigeminal Nerve Procedures</h1>{_WELLMARK_HEAD}
<h2>Policy:</h2>
<p><strong>Note:</strong> Precertification is required for destruction by neurolytic agent of the second and
third division branches of the trigeminal nerve at the foramen ovale.</p>
<h2>Procedure Codes</h2>
<p><strong>Medically necessary when the policy criteria are met:</strong></p>
<table>{_tr("Code", "Description", tag="th")}{_tr("64600", D00)}{_tr("64605", D05)}</table></div>"""
    return _doc("Trigeminal Nerve Procedures | Wellmark", body)


# ---------------------------------------------------------------- Independence Blue Cross (Lotus Domino HTML)

_IBX_HEAD = """<p><font size="2"><b>Medical Policy Bulletin</b></font></p>
<p><b>Title:</b> Trigeminal Nerve Destruction</p><p><b>Policy #:</b> 11.14.33b</p>
<p>The Company makes decisions on coverage based on Policy Bulletins, benefit plan documents, and the member's
medical history and condition.</p>"""
_IBX_CODES_NOTE = (
    "<p>Inclusion of a code in this table does not imply reimbursement. Eligibility, benefits, limitations and "
    "exclusions apply.</p>"
)


@layout(
    "ibx_label_qualifier_row",
    "bcbs",
    "ibx",
    "A bold sub-heading, then a plain label paragraph ending ':', then the code table whose first rows are a "
    "header 'CPT | &nbsp;' and a qualifier row with an empty code cell",
    {"64600": Expect("covered", descriptor=D00), "64605": Expect("covered", descriptor=D05)},
)
def ibx_label_qualifier_row() -> bytes:
    body = f"""<div>{_IBX_HEAD}
<h2>Coding</h2>
<p><b>Peripheral Trigeminal Neurolysis</b></p>
<p>Medically necessary when the criteria in this policy are met:</p>
<table>
<tr><td>CPT</td><td>&nbsp;</td></tr>
<tr><td>&nbsp;</td><td>Only when performed with a chemical neurolytic agent:</td></tr>
<tr><td>64600</td><td>{D00}</td></tr>
<tr><td>64605</td><td>{D05}</td></tr>
</table></div>"""
    return _doc("Trigeminal Nerve Destruction - Medical Policy Bulletin", body)


@layout(
    "ibx_group_rows",
    "bcbs",
    "ibx",
    "A code table neutral by itself, split by group rows naming procedures; each group row governs the rows "
    "below it, linked to the policy statement that names the same procedure",
    {"64600": Expect("covered", descriptor=D00), "64605": Expect("experimental", descriptor=D05)},
)
def ibx_group_rows() -> bytes:
    body = f"""<div>{_IBX_HEAD}
<h2>Policy</h2>
<p><b>MEDICALLY NECESSARY</b></p>
<p>Peripheral branch neurolysis is considered medically necessary for trigeminal neuralgia that has not
responded to drug therapy.</p>
<p><b>EXPERIMENTAL/INVESTIGATIONAL</b></p>
<p>Gasserian ganglion neurolysis at the foramen ovale is considered experimental/investigational.</p>
<h2>Coding</h2>{_IBX_CODES_NOTE}
<table>{_tr("Code", "Description", tag="th")}{_group("Peripheral branch neurolysis")}{_tr("64600", D00)}
{_group("Gasserian ganglion neurolysis at the foramen ovale")}{_tr("64605", D05)}</table></div>"""
    return _doc("Trigeminal Nerve Destruction - Medical Policy Bulletin", body)


@layout(
    "ibx_attachment_statement",
    "bcbs",
    "ibx",
    "A policy statement that governs an attachment's code table ('the services represented by the codes in "
    "Attachment A are ...'); the attachment names no stance and sits under headings of its own",
    {"64600": Expect("absent"), "64605": Expect("experimental")},
)
def ibx_attachment_statement() -> bytes:
    body = f"""<div>{_IBX_HEAD}
<h2>Policy</h2>
<p>Coverage is subject to the terms, conditions, and limitations of the member's contract.</p>
<p>The services represented by the codes listed in Attachment A are considered experimental/investigational.</p>
<h2>Attachments</h2>
<h3>Attachment A: Trigeminal Nerve Codes</h3>{_IBX_CODES_NOTE}
<table>{_tr("Code", "Effective Date", tag="th")}{_tr("64605", "01/01/2026")}{_tr("64610", "01/01/2026")}</table>
</div>"""
    return _doc("Trigeminal Nerve Destruction - Medical Policy Bulletin", body)


@layout(
    "ibx_no_longer_investigational",
    "bcbs",
    "ibx",
    "'is no longer considered experimental/investigational. It is medically necessary ...' under an "
    "'Experimental/Investigational' heading: the nearer words beat the heading",
    {"64600": Expect("covered"), "64605": Expect("experimental")},
)
def ibx_no_longer_investigational() -> bytes:
    body = f"""<div>{_IBX_HEAD}
<h2>Policy</h2>
<h3>EXPERIMENTAL/INVESTIGATIONAL</h3>
<p>As of January 1, 2026, neurolysis of the peripheral trigeminal branches (CPT 64600) is no longer considered
experimental/investigational. It is medically necessary when the criteria in this policy are met.</p>
<p>Neurolysis at the foramen ovale (CPT 64605) remains experimental/investigational.</p></div>"""
    return _doc("Trigeminal Nerve Destruction - Medical Policy Bulletin", body)


@layout(
    "ibx_range_precert",
    "bcbs",
    "ibx",
    "A precertification statement on a code range ('64400–64999 require precertification') apart from the code "
    "table: every code inside the range requires it",
    {"64600": Expect("covered", True, descriptor=D00), "64605": Expect("covered", True, descriptor=D05)},
)
def ibx_range_precert() -> bytes:
    body = f"""<div>{_IBX_HEAD}
<h2>Policy</h2>
<p>Trigeminal nerve destruction (CPT 64600, 64605) is considered medically necessary for refractory trigeminal
neuralgia.</p>
<h2>Precertification</h2>
<p>Nerve destruction procedures 64400&ndash;64999 require precertification.</p>
<h2>Coding</h2>{_IBX_CODES_NOTE}
<table>{_tr("Code", "Description", tag="th")}{_tr("64600", D00)}{_tr("64605", D05)}</table></div>"""
    return _doc("Trigeminal Nerve Destruction - Medical Policy Bulletin", body)


# ---------------------------------------------------------------- Blue Shield of California (HTML)

_BSC_HEAD = """<p>Policy Number: 7.01.99</p><p>Effective Date: Nov. 1, 2025</p>
<p>Original Policy Date: Jan. 1, 2019</p>"""


@layout(
    "bsca_parent_child_rows",
    "bcbs",
    "blue-shield-ca",
    "Blue Shield of California 'Type | Code | Description' coding table: a group row wrapping an <h4> caption, a "
    "CPT parent descriptor ending ';' printed once, child descriptors indented with &nbsp;, end tags omitted",
    {"64600": Expect("experimental", descriptor=C00), "64605": Expect("experimental", descriptor=C05)},
)
def bsca_parent_child_rows() -> bytes:
    body = f"""<article><h1>Trigeminal Nerve Procedures</h1>{_BSC_HEAD}
<h2>Policy Statement</h2><p>The procedures in the coding section below are addressed by this policy.</p>
<h2>Coding</h2>
<table>
<thead><tr><th>Type<th>Code<th>Description</thead>
<tbody>
<tr><th colspan=3><div class="code-group"><h4>The following codes are considered investigational:</h4></div>
<tr><td>CPT<td>&nbsp;<td>{PARENT}
<tr><td>&nbsp;<td>64600<td>{NBSP}{C00}
<tr><td>&nbsp;<td>64605<td>{NBSP}{C05}
<tr><td>&nbsp;<td>64610<td>{NBSP}{C10}
</tbody></table></article>"""
    return _doc("Trigeminal Nerve Procedures | Blue Shield of California", body)


@layout(
    "bsca_check_columns",
    "bcbs",
    "blue-shield-ca",
    "Status as check-mark columns ('Medically necessary' / 'Investigational' with ✓) and a prior-authorization "
    "column whose 'Required' cell spans both rows",
    {
        "64600": Expect("covered", True, descriptor=D00),
        "64605": Expect("experimental", True, descriptor=D05),
    },
)
def bsca_check_columns() -> bytes:
    body = f"""<article><h1>Trigeminal Nerve Procedures</h1>{_BSC_HEAD}
<h2>Coding</h2>
<table>
<tr><th>Code</th><th>Description</th><th>Medically necessary</th><th>Investigational</th>
<th>Prior authorization</th></tr>
<tr><td>64600</td><td>{D00}</td><td>&#10003;</td><td></td><td rowspan="2">Required</td></tr>
<tr><td>64605</td><td>{D05}</td><td></td><td>&#10003;</td></tr>
</table></article>"""
    return _doc("Trigeminal Nerve Procedures | Blue Shield of California", body)


@layout(
    "bsca_linked_statement",
    "bcbs",
    "blue-shield-ca",
    "Policy Statement names the procedures by their descriptors; the coding table is neutral ('Inclusion of a "
    "code does not imply coverage'): each code takes the statement its descriptor links to",
    {"64600": Expect("covered", descriptor=D00), "64605": Expect("experimental", descriptor=D05)},
)
def bsca_linked_statement() -> bytes:
    body = f"""<article><h1>Trigeminal Nerve Procedures</h1>{_BSC_HEAD}
<h2>Policy Statement</h2>
<ol type="I"><li>Destruction by neurolytic agent of the supraorbital, infraorbital, mental, or inferior alveolar
branch of the trigeminal nerve may be considered medically necessary for trigeminal neuralgia refractory to
drug therapy.</li>
<li>Destruction by neurolytic agent of the second and third division branches of the trigeminal nerve at the
foramen ovale is considered investigational.</li></ol>
<h2>Coding</h2>
<p>The following codes are provided for informational purposes only. Inclusion of a code does not imply
coverage.</p>
<table>{_tr("Code", "Description", tag="th")}{_tr("64600", D00)}{_tr("64605", D05)}</table></article>"""
    return _doc("Trigeminal Nerve Procedures | Blue Shield of California", body)


@layout(
    "bsca_while_list_item",
    "bcbs",
    "blue-shield-ca",
    "One list item gives two codes two stances ('... remains investigational, while ... may be considered "
    "medically necessary ...')",
    {"64600": Expect("covered"), "64605": Expect("experimental")},
)
def bsca_while_list_item() -> bytes:
    body = f"""<article><h1>Trigeminal Nerve Procedures</h1>{_BSC_HEAD}
<h2>Policy Statement</h2>
<ul><li>Neurolysis at the foramen ovale (CPT 64605) remains investigational, while neurolysis of the
supraorbital or infraorbital branch (CPT 64600) may be considered medically necessary for refractory trigeminal
neuralgia.</li></ul>
<h2>Policy Guidelines</h2><p>Document the drug therapy tried before neurolysis.</p></article>"""
    return _doc("Trigeminal Nerve Procedures | Blue Shield of California", body)


@layout(
    "bsca_pa_table_required",
    "bcbs",
    "blue-shield-ca",
    "A 'Prior Authorization' table keyed to codes with the cells 'is required' / 'is not required'",
    {"64600": Expect("covered", True), "64605": Expect("covered", False)},
)
def bsca_pa_table_required() -> bytes:
    body = f"""<article><h1>Trigeminal Nerve Procedures</h1>{_BSC_HEAD}
<h2>Policy Statement</h2>
<p>Neurolytic destruction of trigeminal nerve branches (CPT 64600, 64605) may be considered medically necessary
for trigeminal neuralgia refractory to drug therapy.</p>
<h2>Prior Authorization</h2>
<table>{_tr("CPT Code", "Prior Authorization", tag="th")}{_tr("64600", "is required")}{_tr("64605", "is not required")}
</table></article>"""
    return _doc("Trigeminal Nerve Procedures | Blue Shield of California", body)


# ---------------------------------------------------------------- BCBS Tennessee (PDF)

_TN = "Trigeminal Nerve Destruction"


def _tn_top() -> list[Part]:
    return [Part("title", _TN.upper()), P("Policy #: 00876"), P("Effective Date: 01/15/2026"), H("DESCRIPTION")]


pdf_layout(
    "bcbstn_pdf_label_qualifier_row",
    "bcbs",
    "bcbs-tn",
    "PDF coding section: a bold sub-heading, a plain label ending ':', then a ruled table whose first rows are a "
    "header 'CPT | (blank)' and a qualifier row with an empty code cell",
    {"64600": Expect("covered", descriptor=D00), "64605": Expect("covered", descriptor=D05)},
    _TN,
    [
        *_tn_top(),
        P("Neurolysis destroys part of a nerve to stop pain signals."),
        H("CODING"),
        B("Peripheral Trigeminal Neurolysis"),
        P("Procedures eligible for coverage when the criteria above are met:"),
        T(("CPT", " "), ("", "Only when performed with a chemical neurolytic agent:"), ("64600", D00), ("64605", D05)),
    ],
)

pdf_layout(
    "bcbstn_pdf_whereas",
    "bcbs",
    "bcbs-tn",
    "PDF policy sentence giving two codes two stances ('..., whereas ... is considered investigational'); the "
    "code table below is neutral",
    {"64600": Expect("covered", descriptor=D00), "64605": Expect("experimental", descriptor=D05)},
    _TN,
    [
        *_tn_top(),
        P("Neurolysis destroys part of a nerve to stop pain signals."),
        H("POLICY"),
        P(
            "Neurolytic destruction of peripheral trigeminal branches (64600) is considered medically necessary for "
            "refractory trigeminal neuralgia, whereas neurolysis at the foramen ovale (64605) is considered "
            "investigational."
        ),
        H("CODING"),
        T(("Code", "Description"), ("64600", D00), ("64605", D05)),
    ],
)

pdf_layout(
    "bcbstn_pdf_status_column",
    "bcbs",
    "bcbs-tn",
    "PDF code table with a status column ('Covered' / 'Not covered – investigational') and a prior-authorization "
    "column ('Required' / 'Not required')",
    {"64600": Expect("covered", True), "64605": Expect("experimental", False)},
    _TN,
    [
        *_tn_top(),
        P("Neurolysis destroys part of a nerve to stop pain signals."),
        H("CODING"),
        T(
            ("Code", "Description", "Status", "Prior Authorization"),
            ("64600", D00, "Covered", "Required"),
            ("64605", D05, "Not covered \u2013 investigational", "Not required"),
            widths=(50, 250, 110, 90),
        ),
    ],
)

pdf_layout(
    "bcbstn_pdf_pa_table",
    "bcbs",
    "bcbs-tn",
    "PDF 'Prior Authorization' table keyed to codes ('is required' / 'is not required') after the policy",
    {"64600": Expect("covered", True), "64605": Expect("covered", False)},
    _TN,
    [
        *_tn_top(),
        P("Neurolysis destroys part of a nerve to stop pain signals."),
        H("POLICY"),
        P("Trigeminal nerve destruction (64600, 64605) is considered medically necessary for refractory neuralgia."),
        H("PRIOR AUTHORIZATION"),
        T(("Code", "Prior Authorization"), ("64600", "is required"), ("64605", "is not required"), widths=(80, 200)),
    ],
)

pdf_layout(
    "bcbstn_pdf_wrapped_bullets",
    "bcbs",
    "bcbs-tn",
    "PDF list: a lead-in ending ':' above bullet items that wrap onto a second line, the code at the end of the "
    "wrapped line; the lead-in governs every item",
    {"64600": Expect("covered"), "64605": Expect("experimental")},
    _TN,
    [
        *_tn_top(),
        P("Neurolysis destroys part of a nerve to stop pain signals."),
        H("POLICY"),
        P("The following procedure is considered medically necessary when drug therapy has failed:"),
        Part(
            "li",
            "Chemical neurolysis of the supraorbital, infraorbital, mental or inferior alveolar branch of the "
            "trigeminal nerve for classic trigeminal neuralgia confirmed by a neurologist (64600)",
        ),
        P("The following procedures are considered investigational:"),
        Part(
            "li",
            "Chemical neurolysis of the second and third division branches of the trigeminal nerve at the "
            "foramen ovale, with or without imaging guidance, for any indication (64605)",
        ),
        Part("li", "Cryoneurolysis of any trigeminal branch for facial pain other than trigeminal neuralgia"),
    ],
)

# ---------------------------------------------------------------- BCBS Michigan (PDF)

_MI = "Neurolytic Destruction of the Trigeminal Nerve"


def _mi_top() -> list[Part]:
    return [
        Part("title", "Medical Policy"),
        P(f"Title: {_MI}"),
        P("Effective Policy Date: 01/01/2026"),
        P("Policy Number: SURG-0419"),
    ]


_MI_DISCLAIMER = "Listing a code here does not imply that the service is covered or not covered."

pdf_layout(
    "bcbsmi_pdf_group_rows",
    "bcbs",
    "bcbs-mi",
    "PDF code table split by full-width group rows naming procedures; the statement naming each procedure "
    "governs the rows under its group row",
    {"64600": Expect("covered", descriptor=D00), "64605": Expect("experimental", descriptor=D05)},
    _MI,
    [
        *_mi_top(),
        H("Medical Policy Statement"),
        P("Peripheral branch neurolysis is medically necessary for trigeminal neuralgia refractory to drug therapy."),
        P("Neurolysis at the foramen ovale is experimental."),
        H("Procedure Codes"),
        P(_MI_DISCLAIMER),
        T(
            ("Code", "Description"),
            ("Peripheral branch neurolysis",),
            ("64600", D00),
            ("Neurolysis at the foramen ovale",),
            ("64605", D05),
        ),
    ],
)

pdf_layout(
    "bcbsmi_pdf_linked_statement",
    "bcbs",
    "bcbs-mi",
    "PDF policy statement naming the procedures in words; the code table under a 'does not imply' disclaimer "
    "takes no stance: each code links to its statement by descriptor",
    {"64600": Expect("covered", descriptor=D00), "64605": Expect("experimental", descriptor=D05)},
    _MI,
    [
        *_mi_top(),
        H("Medical Policy Statement"),
        P(
            "Neurolytic destruction of the supraorbital, infraorbital, mental or inferior alveolar branch of the "
            "trigeminal nerve is medically necessary when conservative therapy has failed."
        ),
        P("Neurolytic destruction of the second and third division branches at the foramen ovale is experimental."),
        H("Procedure Codes"),
        P(_MI_DISCLAIMER),
        T(("Code", "Description"), ("64600", D00), ("64605", D05)),
    ],
)

pdf_layout(
    "bcbsmi_pdf_statement_governs_codes",
    "bcbs",
    "bcbs-mi",
    "PDF policy statement governing the coding section by reference ('the procedures represented by the codes "
    "in the Procedure Codes section'); the section names no stance",
    {"64600": Expect("covered", descriptor=D00), "64605": Expect("covered", descriptor=D05)},
    _MI,
    [
        *_mi_top(),
        H("Medical Policy Statement"),
        P(
            "The procedures represented by the codes in the Procedure Codes section are medically necessary when "
            "the criteria below are met."
        ),
        H("Inclusionary and Exclusionary Guidelines"),
        P("Classic trigeminal neuralgia confirmed by a neurologist; failure of two drugs."),
        H("Procedure Codes"),
        T(("Code", "Description"), ("64600", D00), ("64605", D05)),
    ],
)

pdf_layout(
    "bcbsmi_pdf_no_longer_investigational",
    "bcbs",
    "bcbs-mi",
    "PDF 'Investigational' heading above 'is no longer considered investigational and is covered ...' for one "
    "code and a list that remains investigational for the other",
    {"64600": Expect("covered"), "64605": Expect("experimental")},
    _MI,
    [
        *_mi_top(),
        H("Investigational"),
        P(
            "Peripheral trigeminal branch neurolysis (64600) is no longer considered investigational and is covered "
            "when the criteria in this policy are met."
        ),
        P("The following remain investigational:"),
        Part("li", "Neurolysis at the foramen ovale (64605)"),
    ],
)

pdf_layout(
    "bcbsmi_pdf_reference_heading",
    "bcbs",
    "bcbs-mi",
    "PDF heading that merely contains 'Reference' ('Quick Reference: Coverage Summary') holds policy; the "
    "heading that is 'References' holds citations",
    {"64600": Expect("covered"), "64605": Expect("mentioned")},
    _MI,
    [
        *_mi_top(),
        H("Quick Reference: Coverage Summary"),
        P(
            "Peripheral trigeminal branch neurolysis (64600) is medically necessary for trigeminal neuralgia "
            "refractory to drug therapy."
        ),
        H("Rationale"),
        P(EVIDENCE),
        H("References"),
        P("1. Poe K. Investigational neurolysis at the foramen ovale (64605): a review. Pain Rev. 2020;9:1-9."),
    ],
)

pdf_layout(
    "bcbsmi_pdf_range_pa",
    "bcbs",
    "bcbs-mi",
    "PDF prior-authorization statement on a 'through' range (64400 through 64999) in its own section",
    {"64600": Expect("covered", True, descriptor=D00), "64605": Expect("covered", True, descriptor=D05)},
    _MI,
    [
        *_mi_top(),
        H("Medical Policy Statement"),
        P("Trigeminal nerve destruction (64600, 64605) is medically necessary for refractory trigeminal neuralgia."),
        H("Prior Authorization"),
        P("Prior authorization is required for CPT codes 64400 through 64999."),
        H("Procedure Codes"),
        T(("Code", "Description"), ("64600", D00), ("64605", D05)),
    ],
)

pdf_layout(
    "bcbsmi_pdf_precert_descriptor",
    "bcbs",
    "bcbs-mi",
    "PDF prior-approval note naming one procedure by its descriptor (no code number); the other code's "
    "procedure is not named",
    {"64600": Expect("covered", True, descriptor=D00), "64605": Expect("covered", descriptor=D05)},
    _MI,
    [
        *_mi_top(),
        H("Medical Policy Statement"),
        P("Trigeminal nerve destruction (64600, 64605) is medically necessary for refractory trigeminal neuralgia."),
        P(
            "Note: Prior approval is required for neurolytic destruction of the supraorbital, infraorbital, mental "
            "or inferior alveolar branch of the trigeminal nerve."
        ),
        H("Procedure Codes"),
        T(("Code", "Description"), ("64600", D00), ("64605", D05)),
    ],
)

pdf_layout(
    "bcbsmi_pdf_wrapped_list",
    "bcbs",
    "bcbs-mi",
    "PDF lead-in ending ':' ('... include, but are not limited to:') above bullet items that wrap onto a second "
    "line, each code cited mid-item; the lead-in governs both items",
    {"64600": Expect("experimental"), "64605": Expect("experimental")},
    _MI,
    [
        *_mi_top(),
        H("Medical Policy Statement"),
        P("Procedures considered experimental for atypical facial pain include, but are not limited to:"),
        Part(
            "li",
            "Chemical destruction of the supraorbital or infraorbital branch (64600) when the pain does not follow "
            "the distribution of a trigeminal branch or lacks the paroxysmal character of neuralgia",
        ),
        Part(
            "li",
            "Chemical destruction at the foramen ovale (64605) performed with or without fluoroscopic guidance for "
            "any pain syndrome of the face other than classic trigeminal neuralgia",
        ),
        H("Inclusionary and Exclusionary Guidelines"),
        P("Atypical facial pain: constant, burning pain not confined to one branch."),
    ],
)

pdf_layout(
    "bcbstn_pdf_vocabulary",
    "bcbs",
    "bcbs-tn",
    "PDF policy in plain wording outside the common formulas: 'Coverage will be provided for ...' and 'is "
    "considered investigative'",
    {"64600": Expect("covered"), "64605": Expect("experimental")},
    _TN,
    [
        *_tn_top(),
        P("Neurolysis destroys part of a nerve to stop pain signals."),
        H("POLICY"),
        P(
            "Coverage will be provided for chemical neurolysis of a peripheral trigeminal branch (64600) when the "
            "member has classic trigeminal neuralgia and two drugs have failed."
        ),
        P("Neurolysis at the foramen ovale (64605) is considered investigative."),
    ],
)


@layout(
    "medicare_lcd_medicare_covers",
    "medicare",
    None,
    "LCD 'Coverage Indications, Limitations, and/or Medical Necessity': 'Medicare covers ... when ...' and "
    "'is not considered reasonable and necessary' naming the codes",
    {"64600": Expect("covered"), "64605": Expect("not_covered")},
)
def medicare_lcd_medicare_covers() -> bytes:
    body = """<div><h1>Local Coverage Determination (LCD): Peripheral Nerve Destruction (L99998)</h1>
<h2>Coverage Indications, Limitations, and/or Medical Necessity</h2>
<p>Medicare covers chemical destruction of a peripheral trigeminal branch (CPT 64600) when the beneficiary has
trigeminal neuralgia that has not responded to drug therapy.</p>
<p>Destruction at the foramen ovale (CPT 64605) for facial pain other than trigeminal neuralgia is not considered
reasonable and necessary.</p>
<h2>Summary of Evidence</h2><p>Case series report months of relief after peripheral neurolysis.</p></div>"""
    return _doc("LCD - Peripheral Nerve Destruction (L99998)", body)


BY_NAME = {layout.name: layout for layout in LAYOUTS}


# =========================================================================== reading a result


def _qualifiers(line: str) -> list[str]:
    out, depth, start = [], 0, 0
    for i, ch in enumerate(line):
        if ch == "[":
            depth, start = depth + 1, i + 1
        elif ch == "]" and depth:
            depth -= 1
            out.append(" ".join(line[start:i].split()))
    return out


def observe(extraction: Any, code: str, descriptor: str | None) -> dict[str, Any]:
    """What the tracker tells an analyst about ``code``: the values the fixtures and invariance compare."""
    from tracker.judge.classify import needs_review, summarize

    sections = extraction.for_code(code)
    status, prior_auth = summarize(sections)
    lines = [" ".join(line.split()) for s in sections for line in s.text.split("\n") if code in line]
    return {
        "status": status,
        "prior_auth": prior_auth,
        "needs_review": needs_review(sections),
        "descriptor": descriptor if descriptor and any(descriptor in line for line in lines) else None,
        "qualifier": next((q for line in lines for q in _qualifiers(line)), None),
    }
