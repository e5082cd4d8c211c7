"""Commands of the feeds (issue 20): `sources` (list, add), `discover uhc|cigna|aetna`, `upcoming`."""

from __future__ import annotations

import sys
from datetime import date
from typing import Any

import click

from tracker.cli.base import Context, code_shape, now, parse_date
from tracker.cli.operations import discover
from tracker.cli.output import emit, output_options
from tracker.config.sources import FetchSettings, load_config
from tracker.errors import EXIT_SOURCES_FAILED, UsageError
from tracker.models import PAYERS
from tracker.vocab import DEFAULT_CODE

SOURCE_COLUMNS = ["type", "id", "payer", "kind", "title", "url", "codes", "lob", "state"]


@click.group(invoke_without_command=True)
@output_options
@click.pass_context
def sources(ctx: click.Context, as_json: bool, as_csv: bool) -> None:
    """The configured sources and feeds (reads sources.toml only, no database).

    Examples:

        tracker sources --json
        tracker discover uhc --code 64600 | tracker sources add -
    """
    if ctx.invoked_subcommand is not None:
        return
    obj: Context = ctx.obj
    config = obj.config()
    rows: list[dict[str, Any]] = [
        {
            "type": "source",
            "id": s.id,
            "payer": s.payer,
            "plan": s.plan,
            "kind": s.kind,
            "title": s.title,
            "url": s.url,
            "codes": list(s.codes),
            "lob": s.lob,
            "state": s.state,
        }
        for s in config.sources
    ]
    rows += [
        {
            "type": "feed",
            "id": f.id,
            "payer": f.payer,
            "plan": None,
            "kind": f.kind,
            "title": None,
            "url": f.url,
            "codes": [],
            "lob": f.lob,
            "state": f.state,
        }
        for f in config.feeds
    ]
    if as_json or as_csv:
        emit(rows, as_json, as_csv, SOURCE_COLUMNS)
        return
    readable = [{**r, "codes": ", ".join(r["codes"]), "title": r["title"] or ""} for r in rows]
    emit(readable, False, False, ["type", "id", "payer", "kind", "title", "lob"])


@sources.command("add")
@click.argument("file", required=False, type=click.File("r", encoding="utf-8"))
@click.option("--id", "source_id", help="The new source's id.")
@click.option("--payer", type=click.Choice(PAYERS), help="Its payer.")
@click.option("--title", help="The policy's title.")
@click.option("--url", help="The policy's address.")
@click.option("--kind", type=click.Choice(["html", "pdf"]), help="html or pdf (sniffed when absent).")
@click.option("--lob", help="Line of business (commercial, medicare-advantage, medicaid, exchange, fep).")
@click.pass_obj
def sources_add(
    obj: Context,
    file: Any,
    source_id: str | None,
    payer: str | None,
    title: str | None,
    url: str | None,
    kind: str | None,
    lob: str | None,
) -> None:
    """Append [[source]] entries to sources.toml, keeping its comments and layout; duplicates are refused.

    FILE (or - for stdin) holds the [[source]] tables that `tracker discover` printed; or give
    one source with --id, --payer, --title and --url.

    Example:

        tracker discover aetna --code 64600 > found.toml && tracker sources add found.toml
    """
    from tracker.config.edit import add_sources

    if file is not None:
        text = file.read()
    elif source_id and payer and title and url:
        import json

        fields = {"id": source_id, "payer": payer, "title": title, "url": url, "kind": kind, "lob": lob}
        text = "[[source]]\n" + "".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n" for k, v in fields.items() if v)
    else:
        raise UsageError("give a FILE of [[source]] tables (- for stdin), or --id, --payer, --title and --url")
    added = add_sources(obj.sources_path, text, obj.env)
    click.echo(f"Added {len(added)} source(s) to {obj.sources_path}: {', '.join(added)}")


def _discover(payer: str) -> click.Command:
    @click.option("--code", required=True, metavar="C", help=f"The CPT/HCPCS code, e.g. {DEFAULT_CODE}.")
    @click.option(
        "--refresh", is_flag=True, help="Read every policy again (else what an earlier discovery read is reused)."
    )
    @click.option("--limit", type=click.IntRange(min=1), help="Read at most this many policies of the index.")
    @output_options
    @click.pass_obj
    def command(obj: Context, code: str, refresh: bool, limit: int | None, as_json: bool, as_csv: bool) -> None:
        from tracker.feeds.discover import discover_payer
        from tracker.fetch.http import make_session

        wanted = code_shape(code)
        config = load_config(obj.sources_path, obj.env) if obj.sources_path.exists() else None
        settings = config.fetch if config else FetchSettings()
        tell = sys.stderr.isatty() and not (as_json or as_csv)

        def progress(number: int, total: int, entry: Any) -> None:
            if tell or number % 50 == 0 or number == total:
                click.echo(f"discover {payer}: {number}/{total} {entry.policy_number or entry.title}", err=True)

        with make_session(settings) as session:
            found = discover_payer(
                payer,
                wanted,
                config=config,
                data_dir=obj.data_dir,
                session=session,
                settings=settings,
                refresh=refresh,
                limit=limit,
                progress=progress,
            )
        for failure in found.failed:
            click.echo(f"warning: not read: {failure}", err=True)
        if payer != "uhc":
            click.echo(f"discover {payer}: {found.read} policies read now, {found.remembered} remembered", err=True)
        if as_json or as_csv:
            emit(found.rows, as_json, as_csv, ["source_id", "payer", "policy_number", "title", "url", "tracked"])
        elif found.rows:
            click.echo("\n".join(r["toml"] for r in found.rows), nl=False)
        else:
            click.echo(f"# No {payer} policy names {wanted}.")
        if found.failed:
            sys.exit(EXIT_SOURCES_FAILED)

    command.__doc__ = _discover_doc(payer)
    return click.command(payer)(command)


def _discover_doc(payer: str) -> str:
    how = (
        "reads the index's own code lists" if payer == "uhc" else "reads each policy the index lists, once (remembered)"
    )
    name = payer.upper() if payer == "uhc" else payer.title()
    return f"""The {name} policies that name a code (ranges included), as [[source]] entries.

    Uses the {payer} index [[feed]] of sources.toml, else the payer's real index address; {how}.
    Requests are paced by [fetch] delay (default 2 s).

    Example:

        tracker discover {payer} --code 64600
    """


for _payer in ("uhc", "cigna", "aetna"):
    discover.add_command(_discover(_payer))


@click.command()
@click.option("--code", metavar="C", help="Only changes that concern this code.")
@click.option("--days", type=click.IntRange(min=0), help="Only what takes effect within N days.")
@click.option("--ics", is_flag=True, help="Write an iCalendar file of the effective dates on stdout.")
@click.option("--as-of", "as_of", metavar="DATE", help="Count from this day instead of today (YYYY-MM-DD).")
@output_options
@click.pass_obj
def upcoming(
    obj: Context, code: str | None, days: int | None, ics: bool, as_of: str | None, as_json: bool, as_csv: bool
) -> None:
    """Announced changes and stored versions whose effective date is still ahead, soonest first.

    Example:

        tracker upcoming --days 90 --ics > upcoming.ics
    """
    from tracker.feeds.upcoming import ics as write_ics
    from tracker.feeds.upcoming import upcoming as find

    store = obj.store()
    moment = now()
    today = date.fromisoformat(parse_date(as_of, "--as-of") or moment.date().isoformat())
    items = find(store, today=today, code=code_shape(code) if code else None, days=days)
    if ics:
        click.echo(write_ics(items, stamp=moment.isoformat()).decode(), nl=False)
    elif as_json or as_csv:
        emit(
            items,
            as_json,
            as_csv,
            ["effective_date", "days", "payer", "policy_number", "source", "change_type", "text"],
        )
    elif items:
        click.echo("\n".join(i["text"] for i in items))
    else:
        click.echo("Nothing announced or taking effect" + (f" within {days} days." if days is not None else "."))
