"""Confirmations: analysts' readings of a source's version for one code, and whether each still holds (issue 21).

An analyst confirms (or corrects) the automatic reading of a source's **current version** for
a code; the row keeps the code's governing text as it was read then. The confirmation holds
on every later version while that text is unchanged (compared with whitespace collapsed) and
lapses at the first version, or re-reading, whose text differs; it never comes back after
that, and a newer confirmation of the same source and code supersedes it. Rows are never
deleted or rewritten: a lapse is computed from the versions, so history can always show it.
May import: ``tracker.errors`` and the modules of ``tracker.store``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, TypedDict

from tracker.errors import UsageError
from tracker.store.database import Store
from tracker.store.lookups import (
    Row,
    as_bool,
    coverage,
    insert_rows,
    latest_document,
    select_row,
    select_rows,
    select_value,
)

State = Literal["holds", "lapsed", "superseded"]
"""A confirmation's standing on the source's current version."""


class Confirmation(TypedDict):
    """One analyst reading, with its standing (``tracker history``, ``tracker review``)."""

    id: int
    source: str
    code: str
    version: int
    """The document id of the version confirmed."""
    status: str
    prior_auth: bool | None
    automatic_status: str
    automatic_prior_auth: bool | None
    agreed: bool
    """The analyst's reading is the automatic one (status and prior auth)."""
    note: str | None
    confirmed_by: str
    confirmed_at: str
    state: State
    lapsed_version: int | None
    """The first version (document id) whose governing text differs; None while it holds or when superseded."""
    lapsed_at: str | None


def same_text(a: str | None, b: str | None) -> bool:
    """Whether two governing texts are the same policy wording (whitespace does not count)."""
    return " ".join((a or "").split()) == " ".join((b or "").split())


def record(
    store: Store,
    source_id: str,
    code: str,
    *,
    status: str | None,
    prior_auth: bool | None | Literal["automatic"],
    note: str | None,
    by: str,
    at: str,
) -> Confirmation:
    """Record an analyst's reading of the source's current version for ``code``; ``status`` None agrees.

    ``prior_auth`` "automatic" keeps the automatic prior-auth reading. UsageError when the source
    has no stored version yet, or its current version does not look for ``code``.
    """
    doc = latest_document(store, source_id)
    if doc is None:
        raise UsageError(
            f"{source_id}: no version stored yet, so there is no reading to confirm; run `tracker run` first"
        )
    if code not in json.loads(doc["codes"] or "[]"):
        raise UsageError(f"{source_id}: its current version does not track {code}; nothing to confirm")
    cov = coverage(store, doc["id"], code)
    auto_status = cov["status"] if cov else "absent"
    auto_pa = as_bool(cov["prior_auth"]) if cov else None
    row = {
        "source_id": source_id,
        "code": code,
        "document_id": doc["id"],
        "text": cov["text"] if cov else None,
        "status": status or auto_status,
        "prior_auth": _flag(auto_pa if prior_auth == "automatic" else prior_auth),
        "automatic_status": auto_status,
        "automatic_prior_auth": _flag(auto_pa),
        "basis": json.dumps(_section_bases(store, doc["id"], code), ensure_ascii=False),
        "note": note,
        "confirmed_by": by,
        "confirmed_at": at,
    }
    insert_rows(store, "confirmations", [row])
    new_id = select_value(
        store, "select max(id) from confirmations where source_id = ? and code = ?", [source_id, code]
    )
    found = select_row(store, "select * from confirmations where id = ?", [new_id])
    assert found is not None
    return _standing(store, found, latest=True)


def _section_bases(store: Store, document_id: int, code: str) -> list[dict[str, Any]]:
    """Each section's status and basis (as stored) in a version: what the automatic reading stood on."""
    rows = select_rows(
        store, "select status, basis from sections where document_id = ? and code = ? order by seq", [document_id, code]
    )
    return [{"status": s["status"], "basis": json.loads(s["basis"]) if s["basis"] else None} for s in rows]


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


def latest(store: Store, source_id: str | None = None) -> dict[tuple[str, str], Confirmation]:
    """Each (source, code)'s newest confirmation, with its standing; only ``source_id``'s when given."""
    where = "where source_id = ?" if source_id else ""
    rows = select_rows(
        store,
        f"select * from confirmations where id in (select max(id) from confirmations {where} group by source_id, code)",
        [source_id] if source_id else [],
    )
    return {(r["source_id"], r["code"]): _standing(store, r, latest=True) for r in rows}


def of_source(store: Store, source_id: str, code: str | None = None) -> list[Confirmation]:
    """Every confirmation of a source (of one code when given), oldest first, each with its standing."""
    rows = select_rows(
        store,
        "select * from confirmations where source_id = ? and (? is null or code = ?) order by id",
        [source_id, code, code],
    )
    newest = {(r["source_id"], r["code"]): r["id"] for r in rows}
    return [_standing(store, r, latest=newest[(r["source_id"], r["code"])] == r["id"]) for r in rows]


def every(store: Store) -> list[Confirmation]:
    """Every confirmation ever recorded, oldest first (standing computed only for the newest of each code)."""
    rows = select_rows(store, "select * from confirmations order by id")
    newest = {(r["source_id"], r["code"]): r["id"] for r in rows}
    return [_standing(store, r, latest=newest[(r["source_id"], r["code"])] == r["id"]) for r in rows]


def _standing(store: Store, row: Row, *, latest: bool) -> Confirmation:
    lapsed = _first_difference(store, row)
    state: State = "superseded" if not latest else ("lapsed" if lapsed else "holds")
    return {
        "id": row["id"],
        "source": row["source_id"],
        "code": row["code"],
        "version": row["document_id"],
        "status": row["status"],
        "prior_auth": as_bool(row["prior_auth"]),
        "automatic_status": row["automatic_status"],
        "automatic_prior_auth": as_bool(row["automatic_prior_auth"]),
        "agreed": row["status"] == row["automatic_status"] and row["prior_auth"] == row["automatic_prior_auth"],
        "note": row["note"],
        "confirmed_by": row["confirmed_by"],
        "confirmed_at": row["confirmed_at"],
        "state": state,
        "lapsed_version": lapsed["id"] if lapsed else None,
        "lapsed_at": lapsed["fetched_at"] if lapsed else None,
    }


def _first_difference(store: Store, row: Row) -> Row | None:
    """The first version from the confirmed one on whose governing text differs from the confirmed text."""
    versions = select_rows(
        store,
        """select d.id, d.fetched_at, c.text from documents d
           left join coverage c on c.document_id = d.id and c.code = ?
           where d.source_id = ? and d.id >= ? order by d.id""",
        [row["code"], row["source_id"], row["document_id"]],
    )
    return next((v for v in versions if not same_text(v["text"], row["text"])), None)


def overlay(store: Store, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Status rows with the confirmed reading where one holds: ``status`` and ``prior_auth`` become the
    analyst's, and every row gains ``reading`` ("confirmed" | "automatic"), ``confirmed_by``,
    ``confirmed_at``, ``automatic_status`` and ``automatic_prior_auth`` (the automatic reading, always)."""
    held = {key: c for key, c in latest(store).items() if c["state"] == "holds"}
    out: list[dict[str, Any]] = []
    for r in rows:
        c = held.get((r["source"], r["code"]))
        extra = {
            "reading": "confirmed" if c else "automatic",
            "confirmed_by": c["confirmed_by"] if c else None,
            "confirmed_at": c["confirmed_at"] if c else None,
            "automatic_status": r["status"],
            "automatic_prior_auth": r["prior_auth"],
        }
        shown = {"status": c["status"], "prior_auth": c["prior_auth"]} if c else {}
        out.append({**r, **shown, **extra})
    return out


def for_changes(store: Store, rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Change rows with what analysts had said: ``confirmed`` (the confirmation holding on the change's new
    version, as {"status", "prior_auth", "by"}) and ``lapsed`` (the confirmation this change made lapse)."""
    cache: dict[tuple[str, str], list[Confirmation]] = {}
    out = []
    for r in rows:
        key = (r["source_id"], r["code"])
        if key not in cache:
            cache[key] = of_source(store, *key)
        new_id = r.get("new_document_id")
        out.append({**r, "confirmed": _held_on(cache[key], new_id), "lapsed": _lapsed_by(cache[key], new_id)})
    return out


def _short(c: Confirmation) -> dict[str, Any]:
    return {"status": c["status"], "prior_auth": c["prior_auth"], "by": c["confirmed_by"], "at": c["confirmed_at"]}


def _held_on(confirmations: Sequence[Confirmation], version: int | None) -> dict[str, Any] | None:
    """The newest confirmation made on or before ``version`` that had not lapsed by it."""
    if version is None:
        return None
    made = [c for c in confirmations if c["version"] <= version]
    if not made:
        return None
    c = made[-1]
    if c["lapsed_version"] is not None and c["lapsed_version"] <= version:
        return None
    return _short(c)


def _lapsed_by(confirmations: Sequence[Confirmation], version: int | None) -> dict[str, Any] | None:
    found = [c for c in confirmations if version is not None and c["lapsed_version"] == version]
    return _short(found[-1]) if found else None


def bases(store: Store, confirmation_id: int) -> list[dict[str, Any]]:
    """The sections' statuses and bases that the automatic reading stood on when the analyst confirmed."""
    raw = select_value(store, "select basis from confirmations where id = ?", [confirmation_id])
    value = json.loads(raw) if raw else []
    return list(value) if isinstance(value, list) else []


def payers(store: Store) -> dict[str, str]:
    """Each known source's payer, by id."""
    return {r["id"]: r["payer"] for r in select_rows(store, "select id, payer from sources")}
