"""Discovery by code for UHC, Cigna and Aetna: the policies that name a code, as ready [[source]] entries.

UHC's index lists each policy's "Applicable Procedure Codes": one page answers. Cigna's and
Aetna's indexes name no code, so each policy they list is read once, politely (``[fetch] delay``
between requests, one at a time), with progress; what was read is remembered in the data
directory (``discover/<payer>.json`` and the bodies in ``raw/``), so an interrupted discovery
resumes where it stopped and a later one for another code reads nothing again (``refresh``
re-reads). A policy names the code when the extractor finds a governing passage for it
(ranges included); a mention only in references, history or cross-references does not count.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from tracker.config.feeds import Feed
from tracker.config.sources import Config, FetchSettings, Source
from tracker.errors import ExtractError, FetchError, StoreError
from tracker.feeds import Entry
from tracker.feeds.match import suggested_id
from tracker.feeds.parse import parse_feed
from tracker.fetch.http import fetch
from tracker.store.raw import RawStore

log = logging.getLogger("tracker")
INDEXES = {
    "uhc": (
        "uhc-index",
        "https://www.uhcprovider.com/en/policies-protocols/commercial-policies/commercial-medical-drug-policies.html",
    ),
    "cigna": ("cigna-index", "https://static.cigna.com/assets/chcp/resourceLibrary/coveragePolicies/medical_a-z.html"),
    "aetna": ("aetna-index", "https://www.aetna.com/cpb/medical/data/cpb_num.html"),
}
"""Each payer's index kind and real address, used when sources.toml has no [[feed]] of that kind."""
NOT_NAMING = ("not-policy",)
"""Section bases that do not make a policy one that names the code (references, history, cross-references)."""


@dataclass
class Discovery:
    """What one discovery found and what it cost."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    read: int = 0
    """Policies fetched now."""
    remembered: int = 0
    """Policies answered from what an earlier discovery read."""
    failed: list[str] = field(default_factory=list)


def index_feeds(config: Config | None, payer: str) -> list[Feed]:
    """The payer's index feeds from sources.toml, else its real index address."""
    kind, url = INDEXES[payer]
    feeds = [f for f in (config.feeds if config else ()) if f.kind == kind]
    return feeds or [Feed(f"{payer}-index", payer, kind, url)]  # type: ignore[arg-type]


def discover_payer(
    payer: str,
    code: str,
    *,
    config: Config | None,
    data_dir: Path,
    session: requests.Session,
    settings: FetchSettings,
    refresh: bool = False,
    limit: int | None = None,
    progress: Callable[[int, int, Entry], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Discovery:
    """The payer's policies that name ``code``, from its index feeds (UHC) or by reading each policy."""
    found = Discovery()
    tracked = {s.url for s in config.sources} if config else set()
    for feed in index_feeds(config, payer):
        probe = Source(feed.id, payer, feed.id, feed.url, (code,))  # type: ignore[arg-type]
        entries = parse_feed(feed.kind, fetch(probe, session, settings).body, feed.url, feed.lob)
        active = [e for e in entries if e.status != "retired" and e.url]
        if payer == "uhc":
            hits = [e for e in active if e.names(code)]
        else:
            hits = _read_each(
                payer,
                code,
                active[:limit] if limit else active,
                data_dir,
                session,
                settings,
                refresh,
                found,
                progress,
                sleep,
            )
        found.rows += [discovered_row(e, code, feed, e.url in tracked) for e in hits]
    found.rows.sort(key=lambda r: (r["policy_number"] or "", r["title"]))
    return found


def _read_each(
    payer: str,
    code: str,
    entries: list[Entry],
    data_dir: Path,
    session: requests.Session,
    settings: FetchSettings,
    refresh: bool,
    found: Discovery,
    progress: Callable[[int, int, Entry], None] | None,
    sleep: Callable[[float], None],
) -> list[Entry]:
    from tracker.extract import extract

    memory_path = data_dir / "discover" / f"{payer}.json"
    memory = _load(memory_path)
    raw = RawStore(data_dir / "raw")
    hits = []
    for number, entry in enumerate(entries, 1):
        if progress:
            progress(number, len(entries), entry)
        assert entry.url is not None
        seen = memory.get(entry.url)
        body = None
        if seen and not refresh:
            try:
                body = raw.load(seen["sha256"])
                found.remembered += 1
            except StoreError:
                body = None
        if body is None:
            if found.read:
                sleep(settings.delay)
            body = _fetch_policy(payer, code, entry, session, settings, raw, memory, found)
            if body is None:
                continue
            _save(memory_path, memory)
        try:
            sections = extract(body, memory[entry.url]["kind"] or "html", [code]).sections
        except ExtractError as exc:
            found.failed.append(f"{entry.url}: {exc.message}")
            continue
        if any((s.basis or {}).get("rule") not in NOT_NAMING for s in sections):
            hits.append(entry)
    return hits


def _fetch_policy(
    payer: str,
    code: str,
    entry: Entry,
    session: requests.Session,
    settings: FetchSettings,
    raw: RawStore,
    memory: dict[str, dict[str, Any]],
    found: Discovery,
) -> bytes | None:
    """Fetch one listed policy, keep its body and remember it; None (noted in ``found``) when it fails."""
    assert entry.url is not None
    try:
        fetched = fetch(Source(f"{payer}-discover", payer, entry.title, entry.url, (code,)), session, settings)  # type: ignore[arg-type]
    except FetchError as exc:
        found.failed.append(f"{entry.url}: {exc.message}")
        return None
    sha = hashlib.sha256(fetched.body).hexdigest()
    raw.save(sha, fetched.body)
    memory[entry.url] = {
        "sha256": sha,
        "kind": fetched.kind,
        "read_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    found.read += 1
    return fetched.body


def _load(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save(path: Path, memory: dict[str, dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(memory, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def discovered_row(entry: Entry, code: str, feed: Feed, tracked: bool) -> dict[str, Any]:
    """One discovery result, with its ready-to-paste [[source]] table."""
    source_id = suggested_id(entry.payer, entry.policy_number, entry.title)
    title = f"{entry.title} ({entry.policy_number})" if entry.policy_number else entry.title
    lines = [
        f"# {entry.payer} {entry.policy_number or ''} · names {code} · from {feed.id}"
        + (f" · effective {entry.effective}" if entry.effective else "")
        + (" · already tracked" if tracked else ""),
        "[[source]]",
        f"id = {json.dumps(source_id)}",
        f"payer = {json.dumps(entry.payer)}",
        f"title = {json.dumps(title, ensure_ascii=False)}",
        f"url = {json.dumps(entry.url)}",
    ]
    if entry.lob:
        lines.append(f"lob = {json.dumps(entry.lob)}")
    return {
        "payer": entry.payer,
        "policy_number": entry.policy_number,
        "title": entry.title,
        "url": entry.url,
        "effective_date": entry.effective,
        "codes": list(entry.codes),
        "source_id": source_id,
        "tracked": tracked,
        "feed": feed.id,
        "toml": "\n".join(lines) + "\n",
    }
