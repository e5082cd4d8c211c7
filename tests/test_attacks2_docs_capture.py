"""Issue 23, item 7: a corrupted raw capture costs one version, never the batch.

The captures are real gzip files of a real history (the bundled demo's SQLite database and raw directory),
damaged on disk the ways a disk, a copy or a hand can damage them; `tracker reextract` reports each damaged
version unreadable ("missing or damaged"), reads every other one, stores nothing for the damaged one (its
last reading stays) and exits 1 with "; N could not be read".
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers import demo_cli, demo_rows
from tracker.demo import DemoResult
from tracker.errors import StoreError
from tracker.store.raw import RawStore


def _flip_deflate_bytes(gz: bytes) -> bytes:
    damaged = bytearray(gz)
    for i in range(40, 60):  # inside the deflate stream, past the 10-byte gzip header
        damaged[i] ^= 0xFF
    return bytes(damaged)


def _cut_in_half(gz: bytes) -> bytes:
    return gz[: len(gz) // 2]


def _break_crc(gz: bytes) -> bytes:
    damaged = bytearray(gz)
    damaged[-8] ^= 0x01  # the CRC-32 in the trailer
    return bytes(damaged)


def _garbage(gz: bytes) -> bytes:
    return b"\x00" * len(gz)


def _another_body(gz: bytes) -> bytes:
    return gzip.compress(gzip.decompress(gz) + b"\n", mtime=0)  # inflates, to a body of another sha256


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "deflate-bits-flipped": _flip_deflate_bytes,
    "cut-in-half": _cut_in_half,
    "crc-broken": _break_crc,
    "zeroed": _garbage,
    "another-body": _another_body,
    "empty": lambda _gz: b"",
}


def _first_capture(demo: DemoResult, source: str) -> tuple[str, Path]:
    [(sha,)] = demo_rows(demo, f"select sha256 from documents where source_id = '{source}' order by id limit 1")
    assert isinstance(sha, str)
    return sha, demo.data / "raw" / sha[:2] / f"{sha}.gz"


def _damage(path: Path, how: Callable[[bytes], bytes]) -> None:
    path.write_bytes(how(path.read_bytes()))


@pytest.mark.parametrize("how", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_capture_reads_as_missing_or_damaged(demo: DemoResult, how: Callable[[bytes], bytes]) -> None:
    sha, path = _first_capture(demo, "cigna-0525")
    raw = RawStore(demo.data / "raw")
    assert len(raw.load(sha)) > 0  # the capture is good before the damage
    _damage(path, how)
    with pytest.raises(StoreError, match=f"raw capture {sha} is missing or damaged"):
        raw.load(sha)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_reextract_over_a_damaged_capture_reports_that_version_and_reads_the_rest(demo: DemoResult, jobs: str) -> None:
    _sha, path = _first_capture(demo, "cigna-0525")
    _damage(path, _flip_deflate_bytes)  # the case of the sweep: a zlib error in the middle of the stream
    result = demo_cli(demo, "reextract", "--dry-run", "--jobs", jobs)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "zlib" not in repr(result.exception)
    assert "warning: cigna-0525 v1" in result.output and "missing or damaged" in result.output
    assert "Re-read 10 versions of 6 sources" in result.output
    assert "0 read differently" in result.output and "; 1 could not be read." in result.output


def test_several_damaged_captures_each_cost_one_version_and_the_last_readings_stay(demo: DemoResult) -> None:
    before = demo_rows(demo, "select * from coverage order by document_id, code")
    damaged = {"cigna-0525": _cut_in_half, "aetna-0374": _break_crc, "uhc-occipital-nerve": _another_body}
    known = {str(s) for (s,) in demo_rows(demo, "select id from sources")}
    assert set(damaged) <= known, known
    for source, how in damaged.items():
        _damage(_first_capture(demo, source)[1], how)
    # a real (not dry) run: a damaged version must not be stored as read from nothing
    result = demo_cli(demo, "reextract", "--jobs", "2")
    assert result.exit_code == 1, result.output
    for source in damaged:
        assert f"warning: {source} v1" in result.output
    assert result.output.count("not re-read") == 3
    assert "; 3 could not be read." in result.output
    assert demo_rows(demo, "select * from coverage order by document_id, code") == before
    assert demo_rows(demo, "select count(*) from superseded_readings") == [(0,)]
    again = demo_cli(demo, "reextract", "--dry-run", "--json", "--jobs", "1")
    assert again.exit_code == 1 and again.stdout.strip() == "[]"  # JSON on stdout, the warnings on stderr


def test_reextract_of_a_sound_history_says_nothing_of_unreadable_versions(demo: DemoResult) -> None:
    result = demo_cli(demo, "reextract", "--dry-run", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert "could not be read" not in result.output and "warning" not in result.output
