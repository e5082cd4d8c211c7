"""The report's folder grows with the changes it shows, not with the history (issue 15): `--since` shows recent
changes only (and copies only their captures); `--link-captures` links the data directory's captures instead."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from tests.helpers import build_history
from tracker.cli import cli


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two runs (2026-02-01: first captures; 2026-04-22: three real changes); the work dir."""
    root = tmp_path_factory.mktemp("captures")
    build_history(root)
    return root


def _report(root: Path, out: Path, *args: str) -> BeautifulSoup:
    argv = ["--sources", str(root / "sources.toml"), "--data", str(root / "data"), "report", str(out), *args]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 0, result.output
    return BeautifulSoup((out / "index.html").read_text(encoding="utf-8"), "lxml")


def test_since_shows_recent_changes_and_copies_only_their_captures(history: Path, tmp_path: Path) -> None:
    everything = _report(history, tmp_path / "all")
    recent = _report(history, tmp_path / "recent", "--since", "2026-04-01")
    all_copies = sorted(p.name for p in (tmp_path / "all" / "captures").iterdir())
    recent_copies = sorted(p.name for p in (tmp_path / "recent" / "captures").iterdir())
    assert recent_copies and set(recent_copies) < set(all_copies)  # the first captures' bodies are not copied
    linked = {a["href"].removeprefix("captures/") for a in recent.select('a[href^="captures/"]')}
    assert linked == set(recent_copies)
    assert len(recent.select("article.change")) == len(everything.select("article.change"))  # the real changes
    assert "First capture" in everything.get_text() and "First capture" not in recent.get_text()


def test_link_captures_copies_nothing_and_links_readable_copies_in_the_data_directory(
    history: Path, tmp_path: Path
) -> None:
    out = tmp_path / "linked"
    dom = _report(history, out, "--link-captures")
    assert not (out / "captures").exists()
    hrefs = [a["href"] for a in dom.select("article.change a[href]") if "/readable/" in a["href"]]
    assert hrefs and all(not h.startswith(("/", "http")) for h in hrefs)  # relative, so the folder can move with data
    assert not any(h.endswith(".gz") for h in hrefs)  # a browser shows them instead of downloading them
    for href in hrefs:
        path = (out / href).resolve()
        assert path.parent == (history / "data" / "readable").resolve()
        if path.suffix == ".pdf":
            assert hashlib.sha256(path.read_bytes()).hexdigest() == path.stem  # decompressed, byte for byte
        else:
            assert "A capture kept by tracker" in path.read_text(encoding="utf-8")
    again = _report(history, tmp_path / "again", "--link-captures")  # made once, shared by every report
    assert {a["href"] for a in again.select("article.change a[href]") if "/readable/" in a["href"]}
    assert gzip.decompress((history / "data" / "raw").glob("*/*.gz").__next__().read_bytes())
