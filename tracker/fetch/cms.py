"""The CMS Coverage API (Medicare): fetch Billing and Coding Articles.

Paths, parameters, envelopes and field names follow the API's own OpenAPI spec, version 1.5
(``../shared/reference/cms-coverage-api-openapi-v1.5.json``). Data calls carry the license
token of ``GET /v1/metadata/license-agreement/`` as ``Authorization: Bearer``; a token lasts
one hour, so a run fetches it once and reuses it, and renews it once if a call answers 401.

An article fetch makes four calls (the article, then its codes, code-group paragraphs and
revision history at that same version, so the four answers agree) and returns one canonical
JSON document: the answers' ``data`` rows, sorted, without the envelopes, keys sorted, so the
same API answers always give the same bytes. Every answer that breaks the spec (HTTP error,
HTML, no envelope, no article) is a FetchError: the last good version is kept, never "removed".
Finding the articles that list a code is ``tracker.discover``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import requests

from tracker.config.sources import DEFAULT_API, FetchSettings, Source
from tracker.errors import FetchError
from tracker.extract.mcd import write_document
from tracker.fetch.http import error_class_of, read_capped, reason_of
from tracker.fetch.hygiene import reason
from tracker.fetch.verdict import check_body
from tracker.hygiene import one_line
from tracker.models import Fetched

TOKEN_PATH = "/v1/metadata/license-agreement/"
LICENSE = "the CMS Coverage API's license agreement"
"""How messages name the token call (its URL follows in parentheses where it helps)."""
ARTICLE_PATH = "/v1/data/article/"
CODES_PATH = "/v1/data/article/hcpc-code"
GROUPS_PATH = "/v1/data/article/hcpc-code-group"
HISTORY_PATH = "/v1/data/article/revision-history"
TOKEN_LIFETIME = timedelta(hours=1)
RENEW_EARLY = timedelta(minutes=5)
"""Renew this long before the hour is up, so that no call goes out with a token about to lapse."""

Row = dict[str, Any]
log = logging.getLogger("tracker")


def _utcnow() -> datetime:
    return datetime.now(UTC)


class TokenCache:
    """The license-agreement tokens of one run, one per API base: fetched once, reused, renewed early or on 401."""

    def __init__(
        self,
        clock: Callable[[], datetime] = _utcnow,
        *,
        lifetime: timedelta = TOKEN_LIFETIME,
        margin: timedelta = RENEW_EARLY,
    ) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.margin = margin
        self.issued = 0
        """How many tokens were fetched (for logs and tests)."""
        self._tokens: dict[str, tuple[str, datetime]] = {}
        self._lock = threading.Lock()  # sources on different API hosts are fetched by different threads

    def get(self, api: str, fetch_token: Callable[[], str]) -> str:
        """The token for ``api``: the one held while it is fresh, else a new one from ``fetch_token``."""
        with self._lock:
            held = self._tokens.get(api)
            if held and self.clock() < held[1]:
                return held[0]
            return self._fetch(api, fetch_token)

    def renew(self, api: str, stale: str, fetch_token: Callable[[], str]) -> str:
        """A new token after ``stale`` was refused, unless another caller has already replaced it."""
        with self._lock:
            held = self._tokens.get(api)
            if held and held[0] != stale and self.clock() < held[1]:
                return held[0]
            return self._fetch(api, fetch_token)

    def _fetch(self, api: str, fetch_token: Callable[[], str]) -> str:
        asked = self.clock()  # the hour counts from the request, not from the answer
        token = fetch_token()
        self._tokens[api] = (token, asked + self.lifetime - self.margin)
        self.issued += 1
        return token


@dataclass
class CoverageClient:
    """GET calls to one CMS Coverage API base, with the license token, the envelope checks and clear errors."""

    api: str
    session: requests.Session
    settings: FetchSettings
    tokens: TokenCache
    delay: float = 0.0
    """Pause before every call but the first (discovery); an article fetch is paced per source instead."""
    sleep: Callable[[float], None] = time.sleep
    calls: int = field(default=0, init=False)
    """Calls made so far (the license-agreement call included)."""

    def data(self, path: str, params: Mapping[str, Any], what: str) -> list[Row]:
        """The ``data`` rows of one call; on a 401 the token is renewed once and the call repeated."""
        token = self.tokens.get(self.api, self.license_token)
        rows = self._get(path, params, what, token)
        if rows is not None:
            return rows
        log.info("api=%s token refused on %s; renewing it once", self.api, path)
        token = self.tokens.renew(self.api, token, self.license_token)
        rows = self._get(path, params, what, token)
        if rows is None:
            raise FetchError(
                f"{what}: the CMS Coverage API refused a fresh license token (HTTP 401 twice) at "
                f"{self.url(path, params)}; check that `api` points at the CMS Coverage API",
                error_class="http-status",
                http_status=401,
            )
        return rows

    def license_token(self) -> str:
        """A new token from the license-agreement endpoint (``token``, or ``Token`` as some deployments spell it)."""
        rows = self._get(TOKEN_PATH, {}, LICENSE, None) or []
        token = next((r.get("token") or r.get("Token") for r in rows[:1]), None)
        if not isinstance(token, str) or not token.strip():
            raise FetchError(
                f"{LICENSE}: no token in the answer of {self.url(TOKEN_PATH, {})} "
                "(expected data[0].token); the API may have changed, see the OpenAPI spec",
                error_class="unreadable",
            )
        return token.strip()

    def url(self, path: str, params: Mapping[str, Any]) -> str:
        """The full URL of a call."""
        query = urlencode({k: v for k, v in params.items() if v is not None})
        return f"{self.api.rstrip('/')}{path}" + (f"?{query}" if query else "")

    def _get(self, path: str, params: Mapping[str, Any], what: str, token: str | None) -> list[Row] | None:
        """The ``data`` rows of one call; None when the API refused ``token`` (HTTP 401)."""
        if self.calls and self.delay:
            self.sleep(self.delay)
        self.calls += 1
        url = self.url(path, params)
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        timeout = (self.settings.timeout, self.settings.read_timeout)
        try:
            response = self.session.get(url, headers=headers, timeout=timeout, stream=True)
        except requests.RequestException as exc:
            raise FetchError(f"{what}: {reason_of(exc)} ({url})", error_class=error_class_of(exc)) from exc
        with response:
            probe = _probe(url)
            if response.status_code == 401 and token:
                return None
            if response.status_code >= 400:
                raise _status_error(what, url, response, probe)
            return _rows(what, url, response, self.settings.max_bytes, probe)


def _probe(url: str) -> Source:
    """A stand-in Source for the shared body checks, so that their messages name the endpoint called."""
    return Source(
        id="cms-coverage-api", payer="medicare", title="CMS Coverage API", url=url, codes=(), kind="mcd-article"
    )


def _status_error(what: str, url: str, response: requests.Response, probe: Source) -> FetchError:
    detail = ""
    try:  # the spec's error shape: {"message": ..., "code": ...}
        answer = json.loads(read_capped(probe, response, 64 * 1024))
        detail = (
            f": {one_line(str(answer['message']), 500)}" if isinstance(answer, dict) and answer.get("message") else ""
        )
    except (FetchError, ValueError, requests.RequestException):
        pass
    advice = (
        "the API refused the request: check the article id (or the discovery filters)"
        if response.status_code < 500
        else "the API is failing; the last good version is kept and the next run tries again"
    )
    return FetchError(
        f"{what}: HTTP {response.status_code} {reason(response)}{detail} ({url}); {advice}",
        error_class="http-status",
        http_status=response.status_code,
    )


def _rows(what: str, url: str, response: requests.Response, max_bytes: int, probe: Source) -> list[Row]:
    """The ``data`` rows of an answer; FetchError unless it is the spec's {"meta": ..., "data": [...]} envelope."""
    body = b""
    try:
        body = read_capped(probe, response, max_bytes)
        check_body(probe, body, response.headers.get("Content-Type"))  # empty, a bot challenge, HTML for JSON
        answer = json.loads(body)
    except FetchError as exc:
        raise FetchError(f"{what}: {exc.message}", error_class=exc.error_class, body=body or None) from exc
    except ValueError as exc:
        raise FetchError(
            f"{what}: the answer is not valid JSON ({exc}) ({url})", error_class="unreadable", body=body
        ) from exc
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(answer, dict) or "meta" not in answer or not isinstance(data, list):
        raise FetchError(
            f'{what}: the answer lacks the API\'s {{"meta", "data": [...]}} envelope ({url})',
            error_class="unreadable",
            body=body,
        )
    if not all(isinstance(row, dict) for row in data):
        raise FetchError(
            f"{what}: the answer's data holds something other than rows ({url})", error_class="unreadable", body=body
        )
    return data


# --- one article ------------------------------------------------------------------------------------


def fetch_article(source: Source, session: requests.Session, settings: FetchSettings, tokens: TokenCache) -> Fetched:
    """Fetch the latest version of an mcd-article source as one canonical JSON document (kind "mcd-article")."""
    if source.article_id is None:
        raise FetchError(
            f"{source.id}: an mcd-article source needs article_id (e.g. 57452 for A57452)", error_class="internal"
        )
    client = CoverageClient(source.api or DEFAULT_API, session, settings, tokens)
    name = f"{source.id} (A{source.article_id})"
    article = _one_article(
        client.data(ARTICLE_PATH, {"articleid": source.article_id}, f"{name} {ARTICLE_PATH}"), source.article_id, name
    )
    params = {"articleid": source.article_id, "ver": article["article_version"]}
    codes = client.data(CODES_PATH, params, f"{name} {CODES_PATH}")
    groups = client.data(GROUPS_PATH, params, f"{name} {GROUPS_PATH}")
    history = client.data(HISTORY_PATH, params, f"{name} {HISTORY_PATH}")
    _require_codes(name, article, codes, groups)
    return Fetched(
        url=source.url,
        http_status=200,
        body=write_document(article, codes, groups, history),
        content_type="application/json",
        kind="mcd-article",
        etag=None,
        last_modified=None,
    )


def _one_article(rows: list[Row], article_id: int, name: str) -> Row:
    if not rows:
        raise FetchError(
            f"{name} {ARTICLE_PATH}: the CMS Coverage API returned no article {article_id} (empty data); "
            "check article_id in sources.toml (the number of A-id, e.g. 57452) — the article may be retired",
            error_class="empty",
        )
    if not all(str(r.get("article_version")).isdigit() for r in rows):
        raise FetchError(f"{name} {ARTICLE_PATH}: a row has no article_version number", error_class="unreadable")
    row = max(rows, key=lambda r: int(r["article_version"]))
    if str(row.get("article_id", article_id)) != str(article_id):
        raise FetchError(
            f"{name} {ARTICLE_PATH}: the API answered with article {row.get('article_id')}", error_class="unreadable"
        )
    return row


def _require_codes(name: str, article: Row, codes: list[Row], groups: list[Row]) -> None:
    """A tracked article lists codes; an answer without them is a glitch, not every code removed."""
    version = article["article_version"]
    if not codes:
        raise FetchError(
            f"{name} {CODES_PATH}: the API listed no codes for version {version}; a Billing and Coding "
            "Article watched for its codes always has some, so the last good version is kept",
            error_class="empty",
        )
    if not groups:
        raise FetchError(
            f"{name} {GROUPS_PATH}: no paragraphs for version {version} although it lists codes; "
            "the last good version is kept",
            error_class="empty",
        )
