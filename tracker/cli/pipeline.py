"""Commands that run the pipeline: `run` (check every source) and `extract` (one local file)."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from tracker.cli.base import Context, code_shape, now
from tracker.cli.terminal import EXIT_INTERRUPTED, ctrl_c, progress_for
from tracker.config.paths import stray_history
from tracker.errors import EXIT_SOURCES_FAILED, ExtractError, TrackerError, UsageError
from tracker.vocab import DEFAULT_CODE, prior_auth_word, status_word


@click.command()
@click.option("--only", multiple=True, metavar="ID", help="Check only this source (repeatable).")
@click.option("--no-notify", is_flag=True, help="Do not send the digest.")
@click.pass_obj
def run(obj: Context, only: tuple[str, ...], no_notify: bool) -> None:
    """Check every source once, store new versions, report the changes and send the digest.

    On a terminal, progress goes to stderr. Ctrl-C stops after the sources in progress (the
    run is recorded as interrupted, exit status 130); a second Ctrl-C quits at once.
    Exit status 1 when some sources could not be checked (the rest is stored).

    Example:

        tracker run --only cigna-0525
    """
    from tracker.run.job import run_once

    progress = progress_for(len(obj.config().select(only)))
    obj.announce()
    stray = stray_history(obj.paths) if obj.paths else None
    if stray is not None:
        click.echo(
            f"note: {obj.data_dir} holds no history yet, but {stray} does (the data directory used to default to "
            f"./snapshots); this run starts a new history in {obj.data_dir}. Stop it and pass --data {stray.parent} "
            "to keep the old one.",
            err=True,
        )
    with ctrl_c() as stop:
        outcome = run_once(
            obj.sources_path,
            obj.data_dir,
            clock=now,
            env=obj.env,
            only=only,
            notify=not no_notify,
            stop=stop,
            on_result=progress.end if progress else None,
            on_start=progress.start if progress else None,
        )
    click.echo("\n".join(outcome.lines))
    if stop.is_set():
        sys.exit(EXIT_INTERRUPTED)
    if outcome.result.failed or outcome.feeds_failed:
        sys.exit(EXIT_SOURCES_FAILED)


@click.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--code", "codes", multiple=True, metavar="C", help=f"Code to find (repeatable; default {DEFAULT_CODE}).")
@click.option("--kind", type=click.Choice(["html", "pdf", "mcd-article"]), help="Override the sniffed kind.")
@click.option("--selector", help="CSS selector restricting an HTML page.")
@click.option("--json", "as_json", is_flag=True, help="Output JSON on stdout.")
def extract(path: Path, codes: tuple[str, ...], kind: str | None, selector: str | None, as_json: bool) -> None:
    """Extract the sections of a local HTML, PDF or JSON file; nothing is stored.

    Example:

        tracker extract policy.pdf --code 64600 --json
    """
    from tracker.extract import extract as run_extract
    from tracker.fetch.verdict import sniff_kind

    codes = tuple(code_shape(c) for c in codes) or (DEFAULT_CODE,)
    if selector is not None and not valid_selector(selector):
        raise UsageError(f'--selector {selector!r} is not a valid CSS selector (for example "#main" or "div.policy")')
    body = _read_file(path)
    try:
        found = run_extract(body, kind or sniff_kind(body, None), codes, selector=selector)
    except TrackerError:
        raise
    except Exception as exc:  # a bug of ours on this document: a clear error, never a traceback
        logging.getLogger("tracker").debug("extract %s: internal error", path, exc_info=True)
        raise ExtractError(
            f"{path}: internal error while reading it ({type(exc).__name__}: {exc}); this is a bug in the "
            "tracker — please report it with the file (TRACKER_LOG_LEVEL=DEBUG shows the traceback)"
        ) from exc
    if as_json:
        click.echo(json.dumps(found.to_dict(), indent=2, ensure_ascii=False))
        return
    meta = {k: v for k, v in found.metadata.to_dict().items() if v}
    click.echo("\n".join(f"{k}: {v}" for k, v in meta.items()) or "(no metadata)")
    for s in found.sections:
        page = f" (page {s.page})" if s.page else ""
        click.echo(
            f"\n{s.code} · {status_word(s.status)} · prior auth {prior_auth_word(s.prior_auth)}{page}\n"
            f"  {s.heading}\n  {s.text}"
        )
    if not found.sections:
        click.echo(f"\nNo section mentions {', '.join(codes)}.")


def valid_selector(selector: str) -> bool:
    """Whether soupsieve (BeautifulSoup's CSS engine) compiles ``selector``."""
    import soupsieve

    if not selector.strip():
        return False
    try:
        soupsieve.compile(selector)
    except soupsieve.SelectorSyntaxError:
        return False
    return True


MAX_FILE = 512 * 1024 * 1024
"""The largest local file `tracker extract` reads (a policy is a few MB; 50 MB is the fetch cap)."""


def _read_file(path: Path) -> bytes:
    """A regular file's bytes; a device, a FIFO or a huge file is a usage error, never a hang."""
    if not path.is_file():
        raise UsageError(f"{path} is not a regular file (a device, a pipe or a socket); give an HTML, PDF or JSON file")
    try:
        size = path.stat().st_size
        if size > MAX_FILE:
            raise UsageError(f"{path} is {size:,} bytes: too large for a policy document (at most {MAX_FILE:,})")
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
