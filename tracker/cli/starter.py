"""`tracker init [DIR]`: a commented starter sources.toml (the shipped real sources) and the next steps."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from tracker.config.paths import data_for
from tracker.errors import UsageError

STARTER = Path(__file__).resolve().parent.parent / "demo" / "starter.toml"
"""The starter file: the real public policies the tracker ships with, commented."""


@click.command("init")
@click.argument("directory", required=False, type=click.Path(path_type=Path, dir_okay=True, file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite an existing sources.toml.")
def init(directory: Path | None, force: bool) -> None:
    """Write a commented starter sources.toml into DIR (default: the current directory).

    It lists the real public policies the tracker ships with (Aetna, Cigna, UHC, BCBS plans,
    Medicare articles) for CPT 64600; edit it, then run `tracker run`.

    Example:

        tracker init ~/.config/tracker
    """
    where = directory or Path(".")
    target = where / "sources.toml"
    if target.exists() and not force:
        raise UsageError(f"{target} already exists; edit it, or pass --force to replace it with the starter")
    try:
        where.mkdir(parents=True, exist_ok=True)
        target.write_text(STARTER.read_text(encoding="utf-8"), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    sources = shlex.quote(str(target.resolve()))
    data, why = data_for(target.resolve(), "option")
    click.echo(f"Wrote {target}: a starter list of real payer policies for CPT 64600.")
    click.echo(f"Sources file: {target.resolve()}")
    click.echo(f"Data (captures and tracker.db): {data.absolute()} ({why}; --data or TRACKER_DATA overrides it)")
    click.echo("Next steps:")
    click.echo("  1. Read and edit it: the codes you track, the policies, your contact in [fetch] user_agent.")
    click.echo(f"  2. Point the tracker at it from anywhere:  export TRACKER_SOURCES={sources}")
    click.echo("  3. Try one policy without storing anything:  tracker test cigna-0525")
    click.echo("  4. Check every policy and keep the versions:  tracker run   (then tracker status, tracker changes)")
    click.echo("  5. Digests by email or Slack: fill in [notify], then  tracker notify --test")
