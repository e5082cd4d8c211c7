"""Bold paragraphs written for headings open heading scopes as <hN> do (issue #12).

A statement at the top of a section governs the tables under its sub-headings, whether the
headings are <h2>/<h3> or bold paragraphs; a bold heading over a list keeps its rank.
"""

from __future__ import annotations

from tests.samples import D64600, D64605
from tracker.extract import extract
from tracker.judge.classify import summarize

STATEMENT = "The procedure codes below are considered investigational and not medically necessary."


def _page(body: str) -> bytes:
    return f"<html><head><title>Policy</title></head><body>{body}</body></html>".encode()


def _table(code: str, text: str) -> str:
    return f"<table><tr><td>{code}</td><td>{text}</td></tr></table>"


def _coding(h2: str, h3: str) -> bytes:
    """A "Coding" section: a statement, then two sub-headed tables, then a discussion."""
    open2, close2 = h2.split("|")
    open3, close3 = h3.split("|")
    return _page(
        f"{open2}Coding{close2}<p>{STATEMENT}</p>"
        f"{open3}CPT{close3}{_table('64600', D64600)}"
        f"{open3}More CPT{close3}{_table('64605', D64605)}"
        f"{open2}Discussion{close2}<p>Case series of 64600 report relief.</p>"
    )


def _statuses(body: bytes) -> dict[str, str]:
    result = extract(body, "html", ["64600", "64605"])
    return {code: summarize(result.for_code(code))[0] for code in ("64600", "64605")}


def _headings(body: bytes) -> list[str]:
    return [s.heading for s in extract(body, "html", ["64600", "64605"]).sections]


def test_bold_sub_headings_under_a_bold_heading_read_as_h3_under_h2() -> None:
    sized = _coding("<h2>|</h2>", "<h3>|</h3>")
    bold = _coding("<p><b>|</b></p>", "<p><b>|</b></p>")
    assert _statuses(sized) == _statuses(bold) == {"64600": "experimental", "64605": "experimental"}
    assert _headings(bold) == _headings(sized) == ["Coding › CPT", "Coding › More CPT", "Discussion"]


def test_bold_sub_headings_under_an_h2() -> None:
    mixed = _coding("<h2>|</h2>", "<p><strong>|</strong></p>")
    assert _statuses(mixed) == {"64600": "experimental", "64605": "experimental"}
    assert _headings(mixed) == ["Coding › CPT", "Coding › More CPT", "Discussion"]


def test_a_bold_heading_over_a_policy_statement_keeps_its_rank() -> None:
    """A statement about procedures, not about the codes that follow: "Coding" is its sibling, as with <h2>."""

    def page(open_: str, close: str) -> bytes:
        return _page(
            f"{open_}Policy{close}<p>Neurolysis is considered medically necessary for refractory neuralgia.</p>"
            f"<p>Cryoablation is considered not medically necessary.</p>{open_}Coding{close}{_table('64600', D64600)}"
        )

    for body in (page("<h2>", "</h2>"), page("<p><b>", "</b></p>")):
        assert [(s.status, s.heading) for s in extract(body, "html", ["64600"]).sections] == [("mentioned", "Coding")]


def test_a_bold_heading_over_a_list_keeps_its_rank() -> None:
    body = _page(
        "<p><b>Related Policies</b></p><ul><li>Pulsed Radiofrequency</li></ul>"
        f"<p><b>CPT Codes</b></p>{_table('64600', D64600)}"
    )
    result = extract(body, "html", ["64600"])
    assert [s.heading for s in result.sections] == ["CPT Codes"]
    assert result.sections[0].basis.get("rule") != "not-policy"
