"""Code tables drawn without rulings, found from the boxes of a page's lines.

A line that opens with a code (or a code type and codes) in a box of its own starts a row;
the x of its boxes are the columns; the lines just above that fit the columns are the header;
lines in the columns right after a row continue its cells. Rows whose code is centred against
a wrapped description are restacked first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from tracker.extract.codes import is_code_like, only_codes
from tracker.extract.document import Block
from tracker.extract.normalize import clean, join_lines
from tracker.extract.pdfwords import Line, cells, line_of

_HEAD_LINES = 6
"""Most lines a header row's wrapped, centred cells take."""
_HEAD_GAP = 3.0
"""A header row set this many font sizes above the first row still titles it when aligned."""


_CODE_TYPE = re.compile(r"^(?:cpt|hcpcs|icd-?10(?:-(?:cm|pcs))?)\W{0,2}(?:codes?)?$", re.IGNORECASE)
"""A code-type cell before the codes ("CPT | 64600-64610 | Destruction ...")."""


def table_block(rows: Sequence[tuple[str, ...]], number: int, header: tuple[str, ...] | None = None) -> Block:
    """A table block; the header is the first row when it looks like column titles."""
    if header is None and rows and not any(is_code_like(w) for cell in rows[0] for w in cell.split()):
        header, rows = rows[0], rows[1:]
    return Block("table", page=number, header=header or (), rows=tuple(rows))


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
        wide = columns is None
        columns = columns or _wide_columns(lines[i])
        if columns is None:
            rest.append(lines[i])
            i += 1
            continue
        while wide and i > 0 and rest and rest[-1] is lines[i - 1] and _first_lines(lines[i - 1], lines[i], columns):
            rest.pop()  # the row's first lines, above the line holding its codes (cells set middle)
            i -= 1
        head = _header_lines(rest, lines[i], columns)
        start = i
        rows, i = _wide_rows(lines, i, columns) if wide else _grid_rows(lines, i, columns)
        if not head and len(rows) < 2 and not (wide or _boxed(lines[start])):
            rest.extend(lines[start:i])  # a lone code line spaced out by hand is text, not a table
            continue
        top = head[0].top if head else lines[start].top
        del rest[len(rest) - len(head) :]
        header = _header(head, columns) if head else None
        tables.append((top, table_block(rows, number, header)))
    dangling = _dangling_header(rest) if rest and lines and rest[-1] is lines[-1] else None
    if dangling is not None:
        head, header = dangling
        del rest[len(rest) - len(head) :]
        tables.append((head[0].top, Block("table", page=number, header=header)))
    return rest, tables


def _dangling_header(rest: Sequence[Line]) -> tuple[list[Line], tuple[str, ...]] | None:
    """A table's header row left at the foot of a page (or column) whose rows go on at the top of
    the next: bold lines, no code, their boxes side by side in two or more columns (centred cells
    wrap and interleave). It becomes a table of no rows that the next part continues (``joined``)."""
    head: list[Line] = []
    for line in reversed(rest[-_HEAD_LINES:]):
        if not line.bold or (head and head[0].top - line.bottom > 0.6 * line.size):
            break
        head.insert(0, line)
    if not head or any(is_code_like(w["text"]) for line in head for w in line.words):
        return None
    columns: list[tuple[float, float, list[str]]] = []  # x0, x1 and texts of each column
    for line in head:
        for box in cells(line):
            x0, x1 = float(box[0]["x0"]), float(box[-1]["x1"])
            k = next((k for k, c in enumerate(columns) if x0 < c[1] and x1 > c[0]), None)
            if k is None:
                columns.append((x0, x1, [_text(box)]))
            else:
                c = columns[k]
                columns[k] = (min(c[0], x0), max(c[1], x1), [*c[2], _text(box)])
    if len(columns) < 2 or any(len(cells(line)) > len(columns) for line in head):
        return None
    return head, tuple(clean(" ".join(c[2])) for c in sorted(columns))


def _wide_columns(line: Line) -> list[float] | None:
    """x of each column of a table of three or more columns whose codes are not in the first
    ("Policy | Products | 64600, 64605 | Prior authorization is required")."""
    boxes = cells(line)
    if len(boxes) < 3 or not any(_codes_box(box) for box in boxes[1:]):
        return None
    return [float(box[0]["x0"]) for box in boxes]


def _wide_rows(lines: Sequence[Line], i: int, columns: Sequence[float]) -> tuple[list[tuple[str, ...]], int]:
    """Rows from line ``i`` on, of a table without a code column: the lines whose boxes start on
    the columns. Every line is a row when each fills every column; otherwise each column's
    lines are cut into cells where they move apart more than a line's own spacing, and cells
    that lie side by side make a row (so rows read alike whether cells sit top or middle)."""
    end = i + 1
    while end < len(lines) and _near(lines[end], lines[end - 1]) and _aligned(lines[end], columns):
        end += 1
    run = lines[i:end]
    if all(len(cells(line)) == len(columns) for line in run):
        return [tuple(_text(box) for box in cells(line)) for line in run], end
    rows: list[tuple[float, list[list[str]]]] = []  # (bottom, cells) of each row so far
    for column, top, bottom, texts in sorted(_column_cells(run, columns), key=lambda cell: cell[1]):
        if not rows or top >= rows[-1][0]:
            rows.append((bottom, [[] for _ in columns]))
        rows[-1] = (max(rows[-1][0], bottom), rows[-1][1])
        rows[-1][1][column].extend(texts)
    return [tuple(join_lines(cell) for cell in row) for _, row in rows], end


def _first_lines(line: Line, below: Line, columns: Sequence[float]) -> bool:
    return not line.bold and _near(below, line) and _aligned(line, columns)


def _column_cells(run: Sequence[Line], columns: Sequence[float]) -> list[tuple[int, float, float, list[str]]]:
    """Each column's boxes grouped into cells: (column, top, bottom, the cell's lines)."""
    out: list[tuple[int, float, float, list[str]]] = []
    for column in range(len(columns)):
        boxes = [(line, box) for line in run for box in cells(line) if _column_of(box[0]["x0"], columns) == column]
        for line, box in boxes:
            if out and out[-1][0] == column and line.top - out[-1][2] <= 0.25 * line.size:
                out[-1] = (column, out[-1][1], line.bottom, [*out[-1][3], _text(box)])
            else:
                out.append((column, line.top, line.bottom, [_text(box)]))
    return out


def restack(lines: list[Line]) -> list[Line]:
    """Rows whose code is centred against its wrapped description (browsers, Word, fpdf2: the
    description's first lines come before the code's line) rewritten as top-aligned rows."""
    if not any(_code_box(line) is not None for line in lines):
        return lines  # no code on the page: no row to restack
    out: list[Line] = []
    i, row = 0, None  # row: the code line whose wrapped lines may follow
    while i < len(lines):
        line = lines[i]
        wrapped = row is not None and _near(line, lines[i - 1]) and line.x0 > row.x0 + 2
        if wrapped and row is not None and not _lone_code_ahead(lines, i, row):
            out.append(line)  # a top-aligned row's own wrapped line
            i += 1
            continue
        end = _centred_run(lines, i)
        if end == i:
            out.append(line)
            row = line if _code_box(line) is not None and len(cells(line)) > _lead(line) else None
            i += 1
        else:
            out += _restacked(lines[i:end])
            i, row = end, None
    return out


def _lone_code_ahead(lines: Sequence[Line], i: int, row: Line) -> bool:
    """Line ``i`` (after ``row``) is the first line of the next row's description: the next
    code line stands alone (a centred code beside an even number of lines) and is nearer."""
    j = i
    while j < len(lines) and _near(lines[j], lines[j - 1]) and _code_box(lines[j]) is None:
        j += 1
    if j == len(lines) or not _near(lines[j], lines[j - 1]) or len(cells(lines[j])) > _lead(lines[j]):
        return False
    return abs(_middle(lines[i]) - _middle(lines[j])) < abs(_middle(lines[i]) - _middle(row))


def _code_box(line: Line) -> list[dict[str, Any]] | None:
    """The words of the line's code cell (with the code-type cell before it, "CPT | 64600"), or None."""
    lead = _lead(line)
    return [w for box in cells(line)[:lead] for w in box] if lead else None


def _lead(line: Line) -> int:
    """How many of the line's first boxes make its code cell: 1 (the codes), 2 (a code type, then
    the codes) or 0 (the line does not open with codes)."""
    boxes = cells(line)
    if _codes_box(boxes[0]):
        return 1
    return 2 if len(boxes) > 1 and _CODE_TYPE.match(_text(boxes[0])) and _codes_box(boxes[1]) else 0


def _centred_run(lines: Sequence[Line], i: int) -> int:
    """End of the run of table lines from ``i`` when it opens with description lines that
    precede their code's line (``i`` itself when it does not)."""
    k = i
    while k < len(lines) and _code_box(lines[k]) is None and (k == i or _near(lines[k], lines[k - 1])):
        k += 1
        if k - i > _HEAD_LINES:
            return i  # more lines than a cell's description holds before its code
    if k == i or k == len(lines) or not _near(lines[k], lines[k - 1]):
        return i
    box = _code_box(lines[k]) or lines[k].words
    edge = box[-1]["x1"] + 2
    anchor, second = lines[i].x0, _description_x(lines, k)
    # The code line's second box is the description's middle line, or (an even number of
    # description lines) a cell further right, centred like the code.
    if second is None or second < anchor - 2:
        return i
    if any(line.x0 <= edge or abs(line.x0 - anchor) > 2 for line in lines[i:k]) or not _one_cell(lines, i, k):
        return i
    end = k + 1
    while end < len(lines) and _near(lines[end], lines[end - 1]):
        own = _code_box(lines[end])
        if not (own and abs(own[0]["x0"] - box[0]["x0"]) <= 2) and lines[end].x0 <= edge:
            break
        end += 1
    return end


def _one_cell(lines: Sequence[Line], i: int, k: int) -> bool:
    """The lines from ``i`` run on into code line ``k``'s own description line at one line pitch, as
    the lines of one cell do (the tail of a row cut by a page break, at the top of the next page,
    is a cell padding further up)."""
    anchor = lines[i].x0
    if not any(abs(box[0]["x0"] - anchor) <= 2 for box in cells(lines[k])[_lead(lines[k]) :]):
        return True  # the code sits between two description lines: no pitch to compare
    steps = [lines[j + 1].top - lines[j].top for j in range(i, k)]
    if k + 1 < len(lines) and abs(lines[k + 1].x0 - anchor) <= 2 and _near(lines[k + 1], lines[k]):
        steps.append(lines[k + 1].top - lines[k].top)
    return len(steps) < 2 or max(steps) - min(steps) <= 1.5


def _description_x(lines: Sequence[Line], k: int) -> float | None:
    """Where the description column of code line ``k`` starts: its second box, or the line
    after it."""
    boxes = cells(lines[k])[_lead(lines[k]) or 1 :]
    if boxes:
        return float(boxes[0][0]["x0"])
    if k + 1 < len(lines) and _near(lines[k + 1], lines[k]) and _code_box(lines[k + 1]) is None:
        return lines[k + 1].x0
    return None


def _restacked(run: Sequence[Line]) -> list[Line]:
    codes = [k for k, line in enumerate(run) if _code_box(line) is not None]
    parts: dict[int, list[Line]] = {k: [] for k in codes}
    far: dict[int, list[dict[str, Any]]] = {k: [] for k in codes}
    for j, line in enumerate(run):
        if j in parts:
            # The code line's second box is the description's middle line; boxes further right
            # are cells centred like the code (a status or prior-authorization column): they
            # belong on the row's first line.
            boxes = cells(line)[_lead(line) :]
            middle = [box for box in boxes if abs(box[0]["x0"] - run[0].x0) <= 2]
            if middle:
                parts[j].append(line_of(middle[0]))
            far[j] = [w for box in boxes if box not in middle for w in box]
        else:
            parts[min(codes, key=lambda c: abs(_middle(run[c]) - _middle(line)))].append(line)
    out: list[Line] = []
    for k in codes:
        code = [*(_code_box(run[k]) or [])]
        code[-1] = {**code[-1], "tail": True}
        beside = sorted(parts[k], key=lambda line: line.top)
        if not beside:
            out.append(line_of([*code, *far[k]]))
            continue
        first = [{**w, "box": True} if n == 0 else w for n, w in enumerate(beside[0].words)]
        first[-1] = {**first[-1], "tail": True}
        out += [line_of([*code, *first, *far[k]]), *beside[1:]]
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
    first = box[0]["text"].rstrip(",;")
    return is_code_like(first) if len(box) == 1 else only_codes(text) and is_code_like(first)


def _boxed(line: Line) -> bool:
    """The line's second box is a cell of its own (no space glyph before it), not spacing."""
    return len(line.words) > 1 and bool(line.words[1].get("box"))


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
    for line in reversed(rest[-_HEAD_LINES:]):
        gap = below.top - line.bottom
        if gap > _HEAD_GAP * line.size or _code_columns(line) or not _fits(line, columns):
            break
        if gap > 0.6 * line.size and not _titles(line, first, columns):
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


def _titles(line: Line, row: Line, columns: Sequence[float]) -> bool:
    """The line titles the columns: a bold title in each of several columns, or every box starting
    where a column starts or centred over the cell of ``row`` in its column (``<th>``'s default
    alignment)."""
    boxes = cells(line)
    spread = [_column_of(box[0]["x0"], columns) for box in boxes]
    if line.bold and len(set(spread)) == len(boxes) and (len(boxes) > 1 or spread[0] > 0):
        return True  # bold titles, each in a column of its own (a caption starts in the first), however aligned
    below = {_column_of(box[0]["x0"], columns): box for box in cells(row)}
    for box in boxes:
        if any(abs(box[0]["x0"] - c) <= 2 for c in columns):
            continue
        cell = below.get(_column_of(box[0]["x0"], columns))
        if cell is None or abs(_centre(box) - _centre(cell)) > 2:
            return False
    return True


def _centre(box: Sequence[dict[str, Any]]) -> float:
    return float(box[0]["x0"] + box[-1]["x1"]) / 2


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
