"""Issue 14 item 6 and issue 13 item 9 (arguments): every argument checked, exit 2 with a message, no traceback."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.helpers import Workdir, build_history


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("history")
    build_history(root)
    return root


@pytest.fixture
def hist(history: Path) -> Workdir:
    return Workdir(history)


CODE_COMMANDS = [
    ("changes",),
    ("status",),
    ("history", "cigna-0525"),
    ("show", "cigna-0525"),
    ("diff", "cigna-0525"),
    ("search", "nerve"),
]


def _refused(result_output: str, exit_code: int, *fragments: str) -> None:
    assert exit_code == 2, result_output
    assert "Traceback" not in result_output
    for fragment in fragments:
        assert fragment in result_output


@pytest.mark.parametrize("command", CODE_COMMANDS)
def test_a_malformed_code_is_refused(hist: Workdir, command: tuple[str, ...]) -> None:
    result = hist.cli(*command, "--code", "6460")
    _refused(result.output, result.exit_code, "'6460' is not a CPT/HCPCS code")


@pytest.mark.parametrize("command", CODE_COMMANDS)
def test_a_code_no_source_tracks_is_refused_naming_the_tracked_ones(hist: Workdir, command: tuple[str, ...]) -> None:
    result = hist.cli(*command, "--code", "99213")
    _refused(result.output, result.exit_code, "--code 99213: no source tracks it; tracked codes: 64600")


def test_a_code_is_read_as_people_write_it(hist: Workdir) -> None:
    assert hist.cli("status", "--code", " 64600 ").exit_code == 0


@pytest.mark.parametrize("command", [("changes",), ("search", "nerve")])
def test_an_unknown_payer_is_refused_with_the_choices(hist: Workdir, command: tuple[str, ...]) -> None:
    result = hist.cli(*command, "--payer", "cignaa")
    _refused(result.output, result.exit_code, "'cignaa' is not one of", "'cigna'", "'aetna'")


def test_an_unknown_source_is_refused_naming_the_known_ones(hist: Workdir) -> None:
    for args in (("changes", "--source", "nope"), ("history", "nope"), ("show", "nope"), ("diff", "nope")):
        result = hist.cli(*args)
        _refused(result.output, result.exit_code, "'nope'", "aetna-0374, anthem-cg-surg-89, cigna-0525, horizon-142")


@pytest.mark.parametrize("command", [("changes",), ("status",), ("runs",), ("history", "cigna-0525"), ("search", "x")])
def test_json_with_csv_is_refused(hist: Workdir, command: tuple[str, ...]) -> None:
    result = hist.cli(*command, "--json", "--csv")
    _refused(result.output, result.exit_code, "--json and --csv cannot be used together")


@pytest.mark.parametrize(
    "args",
    [
        ("runs", "--limit", "0"),
        ("runs", "--limit", "-5"),
        ("runs", "--limit", "99999999999"),
        ("prune", "--keep-days", "-1"),
        ("prune", "--keep-days", "1000000000"),
        ("search", "nerve", "--limit", "0"),
    ],
)
def test_numbers_out_of_range_are_refused(hist: Workdir, args: tuple[str, ...]) -> None:
    result = hist.cli(*args)
    _refused(result.output, result.exit_code, "is not in the range")


def test_extract_refuses_a_bad_selector_and_a_malformed_code(work: Workdir, tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    page.write_text("<html><body><p>CPT 64600 is covered.</p></body></html>", encoding="utf-8")
    bad = work.cli("extract", str(page), "--selector", "div[")
    _refused(bad.output, bad.exit_code, "--selector 'div[' is not a valid CSS selector")
    code = work.cli("extract", str(page), "--code", "6460")
    _refused(code.output, code.exit_code, "'6460' is not a CPT/HCPCS code")
    assert work.cli("extract", str(page), "--selector", "body").exit_code == 0


def test_extract_of_a_device_is_a_clear_error_at_once(work: Workdir) -> None:
    started = time.monotonic()
    result = work.cli("extract", "/dev/zero")
    _refused(result.output, result.exit_code, "/dev/zero is not a regular file")
    assert time.monotonic() - started < 5
