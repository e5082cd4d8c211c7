"""Shared fixtures: the loopback servers (tests/helpers.py), a work dir with sources.toml, a clean environment.

Every server fixture is the same: a fresh server on 127.0.0.1 (a free port) for the test's duration.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.helpers import Mailbox, PolicyServer, SlackHook, Workdir
from tests.mcd_api import CoverageAPI
from tracker.demo import DemoResult, run_demo


@pytest.fixture
def server() -> Iterator[PolicyServer]:
    """The payers' sites: a PolicyServer whose routes the test sets."""
    with PolicyServer() as srv:
        yield srv


@pytest.fixture
def coverage_api() -> Iterator[CoverageAPI]:
    """The CMS Coverage API, serving nothing yet."""
    with CoverageAPI() as api:
        yield api


@pytest.fixture
def slack() -> Iterator[SlackHook]:
    """Slack's incoming webhook."""
    with SlackHook() as hook:
        yield hook


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """An SMTP server without login or TLS."""
    with Mailbox() as box:
        yield box


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No TRACKER_* variable of the developer's shell leaks into a test."""
    for key in list(os.environ):
        if key.startswith("TRACKER_"):
            monkeypatch.delenv(key)


@pytest.fixture
def work(tmp_path: Path) -> Workdir:
    """A fresh work dir."""
    return Workdir(tmp_path)


@pytest.fixture(scope="module")
def demo_history(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    """The bundled demo's history, made once a module: six sources, two runs, ten stored versions, real changes."""
    return run_demo(tmp_path_factory.mktemp("demo") / "demo", out=lambda _line: None)


@pytest.fixture
def demo(demo_history: DemoResult, tmp_path: Path) -> Iterator[DemoResult]:
    """A copy of the demo history of the test's own."""
    root = tmp_path / "demo"
    shutil.copytree(demo_history.work_dir, root)
    yield replace(demo_history, work_dir=root, sources=root / "sources.toml", data=root / "snapshots")
