"""Spreadsheets and data exports (issue 21): --xlsx read back with openpyxl, --csv as data, the Atom feed."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import etree
from openpyxl import load_workbook

from tests import samples
from tests.helpers import PolicyServer, Workdir

AETNA = "/cpb/medical/data/300_399/0374.html"
FORMULA = '=HYPERLINK("http://evil.example/x","click")'
MINUS = "-2+3 plan"


def two_versions(server: PolicyServer, work: Workdir, title: str = FORMULA) -> None:
    server.set(AETNA, samples.aetna_cpb_html(1))
    work.write_sources(f"""
        codes = ["64600", "64605"]

        [[source]]
        id = "aetna-0374"
        payer = "aetna"
        title = '{title}'
        url = "{server.url(AETNA)}"
    """)
    assert work.cli("run", "--no-notify").exit_code == 0
    server.set(AETNA, samples.aetna_cpb_html(2))
    assert work.cli("run", "--no-notify").exit_code == 0


def _sheet_rows(path: Path, name: str) -> list[dict[str, Any]]:
    sheet = load_workbook(path)[name]
    values = list(sheet.iter_rows(values_only=True))
    header = [str(h) for h in values[0]]
    return [dict(zip(header, row, strict=True)) for row in values[1:]]


def _no_formulas(path: Path) -> None:
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name


def test_status_xlsx_is_the_grid_and_every_row_with_text_as_text(
    server: PolicyServer, work: Workdir, tmp_path: Path
) -> None:
    two_versions(server, work)
    work.cli("confirm", "aetna-0374", "--code", "64605", "--status", "experimental", "--by", "alice")
    out = tmp_path / "grid.xlsx"
    result = work.cli("status", "--xlsx", str(out))
    assert result.exit_code == 0 and "Spreadsheet written" in result.output
    status = work.json("status")
    book = load_workbook(out)
    assert book.sheetnames == ["Matrix", "Sources"]
    grid = book["Matrix"]
    assert grid["A1"].value == "code" and grid["B1"].value == "Aetna"
    cells = {grid.cell(row=r, column=1).value: grid.cell(row=r, column=2) for r in range(2, grid.max_row + 1)}
    assert set(cells) == {"CPT 64600", "CPT 64605"}
    assert cells["CPT 64600"].value == "not covered, prior auth unknown"
    assert cells["CPT 64605"].value == "experimental, prior auth unknown (confirmed by alice)"
    note = cells["CPT 64605"].comment.text
    assert "automatic reading: covered" in note and "basis: covered" in note and "effective: 2000-03-09" in note
    assert "basis: not covered" in cells["CPT 64600"].comment.text
    # The second sheet is `status --json`, row for row and key for key; the formula stays text.
    rows = _sheet_rows(out, "Sources")
    assert rows == status
    sources = book["Sources"]
    titles = [c for c in sources[2] if c.value == FORMULA]
    assert titles and all(c.data_type == "s" for c in titles)
    _no_formulas(out)


def test_changes_xlsx_and_csv_keep_values_as_they_are(server: PolicyServer, work: Workdir, tmp_path: Path) -> None:
    two_versions(server, work, title=MINUS)
    out = tmp_path / "changes.xlsx"
    assert work.cli("changes", "--xlsx", str(out)).exit_code == 0
    rows = _sheet_rows(out, "Changes")
    # An empty text is an empty cell: a spreadsheet cannot tell them apart.
    assert rows == [{k: None if v == "" else v for k, v in r.items()} for r in work.json("changes")]
    assert {r["title"] for r in rows} == {MINUS}
    _no_formulas(out)
    listed = list(csv.DictReader(io.StringIO(work.cli("status", "--csv").stdout)))
    assert listed and all(r["title"] == MINUS for r in listed)  # no apostrophe added: data for programs
    assert listed[0]["reading"] == "automatic"


@pytest.mark.parametrize(
    ("args", "first"),
    [
        (("changes", "--kind", "removed", "--csv"), "id,source,payer"),
        (("review", "--csv"), "source,payer,plan"),
        (("search", "nothing-of-the-sort", "--csv"), "captured_at"),
    ],
)
def test_csv_has_a_header_row_even_without_rows(
    server: PolicyServer, work: Workdir, args: tuple[str, ...], first: str
) -> None:
    server.set(AETNA, samples.aetna_cpb_html(1))
    work.write_sources(f"""
        [[source]]
        id = "aetna-0374"
        payer = "aetna"
        title = "Trigeminal Neuralgia"
        url = "{server.url(AETNA)}"
    """)
    work.cli("run", "--no-notify")
    work.cli("confirm", "aetna-0374", "--code", "64600", "--agree", "--by", "a")  # empties the review queue
    result = work.cli(*args)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(first), result.stdout


def test_xlsx_and_json_together_are_refused(server: PolicyServer, work: Workdir, tmp_path: Path) -> None:
    two_versions(server, work)
    result = work.cli("status", "--json", "--xlsx", str(tmp_path / "x.xlsx"))
    assert result.exit_code == 2 and "--json and --xlsx cannot be used together" in result.output
    bad = work.cli("status", "--xlsx", str(tmp_path / "missing" / "x.xlsx"))
    assert bad.exit_code != 0 and "cannot write the spreadsheet" in bad.output and "Traceback" not in bad.output


def _feed(data: bytes) -> Any:
    root = etree.fromstring(data)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_the_report_writes_an_atom_feed_with_stable_ids(server: PolicyServer, work: Workdir, tmp_path: Path) -> None:
    two_versions(server, work)
    for name in ("one", "two"):
        assert work.cli("report", str(tmp_path / name)).exit_code == 0
    one = _feed((tmp_path / "one" / "changes.atom").read_bytes())
    two = _feed((tmp_path / "two" / "changes.atom").read_bytes())
    assert [e.id for e in one.entries] == [e.id for e in two.entries]
    changes = [c for c in work.json("changes") if c["kind"] != "new"]
    assert len(one.entries) == len(changes) >= 1
    titles = {e.title for e in one.entries}
    assert "Aetna 0374 · CPT 64600: covered → not covered" in titles
    entry = next(e for e in one.entries if "64600" in e.title)
    assert "<del>" in entry.content[0].value or "<ins>" in entry.content[0].value
    assert entry.link == server.url(AETNA)
    printed = _feed(work.cli("changes", "--atom").stdout.encode("utf-8"))
    assert [e.id for e in printed.entries] == [e.id for e in one.entries]
    only = _feed(work.cli("changes", "--atom", "--code", "64605").stdout.encode("utf-8"))
    assert [e.title for e in only.entries] == [t for t in titles if "64605" in t]
