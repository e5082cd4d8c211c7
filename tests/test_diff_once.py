"""Issue 22 item 5: diffs say each thing once: one header pair, no caption repeated, dates in order, one version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import Workdir, build_history
from tracker.judge.diff import said_once, unified_diff, word_diff

AETNA_OLD = (
    "CPT Codes / HCPCS Codes / ICD-10 Codes › CPT codes covered if selection criteria are met\n"
    "CPT codes covered if selection criteria are met:\nCode:\n64600 | Code Description: Destruction"
)
AETNA_NEW = AETNA_OLD.replace("covered if selection criteria are met", "not covered for indications listed in the CPB")


@pytest.fixture(scope="module")
def hist(tmp_path_factory: pytest.TempPathFactory) -> Workdir:
    root = tmp_path_factory.mktemp("diff-once")
    build_history(root)
    return Workdir(root)


def test_a_caption_that_ends_the_heading_path_is_said_once() -> None:
    assert said_once(AETNA_OLD).splitlines()[:2] == [
        "CPT Codes / HCPCS Codes / ICD-10 Codes",
        "CPT codes covered if selection criteria are met:",
    ]
    assert said_once("Coverage\nCoverage:\ntext") == "Coverage:\ntext"  # a one-step path that is the caption
    assert said_once("Policy › Coverage\nCriteria apply:") == "Policy › Coverage\nCriteria apply:"  # no repetition
    assert said_once("") == ""


def test_each_changed_word_is_shown_once_in_word_and_unified_diffs() -> None:
    inserted = " ".join(s.text for s in word_diff(AETNA_OLD, AETNA_NEW) if s.op == "insert")
    assert inserted.count("indications") == 1
    unified = unified_diff(AETNA_OLD, AETNA_NEW)
    assert sum("indications" in line for line in unified.splitlines() if line.startswith("+")) == 1


def test_tracker_diff_prints_one_header_pair(hist: Workdir) -> None:
    result = hist.cli("diff", "aetna-0374")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line[:4] for line in lines if line.startswith(("--- ", "+++ "))] == ["--- ", "+++ "]
    assert lines[0].startswith("--- v1: covered, effective") and lines[1].startswith("+++ v2: not covered")
    assert sum("indications" in line for line in lines if line.startswith("+")) == 1


def test_the_digest_shows_a_changed_caption_once(hist: Workdir) -> None:
    digest = hist.cli("digest", "--since", "2026-04-01").stdout
    aetna = digest[digest.index("Aetna 0374") :].split("\n\n")[0]
    assert aetna.count("indications") == 1, aetna


def test_from_later_than_to_is_a_usage_error(hist: Workdir) -> None:
    result = hist.cli("diff", "cigna-0525", "--from", "2026-05-01", "--to", "2026-03-01")
    assert result.exit_code == 2
    assert "--from 2026-05-01 is later than --to 2026-03-01" in result.stderr


def test_one_version_so_far_is_said_with_exit_0(hist: Workdir) -> None:
    one = Workdir(Path(hist.path))
    result = one.cli("diff", "anthem-cg-surg-89")  # run 2 met an access-denied page: still one version
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("anthem-cg-surg-89: only one version so far (v1, captured 2026-02-01")
    payload = json.loads(one.cli("diff", "anthem-cg-surg-89", "--json").stdout)
    assert payload["from"] is None and payload["to"]["version"] == 1 and payload["words"] == []
