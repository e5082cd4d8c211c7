"""Issue 14 items 2 and 3: live progress on a terminal, and Ctrl-C, under a real pseudo-terminal (pexpect)."""

from __future__ import annotations

import io
import os
import sqlite3
import sys
import time
from contextlib import closing

import pexpect

from tests import samples
from tests.helpers import PolicyServer, Workdir

NAMES = ("a", "b", "c")


def _slow_sources(server: PolicyServer, work: Workdir, delay: float) -> None:
    for name in NAMES:
        server.set(f"/{name}.html", samples.aetna_cpb_html(1), delay=delay)
    body = 'codes = ["64600"]\n' + "".join(
        f'[[source]]\nid = "{n}"\npayer = "aetna"\ntitle = "{n}"\nurl = "{server.url(f"/{n}.html")}"\n' for n in NAMES
    )
    work.write_sources(body, fetch="[fetch]\ndelay = 0\nretries = 0\nread_timeout = 20\n")


def _spawn(work: Workdir, *args: str) -> pexpect.spawn:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    argv = ["-m", "tracker", "--sources", str(work.sources), "--data", str(work.data), *args]
    child = pexpect.spawn(sys.executable, argv, env=env, encoding="utf-8", timeout=30, dimensions=(40, 200))
    child.logfile_read = io.StringIO()  # everything the terminal showed
    return child


def _screen(child: pexpect.spawn) -> str:
    log = child.logfile_read
    assert isinstance(log, io.StringIO)
    return log.getvalue().replace("\r", "")


def _runs(work: Workdir) -> list[tuple[str, int, int]]:
    with closing(sqlite3.connect(work.data / "tracker.db")) as db:
        return db.execute("select status, sources_ok, sources_total from runs order by id").fetchall()


def _fetched(work: Workdir) -> list[tuple[str, str]]:
    with closing(sqlite3.connect(work.data / "tracker.db")) as db:
        return db.execute("select source_id, outcome from fetches order by id").fetchall()


def test_progress_shows_each_source_as_it_starts_then_its_outcome(server: PolicyServer, work: Workdir) -> None:
    _slow_sources(server, work, delay=0.5)
    child = _spawn(work, "run", "--no-notify")
    child.expect(r"\[1/3\] a fetching … \(\d+\.\d s\)")  # shown as the fetch starts, before any answer
    assert "new" not in (child.before or "")
    child.expect(r"\[1/3\] a new \(first capture\) \(\d+\.\d s\)")
    child.expect("Run 1: checked 3 of 3 sources")
    child.expect(pexpect.EOF)
    child.close()
    shown = _screen(child)
    assert child.exitstatus == 0
    for number, name in ((2, "b"), (3, "c")):
        assert f"[{number}/3] {name} fetching …" in shown and f"[{number}/3] {name} new (first capture)" in shown


def test_no_progress_when_stderr_is_not_a_terminal(server: PolicyServer, work: Workdir) -> None:
    _slow_sources(server, work, delay=0)
    result = work.cli("run", "--no-notify")
    assert result.exit_code == 0
    assert "fetching" not in result.output and result.output.startswith("Run 1: checked 3 of 3")


def test_first_ctrl_c_finishes_the_source_in_progress_records_the_run_and_exits_130(
    server: PolicyServer, work: Workdir
) -> None:
    _slow_sources(server, work, delay=2.0)
    child = _spawn(work, "run", "--no-notify")
    child.expect(r"\[1/3\] a fetching")
    pressed = time.monotonic()
    child.sendintr()
    child.expect_exact("stopping after the sources in progress (Ctrl-C again to quit now)")
    child.expect(r"\[1/3\] a new")
    child.expect("Run 1: checked 1 of 3 sources: 1 new")
    child.expect(r"Interrupted: 2 source\(s\) left for the next run")
    child.expect(pexpect.EOF)
    child.close()
    stopped_after = time.monotonic() - pressed
    print(f"first Ctrl-C to exit: {stopped_after:.2f} s (the source in progress answers after 2 s)")
    assert child.exitstatus == 130
    assert "Traceback" not in _screen(child) and "Aborted!" not in _screen(child)
    assert stopped_after < 6
    assert _runs(work) == [("interrupted", 1, 3)]
    assert _fetched(work) == [("a", "new")]
    assert [n for n in NAMES if server.routes[f"/{n}.html"].hits] == ["a"]  # b and c never started


def test_second_ctrl_c_quits_at_once_and_the_next_run_closes_the_row_as_interrupted(
    server: PolicyServer, work: Workdir
) -> None:
    _slow_sources(server, work, delay=8.0)
    child = _spawn(work, "run", "--no-notify")
    child.expect(r"\[1/3\] a fetching")
    child.sendintr()
    child.expect_exact("Ctrl-C again to quit now")
    pressed = time.monotonic()
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    quit_after = time.monotonic() - pressed
    print(f"second Ctrl-C to exit: {quit_after:.2f} s")
    assert child.exitstatus == 130 and quit_after < 2
    assert _runs(work) == [("running", 0, 3)]  # quit mid-run: the row stays open ...
    for name in NAMES:
        server.set(f"/{name}.html", samples.aetna_cpb_html(1))
    assert work.cli("run", "--no-notify").exit_code == 0
    assert [r[0] for r in _runs(work)] == ["interrupted", "ok"]  # ... and the next start closes it
    shown = work.cli("runs").output
    assert "None" not in shown and "interrupted" in shown
