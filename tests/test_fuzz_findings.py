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
