"""HTML (BeautifulSoup, lxml parser) → blocks, without the site's chrome."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from bs4 import BeautifulSoup
from bs4.element import Comment, Declaration, Doctype, NavigableString, ProcessingInstruction, Tag

from tracker.errors import ExtractError
from tracker.extract.document import Block
from tracker.extract.normalize import clean

DROP = frozenset(
    {
        "script",
        "style",
        "nav",
        "header",
        "footer",
        "noscript",
        "template",
        "svg",
        "iframe",
        "button",
        "select",
        "textarea",
        "head",
        "object",
        "canvas",
        "map",
    }
)
"""Elements that are page chrome or not text at all."""
HEADINGS = {f"h{n}": n for n in range(1, 7)}
BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "main",
        "aside",
        "blockquote",
        "ul",
        "ol",
        "li",
        "table",
        "dl",
        "dt",
        "dd",
        "form",
        "center",
        "pre",
        "figure",
        "figcaption",
        "fieldset",
        "address",
        "body",
        "html",
        "hr",
        "details",
        "summary",
        *HEADINGS,
    }
)
_STRONG = frozenset({"b", "strong"})
_SKIP_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


def parse(body: bytes, encoding: str | None = None) -> BeautifulSoup:
    """The document tree (lxml parser); undecodable bytes become U+FFFD rather than an error.

    ``encoding`` is the server's declared charset: tried first, as browsers do (a BOM still wins).
    """
    try:
        return BeautifulSoup(body, "lxml", from_encoding=encoding)
    except Exception as exc:  # lxml raises assorted errors on garbage input
        raise ExtractError(f"HTML could not be parsed: {exc}") from exc


def blocks_of(soup: BeautifulSoup, selector: str | None = None) -> list[Block]:
    """Blocks of the page, or of the elements matching the CSS ``selector`` only."""
    roots: Iterable[Tag]
    if selector:
        try:
            roots = soup.select(selector)
        except ValueError as exc:
            raise ExtractError(f"invalid CSS selector {selector!r}: {exc}") from exc
        if not roots:
            raise ExtractError(f"CSS selector {selector!r} matched nothing: has the page layout changed?")
    else:
        roots = [soup]
    walker = _Walker()
    for root in roots:
        if root is soup:
            walker.walk(root)
        else:
            walker.visit(root)
        walker.flush()
    return walker.blocks


@dataclass
class _Walker:
    """Depth-first walk: inline text accumulates until a block element ends the run."""

    blocks: list[Block] = field(default_factory=list)
    runs: list[tuple[str, bool]] = field(default_factory=list)
    kind: list[str] = field(default_factory=lambda: ["paragraph"])
    bold: int = 0
    seen_title: bool = False

    def flush(self) -> None:
        """Emit the inline text collected so far as one paragraph or list item."""
        text = clean("".join(t for t, _ in self.runs))
        label = bool(text) and all(b for t, b in self.runs if t.strip())
        self.runs.clear()
        if text:
            self.blocks.append(Block(self.kind[-1], text=text, label=label))  # type: ignore[arg-type]

    def walk(self, node: Tag) -> None:
        """Visit the children of ``node`` in document order."""
        for child in node.children:
            if isinstance(child, Tag):
                self.visit(child)
            elif isinstance(child, NavigableString) and not isinstance(child, _SKIP_STRINGS):
                self.runs.append((str(child), self.bold > 0))

    def visit(self, tag: Tag) -> None:
        """Visit ``tag`` itself (a selected element), then its children."""
        self._tag(tag)

    def _tag(self, tag: Tag) -> None:
        name = tag.name
        if name in DROP or _hidden(tag):
            return
        if name == "br":
            self.runs.append(("\n", self.bold > 0))
        elif name in HEADINGS:
            self._heading(tag, HEADINGS[name])
        elif name == "table":
            self.flush()
            self._table(tag)
        elif name == "li":
            self.flush()
            self._nested(tag, "item")
        elif name in BLOCK_TAGS:
            self.flush()
            self._nested(tag, self.kind[-1] if name in ("ul", "ol") else "paragraph")
        else:
            self._inline(tag)

    def _nested(self, tag: Tag, kind: str) -> None:
        self.kind.append(kind)
        self.walk(tag)
        self.flush()
        self.kind.pop()

    def _inline(self, tag: Tag) -> None:
        strong = tag.name in _STRONG
        self.bold += strong
        self.walk(tag)
        self.bold -= strong

    def _heading(self, tag: Tag, level: int) -> None:
        self.flush()
        text = clean(inline_text(tag))
        if not text:
            return
        if level == 1 and not self.seen_title:
            self.seen_title = True
            self.blocks.append(Block("title", text=text))
        else:
            self.blocks.append(Block("heading", text=text, level=level))

    def _table(self, table: Tag) -> None:
        rows = _rows(table)
        if _is_layout(rows):
            for row in rows:
                for cell in row:
                    self._nested(cell, "paragraph")
            return
        self.blocks.extend(_data_tables(table, rows))


def _hidden(tag: Tag) -> bool:
    return tag.has_attr("hidden") or tag.get("aria-hidden") == "true" or bool(_HIDDEN.search(str(tag.get("style", ""))))


def _rows(table: Tag) -> list[list[Tag]]:
    """The table's own rows (not those of nested tables), as lists of cells."""
    rows = []
    for tr in table.find_all("tr"):
        if tr.find_parent("table") is table:
            rows.append([c for c in tr.find_all(["td", "th"], recursive=False)])
    return rows


def _is_layout(rows: list[list[Tag]]) -> bool:
    """A table used for page layout: its cells hold paragraphs, lists, headings or tables."""
    block_child = ["p", "div", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "form"]
    return any(cell.find(block_child) is not None for row in rows for cell in row)


def _data_tables(table: Tag, rows: list[list[Tag]]) -> list[Block]:
    """One block per group: a full-width row ("CPT codes covered if ...:") captions the rows below it."""
    width = max((sum(_span(c) for c in row) for row in rows), default=0)
    caption_tag = table.find("caption")
    caption = clean(inline_text(caption_tag)) if isinstance(caption_tag, Tag) else ""
    header: tuple[str, ...] = ()
    if rows and (all(c.name == "th" for c in rows[0]) or rows[0][0].find_parent("thead") is not None):
        header, rows = tuple(_cell(c) for c in rows[0]), rows[1:]
    groups: list[Block] = []
    body: list[tuple[str, ...]] = []
    for row in rows:
        cells = tuple(_cell(c) for c in row)
        filled = [c for c in cells if c]
        if width > 1 and len(filled) == 1 and (len(row) == 1 or _span(row[0]) > 1):
            groups.append(Block("table", caption=caption, header=header, rows=tuple(body)))
            caption, body = filled[0], []
        elif filled:
            body.append(cells)
    groups.append(Block("table", caption=caption, header=header, rows=tuple(body)))
    return [g for g in groups if g.rows or g.caption]


def _span(cell: Tag) -> int:
    try:
        return max(1, int(str(cell.get("colspan") or 1)))
    except ValueError:
        return 1


def _cell(cell: Tag) -> str:
    return clean(inline_text(cell))


def inline_text(tag: Tag) -> str:
    """Text of an element: inline markup joins without spaces ("64600<sup>*</sup>"), blocks and <br> split."""
    parts: list[str] = []
    for child in tag.children:
        if isinstance(child, Tag):
            if child.name in DROP or _hidden(child):
                continue
            gap = " " if child.name in BLOCK_TAGS or child.name in ("br", "td", "th", "tr") else ""
            parts.append(gap + inline_text(child) + gap)
        elif isinstance(child, NavigableString) and not isinstance(child, _SKIP_STRINGS):
            parts.append(str(child))
    return "".join(parts)


def title_of(soup: BeautifulSoup, blocks: Iterable[Block]) -> str | None:
    """The document title: its first <h1>, else the <title> element."""
    for block in blocks:
        if block.kind == "title":
            return block.text
    tag = soup.find("title")
    return (clean(inline_text(tag)) or None) if isinstance(tag, Tag) else None
