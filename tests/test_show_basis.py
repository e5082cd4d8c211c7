"""`tracker show` says why each section has its status (issue 12's basis), in words and in JSON."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tracker.cli import cli
from tracker.demo import DemoResult, run_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    return run_demo(tmp_path_factory.mktemp("basis") / "demo", out=lambda _line: None)


def _show(demo: DemoResult, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--sources", str(demo.sources), "--data", str(demo.data), "show", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_show_prints_the_basis_of_each_section(demo: DemoResult) -> None:
    text = _show(demo, "cigna-0525")
    assert "→ experimental — table caption: 'Experimental/Investigational/Unproven'" in text
    assert "→ mentioned — not policy: heading 'Revision Details'" in text  # a revision note never decides


def test_show_json_carries_the_basis_of_each_section(demo: DemoResult) -> None:
    row = json.loads(_show(demo, "cigna-0525", "--json"))
    assert row["basis"] == "latest"  # the version's own basis (which version is in force) is unchanged
    rules = [s["basis"]["rule"] for s in row["sections"]]
    assert "cigna-eiu" in rules and all(set(s["basis"]) == {"rule", "phrase", "from"} for s in row["sections"])
