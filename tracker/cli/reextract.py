"""`tracker reextract`: every stored version re-read with the current extractor (issue 11)."""

from __future__ import annotations

import itertools
import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

from tracker.cli.base import Context, now
from tracker.errors import EXIT_SOURCES_FAILED, UsageError
from tracker.models import iso
from tracker.vocab import code_label, plural, prior_auth_word, status_word

if TYPE_CHECKING:
    from tracker.run.reextract import Difference


@click.command()
@click.option("--source", "source_ids", multiple=True, metavar="ID", help="Only this source (repeatable).")
@click.option("--dry-run", is_flag=True, help="Show what would differ; store nothing.")
@click.option(
    "--jobs",
    type=click.IntRange(min=1, max=256),
    default=None,
    help="Worker processes (default: the number of CPUs).",
)
@click.option("--json", "as_json", is_flag=True, help="Output JSON (the versions that differ) on stdout.")
@click.pass_obj
def reextract(obj: Context, source_ids: tuple[str, ...], dry_run: bool, jobs: int | None, as_json: bool) -> None:
    """Re-read every stored version with the current extractor; show (and store) what reads differently.

    For each source and code, every version whose status, prior authorization or section
    text would differ is shown, old → new. Without --dry-run the new readings are stored
    (the old ones are kept, superseded), so history, show, search, status, the report and
    Datasette read them; the change log is never rewritten (`tracker changes --rederived`
    lists what the current extractor would have reported). Exit status 1 if some versions
    could not be read (their capture is missing or damaged, or it no longer parses); the rest are read.

    Example:

        tracker reextract --dry-run --source cigna-0525
    """
    from tracker.run.lock import hold
    from tracker.run.reextract import plan
    from tracker.run.reextract import reextract as run_reextract
    from tracker.store.queries import source_ids as source_ids_of

    store = obj.store()
    known = [s for s in source_ids if not store.source_exists(s)]
    if known:
        raise UsageError(f"no source {known[0]!r} in {obj.data_dir}; `tracker status` lists the known sources")
    selectors = {s.id: s.selector for s in obj.config().sources} if obj.sources_path.exists() else {}
    ids = list(source_ids) or source_ids_of(store)
    planned = plan(store, ids, selectors)
    with hold(obj.data_dir / "run.lock", what="run or reextract"), _progress(len(planned)) as progress:
        report = run_reextract(
            store, planned, jobs=jobs or os.cpu_count() or 1, dry_run=dry_run, now=iso(now()), on_progress=progress
        )
    for task, why in report.failures:
        click.echo(
            f"warning: {task.source_id} v{task.number} (captured {task.captured_at}) not re-read: {why}", err=True
        )
    if as_json:
        click.echo(json.dumps([d.to_dict() for d in report.differences], indent=2, ensure_ascii=False))
    else:
        _print(report.differences)
        differ = len({(d.source, d.version) for d in report.differences})
        readings = plural(report.stored, "new reading")
        stored = f"would store {readings} (dry run: nothing stored)" if dry_run else f"stored {readings}"
        unread = f"; {len(report.failures)} could not be read" if report.failures else ""
        click.echo(
            f"Re-read {plural(report.versions, 'version')} of {plural(len(ids), 'source')} with extractor "
            f"{report.extractor}: {differ} read differently; {stored}{unread}."
        )
    if report.failures:
        sys.exit(EXIT_SOURCES_FAILED)


def _print(differences: Sequence[Difference]) -> None:
    """Per source and code, each version that reads differently: status, prior auth, a word diff of the text."""
    ordered = sorted(differences, key=lambda d: (d.source, d.code, d.version))
    for (source, code), group in itertools.groupby(ordered, key=lambda d: (d.source, d.code)):
        click.echo(f"{source} · {code_label(code)}")
        for d in group:
            row = d.to_dict()
            click.echo(f"  v{d.version} (captured {d.captured_at}):")
            if row["old_status"] != row["new_status"]:
                click.echo(f"    status: {status_word(row['old_status'])} → {status_word(row['new_status'])}")
            if row["old_prior_auth"] != row["new_prior_auth"]:
                was, now_pa = prior_auth_word(row["old_prior_auth"]), prior_auth_word(row["new_prior_auth"])
                click.echo(f"    prior auth: {was} → {now_pa}")
            if row["text_changed"]:
                click.echo("    text: " + " ".join(_word(w) for w in row["words"]))


def _word(segment: dict[str, str]) -> str:
    if segment["op"] == "delete":
        return f"[-{segment['text']}-]"
    if segment["op"] == "insert":
        return f"{{+{segment['text']}+}}"
    return "…" if segment["op"] == "gap" else segment["text"]


class _progress:
    """A progress bar on a terminal's stderr, nothing otherwise; called with the number of versions done."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.bar: object | None = None

    def __enter__(self) -> _progress:
        if sys.stderr.isatty() and self.total:
            self.bar = click.progressbar(length=self.total, label="re-reading", file=sys.stderr).__enter__()
        return self

    def __call__(self, done: int) -> None:
        if self.bar is not None:
            self.bar.update(done)  # type: ignore[attr-defined]

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)  # type: ignore[attr-defined]
