"""Issue 14 item 8: the report on a phone — rendered in Chromium at desktop width and at 390 px.

A copy of the report gets a measuring script (the report itself has none) and Chromium's
--dump-dom returns what it found: a table wider than the viewport, a word wider than its
cell (which a browser can only break letter by letter), a page that scrolls sideways.
Both screenshots are kept under pytest's base temp dir (``artifacts/``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from tests.helpers import RUN_2, build_history, ticking
from tracker.report.write import write_report
from tracker.store.database import open_store

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)

PROBE = """<script>
(() => {
  const vw = document.documentElement.clientWidth, found = [];
  for (const t of document.querySelectorAll("table")) {
    const r = t.getBoundingClientRect();
    const where = `${Math.round(r.left)}..${Math.round(r.right)}`;
    if (r.right > vw + 0.5 || r.left < -0.5) found.push(`table ${t.id || t.className} spans ${where} of ${vw}`);
  }
  for (const cell of document.querySelectorAll("td, tbody th")) {  // a phone's headers are visually hidden
    const cs = getComputedStyle(cell);
    const room = cell.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    const plain = w => w.length > 1 && w.length <= 24 && !/[\\/:@=_]/.test(w);  // not URLs, hashes, errors
    const words = new Set(cell.innerText.split(/\\s+/).filter(plain));
    for (const w of words) {
      const probe = document.createElement("span");
      probe.style.cssText = "white-space:nowrap;position:absolute;visibility:hidden";
      probe.style.font = cs.font;
      probe.textContent = w;
      cell.appendChild(probe);
      const width = probe.getBoundingClientRect().width;
      probe.remove();
      if (width > room + 0.5) found.push(`word "${w}" (${Math.round(width)} px) in a ${Math.round(room)} px cell`);
    }
  }
  const page = document.scrollingElement.scrollWidth;
  if (page > vw + 1) found.push(`the page scrolls sideways: ${page} px in ${vw}`);
  document.body.setAttribute("data-layout", JSON.stringify({viewport: vw, problems: found}));
})();
</script>"""


def _chromium(*args: str) -> str:
    binary = shutil.which("chromium") or "/usr/bin/chromium"
    assert Path(binary).exists(), "headless Chromium is required: apt-get install -y chromium (.ci/run does)"
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        proc = subprocess.run(
            [binary, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=120
        )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("phone")
    store = open_store(build_history(root))
    index = write_report(store, root / "out", clock=ticking(RUN_2 + timedelta(hours=1)))
    store.close()
    return index


def _frame(index: Path, width: int, probe: bool) -> Path:
    """A page that shows the report in an iframe ``width`` px wide: Chromium's window is never under 500 px,
    an iframe's viewport is what the report's media queries see."""
    page = index
    if probe:
        page = index.with_name("probe.html")
        page.write_text(index.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    outer = index.with_name(f"frame-{width}{'-probe' if probe else ''}.html")
    copy = "document.body.setAttribute('data-layout', this.contentDocument.body.getAttribute('data-layout'))"
    outer.write_text(
        '<!DOCTYPE html><html><body style="margin:0">'
        f'<iframe src="{page.name}" style="width:{width}px;height:3800px;border:0;display:block"'
        f' onload="{copy if probe else ""}"></iframe></body></html>',
        encoding="utf-8",
    )
    return outer


def _window(width: int, height: int) -> str:
    return f"--window-size={max(width, 500)},{height}"


def _layout(index: Path, width: int) -> dict[str, object]:
    outer = _frame(index, width, probe=True)
    html = _chromium("--allow-file-access-from-files", "--dump-dom", _window(width, 3800), outer.as_uri())
    dom = BeautifulSoup(html, "lxml")
    assert dom.body is not None and dom.body.get("data-layout"), "the probe did not run"
    return dict(json.loads(str(dom.body["data-layout"])))


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_no_table_overflows_and_no_word_is_broken(report: Path, width: int) -> None:
    layout = _layout(report, width)
    assert layout["viewport"] == width
    assert layout["problems"] == []


@pytest.mark.browser
def test_desktop_and_phone_screenshots_are_kept(report: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    artifacts = tmp_path_factory.getbasetemp() / "artifacts"
    artifacts.mkdir(exist_ok=True)
    for name, width in (("report-desktop.png", 1280), ("report-phone-390.png", 390)):
        shot = artifacts / name
        shot.unlink(missing_ok=True)
        outer = _frame(report, width, probe=False)
        _chromium("--allow-file-access-from-files", f"--screenshot={shot}", _window(width, 3800), outer.as_uri())
        print(f"report screenshot: {shot}")
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
