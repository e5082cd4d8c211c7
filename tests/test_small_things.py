"""Issue 22 item 8: the small things a new user trips on, each with its test."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests import samples
from tests.helpers import FAST_FETCH, PolicyServer, Workdir, build_history
from tracker.cli import cli
from tracker.config.sources import load_config
from tracker.errors import ConfigError
from tracker.run.lock import hold


@pytest.fixture(scope="module")
def hist(tmp_path_factory: pytest.TempPathFactory) -> Workdir:
    root = tmp_path_factory.mktemp("small-things")
    build_history(root)
    return Workdir(root)


@pytest.mark.parametrize("args", [[], ["-h"], ["--help"]])
def test_bare_tracker_and_h_show_the_help_with_success(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: ") and "Commands:" in result.output and "datasette" in result.output
    assert "tracker demo" in result.output  # where a newcomer starts


def test_a_command_s_h_is_its_help() -> None:
    result = CliRunner().invoke(cli, ["status", "-h"])
    assert result.exit_code == 0 and "--code C" in result.output and "--wide" in result.output


def test_notify_without_an_option_shows_its_help(hist: Workdir) -> None:
    result = hist.cli("notify")
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output and "--test" in result.output and "Error" not in result.output


def test_reextract_dry_run_says_what_it_would_store(hist: Workdir) -> None:
    result = hist.cli("reextract", "--dry-run")
    assert result.exit_code == 0, result.output
    assert re.search(r"would store \d+ new readings? \(dry run: nothing stored\)\.$", result.stdout.strip())
    assert "versions of 4 sources" in result.stdout


@pytest.mark.parametrize("text", ["", "   ", '"', "*", '" *'])
def test_a_search_for_nothing_is_a_plain_usage_error(hist: Workdir, text: str) -> None:
    result = hist.cli("search", text)
    assert result.exit_code == 2, result.output
    assert "nothing to search for" in result.stderr and "neuro*" in result.stderr
    assert "fts5" not in result.output and "Traceback" not in result.output


def test_fts_syntax_never_reaches_the_user(hist: Workdir) -> None:
    for text in ("AND", "NEAR(", "a OR", "col:x", "^x", "(x"):
        result = hist.cli("search", text)
        assert result.exit_code == 0, (text, result.output)  # words are literal: no FTS syntax to get wrong
        assert "fts5" not in result.output


def test_prefix_search_finds_what_the_word_starts(hist: Workdir) -> None:
    whole = hist.json("search", "neuro")
    prefixed = hist.json("search", "neuro*")
    assert prefixed and len(prefixed) > len(whole)
    assert all(re.search(r"\bneuro", hit["text"], re.IGNORECASE) for hit in prefixed)


def _unfinished(data: Path) -> list[str]:
    try:
        with closing(sqlite3.connect(data / "tracker.db")) as db:
            return [row[0] for row in db.execute("select status from runs where finished_at is null")]
    except sqlite3.OperationalError:  # the schema is still being made
        return []


def test_a_run_left_running_by_a_killed_process_shows_as_interrupted(
    server: PolicyServer, work: Workdir, tmp_path: Path
) -> None:
    slow = "/slow.html"
    server.set(slow, samples.aetna_cpb_html(1), delay=4)
    work.write_sources(
        f'codes = ["64600"]\n[[source]]\nid = "slow"\npayer = "aetna"\ntitle = "t"\nurl = "{server.url(slow)}"\n'
    )
    assert work.cli("status").exit_code == 3  # no database yet
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    argv = [sys.executable, "-m", "tracker", "--sources", str(work.sources), "--data", str(work.data), "run"]
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not ((work.data / "tracker.db").exists() and _unfinished(work.data)):
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)  # no cleanup at all: the run row stays "running"
        process.wait()
    assert _unfinished(work.data) == ["running"]
    with hold(work.data / "run.lock"):  # while a run holds the lock, its row is left alone
        assert [r["status"] for r in work.json("runs")] == ["running"]
    assert [r["status"] for r in work.json("runs")] == ["interrupted"]  # the lock is free: the row is settled
    assert _unfinished(work.data) == []


def _error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "sources.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, {})
    return str(info.value)


ONE = """\
codes = ["64600"]

[[source]]
id = "aetna-0374"
payer = "aetna"
title = "t"
url = "https://www.aetna.com/cpb/medical/data/300_399/0374.html"
"""


def test_schedule_and_notify_errors_carry_their_line(tmp_path: Path) -> None:
    assert _error(tmp_path, ONE + '\n[schedule]\ndays = "*"\ntime = "25:00"\n').startswith(
        f"{tmp_path / 'sources.toml'}:11: [schedule] time"
    )
    assert "sources.toml:10: [schedule] timezone" in _error(tmp_path, ONE + '\n[schedule]\ntimezone = "Mars/Base"\n')
    port = _error(tmp_path, ONE + '\n[notify]\nemail_to = ["a@example.org"]\nsmtp_port = "x"\n')
    assert ":11: [notify] key 'smtp_port'" in port, port
    no_server = _error(tmp_path, ONE + '\n[notify]\nemail_from = "t@example.org"\nemail_to = ["a@example.org"]\n')
    assert ":11: " in no_server and "email_to is set but no SMTP server" in no_server, no_server


def test_an_unknown_plan_names_the_allowed_ones(tmp_path: Path) -> None:
    text = ONE.replace('payer = "aetna"', 'payer = "bcbs"\nplan = "anthm"')
    message = _error(tmp_path, text)
    assert (
        ":6: " in message and "'anthm' is not a bcbs plan; did you mean 'anthem'? known: anthem, horizon-nj" in message
    )
    medicare = _error(tmp_path, text.replace('payer = "bcbs"', 'payer = "medicare"'))
    assert "known: ngs, first-coast, noridian" in medicare
    # BCBS has three dozen companies: one the tracker does not list is still a plan, and keeps its slug.
    other = tmp_path / "other"
    other.mkdir()
    (other / "sources.toml").write_text(
        textwrap.dedent(text.replace('plan = "anthm"', 'plan = "blue-example"')), encoding="utf-8"
    )
    config = load_config(other / "sources.toml", {})
    assert [s.plan for s in config.sources] == ["blue-example"]


def test_a_selector_on_a_pdf_source_is_an_error(tmp_path: Path) -> None:
    pdf = ONE.replace("0374.html", "0374.pdf") + 'selector = "#main"\n'
    message = _error(tmp_path, pdf)
    assert ":8: " in message and "'selector' applies to HTML pages only" in message
    declared = ONE + 'kind = "pdf"\nselector = "#main"\n'
    assert "applies to HTML pages only" in _error(tmp_path, declared)


def test_lower_case_codes_are_upper_cased(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(ONE.replace('codes = ["64600"]', 'codes = ["64600", "j1234", "0213t"]'), encoding="utf-8")
    assert load_config(path, {}).codes == ("64600", "J1234", "0213T")


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        ("timeout", "-1", "'timeout' must be a positive number of seconds, not -1"),
        ("delay", "-2", "'delay' must be a number of seconds, 0 or more, not -2"),
        ("parallel", "0", "'parallel' must be a whole number of hosts at once, at least 1, not 0"),
    ],
)
def test_fetch_errors_say_what_a_value_means(tmp_path: Path, key: str, value: str, said: str) -> None:
    message = _error(tmp_path, ONE + f"\n[fetch]\n{key} = {value}\n")
    assert said in message and "finite" not in message and "float" not in message


def test_the_whole_run_from_the_cli_upper_cases_codes_too(server: PolicyServer, work: Workdir) -> None:
    server.set("/p.html", samples.aetna_cpb_html(1))
    work.write_sources(
        f'codes = ["64600"]\n[[source]]\nid = "a"\npayer = "aetna"\ntitle = "t"\nurl = "{server.url("/p.html")}"\n'
        'codes = ["64600", "j1234"]\n',
        FAST_FETCH,
    )
    assert work.cli("run", "--no-notify").exit_code == 0
    assert {r["code"] for r in work.json("status")} == {"64600", "J1234"}
    assert json.loads(work.cli("status", "--code", "j1234", "--json").stdout)[0]["code"] == "J1234"
