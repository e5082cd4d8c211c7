"""Issue 14 item 9: NO_COLOR and --no-color, changes --kind/--limit/--all, relative dates, prune --dry-run."""

from __future__ import annotations

import io
import os
import shutil
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pexpect
import pytest

from tests.helpers import Workdir, build_history


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("history")
    build_history(root)
    return root


@pytest.fixture
def hist(history: Path) -> Workdir:
    return Workdir(history)


def _on_a_terminal(work: Workdir, *args: str, env: dict[str, str] | None = None) -> str:
    base = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_") and k != "NO_COLOR"}
    argv = ["-m", "tracker", "--sources", str(work.sources), "--data", str(work.data), *args]
    child = pexpect.spawn(sys.executable, argv, env={**base, **(env or {})}, encoding="utf-8", timeout=30)
    child.logfile_read = io.StringIO()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    return child.logfile_read.getvalue()


def test_diff_is_coloured_on_a_terminal_unless_no_color(hist: Workdir) -> None:
    assert "\x1b[" in _on_a_terminal(hist, "diff", "cigna-0525")
    for plain in (
        _on_a_terminal(hist, "diff", "cigna-0525", env={"NO_COLOR": "1"}),
        _on_a_terminal(hist, "--no-color", "diff", "cigna-0525"),
    ):
        assert "\x1b[" not in plain
        assert "{+" in plain and "[-" in plain  # the words still marked, in wdiff notation


def test_changes_hides_the_baseline_rows_unless_all(hist: Workdir) -> None:
    table = hist.cli("changes").output
    assert " new " not in table and "baseline row(s) of first captures not shown: --all shows them" in table
    assert " new " in hist.cli("changes", "--all").output
    assert any(r["kind"] == "new" for r in hist.json("changes"))  # JSON keeps every row (the contract)
    only_new = hist.cli("changes", "--kind", "new").output
    assert " new " in only_new and " changed " not in only_new


def test_changes_kind_and_limit(hist: Workdir) -> None:
    every = hist.json("changes")
    changed = hist.json("changes", "--kind", "changed")
    assert changed and {c["kind"] for c in changed} == {"changed"}
    assert hist.json("changes", "--limit", "2") == every[-2:]
    both = hist.json("changes", "--kind", "changed", "--kind", "removed")
    assert {c["kind"] for c in both} <= {"changed", "removed"} and len(both) > len(changed)
    assert hist.cli("changes", "--kind", "moved").exit_code == 2


def test_changes_table_says_statuses_in_words(hist: Workdir) -> None:
    table = hist.cli("changes").output
    assert "not covered" in table and "not_covered" not in table


def test_relative_dates(hist: Workdir) -> None:
    everything = hist.json("changes")
    assert hist.json("changes", "--since", "7d") == []  # the history is from 2026-02 and 2026-04
    days = (datetime.now(UTC) - datetime(2026, 4, 1, tzinfo=UTC)).days
    assert hist.json("changes", "--since", f"{days}d") == [c for c in everything if c["detected_at"] >= "2026-04-01"]
    weeks = days // 7 + 1
    since = (datetime.now(UTC) - timedelta(weeks=weeks)).date().isoformat()
    assert hist.json("changes", "--since", f"{weeks}w") == [c for c in everything if c["detected_at"] >= since]
    bad = hist.cli("changes", "--since", "7x")
    assert bad.exit_code == 2 and "such as 7d or 2w" in bad.output


def test_prune_dry_run_deletes_nothing_and_says_what_it_would(hist: Workdir, tmp_path: Path) -> None:
    raw = sorted(p.name for p in (hist.data / "raw").rglob("*") if p.is_file())
    dry = hist.cli("prune", "--keep-days", "0", "--dry-run")
    assert dry.exit_code == 0 and dry.output.startswith("Would delete 1 raw capture(s)")  # Anthem's challenge page
    assert "(dry run)" in dry.output
    assert sorted(p.name for p in (hist.data / "raw").rglob("*") if p.is_file()) == raw
    copy = Workdir(tmp_path / "copy")
    shutil.copytree(hist.path, copy.path)
    real = copy.cli("prune", "--keep-days", "0")
    assert real.output.replace("Deleted", "Would delete").split(";")[0] == dry.output.split(";")[0]
