"""Attacks on output: terminal escapes in policy text, CSV cells that a spreadsheet would run (issue 13, item 8)."""

from __future__ import annotations

import csv
import io
import re
import sqlite3

from tests import samples
from tests.helpers import PolicyServer, Workdir, aetna_only
from tracker.store.text import printable

AETNA = "/cpb/medical/data/300_399/0374.html"
ESCAPES = "\x1b[2J\x1b[31m" + "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\" + "\x9b1m\x07\x00\x85"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _aetna_sources(server: PolicyServer) -> str:
    return aetna_only(server.url(AETNA))


def _hostile_aetna() -> bytes:
    page = samples.aetna_cpb_html(1).decode()
    return page.replace(samples.D64600, f"=HYPERLINK(1){ESCAPES}{samples.D64600}", 1).encode()


def test_escapes_in_policy_text_are_never_stored_or_printed(server: PolicyServer, work: Workdir) -> None:
    server.set(AETNA, _hostile_aetna())
    work.write_sources(_aetna_sources(server))
    assert work.cli("run").exit_code == 0
    with sqlite3.connect(work.data / "tracker.db") as db:
        texts = [row[0] for row in db.execute("select text from sections")]
    assert texts and "HYPERLINK" in " ".join(texts)
    assert not any(CONTROL.search(t) for t in texts)
    shown = work.cli("show", "aetna-0374", "--code", "64600")
    assert shown.exit_code == 0 and "click" in shown.output
    assert not CONTROL.search(shown.output.replace("\n", ""))
    # The same page again is the same policy: cleaning is stable, so no change is reported.
    assert "0 changed, 1 unchanged" in work.cli("run").output


def test_csv_is_data_for_programs_values_as_they_are(server: PolicyServer, work: Workdir) -> None:
    """CSV keeps a formula-looking value as it is (issue 21: the spreadsheet-safe form is --xlsx), escapes removed."""
    server.set(AETNA, _hostile_aetna())
    work.write_sources(_aetna_sources(server).replace('"Trigeminal Neuralgia: Treatments"', '"@SUM(A1) -2+3"'))
    work.cli("run")
    result = work.cli("status", "--csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows
    for row in rows:
        for value in row.values():
            assert not CONTROL.search(value.replace("\n", "").replace("\t", ""))
    assert rows[0]["title"] == "@SUM(A1) -2+3"


def test_printable_removes_every_kind_of_escape() -> None:
    text = "a\x1b[1;31mb\x1b]8;;http://x\x07c\x1b]8;;\x1b\\d\x9b2Je\x9d0;title\x9cf\x1bcg\x7f\x80h\ti\nj"
    cleaned = printable(text)
    assert cleaned == "abcdefgh\ti\nj"
