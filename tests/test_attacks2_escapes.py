"""No control sequence from a server reaches a terminal (issue 23, item 5).

An escape sequence in the HTTP reason phrase or the Content-Type was printed raw by ``run`` and
``runs`` (an OSC set the terminal's title). Every string a server supplies (reason, headers we
store, a redirect's location, error text) is cleaned before it is stored or shown, as policy text is.
"""

from __future__ import annotations

import json
import re
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import closing

import pytest

from tests import samples
from tests.helpers import RawHandler, RawHTTPServer, Workdir, raw_answer
from tracker.hygiene import one_line

ESCAPE = "\x1b]0;PWNED\x07\x1b[2J\x1b[31m\x9b1m"
ASCII_ESCAPE = "\x1b]0;PWNED\x07\x1b[2J"
"""What survives requests' reading of a Location header as UTF-8 (a C1 byte there is refused as it is)."""
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
HTML = "text/html; charset=utf-8"


@pytest.fixture
def raw() -> Iterator[RawHTTPServer]:
    with RawHTTPServer() as srv:
        yield srv


def answer(body: bytes, status: str = "200 OK", **headers: str) -> RawHandler:
    def handler(server: RawHTTPServer, conn: socket.socket) -> None:
        conn.sendall(raw_answer(body, status=status, headers={"Content-Length": str(len(body)), **headers}))

    return handler


def sources(raw: RawHTTPServer, *entries: tuple[str, str, str]) -> str:
    """[[source]] tables: (id, path, extra TOML)."""
    text = 'codes = ["64600"]\n'
    for source_id, path, extra in entries:
        text += (
            f'\n[[source]]\nid = "{source_id}"\npayer = "aetna"\ntitle = "Trigeminal Neuralgia"\n'
            f'url = "{raw.url(path)}"\n{extra}\n'
        )
    return text


def dump(work: Workdir) -> str:
    with closing(sqlite3.connect(work.data / "tracker.db")) as db:
        return "\n".join(db.iterdump())


def clean(text: str) -> bool:
    return not CONTROL.search(text.replace("\n", "").replace("\t", ""))


def test_escapes_in_a_reason_phrase_and_a_content_type_never_reach_run_or_runs(
    raw: RawHTTPServer, work: Workdir
) -> None:
    body = samples.aetna_cpb_html(1)
    raw.routes["/gone"] = answer(b"gone", status=f"404 Not{ESCAPE}Found", **{"Content-Type": HTML})
    raw.routes["/typed"] = answer(body, **{"Content-Type": f"application/pdf{ESCAPE}"})
    raw.routes["/moved"] = answer(b"", status="302 Found", Location=f"ftp://files.example.org/{ASCII_ESCAPE}.pdf")
    raw.routes["/c1"] = answer(b"", status=f"302 Found{ESCAPE}", Location=f"/new{ESCAPE}")
    work.write_sources(
        sources(
            raw,
            ("gone", "/gone", ""),
            ("typed", "/typed", 'kind = "pdf"'),
            ("moved", "/moved", ""),
            ("c1", "/c1", ""),
        )
    )
    run = work.cli("run")
    assert run.exit_code == 1 and "Traceback" not in run.output, run.output
    assert "HTTP 404 NotFound" in run.output and "(application/pdf)" in run.output
    assert "redirected to ftp: scheme" in run.output and "not UTF-8 text" in run.output
    assert "internal" not in run.output  # a Location that is not UTF-8 is the server's fault, not a surprise
    shown = [run.output]
    for args in (("runs",), ("runs", "--json"), ("runs", "--csv"), ("status",), ("status", "--json")):
        listed = work.cli(*args)
        assert listed.exit_code == 0, listed.output
        shown.append(listed.output)
    for text in shown:
        assert clean(text), repr(text)
    errors = [s["error"] for s in json.loads(shown[2])[0]["sources"]]
    assert len(errors) == 4 and all(clean(e) for e in errors)
    assert not any(c in dump(work) for c in "\x1b\x07\x9b")


def test_a_good_page_whose_headers_carry_escapes_is_stored_clean_and_stays_unchanged(
    raw: RawHTTPServer, work: Workdir
) -> None:
    body = samples.aetna_cpb_html(1)
    headers = {
        "Content-Type": f"text/html{ESCAPE}; charset=utf-8",
        "ETag": f'"v1{ESCAPE}"',
        "Last-Modified": f"Mon, 01 Dec 2025 10:00:00 GMT{ESCAPE}",
    }
    raw.routes["/cpb"] = answer(body, **headers)
    work.write_sources(sources(raw, ("aetna-0374", "/cpb", "")))
    first = work.cli("run")
    assert first.exit_code == 0 and "1 new" in first.output, first.output
    again = work.cli("run")
    assert again.exit_code == 0 and "1 unchanged" in again.output, again.output
    with closing(sqlite3.connect(work.data / "tracker.db")) as db:
        stored = db.execute("select content_type, etag, last_modified from documents").fetchone()
        logged = db.execute("select content_type, etag, last_modified from fetches").fetchall()
    assert stored == ("text/html; charset=utf-8", '"v1"', "Mon, 01 Dec 2025 10:00:00 GMT")
    assert all(clean(v or "") for row in logged for v in row)
    for args in (("history", "aetna-0374"), ("status",), ("runs",)):
        listed = work.cli(*args)
        assert listed.exit_code == 0 and clean(listed.output), repr(listed.output)


def test_a_history_written_before_the_cleaning_is_shown_clean(raw: RawHTTPServer, work: Workdir) -> None:
    """Errors an older tracker stored raw are cleaned on the way out too."""
    raw.routes["/gone"] = answer(b"gone", status="404 Not Found", **{"Content-Type": HTML})
    work.write_sources(sources(raw, ("gone", "/gone", "")))
    assert work.cli("run").exit_code == 1
    with closing(sqlite3.connect(work.data / "tracker.db")) as db:
        db.execute("update fetch_attempts set error = ?", [f"HTTP 404 Not{ESCAPE}Found"])
        db.commit()
    for args in (("runs",), ("runs", "--json"), ("status",), ("status", "--json")):
        listed = work.cli(*args)
        assert listed.exit_code == 0 and clean(listed.output), repr(listed.output)
        assert "HTTP 404 NotFound" in listed.output or args[0] == "status", listed.output


def test_one_line_makes_a_servers_words_one_printable_line() -> None:
    assert one_line(f"Not{ESCAPE}\r\n\tFound\u202e") == "Not Found"
    assert one_line("x" * 500, 10) == "x" * 9 + "…"
    assert one_line("plain words") == "plain words"
