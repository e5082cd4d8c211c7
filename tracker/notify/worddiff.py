"""Word-level diff of two code texts: what was deleted and inserted, with the unchanged context trimmed. Pure."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

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
