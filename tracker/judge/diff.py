"""Diff: compare two good versions of a source, code by code. Pure functions.

Change kinds (DESIGN.md): ``new`` (first capture), ``added``, ``removed``,
``changed`` (the governing text differs; carries old and new status) and
``metadata`` (only dates, numbers or title differ). Identical extracted text is
no change, whatever the bytes.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields, replace

from tracker.judge.classify import needs_review
from tracker.models import Change, CodeView, Extraction, Metadata, Section, Status, Version
from tracker.vocab import code_label, prior_auth_word, status_word

# Change, CodeView and Version live in tracker.models; they are re-exported here for the store's import.
__all__ = [
    "CONTEXT_WORDS",
    "DELETE",
    "GAP",
    "INSERT",
    "SAME",
    "Change",
    "CodeView",
    "Segment",
    "Summarize",
    "Version",
    "changed_words",
    "code_text",
    "diff_versions",
    "metadata_changes",
    "unified_diff",
    "version_of",
    "word_diff",
]

Summarize = Callable[[Sequence[Section]], tuple[Status, bool | None]]


def code_text(sections: Iterable[Section]) -> str:
    """The comparable text of a code: each section's heading path and passage, in document order.

    A section that is not policy (a reference, a history row: basis rule "not-policy") counts by
    where it stands only: an edit to a citation that names the code is not a change of policy,
    a code moving into or out of the references is.
    """
    return "\n\n".join(_comparable(s) for s in sections)


def _comparable(section: Section) -> str:
    if section.basis and section.basis.get("rule") == "not-policy":
        return f"{section.heading}\n(not policy: {section.basis.get('phrase', '')})"
    return f"{section.heading}\n{section.text}" if section.heading else section.text


def version_of(extraction: Extraction, codes: Iterable[str], summarize: Summarize) -> Version:
    """Reduce an extraction to a Version, summarizing each present code's sections."""
    views = {}
    for code in codes:
        sections = extraction.for_code(code)
        if sections:
            status, prior_auth = summarize(sections)
            views[code] = CodeView(status, prior_auth, code_text(sections), needs_review(sections))
    return Version(extraction.metadata, frozenset(codes), views)


def diff_versions(old: Version | None, new: Version) -> list[Change]:
    """The changes from ``old`` (None for a first capture) to ``new``, one per affected code."""
    changes = []
    meta = metadata_changes(old.metadata, new.metadata) if old else []
    for code in sorted(new.codes):
        change = _diff_code(code, old, new, meta)
        if change:
            changes.append(replace(change, old=old.views.get(code) if old else None, new=new.views.get(code)))
    return changes


def _diff_code(code: str, old: Version | None, new: Version, meta: list[str]) -> Change | None:
    now = new.views.get(code)
    new_status = now.status if now else "absent"
    if old is None or code not in old.codes:
        return Change(code, "new", None, new_status, f"first capture: {code_label(code)} {_status_words(now)}")
    before = old.views.get(code)
    if before is None and now is None:
        return None
    if before is None:
        return Change(
            code,
            "added",
            "absent",
            new_status,
            f"{code_label(code)} now appears ({status_word(new_status)})",
            unified_diff("", now.text if now else ""),
        )
    if now is None:
        return Change(
            code,
            "removed",
            before.status,
            "absent",
            f"{code_label(code)} is no longer in the document (was {status_word(before.status)})",
            unified_diff(before.text, ""),
        )
    if before.text != now.text:
        return Change(
            code,
            "changed",
            before.status,
            now.status,
            _changed_summary(code, before, now),
            unified_diff(before.text, now.text),
        )
    if meta:
        return Change(code, "metadata", before.status, now.status, "; ".join(meta))
    return None


def _status_words(view: CodeView | None) -> str:
    return status_word(view.status) if view else "not in the document (absent)"


def _changed_summary(code: str, before: CodeView, now: CodeView) -> str:
    if before.status != now.status:
        return f"{code_label(code)}: {status_word(before.status)} → {status_word(now.status)}"
    if before.prior_auth != now.prior_auth:
        was, now_pa = prior_auth_word(before.prior_auth), prior_auth_word(now.prior_auth)
        return f"{code_label(code)}: prior authorization {was} → {now_pa}"
    return f"{code_label(code)}: wording changed (still {status_word(now.status)})"


def metadata_changes(old: Metadata, new: Metadata) -> list[str]:
    """Readable lines for each metadata field that differs, e.g. "effective_date: 2025-01-01 → 2026-04-21"."""
    lines = []
    for f in fields(Metadata):
        before, after = getattr(old, f.name), getattr(new, f.name)
        if before != after:
            lines.append(f"{f.name}: {before or '—'} → {after or '—'}")
    return lines


_SENTENCE_END = re.compile(r"(?<=[.;:])\s+(?=\S)")


def unified_diff(old: str, new: str) -> str:
    """A unified diff of two code texts, one sentence per line so that edits stand out."""
    return "\n".join(difflib.unified_diff(_lines(old), _lines(new), "before", "after", lineterm="", n=2))


def _lines(text: str) -> list[str]:
    return [line for part in text.split("\n") for line in _SENTENCE_END.split(part) if line] if text else []


# --- word-level diff: for people (digest, `tracker diff`, the report) ----------------------------

CONTEXT_WORDS = 8
"""Unchanged words kept on each side of an edit."""

SAME, INSERT, DELETE, GAP = "same", "insert", "delete", "gap"


@dataclass(frozen=True)
class Segment:
    """A run of words: unchanged (``same``), ``insert``, ``delete``, or a ``gap`` of trimmed unchanged words."""

    op: str
    text: str = ""


def word_diff(old: str, new: str, *, context: int = CONTEXT_WORDS) -> tuple[Segment, ...]:
    """The edits from ``old`` to ``new`` word by word; () when the words are the same."""
    a, b = old.split(), new.split()
    if a == b:
        return ()
    # autojunk would treat frequent words ("the", "of") as junk and produce ragged diffs of policy prose.
    opcodes = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    segments: list[Segment] = []
    last = len(opcodes) - 1
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            segments += _context(a[i1:i2], first=index == 0, last=index == last, context=context)
            continue
        if i2 > i1:
            segments.append(Segment(DELETE, " ".join(a[i1:i2])))
        if j2 > j1:
            segments.append(Segment(INSERT, " ".join(b[j1:j2])))
    return tuple(segments)


def _context(words: list[str], *, first: bool, last: bool, context: int) -> list[Segment]:
    """Unchanged words between edits: the ``context`` words next to each edit, a gap for the rest."""
    head = [] if first else words[:context]
    tail = [] if last else words[-context:]
    if len(words) <= len(head) + len(tail):
        return [Segment(SAME, " ".join(words))]
    out = [Segment(SAME, " ".join(head))] if head else []
    out.append(Segment(GAP))
    if tail:
        out.append(Segment(SAME, " ".join(tail)))
    return out


def changed_words(segments: tuple[Segment, ...]) -> int:
    """How many words were inserted or deleted."""
    return sum(len(s.text.split()) for s in segments if s.op in (INSERT, DELETE))
