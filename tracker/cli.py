"""The command line: thin click commands over the library (DESIGN.md's contract).

Exit status: 0 every source checked; 1 some sources could not be checked;
2 bad usage or a bad sources.toml; 3 the data directory or database is unusable.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from tracker import history as hist
from tracker.check import RunResult, SourceResult, run_check
from tracker.errors import ConfigError, TrackerError
from tracker.sources import Config, load_config
from tracker.store import Store, open_store

EXIT_SOURCES_FAILED = 1
EXIT_USAGE = 2
EXIT_STORE = 3
F = TypeVar("F", bound=Callable[..., Any])


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
@click.version_option(package_name="tracker")
@click.pass_context
def cli(ctx: click.Context, sources_path: Path, data_dir: Path) -> None:
    """Watch payers' coverage policies and report, code by code, what changed."""
    ctx.obj = Context(sources_path, data_dir)


def output_options(func: F) -> F:
    """--json and --csv for a listing command."""
    func = click.option("--csv", "as_csv", is_flag=True, help="Output CSV.")(func)
    return click.option("--json", "as_json", is_flag=True, help="Output JSON (and nothing else) on stdout.")(func)


def emit(rows: Sequence[dict[str, Any]], as_json: bool, as_csv: bool, columns: Sequence[str]) -> None:
    """Print rows as JSON, CSV or an aligned table of ``columns``."""
    if as_json:
        click.echo(json.dumps(list(rows), indent=2, ensure_ascii=False))
    elif as_csv:
        click.echo(_csv(rows), nl=False)
    elif not rows:
        click.echo("(nothing)")
    else:
        click.echo(_table(rows, columns))


def _csv(rows: Sequence[dict[str, Any]]) -> str:
    if not rows:
        return ""
    out = io.StringIO()
    fieldnames = [k for k, v in rows[0].items() if not isinstance(v, (list, dict))]
    writer = csv.DictWriter(out, fieldnames=fieldnames, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).replace("\n", " ")[:80]


@cli.command()
@click.option("--only", multiple=True, metavar="ID", help="Check only this source (repeatable).")
@click.option("--no-notify", is_flag=True, help="Do not send the digest.")
@click.pass_obj
def run(obj: Context, only: tuple[str, ...], no_notify: bool) -> None:
    """Check every source once, store new versions and report the changes.

    Example:

        tracker run --only cigna-0525
    """
    config = obj.config()
    store = obj.store()
    total = len(config.select(only))
    progress = _progress(total) if sys.stderr.isatty() else None
    result = run_check(config, store, clock=now, only=only, on_result=progress)
    click.echo(summary(result, total))
    if result.failed:
        sys.exit(EXIT_SOURCES_FAILED)


def _progress(total: int) -> Callable[[SourceResult], None]:
    done = 0

    def show(result: SourceResult) -> None:
        nonlocal done
        done += 1
        click.echo(f"[{done}/{total}] {result.source.id}: {result.outcome}", err=True)

    return show


def summary(result: RunResult, total: int) -> str:
    """The few lines ``tracker run`` prints."""
    counts = {o: sum(r.outcome == o for r in result.results) for o in ("new", "changed", "unchanged", "error")}
    lines = [
        f"Run {result.run_id}: checked {total - counts['error']} of {total} sources: "
        f"{counts['new']} new, {counts['changed']} changed, {counts['unchanged']} unchanged, {counts['error']} failed."
    ]
    alerts = [(r, c) for r in result.results for c in r.changes if c.kind != "new"]
    if alerts:
        lines.append(f"Changes ({len(alerts)}):")
        lines += [f"  {r.source.id}: {c.kind}: {c.summary}" for r, c in alerts]
    baseline = sum(1 for r in result.results if r.outcome == "new")
    if baseline:
        lines.append(f"{baseline} source(s) captured for the first time (baseline, not alerted).")
    if result.failed:
        lines.append(f"Failures: {len(result.failed)} source(s) could not be checked; their last good version is kept:")
        lines += [f"  {r.source.id}: {r.error_class}: {r.error}" for r in result.failed]
    return "\n".join(lines)


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
        click.echo(f"\n{s.code} · {s.status} · prior auth {_cell(s.prior_auth)}{page}\n  {s.heading}\n  {s.text}")
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


def _date(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value).date().isoformat()
    except ValueError:
        raise ConfigError(f"--since {value!r}: expected a date such as 2026-03-01") from None


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
    store = obj.store()
    if not hist.source_exists(store, source_id):
        raise ConfigError(f"no source {source_id!r} in {obj.data_dir}; `tracker status` lists the known sources")
    rows = hist.history(store, source_id, code=code)
    emit(rows, as_json, as_csv, ["version", "captured_at", "code", "status", "prior_auth", "effective_date", "sha256"])


def main() -> None:
    """Entry point for ``python -m tracker``."""
    cli(prog_name="tracker")
