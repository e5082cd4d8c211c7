"""Coverage status and prior authorization of a section, what is not policy, and a code's summary.

A text's stance comes from the stance lexicon, clause by clause with negation
(``tracker.judge.stance``: UHC's "unproven and not medically necessary" is experimental, not a
plain denial — the same stance Cigna calls "Experimental/Investigational/Unproven"; within a
clause experimental beats not covered beats covered). Prior authorization comes from a table of
rules read top to bottom, negatives first (they contain their positives).

A section is classified from several texts, most specific first (the sentence or row that
names the code, then the caption / governing statement, then the heading path from the
innermost heading out); the first text with a decisive wording wins. Boilerplate that
names coverage without taking a stance ("does not imply that the service ... is a covered
or non-covered health service") is removed first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, TypeVar

from tracker.judge.stance import TERMS, text_stance
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


STATUS_RULES: tuple[Rule[Status], ...] = tuple(Rule(t.name, t.pattern, t.value, t.example) for t in TERMS)
"""The stance lexicon (tracker.judge.stance.TERMS) as rules, each with its documented example."""

_PA = r"(?:prior\s+authori[sz]ation|pre-?\s?authori[sz]ation|pre-?\s?certification|precert|prior\s+approval)"
PRIOR_AUTH_RULES: tuple[Rule[bool], ...] = (
    _rule(
        "pa-not-required",
        rf"\b{_PA}\s+(?:is\s+|are\s+)?(?:not|no\s+longer)\s+(?:required|needed)",
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
        rf"\b{_PA}(?:\s+(?:of|for)\s+[^.;]{{0,240}}?)?\s+(?:is\s+|are\s+)?(?:required|mandatory)",
        True,
        "Precertification is required.",
    ),
    _rule("pa-subject", rf"\bsubject\s+to\s+{_PA}", True, "Services are subject to prior authorization."),
    _rule("pa-applies", rf"\b{_PA}\s+(?:applies|is\s+needed)\b", True, "Precertification applies to these codes."),
    # Excellus BCBS preauthorization page: "The services below require prior review by the Plan".
    _rule("excellus-prior-review", r"\brequires?\s+prior\s+(?:review|approval)\b", True, "require prior review"),
)
"""Prior-authorization wording → True/False; negatives first, they contain the positives."""

# Coverage words that take no stance: disclaimers above code lists and at the top of policies.
# UHC "does not imply that the service ... is a covered or non-covered health service";
# Anthem "does not constitute or imply member coverage"; Horizon "IMPORTANT NOTE: ... Although a
# service ... may be medically necessary, it may be subject to limitations ... If a service ... is
# not covered"; Florida Blue "... IS NOT AN AUTHORIZATION ..."; BCBS Alabama "Benefits are payable
# ... only in cases of medical necessity and only if services or supplies are not investigational";
# CareFirst "For specific billing codes and instructions, refer to the appropriate coding manual".
_DISCLAIMER = re.compile(
    r"\bdoes\s+not\s+(?:constitute\s+or\s+)?imply\b"
    r"|\bmay\s+be\s+subject\s+to\s+limitations\b"
    r"|\bif\s+a\s+(?:service|procedure)\b[^.]*\bis\s+not\s+covered\s+and\b"
    r"|\bnot\s+an\s+authori[sz]ation\b"
    r"|\bonly\s+in\s+cases\s+of\s+medical\s+necessity\b"
    r"|\bdoes\s+not\s+guarantee\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=\.)")


class _Neutral:
    """Removes the sentences that hold a disclaimer (linear in the text's length)."""

    @staticmethod
    def search(text: str) -> re.Match[str] | None:
        return _DISCLAIMER.search(text)

    @staticmethod
    def sub(repl: str, text: str) -> str:
        if not _DISCLAIMER.search(text):
            return text
        return repl.join(s for s in _SENTENCE_END.split(text) if not _DISCLAIMER.search(s))


_NEUTRAL = _Neutral()


def is_disclaimer(text: str) -> bool:
    """True when ``text`` holds a coverage disclaimer (coverage words that take no stance)."""
    return bool(text) and _NEUTRAL.search(text) is not None


def match_rule(rules: Iterable[Rule[V]], text: str) -> Rule[V] | None:
    """The first rule of ``rules`` that matches ``text`` (disclaimers removed), or None. Negation is the
    stance engine's (``decide``); prior-authorization rules carry theirs in their patterns."""
    text = _NEUTRAL.sub(" ", text)
    return next((rule for rule in rules if rule.pattern.search(text)), None)


def classify_status(*parts: str) -> Status:
    """Status from texts ordered most specific first: the first decisive wording wins."""
    return decide([("", p) for p in parts])[0]


Basis = dict[str, str]
"""Why a section has its status: ``rule`` (a rule name), ``phrase`` (the words that matched) and
``from`` (caption, label, heading, statement, row, or "" when nothing decided)."""

NO_STANCE: Basis = {"rule": "no-stance", "phrase": "", "from": ""}


def decide(parts: Sequence[tuple[str, str]]) -> tuple[Status, Basis]:
    """Status and basis from ``(from, text)`` pairs ordered most specific first.

    The first text that takes a stance decides (clause by clause, with negation: see
    ``tracker.judge.stance``). A text whose only stance words are negated away ("is no longer
    considered investigational") ends the search with no stance: the nearer text beats the heading.
    Neutral texts (disclaimers, qualifiers) never end it.
    """
    for where, part in parts:
        if not part:
            continue
        hit = text_stance(_NEUTRAL.sub(" ", part))
        if hit is None:
            continue
        if hit.status is None:
            return "mentioned", {"rule": hit.rule, "phrase": hit.phrase, "from": where}
        return hit.status, {"rule": hit.rule, "phrase": hit.phrase, "from": where}
    return "mentioned", dict(NO_STANCE)


# Where a mention sits when it is not the plan's policy: references and citations, revision and
# policy history, update tables, related-policy and cross-reference lists, Medicare citations
# inside commercial policies, and the evidence discussion. Seen in: Aetna CPB "Related Policies";
# Cigna "Medicare Coverage Determinations" / "Revision Details"; UHC "Policy History/Revision
# Information", "Related Community Plan Policies"; Premera "RELATED POLICIES" / "HISTORY";
# Florida Blue "Updates"; Regence "Document History"; CareFirst "Cross References" / "Policy Update
# History"; Horizon "Cross Reference:"; BCBS Alabama "Key Points"; Excellus "Policy History".
_ROLE = (
    r"(?:(?:list\s+of\s+)?references?(?:\s+(?:list|cited|sources))?|reference\s+sources|bibliography|citations?|sources|"
    r"(?:literature|works)\s+cited|"
    r"(?:(?:policy|document|revision|review|coverage|change|update|policy\s+update|guideline)\s+)?history|"
    r"revisions?(?:\s+(?:history|information|details|log|summary))?|(?:policy\s+)?updates?(?:\s+history)?|"
    r"summary\s+of\s+changes|change\s+summary|changes|"
    r"related(?:\s+[\w-]+){0,3}|cross[-\s]?references?|see\s+also|"
    r"medicare\s+coverage\s+determinations|key\s+points|"
    r"(?:(?:scientific|general|clinical)\s+)?background(?:\s+information)?|discussion|"
    r"(?:summary\s+of\s+)?(?:the\s+)?(?:clinical\s+|scientific\s+)?evidence(?:\s+(?:review|summary|based))?|"
    r"(?:policy\s+)?rationale|definitions?|glossary|appendix(?:\s+\w+)?|instructions\s+for\s+use|index)"
)
_NOT_POLICY_PART = re.compile(rf"{_ROLE}", re.IGNORECASE)
_HEADING_NUMBER = re.compile(
    r"^\s*(?:[IVXLC]+|[A-Za-z]|\d+(?:\.\d+)*)[.)]\s+|\([^)]*\)|[:*\u00ae\u2122]+", re.IGNORECASE
)
_HEADING_PARTS = re.compile(r"\s*(?:/|&|,|\band\b|\s[-\u2013\u2014]\s)\s*", re.IGNORECASE)


@lru_cache(maxsize=4096)
def is_not_policy_heading(heading: str) -> bool:
    """True when a heading *is* a role that carries no policy: "References", "Policy History/Revision
    Information", "Background and Rationale" — every part of it a role, never a word inside a longer
    heading ("Medical Policy Reference Manual", "Coverage Rationale" are policy)."""
    text = _HEADING_NUMBER.sub(" ", heading).strip().lower()
    parts = [p for p in _HEADING_PARTS.split(text) if p.strip()]
    return bool(parts) and all(_NOT_POLICY_PART.fullmatch(p.strip()) for p in parts)


_NOT_POLICY_LEAD = re.compile(
    r"^\W*(?:cross[-\s]?references?|related\s+(?:policies|policy|documents?|guidelines?)|see\s+also|"
    r"note:\s*please\s+see\s+the\s+following\s+related|references?)\s*:",
    re.IGNORECASE,
)
# History/update tables, whatever their heading: "Date | Summary of Changes", "Date | Action", "Comments".
_HISTORY_HEADER = re.compile(
    r"\b(?:summary\s+of\s+changes|change|action|comments?|revision|type\s+of\s+revision)\b", re.I
)


def not_policy(headings: Sequence[str], text: str = "", header: Sequence[str] = ()) -> str:
    """Why a passage is not the plan's stance ("" when it is policy): its heading, its lead label or its table."""
    for heading in headings:
        if is_not_policy_heading(heading):
            return heading
    if _NOT_POLICY_LEAD.match(text):
        return text.split(":", 1)[0]
    if header and any(h.strip().lower() == "date" for h in header) and any(_HISTORY_HEADER.search(h) for h in header):
        return " | ".join(header)
    return ""


_FROM_WORDS = {
    "caption": "table caption",
    "label": "label",
    "heading": "heading",
    "statement": "statement",
    "row": "table row",
}


def describe_basis(basis: Mapping[str, str] | None, status: str | None = None) -> str:
    """One line for a reader: "covered — table caption: 'covered if selection criteria are met'".

    ``status`` (the section's) leads the line when given. A section under references, history
    and the like says so ("mentioned — not policy: heading 'References'").
    """
    lead = f"{status} — " if status else ""
    if not basis or not basis.get("rule") or basis.get("rule") == "no-stance":
        return f"{lead}no wording that takes a stance"
    if basis["rule"] == "not-policy":
        where = _FROM_WORDS.get(basis.get("from", ""), basis.get("from", ""))
        return f"{lead}not policy: {where} '{basis.get('phrase', '')}'"
    where = _FROM_WORDS.get(basis.get("from", ""), basis.get("from", "") or "text")
    return f"{lead}{where}: '{basis.get('phrase', '')}' (rule {basis['rule']})"


def classify_prior_auth(*parts: str) -> bool | None:
    """True if the texts require prior authorization, False if they say none is needed, else None."""
    for part in parts:
        rule = match_rule(PRIOR_AUTH_RULES, part) if _PA_STEM.search(part) else None
        if rule is not None:
            return rule.value
    return None


_PA_STEM = re.compile(r"auth|cert|approval|review", re.IGNORECASE)
"""A stem of every prior-authorization rule: a text without one states none (most text), read at once."""


_INCIDENTAL = re.compile(r"(?:description|description\s+of\s+(?:services?|procedures?|technology|the\s+\w+))")
"""Incidental headings that are still policy documents' own text (a description of the service)."""
RELATED_CAPTION = re.compile(r"\b(?:related|other\s+(?:cpt|hcpcs)?\s*codes)\b", re.IGNORECASE)
"""A caption that lists codes as related, not as governed: Aetna "Other CPT codes related to the CPB:"."""
_CODE_LIST = re.compile(r"\b(?:cod(?:e|es|ing)|billing|cpt|hcpcs|group\s+\d+)\b", re.IGNORECASE)
CODE_LIST = _CODE_LIST
"""Heading words of a code list or code table."""


def section_tier(section: Section) -> int:
    """0 = code table or code list, 1 = policy statement (or unlabelled), 2 = incidental mention."""
    if any(is_not_policy_heading(h) or _INCIDENTAL.fullmatch(h.strip().lower()) for h in section.heading.split(" › ")):
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
    """True when the sections that decide a code's status disagree (``summarize`` picked one of several),
    or when one of them got its stance by a weak link (``basis["review"]``: few shared words, a rival
    statement close behind, a document stance about a procedure rather than its codes).

    Only the deciding tier counts (see ``summarize``): a code covered in one table and
    experimental in another, for different indications, needs a reader; a covered table
    and an experimental mention in the background does not.
    """
    for tier in (0, 1, 2):
        deciding = [s for s in sections if section_tier(s) == tier and s.status in STATUS_ORDER]
        if deciding:
            return len({s.status for s in deciding}) > 1 or any((s.basis or {}).get("review") for s in deciding)
    return False
