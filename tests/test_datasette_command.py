"""Issue 22 item 3: `tracker datasette` serves the history with the shipped canned queries on 127.0.0.1.

Datasette runs for real (a test dependency; the `datasette` extra for users), in its own process,
queried over loopback HTTP; without Datasette the command says how to install it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import build_history, free_port
from tracker.cli import cli


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_history(tmp_path_factory.mktemp("datasette-command"))


def _get(url: str, deadline: float) -> dict[str, object]:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - loopback only
                loaded = json.loads(answer.read())
                assert isinstance(loaded, dict)
                return loaded
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_tracker_datasette_serves_the_canned_queries_on_loopback(data: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    command = [sys.executable, "-m", "tracker", "--data", str(data), "datasette", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}/tracker"
        found = _get(f"{base}/status_of_a_code.json?code=64600&_shape=objects", time.monotonic() + 30)
        rows = found["rows"]
        assert isinstance(rows, list)
        assert {r["source"] for r in rows} >= {"aetna-0374", "cigna-0525"}
        since = _get(f"{base}/changes_to_a_code_since.json?code=64600&since=2026-01-01&_shape=objects", 1e12)
        assert since["rows"], since
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert f"Datasette on http://127.0.0.1:{port}/tracker" in err
    assert "Traceback" not in err


def test_the_command_binds_to_loopback_only() -> None:
    from tracker.cli.browse import DATASETTE_YAML, datasette_command

    command = datasette_command(Path("x/tracker.db"), 8123, True)
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert "0.0.0.0" not in command and "--open" in command
    assert str(DATASETTE_YAML) in command and DATASETTE_YAML.exists()


def test_without_datasette_it_says_how_to_install_it(data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "datasette", None)  # what find_spec answers when it is not installed
    result = CliRunner().invoke(cli, ["--data", str(data), "datasette"])
    assert result.exit_code == 2
    assert "pip install 'payer-policy-tracker[datasette]'" in result.stderr
    assert "Traceback" not in result.output


def test_help_names_the_port_and_open_options() -> None:
    result = CliRunner().invoke(cli, ["datasette", "--help"])
    assert result.exit_code == 0
    assert "--port N" in result.output and "--open" in result.output and "127.0.0.1" in result.output
