"""Read commands start at once (issue 15): they import none of the heavy stages' libraries."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tracker.demo import DemoResult, run_demo

HEAVY = (
    "pdfplumber",
    "pdfminer",
    "pypdfium2",
    "bs4",
    "lxml",
    "apscheduler",
    "requests",
    "openpyxl",
    "feedgen",
    "apprise",
)

_PROBE = (
    f"HEAVY = {HEAVY!r}\n"
    + """
import json, sys
from tracker.cli import cli
try:
    cli(sys.argv[1:], prog_name="tracker")
except SystemExit:
    pass
heavy = sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in HEAVY})
print(json.dumps(heavy), file=sys.stderr)
"""
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    return run_demo(tmp_path_factory.mktemp("startup") / "demo", out=lambda _line: None)


def _imported(demo: DemoResult, *args: str) -> list[str]:
    argv = ["--sources", str(demo.sources), "--data", str(demo.data), *args]
    done = subprocess.run([sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, timeout=60)
    assert "Traceback" not in done.stderr, done.stderr
    return list(json.loads(done.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("status", "--json"),
        ("status",),
        ("changes", "--json"),
        ("runs", "--json"),
        ("history", "cigna-0525"),
        ("show", "cigna-0525"),
        ("diff", "cigna-0525"),
        ("search", "neurolysis"),
        ("digest",),
        ("review",),
        ("review", "--stats"),
        ("status", "--csv"),
    ],
    ids=lambda a: " ".join(a),
)
def test_a_read_command_imports_no_heavy_library(demo: DemoResult, args: tuple[str, ...]) -> None:
    assert _imported(demo, *args) == []


def test_the_probe_sees_heavy_imports_when_there_are_some(demo: DemoResult, tmp_path: Path) -> None:
    """The check above is not vacuous: extracting a document does import the parsers."""
    page = tmp_path / "p.html"
    page.write_text("<html><body><h1>Policy</h1><p>CPT 64600 is covered.</p></body></html>", encoding="utf-8")
    assert "bs4" in _imported(demo, "extract", str(page))
    assert "openpyxl" in _imported(demo, "status", "--xlsx", str(tmp_path / "grid.xlsx"))
