"""For analysts: the version in force on a date, full-text search, CSV exports."""

from __future__ import annotations

import csv
import io
import sqlite3

from tests import samples
from tests.helpers import CIGNA_PDF_PATH, PolicyServer, Workdir, cigna_only

PDF_PATH = CIGNA_PDF_PATH


def two_versions(server: PolicyServer, work: Workdir) -> None:
    work.write_sources(cigna_only(server))
    for version in (1, 2):
        server.set(PDF_PATH, samples.cigna_policy_pdf(version), content_type="application/pdf")
        assert work.cli("run", "--no-notify").exit_code == 0


def test_show_the_version_in_force_on_a_date(server: PolicyServer, work: Workdir) -> None:
    two_versions(server, work)
    latest = work.json("show", "cigna-0525", "--code", "64600")
    assert latest["status"] == "experimental" and latest["effective_date"] == "2026-04-21"
    assert latest["url"] == server.url(PDF_PATH) and len(latest["sha256"]) == 64 and latest["captured_at"]
    earlier = work.json("show", "cigna-0525", "--code", "64600", "--at", "2026-03-01")
    assert earlier["status"] == "covered" and earlier["basis"] == "effective_date"
    assert earlier["effective_date"] < "2026-03-01" and earlier["version"] < latest["version"]
    assert earlier["sections"] and all(s["text"] for s in earlier["sections"])
    text = work.cli("show", "cigna-0525", "--at", "2026-03-01").output
    assert "covered" in text and "sha256:" in text and server.url(PDF_PATH) in text


def test_show_before_any_version_and_unknown_source(server: PolicyServer, work: Workdir) -> None:
    two_versions(server, work)
    before = work.cli("show", "cigna-0525", "--at", "1990-01-01")
    assert before.exit_code == 2 and "no version stored on or before 1990-01-01" in before.output
    unknown = work.cli("show", "nope")
    assert unknown.exit_code == 2 and "no source 'nope'" in unknown.output
    bad = work.cli("show", "cigna-0525", "--at", "March")
    assert bad.exit_code == 2 and "--at 'March': expected a date" in bad.output


def test_search_every_version_newest_first(server: PolicyServer, work: Workdir) -> None:
    two_versions(server, work)
    hits = work.json("search", "Experimental", "--code", "64600")
    assert hits and hits[0]["source"] == "cigna-0525" and "[" in hits[0]["snippet"]
    versions = [h["document_id"] for h in hits]
    assert versions == sorted(versions, reverse=True)
    assert work.json("search", "Experimental", "--payer", "aetna") == []
    assert work.json("search", 'odd "quote') == []  # punctuation is literal, never an FTS syntax error


def test_search_index_follows_new_rows(server: PolicyServer, work: Workdir) -> None:
    two_versions(server, work)
    db = sqlite3.connect(work.data / "tracker.db")
    (sections,) = db.execute("select count(*) from sections").fetchone()
    (indexed,) = db.execute("select count(*) from sections_fts").fetchone()
    assert sections == indexed > 0


def test_csv_exports(server: PolicyServer, work: Workdir) -> None:
    two_versions(server, work)
    for command in (["status"], ["changes"], ["history", "cigna-0525"], ["runs"], ["search", "64600"]):
        result = work.cli(*command, "--csv")
        assert result.exit_code == 0, result.output
        rows = list(csv.DictReader(io.StringIO(result.stdout)))
        assert rows, command
    runs = list(csv.DictReader(io.StringIO(work.cli("runs", "--csv").stdout)))
    assert [(r["run_id"], r["source"], r["outcome"]) for r in runs] == [
        ("2", "cigna-0525", "changed"),
        ("1", "cigna-0525", "new"),
    ]
    status = list(csv.DictReader(io.StringIO(work.cli("status", "--csv").stdout)))
    assert status[0]["status"] == "experimental" and status[0]["code"] == "64600"


def test_diff_between_versions(server: PolicyServer, work: Workdir) -> None:
    two_versions(server, work)
    data = work.json("diff", "cigna-0525", "--code", "64600")
    assert (data["from"]["status"], data["to"]["status"]) == ("covered", "experimental")
    assert data["from"]["sha256"] != data["to"]["sha256"]
    ops = {w["op"] for w in data["words"]}
    assert {"insert", "delete"} <= ops
    assert any("Experimental" in w["text"] for w in data["words"] if w["op"] == "insert")
    text = work.cli("diff", "cigna-0525", "--from", "2026-03-01", "--to", "2026-05-01")
    # Versions are numbered per source in human output (issue 14 item 7; was "--- version <database id>").
    assert text.exit_code == 0 and "--- v1: covered" in text.output and "+++ v2: experimental" in text.output
    assert "\n Coding Information\n" in text.output  # the heading path, its caption said once (issue 22)
    assert "+Considered Experimental/Investigational/Unproven:" in text.output
    assert (data["from"]["number"], data["to"]["number"]) == (1, 2)
    same = work.cli("diff", "cigna-0525", "--from", "2026-05-01")
    assert "(the same text)" in same.output


def test_diff_with_one_version(server: PolicyServer, work: Workdir) -> None:
    work.write_sources(cigna_only(server))
    server.set(PDF_PATH, samples.cigna_policy_pdf(1), content_type="application/pdf")
    work.cli("run", "--no-notify")
    result = work.cli("diff", "cigna-0525")
    assert result.exit_code == 0 and "cigna-0525: only one version so far (v1, captured" in result.output


def test_read_commands_never_create_a_database(work: Workdir) -> None:
    work.write_sources(
        'codes = ["64600"]\n[[source]]\nid = "a"\npayer = "aetna"\ntitle = "t"\nurl = "http://127.0.0.1:9/a.html"\n'
    )
    result = work.cli("status")
    assert result.exit_code == 3 and "no history database at" in result.output and "tracker run" in result.output
    assert not (work.data / "tracker.db").exists()
