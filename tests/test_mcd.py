"""Medicare through the CMS Coverage API (#4): token flow, article versions, failures, discovery, extraction."""

from __future__ import annotations

import csv
import io
import json
import random
import sqlite3
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from tests.helpers import Workdir
from tests.mcd_api import (
    COVERED,
    NON_COVERED,
    REPORT_PATH,
    TOKEN_PATH,
    CoverageAPI,
    a57452,
    a57788,
    article_version,
    report_row,
)
from tracker.config.sources import FetchSettings, Source, load_config
from tracker.discover import discover
from tracker.errors import ConfigError, ExtractError, FetchError
from tracker.extract import extract
from tracker.extract.mcd import lists_code, paragraph_text, write_document
from tracker.fetch.cms import CODES_PATH, TokenCache, fetch_article
from tracker.fetch.http import make_session

FAST = FetchSettings(delay=0, retries=1, backoff=0.01, timeout=2, read_timeout=2)
NGS = "National Government Services, Inc.\n(MAC - Part A, MAC - Part B)"
FCSO = "First Coast Service Options, Inc.\n(MAC - Part B)"
NORIDIAN = "Noridian Healthcare Solutions, LLC\n(MAC - Part A, MAC - Part B)"
WPS = "WPS Insurance Corporation\n(MAC - Part A, MAC - Part B)"


@pytest.fixture
def api(coverage_api: CoverageAPI) -> CoverageAPI:
    """The loopback API serving A57452 v41 and A57788 v34."""
    coverage_api.serve(a57452(41), a57788(34))
    return coverage_api


def sources(api: CoverageAPI) -> str:
    return f"""
        codes = ["64600"]

        [[source]]
        id = "mcd-a57452"
        payer = "medicare"
        plan = "ngs"
        title = "Billing and Coding: Peripheral Nerve Blocks (A57452, NGS)"
        kind = "mcd-article"
        article_id = 57452
        api = "{api.base}"

        [[source]]
        id = "mcd-a57788"
        payer = "medicare"
        plan = "first-coast"
        title = "Billing and Coding: Peripheral Nerve Blocks (A57788, First Coast)"
        kind = "mcd-article"
        article_id = 57788
        api = "{api.base}"
    """


@pytest.fixture
def medicare(api: CoverageAPI, work: Workdir) -> Workdir:
    """A work dir whose sources.toml watches both articles on the loopback API."""
    work.write_sources(sources(api))
    return work


def run(work: Workdir, exit_code: int = 0) -> str:
    result = work.cli("run", "--no-notify")
    assert result.exit_code == exit_code, result.output
    return result.output


def changes(work: Workdir) -> list[tuple[str, str, str | None, str | None]]:
    return sorted(
        (c["source"], c["kind"], c["old_status"], c["new_status"]) for c in work.json("changes") if c["kind"] != "new"
    )


def data_calls(api: CoverageAPI) -> list[str | None]:
    return [c.authorization for c in api.calls if c.path != TOKEN_PATH]


# --- token flow ----------------------------------------------------------------------------------


def test_data_calls_without_a_token_are_refused(api: CoverageAPI) -> None:
    answer = requests.get(f"{api.base}/v1/data/article/?articleid=57452", timeout=5)
    assert answer.status_code == 401 and set(answer.json()) == {"message", "code"}


def test_one_token_per_run_shared_by_the_article_sources(api: CoverageAPI, medicare: Workdir) -> None:
    output = run(medicare)
    assert "2 new, 0 changed, 0 unchanged, 0 failed" in output
    assert len(api.hits(TOKEN_PATH)) == 1
    assert data_calls(api) == ["Bearer tok-1"] * 8  # 4 calls per article, one token
    assert [c.params for c in api.hits("/v1/data/article/hcpc-code")] == [
        {"articleid": "57452", "ver": "41"},
        {"articleid": "57788", "ver": "34"},
    ]
    run(medicare)
    assert len(api.hits(TOKEN_PATH)) == 2  # a new run, a new token


def test_token_spelled_with_a_capital_t(api: CoverageAPI, medicare: Workdir) -> None:
    api.token_field = "Token"
    run(medicare)
    assert set(data_calls(api)) == {"Bearer tok-1"}


def test_token_that_lapses_mid_run_is_renewed_once(api: CoverageAPI, medicare: Workdir) -> None:
    api.expire_after = 3
    output = run(medicare)
    assert "2 new, 0 changed, 0 unchanged, 0 failed" in output
    assert [c.status for c in api.calls].count(401) == 1
    assert len(api.hits(TOKEN_PATH)) == 2
    assert data_calls(api) == ["Bearer tok-1"] * 4 + ["Bearer tok-2"] * 5  # the refused call is repeated


def test_token_refused_twice_is_a_clear_failure(api: CoverageAPI) -> None:
    api.refuse_all = True
    source = Source(
        id="mcd-a57452",
        payer="medicare",
        title="t",
        url=f"{api.base}/v1/data/article/?articleid=57452",
        codes=("64600",),
        kind="mcd-article",
        article_id=57452,
        api=api.base,
    )
    with pytest.raises(FetchError) as info:
        fetch_article(source, make_session(FAST), FAST, TokenCache())
    assert info.value.error_class == "http-status" and info.value.http_status == 401
    assert "refused a fresh license token" in info.value.message and "A57452" in info.value.message
    assert len(api.hits(TOKEN_PATH)) == 2


def test_token_cache_reuses_for_the_hour_and_renews_early() -> None:
    moment = [datetime(2026, 4, 21, 6, 0, tzinfo=UTC)]
    issued = iter(f"t{i}" for i in range(1, 10))
    cache = TokenCache(lambda: moment[0])

    def new() -> str:
        return next(issued)

    assert cache.get("api", new) == "t1"
    moment[0] += timedelta(minutes=54)
    assert cache.get("api", new) == "t1"
    moment[0] += timedelta(minutes=2)  # 56 minutes: renewed before the hour is up
    assert cache.get("api", new) == "t2"
    assert cache.get("other-api", new) == "t3"
    assert cache.renew("api", "t2", new) == "t4"
    assert cache.renew("api", "t2", new) == "t4"  # someone else already renewed it
    assert cache.issued == 4


# --- versions and changes -------------------------------------------------------------------------


def test_status_rows_come_from_the_api(api: CoverageAPI, medicare: Workdir) -> None:
    run(medicare)
    rows = {r["source"]: r for r in medicare.json("status", "--code", "64600")}
    assert rows["mcd-a57452"] | {"checked_at": None} == rows["mcd-a57452"] | {
        "payer": "medicare",
        "plan": "ngs",
        "code": "64600",
        "status": "covered",
        "policy_number": "A57452",
        "effective_date": "2024-01-01",
        "checked_at": None,
    }
    assert rows["mcd-a57788"]["status"] == "covered" and rows["mcd-a57788"]["plan"] == "first-coast"
    [history] = medicare.json("history", "mcd-a57452")
    assert history["last_review_date"] == "2024-01-01"
    assert "Code: 64600 | Description: Destruction by neurolytic agent" in history["text"]
    assert "reasonable and necessary" in history["text"]


def test_version_change_with_code_changes(api: CoverageAPI, medicare: Workdir) -> None:
    run(medicare)
    api.serve(a57452(42, move_64600=True), a57788(35, drop_64600=True))
    output = run(medicare)
    assert "0 new, 2 changed, 0 unchanged, 0 failed" in output
    assert changes(medicare) == [
        ("mcd-a57452", "changed", "covered", "not_covered"),
        ("mcd-a57788", "removed", "covered", "absent"),
    ]
    rows = {r["source"]: r for r in medicare.json("status")}
    assert rows["mcd-a57452"]["status"] == "not_covered" and rows["mcd-a57452"]["effective_date"] == "2024-10-01"
    assert rows["mcd-a57788"]["status"] == "absent"
    [change] = [c for c in medicare.json("changes", "--source", "mcd-a57452") if c["kind"] == "changed"]
    assert "Group 2 Codes" in change["diff"] and "non-covered" in change["diff"]


def test_new_version_with_the_same_codes_and_text_is_metadata(api: CoverageAPI, medicare: Workdir) -> None:
    run(medicare)
    api.serve(a57452(42))
    run(medicare)
    assert changes(medicare) == [("mcd-a57452", "metadata", "covered", "covered")]
    [change] = [c for c in medicare.json("changes") if c["kind"] == "metadata"]
    assert "version: 41 → 42" in change["summary"] and "effective_date: 2024-01-01 → 2024-10-01" in change["summary"]


def test_group_paragraph_edit_is_changed(api: CoverageAPI, medicare: Workdir) -> None:
    run(medicare)
    api.serve(a57452(42, reword=True))
    run(medicare)
    assert changes(medicare) == [("mcd-a57452", "changed", "covered", "covered")]


def test_same_answers_give_the_same_bytes(api: CoverageAPI, medicare: Workdir) -> None:
    run(medicare)
    output = run(medicare)  # every answer's meta.notes differs; the capture must not
    assert "0 new, 0 changed, 2 unchanged, 0 failed" in output
    db = sqlite3.connect(medicare.data / "tracker.db")
    assert db.execute("select count(*), min(kind) from documents").fetchone() == (2, "mcd-article")


FAULTS = {
    "html-page": ("/v1/data/article/hcpc-code", "html", "wrong-type"),
    "no-envelope": ("/v1/data/article/", "no-envelope", "unreadable"),
    "http-500": ("/v1/data/article/hcpc-code-group", "500", "http-status"),
    "empty-article": ("/v1/data/article/", "empty", "empty"),
    "empty-codes": ("/v1/data/article/hcpc-code", "empty", "empty"),
}


@pytest.mark.parametrize("fault", list(FAULTS), ids=list(FAULTS))
def test_malformed_answers_are_failures_never_removals(api: CoverageAPI, medicare: Workdir, fault: str) -> None:
    run(medicare)
    path, kind, error_class = FAULTS[fault]
    api.serve(a57452(42, move_64600=True), a57788(35, drop_64600=True))
    api.faults[path] = kind
    output = run(medicare, exit_code=1)
    assert "Failures: 2 source(s) could not be checked" in output
    [latest] = medicare.json("runs", "--limit", "1")
    outcome = {s["source"]: s for s in latest["sources"]}
    assert outcome["mcd-a57452"]["outcome"] == "error" and outcome["mcd-a57452"]["error_class"] == error_class
    assert "mcd-a57452 (A57452)" in outcome["mcd-a57452"]["error"] and path in outcome["mcd-a57452"]["error"]
    assert changes(medicare) == []  # never "removed"
    rows = {r["source"]: r for r in medicare.json("status")}
    assert rows["mcd-a57788"]["status"] == "covered" and rows["mcd-a57788"]["last_error"]
    db = sqlite3.connect(medicare.data / "tracker.db")
    assert db.execute("select count(*) from documents").fetchone() == (2,)


# --- discovery ------------------------------------------------------------------------------------


@pytest.fixture
def catalog(api: CoverageAPI) -> CoverageAPI:
    """Report rows as of 2025-08-17 (A57452 v42, A57788 v35 ...), with what each article lists."""
    nerve_blockade = "Billing and Coding: Nerve Blockade for Treatment of Chronic Pain and Neuropathy"
    api.serve(
        a57452(42),
        a57788(35),
        article_version(
            52725,
            31,
            title=nerve_blockade,
            effective="01/01/2024",
            groups={1: (COVERED, ["64450", "64600"])},
            history=[],
            lcds=((35457, 58),),
        ),
        article_version(
            56034,
            34,
            title=nerve_blockade,
            effective="01/01/2024",
            groups={1: (COVERED, ["64590"])},
            history=[],
            lcds=((35456, 65),),
            ranges={"64590": "64590-64610"},
        ),
        article_version(
            58777,
            11,
            title="Billing and Coding: Epidural Steroid Injections for Pain Management",
            effective="11/30/2023",
            groups={1: (COVERED, ["64999"])},
            history=[],
        ),
    )
    api.report = [
        report_row(57452, 42, "Billing and Coding: Peripheral Nerve Blocks", NGS, "10/01/2024"),
        report_row(57788, 35, "Billing and Coding: Peripheral Nerve Blocks", FCSO, "10/01/2024"),
        report_row(52725, 31, nerve_blockade, NORIDIAN, "01/01/2024"),
        report_row(56034, 34, nerve_blockade, NORIDIAN, "01/01/2024"),
        report_row(58777, 11, "Billing and Coding: Epidural Steroid Injections for Pain Management", WPS, "11/30/2023"),
        report_row(
            59155,
            3,
            "Response to Comments: Nerve Blockade for Treatment of Chronic Pain and Neuropathy",
            NORIDIAN,
            "09/04/2022",
        ),
        report_row(55555, 9, "Billing and Coding: Retired Nerve Article", WPS, "01/01/2020", retired="09/22/2024"),
    ]
    api.report_states = {
        "57452": {14, 33},
        "57788": {10},
        "52725": {5},
        "56034": {3},
        "58777": {50},
        "59155": {5},
        "55555": {50},
    }
    return api


def test_discover_lists_articles_that_list_the_code(catalog: CoverageAPI, tmp_path: Path) -> None:
    pauses: list[float] = []
    settings = FetchSettings(delay=0.25, retries=1, backoff=0.01, timeout=2, read_timeout=2)
    rows = discover("64600", api=catalog.base, session=make_session(settings), settings=settings, sleep=pauses.append)
    assert [r["article"] for r in rows] == ["A52725", "A56034", "A57452", "A57788"]  # A56034 by its range
    ngs = rows[2]
    assert ngs | {"toml": ""} == {
        "article": "A57452",
        "article_id": 57452,
        "version": 42,
        "title": "Billing and Coding: Peripheral Nerve Blocks",
        "contractor": "National Government Services, Inc.",
        "plan": "ngs",
        "effective_date": "2024-10-01",
        "url": "https://www.cms.gov/medicare-coverage-database/view/article.aspx?articleid=57452&ver=42",
        "lcds": [
            {
                "lcd": "L36850",
                "lcd_id": 36850,
                "version": 24,
                "url": "https://www.cms.gov/medicare-coverage-database/view/lcd.aspx?lcdid=36850&ver=24",
            }
        ],
        "source_id": "mcd-a57452",
        "toml": "",
    }
    opened = {c.params["articleid"] for c in catalog.hits(CODES_PATH)}
    assert opened == {"57452", "57788", "52725", "56034", "58777"}  # no Response to Comments, nothing retired
    assert catalog.hits(REPORT_PATH)[0].params == {"status": "A"}
    calls = len(catalog.calls) - len(catalog.hits(TOKEN_PATH))
    assert pauses == [0.25] * calls  # every call paced, the license call included, but the first
    toml = tmp_path / "sources.toml"
    toml.write_text('codes = ["64600"]\n' + "\n".join(r["toml"] for r in rows), encoding="utf-8")
    parsed = {s.id: s for s in load_config(toml).sources}
    assert parsed["mcd-a57452"].article_id == 57452 and parsed["mcd-a57452"].kind == "mcd-article"
    assert parsed["mcd-a57452"].title == "Billing and Coding: Peripheral Nerve Blocks (A57452, NGS)"
    assert parsed["mcd-a57452"].api == catalog.base  # not the default API, so the snippet names it
    assert parsed["mcd-a52725"].plan == "noridian"


@pytest.mark.parametrize("state", ["FL", "fl", "Florida", "10"])
def test_discover_by_state(catalog: CoverageAPI, state: str) -> None:
    rows = discover("64600", state=state, api=catalog.base, session=make_session(FAST), settings=FAST)
    assert [r["article"] for r in rows] == ["A57788"]
    assert catalog.hits(REPORT_PATH)[0].params == {"status": "A", "state_id": "10"}


def test_discover_refuses_unknown_states_and_too_many_articles(catalog: CoverageAPI) -> None:
    with pytest.raises(ConfigError, match="unknown state 'ZZ'.*Florida"):
        discover("64600", state="ZZ", api=catalog.base, session=make_session(FAST), settings=FAST)
    with pytest.raises(ConfigError, match="5 current articles would each be opened, more than the limit of 4"):
        discover("64600", api=catalog.base, session=make_session(FAST), settings=FAST, limit=4)
    assert not catalog.hits(CODES_PATH)


def test_discover_reports_a_failing_article_and_goes_on(catalog: CoverageAPI) -> None:
    catalog.faults["/v1/data/article/related-documents"] = "html"
    failed: list[str] = []
    rows = discover(
        "64600",
        state="CA",
        api=catalog.base,
        session=make_session(FAST),
        settings=FAST,
        on_error=lambda row, exc: failed.append(f"{row['document_display_id']} {exc.error_class}"),
    )
    assert rows == [] and failed == ["A52725 wrong-type"]
    with pytest.raises(FetchError, match="A52725 /v1/data/article/related-documents: "):
        discover("64600", state="CA", api=catalog.base, session=make_session(FAST), settings=FAST)


# --- extraction of the canonical document ---------------------------------------------------------


def test_extract_sections_and_metadata() -> None:
    version = a57452(42, move_64600=True)
    body = write_document(version.article, version.codes, version.groups, version.history)
    found = extract(body, "mcd-article", ["64600", "64405", "99999"])
    assert found.metadata.to_dict() == {
        "title": "Billing and Coding: Peripheral Nerve Blocks",
        "policy_number": "A57452",
        "effective_date": "2024-10-01",
        "last_review_date": "2024-10-01",
        "next_review_date": None,
        "version": "42",
    }
    assert [(s.code, s.heading, s.status) for s in found.sections] == [
        ("64600", "CPT/HCPCS Codes › Group 2 Codes", "not_covered"),
        ("64405", "CPT/HCPCS Codes › Group 1 Codes", "covered"),
    ]
    assert found.sections[0].text == (
        "The following CPT codes are non-covered for the treatment of chronic pain.\n"
        "Code: 64600 | Description: Destruction by neurolytic agent, trigeminal nerve; supraorbital, "
        "infraorbital, mental, or inferior alveolar branch"
    )
    assert found.sections[0].page is None and found.sections[0].prior_auth is None


def test_canonical_document_is_stable() -> None:
    version = a57452(41)
    first = write_document(version.article, version.codes, version.groups, version.history)
    shuffled = [dict(reversed(list(r.items()))) for r in version.codes]
    random.Random(4).shuffle(shuffled)
    again = write_document(
        dict(reversed(list(version.article.items()))), shuffled, version.groups[::-1], version.history[::-1]
    )
    assert again == first and json.loads(first)["format"] == "tracker/mcd-article@1"


@pytest.mark.parametrize(
    "row,listed",
    [
        ({"hcpc_code_id": "64600"}, True),
        ({"hcpc_code_id": "64590-64610"}, True),
        ({"hcpc_code_id": "64590", "range": "64590 - 64610"}, True),
        ({"hcpc_code_id": "64590", "range": "64610"}, True),  # range as the upper end
        ({"hcpc_code_id": "64605", "range": "64610"}, False),
        ({"hcpc_code_id": "0213T", "range": "0218T"}, False),
        ({"hcpc_code_id": "64600", "range": "N"}, True),
        ({"hcpc_code_id": "64601"}, False),
    ],
)
def test_codes_listed_alone_or_in_ranges(row: dict[str, str], listed: bool) -> None:
    assert lists_code(row, "64600") is listed


def test_range_row_is_a_section_with_its_range() -> None:
    version = article_version(
        56034,
        34,
        title="Billing and Coding: Nerve Blockade",
        effective="01/01/2024",
        groups={1: (NON_COVERED, ["64590"])},
        history=[],
        ranges={"64590": "64590-64610"},
    )
    [section] = extract(
        write_document(version.article, version.codes, version.groups, []), "mcd-article", ["64600"]
    ).sections
    assert section.status == "not_covered" and "Code: 64590-64610 |" in section.text


def test_paragraph_html_is_plain_text() -> None:
    assert (
        paragraph_text("&lt;p&gt;Group&amp;nbsp;1: covered&lt;/p&gt;&lt;ul&gt;&lt;li&gt;64600&lt;/li&gt;")
        == "Group 1: covered 64600"
    )
    assert (
        paragraph_text("<p>Non-<b>covered</b> when age &lt; 18 &amp; pain &gt; 6 months</p>")
        == "Non-covered when age < 18 & pain > 6 months"
    )
    assert paragraph_text(COVERED).startswith("The following CPT codes are considered reasonable and necessary")
    assert paragraph_text(None) == ""


def test_not_a_canonical_document() -> None:
    with pytest.raises(ExtractError, match="mcd-article"):
        extract(b'{"meta": {}, "data": []}', "json", ["64600"])
    with pytest.raises(ExtractError, match="invalid JSON"):
        extract(b"<html>", "mcd-article", ["64600"])


def test_extract_command_reads_a_saved_capture(tmp_path: Path, work: Workdir) -> None:
    version = a57452(41)
    path = tmp_path / "a57452.json"
    path.write_bytes(write_document(version.article, version.codes, version.groups, version.history))
    result = work.cli("extract", str(path), "--code", "64600", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["metadata"]["policy_number"] == "A57452" and data["sections"][0]["status"] == "covered"


def test_shipped_sources_toml_watches_the_medicare_articles() -> None:
    config = load_config(Path(__file__).parent.parent / "sources.toml")
    articles = {s.article_id for s in config.sources if s.kind == "mcd-article"}
    assert articles >= {57452, 57788, 52725, 56034}
    assert "unsupported" not in (Path(__file__).parent.parent / "sources.toml").read_text(encoding="utf-8")


def test_discover_command_json_and_text(catalog: CoverageAPI, work: Workdir) -> None:
    work.write_sources('codes = ["64600"]\n[[source]]\nid = "x"\npayer = "aetna"\ntitle = "t"\nurl = "http://h/"\n')
    rows = work.json("discover", "medicare", "--code", "64600", "--api", catalog.base)
    assert [r["article"] for r in rows] == ["A52725", "A56034", "A57452", "A57788"]
    assert rows[2]["lcds"][0]["lcd"] == "L36850" and rows[2]["plan"] == "ngs"
    text = work.cli("discover", "medicare", "--code", "64600", "--state", "FL", "--api", catalog.base)
    assert text.exit_code == 0, text.output
    [source] = tomllib.loads(text.stdout)["source"]
    assert source == {
        "id": "mcd-a57788",
        "payer": "medicare",
        "plan": "first-coast",
        "kind": "mcd-article",
        "title": "Billing and Coding: Peripheral Nerve Blocks (A57788, First Coast)",
        "article_id": 57788,
        "api": catalog.base,
    }
    bad = work.cli("discover", "medicare", "--code", "6460", "--api", catalog.base)
    assert bad.exit_code == 2 and "not a CPT/HCPCS code" in bad.output
    many = work.cli("discover", "medicare", "--code", "64600", "--limit", "2", "--api", catalog.base)
    assert many.exit_code == 2 and "more than the limit of 2" in many.output and "Traceback" not in many.output
    catalog.faults["/v1/data/article/related-documents"] = "500"
    failing = work.cli("discover", "medicare", "--code", "64600", "--state", "CA", "--api", catalog.base)
    assert failing.exit_code == 1 and "warning: A52725 not checked" in failing.stderr
    none = work.cli("discover", "medicare", "--code", "99213", "--state", "AZ", "--api", catalog.base)
    assert none.exit_code == 0 and "No current article in AZ lists 99213" in none.stdout
    catalog.faults.clear()
    table = list(
        csv.DictReader(
            io.StringIO(work.cli("discover", "medicare", "--code", "64600", "--csv", "--api", catalog.base).stdout)
        )
    )
    assert [r["article"] for r in table] == ["A52725", "A56034", "A57452", "A57788"]
    unreachable = work.cli("discover", "medicare", "--code", "64600", "--api", "http://127.0.0.1:9")
    assert unreachable.exit_code == 1 and "Error:" in unreachable.output and "Traceback" not in unreachable.output
