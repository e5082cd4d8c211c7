"""The digest: what one message says, built from change and failure rows by pure functions.

Parts, in this order (issue 5): status transitions, text changes (word diff),
codes added or removed, metadata-only changes, the baseline summary of first
captures, the sources that could not be checked. Within a part, items are
grouped by payer, then code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tracker.judge.diff import Segment, word_diff
from tracker.vocab import MOVED, code_label, not_checked, payer_name, plural, prior_auth_word, status_word

PARTS = ("status", "text", "codes", "metadata")
SOON_DAYS = 30
"""The Upcoming section lists what takes effect within this many days."""
UPCOMING_TITLES = {"announced": "Newly announced", "soon": f"Taking effect within {SOON_DAYS} days"}
PART_TITLES = {
    "status": "Status changes",
    "text": "Text changes",
    "codes": "Codes added or removed",
    "metadata": "Dates and other details",
}
KIND_WORDS = {"text": "wording changed", "metadata": "details updated"}


@dataclass(frozen=True)
class Item:
    """One change of one code in one policy, as the digest tells it."""

    change_id: int
    part: str
    kind: str
    source_id: str
    payer: str
    plan: str | None
    title: str
    policy_number: str | None
    code: str
    url: str
    old_status: str | None
    new_status: str | None
    effective_date: str | None
    summary: str
    detected_at: str
    prior_auth: tuple[str, str] | None = None
    words: tuple[Segment, ...] = ()
    needs_review: bool = False
    """The new version's sections disagree on this code's status: a reader must look."""
    lob: str | None = None
    """The source's line of business, when sources.toml gives one."""
    analyst: str = ""
    """What an analyst's confirmation says of the new version, or that it lapsed (issue 21); "" when none."""

    @property
    def payer_name(self) -> str:
        """Payer and plan."""
        return payer_name(self.payer, self.plan)

    @property
    def label(self) -> str:
        """ "Cigna 0525 · CPT 64600"."""
        number = f" {self.policy_number}" if self.policy_number else ""
        lob = f" ({self.lob})" if self.lob else ""
        return f"{self.payer_name}{number}{lob} · {code_label(self.code)}"

    @property
    def what(self) -> str:
        """What happened: "covered → experimental, effective 2026-04-21"."""
        if self.part == "metadata":
            return self.summary.replace("_", " ")
        effective = f", effective {self.effective_date}" if self.effective_date else ""
        review = " (needs review: the policy's sections disagree)" if self.needs_review else ""
        analyst = f"; {self.analyst}" if self.analyst else ""
        return self._event() + effective + review + analyst

    def _event(self) -> str:
        if self.kind == "added":
            return f"added ({status_word(self.new_status)})"
        if self.kind == "removed":
            return f"removed (was {status_word(self.old_status)})"
        if self.kind == "retired":
            return f"policy retired (was {status_word(self.old_status)})"
        if self.old_status != self.new_status:
            return f"{status_word(self.old_status)} → {status_word(self.new_status)}"
        still = f"(still {status_word(self.new_status)})"
        if self.prior_auth:
            return f"prior authorization {self.prior_auth[0]} → {self.prior_auth[1]} {still}"
        return f"wording changed {still}"

    @property
    def headline(self) -> str:
        """ "Cigna 0525 · CPT 64600: covered → experimental, effective 2026-04-21"."""
        return f"{self.label}: {self.what}"

    @property
    def short(self) -> str:
        """For a subject line: "Cigna 64600 covered → experimental"."""
        if self.part == "status":
            return f"{self.payer_name} {self.code} {self._event()}"
        event = self.kind if self.part == "codes" else KIND_WORDS[self.part]
        return f"{self.payer_name} {self.code} {event}"


@dataclass(frozen=True)
class Failure:
    """A source whose latest fetch failed."""

    source_id: str
    payer: str
    plan: str | None
    title: str
    url: str
    policy_number: str | None
    error_class: str | None
    error: str | None
    failures_in_a_row: int
    last_success: str | None
    stale: bool
    moved: bool = False
    """Every one of the stale streak's answers was 404/410."""

    @property
    def label(self) -> str:
        """ "Cigna 0525 (cigna-0525)": payer, plan, policy number when known, and the source id."""
        number = f" {self.policy_number}" if self.policy_number else ""
        return f"{payer_name(self.payer, self.plan)}{number} ({self.source_id})"

    @property
    def what(self) -> str:
        """Why and for how long it has not been checked."""
        reason = f"{self.error_class or 'error'}: {self.error or 'no detail'}"
        if not self.stale:
            runs = f" ({plural(self.failures_in_a_row, 'run')} in a row)" if self.failures_in_a_row > 1 else ""
            return f"could not be checked{runs}: {reason}"
        moved = f"; the address answers 404/410: {MOVED}" if self.moved else ""
        return (
            f"{not_checked(self.last_success)} ({plural(self.failures_in_a_row, 'failed run')} in a row); "
            f"last error: {reason}{moved}"
        )


@dataclass(frozen=True)
class Ahead:
    """One line of the digest's Upcoming section: an announced change or a version taking effect soon."""

    text: str
    url: str = ""


@dataclass(frozen=True)
class Digest:
    """One message: the change items, the baseline summary and the failures."""

    generated_at: str
    items: tuple[Item, ...] = ()
    baseline_ids: tuple[int, ...] = ()
    baseline_sources: int = 0
    failures: tuple[Failure, ...] = ()
    announced: tuple[Ahead, ...] = ()
    """Upcoming: announcements first seen in the run (or period) the digest reports (tracker.feeds)."""
    soon: tuple[Ahead, ...] = ()
    """Upcoming: announced changes and stored versions taking effect within ``SOON_DAYS`` days."""

    @property
    def change_ids(self) -> tuple[int, ...]:
        """Every change the digest accounts for, first captures included."""
        return tuple(i.change_id for i in self.items) + self.baseline_ids

    @property
    def parts(self) -> list[tuple[str, tuple[Item, ...]]]:
        """The non-empty parts, in order, each with its items."""
        found = [(part, tuple(i for i in self.items if i.part == part)) for part in PARTS]
        return [(part, items) for part, items in found if items]

    @property
    def baseline_line(self) -> str:
        """ "12 sources captured for the first time", or ""."""
        if not self.baseline_sources:
            return ""
        return f"{plural(self.baseline_sources, 'source')} captured for the first time (baseline, not listed)"

    @property
    def headline(self) -> str:
        """ "3 policy changes · 1 source could not be checked"."""
        bits = [plural(len(self.items), "policy change") if self.items else "No policy changes"]
        if self.baseline_sources:
            bits.append(f"{plural(self.baseline_sources, 'source')} captured for the first time")
        if self.failures:
            bits.append(f"{plural(len(self.failures), 'source')} could not be checked")
        if self.announced:
            bits.append(plural(len(self.announced), "new announcement"))
        return " · ".join(bits)

    @property
    def subject(self) -> str:
        """ "Policy changes: 3 (Cigna 64600 covered → experimental, +2 more)"."""
        if self.items:
            lead = [i for i in self.items if i.part == "status"] or list(self.items)
            more = f", +{len(self.items) - 1} more" if len(self.items) > 1 else ""
            return f"Policy changes: {len(self.items)} ({lead[0].short}{more})"
        if self.failures:
            return f"Policy tracker: {plural(len(self.failures), 'source')} could not be checked"
        if self.announced:
            return f"Policy tracker: {plural(len(self.announced), 'announced change')} ({self.announced[0].text})"
        if self.baseline_sources:
            return f"Policy tracker: {plural(self.baseline_sources, 'source')} captured for the first time"
        return "Policy changes: none"


Row = Mapping[str, Any]


def make_digest(changes: Sequence[Row], failures: Sequence[Row], *, generated_at: str, max_failures: int) -> Digest:
    """Build the digest from change rows (with old/new text) and failing-source rows."""
    items = sorted((make_item(r) for r in changes if r["kind"] != "new"), key=_order)
    baseline = [r for r in changes if r["kind"] == "new"]
    return Digest(
        generated_at=generated_at,
        items=tuple(items),
        baseline_ids=tuple(int(r["id"]) for r in baseline),
        baseline_sources=len({r["source_id"] for r in baseline}),
        failures=tuple(
            sorted(
                (make_failure(r, max_failures) for r in failures), key=lambda f: (f.payer, f.plan or "", f.source_id)
            )
        ),
    )


def _order(item: Item) -> tuple[int, str, str, str, str, int]:
    """Display order: part, then payer, then code (issue 5); plan, source and age break ties."""
    return (PARTS.index(item.part), item.payer, item.code, item.plan or "", item.source_id, item.change_id)


def part_of(row: Row) -> str:
    """Which part of the digest a change row belongs to."""
    kind = row["kind"]
    if kind in ("added", "removed"):
        return "codes"
    if kind == "metadata":
        return "metadata"
    if row["old_status"] != row["new_status"] or _pa_change(row):
        return "status"
    return "text"


def _pa_change(row: Row) -> tuple[str, str] | None:
    old, new = prior_auth_word(_flag(row.get("old_prior_auth"))), prior_auth_word(_flag(row.get("new_prior_auth")))
    return (old, new) if old != new and row["kind"] == "changed" else None


def _flag(value: Any) -> bool | None:
    return None if value is None else bool(value)


def make_item(row: Row) -> Item:
    """One change row (joined with its source, document and texts) as a digest item."""
    part = part_of(row)
    words = () if part == "metadata" else word_diff(row.get("old_text") or "", row.get("new_text") or "")
    return Item(
        change_id=int(row["id"]),
        part=part,
        kind=row["kind"],
        source_id=row["source_id"],
        payer=row["payer"],
        plan=row.get("plan"),
        title=row.get("title") or row["source_id"],
        policy_number=row.get("policy_number"),
        code=row["code"],
        url=row.get("url") or "",
        old_status=row.get("old_status"),
        new_status=row.get("new_status"),
        effective_date=row.get("effective_date"),
        summary=row.get("summary") or "",
        detected_at=row.get("detected_at") or "",
        prior_auth=_pa_change(row),
        words=words,
        needs_review=bool(row.get("needs_review")),
        lob=row.get("lob"),
        analyst=analyst_note(row),
    )


def analyst_note(row: Row) -> str:
    """An analyst's word on the change's new version: the confirmation it made lapse, the one holding on it."""
    lapsed, held = row.get("lapsed"), row.get("confirmed")
    notes = []
    if lapsed:
        notes.append(
            f"the reading {lapsed['by']} confirmed ({status_word(lapsed['status'])}) lapsed: "
            "the text changed, so it is back in the review queue"
        )
    if held:
        auto_pa = _flag(row.get("new_prior_auth"))
        if held["status"] == row.get("new_status") and held["prior_auth"] == auto_pa:
            notes.append(f"reading confirmed by {held['by']}")
        else:
            notes.append(
                f"confirmed by {held['by']}: {status_word(held['status'])}, prior auth "
                f"{prior_auth_word(held['prior_auth'])} (automatic: {status_word(row.get('new_status'))}, "
                f"prior auth {prior_auth_word(auto_pa)})"
            )
    return "; ".join(notes)


def make_failure(row: Row, max_failures: int) -> Failure:
    """A failing-source row (``history.failing_sources`` plus the policy number) as a digest entry."""
    return Failure(
        source_id=row["source"],
        payer=row["payer"],
        plan=row.get("plan"),
        title=row.get("title") or row["source"],
        url=row.get("url") or "",
        policy_number=row.get("policy_number"),
        error_class=row.get("error_class"),
        error=_without_url(row.get("error"), row.get("url")),
        failures_in_a_row=int(row["failures_in_a_row"]),
        last_success=row.get("last_success"),
        stale=int(row["failures_in_a_row"]) >= max_failures,
        moved=int(row.get("gone_in_a_row") or 0) >= max_failures,
    )


def _without_url(error: str | None, url: str | None) -> str | None:
    """The fetch error minus its leading "URL: ": the digest links the policy on its own line."""
    if error and url and error.startswith(f"{url}: "):
        return error[len(url) + 2 :]
    return error
