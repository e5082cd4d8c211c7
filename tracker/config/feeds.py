"""``[[feed]]`` tables of sources.toml: the pages that list policies or announce changes.

Validated like ``[[source]]`` tables: an error names the file, the line, the feed and the key,
and lists what is allowed. Imports nothing heavy (the read commands parse the file).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tracker.errors import ConfigError
from tracker.feeds import FEED_KINDS, FEED_PAYERS, LOBS, FeedKind

FEED_KEYS = ("id", "payer", "kind", "url", "api", "lob", "state")
LOBS_TEXT: tuple[str, ...] = LOBS
STATE_RE = re.compile(r"^[A-Z]{2}$")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
DEFAULT_API = "https://api.coverage.cms.gov"


@dataclass(frozen=True)
class Feed:
    """One watched index, bulletin or report (a ``[[feed]]`` table)."""

    id: str
    payer: str
    kind: FeedKind
    url: str
    api: str | None = None
    lob: str | None = None
    state: str | None = None

    @property
    def host(self) -> str:
        """The host fetched, for per-host pacing."""
        return urlsplit(self.url).netloc.lower()


def parse_feeds(raw: Any, path: Path, text: str, source_ids: Sequence[str]) -> tuple[Feed, ...]:
    """The ``[[feed]]`` tables, validated; ``source_ids`` may not be reused as feed ids."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ConfigError(f"{path}: 'feed' must be [[feed]] tables")
    lines = _table_lines(text)
    feeds: list[Feed] = []
    seen: dict[str, int] = {}
    for index, table in enumerate(raw):
        line = lines[index] if index < len(lines) else 1
        feed = _feed(table, index, path, text, line)
        if feed.id in seen or feed.id in source_ids:
            other = "a [[source]]" if feed.id in source_ids else f"the feed at line {lines[seen[feed.id]]}"
            raise ConfigError(f"{path}:{line}: feed {feed.id!r}: key 'id' duplicates {other}; ids must be unique")
        seen[feed.id] = index
        feeds.append(feed)
    return tuple(feeds)


def _table_lines(text: str) -> list[int]:
    return [i + 1 for i, line in enumerate(text.splitlines()) if re.match(r"^\s*\[\[\s*feed\s*\]\]", line)]


def _key_line(text: str, start: int, key: str) -> int:
    lines = text.splitlines()
    for number in range(start, len(lines) + 1):
        stripped = lines[number - 1].strip()
        if number > start and stripped.startswith("["):
            break
        if re.match(rf"^{re.escape(key)}\s*=", stripped):
            return number
    return start


def _feed(table: Any, index: int, path: Path, text: str, line: int) -> Feed:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{path}:{line}: each [[feed]] must be a table")
    where = f"feed {table.get('id', '#' + str(index + 1))!r}"

    def fail(key: str | None, message: str) -> ConfigError:
        return ConfigError(f"{path}:{_key_line(text, line, key) if key else line}: {where}: {message}")

    for key in table:
        if key not in FEED_KEYS:
            raise fail(key, f"unknown key {key!r}; allowed keys: {', '.join(FEED_KEYS)}")
    for key in ("id", "payer", "kind"):
        if not isinstance(table.get(key), str) or not table[key].strip():
            raise fail(None, f"missing key {key!r}")
    if not ID_RE.match(table["id"]):
        raise fail("id", "key 'id' must be letters, digits, '.', '_' or '-'")
    kind = table["kind"]
    if kind not in FEED_KINDS:
        raise fail("kind", f"key 'kind' must be one of {', '.join(FEED_KINDS)}, not {kind!r}")
    if table["payer"] != FEED_PAYERS[kind]:
        raise fail("payer", f"kind {kind!r} is a {FEED_PAYERS[kind]} feed: key 'payer' must be {FEED_PAYERS[kind]!r}")
    _check_values(table, kind, fail)
    lob, state = table.get("lob"), table.get("state")
    api = table.get("api")
    url = table.get("url") or f"{(api or DEFAULT_API).rstrip('/')}/v1/reports/local-coverage-proposed-lcds/"
    return Feed(table["id"], table["payer"], kind, url, api, lob, state)


def _check_values(table: Mapping[str, Any], kind: str, fail: Callable[[str | None, str], ConfigError]) -> None:
    for key in ("url", "api"):
        if key in table and not _http_url(table[key]):
            raise fail(key, f"key {key!r} must be an http(s) URL with a host, not {table[key]!r}")
    if "url" not in table and kind != "mcd-reports":
        raise fail(None, "missing key 'url' (the index or bulletin address)")
    lob = table.get("lob")
    if lob is not None and lob not in LOBS:
        raise fail("lob", f"key 'lob' must be one of {', '.join(LOBS)}, not {lob!r}")
    state = table.get("state")
    if state is not None and not (isinstance(state, str) and STATE_RE.match(state)):
        raise fail("state", f"key 'state' must be a two-letter postal code such as TX, not {state!r}")


def _http_url(value: Any) -> bool:
    if not isinstance(value, str) or value != value.strip() or any(c.isspace() for c in value):
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
