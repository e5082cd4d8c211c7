"""Linking by procedure: a code whose own governing chain is neutral takes the stance of the policy
statement that names its procedure.

UnitedHealthcare writes every policy this way: the Coverage Rationale names procedures ("The
following are unproven …: • Cryoneurolysis of a peripheral branch"), the Applicable Codes table lists
the codes with their CPT descriptors under "Listing of a code … does not imply …". A reader links
the two by the words they share; so does this module. The code's side is its *key*: the group row
over it and its descriptor (both from the document's own code table). The statement's side is its
words. Words are weighted by how rare they are among the document's statements (IDF), stance and
filler words left out; the score is the weighted share of the key's words that the statement names
(or of the group row's alone, when it has two words or more): a long statement listing many
procedures is not penalised for the others it names. A statement that cites the code links at
once. A link needs two shared words and a third of the key; a weak one (under half, or a rival
statement of another stance close behind) is marked for review; two statements of different
stances that score alike leave the code unlinked.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tracker.extract.codes import mentions
from tracker.models import Status

_WORD = re.compile(r"[a-z][a-z0-9]+")
_FILLER = frozenset(
    """
    the and for with without from into onto that this these those which when where who whom any all each other
    than then are was were been being has have had not nor but only also such may might can could will would
    shall should must one more most less least per via use used using its their there here both either
    neither under over upon about after before between within following include includes including
    procedure procedures service services unlisted specify specified code codes cpt hcpcs report reported
    considered consider considers medically necessary necessity covered coverage cover covers proven unproven
    experimental investigational investigative insufficient evidence efficacy safety criteria meet meets met
    indication indications individuals individual patients patient members member treating treatment treat
    policy listed list see refer following reasonable appropriate indicated established eligible
    eg ie etc area areas minutes unit units coding information applicable description descriptor
    a an as at be by do does did in is it of on or so to up we due our out own same some too very what why how
    his her him she they them you your yours ours off again further once during until while whereas however
    just now also yet if else otherwise because since though although
    """.split()
)
STRONG = 0.5
"""Similarity from which a link is sure; from ``WEAK`` up to here it is made but marked for review."""
WEAK = 0.3
RIVAL = 0.1
TIE = 0.01


def words(text: str) -> frozenset[str]:
    """Content words of a text, lower-cased and lightly stemmed (plural -s, -ies)."""
    out = set()
    for word in _WORD.findall(text.lower()):
        if word in _FILLER or word.isdigit():
            continue
        if word.endswith("ies") and len(word) > 5:
            word = word[:-3] + "y"
        elif word.endswith("s") and not word.endswith("ss") and len(word) > 4:
            word = word[:-1]
        out.add(word)
    return frozenset(out)


@dataclass(frozen=True)
class Statement:
    """A policy statement that can be linked to: its words, its stance and its prior-auth wording."""

    text: str
    words: frozenset[str]
    status: Status | None
    phrase: str
    rule: str
    prior_auth: bool | None
    cites: bool = False
    """The statement names codes (then it speaks of those only)."""


@dataclass(frozen=True)
class Link:
    """The statement a code links to, the share of the code's key it covers, and whether another
    statement with another stance covers nearly as much."""

    statement: Statement
    score: float
    rival: bool = False

    @property
    def weak(self) -> bool:
        """A link a person should confirm: a low share, or a rival reading close behind."""
        return self.score < STRONG or self.rival


def _idf(statements: Sequence[Statement]) -> dict[str, float]:
    df: dict[str, int] = {}
    for statement in statements:
        for word in statement.words:
            df[word] = df.get(word, 0) + 1
    n = len(statements)
    return {w: math.log((n + 1) / (c + 1)) + 1.0 for w, c in df.items()}


def best_link(
    key: str, statements: Iterable[Statement], code: str, *, group: str = "", prior_auth: bool = False
) -> Link | None:
    """The statement that names the procedure of ``key`` best, if any names it well enough.

    A statement that cites codes speaks of those codes only: it is linked to ``code`` when it
    cites it (whatever the words), never when it cites others. ``prior_auth``: link to statements
    that state prior authorization instead of a stance. ``group``: the group row over the code's row
    (part of ``key``); a statement that names the group's procedure well links on that alone.
    """

    def value(statement: Statement) -> bool | Status | None:
        return statement.prior_auth if prior_auth else statement.status

    pool = [s for s in statements if value(s) is not None and (not s.cites or mentions(s.text, code))]
    mine = words(key)
    if not pool or (len(mine) < 2 and not any(s.cites for s in pool)):
        return None
    theirs = words(group) & mine
    idf = _idf(pool)
    default = max(idf.values(), default=1.0)

    def weight(word: str) -> float:
        return idf.get(word, default)

    total = sum(weight(w) for w in mine) or 1.0
    total_group = sum(weight(w) for w in theirs) or 1.0
    scored = []
    for statement in pool:
        shared = mine & statement.words
        if statement.cites:
            scored.append((1.0, statement))
        elif len(shared) >= 2:
            by_group = sum(weight(w) for w in theirs & statement.words) / total_group if len(theirs) >= 2 else 0.0
            scored.append((max(sum(weight(w) for w in shared) / total, by_group), statement))
    scored.sort(key=lambda pair: -pair[0])
    if not scored or scored[0][0] < WEAK:
        return None
    score, statement = scored[0]
    rivals = [s for s, o in scored[1:] if value(o) != value(statement)]
    if rivals and rivals[0] >= score - TIE:
        return None  # two statements of different stances name it equally: theirs are the sections that speak
    return Link(statement, score, bool(rivals) and rivals[0] >= score - RIVAL)
