"""The Slack digest: a Block Kit message within Slack's limits. Pure.

Slack refuses a message with more than 50 blocks, a section text over 3,000
characters, a header over 150, or (undocumented) about 13,000 characters in
all. Items are packed into section blocks in digest order until the budget is
spent; what does not fit is counted in a visible note and stays pending, so it
follows with the next digest instead of being lost.
Nothing is cut without saying so: a long word diff ends with "diff shortened".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tracker.judge.diff import DELETE, GAP, INSERT, Segment
from tracker.notify.digest import PART_TITLES, UPCOMING_TITLES, Digest, Failure, Item
from tracker.vocab import plural

MAX_BLOCKS = 50
MAX_TEXT = 3000
MAX_HEADER = 150
MAX_LINK = 1000
"""Longest policy link put in a message; a longer URL is left to the email."""
MAX_TOTAL = 12_000
"""Characters across all blocks. Not documented, but Slack answers ``msg_blocks_too_long`` from about
13,000 (slackapi/bolt-js#2509), so the message stays under that."""
DIFF_CHARS = 300
"""Word-diff characters shown per item: a phone screen's worth; the email has the whole diff."""
FAILURES_CHARS = 2_000


# Slack mrkdwn has no escape for its markers, so a policy's own "CPT®*" or "~" would open bold or
# strike-through; lookalike characters keep the text legible without breaking the formatting.
_LOOKALIKES = str.maketrans({"*": "∗", "~": "∼", "`": "ˋ"})


def text(value: str) -> str:
    """Text from a policy or a server, made safe for mrkdwn (Slack's three escapes, markers neutralized)."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").translate(_LOOKALIKES)


def clip(value: str, limit: int) -> str:
    """``value`` cut to ``limit`` characters at a word boundary, with a visible "…" when cut."""
    if len(value) <= limit:
        return value
    return value[: limit - 1].rsplit(" ", 1)[0] + "…"


def link(url: str, label: str) -> str:
    """A mrkdwn link ``<url|label>``."""
    safe_url = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return f"<{safe_url}|{text(label).replace('|', '¦')}>"


@dataclass(frozen=True)
class SlackMessage:
    """A webhook payload, the changes it accounts for, and how many items it had to leave out."""

    payload: dict[str, Any]
    change_ids: tuple[int, ...]
    left_out: int


def slack_message(digest: Digest) -> SlackMessage:
    """The digest as a Block Kit payload within Slack's limits."""
    head = [_header(digest.subject), _section(f"*{text(digest.headline)}*")]
    tail = []
    for key, ahead in (("announced", digest.announced), ("soon", digest.soon)):
        if ahead:
            lines = "\n".join(f"• {text(a.text)}" for a in ahead)
            tail.append(_section(clip(f"*Upcoming: {UPCOMING_TITLES[key]} ({len(ahead)})*\n{lines}", 2900)))
    if digest.baseline_sources:
        tail.append(_section(f"*First captures*\n{text(digest.baseline_line)}."))
    if digest.failures:
        tail.append(_section(failures_text(digest.failures)))
    # Room for the "not shown" note is kept back whether or not it is needed.
    spare_chars = MAX_TOTAL - _chars(head + tail) - len(_left_out_note(len(digest.items)))
    chunks, shown = pack(digest, MAX_BLOCKS - len(head) - len(tail) - 1, spare_chars)
    left = len(digest.items) - len(shown)
    note = [_context(_left_out_note(left))] if left else []
    blocks = head + [_section(c) for c in chunks] + note + tail
    payload = {"text": text(digest.subject), "blocks": blocks}
    return SlackMessage(payload, tuple(i.change_id for i in shown) + digest.baseline_ids, left)


def _chars(blocks: list[dict[str, Any]]) -> int:
    return sum(len(b["text"]["text"]) for b in blocks if "text" in b)


def _left_out_note(left: int) -> str:
    return (
        f"{plural(left, 'more change')} not shown here, to keep within Slack's message size; "
        "they follow with the next digest. The email digest and `tracker changes` list them all."
    )


class _Packer:
    """Fills section texts with items, in order, until the block or character budget is spent."""

    def __init__(self, max_blocks: int, max_chars: int) -> None:
        self.max_blocks, self.max_chars = max_blocks, max_chars
        self.chunks: list[str] = []
        self.shown: list[Item] = []
        self.used = 0
        self.current = ""
        self.placed: list[Item] = []

    def open(self, heading: str) -> bool:
        """Start a part's first block; False when there is no room for another block."""
        if len(self.chunks) >= self.max_blocks or self.used + len(heading) > self.max_chars:
            return False
        self.current, self.placed = heading, []
        return True

    def add(self, item: Item) -> bool:
        """Place one item (in this block or a new one); False when it does not fit any more."""
        entry = item_text(item)
        if self.used + len(self.current) + 2 + len(entry) > self.max_chars:
            return False
        if len(self.current) + 2 + len(entry) <= MAX_TEXT:
            self.current += "\n\n" + entry
            self.placed.append(item)
            return True
        self.close()
        if len(self.chunks) >= self.max_blocks:
            return False
        self.current, self.placed = entry, [item]
        return True

    def close(self) -> None:
        """Keep the current block if it holds an item (a part heading alone is dropped)."""
        if self.placed:
            self.chunks.append(self.current)
            self.used += len(self.current)
            self.shown += self.placed
        self.current, self.placed = "", []


def pack(digest: Digest, max_blocks: int, max_chars: int) -> tuple[list[str], list[Item]]:
    """Section texts (each ≤ 3,000 characters; at most ``max_blocks``, ``max_chars`` in all) and their items."""
    packer = _Packer(max_blocks, max_chars)
    for part, items in digest.parts:
        if not packer.open(f"*{PART_TITLES[part]} ({len(items)})*"):
            break
        complete = True
        for item in items:
            if not packer.add(item):
                complete = False
                break
        packer.close()
        if not complete:
            break
    return packer.chunks, packer.shown


def item_text(item: Item) -> str:
    """One item in mrkdwn: label and event, the policy link, the shortened word diff."""
    head = f"• *{text(item.label)}*: {text(item.what)}"
    policy = link(item.url, clip(item.title, 200))
    if len(policy) > MAX_LINK:  # a freak URL would overflow the section on its own
        policy = f"{text(clip(item.title, 200))} _(link too long for Slack; see the email)_"
    if item.part == "metadata":
        return f"{head} — {policy}"
    lines = [head, policy]
    if item.words:
        lines.append("> " + diff_text(item.words, item.source_id))
    entry = "\n".join(lines)
    if len(entry) > MAX_TEXT // 2:  # only a freak URL gets here; keep the item, say the diff is elsewhere
        return "\n".join(lines[:2]) + f"\n_(diff not shown; see the email or `tracker diff {item.source_id}`)_"
    return entry


def diff_text(segments: Iterable[Segment], source_id: str, limit: int = DIFF_CHARS) -> str:
    """Segments in mrkdwn (~deleted~, *inserted*), whole segments only, up to ``limit`` characters."""
    out: list[str] = []
    size = 0
    segments = list(segments)
    for index, s in enumerate(segments):
        piece = _segment(s)
        if size + len(piece) > limit and out:
            rest = sum(len(x.text.split()) for x in segments[index:] if x.op in (INSERT, DELETE))
            out.append(
                f"_(diff shortened: {plural(rest, 'more changed word')}; see the email or `tracker diff {source_id}`)_"
            )
            break
        out.append(piece)
        size += len(piece) + 1
    return " ".join(out)


def _segment(s: Segment) -> str:
    if s.op == GAP:
        return "…"
    body = text(clip(s.text, DIFF_CHARS))
    return {DELETE: f"~{body}~", INSERT: f"*{body}*"}.get(s.op, body)


def failures_text(failures: Iterable[Failure], limit: int = FAILURES_CHARS) -> str:
    """The failures as one section text, listing as many as fit in ``limit`` and counting the rest."""
    failures = list(failures)
    lines = [f"*Could not be checked ({plural(len(failures), 'source')})*"]
    for index, f in enumerate(failures):
        line = f"• *{text(f.label)}* — {link(f.url, clip(f.title, 200))}: {text(clip(f.what, 600))}"
        more = f"…and {plural(len(failures) - index, 'more source')} (`tracker runs` lists them)"
        if sum(len(x) + 1 for x in lines) + len(line) + len(more) + 2 > limit:
            lines.append(more)
            break
        lines.append(line)
    return "\n".join(lines)


def _header(value: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(value, MAX_HEADER), "emoji": True}}


def _section(value: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": value}}


def _context(value: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": value}]}
