"""A full disk (issue 13, item 7): exit 3 "no space left in DIR", no traceback, no .tmp left, the database
intact, ``prune`` sweeps stray .tmp files, and the next run recovers.

On a small tmpfs, so it needs root (CI runs as root); skipped, with the reason, otherwise.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing, suppress
from pathlib import Path

import pytest

from tests import samples
from tests.helpers import PolicyServer, Workdir, aetna_only
from tracker.errors import StoreError
from tracker.store.raw import RawStore

AETNA = "/cpb/0374.html"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs mounted for the test."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(directory: Path) -> Path:
    """Write a file until the disk is full; return it (delete it to make room again)."""
    filler = directory / "filler"
    for size in (65536, 1):  # big pieces, then the last bytes one at a time
        with suppress(OSError), open(filler, "ab", buffering=0) as out:
            while out.write(b"\0" * size):
                pass
    return filler


def _sources(server: PolicyServer) -> str:
    return aetna_only(server.url(AETNA))


def _count(db_path: Path, table: str) -> int:
    with closing(sqlite3.connect(db_path)) as db:
        return int(db.execute(f"select count(*) from {table}").fetchone()[0])  # noqa: S608 - the test's own names


def test_a_run_on_a_full_disk_exits_3_and_the_next_run_recovers(
    small_disk: Path, server: PolicyServer, tmp_path: Path
) -> None:
    work = Workdir(tmp_path)
    work.write_sources(_sources(server))
    data = small_disk / "data"
    cli = lambda *args: work.cli("--data", str(data), *args)  # noqa: E731 - the data dir on the small disk
    server.set(AETNA, samples.aetna_cpb_html(1))
    assert cli("run").exit_code == 0
    stray = data / "raw" / "ab" / "stray.tmp"  # what a process killed while writing leaves
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"half a capture")
    versions = _count(data / "tracker.db", "documents")

    padding = b"<!-- " + os.urandom(200_000).hex().encode() + b" -->"  # a body too big for what is left
    server.set(AETNA, samples.aetna_cpb_html(2).replace(b"</body>", padding + b"</body>"))
    filler = fill(small_disk)
    full = cli("run")
    assert full.exit_code == 3, full.output
    assert f"no space left in {data}" in full.output and "Traceback" not in full.output
    assert [p.name for p in data.rglob("*.tmp")] == ["stray.tmp"]  # the failed run left none of its own

    filler.unlink()
    with closing(sqlite3.connect(data / "tracker.db")) as db:
        assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert _count(data / "tracker.db", "documents") == versions
    assert cli("prune", "--keep-days", "3650").exit_code == 0
    assert not list(data.rglob("*.tmp"))
    again = cli("run")
    assert again.exit_code == 0, again.output
    assert "1 changed" in again.output
    assert {c["kind"] for c in work.json("--data", str(data), "changes")} == {"new", "changed"}


def test_a_raw_capture_that_does_not_fit_leaves_no_tmp_file(small_disk: Path) -> None:
    raw = RawStore(small_disk / "raw")
    with pytest.raises(StoreError, match=f"no space left in {small_disk}"):
        raw.save("ab" * 32, os.urandom(4 * 1024 * 1024))  # random bytes do not compress
    assert not list(small_disk.rglob("*.tmp"))
    assert not raw.path("ab" * 32).exists()
