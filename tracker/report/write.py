"""`tracker report OUT_DIR`: a static, self-contained HTML report of the history database.

Writes ``OUT_DIR/index.html`` (the coverage matrix, the timeline of changes per payer,
each change side by side; see ``report_html``) and copies the raw capture of both ends
of every change (first captures included), decompressed, to ``OUT_DIR/captures/<sha256>.<ext>`` so that the
report's links work from the folder, offline, with nothing else installed. HTML captures are served
inert (``report.captures``: no script, no network, a banner); ``--link-captures`` links the same
readable copies, made once in the data directory's ``readable/`` (a cache: delete it any time).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from tracker.errors import StoreError
from tracker.models import Clock, iso
from tracker.notify.digest import make_item
from tracker.report.captures import Provenance, served
from tracker.report.html import render_report
from tracker.report.parts import ChangeView, ReportData, Side
from tracker.store import queries as history
from tracker.store.database import Store
from tracker.store.ledger import change_rows

Row = Mapping[str, Any]
CAPTURES = "captures"
READABLE = "readable"
"""The data directory's cache of readable captures, for --link-captures."""
EXTENSIONS = {"html": "html", "pdf": "pdf", "mcd-article": "json", "json": "json"}


def write_report(
    store: Store,
    out_dir: Path,
    *,
    clock: Clock,
    codes: Collection[str] | None = None,
    sources: Collection[str] | None = None,
    since: str | None = None,
    link_captures: bool = False,
) -> Path:
    """Write the report into ``out_dir`` (created if needed); return index.html's path.

    ``codes`` and ``sources`` (ids, e.g. those still in sources.toml) narrow it; None shows everything stored.
    ``since`` shows only the changes detected on or after that date (the matrix is always current), so
    the folder grows with the changes shown, not with the history; ``link_captures`` links each
    capture where the data directory keeps it (gzip'd, by a relative path) instead of copying it.
    """
    index = out_dir / "index.html"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        captures = _Captures(store, out_dir, link=link_captures)
        data = gather(store, captures, clock=clock, codes=codes, sources=sources, since=since)
        _write_atomic(index, render_report(data).encode("utf-8"))
        _write_atomic(out_dir / "changes.atom", _feed(store, clock, codes, sources, since))
    except OSError as exc:
        raise StoreError(f"cannot write the report into {out_dir}: {exc}; choose a writable OUT_DIR") from exc
    return index


def gather(
    store: Store,
    captures: _Captures,
    *,
    clock: Clock,
    codes: Collection[str] | None = None,
    sources: Collection[str] | None = None,
    since: str | None = None,
) -> ReportData:
    """Read what the report shows from the store, with the captures it links to (copied, or linked)."""
    urls = history.source_urls(store)
    ids = list(sources) if sources is not None else None
    status: list[dict[str, Any]] = [
        {**r, "url": urls.get(r["source"])} for r in history.status(store, source_ids=ids) if _wanted(r["code"], codes)
    ]
    shown = {r["source"] for r in status}
    failing = {r["source"]: r for r in history.failing_sources(store, shown)}
    ends = history.change_ends(store)
    views = []
    for row in change_rows(store, since=since):
        if not _wanted(row["code"], codes) or (ids is not None and row["source_id"] not in ids):
            continue
        old_id, new_id = ends[row["id"]]
        views.append(ChangeView(make_item(row), captures.side(old_id, row, "old"), captures.side(new_id, row, "new")))
    from tracker.feeds.upcoming import upcoming

    ahead = [r for r in upcoming(store, today=clock().date()) if codes is None or set(r["codes"]) & set(codes)]
    return ReportData(iso(clock()), status, failing, views, ahead)


def _feed(
    store: Store, clock: Clock, codes: Collection[str] | None, sources: Collection[str] | None, since: str | None
) -> bytes:
    """``changes.atom``: the changes the report shows, as an Atom feed (``tracker.report.atom``)."""
    from tracker.report.atom import changes_feed

    rows = [
        r
        for r in change_rows(store, since=since)
        if _wanted(r["code"], codes) and (sources is None or r["source_id"] in sources)
    ]
    return changes_feed(rows, generated_at=clock())


def _wanted(code: str, codes: Collection[str] | None) -> bool:
    return not codes or code in codes


class _Captures:
    """Stored versions as report sides, each raw capture copied once into the report folder (or linked)."""

    def __init__(self, store: Store, out_dir: Path, *, link: bool = False) -> None:
        self.store = store
        self.out_dir = out_dir
        self.folder = out_dir / CAPTURES
        self.link = link
        self.copied: dict[str, tuple[str | None, str]] = {}
        self.numbers: dict[str, dict[int, int]] = {}

    def side(self, document_id: int | None, row: Row, which: str) -> Side | None:
        """One end (``old`` or ``new``) of a change row; None for the missing old end of a first capture."""
        if document_id is None:
            return None
        doc = self.store.document(document_id)
        if doc is None:
            return None
        href, note = self.copy(doc)
        pa = row.get(f"{which}_prior_auth")
        return Side(
            version=self.number(doc),
            captured_at=doc["fetched_at"],
            effective_date=doc["effective_date"],
            status=row.get(f"{which}_status"),
            prior_auth=None if pa is None else bool(pa),
            text=row.get(f"{which}_text") or "",
            sha256=doc["sha256"],
            href=href,
            note=note,
        )

    def number(self, doc: Row) -> int:
        """The version's number within its source (v1, v2, …), not its database id."""
        source = str(doc["source_id"])
        if source not in self.numbers:
            self.numbers[source] = history.version_numbers(self.store, source)
        return self.numbers[source][int(doc["id"])]

    def copy(self, doc: Row) -> tuple[str | None, str]:
        """Serve a document's capture, readable and inert: (relative href, "") or (None, why not).

        Into ``captures/<sha>.<ext>`` of the report, or with ``link`` into the data directory's
        ``readable/`` (made once, shared by every report) and linked from there.
        """
        sha = doc["sha256"]
        if sha not in self.copied:
            folder = self.store.directory / READABLE if self.link else self.folder
            self.copied[sha] = self._serve(doc, folder / f"{sha}.{_extension(doc)}")
        return self.copied[sha]

    def _serve(self, doc: Row, target: Path) -> tuple[str | None, str]:
        if not target.exists():
            try:
                body = self.store.raw.load(doc["sha256"])
            except StoreError:
                pruned_at = doc.get("raw_pruned_at")
                why = f"pruned on {pruned_at[:10]}" if pruned_at else "no longer on disk"
                return None, f"capture {why}; the text above is all that is kept"
            target.parent.mkdir(parents=True, exist_ok=True)
            _write_atomic(target, served(body, target.suffix.lstrip("."), self.provenance(doc)))
        return Path(os.path.relpath(target.resolve(), self.out_dir.resolve())).as_posix(), ""

    def provenance(self, doc: Row) -> Provenance:
        """What the served copy's banner says of it."""
        return Provenance(str(doc["source_id"]), self.number(doc), doc["fetched_at"], doc["url"], doc["sha256"])


def _extension(doc: Row) -> str:
    """The capture's file extension, from the document's kind or else its content type."""
    if doc.get("kind") in EXTENSIONS:
        return EXTENSIONS[doc["kind"]]
    ctype = (doc.get("content_type") or "").lower()
    return next((ext for key, ext in (("pdf", "pdf"), ("html", "html"), ("json", "json")) if key in ctype), "bin")


def _write_atomic(path: Path, body: bytes) -> None:
    """Write a file whole or not at all (a reader never sees half a report)."""
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False) as tmp:
        tmp.write(body)
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, path)
