"""A PDF page's words and lines (pdfplumber), and the boxes (cells, text columns) that hold them.

Words are cut from pdfplumber's runs of glyphs, spaces kept: a producer that writes a space
glyph between words and none between table cells (browsers' print-to-PDF) gives each cell its
own run even when the cells almost touch, so a line's boxes are known whoever made the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tracker.extract.normalize import clean

RUN_GAP = 0.15
"""A gap wider than this fraction of the font size, with no space glyph, ends a run of glyphs."""
CELL_GAP = 2.0
"""A gap this many font sizes wide separates two columns even without the run marks."""
BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
"""Font names of bold faces ("Helvetica-Bold", "ABCDEF+Arial-BoldMT", "Segoe UI Semibold")."""


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
    boxes: list[list[dict[str, Any]]] = field(init=False, repr=False, compare=False)
    """The words grouped by the box that holds them (see ``cells``)."""

    def __post_init__(self) -> None:
        self.text = clean(" ".join(w["text"] for w in self.words))
        self.boxes = _boxes(self.words, self.size)


def page_words(page: Any) -> tuple[list[dict[str, Any]], list[Any]]:
    """Words outside tables, and the ruled tables pdfplumber finds on the page.

    Words are cut from pdfplumber's runs of glyphs, spaces kept: a producer that writes a
    space glyph between words and none between table cells (browsers' print-to-PDF) gives
    each cell its own run even when the cells almost touch. A word opening such a run is
    marked ``box``, a word closing one ``tail``; on a page without space glyphs the marks
    say nothing and are left off. A space glyph is any glyph that reads as white space: Qt's
    PDF printer (wkhtmltopdf) maps its space to a tab.
    """
    tables = [t for t in page.find_tables() if len(t.rows) >= 2 or len(t.rows[0].cells) >= 2]
    chars = page.chars
    if all(c["upright"] for c in chars):
        runs = glyph_runs(chars)
    else:  # text set vertically too: pdfplumber orders it
        runs = page.extract_words(
            extra_attrs=["size", "fontname"], keep_blank_chars=True, x_tolerance_ratio=RUN_GAP, return_chars=True
        )
    spaced = any(c["text"].isspace() for c in chars)  # wkhtmltopdf's (Qt's) space glyph reads as a tab
    words = [w for run in runs for w in run_words(run, spaced)]
    boxes = [t.bbox for t in tables]
    outside = [w for w in words if not any(_inside(w, box) for box in boxes)]
    return outside, tables


def glyph_runs(chars: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Upright glyphs in drawing order cut into runs: a run ends where the font or size
    changes, the line changes, the pen moves back, or a gap wider than ``RUN_GAP`` of the size
    opens without a space glyph in it (one pass; what pdfplumber's word extractor does with
    ``keep_blank_chars``, without its sorting, which ``make_lines`` does anyway)."""
    runs: list[list[dict[str, Any]]] = []
    before: dict[str, Any] | None = None
    for char in chars:
        if (
            before is None
            or char["fontname"] != before["fontname"]
            or char["size"] != before["size"]
            or abs(char["top"] - before["top"]) > 3
            or char["x0"] < before["x0"]
            or char["x0"] - before["x1"] > RUN_GAP * char["size"]
        ):
            runs.append([])
        runs[-1].append(char)
        before = char
    return [_run(run) for run in runs]


def _run(chars: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "chars": chars,
        "top": min(c["top"] for c in chars),
        "bottom": max(c["bottom"] for c in chars),
        "size": chars[0]["size"],
        "fontname": chars[0]["fontname"],
    }


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
    return [line_of(sorted(g, key=lambda w: w["x0"])) for g in groups]


def line_of(words: list[dict[str, Any]]) -> Line:
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


def cells(line: Line) -> list[list[dict[str, Any]]]:
    """The words of a line grouped by the box (table cell, text column) that holds them."""
    return line.boxes


def _boxes(words: Sequence[dict[str, Any]], size: float) -> list[list[dict[str, Any]]]:
    out = [[words[0]]]
    for before, word in zip(words, words[1:], strict=False):
        gap = word["x0"] - before["x1"]
        boxed = before.get("tail") and word.get("box") and gap > RUN_GAP * size
        if boxed or gap >= CELL_GAP * size:
            out.append([])
        out[-1].append(word)
    return out


def drawn_bullets(page: Any, words: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """List bullets a producer drew as small shapes (browsers' discs and squares, filled; a
    sub-list's circles, stroked), as bullet words, where a line of text starts just right of them."""
    out: list[dict[str, Any]] = []
    for shape in [*page.curves, *page.rects]:
        width, height = shape["x1"] - shape["x0"], shape["bottom"] - shape["top"]
        if not (shape.get("fill") or shape.get("stroke")) or not 1 <= width <= 8:
            continue  # a disc or square is filled, a sub-list's circle stroked
        if not 0.6 <= width / max(height, 0.1) <= 1.6:
            continue
        middle = (shape["top"] + shape["bottom"]) / 2
        right = [w for w in words if w["top"] <= middle <= w["bottom"] and 0 < w["x0"] - shape["x1"] <= 3 * w["size"]]
        if right:
            first = min(right, key=lambda w: w["x0"])
            out.append({**first, "text": "\u2022", "x0": shape["x0"], "x1": shape["x1"], "box": False, "tail": False})
    return out
