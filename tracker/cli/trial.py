"""`tracker test SOURCE_ID`: one configured source fetched live and read, nothing stored or sent."""

from __future__ import annotations

import json
from typing import Any

import click

from tracker.cli.base import Context, now
from tracker.config.sources import Config, Source
from tracker.errors import FetchError, StoreError, UsageError
from tracker.models import Change, Extraction, Fetched, Section
from tracker.store import StoredDocument
from tracker.store.raw import RawStore
from tracker.vocab import code_label, prior_auth_word, status_word

TIERS = ("code table or list", "policy statement", "incidental mention")


def _source(config: Config, source_id: str) -> Source:
    for source in config.sources:
        if source.id == source_id:
            return source
    known = ", ".join(s.id for s in config.sources) or "none"
    raise UsageError(f"no source {source_id!r} in {config.path}; configured: {known}")


def _fetch(config: Config, source: Source) -> Fetched:
    from tracker.fetch.cms import TokenCache, fetch_article
    from tracker.fetch.http import fetch, make_session

    with make_session(config.fetch) as session:
        if source.kind == "mcd-article":
            return fetch_article(source, session, config.fetch, TokenCache(now))
        return fetch(source, session, config.fetch, None)  # no validators: always the whole body


def _stored(obj: Context, source_id: str) -> tuple[StoredDocument | None, int | None, RawStore | None]:
    """The last stored version of the source, its number and the raw captures, read only; Nones without a database."""
    from tracker.store import queries

    try:
        store = obj.store()
    except StoreError:
        return None, None, None
    last = store.last_document(source_id) if store.source_exists(source_id) else None
    number = queries.version_numbers(store, source_id).get(last.id) if last else None
    return last, number, store.raw


def basis(sections: tuple[Section, ...], status: str) -> str:
    """Which passage decided a code's status, and by which wording."""
    from tracker.judge.classify import section_tier

    if not sections:
        return "the code is not in the document"
    deciding = sorted((s for s in sections if s.status == status), key=section_tier)
    if not deciding:
        return "no passage takes a stance"
    first = deciding[0]
    rule = (first.basis or {}).get("rule", "")
    where = f"{TIERS[section_tier(first)]} \u201c{first.heading or '(no heading)'}\u201d"
    return where + (f", wording rule {rule}" if rule and rule != "no-stance" else "")


def _codes(source: Source, extraction: Extraction) -> list[dict[str, Any]]:
    from tracker.judge.classify import summarize

    rows = []
    for code in source.codes:
        sections = extraction.for_code(code)
        status, prior_auth = summarize(sections)
        rows.append({"code": code, "status": status, "prior_auth": prior_auth, "basis": basis(sections, status)})
    return rows


def _change(c: Change) -> dict[str, Any]:
    return {
        "code": c.code,
        "kind": c.kind,
        "old_status": c.old_status,
        "new_status": c.new_status,
        "summary": c.summary,
        "diff": c.diff,
    }


@click.command("test")
@click.argument("source_id", metavar="SOURCE_ID")
@click.option("--json", "as_json", is_flag=True, help="Output JSON on stdout.")
@click.pass_obj
def test_source(obj: Context, source_id: str, as_json: bool) -> None:
    """Try one configured source live: fetch it (every failure check), read it, show what would change.

    Prints the sections, each code's status with its basis, prior auth and the document's
    metadata, and what a run would record against the stored version. Stores nothing and
    notifies nothing. Exit status 1, with the failure class, when the fetch fails.

    Example:

        tracker test cigna-0525
    """
    from tracker.extract.identity import current_extractor
    from tracker.run.check import preview

    config = obj.config()
    source = _source(config, source_id)
    last, number, raw = _stored(obj, source.id)
    try:
        fetched = _fetch(config, source)
        extraction, changes = preview(source, fetched, last, current_extractor(), raw)
    except FetchError as exc:
        if as_json:
            click.echo(json.dumps({"source": source.id, "error_class": exc.error_class, "error": exc.message}))
        raise FetchError(f"{source.id}: {exc.error_class}: {exc.message}", error_class=exc.error_class) from None
    payload = {
        "source": source.id,
        "url": source.url,
        "fetched": {
            "http_status": fetched.http_status,
            "content_type": fetched.content_type,
            "size": len(fetched.body),
            "kind": fetched.kind,
            "final_url": fetched.final_url,
        },
        "metadata": extraction.metadata.to_dict(),
        "codes": _codes(source, extraction),
        "sections": [s.to_dict() for s in extraction.sections],
        "stored_version": {"number": number, "captured_at": last.fetched_at} if last else None,
        "changes": [_change(c) for c in changes],
        "stored": False,
    }
    if as_json:
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    click.echo("\n".join(_lines(payload)))


def _lines(p: dict[str, Any]) -> list[str]:
    f = p["fetched"]
    lines = [f"{p['source']}: {p['url']}", f"fetched: HTTP {f['http_status']}, {f['kind']}, {f['size']:,} bytes"]
    meta = {k: v for k, v in p["metadata"].items() if v}
    lines += [f"  {k}: {v}" for k, v in meta.items()] or ["  (no metadata)"]
    for row in p["codes"]:
        lines.append(
            f"{code_label(row['code'])}: {status_word(row['status'])} (basis: {row['basis']}), "
            f"prior auth {prior_auth_word(row['prior_auth'])}"
        )
    for s in p["sections"]:
        page = f" (page {s['page']})" if s["page"] else ""
        lines += [
            f"\n{code_label(s['code'])} · {status_word(s['status'])}{page}",
            f"  {s['heading']}",
            f"  {s['text']}",
        ]
    lines.append("")
    lines += _would_change(p)
    lines.append("Nothing was stored and nothing was sent (a dry run).")
    return lines


def _would_change(p: dict[str, Any]) -> list[str]:
    stored = p["stored_version"]
    if stored is None:
        return ["No stored version: the next run would capture it as the baseline (new)."]
    head = f"Against the stored version v{stored['number']} (captured {stored['captured_at']}):"
    if not p["changes"]:
        return [head, "  no change"]
    return [head] + [f"  would record: {c['kind']}: {c['summary']}" for c in p["changes"]]
