"""One PDF page (pdfplumber) → blocks: headings, paragraphs, list items, tables.

Headings come from font size and weight, tables from pdfplumber's table finder (ruled
tables) or from text columns (code lists drawn without rulings). Running headers and
footers, page numbers, "Page x of y", print dates and copyright lines are dropped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tracker.extract.codes import is_code_like
from tracker.extract.document import Block
from tracker.extract.normalize import clean, join_lines, key

BAND = 0.08
"""Fraction of the page height at top and bottom where running headers and footers live."""

BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
"""Font names of bold faces ("Helvetica-Bold", "ABCDEF+Arial-BoldMT", "Segoe UI Semibold")."""
_BULLET = re.compile(r"^(?:[\u2022\u25e6\u25aa\u25cf\u2023\u2043\u2219\uf0b7\uf0a7o\-*]|\(cid:\d+\))$")
_ENUM = re.compile(r"^\(?(?:\d{1,2}|[a-zA-Z]|[ivxIVX]{1,4})[.)]$")
_TOC = re.compile(r"\.{4,}\s*\S{1,14}$")
CHROME = re.compile(
    r"^(?:page\s+\d+\s+(?:of\s+\d+)?|\d{1,4}|-\s*\d{1,4}\s*-|\d{1,4}\s*/\s*\d{1,4})$"
    r"|\bpage\s+\d+\s+of\s+\d+\b"
    r"|^(?:date\s+)?printed\b|\bprinted\s+(?:on\s+)?\d"
    r"|^\W{0,2}(?:©|\(c\)|copyright\b)|©\s*\d{4}|\bcopyright\s+(?:©\s*)?\d{4}",
    re.IGNORECASE,
)
"""Page furniture by its wording, wherever on the page: page numbers, print dates, copyright."""


@dataclass(frozen=True)
class Style:
    """Document-wide font facts, measured on the same pages whatever pages are analysed."""

    body: float
    """The most common font size: body text."""
    top: float
    """Smallest size of a top-level heading (a heading this big closes every open heading)."""
    title: float
    """Font size of the title on page 1."""


@dataclass
class Line:
    """A line of words with its position and font."""

    words: list[dict[str, Any]]
    top: float
    bottom: float
    x0: float
    size: float
    bold: bool
    text: str = field(init=False)

    def __post_init__(self) -> None:
        self.text = clean(" ".join(w["text"] for w in self.words))


def page_words(page: Any) -> tuple[list[dict[str, Any]], list[Any]]:
    """Words outside tables, and the ruled tables pdfplumber finds on the page."""
    tables = [t for t in page.find_tables() if len(t.rows) >= 2 or len(t.rows[0].cells) >= 2]
    words = page.extract_words(extra_attrs=["size", "fontname"], keep_blank_chars=False)
    boxes = [t.bbox for t in tables]
    outside = [w for w in words if not any(_inside(w, box) for box in boxes)]
    return outside, tables


def _inside(word: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    cx, cy = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
    return bool(box[0] <= cx <= box[2] and box[1] <= cy <= box[3])


def make_lines(words: Iterable[dict[str, Any]]) -> list[Line]:
    """Group words into lines by their top coordinate, left to right."""
    groups: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if groups and abs(groups[-1][0]["top"] - word["top"]) <= 2.0:
            groups[-1].append(word)
        else:
            groups.append([word])
    return [_line(sorted(g, key=lambda w: w["x0"])) for g in groups]


def _line(words: list[dict[str, Any]]) -> Line:
    weight = sum(len(w["text"]) for w in words) or 1
    bold = sum(len(w["text"]) for w in words if BOLD_FONT.search(w["fontname"]))
    return Line(
        words=words,
        top=min(w["top"] for w in words),
        bottom=max(w["bottom"] for w in words),
        x0=words[0]["x0"],
        size=round(max(float(w["size"]) for w in words), 1),
        bold=bold / weight > 0.9,
    )


def font_sizes(words: Iterable[dict[str, Any]]) -> Counter[float]:
    """Characters per rounded font size."""
    sizes: Counter[float] = Counter()
    for w in words:
        sizes[round(float(w["size"]), 1)] += len(w["text"])
    return sizes


def measure_style(sample: Sequence[Sequence[dict[str, Any]]]) -> Style:
    """Body, top-heading and title sizes from the words of the sample pages (page 1 first)."""
    sizes: Counter[float] = Counter()
    for words in sample:
        sizes.update(font_sizes(words))
    body = sizes.most_common(1)[0][0] if sizes else 10.0
    title = max(font_sizes(sample[0]) or [body]) if sample else body
    headings = [s for s in sizes if body + 1.5 <= s < title]
    return Style(body=body, top=max(headings) if headings else title, title=title)


def is_chrome(line: Line, page_height: float, chrome_keys: frozenset[str]) -> bool:
    """Running header/footer (repeated text in the top or bottom band) or page furniture."""
    if CHROME.search(line.text):
        return True
    in_band = line.bottom <= page_height * BAND + 4 or line.top >= page_height * (1 - BAND) - 4
    return in_band and key(line.text) in chrome_keys


def read_page(page: Any, number: int, style: Style, chrome_keys: frozenset[str]) -> list[Block]:
    """Blocks of one page in reading order."""
    words, tables = page_words(page)
    lines = [ln for ln in make_lines(words) if not is_chrome(ln, float(page.height), chrome_keys)]
    lines, column_tables = split_column_tables(lines, number)
    placed: list[tuple[float, Block]] = [(t.bbox[1], ruled_table(t, number)) for t in tables]
    placed += column_tables
    placed += [(top, block) for top, block in text_blocks(lines, number, style)]
    placed.sort(key=lambda pair: pair[0])
    return [block for _, block in placed if block.text or block.rows or block.header]


def ruled_table(table: Any, number: int) -> Block:
    """A table found by pdfplumber from its rulings; the first row is a header unless it holds a code."""
    rows = [tuple(clean(c or "") for c in row) for row in table.extract()]
    rows = [r for r in rows if any(r)]
    return table_block(rows, number)


def table_block(rows: Sequence[tuple[str, ...]], number: int, header: tuple[str, ...] | None = None) -> Block:
    """A table block; the header is the first row when it looks like column titles."""
    if header is None and rows and not any(is_code_like(w) for cell in rows[0] for w in cell.split()):
        header, rows = rows[0], rows[1:]
    return Block("table", page=number, header=header or (), rows=tuple(rows))


def split_column_tables(lines: list[Line], number: int) -> tuple[list[Line], list[tuple[float, Block]]]:
    """Find code lists laid out in text columns ("64600*    Destruction by ...") without rulings."""
    rest: list[Line] = []
    tables: list[tuple[float, Block]] = []
    i = 0
    while i < len(lines):
        column = _code_column(lines[i])
        if column is None:
            rest.append(lines[i])
            i += 1
            continue
        header = _column_header(rest[-1], column) if rest else None
        start = i
        rows, i = _column_rows(lines, i, column)
        if header is None and len(rows) < 2:
            rest.extend(lines[start:i])  # a lone code line is text, not a table
            continue
        top = rest.pop().top if header is not None else lines[start].top
        tables.append((top, table_block(rows, number, header)))
    return rest, tables


def _code_column(line: Line) -> float | None:
    """x of the description column when the line starts with a code followed by a wide gap."""
    if len(line.words) < 2 or not is_code_like(line.words[0]["text"]):
        return None
    gap = line.words[1]["x0"] - line.words[0]["x1"]
    return float(line.words[1]["x0"]) if gap >= 2.0 * line.size else None


def _column_header(line: Line, column: float) -> tuple[str, ...] | None:
    left = [w["text"] for w in line.words if w["x0"] < column - 2]
    right = [w["text"] for w in line.words if w["x0"] >= column - 2]
    starts = any(abs(w["x0"] - column) <= 2 for w in line.words)
    if left and right and starts and not is_code_like(left[0]):
        return clean(" ".join(left)), clean(" ".join(right))
    return None


def _column_rows(lines: list[Line], i: int, column: float) -> tuple[list[tuple[str, ...]], int]:
    rows: list[list[str]] = []
    while i < len(lines):
        line = lines[i]
        if abs((_code_column(line) or -99) - column) <= 2:
            cut = next(k for k, w in enumerate(line.words) if w["x0"] >= column - 2)
            rows.append([" ".join(w["text"] for w in line.words[:cut]), " ".join(w["text"] for w in line.words[cut:])])
        elif rows and abs(line.x0 - column) <= 2 and line.top - lines[i - 1].bottom <= 0.6 * line.size:
            rows[-1][1] += "\n" + line.text
        else:
            break
        i += 1
    return [(clean(code), join_lines(text.split("\n"))) for code, text in rows], i


def text_blocks(lines: Sequence[Line], number: int, style: Style) -> Iterable[tuple[float, Block]]:
    """Headings, paragraphs, list items and TOC lines from the page's text lines."""
    group: list[Line] = []
    for line in lines:
        if group and _breaks(group, line, style):
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
    if _BULLET.match(line.words[0]["text"]) or _ENUM.match(line.words[0]["text"]):
        return "item"
    return "bold" if line.bold else "text"


def _breaks(group: Sequence[Line], line: Line, style: Style) -> bool:
    """True when ``line`` starts a new block after the lines in ``group``."""
    first, last = _kind(group[0], style), _kind(line, style)
    if last in ("toc", "item") or first == "toc":
        return True
    if first.startswith("heading") or last.startswith("heading"):
        return first != last or line.top - group[-1].bottom > 0.6 * line.size
    if line.top - group[-1].bottom > 0.45 * style.body:
        return True
    if first == "item":
        return line.x0 < _text_x(group[0]) - 2 or line.bold != group[-1].bold
    return line.bold != group[-1].bold


def _text_x(line: Line) -> float:
    """Where the text of a list item starts (after its bullet or number)."""
    return float(line.words[1]["x0"]) if len(line.words) > 1 else line.x0


def _block(group: Sequence[Line], number: int, style: Style) -> Block:
    kind = _kind(group[0], style)
    text = join_lines(ln.text for ln in group)
    if kind == "toc":
        return Block("toc", text=text, page=number)
    if kind.startswith("heading"):
        if number == 1 and group[0].size >= style.title:
            return Block("title", text=text, page=number)
        return Block("heading", text=text, level=1 if group[0].size >= style.top else 2, page=number)
    if kind == "item":
        marker = group[0].words[0]["text"]
        first = " ".join(w["text"] for w in group[0].words[1:])
        text = join_lines([first, *(ln.text for ln in group[1:])])
        return Block("item", text=text if _BULLET.match(marker) else f"{marker} {text}", page=number)
    return Block("paragraph", text=text, page=number, label=all(ln.bold for ln in group))
