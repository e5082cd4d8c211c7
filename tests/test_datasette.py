"""datasette.yaml: every canned query runs, with its named parameters, against a real history DB made by real
runs, and agrees with the library's answers (`tracker changes`, `status`, `show --at`). Datasette itself is an
optional extra, so this test reads the YAML with PyYAML and runs the SQL with sqlite3, as Datasette would.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import HISTORY_PATHS as PATHS
from tests.helpers import build_history
from tracker.store import queries as history
from tracker.store.database import Store, open_store

CONFIG = Path(__file__).resolve().parents[1] / "tracker" / "datasette.yaml"
QUERIES = {"changes_to_a_code_since", "status_of_a_code", "policy_text_as_of"}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir after two runs: 2026-02-01 (baseline) and 2026-04-22 (changes; Anthem fails)."""
    return build_history(tmp_path_factory.mktemp("datasette"))


@pytest.fixture
def db(data: Path) -> Iterator[sqlite3.Connection]:
    """The history DB, read-only, as Datasette opens it."""
    conn = sqlite3.connect(f"file:{data / 'tracker.db'}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    yield conn
    conn.close()


@pytest.fixture
def store(data: Path) -> Iterator[Store]:
    """The same DB through the library, for the expected answers."""
    opened = open_store(data)
    yield opened
    opened.close()


def config() -> dict[str, Any]:
    loaded = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def query(db: sqlite3.Connection, name: str, **params: str) -> list[dict[str, Any]]:
    """Run a canned query as Datasette does: every declared parameter bound, as text."""
    canned = config()["databases"]["tracker"]["queries"][name]
    assert set(params) == set(canned["params"]), name
    return [dict(r) for r in db.execute(canned["sql"], params)]


def test_every_canned_query_declares_exactly_its_parameters() -> None:
    queries = config()["databases"]["tracker"]["queries"]
    assert set(queries) == QUERIES
    for name, canned in queries.items():
        assert canned["title"] and canned["description"], name
        used = set(re.findall(r"(?<![:\w]):(\w+)", canned["sql"]))
        assert used == set(canned["params"]), name


def test_every_table_and_view_is_described(db: sqlite3.Connection) -> None:
    tables = config()["databases"]["tracker"]["tables"]
    names = {r[0] for r in db.execute("select name from sqlite_master where type in ('table', 'view')")}
    public = {n for n in names if not n.startswith(("sections_fts", "_", "sqlite_"))}
    assert public == {n for n, t in tables.items() if not t.get("hidden")}
    assert all(t.get("description") for t in tables.values() if not t.get("hidden"))


def test_all_changes_to_a_code_since_a_date(db: sqlite3.Connection, store: Store) -> None:
    rows = query(db, "changes_to_a_code_since", code="64600", since="2026-04-01")
    assert sorted((r["source_id"], r["kind"], r["old_status"], r["new_status"]) for r in rows) == [
        ("aetna-0374", "changed", "covered", "not_covered"),
        ("cigna-0525", "changed", "covered", "experimental"),
        ("horizon-142", "removed", "covered", "absent"),
    ]
    assert [r["detected_at"] for r in rows] == sorted((r["detected_at"] for r in rows), reverse=True)
    library = [c for c in history.changes(store, since="2026-04-01", code="64600") if c["kind"] != "new"]
    assert {r["change_id"] for r in rows} == {c["id"] for c in library}
    assert query(db, "changes_to_a_code_since", code="64600", since="2026-05-01") == []
    assert query(db, "changes_to_a_code_since", code="99213", since="2000-01-01") == []


def test_status_of_a_code_across_payers(db: sqlite3.Connection, store: Store) -> None:
    rows = query(db, "status_of_a_code", code="64600")
    assert {r["source"]: r["status"] for r in rows} == {
        "aetna-0374": "not_covered",
        "cigna-0525": "experimental",
        "horizon-142": "absent",
        "anthem-cg-surg-89": "covered",
    }
    assert {r["source"]: r["latest_error"] for r in rows}["anthem-cg-surg-89"] == "challenge"
    keys = ("status", "effective_date", "policy_number", "checked_at", "changed_at")
    library = {r["source"]: r for r in history.status(store, code="64600")}
    assert set(library) == set(PATHS)
    for row in rows:
        assert {k: row[k] for k in keys} == {k: library[row["source"]][k] for k in keys}
        expected_pa = library[row["source"]]["prior_auth"]
        assert row["prior_auth"] == (None if expected_pa is None else int(expected_pa))
    assert query(db, "status_of_a_code", code="99213") == []


def test_policy_text_as_of_a_date(db: sqlite3.Connection, store: Store) -> None:
    rows = query(db, "policy_text_as_of", code="64600", date="2026-03-01", source="cigna-0525")
    expected = history.version_at(store, "cigna-0525", "64600", "2026-03-01")
    assert expected is not None and expected["status"] == "covered"
    assert rows and {r["version"] for r in rows} == {expected["version"]}
    assert {(r["status"], r["basis"], r["sha256"]) for r in rows} == {("covered", "effective_date", expected["sha256"])}
    assert [(r["heading"], r["text"], r["page"]) for r in rows] == [
        (s["heading"], s["text"], s["page"]) for s in expected["sections"]
    ]
    latest = query(db, "policy_text_as_of", code="64600", date="2026-05-01", source="cigna-0525")
    assert {r["status"] for r in latest} == {"experimental"}


def as_of_agrees(db: sqlite3.Connection, store: Store, days: tuple[str, ...]) -> set[str]:
    """Check the query against ``history.version_at`` for every source on each day; the bases seen."""
    bases = set()
    for day in days:
        rows = query(db, "policy_text_as_of", code="64600", date=day, source="")
        picked = {r["source"]: (r["version"], r["basis"], r["status"]) for r in rows}
        for source in PATHS:
            found = history.version_at(store, source, "64600", day)
            if found is None:
                assert source not in picked, (day, source)
            else:
                assert picked[source] == (found["version"], found["basis"], found["status"]), (day, source)
                bases.add(found["basis"])
    return bases


def test_policy_text_as_of_a_date_for_every_source(db: sqlite3.Connection, store: Store) -> None:
    days = ("2026-02-15", "2026-03-01", "2026-04-21", "2026-05-01", "1990-01-01")
    # Aetna's "Effective" date is the original one and does not move: its revision counts from its capture day.
    assert as_of_agrees(db, store, days) == {"effective_date", "captured_at"}
    [aetna] = query(db, "policy_text_as_of", code="64600", date="2026-05-01", source="aetna-0374")[:1]
    assert (aetna["basis"], aetna["status"]) == ("captured_at", "not_covered")  # captured 2026-04-22
    [before] = query(db, "policy_text_as_of", code="64600", date="2026-04-21", source="aetna-0374")[:1]
    assert (before["basis"], before["status"]) == ("effective_date", "covered")


def test_policy_text_as_of_a_date_without_effective_dates(data: Path, tmp_path: Path) -> None:
    """A policy that states no effective date is taken as it was captured by the date."""
    shutil.copytree(data, tmp_path / "data")
    store = open_store(tmp_path / "data")
    conn = sqlite3.connect(tmp_path / "data" / "tracker.db")
    conn.execute("update documents set effective_date = null where source_id in ('horizon-142', 'cigna-0525')")
    conn.commit()
    conn.row_factory = sqlite3.Row
    try:
        days = ("2026-01-15", "2026-03-01", "2026-04-22", "2026-05-01")
        assert as_of_agrees(conn, store, days) == {"effective_date", "captured_at"}
    finally:
        conn.close()
        store.close()
