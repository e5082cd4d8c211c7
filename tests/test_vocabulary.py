"""Issue 22 item 4: one vocabulary (tracker/vocab.py) in the CLI, the report, the digest and the help.

One history (two real runs against the loopback server), read through every face: each status
and prior-auth value is said with the vocabulary's word, and nothing else.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import click
import pytest
from bs4 import BeautifulSoup

from tests.helpers import Workdir, build_history
from tracker.cli import cli
from tracker.demo import DEMO_SOURCES
from tracker.vocab import PRIOR_AUTH_WORDS, STATUS_LABELS, STATUS_MEANINGS, STATUS_WORDS

STARTER = Path(__file__).resolve().parents[1] / "tracker" / "demo" / "starter.toml"
RETIRED_WORDS = ("Experimental / investigational", "Mentioned (stance unclear)", "Absent from the policy", "Unknown")


@pytest.fixture(scope="module")
def hist(tmp_path_factory: pytest.TempPathFactory) -> Workdir:
    root = tmp_path_factory.mktemp("vocabulary")
    build_history(root)
    return Workdir(root)


def test_the_status_table_says_statuses_and_prior_auth_in_the_vocabulary_s_words(hist: Workdir) -> None:
    rows = {r["source"]: r for r in hist.json("status")}
    table = hist.cli("status").stdout
    for line in table.splitlines()[1:]:
        row = rows[line.split()[0]]
        assert f"  {STATUS_WORDS[row['status']]}  " in line, line
        assert f"  {PRIOR_AUTH_WORDS[row['prior_auth']]}  " in line, line
    assert rows["cigna-0525"]["status"] == "experimental"
    assert any(r["prior_auth"] is None for r in rows.values())  # an unknown is there to be said


def test_show_and_history_say_versions_and_why_in_words(hist: Workdir) -> None:
    shown = hist.cli("show", "cigna-0525", "--at", "2026-03-01").stdout.splitlines()
    assert (
        shown[0]
        == "cigna-0525 · CPT 64600 · covered · prior auth "
        + PRIOR_AUTH_WORDS[hist.json("show", "cigna-0525", "--at", "2026-03-01")["prior_auth"]]
    )
    assert shown[1].startswith("v1 (in force on 2026-03-01: its effective date): effective ")
    assert "effective_date" not in "\n".join(shown[:2]) and "captured_at" not in "\n".join(shown[:2])
    versions = hist.json("history", "cigna-0525")
    assert [r["version"] for r in versions] == [1, 2]  # the table's v1, v2: the same numbers
    assert all(isinstance(r["document_id"], int) for r in versions)
    assert [line.split()[0] for line in hist.cli("history", "cigna-0525").stdout.splitlines()[1:]] == ["v1", "v2"]


def test_the_report_says_the_same_words(hist: Workdir, tmp_path: Path) -> None:
    assert hist.cli("report", str(tmp_path)).exit_code == 0
    page = BeautifulSoup((tmp_path / "index.html").read_text(encoding="utf-8"), "lxml")
    badges = {b.get_text() for b in page.select(".status")}
    assert badges <= set(STATUS_LABELS.values()) | {"Not captured yet"}
    assert "Experimental" in badges
    experimental = page.select_one(".s-experimental")
    assert experimental is not None and experimental["title"] == STATUS_MEANINGS["experimental"]
    text = page.get_text(" ")
    assert not any(word in text for word in RETIRED_WORDS)
    matrix = [td.get_text() for td in page.select('table.matrix td[data-label="Prior auth"]')]
    assert matrix and set(matrix) <= set(PRIOR_AUTH_WORDS.values())


def test_the_digest_says_the_same_words(hist: Workdir) -> None:
    for fmt in ("text", "html", "slack"):
        digest = hist.cli("digest", "--since", "2026-04-01", "--format", fmt).stdout
        assert "experimental" in digest, fmt
        assert not any(word in digest for word in RETIRED_WORDS), fmt
        assert "not_covered" not in digest and "prior auth -" not in digest, fmt


def test_every_command_names_a_shared_option_s_value_alike() -> None:
    def commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
        found: list[tuple[str, click.Command]] = []
        for name, command in group.commands.items():
            found.append((prefix + name, command))
            if isinstance(command, click.Group):
                found += commands(command, f"{prefix}{name} ")
        return found

    for name, command in commands(cli):
        for param in command.params:
            if isinstance(param, click.Option) and "--code" in param.opts:
                assert param.metavar == "C", name
            if isinstance(param, click.Option) and {"--since", "--at", "--from", "--to"} & set(param.opts):
                assert param.metavar == "DATE", name
    helped = [cli.commands[c].get_help(click.Context(cli.commands[c])) for c in ("status", "changes", "show")]
    assert all("--code C" in h and "--code TEXT" not in h for h in helped)


def test_the_demo_and_the_starter_name_a_policy_alike() -> None:
    starter = {s["id"]: s for s in tomllib.loads(STARTER.read_text(encoding="utf-8"))["source"]}
    for demo in DEMO_SOURCES:
        assert demo.id in starter, demo.id
        assert (demo.title, demo.plan) == (starter[demo.id]["title"], starter[demo.id].get("plan")), demo.id


def test_the_vocabulary_has_one_word_per_value() -> None:
    assert set(STATUS_WORDS) == set(STATUS_LABELS) == set(STATUS_MEANINGS)
    assert all(STATUS_LABELS[k].lower() == STATUS_WORDS[k] for k in STATUS_WORDS)
    assert all(re.fullmatch(r"[a-z ]+", w) for w in PRIOR_AUTH_WORDS.values())
