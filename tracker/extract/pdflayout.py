"""One PDF page (pdfplumber) → blocks: headings, paragraphs, list items, tables.

Headings come from font size, weight, numbering and capitals; tables from pdfplumber's
table finder (ruled tables) or from the boxes of the lines (``pdfgrid``: code tables drawn
without rulings). Running headers and
footers, page numbers, "Page x of y", print dates and copyright lines are dropped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from tracker.extract.document import Block
from tracker.extract.normalize import is_stamp, join_lines, key
from tracker.extract.pdfcolumns import group_of, reading_groups
from tracker.extract.pdfgrid import split_column_tables, table_block
from tracker.extract.pdfwords import Line, drawn_bullets, make_lines, page_words

BAND = 0.08
"""Fraction of the page height at top and bottom where running headers and footers live."""


_BULLET = re.compile(r"^(?:[\u2022\u25e6\u25aa\u25cf\u2023\u2043\u2219\uf0b7\uf0a7o\-*]|\(cid:\d+\))$")


_ENUM = re.compile(r"^\(?(?:\d{1,2}|[a-zA-Z]|[ivxIVX]{1,4})[.)]$")


_NUMBERED = re.compile(r"^(?:(?P<roman>[IVX]{1,4})|(?P<upper>[A-Z])|(?P<digit>\d{1,2})|(?P<lower>[a-z]))[.)]$")
"""A section number that opens a heading line: "III.", "A.", "2.", "b)" (outline order I. > A. > 1. > a.)."""
_MINOR_WORDS = frozenset("a an and as at by for in of on or the to with without".split())
NUMBERED_TOP = 3
"""Level of the most important numbered heading (roman numerals), below the sized headings."""
NUMBERED_HEADING = re.compile(r"^(?:(?:[IVX]{1,4}|[A-Za-z]|\d{1,2})[.)]\s+[A-Z][^.;:,]{0,80}|[A-Z][A-Z&/, -]{3,80})$")
"""A text line that may be a numbered or capitals heading (pypdfium2's quick pass; the layout decides)."""
_ALONE = ("toc", "item", "numbered", "capitals")
"""Kinds of line that make a block of their own."""
SENTENCE_ENDS = (".", ":", "!", "?")
"""What a paragraph that does not run on ends with."""
_TOC = re.compile(r"\.{4,}\s*\S{1,14}$")


PAGE_NUMBER = re.compile(r"^(?:\d{1,4}|-\s*\d{1,4}\s*-|\d{1,4}\s*/\s*\d{1,4})$")
"""A bare page number ("12", "- 12 -", "3/7"): furniture in the top or bottom band only (in the body
it is a cell: a policy number, a count)."""
CHROME = re.compile(
    r"^page\s+\d+(?:\s+of\s+\d+)?$"
    r"|\bpage\s+\d+\s+of\s+\d+\b"
    r"|^(?:date\s+)?printed\b|\bprinted\s+(?:on\s+)?\d"
    r"|^\W{0,2}(?:©|\(c\)|copyright\b)|©\s*\d{4}|\bcopyright\s+(?:©\s*)?\d{4}",
    re.IGNORECASE,
)
"""Page furniture by its wording, wherever on the page: page numbers, print dates, copyright."""


def is_furniture(text: str) -> bool:
    """Page furniture by its wording (``CHROME``) or a per-request stamp ("Page last updated: …"),
    wherever on the page."""
    return bool(CHROME.search(text)) or is_stamp(text)


@dataclass(frozen=True)
class Style:
    """Document-wide font facts, measured on the same pages whatever pages are analysed."""

    body: float
    """The most common font size: body text."""
    top: float
    """Smallest size of a top-level heading (a heading this big closes every open heading)."""
    title: float
    """Font size of the title on the first page with text."""
    first: int = 1
    """The first page with text (a producer may open with a blank page): the title's page."""


def font_sizes(words: Iterable[dict[str, Any]]) -> Counter[float]:
    """Characters per rounded font size."""
    sizes: Counter[float] = Counter()
    for w in words:
        sizes[round(float(w["size"]), 1)] += len(w["text"])
    return sizes


def measure_style(sample: Sequence[Sequence[dict[str, Any]]], first: int = 1) -> Style:
    """Body, top-heading and title sizes from the words of the sample pages (the first page with
    text, ``first``, first)."""
    sizes: Counter[float] = Counter()
    for words in sample:
        sizes.update(font_sizes(words))
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    title = max(font_sizes(sample[0]) or [body]) if sample else body
    headings = [s for s in sizes if body + 1.5 <= s < title]
    return Style(body=body, top=max(headings) if headings else title, title=title, first=first)


def is_chrome(line: Line, page_height: float, chrome_keys: frozenset[str]) -> bool:
    """Running header/footer (repeated text in the top or bottom band) or page furniture (a
    per-request stamp, "Page last updated: …", included)."""
    if is_furniture(line.text):
        return True
    return in_band(line, page_height) and (key(line.text) in chrome_keys or bool(PAGE_NUMBER.match(line.text)))


def in_band(line: Line, page_height: float) -> bool:
    return line.bottom <= page_height * BAND + 4 or line.top >= page_height * (1 - BAND) - 4


def body_lines(lines: Sequence[Line], page_height: float, chrome_keys: frozenset[str]) -> list[Line]:
    """The page's lines less its furniture (``is_chrome``). A line in the top band that is set close
    to the body, line after line, is body, not a running header: a table header repeated at the
    top of each page (its words repeat like a running header's). In the bottom band a line that
    repeats page after page is a running footer however close the body ends above it (Cigna's
    "Medical Coverage Policy: 0525" under a table that runs on to the next page)."""
    ordered = sorted(lines, key=lambda ln: ln.top)
    return [
        line
        for i, line in enumerate(ordered)
        if not is_chrome(line, page_height, chrome_keys)
        or (not is_furniture(line.text) and line.top < page_height / 2 and _attached(ordered, i, page_height))
    ]


def _attached(lines: Sequence[Line], i: int, page_height: float) -> bool:
    """Line ``i`` (in a band) reaches the body through lines each within a line's spacing of the one before."""
    step = 1 if lines[i].top < page_height / 2 else -1
    j = i
    while 0 <= j + step < len(lines):
        near, far = (lines[j], lines[j + step]) if step > 0 else (lines[j + step], lines[j])
        if far.top - near.bottom > 0.6 * max(near.size, far.size):
            return False
        j += step
        if not in_band(lines[j], page_height):
            return True
    return False


def read_page(page: Any, number: int, style: Style, chrome_keys: frozenset[str]) -> list[Block]:
    """Blocks of one page in reading order."""
    words, tables = page_words(page)
    words += drawn_bullets(page, words)
    lines = body_lines(make_lines(words), float(page.height), chrome_keys)
    groups = reading_groups(lines, float(page.width))
    placed: list[tuple[tuple[int, float], Block]] = []
    for t in tables:
        placed.append(((group_of(groups, t.bbox[1], t.bbox[0], t.bbox[2]), t.bbox[1]), ruled_table(t, number)))
    for i, group in enumerate(groups):
        rest, column_tables = split_column_tables(list(group.lines), number)
        placed += [((i, top), block) for top, block in column_tables]
        placed += [((i, top), block) for top, block in text_blocks(rest, number, style)]
    placed.sort(key=lambda pair: pair[0])
    blocks: list[Block] = []
    for i, group in enumerate(groups):
        mine = [block for (g, _), block in placed if g == i and (block.text or block.rows or block.header)]
        same_band = i > 0 and groups[i - 1].band == group.band
        blocks = joined(blocks, mine) if same_band else [*blocks, *mine]  # a column runs on into the next
    return one_title(blocks) if number == style.first else blocks


def joined(before: Sequence[Block], after: Sequence[Block]) -> list[Block]:
    """The blocks of a page (or column) after those of the one before: a paragraph cut at the
    break is rejoined, a table that goes on is marked ``continued`` (its caption and header
    come from the part before)."""
    if not (before and after and continues(before[-1], after[0])):
        return [*before, *after]
    first = after[0]
    if first.kind == "table":
        return [*before, replace(first, continued=True), *after[1:]]
    return [*before[:-1], replace(before[-1], text=join_lines([before[-1].text, first.text])), *after[1:]]


def continues(before: Block, after: Block) -> bool:
    """Whether ``after`` (the first block of a page or column) goes on with ``before`` (the last
    of the one before): a table with the same columns, or a paragraph that did not end a
    sentence or that goes on in lower case."""
    if before.kind == "table" and after.kind == "table":
        width = len(before.header or before.rows[0])
        first = after.header or after.rows[0]
        return len(first) == width and (not after.header or after.header == before.header)
    if before.kind in ("paragraph", "item") and after.kind == "paragraph" and not (before.label or after.label):
        return not before.text.endswith(SENTENCE_ENDS) or after.text[:1].islower()
    return False


def one_title(blocks: Sequence[Block]) -> list[Block]:
    """The first title-sized block of page 1 is the title; later ones at that size are top-level
    headings (a document without a larger title sets its headings in the biggest size)."""
    titles = [i for i, b in enumerate(blocks) if b.kind == "title"]
    return [replace(b, kind="heading", level=1) if i in titles[1:] else b for i, b in enumerate(blocks)]


def ruled_table(table: Any, number: int) -> Block:
    """A table found by pdfplumber from its rulings; the first row is a header unless it holds a code."""
    # A cell's lines wrap like a paragraph's: "investiga-\ntional" is one word, "64600-\n64610" a range.
    rows = [tuple(join_lines((c or "").split("\n")) for c in row) for row in table.extract()]
    rows = [r for r in rows if any(r)]
    return table_block(rows, number)


def text_blocks(lines: Sequence[Line], number: int, style: Style) -> Iterable[tuple[float, Block]]:
    """Headings, paragraphs, list items and TOC lines from the page's text lines."""
    group: list[Line] = []
    # Where the text's lines end at most (lines in a smaller size, a browser's running footer, may reach further).
    right = max((ln.words[-1]["x1"] for ln in lines if ln.size >= style.body - 0.5), default=0.0)
    for line in lines:
        if group and _breaks(group, line, style, right):
            yield group[0].top, _block(group, number, style)
            group = []
        group.append(line)
    if group:
        yield group[0].top, _block(group, number, style)


def _kind(line: Line, style: Style) -> str:
    if _TOC.search(line.text):
        return "toc"
    if line.size >= style.body + 1.5 and len(line.words) <= 25:
        return f"heading{line.size}"
    if numbered_level(line) is not None:
        return "numbered"
    if capitals_heading(line):
        return "capitals"
    if _BULLET.match(line.words[0]["text"]) or _ENUM.match(line.words[0]["text"]):
        return "item"
    return "bold" if line.bold else "text"


def numbered_level(line: Line) -> int | None:
    """The level of a body-size heading told by its numbering ("III. PROCEDURE CODES", "2. Coverage
    Policy", "A. Policy"): a section number, then a few words in Title Case or capitals (or in
    bold) with no closing punctuation; a numbered criterion is a sentence and stays an item."""
    found = _NUMBERED.match(line.words[0]["text"])
    words = [w["text"] for w in line.words[1:]]
    if not found or not 1 <= len(words) <= 8 or line.text.endswith((".", ",", ";", ":")):
        return None
    titled = all(w[:1].isupper() or not w[:1].isalpha() or w.lower() in _MINOR_WORDS for w in words)
    if not (titled or line.bold):
        return None
    return {"roman": NUMBERED_TOP, "upper": 4, "digit": 5, "lower": 6}[
        next(k for k, v in found.groupdict().items() if v)
    ]


def capitals_heading(line: Line) -> bool:
    """A short line of two or more words in capitals ("APPLICABLE CODES"): a label at body size."""
    letters = [c for c in line.text if c.isalpha()]
    if not 2 <= len(line.words) <= 10 or len(letters) < 4 or line.text.endswith((".", ",", ";", ":")):
        return False
    return all(c.isupper() for c in letters)


def _breaks(group: Sequence[Line], line: Line, style: Style, right: float) -> bool:
    """True when ``line`` starts a new block after the lines in ``group`` (``right``: where the
    column's longest line ends)."""
    first, last = _kind(group[0], style), _kind(line, style)
    if last in _ALONE or (first in _ALONE and first != "item"):
        return True
    if first.startswith("heading") or last.startswith("heading"):
        return first != last or line.top - group[-1].bottom > 0.6 * line.size
    if line.top - group[-1].bottom > 0.45 * style.body:
        return True
    if line.bold != group[-1].bold:
        return True
    if first == "item":
        # A list item's text wraps under its own text (a hanging indent) or, without one, back to
        # the margin; a line at the margin goes on with the item only when the item's line before
        # was wrapped (see ``wrapped``).
        return line.x0 < _text_x(group[0]) - 2 and not wrapped(group[-1], line, right)
    return False


def wrapped(before: Line, line: Line, right: float) -> bool:
    """Whether the line break between ``before`` and ``line`` is a soft wrap: ``line``'s first word
    would not have fitted after ``before``'s last one before the column's right edge (every
    producer breaks a line only where the next word does not fit; a hard break, the end of a
    paragraph or item, leaves room)."""
    first = line.words[0]
    space = 0.25 * line.size
    return float(before.words[-1]["x1"]) + space + float(first["x1"] - first["x0"]) > right + 1


def _text_x(line: Line) -> float:
    """Where the text of a list item starts (after its bullet or number)."""
    return float(line.words[1]["x0"]) if len(line.words) > 1 else line.x0


def _block(group: Sequence[Line], number: int, style: Style) -> Block:
    kind = _kind(group[0], style)
    text = join_lines(ln.text for ln in group)
    if kind == "toc":
        return Block("toc", text=text, page=number)
    if kind.startswith("heading"):
        if number == style.first and group[0].size >= style.title:
            return Block("title", text=text, page=number)
        return Block("heading", text=text, level=1 if group[0].size >= style.top else 2, page=number)
    if kind == "item":
        marker = group[0].words[0]["text"]
        first = " ".join(w["text"] for w in group[0].words[1:])
        text = join_lines([first, *(ln.text for ln in group[1:])])
        return Block("item", text=text if _BULLET.match(marker) else f"{marker} {text}", page=number)
    if kind == "numbered":
        return Block("heading", text=text, level=numbered_level(group[0]) or NUMBERED_TOP, page=number)
    label = kind == "capitals" or all(ln.bold for ln in group)
    return Block("paragraph", text=text, page=number, label=label)
