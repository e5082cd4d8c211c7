"""A read-only data directory (issue 23, item 8): ``run`` names the cause and exits 3; reading works.

Before: ``run`` died with a traceback (``OSError: Read-only file system: …/run.lock``) and
``status``/``changes`` said "no space left" (a read-only file system may show little free space,
and SQLite could not create the -shm file a WAL database needs). Now a run stops with "cannot
write to DIR: read-only", exit 3, and the read commands open the history read-only (``mode=ro``,
or ``immutable=1`` when no -wal/-shm file is there and none can be made).

Two honest mechanisms, both real: a read-only bind mount in a private mount namespace
(``unshare --map-root-user --mount``: EROFS from the kernel, for root and for other users), and
permission bits (EACCES), which stop only a user who is not root: as root, the CLI runs as
``nobody`` (``setpriv``) on a copy of the history that user may read.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from tests import samples
from tests.helpers import AETNA_PATH, PolicyServer, Workdir, aetna_only

AETNA = AETNA_PATH
ROOT = Path(__file__).resolve().parents[1]
NOBODY = 65534


def build_history(server: PolicyServer, work: Workdir) -> None:
    """Two runs: the baseline, then a real change (covered → not covered)."""
    work.write_sources(aetna_only(server.url(AETNA)))
    for version in (1, 2):
        server.set(AETNA, samples.aetna_cpb_html(version))
        assert work.cli("run", "--no-notify").exit_code == 0


def settled_copy(data: Path, into: Path) -> Path:
    """The history as a cleanly closed database leaves it: tracker.db whole, no -wal or -shm file."""
    with closing(sqlite3.connect(data / "tracker.db")) as db:
        db.execute("pragma wal_checkpoint(TRUNCATE)")
    into.mkdir()
    shutil.copy2(data / "tracker.db", into / "tracker.db")
    shutil.copytree(data / "raw", into / "raw")
    return into


def tracker(work: Workdir, data: Path, *args: str, prefix: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env["PYTHONPATH"] = str(ROOT)
    command = [*prefix, sys.executable, "-m", "tracker", "--sources", str(work.sources), "--data", str(data), *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False)


def on_read_only_mount(work: Workdir, data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI with ``data`` bind-mounted read-only over itself, in a mount namespace of its own."""
    mount = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"'
    prefix = ("unshare", "--map-root-user", "--mount", "sh", "-c", mount, "sh", str(data))
    return tracker(work, data, *args, prefix=prefix)


def on_full_read_only_fs(work: Workdir, data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI with ``data`` on a small read-only tmpfs with under 1 MB free (once: "no space left")."""
    size = sum(p.stat().st_size for p in data.rglob("*") if p.is_file()) // 1024 + 512
    mount = (
        'mount -t tmpfs -o "size=$2k" tmpfs "$1" && cp -a "$3/." "$1/" && mount -o remount,ro "$1" '
        '&& shift 3 && exec "$@"'
    )
    mounted = work.path / "full"
    mounted.mkdir(exist_ok=True)
    prefix = ("unshare", "--map-root-user", "--mount", "sh", "-c", mount, "sh", str(mounted), str(size), str(data))
    return tracker(work, mounted, *args, prefix=prefix)


def listing(data: Path) -> dict[str, int]:
    return {str(p.relative_to(data)): p.stat().st_size for p in sorted(data.rglob("*"))}


@pytest.fixture
def history(server: PolicyServer, work: Workdir) -> Path:
    build_history(server, work)
    return work.data


@pytest.mark.parametrize("state", ["as-left", "settled", "full"])
def test_a_read_only_mount_stops_a_run_with_its_cause_and_reads_still_work(
    history: Path, work: Workdir, state: str
) -> None:
    """As the run left it (-wal and -shm there), settled (neither), and on a read-only file system nearly full."""
    data = history if state == "as-left" else settled_copy(history, work.path / "settled")
    runner = on_full_read_only_fs if state == "full" else on_read_only_mount
    shown = work.path / "full" if state == "full" else data
    before = listing(data)
    for args in (("run",), ("prune", "--keep-days", "1")):
        result = runner(work, data, *args)
        assert result.returncode == 3, (args, result.stdout, result.stderr)
        assert f"cannot write to {shown}: read-only" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and "no space left" not in result.stderr
    assert_reads_work(work, data, runner)
    assert listing(data) == before


def assert_reads_work(work: Workdir, data: Path, runner: Any) -> None:
    """status, changes, runs and history answer from the read-only history, the change included."""
    answers = {}
    for args in (("status",), ("changes",), ("runs",)):
        result = runner(work, data, *args, "--json")
        assert result.returncode == 0, (args, result.stderr)
        assert "Traceback" not in result.stderr
        answers[args[0]] = json.loads(result.stdout)
    assert [(r["source"], r["status"]) for r in answers["status"]] == [("aetna-0374", "not_covered")]
    assert sorted((c["kind"], c["new_status"]) for c in answers["changes"]) == [
        ("changed", "not_covered"),
        ("new", "covered"),
    ]
    assert len(answers["runs"]) == 2
    shown = runner(work, data, "history", "aetna-0374")
    assert shown.returncode == 0 and "v2" in shown.stdout, shown.stderr


def test_permission_bits_stop_a_run_with_its_cause_and_reads_still_work(history: Path, work: Workdir) -> None:
    """EACCES, as a user who is not root (as root: ``nobody``, on a copy that user may read)."""
    if os.geteuid() == 0:
        shared = Path(tempfile.mkdtemp(prefix="tracker-ro-"))
        try:
            _permission_case(work, settled_copy(history, shared / "data"), shared, as_nobody=True)
        finally:
            shutil.rmtree(shared)
    else:
        data = settled_copy(history, work.path / "data-ro")
        try:
            _permission_case(work, data, work.path, as_nobody=False)
        finally:
            for path in (data, *data.rglob("*")):
                path.chmod(0o755 if path.is_dir() else 0o644)


def _permission_case(work: Workdir, data: Path, top: Path, *, as_nobody: bool) -> None:
    prefix: tuple[str, ...] = ()
    if as_nobody:
        prefix = ("setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups")
        shutil.copy2(work.sources, top / "sources.toml")
        work = Workdir(top)
    for path in (data, *data.rglob("*")):  # readable by all, writable by none
        path.chmod(0o555 if path.is_dir() else 0o444)
    top.chmod(0o755)

    def runner(w: Workdir, d: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return tracker(w, d, *args, prefix=prefix)

    result = runner(work, data, "run")
    assert result.returncode == 3, (result.stdout, result.stderr)
    assert f"cannot write to {data}: permission denied" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert_reads_work(work, data, runner)
    assert sorted(p.name for p in data.iterdir()) == ["raw", "tracker.db"]  # no -wal, -shm or lock made
