"""Issue 22 item 1: the data follows its configuration, from any working directory; --verbose names the database.

Real runs against the loopback policy server, a real SQLite file, the CLI through CliRunner.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.helpers import FAST_FETCH, PolicyServer, cigna_only
from tests.samples import cigna_policy_pdf
from tracker.cli import cli

CIGNA = "/coveragePolicies/medical/mm_0525.pdf"


def tracker(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """XDG directories of the test's own (never the developer's), and a working directory with nothing in it."""
    env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg-config"), "XDG_DATA_HOME": str(tmp_path / "xdg-data")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    return env


def _sources(server: PolicyServer, path: Path) -> Path:
    server.set(CIGNA, cigna_policy_pdf(1), content_type="application/pdf")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(cigna_only(server).replace("\n        ", "\n") + FAST_FETCH, encoding="utf-8")
    return path


def test_a_run_from_another_directory_uses_the_history_beside_the_sources_file(
    server: PolicyServer, home: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = _sources(server, tmp_path / "project" / "sources.toml")
    first = tracker("--sources", str(sources), "run", "--no-notify")
    assert first.exit_code == 0, first.output
    assert (tmp_path / "project" / "snapshots" / "tracker.db").exists()
    assert not (tmp_path / "elsewhere" / "snapshots").exists()
    monkeypatch.chdir(tmp_path)  # another directory again: TRACKER_SOURCES finds the same history
    status = tracker("status", "--json", env={"TRACKER_SOURCES": str(sources)})
    assert status.exit_code == 0, status.output
    assert [r["source"] for r in json.loads(status.stdout)] == ["cigna-0525"]
    second = tracker("run", "--no-notify", env={"TRACKER_SOURCES": str(sources)})
    assert second.exit_code == 0 and "0 new, 0 changed, 1 unchanged" in second.output, second.output
    assert not (tmp_path / "snapshots").exists()
    monkeypatch.chdir(tmp_path / "project")  # and from the sources file's own directory (./sources.toml)
    runs = tracker("runs", "--json")
    assert runs.exit_code == 0 and len(json.loads(runs.stdout)) == 2


def test_the_config_directory_s_sources_keep_their_data_in_the_user_data_directory(
    server: PolicyServer, home: dict[str, str]
) -> None:
    _sources(server, Path(home["XDG_CONFIG_HOME"]) / "tracker" / "sources.toml")
    result = tracker("-v", "run", "--no-notify")
    assert result.exit_code == 0, result.output
    database = Path(home["XDG_DATA_HOME"]) / "tracker" / "tracker.db"
    assert database.exists()
    assert f"database: {database}" in result.stderr
    assert "the user data directory" in result.stderr
    assert not Path("snapshots").exists()


def test_data_and_tracker_data_still_win(server: PolicyServer, home: dict[str, str], tmp_path: Path) -> None:
    sources = _sources(server, tmp_path / "project" / "sources.toml")
    assert tracker("--sources", str(sources), "--data", str(tmp_path / "mine"), "run", "--no-notify").exit_code == 0
    assert (tmp_path / "mine" / "tracker.db").exists()
    verbose = tracker(
        "--verbose", "status", env={"TRACKER_SOURCES": str(sources), "TRACKER_DATA": str(tmp_path / "mine")}
    )
    assert verbose.exit_code == 0, verbose.output
    assert f"database: {tmp_path / 'mine' / 'tracker.db'} (TRACKER_DATA)" in verbose.stderr
    assert "cigna-0525" in verbose.stdout


@pytest.mark.parametrize("command", [["status"], ["changes"], ["runs"], ["search", "nerve"], ["test", "x"], ["run"]])
def test_a_named_sources_file_that_does_not_exist_is_an_error_for_every_command(
    home: dict[str, str], tmp_path: Path, command: list[str]
) -> None:
    missing = tmp_path / "nope.toml"
    by_option = tracker("--sources", str(missing), *command)
    assert by_option.exit_code == 2, by_option.output
    assert f"{missing}: no such file (named by --sources)" in by_option.stderr
    by_env = tracker(*command, env={"TRACKER_SOURCES": str(missing)})
    assert by_env.exit_code == 2 and "named by TRACKER_SOURCES" in by_env.stderr
    assert "Traceback" not in by_option.output + by_env.output


def test_init_and_help_need_no_sources_file(home: dict[str, str], tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.toml")
    assert tracker("--sources", missing, "status", "--help").exit_code == 0
    result = tracker("--sources", missing, "init", str(tmp_path / "conf"))
    assert result.exit_code == 0, result.output
    assert f"Sources file: {(tmp_path / 'conf' / 'sources.toml').resolve()}" in result.output
    assert f"Data (captures and tracker.db): {(tmp_path / 'conf' / 'snapshots').resolve()}" in result.output


def test_init_in_the_config_directory_names_the_user_data_directory(home: dict[str, str]) -> None:
    conf = Path(home["XDG_CONFIG_HOME"]) / "tracker"
    result = tracker("init", str(conf))
    assert result.exit_code == 0, result.output
    assert f"Data (captures and tracker.db): {Path(home['XDG_DATA_HOME']) / 'tracker'}" in result.output


def test_a_history_left_at_the_old_default_is_named_not_silently_replaced(
    server: PolicyServer, home: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = _sources(server, tmp_path / "project" / "sources.toml")
    assert tracker("--sources", str(sources), "--data", "snapshots", "run", "--no-notify").exit_code == 0
    status = tracker("--sources", str(sources), "status")
    assert status.exit_code == 3
    assert "a history database is at snapshots/tracker.db: pass --data snapshots" in status.stderr
    run = tracker("--sources", str(sources), "run", "--no-notify")
    assert "this run starts a new history" in run.stderr and "--data snapshots" in run.stderr
