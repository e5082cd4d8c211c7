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
from collections.abc import Iterable, Mapping, Sequence
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
    # UHC commercial medical policies (2021T0080FF, Occipital Nerve Injections and Ablation).
    _rule(
        "uhc-unproven",
        rf"\bunproven\s+and\s+not\s+{_MN}",
        "experimental",
        "Destruction of the supraorbital nerve (CPT code 64600) is unproven and not medically necessary.",
    ),
    # Anthem/Elevance CG-SURG-89, SURG.00066; Anthem provider news "INV & NMN statement".
    _rule(
        "anthem-investigational",
        rf"\binvestigational\s+and\s+not\s+{_MN}",
        "experimental",
        "Pulsed radiofrequency is considered investigational and not medically necessary.",
    ),
    # Cigna coverage policies 0525 and 0063, Coding Information tables.
    _rule(
        "cigna-eiu",
        r"\bexperimental\s*/\s*investigational\s*/\s*unproven\b",
        "experimental",
        "Considered Experimental/Investigational/Unproven:",
    ),
    # Aetna CPB 0374 ("II. Experimental and Investigational"); Aetna CPB index page.
    _rule(
        "aetna-e-and-i",
        r"\bexperimental\s+and\s+investigational\b",
        "experimental",
        "Aetna considers the following interventions experimental and investigational:",
    ),
    # Generic formulas, every plan: Highmark Z-67-096 "experimental/investigational"; Premera 7.01.126
    # "is considered investigational"; Regence "investigational denial"; CareFirst medical-policy page.
    _rule(
        "experimental", r"\bexperimental\b", "experimental", "is considered experimental, investigational or unproven"
    ),
    _rule("investigational", r"\binvestigational\b", "experimental", "BCBS considers this procedure investigational."),
    _rule("unproven", r"\bunproven\b", "experimental", "The procedure is unproven for this use."),
    # BCBS Alabama medical policies (MP-314 and its template): "does not meet Blue Cross and Blue
    # Shield of Alabama's medical criteria for coverage [and is considered investigational]".
    _rule(
        "bcbsal-does-not-meet-criteria",
        r"\bdoes\s+not\s+meet\s+[^.]{0,80}?\bmedical\s+criteria\s+for\s+coverage\b",
        "not_covered",
        "does not meet Blue Cross and Blue Shield of Alabama's medical criteria for coverage",
    ),
    # Florida Blue Medical Coverage Guidelines (02-61000-29 Nerve Block Injections).
    _rule(
        "floridablue-not-medical-necessity",
        r"\bdoes\s+not\s+meet\s+the\s+definition\s+of\s+medical\s+necessity\b",
        "not_covered",
        "does not meet the definition of medical necessity",
    ),
    # Excellus BCBS corporate medical policies: "is not medically appropriate".
    _rule(
        "excellus-not-appropriate", r"\bnot\s+medically\s+appropriate\b", "not_covered", "is not medically appropriate"
    ),
    # UHC Coverage Determination Guidelines (CDG.007.21): "not eligible for coverage".
    _rule("uhc-not-eligible", r"\bnot\s+eligible\s+for\s+coverage\b", "not_covered", "is not eligible for coverage"),
    # Anthem CG-SURG-89 labels; Highmark Z-24-098; Excellus experimental-procedures page.
    _rule(
        "not-medically-necessary",
        rf"\bnot\s+(?:considered\s+|be\s+|deemed\s+)?{_MN}",
        "not_covered",
        "When services are Not Medically Necessary:",
    ),
    # Medicare billing-and-coding articles (A52725 template), Group 2 paragraphs.
    _rule(
        "medicare-not-reasonable",
        r"\bnot\s+(?:considered\s+)?reasonable\s+and\s+necessary\b",
        "not_covered",
        "Group 2 Paragraph: These services are not reasonable and necessary.",
    ),
    # Aetna CPB 0374 code table: "CPT codes not covered for indications listed in the CPB:".
    _rule(
        "aetna-not-covered",
        r"\bnot\s+(?:be\s+)?covered\b",
        "not_covered",
        "CPT codes not covered for indications listed in the CPB:",
    ),
    # BCBS MA policy 400 "Non-Covered CPT Codes"; Highmark "non-covered"; LCD L33777 "Noncovered Services".
    _rule(
        "non-covered", r"\bnon-?\s?covered\b", "not_covered", "Group 3 Paragraph: The following codes are non-covered."
    ),
    # BCBS Alabama: "meets Blue Cross and Blue Shield of Alabama's medical criteria for coverage".
    _rule(
        "bcbsal-meets-criteria",
        r"\bmeets?\s+[^.]{0,80}?\bmedical\s+criteria\s+for\s+coverage\b",
        "covered",
        "meets Blue Cross and Blue Shield of Alabama's medical criteria for coverage",
    ),
    # Florida Blue MCG 02-61000-29: "meet(s) the definition of medical necessity".
    _rule(
        "floridablue-medical-necessity",
        r"\bmeets?\s+the\s+definition\s+of\s+medical\s+necessity\b",
        "covered",
        "meets the definition of medical necessity",
    ),
    # Excellus BCBS corporate medical policies: "is medically appropriate".
    _rule("excellus-appropriate", r"\bmedically\s+appropriate\b", "covered", "is medically appropriate"),
    # UHC Coverage Determination Guideline CDG.007.21: "eligible for coverage as ... medically necessary".
    _rule("uhc-eligible", r"\beligible\s+for\s+coverage\b", "covered", "are eligible for coverage"),
    # BCBS Michigan billing charts (The Record, 2013): "is considered established" (= payable).
    _rule("bcbsm-established", r"\bconsidered\s+established\b", "covered", "is considered established"),
    # Aetna CPB 0374 code table: "CPT codes covered if selection criteria are met:".
    _rule(
        "aetna-covered",
        r"\bcovered\s+if\s+selection\s+criteria\s+are\s+met\b",
        "covered",
        "CPT codes covered if selection criteria are met:",
    ),
    # Cigna 0525 Coding Information: "Considered Medically Necessary when criteria ...".
    _rule(
        "cigna-medically-necessary",
        rf"\bconsidered\s+{_MN}\s+when\s+criteria\b",
        "covered",
        "Considered Medically Necessary when criteria in the applicable policy statements listed above are met:",
    ),
    # UHC commercial policies: "proven and medically necessary"; Community Plan CS086 family.
    _rule(
        "uhc-proven",
        rf"\bproven\s+and\s+{_MN}",
        "covered",
        "is proven and medically necessary for supraorbital neuralgia",
    ),
    # Premera "may be considered medically necessary"; BCBS MA "covered when medically necessary".
    _rule("medically-necessary", rf"\b{_MN}\b", "covered", "Medically Necessary:"),
    # Medicare billing-and-coding articles, Group 1 paragraphs (A52725 template).
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
# "no longer considered experimental", "is not investigational": a stance *against* E/I/U, so the
# keyword must not decide; the rest of the sentence ("... and is medically necessary") does.
_EIU = r"(?:experimental|investigational|unproven)"
_NEGATED_EIU = re.compile(
    rf"\b(?:no\s+longer|not)\s+(?:(?:be|being|considered|deemed|regarded\s+as)\s+)*{_EIU}"
    rf"(?:\s*(?:,|/|\bor\b|\band\b)\s*{_EIU})*\b",
    re.IGNORECASE,
)


def is_disclaimer(text: str) -> bool:
    """True when ``text`` holds a coverage disclaimer (coverage words that take no stance)."""
    return bool(text) and _NEUTRAL.search(text) is not None


def match_rule(rules: Iterable[Rule[V]], text: str) -> Rule[V] | None:
    """The first rule of ``rules`` that matches ``text`` (disclaimers and negated E/I/U removed), or None."""
    text = _NEGATED_EIU.sub(" ", _NEUTRAL.sub(" ", text))
    return next((rule for rule in rules if rule.pattern.search(text)), None)


def classify_status(*parts: str) -> Status:
    """Status from texts ordered most specific first: the first decisive wording wins."""
    return decide([("", p) for p in parts])[0]


Basis = dict[str, str]
"""Why a section has its status: ``rule`` (a rule name), ``phrase`` (the words that matched) and
``from`` (caption, label, heading, statement, row, or "" when nothing decided)."""

NO_STANCE: Basis = {"rule": "no-stance", "phrase": "", "from": ""}


def decide(parts: Sequence[tuple[str, str]]) -> tuple[Status, Basis]:
    """Status and basis from ``(from, text)`` pairs ordered most specific first: the first decisive wording wins."""
    for where, part in parts:
        if not part:
            continue
        text = _NEGATED_EIU.sub(" ", _NEUTRAL.sub(" ", part))
        for rule in STATUS_RULES:
            found = rule.pattern.search(text)
            if found:
                return rule.value, {"rule": rule.name, "phrase": " ".join(found.group(0).split()), "from": where}
    return "mentioned", dict(NO_STANCE)


# Where a mention sits when it is not the plan's policy: references and citations, revision and
# policy history, update tables, related-policy and cross-reference lists, Medicare citations
# inside commercial policies, and the evidence discussion. Seen in: Aetna CPB "Related Policies";
# Cigna "Medicare Coverage Determinations" / "Revision Details"; UHC "Policy History/Revision
# Information", "Related Community Plan Policies"; Premera "RELATED POLICIES" / "HISTORY";
# Florida Blue "Updates"; Regence "Document History"; CareFirst "Cross References" / "Policy Update
# History"; Horizon "Cross Reference:"; BCBS Alabama "Key Points"; Excellus "Policy History".
_NOT_POLICY_HEADING = re.compile(
    r"\b(?:references?|bibliography|citations?|sources|history|revisions?|updates?|"
    r"summary\s+of\s+changes|change\s+summary|related|cross[-\s]?references?|see\s+also|"
    r"medicare\s+coverage\s+determinations|key\s+points|background|discussion|clinical\s+evidence|"
    r"summary\s+of\s+evidence|scientific\s+evidence|definitions|appendix|instructions\s+for\s+use)\b"
    r"|(?<!coverage )\brationale\b",
    re.IGNORECASE,
)
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
        found = _NOT_POLICY_HEADING.search(heading)
        if found:
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
CODE_LIST = _CODE_LIST
"""Heading words of a code list or code table."""


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
