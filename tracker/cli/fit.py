"""Fitting a table to the terminal (issue 22): shorter dates, fewer columns, cut cells — and a line that says so."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Sequence

GAP = "  "
MIN_CUT = 8
"""A cut column keeps at least this many characters (or its header's width)."""
TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?$")


def fit_table(
    columns: Sequence[str], cells: Sequence[Sequence[str]], width: int, drop: Sequence[str], shorten: Sequence[str]
) -> str:
    """The aligned table of ``cells`` under ``columns`` in at most ``width`` characters a line where it can be."""
    names, rows = list(columns), [list(r) for r in cells]
    notes: list[str] = []
    if _width(names, rows) > width:
        rows = [[_day(v) for v in row] for row in rows]
        notes.append("dates shortened")
    hidden = []
    for name in drop:
        if _width(names, rows) <= width or name not in names:
            continue
        index = names.index(name)
        names.pop(index)
        rows = [row[:index] + row[index + 1 :] for row in rows]
        hidden.append(name)
    if hidden:
        notes.append(f"{', '.join(hidden)} hidden")
    if _cut(names, rows, width, shorten):
        notes.append("long cells cut")
    table = _render(names, rows)
    if notes:
        table += "\n" + _note(notes, width)
    return table


def _note(notes: list[str], width: int) -> str:
    full = f"({'; '.join(notes)} to fit {width} columns: --wide shows all)"
    return full if len(full) <= width else f"(narrowed to {width} columns: --wide shows all)"


def _day(value: str) -> str:
    found = TIMESTAMP.match(value)
    return found.group(1) if found else value


def _widths(names: Sequence[str], rows: Sequence[Sequence[str]]) -> list[int]:
    return [max(len(n), *(len(r[i]) for r in rows)) for i, n in enumerate(names)]


def _width(names: Sequence[str], rows: Sequence[Sequence[str]]) -> int:
    return sum(_widths(names, rows)) + len(GAP) * (len(names) - 1)


def _cut(names: list[str], rows: list[list[str]], width: int, shorten: Sequence[str]) -> bool:
    """Cut the ``shorten`` columns, widest first, until the table fits or they are at their minimum."""
    cut = False
    while (excess := _width(names, rows) - width) > 0:
        widths = _widths(names, rows)
        candidates = [
            (widths[names.index(n)], names.index(n))
            for n in shorten
            if n in names and widths[names.index(n)] > max(MIN_CUT, len(n))
        ]
        if not candidates:
            return cut
        current, index = max(candidates)
        target = max(MIN_CUT, len(names[index]), current - excess)
        for row in rows:
            if len(row[index]) > target:
                row[index] = row[index][: target - 1].rstrip() + "…"
        cut = True
    return cut


def _render(names: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = _widths(names, rows)
    lines = [GAP.join(n.ljust(w) for n, w in zip(names, widths, strict=True)).rstrip()]
    lines += [GAP.join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join(lines)


def wrap_lines(lines: Iterable[str], width: int | None) -> str:
    """Free-text lines wrapped at ``width`` (None: as they are), each continuation indented under its line."""
    if width is None:
        return "\n".join(lines)
    out = []
    for line in lines:
        indent = " " * (len(line) - len(line.lstrip()) + 2)
        out += textwrap.wrap(line, width, subsequent_indent=indent, break_on_hyphens=False) or [""]
    return "\n".join(out)
