"""One PDF page (pdfplumber) → blocks: headings, paragraphs, list items, tables.

Headings come from font size and weight, tables from pdfplumber's table finder (ruled
tables) or from text columns (code lists drawn without rulings). Running headers and
footers, page numbers, "Page x of y", print dates and copyright lines are dropped.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from tracker.extract.codes import is_code_like, only_codes
from tracker.extract.document import Block
from tracker.extract.normalize import clean, join_lines, key

BAND = 0.08
"""Fraction of the page height at top and bottom where running headers and footers live."""

RUN_GAP = 0.15
"""A gap wider than this fraction of the font size, with no space glyph, ends a run of glyphs."""
_HEAD_GAP = 3.0
"""A header row set this many font sizes above the first row still titles it when aligned."""
CELL_GAP = 2.0
"""A gap this many font sizes wide separates two columns even without the run marks."""

BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
"""Font names of bold faces ("Helvetica-Bold", "ABCDEF+Arial-BoldMT", "Segoe UI Semibold")."""
_BULLET = re.compile(r"^(?:[\u2022\u25e6\u25aa\u25cf\u2023\u2043\u2219\uf0b7\uf0a7o\-*]|\(cid:\d+\))$")
_ENUM = re.compile(r"^\(?(?:\d{1,2}|[a-zA-Z]|[ivxIVX]{1,4})[.)]$")
_CODE_TYPE = re.compile(r"^(?:cpt|hcpcs|icd-?10(?:-(?:cm|pcs))?)\W{0,2}(?:codes?)?$", re.IGNORECASE)
"""A code-type cell before the codes ("CPT | 64600-64610 | Destruction ...")."""
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
    """Words outside tables, and the ruled tables pdfplumber finds on the page.

    Words are cut from pdfplumber's runs of glyphs, spaces kept: a producer that writes a
    space glyph between words and none between table cells (browsers' print-to-PDF) gives
    each cell its own run even when the cells almost touch. A word opening such a run is
    marked ``box``, a word closing one ``tail``; on a page without space glyphs the marks
    say nothing and are left off.
    """
    page = without_ghost_spaces(page)
    tables = [t for t in page.find_tables() if len(t.rows) >= 2 or len(t.rows[0].cells) >= 2]
    runs = page.extract_words(
        extra_attrs=["size", "fontname"], keep_blank_chars=True, x_tolerance_ratio=RUN_GAP, return_chars=True
    )
    spaced = any(c["text"] == " " for c in page.chars)
    words = [w for run in runs for w in run_words(run, spaced)]
    boxes = [t.bbox for t in tables]
    outside = [w for w in words if not any(_inside(w, box) for box in boxes)]
    return outside, tables


def without_ghost_spaces(page: Any) -> Any:
    """The page without space glyphs that take no room: Chromium writes an unused soft hyphen
    ("supra\u00adorbital") as a space the next glyph overprints; it is no word break."""
    chars = page.chars
    ghosts = {
        (c["x0"], c["top"])
        for c, after in zip(chars, chars[1:], strict=False)
        if c["text"] == " " and abs(after["x0"] - c["x0"]) < 0.01 and abs(after["top"] - c["top"]) < 0.5
    }
    if not ghosts:
        return page
    return page.filter(
        lambda obj: obj.get("object_type") != "char" or obj["text"] != " " or (obj["x0"], obj["top"]) not in ghosts
    )


def run_words(run: dict[str, Any], spaced: bool) -> list[dict[str, Any]]:
    """The words of one run of glyphs (split at its spaces), the first and last marked."""
    groups: list[list[dict[str, Any]]] = [[]]
    for char in run["chars"]:
        if char["text"].isspace():
            groups.append([])
        else:
            groups[-1].append(char)
    words = [_word(chars, run) for chars in groups if chars]
    if words and spaced:
        words[0]["box"] = not run["chars"][0]["text"].isspace()
        words[-1]["tail"] = not run["chars"][-1]["text"].isspace()
    return words


def _word(chars: list[dict[str, Any]], run: dict[str, Any]) -> dict[str, Any]:
    return {
        "text": "".join(c["text"] for c in chars),
        "x0": chars[0]["x0"],
        "x1": chars[-1]["x1"],
        "top": run["top"],
        "bottom": run["bottom"],
        "size": run["size"],
        "fontname": run["fontname"],
    }


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
    words += drawn_bullets(page, words)
    lines = [ln for ln in make_lines(words) if not is_chrome(ln, float(page.height), chrome_keys)]
    lines, column_tables = split_column_tables(lines, number)
    placed: list[tuple[float, Block]] = [(t.bbox[1], ruled_table(t, number)) for t in tables]
    placed += column_tables
    placed += [(top, block) for top, block in text_blocks(lines, number, style)]
    placed.sort(key=lambda pair: pair[0])
    blocks = [block for _, block in placed if block.text or block.rows or block.header]
    return one_title(blocks) if number == 1 else blocks


def one_title(blocks: Sequence[Block]) -> list[Block]:
    """The first title-sized block of page 1 is the title; later ones at that size are top-level
    headings (a document without a larger title sets its headings in the biggest size)."""
    titles = [i for i, b in enumerate(blocks) if b.kind == "title"]
    return [replace(b, kind="heading", level=1) if i in titles[1:] else b for i, b in enumerate(blocks)]


def drawn_bullets(page: Any, words: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """List bullets a producer drew as small filled shapes (browsers' discs and squares), as
    bullet words, where a line of text starts just right of them."""
    out: list[dict[str, Any]] = []
    for shape in [*page.curves, *page.rects]:
        width, height = shape["x1"] - shape["x0"], shape["bottom"] - shape["top"]
        if not shape.get("fill") or not 1 <= width <= 8 or not 0.6 <= width / max(height, 0.1) <= 1.6:
            continue
        middle = (shape["top"] + shape["bottom"]) / 2
        right = [w for w in words if w["top"] <= middle <= w["bottom"] and 0 < w["x0"] - shape["x1"] <= 3 * w["size"]]
        if right:
            first = min(right, key=lambda w: w["x0"])
            out.append({**first, "text": "\u2022", "x0": shape["x0"], "x1": shape["x1"], "box": False, "tail": False})
    return out


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


def cells(line: Line) -> list[list[dict[str, Any]]]:
    """The words of a line grouped by the box (table cell, text column) that holds them."""
    out = [[line.words[0]]]
    for before, word in zip(line.words, line.words[1:], strict=False):
        gap = word["x0"] - before["x1"]
        boxed = before.get("tail") and word.get("box") and gap > RUN_GAP * line.size
        if boxed or gap >= CELL_GAP * line.size:
            out.append([])
        out[-1].append(word)
    return out


def _text(words: Sequence[dict[str, Any]]) -> str:
    return clean(" ".join(w["text"] for w in words))


def split_column_tables(lines: list[Line], number: int) -> tuple[list[Line], list[tuple[float, Block]]]:
    """Find code tables drawn without rulings ("64600*    Destruction by ..."): a line that
    opens with a code in a box of its own starts a row; the x of its boxes are the columns."""
    rest: list[Line] = []
    tables: list[tuple[float, Block]] = []
    lines = restack(lines)
    i = 0
    while i < len(lines):
        columns = _code_columns(lines[i])
        if columns is None:
            rest.append(lines[i])
            i += 1
            continue
        head = _header_lines(rest, lines[i], columns)
        start = i
        rows, i = _grid_rows(lines, i, columns)
        if not head and len(rows) < 2 and not _boxed(lines[start]):
            rest.extend(lines[start:i])  # a lone code line spaced out by hand is text, not a table
            continue
        top = head[0].top if head else lines[start].top
        del rest[len(rest) - len(head) :]
        header = _header(head, columns) if head else None
        tables.append((top, table_block(rows, number, header)))
    return rest, tables


def restack(lines: list[Line]) -> list[Line]:
    """Rows whose code is centred against its wrapped description (browsers, Word, fpdf2: the
    description's first lines come before the code's line) rewritten as top-aligned rows."""
    out: list[Line] = []
    i, row = 0, None  # row: the code line whose wrapped lines may follow
    while i < len(lines):
        line = lines[i]
        if row is not None and _near(line, lines[i - 1]) and line.x0 > row.x0 + 2:
            out.append(line)  # a top-aligned row's own wrapped line
            i += 1
            continue
        end = _centred_run(lines, i)
        if end == i:
            out.append(line)
            row = line if _code_box(line) is not None and len(cells(line)) > 1 else None
            i += 1
        else:
            out += _restacked(lines[i:end])
            i, row = end, None
    return out


def _code_box(line: Line) -> list[dict[str, Any]] | None:
    first = cells(line)[0]
    return first if _codes_box(first) else None


def _centred_run(lines: Sequence[Line], i: int) -> int:
    """End of the run of table lines from ``i`` when it opens with description lines that
    precede their code's line (``i`` itself when it does not)."""
    k = i
    while k < len(lines) and _code_box(lines[k]) is None and (k == i or _near(lines[k], lines[k - 1])):
        k += 1
    if k == i or k == len(lines) or not _near(lines[k], lines[k - 1]):
        return i
    box = _code_box(lines[k]) or lines[k].words
    edge = box[-1]["x1"] + 2
    anchor = _description_x(lines, k)
    if anchor is None or any(line.x0 <= edge or abs(line.x0 - anchor) > 2 for line in lines[i:k]):
        return i
    end = k + 1
    while end < len(lines) and _near(lines[end], lines[end - 1]):
        own = _code_box(lines[end])
        if not (own and abs(own[0]["x0"] - box[0]["x0"]) <= 2) and lines[end].x0 <= edge:
            break
        end += 1
    return end


def _description_x(lines: Sequence[Line], k: int) -> float | None:
    """Where the description column of code line ``k`` starts: its second box, or the line
    after it."""
    boxes = cells(lines[k])
    if len(boxes) > 1:
        return float(boxes[1][0]["x0"])
    if k + 1 < len(lines) and _near(lines[k + 1], lines[k]) and _code_box(lines[k + 1]) is None:
        return lines[k + 1].x0
    return None


def _restacked(run: Sequence[Line]) -> list[Line]:
    codes = [k for k, line in enumerate(run) if _code_box(line) is not None]
    parts: dict[int, list[Line]] = {k: [] for k in codes}
    for j, line in enumerate(run):
        if j in parts:
            rest = [w for box in cells(line)[1:] for w in box]
            if rest:
                parts[j].append(_line(rest))
        else:
            parts[min(codes, key=lambda c: abs(_middle(run[c]) - _middle(line)))].append(line)
    out: list[Line] = []
    for k in codes:
        code = [*cells(run[k])[0]]
        code[-1] = {**code[-1], "tail": True}
        beside = sorted(parts[k], key=lambda line: line.top)
        if not beside:
            out.append(_line(code))
            continue
        first = [{**w, "box": True} if n == 0 else w for n, w in enumerate(beside[0].words)]
        out += [_line([*code, *first]), *beside[1:]]
    return out


def _near(line: Line, other: Line) -> bool:
    return abs(line.top - other.top) <= 1.6 * line.size


def _middle(line: Line) -> float:
    return (line.top + line.bottom) / 2


def _code_columns(line: Line) -> list[float] | None:
    """x of each column when the line opens with a code alone in its box."""
    boxes = cells(line)
    if len(boxes) < 2 or not (_codes_box(boxes[0]) or (_CODE_TYPE.match(_text(boxes[0])) and _codes_box(boxes[1]))):
        return None
    return [float(box[0]["x0"]) for box in boxes]


def _codes_box(box: Sequence[dict[str, Any]]) -> bool:
    """The box holds a code, a list or a range of codes, and nothing else."""
    text = _text(box)
    return is_code_like(text) if len(box) == 1 else only_codes(text) and is_code_like(box[0]["text"].rstrip(",;"))


def _boxed(line: Line) -> bool:
    """The line's second box is a cell of its own (no space glyph before it), not spacing."""
    return bool(line.words[1].get("box"))


def _column_of(x: float, columns: Sequence[float]) -> int:
    return max([0, *(k for k, left in enumerate(columns) if x >= left - 2)])


def _fits(line: Line, columns: Sequence[float]) -> bool:
    """Each box of the line sits inside one column (a header or continuation line, not a
    sentence running across the columns)."""
    for box in cells(line):
        k = _column_of(box[0]["x0"], columns)
        if k + 1 < len(columns) and box[-1]["x1"] > columns[k + 1] - 2:
            return False
    return True


def _header_lines(rest: Sequence[Line], first: Line, columns: Sequence[float]) -> list[Line]:
    """The lines just above the first row that title its columns (a header cell may wrap, and
    cells are centred, so its lines interleave)."""
    head: list[Line] = []
    below = first
    for line in reversed(rest[-4:]):
        gap = below.top - line.bottom
        if gap > _HEAD_GAP * line.size or _code_columns(line) or not _fits(line, columns):
            break
        if gap > 0.6 * line.size and not _aligned(line, columns):
            break
        if line.bold or len(cells(line)) > 1:
            head.insert(0, line)
            below = line
        else:
            break
    words = [w for line in head for w in line.words]
    spread = {_column_of(w["x0"], columns) for w in words}
    if len(spread) < 2 or any(is_code_like(w["text"]) for w in words):
        return []
    return head


def _aligned(line: Line, columns: Sequence[float]) -> bool:
    """Every box of the line starts where a column starts (a left-aligned header row)."""
    return all(any(abs(box[0]["x0"] - c) <= 2 for c in columns) for box in cells(line))


def _header(head: Sequence[Line], columns: Sequence[float]) -> tuple[str, ...]:
    parts: list[list[str]] = [[] for _ in columns]
    for line in head:
        for box in cells(line):
            parts[_column_of(box[0]["x0"], columns)].append(_text(box))
    return tuple(clean(" ".join(p)) for p in parts)


def _grid_rows(lines: Sequence[Line], i: int, columns: Sequence[float]) -> tuple[list[tuple[str, ...]], int]:
    """Rows from line ``i`` on: a code line in the same columns opens a row, a line whose boxes
    sit in the columns right after it continues the row's cells."""
    rows: list[list[list[str]]] = []
    while i < len(lines):
        line = lines[i]
        own = _code_columns(line)
        if own is not None and abs(own[0] - columns[0]) <= 2:
            rows.append([[] for _ in columns])
        elif not (rows and _continues_row(line, lines[i - 1], columns)):
            break
        for box in cells(line):
            rows[-1][_column_of(box[0]["x0"], columns)].append(_text(box))
        i += 1
    return [tuple(join_lines(cell) for cell in row) for row in rows], i


def _continues_row(line: Line, above: Line, columns: Sequence[float]) -> bool:
    if line.top - above.bottom > 0.6 * line.size or line.x0 < columns[0] + 2:
        return False
    starts = [box[0]["x0"] for box in cells(line)]
    return all(any(abs(x - c) <= 2 for c in columns[1:]) for x in starts) and _fits(line, columns)


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
    if numbered_heading(line):
        return "numbered"
    if _BULLET.match(line.words[0]["text"]) or _ENUM.match(line.words[0]["text"]):
        return "item"
    return "bold" if line.bold else "text"


def numbered_heading(line: Line) -> bool:
    """A short line set apart by its numbering and weight or capitals ("III. PROCEDURE CODES",
    "2. Coverage Policy" in bold), or a run of capitals ("APPLICABLE CODES"): a heading at body size."""
    words = [w["text"] for w in line.words]
    numbered = bool(_ENUM.match(words[0])) and len(words) >= 2
    rest = " ".join(words[1:] if numbered else words)
    letters = [c for c in rest if c.isalpha()]
    if len(words) > 10 or len(letters) < 3 or rest.endswith((".", ",", ";", ":")):
        return False
    capitals = all(c.isupper() for c in letters) and (numbered or len(words) >= 2)
    return capitals or (numbered and line.bold)


def _breaks(group: Sequence[Line], line: Line, style: Style) -> bool:
    """True when ``line`` starts a new block after the lines in ``group``."""
    first, last = _kind(group[0], style), _kind(line, style)
    if last in ("toc", "item", "numbered") or first in ("toc", "numbered"):
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
    label = kind == "numbered" or all(ln.bold for ln in group)
    return Block("paragraph", text=text, page=number, label=label)
