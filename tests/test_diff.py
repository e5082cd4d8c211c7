"""diff: change kinds between two versions, per code (pure)."""

from __future__ import annotations

from tracker.judge.diff import CodeView, Version, diff_versions, metadata_changes, unified_diff
from tracker.models import Metadata

META = Metadata(title="Peripheral Nerve Destruction", policy_number="0525", effective_date="2025-04-15")
COVERED = CodeView(
    "covered", None, "Coding Information › Considered Medically Necessary\n64600 Destruction by neurolytic agent"
)
EXPERIMENTAL = CodeView(
    "experimental", None, "Coding Information › Considered Experimental/Investigational/Unproven\n64600 Destruction"
)


def version(views: dict[str, CodeView], meta: Metadata = META, codes: tuple[str, ...] = ("64600",)) -> Version:
    return Version(meta, frozenset(codes), views)


def test_first_capture_is_new_with_status() -> None:
    [change] = diff_versions(None, version({"64600": COVERED}))
    assert (change.kind, change.old_status, change.new_status) == ("new", None, "covered")


def test_first_capture_without_the_code_is_new_absent() -> None:
    [change] = diff_versions(None, version({}))
    assert (change.kind, change.new_status) == ("new", "absent")


def test_identical_text_is_no_change() -> None:
    assert diff_versions(version({"64600": COVERED}), version({"64600": COVERED})) == []


def test_status_move_is_changed_with_both_statuses_and_a_diff() -> None:
    [change] = diff_versions(version({"64600": COVERED}), version({"64600": EXPERIMENTAL}))
    assert (change.kind, change.old_status, change.new_status) == ("changed", "covered", "experimental")
    assert change.summary == "CPT 64600: covered → experimental"
    assert "-Coding Information › Considered Medically Necessary" in change.diff
    assert "+Coding Information › Considered Experimental/Investigational/Unproven" in change.diff


def test_code_gone_is_removed_and_back_is_added() -> None:
    [removed] = diff_versions(version({"64600": COVERED}), version({}))
    assert (removed.kind, removed.old_status, removed.new_status) == ("removed", "covered", "absent")
    [added] = diff_versions(version({}), version({"64600": COVERED}))
    assert (added.kind, added.old_status, added.new_status) == ("added", "absent", "covered")


def test_only_dates_changed_is_metadata() -> None:
    newer = Metadata(title=META.title, policy_number="0525", effective_date="2026-04-21")
    [change] = diff_versions(version({"64600": COVERED}), version({"64600": COVERED}, newer))
    assert change.kind == "metadata"
    assert change.summary == "effective_date: 2025-04-15 → 2026-04-21"


def test_newly_tracked_code_is_new_not_added() -> None:
    old = version({"64600": COVERED})
    new = version({"64600": COVERED, "64605": COVERED}, codes=("64600", "64605"))
    [change] = diff_versions(old, new)
    assert (change.code, change.kind) == ("64605", "new")


def test_wording_change_keeps_status_in_summary() -> None:
    edited = CodeView("covered", None, COVERED.text + " when specified as radiofrequency neurolysis")
    [change] = diff_versions(version({"64600": COVERED}), version({"64600": edited}))
    assert change.kind == "changed" and change.summary == "CPT 64600: wording changed (still covered)"


def test_metadata_lines_and_sentence_diff() -> None:
    assert metadata_changes(META, META) == []
    diff = unified_diff("A is covered. B is covered.", "A is covered. B is not covered.")
    assert "-B is covered." in diff and "+B is not covered." in diff and " A is covered." in diff


def test_prior_auth_stated_elsewhere_changes_the_code_with_the_same_passage() -> None:
    """BCBS MA: the Prior Authorization section flips to "is required"; the code's passage is the same."""
    before = CodeView("covered", False, COVERED.text)
    after = CodeView("covered", True, COVERED.text)
    [change] = diff_versions(version({"64600": before}), version({"64600": after}))
    assert (change.kind, change.old_status, change.new_status) == ("changed", "covered", "covered")
    assert change.summary == "CPT 64600: prior authorization not required → required"


def test_a_stance_taken_elsewhere_changes_the_code_with_the_same_passage() -> None:
    """A document statement that governs a code list changes stance; the list's rows are the same."""
    [change] = diff_versions(
        version({"64600": COVERED}), version({"64600": CodeView("experimental", None, COVERED.text)})
    )
    assert (change.kind, change.old_status, change.new_status) == ("changed", "covered", "experimental")
