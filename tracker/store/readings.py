"""Readings: what an extractor read in a stored version, and re-reading it with another one (issue 11).

A version's current reading is its ``documents`` metadata, ``sections`` and ``coverage``
rows, marked with the extractor identity that made it (``documents.extractor``). A re-read
replaces the current reading in one transaction and keeps the one it replaces in
``superseded_readings`` (as JSON, with its extractor), so every reader — history, show,
search, status, the report, Datasette — sees the current extractor's reading, and nothing
is lost. The change log is never touched.
May import: tracker.models, tracker.store (database, lookups, writes).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Any

from tracker.models import Change, Extraction, Version
from tracker.store import lookups
from tracker.store.rows import ChangeRow

if TYPE_CHECKING:
    from tracker.store.database import Store, StoredDocument


def versions(store: Store, source_id: str) -> list[StoredDocument]:
    """Every stored version of a source, oldest first, each with its current reading."""
    from tracker.store.database import stored

    docs = lookups.select_rows(store, "select * from documents where source_id = ? order by id", [source_id])
    coverage = lookups.select_rows(
        store, "select * from coverage where source_id = ? order by document_id", [source_id]
    )
    by_doc: dict[int, list[dict[str, object]]] = {}
    for row in coverage:
        by_doc.setdefault(int(row["document_id"]), []).append(row)
    return [stored(doc, by_doc.get(int(doc["id"]), [])) for doc in docs]


def replace_reading(
    store: Store,
    doc: StoredDocument,
    source_id: str,
    extraction: Extraction,
    version: Version,
    *,
    extractor: str,
    now: str,
    fingerprint: str | None = None,
) -> StoredDocument:
    """Make ``extraction`` (read by ``extractor``) the current reading of ``doc``; keep the old one superseded.

    ``fingerprint`` is the body's fingerprint under ``extractor`` (None: taken when next needed).
    """
    from tracker.store import writes

    db = store._db
    with store.writing(), db.atomic():
        db.table("superseded_readings").insert(_superseded(store, doc, source_id, extractor, now))
        db.execute("delete from sections where document_id = ?", [doc.id])
        db.execute("delete from coverage where document_id = ?", [doc.id])
        writes.insert_sections(db, doc.id, source_id, extraction.sections, version)
        changes = {**version.metadata.to_dict(), "extractor": extractor, "fingerprint": fingerprint}
        db.table("documents").update(doc.id, changes)
    return replace(doc, version=version, extractor=extractor, fingerprint=fingerprint)


def set_fingerprint(store: Store, doc: StoredDocument, fingerprint: str) -> StoredDocument:
    """Record the fingerprint of a version's body, taken under the extractor of its reading."""
    store._db.table("documents").update(doc.id, {"fingerprint": fingerprint})
    return replace(doc, fingerprint=fingerprint)


def _superseded(store: Store, doc: StoredDocument, source_id: str, by: str, now: str) -> dict[str, object]:
    sections = lookups.select_rows(
        store,
        "select code, seq, heading, text, status, prior_auth, page, basis from sections "
        "where document_id = ? order by seq",
        [doc.id],
    )
    coverage = {code: asdict(view) for code, view in doc.version.views.items()}
    return {
        "document_id": doc.id,
        "source_id": source_id,
        "extractor": doc.extractor,
        "superseded_at": now,
        "superseded_by": by,
        "metadata": json.dumps(doc.version.metadata.to_dict(), ensure_ascii=False),
        "coverage": json.dumps(coverage, ensure_ascii=False),
        "sections": json.dumps(sections, ensure_ascii=False),
    }


def superseded(store: Store, document_ids: Sequence[int]) -> list[dict[str, object]]:
    """The readings that re-reads replaced, for these versions, oldest first."""
    marks = ",".join("?" * len(document_ids))
    return lookups.select_rows(
        store, f"select * from superseded_readings where document_id in ({marks}) order by id", list(document_ids)
    )


def rederived_changes(
    store: Store,
    *,
    since: str | None = None,
    code: str | None = None,
    payer: str | None = None,
    source: str | None = None,
) -> list[ChangeRow]:
    """The changes the current readings imply, version after version — what today's extractor would have reported.

    The rows of `tracker changes` (``id`` and ``run_id`` are None: these changes are derived,
    not logged); the change log itself is never rewritten.
    """
    from tracker.judge.diff import diff_versions

    rows: list[ChangeRow] = []
    for src in lookups.select_rows(store, "select id, payer, plan, title from sources order by id"):
        if (source and src["id"] != source) or (payer and src["payer"] != payer):
            continue
        previous: StoredDocument | None = None
        for doc in versions(store, src["id"]):
            old = previous.version if previous else None
            moved = old is None or doc.version.metadata.effective_date != old.metadata.effective_date
            for change in diff_versions(old, doc.version):
                if (code and change.code != code) or (since and doc.fetched_at < since):
                    continue
                rows.append(_change_row(src, change, doc, doc.version.metadata.effective_date if moved else None))
            previous = doc
    return sorted(rows, key=lambda r: r["detected_at"])


def _change_row(src: dict[str, Any], change: Change, doc: StoredDocument, effective: str | None) -> ChangeRow:
    return {
        "id": None,
        "source": src["id"],
        "payer": src["payer"],
        "plan": src["plan"],
        "title": src["title"],
        "code": change.code,
        "kind": change.kind,
        "old_status": change.old_status,
        "new_status": change.new_status,
        "detected_at": doc.fetched_at,
        "effective_date": effective,
        "summary": change.summary,
        "diff": change.diff,
        "run_id": None,
    }
