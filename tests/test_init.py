"""Issue 14 items 10 and 11: `tracker init`, where the sources file is found, the demo's export line."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tracker.cli import cli
from tracker.config.sources import load_config

REPO_SOURCES = Path(__file__).resolve().parent.parent / "sources.toml"


def tracker(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def test_init_writes_the_shipped_sources_commented_and_prints_the_next_steps(tmp_path: Path) -> None:
    result = tracker("init", str(tmp_path / "conf"))
    assert result.exit_code == 0, result.output
    written = tmp_path / "conf" / "sources.toml"
    text = written.read_text(encoding="utf-8")
    assert text.startswith("# sources.toml") and "tracker notify --test" in text
    mine, shipped = load_config(written, {}), load_config(REPO_SOURCES, {})
    assert [(s.id, s.url) for s in mine.sources] == [(s.id, s.url) for s in shipped.sources]
    assert "Next steps:" in result.output and "tracker run" in result.output
    assert f"export TRACKER_SOURCES={shlex.quote(str(written.resolve()))}" in result.output


def test_init_never_overwrites_without_force(tmp_path: Path) -> None:
    (tmp_path / "sources.toml").write_text("# mine\n", encoding="utf-8")
    refused = tracker("init", str(tmp_path))
    assert refused.exit_code == 2 and "already exists" in refused.output
    assert (tmp_path / "sources.toml").read_text(encoding="utf-8") == "# mine\n"
    assert tracker("init", str(tmp_path), "--force").exit_code == 0
    assert "aetna-0374" in (tmp_path / "sources.toml").read_text(encoding="utf-8")


def test_init_without_a_directory_writes_into_the_current_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert tracker("init").exit_code == 0
    assert (tmp_path / "sources.toml").exists()


def _one_source(path: Path, source_id: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'codes = ["64600"]\n[[source]]\nid = "{source_id}"\npayer = "aetna"\ntitle = "t"\n'
        'url = "http://127.0.0.1:9/x.html"\n',
        encoding="utf-8",
    )


def _which(env: dict[str, str], *args: str) -> str:
    """The source id of the sources file the CLI picked (`tracker test nope` names the configured ones)."""
    result = tracker(*args, "test", "nope", env=env)
    assert result.exit_code == 2, result.output
    found = re.search(r"configured: (\S+)", result.output)
    assert found, result.output
    return found.group(1)


def test_the_sources_file_search_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work, xdg = tmp_path / "work", tmp_path / "xdg"
    work.mkdir()
    monkeypatch.chdir(work)
    env = {"XDG_CONFIG_HOME": str(xdg)}
    missing = tracker("test", "nope", env=env)
    assert missing.exit_code == 2 and "tracker init" in missing.output
    assert str(xdg / "tracker" / "sources.toml") in missing.output
    _one_source(xdg / "tracker" / "sources.toml", "from-xdg")
    assert _which(env) == "from-xdg"
    _one_source(work / "sources.toml", "from-cwd")
    assert _which(env) == "from-cwd"
    _one_source(tmp_path / "env.toml", "from-env")
    assert _which({**env, "TRACKER_SOURCES": str(tmp_path / "env.toml")}) == "from-env"
    _one_source(tmp_path / "option.toml", "from-option")
    with_option = ("--sources", str(tmp_path / "option.toml"))
    assert _which({**env, "TRACKER_SOURCES": str(tmp_path / "env.toml")}, *with_option) == "from-option"


def test_the_demo_prints_the_export_line_that_makes_its_commands_short(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = tracker("demo", "--dir", str(tmp_path / "demo"))
    assert result.exit_code == 0, result.output
    [line] = [line.strip() for line in result.output.splitlines() if line.strip().startswith("export ")]
    variables = dict(word.split("=", 1) for word in shlex.split(line)[1:])
    assert set(variables) == {"TRACKER_SOURCES", "TRACKER_DATA"}
    assert Path(variables["TRACKER_SOURCES"]) == (tmp_path / "demo" / "sources.toml").resolve()
    monkeypatch.chdir(tmp_path)
    status = tracker("status", "--json", env=variables)
    assert status.exit_code == 0 and "cigna-0525" in status.output
    assert "tracker init" in result.output
