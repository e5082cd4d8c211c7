"""The command line: thin click commands over the library (DESIGN.md's contract).

Exit status: 0 every source checked; 1 some sources could not be checked;
2 bad usage or a bad sources.toml; 3 the data directory or database is unusable;
4 another run holds the lock.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from tracker import history as hist
from tracker.check import SourceResult
from tracker.diff import DELETE, INSERT, Segment, unified_diff, word_diff
from tracker.errors import ConfigError, TrackerError
from tracker.job import run_once
from tracker.lock import LockedError, hold
from tracker.output import cell, emit, output_options
from tracker.sources import Config, load_config
from tracker.store import Store, open_store

EXIT_SOURCES_FAILED = 1
EXIT_USAGE = 2
EXIT_STORE = 3
EXIT_LOCKED = 4


@dataclass
class Context:
    """What the global options give every command."""

    sources_path: Path
    data_dir: Path

    def config(self) -> Config:
        """The parsed sources.toml."""
        return load_config(self.sources_path)

    def store(self) -> Store:
        """The history database in the data dir."""
        return open_store(self.data_dir)


class TrackerGroup(click.Group):
    """Turns the tracker's expected errors into a one-line message and a documented exit status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(EXIT_USAGE)
        except LockedError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(EXIT_LOCKED)
        except TrackerError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(EXIT_STORE)


def now() -> datetime:
    """The clock: UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


@click.group(cls=TrackerGroup)
@click.option("--sources", "sources_path", type=click.Path(path_type=Path), default="sources.toml",
              envvar="TRACKER_SOURCES", show_default=True, help="The sources file (env TRACKER_SOURCES).")
@click.option("--data", "data_dir", type=click.Path(path_type=Path, file_okay=False), default="snapshots",
              envvar="TRACKER_DATA", show_default=True,
              help="Data directory: raw captures and tracker.db (env TRACKER_DATA).")
@click.option("--log-level", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
              default="WARNING", envvar="TRACKER_LOG_LEVEL", show_default=True,
              help="Log level on stderr (env TRACKER_LOG_LEVEL); INFO logs one line per source.")
@click.option("--log-format", default="%(asctime)s %(levelname)s %(name)s: %(message)s", envvar="TRACKER_LOG_FORMAT",
              help="logging format string (env TRACKER_LOG_FORMAT).")
@click.version_option(package_name="tracker")
@click.pass_context
def cli(ctx: click.Context, sources_path: Path, data_dir: Path, log_level: str, log_format: str) -> None:
    """Watch payers' coverage policies and report, code by code, what changed."""
    logging.basicConfig(level=log_level.upper(), format=log_format, stream=sys.stderr, force=True)
    # urllib3 warns on every retry; the tracker reports the outcome once, so keep its detail for DEBUG.
    logging.getLogger("urllib3").setLevel(logging.DEBUG if log_level.upper() == "DEBUG" else logging.ERROR)
    ctx.obj = Context(sources_path, data_dir)


@cli.command()
@click.option("--only", multiple=True, metavar="ID", help="Check only this source (repeatable).")
@click.option("--no-notify", is_flag=True, help="Do not send the digest.")
@click.pass_obj
def run(obj: Context, only: tuple[str, ...], no_notify: bool) -> None:
    """Check every source once, store new versions, report the changes and send the digest.

    Exit status 1 when some sources could not be checked (the rest is stored).

    Example:

        tracker run --only cigna-0525
    """
    progress = _progress() if sys.stderr.isatty() else None
    outcome = run_once(obj.sources_path, obj.data_dir, clock=now, env=os.environ, only=only,
                       notify=not no_notify, on_result=progress)
    click.echo("\n".join(outcome.lines))
    if outcome.result.failed:
        sys.exit(EXIT_SOURCES_FAILED)


def _progress() -> Callable[[SourceResult], None]:
    done = 0

    def show(result: SourceResult) -> None:
        nonlocal done
        done += 1
        click.echo(f"[{done}] {result.source.id}: {result.outcome}", err=True)

    return show


@cli.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--code", "codes", multiple=True, metavar="C", help="Code to find (repeatable; default 64600).")
@click.option("--kind", type=click.Choice(["html", "pdf", "mcd-article"]), help="Override the sniffed kind.")
@click.option("--selector", help="CSS selector restricting an HTML page.")
@click.option("--json", "as_json", is_flag=True, help="Output JSON on stdout.")
def extract(path: Path, codes: tuple[str, ...], kind: str | None, selector: str | None, as_json: bool) -> None:
    """Extract the sections of a local HTML, PDF or JSON file; nothing is stored.

    Example:

        tracker extract policy.pdf --code 64600 --json
    """
    from tracker.extract import extract as run_extract
    from tracker.fetch import sniff_kind

    body = path.read_bytes()
    found = run_extract(body, kind or sniff_kind(body, None), codes or ("64600",), selector=selector)
    if as_json:
        click.echo(json.dumps(found.to_dict(), indent=2, ensure_ascii=False))
        return
    meta = {k: v for k, v in found.metadata.to_dict().items() if v}
    click.echo("\n".join(f"{k}: {v}" for k, v in meta.items()) or "(no metadata)")
    for s in found.sections:
        page = f" (page {s.page})" if s.page else ""
        click.echo(f"\n{s.code} · {s.status} · prior auth {cell(s.prior_auth)}{page}\n  {s.heading}\n  {s.text}")
    if not found.sections:
        click.echo(f"\nNo section mentions {', '.join(codes or ('64600',))}.")


@cli.command()
@click.option("--since", metavar="DATE", help="Only changes detected on or after DATE (YYYY-MM-DD).")
@click.option("--code", help="Only this code.")
@click.option("--payer", help="Only this payer.")
@click.option("--source", help="Only this source id.")
@output_options
@click.pass_obj
def changes(obj: Context, since: str | None, code: str | None, payer: str | None, source: str | None,
            as_json: bool, as_csv: bool) -> None:
    """The change log.

    Example:

        tracker changes --since 2026-01-01 --code 64600 --json
    """
    rows = hist.changes(obj.store(), since=_date(since), code=code, payer=payer, source=source)
    emit(rows, as_json, as_csv, ["detected_at", "source", "code", "kind", "old_status", "new_status", "summary"])


def _date(value: str | None, option: str = "--since") -> str | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value).date().isoformat()
    except ValueError:
        raise ConfigError(f"{option} {value!r}: expected a date such as 2026-03-01") from None


@cli.command()
@click.option("--code", help="Only this code.")
@output_options
@click.pass_obj
def status(obj: Context, code: str | None, as_json: bool, as_csv: bool) -> None:
    """The coverage matrix: each source's current stance on each code.

    Example:

        tracker status --code 64600
    """
    ids = _configured_ids(obj)
    rows = hist.status(obj.store(), code=code, source_ids=ids)
    emit(rows, as_json, as_csv,
         ["source", "payer", "plan", "code", "status", "prior_auth", "effective_date", "checked_at", "changed_at"])


def _configured_ids(obj: Context) -> list[str] | None:
    """The ids in sources.toml, so retired sources drop out of the matrix; None when there is no file."""
    if not obj.sources_path.exists():
        return None
    return [s.id for s in obj.config().sources]


@cli.command()
@click.option("--limit", default=20, show_default=True, help="How many runs.")
@output_options
@click.pass_obj
def runs(obj: Context, limit: int, as_json: bool, as_csv: bool) -> None:
    """Recent runs, with each source's outcome and error.

    Example:

        tracker runs --limit 5
    """
    rows = hist.runs(obj.store(), limit=limit)
    if as_json or as_csv:
        emit(rows, as_json, as_csv, [])
        return
    for r in rows:
        click.echo(f"run {r['id']}  {r['started_at']}  {r['status']}  {r['sources_ok']}/{r['sources_total']} checked, "
                   f"{r['changes']} changes, {r['duration_s']} s")
        for s in r["sources"]:
            error = f"  {s['error_class']}: {s['error']}" if s["error_class"] else ""
            click.echo(f"  {s['source']}: {s['outcome']}{error}")


@cli.command("history")
@click.argument("source_id", metavar="ID")
@click.option("--code", help="Only this code.")
@output_options
@click.pass_obj
def history_command(obj: Context, source_id: str, code: str | None, as_json: bool, as_csv: bool) -> None:
    """Every stored version of one source, with each code's status.

    Example:

        tracker history cigna-0525 --code 64600
    """
    rows = hist.history(_store_with(obj, source_id), source_id, code=code)
    emit(rows, as_json, as_csv, ["version", "captured_at", "code", "status", "prior_auth", "effective_date", "sha256"])


@cli.command()
@click.argument("source_id", metavar="ID")
@click.option("--code", default="64600", show_default=True, help="The code.")
@click.option("--at", "at", metavar="DATE", help="The date (YYYY-MM-DD); default: the latest version.")
@click.option("--json", "as_json", is_flag=True, help="Output JSON on stdout.")
@click.pass_obj
def show(obj: Context, source_id: str, code: str, at: str | None, as_json: bool) -> None:
    """The section of a code as it stood on a date (the version in force then), with its provenance.

    Example:

        tracker show cigna-0525 --code 64600 --at 2026-03-01
    """
    store = _store_with(obj, source_id)
    row = hist.version_at(store, source_id, code, _date(at, "--at"))
    if row is None:
        raise ConfigError(f"{source_id}: no version stored on or before {at}")
    if as_json:
        click.echo(json.dumps(row, indent=2, ensure_ascii=False))
        return
    click.echo(f"{row['source']} · CPT {code} · {row['status']} · prior auth {cell(row['prior_auth'])}")
    click.echo(f"version {row['version']} ({row['basis']}): effective {row['effective_date'] or '-'}, "
               f"captured {row['captured_at']}")
    click.echo(f"source: {row['url']}\nsha256: {row['sha256']}")
    for s in row["sections"]:
        page = f" (page {s['page']})" if s["page"] else ""
        click.echo(f"\n{s['heading']}{page}\n{s['text']}")
    if not row["sections"]:
        click.echo(f"\nCPT {code} is not in this version.")


@cli.command("diff")
@click.argument("source_id", metavar="ID")
@click.option("--code", default="64600", show_default=True, help="The code.")
@click.option("--from", "from_", metavar="DATE", help="The version in force on DATE (default: the previous version).")
@click.option("--to", metavar="DATE", help="The version in force on DATE (default: the latest).")
@click.option("--json", "as_json", is_flag=True, help="Output JSON on stdout.")
@click.pass_obj
def diff_command(obj: Context, source_id: str, code: str, from_: str | None, to: str | None, as_json: bool) -> None:
    """What changed in a code's section between two versions: word by word on a terminal, unified otherwise.

    Example:

        tracker diff cigna-0525 --code 64600 --from 2026-03-01
    """
    store = _store_with(obj, source_id)
    new = hist.version_at(store, source_id, code, _date(to, "--to"))
    if new is None:
        raise ConfigError(f"{source_id}: no version stored on or before {to}")
    old = (hist.version_at(store, source_id, code, _date(from_, "--from")) if from_
           else hist.previous_version(store, source_id, code, new["version"]))
    if old is None:
        raise ConfigError(f"{source_id}: only one version stored{' by ' + from_ if from_ else ''}; nothing to compare")
    before, after = old["text"] or "", new["text"] or ""
    if as_json:
        words = [{"op": s.op, "text": s.text} for s in word_diff(before, after)]
        payload = {"from": _provenance(old), "to": _provenance(new), "diff": unified_diff(before, after),
                   "words": words}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    click.echo(f"--- version {old['version']}: {old['status']}, effective {old['effective_date'] or '-'}, "
               f"captured {old['captured_at']}")
    click.echo(f"+++ version {new['version']}: {new['status']}, effective {new['effective_date'] or '-'}, "
               f"captured {new['captured_at']}")
    if before == after:
        click.echo("(the same text)")
    elif sys.stdout.isatty():
        click.echo(_coloured(word_diff(before, after, context=40)))
    else:
        click.echo(unified_diff(before, after))


def _provenance(row: dict[str, Any]) -> dict[str, Any]:
    keys = ("version", "captured_at", "effective_date", "status", "prior_auth", "url", "sha256")
    return {k: row[k] for k in keys}


def _coloured(segments: Sequence[Segment]) -> str:
    def one(s: Segment) -> str:
        if s.op == INSERT:
            return click.style(s.text, fg="green", bold=True)
        if s.op == DELETE:
            return click.style(s.text, fg="red", strikethrough=True)
        return s.text or "…"

    return " ".join(one(s) for s in segments)


def _store_with(obj: Context, source_id: str) -> Store:
    store = obj.store()
    if not hist.source_exists(store, source_id):
        raise ConfigError(f"no source {source_id!r} in {obj.data_dir}; `tracker status` lists the known sources")
    return store


@cli.command()
@click.argument("text")
@click.option("--code", help="Only this code.")
@click.option("--payer", help="Only this payer.")
@click.option("--limit", default=50, show_default=True, help="At most this many hits.")
@output_options
@click.pass_obj
def search(obj: Context, text: str, code: str | None, payer: str | None, limit: int, as_json: bool,
           as_csv: bool) -> None:
    """Full-text search over every version of every section, newest first.

    Example:

        tracker search "radiofrequency neurolysis" --code 64600
    """
    rows = hist.search(obj.store(), text, code=code, payer=payer, limit=limit)
    emit(rows, as_json, as_csv, ["captured_at", "source", "code", "status", "snippet"])


@cli.command()
@click.option("--since", metavar="DATE", help="Changes detected on or after DATE (default: the latest run's changes).")
@click.option("--format", "fmt", type=click.Choice(["text", "html", "slack"]), default="text", show_default=True,
              help="Plain text, the HTML email, or the Slack Block Kit payload.")
@click.option("--send", is_flag=True, help="Send it on every configured channel and record the deliveries.")
@click.pass_obj
def digest(obj: Context, since: str | None, fmt: str, send: bool) -> None:
    """Preview the digest, or re-send it.

    Example:

        tracker digest --since 2026-04-01 --format html > digest.html
    """
    from tracker.notify import build_digest, render, send_digest

    config, store = obj.config(), obj.store()
    found = build_digest(store, config, since=_date(since), clock=now)
    if not send:
        click.echo(render(found, fmt), nl=False)
        return
    report = send_digest(store, config, found, env=os.environ, clock=now)
    click.echo("\n".join(report.lines()))
    if report.failed:
        sys.exit(EXIT_SOURCES_FAILED)


@cli.command()
@click.option("--run-now", is_flag=True, help="Also run once right away.")
@click.pass_obj
def schedule(obj: Context, run_now: bool) -> None:
    """Run the daily check in the foreground, at the [schedule] time; stop with Ctrl-C or SIGTERM.

    A run in progress finishes the sources it has started, then the scheduler stops.

    Example:

        tracker --log-level INFO schedule --run-now
    """
    from tracker.schedule import build_scheduler, schedule_settings, serve

    config = obj.config()
    settings = schedule_settings(config.schedule, str(config.path))
    stop = threading.Event()

    def job() -> None:
        try:
            outcome = run_once(obj.sources_path, obj.data_dir, clock=now, env=os.environ, stop=stop)
            for line in outcome.lines:
                logging.getLogger("tracker").info("%s", line)
        except TrackerError as exc:  # a locked or broken run must not stop the scheduler
            logging.getLogger("tracker").error("run not done: %s", exc)

    with hold(obj.data_dir / "schedule.lock", what="scheduler"):
        logging.getLogger("tracker").setLevel(min(logging.INFO, logging.getLogger().level))
        serve(build_scheduler(settings, job, run_now=run_now), stop)


@cli.command()
@click.option("--keep-days", type=click.IntRange(min=0), required=True, metavar="N",
              help="Keep every raw capture seen in the last N days.")
@click.pass_obj
def prune(obj: Context, keep_days: int) -> None:
    """Drop old raw captures that no stored version needs.

    Kept always: each source's first and latest capture and both ends of every change.
    Dropped when older than N days: byte-only re-captures (same text as the version before)
    and the bodies of failed fetches. Database rows are never deleted.

    Example:

        tracker prune --keep-days 90
    """
    moment = now()
    with hold(obj.data_dir / "run.lock"):
        report = obj.store().prune((moment - timedelta(days=keep_days)).isoformat(), moment.isoformat())
    click.echo(f"Deleted {report.deleted} raw capture(s) ({report.bytes:,} bytes); kept {report.kept}.")


def main() -> None:
    """Entry point for ``python -m tracker``."""
    cli(prog_name="tracker")
