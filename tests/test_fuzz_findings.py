"""Documents that bench/fuzz.py found crashing the extractor stay fixed."""

from __future__ import annotations

from tracker.extract import extract

PAGE = b"""<html><body><h1>Policy 12</h1><h2>Coding</h2>
<table><caption>CPT codes covered if selection criteria are met:</caption>
<tr></tr><tr><td>64600</td><td>Destruction by neurolytic agent, trigeminal nerve</td></tr><tr></tr>
</table></body></html>"""


def test_a_table_with_rows_of_no_cells_is_read() -> None:
    found = extract(PAGE, "html", ["64600"])
    assert [(s.code, s.status) for s in found.sections] == [("64600", "covered")]


def _nested_layout_tables(depth: int) -> bytes:
    """Page-layout tables inside each other ``depth`` deep (each cell holds a heading and a table)."""
    opening = "<table><tr><td><h3>Part</h3><p>Layout.</p>" * depth
    closing = "</td></tr></table>" * depth
    body = f"{opening}<h2>Coding</h2><p>64600 is considered investigational.</p>{closing}"
    return f"<html><body><h1>Policy 12</h1>{body}</body></html>".encode()


def test_layout_tables_nested_hundreds_deep_are_read_without_recursion() -> None:
    found = extract(_nested_layout_tables(1500), "html", ["64600"])  # was a RecursionError at ~128
    assert [(s.code, s.status) for s in found.sections] == [("64600", "experimental")]


def test_deeply_nested_tables_read_in_seconds() -> None:
    import time

    start = time.perf_counter()
    extract(_nested_layout_tables(1500), "html", ["64600"])  # every cell used to search its whole subtree
    assert time.perf_counter() - start < 20
