"""The analyst's loop (issue 21): the review queue, confirmations that hold and lapse, agreement statistics."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests import samples
from tests.helpers import PolicyServer, Workdir

AETNA = "/cpb/medical/data/300_399/0374.html"
OTHER = "/policies/0999.html"

SOURCES = """
    codes = ["64600"]

    [[source]]
    id = "aetna-0374"
    payer = "aetna"
    title = "Trigeminal Neuralgia: Treatments"
    url = "{aetna}"

    [[source]]
    id = "cigna-0999"
    payer = "cigna"
    title = "Facial Pain Procedures"
    url = "{other}"
"""

MENTIONED = b"""<html><head><title>Facial pain procedures</title></head><body><main>
<h1>Facial Pain Procedures</h1><p>Policy Number: 0999</p>
<h2>Policy</h2><p>Peripheral nerve procedures are medically necessary when criteria below are met.</p>
<h2>Coding</h2><p>Providers report 64600 for the trigeminal branch procedure; coverage criteria apply as
stated in the plan documents.</p>
</main></body></html>"""

V1_NEW_DATE = samples.aetna_cpb_html(1).replace(b"06/17/2025", b"01/05/2026")
"""Version 1 with a new review date: a new version whose 64600 text is the same."""


def setup(server: PolicyServer, work: Workdir) -> None:
    server.set(AETNA, samples.aetna_cpb_html(1))
    server.set(OTHER, MENTIONED)
    work.write_sources(SOURCES.format(aetna=server.url(AETNA), other=server.url(OTHER)))
    assert work.cli("run", "--no-notify").exit_code == 0


def _row(rows: list[dict[str, object]], source: str) -> dict[str, object]:
    return next(r for r in rows if r["source"] == source)


def _queued(work: Workdir) -> dict[str, list[str]]:
    return {item["source"]: item["reasons"] for item in work.json("review")}


def test_a_confirmation_holds_while_the_text_is_unchanged_and_lapses_when_it_changes(
    server: PolicyServer, work: Workdir
) -> None:
    setup(server, work)
    queue = _queued(work)
    assert "new_policy" in queue["aetna-0374"]  # first captured today
    made = work.cli(
        "confirm", "aetna-0374", "--code", "64600", "--status", "not_covered", "--prior-auth", "yes",
        "--note", "Covered only for refractory cases; the plan denies it in practice", "--by", "alice",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "not covered" in made.output and "automatic reading: covered" in made.output
    row = _row(work.json("status"), "aetna-0374")
    assert (row["reading"], row["status"], row["prior_auth"], row["confirmed_by"]) == (
        "confirmed",
        "not_covered",
        True,
        "alice",
    )
    assert row["automatic_status"] == "covered" and row["automatic_prior_auth"] is None
    assert {"needs_review", "checked_at", "changed_at", "effective_date", "last_error"} <= set(row)
    assert "aetna-0374" not in _queued(work)
    table = work.cli("status").output
    assert "not covered (confirmed by alice; automatic: covered" in table

    # Same governing text in a new version (only the review date moved): still confirmed.
    server.set(AETNA, V1_NEW_DATE)
    assert work.cli("run", "--no-notify").exit_code == 0
    kinds = [c["kind"] for c in work.json("changes", "--source", "aetna-0374")]
    assert kinds == ["new", "metadata"]
    row = _row(work.json("status"), "aetna-0374")
    assert row["reading"] == "confirmed" and row["status"] == "not_covered"
    assert "aetna-0374" not in _queued(work)

    # The text changes: the confirmation lapses, the change is reported, the code is back in the queue.
    server.set(AETNA, samples.aetna_cpb_html(2))
    assert work.cli("run", "--no-notify").exit_code == 0
    changed = work.json("changes", "--source", "aetna-0374", "--kind", "changed")
    assert [(c["old_status"], c["new_status"]) for c in changed] == [("covered", "not_covered")]
    row = _row(work.json("status"), "aetna-0374")
    assert (row["reading"], row["confirmed_by"], row["status"]) == ("automatic", None, "not_covered")
    assert {"lapsed", "status_changed"} <= set(_queued(work)["aetna-0374"])
    history = work.cli("history", "aetna-0374").output
    assert "confirmed v1" in history and "lapsed v3" in history and "[lapsed]" in history
    versions = work.json("history", "aetna-0374")
    assert [len(v["confirmations"]) for v in versions] == [1, 0, 0]
    assert versions[0]["confirmations"][0]["state"] == "lapsed"
    digest = work.cli("digest").output
    assert "the reading alice confirmed (not covered) lapsed" in digest
    with sqlite3.connect(work.data / "tracker.db") as db:  # nothing an analyst recorded is deleted
        assert db.execute("select count(*), max(confirmed_by) from confirmations").fetchone() == (1, "alice")

    # A new confirmation of the current version: the digest, the matrix and the report say so.
    work.cli("confirm", "aetna-0374", "--code", "64600", "--status", "experimental", "--by", "bob")
    assert "confirmed by bob: experimental, prior auth unknown (automatic: not covered" in work.cli("digest").output
    assert work.cli("report", str(work.path / "report")).exit_code == 0
    page = (work.path / "report" / "index.html").read_text(encoding="utf-8")
    assert "confirmed by bob" in page and "automatic reading:" in page
    states = [c["state"] for c in work.json("history", "aetna-0374")[0]["confirmations"]]
    assert states == ["superseded"]


def test_agreeing_takes_the_automatic_reading_and_the_analyst_from_the_environment(
    server: PolicyServer, work: Workdir, monkeypatch: pytest.MonkeyPatch
) -> None:
    setup(server, work)
    monkeypatch.setenv("TRACKER_ANALYST", "Bo Reviewer")
    made = work.json("confirm", "aetna-0374", "--code", "64600", "--agree")
    assert made["status"] == "covered" and made["agreed"] is True and made["confirmed_by"] == "Bo Reviewer"
    assert made["state"] == "holds"
    row = _row(work.json("status"), "aetna-0374")
    assert row["reading"] == "confirmed" and row["status"] == row["automatic_status"] == "covered"
    assert "covered (confirmed by Bo Reviewer)" in work.cli("status").output


def test_the_queue_lists_mentioned_sections_that_use_stance_words(server: PolicyServer, work: Workdir) -> None:
    setup(server, work)
    (item,) = [i for i in work.json("review") if i["source"] == "cigna-0999"]
    assert item["status"] == "mentioned" and "mentioned_near_stance" in item["reasons"]
    assert item["sections"] and item["sections"][0]["basis"]["rule"]
    assert item["capture"].startswith("file://") and item["sha256"] and item["url"] == server.url(OTHER)
    text = work.cli("review").output
    assert "cigna-0999" in text and "mentioned_near_stance" in text and "tracker confirm cigna-0999" in text
    work.cli("confirm", "cigna-0999", "--code", "64600", "--status", "covered", "--by", "alice")
    assert "cigna-0999" not in _queued(work)


def test_conflicting_tables_are_queued_as_needs_review(server: PolicyServer, work: Workdir) -> None:
    both = samples.aetna_cpb_html(1).replace(
        b"<tr><td>64999</td>", b"<tr><td>64600</td><td>" + samples.D64600.encode() + b"</td></tr>\n<tr><td>64999</td>"
    )
    server.set(AETNA, both)
    server.set(OTHER, MENTIONED)
    work.write_sources(SOURCES.format(aetna=server.url(AETNA), other=server.url(OTHER)))
    assert work.cli("run", "--no-notify").exit_code == 0
    assert _row(work.json("status"), "aetna-0374")["needs_review"] is True
    assert "needs_review" in _queued(work)["aetna-0374"]


def test_review_stats_per_payer_and_rule(server: PolicyServer, work: Workdir) -> None:
    setup(server, work)
    assert work.json("review", "--stats")["confirmations"] == 0
    work.cli("confirm", "aetna-0374", "--code", "64600", "--agree", "--by", "alice")
    work.cli("confirm", "cigna-0999", "--code", "64600", "--status", "covered", "--by", "bob")
    stats = work.json("review", "--stats")
    assert (stats["confirmations"], stats["agreed"], stats["corrected"], stats["agreement"]) == (2, 1, 1, 0.5)
    payers = {t["key"]: (t["confirmations"], t["agreed"]) for t in stats["by_payer"]}
    assert payers == {"aetna": (1, 1), "cigna": (1, 0)}
    rules = {t["key"]: (t["confirmations"], t["agreed"]) for t in stats["by_rule"]}
    assert rules["no-stance"] == (1, 0) and sum(n for n, _ in rules.values()) == 2
    assert any(agreed == 1 for _, agreed in rules.values())
    text = work.cli("review", "--stats").output
    assert "2 confirmation(s): 1 agreed" in text and "50% agreement" in text


def test_confirm_refuses_bad_usage(server: PolicyServer, work: Workdir) -> None:
    server.set(AETNA, samples.aetna_cpb_html(1))  # the other source answers 404: never captured
    work.write_sources(SOURCES.format(aetna=server.url(AETNA), other=server.url(OTHER)))
    work.cli("run", "--no-notify")
    none = work.cli("confirm", "cigna-0999", "--code", "64600", "--agree", "--by", "alice")
    assert none.exit_code == 2 and "no version stored yet" in none.output and "Traceback" not in none.output
    for args, message in (
        (("nope", "--code", "64600", "--agree", "--by", "a"), "no source 'nope'"),
        (("aetna-0374", "--code", "64600", "--by", "a"), "either --status S"),
        (("aetna-0374", "--code", "64600", "--agree", "--status", "covered", "--by", "a"), "either --status S"),
        (("aetna-0374", "--code", "64600", "--agree"), "--by NAME or set TRACKER_ANALYST"),
        (("aetna-0374", "--code", "99999", "--agree", "--by", "a"), "no source tracks it"),
    ):
        result = work.cli("confirm", *args)
        assert result.exit_code == 2 and message in result.output, result.output
    with sqlite3.connect(work.data / "tracker.db") as db:
        assert db.execute("select count(*) from confirmations").fetchone() == (0,)


def test_basis_is_read_generically_and_a_linked_stance_is_a_weak_link(server: PolicyServer, work: Workdir) -> None:
    setup(server, work)
    basis = {"rule": "linked-table", "phrase": "see the table", "from": "linked", "hop": "CPB 0735"}
    with sqlite3.connect(work.data / "tracker.db") as db:  # as a newer extractor would store it
        db.execute("update sections set basis = ? where source_id = 'aetna-0374'", [json.dumps(basis)])
    (item,) = [i for i in work.json("review") if i["source"] == "aetna-0374"]
    assert "weak_link" in item["reasons"] and item["sections"][0]["basis"] == basis
