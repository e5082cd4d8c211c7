"""What every command shares: the global options' context, error handling, the clock.

Errors answer with the exit status of one table, ``tracker.errors.EXIT_STATUSES``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from tracker.config import paths as config_paths
from tracker.config.paths import Paths, stray_history
from tracker.config.sources import Config, load_config
from tracker.errors import ConfigError, StoreError, TrackerError, UsageError, exit_status_of
from tracker.models import PAYERS
from tracker.store import queries
from tracker.store.database import Store, close_interrupted, open_store, unfinished_runs


@dataclass
class Context:
    """What the global options give every command."""

    sources_path: Path
    data_dir: Path
    env: Mapping[str, str] = field(default_factory=dict)
    """The environment (``os.environ``): notify settings and secrets."""
    paths: Paths | None = None
    """How the sources file and the data directory were found (``tracker.config.paths``)."""
    verbose: bool = False
    """--verbose: say which sources file and database a command opens (on stderr)."""
    announced: bool = False

    def config(self) -> Config:
        """The parsed and validated sources.toml, with the environment's notify settings."""
        if not self.sources_path.exists():
            raise ConfigError(
                f"{self.sources_path}: no such file. The sources file is found through --sources FILE, "
                f"TRACKER_SOURCES, ./sources.toml, then {xdg_sources()}; "
                "`tracker init` writes a starter one (try `tracker demo` first)"
            )
        return load_config(self.sources_path, self.env)

    def store(self) -> Store:
        """The existing history database in the data dir (a mistyped --data is an error, not a new database)."""
        self.announce()
        try:
            store = open_store(self.data_dir, create=False)
        except StoreError as exc:
            stray = stray_history(self.paths) if self.paths else None
            if stray is None:
                raise
            raise StoreError(f"{exc.message}; a history database is at {stray}: pass --data {stray.parent}") from None
        settle_interrupted(store)
        return store

    def announce(self) -> None:
        """On --verbose, say once (on stderr) which sources file and which database this command uses."""
        if self.verbose and not self.announced:
            self.announced = True
            where = self.paths.describe() if self.paths else f"database: {self.data_dir / 'tracker.db'}"
            click.echo(where, err=True)


def settle_interrupted(store: Store) -> None:
    """A run left ``running`` by a killed process shows as ``interrupted`` once the run lock is free (issue 22).

    Done under the lock, so that a run starting meanwhile is never the one closed; when the lock
    is taken (a run is on) or the database cannot be written, the rows stay as they are.
    """
    if not unfinished_runs(store):
        return
    from tracker.run.lock import RUN_LOCK, hold

    try:
        with hold(store.directory / RUN_LOCK, what="run"):
            close_interrupted(store, now().isoformat())
    except (TrackerError, OSError):
        pass


def xdg_sources(env: Mapping[str, str] | None = None) -> Path:
    """The sources file of the user's configuration directory (``tracker.config.paths``; ``env`` is unused)."""
    return config_paths.xdg_sources()


def find_sources(given: Path | None, env: Mapping[str, str] | None = None) -> Path:
    """The sources file a command uses (``tracker.config.paths.find_sources``, kept here for callers of old)."""
    return config_paths.find_sources(given)[0]


HELP_WORDS = frozenset({"--help", "-h"})
EXEMPT = frozenset({"init", "demo", "extract"})
"""Commands that never read the sources file: init writes one, the demo brings its own, extract reads a file."""


def check_sources(ctx: click.Context) -> None:
    """A sources file named by --sources or TRACKER_SOURCES must exist, for every command that may read it."""
    obj: Context = ctx.obj
    if obj.paths is None or not obj.paths.explicit or obj.sources_path.exists():
        return
    if ctx.invoked_subcommand in EXEMPT or HELP_WORDS & set(ctx.meta.get("tracker.args", ())):
        return
    named = "--sources" if obj.paths.origin == "option" else "TRACKER_SOURCES"
    raise ConfigError(
        f"{obj.sources_path}: no such file (named by {named}); give the path of an existing sources.toml, "
        "or write one with `tracker init DIR`"
    )


class TrackerGroup(click.Group):
    """Turns the tracker's expected errors into a one-line message and a documented exit status."""

    def invoke(self, ctx: click.Context) -> Any:
        ctx.meta["tracker.args"] = tuple(ctx.args)  # the command's own arguments: is it asking for help?
        try:
            return super().invoke(ctx)
        except TrackerError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(exit_status_of(exc))
        except OSError as exc:
            refused = refused_write(exc, ctx.obj.data_dir if isinstance(ctx.obj, Context) else None)
            if refused is None:
                raise
            click.echo(f"Error: {refused}", err=True)
            ctx.exit(exit_status_of(refused))


def refused_write(exc: OSError, data_dir: Path | None) -> StoreError | None:
    """A write in the data directory that the file system refused (read-only, permission, full), as a StoreError.

    A lock file (run.lock, schedule.lock) is the first thing a run or prune writes in the data
    directory: on a read-only mount that open is where the refusal shows. Other paths: None.
    """
    from tracker.store.space import WRITE_ERRNOS, write_error

    if data_dir is None or exc.errno not in WRITE_ERRNOS or not exc.filename:
        return None
    where = Path(os.fsdecode(exc.filename)).absolute()
    if not where.is_relative_to(data_dir.absolute()):
        return None
    return write_error(data_dir, exc)


def now() -> datetime:
    """The clock: UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


RELATIVE = re.compile(r"^\s*(\d{1,5})\s*([dw])\s*$", re.IGNORECASE)


def parse_date(value: str | None, option: str = "--since") -> str | None:
    """A --since/--at/--from/--to value as YYYY-MM-DD: a date, or relative to today (7d, 2w); else UsageError."""
    if value is None:
        return None
    relative = RELATIVE.match(value)
    if relative:
        days = int(relative.group(1)) * (7 if relative.group(2).lower() == "w" else 1)
        return (now() - timedelta(days=days)).date().isoformat()
    try:
        return datetime.fromisoformat(value).date().isoformat()
    except ValueError:
        raise ConfigError(
            f"{option} {value!r}: expected a date such as 2026-03-01, or days or weeks ago such as 7d or 2w"
        ) from None


def configured_ids(obj: Context) -> list[str] | None:
    """The ids in sources.toml, so retired sources drop out of the matrix; None when there is no file."""
    if not obj.sources_path.exists():
        return None
    return [s.id for s in obj.config().sources]


def store_with(obj: Context, source_id: str) -> Store:
    """The store, after checking that it knows ``source_id``."""
    store = obj.store()
    if not store.source_exists(source_id):
        known = _listing(queries.source_ids(store))
        raise UsageError(f"no source {source_id!r} in {obj.data_dir}; known sources: {known}")
    return store


CODE_SHAPE = re.compile(r"^(?:\d{5}|[A-Z]\d{4}|\d{4}[A-Z])$")
"""A CPT code (64600; Category II/III 0213T) or a HCPCS Level II code (J1234)."""


def _listing(values: Sequence[str], most: int = 30) -> str:
    shown = ", ".join(values[:most]) or "none"
    return shown + (f" (and {len(values) - most} more)" if len(values) > most else "")


def code_shape(code: str, option: str = "--code") -> str:
    """A code as written by people (spaces, lower case) in its stored form; UsageError when it is no code."""
    value = code.strip().upper()
    if not CODE_SHAPE.match(value):
        raise UsageError(
            f"{option} {code!r} is not a CPT/HCPCS code: five digits (64600), a letter and four digits (J1234) "
            "or four digits and a letter (0213T)"
        )
    return value


def checked_code(obj: Context, code: str | None, store: Store | None = None) -> str | None:
    """``--code``, checked: a code's shape, and one that some source tracks; None stays None."""
    if code is None:
        return None
    value = code_shape(code)
    tracked = _tracked(obj, store)
    if tracked is not None and value not in tracked:
        raise UsageError(f"--code {value}: no source tracks it; tracked codes: {_listing(tracked)}")
    return value


def _tracked(obj: Context, store: Store | None) -> list[str] | None:
    if obj.sources_path.exists():
        return sorted({c for s in obj.config().sources for c in s.codes})
    return queries.tracked_codes(store or obj.store())


def checked_source(obj: Context, source: str | None, store: Store) -> str | None:
    """``--source``, checked against the sources the database knows."""
    if source is not None and not store.source_exists(source):
        raise UsageError(f"--source {source!r}: no such source; known sources: {_listing(queries.source_ids(store))}")
    return source


PAYER_CHOICE = click.Choice(PAYERS, case_sensitive=False)
"""--payer: one of the payers sources.toml allows."""
