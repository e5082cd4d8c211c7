"""Stance of a text: a lexicon of polarity words, NegEx-style negation, clause by clause.

The method is NegEx (Chapman et al., 2001; negspacy/medspaCy are its reference implementations):
a *trigger* ("not", "no longer", "never", "neither … nor", "does not") negates the stance terms
that follow it within a short window, until a *termination* word ("and", "but", "which", ";")
or another trigger closes its scope. Pseudo-triggers ("not only", "not limited to", "whether or
not") negate nothing. It is ported here rather than taken from negspacy because negspacy needs
spaCy and a language model (hundreds of MB, loaded at start) to find entities we already find with
the lexicon below; the algorithm itself is a few lines.

Terms come in **families** of ordinary English for a coverage stance (``FAMILIES``); each term
has the status it means and the status it means when negated (``None``: the negation cancels
the stance — "is not considered experimental" says what the service is not, not what it is).
Plan-specific formulas stay only where the plain lexicon would read them wrongly; each names the
plan and policy that taught it.

A text is cut into **clauses** at contrastive and coordinating boundaries (";", "whereas",
"while", "but", "however", "otherwise"): one sentence may give two codes two stances. Within a
clause, experimental beats not covered beats covered ("not covered because it is
investigational" is experimental; "unproven and not medically necessary" too).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from tracker.models import Status

Family = Literal[
    "cover",
    "medical-necessity",
    "eligible",
    "established",
    "proven",
    "experimental",
    "evidence",
    "criteria",
    "provided",
    "reasonable-and-necessary",
]


@dataclass(frozen=True)
class Term:
    """A stance term: ``pattern`` means ``value``; negated it means ``negated`` (None: no stance)."""

    name: str
    family: Family
    pattern: re.Pattern[str]
    value: Status
    negated: Status | None
    example: str
    explicit: bool = False
    """The pattern carries its own negation ("not medically necessary"): no trigger flips it again."""


def _term(
    name: str, family: Family, pattern: str, value: Status, negated: Status | None, example: str, explicit: bool = False
) -> Term:
    return Term(name, family, re.compile(pattern, re.IGNORECASE), value, negated, example, explicit)


_MN = r"medically\s+necessary"
_EIU = r"(?:experimental|investigational|investigative|unproven)"
TERMS: tuple[Term, ...] = (
    # --- plan formulas the plain lexicon would misread (kept first: their names are the basis) ---
    # UHC commercial medical policies (2021T0080FF): "unproven and not medically necessary" = E/I/U.
    _term(
        "uhc-unproven",
        "proven",
        rf"\bunproven\s+and\s+not\s+{_MN}",
        "experimental",
        "experimental",
        "Destruction of the supraorbital nerve (CPT code 64600) is unproven and not medically necessary.",
        explicit=True,
    ),
    # Anthem/Elevance CG-SURG-89, SURG.00066: "investigational and not medically necessary" = E/I/U.
    _term(
        "anthem-investigational",
        "experimental",
        rf"\binvestigational\s+and\s+not\s+{_MN}",
        "experimental",
        "experimental",
        "Pulsed radiofrequency is considered investigational and not medically necessary.",
        explicit=True,
    ),
    # Cigna coverage policies 0525 and 0063, Coding Information tables.
    _term(
        "cigna-eiu",
        "experimental",
        r"\bexperimental\s*/\s*investigational\s*/\s*unproven\b",
        "experimental",
        None,
        "Considered Experimental/Investigational/Unproven:",
    ),
    # Aetna CPB 0374 ("II. Experimental and Investigational").
    _term(
        "aetna-e-and-i",
        "experimental",
        r"\bexperimental\s+and\s+investigational\b",
        "experimental",
        None,
        "Aetna considers the following interventions experimental and investigational:",
    ),
    # Aetna CPB code tables: "CPT codes covered if selection criteria are met:" (the plain "covered"
    # would read it too; the name tells an analyst which convention decided).
    _term(
        "aetna-covered",
        "cover",
        r"\bcovered\s+if\s+selection\s+criteria\s+are\s+met\b",
        "covered",
        "not_covered",
        "CPT codes covered if selection criteria are met:",
    ),
    # Cigna 0525 Coding Information: "Considered Medically Necessary when criteria ...".
    _term(
        "cigna-medically-necessary",
        "medical-necessity",
        rf"\bconsidered\s+{_MN}\s+when\s+criteria\b",
        "covered",
        "not_covered",
        "Considered Medically Necessary when criteria in the applicable policy statements listed above are met:",
    ),
    # UHC commercial policies: "proven and medically necessary"; Community Plan CS086 family.
    _term(
        "uhc-proven",
        "proven",
        rf"\bproven\s+and\s+{_MN}",
        "covered",
        "experimental",
        "is proven and medically necessary for supraorbital neuralgia",
    ),
    # Florida Blue MCG 02-61000-29: "(does not) meet(s) the definition of medical necessity".
    _term(
        "floridablue-medical-necessity",
        "medical-necessity",
        r"\bmeets?\s+the\s+definition\s+of\s+medical\s+necessity\b",
        "covered",
        "not_covered",
        "meets the definition of medical necessity",
    ),
    # --- the families of ordinary English ---
    # experimental / investigational / investigative / unproven
    _term("experimental", "experimental", r"\bexperimental\b", "experimental", None, "is considered experimental"),
    _term(
        "investigational",
        "experimental",
        r"\binvestigational\b",
        "experimental",
        None,
        "BCBS considers this procedure investigational.",
    ),
    _term("investigative", "experimental", r"\binvestigative\b", "experimental", None, "is considered investigative"),
    # proven / unproven / not proven
    _term("unproven", "proven", r"\bunproven\b", "experimental", None, "The procedure is unproven for this use."),
    _term(
        "proven",
        "proven",
        r"\b(?:is|are|been|be|considered)\s+(?:not\s+)?proven\b",
        "covered",
        "experimental",
        "The procedure is proven effective.",
    ),
    # insufficient evidence
    _term(
        "insufficient-evidence",
        "evidence",
        r"\b(?:insufficient|inadequate)\s+(?:clinical\s+|scientific\s+|published\s+)?evidence\b"
        r"|\bevidence\b[^.;]{0,80}?\b(?:is|are|remains?)\s+(?:insufficient|inadequate)\b"
        r"|\bnot\s+supported\s+by\s+(?:sufficient\s+|adequate\s+|the\s+)?(?:\w+\s+)?evidence\b",
        "experimental",
        "experimental",
        "is not covered due to insufficient evidence of efficacy",
        explicit=True,
    ),
    # established / not established (BCBS Michigan "is considered established" = payable)
    _term(
        "established",
        "established",
        r"\b(?:is|are|been|be|considered)\s+(?:not\s+)?(?:an?\s+)?(?:well[-\s])?established\b",
        "covered",
        "experimental",
        "is considered established",
    ),
    # eligible / ineligible (UHC Coverage Determination Guidelines CDG.007.21)
    _term("ineligible", "eligible", r"\bineligible\b", "not_covered", "not_covered", "is ineligible for coverage"),
    _term(
        "eligible",
        "eligible",
        r"\b(?:is|are|be|been|considered|remains?)\s+(?:not\s+)?eligible\b"
        r"|\beligible\s+for\s+(?:coverage|reimbursement|payment)\b",
        "covered",
        "not_covered",
        "are eligible for coverage",
    ),
    # meets / does not meet ... criteria (BCBS Alabama "medical criteria for coverage")
    _term(
        "meets-criteria",
        "criteria",
        r"\bmeets?\s+[^.;]{0,80}?\b(?:coverage|medical(?:\s+necessity)?)\s+criteria\b|\bmeets?\s+[^.;]{0,80}?\bcriteria\s+for\s+coverage\b",
        "covered",
        "not_covered",
        "meets Blue Cross and Blue Shield of Alabama's medical criteria for coverage",
    ),
    # coverage will (not) be provided / is provided
    _term(
        "coverage-provided",
        "provided",
        r"\bcoverage\s+(?:for\s+[^.;]{1,80}?\s+)?(?:will|shall|is|may|can)\s+(?:not\s+)?(?:be\s+)?(?:provided|available)\b"
        r"|\bcoverage\s+is\s+(?:not\s+)?available\b"
        r"|\b(?:will|shall)\s+(?:not\s+)?(?:be\s+)?provide\s+coverage\b",
        "covered",
        "not_covered",
        "Coverage will be provided for the procedure when the criteria are met.",
    ),
    # Medicare: "(not) reasonable and necessary"
    _term(
        "medicare-reasonable",
        "reasonable-and-necessary",
        r"\breasonable\s+and\s+necessary\b",
        "covered",
        "not_covered",
        "Group 1 Paragraph: The following codes are reasonable and necessary when billed for this LCD.",
    ),
    # medically necessary / appropriate / indicated
    _term(
        "not-medically-necessary",
        "medical-necessity",
        rf"\bnot\s+(?:considered\s+|be\s+|deemed\s+)?{_MN}",
        "not_covered",
        "not_covered",
        "When services are Not Medically Necessary:",
        explicit=True,
    ),
    _term("medically-necessary", "medical-necessity", rf"\b{_MN}\b", "covered", "not_covered", "Medically Necessary:"),
    _term(
        "medically-appropriate",
        "medical-necessity",
        r"\bmedically\s+(?:appropriate|indicated)\b",
        "covered",
        "not_covered",
        "is medically appropriate",
    ),
    # cover / covers / covered / non-covered
    _term(
        "non-covered",
        "cover",
        r"\bnon-?\s?covered\b",
        "not_covered",
        "not_covered",
        "The following codes are non-covered.",
        explicit=True,
    ),
    _term(
        "covers",
        "cover",
        r"\b(?:covers|will\s+cover|(?:does|do|will)\s+not\s+cover)\b",
        "covered",
        "not_covered",
        "Medicare covers the procedure when the criteria are met.",
    ),
    _term("covered", "cover", r"(?<![-\w])covered\b", "covered", "not_covered", "The following codes are covered."),
)
"""The stance lexicon, plan formulas first; every term matched in a clause, the strongest status wins."""

# NegEx triggers (pre-negation) and what ends their scope.
_TRIGGER = re.compile(
    r"\b(?:not|no\s+longer|never|neither|nor|cannot|can\s*not|isn't|aren't|won't|doesn't|don't|no)\b|\bnon-?(?=\s?\w)",
    re.IGNORECASE,
)
_PSEUDO = re.compile(
    r"\b(?:not\s+only|not\s+limited\s+to|whether\s+or\s+not|not\s+necessarily|no\s+change|if\s+not)\b", re.IGNORECASE
)
_TERMINATE = re.compile(
    r"\b(?:and|but|however|although|though|except|which|who|unless|because|due\s+to|since|otherwise|whereas|while)\b"
    r"|[;:,]",
    re.IGNORECASE,
)
_CONSIDER = re.compile(r"\b(?:does|do|did|will|would|can)\s+not\s+(?:consider|deem|regard)\b", re.IGNORECASE)
"""A negated verb of judgement negates its complement at the end of its object, past the window."""
_WINDOW = 5
"""Words between a trigger and the term it negates."""
_COORDINATED = re.compile(r"\s*(?:,|/|\bor\b|\bnor\b|\band/or\b)\s*", re.IGNORECASE)
"""What stands between two coordinated terms that share one trigger."""
_PARENS = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_LEADING = re.compile(r"^\s*(?:while|whereas|although|though)\b[^,;]*,\s*", re.IGNORECASE)
"""A leading subordinate clause ("While X remains investigational, Y is …") is a clause of its own."""
_WORD = re.compile(r"\S+")

# Clause boundaries: ";", and the contrastive / coordinating connectives that start a new assertion.
_CLAUSE = re.compile(
    r";\s*|\.\s+(?=[A-Z(])|,?\s+(?=(?:whereas|while|but|however|otherwise|except\s+that)\b)|,\s*(?=however\b)",
    re.IGNORECASE,
)

_RANK: dict[Status, int] = {"experimental": 3, "not_covered": 2, "covered": 1}


@dataclass(frozen=True)
class Hit:
    """The stance a clause takes: the term that decided it, its status and the words matched."""

    term: Term
    status: Status | None
    """None: a negated term that cancels a stance ("no longer considered investigational")."""
    phrase: str
    negated: bool = False

    @property
    def rule(self) -> str:
        """The basis rule name: the term's, "not-" before it when a trigger flipped it."""
        return f"not-{self.term.name}" if self.negated else self.term.name


def clauses(text: str) -> list[str]:
    """The clauses of ``text``: cut at ";", sentence ends and contrastive connectives (a leading
    "While …," / "Whereas …," clause ends at its comma)."""
    out = []
    for clause in _CLAUSE.split(text):
        if not clause or not clause.strip():
            continue
        lead = _LEADING.match(clause)
        if lead and lead.end() < len(clause):
            out += [clause[: lead.end()].rstrip(", "), clause[lead.end() :]]
        else:
            out.append(clause)
    return out


def _negation(clause: str, start: int, end: int, term: Term, floor: int = 0) -> int | None:
    """NegEx: where the trigger that negates the term starts (before it, within the window, no
    termination word or earlier stance term — before ``floor`` — between), or None when the term
    stands as it is."""
    if term.explicit:
        return None
    inside = clause[start:end]
    if _TRIGGER.search(inside) and not _PSEUDO.search(inside):
        return start
    before = clause[:start]
    bare = _PARENS.sub(lambda m: " " * len(m.group(0)), before)  # "(CPT 64600, 64605)" ends no scope
    cut = max([floor, *(m.end() for m in _TERMINATE.finditer(bare))])
    scope = _PSEUDO.sub(lambda m: " " * len(m.group(0)), before[cut:])
    considers = _CONSIDER.search(scope)
    if considers:  # "does not consider <the procedure, however long> medically necessary": the verb's object
        return considers.start() + cut
    spans = [(m.start() + cut, m.group(0)) for m in _WORD.finditer(scope)][-_WINDOW - 1 :]
    for position, word in spans:
        if _TRIGGER.fullmatch(word.strip(",.\"'")) or word.lower().startswith("non-"):
            return position
    return None


def hits(clause: str) -> Iterator[Hit]:
    """Every stance term of the lexicon found in one clause, in order, with its negation applied.

    A longer formula earlier in the lexicon keeps its words from the plainer terms inside it; a
    trigger's scope ends at the first stance term after it ("Not covered – investigational": the
    "not" is spent on "covered")."""
    taken: list[tuple[int, int, Term]] = []
    for term in TERMS:
        for found in term.pattern.finditer(clause):
            start, end = found.span()
            if not any(s <= start < e or s < end <= e for s, e, _ in taken):
                taken.append((start, end, term))
    floor = previous = 0
    for start, end, term in sorted(taken, key=lambda t: t[0]):
        if not _COORDINATED.fullmatch(clause[previous:start]):
            floor = previous  # "not experimental or investigational": a coordination shares the trigger
        trigger = _negation(clause, start, end, term, floor)
        status = term.value if trigger is None else term.negated
        phrase = clause[start if trigger is None else trigger : end]
        previous = end
        yield Hit(term, status, " ".join(phrase.split()), trigger is not None)


def clause_stance(clause: str) -> Hit | None:
    """The clause's stance: the strongest status among its terms; a cancelling hit only when it has none."""
    best: Hit | None = None
    cancel: Hit | None = None
    for hit in hits(clause):
        if hit.status is None:
            cancel = cancel or hit
        elif best is None or _RANK[hit.status] > _RANK[best.status or "covered"]:
            best = hit
    return best or cancel


_ANY_TERM = re.compile(
    r"cover|necess|appropriate|indicated|eligib|establish|proven|experiment|investigat|evidence|criteria"
    r"|provided|available",
    re.IGNORECASE,
)
"""A stem of every term: a text without one takes no stance (most of a policy's prose), read at once."""


def text_stance(text: str) -> Hit | None:
    """The stance of a text: its first clause that takes one (a cancelling clause only when no clause does)."""
    if not _ANY_TERM.search(text):
        return None
    cancel: Hit | None = None
    for clause in clauses(text):
        hit = clause_stance(clause)
        if hit is not None and hit.status is not None:
            return hit
        cancel = cancel or hit
    return cancel


def stances(text: str) -> list[Hit]:
    """Every clause's stance in order (for "only when …; otherwise …": both stances)."""
    return [h for h in (clause_stance(c) for c in clauses(text)) if h is not None]
