"""A loopback CMS Coverage API for tests: the OpenAPI 1.5 paths, parameters, envelopes and field names.

Data and report calls without a valid ``Authorization: Bearer`` token get 401, as the spec's
global BearerAuth says; tokens come from ``/v1/metadata/license-agreement/``. Tests change
what it serves between runs (article versions, report rows) and inject faults per path.
Fixture contents follow real MCD articles (titles, contractors, versions from the
2025-08-17 report harvest); the paragraphs are written for the tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.helpers import Answer, LoopbackHTTPServer, Request
from tests.samples import D64600, D64605

Row = dict[str, Any]
ARTICLE_PARAMS = {"articleid", "ver"}
REPORT_PARAMS = {"contractor_id", "state_id", "status"}
ARTICLE_PATHS = {
    "/v1/data/article/": "article",
    "/v1/data/article/hcpc-code": "codes",
    "/v1/data/article/hcpc-code-group": "groups",
    "/v1/data/article/revision-history": "history",
    "/v1/data/article/related-documents": "related",
}
TOKEN_PATH = "/v1/metadata/license-agreement/"
STATES_PATH = "/v1/metadata/states/"
REPORT_PATH = "/v1/reports/local-coverage-articles/"

DESCRIPTIONS = {
    "64400": "Injection(s), anesthetic agent(s) and/or steroid; trigeminal nerve, each branch (ie, ophthalmic, "
    "maxillary, mandibular)",
    "64405": "Injection(s), anesthetic agent(s) and/or steroid; greater occipital nerve",
    "64450": "Injection(s), anesthetic agent(s) and/or steroid; other peripheral nerve or branch",
    "64600": D64600,
    "64605": D64605,
    "64999": "Unlisted procedure, nervous system",
}
COVERED = (
    "<p>The following CPT codes are considered reasonable and necessary when billed for the "
    "peripheral nerve blocks described in the related LCD.</p>"
)
NON_COVERED = "<p>The following CPT codes are non-covered for the treatment of chronic pain.</p>"


@dataclass
class ArticleVersion:
    """Everything the article endpoints answer for one version of one article."""

    article: Row
    codes: list[Row]
    groups: list[Row]
    history: list[Row]
    related: list[Row] = field(default_factory=list)


def article_version(
    article_id: int,
    version: int,
    *,
    title: str,
    effective: str,
    groups: dict[int, tuple[str, list[str]]],
    history: list[tuple[str, str]],
    lcds: tuple[tuple[int, int], ...] = (),
    ranges: dict[str, str] | None = None,
) -> ArticleVersion:
    """An article version: ``groups`` maps a group number to (paragraph HTML, codes); ``history`` is (date, text)."""
    base = {"article_id": article_id, "article_version": version}
    codes = [
        {
            **base,
            "hcpc_code_id": code,
            "hcpc_code_version": 1,
            "hcpc_code_group": group,
            "long_description": DESCRIPTIONS.get(code[:5], "Destruction by neurolytic agent"),
            "short_description": DESCRIPTIONS.get(code[:5], "Neurolytic agent")[:28],
            "range": (ranges or {}).get(code, ""),
            "last_updated": effective,
        }
        for group, (_, listed) in groups.items()
        for code in listed
    ]
    return ArticleVersion(
        article={
            **base,
            "article_type": 1,
            "article_type_description": "Billing and Coding",
            "title": title,
            "article_pub_date": effective,
            "article_eff_date": effective,
            "article_end_date": "",
            "status": "A",
            "display_id": article_id,
            "last_updated": effective,
            "thirty_percent": "N",
        },
        codes=codes,
        groups=[
            {**base, "hcpc_code_group": g, "paragraph": p, "last_updated": effective} for g, (p, _) in groups.items()
        ],
        history=[
            {**base, "rev_hist_num": n, "rev_hist_date": d, "rev_hist_exp": text, "last_updated": d}
            for n, (d, text) in enumerate(history, 1)
        ],
        related=[
            {
                **base,
                "related_num": n,
                "r_article_id": None,
                "r_article_version": None,
                "r_lcd_id": lcd,
                "r_lcd_version": ver,
                "r_contractor_id": None,
                "last_updated": effective,
                "url": f"https://www.cms.gov/medicare-coverage-database/view/lcd.aspx?lcdid={lcd}&ver={ver}",
            }
            for n, (lcd, ver) in enumerate(lcds, 1)
        ],
    )


NGS_HISTORY = [("01/01/2024", "Annual CPT/HCPCS code update."), ("10/01/2024", "Group 1 codes revised.")]


def a57452(version: int, *, move_64600: bool = False, reword: bool = False) -> ArticleVersion:
    """NGS Billing and Coding: Peripheral Nerve Blocks; version 42 may move 64600 or reword group 1."""
    group1 = COVERED.replace("considered ", "") if reword else COVERED
    covered = ["64400", "64405", "64450"] + ([] if move_64600 else ["64600"])
    return article_version(
        57452,
        version,
        title="Billing and Coding: Peripheral Nerve Blocks",
        effective="01/01/2024" if version == 41 else "10/01/2024",
        groups={1: (group1, covered), 2: (NON_COVERED, ["64999"] + (["64600"] if move_64600 else []))},
        history=NGS_HISTORY[: 1 if version == 41 else 2],
        lcds=((36850, 24),),
    )


def a57788(version: int, *, drop_64600: bool = False) -> ArticleVersion:
    """First Coast Billing and Coding: Peripheral Nerve Blocks; version 35 may drop 64600."""
    return article_version(
        57788,
        version,
        title="Billing and Coding: Peripheral Nerve Blocks",
        effective="10/01/2023" if version == 34 else "10/01/2024",
        groups={1: (COVERED, ["64400", "64405"] + ([] if drop_64600 else ["64600", "64605"]))},
        history=[("10/01/2023", "Revised for annual update.")]
        + ([("10/01/2024", "Codes revised.")] if version == 35 else []),
        lcds=((33933, 30),),
    )


def report_row(
    article_id: int, version: int, title: str, contractor: str, effective: str, *, retired: str = "N/A"
) -> Row:
    """A /v1/reports/local-coverage-articles/ row (field names of DataReportsLocalCoverageArticle)."""
    return {
        "document_id": str(article_id),
        "document_version": version,
        "document_display_id": f"A{article_id}",
        "document_type": "Article",
        "note": "" if retired == "N/A" else "Retired",
        "title": title,
        "contractor_name_type": contractor,
        "updated_on": effective,
        "updated_on_sort": "20240918141625",
        "effective_date": effective,
        "retirement_date": retired,
        "url": f"https://www.cms.gov/medicare-coverage-database/view/article.aspx?articleid={article_id}&ver={version}",
    }


@dataclass
class Call:
    """One request the API saw."""

    path: str
    params: dict[str, str]
    authorization: str | None
    status: int


class CoverageAPI(LoopbackHTTPServer):
    """The loopback API; ``base`` is its address, to put in a source's ``api``."""

    def __init__(self) -> None:
        super().__init__()
        self.articles: dict[int, dict[int, ArticleVersion]] = {}
        self.current: dict[int, int] = {}
        self.report: list[Row] = []
        self.report_states: dict[str, set[int]] = {}
        self.states: list[Row] = [
            {"state_id": i, "description": n}
            for i, n in (
                (5, "California"),
                (10, "Florida"),
                (14, "Illinois"),
                (33, "New York"),
                (3, "Arizona"),
                (50, "Wisconsin"),
            )
        ]
        self.token_field = "token"
        self.valid: set[str] = set()
        self.issued = 0
        self.expire_after: int | None = None
        """Invalidate every token after this many authorized calls (a token that lapses mid-run)."""
        self.refuse_all = False
        self.faults: dict[str, str] = {}
        self._authorized = 0

    @property
    def calls(self) -> list[Call]:
        """Every request the API saw, in order."""
        return [_call(r) for r in self.log]

    def serve(self, *versions: ArticleVersion) -> None:
        """Serve these versions, each as its article's current one."""
        with self.lock:
            for v in versions:
                aid, ver = v.article["article_id"], v.article["article_version"]
                self.articles.setdefault(aid, {})[ver] = v
                self.current[aid] = ver

    def hits(self, path: str) -> list[Call]:
        """The calls on one path."""
        return [c for c in self.calls if c.path == path]

    def respond(self, request: Request) -> Answer:
        call = _call(request)
        status, ctype, body = self.answer(call.path, call.params, call.authorization)
        return Answer(status, body, ctype)

    def answer(self, path: str, params: dict[str, str], authorization: str | None) -> tuple[int, str, bytes]:
        """Status, content type and body for one GET."""
        with self.lock:
            if path == TOKEN_PATH:
                return self._token()
            if path not in (*ARTICLE_PATHS, STATES_PATH, REPORT_PATH):
                return _error(404, f"no such endpoint {path}")
            if not self._authorized_call(authorization):
                return _error(401, "Unauthorized: accept the license agreement first")
            fault = self.faults.get(path)
            if fault:
                return _fault(fault)
            return self._data(path, params)

    def _token(self) -> tuple[int, str, bytes]:
        self.issued += 1
        token = f"tok-{self.issued}"
        self.valid.add(token)
        return 200, "application/json", _envelope([{self.token_field: token}])

    def _authorized_call(self, authorization: str | None) -> bool:
        token = (authorization or "").removeprefix("Bearer ")
        if self.refuse_all or not authorization or not authorization.startswith("Bearer ") or token not in self.valid:
            return False
        self._authorized += 1
        if self.expire_after is not None and self._authorized >= self.expire_after:
            self.valid.clear()  # this call still passes; the next one needs a new token
            self.expire_after = None
        return True

    def _data(self, path: str, params: dict[str, str]) -> tuple[int, str, bytes]:
        if path == STATES_PATH:
            return 200, "application/json", _envelope(self.states)
        if path == REPORT_PATH:
            return self._report(params)
        if set(params) - ARTICLE_PARAMS or "articleid" not in params:
            return _error(400, f"articleid is required; allowed parameters: {sorted(ARTICLE_PARAMS)}")
        versions = self.articles.get(int(params["articleid"]), {})
        ver = int(params["ver"]) if params.get("ver") else self.current.get(int(params["articleid"]), 0)
        found = versions.get(ver)
        if found is None:
            return 200, "application/json", _envelope([])
        rows = getattr(found, ARTICLE_PATHS[path])
        return 200, "application/json", _envelope([rows] if isinstance(rows, dict) else rows)

    def _report(self, params: dict[str, str]) -> tuple[int, str, bytes]:
        if set(params) - REPORT_PARAMS:
            return _error(400, f"allowed parameters: {sorted(REPORT_PARAMS)}")
        rows = self.report
        if params.get("status") == "A":
            rows = [r for r in rows if r["retirement_date"] == "N/A"]
        if params.get("state_id"):
            wanted = {int(s) for s in params["state_id"].split(",")}
            rows = [r for r in rows if self.report_states.get(r["document_id"], set()) & wanted]
        return 200, "application/json", _envelope(rows)


def _call(request: Request) -> Call:
    parts = urlsplit(request.path)
    params = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    return Call(parts.path, params, request.header("Authorization"), request.status)


def _envelope(rows: list[Row]) -> bytes:
    meta = {
        "status": {"id": 200, "message": "OK"},
        "notes": f"Served {datetime.now(UTC).isoformat()}",  # changes on every answer, like a timestamp
        "fields": sorted(rows[0]) if rows else [],
        "children": [],
    }
    return json.dumps({"meta": meta, "data": rows}).encode()


def _error(status: int, message: str) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps({"message": message, "code": status}).encode()


def _fault(kind: str) -> tuple[int, str, bytes]:
    if kind == "html":  # what a proxy in front of the API serves during maintenance, with 200
        return (
            200,
            "text/html",
            b"<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>The "
            b"Medicare Coverage Database is down for maintenance</h1></body></html>",
        )
    if kind == "no-envelope":
        return 200, "application/json", json.dumps([{"article_id": 57452}]).encode()
    if kind == "500":
        return _error(500, "Internal Server Error")
    if kind == "empty":
        return 200, "application/json", _envelope([])
    raise ValueError(kind)
