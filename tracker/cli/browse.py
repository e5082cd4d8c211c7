"""`tracker datasette`: Datasette on the history database, with the shipped canned queries (issue 22 item 3).

Datasette is an optional extra (``pip install 'payer-policy-tracker[datasette]'``); it runs in
its own process (``python -m datasette``), bound to 127.0.0.1 only, so nothing of it is imported
here and the history is never offered to the network.
"""

from __future__ import annotations

import importlib.util
import signal
import subprocess
import sys
from pathlib import Path

import click

from tracker.cli.base import Context
from tracker.errors import UsageError

DATASETTE_YAML = Path(__file__).resolve().parent.parent / "datasette.yaml"
"""Table descriptions and canned queries, shipped as package data."""
HOST = "127.0.0.1"
INSTALL = "pip install 'payer-policy-tracker[datasette]'"


def datasette_command(database: Path, port: int, open_browser: bool) -> list[str]:
    """The Datasette command line: the database, the shipped metadata, loopback only."""
    from importlib.metadata import version

    config = ["-m", str(DATASETTE_YAML)]
    if not version("datasette").startswith("0."):  # Datasette 1.x reads canned queries from -c
        config += ["-c", str(DATASETTE_YAML)]
    command = [sys.executable, "-m", "datasette", "serve", str(database), *config]
    command += ["--host", HOST, "--port", str(port)]
    return command + (["--open"] if open_browser else [])


@click.command("datasette")
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True, metavar="N", help="The port.")
@click.option("--open", "open_browser", is_flag=True, help="Open it in the web browser.")
@click.pass_obj
def datasette(obj: Context, port: int, open_browser: bool) -> None:
    """Browse and query the history in Datasette, with the canned queries, on 127.0.0.1.

    The canned queries: the changes to a code since a date, a code's status everywhere, a
    policy's text as of a date. Datasette only reads; `tracker run` may go on meanwhile.
    Needs the datasette extra: pip install 'payer-policy-tracker[datasette]'. Ctrl-C stops it.

    Example:

        tracker datasette --port 8001 --open
    """
    if importlib.util.find_spec("datasette") is None:
        raise UsageError(
            f"Datasette is not installed in this environment ({sys.prefix}): {INSTALL} "
            "(with pipx: pipx inject payer-policy-tracker datasette), then run `tracker datasette` again"
        )
    store = obj.store()  # an existing database, its schema brought up to date (Datasette sees the current views)
    database = store.directory / "tracker.db"
    store.close()
    click.echo(f"Datasette on http://{HOST}:{port}/tracker for {database} (Ctrl-C stops it)", err=True)
    sys.exit(_serve(datasette_command(database, port, open_browser)))


def _serve(command: list[str]) -> int:
    """Run Datasette until it stops; Ctrl-C (or SIGINT to this process) lets it shut down cleanly."""
    process = subprocess.Popen(command)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.send_signal(signal.SIGINT)  # a terminal sent it to both; `kill -INT` to this one only
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        return 0
