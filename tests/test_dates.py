"""Dates in every form the plans print them (issue #12, item 8).

Each case names the plan and the stored page (the ``search`` tool's "pages" corpus) where the
label or the shape was seen; docs/payer-conventions.md ("Dates") lists them per plan. Only the
formulaic labels are taken from the real pages; every date and sentence here is ours.
"""

from __future__ import annotations

import pytest

from tracker import extract
from tracker.extract.metadata import iso_date, metadata_from_text

# --------------------------------------------------------------------------- shapes


@pytest.mark.parametrize(
    "raw,iso",
    [
        ("04/15/2025", "2025-04-15"),  # Cigna, Highmark, Medicare LCD (MM/DD/YYYY)
        ("4/1/2025", "2025-04-01"),  # Affinity "Effective Date of current policy: 9/01/2018" (M/D/YYYY)
        ("11/15/00", "2000-11-15"),  # Florida Blue MCG "Original Effective Date: 11/15/00" (MM/DD/YY)
        ("4/1/25", "2025-04-01"),  # Premera "Revision Date(s) 06/09/15" (M/D/YY)
        ("07.01.2025", "2025-07-01"),  # UnitedHealthcare listing "Effective Date: 01.01.2021" (MM.DD.YYYY)
        ("2025-04-15", "2025-04-15"),  # ISO, as the tracker stores it
        ("April 15, 2025", "2025-04-15"),  # Regence update page "Effective Date: November 1, 2013"
        ("Feb. 1, 2018", "2018-02-01"),  # Premera-style header "Effective Date: Feb. 1, 2018"
        ("Jan 30 2018", "2018-01-30"),
        ("Sept. 1, 2025", "2025-09-01"),
        ("September 1st, 2025", "2025-09-01"),  # ordinal day (listed in the brief; not seen in a stored page)
        ("01 January 2025", "2025-01-01"),  # day first with a month name (listed in the brief; not seen)
        ("8/2017", "2017-08"),  # BCBS North Carolina "Last Review: 8/2017": month only → YYYY-MM
        ("03/2024", "2024-03"),
        ("March 2024", "2024-03"),
        ("  April   15,\n2025 ", "2025-04-15"),  # wrapped across lines
    ],
)
def test_every_printed_shape_reads_as_iso(raw: str, iso: str) -> None:
    assert iso_date(raw) == iso


@pytest.mark.parametrize(
    "raw",
    [
        "13/45/2025",
        "13/01/2025",
        "02/30/2025",
        "00/10/2025",
        "2025-13-01",
        "Febtember 3, 2025",
        "TBD",
        "",
        "64600-64610",
    ],
)
def test_impossible_or_ambiguous_dates_are_none_never_an_error(raw: str) -> None:
    assert iso_date(raw) is None  # 13/01/2025 would be day-first: US plans never print it, so no guess


# --------------------------------------------------------------------------- labels per plan


@pytest.mark.parametrize(
    "text,effective,last_review,next_review",
    [
        # Cigna coverage policy header: dotted leaders.
        (
            "Effective Date ............... 04/15/2025\nNext Review Date ........ 04/15/2026",
            "2025-04-15",
            None,
            "2026-04-15",
        ),
        # Aetna CPB "Policy History" box: Last Review / Effective / Next Review, values on the next line.
        (
            "Policy History\nLast Review\n02/20/2025\nEffective: 03/22/2000\nNext Review: 12/11/2025",
            "2000-03-22",
            "2025-02-20",
            "2025-12-11",
        ),
        # Anthem/Elevance guideline header.
        (
            "Publish Date: 06/28/2024\nLast Review Date: 05/09/2024\nCurrent Effective Date: 06/28/2024",
            "2024-06-28",
            "2024-05-09",
            None,
        ),
        # Highmark label grid (printer-friendly page lays it out as a table: pipes).
        (
            "Effective Date: | 01/01/2025\nIssued Date: | 10/01/2024\nLast Revision Date: | 09/2024",
            "2025-01-01",
            "2024-09",
            None,
        ),
        # Premera policy page: labels without colons.
        (
            "Number 7.01.126\nEffective Date June 17, 2015\nRevision Date(s) 06/09/15; 05/12/16",
            "2015-06-17",
            None,
            None,
        ),
        # Premera/Regence-style MEDICAL POLICY header on one line.
        (
            "MEDICAL POLICY Effective Date: Feb. 1, 2018 Last Revised: Jan. 30, 2018 Replaces: N/A",
            "2018-02-01",
            "2018-01-30",
            None,
        ),
        # BCBS North Carolina corporate medical policy: month-only dates; no effective date in the header.
        (
            "Origination: 2/2010 Last CAP Review: 8/2017 Next CAP Review: 8/2018 Last Review: 8/2017",
            None,
            "2017-08",
            "2018-08",
        ),
        # Florida Blue MCG: Original Effective / Reviewed / Revised lines with two-digit years.
        (
            "Date Printed: May 27, 2018\n02-61000-29\nOriginal Effective Date: 11/15/00\nReviewed: 03/22/18\n"
            "Revised: 04/15/18\nSubject: Nerve Block Injections",
            None,
            "2018-03-22",
            None,
        ),
        # Medicare LCD "Document Information": the revision in effect, never the original or the ending date.
        (
            "Original Effective Date\nFor services performed on or after 10/01/2015\nRevision Effective Date\n"
            "For services performed on or after 12/17/2020\nRevision Ending Date\n01/27/2024",
            "2020-12-17",
            None,
            None,
        ),
        # UnitedHealthcare policy listing: dotted dates, "Last Modified".
        ("Last Modified 08.01.2017\nEffective Date: 05.01.2017", "2017-05-01", "2017-08-01", None),
        # Affinity (NY) medical policy page.
        ("Policy Number: CMO 506\nEffective Date of current policy: 9/01/2018", "2018-09-01", None, None),
        # A label in all capitals (Cigna rider header "EFFECTIVE DATE: January 1, 2014").
        ("EFFECTIVE DATE: January 1, 2014", "2014-01-01", None, None),
        # "Date of Last Revision" (brief's list), ordinal day.
        ("Date of Last Revision: March 3rd, 2025", None, "2025-03-03", None),
    ],
    ids=[
        "cigna-leaders",
        "aetna-policy-history",
        "anthem-header",
        "highmark-grid",
        "premera-no-colon",
        "premera-one-line",
        "bcbsnc-month-only",
        "floridablue-two-digit",
        "medicare-lcd",
        "uhc-dotted",
        "affinity",
        "all-caps",
        "date-of-last-revision",
    ],
)
def test_labels_of_each_plan(
    text: str, effective: str | None, last_review: str | None, next_review: str | None
) -> None:
    meta = metadata_from_text(text, None)
    assert (meta.effective_date, meta.last_review_date, meta.next_review_date) == (effective, last_review, next_review)


def test_an_impossible_date_after_a_label_is_none_and_a_later_label_still_counts() -> None:
    meta = metadata_from_text("Effective Date: 13/45/2025\nLast Review: 02/30/2025", None)
    assert (meta.effective_date, meta.last_review_date) == (None, None)
    meta = metadata_from_text("Effective Date: TBD\nEffective Date: 07/01/2025", None)
    assert meta.effective_date == "2025-07-01"


# --------------------------------------------------------------------------- history is not the header


def test_a_date_in_revision_history_prose_is_not_the_effective_date() -> None:
    # BCBS North Carolina: the header has no effective date; the update history says "... for effective date ...".
    text = (
        "Corporate Medical Policy\nOrigination: 2/2010 Last Review: 8/2017\n"
        "Policy Implementation/Update Information\n"
        "Notification given 10/1/12 for effective date 1/1/2013. Policy effective 1/1/13.\n"
        "Medical director review 9/2012."
    )
    meta = metadata_from_text(text, None)
    assert meta.effective_date is None and meta.last_review_date == "2017-08"


def _page(history_first: bool) -> bytes:
    header = "<p>Effective Date: 04/15/2025</p><p>Next Review Date: 04/15/2026</p>"
    history = (
        "<h2>Revision Details</h2><table><tr><th>Type of Revision</th><th>Summary of Changes</th>"
        "<th>Effective Date</th></tr><tr><td>Annual review</td><td>No change</td><td>04/15/2024</td></tr>"
        "<tr><td>New policy</td><td>Effective Date moved</td><td>01/01/2019</td></tr></table>"
    )
    body = (history + header) if history_first else (header + "<h2>Coverage Policy</h2><p>Text.</p>" + history)
    return f"<html><head><title>Policy</title></head><body><h1>Policy</h1>{body}</body></html>".encode()


def test_the_header_date_wins_over_a_revision_history_table() -> None:
    # Cigna puts "Revision Details" (with an "Effective Date" column) at the end; the header comes first.
    meta = extract.extract(_page(history_first=False), "html", ["64600"]).metadata
    assert (meta.effective_date, meta.next_review_date) == ("2025-04-15", "2026-04-15")


def test_a_history_header_row_is_not_a_label_for_the_row_below() -> None:
    # The column title "Effective Date" ends a header row whose dates sit in the next rows: no label-date pair.
    # (First labelled match wins: a row that itself reads "Effective Date | <date>" before the header would
    # win; no plan's page was seen with its revision table above the header block.)
    meta = extract.extract(_page(history_first=True), "html", ["64600"]).metadata
    assert meta.effective_date == "2025-04-15"
