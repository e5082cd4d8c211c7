"""HTML tables read as a browser lays them out: the rows of a <table> or an ARIA grid, page layout told
from data, the grid of cells with ``rowspan``/``colspan``, header rows, and the rows without a code
that head the rows below them (as their caption or their group)."""

from __future__ import annotations

import re
from typing import Protocol

from bs4.element import NavigableString, Tag

from tracker.extract.codes import is_code_like
from tracker.extract.document import Block
from tracker.extract.htmlnodes import (
    HEADINGS,
    ROW_ROLES,
    STRONG,
    TABLE_ROLES,
    Hides,
    inline_text,
    is_cell,
    is_header_cell,
)
from tracker.extract.normalize import clean
from tracker.judge.classify import RELATED_CAPTION
from tracker.judge.stance import text_stance

_GRID_ROLE = re.compile("^(?:table|grid|treegrid)$")
_LAYOUT_CHILD = frozenset({"table", "form", "h1", "h2", "h3", "h4", "h5", "h6"})
_PARA_CHILD = frozenset({"p", "div", "ul", "ol", "dl", "blockquote", "section", "article"})


class TableWalker(Hides, Protocol):
    """The page walker as the table reader needs it: what is hidden, and entering a heading."""

    def enter_heading(self, tag: Tag, level: int) -> None: ...


def _caption_heading(walker: TableWalker, caption: Tag) -> bool:
    """A table caption that holds a heading (Aetna: <caption><h2>CPT Codes / …</h2></caption>) is
    that heading, entered before the table; True when it was."""
    found = caption.find(list(HEADINGS))
    if not isinstance(found, Tag):
        return False
    walker.enter_heading(found, HEADINGS[found.name])
    return True


def rows_of(grid: Tag) -> list[list[Tag]]:
    """The table's own rows (not those of nested tables or grids), as lists of cells: <tr> and
    role="row" alike, one look at each element on the way down."""
    rows: list[list[Tag]] = []
    stack: list[Tag] = [c for c in reversed(grid.contents) if isinstance(c, Tag)]
    while stack:
        tag = stack.pop()
        role = str(tag.get("role", "")).lower()
        if role in ROW_ROLES or tag.name == "tr":
            rows.append([c for c in tag.find_all(True, recursive=False) if is_cell(c)])
        elif role not in TABLE_ROLES and tag.name != "table":
            stack.extend(c for c in reversed(tag.contents) if isinstance(c, Tag))
    return rows


def is_layout(rows: list[list[Tag]]) -> bool:
    """A table used for page layout: a cell holds whole sections (headings, nested tables, several paragraphs).

    A cell whose text is wrapped in one <p>, <div> or <span> is still a data cell.
    """
    width = max((len(row) for row in rows), default=0)
    for row in rows:
        group_row = width > 1 and len(row) == 1
        for cell in row:
            if not any(isinstance(c, Tag) for c in cell.contents):
                continue  # text only: the common case, no search needed (a 20,000-column table stays fast)
            holds, blocks = _scan_cell(cell, headings=not group_row)
            if holds:
                return True
            if blocks >= 2 and _paragraphs(cell) >= 2:
                if sum(1 for c in cell.find_all(_PARA_CHILD) if c.get_text(strip=True)) >= 2:
                    return True
    return False


_CELL_SCAN = 2000
"""Elements looked at inside one cell: a cell holding more is page layout (it holds sections)."""


def _scan_cell(cell: Tag, *, headings: bool = True) -> tuple[bool, int]:
    """Whether the cell holds a section (a heading, a nested table or grid, a form), and how many
    paragraph-like elements it holds; one pass with an early end, however deep the markup.

    ``headings=False``: a heading alone does not make a section (the one cell of a full-width group
    row: Aetna's "<td colspan=2><h3>CPT codes covered if …</h3></td>" heads the rows below it)."""
    stack = [c for c in cell.contents if isinstance(c, Tag)]
    seen = blocks = 0
    while stack:
        tag = stack.pop()
        seen += 1
        role = str(tag.get("role", "")).lower() if tag.attrs else ""
        if seen > _CELL_SCAN or _GRID_ROLE.match(role):
            return True, blocks
        if (tag.name in _LAYOUT_CHILD or role == "heading") and (headings or tag.name in ("table", "form")):
            return True, blocks
        blocks += tag.name in _PARA_CHILD
        stack.extend(c for c in tag.contents if isinstance(c, Tag))
    return False, blocks


def _paragraphs(cell: Tag) -> int:
    """Sibling paragraphs with text at the top of a cell's block structure (wrappers unwrapped)."""
    node = cell
    while True:
        blocks = [c for c in node.find_all(True, recursive=False) if c.get_text(strip=True)]
        if len(blocks) == 1 and blocks[0].name in _PARA_CHILD and not _own_text(node):
            node = blocks[0]
            continue
        return sum(1 for b in blocks if b.name in _PARA_CHILD)


def _own_text(tag: Tag) -> bool:
    return any(isinstance(c, NavigableString) and c.strip() for c in tag.children)


def data_tables(table: Tag, rows: list[list[Tag]], walker: TableWalker | None = None) -> list[Block]:
    """One block per group of rows, read as a browser lays the grid out (``_grid``: a ``rowspan`` cell
    stands in every row it spans).

    A row with one filled cell and no code (a full-width row, or a row whose code cell is empty)
    heads the rows below it: as their caption when it is a heading, takes a stance or says the
    codes are related ("CPT codes covered if selection criteria are met:"), else as their group
    (a procedure's name, a qualifier: "For the following CPT codes when specified as …:"), which
    the caption above still governs.
    """
    width = max((sum(_span(c) for c in row) for row in rows), default=0)
    caption_tag = table.find("caption") or table.find(True, {"role": "caption"})
    caption = clean(inline_text(caption_tag, walker)) if isinstance(caption_tag, Tag) else ""
    if isinstance(caption_tag, Tag) and walker is not None and _caption_heading(walker, caption_tag):
        caption = ""
    grid = _grid(rows)
    texts: dict[int, str] = {}

    def text(cell: Tag) -> str:
        if id(cell) not in texts:
            texts[id(cell)] = _cell(cell, walker)
        return texts[id(cell)]

    header: tuple[str, ...] = ()
    if grid and grid[0] and (_is_header_row(rows[0]) or _in_thead(rows[0][0])):
        header, grid, rows = tuple(text(c) for c in grid[0]), grid[1:], rows[1:]
    groups: list[Block] = []
    body: list[tuple[str, ...]] = []
    group, more = "", False
    for row, cells_of in zip(rows, grid, strict=True):
        if not row:  # a row of no cells (a stray <tr></tr>): nothing to read
            continue
        cells = tuple(text(c) for c in cells_of)
        filled = [c for c in (text(c) for c in row) if c]
        spans = len(row) == 1 or _span(row[0]) > 1
        intro = len(filled) == 1 and not text(row[0])
        if width > 1 and len(filled) == 1 and (spans or intro) and not is_code_like(filled[0].split()[0]):
            groups.append(Block("table", caption=caption, header=header, rows=tuple(body), group=group, continued=more))
            body = []
            if _heads_rows(row[-1], filled[0]):
                caption, group, more = filled[0], "", False
            else:  # the same caption goes on over the next group (the label above the table included)
                group, more = filled[0], True
        elif filled:
            body.append(cells)
    groups.append(Block("table", caption=caption, header=header, rows=tuple(body), group=group, continued=more))
    return [g for g in groups if g.rows or g.caption or g.group]


def _heads_rows(cell: Tag, text: str) -> bool:
    """A group row that captions the rows below (a heading, a stance in the lexicon's words, "related"),
    not one naming them."""
    if cell.find(list(HEADINGS)) is not None:
        return True
    return text_stance(text) is not None or RELATED_CAPTION.search(text) is not None


def _is_header_row(row: list[Tag]) -> bool:
    """<th> cells, or cells that are all bold or empty with some text (Anthem's "CPT | &nbsp;")."""
    if all(is_header_cell(c) for c in row):
        return True
    if len(row) < 2:
        return False
    texts = [c.get_text(" ", strip=True) for c in row]
    if not any(texts) or any(is_code_like(w) for t in texts for w in t.split()):
        return False
    return all(not t or _bold_text(c) == t for c, t in zip(row, texts, strict=True))


def _bold_text(cell: Tag) -> str:
    strong = cell.find(STRONG)
    return strong.get_text(" ", strip=True) if isinstance(strong, Tag) else ""


def _grid(rows: list[list[Tag]]) -> list[list[Tag]]:
    """The rows as a browser lays them out: a cell with ``rowspan`` = n stands in the n rows it spans,
    at its column (``colspan`` counted), so a status or prior-authorization cell spanning rows
    applies to each of them."""
    carried: dict[int, tuple[Tag, int]] = {}  # column -> (cell, rows still to fill)
    out: list[list[Tag]] = []
    for row in rows:
        laid: list[Tag] = []
        column = 0
        cells = iter(row)
        while True:
            if column in carried:
                cell, left = carried[column]
                laid.append(cell)
                if left <= 1:
                    del carried[column]
                else:
                    carried[column] = (cell, left - 1)
                column += _span(cell)
                continue
            found = next(cells, None)
            if found is None:
                if any(c >= column for c in carried):
                    column = min(c for c in carried if c >= column)
                    continue
                break
            span = _rowspan(found)
            if span > 1:
                carried[column] = (found, span - 1)
            laid.append(found)
            column += _span(found)
        out.append(laid)
    return out


def _rowspan(cell: Tag) -> int:
    try:
        return max(1, min(1000, int(str(cell.get("rowspan") or cell.get("aria-rowspan") or 1))))
    except ValueError:
        return 1


def _in_thead(cell: Tag) -> bool:
    return cell.find_parent("thead") is not None


def _span(cell: Tag) -> int:
    try:
        return max(1, int(str(cell.get("colspan") or cell.get("aria-colspan") or 1)))
    except ValueError:
        return 1


def _cell(cell: Tag, walker: TableWalker | None = None) -> str:
    return clean(inline_text(cell, walker))
