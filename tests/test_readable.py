"""Issue 14 item 7: one vocabulary of status words in human output, a health column, versions numbered per source."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import Workdir, build_history, free_port


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("history")
    build_history(root)
    return root


@pytest.fixture
def hist(history: Path) -> Workdir:
    return Workdir(history)


def _line(output: str, start: str) -> str:
    [line] = [line for line in output.splitlines() if line.startswith(start)]
    return line


def test_status_has_a_health_column(hist: Workdir, work: Workdir) -> None:
    table = hist.cli("status").output
    assert table.splitlines()[0].split()[-1] == "health"
    assert _line(table, "cigna-0525").endswith("  ok")
    assert _line(table, "anthem-cg-surg-89").endswith("stale since 2026-02-01")  # run 2 met an access-denied page
    work.write_sources(
        f'codes = ["64600"]\n[[source]]\nid = "dead"\npayer = "aetna"\ntitle = "t"\n'
        f'url = "http://127.0.0.1:{free_port()}/x.html"\n'
    )
    assert work.cli("run", "--no-notify").exit_code == 1
    assert _line(work.cli("status").output, "dead").endswith("never checked")


def test_statuses_are_words_in_human_output_and_values_in_json(hist: Workdir) -> None:
    for args in (("status",), ("changes",), ("history", "aetna-0374"), ("show", "aetna-0374"), ("digest",)):
        output = hist.cli(*args).output
        assert "not_covered" not in output, args
    assert "not covered" in hist.cli("status").output and "not covered" in hist.cli("show", "aetna-0374").output
    assert {r["status"] for r in hist.json("status")} >= {"not_covered"}
    assert "not_covered" in {c["new_status"] for c in hist.json("changes")}


def test_versions_are_numbered_per_source_not_by_database_id(hist: Workdir, tmp_path: Path) -> None:
    rows = hist.json("history", "cigna-0525")
    assert [r["number"] for r in rows] == [r["version"] for r in rows] == [1, 2]  # as the table says v1, v2
    assert [r["document_id"] for r in rows] != [1, 2]  # the database ids interleave the sources
    table = hist.cli("history", "cigna-0525").output
    assert [line.split()[0] for line in table.splitlines()[1:]] == ["v1", "v2"]
    assert hist.cli("show", "cigna-0525").output.splitlines()[1].startswith("v2 (the latest version)")
    assert hist.json("show", "cigna-0525", "--at", "2026-03-01")["number"] == 1
    diff = hist.cli("diff", "cigna-0525").output
    assert diff.startswith("--- v1: covered") and "+++ v2: experimental" in diff
    assert hist.cli("report", str(tmp_path / "report")).exit_code == 0
    page = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    ids = {r["document_id"] for r in rows} - {1, 2}
    assert "v1, captured" in page and "v2, captured" in page
    assert not any(f"version {i}," in page or f"v{i}, captured" in page for i in ids)


def test_the_run_summary_and_runs_say_outcomes_in_words(hist: Workdir) -> None:
    shown = hist.cli("runs").output
    assert "anthem-cg-surg-89: failed  challenge:" in shown
    assert "aetna-0374: new (first capture)" in shown
