"""Extractor upgrades never cry wolf (issue 11): after an upgrade, unchanged policies yield no change, the stored
versions are re-read with the new extractor, and real changes are still found with the right old status."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tests import samples
from tests.helpers import PolicyServer, Workdir
from tracker.config.sources import load_config
from tracker.extract import extract
from tracker.extract.identity import Extractor, current_identity
from tracker.models import Extraction, Kind
from tracker.run.check import RunResult, run_check
from tracker.store import open_store

AETNA, CIGNA, HORIZON = "/cpb/0374.html", "/cigna/mm_0525.pdf", "/horizon/142.html"


def _sources(server: PolicyServer) -> str:
    return f"""
        codes = ["64600"]

        [[source]]
        id = "aetna-0374"
        payer = "aetna"
        title = "Trigeminal Neuralgia: Treatments"
        url = "{server.url(AETNA)}"

        [[source]]
        id = "cigna-0525"
        payer = "cigna"
        title = "Peripheral Nerve Destruction for Pain Conditions"
        url = "{server.url(CIGNA)}"

        [[source]]
        id = "horizon-142"
        payer = "bcbs"
        plan = "horizon-nj"
        title = "Percutaneous Neurolysis for Trigeminal Neuralgia"
        url = "{server.url(HORIZON)}"
    """


def _with_nonce(body: bytes, nonce: int) -> bytes:
    """Aetna prints per-request tokens into every bulletin: other bytes on every fetch, the same policy."""
    return body.replace(b"</body>", f'<script nonce="n{nonce:08d}">var t="{nonce}";</script></body>'.encode())


def _slashed(
    body: bytes, kind: Kind, codes: Sequence[str], *, selector: str | None = None, encoding: str | None = None
) -> Extraction:
    """An "upgraded" extractor whose output really differs: heading paths joined with " / "."""
    found = extract(body, kind, codes, selector=selector, encoding=encoding)
    sections = tuple(replace(s, heading=s.heading.replace(" › ", " / ")) for s in found.sections)
    return replace(found, sections=sections)


UPGRADED = Extractor("upgraded0001", _slashed)


class _Runs:
    def __init__(self, server: PolicyServer, work: Workdir) -> None:
        self.server, self.work, self.day = server, work, 0
        work.write_sources(_sources(server))

    def serve(self, cigna: int) -> None:
        self.server.set(AETNA, _with_nonce(samples.aetna_cpb_html(1), self.day))
        self.server.set(CIGNA, samples.cigna_policy_pdf(cigna), content_type="application/pdf")
        self.server.set(HORIZON, samples.horizon_range_html(1), etag=True)

    def run(self, extractor: Extractor | None = None) -> RunResult:
        self.day += 1
        when = datetime(2026, 4, 20, 6, tzinfo=UTC) + timedelta(days=self.day)
        store = open_store(self.work.data)
        try:
            return run_check(load_config(self.work.sources), store, clock=lambda: when, extractor=extractor)
        finally:
            store.close()


def _changes(work: Workdir) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(work.data / "tracker.db")) as db:
        return db.execute("select id, source_id, kind, old_status, new_status, summary from changes").fetchall()


def test_an_upgrade_reports_nothing_on_unchanged_policies_and_real_changes_after_it(
    server: PolicyServer, work: Workdir
) -> None:
    runs = _Runs(server, work)
    runs.serve(cigna=1)
    first = runs.run()
    assert {r.outcome for r in first.results} == {"new"}
    baseline = _changes(work)
    assert json.loads(work.cli("show", "cigna-0525", "--json").stdout)["sections"][0]["heading"].count(" › ")

    runs.serve(cigna=1)  # the same policies: Aetna's bytes differ (nonce), Cigna's are the same, Horizon answers 304
    upgraded = runs.run(UPGRADED)
    assert {r.source.id: (r.outcome, r.reread) for r in upgraded.results} == {
        "aetna-0374": ("unchanged", True),
        "cigna-0525": ("unchanged", True),
        "horizon-142": ("unchanged", True),
    }
    assert not upgraded.changes and _changes(work) == baseline  # no alert, and the change log is untouched
    assert any(h[1] == 304 for h in server.hits(HORIZON))

    shown = json.loads(work.cli("show", "cigna-0525", "--json").stdout)
    assert shown["sections"] and all(" › " not in s["heading"] for s in shown["sections"])
    assert any(" / " in s["heading"] for s in shown["sections"])
    with closing(sqlite3.connect(work.data / "tracker.db")) as db:
        readers = db.execute("select distinct extractor from documents").fetchall()
        kept = db.execute("select source_id, extractor, superseded_by, sections from superseded_readings").fetchall()
    assert readers == [("upgraded0001",)]
    assert sorted((k[0], k[1], k[2]) for k in kept) == [
        (source, current_identity(), "upgraded0001") for source in ("aetna-0374", "cigna-0525", "horizon-142")
    ]
    # the original readings, kept: their heading paths as the installed extractor wrote them
    nested = [k for k in kept if k[0] != "horizon-142"]  # Horizon's heading path has one level only
    assert nested and all(any(" › " in section["heading"] for section in json.loads(k[3])) for k in nested)

    runs.serve(cigna=2)  # a real change under the upgraded extractor: covered → experimental
    changed = runs.run(UPGRADED)
    outcomes = {r.source.id: (r.outcome, r.reread) for r in changed.results}
    assert outcomes["cigna-0525"] == ("changed", False) and outcomes["aetna-0374"] == ("unchanged", False)
    [change] = [c for c in changed.changes if c.code == "64600"]
    assert (change.kind, change.old_status, change.new_status) == ("changed", "covered", "experimental")


def test_the_run_summary_says_an_upgrade_was_absorbed(server: PolicyServer, work: Workdir) -> None:
    runs = _Runs(server, work)
    runs.serve(cigna=1)
    runs.run(UPGRADED)
    runs.serve(cigna=1)
    result = work.cli("run", "--no-notify")  # the installed extractor re-reads what "upgraded0001" read
    assert result.exit_code == 0, result.output
    assert "0 changed, 3 unchanged" in result.output
    assert "3 source(s) re-read with the current extractor before comparing" in result.output
    runs_json = json.loads(work.cli("runs", "--json").stdout)
    assert runs_json[0]["extractor"] == current_identity() and runs_json[1]["extractor"] == "upgraded0001"


def test_tracker_test_reads_the_stored_version_again_before_comparing(server: PolicyServer, work: Workdir) -> None:
    runs = _Runs(server, work)
    runs.serve(cigna=1)
    runs.run(UPGRADED)  # stored as the "upgraded" extractor read it: heading paths joined with " / "
    runs.serve(cigna=1)
    result = work.cli("test", "cigna-0525", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["changes"] == []  # the installed extractor's reading of both: the same policy
    runs.serve(cigna=2)
    changed = json.loads(work.cli("test", "cigna-0525", "--json").stdout)["changes"]
    assert [(c["kind"], c["old_status"], c["new_status"]) for c in changed if c["code"] == "64600"] == [
        ("changed", "covered", "experimental")
    ]
