"""Match: feed entries against the tracked sources and codes → announcements, suggestions, retirements.

An entry concerns a tracked source when it carries the source's policy number (the stored
version's, or one written in the source's title), else its URL, else its title; it concerns a
tracked code when its code list or details name the code (ranges included). A tracked source
is retired, once, when a bulletin retires it (on its effective date), when an index marks it
retired, or when a healthy index edition stops listing it.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from tracker.config.feeds import Feed
from tracker.config.sources import Config, Source
from tracker.feeds import CHANGE_WORDS, Entry
from tracker.store import Store
from tracker.store import feeds as rows
from tracker.vocab import payer_name

_NUMBER_IN_TITLE = re.compile(r"\((?:CPB\s+)?([A-Z]{0,4}[-.]?\d{3,4}[A-Z0-9.\-]*)\)", re.I)


def norm_number(number: str | None) -> str | None:
    """A policy number compared loosely: upper case, no spaces, leading zeros of a plain number dropped."""
    if not number:
        return None
    value = "".join(number.split()).upper()
    return value.lstrip("0") or "0" if value.isdigit() else value


def fold(title: str | None) -> str:
    """A title compared loosely: case, punctuation and the payer's suffixes aside."""
    text = re.sub(
        r"\s*[\u2013\u2014-]\s*(commercial|medicare advantage|community plan).*$", "", title or "", flags=re.I
    )
    text = _NUMBER_IN_TITLE.sub("", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.casefold()).split())


@dataclass
class Matcher:
    """The tracked sources and codes, as entries are matched against them in one run."""

    sources: Sequence[Source]
    numbers: dict[tuple[str, str], str]
    codes: tuple[str, ...]
    today: str
    retired_now: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, config: Config, store: Store, today: str) -> Matcher:
        """The matcher of one run: policy numbers from the stored versions and the sources' titles."""
        numbers: dict[tuple[str, str], str] = {}
        for s in config.sources:
            doc = rows.latest_body(store, s.id)
            own = f"A{s.article_id}" if s.article_id else None
            for number in (doc["policy_number"] if doc else None, own, *_NUMBER_IN_TITLE.findall(s.title)):
                key = norm_number(number)
                if key:
                    numbers.setdefault((s.payer, key), s.id)
        codes = tuple(dict.fromkeys(c for s in config.sources for c in s.codes))
        return cls(config.sources, numbers, codes, today)

    def match(self, entry: Entry) -> tuple[Source, str] | None:
        """The tracked source an entry concerns, and how it was matched (number, url, title)."""
        by_id = {s.id: s for s in self.sources}
        number = norm_number(entry.policy_number)
        if number and (entry.payer, number) in self.numbers:
            return by_id[self.numbers[(entry.payer, number)]], "number"
        for s in self.sources:
            if entry.url and s.payer == entry.payer and s.url == entry.url:
                return s, "url"
        title = fold(entry.title)
        for s in self.sources:
            if title and s.payer == entry.payer and fold(s.title) == title:
                return s, "title"
        return None

    def consider(
        self,
        store: Store,
        feed: Feed,
        entry: Entry,
        before: dict[str, Any] | None,
        run_id: int,
        now: str,
        *,
        first: bool,
    ) -> list[str]:
        """Record what one entry announces; the lines that tell of it."""
        found = self.match(entry)
        named = [c for c in self.codes if entry.names(c)]
        if entry.change_type is None:
            return self._listing(store, feed, entry, before, found, named, run_id, now)
        if not found and not named:
            return []
        said = self._announce(store, feed, entry, found, named, run_id, now, entry.change_type)
        if found and entry.change_type == "retired" and (entry.effective or "") <= self.today:
            self.retire(
                store, feed, found[0], run_id, now, entry.effective, f"{_where(feed, entry)} lists it as retired"
            )
        return said

    def _listing(
        self,
        store: Store,
        feed: Feed,
        entry: Entry,
        before: dict[str, Any] | None,
        found: tuple[Source, str] | None,
        named: list[str],
        run_id: int,
        now: str,
    ) -> list[str]:
        if found:
            source = found[0]
            if entry.status == "retired":  # the index's dates are the policy's, not the retirement's: today
                self.retire(store, feed, source, run_id, now, None, f"{_where(feed, entry)} marks it retired")
                return []
            _relisted(store, feed, source.id, now)
            moved = before is not None and entry.effective != before.get("effective")
            if moved and entry.effective and entry.effective > self.today:
                return self._announce(store, feed, entry, found, named, run_id, now, "revised")
            return []
        newly = [c for c in named if before is None or not _named_before(before, c)]
        if not newly or entry.status == "retired":
            return []
        return self._announce(store, feed, entry, None, newly, run_id, now, "new")

    def _announce(
        self,
        store: Store,
        feed: Feed,
        entry: Entry,
        found: tuple[Source, str] | None,
        named: list[str],
        run_id: int,
        now: str,
        change_type: str,
    ) -> list[str]:
        row = {
            "feed_id": feed.id,
            "entry_key": entry.key,
            "run_id": run_id,
            "payer": entry.payer,
            "lob": entry.lob,
            "policy_number": entry.policy_number,
            "title": entry.title,
            "url": entry.url,
            "change_type": change_type,
            "posted": entry.posted,
            "effective_date": entry.effective,
            "codes": json.dumps(list(entry.codes)),
            "detail": entry.detail,
            "section": entry.section,
            "source_id": found[0].id if found else None,
            "matched_by": found[1] if found else "code",
            "named_codes": json.dumps(named),
            "first_seen_at": now,
        }
        if rows.add_announcement(store, row) is None:
            return []
        return [announcement_line(row)]

    def retire(self, store: Store, feed: Feed, source: Source, run_id: int, now: str, on: str | None, why: str) -> None:
        """Retire a tracked source once (noted in ``retired_now`` for the run's summary)."""
        stored = rows.source_rows(store).get(source.id)
        if stored and rows.retire(store, source=stored, run_id=run_id, now=now, retired_on=on or now[:10], reason=why):
            self.retired_now.setdefault(feed.id, []).append(source.id)


def dropped(
    matcher: Matcher,
    store: Store,
    feed: Feed,
    gone: Sequence[dict[str, Any]],
    listed: Sequence[Entry],
    run_id: int,
    now: str,
) -> None:
    """Tracked sources that a healthy index edition no longer lists: retired (dropped from the index).

    Not when the edition still lists the source under another entry (a new link, a renamed title), nor
    when the gone entry's title is still listed (the policy moved to another address)."""
    still = {found[0].id for e in listed if (found := matcher.match(e))}
    titles = {fold(e.title) for e in listed}
    for row in gone:
        entry = Entry(row["payer"], row["title"], row["policy_number"], row["url"])
        found = matcher.match(entry)
        moved = fold(entry.title) in titles
        if found and found[0].id not in still and not moved and row.get("status") != "retired":
            matcher.retire(store, feed, found[0], run_id, now, None, f"{_where(feed, entry)} no longer lists it")


def retire_due(matcher: Matcher, store: Store, run_id: int, now: str) -> None:
    """Retire the tracked sources whose announced retirement date has come."""
    tracked = {s.id for s in matcher.sources}
    for a in rows.announcements(store):
        due = (
            a["change_type"] == "retired" and a["source_id"] in tracked and (a["effective_date"] or "") <= matcher.today
        )
        if due and rows.open_retirement(store, a["source_id"]) is None:
            stored = rows.source_rows(store)[a["source_id"]]
            why = f"{payer_name(a['payer'])} announced its retirement effective {a['effective_date']}"
            rows.retire(store, source=stored, run_id=run_id, now=now, retired_on=a["effective_date"], reason=why)


def _named_before(before: dict[str, Any], code: str) -> bool:
    entry = Entry(
        before["payer"],
        before["title"],
        codes=tuple(json.loads(before["codes"] or "[]")),
        detail=before.get("detail") or "",
    )
    return entry.names(code)


def _where(feed: Feed, entry: Entry) -> str:
    """Where a retirement came from: "Cigna cigna-updates [cigna-updates] (2027-03)"."""
    month = f" ({entry.posted[:7]})" if entry.posted and entry.change_type else ""
    return f"{payer_name(feed.payer)} {feed.kind} [{feed.id}]{month}"


def _relisted(store: Store, feed: Feed, source_id: str, now: str) -> None:
    """An index lists as active a policy that this same index had dropped or marked retired: reinstated."""
    retired = rows.open_retirement(store, source_id)
    if retired is not None and f"[{feed.id}]" in (retired["reason"] or ""):
        rows.reinstate(store, source_id, now)


def suggested_id(payer: str, number: str | None, title: str) -> str:
    """A source id for a suggested policy: "uhc-2027t0412a", "cigna-0525", else the title's slug."""
    tail = number or "-".join(re.sub(r"[^a-z0-9]+", " ", title.lower()).split()[:5])
    return f"{payer}-{re.sub(r'[^a-z0-9.-]+', '-', tail.lower()).strip('-')}"


def add_command(payer: str, number: str | None, title: str, url: str | None) -> str:
    """The `tracker sources add` command line that adds a suggested policy."""
    parts = ["tracker", "sources", "add", "--id", suggested_id(payer, number, title), "--payer", payer]
    parts += ["--title", f"{title} ({number})" if number else title]
    if url:
        parts += ["--url", url]
    return shlex.join(parts)


def announcement_line(row: dict[str, Any]) -> str:
    """One announcement as people read it."""
    number = f" ({row['policy_number']})" if row.get("policy_number") else ""
    named = json.loads(row["named_codes"]) if isinstance(row.get("named_codes"), str) else row.get("named_codes") or []
    effective = f", effective {row['effective_date']}" if row.get("effective_date") else ""
    if row.get("source_id"):
        what = CHANGE_WORDS.get(row["change_type"], row["change_type"])
        label = row.get("policy_number") or row["title"]
        return f"{payer_name(row['payer'])} {label} ({row['source_id']}) — {what}{effective}"
    if row["change_type"] == "new":
        add = add_command(row["payer"], row.get("policy_number"), row["title"], row.get("url"))
        return (
            f"{payer_name(row['payer'])} added '{row['title']}'{number}, names {', '.join(named)}: add it with `{add}`"
        )
    what = CHANGE_WORDS.get(row["change_type"], row["change_type"])
    return f"{payer_name(row['payer'])} '{row['title']}'{number} — {what}{effective}; names {', '.join(named)}"
