"""The plain-text digest (the text/plain part of the email, and ``tracker digest``). Pure.

Word edits use wdiff's notation, which reads in any mail client:
``[-deleted words-]`` and ``{+inserted words+}``; ``…`` stands for unchanged words left out.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from itertools import groupby

from tracker.judge.diff import DELETE, GAP, INSERT, Segment
from tracker.notify.digest import PART_TITLES, UPCOMING_TITLES, Digest, Failure, Item
from tracker.store.text import printable
from tracker.vocab import payer_name, plural

WIDTH = 78
INDENT = "    "


def render_text(digest: Digest) -> str:
    """The whole digest as plain text."""
    lines = [digest.subject, digest.headline, f"Generated {digest.generated_at}"]
    for part, items in digest.parts:
        lines += ["", f"{PART_TITLES[part].upper()} ({len(items)})"]
        for name, group in groupby(items, key=lambda i: payer_name(i.payer)):
            lines += ["", name]
            lines += [line for item in group for line in _item(item)]
    for key, ahead in (("announced", digest.announced), ("soon", digest.soon)):
        if ahead:
            lines += ["", f"UPCOMING: {UPCOMING_TITLES[key].upper()} ({len(ahead)})", ""]
            lines += [line for a in ahead for line in [f"  * {a.text}", *([f"{INDENT}{a.url}"] if a.url else [])]]
    if digest.baseline_sources:
        lines += ["", "FIRST CAPTURES", "", f"  {digest.baseline_line}."]
    if digest.failures:
        lines += ["", f"COULD NOT BE CHECKED ({plural(len(digest.failures), 'source')})", ""]
        lines += [line for failure in digest.failures for line in _failure(failure)]
    # Older versions may hold text stored before it was cleaned: no escape reaches a mail client's terminal.
    return printable("\n".join(lines) + "\n", keep="\n")


def _item(item: Item) -> list[str]:
    if item.part == "metadata":
        # One compact line each (issue 5), the link after it.
        return [f"  * {item.headline} — {item.title}", f"{INDENT}{item.url}"]
    lines = [f"  * {item.headline}", f"{INDENT}{item.title}", f"{INDENT}{item.url}"]
    if item.words:
        lines += _wrap(words_text(item.words))
    return lines


def _failure(failure: Failure) -> list[str]:
    return [f"  * {failure.label} — {failure.title}", *_wrap(failure.what), f"{INDENT}{failure.url}"]


def _wrap(text: str) -> list[str]:
    return textwrap.wrap(
        text, WIDTH, initial_indent=INDENT, subsequent_indent=INDENT, break_long_words=False, break_on_hyphens=False
    ) or [INDENT]


def words_text(segments: Iterable[Segment]) -> str:
    """Segments in wdiff notation."""
    marks = {DELETE: "[-{}-]", INSERT: "{{+{}+}}", GAP: "…"}
    return " ".join(marks.get(s.op, "{}").format(s.text) for s in segments)
