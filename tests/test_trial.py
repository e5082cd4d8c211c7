"""Issue 14 item 4: `tracker test SOURCE_ID` — one source fetched live and read, nothing stored."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from tests import samples
from tests.helpers import PolicyServer, Workdir, aetna_only
from tests.mcd_api import CoverageAPI, a57452, a57788

PATH = "/cpb/medical/data/300_399/0374.html"


def _aetna(server: PolicyServer) -> str:
    return aetna_only(server.url(PATH))


def _dump(data: Path) -> list[str]:
    with closing(sqlite3.connect(data / "tracker.db")) as db:
        return list(db.iterdump())


def test_a_source_never_run_is_read_live_and_nothing_is_created(server: PolicyServer, work: Workdir) -> None:
    server.set(PATH, samples.aetna_cpb_html(1))
    work.write_sources(_aetna(server))
    result = work.cli("test", "aetna-0374")
    assert result.exit_code == 0, result.output
    assert "fetched: HTTP 200, html" in result.output
    assert "CPT 64600: covered (basis: " in result.output and "prior auth" in result.output
    assert "No stored version: the next run would capture it as the baseline (new)." in result.output
    assert "Nothing was stored" in result.output
    assert not work.data.exists()


def test_what_would_change_against_the_stored_version_and_the_database_is_unchanged(
    server: PolicyServer, work: Workdir
) -> None:
    server.set(PATH, samples.aetna_cpb_html(1))
    work.write_sources(_aetna(server))
    assert work.cli("run", "--no-notify").exit_code == 0
    server.set(PATH, samples.aetna_cpb_html(2))
    before = _dump(work.data)
    raw_before = sorted(p.name for p in (work.data / "raw").rglob("*"))
    text = work.cli("test", "aetna-0374")
    assert text.exit_code == 0, text.output
    assert "Against the stored version v1" in text.output and "would record: changed: CPT 64600:" in text.output
    found = work.json("test", "aetna-0374")
    assert found["stored"] is False and found["stored_version"]["number"] == 1
    assert [c["kind"] for c in found["changes"]] == ["changed"]
    assert found["codes"][0]["code"] == "64600" and found["codes"][0]["basis"]
    assert found["sections"] and found["metadata"]["title"]
    assert _dump(work.data) == before  # nothing stored: no fetch row, no version, no change
    assert sorted(p.name for p in (work.data / "raw").rglob("*")) == raw_before
    assert [r["id"] for r in work.json("runs")] == [1]


def test_the_same_policy_would_record_no_change(server: PolicyServer, work: Workdir) -> None:
    server.set(PATH, samples.aetna_cpb_html(1))
    work.write_sources(_aetna(server))
    assert work.cli("run", "--no-notify").exit_code == 0
    result = work.cli("test", "aetna-0374")
    assert result.exit_code == 0 and "  no change" in result.output


def test_a_failed_fetch_exits_1_with_its_failure_class(server: PolicyServer, work: Workdir) -> None:
    server.set(PATH, samples.challenge_html())
    work.write_sources(_aetna(server))
    result = work.cli("test", "aetna-0374")
    assert result.exit_code == 1
    assert "Error: aetna-0374: challenge:" in result.output and "Traceback" not in result.output
    server.set(PATH, b"gone", status=404)
    missing = work.cli("test", "aetna-0374", "--json")
    assert missing.exit_code == 1 and '"error_class": "http-status"' in missing.stdout
    assert not work.data.exists()


def test_an_unknown_source_is_a_usage_error_naming_the_configured_ones(server: PolicyServer, work: Workdir) -> None:
    work.write_sources(_aetna(server))
    result = work.cli("test", "nope")
    assert result.exit_code == 2 and "configured: aetna-0374" in result.output


def test_a_medicare_article_is_read_through_the_coverage_api(coverage_api: CoverageAPI, work: Workdir) -> None:
    coverage_api.serve(a57452(41), a57788(34))
    work.write_sources(
        f"""
        codes = ["64600"]

        [[source]]
        id = "mcd-a57452"
        payer = "medicare"
        plan = "ngs"
        title = "Billing and Coding: Peripheral Nerve Blocks (A57452, NGS)"
        kind = "mcd-article"
        article_id = 57452
        api = "{coverage_api.base}"
        """
    )
    found = work.json("test", "mcd-a57452")
    assert found["fetched"]["kind"] == "mcd-article" and found["codes"][0]["code"] == "64600"
    assert found["codes"][0]["status"] != "absent" and found["stored_version"] is None
    assert not work.data.exists()
