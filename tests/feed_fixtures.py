"""Feed fixtures: payers' indexes and bulletins in their real layouts, several editions each.

Written for the tests (no payer's prose): the UHC index's per-policy blocks ("Last Modified",
"Effective Date: … – This policy addresses … Applicable Procedure Codes: …"), UHC's monthly
Medical Policy Update Bulletin (PDF tables Policy Title | Effective Date | Summary of Changes under
New / Updated / Retired), Cigna's A–Z index and monthly Policy Updates ("Title – (0051) | status |
details", "The information in this section is effective …, unless otherwise noted", "Policies With
a Reduction in Coverage"; HTML and PDF), Aetna's numeric CPB index and CPB pages, and the Coverage
API's proposed-LCD, tracking-sheet, future-effective and retirement answers.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import reportlab
from fpdf import FPDF

from tests.mcd_api import CoverageAPI, _envelope, _error

_FONTS = Path(reportlab.__file__).parent / "fonts"
HEAD = '<!DOCTYPE html><html><head><meta charset="utf-8">'

# ----------------------------------------------------------------------------- UHC index

UHC_BASE = "/content/dam/provider/docs/public/policies/comm-medical-drug/"
UHC_POLICIES: list[tuple[str, str, str, str]] = [
    # title, pdf slug, effective, codes
    (
        "Ablative Treatment for Spinal Pain",
        "ablative-treatment-spinal-pain",
        "05.01.2026",
        "64633, 64634, 64635, 64636",
    ),
    ("Bariatric Surgery", "bariatric-surgery", "01.01.2026", "43644, 43645, 43770"),
    ("Botulinum Toxins A and B", "botulinum-toxins", "02.01.2026", "J0585, J0586, J0587, J0588"),
    ("Cochlear Implants", "cochlear-implants", "03.01.2026", "69930"),
    ("Epidural Steroid Injections for Spinal Pain", "epidural-steroid-injections", "04.01.2026", "62321, 62323, 64479"),
    (
        "Occipital Neuralgia and Headache Treatment",
        "occipital-neuralgia-headache-treatment",
        "01.01.2026",
        "64405, 64450, 64600-64640, 64999",
    ),
    ("Transcranial Magnetic Stimulation", "transcranial-magnetic-stimulation", "06.01.2026", "90867, 90868, 90869"),
    ("Vagus Nerve Stimulation", "vagus-nerve-stimulation", "06.01.2026", "61885, 64568, 64570"),
]
UHC_NEW = (
    "Trigeminal Nerve Procedures (2027T0412A)",
    "trigeminal-nerve-procedures",
    "02.01.2027",
    "64400, 64600, 64605",
)
UHC_TRACKED_SLUG = "occipital-neuralgia-headache-treatment"


def uhc_index(edition: int) -> bytes:
    """Edition 1: eight policies; 2: a new policy naming 64600, a later effective date on the tracked one;
    3: the tracked policy dropped from the index (retired); 0: a broken page listing two."""
    policies = list(UHC_POLICIES)
    if edition >= 2:
        policies.append(UHC_NEW)
        policies[5] = (*policies[5][:2], "03.01.2027", policies[5][3])
    if edition >= 3:
        policies = [p for p in policies if p[1] != UHC_TRACKED_SLUG]
    if edition == 0:
        policies = policies[:2]
    blocks = []
    for title, slug, effective, codes in sorted(policies):
        label = "Codes" if "," in codes or "-" in codes else "Code"
        blocks.append(
            f"""<div class="policy-item">
  <div class="policy-title"><a href="{UHC_BASE}{slug}.pdf">{html.escape(title)}
  &ndash; Commercial Medical Policy</a></div>
  <div class="policy-detail"><p>Last Modified {effective}</p>
  <p>Effective Date: {effective} &ndash; This policy addresses procedures named in its title.
  Applicable Procedure {label}: {codes}.</p></div>
</div>"""
        )
    return f"""{HEAD}<title>Medical &amp; Drug Policies and Coverage Determination Guidelines for
UnitedHealthcare Commercial Plans</title></head><body>
<h1>UnitedHealthcare Commercial Medical &amp; Drug Policies and Coverage Determination Guidelines</h1>
<p>The policies for UnitedHealthcare Commercial plans are listed below. Click the "+" sign to view more information.</p>
<h2>Current Policies &amp; Guidelines</h2>
{"".join(blocks)}
</body></html>""".encode()


def uhc_policy_url(base: str, slug: str) -> str:
    return f"{base}{UHC_BASE}{slug}.pdf"


# ----------------------------------------------------------------------------- UHC bulletin (PDF)


def _pdf() -> FPDF:
    pdf = FPDF(format="letter", unit="pt")
    pdf.set_margins(54, 54, 54)
    pdf.add_font("Vera", "", str(_FONTS / "Vera.ttf"))
    pdf.add_font("Vera", "B", str(_FONTS / "VeraBd.ttf"))
    pdf.add_page()
    return pdf


def _heading(pdf: FPDF, text: str, size: float = 13) -> None:
    pdf.set_font("Vera", "B", size)
    pdf.multi_cell(0, size + 4, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _para(pdf: FPDF, text: str) -> None:
    pdf.set_font("Vera", "", 9)
    pdf.multi_cell(0, 12, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


BULLETIN_ROWS: dict[int, list[tuple[str, list[tuple[str, str, str]]]]] = {
    1: [
        ("Policy Updates: New", [("Genetic Testing for Hereditary Conditions", "Jan. 1, 2027", "New medical policy.")]),
        (
            "Policy Updates: Updated",
            [("Bariatric Surgery", "Jan. 1, 2027", "Updated list of applicable codes; added CPT code 43644.")],
        ),
    ],
    2: [
        (
            "Policy Updates: Revised",
            [
                (
                    "Occipital Nerve Injections and Ablation (2025T0080G) \u2013 Commercial Medical Policy",
                    "Mar. 1, 2027",
                    "Revised coverage rationale; nerve destruction (CPT codes 64600-64640) is unproven and not "
                    "medically necessary for occipital neuralgia.",
                ),
                ("Cochlear Implants", "Mar. 1, 2027", "Revised coverage rationale for bilateral implants."),
            ],
        ),
    ],
    3: [
        (
            "Policy Updates: Retired",
            [
                (
                    "Vagus Nerve Stimulation",
                    "Apr. 1, 2027",
                    "Policy retired; the services are addressed in the Implanted Electrical Stimulator policy.",
                )
            ],
        ),
    ],
}
BULLETIN_MONTHS = {1: "January 2027", 2: "February 2027", 3: "March 2027"}


def uhc_bulletin(edition: int) -> bytes:
    """The Medical Policy Update Bulletin of one month: tables under New / Updated / Revised / Retired."""
    pdf = _pdf()
    _heading(pdf, f"Medical Policy Update Bulletin: {BULLETIN_MONTHS[edition]}", 16)
    _para(
        pdf,
        "UnitedHealthcare Commercial. This bulletin provides complete details on recently approved, revised, "
        "and/or retired policies.",
    )
    for section, rows in BULLETIN_ROWS[edition]:
        _heading(pdf, section, 12)
        pdf.set_font("Vera", "", 9)
        with pdf.table(col_widths=(170, 80, 254), text_align="LEFT", line_height=12) as table:
            header = table.row()
            for cell in ("Policy Title", "Effective Date", "Summary of Changes"):
                header.cell(cell)
            for row in rows:
                r = table.row()
                for cell in row:
                    r.cell(cell)
        pdf.ln(8)
    return bytes(pdf.output())


# ----------------------------------------------------------------------------- Cigna

CIGNA_PDF = "/assets/chcp/pdf/coveragePolicies/medical/"
CIGNA_POLICIES = [
    ("Bariatric Surgery and Procedures", "0051", "mm_0051_coveragepositioncriteria_bariatric_surgery.pdf"),
    ("Minimally Invasive Spine Surgery Procedures", "0139", "mm_0139_coveragepositioncriteria_mis_spine.pdf"),
    ("Omnibus Codes", "0504", "mm_0504_coveragepositioncriteria_omnibus_codes.pdf"),
    (
        "Peripheral Nerve Destruction for Pain Conditions",
        "0525",
        "mm_0525_coveragepositioncriteria_peripheral_nerve_destruction.pdf",
    ),
    ("Tests for Preterm Labor", "0099", "mm_0099_coveragepositioncriteria_preterm_labor.pdf"),
    ("Phototherapy for Dermatologic Conditions", "0031", "mm_0031_coveragepositioncriteria_phototherapy.pdf"),
]


def cigna_index(edition: int = 1, policies: list[tuple[str, str, str]] | None = None) -> bytes:
    """The Medical A–Z index: a table Policy Title | Number | Effective Date; edition 2 moves 0504 to Retired."""
    rows, retired = [], []
    for title, number, pdf in policies or CIGNA_POLICIES:
        line = (
            f'<tr><td><a href="{CIGNA_PDF}{pdf}">{html.escape(title)}</a></td><td>{number}</td><td>01/15/2026</td></tr>'
        )
        (retired if edition >= 2 and number == "0504" else rows).append(line)
    head = "<tr><th>Policy Title</th><th>Number</th><th>Effective Date</th></tr>"
    archive = f"<h2>Retired Coverage Policies</h2><table>{head}{''.join(retired)}</table>" if retired else ""
    return f"""{HEAD}<title>Medical Coverage Policies A-Z</title></head><body>
<h1>Medical, Behavioral, and Administrative Policy A-Z Index (Commercial and Medicare Advantage)</h1>
<table>{head}{"".join(rows)}</table>{archive}</body></html>""".encode()


CIGNA_UPDATES: dict[int, tuple[str, list[tuple[str, list[tuple[str, str, list[str]]]]]]] = {
    1: (
        "January 2027",
        [
            (
                "Policies With a Reduction in Coverage",
                [
                    (
                        "Minimally Invasive Spine Surgery Procedures \u2013 (0139)",
                        "Modified",
                        ["Removed coverage for one procedure."],
                    )
                ],
            ),
            (
                "Medical Coverage Policies",
                [("Bariatric Surgery and Procedures \u2013 (0051)", "Modified", ["Updated criteria."])],
            ),
        ],
    ),
    2: (
        "February 2027",
        [
            (
                "Policies With a Reduction in Coverage",
                [
                    (
                        "Peripheral Nerve Destruction for Pain Conditions \u2013 (0525)",
                        "Modified",
                        [
                            "Revised policy statement: neurolytic destruction of the trigeminal nerve is considered "
                            "experimental, investigational or unproven.",
                            "Effective February 15, 2027.",
                        ],
                    )
                ],
            ),
            (
                "Medical Coverage Policies",
                [
                    (
                        "Omnibus Codes \u2013 (0504)",
                        "Modified",
                        ["Added CPT codes 64600 and 64605 to the unproven list."],
                    )
                ],
            ),
        ],
    ),
    3: (
        "March 2027",
        [
            (
                "Medical Coverage Policies",
                [
                    ("Tests for Preterm Labor \u2013 (0099)", "Retired", ["Policy retired; criteria moved to 0518."]),
                    (
                        "Cranial Nerve Ablation \u2013 (0612)",
                        "New",
                        ["New policy addressing CPT codes 64600 through 64610."],
                    ),
                ],
            ),
        ],
    ),
}


def cigna_updates(edition: int) -> bytes:
    """One month's Policy Updates page (HTML), laid out as Cigna's: section tables Policies | Status | Details."""
    month, sections = CIGNA_UPDATES[edition]
    out = [
        f"<h1>Policy Updates {month}</h1>",
        "<p>Note &ndash; Log-in is required for policy update sections marked with an asterisk *.</p>",
    ]
    for section, rows in sections:
        out.append(f"<h2>{section}</h2><table><tr><th>Policies</th><th>Status</th><th>Details</th></tr>")
        out.append(
            f'<tr><td colspan="3">The information in this section is effective {month.split()[0]} 15, '
            f"{month.split()[1]}, unless otherwise noted:</td></tr>"
        )
        for title, status, details in rows:
            items = "".join(f"<li>{html.escape(d)}</li>" for d in details)
            out.append(f"<tr><td>{html.escape(title)}</td><td>{status}</td><td><ul>{items}</ul></td></tr>")
        out.append("</table>")
    return f"{HEAD}<title>Policy Updates {month}</title></head><body>{''.join(out)}</body></html>".encode()


def cigna_updates_pdf(edition: int) -> bytes:
    """The same month as the PDF edition listed on latestUpdatesListing.html."""
    month, sections = CIGNA_UPDATES[edition]
    pdf = _pdf()
    _heading(pdf, f"Policy Updates {month}", 16)
    for section, rows in sections:
        _heading(pdf, section, 12)
        _para(
            pdf,
            f"The information in this section is effective {month.split()[0]} 15, "
            f"{month.split()[1]}, unless otherwise noted:",
        )
        for title, status, details in rows:
            pdf.set_font("Vera", "B", 9)
            pdf.cell(360, 12, title)
            pdf.cell(0, 12, status, new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Vera", "", 9)
            for d in details:
                pdf.multi_cell(0, 12, f"\u2022 {d}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
    return bytes(pdf.output())


def cigna_policy_pdf(title: str, number: str, body: str) -> bytes:
    """A short Cigna coverage policy PDF: title, number, the coverage policy text."""
    pdf = _pdf()
    _heading(pdf, title, 15)
    _para(pdf, f"Effective Date: 01/15/2026    Coverage Policy Number: {number}")
    _heading(pdf, "Coverage Policy", 12)
    _para(pdf, body)
    return bytes(pdf.output())


# ----------------------------------------------------------------------------- Aetna

AETNA_CPBS = [
    ("0016", "Back Pain - Invasive Procedures"),
    ("0374", "Trigeminal Neuralgia: Treatments"),
    ("0395", "Occipital Neuralgia and Headache Treatment"),
    ("0735", "Pulsed Radiofrequency"),
    ("0462", "Headaches: Invasive Procedures"),
    ("0200", "Botulinum Toxin"),
]


def aetna_cpb_path(number: str) -> str:
    low = int(number) // 100 * 100
    return f"/cpb/medical/data/{low}_{low + 99}/{number}.html"


def aetna_index(edition: int = 1) -> bytes:
    """cpb_num.html: a table Number | Title linking each CPB; edition 2 marks 0462 "(Retired)"."""
    rows = []
    for number, title in AETNA_CPBS:
        mark = " (Retired)" if edition >= 2 and number == "0462" else ""
        rows.append(
            f'<tr><td>{number}</td><td><a href="{aetna_cpb_path(number)}">{html.escape(title)}</a>{mark}</td></tr>'
        )
    return f"""{HEAD}<title>Clinical Policy Bulletins by Number</title></head><body>
<h1>Medical Clinical Policy Bulletins: numerical index</h1>
<table><tr><th>Number</th><th>Title</th></tr>{"".join(rows)}</table></body></html>""".encode()


def aetna_cpb(number: str, title: str, policy: str, codes: str, references: str = "") -> bytes:
    """An Aetna CPB page: Policy, a code table, References."""
    refs = f"<h2>References</h2><ol><li>{references}</li></ol>" if references else ""
    table = (
        f"<h2>Code Information</h2><table><tr><th>Code</th><th>Code Description</th></tr>"
        f"<tr><td colspan='2'><b>CPT codes covered if selection criteria are met:</b></td></tr>{codes}</table>"
        if codes
        else ""
    )
    return f"""{HEAD}<title>{html.escape(title)} - Medical Clinical Policy Bulletins | Aetna</title></head>
<body><h1>{html.escape(title)}</h1><p>Number: {number}</p><p>Last Review 01/15/2026</p><p>Effective: 03/01/2001</p>
<h2>Policy</h2><p>{policy}</p>{table}{refs}</body></html>""".encode()


def code_row(code: str, text: str) -> str:
    return f"<tr><td>{code}</td><td>{html.escape(text)}</td></tr>"


# ----------------------------------------------------------------------------- the Coverage API's reports


class ReportsAPI(CoverageAPI):
    """The loopback Coverage API with the early-warning endpoints: proposed LCDs, tracking sheets,
    future-effective and retired articles, planned retirements."""

    def __init__(self) -> None:
        super().__init__()
        self.proposed: dict[str, list[dict[str, Any]]] = {"C": [], "E": [], "F": [], "A": []}
        self.sheets: dict[int, list[dict[str, Any]]] = {}
        self.by_status: dict[str, list[dict[str, Any]]] = {"F": [], "R": []}
        self.future_retire: dict[int, str] = {}
        self.whats_new: list[dict[str, Any]] = []
        self.lcd_related: dict[int, list[dict[str, Any]]] = {}
        self.lcd_related: dict[int, list[dict[str, Any]]] = {}

    def answer(self, path: str, params: dict[str, str], authorization: str | None) -> tuple[int, str, bytes]:
        rows = self._rows(path, params)
        if rows is None:
            return super().answer(path, params, authorization)
        with self.lock:
            if not self._authorized_call(authorization):
                return _error(401, "Unauthorized: accept the license agreement first")
            fault = self.faults.get(path)
            if fault:
                from tests.mcd_api import _fault

                return _fault(fault)
            return 200, "application/json", _envelope(rows())

    def _rows(self, path: str, params: dict[str, str]) -> Any:
        """What the early-warning endpoints answer (a callable), or None for the base API's paths."""
        status = params.get("status", "")
        number = int(params.get("lcdid") or params.get("articleid") or 0)
        when = self.future_retire.get(number)
        answers: dict[str, Any] = {
            "/v1/reports/local-coverage-proposed-lcds/": lambda: self.proposed.get(status or "A", []),
            "/v1/data/lcd/tracking-sheet": lambda: self.sheets.get(number, []),
            "/v1/data/article/future-retire": lambda: [{"lcd_id": number, "retire_dt": when}] if when else [],
            "/v1/reports/whats-new/local/": lambda: self.whats_new,
            "/v1/reports/local-coverage-final-lcds/": lambda: self.by_status.get("LCD-" + status, []),
            "/v1/data/lcd/related-documents": lambda: self.lcd_related.get(number, []),
        }
        if path == "/v1/reports/local-coverage-articles/" and status in ("F", "R"):
            return lambda: self.by_status[status]
        return answers.get(path)


def proposed_row(lcd: int, version: int, title: str) -> dict[str, Any]:
    """A local-coverage-proposed-lcds row (field names of DataReportsLocalCoverageProposedLcd)."""
    return {
        "document_id": f"DL{lcd}",
        "document_version": version,
        "document_display_id": f"DL{lcd}",
        "document_type": "Proposed LCD",
        "note": "",
        "title": title,
        "contractor_name_type": "Noridian Healthcare Solutions, LLC\n(MAC - Part B)",
        "updated_on": "12/01/2026",
        "updated_on_sort": "20261201000000",
        "effective_date": "N/A",
        "retirement_date": "N/A",
        "url": f"https://www.cms.gov/medicare-coverage-database/view/proposed-lcd.aspx?lcdid={lcd}&ver={version}",
    }


def tracking_sheet(lcd: int, version: int, title: str, article: int, article_version: int) -> dict[str, Any]:
    """A lcd/tracking-sheet row with comment and notice dates and the related article."""
    return {
        "lcd_id": lcd,
        "lcd_version": version,
        "display_id": lcd,
        "title": title,
        "issue": "Coverage of nerve destruction for facial pain.",
        "comment_start_dt": "12/01/2026",
        "comment_end_dt": "01/15/2027",
        "notice_start_dt": "",
        "notice_end_dt": "",
        "mcd_publish_date": "12/01/2026",
        "rev_eff_date": "",
        "r_article_id": article,
        "r_article_version": article_version,
        "r_title": "Billing and Coding: " + title,
        "r_status": "Proposed",
    }


def report_row_future(article: int, version: int, title: str) -> dict[str, Any]:
    """A local-coverage-articles row of a future-effective version (status F)."""
    from tests.mcd_api import report_row

    return report_row(article, version, title, "First Coast Service Options, Inc.\n(MAC - Part B)", "03/01/2027")
