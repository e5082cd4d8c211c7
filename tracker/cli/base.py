"""What every command shares: the global options' context, error handling, the clock.

Errors answer with the exit status of one table, ``tracker.errors.EXIT_STATUSES``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from tracker.config.sources import Config, load_config
from tracker.errors import ConfigError, TrackerError, exit_status_of
from tracker.store.database import Store, open_store


@dataclass
class Context:
    """What the global options give every command."""

    sources_path: Path
    data_dir: Path
    env: Mapping[str, str] = field(default_factory=dict)
    """The environment (``os.environ``): notify settings and secrets."""

    def config(self) -> Config:
        """The parsed and validated sources.toml, with the environment's notify settings."""
        return load_config(self.sources_path, self.env)

    def store(self) -> Store:
        """The existing history database in the data dir (a mistyped --data is an error, not a new database)."""
        return open_store(self.data_dir, create=False)


class TrackerGroup(click.Group):
    """Turns the tracker's expected errors into a one-line message and a documented exit status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TrackerError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exit_status_of(exc))


def now() -> datetime:
    """The clock: UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def parse_date(value: str | None, option: str = "--since") -> str | None:
    """A --since/--at/--from/--to value as YYYY-MM-DD; ConfigError (exit 2) when it is no date."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value).date().isoformat()
    except ValueError:
        raise ConfigError(f"{option} {value!r}: expected a date such as 2026-03-01") from None


def configured_ids(obj: Context) -> list[str] | None:
    """The ids in sources.toml, so retired sources drop out of the matrix; None when there is no file."""
    if not obj.sources_path.exists():
        return None
    return [s.id for s in obj.config().sources]


def store_with(obj: Context, source_id: str) -> Store:
    """The store, after checking that it knows ``source_id``."""
    store = obj.store()
    if not store.source_exists(source_id):
        raise ConfigError(f"no source {source_id!r} in {obj.data_dir}; `tracker status` lists the known sources")
    return store
