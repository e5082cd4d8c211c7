"""Commands for operating the tracker: digests, discovery, the scheduler, pruning, the demo."""

from __future__ import annotations

import logging
import sys
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from tracker.cli.base import Context, now, parse_date
from tracker.cli.output import emit, output_options
from tracker.config.sources import CODE_RE, DEFAULT_API, DISCOVER_LIMIT, FetchSettings
from tracker.errors import EXIT_SOURCES_FAILED, FetchError, TrackerError
from tracker.run.lock import hold
from tracker.vocab import DEFAULT_CODE


@click.command()
@click.option("--since", metavar="DATE", help="Changes detected on or after DATE (default: the latest run's changes).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "html", "slack"]),
    default="text",
    show_default=True,
    help="Plain text, the HTML email, or the Slack Block Kit payload.",
)
@click.option("--send", is_flag=True, help="Send it on every configured channel and record the deliveries.")
@click.pass_obj
def digest(obj: Context, since: str | None, fmt: str, send: bool) -> None:
    """Preview the digest, or re-send it.

    Example:

        tracker digest --since 2026-04-01 --format html > digest.html
    """
    from tracker.notify import build_digest, render, send_digest

    config, store = obj.config(), obj.store()
    found = build_digest(store, config, since=parse_date(since), clock=now)
    if not send:
        click.echo(render(found, fmt), nl=False)
        return
    report = send_digest(store, config, found, clock=now)
    click.echo("\n".join(report.lines()))
    if report.failed:
        sys.exit(EXIT_SOURCES_FAILED)


@click.group()
def discover() -> None:
    """Find the documents that list a code, as ready-to-paste [[source]] entries."""


@discover.command("medicare")
@click.option("--code", required=True, metavar="C", help=f"The CPT/HCPCS code, e.g. {DEFAULT_CODE}.")
@click.option("--state", metavar="XX", help="Only articles for this state (postal code such as MD; comma list).")
@click.option("--api", default=DEFAULT_API, show_default=True, help="The CMS Coverage API base URL.")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=DISCOVER_LIMIT,
    show_default=True,
    help="Open at most this many articles (two paced calls each).",
)
@output_options
@click.pass_obj
def discover_medicare(
    obj: Context, code: str, state: str | None, api: str, limit: int, as_json: bool, as_csv: bool
) -> None:
    """The current Medicare Billing and Coding Articles that list a code (ranges included), with their LCDs.

    Reads the CMS Coverage API's local articles report, opens each current article's code
    list (calls paced by [fetch] delay, default 2 s) and prints a ready-to-paste [[source]]
    entry for each article that lists the code. Exit status 1 if some articles could not be read.

    Example:

        tracker discover medicare --code 64600 --state MD
    """
    from tracker.discover import discover as find_articles
    from tracker.fetch.http import make_session

    if not CODE_RE.match(code.strip().upper()):
        raise click.BadParameter(f"{code!r} is not a CPT/HCPCS code (five characters, e.g. 64600)", param_hint="--code")
    settings = obj.config().fetch if obj.sources_path.exists() else FetchSettings()
    if click.get_current_context().get_parameter_source("api") == click.core.ParameterSource.DEFAULT:
        api = (
            next((f.api for f in obj.config().feeds if f.kind == "mcd-reports" and f.api), api)
            if obj.sources_path.exists()
            else api
        )
    failed: list[str] = []

    def warn(row: dict[str, Any], exc: FetchError) -> None:
        failed.append(str(row.get("document_display_id")))
        click.echo(f"warning: {row.get('document_display_id')} not checked: {exc}", err=True)

    with make_session(settings) as session:
        rows = find_articles(code, state=state, api=api, session=session, settings=settings, limit=limit, on_error=warn)
    if as_json or as_csv:
        emit(rows, as_json, as_csv, [])
    elif rows:
        click.echo("\n".join(r["toml"] for r in rows), nl=False)
    else:
        click.echo(f"# No current article{' in ' + state if state else ''} lists {code}.")
    if failed:
        sys.exit(EXIT_SOURCES_FAILED)


@click.command()
@click.option("--run-now", is_flag=True, help="Also run once right away.")
@click.pass_obj
def schedule(obj: Context, run_now: bool) -> None:
    """Run the daily check in the foreground, at the [schedule] time; stop with Ctrl-C or SIGTERM.

    A run in progress finishes the sources it has started, then the scheduler stops.

    Example:

        tracker --log-level INFO schedule --run-now
    """
    from tracker.run.job import run_once
    from tracker.run.schedule import Runner, build_scheduler, serve

    settings = obj.config().schedule
    obj.announce()
    stop = threading.Event()

    def job() -> None:
        try:
            outcome = run_once(obj.sources_path, obj.data_dir, clock=now, env=obj.env, stop=stop)
            for line in outcome.lines:
                logging.getLogger("tracker").info("%s", line)
        except TrackerError as exc:  # a locked or broken run must not stop the scheduler
            logging.getLogger("tracker").error("run not done: %s", exc)

    runner = Runner(job)
    with hold(obj.data_dir / "schedule.lock", what="scheduler"):
        logging.getLogger("tracker").setLevel(min(logging.INFO, logging.getLogger().level))
        serve(build_scheduler(settings, runner, run_now=run_now), runner, stop)


@click.command()
@click.option(
    "--keep-days",
    type=click.IntRange(0, 36_500),
    required=True,
    metavar="N",
    help="Keep every raw capture seen in the last N days (0-36500).",
)
@click.option("--dry-run", is_flag=True, help="Say what would be deleted; delete nothing.")
@click.pass_obj
def prune(obj: Context, keep_days: int, dry_run: bool) -> None:
    """Drop old raw captures that no stored version needs.

    Kept always: the body of every stored version. Dropped when last seen more than N days
    ago: byte-only re-captures (other bytes, the same policy text as the version before) and
    the bodies of failed fetches, which only the fetch log refers to. Database rows are never
    deleted.

    Example:

        tracker prune --keep-days 90
    """
    cutoff = (now() - timedelta(days=keep_days)).isoformat()
    if dry_run:
        from tracker.store.queries import prune_preview

        plan = prune_preview(obj.store(), cutoff)
        click.echo(
            f"Would delete {plan.deleted} raw capture(s) ({plan.bytes:,} bytes); would keep {plan.kept}. (dry run)"
        )
        return
    with hold(obj.data_dir / "run.lock"):
        report = obj.store().prune(cutoff)
    click.echo(f"Deleted {report.deleted} raw capture(s) ({report.bytes:,} bytes); kept {report.kept}.")


@click.command()
@click.option(
    "--dir",
    "work_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="A new or empty directory for the demo's sources.toml, data and report (default: a new temporary directory).",
)
def demo(work_dir: Path | None) -> None:
    """See the tracker work offline: sample policies on 127.0.0.1, two runs, a change, the digest, the report.

    Needs no configuration and no network, sends nothing, and ignores --sources and --data:
    everything goes into its own directory, which it prints.

    Example:

        tracker demo
    """
    import tempfile

    from tracker.demo import run_demo

    run_demo(work_dir or Path(tempfile.mkdtemp(prefix="tracker-demo-")), out=click.echo)
