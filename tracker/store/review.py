"""The review queue and the analysts' agreement statistics (`tracker review`, issue 21).

A reading is queued when a person should look at it and no analyst's confirmation holds on
the source's current version for that code. Reasons, in the order they are listed:

- ``needs_review``: the sections that decide the code's status disagree;
- ``weak_link``: a governing section took its stance from a linked passage (basis ``from`` "linked");
- ``mentioned_near_stance``: read "mentioned", yet its section uses words that take a stance;
- ``lapsed``: an analyst's confirmation lapsed because the governing text changed;
- ``status_changed``: the automatic status changed since the last confirmation (or ever, without one);
- ``new_policy``: the source was first captured within ``NEW_DAYS`` days.

Sections' ``basis`` dicts are read generically: every key is passed on as stored.
May import: ``tracker.errors`` and the modules of ``tracker.store``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, TypedDict

from tracker.store import confirmations
from tracker.store.database import Store
from tracker.store.lookups import Row, as_bool, coverage, latest_document, select_row, select_rows
from tracker.vocab import status_word

NEW_DAYS = 14
"""A source first captured this many days ago or less is a new policy to look at."""

REASONS = ("needs_review", "weak_link", "mentioned_near_stance", "lapsed", "status_changed", "new_policy")

STANCE_WORDS = re.compile(
    r"\b(?:medically\s+necessary|not\s+covered|non-?covered|covered|coverage\s+criteria|experimental|"
    r"investigational|unproven|not\s+(?:medically\s+)?necessary|excluded|exclusions?|prior\s+authori[sz]ation|"
    r"pre-?certification|precertification)\b",
    re.IGNORECASE,
)
"""Words that take a stance on coverage: a section read "mentioned" that uses them deserves a look."""


class ReviewSection(TypedDict):
    """One section of a queued reading, with its basis as stored."""

    heading: str
    text: str
    status: str
    prior_auth: bool | None
    page: int | None
    basis: dict[str, Any] | None


class ReviewItem(TypedDict):
    """One reading in the queue."""

    source: str
    payer: str
    plan: str | None
    title: str | None
    code: str
    status: str
    prior_auth: bool | None
    reasons: list[str]
    version: int
    """The version's document id."""
    number: int
    """The version as people number it (v1, v2, … within the source)."""
    captured_at: str
    effective_date: str | None
    url: str
    sha256: str
    capture: str | None
    """The stored capture (file URI of the gzip'd body in the data directory); None when pruned."""
    confirmation: confirmations.Confirmation | None
    sections: list[ReviewSection]


def queue(store: Store, *, now: datetime, source_ids: Sequence[str] | None = None) -> list[ReviewItem]:
    """The readings to look at, by payer, plan, source and code."""
    latest = confirmations.latest(store)
    since = (now - timedelta(days=NEW_DAYS)).isoformat(timespec="seconds")
    items: list[ReviewItem] = []
    for src in select_rows(store, "select * from sources order by payer, plan, id"):
        if source_ids is not None and src["id"] not in source_ids:
            continue
        doc = latest_document(store, src["id"])
        if doc is None:
            continue
        first = select_row(store, "select min(fetched_at) as at from documents where source_id = ?", [src["id"]])
        new = bool(first and first["at"] and first["at"] >= since)
        for code in json.loads(doc["codes"] or "[]"):
            item = _item(store, src, doc, code, latest.get((src["id"], code)), new)
            if item is not None:
                items.append(item)
    return items


def _item(
    store: Store, src: Row, doc: Row, code: str, confirmed: confirmations.Confirmation | None, new: bool
) -> ReviewItem | None:
    if confirmed is not None and confirmed["state"] == "holds":
        return None
    cov = coverage(store, doc["id"], code)
    sections = _sections(store, doc["id"], code)
    reasons = _reasons(store, src["id"], code, cov, sections, confirmed, new)
    if not reasons:
        return None
    path = store.raw.path(doc["sha256"])
    return {
        "source": src["id"],
        "payer": src["payer"],
        "plan": src["plan"],
        "title": src["title"],
        "code": code,
        "status": cov["status"] if cov else "absent",
        "prior_auth": as_bool(cov["prior_auth"]) if cov else None,
        "reasons": reasons,
        "version": doc["id"],
        "number": _number(store, src["id"], doc["id"]),
        "captured_at": doc["fetched_at"],
        "effective_date": doc["effective_date"],
        "url": doc["url"],
        "sha256": doc["sha256"],
        "capture": path.resolve().as_uri() if path.exists() else None,
        "confirmation": confirmed,
        "sections": sections,
    }


def _number(store: Store, source_id: str, document_id: int) -> int:
    row = select_row(
        store, "select count(*) as n from documents where source_id = ? and id <= ?", [source_id, document_id]
    )
    return int(row["n"]) if row else 0


def _reasons(
    store: Store,
    source_id: str,
    code: str,
    cov: Row | None,
    sections: Sequence[ReviewSection],
    confirmed: confirmations.Confirmation | None,
    new: bool,
) -> list[str]:
    found = {
        "needs_review": bool(cov and cov["needs_review"]),
        "weak_link": any((s["basis"] or {}).get("from") == "linked" for s in sections),
        "mentioned_near_stance": bool(cov)
        and cov is not None
        and cov["status"] == "mentioned"
        and any(STANCE_WORDS.search(s["text"] or "") for s in sections),
        "lapsed": confirmed is not None and confirmed["state"] == "lapsed",
        "status_changed": _status_changed(store, source_id, code, confirmed),
        "new_policy": new and confirmed is None,
    }
    return [reason for reason in REASONS if found[reason]]


def _status_changed(store: Store, source_id: str, code: str, confirmed: confirmations.Confirmation | None) -> bool:
    """Whether the automatic status moved in a version after the one last confirmed (or at all, with none)."""
    row = select_row(
        store,
        """select 1 from changes where source_id = ? and code = ? and kind not in ('new', 'metadata')
           and coalesce(old_status, '') != coalesce(new_status, '') and new_document_id > ? limit 1""",
        [source_id, code, confirmed["version"] if confirmed else 0],
    )
    return row is not None


def _sections(store: Store, document_id: int, code: str) -> list[ReviewSection]:
    rows = select_rows(
        store,
        "select heading, text, status, prior_auth, page, basis from sections where document_id = ? and code = ? "
        "order by seq",
        [document_id, code],
    )
    return [
        {
            "heading": r["heading"],
            "text": r["text"],
            "status": r["status"],
            "prior_auth": as_bool(r["prior_auth"]),
            "page": r["page"],
            "basis": _basis(r["basis"]),
        }
        for r in rows
    ]


def _basis(raw: str | None) -> dict[str, Any] | None:
    if not raw:
        return None
    value = json.loads(raw)
    return dict(value) if isinstance(value, dict) else None


class Tally(TypedDict):
    """How often analysts agreed with the automatic reading, for one payer or one basis rule."""

    key: str
    confirmations: int
    agreed: int
    corrected: int
    agreement: float | None
    """agreed / confirmations, rounded to three places; None with no confirmation."""


def stats(store: Store) -> dict[str, Any]:
    """Agreement of analysts with the automatic reading: overall, per payer and per basis rule.

    Every confirmation ever recorded counts (lapsed and superseded ones too: each was a
    judgement of a reading). A confirmation counts under each rule of the sections whose status
    is the automatic status it judged ("absent" when the code was not in the version,
    "no-basis" when the sections were read before bases were kept).
    """
    every = confirmations.every(store)
    payers = confirmations.payers(store)
    by_payer: dict[str, list[bool]] = {}
    by_rule: dict[str, list[bool]] = {}
    for c in every:
        by_payer.setdefault(payers.get(c["source"], "?"), []).append(c["agreed"])
        for rule in _rules(confirmations.bases(store, c["id"]), c["automatic_status"]):
            by_rule.setdefault(rule, []).append(c["agreed"])
    overall = _tally("all", [c["agreed"] for c in every])
    return {
        "confirmations": overall["confirmations"],
        "agreed": overall["agreed"],
        "corrected": overall["corrected"],
        "agreement": overall["agreement"],
        "by_payer": [_tally(k, v) for k, v in sorted(by_payer.items())],
        "by_rule": [_tally(k, v) for k, v in sorted(by_rule.items())],
    }


def _rules(bases: Sequence[dict[str, Any]], status: str) -> list[str]:
    if not bases:
        return ["absent"]
    deciding = [b for b in bases if b.get("status") == status] or list(bases)
    rules = {str((b.get("basis") or {}).get("rule") or "no-basis") for b in deciding}
    return sorted(rules)


def _tally(key: str, outcomes: Sequence[bool]) -> Tally:
    agreed = sum(outcomes)
    return {
        "key": key,
        "confirmations": len(outcomes),
        "agreed": agreed,
        "corrected": len(outcomes) - agreed,
        "agreement": round(agreed / len(outcomes), 3) if outcomes else None,
    }


def basis_lines(store: Store, source_id: str, code: str) -> str:
    """Why the current version reads as it does, one line per section ("covered — table caption: '…'")."""
    from tracker.judge.classify import describe_basis

    doc = latest_document(store, source_id)
    if doc is None:
        return ""
    return "\n".join(describe_basis(s["basis"], status_word(s["status"])) for s in _sections(store, doc["id"], code))
