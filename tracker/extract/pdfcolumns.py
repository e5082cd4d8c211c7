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


@dataclass(frozen=True)
class _Span:
    """Where a line lies across the page: its ends and the whole points its words cover."""

    x0: float
    x1: float
    top: float
    covered: frozenset[int]

    @classmethod
    def of(cls, line: Line) -> _Span:
        covered = {x for w in line.words for x in range(int(w["x0"]), int(w["x1"]) + 2)}
        return cls(line.x0, line.words[-1]["x1"], line.top, frozenset(covered))


def find_gutter(lines: Sequence[Line], width: float) -> float | None:
    """x of the gutter between two text columns, None on a one-column page: the middle of the
    widest stretch of the page's middle that the fewest lines cross (a full-width title or line
    may), with lines of text side by side on both sides of it."""
    if len(lines) < 2 * MIN_EVIDENCE:
        return None
    spans = [_Span.of(line) for line in lines]
    limit = max(2, len(lines) // 10)
    crossing = {x: _columns_at(spans, x, limit) for x in range(int(width * MIDDLE[0]), int(width * MIDDLE[1]))}
    counts = [c for c in crossing.values() if c is not None]
    if not counts:
        return None
    fewest = min(counts)
    start, best = None, (0, 0)
    for x, count in [*crossing.items(), (-1, None)]:
        if count == fewest and start is None:
            start = x
        elif count != fewest and start is not None:
            best = max(best, (start, x - 1), key=lambda r: r[1] - r[0])
            start = None
    return (best[0] + best[1]) / 2 if best[1] - best[0] + 1 >= MIN_GUTTER else None


def _columns_at(spans: Sequence[_Span], x: int, limit: int) -> int | None:
    """How many lines cross ``x`` when it may lie in a gutter, None when it cannot."""
    left = [s.top for s in spans if x not in s.covered and s.x0 < x]
    right = [s.top for s in spans if x not in s.covered and s.x1 > x]
    if len(left) < MIN_EVIDENCE or len(right) < MIN_EVIDENCE:
        return None
    crossing = sum(1 for s in spans if x in s.covered)
    if crossing > limit or not max(left[0], right[0]) < min(left[-1], right[-1]):
        return None  # too many cross it, or the two sides are not side by side
    return crossing


def _crosses(line: Line, x: float) -> bool:
    return any(w["x0"] - 1 < x < w["x1"] + 1 for w in line.words)


def reading_groups(lines: Sequence[Line], width: float) -> list[Group]:
    """The page's lines in reading order, grouped by band and column."""
    ordered = sorted(lines, key=lambda ln: ln.top)
    head, body, foot = _furniture(ordered)
    gutter = find_gutter(body, width)
    if gutter is None:
        return [Group(0, 0, tuple(lines))]
    band = 1
    columns: dict[tuple[int, int], list[Line]] = {(0, 0): head} if head else {}
    whole: dict[int, list[Line]] = {}
    for line in body:
        if _crosses(line, gutter):
            columns[(band + 1, 0)] = [line]
            band += 2
            continue
        whole.setdefault(band, []).append(line)
        left = [w for w in line.words if w["x1"] <= gutter]
        right = [w for w in line.words if w["x0"] >= gutter]
        for column, words in ((0, left), (1, right)):
            if words:
                columns.setdefault((band, column), []).append(line_of(words) if len(words) < len(line.words) else line)
    for number, lines_of_band in whole.items():
        if not _side_by_side(columns.get((number, 0), []), columns.get((number, 1), [])):
            columns.pop((number, 1), None)
            columns[(number, 0)] = lines_of_band
    if foot:
        columns[(band + 1, 0)] = foot
    return [Group(b, c, tuple(group)) for (b, c), group in sorted(columns.items())]


def _side_by_side(left: Sequence[Line], right: Sequence[Line]) -> bool:
    """Two columns of a band start together at its top; lines right of a gap that start lines
    below the left column's first line are the far cells of a table (or a figure's text), and
    the band is read as one."""
    if not left or not right:
        return True
    return right[0].top - left[0].top <= 2.5 * max(left[0].size, right[0].size)


def _furniture(lines: list[Line]) -> tuple[list[Line], list[Line], list[Line]]:
    """The page's first and last lines set smaller than its text (a browser's running header
    and footer, outside the columns), and the lines between."""
    if not lines:
        return [], [], []
    sizes = sorted(ln.size for ln in lines)
    small = 0.8 * sizes[len(sizes) // 2]
    start = next((k for k, ln in enumerate(lines) if ln.size >= small), len(lines))
    end = len(lines) - next((k for k, ln in enumerate(reversed(lines)) if ln.size >= small), 0)
    return lines[:start], lines[start:end], lines[end:]


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
