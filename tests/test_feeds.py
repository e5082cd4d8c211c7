"""Feeds end to end over loopback: indexes, bulletins, announcements, retirements, faults, discovery, upcoming."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime
from pathlib import Path

from icalendar import Calendar

from tests import feed_fixtures as F
from tests.helpers import Mailbox, PolicyServer, Workdir, ticking
from tracker.feeds.parse import parse_feed
from tracker.run.job import run_once
from tracker.store import feeds as feed_rows
from tracker.store import open_store
from tracker.vocab import STATUS_LABELS

DEMO = Path(__file__).parents[1] / "tracker" / "demo" / "data"
UHC_SLUG = F.UHC_TRACKED_SLUG
START = datetime.fromisoformat("2026-12-06T06:00:00+00:00")
TODAY = "2026-12-06"
"""The day the tests' runs happen (their clock), and the day `upcoming` counts from."""


def _uhc_sources(server: PolicyServer) -> str:
    return f"""
        codes = ["64600"]

        # the UHC policy we watch
        [[source]]
        id = "uhc-occipital"
        payer = "uhc"
        title = "Occipital Nerve Injections and Ablation"
        url = "{F.uhc_policy_url(server.base, UHC_SLUG)}"
        lob = "commercial"

        [[feed]]
        id = "uhc-index"
        payer = "uhc"
        kind = "uhc-index"
        url = "{server.url("/uhc/commercial-medical-drug-policies.html")}"
        lob = "commercial"

        [[feed]]
        id = "uhc-bulletin"
        payer = "uhc"
        kind = "uhc-bulletin"
        url = "{server.url("/uhc/medical-policy-update-bulletin.pdf")}"
    """


def _serve_uhc(server: PolicyServer, index: int, bulletin: int, policy: int) -> None:
    server.set("/uhc/commercial-medical-drug-policies.html", F.uhc_index(index), etag=True)
    server.set("/uhc/medical-policy-update-bulletin.pdf", F.uhc_bulletin(bulletin), content_type="application/pdf")
    body = (DEMO / f"uhc-2025T0080G.v{policy}.pdf").read_bytes()
    server.set(F.UHC_BASE + UHC_SLUG + ".pdf", body, content_type="application/pdf")


def test_uhc_feeds_announce_suggest_link_fault_and_retire_once(server: PolicyServer, work: Workdir) -> None:
    work.write_sources(_uhc_sources(server))
    clock = ticking(START)

    def run() -> list[str]:
        return run_once(work.sources, work.data, clock=clock, env={}, notify=False).lines

    _serve_uhc(server, 1, 1, 1)
    first = run()
    assert any("Feeds: read 2 of 2" in line for line in first), first
    _serve_uhc(server, 2, 2, 1)
    second = "\n".join(run())
    # a new policy naming the tracked code is suggested, with the command that adds it
    assert "UHC added 'Trigeminal Nerve Procedures' (2027T0412A), names 64600" in second.replace(
        "UnitedHealthcare", "UHC"
    )
    assert "tracker sources add --id uhc-2027t0412a" in second
    store = open_store(work.data)
    announced = feed_rows.announcements(store)
    for_source = [a for a in announced if a["source_id"] == "uhc-occipital"]
    assert {a["feed_id"] for a in for_source} == {"uhc-index", "uhc-bulletin"}
    assert {a["effective_date"] for a in for_source} == {"2027-03-01"}
    assert all(a["change_id"] is None for a in for_source)
    # the suggestion is not silently added: sources.toml is unchanged
    assert "2027T0412A" not in work.sources.read_text()

    upcoming = work.json("upcoming", "--code", "64600", "--as-of", TODAY)
    mine = [u for u in upcoming if u["source"] == "uhc-occipital"]
    assert mine and mine[0]["effective_date"] == "2027-03-01" and mine[0]["days"] > 0
    assert upcoming == sorted(upcoming, key=lambda u: u["effective_date"])
    ics = work.cli("upcoming", "--ics", "--as-of", TODAY)
    assert ics.exit_code == 0, ics.output
    events = [c for c in Calendar.from_ical(ics.stdout).walk("VEVENT")]
    assert len(events) == len(work.json("upcoming", "--as-of", TODAY)) and events
    assert {str(e.decoded("dtstart")) for e in events} >= {"2027-03-01"}

    # the document changes later: the change links the announcements that foretold it
    _serve_uhc(server, 2, 2, 2)
    run()
    store = open_store(work.data)
    linked = [a for a in feed_rows.announcements(store) if a["source_id"] == "uhc-occipital"]
    changes = [c for c in work.json("changes") if c["source"] == "uhc-occipital" and c["kind"] == "changed"]
    assert changes and {a["change_id"] for a in linked} == {changes[0]["id"]}
    table = work.cli("changes", "--source", "uhc-occipital").output
    assert "announced" in table.splitlines()[0]
    assert "uhc-index (2026-12-06): revised, effective 2027-03-01" in table and "uhc-bulletin (2026-12-06)" in table

    # an index that lost most of its entries is a feed fault, never "everything retired"
    _serve_uhc(server, 0, 2, 2)
    outcome = run_once(work.sources, work.data, clock=clock, env={}, notify=False)
    assert outcome.feeds_failed == 1
    assert any("lost most" in line or "down from 9" in line for line in outcome.lines), outcome.lines
    assert not [c for c in work.json("changes") if c["kind"] == "retired"]
    assert work.json("status")[0]["status"] != "retired"

    # a healthy edition that drops the tracked policy retires it: one change per code, once
    _serve_uhc(server, 3, 3, 2)
    lines = run()
    assert any("retired uhc-occipital" in line for line in lines), lines
    _serve_uhc(server, 3, 3, 2)
    run()
    retired = [c for c in work.json("changes") if c["kind"] == "retired"]
    assert len(retired) == 1 and retired[0]["old_status"] == "covered" and retired[0]["new_status"] == "retired"
    row = work.json("status")[0]
    assert row["status"] == "retired" and row["retired_on"] == "2026-12-06"
    text = work.cli("status").output
    assert "retired 2026-12-06" in text
    digest = work.cli("digest").output
    assert "UnitedHealthcare 2025T0080G (commercial) · CPT 64600: policy retired (was covered)" in digest
    assert [r["source"] for r in work.json("status", "--lob", "commercial")] == ["uhc-occipital"]
    assert work.json("status", "--lob", "medicaid") == []

    # the report: the retired badge with its date, the line of business, the calendar of what is ahead
    from tracker.report.write import write_report

    page = write_report(open_store(work.data), work.path / "report", clock=ticking(START)).read_text()
    assert f'{STATUS_LABELS["retired"]}</span> <span class="muted">since 2026-12-06' in page
    assert '<span class="muted">commercial</span>' in page
    calendar = page[page.index('id="calendar"') : page.index('id="timeline"')]
    assert "<caption>2027-03</caption>" in calendar and "2025T0080G — revised, effective 2027-03-01" in calendar


def test_cigna_updates_announce_by_number_and_a_failing_feed_never_stops_the_run(
    server: PolicyServer, work: Workdir
) -> None:
    server.set("/cigna/mm_0525.pdf", (DEMO / "cigna-0525.v1.pdf").read_bytes(), content_type="application/pdf")
    server.set("/cigna/updates.html", F.cigna_updates(2))
    work.write_sources(
        f"""
        codes = ["64600"]

        [[source]]
        id = "cigna-0525"
        payer = "cigna"
        title = "Peripheral Nerve Destruction for Pain Conditions"
        url = "{server.url("/cigna/mm_0525.pdf")}"

        [[feed]]
        id = "cigna-updates"
        payer = "cigna"
        kind = "cigna-updates"
        url = "{server.url("/cigna/updates.html")}"

        [[feed]]
        id = "cigna-index"
        payer = "cigna"
        kind = "cigna-index"
        url = "{server.url("/cigna/gone.html")}"
        """
    )
    outcome = run_once(work.sources, work.data, clock=ticking(START), env={}, notify=False)
    assert outcome.feeds_failed == 1 and not outcome.result.failed
    assert any("cigna-index: feed failed: " in line and "404" in line for line in outcome.lines)
    again = run_once(work.sources, work.data, clock=ticking(START), env={}, notify=False)
    assert any("cigna-index: feed failed (2 runs in a row; never read" in line for line in again.lines), again.lines
    assert work.json("status")[0]["status"] == "covered"
    rows = work.json("upcoming", "--as-of", TODAY)
    ours = [r for r in rows if r["source"] == "cigna-0525"]
    assert ours[0]["change_type"] == "reduction"
    assert ours[0]["text"].startswith("Cigna 0525 — reduction in coverage, effective 2027-02-15, in 71 days")
    # Omnibus Codes names 64600 in its details: an announcement about the code, no source of ours
    assert any(r["policy_number"] == "0504" and r["source"] is None for r in rows)


def test_an_archived_notice_retires_once(server: PolicyServer, work: Workdir) -> None:
    path = F.aetna_cpb_path("0374")
    covered = "Aetna considers percutaneous procedures medically necessary for trigeminal neuralgia."
    row = F.code_row("64600", "Destruction by neurolytic agent, trigeminal nerve")
    server.set(path, F.aetna_cpb("0374", "Trigeminal Neuralgia: Treatments", covered, row))
    work.write_sources(
        f"""
        [[source]]
        id = "aetna-0374"
        payer = "aetna"
        title = "Trigeminal Neuralgia: Treatments (CPB 0374)"
        url = "{server.url(path)}"
        """
    )
    clock = ticking(START)
    run_once(work.sources, work.data, clock=clock, env={}, notify=False)
    archived = "This CPB has been retired effective January 1, 2027. " + covered
    server.set(path, F.aetna_cpb("0374", "Trigeminal Neuralgia: Treatments", archived, row))
    lines = run_once(work.sources, work.data, clock=clock, env={}, notify=False).lines
    assert any("archived notice): aetna-0374" in line for line in lines), lines
    server.set(path, F.aetna_cpb("0374", "Trigeminal Neuralgia: Treatments", archived + " Reviewed.", row))
    run_once(work.sources, work.data, clock=clock, env={}, notify=False)
    retired = [c for c in work.json("changes") if c["kind"] == "retired"]
    assert len(retired) == 1 and retired[0]["code"] == "64600"
    assert work.json("status")[0]["retired_on"] == "2027-01-01"
    # the payer takes the notice down: the policy's stance applies again
    server.set(path, F.aetna_cpb("0374", "Trigeminal Neuralgia: Treatments", covered + " Reviewed.", row))
    run_once(work.sources, work.data, clock=clock, env={}, notify=False)
    row_now = work.json("status")[0]
    assert row_now["status"] == "covered" and row_now["retired_on"] is None


def test_every_feed_format_reads_three_editions() -> None:
    url = "http://127.0.0.1/feed"
    uhc = [parse_feed("uhc-index", F.uhc_index(n), url) for n in (1, 2, 3)]
    assert [len(e) for e in uhc] == [8, 9, 8]
    assert next(e for e in uhc[1] if e.policy_number == "2027T0412A").codes == ("64400", "64600", "64605")
    bulletins = [parse_feed("uhc-bulletin", F.uhc_bulletin(n), url) for n in (1, 2, 3)]
    assert [{e.change_type for e in b} for b in bulletins] == [{"new", "coding"}, {"revised"}, {"retired"}]
    assert bulletins[2][0].effective == "2027-04-01" and bulletins[0][0].posted == "2027-01-01"
    for n in (1, 2, 3):
        html = parse_feed("cigna-updates", F.cigna_updates(n), url)
        pdf = parse_feed("cigna-updates", F.cigna_updates_pdf(n), url + ".pdf")
        assert [(e.policy_number, e.change_type, e.effective) for e in html] == [
            (e.policy_number, e.change_type, e.effective) for e in pdf
        ]
    third = parse_feed("cigna-updates", F.cigna_updates(3), url)
    assert [(e.policy_number, e.change_type) for e in third] == [("0099", "retired"), ("0612", "new")]
    assert third[1].names("64605") and not third[1].names("64611")
    assert {e.status for e in parse_feed("cigna-index", F.cigna_index(2), url) if e.policy_number == "0504"} == {
        "retired"
    }
    aetna = parse_feed("aetna-index", F.aetna_index(2), url)
    assert len(aetna) == 6 and [e.policy_number for e in aetna if e.status == "retired"] == ["0462"]


def test_discover_aetna_reads_each_policy_once_and_finds_exactly_the_naming_ones(
    server: PolicyServer, work: Workdir
) -> None:
    server.set("/cpb/medical/data/cpb_num.html", F.aetna_index(1))
    covered = "Aetna considers the procedures below medically necessary when criteria are met."
    pages = {
        "0374": F.code_row("64600", "Destruction by neurolytic agent, trigeminal nerve"),
        "0395": F.code_row("64590 - 64610", "Destruction and neurostimulator codes"),
        "0735": "",
    }
    for number, title in F.AETNA_CPBS:
        refs = "Smith J. Outcomes after CPT 64600 neurolysis. J Pain. 2020." if number == "0735" else ""
        server.set(F.aetna_cpb_path(number), F.aetna_cpb(number, title, covered, pages.get(number, ""), refs))
    work.write_sources(
        f"""
        [[source]]
        id = "aetna-0016"
        payer = "aetna"
        title = "Back Pain"
        url = "{server.url(F.aetna_cpb_path("0016"))}"

        [[feed]]
        id = "aetna-index"
        payer = "aetna"
        kind = "aetna-index"
        url = "{server.url("/cpb/medical/data/cpb_num.html")}"
        """
    )
    result = work.cli("discover", "aetna", "--code", "64600", "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert [r["policy_number"] for r in found] == ["0374", "0395"]
    assert "6 policies read now, 0 remembered" in result.stderr
    again = work.cli("discover", "aetna", "--code", "64605")
    assert "0 policies read now, 6 remembered" in again.stderr
    assert len(server.hits(F.aetna_cpb_path("0374"))) == 1
    assert '[[source]]\nid = "aetna-0395"' in again.stdout
    # what discover printed goes into sources.toml as it is; a second time it is refused
    from click.testing import CliRunner

    from tracker.cli import cli

    args = ["--sources", str(work.sources), "--data", str(work.data), "sources", "add", "-"]
    added = CliRunner().invoke(cli, args, input=again.stdout)
    assert added.exit_code == 0, added.output
    assert [r["id"] for r in work.json("sources")] == ["aetna-0016", "aetna-0395", "aetna-index"]
    refused = CliRunner().invoke(cli, args, input=again.stdout)
    assert refused.exit_code == 2 and "already configured" in refused.output


def test_discover_uhc_and_cigna_over_the_fixtures(server: PolicyServer, work: Workdir) -> None:
    server.set("/uhc/index.html", F.uhc_index(2))
    server.set("/cigna/medical_a-z.html", F.cigna_index(1))
    for title, number, pdf in F.CIGNA_POLICIES:
        text = "Cigna covers the service described when criteria are met."
        if number == "0525":
            text = (
                "Percutaneous destruction of the trigeminal nerve (CPT code 64600) is medically necessary "
                "when criteria are met."
            )
        server.set(F.CIGNA_PDF + pdf, F.cigna_policy_pdf(title, number, text), content_type="application/pdf")
    work.write_sources(
        f"""
        [[source]]
        id = "x"
        payer = "uhc"
        title = "X"
        url = "{server.url("/x.pdf")}"

        [[feed]]
        id = "uhc-index"
        payer = "uhc"
        kind = "uhc-index"
        url = "{server.url("/uhc/index.html")}"

        [[feed]]
        id = "cigna-az"
        payer = "cigna"
        kind = "cigna-index"
        url = "{server.url("/cigna/medical_a-z.html")}"
        """
    )
    uhc = work.json("discover", "uhc", "--code", "64600")
    assert sorted(r["title"] for r in uhc) == [
        "Occipital Neuralgia and Headache Treatment",
        "Trigeminal Nerve Procedures",
    ]
    assert work.json("discover", "uhc", "--code", "64641") == []
    cigna = work.json("discover", "cigna", "--code", "64600")
    assert [r["policy_number"] for r in cigna] == ["0525"]


def test_sources_lists_and_adds_keeping_comments_and_refusing_duplicates(server: PolicyServer, work: Workdir) -> None:
    work.write_sources(_uhc_sources(server))
    original = work.sources.read_text()
    listed = work.json("sources")
    assert [(r["type"], r["id"]) for r in listed] == [
        ("source", "uhc-occipital"),
        ("feed", "uhc-index"),
        ("feed", "uhc-bulletin"),
    ]
    assert not work.data.exists()  # no database needed
    added = work.cli(
        "sources",
        "add",
        "--id",
        "uhc-2027t0412a",
        "--payer",
        "uhc",
        "--title",
        "Trigeminal Nerve Procedures (2027T0412A)",
        "--url",
        server.url("/uhc/trigeminal.pdf"),
    )
    assert added.exit_code == 0, added.output
    text = work.sources.read_text()
    assert "# the UHC policy we watch" in text and 'id = "uhc-2027t0412a"' in text
    # nothing removed or moved: lines only added, right after the last [[source]], before the feeds
    import difflib

    edits = [d for d in difflib.ndiff(original.splitlines(), text.splitlines()) if d[:1] in "+-"]
    assert not [d for d in edits if d.startswith("-")]
    assert text.index('id = "uhc-2027t0412a"') < text.index("[[feed]]")
    assert [r["id"] for r in work.json("sources") if r["type"] == "source"] == ["uhc-occipital", "uhc-2027t0412a"]
    again = work.cli(
        "sources", "add", "--id", "other", "--payer", "uhc", "--title", "T", "--url", server.url("/uhc/trigeminal.pdf")
    )
    assert again.exit_code == 2 and "already watched" in again.output
    assert work.sources.read_text() == text


def test_a_bad_feed_table_names_its_line(work: Workdir) -> None:
    work.write_sources(
        """
        [[source]]
        id = "a"
        payer = "aetna"
        title = "A"
        url = "https://example.org/a.html"

        [[feed]]
        id = "f"
        payer = "aetna"
        kind = "aetna-indexx"
        url = "https://example.org/cpb_num.html"
        """
    )
    result = work.cli("sources")
    assert result.exit_code == 2
    assert "sources.toml:11: feed 'f': key 'kind' must be one of" in result.output


def test_medicare_reports_warn_of_proposed_future_and_planned_retirement_weekly(work: Workdir) -> None:
    from tests.mcd_api import a57452, a57788

    with F.ReportsAPI() as api:
        api.serve(a57452(42), a57788(34))
        api.serve(a57788(35, drop_64600=True))
        api.proposed["C"] = [F.proposed_row(39999, 1, "Nerve Destruction for Facial Pain")]
        api.sheets[39999] = [F.tracking_sheet(39999, 1, "Nerve Destruction for Facial Pain", 57452, 42)]
        api.by_status["F"] = [
            {
                **F.report_row_future(57788, 35, "Billing and Coding: Peripheral Nerve Blocks"),
                "effective_date": "03/01/2027",
            }
        ]
        api.future_retire[57452] = "06/30/2027"
        lcd_row = {
            **F.report_row_future(36850, 25, "Peripheral Nerve Blocks"),
            "document_id": "L36850",
            "document_display_id": "L36850",
            "document_type": "LCD",
            "effective_date": "04/01/2027",
        }
        api.by_status["LCD-F"] = [lcd_row]
        api.lcd_related[36850] = [{"lcd_id": 36850, "r_article_id": 57452, "r_article_version": 42}]
        work.write_sources(
            f"""
            [[source]]
            id = "mcd-a57452"
            payer = "medicare"
            title = "Billing and Coding: Peripheral Nerve Blocks (A57452)"
            kind = "mcd-article"
            article_id = 57452
            api = "{api.base}"

            [[feed]]
            id = "medicare-reports"
            payer = "medicare"
            kind = "mcd-reports"
            api = "{api.base}"
            """
        )
        clock = ticking(START)
        outcome = run_once(work.sources, work.data, clock=clock, env={}, notify=False)
        assert outcome.feeds_failed == 0, outcome.lines
        rows = {r["policy_number"]: r for r in work.json("upcoming", "--code", "64600", "--as-of", TODAY)}
        assert rows["DL39999"]["change_type"] == "proposed" and "01/15/2027" in rows["DL39999"]["detail"]
        assert rows["A57788"]["change_type"] == "future" and rows["A57788"]["detail"].startswith("drops 64600")
        assert rows["A57788"]["effective_date"] == "2027-03-01"
        assert rows["A57452"]["change_type"] == "retired" and rows["A57452"]["source"] == "mcd-a57452"
        assert rows["A57452"]["effective_date"] == "2027-06-30"
        assert rows["L36850"]["change_type"] == "future" and rows["L36850"]["effective_date"] == "2027-04-01"
        assert rows["L36850"]["detail"] == "new LCD version 25; its related article(s) list 64600"
        assert work.json("status")[0]["status"] != "retired"  # planned, not yet
        calls = len(api.hits("/v1/reports/local-coverage-proposed-lcds/"))
        run_once(work.sources, work.data, clock=clock, env={}, notify=False)
        assert len(api.hits("/v1/reports/local-coverage-proposed-lcds/")) == calls  # weekly, not daily
        # a week later the what's-new report says which articles changed: only those are read again
        week = ticking(datetime.fromisoformat("2026-12-14T06:00:00+00:00"))
        code_calls = len(api.hits("/v1/data/article/hcpc-code"))
        run_once(work.sources, work.data, clock=week, env={}, notify=False)
        assert len(api.hits("/v1/reports/whats-new/local/")) == 2  # 12-06..12-12, 12-13..12-14: a week per call
        later_calls = [
            c for c in api.hits("/v1/data/article/hcpc-code")[code_calls:] if c.params["articleid"] == "57788"
        ]
        assert later_calls == []
        api.whats_new = [{"document_id": "57788", "document_version": 35, "document_type": "Article"}]
        before = len(api.hits("/v1/data/article/hcpc-code"))
        next_week = ticking(datetime.fromisoformat("2026-12-22T06:00:00+00:00"))
        run_once(work.sources, work.data, clock=next_week, env={}, notify=False)
        again = [c.params for c in api.hits("/v1/data/article/hcpc-code")[before:] if c.params["articleid"] == "57788"]
        assert sorted(p["ver"] for p in again) == ["34", "35"]  # the new version and the one before, compared


def test_the_digest_tells_of_new_announcements_and_of_what_takes_effect_soon(
    server: PolicyServer, work: Workdir, mailbox: Mailbox
) -> None:
    from datetime import date

    from tracker.config.sources import load_config
    from tracker.feeds.upcoming import with_upcoming
    from tracker.notify import build_digest, render

    notify = f"""
        [notify]
        email_to = "policy@example.org"
        email_from = "tracker@example.org"
        smtp_host = "127.0.0.1"
        smtp_port = {mailbox.port}
        smtp_tls = "none"
    """
    work.write_sources(_uhc_sources(server) + textwrap.dedent(notify))
    clock = ticking(START)
    _serve_uhc(server, 1, 1, 1)
    run_once(work.sources, work.data, clock=clock, env={}, notify=True)
    before = len(mailbox.messages)
    _serve_uhc(server, 2, 2, 1)
    run_once(work.sources, work.data, clock=clock, env={}, notify=True)
    # no document changed, yet the announcements are news: a digest goes out with them
    assert len(mailbox.messages) == before + 1
    message = mailbox.messages[-1]
    assert message["Subject"].startswith("Policy tracker: 3 announced changes")
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "UPCOMING: NEWLY ANNOUNCED (3)" in body
    assert "added 'Trigeminal Nerve Procedures' (2027T0412A), names 64600" in body
    assert "2025T0080G — revised, effective 2027-03-01, in 85 days" in body
    # nineteen days before the date, the change is in the "taking effect within 30 days" list
    store = open_store(work.data)
    config = load_config(work.sources)
    digest = with_upcoming(build_digest(store, config, clock=clock), store, today=date(2027, 2, 10))
    assert [a.text for a in digest.soon if "2025T0080G" in a.text][0].endswith("in 19 days: Policy Updates: Revised")
    html = render(digest, "html")
    assert "Upcoming: Taking effect within 30 days" in html
    assert "Upcoming: Taking effect within 30 days" in render(digest, "slack")


def _cigna_sources(server: PolicyServer, updates_path: str) -> str:
    return f"""
        codes = ["64600"]

        [[source]]
        id = "cigna-0525"
        payer = "cigna"
        title = "Peripheral Nerve Destruction for Pain Conditions (0525)"
        url = "{server.url("/cigna/mm_0525.pdf")}"

        [[source]]
        id = "cigna-0099"
        payer = "cigna"
        title = "Tests for Preterm Labor (0099)"
        url = "{server.url("/cigna/mm_0099.pdf")}"

        [[source]]
        id = "cigna-omnibus"
        payer = "cigna"
        title = "Omnibus Codes"
        url = "{server.url(F.CIGNA_PDF + F.CIGNA_POLICIES[2][2])}"

        [[feed]]
        id = "cigna-updates"
        payer = "cigna"
        kind = "cigna-updates"
        url = "{server.url(updates_path)}"

        [[feed]]
        id = "cigna-az"
        payer = "cigna"
        kind = "cigna-index"
        url = "{server.url("/cigna/medical_a-z.html")}"
    """


def _serve_cigna_policies(server: PolicyServer) -> None:
    server.set("/cigna/mm_0525.pdf", (DEMO / "cigna-0525.v1.pdf").read_bytes(), content_type="application/pdf")
    text = "Fetal fibronectin testing is medically necessary when criteria are met."
    server.set("/cigna/mm_0099.pdf", F.cigna_policy_pdf("Tests for Preterm Labor", "0099", text))
    omnibus = "The following codes are considered experimental, investigational or unproven: CPT 64600."
    server.set(F.CIGNA_PDF + F.CIGNA_POLICIES[2][2], F.cigna_policy_pdf("Omnibus Codes", "0504", omnibus))


def test_cigna_monthly_updates_and_index_over_three_editions(server: PolicyServer, work: Workdir) -> None:
    _serve_cigna_policies(server)
    work.write_sources(_cigna_sources(server, "/cigna/policy_updates.html"))
    clock = ticking(START)
    seen: list[list[str]] = []
    for edition, index in ((1, 1), (2, 1), (3, 2)):
        server.set("/cigna/policy_updates.html", F.cigna_updates(edition))
        server.set("/cigna/medical_a-z.html", F.cigna_index(index))
        seen.append(run_once(work.sources, work.data, clock=clock, env={}, notify=False).lines)
    store = open_store(work.data)
    by_key = {(a["policy_number"], a["change_type"]): a for a in feed_rows.announcements(store)}
    assert ("0139", "reduction") not in by_key  # neither tracked nor naming a tracked code
    assert by_key[("0525", "reduction")]["source_id"] == "cigna-0525"
    assert by_key[("0525", "reduction")]["matched_by"] == "number"
    # a source whose title carries no number is found by its title
    assert by_key[("0504", "revised")]["source_id"] == "cigna-omnibus"
    assert by_key[("0504", "revised")]["matched_by"] == "title"
    assert by_key[("0612", "new")]["source_id"] is None and by_key[("0612", "new")]["named_codes"] == ["64600"]
    assert any("Cigna added 'Cranial Nerve Ablation' (0612), names 64600" in line for line in seen[2])
    # the index moved Omnibus Codes to its Retired section: retired at once
    assert any("cigna-az: retired cigna-omnibus" in line for line in seen[2]), seen[2]
    # a bulletin retiring 0099 on 2027-03-15 is an announcement until that day, then a retirement
    assert by_key[("0099", "retired")]["effective_date"] == "2027-03-15"
    statuses = {r["source"]: r["status"] for r in work.json("status")}
    assert statuses["cigna-0099"] != "retired" and statuses["cigna-omnibus"] == "retired"
    later = ticking(datetime.fromisoformat("2027-03-16T06:00:00+00:00"))
    run_once(work.sources, work.data, clock=later, env={}, notify=False)
    run_once(work.sources, work.data, clock=later, env={}, notify=False)
    rows = {r["source"]: r for r in work.json("status")}
    assert rows["cigna-0099"]["status"] == "retired" and rows["cigna-0099"]["retired_on"] == "2027-03-15"
    assert [c["source"] for c in work.json("changes") if c["kind"] == "retired"] == ["cigna-omnibus", "cigna-0099"]


def test_cigna_pdf_updates_over_loopback(server: PolicyServer, work: Workdir) -> None:
    _serve_cigna_policies(server)
    server.set("/cigna/medical_a-z.html", F.cigna_index(1))
    path = "/assets/chcp/pdf/coveragePolicies/policy_updates/policy_updates.pdf"
    work.write_sources(_cigna_sources(server, path))
    clock = ticking(START)
    for edition in (1, 2, 3):
        server.set(path, F.cigna_updates_pdf(edition), content_type="application/pdf", etag=True)
        run_once(work.sources, work.data, clock=clock, env={}, notify=False)
    # the same edition again: a 304, nothing read twice
    outcome = run_once(work.sources, work.data, clock=clock, env={}, notify=False)
    assert outcome.feeds_failed == 0
    assert server.hits(path)[-1][1] == 304
    store = open_store(work.data)
    got = {(a["policy_number"], a["change_type"], a["effective_date"]) for a in feed_rows.announcements(store)}
    assert {
        ("0525", "reduction", "2027-02-15"),
        ("0099", "retired", "2027-03-15"),
        ("0612", "new", "2027-03-15"),
    } <= got


def test_an_index_marking_a_tracked_cpb_retired_retires_it(server: PolicyServer, work: Workdir) -> None:
    path = F.aetna_cpb_path("0462")
    body = F.aetna_cpb("0462", "Headaches: Invasive Procedures", "Aetna considers x medically necessary.", "")
    server.set(path, body)
    server.set("/cpb/medical/data/cpb_num.html", F.aetna_index(1))
    work.write_sources(
        f"""
        [[source]]
        id = "aetna-0462"
        payer = "aetna"
        title = "Headaches: Invasive Procedures (CPB 0462)"
        url = "{server.url(path)}"

        [[feed]]
        id = "aetna-index"
        payer = "aetna"
        kind = "aetna-index"
        url = "{server.url("/cpb/medical/data/cpb_num.html")}"
        """
    )
    clock = ticking(START)
    run_once(work.sources, work.data, clock=clock, env={}, notify=False)
    assert work.json("status")[0]["status"] != "retired"
    server.set("/cpb/medical/data/cpb_num.html", F.aetna_index(2))
    run_once(work.sources, work.data, clock=clock, env={}, notify=False)
    run_once(work.sources, work.data, clock=clock, env={}, notify=False)
    assert len([c for c in work.json("changes") if c["kind"] == "retired"]) == 1
    assert work.json("status")[0]["status"] == "retired"


def test_discover_medicare_reads_the_api_of_the_reports_feed(work: Workdir) -> None:
    from tests.mcd_api import a57452, report_row

    with F.ReportsAPI() as api:
        api.serve(a57452(42))
        api.report = [report_row(57452, 42, "Billing and Coding: Peripheral Nerve Blocks", "NGS", "10/01/2024")]
        work.write_sources(
            f"""
            [[source]]
            id = "x"
            payer = "aetna"
            title = "t"
            url = "http://127.0.0.1:9/x.html"

            [[feed]]
            id = "medicare-reports"
            payer = "medicare"
            kind = "mcd-reports"
            api = "{api.base}"
            """
        )
        rows = work.json("discover", "medicare", "--code", "64600")
        assert [r["article"] for r in rows] == ["A57452"]
        assert api.hits("/v1/reports/local-coverage-articles/")


def test_a_policy_that_moves_to_another_address_in_the_index_is_not_retired(
    server: PolicyServer, work: Workdir
) -> None:
    work.write_sources(_uhc_sources(server))
    clock = ticking(START)
    _serve_uhc(server, 1, 1, 1)
    run_once(work.sources, work.data, clock=clock, env={}, notify=False)
    moved = F.uhc_index(1).replace(f"{UHC_SLUG}.pdf".encode(), f"{UHC_SLUG}-v2.pdf".encode())
    server.set("/uhc/commercial-medical-drug-policies.html", moved)
    run_once(work.sources, work.data, clock=clock, env={}, notify=False)
    assert not [c for c in work.json("changes") if c["kind"] == "retired"]


def test_an_index_that_lists_a_dropped_policy_again_reinstates_it(server: PolicyServer, work: Workdir) -> None:
    work.write_sources(_uhc_sources(server))
    clock = ticking(START)
    for index in (1, 3):  # listed, then dropped: retired
        _serve_uhc(server, index, 1, 1)
        run_once(work.sources, work.data, clock=clock, env={}, notify=False)
    assert work.json("status")[0]["status"] == "retired"
    _serve_uhc(server, 1, 1, 1)  # listed again: the index that dropped it reinstates it
    run_once(work.sources, work.data, clock=clock, env={}, notify=False)
    row = work.json("status")[0]
    assert row["status"] == "experimental" and row["retired_on"] is None


def test_feed_and_source_keys_are_checked_with_their_lines(work: Workdir) -> None:
    base = """
        [[source]]
        id = "a"
        payer = "aetna"
        title = "A"
        url = "https://example.org/a.html"
        {extra}
        [[feed]]
        id = "f"
        payer = "{payer}"
        kind = "aetna-index"
        url = "https://example.org/cpb_num.html"
        {feed_extra}
    """
    cases = [
        (
            {"payer": "cigna"},
            "sources.toml:10: feed 'f': kind 'aetna-index' is a aetna feed: key 'payer' must be 'aetna'",
        ),
        (
            {"feed_extra": 'colour = "red"'},
            "sources.toml:13: feed 'f': unknown key 'colour'; allowed keys: id, payer, kind",
        ),
        ({"feed_extra": 'lob = "gold"'}, "key 'lob' must be one of commercial, medicare-advantage, medicaid"),
        ({"extra": 'lob = "ppo"'}, "sources.toml:7: source 'a': key 'lob' must be one of commercial"),
        ({"extra": 'state = "Texas"'}, "source 'a': key 'state' must be a postal code such as TX"),
        ({"feed_extra": 'api = "ftp://example.org/x"'}, "key 'api' must be an http(s) URL"),
    ]
    for given, expected in cases:
        values = {"extra": "", "feed_extra": "", "payer": "aetna", **given}
        work.write_sources(base.format(**values))
        result = work.cli("sources")
        assert result.exit_code == 2 and expected in result.output, (given, result.output)
        assert "Traceback" not in result.output


def test_codes_dates_and_ranges_as_the_feeds_write_them() -> None:
    from tracker.feeds.parse import codes_in, first_date, month_of

    assert codes_in("Applicable Procedure Codes: 64600, 64605-64610, 0213T, J1234 and 64620 \u2013 64640.") == (
        "64600",
        "64605-64610",
        "0213T",
        "J1234",
        "64620-64640",
    )
    assert codes_in("Effective 01.01.2027; policy 2027T0412A; call 1-800-555-0100") == ()
    assert [first_date(t) for t in ("01.01.2027", "1/15/2027", "Sept. 3, 2027", "2027-02-15", "no date")] == [
        "2027-01-01",
        "2027-01-15",
        "2027-09-03",
        "2027-02-15",
        None,
    ]
    assert month_of("Medical Policy Update Bulletin: March 2027") == "2027-03-01"


def test_a_teams_digest_carries_the_announcements_of_its_sources_and_the_suggestions(
    server: PolicyServer, work: Workdir, mailbox: Mailbox
) -> None:
    notify = f"""
        [notify]
        email_to = ["billing@example.org"]
        email_from = "tracker@example.org"
        smtp_host = "127.0.0.1"
        smtp_port = {mailbox.port}
        smtp_tls = "none"

        [[notify.route]]
        tags = ["neurosurgery"]
        email_to = ["neuro-team@example.org"]
    """
    body = _uhc_sources(server).replace('lob = "commercial"\n', 'lob = "commercial"\n        tags = ["pain"]\n', 1)
    work.write_sources(body + textwrap.dedent(notify))
    clock = ticking(START)
    _serve_uhc(server, 1, 1, 1)
    run_once(work.sources, work.data, clock=clock, env={}, notify=True)
    mailbox.log.clear()
    _serve_uhc(server, 2, 2, 1)
    run_once(work.sources, work.data, clock=clock, env={}, notify=True)
    received = {rcpt: e.content.decode("utf-8", "replace") for e in mailbox.log for rcpt in e.rcpt_tos}
    assert "2025T0080G" in received["billing@example.org"] and "Trigeminal" in received["billing@example.org"]
    neuro = received["neuro-team@example.org"]
    assert "Trigeminal Nerve Procedures" in neuro and "2025T0080G" not in neuro


def test_an_index_page_that_lists_nothing_is_a_fault_and_retires_nothing(server: PolicyServer, work: Workdir) -> None:
    work.write_sources(_uhc_sources(server))
    clock = ticking(START)
    _serve_uhc(server, 1, 1, 1)
    run_once(work.sources, work.data, clock=clock, env={}, notify=False)
    maintenance = b"<html><head><title>Site maintenance</title></head><body><h1>We'll be back soon</h1></body></html>"
    server.set("/uhc/commercial-medical-drug-policies.html", maintenance)
    outcome = run_once(work.sources, work.data, clock=clock, env={}, notify=False)
    assert outcome.feeds_failed == 1
    assert any("uhc-index: feed failed: " in line and "no uhc-index entries found" in line for line in outcome.lines)
    store = open_store(work.data)
    assert len(feed_rows.current_entries(store, "uhc-index")) == 8  # the last good edition is kept
    assert not [c for c in work.json("changes") if c["kind"] == "retired"]
