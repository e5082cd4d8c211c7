"""Queries: what analysts ask of the database — the change log, the coverage matrix, runs, versions, search.

Read-only queries over a Store (formerly ``history``); each returns the rows of
``tracker.store.rows``, whose keys are those of DESIGN.md's command-line contract,
plus the few lookups the report needs (``source_urls``, ``change_ends``).
May import: ``tracker.errors`` and the modules of ``tracker.store``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from tracker.errors import ConfigError
from tracker.store import confirmations
from tracker.store.database import PruneReport, Store
from tracker.store.fetchlog import printable_row
from tracker.store.lookups import (
    Row,
    as_bool,
    coverage,
    document,
    latest_document,
    select_row,
    select_rows,
    select_value,
)
from tracker.store.rows import (
    ChangeRow,
    FailingSourceRow,
    HistoryRow,
    RunRow,
    RunSourceRow,
    SearchRow,
    SectionRow,
    StatusRow,
    VersionRow,
)


def changes(
    store: Store,
    *,
    since: str | None = None,
    code: str | None = None,
    payer: str | None = None,
    source: str | None = None,
) -> list[ChangeRow]:
    """The change log, oldest first, filtered."""
    where, params = _filters(
        ("c.detected_at >= ?", since), ("c.code = ?", code), ("c.payer = ?", payer), ("c.source_id = ?", source)
    )
    sql = f"""
        select c.id, c.source_id as source, c.payer, c.plan, s.title, c.code, c.kind, c.old_status, c.new_status,
               c.detected_at, c.effective_date, c.summary, c.diff, c.run_id
        from changes c join sources s on s.id = c.source_id
        {where} order by c.detected_at, c.id"""
    return cast(list[ChangeRow], select_rows(store, sql, params))


def status(
    store: Store, *, code: str | None = None, source_ids: Sequence[str] | None = None, lob: str | None = None
) -> list[StatusRow]:
    """The coverage matrix: one row per source and tracked code, from the latest good version.

    Where an analyst's confirmation holds, ``status`` and ``prior_auth`` are the analyst's reading
    (``reading`` says which; ``automatic_status`` and ``automatic_prior_auth`` keep the automatic one).
    """
    rows: list[dict[str, Any]] = []
    for src in select_rows(store, "select * from sources order by payer, plan, id"):
        if source_ids is not None and src["id"] not in source_ids or (lob and src.get("lob") != lob):
            continue
        doc = latest_document(store, src["id"])
        for tracked in json.loads(src["codes"]):
            if code and tracked != code:
                continue
            rows.append(_status_row(store, src, doc, tracked))
    shown = confirmations.overlay(store, rows)
    # A retired policy's stance no longer applies, whoever read it (tracker.feeds): it shows retired.
    return cast(list[StatusRow], [{**r, "status": "retired"} if r["retired_on"] else r for r in shown])


def _status_row(store: Store, src: Row, doc: Row | None, code: str) -> dict[str, Any]:
    cov = coverage(store, doc["id"], code) if doc is not None else None
    looked = doc is not None and code in json.loads(doc["codes"])
    changed = select_value(
        store,
        "select max(detected_at) from changes where source_id = ? and code = ? and kind != 'metadata'",
        [src["id"], code],
    )
    fetched = store.fetch_state(src["id"])
    failure = fetched.latest_failure
    retired = select_row(
        store,
        "select retired_on from retirements where source_id = ? and reinstated_at is null order by id desc limit 1",
        [src["id"]],
    )
    return {
        "source": src["id"],
        "payer": src["payer"],
        "plan": src["plan"],
        "title": src["title"],
        "code": code,
        "status": "retired" if retired else (cov["status"] if cov else ("absent" if looked else None)),
        "prior_auth": as_bool(cov["prior_auth"]) if cov else None,
        "needs_review": bool(cov["needs_review"]) if cov else False,
        "effective_date": doc["effective_date"] if doc else None,
        "policy_number": doc["policy_number"] if doc else None,
        "checked_at": fetched.last_success,
        "changed_at": changed,
        "last_error": failure["error"] if failure else None,
        "retired_on": retired["retired_on"] if retired else None,
        "lob": src.get("lob"),
        "state": src.get("state"),
    }


def runs(store: Store, *, limit: int = 20) -> list[RunRow]:
    """The most recent runs, newest first, each with its per-source outcomes."""
    result: list[RunRow] = []
    for run in select_rows(store, "select * from runs order by id desc limit ?", [limit]):
        sources = select_rows(
            store,
            """select source_id as source, outcome, error_class, error, http_status, duration_ms
               from fetch_attempts where run_id = ? order by source_id""",
            [run["id"]],
        )
        result.append(
            {
                "id": run["id"],
                "started_at": run["started_at"],
                "finished_at": run["finished_at"],
                "duration_s": _duration(run["started_at"], run["finished_at"]),
                "status": run["status"],
                "sources_total": run["sources_total"],
                "sources_ok": run["sources_ok"],
                "sources_failed": run["sources_failed"],
                "changes": run["changes"],
                "only": json.loads(run["only"] or "[]"),
                "extractor": run["extractor"],
                "sources": cast(list[RunSourceRow], [printable_row(s, ("error",)) for s in sources]),
            }
        )
    return result


def history(store: Store, source_id: str, *, code: str | None = None) -> list[HistoryRow]:
    """Every stored version of a source, oldest first, with what each said of each code."""
    rows: list[HistoryRow] = []
    docs = select_rows(store, "select * from documents where source_id = ? order by id", [source_id])
    for number, doc in enumerate(docs, start=1):
        for tracked in json.loads(doc["codes"]):
            if code and tracked != code:
                continue
            cov = coverage(store, doc["id"], tracked)
            rows.append(
                {
                    "source": source_id,
                    "version": number,
                    "number": number,
                    "document_id": doc["id"],
                    "captured_at": doc["fetched_at"],
                    "sha256": doc["sha256"],
                    "code": tracked,
                    "status": cov["status"] if cov else "absent",
                    "prior_auth": as_bool(cov["prior_auth"]) if cov else None,
                    "effective_date": doc["effective_date"],
                    "last_review_date": doc["last_review_date"],
                    "policy_number": doc["policy_number"],
                    "title": doc["title"],
                    "text": cov["text"] if cov else None,
                }
            )
    return rows


def source_urls(store: Store) -> dict[str, str]:
    """Each known source's URL, by source id."""
    return {r["id"]: r["url"] for r in select_rows(store, "select id, url from sources")}


def change_ends(store: Store) -> dict[int, tuple[int | None, int | None]]:
    """Each change's two versions (old document id, None for a first capture; new document id), by change id."""
    rows = select_rows(store, "select id, old_document_id, new_document_id from changes")
    return {r["id"]: (r["old_document_id"], r["new_document_id"]) for r in rows}


def _filters(*pairs: tuple[str, str | None]) -> tuple[str, list[str]]:
    clauses = [(sql, value) for sql, value in pairs if value]
    where = "where " + " and ".join(sql for sql, _ in clauses) if clauses else ""
    return where, [value for _, value in clauses if value]


def _duration(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def failing_sources(store: Store, source_ids: Iterable[str] | None = None) -> list[FailingSourceRow]:
    """Sources whose latest fetch failed: how many runs in a row (and how many of them 404/410), since when, why.

    ``source_ids`` limits the answer to those sources (the ones still in sources.toml).
    """
    wanted = None if source_ids is None else set(source_ids)
    rows: list[FailingSourceRow] = []
    for src in select_rows(store, "select id, payer, plan, title, url from sources order by id"):
        if wanted is not None and src["id"] not in wanted:
            continue
        fetched = store.fetch_state(src["id"])
        latest = fetched.latest_failure
        if latest is None:
            continue
        rows.append(
            {
                "source": src["id"],
                "payer": src["payer"],
                "plan": src["plan"],
                "title": src["title"],
                "url": src["url"],
                "failures_in_a_row": fetched.failures_in_a_row,
                "gone_in_a_row": fetched.gone_in_a_row,
                "last_success": fetched.last_success,
                "error_class": latest["error_class"],
                "error": latest["error"],
                "http_status": latest["http_status"],
                "failed_at": latest["started_at"],
            }
        )
    return rows


def version_at(store: Store, source_id: str, code: str, moment: str | None) -> VersionRow | None:
    """The version of a source in force on ``moment`` (YYYY-MM-DD; None = the latest), with its sections.

    In force = the version with the latest start on or before the date, where a version starts
    on its effective date when that date moved forward, else on the day it was captured (the
    ``versions_in_force`` view); ``basis`` says which.
    """
    if moment is None:
        doc, basis = latest_document(store, source_id), "latest"
    else:
        doc = select_row(
            store,
            """select d.*, v.basis from versions_in_force v join documents d on d.id = v.id
               where v.source_id = ? and v.in_force_from <= ? order by v.in_force_from desc, v.id desc limit 1""",
            [source_id, moment[:10]],
        )
        basis = doc["basis"] if doc else ""
    return _version_row(store, doc, code, moment[:10] if moment else None, basis) if doc else None


def _version_row(store: Store, doc: Row, code: str, day: str | None, basis: str) -> VersionRow:
    cov = coverage(store, doc["id"], code)
    sections: list[SectionRow] = [
        {
            "heading": s["heading"],
            "text": s["text"],
            "status": s["status"],
            "prior_auth": as_bool(s["prior_auth"]),
            "page": s["page"],
            "basis": json.loads(s["basis"]) if s["basis"] else None,
        }
        for s in select_rows(
            store,
            "select heading, text, status, prior_auth, page, basis from sections "
            "where document_id = ? and code = ? order by seq",
            [doc["id"], code],
        )
    ]
    return {
        "source": doc["source_id"],
        "code": code,
        "as_of": day,
        "basis": basis,
        "version": version_numbers(store, doc["source_id"])[doc["id"]],
        "number": version_numbers(store, doc["source_id"])[doc["id"]],
        "document_id": doc["id"],
        "captured_at": doc["fetched_at"],
        "effective_date": doc["effective_date"],
        "last_review_date": doc["last_review_date"],
        "policy_number": doc["policy_number"],
        "title": doc["title"],
        "url": doc["url"],
        "sha256": doc["sha256"],
        "raw_pruned_at": doc["raw_pruned_at"],
        "status": cov["status"] if cov else "absent",
        "prior_auth": as_bool(cov["prior_auth"]) if cov else None,
        "text": cov["text"] if cov else None,
        "sections": sections,
    }


def search(
    store: Store, text: str, *, code: str | None = None, payer: str | None = None, limit: int = 100
) -> list[SearchRow]:
    """Full-text search over every version of every section, newest first."""
    where, params = _filters(("s.code = ?", code), ("src.payer = ?", payer))
    clause = f"and {where.removeprefix('where ')}" if where else ""
    sql = f"""
        select s.source_id as source, src.payer, src.plan, s.code,
               (select count(*) from documents e where e.source_id = d.source_id and e.id <= d.id) as version,
               d.id as document_id, d.fetched_at as captured_at,
               d.effective_date, s.status, s.heading, snippet(sections_fts, 1, '[', ']', '…', 24) as snippet, s.text
        from sections_fts join sections s on s.rowid = sections_fts.rowid
        join documents d on d.id = s.document_id join sources src on src.id = s.source_id
        where sections_fts match ? {clause}
        order by d.fetched_at desc, d.id desc, s.seq limit ?"""
    try:
        return cast(list[SearchRow], select_rows(store, sql, [_fts_query(text), *params, limit]))
    except sqlite3.OperationalError:
        raise ConfigError(f"cannot search for {text!r}: {SEARCH_HELP}") from None


SEARCH_HELP = (
    'give words (every one must appear), e.g. tracker search "radiofrequency neurolysis"; '
    "a word ending in * matches every word it starts (neuro*)"
)


def _fts_query(text: str) -> str:
    """Words as FTS5 terms, quoted so that punctuation (64600-64681, CG-SURG-89) is literal; ``neuro*``: a prefix."""
    terms = []
    for word in text.split():
        stem = word.rstrip("*")
        if not stem.strip('"'):
            continue
        terms.append('"' + stem.replace('"', '""') + '"' + ("*" if stem != word else ""))
    if not terms:
        raise ConfigError(f"nothing to search for in {text!r}: {SEARCH_HELP}")
    return " ".join(terms)


def previous_version(store: Store, source_id: str, code: str, before: int) -> VersionRow | None:
    """The last version before ``before`` that said something else about ``code`` (else simply the one before)."""
    current = version_at_id(store, source_id, code, before)
    earlier = select_rows(
        store, "select id from documents where source_id = ? and id < ? order by id desc", [source_id, before]
    )
    rows = [version_at_id(store, source_id, code, d["id"]) for d in earlier]
    differing = [r for r in rows if r and current and r["text"] != current["text"]]
    return differing[0] if differing else (rows[0] if rows else None)


def version_at_id(store: Store, source_id: str, code: str, version: int) -> VersionRow | None:
    """One stored version of a source, by its id, as ``version_at`` shows it."""
    doc = document(store, version)
    if doc is None or doc["source_id"] != source_id:
        return None
    return _version_row(store, doc, code, None, "version")


def source_ids(store: Store) -> list[str]:
    """Every source the database knows, by id."""
    return [row["id"] for row in select_rows(store, "select id from sources order by id")]


def version_numbers(store: Store, source_id: str) -> dict[int, int]:
    """Each stored version of a source numbered as people read it (v1, v2, … in capture order), by document id."""
    rows = select_rows(store, "select id from documents where source_id = ? order by id", [source_id])
    return {row["id"]: number for number, row in enumerate(rows, start=1)}


def tracked_codes(store: Store) -> list[str]:
    """Every code some known source tracks, sorted."""
    codes: set[str] = set()
    for row in select_rows(store, "select codes from sources"):
        codes.update(json.loads(row["codes"] or "[]"))
    return sorted(codes)


def prune_preview(store: Store, cutoff: str) -> PruneReport:
    """What ``Store.prune(cutoff)`` would delete, deleting nothing (`tracker prune --dry-run`)."""
    needed = {row["sha256"] for row in select_rows(store, "select distinct sha256 from documents")}
    report = PruneReport()
    for sha in store.raw.iterate():
        seen = select_value(
            store,
            "select max(t) from (select fetched_at as t from documents where sha256 = ?1 "
            "union all select started_at from fetches where sha256 = ?1)",
            [sha],
        )
        if sha in needed or (str(seen) if seen else store.raw.written_at(sha)) >= cutoff:
            report.kept += 1
            continue
        report.deleted += 1
        report.bytes += store.raw.path(sha).stat().st_size
    return report
