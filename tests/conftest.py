"""Shared fixtures: the loopback servers (tests/helpers.py), a work dir with sources.toml, a clean environment.

Every server fixture is the same: a fresh server on 127.0.0.1 (a free port) for the test's duration.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import Mailbox, PolicyServer, SlackHook, Workdir
from tests.mcd_api import CoverageAPI


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
