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
from click.core import ParameterSource

from tracker.cli import analyst, browse, feeds, notifytest, operations, pipeline, reextract, review, starter, trial
from tracker.cli.base import Context, TrackerGroup, check_sources
from tracker.config.paths import resolve
from tracker.vocab import OPTION_METAVARS


@click.group(cls=TrackerGroup, invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--sources",
    "sources_path",
    type=click.Path(path_type=Path, dir_okay=False),
    envvar="TRACKER_SOURCES",
    metavar="FILE",
    help="The sources file (env TRACKER_SOURCES; else ./sources.toml, else $XDG_CONFIG_HOME/tracker/sources.toml).",
)
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="TRACKER_DATA",
    metavar="DIR",
    help="Data directory: raw captures and tracker.db (env TRACKER_DATA; default: snapshots/ beside the "
    "sources file, or $XDG_DATA_HOME/tracker for the one in $XDG_CONFIG_HOME/tracker).",
)
@click.option("-v", "--verbose", is_flag=True, help="Say which sources file and which database a command uses.")
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
    ctx: click.Context,
    sources_path: Path | None,
    data_dir: Path | None,
    verbose: bool,
    log_level: str,
    log_format: str,
    no_color: bool,
) -> None:
    """Watch payers' coverage policies and report, code by code, what changed.

    New here? `tracker demo` shows the whole pipeline offline; `tracker init` writes a starter
    sources.toml. `tracker COMMAND -h` explains each command.
    """
    if ctx.invoked_subcommand is None:  # bare `tracker`: the help, and success
        click.echo(ctx.get_help())
        ctx.exit(0)
    if no_color or os.environ.get("NO_COLOR"):
        ctx.color = False  # click.echo strips every style (https://no-color.org: any non-empty NO_COLOR)
    logging.basicConfig(level=log_level.upper(), format=log_format, stream=sys.stderr, force=True)
    if log_level.upper() != "DEBUG":
        # urllib3 warns on every retry; the tracker reports the outcome once, so keep its detail for DEBUG.
        for handler in logging.getLogger().handlers:
            handler.addFilter(lambda r: not (r.name.startswith("urllib3") and r.levelno < logging.ERROR))
    paths = resolve(
        sources_path,
        "environment" if ctx.get_parameter_source("sources_path") == ParameterSource.ENVIRONMENT else None,
        data_dir,
        "TRACKER_DATA" if ctx.get_parameter_source("data_dir") == ParameterSource.ENVIRONMENT else None,
    )
    ctx.obj = Context(paths.sources, paths.data, os.environ, paths=paths, verbose=verbose)
    check_sources(ctx)


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
    browse.datasette,
):
    cli.add_command(command)


def uniform_help(group: click.Group) -> None:
    """Every command's help names a shared option's value alike (``--code C``): ``tracker.vocab.OPTION_METAVARS``."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            uniform_help(command)
        for param in command.params:
            if isinstance(param, click.Option) and not param.is_flag:
                named = next((OPTION_METAVARS[o] for o in param.opts if o in OPTION_METAVARS), None)
                param.metavar = named or param.metavar


uniform_help(cli)


def _version(ctx: click.Context) -> None:
    from tracker import __version__
    from tracker.extract.identity import current_identity

    click.echo(f"tracker, version {__version__} (extractor {current_identity()})")
    ctx.exit()


def main() -> None:
    """Entry point for ``python -m tracker``."""
    cli(prog_name="tracker")
