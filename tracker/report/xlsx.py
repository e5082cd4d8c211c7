"""Spreadsheets (`tracker status --xlsx`, `tracker changes --xlsx`): the grid analysts keep, written with openpyxl.

Every text cell is written as a string, never as a formula: a policy that says
``=HYPERLINK(…)`` stays those characters in the cell (the cell's type is forced to text after
openpyxl guessed "formula"). Numbers, booleans and empty values keep their own types.
openpyxl is imported here only, when a spreadsheet is written (read commands never pay for it).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tracker.errors import StoreError
from tracker.vocab import code_label, payer_name, prior_auth_word, status_word

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

Row = Mapping[str, Any]
MAX_CELL = 32_767
"""Excel's limit on the characters in one cell."""
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Characters an XLSX file cannot hold (openpyxl refuses them)."""


def put(ws: Worksheet, row: int, column: int, value: Any) -> None:
    """One cell: text always as a string (never a formula), cleaned and cut to Excel's limit; else as it is."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        value = ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, str):
        text = _ILLEGAL.sub("", value)
        cell.value = text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"
        cell.data_type = "s"  # openpyxl takes a leading "=" for a formula: this is text
    else:
        cell.value = value


def table_sheet(ws: Worksheet, rows: Sequence[Row], keys: Sequence[str]) -> None:
    """A sheet with a header row of ``keys`` and one row per row (a header even with no rows)."""
    from openpyxl.utils import get_column_letter

    header = list(rows[0].keys()) if rows else list(keys)
    for column, key in enumerate(header, start=1):
        put(ws, 1, column, key)
    for number, row in enumerate(rows, start=2):
        for column, key in enumerate(header, start=1):
            put(ws, number, column, row.get(key))
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"


def column_label(row: Row) -> str:
    """A grid column: payer and plan, with the line of business where known ("Cigna · commercial")."""
    name = payer_name(row["payer"], row.get("plan"))
    return f"{name} · {row['lob']}" if row.get("lob") else name


def cell_text(row: Row) -> str:
    """A grid cell: the status (the analyst's where confirmed) and prior auth."""
    if row.get("status") is None:
        return "not captured yet"
    text = f"{status_word(row['status'])}, prior auth {prior_auth_word(row.get('prior_auth'))}"
    if row.get("reading") == "confirmed":
        text += f" (confirmed by {row.get('confirmed_by')})"
    return text


def cell_note(row: Row, basis: str) -> str:
    """A grid cell's note: the source, the reading, the basis and the effective date."""
    lines = [f"{row['source']}: {row.get('title') or ''}".strip()]
    if row.get("reading") == "confirmed" and row.get("automatic_status") != row.get("status"):
        lines.append(f"automatic reading: {status_word(row.get('automatic_status'))}")
    if row.get("needs_review"):
        lines.append("needs review: the policy's sections disagree")
    lines += [f"basis: {basis or '-'}", f"effective: {row.get('effective_date') or '-'}"]
    return "\n".join(lines)


def status_workbook(path: Path, rows: Sequence[Row], keys: Sequence[str], basis: Callable[[Row], str]) -> Path:
    """Write the coverage grid (sheet "Matrix": a row per code, a column per payer/plan) and sheet
    "Sources" (every row as `status --json` has it); ``basis`` says why a row has its status."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    grid = wb.active
    assert grid is not None
    grid.title = "Matrix"
    columns = sorted({column_label(r) for r in rows})
    codes = sorted({r["code"] for r in rows})
    put(grid, 1, 1, "code")
    for c, label in enumerate(columns, start=2):
        put(grid, 1, c, label)
        grid.cell(row=1, column=c).font = Font(bold=True)
    for r, code in enumerate(codes, start=2):
        put(grid, r, 1, code_label(code))
        for c, label in enumerate(columns, start=2):
            found = [x for x in rows if x["code"] == code and column_label(x) == label]
            if not found:
                continue
            many = len(found) > 1
            put(grid, r, c, "\n".join((f"{x['source']}: " if many else "") + cell_text(x) for x in found))
            note = "\n\n".join(cell_note(x, basis(x)) for x in found)
            grid.cell(row=r, column=c).comment = Comment(_ILLEGAL.sub("", note)[:MAX_CELL], "tracker")
            grid.cell(row=r, column=c).alignment = Alignment(wrap_text=True, vertical="top")
    grid.freeze_panes = "B2"
    table_sheet(wb.create_sheet("Sources"), rows, keys)
    return _save(wb, path)


def changes_workbook(path: Path, rows: Sequence[Row], keys: Sequence[str]) -> Path:
    """Write the change log (sheet "Changes": every row as `changes --json` has it)."""
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = "Changes"
    table_sheet(sheet, rows, keys)
    return _save(wb, path)


def _save(wb: Any, path: Path) -> Path:
    """Save whole or not at all (a spreadsheet open elsewhere never sees half a file)."""
    target = path.resolve()
    try:
        with tempfile.NamedTemporaryFile(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp", delete=False
        ) as f:
            tmp = f.name
        try:
            wb.save(tmp)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError as exc:
        raise StoreError(f"cannot write the spreadsheet {path}: {exc}; choose a writable path") from exc
    return path
