"""Commands for analysts: the change log, the coverage matrix, runs, versions, diffs, search, the report."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from tracker.cli.base import (
    PAYER_CHOICE,
    Context,
    checked_code,
    checked_source,
    configured_ids,
    now,
    parse_date,
    store_with,
)
from tracker.cli.output import emit, output_options, row_keys, terminal_width
from tracker.errors import ConfigError, UsageError
from tracker.feeds import LOBS
from tracker.judge.classify import describe_basis
from tracker.judge.diff import DELETE, INSERT, Segment, said_once, unified_diff, word_diff
from tracker.models import CHANGE_KINDS
from tracker.store import feeds as feed_rows
from tracker.store import queries as hist
from tracker.store.database import Store
from tracker.store.ledger import change_rows
from tracker.store.rows import ChangeRow, HistoryRow, StatusRow, VersionRow
from tracker.vocab import (
    DEFAULT_CODE,
    basis_word,
    by_cause,
    code_label,
    outcome_word,
    plural,
    prior_auth_word,
    status_word,
    version_label,
)


@click.command()
@click.option("--since", metavar="DATE", help="Only changes detected on or after DATE (2026-03-01, or 7d, 2w ago).")
@click.option("--code", help="Only this code.")
@click.option("--payer", type=PAYER_CHOICE, help="Only this payer.")
@click.option("--source", help="Only this source id.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(CHANGE_KINDS), help="Only this kind (repeatable).")
@click.option("--limit", type=click.IntRange(1, 100_000), metavar="N", help="Only the N most recent changes.")
@click.option("--all", "show_all", is_flag=True, help="Also list the baseline rows (kind new) in the table.")
@click.option(
    "--rederived", is_flag=True, help="The changes the current extractor would have reported (not the log as sent)."
)
@click.option("--xlsx", "xlsx", type=click.Path(path_type=Path, dir_okay=False), help="Write the log as a spreadsheet.")
@click.option("--atom", "atom", is_flag=True, help="Print the log as an Atom feed (first captures left out).")
@output_options
@click.pass_obj
def changes(
    obj: Context,
    since: str | None,
    code: str | None,
    payer: str | None,
    source: str | None,
    kinds: tuple[str, ...],
    limit: int | None,
    show_all: bool,
    rederived: bool,
    xlsx: Path | None,
    atom: bool,
    as_json: bool,
    as_csv: bool,
) -> None:
    """The change log: what was detected (and delivered) at the time.

    The table hides the baseline rows (kind new: a source's first capture) unless --all or
    --kind new; --json and --csv keep every row. With --rederived: the changes that the stored
    versions, as the current extractor reads them (after `tracker reextract`), imply version
    after version; the log itself is never rewritten. --xlsx FILE: a spreadsheet; --atom: a feed.

    Example:

        tracker changes --since 7d --code 64600 --kind changed
    """
    from tracker.store import readings

    one_of(as_json=as_json, as_csv=as_csv, xlsx=xlsx is not None, atom=atom)
    find = readings.rederived_changes if rederived else hist.changes
    store = obj.store()
    code, source = checked_code(obj, code, store), checked_source(obj, source, store)
    if atom:
        click.echo(atom_text(store, since=parse_date(since), code=code, payer=payer, source=source, kinds=kinds))
        return
    rows = find(store, since=parse_date(since), code=code, payer=payer, source=source)
    rows = [r for r in rows if not kinds or r["kind"] in kinds]
    if xlsx is not None:
        _changes_xlsx(xlsx, rows[-limit:] if limit else rows)
        return
    hidden = 0
    if not (as_json or as_csv or show_all or kinds):
        hidden = sum(r["kind"] == "new" for r in rows)
        rows = [r for r in rows if r["kind"] != "new"]
    rows = rows[-limit:] if limit else rows
    readable, more = (rows, []) if as_json or as_csv else _readable_changes(store, rows)
    columns = ["detected_at", "source", "code", "kind", "old_status", "new_status", "summary", *more]
    emit(readable, as_json, as_csv, columns, row_keys(ChangeRow), shorten=("summary", "source"))
    if hidden:
        click.echo(f"({hidden} baseline row(s) of first captures not shown: --all shows them)")


def _changes_xlsx(path: Path, rows: Sequence[ChangeRow]) -> None:
    from tracker.report.xlsx import changes_workbook

    click.echo(f"Spreadsheet written: {changes_workbook(path, rows, row_keys(ChangeRow))} ({len(rows)} changes)")


def _readable_changes(store: Store, rows: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """The table's rows, with the announcements that foretold each change (tracker.feeds) when there are any."""
    readable = feed_rows.with_announcements(store, [_readable_change(r) for r in rows])
    return readable, ["announced"] if any(r["announced"] for r in readable) else []


def _readable_change(row: Mapping[str, Any]) -> dict[str, Any]:
    return {**row, "old_status": _word(row["old_status"]), "new_status": _word(row["new_status"])}


@click.command()
@click.option("--code", help="Only this code.")
@click.option("--lob", type=click.Choice(LOBS), help="Only sources of this line of business.")
@click.option(
    "--xlsx", "xlsx", type=click.Path(path_type=Path, dir_okay=False), help="Write the grid as a spreadsheet."
)
@output_options
@click.pass_obj
def status(obj: Context, code: str | None, lob: str | None, xlsx: Path | None, as_json: bool, as_csv: bool) -> None:
    """The coverage matrix: each source's current stance on each code (retired policies show retired).

    Where an analyst's confirmation holds (`tracker confirm`), the status is the analyst's, with
    the automatic reading beside it when they differ. --xlsx FILE writes the grid analysts keep
    (a row per code, a column per payer/plan, notes with the basis) and every row of --json.

    \b
    Statuses: covered (medically necessary when criteria are met), not covered,
    experimental (experimental, investigational or unproven), mentioned (stance unclear),
    absent (no longer in the policy). Prior auth: required, not required, unknown.

    Example:

        tracker status --code 64600 --lob commercial
    """
    one_of(as_json=as_json, as_csv=as_csv, xlsx=xlsx is not None)
    ids = configured_ids(obj)
    store = obj.store()
    rows = hist.status(store, code=checked_code(obj, code, store), source_ids=ids, lob=lob)
    columns = ["source", "payer", "plan", "code", "status", "prior_auth", "effective_date", "checked_at", "changed_at"]
    if xlsx is not None:
        from tracker.report.xlsx import status_workbook
        from tracker.store.review import basis_lines

        written = status_workbook(xlsx, rows, row_keys(StatusRow), lambda r: basis_lines(store, r["source"], r["code"]))
        click.echo(f"Spreadsheet written: {written} ({len(rows)} rows)")
        return
    if as_json or as_csv:
        emit(rows, as_json, as_csv, columns, row_keys(StatusRow))
        return
    readable = [
        {**r, "status": reading_text(r), "prior_auth": _pa(r), "health": health(r["checked_at"], r["last_error"])}
        for r in rows
    ]
    emit(readable, False, False, [*columns, "health"], drop=STATUS_DROP, shorten=("health", "source"))


STATUS_DROP = ("checked_at", "plan", "changed_at", "payer", "effective_date")
"""The matrix's columns a narrow terminal loses first (--wide keeps them)."""


def reading_text(row: Mapping[str, Any]) -> str | None:
    """The matrix's status cell: the reading, marked when an analyst confirmed it, the automatic one beside;
    "retired 2027-03-01" for a policy its payer retired."""
    if row["status"] == "retired":
        return f"retired {row.get('retired_on') or ''}".strip()
    shown = _word(row["status"])
    if row.get("reading") != "confirmed":
        return shown
    beside = row.get("automatic_status")
    differs = beside != row["status"] or row.get("automatic_prior_auth") != row.get("prior_auth")
    auto = f"; automatic: {_word(beside)}, PA {prior_auth_word(row.get('automatic_prior_auth'))}" if differs else ""
    return f"{shown} (confirmed by {row.get('confirmed_by')}{auto})"


def one_of(**formats: bool) -> None:
    """At most one output format (--json, --csv, --xlsx, --atom): UsageError otherwise."""
    given = [f"--{name.removeprefix('as_')}" for name, on in formats.items() if on]
    if len(given) > 1:
        raise UsageError(f"{' and '.join(given)} cannot be used together: choose one")


def atom_text(
    store: Store, *, since: str | None, code: str | None, payer: str | None, source: str | None, kinds: Sequence[str]
) -> str:
    """The change log as an Atom document (``tracker changes --atom``)."""
    from tracker.report.atom import changes_feed

    rows = [
        r
        for r in change_rows(store, since=since)
        if (code is None or r["code"] == code)
        and (payer is None or r["payer"] == payer)
        and (source is None or r["source_id"] == source)
        and (not kinds or r["kind"] in kinds)
    ]
    return changes_feed(rows, generated_at=now()).decode("utf-8")


def health(checked_at: str | None, last_error: str | None) -> str:
    """A source's health in the matrix: ok, stale since DATE (its latest fetch failed), never checked."""
    if checked_at is None:
        return "never checked"
    return f"stale since {checked_at[:10]}" if last_error else "ok"


def _word(status: str | None) -> str | None:
    return status_word(status) if status else None


def _pa(row: Mapping[str, Any]) -> str | None:
    """Prior authorization in a table: required / not required / unknown (nothing when no version yet)."""
    return None if row.get("status") is None else prior_auth_word(row.get("prior_auth"))


@click.command()
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True, help="How many runs (1-10000).")
@output_options
@click.pass_obj
def runs(obj: Context, limit: int, as_json: bool, as_csv: bool) -> None:
    """Recent runs, with each source's outcome and error.

    Example:

        tracker runs --limit 5
    """
    rows = hist.runs(obj.store(), limit=limit)
    if as_csv:  # one line per run and source, so that the outcomes survive the flat format
        flat = [
            {**{k: v for k, v in r.items() if k not in ("sources", "only")}, "run_id": r["id"], **s}
            for r in rows
            for s in r["sources"]
        ]
        emit(flat, False, True, [])
        return
    if as_json:
        emit(rows, True, False, [])
        return
    from tracker.cli.fit import wrap_lines

    lines = []
    for r in rows:
        lines.append(
            f"run {r['id']}  {r['started_at']}  {r['status']}  {r['sources_ok']}/{r['sources_total']} checked, "
            f"{r['changes']} changes, {_duration_text(r['duration_s'], r['status'])}, "
            f"extractor {r['extractor'] or '-'}"
        )
        lines += _run_sources(r["sources"])
    click.echo(wrap_lines(lines, terminal_width()))


def _run_sources(sources: Sequence[Mapping[str, Any]]) -> list[str]:
    """A run's sources, one line each; a cause several sources met is said once, with their ids."""
    lines = [f"  {s['source']}: {outcome_word(s['outcome'])}" for s in sources if not s["error_class"]]
    failed = [(s["source"], s["error_class"], s["error"]) for s in sources if s["error_class"]]
    for error_class, cause, ids in by_cause(failed):
        if len(ids) == 1:
            error = next(f[2] for f in failed if f[0] == ids[0])
            lines.append(f"  {ids[0]}: {outcome_word('error')}  {error_class}: {error}")
        else:
            failed_word = outcome_word("error")
            lines.append(f"  {plural(len(ids), 'source')} {failed_word}  {error_class}: {cause}: {', '.join(ids)}")
    return lines


def _duration_text(seconds: float | None, status: str) -> str:
    """A run's duration for people: "12 s", "still running", or "-" when it never finished."""
    if seconds is None:
        return "still running" if status == "running" else "duration unknown"
    return f"{seconds:g} s"


@click.command("history")
@click.argument("source_id", metavar="ID")
@click.option("--code", help="Only this code.")
@output_options
@click.pass_obj
def history_command(obj: Context, source_id: str, code: str | None, as_json: bool, as_csv: bool) -> None:
    """Every stored version of one source, with each code's status.

    Example:

        tracker history cigna-0525 --code 64600
    """
    from tracker.store import confirmations

    store = store_with(obj, source_id)
    wanted = checked_code(obj, code, store)
    rows = hist.history(store, source_id, code=wanted)
    made = confirmations.of_source(store, source_id, wanted)
    if as_json or as_csv:
        marked = [{**r, "confirmations": [c for c in made if _on(c, r)]} for r in rows]
        emit(marked if as_json else rows, as_json, as_csv, [], row_keys(HistoryRow))
        return
    numbers = {r["document_id"]: r["number"] for r in rows}
    readable: list[dict[str, Any]] = []
    for r in rows:  # each version, then what analysts said of it: confirmations made on it, those it made lapse
        readable.append(
            {**r, "version": version_label(r["number"]), "status": status_word(r["status"]), "prior_auth": _pa(r)}
        )
        key = (r["document_id"], r["code"])
        readable += [line[1] for c in made for line in _confirmation_lines(c, numbers) if line[0] == key]
    emit(
        readable,
        False,
        False,
        ["version", "captured_at", "code", "status", "prior_auth", "effective_date", "sha256"],
        shorten=("sha256",),
    )


def _on(confirmation: Mapping[str, Any], row: Mapping[str, Any]) -> bool:
    return bool(confirmation["version"] == row["document_id"] and confirmation["code"] == row["code"])


def _confirmation_lines(
    c: Mapping[str, Any], numbers: Mapping[int, int]
) -> list[tuple[tuple[int, str], dict[str, Any]]]:
    """A confirmation among the versions, each line with the (version, code) it follows: when it was made
    (after the version confirmed), and when it lapsed (after the version whose text differs)."""
    auto = f"{status_word(c['automatic_status'])}, PA {prior_auth_word(c['automatic_prior_auth'])}"
    agreed = "agrees" if c["agreed"] else f"automatic: {auto}"
    note = f"; {c['note']}" if c["note"] else ""
    made = {
        "version": f"confirmed v{numbers.get(c['version'], '?')}",
        "captured_at": c["confirmed_at"],
        "code": c["code"],
        "status": f"[{c['state']}] {status_word(c['status'])} by {c['confirmed_by']} ({agreed}{note})",
        "prior_auth": c["prior_auth"],
    }
    if c["lapsed_version"] is None:
        return [((c["version"], c["code"]), made)]
    lapsed = {
        "version": f"lapsed v{numbers.get(c['lapsed_version'], '?')}",
        "captured_at": c["lapsed_at"],
        "code": c["code"],
        "status": f"confirmation by {c['confirmed_by']} lapsed: the governing text changed",
    }
    return [((c["version"], c["code"]), made), ((c["lapsed_version"], c["code"]), lapsed)]


@click.command()
@click.argument("source_id", metavar="ID")
@click.option("--code", default=DEFAULT_CODE, show_default=True, help="The code.")
@click.option("--at", "at", metavar="DATE", help="The date (YYYY-MM-DD); default: the latest version.")
@click.option("--json", "as_json", is_flag=True, help="Output JSON on stdout.")
@click.pass_obj
def show(obj: Context, source_id: str, code: str, at: str | None, as_json: bool) -> None:
    """The section of a code as it stood on a date (the version in force then), with its provenance.

    Example:

        tracker show cigna-0525 --code 64600 --at 2026-03-01
    """
    store = store_with(obj, source_id)
    code = checked_code(obj, code, store) or DEFAULT_CODE
    row = hist.version_at(store, source_id, code, parse_date(at, "--at"))
    if row is None:
        raise ConfigError(f"{source_id}: no version stored on or before {at}")
    if as_json:
        click.echo(json.dumps(row, indent=2, ensure_ascii=False))
        return
    click.echo(
        f"{row['source']} · {code_label(code)} · {status_word(row['status'])} · "
        f"prior auth {prior_auth_word(row['prior_auth'])}"
    )
    why = basis_word(row["basis"], row["as_of"])
    click.echo(
        f"{version_label(row['number'])}{f' ({why})' if why else ''}: effective {row['effective_date'] or '-'}, "
        f"captured {row['captured_at']}"
    )
    click.echo(f"source: {row['url']}\nsha256: {row['sha256']}")
    for s in row["sections"]:
        page = f" (page {s['page']})" if s["page"] else ""
        heading, _, text = said_once(f"{s['heading']}\n{s['text']}").partition("\n")
        click.echo(f"\n{heading}{page}\n{text}")
        click.echo(f"  → {describe_basis(s['basis'], status_word(s['status']))}")
    if not row["sections"]:
        click.echo(f"\n{code_label(code)} is not in this version.")


@click.command("diff")
@click.argument("source_id", metavar="ID")
@click.option("--code", default=DEFAULT_CODE, show_default=True, help="The code.")
@click.option("--from", "from_", metavar="DATE", help="The version in force on DATE (default: the previous version).")
@click.option("--to", metavar="DATE", help="The version in force on DATE (default: the latest).")
@click.option("--json", "as_json", is_flag=True, help="Output JSON on stdout.")
@click.pass_obj
def diff_command(obj: Context, source_id: str, code: str, from_: str | None, to: str | None, as_json: bool) -> None:
    """What changed in a code's section between two versions: word by word on a terminal, unified otherwise.

    Example:

        tracker diff cigna-0525 --code 64600 --from 2026-03-01
    """
    store = store_with(obj, source_id)
    code = checked_code(obj, code, store) or DEFAULT_CODE
    start, end = parse_date(from_, "--from"), parse_date(to, "--to")
    if start and end and start > end:
        raise UsageError(f"--from {start} is later than --to {end}: give the earlier date to --from")
    new = hist.version_at(store, source_id, code, end)
    if new is None:
        raise ConfigError(f"{source_id}: no version stored on or before {to}")
    old = (
        hist.version_at(store, source_id, code, start)
        if from_
        else hist.previous_version(store, source_id, code, new["document_id"])
    )
    if old is None and from_:
        raise ConfigError(f"{source_id}: no version stored on or before {from_}; nothing to compare")
    if old is not None and old["document_id"] > new["document_id"]:
        raise UsageError(f"--from {from_} picks a later version than --to {to}: give the earlier date to --from")
    if old is None:
        _only_one(new, as_json)
        return
    _print_diff(old, new, as_json)


def _only_one(row: VersionRow, as_json: bool) -> None:
    """A source with one version: nothing to compare yet, which is no error (exit 0)."""
    if as_json:
        payload: dict[str, Any] = {"from": None, "to": _provenance(row), "diff": "", "words": []}
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    click.echo(
        f"{row['source']}: only one version so far ({version_label(row['number'])}, captured {row['captured_at']}); "
        "nothing to compare yet"
    )


def _end_label(row: VersionRow) -> str:
    """One end of a diff, said once: "v1: covered, effective 2025-04-15, captured 2026-02-01T06:00:00+00:00"."""
    return (
        f"{version_label(row['number'])}: {status_word(row['status'])}, effective {row['effective_date'] or '-'}, "
        f"captured {row['captured_at']}"
    )


def _print_diff(old: VersionRow, new: VersionRow, as_json: bool) -> None:
    """The diff between two versions: JSON, a word diff on a terminal, else a unified diff (one header pair)."""
    before, after = old["text"] or "", new["text"] or ""
    if as_json:
        words = [{"op": s.op, "text": s.text} for s in word_diff(before, after)]
        payload = {
            "from": _provenance(old),
            "to": _provenance(new),
            "diff": unified_diff(before, after),
            "words": words,
        }
        click.echo(json.dumps(payload, indent=2, ensure_ascii=False))
        return
    labels = (_end_label(old), _end_label(new))
    body = unified_diff(before, after, labels)
    if not body or not sys.stdout.isatty():  # a pipe or a file: the unified diff, its own header the only one
        click.echo(body or f"--- {labels[0]}\n+++ {labels[1]}\n(the same text)")
        return
    click.echo(f"--- {labels[0]}\n+++ {labels[1]}")
    if click.get_current_context().color is not False:
        click.echo(_coloured(word_diff(before, after, context=40)))
    else:  # NO_COLOR or --no-color: the words marked as in the plain-text digest
        from tracker.notify.plain import words_text

        click.echo(words_text(word_diff(before, after, context=40)))


def _provenance(row: VersionRow) -> dict[str, Any]:
    return {
        "version": row["version"],
        "number": row["number"],
        "document_id": row["document_id"],
        "captured_at": row["captured_at"],
        "effective_date": row["effective_date"],
        "status": row["status"],
        "prior_auth": row["prior_auth"],
        "url": row["url"],
        "sha256": row["sha256"],
    }


def _coloured(segments: Sequence[Segment]) -> str:
    def one(s: Segment) -> str:
        if s.op == INSERT:
            return click.style(s.text, fg="green", bold=True)
        if s.op == DELETE:
            return click.style(s.text, fg="red", strikethrough=True)
        return s.text or "…"

    return " ".join(one(s) for s in segments)


@click.command()
@click.argument("text")
@click.option("--code", help="Only this code.")
@click.option("--payer", type=PAYER_CHOICE, help="Only this payer.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True, help="At most this many hits.")
@output_options
@click.pass_obj
def search(
    obj: Context, text: str, code: str | None, payer: str | None, limit: int, as_json: bool, as_csv: bool
) -> None:
    """Full-text search over every version of every section, newest first.

    Example:

        tracker search "radiofrequency neurolysis" --code 64600
    """
    store = obj.store()
    rows = hist.search(store, text, code=checked_code(obj, code, store), payer=payer, limit=limit)
    emit(rows, as_json, as_csv, ["captured_at", "source", "code", "status", "snippet"], shorten=("snippet", "source"))


@click.command()
@click.argument("out_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--code", "codes", multiple=True, metavar="C", help="Only this code (repeatable; default: every code).")
@click.option("--since", metavar="DATE", help="Only the changes detected on or after DATE (YYYY-MM-DD, 7d, 2w).")
@click.option(
    "--link-captures", is_flag=True, help="Link the captures in the data directory (gzip'd) instead of copying them."
)
@click.pass_obj
def report(obj: Context, out_dir: Path, codes: tuple[str, ...], since: str | None, link_captures: bool) -> None:
    """Write a static HTML report: coverage matrix, timeline of changes, each change side by side.

    OUT_DIR receives index.html, changes.atom (the changes as an Atom feed) and captures/ (the stored
    captures of the changes it shows);
    open index.html from disk in any browser, offline. Only the sources in sources.toml are
    shown when the file exists. --since keeps the report (and its folder) to recent changes;
    --link-captures links the captures where the data directory keeps them, copying nothing.

    Example:

        tracker report report/ && xdg-open report/index.html
    """
    from tracker.report.write import write_report

    store = obj.store()
    wanted = tuple(c for c in (checked_code(obj, code, store) for code in codes) if c)
    index = write_report(
        store,
        out_dir,
        clock=now,
        codes=wanted or None,
        sources=configured_ids(obj),
        since=parse_date(since),
        link_captures=link_captures,
    )
    click.echo(f"Report written: {index}\nOpen it in a browser: {index.resolve().as_uri()}")
