"""The command line: thin click commands over the library (DESIGN.md's contract); output formatting only.

Exit status (``tracker.errors.EXIT_STATUSES``): 0 every source checked; 1 some sources (or an
outside service, or a delivery) could not be checked; 2 bad usage or a bad sources.toml; 3 the
data directory or database is unusable; 4 another run holds the lock; 5 a document could not be read.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import click

from tracker.cli import analyst, feeds, notifytest, operations, pipeline, reextract, review, starter, trial
from tracker.cli.base import Context, TrackerGroup, find_sources


@click.group(cls=TrackerGroup)
@click.option(
    "--sources",
    "sources_path",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="TRACKER_SOURCES",
    help="The sources file (env TRACKER_SOURCES; else ./sources.toml, else $XDG_CONFIG_HOME/tracker/sources.toml).",
)
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default="snapshots",
    envvar="TRACKER_DATA",
    show_default=True,
    help="Data directory: raw captures and tracker.db (env TRACKER_DATA).",
)
@click.option(
    "--log-level",
    type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
    default="WARNING",
    envvar="TRACKER_LOG_LEVEL",
    show_default=True,
    help="Log level on stderr (env TRACKER_LOG_LEVEL); INFO logs one line per source.",
)
@click.option(
    "--log-format",
    default="%(asctime)s %(levelname)s %(name)s: %(message)s",
    envvar="TRACKER_LOG_FORMAT",
    help="logging format string (env TRACKER_LOG_FORMAT).",
)
@click.option("--no-color", is_flag=True, help="No colour in the output (also when NO_COLOR is set).")
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda ctx, _param, value: _version(ctx) if value else None,
    help="Show the version and the extractor's identity, and exit.",
)
@click.pass_context
def cli(
    ctx: click.Context, sources_path: Path | None, data_dir: Path, log_level: str, log_format: str, no_color: bool
) -> None:
    """Watch payers' coverage policies and report, code by code, what changed."""
    if no_color or os.environ.get("NO_COLOR"):
        ctx.color = False  # click.echo strips every style (https://no-color.org: any non-empty NO_COLOR)
    logging.basicConfig(level=log_level.upper(), format=log_format, stream=sys.stderr, force=True)
    if log_level.upper() != "DEBUG":
        # urllib3 warns on every retry; the tracker reports the outcome once, so keep its detail for DEBUG.
        for handler in logging.getLogger().handlers:
            handler.addFilter(lambda r: not (r.name.startswith("urllib3") and r.levelno < logging.ERROR))
    ctx.obj = Context(find_sources(sources_path, os.environ), data_dir, os.environ)


for command in (
    pipeline.run,
    pipeline.extract,
    analyst.changes,
    analyst.status,
    analyst.runs,
    analyst.history_command,
    analyst.show,
    analyst.diff_command,
    analyst.search,
    analyst.report,
    operations.digest,
    operations.discover,
    operations.schedule,
    operations.prune,
    operations.demo,
    notifytest.notify,
    trial.test_source,
    starter.init,
    reextract.reextract,
    feeds.sources,
    feeds.upcoming,
    review.review,
    review.confirm,
):
    cli.add_command(command)


def _version(ctx: click.Context) -> None:
    from tracker import __version__
    from tracker.extract.identity import current_identity

    click.echo(f"tracker, version {__version__} (extractor {current_identity()})")
    ctx.exit()


def main() -> None:
    """Entry point for ``python -m tracker``."""
    cli(prog_name="tracker")
