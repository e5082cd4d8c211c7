"""HTML (Lexbor's HTML5 tree, walked as BeautifulSoup) → blocks, without the site's chrome.

The walk is iterative (an explicit stack, never recursion), so 10,000 nesting levels,
thousands of unclosed inline tags or a table never closed read as a browser shows them.
What counts is what a reader sees or can open: a collapsed accordion or tab panel
(``display:none`` until its title is clicked) is content; hidden templates are not.
Structure is read from elements and from their ARIA roles alike: ``role="heading"``
(``aria-level``) is a heading, ``role="table"/"row"/"cell"`` grids are tables, CSS
``font-weight: bold`` is bold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

from bs4 import BeautifulSoup
from bs4.element import NavigableString, Tag

from tracker.errors import ExtractError
from tracker.extract.decode import decode_html
from tracker.extract.document import Block
from tracker.extract.htmlnodes import BLOCK_TAGS, DROP, HEADINGS, SKIP_STRINGS, STRONG, TABLE_ROLES, hidden, inline_text
from tracker.extract.htmltables import data_tables, is_layout, rows_of
from tracker.extract.normalize import clean, is_stamp
from tracker.extract.sections import LEVEL_BOLD, LEVEL_TITLE, heading_level
from tracker.judge.classify import CODE_LIST

_CSS_BOLD = re.compile(r"font-weight\s*:\s*(?:bold|bolder|[6-9]00)\b", re.IGNORECASE)
_PANEL_CLASS = re.compile(r"accordion|collaps|panel|tab-?pane|tabcontent|expand|toggle", re.IGNORECASE)
DT_LEVEL = 6
"""A definition term (<dt>) heads its <dd>: the lowest sized heading level."""


def parse(body: bytes, encoding: str | None = None) -> BeautifulSoup:
    """The document tree (lxml parser); undecodable bytes become U+FFFD rather than an error.

    ``encoding`` is the server's declared charset: tried first, as browsers do (a BOM still wins).
    A declared single-byte Western charset (windows-1252, ISO-8859-1, ASCII) on bytes that are
    valid UTF-8 with non-ASCII characters is a mis-declaration (the page would show mojibake):
    such pages are read as UTF-8.
    """
    declared = (encoding or "").lower() or _meta_charset(body)
    if declared in _WESTERN and _is_utf8(body):
        encoding = "utf-8"
    try:
        text = decode_html(body, encoding)  # as a browser decodes it: BOM, HTTP, <meta>, UTF-8, windows-1252; no NUL
        return BeautifulSoup(html5_markup(text), "lxml")
    except Exception as exc:  # lxml raises assorted errors on garbage input
        raise ExtractError(f"HTML could not be parsed: {exc}") from exc


def html5_markup(text: str) -> str:
    """``text`` as the HTML5 tree-construction algorithm builds it, serialised (Lexbor, via selectolax).

    What a browser shows is the reference: content misplaced inside an unclosed table is
    foster-parented before it, a cell outside a row gets its row, an unclosed <p> ends at the
    next block. lxml's parser (libxml2, HTML 4 error recovery) does none of this; parsing the
    well-formed serialisation with lxml keeps Lexbor's tree. bench/parsers.py measures it.
    """
    from selectolax.lexbor import LexborHTMLParser

    return LexborHTMLParser(text).html or text


_WESTERN = frozenset({"windows-1252", "cp1252", "iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii", "iso-8859-15"})
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


def _meta_charset(body: bytes) -> str:
    match = _META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii", "replace").lower() if match else ""


def _is_utf8(body: bytes) -> bool:
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


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
    walker = _Walker(soup)
    for root in roots:
        if root is soup:
            walker.walk(root)
        else:
            walker.visit(root)
        walker.flush()
    return _title_tables(walker.blocks)


def _title_tables(blocks: list[Block]) -> list[Block]:
    """A bold line right above a table is the table's title, a sub-heading, when the bold heading
    it would otherwise close opens with a lead-in: a statement about the codes that follow.

    So ``<h2>Coding</h2> <p>Considered investigational ... for the following procedure codes.</p>
    <h3>CPT</h3> <table> <h3>HCPCS</h3> <table>`` written with bold paragraphs for headings reads
    as it does with <hN>: the statement governs the tables under both sub-headings. A bold
    heading over a policy statement about procedures, a list or a table keeps its rank: the next
    bold line is its sibling, as two <h2> would be.
    """
    out = list(blocks)
    bold = lead_in = False  # the innermost heading is bold; it opens with a lead-in to titled tables
    for i, block in enumerate(blocks):
        if block.kind == "paragraph" and heading_level(block) == LEVEL_BOLD:
            titles = i + 1 < len(blocks) and blocks[i + 1].kind == "table"
            if titles and lead_in:
                out[i] = replace(block, level=LEVEL_TITLE)
            else:
                bold, lead_in = True, False
        elif block.kind == "paragraph":
            lead_in = lead_in or (bold and CODE_LIST.search(block.text) is not None)
        elif block.kind == "table":
            lead_in = lead_in and out[i - 1].level == LEVEL_TITLE
        else:
            bold = lead_in = False
    return out


def _controlled_ids(soup: BeautifulSoup) -> frozenset[str]:
    """Ids of panels a control opens (aria-controls): accordion and tab panels."""
    ids: set[str] = set()
    for tag in soup.find_all(True, {"aria-controls": True}):
        ids.update(str(tag.get("aria-controls", "")).split())
    return frozenset(ids)


_Exit = int
"""What to undo when an element's children are done: nothing, its block, or its bold."""
_NOTHING, _BLOCK, _BOLD = 0, 1, 2


@dataclass
class _Walker:
    """Depth-first walk on an explicit stack: inline text accumulates until a block element ends the run."""

    soup: BeautifulSoup | None = field(default=None, repr=False, compare=False)
    """The whole page: where the ids of openable panels are looked up, the first time one is needed."""
    blocks: list[Block] = field(default_factory=list)
    runs: list[tuple[str, bool]] = field(default_factory=list)
    kind: list[str] = field(default_factory=lambda: ["paragraph"])
    bold: int = 0
    seen_title: bool = False
    _controlled: frozenset[str] | None = field(default=None, repr=False, compare=False)
    _cells: list[Tag] | None = field(default=None, repr=False, compare=False)
    """The cells of the layout table just entered: what the walk visits next instead of its children."""
    _cell_ids: set[int] = field(default_factory=set, repr=False, compare=False)
    broken: bool = False
    """The runs collected since the last flush hold a <br>."""

    def flush(self) -> None:
        """Emit the inline text collected so far as one paragraph or list item (or several, where
        line breaks set paragraphs apart: see ``_br_paragraphs``)."""
        runs = self.runs
        if not runs:
            return
        kind = self.kind[-1]
        for part in _br_paragraphs(runs) if self.broken and kind == "paragraph" else (runs,):
            text = clean(part[0][0] if len(part) == 1 else "".join(t for t, _ in part))
            if text and not is_stamp(text):  # a per-request "Page last updated: …" is no part of the policy
                self.blocks.append(Block(kind, text=text, label=_all_bold(part)))  # type: ignore[arg-type]
        runs.clear()
        self.broken = False

    def walk(self, node: Tag) -> None:
        """Visit the children of ``node`` in document order."""
        self._walk(iter(node.children))

    def _walk(self, first: Iterator[object]) -> None:
        """The walk itself, on an explicit stack: no depth of markup (nested layout tables
        included) costs Python stack."""
        stack: list[tuple[Iterator[object], _Exit]] = [(first, _NOTHING)]
        runs = self.runs
        while stack:
            children, on_exit = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                self._leave(on_exit)
            elif isinstance(child, Tag):
                entered = self._enter(child)
                if entered is not None:
                    stack.append((self._inside(child), entered))
            elif isinstance(child, NavigableString) and not isinstance(child, SKIP_STRINGS):
                runs.append((child, self.bold > 0))

    def visit(self, tag: Tag) -> None:
        """Visit ``tag`` itself (a selected element), then its children."""
        entered = self._enter(tag)
        if entered is not None:
            self._walk(self._inside(tag))
            self._leave(entered)

    def _inside(self, tag: Tag) -> Iterator[object]:
        """What to walk inside ``tag``: its children, or the cells of the layout table it is."""
        cells, self._cells = self._cells, None
        return iter(cells) if cells is not None else iter(tag.children)

    def _leave(self, action: _Exit) -> None:
        if action == _BLOCK:
            self.flush()
            self.kind.pop()
        elif action == _BOLD:
            self.bold -= 1

    def _enter(self, tag: Tag) -> _Exit | None:
        """Handle ``tag``; return what to undo after its children, or None when they are not to be walked."""
        name = tag.name
        if self.is_dropped(tag):
            control = _control_title(tag)
            if control:
                self.flush()
                self.blocks.append(Block("heading", text=control, level=DT_LEVEL))
            return None
        attrs = tag.attrs
        role = str(attrs.get("role", "")).lower() if attrs else ""
        if name == "br":
            self.runs.append((BR, self.bold > 0))
            self.broken = True
            return None
        level = _heading_level(tag, role)
        if level is not None:
            self.enter_heading(tag, level)
            return None
        if self._cell_ids and id(tag) in self._cell_ids:
            return self._nested("paragraph")  # a layout table's cell: a block of its own
        if name == "table" or role in TABLE_ROLES:
            self.flush()
            return self._table(tag)
        if name == "li":
            return self._nested("item")
        if name in BLOCK_TAGS:
            return self._nested(self.kind[-1] if name in ("ul", "ol") else "paragraph")
        if name in STRONG or (attrs and _CSS_BOLD.search(str(attrs.get("style", "")))):
            self.bold += 1
            return _BOLD
        return _NOTHING

    def _nested(self, kind: str) -> _Exit:
        self.flush()
        self.kind.append(kind)
        return _BLOCK

    def is_dropped(self, tag: Tag) -> bool:
        """Chrome, non-text, and hidden elements (an openable panel is not hidden)."""
        if tag.name in DROP:
            return True
        return hidden(tag) and not self._openable(tag)

    def _openable(self, tag: Tag) -> bool:
        if self._controlled is None:
            self._controlled = _controlled_ids(self.soup) if self.soup is not None else frozenset()
        if str(tag.get("id", "")) in self._controlled or str(tag.get("role", "")).lower() == "tabpanel":
            return True
        classes = tag.get("class")
        names: list[str] = [str(c) for c in classes] if isinstance(classes, list) else [str(classes or "")]
        return any(_PANEL_CLASS.search(c) for c in names)

    def enter_heading(self, tag: Tag, level: int) -> None:
        self.flush()
        text = clean(inline_text(tag, self))
        if not text:  # an accordion heading is its control: <h3><button aria-controls=…>Policy</button></h3>
            text = clean(" ".join(_control_title(b) for b in tag.find_all("button")))
        if not text:
            return
        if level == 1 and not self.seen_title:
            self.seen_title = True
            self.blocks.append(Block("title", text=text))
        else:
            self.blocks.append(Block("heading", text=text, level=level))

    def _table(self, table: Tag) -> _Exit | None:
        """A data table becomes table blocks; a layout table's cells are walked next, each a block."""
        rows = rows_of(table)
        if is_layout(rows):
            self._cells = [cell for row in rows for cell in row]
            self._cell_ids.update(id(cell) for cell in self._cells)
            return _NOTHING
        self.blocks.extend(data_tables(table, rows, self))
        return None


def _all_bold(runs: list[tuple[str, bool]]) -> bool:
    """Every visible run is bold: a label."""
    return all(b for t, b in runs if t.strip())


BR = "\n"
"""The run a <br> adds (compared by identity: a whitespace text node "\n" between tags is not a break)."""
_OUTLINE = re.compile(r"^\s*(?:[IVX]{1,5}\.|[A-Za-z][.)]|\d{1,2}[.)]|[•·▪◦\-–*])\s")


def _br_paragraphs(runs: list[tuple[str, bool]]) -> list[list[tuple[str, bool]]]:
    """Runs cut into paragraphs at line breaks, as a reader sees them: a blank line (two breaks) ends a
    paragraph; so does a line that is all bold (a label: "Policy:") and a line that opens an outline
    item ("I.", "A.", "1.", "•"). Other single breaks wrap a paragraph (Lotus Domino and old CMS
    pages write whole policies as one run of <br>-separated lines)."""
    lines: list[list[tuple[str, bool]]] = [[]]
    for run in runs:
        if run[0] is BR:
            lines.append([])
        else:
            lines[-1].append(run)
    out: list[list[tuple[str, bool]]] = []
    current: list[tuple[str, bool]] = []
    after_label = True
    for line in lines:
        text = "".join(t for t, _ in line)
        if not text.strip():
            if current:
                out.append(current)
            current, after_label = [], True
            continue
        label = _all_bold(line)
        if current and (label or after_label or _OUTLINE.match(text)):
            out.append(current)
            current = []
        if current:
            current.append((BR, False))
        current.extend(line)
        after_label = label
    if current:
        out.append(current)
    return out


def _heading_level(tag: Tag, role: str) -> int | None:
    """The heading level of ``tag``: <hN>, role="heading" (aria-level, default 2), <dt>; else None."""
    if tag.name in HEADINGS:
        return HEADINGS[tag.name]
    if role == "heading":
        try:
            return max(1, min(6, int(str(tag.get("aria-level") or 2))))
        except ValueError:
            return 2
    if tag.name == "dt":
        return DT_LEVEL
    return None


def _control_title(tag: Tag) -> str:
    """The title of an accordion or tab control (a <button> that opens a panel), else ''."""
    if tag.name != "button" or not (tag.has_attr("aria-controls") or tag.has_attr("aria-expanded")):
        return ""
    if str(tag.get("role", "")).lower() == "tab":
        return ""  # a tab strip repeats the panels' own titles
    return clean(tag.get_text(" "))


def title_of(soup: BeautifulSoup, blocks: Iterable[Block]) -> str | None:
    """The document title: its first <h1>, else the <title> element."""
    for block in blocks:
        if block.kind == "title":
            return block.text
    tag = soup.find("title")
    return (clean(inline_text(tag)) or None) if isinstance(tag, Tag) else None
