"""The report's change views: the timeline per payer and each change side by side, with word-level
highlights (``<ins>``/``<del>`` carry hidden start/end words for screen readers) and links to the
readable captures. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from tracker.judge.diff import DELETE, GAP, INSERT, SAME, Segment, said_once, word_diff
from tracker.report.parts import ChangeView, Side, badge, date, e, kind_label, link, prior_auth, when
from tracker.vocab import (
    code_label,
    payer_name,
    status_word,
)

FULL_TEXT_WORDS = 5000
"""Unchanged words kept around each edit in the side-by-side view: the whole passage, unless it is huge."""

BREAK = "\ue000"
"""Stands for a line break of the passage while it goes through the word diff (which splits on whitespace)."""


def timeline_section(changes: Sequence[ChangeView]) -> str:
    """Per payer, every change newest first; first captures included, as the baseline."""
    out = ['<section id="timeline" aria-labelledby="timeline-h"><h2 id="timeline-h">Timeline of changes</h2>']
    by_payer = sorted(changes, key=lambda c: payer_name(c.item.payer))
    for name, group in groupby(by_payer, key=lambda c: payer_name(c.item.payer)):
        entries = sorted(group, key=lambda c: (c.item.detected_at, c.item.change_id), reverse=True)
        out.append(f"<h3>{e(name)}</h3>")
        out.append('<ol class="timeline">' + "".join(_entry(c) for c in entries) + "</ol>")
    if not changes:
        out.append("<p>Nothing recorded yet.</p>")
    return "\n".join(out) + "</section>"


def _entry(view: ChangeView) -> str:
    item = view.item
    if item.kind == "new":
        what = f"first capture ({status_word(item.new_status)})"
        more = f' <a href="{e(view.new.href)}">Capture</a>' if view.new and view.new.href else ""
    else:
        what = item.what
        more = f' <a href="#{view.anchor}">Side by side</a>'
    return (
        f'<li data-kind="{e(item.kind)}">{when(item.detected_at)} <span class="kind">{e(kind_label(item.kind))}'
        f"</span> <strong>{e(item.label)}</strong>: {e(what)}.{more}</li>"
    )


# --- the changes, side by side ---------------------------------------------------------------------


def changes_section(changes: Sequence[ChangeView]) -> str:
    """Each change (first captures excluded), newest first, before | after with word highlights."""
    out = ['<section id="changes" aria-labelledby="changes-h"><h2 id="changes-h">Changes side by side</h2>']
    ordered = sorted(changes, key=lambda c: (c.item.detected_at, c.item.change_id), reverse=True)
    out += [_change(c) for c in ordered]
    if not changes:
        out.append("<p>No change since the first captures.</p>")
    return "\n".join(out) + "</section>"


def _change(view: ChangeView) -> str:
    item = view.item
    facts = [
        f"detected {when(item.detected_at)}",
        f"effective {date(item.effective_date)}",
        f"policy: {link(item.url, item.title)}",
    ]
    parts = [
        f'<article class="change" id="{view.anchor}" data-kind="{e(item.kind)}" data-source="{e(item.source_id)}">',
        f"<h3>{e(item.label)}: {e(item.what)}</h3>",
        f'<p class="muted">{" · ".join(facts)}</p>',
    ]
    if item.kind == "metadata":
        parts.append(
            f"<p>Only dates or other details changed ({e(item.what)}); the passage about the code is the same.</p>"
        )
    else:
        parts.append(side_by_side(view))
    parts.append(_captures(view))
    return "\n".join(parts) + "</article>"


def side_by_side(view: ChangeView) -> str:
    """A two-column table: the old passage with deletions, the new one with insertions."""
    old_text = _marked(said_once(view.old.text)) if view.old else ""
    new_text = _marked(said_once(view.new.text)) if view.new else ""
    segments = word_diff(old_text, new_text, context=FULL_TEXT_WORDS) or (Segment(SAME, new_text),)
    heads = "".join(
        f'<th scope="col">{_side_head(label, side)}</th>' for label, side in (("Before", view.old), ("After", view.new))
    )
    before, after = (_short_head(label, side) for label, side in (("Before", view.old), ("After", view.new)))
    cells = (
        f'<td data-label="{before}">{words_html(segments, DELETE)}</td>'
        f'<td data-label="{after}">{words_html(segments, INSERT)}</td>'
    )
    caption = f"{e(code_label(view.item.code))} in {e(view.item.title)}: the passage before and after"
    return (
        f'<table class="sbs"><caption>{caption}</caption><thead><tr>{heads}</tr></thead>'
        f"<tbody><tr>{cells}</tr></tbody></table>"
    )


def _marked(text: str) -> str:
    """The passage with each line break as a word of its own, so that the diff keeps the heading lines."""
    return text.replace(BREAK, " ").replace("\n", f" {BREAK} ")


def _short_head(label: str, side: Side | None) -> str:
    """A cell's label when the table is stacked on a phone: "Before (v1, 2026-02-01)"."""
    return e(f"{label} (v{side.version}, {side.captured_at[:10]})" if side else label)


def _side_head(label: str, side: Side | None) -> str:
    if side is None:
        return e(label)
    return (
        f"{e(label)}: v{side.version}, captured {when(side.captured_at)}, effective "
        f"{date(side.effective_date)}<br>{badge(side.status)} prior auth: {e(prior_auth(side.prior_auth))}"
    )


def words_html(segments: Sequence[Segment], keep: str) -> str:
    """One side of a word diff: unchanged words, plus the ``keep`` edits (DELETE: the old side; INSERT: the new)."""
    shown = [s for s in segments if s.op == keep or s.op not in (DELETE, INSERT)]
    if not shown:
        return '<span class="muted">(not in this version)</span>'
    return " ".join(_segment(s) for s in shown)


def _segment(segment: Segment) -> str:
    if segment.op == GAP:
        return '<span class="gap" title="unchanged words left out">…</span>'
    if segment.op in (DELETE, INSERT):
        tag = "del" if segment.op == DELETE else "ins"
        return f"<{tag}>{_text(segment.text)}</{tag}>"
    return _text(segment.text)


def _text(words: str) -> str:
    return e(words).replace(f" {BREAK} ", "<br>").replace(BREAK, "<br>")


def _captures(view: ChangeView) -> str:
    links = [_capture("before", view.old), _capture("after", view.new)]
    return f'<p class="captures">Stored captures: {" · ".join(links)}</p>'


def _capture(label: str, side: Side | None) -> str:
    if side is None:
        return f"{e(label)}: none"
    name = f"{label} (v{side.version}, sha256 {side.sha256[:12]}…)"
    if side.href is None:
        return f"{e(name)}: {e(side.note or 'not available')}"
    return f'<a href="{e(side.href)}" type="{e(_mime(side.href))}">{e(name)}</a>'


def _mime(href: str) -> str:
    return {"pdf": "application/pdf", "html": "text/html", "json": "application/json"}.get(
        href.rsplit(".", 1)[-1], "application/octet-stream"
    )
