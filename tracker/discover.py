"""Discovery: the current Medicare Billing and Coding Articles that list a code, as ready [[source]] entries.

Reads the CMS Coverage API's local-articles report, opens each current article's code list
and, for those that list the code (ranges included), follows related documents to the LCDs.
Every call is paced by ``[fetch] delay``; at most ``DISCOVER_LIMIT`` articles are opened.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

import requests

from tracker.config.sources import DEFAULT_API, DISCOVER_LIMIT, FetchSettings
from tracker.errors import ConfigError, FetchError
from tracker.extract.mcd import display_id, lists_code
from tracker.extract.metadata import iso_date
from tracker.fetch.cms import CODES_PATH, CoverageClient, TokenCache

RELATED_PATH = "/v1/data/article/related-documents"
REPORT_PATH = "/v1/reports/local-coverage-articles/"
STATES_PATH = "/v1/metadata/states/"
"""At most this many articles are opened by one discovery (two calls each, paced by [fetch] delay)."""

Row = dict[str, Any]
log = logging.getLogger("tracker")


# MACs as the reports name them → (plan slug for sources.toml, short name for titles).
MACS: tuple[tuple[str, str, str], ...] = (
    ("National Government Services", "ngs", "NGS"),
    ("First Coast Service Options", "first-coast", "First Coast"),
    ("Noridian Healthcare Solutions", "noridian", "Noridian"),
    ("Novitas Solutions", "novitas", "Novitas"),
    ("Palmetto GBA", "palmetto", "Palmetto GBA"),
    ("CGS Administrators", "cgs", "CGS"),
    ("WPS", "wps", "WPS"),
    ("Wisconsin Physicians Service", "wps", "WPS"),
)
STATES = dict(
    AL="Alabama",
    AK="Alaska",
    AZ="Arizona",
    AR="Arkansas",
    CA="California",
    CO="Colorado",
    CT="Connecticut",
    DE="Delaware",
    DC="District of Columbia",
    FL="Florida",
    GA="Georgia",
    HI="Hawaii",
    ID="Idaho",
    IL="Illinois",
    IN="Indiana",
    IA="Iowa",
    KS="Kansas",
    KY="Kentucky",
    LA="Louisiana",
    ME="Maine",
    MD="Maryland",
    MA="Massachusetts",
    MI="Michigan",
    MN="Minnesota",
    MS="Mississippi",
    MO="Missouri",
    MT="Montana",
    NE="Nebraska",
    NV="Nevada",
    NH="New Hampshire",
    NJ="New Jersey",
    NM="New Mexico",
    NY="New York",
    NC="North Carolina",
    ND="North Dakota",
    OH="Ohio",
    OK="Oklahoma",
    OR="Oregon",
    PA="Pennsylvania",
    RI="Rhode Island",
    SC="South Carolina",
    SD="South Dakota",
    TN="Tennessee",
    TX="Texas",
    UT="Utah",
    VT="Vermont",
    VA="Virginia",
    WA="Washington",
    WV="West Virginia",
    WI="Wisconsin",
    WY="Wyoming",
    PR="Puerto Rico",
    VI="Virgin Islands",
    GU="Guam",
    AS="American Samoa",
    MP="Northern Mariana Islands",
)
"""Postal codes → the state names that /v1/metadata/states/ describes its state_id values with."""


def discover(
    code: str,
    *,
    state: str | None = None,
    api: str = DEFAULT_API,
    session: requests.Session,
    settings: FetchSettings | None = None,
    tokens: TokenCache | None = None,
    limit: int = DISCOVER_LIMIT,
    sleep: Callable[[float], None] = time.sleep,
    on_error: Callable[[Row, FetchError], None] | None = None,
) -> list[Row]:
    """The current local articles that list ``code`` (ranges included), with their LCDs and a [[source]] entry.

    Lists active articles (``status=A``, optionally ``state_id`` for ``state``), opens each one's
    code list, and for those that list the code its related documents. Calls are paced by
    ``settings.delay``; more than ``limit`` articles to open is a ConfigError (narrow with a
    state). A failing article raises, or goes to ``on_error`` (the report row, the error).
    """
    settings = settings or FetchSettings()
    client = CoverageClient(api, session, settings, tokens or TokenCache(), delay=settings.delay, sleep=sleep)
    params: dict[str, Any] = {"status": "A"}
    if state:
        params["state_id"] = _state_ids(client, state)
    report = client.data(REPORT_PATH, params, REPORT_PATH)
    candidates = _candidates(report)
    if len(candidates) > limit:
        where = f" in {state}" if state else ""
        raise ConfigError(
            f"{len(candidates)} current articles{where} would each be opened, more than the limit of {limit}; "
            "narrow the search with --state XX (or raise --limit; each article costs two paced calls)"
        )
    code, found = code.strip().upper(), []
    for number, row in enumerate(candidates, 1):
        log.info("discover: %d/%d %s", number, len(candidates), row.get("document_display_id"))
        try:
            hit = _check_article(client, row, code)
        except FetchError as exc:
            if on_error is None:
                raise
            on_error(row, exc)
            continue
        if hit:
            found.append(hit)
    return sorted(found, key=lambda r: r["article"])


def _state_ids(client: CoverageClient, state: str) -> str:
    """``state_id`` for "MD", "Maryland", "24" or "MD,VA" (the reports take a comma list)."""
    known = client.data(STATES_PATH, {}, STATES_PATH)
    ids = []
    for wanted in (s.strip() for s in state.split(",") if s.strip()):
        names = {wanted.casefold(), STATES.get(wanted.upper(), wanted).casefold()}
        match = [
            r.get("state_id")
            for r in known
            if str(r.get("state_id")) == wanted or str(r.get("description", "")).strip().casefold() in names
        ]
        if not match:
            offered = ", ".join(sorted(str(r.get("description")) for r in known)[:60])
            raise ConfigError(
                f"unknown state {wanted!r}: use a two-letter postal code such as MD "
                f"or the API's state_id; the API knows: {offered}"
            )
        ids.append(str(match[0]))
    return ",".join(ids)


def _candidates(report: Sequence[Row]) -> list[Row]:
    """Current articles that can list codes: not retired, not a "Response to Comments", each once."""
    seen: set[str] = set()
    out = []
    for row in report:
        doc_id = str(row.get("document_id") or "")
        title = str(row.get("title") or "")
        retired = str(row.get("retirement_date") or "N/A").strip().upper() not in ("", "N/A")
        if not doc_id.isdigit() or doc_id in seen or retired or title.lower().startswith("response to comments"):
            continue
        seen.add(doc_id)
        out.append(row)
    return out


def _check_article(client: CoverageClient, row: Row, code: str) -> Row | None:
    display = str(row.get("document_display_id") or f"A{row['document_id']}")
    params = {"articleid": int(row["document_id"]), "ver": row.get("document_version")}
    codes = client.data(CODES_PATH, params, f"{display} {CODES_PATH}")
    if not any(lists_code(r, code) for r in codes):
        return None
    related = client.data(RELATED_PATH, params, f"{display} {RELATED_PATH}")
    return discovered(row, related, client.api)


def discovered(row: Row, related: Sequence[Row], api: str = DEFAULT_API) -> Row:
    """One discovery result from a report row and the article's related documents."""
    article_id = int(row["document_id"])
    display = display_id({"display_id": row.get("document_display_id"), "article_id": article_id}) or ""
    names = _contractors(str(row.get("contractor_name_type") or ""))
    plan, short = _mac(names[0] if names else "")
    result: Row = {
        "article": display,
        "article_id": article_id,
        "version": row.get("document_version"),
        "title": str(row.get("title") or "").strip(),
        "contractor": "; ".join(names),
        "plan": plan,
        "effective_date": iso_date(str(row.get("effective_date") or "")),
        "url": row.get("url"),
        "lcds": _lcds(related),
        "source_id": f"mcd-{display.lower()}",
    }
    result["toml"] = source_toml(result, f"{result['title']} ({display}, {short})", api)
    return result


def _contractors(value: str) -> list[str]:
    """Contractor names from "Name\\n(MAC - Part A, ...)" blocks separated by blank lines."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", value) if b.strip()]
    return [b.splitlines()[0].strip() for b in blocks]


def _mac(name: str) -> tuple[str | None, str]:
    for prefix, slug, short in MACS:
        if name.startswith(prefix):
            return slug, short
    slug = re.sub(r"[^a-z0-9]+", "-", " ".join(name.lower().split()[:2])).strip("-")
    return slug or None, name or "unknown contractor"


def _lcds(related: Sequence[Row]) -> list[Row]:
    lcds = {}
    for r in related:
        if r.get("r_lcd_id"):
            lcd_id = int(r["r_lcd_id"])
            lcds[lcd_id] = {
                "lcd": f"L{lcd_id}",
                "lcd_id": lcd_id,
                "version": r.get("r_lcd_version"),
                "url": r.get("url"),
            }
    return [lcds[k] for k in sorted(lcds)]


def source_toml(row: Row, title: str, api: str = DEFAULT_API) -> str:
    """A ready-to-paste ``[[source]]`` table for a discovered article (strings quoted as TOML basic strings)."""
    lcds = ", ".join(lcd["lcd"] for lcd in row["lcds"]) or "none listed"
    lines = [
        f"# {row['article']} v{row['version']} · {row['contractor'] or 'contractor unknown'} · "
        f"effective {row['effective_date'] or '?'} · LCD {lcds}",
        "[[source]]",
        f"id = {json.dumps(row['source_id'])}",
        'payer = "medicare"',
    ]
    if row["plan"]:
        lines.append(f"plan = {json.dumps(row['plan'])}")
    lines += [
        f"title = {json.dumps(title, ensure_ascii=False)}",
        'kind = "mcd-article"',
        f"article_id = {row['article_id']}",
    ]
    if api.rstrip("/") != DEFAULT_API:
        lines.append(f"api = {json.dumps(api)}")
    return "\n".join(lines) + "\n"
