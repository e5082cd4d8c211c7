"""The extractor identity: computed from the extraction code and the text-shaping libraries, never by hand."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from tracker.cli import cli
from tracker.extract.identity import LIBRARIES, current_identity, identity_of, library_versions, module_sources


def test_the_same_code_and_libraries_give_the_same_identity_across_processes() -> None:
    other = subprocess.run(
        [sys.executable, "-c", "from tracker.extract.identity import current_identity; print(current_identity())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert other.stdout.strip() == current_identity()
    assert len(current_identity()) == 12


def test_a_library_upgrade_changes_the_identity() -> None:
    sources, versions = module_sources(), library_versions()
    assert set(versions) == set(LIBRARIES) and versions["pdfplumber"]
    base = identity_of(sources, versions)
    assert base == current_identity()
    for library in ("pdfplumber", "lxml", "pdfminer.six"):
        assert identity_of(sources, {**versions, library: "999.0"}) != base, library


def test_an_edit_to_the_extraction_code_changes_the_identity() -> None:
    sources, versions = module_sources(), library_versions()
    assert "extract/sections.py" in sources and "judge/classify.py" in sources
    edited = {**sources, "extract/sections.py": sources["extract/sections.py"].replace(b" \xe2\x80\xba ", b" > ")}
    assert edited != sources
    assert identity_of(edited, versions) != identity_of(sources, versions)


def test_version_shows_the_extractor_identity() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert f"(extractor {current_identity()})" in result.output
