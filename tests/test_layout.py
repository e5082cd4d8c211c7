"""The house rules of the restructure: one exception tree answered through one exit-status table,
at most eight top-level modules, small functions and classes, and per-source isolation in a run."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tests import samples
from tests.helpers import PolicyServer, Workdir
from tracker import errors
from tracker.cli.base import TrackerGroup
from tracker.config.sources import load_config
from tracker.extract import extract
from tracker.extract.identity import Extractor, current_identity
from tracker.models import Extraction, Kind
from tracker.run.check import run_check
from tracker.store import open_store

PACKAGE = Path(__file__).parent.parent / "tracker"


def _tree(cls: type[errors.TrackerError]) -> Iterator[type[errors.TrackerError]]:
    yield cls
    for sub in cls.__subclasses__():
        yield from _tree(sub)


def test_every_error_class_is_in_the_exit_status_table() -> None:
    classes = set(_tree(errors.TrackerError))
    assert classes == set(errors.EXIT_STATUSES)
    assert all(errors.EXIT_STATUSES[c] == c.exit_status for c in classes)
    documented = {errors.ConfigError: 2, errors.UsageError: 2, errors.StoreError: 3, errors.LockedError: 4}
    assert all(errors.EXIT_STATUSES[c] == status for c, status in documented.items())
    assert errors.EXIT_STATUSES[errors.ExtractError] not in (0, 2, 3, 4)  # an unreadable file is not a database


@pytest.mark.parametrize("cls", sorted(_tree(errors.TrackerError), key=lambda c: c.__name__))
def test_the_cli_answers_each_error_class_with_its_status(cls: type[errors.TrackerError]) -> None:
    @click.group(cls=TrackerGroup)
    def group() -> None:
        pass

    @group.command()
    def boom() -> None:
        if cls is errors.FetchError:
            raise errors.FetchError("it broke", error_class="network")
        raise cls("it broke")

    result = CliRunner().invoke(group, ["boom"])
    assert result.exit_code == cls.exit_status
    assert "Error: it broke" in result.output and "Traceback" not in result.output


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_at_most_eight_modules_at_the_top_of_the_package() -> None:
    top = [p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py")]
    assert len(top) <= 8, top


def test_no_function_over_50_lines_and_no_class_over_150() -> None:
    too_long = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            limit = 150 if isinstance(node, ast.ClassDef) else 50
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > limit:
                    too_long.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name} ({length} lines)")
    assert not too_long


def test_every_package_says_what_it_owns() -> None:
    for init in PACKAGE.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc) > 40, init


POLICIES = {
    "aetna": ("/aetna.html", samples.aetna_cpb_html),
    "cigna": ("/cigna.pdf", samples.cigna_policy_pdf),
    "uhc": ("/uhc.pdf", samples.uhc_policy_pdf),
    "horizon": ("/horizon.html", samples.horizon_range_html),
}


def _sources(server: PolicyServer) -> str:
    return 'codes = ["64600"]\n' + "".join(
        f'[[source]]\nid = "{name}"\npayer = "{"bcbs" if name == "horizon" else name}"\n'
        f'title = "{name} policy"\nurl = "{server.url(path)}"\n'
        for name, (path, _) in POLICIES.items()
    )


def test_a_bug_in_extraction_is_that_sources_failure_and_the_run_goes_on(server: PolicyServer, work: Workdir) -> None:
    for path, make in POLICIES.values():
        server.set(path, make(1), content_type="application/pdf" if path.endswith(".pdf") else "text/html")
    work.write_sources(_sources(server))
    config = load_config(work.sources)
    uhc_body = POLICIES["uhc"][1](1)

    def buggy(
        body: bytes, kind: Kind, codes: Sequence[str], *, selector: str | None = None, encoding: str | None = None
    ) -> Extraction:
        if body == uhc_body:
            raise KeyError("a bug of ours")  # not an ExtractError: an unexpected exception
        return extract(body, kind, codes, selector=selector, encoding=encoding)

    store = open_store(work.data)
    clock = lambda: datetime(2026, 4, 21, 6, tzinfo=UTC)  # noqa: E731
    result = run_check(config, store, clock=clock, extractor=Extractor(current_identity(), buggy))
    outcomes = {r.source.id: (r.outcome, r.error_class) for r in result.results}
    assert outcomes == {
        "aetna": ("new", None),
        "cigna": ("new", None),
        "horizon": ("new", None),
        "uhc": ("error", "internal"),
    }
    failed = result.failed[0]
    assert failed.error and "KeyError" in failed.error and "a bug of ours" in failed.error
    runs = work.json("runs")
    assert runs[0]["status"] == "partial" and runs[0]["sources_ok"] == 3 and runs[0]["sources_failed"] == 1
    uhc = next(s for s in runs[0]["sources"] if s["source"] == "uhc")
    assert uhc["outcome"] == "error" and uhc["error_class"] == "internal"
