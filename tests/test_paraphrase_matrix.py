"""The paraphrase matrix (issue #19, "Proving it"): every stance family of the lexicon and every
negation pattern, each in at least five phrasings, each placed four ways:

* ``sentence``: a sentence of a paragraph under a neutral heading ("Policy"), naming the codes;
* ``caption``: the caption of a code table listing both codes (the caption names no code);
* ``heading``: a heading directly above that code table;
* ``label``: a bold paragraph ending ':' directly above that code table.

Then two codes given two stances in one sentence (whereas / while / but / however / ";"), and
"only when ...; otherwise ..." giving both stances with needs_review. Prior authorization is
tested the same three ways. Statuses follow the team's vocabulary (DESIGN.md): covered =
medically necessary / covered when criteria are met; not_covered = not medically necessary / not
covered; experimental = experimental, investigational, investigative, unproven, not proven,
not established, insufficient evidence. Where a careful reader could take two readings (a
statement that something is *no longer* investigational without saying it is covered), the
expectation is the set of acceptable statuses.

Every document is ours, built here; the phrasings are ordinary English, not any plan's prose.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from html import escape

import pytest

from tracker.extract import extract
from tracker.judge.classify import needs_review, summarize
from tracker.models import Section

CODES = ["64600", "64605"]
D00 = (
    "Destruction by neurolytic agent, trigeminal nerve; supraorbital, infraorbital, mental, or inferior alveolar branch"
)
D05 = "Destruction by neurolytic agent, trigeminal nerve; second and third division branches at foramen ovale"
PROC = "destruction of trigeminal nerve branches"
CITED = f"{PROC} (CPT 64600, 64605)"

COVERED = frozenset({"covered"})
NOT_COVERED = frozenset({"not_covered"})
EXPERIMENTAL = frozenset({"experimental"})
NOT_EXPERIMENTAL = frozenset({"covered", "mentioned"})
"""A statement that takes "experimental" away without saying the service is covered."""


@dataclass(frozen=True)
class Phrasing:
    family: str
    template: str
    """``{p}`` is the procedure (with its codes in a sentence, without them in a caption or heading)."""
    accept: frozenset[str]


def _p(family: str, accept: frozenset[str], *templates: str) -> list[Phrasing]:
    return [Phrasing(family, t, accept) for t in templates]


LEXICON: list[Phrasing] = [
    # ---- cover / covers / covered / coverage / non-covered
    *_p(
        "cover",
        COVERED,
        "{p} is covered when the criteria below are met",
        "The plan covers {p} for members with refractory trigeminal neuralgia",
        "Coverage is available for {p} when the criteria below are met",
    ),
    *_p(
        "cover",
        NOT_COVERED,
        "{p} is not covered",
        "{p} is considered non-covered",
        "The plan does not cover {p}",
    ),
    # ---- medically necessary / appropriate / indicated
    *_p(
        "medically-necessary",
        COVERED,
        "{p} is considered medically necessary when the criteria below are met",
        "{p} may be considered medically appropriate for refractory trigeminal neuralgia",
        "{p} is medically indicated after failure of drug therapy",
    ),
    *_p(
        "medically-necessary",
        NOT_COVERED,
        "{p} is considered not medically necessary",
        "{p} is not medically appropriate for atypical facial pain",
        "{p} is not considered medically indicated for trigeminal neuralgia",
    ),
    # ---- eligible / ineligible
    *_p(
        "eligible",
        COVERED,
        "{p} is eligible for coverage when the criteria below are met",
        "Members are eligible for {p} when the criteria below are met",
        "{p} may be eligible for coverage for members who meet the criteria below",
    ),
    *_p(
        "eligible",
        NOT_COVERED,
        "{p} is ineligible for coverage",
        "{p} is not eligible for coverage",
    ),
    # ---- established / not established
    *_p(
        "established",
        COVERED,
        "{p} is considered established for refractory trigeminal neuralgia",
        "{p} is an established treatment when the criteria below are met",
    ),
    *_p(
        "established",
        EXPERIMENTAL,
        "{p} is considered not established",
        "The effectiveness of {p} has not been established",
        "{p} has not been established as safe and effective",
    ),
    # ---- proven / unproven / not proven
    *_p(
        "proven",
        COVERED,
        "{p} is proven and medically necessary when the criteria below are met",
        "{p} is considered proven for members who meet the criteria below",
    ),
    *_p(
        "proven",
        EXPERIMENTAL,
        "{p} is unproven and not medically necessary",
        "{p} is unproven",
        "{p} is not proven",
        "{p} has not been proven effective",
    ),
    # ---- experimental / investigational / investigative
    *_p(
        "experimental",
        EXPERIMENTAL,
        "{p} is considered experimental",
        "{p} is investigational",
        "{p} is considered investigative",
        "{p} is experimental, investigational, or unproven",
        "The plan considers {p} investigational and not medically necessary",
        "{p} remains investigative for all indications",
    ),
    # ---- insufficient evidence
    *_p(
        "insufficient-evidence",
        EXPERIMENTAL,
        "There is insufficient evidence to support {p}",
        "The evidence is insufficient to determine the effects of {p} on health outcomes",
        "Insufficient evidence exists for {p}",
        "{p} is not supported by sufficient evidence",
        "Published evidence for {p} is insufficient to establish efficacy",
    ),
    # ---- meets / does not meet ... (coverage) criteria
    *_p(
        "meets-criteria",
        COVERED,
        "{p} meets coverage criteria when all of the following apply",
        "{p} meets medical necessity criteria when the conditions below are present",
    ),
    *_p(
        "meets-criteria",
        NOT_COVERED,
        "{p} does not meet coverage criteria",
        "{p} does not meet the plan's medical necessity criteria",
        "{p} does not meet the criteria for coverage",
    ),
    # ---- coverage will (not) be provided
    *_p(
        "will-be-provided",
        COVERED,
        "Coverage will be provided for {p} when the criteria below are met",
        "Coverage for {p} will be provided when the criteria below are met",
    ),
    *_p(
        "will-be-provided",
        NOT_COVERED,
        "Coverage will not be provided for {p}",
        "Coverage for {p} will not be provided",
        "No coverage will be provided for {p}",
    ),
    # ---- Medicare: (not) reasonable and necessary
    *_p(
        "reasonable-and-necessary",
        COVERED,
        "{p} is considered reasonable and necessary when the following criteria are met",
        "{p} is reasonable and necessary for refractory trigeminal neuralgia",
    ),
    *_p(
        "reasonable-and-necessary",
        NOT_COVERED,
        "{p} is not reasonable and necessary",
        "{p} is not considered reasonable and necessary",
        "Medicare does not consider {p} reasonable and necessary",
    ),
    # ---- Medicare covers ...
    *_p(
        "medicare-covers",
        COVERED,
        "Medicare covers {p} when the following criteria are met",
        "Medicare will cover {p} for refractory trigeminal neuralgia",
        "Medicare Part B covers {p} when it is performed for refractory trigeminal neuralgia",
    ),
    *_p(
        "medicare-covers",
        NOT_COVERED,
        "Medicare does not cover {p}",
        "Medicare will not cover {p}",
    ),
]

NEGATIONS: list[Phrasing] = [
    *_p(
        "not",
        NOT_COVERED,
        "{p} is not considered medically necessary",
        "{p} is not covered under the medical benefit",
        "{p} is not a covered service",
        "The plan does not consider {p} medically necessary",
        "{p} is not considered to be medically appropriate",
    ),
    *_p(
        "no-longer",
        COVERED,
        "{p} is no longer considered investigational and is medically necessary when the criteria below are met",
        "{p} is no longer considered experimental and is now covered when the criteria below are met",
    ),
    *_p(
        "no-longer",
        NOT_EXPERIMENTAL,
        "{p} is no longer considered investigational",
        "{p} no longer meets the definition of experimental",
    ),
    *_p(
        "no-longer",
        NOT_COVERED,
        "{p} is no longer covered",
        "{p} is no longer considered medically necessary",
    ),
    *_p(
        "never",
        NOT_COVERED,
        "{p} is never considered medically necessary",
        "{p} is never covered",
        "{p} will never be considered medically necessary for atypical facial pain",
        "{p} is never eligible for coverage",
        "{p} never meets coverage criteria",
    ),
    *_p(
        "neither-nor",
        NOT_COVERED,
        "{p} is neither medically necessary nor covered",
        "{p} is neither covered nor reimbursable",
        "{p} is neither eligible for coverage nor medically necessary",
    ),
    # "unproven and not medically necessary" is experimental in the team's vocabulary (UHC's formula); a reader
    # may also take the "not medically necessary" half: both are fair.
    *_p("neither-nor", frozenset({"experimental", "not_covered"}), "{p} is neither proven nor medically necessary"),
    *_p(
        "neither-nor",
        COVERED,
        "{p} is considered neither experimental nor investigational and is medically necessary when the "
        "criteria below are met",
    ),
    *_p("neither-nor", NOT_EXPERIMENTAL, "{p} is neither experimental nor investigational"),
    *_p(
        "not-experimental-when",
        NOT_EXPERIMENTAL,
        "{p} is not considered experimental when performed for refractory trigeminal neuralgia",
        "{p} is not considered investigational when the criteria below are met",
        "{p} is not regarded as investigational when the member has failed drug therapy",
    ),
    *_p(
        "not-experimental-when",
        COVERED,
        "{p} is not considered experimental or investigational when the criteria below are met and is medically "
        "necessary",
        "{p} is not considered investigational when performed for the indications below; it is covered when the "
        "criteria below are met",
    ),
]

PLACEMENTS = ("sentence", "caption", "heading", "label")
"""``label``: a bold paragraph ending ':' directly above the code table (how most plans caption code tables)."""


def _cap(text: str) -> str:
    return text[0].upper() + text[1:]


def _table(caption: str = "") -> str:
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return (
        f"<table>{cap}<tr><th>CPT Code</th><th>Description</th></tr>"
        f"<tr><td>64600</td><td>{escape(D00)}</td></tr><tr><td>64605</td><td>{escape(D05)}</td></tr></table>"
    )


def document(template: str, placement: str) -> bytes:
    """A small policy page with the stance ``template`` placed one of three ways."""
    if placement == "sentence":
        stance = escape(_cap(template.format(p=CITED)))
        body = (
            "<h2>Policy</h2><p>This policy addresses procedures on the trigeminal nerve. "
            f"{stance}. The criteria are listed in the next section.</p>"
        )
    elif placement == "caption":
        body = "<h2>Coding</h2>" + _table(_cap(template.format(p=PROC)) + ":")
    elif placement == "label":
        body = f"<h2>Coding</h2><p><b>{escape(_cap(template.format(p=PROC)))}:</b></p>{_table()}"
    else:
        body = f"<h2>Coding</h2><h3>{escape(_cap(template.format(p=PROC)))}</h3>{_table()}"
    page = (
        "<!DOCTYPE html><html><head><title>Trigeminal Nerve Procedures</title></head><body>"
        f"<main><h1>Trigeminal Nerve Procedures</h1>{body}"
        "<h2>Background</h2><p>Trigeminal neuralgia causes brief attacks of facial pain.</p></main></body></html>"
    )
    return page.encode()


def _slug(template: str) -> str:
    words = template.replace("{p}", "P").replace(",", "").replace("'", "").split()
    return "-".join(words)[:60]


def _cases(phrasings: list[Phrasing]) -> Iterator[object]:
    for phrasing in phrasings:
        for placement in PLACEMENTS:
            yield pytest.param(phrasing, placement, id=f"{phrasing.family}:{_slug(phrasing.template)}:{placement}")


def _statuses(sections: tuple[Section, ...]) -> set[str]:
    return {s.status for s in sections}


def _assert_stance(phrasing: Phrasing, placement: str) -> None:
    result = extract(document(phrasing.template, placement), "html", CODES)
    for code in CODES:
        sections = result.for_code(code)
        got = _statuses(sections)
        assert sections, f"{code}: no section"
        assert got <= phrasing.accept, f"{code}: {sorted(got)} not within {sorted(phrasing.accept)}"
        if len(phrasing.accept) == 1:
            assert not needs_review(sections), code
        assert summarize(sections)[1] is None, f"{code}: prior auth read where none is stated"


@pytest.mark.parametrize("phrasing,placement", list(_cases(LEXICON)))
def test_lexicon_family_phrasing(phrasing: Phrasing, placement: str) -> None:
    _assert_stance(phrasing, placement)


@pytest.mark.parametrize("phrasing,placement", list(_cases(NEGATIONS)))
def test_negation_pattern_phrasing(phrasing: Phrasing, placement: str) -> None:
    _assert_stance(phrasing, placement)


def test_every_family_and_negation_pattern_has_five_phrasings() -> None:
    count: dict[str, int] = {}
    for phrasing in LEXICON + NEGATIONS:
        count[phrasing.family] = count.get(phrasing.family, 0) + 1
    families = {
        "cover",
        "medically-necessary",
        "eligible",
        "established",
        "proven",
        "experimental",
        "insufficient-evidence",
        "meets-criteria",
        "will-be-provided",
        "reasonable-and-necessary",
        "medicare-covers",
        "not",
        "no-longer",
        "never",
        "neither-nor",
        "not-experimental-when",
    }
    assert set(count) == families
    assert min(count.values()) >= 5, count


# --------------------------------------------------------------------------- two codes, two stances

A00 = "Destruction of the supraorbital or infraorbital branch (CPT 64600)"
A05 = "destruction at the foramen ovale (CPT 64605)"

CONTRASTS = [
    pytest.param(
        f"{A00} is medically necessary for refractory trigeminal neuralgia, whereas {A05} is considered "
        "investigational",
        "covered",
        "experimental",
        id="whereas",
    ),
    pytest.param(
        "While destruction at the foramen ovale (CPT 64605) remains investigational, destruction of the "
        "supraorbital or infraorbital branch (CPT 64600) is considered medically necessary when the criteria "
        "below are met",
        "covered",
        "experimental",
        id="while-first-clause-negative",
    ),
    pytest.param(
        f"{A00} is covered for refractory trigeminal neuralgia, but {A05} is not covered",
        "covered",
        "not_covered",
        id="but",
    ),
    pytest.param(
        f"{A00} meets the medical necessity criteria below; however, {A05} is unproven",
        "covered",
        "experimental",
        id="semicolon-however",
    ),
    pytest.param(
        f"{A00} is considered medically necessary, however {A05} is not medically necessary",
        "covered",
        "not_covered",
        id="comma-however",
    ),
    pytest.param(
        f"{A00} is eligible for coverage; {A05} is considered experimental",
        "covered",
        "experimental",
        id="semicolon",
    ),
    pytest.param(
        f"{A00} is not covered, whereas {A05} is covered when the criteria below are met",
        "not_covered",
        "covered",
        id="whereas-negative-first",
    ),
    pytest.param(
        f"{A00} is investigative, while {A05} is reasonable and necessary for refractory trigeminal neuralgia",
        "experimental",
        "covered",
        id="while-second-clause",
    ),
]


def _paragraph_page(sentence: str, *, listed: bool = False) -> bytes:
    text = escape(sentence) + "."
    block = (
        f"<ul><li>{text}</li></ul>" if listed else f"<p>This policy addresses trigeminal nerve procedures. {text}</p>"
    )
    return (
        "<!DOCTYPE html><html><body><main><h1>Trigeminal Nerve Procedures</h1><h2>Policy</h2>"
        f"{block}<h2>Background</h2><p>Trigeminal neuralgia causes facial pain.</p></main></body></html>"
    ).encode()


@pytest.mark.parametrize("listed", [False, True], ids=["paragraph", "list-item"])
@pytest.mark.parametrize("sentence,first,second", CONTRASTS)
def test_two_codes_in_one_sentence_get_two_stances(sentence: str, first: str, second: str, listed: bool) -> None:
    result = extract(_paragraph_page(sentence, listed=listed), "html", CODES)
    got = {code: _statuses(result.for_code(code)) for code in CODES}
    assert got == {"64600": {first}, "64605": {second}}


# --------------------------------------------------------------------------- only when ...; otherwise ...

OTHERWISE = [
    pytest.param(
        f"{_cap(CITED)} is medically necessary only when drug therapy has failed; otherwise it is not medically "
        "necessary",
        {"covered", "not_covered"},
        id="only-when-semicolon-otherwise-not-mn",
    ),
    pytest.param(
        f"{_cap(CITED)} is covered only if drug therapy has failed; otherwise it is considered investigational",
        {"covered", "experimental"},
        id="only-if-otherwise-investigational",
    ),
    pytest.param(
        f"Only when drug therapy has failed is {CITED} considered medically necessary; otherwise, it is "
        "experimental and investigational",
        {"covered", "experimental"},
        id="inverted-only-when",
    ),
    pytest.param(
        f"{_cap(CITED)} meets coverage criteria only when drug therapy has failed, otherwise it is not covered",
        {"covered", "not_covered"},
        id="meets-criteria-comma-otherwise",
    ),
    pytest.param(
        f"Coverage will be provided for {CITED} only when drug therapy has failed; otherwise coverage will not be "
        "provided",
        {"covered", "not_covered"},
        id="will-be-provided-otherwise",
    ),
]


@pytest.mark.parametrize("sentence,statuses", OTHERWISE)
def test_only_when_otherwise_yields_both_stances_and_needs_review(sentence: str, statuses: set[str]) -> None:
    result = extract(_paragraph_page(sentence), "html", CODES)
    for code in CODES:
        sections = result.for_code(code)
        assert _statuses(sections) == statuses, code
        assert needs_review(sections), code


# --------------------------------------------------------------------------- prior authorization

PRIOR_AUTH = [
    *_p(
        "pa-required",
        frozenset({"true"}),
        "Prior authorization is required for {p}",
        "{p} requires prior authorization",
        "Precertification is required for {p}",
        "{p} is subject to prior approval",
        "{p} requires preauthorization",
    ),
    *_p(
        "pa-not-required",
        frozenset({"false"}),
        "Prior authorization is not required for {p}",
        "{p} does not require prior authorization",
        "No prior authorization is needed for {p}",
        "Precertification is no longer required for {p}",
        "{p} is not subject to prior authorization",
    ),
]


@pytest.mark.parametrize("phrasing,placement", list(_cases(PRIOR_AUTH)))
def test_prior_authorization_phrasing(phrasing: Phrasing, placement: str) -> None:
    result = extract(document(phrasing.template, placement), "html", CODES)
    want = phrasing.accept == {"true"}
    for code in CODES:
        sections = result.for_code(code)
        assert sections, f"{code}: no section"
        assert summarize(sections)[1] is want, code


@pytest.mark.parametrize(
    "sentence",
    [
        "Nerve destruction procedures 64400–64999 require prior authorization",
        "Prior authorization is required for CPT codes 64400 through 64999",
        "Codes in the range 64400-64999 are subject to precertification",
        "Precertification applies to the range 64400 – 64999",
        "All nerve destruction codes (64400-64999) require prior authorization",
    ],
    ids=["en-dash", "through", "hyphen", "spaced-dash", "parenthesised"],
)
def test_prior_authorization_on_a_range_includes_the_codes_inside_it(sentence: str) -> None:
    page = (
        "<!DOCTYPE html><html><body><main><h1>Nerve Destruction</h1><h2>Policy</h2>"
        f"<p>{escape(sentence)}.</p><h2>Coding</h2>{_table()}</main></body></html>"
    ).encode()
    result = extract(page, "html", CODES)
    for code in CODES:
        assert summarize(result.for_code(code))[1] is True, code


def test_a_sentence_going_on_about_another_procedure_gives_no_second_stance() -> None:
    """ "This does not apply to …, which is investigational" speaks of another procedure, not the code's
    "otherwise": the code keeps its one stance and asks for no review."""
    page = (
        "<!DOCTYPE html><html><body><main><h1>Nerve Destruction</h1><h2>Policy</h2>"
        f"<p>{escape(_cap(CITED))} is medically necessary for trigeminal neuralgia. This does not apply to "
        "pulsed radiofrequency, which is investigational.</p></main></body></html>"
    ).encode()
    sections = extract(page, "html", CODES).for_code("64600")
    assert {s.status for s in sections} == {"covered"} and not needs_review(sections)
