"""Issue 22 item 6: output that fits — tables at the terminal's width (--wide for all), a cause said once, no reprs."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import pexpect
import pytest
import requests

from tests.helpers import Workdir, build_history, free_port
from tracker.cli.fit import fit_table
from tracker.config.sources import FetchSettings
from tracker.fetch.http import make_session, plain_reason, reason_of
from tracker.vocab import failure_lines


@pytest.fixture(scope="module")
def hist(tmp_path_factory: pytest.TempPathFactory) -> Workdir:
    root = tmp_path_factory.mktemp("fit")
    build_history(root)
    return Workdir(root)


def at_width(hist: Workdir, columns: int, *args: str, env: dict[str, str] | None = None) -> list[str]:
    """The command's output on a real pseudo-terminal ``columns`` wide (pexpect), COLUMNS unset unless given."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_") and k not in ("COLUMNS", "LINES")}
    argv = ["-m", "tracker", "--sources", str(hist.sources), "--data", str(hist.data), *args]
    child = pexpect.spawn(
        sys.executable, argv, env={**base, **(env or {})}, encoding="utf-8", timeout=30, dimensions=(50, columns)
    )
    child.logfile_read = io.StringIO()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.logfile_read.getvalue()
    return child.logfile_read.getvalue().replace("\r\n", "\n").splitlines()


@pytest.mark.parametrize(
    "args", [("status",), ("changes", "--all"), ("history", "cigna-0525"), ("search", "trigeminal"), ("runs",)]
)
def test_tables_fit_an_80_column_terminal_without_trailing_spaces(hist: Workdir, args: tuple[str, ...]) -> None:
    lines = at_width(hist, 80, *args)
    assert lines and all(len(line) <= 80 for line in lines), "\n".join(line for line in lines if len(line) > 80)
    assert all(line == line.rstrip() for line in lines)


def test_status_at_80_columns_keeps_what_matters_and_says_what_it_left_out(hist: Workdir) -> None:
    narrow = at_width(hist, 80, "status")
    assert narrow[0].split() == ["source", "code", "status", "prior_auth", "health"]
    assert narrow[-1].startswith("(") and "--wide" in narrow[-1]
    assert any(line.startswith("cigna-0525 ") and " experimental " in line for line in narrow)
    wide = at_width(hist, 80, "status", "--wide")
    assert wide[0].split() == [
        "source",
        "payer",
        "plan",
        "code",
        "status",
        "prior_auth",
        "effective_date",
        "checked_at",
        "changed_at",
        "health",
    ]
    assert max(len(line) for line in wide) > 80 and "--wide" not in wide[-1]
    assert all(line == line.rstrip() for line in wide)


def test_a_wide_terminal_gets_the_whole_table_and_a_pipe_too(hist: Workdir) -> None:
    assert at_width(hist, 400, "status") == at_width(hist, 80, "status", "--wide")
    assert at_width(hist, 400, "status", env={"COLUMNS": "80"}) == at_width(hist, 80, "status")  # COLUMNS wins
    piped = hist.cli("status").stdout.splitlines()  # not a terminal: the whole table, for grep and friends
    assert piped == at_width(hist, 80, "status", "--wide")


def test_fit_table_shortens_dates_then_drops_then_cuts() -> None:
    cells = [["a-very-long-source-id", "2026-04-22T06:00:01+00:00", "x" * 60]]
    table = fit_table(["source", "checked_at", "summary"], cells, 60, drop=(), shorten=("summary",)).splitlines()
    assert table[1].startswith("a-very-long-source-id  2026-04-22  xxx") and table[1].endswith("…")
    assert all(len(line) <= 60 for line in table)
    dropped = fit_table(["source", "checked_at", "summary"], cells, 60, drop=("summary",), shorten=())
    assert "summary" not in dropped.splitlines()[0] and "--wide" in dropped.splitlines()[-1]
    assert "summary hidden" in fit_table(["source", "checked_at", "summary"], cells, 70, drop=("summary",), shorten=())


def test_the_same_network_error_is_said_once_with_the_count(work: Workdir) -> None:
    port = free_port()
    body = 'codes = ["64600"]\n'
    for n in range(12):
        body += f'[[source]]\nid = "s{n:02d}"\npayer = "aetna"\ntitle = "t"\nurl = "http://127.0.0.1:{port}/{n}.html"\n'
    work.write_sources(
        body + f'[[source]]\nid = "ok"\npayer = "aetna"\ntitle = "t"\nurl = "http://127.0.0.1:{port}/x"\n'
    )
    run = work.cli("run", "--no-notify")
    assert run.exit_code == 1
    assert run.output.count("connection refused") == 1, run.output
    assert "s00" in run.output and "s11" in run.output
    runs = work.cli("runs").stdout
    assert runs.count("connection refused") == 1 and "13 sources failed  network: cannot connect" in runs
    assert "object at 0x" not in run.output + runs and "HTTPConnection" not in run.output + runs


def test_failure_lines_keep_one_source_s_own_message() -> None:
    lines = failure_lines(
        [
            ("a", "network", "http://h/a: cannot connect: connection refused"),
            ("b", "network", "http://h/b: cannot connect: connection refused"),
            ("c", "http-status", "http://h/c: HTTP 404 Not Found"),
        ]
    )
    assert lines == [
        "  network: cannot connect: connection refused (2 sources: a, b)",
        "  c: http-status: http://h/c: HTTP 404 Not Found",
    ]


def test_library_reprs_never_reach_a_message() -> None:
    port = free_port()
    with make_session(FetchSettings(retries=0)) as session, pytest.raises(requests.RequestException) as info:
        session.get(f"http://127.0.0.1:{port}/", timeout=2)
    said = reason_of(info.value)
    assert "object at 0x" not in said and "HTTPConnection" not in said and "Errno" not in said
    assert said == "cannot connect: connection refused"
    pooled = (
        "HTTPSConnectionPool(host='x.org', port=443): Max retries exceeded with url: /p (Caused by "
        "NewConnectionError('<urllib3.connection.HTTPSConnection object at 0x7f3a2b>: Failed to establish a new "
        "connection: [Errno -2] Name or service not known'))"
    )
    assert plain_reason(pooled) == "cannot connect: Name or service not known"


def test_the_coverage_api_s_token_call_is_named_in_words() -> None:
    source = (Path(__file__).resolve().parents[1] / "tracker" / "fetch" / "cms.py").read_text(encoding="utf-8")
    assert (
        'f"license token {TOKEN_PATH}' not in source
        and 'LICENSE = "the CMS Coverage API\'s license agreement"' in source
    )
    assert os.sep  # the message itself is checked through the API fixtures in test_mcd.py
