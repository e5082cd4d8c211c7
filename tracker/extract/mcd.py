"""Medicare Billing and Coding Articles: the tracker's canonical CMS Coverage API document → Extraction.

``tracker.fetch.cms`` fetches an article version and ``write_document`` turns the answers into one
JSON document (``FORMAT``): the API's article row, its CPT/HCPCS code rows, the paragraphs
of their code groups and the revision history, envelopes removed. Here each tracked code listed in it becomes one
Section per code row: the heading is the code group ("CPT/HCPCS Codes › Group 1 Codes"),
the governing text is the group's paragraph followed by the code row, and the status is
read from that paragraph. Pure functions: no network, no clock.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from tracker.errors import ExtractError
from tracker.extract.codes import in_range, is_code_like, mentions, shape
from tracker.extract.metadata import iso_date
from tracker.extract.normalize import clean
from tracker.extract.sections import SEP
from tracker.judge.classify import classify_prior_auth, classify_status
from tracker.models import Extraction, Metadata, Section

FORMAT = "tracker/mcd-article@1"
"""The ``format`` value of the canonical document (bump it if its shape ever changes)."""

PARTS = ("article", "hcpc_code", "hcpc_code_group", "revision_history")
"""Top-level keys of the canonical document besides ``format``: one per API endpoint."""

Row = Mapping[str, Any]
_TAG = re.compile(r"<\s*/?\s*[A-Za-z][^>]*>")
_BLOCK = re.compile(r"<\s*/?\s*(?:br|p|li|ul|ol|div|tr|td|th|table|h\d)\b[^>]*>", re.IGNORECASE)


def read_article(body: bytes, codes: Sequence[str]) -> Extraction:
    """Metadata and the sections of ``codes`` from a canonical mcd-article document."""
    doc = load_document(body)
    paragraphs = {_group(g): paragraph_text(g.get("paragraph")) for g in doc["hcpc_code_group"]}
    sections = [
        _section(code, row, paragraphs.get(_group(row), ""))
        for code in codes
        for row in doc["hcpc_code"]
        if lists_code(row, code)
    ]
    return Extraction(metadata=article_metadata(doc["article"], doc["revision_history"]), sections=tuple(sections))


def write_document(article: Row, codes: Iterable[Row], groups: Iterable[Row], history: Iterable[Row]) -> bytes:
    """The canonical document of an article version: the API rows, sorted, keys sorted, no envelope (stable bytes)."""
    doc = {
        "format": FORMAT,
        "article": article,
        "hcpc_code": _sorted(codes, "hcpc_code_group", "hcpc_code_id"),
        "hcpc_code_group": _sorted(groups, "hcpc_code_group"),
        "revision_history": _sorted(history, "rev_hist_num"),
    }
    return (json.dumps(doc, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def _sorted(rows: Iterable[Row], *fields: str) -> list[Row]:
    def key(row: Row) -> tuple[str, ...]:
        # Numbers padded so that group 10 sorts after group 9; the whole row breaks ties.
        parts = [str(row.get(f) or "").zfill(12) for f in fields]
        return (*parts, json.dumps(row, sort_keys=True))

    return sorted(rows, key=key)


def load_document(body: bytes) -> dict[str, Any]:
    """The parsed canonical document; ExtractError if it is not one."""
    try:
        doc = json.loads(body)
    except ValueError as exc:
        raise ExtractError(f"not a tracker mcd-article document: invalid JSON ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ExtractError(
            f'not a tracker mcd-article document (expected "format": "{FORMAT}"); '
            "such documents are written by the mcd-article fetch, not served by the API as such"
        )
    if not isinstance(doc.get("article"), dict) or not all(isinstance(doc.get(k), list) for k in PARTS[1:]):
        raise ExtractError(f"mcd-article document lacks one of {', '.join(PARTS)}; re-fetch the source")
    return doc


def lists_code(row: Row, code: str) -> bool:
    """True when a ``hcpc-code`` row lists ``code``: the code itself or a range that contains it.

    The spec documents ``range`` only as "CPT/HCPCS range", so every reading is accepted:
    a range written in ``hcpc_code_id`` ("64590-64610") or in ``range``, or ``range``
    holding the upper end of a range that starts at ``hcpc_code_id``.
    """
    code = code.strip().upper()
    first = str(row.get("hcpc_code_id") or "").strip().upper()
    extent = str(row.get("range") or "").strip().upper()
    if first == code or mentions(first, code) or (extent and mentions(extent, code)):
        return True
    return is_code_like(extent) and shape(extent) == shape(first) and in_range(code, first, extent)


def code_label(row: Row) -> str:
    """The code as the article shows it: "64600", or "64590-64610" for a range row."""
    first = clean(str(row.get("hcpc_code_id") or ""))
    extent = clean(str(row.get("range") or ""))
    if is_code_like(extent) and extent.upper() != first.upper():
        return f"{first}-{extent}"
    if extent and mentions(extent, first) and extent != first:
        return extent
    return first


def paragraph_text(value: Any) -> str:
    """A group paragraph as plain normalized text (the API serves HTML, sometimes entity-encoded twice)."""
    text = _untag(str(value or ""))
    if _TAG.search(text):  # the markup itself was entity-encoded: "&lt;p&gt;" became "<p>"
        text = _untag(text)
    return clean(text)


def _untag(text: str) -> str:
    """Block tags become spaces, inline tags vanish (so "<b>Group</b>s" stays one word), then entities."""
    return html.unescape(_TAG.sub("", _BLOCK.sub(" ", text)))


def article_metadata(article: Row, history: Sequence[Row]) -> Metadata:
    """Title, display id (A57452), API version, effective date and the latest revision-history date.

    last_review_date is the newest ``rev_hist_date``: a Billing and Coding Article has no
    review date of its own, and its revision history is where each review is logged.
    """
    version = article.get("article_version")
    revised = [d for d in (iso_date(str(h.get("rev_hist_date") or "")) for h in history) if d]
    return Metadata(
        title=clean(str(article.get("title") or "")) or None,
        policy_number=display_id(article),
        effective_date=iso_date(str(article.get("article_eff_date") or "")),
        last_review_date=max(revised) if revised else None,
        version=str(version) if version is not None else None,
    )


def display_id(article: Row) -> str | None:
    """The article's public id, "A57452" (the API may give ``display_id`` as a bare number)."""
    value = str(article.get("display_id") or article.get("article_id") or "").strip()
    if not value:
        return None
    return f"A{value}" if value.isdigit() else value.upper()


def _group(row: Row) -> int | None:
    value = row.get("hcpc_code_group")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _section(code: str, row: Row, paragraph: str) -> Section:
    group = _group(row)
    heading = f"CPT/HCPCS Codes{SEP}Group {group} Codes" if group is not None else "CPT/HCPCS Codes"
    description = clean(str(row.get("long_description") or row.get("short_description") or ""))
    line = f"Code: {code_label(row)} | Description: {description}" if description else f"Code: {code_label(row)}"
    text = f"{paragraph}\n{line}" if paragraph else line
    # The paragraph is the group's ruling; the heading only names the group, so it decides nothing.
    return Section(
        code=code,
        heading=heading,
        text=text,
        status=classify_status(paragraph),
        prior_auth=classify_prior_auth(paragraph),
    )
