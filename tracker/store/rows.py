"""Rows: the shapes of what the store's queries return, as TypedDicts.

The CLI prints most of these as they are (``--json``, ``--csv``), so their keys, in this
order, are part of DESIGN.md's command-line contract: adding, renaming or reordering a key
changes an output. The values are what SQLite gives (flags turned into True/False/None
where said). Types only: no I/O, no imports from the project.
"""

from __future__ import annotations

from typing import Any, TypedDict


class ChangeRow(TypedDict):
    """One row of `tracker changes`: a change with its source's title."""

    id: int | None
    """None for a change derived from the current readings (``changes --rederived``), not logged."""
    source: str
    payer: str
    plan: str | None
    title: str | None
    code: str
    kind: str
    old_status: str | None
    new_status: str | None
    detected_at: str
    effective_date: str | None
    summary: str | None
    diff: str | None
    run_id: int | None


class StatusRow(TypedDict):
    """One row of `tracker status`: a source's stance on one code, from its latest good version."""

    source: str
    payer: str
    plan: str | None
    title: str | None
    code: str
    status: str | None
    prior_auth: bool | None
    needs_review: bool
    """The sections that decide the status disagree: a reader must look (issue 12)."""
    effective_date: str | None
    policy_number: str | None
    checked_at: str | None
    changed_at: str | None
    last_error: str | None
    retired_on: str | None
    """When the payer retired the policy (status ``retired``), else None."""
    lob: str | None
    state: str | None
    reading: str
    """ "confirmed" when an analyst's confirmation holds on the current version (issue 21), else "automatic"."""
    confirmed_by: str | None
    confirmed_at: str | None
    automatic_status: str | None
    """The automatic reading, also where ``status`` is an analyst's."""
    automatic_prior_auth: bool | None


class RunSourceRow(TypedDict):
    """One source's outcome in a run (``sources`` of a `tracker runs` row)."""

    source: str
    outcome: str
    error_class: str | None
    error: str | None
    http_status: int | None
    duration_ms: int


class RunRow(TypedDict):
    """One row of `tracker runs`."""

    id: int
    started_at: str
    finished_at: str | None
    duration_s: float | None
    status: str
    sources_total: int
    sources_ok: int
    sources_failed: int
    changes: int
    only: list[str]
    extractor: str | None
    """The identity of the extractor the run read documents with (None before identities existed)."""
    sources: list[RunSourceRow]


class HistoryRow(TypedDict):
    """One row of `tracker history`: what one stored version said of one code."""

    source: str
    version: int
    """The version's number within its source: 1 for the first capture, 2 for the next (shown "v2")."""
    number: int
    """The same number (kept for readers of the earlier JSON)."""
    document_id: int
    """The version's database id (``documents.id``)."""
    captured_at: str
    sha256: str
    code: str
    status: str
    prior_auth: bool | None
    effective_date: str | None
    last_review_date: str | None
    policy_number: str | None
    title: str | None
    text: str | None


class SectionRow(TypedDict):
    """One section of a version (``sections`` of a `tracker show` row)."""

    heading: str
    text: str
    status: str
    prior_auth: bool | None
    page: int | None
    basis: dict[str, str] | None
    """The section's basis ({"rule", "phrase", "from"}: what decided its status); None for sections stored before."""


class VersionRow(TypedDict):
    """`tracker show --json` (and each end of `tracker diff`): one version's take on one code, with provenance."""

    source: str
    code: str
    as_of: str | None
    basis: str
    version: int
    """The version's number within its source (shown "v2"), as in `tracker history`."""
    number: int
    """The same number (kept for readers of the earlier JSON)."""
    document_id: int
    """The version's database id (``documents.id``)."""
    captured_at: str
    effective_date: str | None
    last_review_date: str | None
    policy_number: str | None
    title: str | None
    url: str
    sha256: str
    raw_pruned_at: str | None
    status: str
    prior_auth: bool | None
    text: str | None
    sections: list[SectionRow]


class SearchRow(TypedDict):
    """One hit of `tracker search`."""

    source: str
    payer: str
    plan: str | None
    code: str
    version: int
    captured_at: str
    effective_date: str | None
    status: str
    heading: str
    snippet: str
    text: str


class FailingSourceRow(TypedDict):
    """A source whose latest fetch failed: the streak, the last success, the latest error."""

    source: str
    payer: str
    plan: str | None
    title: str | None
    url: str
    failures_in_a_row: int
    gone_in_a_row: int
    last_success: str | None
    error_class: str | None
    error: str | None
    http_status: int | None
    failed_at: str


class FailureRow(FailingSourceRow):
    """A failing source as the digest shows it: with the policy number of its last good version."""

    policy_number: str | None


class DigestChangeRow(TypedDict):
    """A change as the digest and the report show it: with its source, policy number and both ends' text."""

    lob: str | None
    """The source's line of business (sources.toml ``lob``), if given."""
    id: int
    run_id: int
    source_id: str
    payer: str
    plan: str | None
    code: str
    kind: str
    old_status: str | None
    new_status: str | None
    detected_at: str
    effective_date: str | None
    summary: str | None
    title: str | None
    policy_number: str | None
    url: str
    old_text: str | None
    new_text: str | None
    old_prior_auth: int | None
    """As stored: 1, 0 or None."""
    new_prior_auth: int | None
    needs_review: int | None
    """1 when the new version's deciding sections disagree (issue 12)."""
    new_document_id: int | None
    confirmed: dict[str, Any] | None
    """The analyst's confirmation holding on the new version: {"status", "prior_auth", "by", "at"} (issue 21)."""
    lapsed: dict[str, Any] | None
    """The analyst's confirmation this change made lapse (the governing text changed), same keys."""
    """As stored: 1, 0 or None."""
