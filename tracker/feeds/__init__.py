"""Feeds: the pages where payers list their policies or announce changes, read into entries.

A feed (``[[feed]]`` in sources.toml) is a policy index (UHC, Cigna, Aetna), a monthly update
bulletin (UHC's Medical Policy Update Bulletin, Cigna's Coverage Policy Updates) or the CMS
Coverage API's reports. Each kind has a pure parser (``parse``) into ``Entry`` values; ``poll``
fetches them politely during a run, ``match`` turns entries into announcements, suggestions and
retirements. Imports of this package stay light: the read commands import it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

FeedKind = Literal["uhc-index", "uhc-bulletin", "cigna-index", "cigna-updates", "aetna-index", "mcd-reports"]
"""The kinds of feed (DESIGN.md, "Configuration names": a contract)."""
FEED_KINDS: tuple[FeedKind, ...] = get_args(FeedKind)

ChangeType = Literal["new", "revised", "retired", "reduction", "coding", "proposed", "future"]
"""What an entry announces: a new policy, a revision, a retirement, a reduction in coverage, a coding
update; for Medicare a proposed LCD (in comment or notice) or a published future-effective version."""
CHANGE_TYPES: tuple[ChangeType, ...] = get_args(ChangeType)

Lob = Literal["commercial", "medicare-advantage", "medicaid", "exchange", "fep"]
"""Lines of business (DESIGN.md)."""
LOBS: tuple[Lob, ...] = get_args(Lob)

CHANGE_WORDS = {
    "new": "new policy",
    "revised": "revised",
    "retired": "retired",
    "reduction": "reduction in coverage",
    "coding": "coding update",
    "proposed": "proposed",
    "future": "future-effective version",
}
"""Change types as people read them."""

FEED_PAYERS: dict[str, str] = {
    "uhc-index": "uhc",
    "uhc-bulletin": "uhc",
    "cigna-index": "cigna",
    "cigna-updates": "cigna",
    "aetna-index": "aetna",
    "mcd-reports": "medicare",
}
"""The payer each feed kind belongs to."""


@dataclass(frozen=True)
class Entry:
    """One line of a feed: a policy listed in an index, or a change announced in a bulletin."""

    payer: str
    title: str
    policy_number: str | None = None
    url: str | None = None
    change_type: ChangeType | None = None
    """None for a plain index listing."""
    posted: str | None = None
    effective: str | None = None
    codes: tuple[str, ...] = ()
    """Codes and ranges the entry names, as written ("64600", "64620-64640")."""
    lob: str | None = None
    status: str | None = None
    """What the index says of the policy: "active", "retired" (an archived or retired listing)."""
    detail: str = ""
    section: str = ""
    """The bulletin or index section the entry sits in ("Policies With a Reduction in Coverage")."""

    @property
    def key(self) -> str:
        """Identity within its feed: the policy number, else the URL, else the title (folded)."""
        if self.policy_number:
            return f"no:{self.policy_number.upper()}"
        if self.url:
            return f"url:{self.url}"
        return "title:" + " ".join(self.title.casefold().split())

    def names(self, code: str) -> bool:
        """True when the entry names ``code`` in its code list (ranges included) or its details."""
        from tracker.extract.codes import mentions

        return any(mentions(c, code) for c in self.codes) or (bool(self.detail) and mentions(self.detail, code))

    def to_dict(self) -> dict[str, Any]:
        """A plain dict for JSON and the database."""
        return {**asdict(self), "codes": list(self.codes), "key": self.key}
