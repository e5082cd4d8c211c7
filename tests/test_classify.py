"""Status and prior-auth rules: one test per rule (its documented example), then precedence."""

from __future__ import annotations

import pytest

from tracker.judge.classify import (
    PRIOR_AUTH_RULES,
    STATUS_RULES,
    Rule,
    classify_prior_auth,
    classify_status,
    match_rule,
    section_tier,
    summarize,
)
from tracker.models import Section


@pytest.mark.parametrize("rule", STATUS_RULES, ids=[r.name for r in STATUS_RULES])
def test_status_rule(rule: Rule) -> None:
    assert match_rule(STATUS_RULES, rule.example) is rule
    assert classify_status(rule.example) == rule.value


@pytest.mark.parametrize("rule", PRIOR_AUTH_RULES, ids=[r.name for r in PRIOR_AUTH_RULES])
def test_prior_auth_rule(rule: Rule) -> None:
    assert match_rule(PRIOR_AUTH_RULES, rule.example) is rule
    assert classify_prior_auth(rule.example) is rule.value


@pytest.mark.parametrize(
    "text,status",
    [
        # Negatives contain their positives; the table order puts them first.
        ("Radiofrequency neurolysis is considered not medically necessary.", "not_covered"),
        ("These services are not covered.", "not_covered"),
        ("is unproven and not medically necessary", "experimental"),
        ("Investigational and Not Medically Necessary:", "experimental"),
        ("CPT codes not covered for indications listed in the CPB:", "not_covered"),
        ("CPT codes covered if selection criteria are met:", "covered"),
        # Words that only look like coverage wording.
        ("Coverage Policy", "mentioned"),
        ("Peripheral branch neurolysis (CPT 64600) can be repeated.", "mentioned"),
        # Disclaimers above code lists take no stance.
        (
            "Listing of a code in this policy does not imply that the service described by the code is a covered "
            "or non-covered health service.",
            "mentioned",
        ),
        (
            "Inclusion or exclusion of a code does not constitute or imply member coverage or provider "
            "reimbursement policy.",
            "mentioned",
        ),
    ],
)
def test_status_precedence(text: str, status: str) -> None:
    assert classify_status(text) == status


def test_most_specific_text_decides() -> None:
    row = "64600 | Destruction by neurolytic agent"
    caption = "Considered Experimental/Investigational/Unproven:"
    assert classify_status(row, caption, "Coding Information") == "experimental"
    assert classify_status("is medically necessary", "Not Medically Necessary:") == "covered"
    assert classify_status("", "", "") == "mentioned"


@pytest.mark.parametrize(
    "texts,expected",
    [
        (("Precertification is required.",), True),
        (("Precertification of percutaneous neurolysis is required.",), True),
        (("Prior authorization is not required for this code.", "Precertification is required."), False),
        (("Destruction by neurolytic agent",), None),
        (("Prior authorization requirements are described in the provider manual.",), None),
    ],
)
def test_prior_auth_from_texts(texts: tuple[str, ...], expected: bool | None) -> None:
    assert classify_prior_auth(*texts) is expected


def _section(heading: str, status: str, prior_auth: bool | None = None) -> Section:
    return Section(code="64600", heading=heading, text="…", status=status, prior_auth=prior_auth)


@pytest.mark.parametrize(
    "heading,tier",
    [
        ("Coding Information › Considered Experimental/Investigational/Unproven", 0),
        ("Applicable Codes", 0),
        ("III. PROCEDURE CODES", 0),
        ("Coverage Policy", 1),
        ("Coverage Rationale", 1),
        ("Clinical Indications › Medically Necessary", 1),
        ("", 1),
        ("Background", 2),
        ("General Background › Clinical Studies", 2),
        ("Policy History/Revision Information", 2),
        ("Revision Details", 2),
        ("References", 2),
        ("Rationale", 2),
    ],
)
def test_section_tier(heading: str, tier: int) -> None:
    assert section_tier(_section(heading, "mentioned")) == tier


def test_summarize_prefers_code_tables_over_incidental_mentions() -> None:
    sections = [
        _section("Coding Information › Considered Experimental/Investigational/Unproven", "experimental"),
        _section("Revision Details", "covered"),
    ]
    assert summarize(sections) == ("experimental", None)


def test_summarize_falls_back_to_policy_statements_when_tables_take_no_stance() -> None:
    sections = [_section("Coverage Rationale", "experimental"), _section("Applicable Codes", "mentioned", False)]
    assert summarize(sections) == ("experimental", False)


def test_summarize_most_favourable_status_within_a_tier() -> None:
    sections = [
        _section("Coding › Pulsed Radiofrequency", "experimental"),
        _section("Coding › Radiofrequency Neurolysis", "covered"),
    ]
    assert summarize(sections)[0] == "covered"


def test_summarize_prior_auth_true_wins_and_history_is_ignored() -> None:
    sections = [_section("Coding", "covered", False), _section("Policy", "covered", True)]
    assert summarize(sections) == ("covered", True)
    sections = [_section("Coding", "covered"), _section("Policy History", "mentioned", True)]
    assert summarize(sections) == ("covered", None)


def test_summarize_edge_cases() -> None:
    assert summarize([]) == ("absent", None)
    assert summarize([_section("Background", "mentioned")]) == ("mentioned", None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Neurolysis (64600) is no longer considered experimental and is medically necessary when criteria are met.",
            "covered",
        ),
        ("This procedure is not investigational; it is covered if selection criteria are met.", "covered"),
        (
            "The procedure is not considered experimental or investigational but is not medically necessary.",
            "not_covered",
        ),
        ("No longer considered investigational.", "mentioned"),
    ],
    ids=["no-longer-experimental", "not-investigational", "negated-then-denied", "negation-alone-takes-no-stance"],
)
def test_negated_experimental_wording_does_not_decide(text: str, expected: str) -> None:
    assert classify_status(text) == expected


def test_describe_basis_reads_as_a_sentence() -> None:
    from tracker.judge.classify import decide, describe_basis

    status, basis = decide([("caption", "CPT codes covered if selection criteria are met:")])
    assert status == "covered" and basis == {
        "rule": "aetna-covered",
        "phrase": "covered if selection criteria are met",
        "from": "caption",
    }
    assert describe_basis(basis, status) == (
        "covered — table caption: 'covered if selection criteria are met' (rule aetna-covered)"
    )
    assert describe_basis({"rule": "not-policy", "phrase": "References", "from": "heading"}, "mentioned") == (
        "mentioned — not policy: heading 'References'"
    )
    assert describe_basis(None) == "no wording that takes a stance"


def test_needs_review_when_deciding_sections_disagree() -> None:
    from tracker.judge.classify import needs_review
    from tracker.models import Section

    covered = Section("64600", "Coding › Covered", "64600", "covered", None)
    experimental = Section("64600", "Coding › Experimental", "64600", "experimental", None)
    background = Section("64600", "Background", "64600", "experimental", None)
    assert needs_review([covered, experimental])
    assert not needs_review([covered, background])
