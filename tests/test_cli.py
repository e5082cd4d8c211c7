"""The command line as people read it, through click's CliRunner: real runs against the loopback server into a
tmp data dir, then the plain table of a listing command, the digest preview (text, HTML, Slack), `tracker report`
and `tracker demo`."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from tests import samples
from tests.helpers import PolicyServer, Workdir
from tracker.cli import cli
from tracker.vocab import prior_auth_word

PDF = "application/pdf"
PATHS = {
    "aetna-0374": "/cpb/medical/data/300_399/0374.html",
    "cigna-0525": "/coveragePolicies/medical/mm_0525.pdf",
    "horizon-142": "/MedPol2.nsf/MedicalPolicies/HNBE-8TVP74",
}
STATUS_COLUMNS = [
    "source",
    "payer",
    "plan",
    "code",
    "status",
    "prior_auth",
    "effective_date",
    "checked_at",
    "changed_at",
]
SUBJECT = "Policy changes: 3 (Aetna 64600 covered → not covered, +2 more)"
CIGNA = "Cigna 0525 · CPT 64600: covered → experimental, effective 2026-04-21"
AETNA = "Aetna 0374 · CPT 64600: covered → not covered"
HORIZON = "Horizon BCBSNJ 142 · CPT 64600: removed (was covered)"


@dataclass
class TwoRuns:
    """A work dir after two `tracker run`s: version 1 of each policy, then version 2 (three real changes)."""

    work: Workdir
    base: str
    """The loopback server's address the policies were served from (closed after the runs)."""

    def url(self, source: str) -> str:
        return self.base + PATHS[source]


def sources_toml(server: PolicyServer) -> str:
    return f"""
        codes = ["64600"]

        [[source]]
        id = "aetna-0374"
        payer = "aetna"
        title = "Trigeminal Neuralgia: Treatments"
        url = "{server.url(PATHS["aetna-0374"])}"

        [[source]]
        id = "cigna-0525"
        payer = "cigna"
        title = "Peripheral Nerve Destruction for Pain Conditions"
        url = "{server.url(PATHS["cigna-0525"])}"

        [[source]]
        id = "horizon-142"
        payer = "bcbs"
        plan = "horizon-nj"
        title = "Percutaneous Neurolysis for Trigeminal Neuralgia"
        url = "{server.url(PATHS["horizon-142"])}"
    """


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> TwoRuns:
    """Shared by this module's read-only commands: the runs take seconds, the commands read the same data."""
    work = Workdir(tmp_path_factory.mktemp("cli"))
    with pytest.MonkeyPatch.context() as env, PolicyServer() as server:
        for key in [k for k in os.environ if k.startswith("TRACKER_")]:  # clean_environ is per test
            env.delenv(key)
        work.write_sources(sources_toml(server))
        for version in (1, 2):
            server.set(PATHS["aetna-0374"], samples.aetna_cpb_html(version))
            server.set(PATHS["cigna-0525"], samples.cigna_policy_pdf(version), content_type=PDF)
            server.set(PATHS["horizon-142"], samples.horizon_range_html(version))
            result = work.cli("run", "--no-notify")
            assert result.exit_code == 0, result.output
        return TwoRuns(work, server.base)


def words_at(line: str) -> list[tuple[int, str]]:
    """Each whitespace-separated word of a line and the column it starts at."""
    return [(m.start(), m.group()) for m in re.finditer(r"\S+", line)]


def shown(value: object) -> str:
    """How the table shows a JSON value: "-" for null, booleans (prior auth) in words, else the value."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return prior_auth_word(value)
    return str(value)


# ----------------------------------------------------------------------------- a listing command's table


def test_status_prints_a_header_and_one_aligned_line_per_source_and_code(two_runs: TwoRuns) -> None:
    result = two_runs.work.cli("status")
    assert result.exit_code == 0, result.output
    header, *lines = result.stdout.rstrip("\n").split("\n")
    columns = words_at(header)
    # Issue 14 item 7: a health column, and statuses in words ("not covered", not not_covered) in the table.
    assert [name for _, name in columns] == [*STATUS_COLUMNS, "health"]
    rows = two_runs.work.json("status")
    assert len(lines) == len(rows) == 3
    starts = [start for start, _ in columns]
    for line, row in zip(lines, rows, strict=True):
        # Every value starts in its column's header position: the table is aligned.
        cells = [line[a:b].rstrip() for a, b in zip(starts, [*starts[1:], None], strict=True)]
        expected = {
            **row,
            "status": row["status"].replace("_", " "),
            "prior_auth": prior_auth_word(row["prior_auth"]),
            "health": "ok",
        }
        assert cells == [shown(expected[name]) for _, name in columns]
        assert all(line[a - 1] == " " for a in starts[1:])
        assert line == line.rstrip()
    statuses = {line.split()[0]: line[starts[4] : starts[5]].strip() for line in lines}
    assert statuses == {"aetna-0374": "not covered", "cigna-0525": "experimental", "horizon-142": "absent"}


def test_listing_commands_print_nothing_found_as_such(two_runs: TwoRuns) -> None:
    # A code no source tracks is now a usage error (issue 14 item 6), no longer "(nothing)": tests/test_arguments.py.
    for args in (["changes", "--since", "2099-01-01"], ["search", "unobtainium"]):
        result = two_runs.work.cli(*args)
        assert result.exit_code == 0, result.output
        assert result.stdout == "(nothing)\n", args


# ----------------------------------------------------------------------------- tracker digest: the preview


def test_digest_preview_as_text(two_runs: TwoRuns) -> None:
    result = two_runs.work.cli("digest")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:2] == [SUBJECT, "3 policy changes"]  # the latest run's changes; the baseline is not news
    assert re.fullmatch(r"Generated \d{4}-\d\d-\d\d \d\d:\d\d UTC", lines[2])
    assert f"  * {CIGNA}" in lines and f"  * {AETNA}" in lines and f"  * {HORIZON}" in lines
    assert "STATUS CHANGES (2)" in lines and "CODES ADDED OR REMOVED (1)" in lines
    assert f"    {two_runs.url('cigna-0525')}" in lines
    assert "{+Experimental/Investigational/Unproven:+}" in result.stdout  # the caption said once (issue 22)
    assert "FIRST CAPTURES" not in result.stdout

    everything = two_runs.work.cli("digest", "--since", "2000-01-01")
    assert everything.exit_code == 0, everything.output
    assert everything.stdout.splitlines()[1] == "3 policy changes · 3 sources captured for the first time"


def test_digest_preview_as_html(two_runs: TwoRuns) -> None:
    result = two_runs.work.cli("digest", "--format", "html")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<!DOCTYPE html>")
    dom = BeautifulSoup(result.stdout, "lxml")
    assert dom.title is not None and dom.title.get_text() == SUBJECT
    assert dom.h1 is not None and dom.h1.get_text() == SUBJECT
    paragraphs = [p.get_text() for p in dom.find_all("p")]
    assert "3 policy changes" in paragraphs and CIGNA in paragraphs and HORIZON in paragraphs
    links = {a["href"]: a.get_text() for a in dom.find_all("a")}
    assert links[two_runs.url("cigna-0525")] == "Peripheral Nerve Destruction for Pain Conditions"


def test_digest_preview_as_slack_blocks(two_runs: TwoRuns) -> None:
    result = two_runs.work.cli("digest", "--format", "slack")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["text"] == SUBJECT
    header, lede, *sections = payload["blocks"]
    assert header["type"] == "header" and header["text"]["text"] == SUBJECT
    assert lede["text"]["text"] == "*3 policy changes*"
    text = "\n".join(s["text"]["text"] for s in sections)
    assert "• *Cigna 0525 · CPT 64600*: covered → experimental, effective 2026-04-21" in text
    assert "• *Horizon BCBSNJ 142 · CPT 64600*: removed (was covered)" in text
    assert f"<{two_runs.url('cigna-0525')}|Peripheral Nerve Destruction for Pain Conditions>" in text


# ----------------------------------------------------------------------------- tracker report


def test_report_writes_index_html_for_the_configured_sources(two_runs: TwoRuns, tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = two_runs.work.cli("report", str(out))
    assert result.exit_code == 0, result.output
    index = out / "index.html"
    assert index.is_file()
    assert result.stdout == f"Report written: {index}\nOpen it in a browser: {index.resolve().as_uri()}\n"
    dom = BeautifulSoup(index.read_text(encoding="utf-8"), "lxml")
    rows = {tr["data-source"]: tr["data-status"] for tr in dom.select("table#matrix-64600 tbody tr")}
    assert rows == {"aetna-0374": "not_covered", "cigna-0525": "experimental", "horizon-142": "absent"}
    assert {a["data-source"] for a in dom.select("article.change")} == set(PATHS)
    assert "Peripheral Nerve Destruction for Pain Conditions" in dom.get_text()
    assert any((out / "captures").iterdir())


# ----------------------------------------------------------------------------- tracker demo


def test_demo_command_runs_the_pipeline_into_its_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the demo ignores --sources and --data: nothing may appear beside its directory
    demo = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "--dir", str(demo)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Run 1: the baseline (version 1 of every policy)" in out and "Run 2: version 2" in out
    digest = out[out.index("The digest (what email and Slack would receive") :]
    assert "Cigna 0525 · CPT 64600: covered → experimental, effective 2026-04-21" in digest
    assert "Aetna 0374 · CPT 64600: covered → not covered" in digest
    assert "COULD NOT BE CHECKED (1 source)" in digest  # BCBS Alabama's "Access Denied" page
    report = demo / "report" / "index.html"
    assert f"Report: {report}\n  open it in a browser: {report.as_uri()}\n" in out
    assert report.is_file() and "covered → experimental" in report.read_text(encoding="utf-8")
    sources = (demo / "sources.toml").read_text(encoding="utf-8")
    assert re.search(r'url = "http://127\.0\.0\.1:\d+/', sources) and 'id = "cigna-0525"' in sources
    assert (demo / "snapshots" / "tracker.db").is_file()  # beside its sources.toml (issue 22)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]
    assert sorted(p.name for p in demo.iterdir()) == ["report", "snapshots", "sources.toml"]


def test_demo_command_refuses_a_directory_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    result = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path)])
    assert result.exit_code == 2
    assert f"Error: {tmp_path} is not empty; tracker demo needs a new or empty directory" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
