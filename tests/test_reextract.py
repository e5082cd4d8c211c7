"""`tracker reextract` (issue 11): every stored version re-read with the current extractor — a dry run names
exactly the versions a rule change affects, a real run stores them, the change log is never rewritten, and
`changes --rederived` shows the corrected transitions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace

from tests.helpers import demo_cli, demo_rows
from tracker.demo import DemoResult
from tracker.extract import extract
from tracker.extract.identity import Extractor
from tracker.models import Extraction, Kind
from tracker.run.reextract import plan, reextract
from tracker.store import open_store
from tracker.store.queries import source_ids


def not_covered_reads_experimental(
    body: bytes, kind: Kind, codes: Sequence[str], *, selector: str | None = None, encoding: str | None = None
) -> Extraction:
    """A deliberate rule change: every "not covered" section now reads "experimental"."""
    found = extract(body, kind, codes, selector=selector, encoding=encoding)
    sections = tuple(replace(s, status="experimental") if s.status == "not_covered" else s for s in found.sections)
    return replace(found, sections=sections)


RULE_CHANGE = Extractor("rulechange01", not_covered_reads_experimental)


def test_a_dry_run_of_the_unchanged_extractor_over_the_demo_history_is_empty(demo: DemoResult) -> None:
    before = demo_rows(demo, "select * from coverage order by document_id, code")
    result = demo_cli(demo, "reextract", "--dry-run", "--json", "--jobs", "2")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []
    text = demo_cli(demo, "reextract", "--dry-run")
    assert "Re-read 10 versions of 6 sources" in text.output and "0 read differently" in text.output
    assert demo_rows(demo, "select * from coverage order by document_id, code") == before


def test_a_rule_change_dry_run_names_exactly_the_affected_versions(demo: DemoResult) -> None:
    store = open_store(demo.data)
    try:
        report = reextract(
            store, plan(store, source_ids(store), {}), jobs=1, dry_run=True, now="2026-05-01", extractor=RULE_CHANGE
        )
    finally:
        store.close()
    # In the demo history only Aetna 0374's second version says "not covered" of 64600.
    assert [
        (d.source, d.version, d.code, d.to_dict()["old_status"], d.to_dict()["new_status"]) for d in report.differences
    ] == [("aetna-0374", 2, "64600", "not_covered", "experimental")]
    assert report.versions == 10 and not report.failures
    assert demo_rows(demo, "select count(*) from superseded_readings") == [(0,)]


def test_a_real_reextract_stores_the_readings_and_never_rewrites_the_change_log(demo: DemoResult) -> None:
    logged = demo_rows(demo, "select * from changes order by id")
    store = open_store(demo.data)
    try:
        planned = plan(store, source_ids(store), {})
        report = reextract(store, planned, jobs=2, dry_run=False, now="2026-05-01", extractor=RULE_CHANGE)
    finally:
        store.close()
    assert report.stored == 10  # every version is now the rule change's reading (9 read the same)
    assert len(report.differences) == 1
    assert demo_rows(demo, "select * from changes order by id") == logged
    assert demo_rows(demo, "select distinct extractor from documents") == [("rulechange01",)]

    history = json.loads(demo_cli(demo, "history", "aetna-0374", "--json").stdout)
    assert [h["status"] for h in history] == ["covered", "experimental"]
    log = json.loads(demo_cli(demo, "changes", "--source", "aetna-0374", "--json").stdout)
    assert [(c["kind"], c["old_status"], c["new_status"]) for c in log] == [
        ("new", None, "covered"),
        ("changed", "covered", "not_covered"),  # what was detected and delivered at the time
    ]
    rederived = json.loads(demo_cli(demo, "changes", "--source", "aetna-0374", "--rederived", "--json").stdout)
    assert [(c["kind"], c["old_status"], c["new_status"]) for c in rederived] == [
        ("new", None, "covered"),
        ("changed", "covered", "experimental"),
    ]
    assert all(c["id"] is None for c in rederived)

    again = demo_cli(demo, "reextract", "--dry-run", "--json", "--jobs", "1")  # the installed extractor reads it back
    assert again.exit_code == 0
    assert [(d["source"], d["version"], d["old_status"], d["new_status"]) for d in json.loads(again.stdout)] == [
        ("aetna-0374", 2, "experimental", "not_covered")
    ]


def test_reextract_of_an_unknown_source_is_a_usage_error(demo: DemoResult) -> None:
    result = demo_cli(demo, "reextract", "--source", "nope")
    assert result.exit_code == 2 and "no source 'nope'" in result.output


def test_a_version_whose_capture_is_gone_is_reported_and_the_rest_is_read(demo: DemoResult) -> None:
    [(sha,)] = demo_rows(demo, "select sha256 from documents where source_id = 'cigna-0525' order by id limit 1")
    (demo.data / "raw" / sha[:2] / f"{sha}.gz").unlink()
    result = demo_cli(demo, "reextract", "--dry-run", "--jobs", "1")
    assert result.exit_code == 1
    assert "cigna-0525 v1" in result.output and "not re-read" in result.output
    assert "Re-read 10 versions" in result.output
