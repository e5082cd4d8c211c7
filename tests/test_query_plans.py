"""Costs flat in history: no statement of a run or of a read command scans the tables that grow every day.

Every statement the store runs during a real run (loopback server, real SQLite file) and during every read
command is recorded (sqlite3's trace callback, parameters filled in) and explained (``EXPLAIN QUERY PLAN``):
a full scan of ``fetch_attempts``/``fetched_bodies`` (the ``fetches`` view), ``sections`` or ``coverage``, or
an automatic index built for one, fails the test. A run over unchanged sources updates no primary key.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import samples
from tests.helpers import PolicyServer, SlackHook, Workdir
from tracker.store import database

GROWING = {"fetch_attempts", "fetched_bodies", "sections", "coverage"}
NAMED = re.compile(
    r"\b(?:from|join)\s+[\[\"]?(\w+)[\]\"]?(?:\s+(?:as\s+)?(?!on\b|where\b|join\b|left\b|order\b)(\w+))?", re.I
)
READS = [
    ("status",),
    ("status", "--code", "64600"),
    ("changes",),
    ("changes", "--code", "64600", "--since", "2026-01-01"),
    ("runs",),
    ("history", "cigna-0525"),
    ("show", "cigna-0525", "--code", "64600"),
    ("show", "cigna-0525", "--code", "64600", "--at", "2026-01-01"),
    ("diff", "aetna-0374", "--code", "64600"),
    ("search", "radiofrequency", "--code", "64600"),
]


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement run on a connection the store opens from now on."""
    statements: list[str] = []
    connect = sqlite3.connect

    def traced(*args: object, **kwargs: object) -> sqlite3.Connection:
        conn = connect(*args, **kwargs)  # type: ignore[call-overload]
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(database.sqlite3, "connect", traced)
    yield statements


def _serve(server: PolicyServer, version: int) -> None:
    server.set("/aetna.html", samples.aetna_cpb_html(version), etag=True)
    server.set("/cigna.pdf", samples.cigna_policy_pdf(version), content_type="application/pdf")
    server.set("/anthem.html", samples.challenge_html())


def _sources(server: PolicyServer, extra: str = "") -> str:
    body = f'codes = ["64600"]\n{extra}'
    for sid, payer, path in (("aetna-0374", "aetna", "/aetna.html"), ("cigna-0525", "cigna", "/cigna.pdf")):
        body += f'\n[[source]]\nid = "{sid}"\npayer = "{payer}"\ntitle = "{sid}"\nurl = "{server.url(path)}"\n'
    path = server.url("/anthem.html")
    return body + f'\n[[source]]\nid = "anthem"\npayer = "bcbs"\nplan = "anthem"\ntitle = "A"\nurl = "{path}"\n'


def _aliases(sql: str, views: str) -> dict[str, set[str]]:
    """Each name a statement (or a view it reads) gives a table, with the tables it may stand for."""
    names: dict[str, set[str]] = {}
    for table, alias in NAMED.findall(sql + "\n" + views):
        names.setdefault(table, set()).add(table)
        if alias:
            names.setdefault(alias, set()).add(table)
    return names


def _full_scans(db: sqlite3.Connection, sql: str, views: str) -> list[str]:
    names = _aliases(sql, views)
    found = []
    for *_, detail in db.execute(f"explain query plan {sql}"):
        scanned = re.match(r"(?:SCAN|SEARCH) (\w+)", detail)
        if not scanned or not names.get(scanned.group(1), set()) & GROWING:
            continue
        if detail.startswith("SCAN") or "AUTOMATIC" in detail:
            found.append(f"{detail}  <-  {sql}")
    return found


def _explained(data: Path, statements: list[str]) -> list[str]:
    reads = [s for s in statements if re.match(r"\s*(select|with|update|delete)\b", s, re.I)]
    db = sqlite3.connect(data / "tracker.db")
    views = "\n".join(r[0] for r in db.execute("select sql from sqlite_master where type = 'view'"))
    try:
        return [scan for sql in dict.fromkeys(reads) for scan in _full_scans(db, sql, views)]
    finally:
        db.close()


def test_no_full_scan_of_a_growing_table_in_a_run_or_a_read(
    server: PolicyServer, work: Workdir, recorded: list[str]
) -> None:
    work.write_sources(_sources(server))
    for version in (1, 2, 2):
        _serve(server, version)
        assert work.cli("run", "--no-notify").exit_code == 1  # Anthem answers a challenge page every time
    run = list(recorded)
    recorded.clear()
    for args in READS:
        result = work.cli(*args, "--json")
        assert result.exit_code == 0, (args, result.output)
    assert work.cli("digest").exit_code == 0
    assert len(run) > 50 and len(recorded) > 20
    assert _explained(work.data, run + recorded) == []


def test_an_unchanged_run_updates_no_source_and_no_primary_key(
    server: PolicyServer, work: Workdir, recorded: list[str]
) -> None:
    work.write_sources(_sources(server))
    _serve(server, 1)
    work.cli("run", "--no-notify")
    recorded.clear()
    work.cli("run", "--no-notify")
    updates = [s for s in recorded if re.match(r"\s*update\b", s, re.I)]
    assert updates and not [s for s in updates if re.search(r"\bsources\b", s)]
    assert not [s for s in updates if re.search(r"\bset\b.*[\[\"]?\bid[\]\"]?\s*=.*\bwhere\b", s, re.I | re.S)]


def test_last_success_and_streak_are_read_once_per_source_in_a_run_with_its_digest_and_escalations(
    server: PolicyServer, work: Workdir, slack: SlackHook, recorded: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRACKER_SLACK_WEBHOOK_URL", slack.url)
    work.write_sources(_sources(server, "[notify]\nslack = true\n[schedule]\nmax_failures = 1\n"))
    _serve(server, 1)
    work.cli("run")
    recorded.clear()
    result = work.cli("run")
    assert "Attention: 1 source(s) failing" in result.output and slack.posts  # the escalation went out
    last_success = [s for s in recorded if "and outcome != 'error' order by id desc limit 1), 0)" in s]
    assert len(last_success) == 3  # one per source: the job, the digest and the escalations share the answer
