"""The rows of a code table: the group row over each (a PDF table keeps its group rows among its rows),
prior authorization read from a column (a value printed once over the rows it spans included) or from
a prior-authorization table's code-less rows, a row rendered with its headers, and its footnotes."""

from __future__ import annotations

import re
from collections.abc import Sequence

from tracker.extract.codes import FOOTNOTE_MARKERS, names_codes
from tracker.extract.document import Block
from tracker.judge.classify import classify_prior_auth

_MARKER = re.compile(rf"[A-Za-z0-9]([{FOOTNOTE_MARKERS}]+)")
PA_COLUMN = re.compile(
    r"prior\s*auth|pre-?\s?auth|pre-?\s?cert|precert|notification|pre-?\s?service\s+review|prior\s+(?:review|approval)"
    r"|review\s+required|^\s*PA\s*$",
    re.IGNORECASE,
)
_PA_YES = re.compile(r"^(?:yes|y|x|(?:is\s+|are\s+)?required|requires?\b.*|✓|✔|☑)", re.IGNORECASE)
_PA_NO = re.compile(r"^(?:no|n|none|n/?a|(?:is\s+|are\s+)?not\s+required|no\s+prior)\b", re.IGNORECASE)


def grouped_rows(block: Block) -> list[tuple[tuple[str, ...], str]]:
    """The rows of a table with the group row over each (a PDF table has its group rows among its rows).

    A row without a code whose only text stands left of the next coded row's description is a group
    row ("Tenotomy Using a Waterjet Device" over "23929 | Unlisted procedure, shoulder"); text in or
    right of the description column is that description running on, not a group.
    """
    out: list[tuple[tuple[str, ...], str]] = []
    group = block.group
    rows = block.rows
    for i, row in enumerate(rows):
        filled = [j for j, cell in enumerate(row) if cell]
        if len(filled) == 1 and len(row) > 1 and len(row[filled[0]].split()) > 1 and not names_codes(row[filled[0]]):
            after = next((r for r in rows[i + 1 :] if names_codes(" ".join(r))), None)
            description = _description_column(after) if after is not None else None
            if description is not None and filled[0] < description:
                group = row[filled[0]]
                continue
        out.append((row, group))
    return out


def _description_column(row: Sequence[str]) -> int | None:
    """The column of a coded row's first filled cell after its code."""
    code = next((j for j, cell in enumerate(row) if names_codes(cell)), None)
    if code is None:
        return None
    return next((j for j in range(code + 1, len(row)) if row[j]), None)


def spanned_down(rows: tuple[tuple[str, ...], ...], column: int) -> tuple[tuple[str, ...], ...]:
    """A prior-authorization column filled in every row but some, each gap right under a value: the
    value spans the gap (a PDF prints a ``rowspan`` cell once; the HTML grid has already repeated it)."""
    cells = [row[column] if column < len(row) else "" for row in rows]
    coded = [i for i, row in enumerate(rows) if names_codes(" ".join(row))]
    gaps = [i for i in coded if not cells[i]]
    if not gaps or len(gaps) * 2 >= len(coded) or any(i == 0 or not cells[i - 1] for i in gaps):
        return rows
    out = [list(row) for row in rows]
    for i in gaps:
        out[i][column] = cells[i - 1]
    return tuple(tuple(row) for row in out)


def row_pa(row: Sequence[str], column: int | None) -> list[bool]:
    """The prior authorization a code-less row of a prior-authorization table states (by product, by
    setting): for the whole document when its rows agree."""
    if names_codes(" ".join(row)):
        return []
    pa = pa_cell(row, column) if column is not None else classify_prior_auth(" ".join(row))
    return [] if pa is None else [pa]


def pa_cell(row: Sequence[str], column: int | None) -> bool | None:
    """The value of a prior-authorization column ("Yes" / "Required" / "No" / "Not required")."""
    if column is None or column >= len(row):
        return None
    value = row[column].strip()
    if _PA_NO.match(value):
        return False
    if _PA_YES.match(value):
        return True
    return None


def render_row(header: Sequence[str], row: Sequence[str]) -> str:
    """'Header: value | Header: value'; headers are used when they line up with the cells."""
    named = len(header) == len(row)
    cells = [f"{header[i]}: {cell}" if named and header[i] else cell for i, cell in enumerate(row) if cell]
    return " | ".join(cells)


def row_notes(row: Sequence[str], notes: Sequence[str]) -> list[str]:
    """The footnotes whose markers appear right after a value in the row ("64600*")."""
    markers = set(_MARKER.findall(" ".join(row)))
    return [
        n for n in notes if any(n.startswith(m) and n[len(m) : len(m) + 1] not in FOOTNOTE_MARKERS for m in markers)
    ]
