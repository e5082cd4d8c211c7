"""sources.toml: the sources to watch and the settings of a run, validated once.

Every error names the file, the line, the source and the key, and lists what is
allowed, so that a typo is fixed in one look.
"""

from __future__ import annotations

import difflib
import math
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args
from urllib.parse import urlsplit

from tracker.config.feeds import LOBS_TEXT, STATE_RE, Feed, parse_feeds
from tracker.config.notify import NotifySettings, notify_settings
from tracker.config.schedule import ScheduleSettings, schedule_settings
from tracker.errors import ConfigError
from tracker.models import PAYERS, Kind, Payer
from tracker.vocab import CLOSED_PLANS, DEFAULT_CODE, PLANS_BY_PAYER

SourceKind = Literal["html", "pdf", "mcd-article"]
"""What a source may declare itself to be."""
KINDS: tuple[SourceKind, ...] = get_args(SourceKind)
TOP_KEYS = ("codes", "source", "fetch", "notify", "schedule", "feed")
SOURCE_KEYS = (
    "id",
    "payer",
    "plan",
    "title",
    "url",
    "kind",
    "codes",
    "selector",
    "article_id",
    "api",
    "tags",
    "lob",
    "state",
)
FETCH_KEYS = (
    "timeout",
    "read_timeout",
    "retries",
    "backoff",
    "delay",
    "max_bytes",
    "parallel",
    "user_agent",
    "max_retry_after",
    "deadline",
)
NOTIFY_KEYS = (
    "email_to",
    "email_from",
    "smtp_host",
    "smtp_port",
    "smtp_tls",
    "slack",
    "send_when_no_changes",
    "smtp_deadline",
    "route",
)
SCHEDULE_KEYS = ("time", "timezone", "days", "max_failures")
DEFAULT_API = "https://api.coverage.cms.gov"
DISCOVER_LIMIT = 400
"""At most this many articles opened by `tracker discover medicare` (two paced calls each)."""
CODE_RE = re.compile(r"^(?:[0-9]{5}|[A-Z][0-9]{4}|[0-9]{4}[A-Z])\Z")
"""CPT (five digits; Category II/III: four digits and a letter, 0213T) and HCPCS Level II (a letter and four digits)."""
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
DISTRIBUTION = "payer-policy-tracker"
"""The name on PyPI (``tracker`` there is an unrelated project); the command and the package stay ``tracker``."""
HOMEPAGE = "https://github.com/tracker-policy/tracker"
"""The project's own homepage (pyproject's Homepage): the User-Agent points payers to it."""
DEFAULT_USER_AGENT = (
    f"{DISTRIBUTION}/0.1 (payer policy change tracker; checks each policy at most once a day; +{HOMEPAGE})"
)


@dataclass(frozen=True)
class Source:
    """One watched policy document (a ``[[source]]`` table)."""

    id: str
    payer: Payer
    title: str
    url: str
    codes: tuple[str, ...]
    plan: str | None = None
    kind: SourceKind | None = None
    selector: str | None = None
    article_id: int | None = None
    api: str | None = None
    lob: str | None = None
    """Line of business (commercial | medicare-advantage | medicaid | exchange | fep), if given."""
    state: str | None = None
    """Two-letter postal code of the state the policy applies to, if given."""
    tags: tuple[str, ...] = ()
    """Teams or service lines the policy belongs to (``[[notify.route]]`` sends each team its own changes)."""

    @property
    def host(self) -> str:
        """The host fetched, for per-host pacing."""
        return urlsplit(self.url).netloc.lower()

    @property
    def expected_kind(self) -> Kind | None:
        """The kind the configuration or the URL promises, if any."""
        if self.kind:
            return self.kind
        if urlsplit(self.url).path.lower().endswith(".pdf"):
            return "pdf"
        return None


@dataclass(frozen=True)
class FetchSettings:
    """How politely and patiently sources are fetched (``[fetch]``)."""

    timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 3
    backoff: float = 2.0
    delay: float = 2.0
    max_bytes: int = 50 * 1024 * 1024
    parallel: int = 4
    user_agent: str = DEFAULT_USER_AGENT
    max_retry_after: float = 120.0
    deadline: float = 120.0
    """Seconds one document may take, retries and backoff included; a slow-drip server is cut off then."""


POSITIVE_FETCH_KEYS = frozenset({"timeout", "read_timeout", "max_bytes", "parallel", "deadline"})
"""[fetch] keys for which 0 makes no sense (the others may be 0: no retries, no pause)."""


@dataclass(frozen=True)
class Config:
    """A parsed sources.toml."""

    path: Path
    codes: tuple[str, ...]
    sources: tuple[Source, ...]
    fetch: FetchSettings = field(default_factory=FetchSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)
    feeds: tuple[Feed, ...] = ()
    """The ``[[feed]]`` tables (tracker.config.feeds)."""

    def select(self, only: tuple[str, ...]) -> tuple[Source, ...]:
        """The sources named by ``--only`` (all when empty); unknown ids are an error."""
        if not only:
            return self.sources
        known = {s.id for s in self.sources}
        unknown = [i for i in only if i not in known]
        if unknown:
            raise ConfigError(
                f"{self.path}: no source with id {', '.join(map(repr, unknown))}; known ids: {', '.join(sorted(known))}"
            )
        return tuple(s for s in self.sources if s.id in only)


class _Locator:
    """Finds the line of a ``[[source]]`` table or of a key in the raw TOML text."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.tables = [i + 1 for i, line in enumerate(self.lines) if re.match(r"^\s*\[\[\s*source\s*\]\]", line)]

    def line(self, index: int | None, key: str | None = None) -> int:
        """Line of source ``index`` (or of the top level when None), or of ``key`` in it."""
        start = self.tables[index] if index is not None and index < len(self.tables) else 1
        if index is None:
            end = self.tables[0] if self.tables else len(self.lines) + 1
        else:
            end = self.tables[index + 1] if index + 1 < len(self.tables) else len(self.lines) + 1
        if key:
            pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
            for number in range(start, end):
                if pattern.match(self.lines[number - 1]):
                    return number
        return start

    def error(self, message: str, index: int | None = None, key: str | None = None) -> ConfigError:
        """A ConfigError pointing at the file and line."""
        return ConfigError(f"{self.path}:{self.line(index, key)}: {message}")


def load_config(path: Path, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate sources.toml once, with the environment's notify settings over ``[notify]``.

    ``env`` is the environment mapping (the CLI passes ``os.environ``; None reads no variable).
    Raises ConfigError naming file, line and key.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such file; pass --sources FILE or set TRACKER_SOURCES "
            "(an example sources.toml ships with the tracker)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return parse_config(data, _Locator(path, text), env or {})


def parse_config(data: Mapping[str, Any], loc: _Locator, env: Mapping[str, str]) -> Config:
    """Validate the decoded TOML document."""
    _check_keys(data, TOP_KEYS, "top level", loc, None)
    codes = _codes(data.get("codes", [DEFAULT_CODE]), loc, None)
    raw_sources = data.get("source", [])
    if not isinstance(raw_sources, list) or not raw_sources:
        raise loc.error("no [[source]] tables: add at least one source to watch")
    sources = tuple(_with_place(_source(raw, i, codes, loc), raw, i, loc) for i, raw in enumerate(raw_sources))
    seen: dict[str, int] = {}
    for i, source in enumerate(sources):
        if source.id in seen:
            raise loc.error(
                f"source {source.id!r}: key 'id' duplicates the source at line "
                f"{loc.line(seen[source.id])}; ids must be unique",
                i,
                "id",
            )
        seen[source.id] = i
    return Config(
        path=loc.path,
        codes=codes,
        sources=sources,
        fetch=_fetch_settings(data.get("fetch", {}), loc),
        notify=_located(
            "notify",
            NOTIFY_KEYS,
            loc,
            lambda: notify_settings(
                _table(data.get("notify", {}), NOTIFY_KEYS, "notify", loc), env, where=f"{loc.path}: [notify]"
            ),
        ),
        schedule=_located(
            "schedule",
            SCHEDULE_KEYS,
            loc,
            lambda: schedule_settings(_table(data.get("schedule", {}), SCHEDULE_KEYS, "schedule", loc), str(loc.path)),
        ),
        feeds=parse_feeds(data.get("feed"), loc.path, "\n".join(loc.lines), [s.id for s in sources]),
    )


T = TypeVar("T")


def _located(name: str, keys: tuple[str, ...], loc: _Locator, build: Callable[[], T]) -> T:
    """Build a table's settings; an error about one of its keys gets that key's line (issue 22)."""
    try:
        return build()
    except ConfigError as exc:
        prefix = f"{loc.path}: "
        if not exc.message.startswith(prefix):  # an environment variable's error, or one already located
            raise
        found = [(m.start(), k) for k in keys if (m := re.search(rf"\b{re.escape(k)}\b", exc.message))]
        line = _table_key_line(loc, name, min(found)[1]) if found else 1
        line = line if line > 1 else _table_header_line(loc, name)
        raise ConfigError(f"{loc.path}:{line}: {exc.message.removeprefix(prefix)}") from None


def _table_header_line(loc: _Locator, name: str) -> int:
    return next((n for n, line in enumerate(loc.lines, 1) if line.strip() == f"[{name}]"), 1)


def _check_keys(
    table: Mapping[str, Any], allowed: tuple[str, ...], where: str, loc: _Locator, index: int | None
) -> None:
    for key in table:
        if key not in allowed:
            raise loc.error(f"{where}: unknown key {key!r}; allowed keys: {', '.join(allowed)}", index, key)


def _codes(value: Any, loc: _Locator, index: int | None, where: str = "top level") -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(c, str) for c in value):
        raise loc.error(f"{where}: key 'codes' must be a non-empty list of strings, e.g. [\"64600\"]", index, "codes")
    value = [c.upper() for c in value]  # "j1234", "0213t": as people write them (issue 22)
    for code in value:
        if not CODE_RE.match(code):
            raise loc.error(
                f"{where}: key 'codes': {code!r} is not a CPT/HCPCS code (five digits such as 64600, "
                "a letter and four digits such as J1234, or four digits and a letter such as 0213T)",
                index,
                "codes",
            )
    return tuple(value)


def _source(raw: Any, index: int, codes: tuple[str, ...], loc: _Locator) -> Source:
    if not isinstance(raw, dict):
        raise loc.error("each [[source]] must be a table", index)
    where = f"source {raw.get('id', '#' + str(index + 1))!r}"
    _check_keys(raw, SOURCE_KEYS, where, loc, index)

    def need(key: str, check: Callable[[Any], bool], what: str, required: bool = True) -> Any:
        value = raw.get(key)
        if value is None:
            if required:
                raise loc.error(f"{where}: missing key {key!r} ({what})", index)
            return None
        if not check(value):
            raise loc.error(f"{where}: key {key!r} must be {what}, not {value!r}", index, key)
        return value

    text = _text
    need("id", lambda v: text(v) and bool(ID_RE.match(v)), "letters, digits, '.', '_' or '-'")
    need("payer", lambda v: v in PAYERS, "one of " + ", ".join(PAYERS))
    need("title", text, "the policy's title")
    kind = need("kind", lambda v: v in KINDS, "one of " + ", ".join(KINDS), required=False)
    article_id = need(
        "article_id",
        lambda v: isinstance(v, int) and v > 0,
        "the article number, e.g. 57452",
        required=kind == "mcd-article",
    )
    if kind == "mcd-article" and raw.get("payer") != "medicare":
        raise loc.error(
            f"{where}: kind 'mcd-article' is a Medicare article: key 'payer' must be \"medicare\"", index, "payer"
        )
    api = need("api", _is_http_url, HTTP_URL, required=False)
    url = need("url", _is_http_url, HTTP_URL, required=kind != "mcd-article")
    if url is None:
        url = f"{(api or DEFAULT_API).rstrip('/')}/v1/data/article/?articleid={article_id}"
    return Source(
        id=raw["id"],
        payer=raw["payer"],
        title=raw["title"].strip(),
        url=url,
        codes=_codes(raw["codes"], loc, index, where) if "codes" in raw else codes,
        plan=_plan(raw["payer"], need("plan", text, "a plan name such as anthem", required=False), where, loc, index),
        kind=kind,
        selector=_html_only(
            need("selector", _is_selector, SELECTOR_WHAT, required=False), kind, url, where, loc, index
        ),
        article_id=article_id,
        api=api,
        tags=tuple(need("tags", _is_tags, 'a list of tags such as ["pain", "neurosurgery"]', required=False) or ()),
    )


def _text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _plan(payer: str, plan: str | None, where: str, loc: _Locator, index: int) -> str | None:
    """A plan the tracker knows, or (BCBS) another company's slug that is not a near miss of a known
    one: a typo ("anthm") is an error naming the known plans; a Medicare contractor must be known."""
    known = PLANS_BY_PAYER.get(payer)
    if plan is None or known is None or plan in known:
        return plan
    near = difflib.get_close_matches(plan, known, n=1, cutoff=0.75)
    if payer in CLOSED_PLANS or near:
        hint = f"did you mean {near[0]!r}? " if near else ""
        raise loc.error(
            f"{where}: key 'plan': {plan!r} is not a {payer} plan; {hint}known: {', '.join(known)}", index, "plan"
        )
    return plan


def _html_only(selector: str | None, kind: str | None, url: str, where: str, loc: _Locator, index: int) -> str | None:
    """A CSS selector narrows an HTML page; on a PDF or a Medicare article it would silently do nothing."""
    if selector is not None and (kind in ("pdf", "mcd-article") or urlsplit(url).path.lower().endswith(".pdf")):
        raise loc.error(
            f"{where}: key 'selector' applies to HTML pages only, and this source is "
            f"{'a ' + kind if kind else 'a PDF'}: remove it (the whole document is read)",
            index,
            "selector",
        )
    return selector


def _with_place(source: Source, raw: Mapping[str, Any], index: int, loc: _Locator) -> Source:
    """The source with its optional line of business and state, checked."""
    lob, state = raw.get("lob"), raw.get("state")
    if lob is not None and lob not in LOBS_TEXT:
        raise loc.error(
            f"source {source.id!r}: key 'lob' must be one of {', '.join(LOBS_TEXT)}, not {lob!r}", index, "lob"
        )
    if state is not None and not (isinstance(state, str) and STATE_RE.match(state)):
        raise loc.error(
            f"source {source.id!r}: key 'state' must be a postal code such as TX, not {state!r}", index, "state"
        )
    return replace(source, lob=lob, state=state)


def _is_tags(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(t, str) and t.strip() and t == t.strip() for t in value)


def _is_selector(value: Any) -> bool:
    if not isinstance(value, str) or not value.strip():
        return False
    import soupsieve  # here, not at the top: it imports BeautifulSoup, which read commands never need

    try:
        soupsieve.compile(value)
    except soupsieve.SelectorSyntaxError:
        return False
    return True


SELECTOR_WHAT = 'a valid CSS selector such as "#main"'
HTTP_URL = "an http(s) URL with a host (and a port from 1 to 65535, if any)"


def _is_http_url(value: Any) -> bool:
    """An http(s) URL that requests can fetch: a host without spaces, a valid port, no broken IPv6 literal."""
    if not isinstance(value, str) or value != value.strip() or any(c.isspace() or ord(c) < 32 for c in value):
        return False
    try:
        parts = urlsplit(value)
        port = parts.port  # ValueError past 65535 or when not a number
    except ValueError:  # "http://[::1/x": an unclosed IPv6 literal
        return False
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host or port == 0:
        return False
    return not any(c in host for c in "\\/@?#%<>\"'`{}|^")


def _table(value: Any, allowed: tuple[str, ...], name: str, loc: _Locator) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise loc.error(f"[{name}] must be a table")
    for key in value:
        if key not in allowed:
            line = _table_key_line(loc, name, key)
            raise ConfigError(f"{loc.path}:{line}: [{name}]: unknown key {key!r}; allowed keys: {', '.join(allowed)}")
    return dict(value)


def _table_key_line(loc: _Locator, name: str, key: str) -> int:
    inside = False
    for number, line in enumerate(loc.lines, 1):
        stripped = line.strip()
        if stripped.startswith("["):
            inside = stripped == f"[{name}]"
        elif inside and re.match(rf"^{re.escape(key)}\s*=", stripped):
            return number
    return 1


def _fetch_settings(value: Any, loc: _Locator) -> FetchSettings:
    table = _table(value, FETCH_KEYS, "fetch", loc)
    defaults = FetchSettings()
    values: dict[str, Any] = {}
    for key in FETCH_KEYS:
        if key in table:
            values[key] = _fetch_value(key, table[key], type(getattr(defaults, key)), loc)
    return FetchSettings(**values)


FETCH_UNITS = {"max_bytes": "bytes", "parallel": "hosts at once", "retries": "retries"}
"""What the whole-number [fetch] keys count; the others are seconds."""


def _fetch_what(key: str, expected: type) -> str:
    """What a [fetch] key must be, in words: "a positive number of seconds", "a whole number of retries, 0 or more"."""
    if expected is str:
        return "text"
    if expected is float:
        return "a positive number of seconds" if key in POSITIVE_FETCH_KEYS else "a number of seconds, 0 or more"
    unit = FETCH_UNITS.get(key, "")
    return (
        f"a whole number of {unit}, at least 1"
        if key in POSITIVE_FETCH_KEYS
        else f"a whole number of {unit}, 0 or more"
    )


def _fetch_value(key: str, given: Any, expected: type, loc: _Locator) -> Any:
    """One [fetch] value of the default's type: finite, not negative (positive where 0 means nothing)."""
    if expected is float and isinstance(given, int) and not isinstance(given, bool):
        given = float(given)
    positive = key in POSITIVE_FETCH_KEYS
    ok = isinstance(given, expected) and not isinstance(given, bool)
    if ok and expected is str:
        ok = bool(given.strip()) and given.isprintable()
    elif ok:
        ok = math.isfinite(given) and (given > 0 if positive else given >= 0)
    if not ok:
        line = _table_key_line(loc, "fetch", key)
        raise ConfigError(
            f"{loc.path}:{line}: [fetch]: key {key!r} must be {_fetch_what(key, expected)}, not {given!r}"
        )
    return given
