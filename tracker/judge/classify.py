"""Coverage status and prior authorization of a section, decided by wording rules.

The rules are tables, read top to bottom; the first rule that matches decides. Their order
is the precedence, and it matters:

* "unproven and not medically necessary" (UHC) and "investigational and not medically
  necessary" (Anthem) come before "not medically necessary": the payer is saying the
  evidence is insufficient, which is the ``experimental`` status, not a plain denial.
  Judgement call: UHC's "unproven" means "not supported by clinical evidence", the same
  stance Cigna calls "Experimental/Investigational/Unproven", so both map to experimental.
* experimental / investigational / unproven come before every "not covered" wording, so
  "not covered because it is investigational" is experimental.
* every negative ("not medically necessary", "not covered", "non-covered") comes before
  its positive ("medically necessary", "covered"), which it contains.

A section is classified from several texts, most specific first (the sentence or row that
names the code, then the caption / governing statement, then the heading path from the
innermost heading out); the first text with a decisive wording wins. Boilerplate that
names coverage without taking a stance ("does not imply that the service ... is a covered
or non-covered health service") is removed first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from tracker.models import Section, Status

V = TypeVar("V", bool, Status)

STATUS_ORDER: tuple[Status, ...] = ("covered", "not_covered", "experimental")
"""Most favourable first: the order ``summarize`` breaks ties with."""


@dataclass(frozen=True)
class Rule(Generic[V]):
    """A wording rule: ``pattern`` found in a text means ``value``; ``example`` documents it."""

    name: str
    pattern: re.Pattern[str]
    value: V
    example: str


def _rule(name: str, pattern: str, value: V, example: str) -> Rule[V]:
    return Rule(name, re.compile(pattern, re.IGNORECASE), value, example)


_MN = r"medically\s+necessary"
STATUS_RULES: tuple[Rule[Status], ...] = (
    _rule(
        "uhc-unproven",
        rf"\bunproven\s+and\s+not\s+{_MN}",
        "experimental",
        "Destruction of the supraorbital nerve (CPT code 64600) is unproven and not medically necessary.",
    ),
    _rule(
        "anthem-investigational",
        rf"\binvestigational\s+and\s+not\s+{_MN}",
        "experimental",
        "Pulsed radiofrequency is considered investigational and not medically necessary.",
    ),
    _rule(
        "cigna-eiu",
        r"\bexperimental\s*/\s*investigational\s*/\s*unproven\b",
        "experimental",
        "Considered Experimental/Investigational/Unproven:",
    ),
    _rule(
        "aetna-e-and-i",
        r"\bexperimental\s+and\s+investigational\b",
        "experimental",
        "Aetna considers the following interventions experimental and investigational:",
    ),
    _rule(
        "experimental", r"\bexperimental\b", "experimental", "is considered experimental, investigational or unproven"
    ),
    _rule("investigational", r"\binvestigational\b", "experimental", "BCBS considers this procedure investigational."),
    _rule("unproven", r"\bunproven\b", "experimental", "The procedure is unproven for this use."),
    _rule(
        "not-medically-necessary",
        rf"\bnot\s+(?:considered\s+|be\s+|deemed\s+)?{_MN}",
        "not_covered",
        "When services are Not Medically Necessary:",
    ),
    _rule(
        "medicare-not-reasonable",
        r"\bnot\s+(?:considered\s+)?reasonable\s+and\s+necessary\b",
        "not_covered",
        "Group 2 Paragraph: These services are not reasonable and necessary.",
    ),
    _rule(
        "aetna-not-covered",
        r"\bnot\s+(?:be\s+)?covered\b",
        "not_covered",
        "CPT codes not covered for indications listed in the CPB:",
    ),
    _rule(
        "non-covered", r"\bnon-?\s?covered\b", "not_covered", "Group 3 Paragraph: The following codes are non-covered."
    ),
    _rule(
        "aetna-covered",
        r"\bcovered\s+if\s+selection\s+criteria\s+are\s+met\b",
        "covered",
        "CPT codes covered if selection criteria are met:",
    ),
    _rule(
        "cigna-medically-necessary",
        rf"\bconsidered\s+{_MN}\s+when\s+criteria\b",
        "covered",
        "Considered Medically Necessary when criteria in the applicable policy statements listed above are met:",
    ),
    _rule(
        "uhc-proven",
        rf"\bproven\s+and\s+{_MN}",
        "covered",
        "is proven and medically necessary for supraorbital neuralgia",
    ),
    _rule("medically-necessary", rf"\b{_MN}\b", "covered", "Medically Necessary:"),
    _rule(
        "medicare-reasonable",
        r"\breasonable\s+and\s+necessary\b",
        "covered",
        "Group 1 Paragraph: The following codes are reasonable and necessary when billed for this LCD.",
    ),
    _rule("covered", r"\bcovered\b", "covered", "Group 1 Paragraph: The following codes are covered."),
)
"""Coverage wording → status; first match wins (see the module docstring for the order)."""

_PA = r"(?:prior\s+authori[sz]ation|pre-?\s?authori[sz]ation|pre-?\s?certification|precert)"
PRIOR_AUTH_RULES: tuple[Rule[bool], ...] = (
    _rule(
        "pa-not-required",
        rf"\b{_PA}\s+(?:is\s+|are\s+)?not\s+(?:required|needed)",
        False,
        "*Prior authorization is not required for this code.",
    ),
    _rule(
        "pa-none-required", rf"\bno\s+{_PA}\s+(?:is\s+)?(?:required|needed)", False, "No precertification is required."
    ),
    _rule(
        "pa-does-not-require",
        rf"\b(?:does|do)\s+not\s+require\s+(?:an?\s+)?{_PA}",
        False,
        "This service does not require prior authorization.",
    ),
    _rule(
        "pa-not-subject", rf"\bnot\s+subject\s+to\s+{_PA}", False, "These codes are not subject to prior authorization."
    ),
    _rule("pa-requires", rf"\brequires?\s+(?:an?\s+)?{_PA}", True, "Note: Requires Precertification:"),
    _rule(
        "pa-required",
        rf"\b{_PA}(?:\s+(?:of|for)\s+[^.]{{0,80}}?)?\s+(?:is\s+|are\s+)?(?:required|mandatory)",
        True,
        "Precertification is required.",
    ),
    _rule("pa-subject", rf"\bsubject\s+to\s+{_PA}", True, "Services are subject to prior authorization."),
)
"""Prior-authorization wording → True/False; negatives first, they contain the positives."""

# Coverage words that take no stance: disclaimers above code lists.
_NEUTRAL = re.compile(r"[^.]*\bdoes\s+not\s+(?:constitute\s+or\s+)?imply\b[^.]*\.?", re.IGNORECASE)
# "no longer considered experimental", "is not investigational": a stance *against* E/I/U, so the
# keyword must not decide; the rest of the sentence ("... and is medically necessary") does.
_EIU = r"(?:experimental|investigational|unproven)"
_NEGATED_EIU = re.compile(
    rf"\b(?:no\s+longer|not)\s+(?:(?:be|being|considered|deemed|regarded\s+as)\s+)*{_EIU}"
    rf"(?:\s*(?:,|/|\bor\b|\band\b)\s*{_EIU})*\b",
    re.IGNORECASE,
)


def match_rule(rules: Iterable[Rule[V]], text: str) -> Rule[V] | None:
    """The first rule of ``rules`` that matches ``text`` (disclaimers and negated E/I/U removed), or None."""
    text = _NEGATED_EIU.sub(" ", _NEUTRAL.sub(" ", text))
    return next((rule for rule in rules if rule.pattern.search(text)), None)


def classify_status(*parts: str) -> Status:
    """Status from texts ordered most specific first: the first decisive wording wins."""
    for part in parts:
        rule = match_rule(STATUS_RULES, part)
        if rule is not None:
            return rule.value
    return "mentioned"


def classify_prior_auth(*parts: str) -> bool | None:
    """True if the texts require prior authorization, False if they say none is needed, else None."""
    for part in parts:
        rule = match_rule(PRIOR_AUTH_RULES, part)
        if rule is not None:
            return rule.value
    return None


# Heading words that tell where a section sits: code lists, policy statements, or discussion.
_INCIDENTAL = re.compile(
    r"\b(?:background|references?|history|revision|description|discussion|clinical evidence|"
    r"summary of evidence|instructions|definitions|index|related|medicare coverage determinations|"
    r"key points|appendix)\b|(?<!coverage )\brationale\b",
    re.IGNORECASE,
)
_CODE_LIST = re.compile(r"\b(?:cod(?:e|es|ing)|billing|cpt|hcpcs|group\s+\d+)\b", re.IGNORECASE)


def section_tier(section: Section) -> int:
    """0 = code table or code list, 1 = policy statement (or unlabelled), 2 = incidental mention."""
    if _INCIDENTAL.search(section.heading):
        return 2
    if _CODE_LIST.search(section.heading):
        return 0
    return 1


def summarize(sections: Sequence[Section]) -> tuple[Status, bool | None]:
    """One status and prior_auth for a code from all its sections in one document.

    Status: the best-placed tier that takes a stance decides — code tables and code lists
    first, then policy statements (and sections under no recognised heading), then
    incidental mentions (background, references, history, revision notes, Medicare
    summaries). Within that tier, the most favourable status wins (covered, then
    not_covered, then experimental), because a code listed as covered under some criteria
    is payable; the other sections still show in the text diff. No stance anywhere gives
    "mentioned"; no sections give "absent".

    prior_auth: from code-table and policy sections only (history notes about old prior-auth
    rules are ignored): True if any requires it, else False if any says it is not required,
    else None.
    """
    if not sections:
        return "absent", None
    status: Status = "mentioned"
    for tier in (0, 1, 2):
        found = {s.status for s in sections if section_tier(s) == tier and s.status in STATUS_ORDER}
        if found:
            status = min(found, key=STATUS_ORDER.index)
            break
    flags = {s.prior_auth for s in sections if section_tier(s) < 2 and s.prior_auth is not None}
    prior_auth = True if True in flags else False if False in flags else None
    return status, prior_auth


def needs_review(sections: Sequence[Section]) -> bool:
    """True when the sections that decide a code's status disagree (``summarize`` picked one of several).

    Only the deciding tier counts (see ``summarize``): a code covered in one table and
    experimental in another, for different indications, needs a reader; a covered table
    and an experimental mention in the background does not.
    """
    for tier in (0, 1, 2):
        found = {s.status for s in sections if section_tier(s) == tier and s.status in STATUS_ORDER}
        if found:
            return len(found) > 1
    return False
