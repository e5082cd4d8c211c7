"""Reextract: every stored version re-read with the current extractor, in parallel processes (issue 11).

``plan`` lists the versions to read (their raw captures), ``reextract`` reads them — in
``jobs`` worker processes, each reading whole documents with ``tracker.extract`` — and
compares each reading with the stored one, code by code (status, prior auth, text). Unless
it is a dry run, the re-read readings are stored (the old ones kept superseded), so every
reader sees them; the change log is never rewritten. A dry run over a real history is how
a developer sees what a rule change does to it.
"""

from __future__ import annotations

import itertools
import multiprocessing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.errors import ExtractError, StoreError
from tracker.extract.identity import Extractor, current_extractor
from tracker.fetch.verdict import charset_of
from tracker.judge.classify import summarize
from tracker.judge.diff import unified_diff, version_of, word_diff
from tracker.models import CodeView, Extraction, Kind
from tracker.store import Store, StoredDocument, readings
from tracker.store.raw import RawStore
from tracker.store.text import clean_extraction


@dataclass(frozen=True)
class Task:
    """One stored version to read again: where its body is and how to read it."""

    source_id: str
    number: int
    """The version's number within its source (1 = the first capture)."""
    document_id: int
    captured_at: str
    raw_dir: str
    sha256: str
    kind: Kind
    codes: tuple[str, ...]
    selector: str | None
    encoding: str | None


def read_task(task: Task, extractor: Extractor | None = None) -> Extraction | str:
    """Read one version (in a worker process), by default with the installed extractor; the error if it cannot be.

    A capture missing or damaged, a body that no longer parses, or a crash of the extractor on it costs this one
    version, never the batch (issue 23).
    """
    reader = extractor or current_extractor()
    try:
        body = RawStore(Path(task.raw_dir)).load(task.sha256)
        return reader(body, task.kind, task.codes, selector=task.selector, encoding=task.encoding)
    except (StoreError, ExtractError) as exc:
        return exc.message
    except Exception as exc:  # noqa: BLE001 - a bug of ours on one version must not stop the batch
        return f"unexpected {type(exc).__name__}: {exc}"


@dataclass(frozen=True)
class Difference:
    """One version whose reading of one code would change: old → new."""

    source: str
    version: int
    document_id: int
    captured_at: str
    code: str
    old: CodeView | None
    new: CodeView | None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``tracker reextract --json``."""
        before, after = (self.old.text if self.old else ""), (self.new.text if self.new else "")
        return {
            "source": self.source,
            "version": self.version,
            "document_id": self.document_id,
            "captured_at": self.captured_at,
            "code": self.code,
            "old_status": self.old.status if self.old else "absent",
            "new_status": self.new.status if self.new else "absent",
            "old_prior_auth": self.old.prior_auth if self.old else None,
            "new_prior_auth": self.new.prior_auth if self.new else None,
            "text_changed": before != after,
            "diff": unified_diff(before, after),
            "words": [{"op": s.op, "text": s.text} for s in word_diff(before, after)],
        }


@dataclass
class Report:
    """What a reextract found (and stored, unless a dry run)."""

    extractor: str
    versions: int = 0
    stored: int = 0
    """Readings stored (or, in a dry run, that would be): versions read by another extractor or reading differently."""
    differences: list[Difference] = field(default_factory=list)
    failures: list[tuple[Task, str]] = field(default_factory=list)


def plan(
    store: Store, source_ids: Sequence[str], selectors: Mapping[str, str | None]
) -> list[tuple[Task, StoredDocument]]:
    """Every stored version of these sources, oldest first, as a task and its stored reading."""
    planned = []
    for source_id in source_ids:
        for number, doc in enumerate(readings.versions(store, source_id), 1):
            task = Task(
                source_id,
                number,
                doc.id,
                doc.fetched_at,
                str(store.raw.root),
                doc.sha256,
                doc.kind or "html",
                tuple(sorted(doc.version.codes)),
                selectors.get(source_id),
                charset_of(doc.content_type),
            )
            planned.append((task, doc))
    return planned


def reextract(
    store: Store,
    planned: Sequence[tuple[Task, StoredDocument]],
    *,
    jobs: int,
    dry_run: bool,
    now: str,
    on_progress: Callable[[int], None] | None = None,
    extractor: Extractor | None = None,
) -> Report:
    """Read every planned version again, compare, and (unless ``dry_run``) store the re-read readings.

    ``extractor`` (default: the installed one) must be picklable for ``jobs`` > 1: a module-level read function.
    """
    reader = extractor or current_extractor()
    report = Report(reader.identity, versions=len(planned))
    for (task, doc), found in zip(planned, _read_all([t for t, _ in planned], jobs, reader), strict=True):
        if on_progress:
            on_progress(1)
        if isinstance(found, str):
            report.failures.append((task, found))
            continue
        found = clean_extraction(found)  # as a run stores it: no control character or terminal escape
        version = version_of(found, doc.version.codes, summarize)
        report.differences += _differences(task, doc, version.views)
        if doc.extractor != report.extractor or version != doc.version:
            report.stored += 1  # a dry run counts what it would store
            if not dry_run:
                readings.replace_reading(
                    store, doc, task.source_id, found, version, extractor=report.extractor, now=now
                )
    return report


def _read_all(tasks: Sequence[Task], jobs: int, extractor: Extractor) -> Iterator[Extraction | str]:
    """Each task's reading, in order: in this process for one job, else in ``jobs`` worker processes."""
    readers = itertools.repeat(extractor)
    if jobs <= 1 or len(tasks) <= 1:
        yield from map(read_task, tasks, readers)
        return
    # spawn, not fork: the parent may hold threads and an open database, which a fork would copy
    context = multiprocessing.get_context("spawn")
    chunk = max(1, min(16, len(tasks) // (jobs * 4)))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        yield from pool.map(read_task, tasks, readers, chunksize=chunk)


def _differences(task: Task, doc: StoredDocument, views: Mapping[str, CodeView]) -> Iterable[Difference]:
    for code in sorted(doc.version.codes):
        old, new = doc.version.views.get(code), views.get(code)
        if old != new:
            yield Difference(task.source_id, task.number, task.document_id, task.captured_at, code, old, new)
