"""How listing commands print: an aligned table for people, or --json / --csv for programs."""

from __future__ import annotations

import csv
import functools
import io
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar, cast

import click

from tracker.errors import UsageError
from tracker.store.text import printable

F = TypeVar("F", bound=Callable[..., Any])


def output_options(func: F) -> F:
    """--json and --csv for a listing command (one or the other: both together are a usage error)."""

    @functools.wraps(func)
    def one_format(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("as_json") and kwargs.get("as_csv"):
            raise UsageError("--json and --csv cannot be used together: choose one")
        return func(*args, **kwargs)

    checked = cast(F, one_format)
    checked = click.option("--csv", "as_csv", is_flag=True, help="Output CSV.")(checked)
    return click.option("--json", "as_json", is_flag=True, help="Output JSON (and nothing else) on stdout.")(checked)


def emit(
    rows: Sequence[Mapping[str, Any]],
    as_json: bool,
    as_csv: bool,
    columns: Sequence[str],
    keys: Sequence[str] | None = None,
) -> None:
    """Print rows as JSON, CSV or an aligned table of ``columns``.

    CSV is data for programs: the values as they are, and a header row even without rows (``keys``,
    else ``columns``). The spreadsheet-safe form is ``--xlsx``.
    """
    if as_json:
        click.echo(json.dumps(list(rows), indent=2, ensure_ascii=False))
    elif as_csv:
        click.echo(_csv(rows, keys or columns), nl=False)
    elif not rows:
        click.echo("(nothing)")
    else:
        click.echo(_table(rows, columns))


def _csv(rows: Sequence[Mapping[str, Any]], header: Sequence[str]) -> str:
    out = io.StringIO()
    if rows:
        fieldnames = [k for k, v in rows[0].items() if not isinstance(v, (list, dict))]
    else:
        fieldnames = list(header)
    writer = csv.DictWriter(out, fieldnames=fieldnames, extrasaction="ignore")
    writer.writeheader()
    writer.writerows({k: csv_cell(v) for k, v in row.items()} for row in rows)
    return out.getvalue()


def csv_cell(value: Any) -> Any:
    """A CSV cell: the value as it is (no quote added before = + - @), terminal escape sequences removed."""
    if isinstance(value, str):
        return printable(value, keep="\t\r\n")
    return value


def row_keys(shape: Any, *leave_out: str) -> list[str]:
    """The keys of a row TypedDict, in order, but for those holding lists or dicts (not CSV columns)."""
    hints: dict[str, Any] = getattr(shape, "__annotations__", {})
    kept = []
    for key, hint in hints.items():
        written = str(getattr(hint, "__forward_arg__", hint))  # TypedDicts keep string annotations as ForwardRefs
        if key not in leave_out and not written.startswith(("list", "dict")):
            kept.append(key)
    return kept


def _table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    cells = [[cell(r.get(c)) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines)


def cell(value: Any) -> str:
    """One table cell: "-" for nothing, yes/no for booleans, one line of at most 80 characters."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return printable(str(value)).replace("\n", " ")[:80]
