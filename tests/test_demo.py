"""tracker demo: the bundled sample policies, and the whole offline pipeline run end to end.

The bundled files (tracker/demo/data/) are generated once by tests/samples.py and committed,
because reportlab is a test-only dependency. ``test_bundled_files_are_what_samples_generate``
keeps them from drifting: HTML must be byte-identical; PDFs must extract to exactly the same
metadata and sections (a reportlab release may change a PDF's bytes, not its text).
Regenerate them with ``python -m tests.test_demo``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests import samples
from tests.helpers import ticking
from tracker.demo import DATA_DIR, DEMO_SOURCES, run_demo
from tracker.errors import ConfigError
from tracker.extract import extract

GENERATED: dict[str, Callable[[], bytes]] = {
    "aetna-0374.v1.html": lambda: samples.aetna_cpb_html(1),
    "aetna-0374.v2.html": lambda: samples.aetna_cpb_html(2),
    "cigna-0525.v1.pdf": lambda: samples.cigna_policy_pdf(1),
    "cigna-0525.v2.pdf": lambda: samples.cigna_policy_pdf(2),
    "uhc-2025T0080G.v1.pdf": lambda: samples.uhc_policy_pdf(1),
    "uhc-2025T0080G.v2.pdf": lambda: samples.uhc_policy_pdf(2),
    "anthem-cg-surg-89.html": lambda: samples.anthem_guideline_html(1),
    "horizon-142.v1.html": lambda: samples.horizon_range_html(1),
    "horizon-142.v2.html": lambda: samples.horizon_range_html(2),
    "bcbs-al-mp314.html": samples.bcbs_trap_html,
    "access-denied.html": samples.challenge_html,
}


def bundled() -> dict[str, Path]:
    return {p.name: p for p in DATA_DIR.iterdir() if p.suffix in (".html", ".pdf")}


def test_bundled_files_are_what_samples_generate() -> None:
    files = bundled()
    assert set(files) == set(GENERATED)
    used = {name for s in DEMO_SOURCES for name in s.files}
    assert used == set(GENERATED)
    for name, make in GENERATED.items():
        fresh, shipped = make(), files[name].read_bytes()
        if name.endswith(".html"):
            assert shipped == fresh, f"{name} drifted from tests/samples.py; run python -m tests.test_demo"
        else:
            assert extract(shipped, "pdf", ("64600",)) == extract(fresh, "pdf", ("64600",)), name


def test_bundled_files_are_small() -> None:
    assert sum(p.stat().st_size for p in DATA_DIR.iterdir()) < 300_000


def test_demo_runs_the_whole_pipeline(tmp_path: Path) -> None:
    lines: list[str] = []
    result = run_demo(tmp_path / "demo", out=lines.append, clock=ticking(datetime(2026, 4, 22, 6, 0, tzinfo=UTC)))
    printed = "\n".join(lines)
    found = sorted((source, c.kind, c.old_status, c.new_status) for source, c in result.changes)
    assert ("cigna-0525", "changed", "covered", "experimental") in found
    assert ("aetna-0374", "changed", "covered", "not_covered") in found
    assert ("horizon-142", "removed", "covered", "absent") in found
    assert "Cigna 0525 · CPT 64600: covered → experimental" in result.digest
    assert result.digest in printed and "COULD NOT BE CHECKED" in result.digest  # BCBS Alabama's "Access Denied"
    assert result.report.is_file() and str(result.report) in printed
    html = result.report.read_text(encoding="utf-8")
    assert "covered → experimental" in html and "<ins" in html and "<del" in html
    assert result.sources.is_file() and (result.data / "tracker.db").is_file()
    assert re.search(r"http://127\.0\.0\.1:\d+/", result.sources.read_text(encoding="utf-8"))


def test_demo_needs_a_new_or_empty_directory(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_text("keep me")
    with pytest.raises(ConfigError, match="not empty"):
        run_demo(tmp_path, out=lambda line: None)
    assert (tmp_path / "old.txt").read_text() == "keep me" and not (tmp_path / "sources.toml").exists()


def write_bundled() -> None:
    """Regenerate tracker/demo/data/ from tests/samples.py."""
    for name, make in GENERATED.items():
        (DATA_DIR / name).write_bytes(make())
        print(f"wrote {DATA_DIR / name}")


if __name__ == "__main__":
    write_bundled()
