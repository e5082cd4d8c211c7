"""Pages set in text columns are read column by column.

A gutter is a vertical band in the middle of the page that (almost) no word crosses while
lines of text sit on both sides of it, side by side. Lines that cross it (a title, a full-width
table or paragraph) cut the page into bands; inside a band the left column is read before
the right one. Without a gutter the page is one group, read top to bottom.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tracker.extract.pdfwords import Line, line_of

MIDDLE = (0.3, 0.7)
"""Where on the page (fractions of its width) a gutter between two columns may lie."""
MIN_GUTTER = 6.0
"""Narrowest gutter, in points."""
MIN_EVIDENCE = 3
"""Lines needed on each side of the gutter before a page counts as two columns."""


@dataclass(frozen=True)
class Group:
    """Lines read together: one column of one band, or one full-width line."""

    band: int
    column: int
    lines: tuple[Line, ...]


def find_gutter(lines: Sequence[Line], width: float) -> float | None:
    """x of the gutter between two text columns, None on a one-column page: the middle of the
    widest band of the page's middle that (almost) no line crosses, with lines of text on both
    sides of it side by side."""
    limit = max(2, len(lines) // 10)  # a running header or a full-width title may cross it
    run: list[float] = []
    best: list[float] = []
    for x in range(int(width * MIDDLE[0]), int(width * MIDDLE[1])):
        if _columns_at(lines, float(x), limit):
            run.append(float(x))
            best = max(best, run, key=len)
        else:
            run = []
    return (best[0] + best[-1]) / 2 if len(best) >= MIN_GUTTER else None


def _columns_at(lines: Sequence[Line], x: float, limit: int) -> bool:
    left = [ln for ln in lines if ln.words[-1]["x1"] < x or _split(ln, x)]
    right = [ln for ln in lines if ln.x0 > x or _split(ln, x)]
    if len(left) < MIN_EVIDENCE or len(right) < MIN_EVIDENCE:
        return False
    if sum(1 for ln in lines if _crosses(ln, x)) > limit:
        return False
    return max(left[0].top, right[0].top) < min(left[-1].top, right[-1].top)  # side by side


def _crosses(line: Line, x: float) -> bool:
    return any(w["x0"] - 1 < x < w["x1"] + 1 for w in line.words)


def _split(line: Line, x: float) -> bool:
    return line.x0 < x < line.words[-1]["x1"] and not _crosses(line, x)


def reading_groups(lines: Sequence[Line], width: float) -> list[Group]:
    """The page's lines in reading order, grouped by band and column."""
    gutter = find_gutter(lines, width)
    if gutter is None:
        return [Group(0, 0, tuple(lines))]
    band = 0
    columns: dict[tuple[int, int], list[Line]] = {}
    for line in sorted(lines, key=lambda ln: ln.top):
        if _crosses(line, gutter):
            band += 1
            columns[(band, 0)] = [line]
            band += 1
            continue
        left = [w for w in line.words if w["x1"] <= gutter]
        right = [w for w in line.words if w["x0"] >= gutter]
        for column, words in ((0, left), (1, right)):
            if words:
                columns.setdefault((band, column), []).append(line_of(words) if len(words) < len(line.words) else line)
    return [Group(b, c, tuple(group)) for (b, c), group in sorted(columns.items())]


def group_of(groups: Sequence[Group], top: float, x0: float, x1: float) -> int:
    """Index of the group a table at ``top`` spanning ``x0``–``x1`` is read with."""
    best = 0
    for i, group in enumerate(groups):
        if not group.lines:
            continue
        lefts = min(ln.x0 for ln in group.lines)
        rights = max(ln.words[-1]["x1"] for ln in group.lines)
        if group.lines[0].top <= top + 1 and (x0 < rights and x1 > lefts):
            best = i
    return best
